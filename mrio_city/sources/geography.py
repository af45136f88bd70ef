"""Readers of geography: census city boundaries (WKT) and county census population.

Files: ``<data_dir>/china-census-cities/census_city_2010-2020_v1.csv`` (the original census
table with a WKT ``coord`` boundary column) and
``<data_dir>/china-census-counties/census_county_2010_2020_tidy.csv`` (county population,
no boundaries).  See their SOURCE.md.  The boundaries need the optional extra
``mrio-city[spatial]`` (geopandas, shapely).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from mrio_city.analyses.spatial.geometry import boundaries_from_wkt
from mrio_city.model.errors import DataSourceError

from ._paths import data_file, require_columns

__all__ = ["read_city_boundaries", "read_county_census", "BOUNDARY_FILE", "COUNTY_FILE"]

BOUNDARY_FILE = "census_city_2010-2020_v1.csv"
COUNTY_FILE = "census_county_2010_2020_tidy.csv"
_COUNTY_VALUES = [f"{k}_{y}" for y in (2010, 2020) for k in ("pop", "urban", "rural")]


def read_city_boundaries(*, data_dir: str | os.PathLike[str] | None = None):
    """Read the boundary polygons of the 369 census prefecture-level units.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``city_code`` (6-digit string); columns ``city``, ``province``,
        ``province_code``, ``popu_2010``, ``popu_2020`` [persons] and ``geometry``
        (WGS84 lon/lat, EPSG:4326).

    Raises
    ------
    DataSourceError
        Missing file or column, malformed or duplicated code, unreadable WKT (row named).
    MissingDependencyError
        If the spatial extra is not installed.
    """
    path = data_file(data_dir, "china-census-cities", BOUNDARY_FILE)
    keys = ["city", "city_code", "province", "province_code", "popu_2010", "popu_2020", "coord"]
    raw = pd.read_csv(path, dtype={"city_code": str, "province_code": str}, usecols=keys)
    require_columns(raw, keys, BOUNDARY_FILE)
    bad = ~raw["city_code"].fillna("").str.fullmatch(r"\d{6}")
    if bad.any() or raw["city_code"].duplicated().any():
        i = int(np.argmax((bad | raw["city_code"].duplicated()).to_numpy()))
        raise DataSourceError(
            f"{BOUNDARY_FILE}, row {i + 2}, column 'city_code': expected a unique 6-digit "
            f"code, found {raw['city_code'].iloc[i]!r}"
        )
    geo = boundaries_from_wkt(raw.set_index("city_code"), source=BOUNDARY_FILE)
    geo.attrs["source"] = BOUNDARY_FILE
    return geo


def read_county_census(*, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read county-level census population 2010 and 2020 (total, urban, rural).

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame
        Indexed by county ``code`` (6-digit string; the census year's own division code),
        columns ``province_code``, ``city_code`` (code with the last 2 digits zeroed),
        ``name_2010``, ``name_2020`` and ``pop_<year>``, ``urban_<year>``, ``rural_<year>``
        [persons; NaN where the unit did not exist that year].

    Raises
    ------
    DataSourceError
        Missing file or column, malformed or duplicated code, a non-numeric or negative
        population (row and column named).
    """
    path = data_file(data_dir, "china-census-counties", COUNTY_FILE)
    raw = pd.read_csv(path, dtype={"code": str, "province_code": str, "city_code": str})
    keys = ["code", "province_code", "city_code", "name_2010", "name_2020"]
    require_columns(raw, [*keys, *_COUNTY_VALUES], COUNTY_FILE)
    bad = ~raw["code"].fillna("").str.fullmatch(r"\d{6}") | raw["code"].duplicated()
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise DataSourceError(
            f"{COUNTY_FILE}, row {i + 2}, column 'code': expected a unique 6-digit code, "
            f"found {raw['code'].iloc[i]!r}"
        )
    values = raw[_COUNTY_VALUES].apply(pd.to_numeric, errors="coerce")
    wrong = (values.isna() & raw[_COUNTY_VALUES].notna()) | (values < 0)
    if wrong.any().any():
        i, j = np.argwhere(wrong.to_numpy())[0]
        raise DataSourceError(
            f"{COUNTY_FILE}, row {i + 2}, column '{_COUNTY_VALUES[j]}': expected a "
            f"non-negative number, found {raw[_COUNTY_VALUES[j]].iloc[i]!r}"
        )
    out = pd.concat([raw[keys], values.astype(float)], axis=1).set_index("code")
    out.attrs["units"] = dict.fromkeys(_COUNTY_VALUES, "persons")
    out.attrs["source"] = COUNTY_FILE
    return out
