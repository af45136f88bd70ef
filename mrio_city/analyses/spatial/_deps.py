"""Optional geo stack: import a module of the ``spatial`` extra or say how to install it."""

from __future__ import annotations

import importlib
from types import ModuleType

from mrio_city.model.errors import MissingDependencyError

#: The pip command that installs every library of the spatial layer.
INSTALL = "pip install 'mrio-city[spatial]'"


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` (a library of the spatial extra) or raise a named error.

    Parameters
    ----------
    module : str
        Importable name, e.g. ``"geopandas"`` or ``"mgwr.gwr"``.
    feature : str
        What the caller was doing, for the message (e.g. ``"maps"``).

    Returns
    -------
    module

    Raises
    ------
    MissingDependencyError
        If the import fails; the message names the library and the extra that installs it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise MissingDependencyError(
            f"{feature} need(s) the library '{top}', part of the optional spatial stack "
            f"(geopandas, shapely, mapclassify, libpysal, esda, mgwr, rasterio); install it "
            f"with: {INSTALL}"
        ) from exc
