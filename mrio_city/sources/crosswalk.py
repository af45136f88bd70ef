"""Name crosswalk between CEADs city inventory names and census prefecture codes.

CEADs city names are "province short name + city short name" (``安徽安庆``); municipalities are
bare (``北京``).  Census units (../china-census-cities, 2020 boundaries) carry full names
(``安庆市``, ``黔东南苗族侗族自治州``) and 6-digit codes.  Matching, in this order:

1. ``rule``: province short name + census name without its suffix (市/地区/盟/自治州/林区);
2. ``municipality``: 北京, 天津, 上海, 重庆 -> the census unit of the municipality;
3. ``autonomous_prefix``: abbreviated autonomous prefectures (``贵州黔东南``, ``湖北恩施州``,
   ``新疆伊犁州直属县``): the unique census unit of that province whose name starts with the
   abbreviation (a trailing 州 and the suffix 直属县 are dropped first);
4. ``merged_into_<code>``: units that no longer exist in 2020 boundaries: 山东莱芜 (merged into
   济南 370100 in 2019, so its emissions are added to 济南, whose census area includes it);
5. ``defunct``: 安徽巢湖 (abolished 2011 and split between 合肥, 芜湖 and 马鞍山; it has no 2012
   value and is dropped).

:func:`city_units` then joins every census unit of mainland China with its CEADs 2012 total and
its 2012 GDP (with the source of each number) and assigns it to a region of the city MRIO: its
own city when it has a CEADs 2012 total, else the flagged pseudo-city ``rest of <province>``.

Every CEADs name gets exactly one row in :func:`ceads_census_crosswalk`'s result; nothing is
silently dropped.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city.errors import DataSourceError

__all__ = [
    "province_short_name",
    "city_short_name",
    "ceads_census_crosswalk",
    "MUNICIPALITIES",
    "MERGED_UNITS",
    "DEFUNCT_UNITS",
    "census_units",
    "city_units",
    "unit_report",
    "read_national_domestic",
    "read_provinces",
    "read_ceads_province_rows",
    "resolve_data_dir",
]

#: Province-level municipalities: CEADs name -> census city name.
MUNICIPALITIES = {"北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市"}
#: CEADs units merged into another census unit by 2020: CEADs name -> census code.
MERGED_UNITS = {"山东莱芜": 370100}
#: CEADs units abolished before 2012 (no census unit): CEADs name -> note.
DEFUNCT_UNITS = {"安徽巢湖": "abolished 2011, split between 合肥市, 芜湖市 and 马鞍山市"}

_PROVINCE_SUFFIXES = (
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)
_CITY_SUFFIXES = ("市", "地区", "盟", "自治州", "林区")


def province_short_name(name: str) -> str:
    """Return a province name without its administrative suffix (``广西壮族自治区`` -> ``广西``)."""
    for suffix in _PROVINCE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def city_short_name(name: str) -> str:
    """Return a census unit name without its suffix (``安庆市`` -> ``安庆``)."""
    for suffix in _CITY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def ceads_census_crosswalk(ceads_names, census: pd.DataFrame) -> pd.DataFrame:
    """Match CEADs city names to census prefecture-level units.

    Parameters
    ----------
    ceads_names : sequence of str
        City names of the CEADs city inventory (e.g. ``'河北石家庄'``, ``'北京'``).
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
        A CEADs name matches no census unit by any rule, or is ambiguous.
    """
    for col in ("city", "city_code", "province"):
        if col not in census.columns:
            raise DataSourceError(f"census table: column {col!r} missing; have {list(census)}")
    units = census.assign(
        pshort=[province_short_name(p) for p in census["province"]],
        cshort=[city_short_name(c) for c in census["city"]],
    )
    by_key = {
        p + c: r
        for p, c, r in zip(
            units["pshort"], units["cshort"], units.itertuples(index=False), strict=True
        )
    }
    by_name = {r.city: r for r in units.itertuples(index=False)}
    by_code = {int(r.city_code): r for r in units.itertuples(index=False)}
    rows = []
    unmatched = []
    for name in ceads_names:
        name = str(name)
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
        elif name in by_key:
            row, method = by_key[name], "rule"
        else:
            pshort = next(
                (
                    p
                    for p in sorted(set(units["pshort"]), key=len, reverse=True)
                    if name.startswith(p)
                ),
                None,
            )
            if pshort is not None:
                abbrev = name[len(pshort) :].removesuffix("直属县").removesuffix("州")
                cands = units[(units["pshort"] == pshort) & units["city"].str.startswith(abbrev)]
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
            f"{unmatched[:10]}; extend mrio_city.sources.crosswalk"
        )
    out = pd.DataFrame(rows)
    out["census_city_code"] = out["census_city_code"].astype("Int64")
    return out


#: Files read here, relative to the data folder.
CENSUS_FILE = "china-census-cities/census_city_2010-2020_centroids.csv"
CEADS_CITY_FILE = (
    "ceads-emissions/The_Emission_Inventories_for_290_Chinese_Cities_from_1997_to_2019.xlsx"
)
CCSY_FILE = "china-city-ccsy/city_crosswalk_census_ccsy2012.csv"
YEARBOOK_FILE = "china-city-ccsy/provincial_yearbook_city_gdp_2012_tidy.csv"
NBS_FILE = "nbs-china-io/csv/china_{year}_139.csv"
CEADS_PROVINCE_FILE = "ceads-emissions/Emission_Inventories_for_30_Provinces_{year}.xlsx"
PROVINCE_FILE = "china-provincial-gdp/province_gdp_population_2004-2017_tidy.csv"
#: NBS final-use and value-added codes read from the national table.
FD_CODES = ("FU101", "FU102", "FU103", "FU201", "FU202")
VA_CODES = ("VA001", "VA002", "VA003", "VA004")
# NBS 2012 139 -> 42: first 139-code of each of the 42 sectors (ranges are contiguous).
# fmt: off
_NBS139_STARTS = (1, 6, 7, 8, 10, 12, 26, 31, 34, 36, 39, 41, 52, 59, 64, 65, 71, 75, 80, 86, 92,
                  93, 94, 95, 96, 97, 98, 99, 103, 104, 112, 114, 116, 119, 120, 122, 125, 128,
                  130, 131, 133, 138)
# fmt: on
_CEADS_FIRST_ROW = 4  # sheet rows 4-48: sectors; 49: Urban; 50: Rural
#: Units outside the national IO table (excluded from every region).
EXCLUDED_PROVINCES = ("香港特别行政区", "澳门特别行政区")


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise DataSourceError(f"data file {path} not found")
    df = pd.read_csv(path)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataSourceError(f"{path}: column(s) {missing} missing; have {list(df.columns)}")
    return df


def census_units(data_dir: str | Path) -> pd.DataFrame:
    """Census prefecture-level units of mainland China with 2010 population and centroids.

    Parameters
    ----------
    data_dir : str or Path
        The real-data folder (holding ``china-census-cities/``).

    Returns
    -------
    DataFrame indexed by ``city_code`` (int)
        ``city``, ``province``, ``province_code``, ``population_2010``, ``urban_2010``,
        ``rural_2010`` [persons; 0 for units created after 2010, see ``population_note``],
        ``longitude``, ``latitude`` [degrees, area centroid], ``population_note``.
    """
    cols = [
        "city",
        "city_code",
        "province",
        "province_code",
        "popu_2010",
        "popu_urban_2010",
        "popu_rural_2010",
        "centroid_lon",
        "centroid_lat",
        "popu_2020",
        "popu_urban_2020",
    ]
    df = _read_csv(Path(data_dir) / CENSUS_FILE, cols)
    df = df[~df["province"].isin(EXCLUDED_PROVINCES)]
    # units created after the 2010 census (三沙, Xinjiang corps cities) have no 2010 population:
    # their residents were counted in the surrounding units, so 0 keeps the totals right
    no_pop = df["popu_2010"].isna()
    df = df.assign(**{c: df[c].where(~no_pop, 0.0) for c in cols[4:7]})
    # 儋州 has a 2010 total but no urban/rural split: split it by its 2020 urban share
    no_split = df["popu_urban_2010"].isna() & df["popu_2010"].notna()
    share20 = df["popu_urban_2020"] / df["popu_2020"]
    df.loc[no_split, "popu_urban_2010"] = (df["popu_2010"] * share20)[no_split]
    df.loc[no_split, "popu_rural_2010"] = (df["popu_2010"] * (1 - share20))[no_split]
    for c in cols[4:9]:
        bad = df[c].isna() | ~np.isfinite(df[c].to_numpy(dtype=float))
        if bad.any():
            raise DataSourceError(
                f"{CENSUS_FILE}: column {c!r} is missing for unit(s) "
                f"{list(df.loc[bad, 'city'])[:5]}"
            )
    out = pd.DataFrame(
        {
            "city": df["city"].to_numpy(),
            "province": df["province"].to_numpy(),
            "province_code": df["province_code"].astype(int).to_numpy(),
            "population_2010": df["popu_2010"].to_numpy(float),
            "urban_2010": df["popu_urban_2010"].to_numpy(float),
            "rural_2010": df["popu_rural_2010"].to_numpy(float),
            "longitude": df["centroid_lon"].to_numpy(float),
            "latitude": df["centroid_lat"].to_numpy(float),
            "population_note": np.select(
                [no_pop, no_split],
                ["no 2010 census population (set to 0)", "2010 urban/rural split by 2020 shares"],
                default="",
            ),
        },
        index=pd.Index(df["city_code"].astype(int).to_numpy(), name="city_code"),
    )
    return out


def _ceads_city_totals(data_dir: Path, year: int) -> pd.DataFrame:
    path = data_dir / CEADS_CITY_FILE
    if not path.is_file():
        raise DataSourceError(f"data file {path} not found")
    df = pd.read_excel(path, sheet_name="emission matrix")
    df.columns = [str(c) for c in df.columns]
    if "city" not in df.columns or str(year) not in df.columns:
        raise DataSourceError(
            f"{path}: sheet 'emission matrix' needs columns 'city' and '{year}'; "
            f"have {list(df.columns)[:6]}..."
        )
    return pd.DataFrame(
        {
            "ceads_name": df["city"].astype(str),
            "co2_mt": pd.to_numeric(df[str(year)], errors="coerce"),
        }
    )


def _reported_gdp(data_dir: Path) -> pd.DataFrame:
    """GDP 2012 [10^8 CNY] and three-industry shares per census code, with their source."""
    yb = _read_csv(
        data_dir / YEARBOOK_FILE,
        [
            "census_city_code",
            "gdp_1e8cny",
            "vintage",
            "primary_1e8cny",
            "secondary_1e8cny",
            "tertiary_1e8cny",
            "source_table",
        ],
    )
    cc = _read_csv(
        data_dir / CCSY_FILE,
        ["census_city_code", "gdp_2012_1e4cny", "qc_flag", "tertiary_share_2012_pct"],
    )
    cc = cc[
        cc["qc_flag"].isin(["ok", "check", "defunct_unit_row"])
        & cc["census_city_code"].notna()
        & cc["gdp_2012_1e4cny"].notna()
    ]
    # 莱芜 (defunct_unit_row) carries census code 370100: summed into 济南 (2020 boundaries)
    cc = cc.assign(
        gdp=cc["gdp_2012_1e4cny"] / 1e4,
        tert=cc["tertiary_share_2012_pct"] / 100 * cc["gdp_2012_1e4cny"] / 1e4,
    )
    ccsy = cc.groupby(cc["census_city_code"].astype(int))[["gdp", "tert"]].sum()
    rows = {}
    for code, r in ccsy.iterrows():
        rows[code] = dict(
            gdp_reported=r["gdp"],
            gdp_source="ccsy_2012",
            primary_share=np.nan,
            tertiary_share=r["tert"] / r["gdp"],
        )
    for r in yb.itertuples(index=False):
        code = int(r.census_city_code)
        first = "first published" in str(r.vintage)
        if not first and code in rows:
            continue  # a revised-vintage yearbook value only fills gaps of the CCSY panel
        three = np.isfinite([r.primary_1e8cny, r.tertiary_1e8cny]).all()
        rows[code] = dict(
            gdp_reported=float(r.gdp_1e8cny),
            gdp_source=f"yearbook_{r.source_table}" + ("" if first else "_revised"),
            primary_share=r.primary_1e8cny / r.gdp_1e8cny if three else np.nan,
            tertiary_share=(
                r.tertiary_1e8cny / r.gdp_1e8cny
                if three
                else rows.get(code, {}).get("tertiary_share", np.nan)
            ),
        )
    return pd.DataFrame.from_dict(rows, orient="index")


def city_units(data_dir: str | Path, year: int = 2012) -> pd.DataFrame:
    """Every mainland census unit with its CEADs total, reported GDP and assigned region.

    Parameters
    ----------
    data_dir : str or Path
        The real-data folder.
    year : int, default=2012
        Year of the CEADs city totals.

    Returns
    -------
    DataFrame indexed by ``city_code``
        Columns of :func:`census_units` plus ``ceads_names`` ('; '-joined), ``match_method``,
        ``ceads_co2_mt`` [Mt CO2, NaN without a CEADs total for ``year``], ``gdp_reported``
        [10^8 CNY, NaN when not reported], ``gdp_source``, ``primary_share``,
        ``tertiary_share`` [1], ``region`` (the city name, or ``'rest of <province>'``) and
        ``reason`` (why a unit is not a city of its own).
    """
    data_dir = Path(data_dir)
    units = census_units(data_dir)
    ceads = _ceads_city_totals(data_dir, year)
    census = units.reset_index()[["city", "city_code", "province"]]
    xw = ceads_census_crosswalk(ceads["ceads_name"], census)
    xw["co2_mt"] = ceads["co2_mt"].to_numpy()
    linked = xw[xw["census_city_code"].notna()].copy()
    linked["code"] = linked["census_city_code"].astype(int)
    agg = linked.groupby("code").agg(
        ceads_names=("ceads_name", "; ".join),
        match_method=("method", "; ".join),
        ceads_co2_mt=("co2_mt", lambda s: s.sum(min_count=len(s))),
    )
    units = units.join(agg)
    units = units.join(_reported_gdp(data_dir))
    units["gdp_source"] = units["gdp_source"].fillna("census_population_x_provincial_gdp_pc")
    has = units["ceads_co2_mt"].notna()
    no_pop = units["population_2010"] <= 0
    units["region"] = np.where(has & ~no_pop, units["city"], "rest of " + units["province"])
    units["reason"] = np.select(
        [has & ~no_pop, has, units["ceads_names"].notna()],
        [
            "",
            "no 2010 census population (residents counted in surrounding units); its CEADs "
            "total is not used",
            f"CEADs city total missing for {year}",
        ],
        default="no CEADs city inventory",
    )
    return units


# -- national and provincial inputs of the China city build ---------------------------------
def read_national_domestic(path: Path) -> dict[str, np.ndarray]:
    """NBS 139-sector competitive-import table -> domestic 42-sector flows [10^4 CNY]."""
    if not path.is_file():
        raise DataSourceError(f"national IO table {path} not found")
    df = pd.read_csv(path, dtype={"Code": str}).set_index("Code")
    codes = [f"{i:03d}" for i in range(1, 140)]
    need_cols = codes + list(FD_CODES) + ["EX", "IM", "ERR", "GO"]
    missing = [c for c in need_cols if c not in df.columns]
    missing += [r for r in codes + list(VA_CODES) if r not in df.index]
    if missing:
        raise DataSourceError(f"{path}: missing row/column code(s) {missing[:8]}")
    Z = df.loc[codes, codes].to_numpy(float)
    fd = df.loc[codes, list(FD_CODES)].to_numpy(float)
    other = df.loc[codes, ["EX", "ERR"]].to_numpy(float)
    imports = df.loc[codes, "IM"].to_numpy(float)
    go = df.loc[codes, "GO"].to_numpy(float)
    va = df.loc[list(VA_CODES), codes].to_numpy(float)
    for name, arr in (
        ("flows", Z),
        ("final use", fd),
        ("EX/ERR", other),
        ("IM", imports),
        ("GO", go),
        ("value added", va),
    ):
        if not np.isfinite(arr).all():
            raise DataSourceError(f"{path}: {name} contains NaN or inf")
    use = Z.sum(axis=1) + fd.sum(axis=1)  # domestic use incl. imported supply
    if (use <= 0).any() or (imports < 0).any() or (imports > use).any():
        bad = [codes[k] for k in np.flatnonzero((use <= 0) | (imports < 0) | (imports > use))]
        raise DataSourceError(f"{path}: imports cannot be removed proportionally for rows {bad}")
    dom = 1.0 - imports / use  # METHODS §1.9: proportional import removal, row by row
    agg = np.zeros((42, 139))
    starts = list(_NBS139_STARTS) + [140]
    for k in range(42):
        agg[k, starts[k] - 1 : starts[k + 1] - 1] = 1.0
    Zd = agg @ (dom[:, None] * Z) @ agg.T
    out = dict(
        Z=Zd,
        Y=agg @ (dom[:, None] * fd),
        exports=agg @ other,
        x=agg @ go,
        va=va @ agg.T,
        imported_inputs=((1 - dom)[:, None] * Z).sum(axis=0) @ agg.T,
    )
    resid = out["Z"].sum(1) + out["Y"].sum(1) + out["exports"].sum(1) - out["x"]
    if np.abs(resid).max() > 1e-6 * out["x"].max():
        raise DataSourceError(
            f"{path}: rows do not balance after import removal "
            f"(max residual {np.abs(resid).max():.4g})"
        )
    return out


def read_provinces(path: Path, year: int, vintage: str) -> pd.DataFrame:
    """Provincial GDP [10^8 CNY, chosen vintage] and year-end population [persons] for ``year``.

    Returns a frame indexed by census province name with columns ``gdp``, ``population`` and
    ``english`` (the English name without spaces, as in the CEADs sheet names).
    """
    if not path.is_file():
        raise DataSourceError(f"provincial GDP file {path} not found")
    df = pd.read_csv(path)
    col = f"gdp_{vintage}_1e8cny"
    for c in ("province", "province_en", "year", col, "pop_yearend_1e4"):
        if c not in df.columns:
            raise DataSourceError(f"{path}: column {c!r} missing")
    df = df[df["year"] == year].set_index("province")
    if len(df) != 31 or df[[col, "pop_yearend_1e4"]].isna().any().any():
        raise DataSourceError(f"{path}: expected 31 complete provinces for {year}")
    return pd.DataFrame(
        {
            "gdp": df[col],
            "population": df["pop_yearend_1e4"] * 1e4,
            "english": df["province_en"].str.replace(" ", ""),
        }
    )


def read_ceads_province_rows(path: Path, year: int, english: pd.Series) -> dict[str, np.ndarray]:
    """Scope-1 CO2 [Mt] per province: 45 sector rows + Urban + Rural (47 values)."""
    if not path.is_file():
        raise DataSourceError(f"CEADs provincial inventory {path} not found")
    sheets = pd.read_excel(path, sheet_name=None, header=None)
    out: dict[str, np.ndarray] = {}
    for province, eng in english.items():
        sheet = f"{eng}{year}"
        if sheet not in sheets:
            continue  # Tibet: no inventory
        df = sheets[sheet]
        if (
            df.shape[0] < 51
            or str(df.iat[0, 22]).strip() != "Scope 1 Total"
            or str(df.iat[49, 0]).strip() != "Urban"
            or str(df.iat[50, 0]).strip() != "Rural"
        ):
            raise DataSourceError(
                f"{path}: sheet {sheet!r} does not have the 51 x 23 layout "
                "(cell [0, 22] 'Scope 1 Total', rows 49/50 Urban/Rural)"
            )
        vals = pd.to_numeric(df.iloc[_CEADS_FIRST_ROW:51, 22], errors="coerce").to_numpy(float)
        if not np.isfinite(vals).all():
            raise DataSourceError(f"{path}: sheet {sheet!r} has non-numeric Scope 1 totals")
        out[province] = vals
    return out


def resolve_data_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    """Return the real-data folder (``default_data_dir()`` when None); raise if it is missing."""
    if data_dir is None:
        try:
            from mrio_city.sources._paths import default_data_dir
        except ImportError:  # readers not installed: the repository's sibling shared folder
            root = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
        else:
            root = Path(default_data_dir())
    else:
        root = Path(data_dir).expanduser()
    if not root.is_dir():
        raise DataSourceError(f"real-data folder {root} not found; pass data_dir=")
    return root


def unit_report(units: pd.DataFrame) -> pd.DataFrame:
    """Every census unit with its region and, when it is not a city of its own, the reason.

    Parameters
    ----------
    units : DataFrame
        Result of :func:`mrio_city.sources.crosswalk.city_units`.

    Returns
    -------
    DataFrame
        ``city_code, city, province, region, is_city, reason, ceads_names, match_method,
        ceads_co2_mt, gdp_source, population_2010`` plus one row per CEADs name without a census
        unit (defunct units).
    """
    cols = [
        "city",
        "province",
        "region",
        "reason",
        "ceads_names",
        "match_method",
        "ceads_co2_mt",
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
