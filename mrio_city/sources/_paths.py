"""Where the real public data lives, and helpers that name files in error messages.

The data are never copied into the repository; every reader takes a ``data_dir``
argument and falls back on :func:`default_data_dir`.
"""

from __future__ import annotations

import os
from pathlib import Path

from mrio_city.model.errors import DataSourceError

__all__ = ["default_data_dir", "ENV_VAR"]

#: Environment variable that overrides the default data folder.
ENV_VAR = "MRIO_CITY_DATA"

#: What each sub-folder of the data folder is expected to hold (used in error messages).
FOLDER_CONTENT = {
    "nbs-china-io": "NBS national IO tables of China as csv/china_<year>_<n sectors>.csv",
    "wiod-longrun": "WIOD long-run world IO tables WIODlr_WIOT_<year>.csv "
    "(26 regions x 23 sectors)",
    "wiod-chn": "WIOD 2016 national IO tables <ISO3>_NIOT_nov16.csv and "
    "WIOD_CO2_emission_accounts_JRC2019_2000-2014.xlsx",
    "ceads-emissions": "CEADs inventories Emission_Inventories_for_30_Provinces_<year>.xlsx, "
    "The_Emission_Inventories_for_290_Chinese_Cities_from_1997_to_2019.xlsx and "
    "China_CO2_Inventory_1997-2019_(IPCC_Sectoral_Emissions).xlsx",
    "china-county-co2": "county_co2_1997_2017.xlsx (Chen et al. 2020 county CO2)",
    "china-provincial-gdp": "nbs_fsnd_gdp_1993-2017_vintage2018.csv and "
    "nbs_annualbyprovince_population_2000-2017.csv",
    "china-city-ccsy": "city_crosswalk_census_ccsy2012.csv (CCSY 2012 city GDP + QC flags)",
    "china-census-cities": "census_city_2010-2020_centroids.csv",
    "china-city-typology": "resource_based_cities_2013_prefecture.csv",
}


def default_data_dir() -> Path:
    """Return the folder that holds the real public data sets.

    The environment variable ``MRIO_CITY_DATA`` wins when it is set and not empty;
    otherwise the folder is ``../shared/data/real`` relative to the current working
    directory.  The folder is not required to exist (readers raise
    :class:`~mrio_city.model.errors.DataSourceError` naming the missing file).

    Returns
    -------
    pathlib.Path
        Absolute path of the data folder.
    """
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    return (Path.cwd() / ".." / "shared" / "data" / "real").resolve()


def resolve_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    """Return ``data_dir`` as a Path, or :func:`default_data_dir` when it is None."""
    return default_data_dir() if data_dir is None else Path(data_dir).expanduser()


def data_file(data_dir: str | os.PathLike[str] | None, folder: str, name: str) -> Path:
    """Return the path of ``<data_dir>/<folder>/<name>``; raise DataSourceError if missing."""
    path = resolve_dir(data_dir) / folder / name
    if not path.is_file():
        content = FOLDER_CONTENT.get(folder, "see its SOURCE.md")
        raise DataSourceError(
            f"data file not found: {path}. The folder '{folder}' of the data directory should "
            f"hold {content}. Pass data_dir=... or set the environment variable {ENV_VAR}."
        )
    return path


def require_columns(frame, columns, fname: str, *, list_columns: bool = False) -> None:
    """Raise DataSourceError naming ``fname`` if the header row lacks any of ``columns``.

    With ``list_columns`` the message also lists the columns the file has.
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = f" (columns are {list(frame.columns)})" if list_columns else ""
        raise DataSourceError(f"{fname}, header row: expected columns {missing}, not found{have}")


def xlsx_engine() -> str:
    """Return the pandas engine for ``.xlsx`` files: calamine when installed, else openpyxl.

    python-calamine (a Rust reader, a core dependency) reads the CEADs and county workbooks
    about eight times faster than openpyxl with the same cells; openpyxl remains the fallback.
    """
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return "openpyxl"
    return "calamine"


def excel_cell(row: int, col: int) -> str:
    """Return the A1-style name of a 0-based (row, col) position, e.g. (2, 0) -> 'A3'."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"
