"""Emission hotspots: Getis-Ord Gi* on cities, counties or grid cells (esda + libpysal).

Gi* (Getis and Ord 1992; Ord and Getis 1995) compares the weighted sum of values around a
unit *including the unit itself* with its expectation under spatial randomness:

    Gi* = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n S1_i - W_i^2) / (n - 1)))

with W_i = sum_j w_ij, S1_i = sum_j w_ij^2, xbar and S the mean and (population) standard
deviation of x.  A unit is a *hotspot* when Gi* > 0 and its p-value is below ``alpha``, a
*coldspot* when Gi* < 0 and p < alpha.

Weights (our choice, documented in docs/spatial.md): binary (``transform='B'``) queen
contiguity on polygons - units sharing an edge or a corner are neighbours - with the unit
itself added by Gi*; units without a contiguous neighbour (islands such as Hainan's or
Zhoushan's) are joined to their nearest neighbour by centroid distance in the equal-area
projection, so no unit is left without neighbours.  On a regular grid, rook or queen lattice
weights (``libpysal.weights.lat2W``).  Binary weights keep Gi* the classic "sum of the
neighbourhood" statistic; row-standardising would down-weight units with many neighbours.
p-values are two-sided from the normal approximation (``p_norm``), which is what the
Shenzhen-type studies report; conditional permutation p-values (``p_sim``) are also returned
when ``permutations > 0``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.stats import norm

from mrio_city.model.errors import LabelMismatchError, NonFiniteValueError
from mrio_city.model.labels import first_labels

from ._deps import require
from .geometry import to_equal_area

__all__ = ["contiguity_weights", "gi_star", "hotspot_shares"]


def contiguity_weights(geo):
    """Queen contiguity weights of polygons, islands joined to their nearest neighbour.

    Parameters
    ----------
    geo : GeoDataFrame
        Units (any CRS).

    Returns
    -------
    libpysal.weights.W
        Binary weights with ids equal to ``geo``'s index.
    """
    weights = require("libpysal.weights", "hotspots")
    with warnings.catch_warnings():  # libpysal warns about islands / disconnected parts
        warnings.simplefilter("ignore")
        w = weights.Queen.from_dataframe(geo, use_index=True)
        if w.islands:
            centroids = to_equal_area(geo).geometry.centroid
            points = np.column_stack([centroids.x, centroids.y])
            knn = weights.KNN.from_array(points, k=1, ids=list(geo.index))
            w = weights.attach_islands(w, knn)
    return w


def gi_star(
    values: pd.Series,
    w,
    *,
    alpha: float = 0.05,
    permutations: int = 0,
    seed: int = 12345,
) -> pd.DataFrame:
    """Getis-Ord Gi* of every unit and its hot/cold classification.

    Parameters
    ----------
    values : Series
        Value of every unit (e.g. emissions per km^2), indexed like the ids of ``w``.
    w : libpysal.weights.W
        Spatial weights (e.g. :func:`contiguity_weights`); used as binary weights.
    alpha : float, default=0.05
        Significance level (two-sided).
    permutations : int, default=0
        Conditional permutations for pseudo p-values (0: normal approximation only).
    seed : int, default=12345
        Seed of the permutations.

    Returns
    -------
    DataFrame
        Indexed like ``values``: ``gi_star`` (z-score), ``p_norm`` (two-sided), ``p_sim``
        (NaN without permutations) and ``class`` ('hotspot', 'coldspot', 'not significant').

    Raises
    ------
    NonFiniteValueError
        NaN or infinite values (named).
    LabelMismatchError
        The weights' ids differ from the values' index.
    """
    esda = require("esda.getisord", "hotspots")
    x = pd.to_numeric(values, errors="coerce").astype(float)
    bad = ~np.isfinite(x.to_numpy())
    if bad.any():
        raise NonFiniteValueError(
            f"gi_star: NaN or infinite value(s) for {first_labels(list(x.index[bad]))}"
        )
    ids = list(w.id_order)
    if set(ids) != set(x.index):
        extra = sorted(set(map(str, x.index)) ^ set(map(str, ids)))
        raise LabelMismatchError(
            f"gi_star: weights and values differ in units: {first_labels(extra)}"
        )
    y = x.loc[ids].to_numpy()
    if np.ptp(y) == 0:  # no variation: no unit stands out (Gi* would divide by zero)
        out = pd.DataFrame(
            {"gi_star": 0.0, "p_norm": 1.0, "p_sim": np.nan, "class": "not significant"},
            index=ids,
        )
        return out.loc[x.index]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(y, w, transform="B", permutations=permutations, star=True, seed=seed)
    z = np.asarray(g.Zs, dtype=float)
    p = 2.0 * norm.sf(np.abs(z))
    sim = np.asarray(g.p_sim, dtype=float) if permutations else np.full(len(z), np.nan)
    significant = (sim if permutations else p) < alpha
    label = np.where(
        significant & (z > 0),
        "hotspot",
        np.where(significant & (z < 0), "coldspot", "not significant"),
    )
    out = pd.DataFrame({"gi_star": z, "p_norm": p, "p_sim": sim, "class": label}, index=ids)
    return out.loc[x.index]


def hotspot_shares(
    geo,
    allocations: pd.DataFrame,
    *,
    per_area: bool = True,
    alpha: float = 0.05,
    w=None,
) -> pd.DataFrame:
    """Share of units and of area that are hotspots under each emission allocation.

    The Shenzhen statistic: the same emissions allocated to places by production (where
    they are emitted) or by consumption (where the final demand is) give different hotspot
    maps; this returns, for each allocation column, the share of units and the share of the
    total area classed as Gi* hotspots.

    Parameters
    ----------
    geo : GeoDataFrame
        Units with polygons, indexed like ``allocations``.
    allocations : DataFrame
        One column per allocation (e.g. ``production_based``, ``consumption_based``) [t CO2].
    per_area : bool, default=True
        Test emission densities (value / area [per km^2]) rather than totals, so large
        units are not hotspots merely for their size.
    alpha : float, default=0.05
    w : libpysal.weights.W, optional
        Weights; default :func:`contiguity_weights` of ``geo``.

    Returns
    -------
    DataFrame
        One row per allocation: ``hotspot_units``, ``hotspot_unit_share`` [1],
        ``hotspot_area_km2``, ``hotspot_area_share`` [1], ``coldspot_units``.
    """
    from .geometry import area_km2

    area = area_km2(geo)
    w = contiguity_weights(geo) if w is None else w
    rows = {}
    for name in allocations.columns:
        x = allocations[name].reindex(geo.index)
        if per_area:
            x = x / area
        g = gi_star(x, w, alpha=alpha)
        hot = (g["class"] == "hotspot").to_numpy()
        rows[name] = {
            "hotspot_units": int(hot.sum()),
            "hotspot_unit_share": float(hot.mean()),
            "hotspot_area_km2": float(area[hot].sum()),
            "hotspot_area_share": float(area[hot].sum() / area.sum()),
            "coldspot_units": int((g["class"] == "coldspot").sum()),
        }
    out = pd.DataFrame(rows).T
    out.index.name = "allocation"
    return out
