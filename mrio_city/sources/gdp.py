"""Readers of GDP and population: provinces (NBS) and prefecture-level cities (CCSY 2012).

Files: ``<data_dir>/china-provincial-gdp/`` and ``<data_dir>/china-city-ccsy/`` (see their
SOURCE.md).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from mrio_city.errors import DataSourceError

from ._paths import data_file
from ._provinces import BY_EN, BY_ZH

__all__ = ["read_provincial_gdp", "read_city_gdp", "CITY_GDP_QC_FLAGS"]

GDP_FILE = "nbs_fsnd_gdp_1993-2017_vintage2018.csv"
POP_FILE = "nbs_annualbyprovince_population_2000-2017.csv"
CITY_FILE = "city_crosswalk_census_ccsy2012.csv"
GDP_UNIT = "10^8 CNY"
POP_UNIT = "10^4 persons"

#: Quality flags of the CCSY 2012 crosswalk, see ``china-city-ccsy/SOURCE.md``.
CITY_GDP_QC_FLAGS = ("ok", "check", "suspect_row", "absent_2012", "defunct_unit_row")


def _wide_to_long(frame: pd.DataFrame, fname: str, variable: str, unit: str, table):
    """Turn a province x year frame into long rows; check names and numbers."""
    rows = []
    for i, name in enumerate(frame.iloc[:, 0].astype(str).str.strip()):
        prov = table.get(name)
        if prov is None:
            raise DataSourceError(
                f"{fname}, data row {i + 1}, first column: unknown province {name!r}"
            )
        for col in frame.columns[1:]:
            m = re.fullmatch(r"(\d{4})年?", str(col).strip())
            if not m:
                raise DataSourceError(f"{fname}, header row: expected a year, found {col!r}")
            v = pd.to_numeric(frame.at[frame.index[i], col], errors="coerce")
            if not np.isfinite(v) or v < 0:
                raise DataSourceError(
                    f"{fname}, data row {i + 1} ({name}), column {col}: expected a "
                    f"non-negative number, found {frame.at[frame.index[i], col]!r}"
                )
            rows.append((prov[0], prov[1], prov[3], int(m.group(1)), variable, float(v), unit))
    out = pd.DataFrame(
        rows,
        columns=["province_code", "province", "province_en", "year", "variable", "value", "unit"],
    )
    got = sorted(out["province_code"].unique())
    if len(got) != 31:
        raise DataSourceError(f"{fname}: expected the 31 mainland provinces, found {len(got)}")
    return out


def read_provincial_gdp(*, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read provincial GDP (1993-2017) and year-end resident population (2000-2017).

    **Vintage chosen: ``vintage2018``** (NBS values as published up to 2018, before the
    4th economic census revision; its 2012 values are the first-published ones of the
    China Statistical Yearbook 2013).  Why: it is the vintage that was available when the
    2012 NBS input-output table, the CEADs 2012 inventories and the CCSY 2012 city GDP
    (:func:`read_city_gdp`, also first-published) were compiled, so city, province and
    national 2012 data describe the same economy.  Caveat: the 31 provinces add up to
    57.66 trillion CNY in 2012, +7.0 % above national GDP (53.86); use the revised
    ``vintage2024`` (not read here) when provincial totals must add up to national GDP.

    GDP = gross regional product (地区生产总值), current prices, **10^8 CNY (亿元)**.
    Population = year-end resident population (年末常住人口), **10^4 persons**.
    Quirks handled: the GDP file is GB18030-encoded with three header lines
    (数据库/指标/时间) and two footnote lines; years are written '2012年'; the
    population file uses English province names.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame
        Long frame with columns 'province_code' (6 digits), 'province' (Chinese),
        'province_en', 'year', 'variable' ('gdp' or 'population'), 'value', 'unit'
        ('10^8 CNY' or '10^4 persons').  ``attrs['vintage'] == 'vintage2018'``.

    Raises
    ------
    DataSourceError
        Missing file, unexpected header lines or indicator, unknown province, or a
        missing/negative value (file and row named).
    """
    gdp_path = data_file(data_dir, "china-provincial-gdp", GDP_FILE)
    text = gdp_path.read_bytes().decode("gb18030")
    lines = text.splitlines()
    expected = ("数据库：分省年度数据", "指标：地区生产总值(亿元)")
    for k, want in enumerate(expected):
        got = lines[k].strip().strip(",") if k < len(lines) else ""
        if got != want:
            raise DataSourceError(f"{GDP_FILE}, line {k + 1}: expected '{want}', found '{got}'")
    if not lines[3].startswith("地区,"):
        raise DataSourceError(
            f"{GDP_FILE}, line 4: expected the header '地区,<year>年,...', found '{lines[3][:30]}'"
        )
    body = [ln for ln in lines[3:] if ln.strip()]
    n_data = next(
        (i for i, ln in enumerate(body[1:]) if ln.split(",")[0].strip() not in BY_ZH), None
    )
    n_data = len(body) - 1 if n_data is None else n_data
    gdp = pd.read_csv(io.StringIO("\n".join(body[: 1 + n_data])), dtype=str)
    out_gdp = _wide_to_long(gdp, GDP_FILE, "gdp", GDP_UNIT, BY_ZH)

    pop_path = data_file(data_dir, "china-provincial-gdp", POP_FILE)
    pop = pd.read_csv(pop_path, dtype=str)
    if pop.columns[0] != "Region":
        raise DataSourceError(
            f"{POP_FILE}, line 1: expected first column 'Region', found {pop.columns[0]!r}"
        )
    out_pop = _wide_to_long(pop, POP_FILE, "population", POP_UNIT, BY_EN)
    out = pd.concat([out_gdp, out_pop], ignore_index=True)
    out = out.sort_values(["variable", "province_code", "year"], ignore_index=True)
    out.attrs["vintage"] = "vintage2018"
    out.attrs["source"] = [GDP_FILE, POP_FILE]
    return out


def read_city_gdp(
    quality: str | Iterable[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Read 2012 GDP of prefecture-level cities (CCSY) with the crosswalk's quality flags.

    GDP = 地区生产总值, whole city (全市, incl. counties), current prices, **10^4 CNY**,
    as first published in the China City Statistical Yearbook panel, matched to census
    admin codes.  Quality flags (``qc_flag``): 'ok'; 'check' (2012/max(2004-2011) between
    0.67 and 0.95: 平凉, 晋城, 大同); 'suspect_row' (the 2012 row holds an older year's
    values, 13 cities: do not use); 'absent_2012' (no CCSY row: autonomous prefectures,
    county-level units and 23 cities missing from the extract); 'defunct_unit_row'
    (莱芜, 巢湖: units that no longer exist).  For Henan, Hubei and Zhejiang the official
    yearbook value is given for comparison ('yearbook_value', 'yearbook_check').

    Parameters
    ----------
    quality : str or iterable of str, optional
        Keep only rows with these flags, e.g. ``("ok", "check")`` for the 249 usable
        cities (sum 49.17 trillion CNY).  Default: all 369 rows.
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame
        Columns 'city_code', 'city', 'province', 'province_code', 'ccsy_name', 'year'
        (2012), 'value' (GDP, NaN when absent), 'unit' ('10^4 CNY'), 'qc_flag',
        'match_method', 'yearbook_value' (10^4 CNY), 'yearbook_check'.

    Raises
    ------
    DataSourceError
        Missing file or column, unknown quality flag in the file, or a flagged-usable row
        ('ok'/'check') without a positive GDP.
    ValueError
        If ``quality`` names an unknown flag.
    """
    wanted = None
    if quality is not None:
        wanted = [quality] if isinstance(quality, str) else list(quality)
        unknown = [q for q in wanted if q not in CITY_GDP_QC_FLAGS]
        if unknown:
            raise ValueError(
                f"The 'quality' parameter of read_city_gdp must hold flags from "
                f"{list(CITY_GDP_QC_FLAGS)}. Got {unknown} instead."
            )
    path = data_file(data_dir, "china-city-ccsy", CITY_FILE)
    raw = pd.read_csv(path, dtype={"census_city_code": str, "census_province_code": str})
    cols = [
        "census_city_code",
        "census_city",
        "census_province",
        "census_province_code",
        "ccsy_name_2012",
        "match_method",
        "gdp_2012_1e4cny",
        "qc_flag",
        "yearbook_gdp_2012_1e8cny",
        "yearbook_check",
    ]
    missing = [c for c in cols if c not in raw.columns]
    if missing:
        raise DataSourceError(f"{CITY_FILE}, header row: expected columns {missing}, not found")
    bad = ~raw["qc_flag"].isin(CITY_GDP_QC_FLAGS)
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise DataSourceError(
            f"{CITY_FILE}, row {i + 2}, column 'qc_flag': unknown flag {raw['qc_flag'].iloc[i]!r}"
        )
    gdp = pd.to_numeric(raw["gdp_2012_1e4cny"], errors="coerce")
    usable = raw["qc_flag"].isin(["ok", "check"])
    bad = usable & ~(gdp > 0)
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise DataSourceError(
            f"{CITY_FILE}, row {i + 2}, column 'gdp_2012_1e4cny': a row flagged "
            f"{raw['qc_flag'].iloc[i]!r} needs a positive GDP, "
            f"found {raw['gdp_2012_1e4cny'].iloc[i]!r}"
        )
    out = pd.DataFrame(
        {
            "city_code": raw["census_city_code"],
            "city": raw["census_city"],
            "province": raw["census_province"],
            "province_code": raw["census_province_code"],
            "ccsy_name": raw["ccsy_name_2012"],
            "year": 2012,
            "value": gdp.astype(float),
            "unit": "10^4 CNY",
            "qc_flag": raw["qc_flag"],
            "match_method": raw["match_method"],
            "yearbook_value": pd.to_numeric(raw["yearbook_gdp_2012_1e8cny"], errors="coerce") * 1e4,
            "yearbook_check": raw["yearbook_check"],
        }
    )
    if wanted is not None:
        out = out[out["qc_flag"].isin(wanted)].reset_index(drop=True)
    out.attrs["source"] = CITY_FILE
    return out
