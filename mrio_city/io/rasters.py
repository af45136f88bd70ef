"""Grid downscaling from a user's proxy raster: GeoTIFF in, GeoTIFF out (rasterio).

The proxy raster (e.g. a 1 km population or night-light grid, any CRS) defines the grid.  Each
city polygon is burnt onto it (a cell belongs to the city that contains its centre), and each
city's total is split over its cells in proportion to the proxy with
:func:`mrio_city.analyses.spatial.downscale.downscale_to_grid` (exact conservation).  The
output GeoTIFF has the proxy's grid, CRS and transform, float64 values in the unit of the
totals, NaN outside the cities.  Needs ``mrio-city[spatial]``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city.analyses.spatial._deps import require
from mrio_city.analyses.spatial.downscale import downscale_to_grid
from mrio_city.io.atomic import atomic_path
from mrio_city.model.errors import LabelMismatchError, TableFormatError
from mrio_city.model.labels import first_labels

__all__ = ["downscale_raster"]


def downscale_raster(
    totals: pd.Series,
    geo,
    proxy_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    band: int = 1,
    zero_proxy: str = "error",
) -> pd.DataFrame:
    """Downscale city totals onto the grid of a proxy GeoTIFF and write the result.

    Parameters
    ----------
    totals : Series
        City totals [any unit, e.g. t CO2], indexed like ``geo``.
    geo : GeoDataFrame
        City polygons (any CRS; reprojected to the raster's CRS).
    proxy_path : str or PathLike
        Proxy raster (GeoTIFF or any format GDAL reads); nodata and NaN cells weigh 0;
        negative cells are an error.
    out_path : str or PathLike
        GeoTIFF to write (atomically).
    band : int, default=1
        Band of the proxy raster.
    zero_proxy : {'error', 'equal'}
        A city whose cells all weigh zero: raise, or split equally over its cells.

    Returns
    -------
    DataFrame
        One row per city: ``total`` [unit of totals], ``grid_sum`` (compensated sum of its
        cells, equal to the total) and ``cells`` (number of cells).

    Raises
    ------
    FileNotFoundError
        The proxy raster does not exist.
    TableFormatError
        The raster has no CRS or a negative proxy value.
    LabelMismatchError
        A city has no total, or its polygon covers no cell centre (use a finer grid).
    """
    import math

    rasterio = require("rasterio", "grid downscaling")
    features = require("rasterio.features", "grid downscaling")
    proxy_path = Path(proxy_path)
    if not proxy_path.is_file():
        raise FileNotFoundError(f"proxy raster {str(proxy_path)!r} does not exist")
    missing = [c for c in geo.index if c not in totals.index]
    if missing:
        raise LabelMismatchError(f"cities without a total: {first_labels(missing)}")
    with rasterio.open(proxy_path) as src:
        if src.crs is None:
            raise TableFormatError(f"{proxy_path.name}: the raster has no CRS")
        proxy = src.read(band, masked=True).astype(float).filled(np.nan)
        profile = src.profile
        transform, crs, shape = src.transform, src.crs, (src.height, src.width)
    if (proxy < 0).any():
        i, j = np.argwhere(proxy < 0)[0]
        raise TableFormatError(f"{proxy_path.name}: negative proxy value at row {i}, col {j}")
    shapes = geo.to_crs(crs).geometry
    zones = features.rasterize(
        ((g, k) for k, g in enumerate(shapes) if g is not None and not g.is_empty),
        out_shape=shape,
        transform=transform,
        fill=-1,
        dtype="int32",
    )
    counts = np.bincount(zones[zones >= 0].ravel(), minlength=len(geo))
    empty = [geo.index[k] for k in np.flatnonzero(counts == 0)]
    if empty:
        raise LabelMismatchError(
            f"{len(empty)} city(ies) cover no cell centre of {proxy_path.name}: "
            f"{first_labels(empty)}; use a finer grid"
        )
    ids = pd.Series(totals.loc[geo.index].to_numpy(float), index=range(len(geo)))
    grid = downscale_to_grid(ids, zones, proxy, zero_proxy=zero_proxy)
    profile.update(dtype="float64", count=1, nodata=np.nan, driver="GTiff", compress="deflate")
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(grid, 1)
    check = pd.DataFrame(
        {
            "total": ids.to_numpy(),
            "grid_sum": [math.fsum(grid[zones == k]) for k in range(len(geo))],
            "cells": counts,
        },
        index=geo.index,
    )
    return check
