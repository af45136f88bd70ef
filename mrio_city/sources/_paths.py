"""Where the real public data lives, and helpers that name files in error messages.

The data are never copied into the repository; every reader takes a ``data_dir``
argument and falls back on :func:`default_data_dir`, which looks, in this order, at

1. the environment variable ``MRIO_CITY_DATA``;
2. the key ``data_dir`` of the user configuration file (``$MRIO_CITY_CONFIG``, else
   ``$XDG_CONFIG_HOME/mrio-city/config.toml``, else ``~/.config/mrio-city/config.toml``);
3. ``../shared/data/real`` beside the repository, when the package runs from a source checkout.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from mrio_city._resources import checkout_root
from mrio_city.model.errors import DataSourceError

__all__ = ["default_data_dir", "data_dir_origin", "user_config_path", "ENV_VAR", "CONFIG_ENV"]

#: Environment variable that overrides the default data folder.
ENV_VAR = "MRIO_CITY_DATA"
#: Environment variable naming the user configuration file (TOML).
CONFIG_ENV = "MRIO_CITY_CONFIG"

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
    "china-census-cities": "census_city_2010-2020_centroids.csv (census) and "
    "census_city_2010-2020_v1.csv (city boundaries, for maps)",
    "china-city-typology": "resource_based_cities_2013_prefecture.csv",
}


def user_config_path() -> Path:
    """Return the user configuration file (TOML).

    ``$MRIO_CITY_CONFIG`` when set, else ``<config home>/mrio-city/config.toml``.

    The config home is ``$XDG_CONFIG_HOME`` when set, else ``~/.config``.  The file need not
    exist.
    """
    env = os.environ.get(CONFIG_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    home = os.environ.get("XDG_CONFIG_HOME", "").strip()
    base = Path(home).expanduser() if home else Path.home() / ".config"
    return base / "mrio-city" / "config.toml"


def _config_data_dir() -> Path | None:
    """``data_dir`` of the user configuration file (relative to the file), or None."""
    path = user_config_path()
    if not path.is_file():
        return None
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataSourceError(f"configuration file {path}: invalid TOML: {exc}") from None
    value = doc.get("data_dir")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DataSourceError(
            f"configuration file {path}, key 'data_dir': expected a folder path (a string), "
            f"found {value!r}"
        )
    folder = Path(value.strip()).expanduser()
    return (folder if folder.is_absolute() else path.parent / folder).resolve()


def where_to_set() -> str:
    """One sentence naming the three places the data folder is taken from (for messages)."""
    root = checkout_root()
    checkout = (
        f"{(root.parent / 'shared' / 'data' / 'real')} (beside this source checkout)"
        if root is not None
        else "../shared/data/real beside the repository when run from a source checkout"
    )
    return (
        f"the data folder is taken from the environment variable {ENV_VAR}, else the key "
        f"'data_dir' in {user_config_path()}, else {checkout}; on the command line --data DIR "
        "sets it"
    )


def data_dir_origin() -> tuple[Path, str]:
    """Return the data folder and where it came from (``'environment'``, ``'config'``, ...).

    Raises
    ------
    DataSourceError
        When none of the three places gives a folder (an installed package with neither the
        environment variable nor a configuration file); the message names all three.
    """
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser().resolve(), f"environment variable {ENV_VAR}"
    configured = _config_data_dir()
    if configured is not None:
        return configured, f"data_dir in {user_config_path()}"
    root = checkout_root()
    if root is not None:
        return (root.parent / "shared" / "data" / "real").resolve(), "source checkout"
    raise DataSourceError(f"no real-data folder is configured: {where_to_set()}")


def default_data_dir() -> Path:
    """Return the folder that holds the real public data sets.

    In order: the environment variable ``MRIO_CITY_DATA`` (when set and not empty), the key
    ``data_dir`` of the user configuration file (:func:`user_config_path`; a relative path is
    relative to that file), and ``../shared/data/real`` beside the repository when the package
    runs from a source checkout.  The folder is not required to exist (readers raise
    :class:`~mrio_city.model.errors.DataSourceError` naming the missing file).

    Returns
    -------
    pathlib.Path
        Absolute path of the data folder.

    Raises
    ------
    DataSourceError
        When none of the three gives a folder; the message names all three.
    """
    return data_dir_origin()[0]


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
            f"hold {content}. Note: {where_to_set()}."
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
