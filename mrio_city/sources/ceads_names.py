"""CEADs city names matched to census prefecture codes (the China city build).

:func:`ceads_census_crosswalk`: CEADs city names (``安徽安庆``; municipalities bare, ``北京``;
split by :func:`~mrio_city.sources.read_ceads_cities` into province + ``city_short``) matched
to census prefecture codes (2020 boundaries, full names such as ``安庆市`` or
``黔东南苗族侗族自治州``), by one of these methods:

1. ``municipality``: 北京, 天津, 上海, 重庆 -> the census unit of the municipality;
2. ``rule``: same province and census name without its suffix (市/地区/盟/自治州/林区);
3. ``autonomous_prefix``: abbreviated autonomous prefectures (``贵州黔东南``, ``湖北恩施州``,
   ``新疆伊犁州直属县``): the unique census unit of that province whose name starts with the
   abbreviation (a trailing 州 and the suffix 直属县 are dropped first);
4. ``merged_into_<code>``: units that no longer exist in 2020 boundaries: 山东莱芜 (merged
   into 济南 370100 in 2019, so its emissions are added to 济南, whose census area includes
   it);
5. ``defunct``: 安徽巢湖 (abolished 2011 and split between 合肥, 芜湖 and 马鞍山; it has no
   2012 value and is dropped).

Every CEADs name gets exactly one row; nothing is silently dropped.

The other joins of the build are in :mod:`mrio_city.sources.crosswalk`.
"""

from __future__ import annotations

import pandas as pd

from mrio_city.model.errors import DataSourceError

from ._paths import require_columns

__all__ = [
    "city_short_name",
    "ceads_census_crosswalk",
    "MUNICIPALITIES",
    "MERGED_UNITS",
    "DEFUNCT_UNITS",
]

#: Province-level municipalities: CEADs name -> census city name.
MUNICIPALITIES = {"北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市"}
#: CEADs units merged into another census unit by 2020: CEADs name -> census code.
MERGED_UNITS = {"山东莱芜": 370100}
#: CEADs units abolished before 2012 (no census unit): CEADs name -> note.
DEFUNCT_UNITS = {"安徽巢湖": "abolished 2011, split between 合肥市, 芜湖市 and 马鞍山市"}

_CITY_SUFFIXES = ("市", "地区", "盟", "自治州", "林区")


def city_short_name(name: str) -> str:
    """Return a census unit name without its suffix (``安庆市`` -> ``安庆``)."""
    for suffix in _CITY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def ceads_census_crosswalk(ceads_cities: pd.DataFrame, census: pd.DataFrame) -> pd.DataFrame:
    """Match CEADs city names to census prefecture-level units.

    Parameters
    ----------
    ceads_cities : DataFrame
        :func:`~mrio_city.sources.read_ceads_cities` (long; one row per name is used, in
        order of first appearance) or any frame with columns ``city`` (name as published),
        ``province`` (full Chinese name) and ``city_short`` (name without the province).
    census : DataFrame
        Census units with columns ``city``, ``city_code``, ``province`` (full Chinese names).

    Returns
    -------
    DataFrame
        One row per CEADs name: ``ceads_name``, ``census_city_code`` (Int64, missing when
        defunct), ``census_city``, ``province``, ``method`` (``rule``, ``municipality``,
        ``autonomous_prefix``, ``merged_into_<code>``, ``defunct``) and ``note``.

    Raises
    ------
    DataSourceError
        A column is missing, or a CEADs name matches no census unit by any rule, or is
        ambiguous.
    """
    require_columns(
        ceads_cities, ("city", "province", "city_short"), "CEADs city frame", list_columns=True
    )
    require_columns(census, ("city", "city_code", "province"), "census table", list_columns=True)
    names = ceads_cities.drop_duplicates("city")
    units = census.assign(cshort=[city_short_name(c) for c in census["city"]])
    records = list(units.itertuples(index=False))
    by_key = {(r.province, r.cshort): r for r in records}
    by_name = {r.city: r for r in records}
    by_code = {int(r.city_code): r for r in records}
    rows, unmatched = [], []
    for name, province, short in zip(
        names["city"].astype(str), names["province"], names["city_short"], strict=True
    ):
        row, method, note = None, "", ""
        if name in DEFUNCT_UNITS:
            rows.append(
                dict(
                    ceads_name=name,
                    census_city_code=pd.NA,
                    census_city="",
                    province="",
                    method="defunct",
                    note=DEFUNCT_UNITS[name],
                )
            )
            continue
        if name in MERGED_UNITS:
            row = by_code.get(MERGED_UNITS[name])
            method = f"merged_into_{MERGED_UNITS[name]}"
            note = "merged into this census unit (2020 boundaries include it)"
        elif name in MUNICIPALITIES:
            row, method = by_name.get(MUNICIPALITIES[name]), "municipality"
        elif (province, short) in by_key:
            row, method = by_key[(province, short)], "rule"
        else:
            abbrev = short.removesuffix("直属县").removesuffix("州")
            cands = units[(units["province"] == province) & units["city"].str.startswith(abbrev)]
            if len(abbrev) >= 2 and len(cands) == 1:
                row = next(cands.itertuples(index=False))
                method = "autonomous_prefix"
                note = f"abbreviation {abbrev!r} of {row.city}"
            elif len(cands) > 1:
                raise DataSourceError(
                    f"CEADs city {name!r}: abbreviation {abbrev!r} is ambiguous among census "
                    f"units {list(cands['city'])}"
                )
        if row is None:
            unmatched.append(name)
            continue
        rows.append(
            dict(
                ceads_name=name,
                census_city_code=int(row.city_code),
                census_city=row.city,
                province=row.province,
                method=method,
                note=note,
            )
        )
    if unmatched:
        raise DataSourceError(
            f"CEADs city inventory: {len(unmatched)} city name(s) match no census unit: "
            f"{unmatched[:10]}; extend mrio_city.sources.ceads_names"
        )
    out = pd.DataFrame(rows)
    out["census_city_code"] = out["census_city_code"].astype("Int64")
    return out
