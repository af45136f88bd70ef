"""Inequality indices of every draw at once: population-weighted Gini and Theil T.

The same measures as :mod:`mrio_city.analyses.inequality` (docs/methods.md §6), vectorized over
a batch of draws so that 10,000 draws of 309 cities cost a few sorts, not 40,000 validated calls:

* Gini ``G = 1 - sum_c p_c (L_{c-1} + L_c)`` with cities sorted by per-capita footprint ``y``
  and ``L`` the cumulative emission share (trapezoids under the Lorenz curve);
* Theil T ``T = sum_c p_c (y_c / mu) ln(y_c / mu)`` over the cities with ``y_c > 0`` (shares
  and the mean ``mu`` recomputed without the others, as :func:`~.inequality.theil_t` does).

``p_c`` are population shares.  Cities without a positive population are left out of both (a
per-capita footprint needs people).  The row kernels are the ones :func:`~.inequality.gini`
and :func:`~.inequality.theil_t` use for a single row (one implementation of each measure).
"""

from __future__ import annotations

import numpy as np

from mrio_city.analyses._inequality_core import gini_rows as batch_gini
from mrio_city.analyses._inequality_core import theil_t_rows as batch_theil_t

__all__ = ["INDICES", "batch_gini", "batch_theil_t", "inequality_of_draws"]

#: Inequality quantities of every draw: (quantity name, footprint it is computed from).
INDICES = {
    "gini_consumption_based_per_capita": "consumption_based_with_households",
    "theil_consumption_based_per_capita": "consumption_based_with_households",
    "gini_production_based_per_capita": "production_based",
    "theil_production_based_per_capita": "production_based",
}


def inequality_of_draws(results: dict[str, np.ndarray], population) -> dict[str, np.ndarray]:
    """The :data:`INDICES` of a batch of per-city results (D, R), cities with people only.

    Parameters
    ----------
    results : dict of str -> ndarray (D, R)
        Footprints per draw and city [t], as the Monte Carlo evaluates them.
    population : array_like (R,) or None
        Persons per city; None gives NaN indices (no per-capita footprint without people).

    Returns
    -------
    dict of str -> ndarray (D,)
    """
    D = len(next(iter(results.values())))
    if population is None:
        return {name: np.full(D, np.nan) for name in INDICES}
    pop = np.asarray(population, dtype=float)
    has = np.isfinite(pop) & (pop > 0)
    out = {}
    for name, source in INDICES.items():
        pc = np.asarray(results[source], dtype=float)[:, has] / pop[has]
        fn = batch_gini if name.startswith("gini") else batch_theil_t
        out[name] = fn(pc, pop[has])
    return out
