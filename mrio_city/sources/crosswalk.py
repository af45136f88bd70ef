"""Inputs of the China city build, on the public readers' frames: cities, names, GDP, CO2.

Every file is read by a public reader of :mod:`mrio_city.sources` (:func:`read_city_units`;
the national and provincial inputs are in :mod:`mrio_city.sources.national_inputs`).  The
joins specific to the China city MRIO work on frames:

* :func:`~mrio_city.sources.ceads_names.ceads_census_crosswalk`: CEADs city names matched to
  census prefecture codes (:mod:`mrio_city.sources.ceads_names`).
* :func:`census_units`: the mainland census units with the population fixes the build needs.
* :func:`reported_gdp`: the priority of the city GDP sources.
* :func:`city_units`: every census unit with its CEADs total, reported GDP and region (its own
  city when it has a CEADs total for the year, else the flagged pseudo-city
  ``rest of <province>``); :func:`unit_report` is the table written next to the build.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from mrio_city.model.errors import DataSourceError

from ._paths import require_columns
from ._provinces import BY_ZH
from .ceads import read_ceads_cities, read_county_co2
from .ceads_names import DEFUNCT_UNITS, ceads_census_crosswalk, city_short_name
from .census import read_census_cities
from .gdp import read_city_gdp, read_yearbook_city_gdp

__all__ = [
    "GDP_ESTIMATED",
    "census_units",
    "reported_gdp",
    "city_units",
    "read_city_units",
    "county_census_codes",
    "county_co2_by_unit",
    "COUNTY_REASSIGNED",
    "unit_report",
]

#: Counties of units abolished or merged before 2020, by 2010 county code -> census code
#: (巢湖 split in 2011: 居巢区 and 庐江县 to 合肥, 无为县 to 芜湖, 含山县 and 和县 to 马鞍山;
#: 莱芜's counties to 济南 in 2019).
COUNTY_REASSIGNED = {
    "341402": 340100,
    "341421": 340100,
    "341422": 340200,
    "341423": 340500,
    "341424": 340500,
    "371202": 370100,
    "371203": 370100,
}
_MUNICIPALITY_PREFIXES = ("11", "12", "31", "50")
#: ``gdp_source`` of a unit without reported GDP.
GDP_ESTIMATED = "census_population_x_provincial_gdp_pc"

#: CCSY quality flags whose 2012 GDP is used (``defunct_unit_row``: 莱芜, carried on 370100).
_CCSY_USED = ("ok", "check", "defunct_unit_row")


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    require_columns(frame, columns, what, list_columns=True)


def census_units(census: pd.DataFrame) -> pd.DataFrame:
    """Census prefecture-level units of mainland China with 2010 population and centroids.

    Hong Kong and Macau (not in the national IO table) are dropped.  Units created after the
    2010 census (三沙, the Xinjiang corps cities) get population 0: their residents were
    counted in the surrounding units, so 0 keeps the totals right.  儋州 has a 2010 total
    but no urban/rural split: it is split by its 2020 urban share.

    Parameters
    ----------
    census : DataFrame
        :func:`~mrio_city.sources.read_census_cities` (indexed by 6-digit ``city_code``).

    Returns
    -------
    DataFrame indexed by ``city_code`` (int)
        ``city``, ``province``, ``province_code``, ``population_2010``, ``urban_2010``,
        ``rural_2010`` [persons; 0 for units created after 2010, see ``population_note``],
        ``longitude``, ``latitude`` [degrees, area centroid], ``population_note``.

    Raises
    ------
    DataSourceError
        A column is missing, or a unit still lacks population or a centroid after the fixes.
    """
    cols = ["popu_2010", "popu_urban_2010", "popu_rural_2010", "centroid_lon", "centroid_lat"]
    _require(
        census,
        ["city", "province", "province_code", *cols, "popu_2020", "popu_urban_2020"],
        "census table",
    )
    df = census[census["province"].isin(list(BY_ZH))]
    no_pop = df["popu_2010"].isna()
    df = df.assign(**{c: df[c].where(~no_pop, 0.0) for c in cols[:3]})
    no_split = df["popu_urban_2010"].isna() & df["popu_2010"].notna()
    share20 = df["popu_urban_2020"] / df["popu_2020"]
    df.loc[no_split, "popu_urban_2010"] = (df["popu_2010"] * share20)[no_split]
    df.loc[no_split, "popu_rural_2010"] = (df["popu_2010"] * (1 - share20))[no_split]
    for c in cols:
        bad = ~np.isfinite(df[c].to_numpy(dtype=float))
        if bad.any():
            raise DataSourceError(
                f"{census.attrs.get('source', 'census table')}: column {c!r} is missing for "
                f"unit(s) {list(df.loc[bad, 'city'])[:5]}"
            )
    return pd.DataFrame(
        {
            "city": df["city"].to_numpy(),
            "province": df["province"].to_numpy(),
            "province_code": df["province_code"].astype(int).to_numpy(),
            "population_2010": df["popu_2010"].to_numpy(float),
            "urban_2010": df["popu_urban_2010"].to_numpy(float),
            "rural_2010": df["popu_rural_2010"].to_numpy(float),
            "population_2020": df["popu_2020"].fillna(0.0).to_numpy(float),
            "urban_2020": df["popu_urban_2020"].fillna(0.0).to_numpy(float),
            "longitude": df["centroid_lon"].to_numpy(float),
            "latitude": df["centroid_lat"].to_numpy(float),
            "population_note": np.select(
                [no_pop, no_split],
                ["no 2010 census population (set to 0)", "2010 urban/rural split by 2020 shares"],
                default="",
            ),
        },
        index=pd.Index(df.index.astype(int), name="city_code"),
    )


def reported_gdp(city_gdp: pd.DataFrame, yearbook_gdp: pd.DataFrame) -> pd.DataFrame:
    """GDP 2012 and three-industry shares per census code, with the source of each number.

    Priority [I]: provincial yearbook as first published (Henan, Hubei, Zhejiang: GDP and
    three industries) > CCSY (``qc_flag`` ok, check, or the defunct 莱芜 row, summed into
    济南 370100; GDP and tertiary share) > revised yearbook series (Guangdong, Sichuan), which
    only fill gaps of the CCSY panel.  The 13 CCSY ``suspect_row`` values are not used.

    Parameters
    ----------
    city_gdp : DataFrame
        :func:`~mrio_city.sources.read_city_gdp` (all flags).
    yearbook_gdp : DataFrame
        :func:`~mrio_city.sources.gdp.read_yearbook_city_gdp`.

    Returns
    -------
    DataFrame indexed by census code (int)
        ``gdp_reported`` [10^8 CNY], ``gdp_source`` (``ccsy_2012``,
        ``yearbook_<table>`` or ``yearbook_<table>_revised``), ``primary_share`` and
        ``tertiary_share`` [1, NaN when not reported], ``retail_sales`` and
        ``industrial_output`` [10^8 CNY, CCSY, NaN when not reported].
    """
    _require(city_gdp, ("city_code", "value", "qc_flag", "tertiary_share"), "CCSY city GDP")
    _require(
        yearbook_gdp,
        ("city_code", "value", "primary", "tertiary", "source_table", "first_published"),
        "yearbook city GDP",
    )
    cc = city_gdp[
        city_gdp["qc_flag"].isin(_CCSY_USED)
        & city_gdp["city_code"].notna()
        & city_gdp["value"].notna()
    ]
    gdp = cc["value"] / 1e4  # 10^4 -> 10^8 CNY
    extra = {c: cc[c] / 1e4 if c in cc else np.nan for c in ("retail_sales", "industrial_output")}
    ccsy = (
        pd.DataFrame({"gdp": gdp, "tert": cc["tertiary_share"] * gdp, **extra})
        .groupby(cc["city_code"].astype(int).to_numpy())
        .sum(min_count=1)
    )
    rows = {
        code: dict(
            gdp_reported=r["gdp"],
            gdp_source="ccsy_2012",
            primary_share=np.nan,
            tertiary_share=r["tert"] / r["gdp"],
            retail_sales=r["retail_sales"],
            industrial_output=r["industrial_output"],
        )
        for code, r in ccsy.iterrows()
    }
    for r in yearbook_gdp.itertuples(index=False):
        code, first = int(r.city_code), bool(r.first_published)
        if not first and code in rows:
            continue  # a revised-vintage yearbook value only fills gaps of the CCSY panel
        three = np.isfinite([r.primary, r.tertiary]).all()
        prev = rows.get(code, {})
        rows[code] = dict(
            retail_sales=prev.get("retail_sales", np.nan),
            industrial_output=prev.get("industrial_output", np.nan),
            gdp_reported=float(r.value) / 1e4,
            gdp_source=f"yearbook_{r.source_table}" + ("" if first else "_revised"),
            primary_share=r.primary / r.value if three else np.nan,
            tertiary_share=(
                r.tertiary / r.value if three else rows.get(code, {}).get("tertiary_share", np.nan)
            ),
        )
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "city_code"
    return out


def city_units(
    census: pd.DataFrame,
    ceads_cities: pd.DataFrame,
    city_gdp: pd.DataFrame,
    yearbook_gdp: pd.DataFrame,
    *,
    year: int = 2012,
    county: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every mainland census unit with its CEADs total, reported GDP and assigned region.

    Every unit with a 2010 census population is a region of its own; a unit without one (三沙
    and the Xinjiang corps cities created after 2010, whose residents were counted in the
    surrounding units) is merged into the nearest unit of its province (centroid distance).

    Parameters
    ----------
    census : DataFrame
        :func:`~mrio_city.sources.read_census_cities`.
    ceads_cities : DataFrame
        :func:`~mrio_city.sources.read_ceads_cities` (long, all years).
    city_gdp, yearbook_gdp : DataFrame
        As for :func:`reported_gdp`.
    year : int, default=2012
        Year of the CEADs city and county totals.
    county : DataFrame, optional
        :func:`~mrio_city.sources.read_county_co2`; adds the county sums.

    Returns
    -------
    DataFrame indexed by ``city_code``
        Columns of :func:`census_units` plus ``ceads_names`` ('; '-joined), ``match_method``,
        ``ceads_co2_mt`` [Mt CO2, NaN without a CEADs total for ``year``],
        ``county_co2_mt`` [Mt CO2, sum of the unit's counties, NaN without any],
        ``n_counties``, ``gdp_reported`` [10^8 CNY, NaN when not reported], ``gdp_source``,
        ``primary_share``, ``tertiary_share`` [1], ``retail_sales``, ``industrial_output``
        [10^8 CNY], ``region`` (the unit's own name, or the unit it is merged into) and
        ``reason`` (why a unit is not a region of its own; empty otherwise).
    """
    _require(ceads_cities, ("city", "year", "value"), "CEADs city frame")
    units = census_units(census)
    xw = ceads_census_crosswalk(ceads_cities, units.reset_index())
    totals = ceads_cities[ceads_cities["year"] == year].set_index("city")["value"]
    xw["co2_mt"] = xw["ceads_name"].map(totals)
    linked = xw[xw["census_city_code"].notna()].copy()
    linked["code"] = linked["census_city_code"].astype(int)
    agg = linked.groupby("code").agg(
        ceads_names=("ceads_name", "; ".join),
        match_method=("method", "; ".join),
        ceads_co2_mt=("co2_mt", lambda s: s.sum(min_count=len(s))),
    )
    units = units.join(agg).join(reported_gdp(city_gdp, yearbook_gdp))
    units["gdp_source"] = units["gdp_source"].fillna(GDP_ESTIMATED)
    if county is not None:
        units = units.join(county_co2_by_unit(county, units.reset_index(), year))
    else:
        units["county_co2_mt"], units["n_counties"] = np.nan, 0
    units["n_counties"] = units["n_counties"].fillna(0).astype(int)
    no_pop = (units["population_2010"] <= 0).to_numpy()
    region = units["city"].to_numpy().copy()
    reason = np.full(len(units), "", dtype=object)
    if no_pop.any():
        lon = np.radians(units["longitude"].to_numpy())
        lat = np.radians(units["latitude"].to_numpy())
        prov = units["province"].to_numpy()
        for k in np.flatnonzero(no_pop):
            cand = np.flatnonzero((prov == prov[k]) & ~no_pop)
            if cand.size == 0:
                raise DataSourceError(
                    f"census unit {units['city'].iloc[k]!r} has no 2010 population and no "
                    "other unit of its province to merge into"
                )
            d = np.cos(lat[cand]) * np.cos(lat[k]) * np.cos(lon[cand] - lon[k]) + np.sin(
                lat[cand]
            ) * np.sin(lat[k])
            host = cand[int(np.argmax(d))]
            region[k] = units["city"].iloc[host]
            reason[k] = (
                "no 2010 census population (residents counted in surrounding units): merged "
                f"into the nearest unit of its province, {region[k]}"
            )
    units["region"] = region
    units["reason"] = reason
    return units


def county_census_codes(county: pd.DataFrame, census: pd.DataFrame) -> pd.DataFrame:
    """Census prefecture-level unit (2020 boundaries) of every county of the county CO2 set.

    Rules, in order: the explicit reassignments of :data:`COUNTY_REASSIGNED` (巢湖, 莱芜);
    counties of the four municipalities -> the municipality; a county code that is itself a
    census unit (province-administered county-level units, e.g. Hainan's counties, 仙桃);
    the county code's first four digits + ``00``; else the county's city name without its
    suffix matched to a census unit of the same province (地区 that became 市, e.g.
    毕节地区 -> 毕节市).

    Parameters
    ----------
    county : DataFrame
        :func:`~mrio_city.sources.read_county_co2` (long; one row per county is used).
    census : DataFrame
        Census units with columns ``city_code`` (int), ``city``, ``province``.

    Returns
    -------
    DataFrame
        One row per ``county_code_raw``: ``county_code_raw``, ``county``, ``city``,
        ``province``, ``census_city_code`` (int) and ``method``.

    Raises
    ------
    DataSourceError
        A county matches no census unit (the first ten are named).
    """
    _require(county, ("county_code", "county_code_raw", "county", "city", "province"), "county")
    _require(census, ("city_code", "city", "province"), "census table")
    names = county.drop_duplicates("county_code_raw")
    codes = {int(c) for c in census["city_code"]}
    by_short = {
        (p, city_short_name(c)): int(k)
        for k, c, p in zip(census["city_code"], census["city"], census["province"], strict=True)
    }
    rows, unmatched = [], []
    for r in names.itertuples(index=False):
        code, method = None, ""
        if r.county_code in COUNTY_REASSIGNED:
            code, method = COUNTY_REASSIGNED[r.county_code], "reassigned"
        elif r.county_code[:2] in _MUNICIPALITY_PREFIXES:
            code, method = int(r.county_code[:2] + "0100"), "municipality"
        elif int(r.county_code) in codes:
            code, method = int(r.county_code), "county_level_unit"
        elif int(r.county_code[:4] + "00") in codes:
            code, method = int(r.county_code[:4] + "00"), "code_prefix"
        elif (r.province, city_short_name(str(r.city))) in by_short:
            code, method = by_short[(r.province, city_short_name(str(r.city)))], "city_name"
        if code is None:
            unmatched.append(f"{r.county_code_raw} {r.province}{r.city}{r.county}")
            continue
        rows.append(
            dict(
                county_code_raw=r.county_code_raw,
                county=r.county,
                city=r.city,
                province=r.province,
                census_city_code=code,
                method=method,
            )
        )
    if unmatched:
        raise DataSourceError(
            f"county CO2 data: {len(unmatched)} county(ies) match no census unit: "
            f"{unmatched[:10]}; extend mrio_city.sources.crosswalk.COUNTY_REASSIGNED"
        )
    return pd.DataFrame(rows)


def county_co2_by_unit(county: pd.DataFrame, census: pd.DataFrame, year: int) -> pd.DataFrame:
    """Sum the county CO2 of one year over each census unit.

    Parameters
    ----------
    county : DataFrame
        :func:`~mrio_city.sources.read_county_co2` (long, all years).
    census : DataFrame
        As for :func:`county_census_codes`.
    year : int
        Year (1997-2017).

    Returns
    -------
    DataFrame indexed by census ``city_code``
        ``county_co2_mt`` [Mt CO2] and ``n_counties``.
    """
    xw = county_census_codes(county, census).set_index("county_code_raw")["census_city_code"]
    sel = county[county["year"] == year]
    if sel.empty:
        raise DataSourceError(f"county CO2 data: no values for {year} (1997-2017 available)")
    code = sel["county_code_raw"].map(xw)
    out = sel.groupby(code.to_numpy())["value"].agg(["sum", "size"])
    out.columns = ["county_co2_mt", "n_counties"]
    out.index = out.index.astype(int)
    out.index.name = "city_code"
    return out


def unit_report(units: pd.DataFrame) -> pd.DataFrame:
    """Every census unit with its region and, when it is not a city of its own, the reason.

    Parameters
    ----------
    units : DataFrame
        Result of :func:`city_units`.

    Returns
    -------
    DataFrame
        ``city_code, city, province, region, is_city, reason, ceads_names, match_method,
        ceads_co2_mt, gdp_source, population_2010, population_note`` plus one row per CEADs
        name without a census unit (defunct units).
    """
    cols = [
        "city",
        "province",
        "region",
        "reason",
        "ceads_names",
        "match_method",
        "ceads_co2_mt",
        "county_co2_mt",
        "n_counties",
        "gdp_source",
        "population_2010",
        "population_note",
    ]
    out = units[cols].reset_index()
    out.insert(4, "is_city", out["reason"] == "")
    extra = pd.DataFrame(
        [
            dict(
                city_code=pd.NA,
                city="",
                province="",
                region="(dropped)",
                is_city=False,
                reason=f"defunct CEADs unit: {note}",
                ceads_names=name,
                match_method="defunct",
            )
            for name, note in DEFUNCT_UNITS.items()
        ]
    )
    return pd.concat([out, extra], ignore_index=True)


# -- inputs of the build, through the public readers -------------------------------------
def read_city_units(data_dir: str | os.PathLike[str], year: int = 2012) -> pd.DataFrame:
    """Read census, CEADs city and city GDP files (public readers); return :func:`city_units`.

    ``data_dir`` is the real-data folder; ``year`` that of the CEADs city totals.
    """
    return city_units(
        read_census_cities(data_dir=data_dir),
        read_ceads_cities(data_dir=data_dir),
        read_city_gdp(data_dir=data_dir),
        read_yearbook_city_gdp(data_dir=data_dir),
        year=year,
        county=read_county_co2(data_dir=data_dir),
    )
