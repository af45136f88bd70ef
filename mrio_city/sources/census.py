"""Readers of city-level attributes: census population + centroids, resource-based cities.

Files: ``<data_dir>/china-census-cities/census_city_2010-2020_centroids.csv`` and
``<data_dir>/china-city-typology/resource_based_cities_2013_prefecture.csv`` (see their
SOURCE.md).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from mrio_city.model.errors import DataSourceError

from ._paths import data_file, require_columns

__all__ = ["read_census_cities", "read_resource_based_cities"]

CENSUS_FILE = "census_city_2010-2020_centroids.csv"
TYPOLOGY_FILE = "resource_based_cities_2013_prefecture.csv"

_POP = [f"popu{k}_{y}" for y in (2020, 2010) for k in ("", "_urban", "_rural")]
_UNITS = {
    **{c: "persons" for c in _POP},
    "household_2020": "persons per household",
    "household_2010": "persons per household",
    "male_female_2020": "males per 100 females",
    "male_female_2010": "males per 100 females",
    **{f"age_{a}_{y}": "%" for a in ("0_14", "15_59", "60", "65") for y in (2020, 2010)},
    **{f"{k}_{d}": "degrees (WGS84)" for k in ("centroid", "inside") for d in ("lon", "lat")},
}
_KEYS = ["city", "city_code", "province", "province_code"]
_TYPES = {
    "growing": "成长型",
    "mature": "成熟型",
    "declining": "衰退型",
    "regenerating": "再生型",
}


def _check_codes(codes: pd.Series, fname: str, column: str, unique: bool) -> None:
    bad = ~codes.fillna("").str.fullmatch(r"\d{6}")
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise DataSourceError(
            f"{fname}, row {i + 2}, column '{column}': expected a 6-digit admin code, "
            f"found {codes.iloc[i]!r}"
        )
    if unique and codes.duplicated().any():
        i = int(np.argmax(codes.duplicated().to_numpy()))
        raise DataSourceError(
            f"{fname}, row {i + 2}, column '{column}': duplicated code {codes.iloc[i]!r}"
        )


def read_census_cities(*, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read census population 2010 and 2020 of 369 prefecture-level units, with centroids.

    One row per unit (cities, prefectures, leagues, autonomous prefectures,
    municipalities, province-administered county-level units, plus Hong Kong and Macau
    as one row each).  Population is the **resident** population (persons); 2010 is the
    census year nearest to 2012 (there is no 2012 population here).  Missing values are
    kept as NaN (e.g. the Xinjiang corps cities have no population; some urban/rural
    splits are absent); they are not errors.

    Units (also in ``DataFrame.attrs["units"]``, a dict column -> unit):
    ``popu_<year>``, ``popu_urban_<year>``, ``popu_rural_<year>``: persons;
    ``household_<year>``: persons per household; ``male_female_<year>``: males per 100
    females; ``age_*``: % of population; ``centroid_lon/lat`` (area centroid) and
    ``inside_lon/lat`` (a point guaranteed inside the boundary): degrees WGS84.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame
        Wide frame indexed by 'city_code' (6-digit string) with columns 'city',
        'province', 'province_code' and the value columns above.

    Raises
    ------
    DataSourceError
        Missing file or column, malformed or duplicated admin code, non-numeric value,
        negative population.
    """
    path = data_file(data_dir, "china-census-cities", CENSUS_FILE)
    raw = pd.read_csv(path, dtype={"city_code": str, "province_code": str})
    require_columns(raw, [*_KEYS, *_UNITS], CENSUS_FILE, list_columns=True)
    _check_codes(raw["city_code"], CENSUS_FILE, "city_code", unique=True)
    _check_codes(raw["province_code"], CENSUS_FILE, "province_code", unique=False)
    values = raw[list(_UNITS)]
    numeric = values.apply(pd.to_numeric, errors="coerce")
    bad = (numeric.isna() & values.notna()).to_numpy() | np.isinf(numeric.to_numpy(float))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataSourceError(
            f"{CENSUS_FILE}, row {i + 2}, column '{values.columns[j]}': expected a number, "
            f"found {values.iat[i, j]!r}"
        )
    if (numeric[_POP] < 0).any().any():
        col = (numeric[_POP] < 0).any().idxmax()
        i = int(np.argmax((numeric[col] < 0).to_numpy()))
        raise DataSourceError(
            f"{CENSUS_FILE}, row {i + 2}, column '{col}': negative population {numeric[col][i]}"
        )
    out = pd.concat([raw[_KEYS], numeric.astype(float)], axis=1).set_index("city_code")
    out.attrs["units"] = dict(_UNITS)
    out.attrs["source"] = CENSUS_FILE
    return out


def read_resource_based_cities(*, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read the State Council's 2013 list of resource-based prefecture-level cities.

    126 units (国发〔2013〕45号 annex) with their type: 'growing' (成长型, 20),
    'mature' (成熟型, 66), 'declining' (衰退型, 24), 'regenerating' (再生型, 16), and the
    census admin code.  莱芜市 was merged into 济南市 in 2019, so its code is 370100
    (``match`` says so).  No units (categorical data).

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame
        Columns 'city_code', 'name_2013', 'type' (categorical, English),
        'type_zh', 'province', 'province_code', 'match'.

    Raises
    ------
    DataSourceError
        Missing file or column, unknown type, malformed code, duplicated name.
    """
    path = data_file(data_dir, "china-city-typology", TYPOLOGY_FILE)
    raw = pd.read_csv(path, dtype=str)
    cols = [
        "level",
        "name_2013",
        "type_en",
        "type_zh",
        "census_city_code",
        "census_province",
        "census_province_code",
        "match",
    ]
    require_columns(raw, cols, TYPOLOGY_FILE, list_columns=True)
    _check_codes(raw["census_city_code"], TYPOLOGY_FILE, "census_city_code", unique=False)
    bad = ~raw["type_en"].isin(list(_TYPES))
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise DataSourceError(
            f"{TYPOLOGY_FILE}, row {i + 2}, column 'type_en': expected one of "
            f"{list(_TYPES)}, found {raw['type_en'].iloc[i]!r}"
        )
    wrong_zh = raw["type_zh"] != raw["type_en"].map(_TYPES)
    if wrong_zh.any():
        i = int(np.argmax(wrong_zh.to_numpy()))
        raise DataSourceError(
            f"{TYPOLOGY_FILE}, row {i + 2}, column 'type_zh': expected "
            f"{_TYPES[raw['type_en'].iloc[i]]!r}, found {raw['type_zh'].iloc[i]!r}"
        )
    if raw["name_2013"].duplicated().any():
        i = int(np.argmax(raw["name_2013"].duplicated().to_numpy()))
        raise DataSourceError(
            f"{TYPOLOGY_FILE}, row {i + 2}: duplicated name {raw['name_2013'].iloc[i]!r}"
        )
    out = pd.DataFrame(
        {
            "city_code": raw["census_city_code"],
            "name_2013": raw["name_2013"],
            "type": pd.Categorical(raw["type_en"], categories=list(_TYPES)),
            "type_zh": raw["type_zh"],
            "province": raw["census_province"],
            "province_code": raw["census_province_code"],
            "match": raw["match"],
        }
    )
    out.attrs["source"] = TYPOLOGY_FILE
    return out
