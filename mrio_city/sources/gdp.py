"""Readers of GDP and population: provinces (NBS) and prefecture-level cities (2012).

Files: ``<data_dir>/china-provincial-gdp/`` (three NBS vintages of provincial GDP, year-end
population) and ``<data_dir>/china-city-ccsy/`` (CCSY 2012 city GDP, provincial-yearbook city
GDP); see their SOURCE.md.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from mrio_city.model.errors import DataSourceError

from ._paths import data_file, require_columns
from ._provinces import BY_EN, BY_ZH

__all__ = [
    "read_provincial_gdp",
    "read_city_gdp",
    "read_yearbook_city_gdp",
    "CITY_GDP_QC_FLAGS",
    "GDP_VINTAGES",
]

#: Provincial GDP files by vintage (folder ``china-provincial-gdp``).
GDP_VINTAGES = {
    "vintage2018": "nbs_fsnd_gdp_1993-2017_vintage2018.csv",
    "vintage2024": "nbs_annualbyprovince_gdp_2004-2023_vintage2024.xls",
    "vintage2025": "nbs_fsnd_gdp_2006-2024_vintage2025.csv",
}
GDP_FILE = GDP_VINTAGES["vintage2018"]
POP_FILE = "nbs_annualbyprovince_population_2000-2017.csv"
CITY_FILE = "city_crosswalk_census_ccsy2012.csv"
YEARBOOK_FILE = "provincial_yearbook_city_gdp_2012_tidy.csv"
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
            m = re.fullmatch(r"(\d{4})(?:年|\.0)?", str(col).strip())
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


def _read_fsnd_gdp(data_dir, fname: str) -> pd.DataFrame:
    """Province x year GDP of an NBS 'fsnd' Chinese export (GB18030, 3 header lines)."""
    gdp_path = data_file(data_dir, "china-provincial-gdp", fname)
    text = gdp_path.read_bytes().decode("gb18030")
    lines = text.splitlines()
    expected = ("数据库：分省年度数据", "指标：地区生产总值(亿元)")
    for k, want in enumerate(expected):
        got = lines[k].strip().strip(",") if k < len(lines) else ""
        if got != want:
            raise DataSourceError(f"{fname}, line {k + 1}: expected '{want}', found '{got}'")
    if len(lines) < 4 or not lines[3].startswith("地区,"):
        found = lines[3][:30] if len(lines) > 3 else "end of file"
        raise DataSourceError(
            f"{fname}, line 4: expected the header '地区,<year>年,...', found '{found}'"
        )
    body = [ln for ln in lines[3:] if ln.strip()]
    n_data = next(
        (i for i, ln in enumerate(body[1:]) if ln.split(",")[0].strip() not in BY_ZH), None
    )
    n_data = len(body) - 1 if n_data is None else n_data
    gdp = pd.read_csv(io.StringIO("\n".join(body[: 1 + n_data])), dtype=str)
    return _wide_to_long(gdp, fname, "gdp", GDP_UNIT, BY_ZH)


def _read_annualbyprovince_gdp(data_dir, fname: str) -> pd.DataFrame:
    """Province x year GDP of an NBS 'Annual by Province' English .xls export."""
    path = data_file(data_dir, "china-provincial-gdp", fname)
    with warnings.catch_warnings():  # pandas deprecates the xlrd engine; .xls needs it
        warnings.simplefilter("ignore")
        raw = pd.read_excel(path, header=None, dtype=object, engine="xlrd")
    if raw.shape[0] < 5 or "Gross Regional Product(100 million yuan)" not in str(raw.iat[1, 0]):
        found = raw.iat[1, 0] if raw.shape[0] > 1 else "end of file"
        raise DataSourceError(
            f"{fname}, cell A2: expected the indicator 'Gross Regional Product(100 million "
            f"yuan)', found {found!r}"
        )
    if str(raw.iat[3, 0]).strip() != "Region":
        raise DataSourceError(f"{fname}, cell A4: expected 'Region', found {raw.iat[3, 0]!r}")
    names = raw.iloc[4:, 0].astype(str).str.strip()
    known = names.isin(list(BY_EN)).to_numpy()
    n_data = int(np.argmin(known)) if not known.all() else len(names)
    body = raw.iloc[4 : 4 + n_data]
    body.columns = ["Region", *(str(c).strip() for c in raw.iloc[3, 1:])]
    return _wide_to_long(body.reset_index(drop=True), fname, "gdp", GDP_UNIT, BY_EN)


def read_provincial_gdp(
    *, vintage: str = "vintage2018", data_dir: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """Read provincial GDP (one NBS vintage) and year-end resident population (2000-2017).

    **Default vintage: ``vintage2018``** (1993-2017, NBS values as published up to 2018,
    before the 4th economic census revision; its 2012 values are the first-published ones
    of the China Statistical Yearbook 2013).  Why: it is the vintage that was available when
    the 2012 NBS input-output table, the CEADs 2012 inventories and the CCSY 2012 city GDP
    (:func:`read_city_gdp`, also first-published) were compiled, so city, province and
    national 2012 data describe the same economy.  Caveat: the 31 provinces add up to
    57.66 trillion CNY in 2012, +7.0 % above national GDP (53.86).  The revised vintages
    ``vintage2024`` (2004-2023, after the 4th economic census; 2012 sum +0.8 %) and
    ``vintage2025`` (2006-2024, after the 5th) are read on request, e.g. when provincial
    totals must add up to national GDP.

    GDP = gross regional product (地区生产总值), current prices, **10^8 CNY (亿元)**.
    Population = year-end resident population (年末常住人口), **10^4 persons**.
    Quirks handled: the vintage2018/2025 files are GB18030-encoded with three header lines
    (数据库/指标/时间) and footnote lines; years are written '2012年'; the vintage2024 file
    is an English .xls export (years as numbers, footer 'Data Sources'); the population
    file uses English province names.

    Parameters
    ----------
    vintage : {'vintage2018', 'vintage2024', 'vintage2025'}, default='vintage2018'
        GDP series to read (see :data:`GDP_VINTAGES`).
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame
        Long frame with columns 'province_code' (6 digits), 'province' (Chinese),
        'province_en', 'year', 'variable' ('gdp' or 'population'), 'value', 'unit'
        ('10^8 CNY' or '10^4 persons').  ``attrs['vintage']`` names the GDP vintage.

    Raises
    ------
    DataSourceError
        Missing file, unexpected header lines or indicator, unknown province, or a
        missing/negative value (file and row named).
    ValueError
        If ``vintage`` is not one of :data:`GDP_VINTAGES`.
    """
    if vintage not in GDP_VINTAGES:
        raise ValueError(
            f"The 'vintage' parameter of read_provincial_gdp must be one of "
            f"{list(GDP_VINTAGES)}. Got {vintage!r} instead."
        )
    fname = GDP_VINTAGES[vintage]
    if fname.endswith(".xls"):
        out_gdp = _read_annualbyprovince_gdp(data_dir, fname)
    else:
        out_gdp = _read_fsnd_gdp(data_dir, fname)

    pop_path = data_file(data_dir, "china-provincial-gdp", POP_FILE)
    pop = pd.read_csv(pop_path, dtype=str)
    if pop.columns[0] != "Region":
        raise DataSourceError(
            f"{POP_FILE}, line 1: expected first column 'Region', found {pop.columns[0]!r}"
        )
    out_pop = _wide_to_long(pop, POP_FILE, "population", POP_UNIT, BY_EN)
    out = pd.concat([out_gdp, out_pop], ignore_index=True)
    out = out.sort_values(["variable", "province_code", "year"], ignore_index=True)
    out.attrs["vintage"] = vintage
    out.attrs["source"] = [fname, POP_FILE]
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
        (2012), 'value' (GDP, NaN when absent), 'unit' ('10^4 CNY'), 'tertiary_share'
        (tertiary industry's share of GDP [1], from the CCSY percentage; NaN when absent),
        'retail_sales' (retail sales of consumer goods, 社会消费品零售额, whole city, 10^4 CNY),
        'industrial_output' (gross output of industry above designated size, 10^4 CNY),
        'qc_flag', 'match_method', 'yearbook_value' (10^4 CNY), 'yearbook_check'.

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
        "tertiary_share_2012_pct",
        "retail_sales_2012_1e4cny",
        "industrial_output_above_scale_2012_1e4cny",
        "qc_flag",
        "yearbook_gdp_2012_1e8cny",
        "yearbook_check",
    ]
    require_columns(raw, cols, CITY_FILE)
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
    tertiary = pd.to_numeric(raw["tertiary_share_2012_pct"], errors="coerce")
    bad = raw["tertiary_share_2012_pct"].notna() & ~tertiary.between(0, 100)
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise DataSourceError(
            f"{CITY_FILE}, row {i + 2}, column 'tertiary_share_2012_pct': expected a "
            f"percentage in [0, 100], found {raw['tertiary_share_2012_pct'].iloc[i]!r}"
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
            "tertiary_share": tertiary / 100.0,
            "retail_sales": pd.to_numeric(raw["retail_sales_2012_1e4cny"], errors="coerce"),
            "industrial_output": pd.to_numeric(
                raw["industrial_output_above_scale_2012_1e4cny"], errors="coerce"
            ),
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


_YEARBOOK_COLUMNS = [
    "census_city_code",
    "census_city",
    "province",
    "name_in_table",
    "gdp_1e8cny",
    "primary_1e8cny",
    "secondary_1e8cny",
    "tertiary_1e8cny",
    "source_table",
    "vintage",
    "year",
]


def read_yearbook_city_gdp(*, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read 2012 city GDP from provincial statistical yearbooks (88 cities, 5 provinces).

    The tidy extract ``china-city-ccsy/provincial_yearbook_city_gdp_2012_tidy.csv`` of the
    Henan, Hubei and Zhejiang 2013 yearbooks (2012 **as first published**, with GDP by three
    industries) and of the Guangdong and Sichuan yearbooks (**revised** series, GDP only).
    GDP = 地区生产总值, whole city, current prices, converted to **10^4 CNY** (the file is in
    10^8 CNY) so that it compares with :func:`read_city_gdp`.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder holding ``china-city-ccsy/``; default
        :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame of 88 rows
        Columns 'city_code' (6-digit census code), 'city' (census name), 'province',
        'name_in_table', 'year', 'value' (GDP), 'primary', 'secondary', 'tertiary' (value
        added by industry, NaN where the yearbook has no split), 'unit' ('10^4 CNY'),
        'source_table', 'vintage' (as written in the file) and 'first_published' (bool).

    Raises
    ------
    DataSourceError
        Missing file or column, malformed or duplicated code, a GDP that is not a positive
        number, or three industries that do not add up to GDP (0.01 %); file and row named.
    """
    path = data_file(data_dir, "china-city-ccsy", YEARBOOK_FILE)
    raw = pd.read_csv(path, dtype={"census_city_code": str})
    require_columns(raw, _YEARBOOK_COLUMNS, YEARBOOK_FILE)
    code = raw["census_city_code"].fillna("").str.strip()
    bad = ~code.str.fullmatch(r"\d{6}") | code.duplicated()
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise DataSourceError(
            f"{YEARBOOK_FILE}, row {i + 2}, column 'census_city_code': expected a unique "
            f"6-digit code, found {raw['census_city_code'].iloc[i]!r}"
        )
    cols = ["gdp_1e8cny", "primary_1e8cny", "secondary_1e8cny", "tertiary_1e8cny"]
    num = raw[cols].apply(pd.to_numeric, errors="coerce")
    bad = ~(num["gdp_1e8cny"] > 0) | np.isinf(num.to_numpy(float)).any(axis=1)
    bad |= (num.isna() & raw[cols].notna()).any(axis=1)
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise DataSourceError(
            f"{YEARBOOK_FILE}, row {i + 2}: expected a positive GDP and numeric industry "
            f"values, found {raw.loc[i, cols].tolist()}"
        )
    three = num[cols[1:]].notna().all(axis=1)
    gap = (num[cols[1:]].sum(axis=1) / num["gdp_1e8cny"] - 1).abs().where(three, 0.0)
    if (gap > 1e-4).any():
        i = int(np.argmax(gap.to_numpy()))
        raise DataSourceError(
            f"{YEARBOOK_FILE}, row {i + 2}: primary + secondary + tertiary differ from GDP by "
            f"{gap.iloc[i]:.3%}"
        )
    vintage = raw["vintage"].astype(str)
    out = pd.DataFrame(
        {
            "city_code": code,
            "city": raw["census_city"],
            "province": raw["province"],
            "name_in_table": raw["name_in_table"],
            "year": pd.to_numeric(raw["year"], errors="coerce").astype("Int64"),
            "value": num["gdp_1e8cny"] * 1e4,
            "primary": num["primary_1e8cny"] * 1e4,
            "secondary": num["secondary_1e8cny"] * 1e4,
            "tertiary": num["tertiary_1e8cny"] * 1e4,
            "unit": "10^4 CNY",
            "source_table": raw["source_table"],
            "vintage": vintage,
            "first_published": vintage.str.contains("first published"),
        }
    )
    out.attrs["source"] = YEARBOOK_FILE
    return out
