"""Structural path analysis (SPA) of a city's footprint, without a dense inverse.

The footprint of city s, ``CBF_s = f L y`` with ``y = Y^s`` its final demand (optionally only
the products of one sector), expands into paths

``value(j_0 <- j_1 <- ... <- j_k) = f_{j_k} A_{j_k j_{k-1}} ... A_{j_1 j_0} y_{j_0}``

from the node ``j_0`` that delivers the final product upstream to the emitting node ``j_k``
(Defourny & Thorbecke 1984; Lenzen 2003, Structural Change and Economic Dynamics 14: 1-34).
Search: best-first over partial paths; a partial path ending at j with flow ``v`` bounds the
total of every path extending it by ``m_j v`` with ``m = f L`` the total multipliers (one
transposed solve), because ``m_j = f_j + sum_i m_i A_ij``.  A subtree is pruned when its bound
falls below the current N-th best path value (or the ``threshold``), so the top-N list is exact
up to ``max_depth``.  Columns of A come from the table's structure (trade shares x technology),
never from a materialized n x n matrix.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio_city.analyses.anatomy._matrix import Coefficients
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.errors import LabelMismatchError
from mrio_city.model.labels import did_you_mean
from mrio_city.solve import LeontiefSolver, factorize

__all__ = ["PathResult", "structural_paths"]


@dataclass(frozen=True, eq=False)
class PathResult:
    """Top paths of one footprint.

    Attributes
    ----------
    paths : DataFrame
        One row per path, ranked: ``value`` [unit], ``share`` of the footprint [1], ``depth``
        (number of A steps), ``emitting_city``, ``emitting_sector``, ``final_city``,
        ``final_sector`` (the node delivering the final product) and ``path`` (text, from the
        emitting node down to final demand).
    nodes : list of tuple of int
        Node positions of each path, from final demand (tier 0) upstream.
    total : float
        The footprint ``m y`` [unit].
    expanded : int
        Partial paths expanded by the search.
    """

    consumer: str
    sector: str | None
    unit: str
    total: float
    paths: pd.DataFrame
    nodes: list[tuple[int, ...]]
    expanded: int

    @property
    def coverage(self) -> float:
        """Share of the footprint covered by the listed paths [1]."""
        return float(self.paths["value"].sum() / self.total) if self.total else 0.0


def _final_demand(table: BaseTable, city: str, sector: str | None) -> np.ndarray:
    if city not in table.cities:
        raise LabelMismatchError(
            f"city {city!r} is not a city of table {table.name!r}"
            f"{did_you_mean(city, [str(c) for c in table.cities])}"
        )
    y = table.final_demand_by_city(np.array([table.cities.get_loc(city)]))[:, 0].copy()
    if sector is not None:
        if sector not in table.sectors:
            raise LabelMismatchError(
                f"sector {sector!r} is not a sector of table {table.name!r}"
                f"{did_you_mean(sector, [str(s) for s in table.sectors])}"
            )
        keep = np.tile(table.sectors == sector, table.n_cities)
        y[~keep] = 0.0
    return y


def _search(A, f, m, y, *, top, threshold, max_depth, max_expansions):
    """Best-first enumeration; returns [(value, nodes)] and the expansion count."""
    tie = itertools.count()
    frontier = [(-m[j] * y[j], next(tie), (int(j),), y[j]) for j in np.flatnonzero(y > 0)]
    heapq.heapify(frontier)
    best: list[tuple[float, int, tuple[int, ...]]] = []  # min-heap of the kept paths
    found = []
    expanded = 0
    # the N-th largest tier-0 path value is a valid starting floor: those paths exist
    direct = f * y
    floor = threshold
    if top is not None and np.count_nonzero(direct) >= top:
        floor = max(threshold, float(np.partition(direct, -top)[-top]))
    while frontier and expanded < max_expansions:
        neg_bound, _, nodes, v = heapq.heappop(frontier)
        if -neg_bound < floor:
            break
        expanded += 1
        j = nodes[-1]
        value = f[j] * v
        if value >= floor and value > 0:
            if top is None:
                found.append((value, nodes))
            else:
                heapq.heappush(best, (value, next(tie), nodes))
                if len(best) > top:
                    heapq.heappop(best)
                if len(best) == top:
                    floor = max(threshold, best[0][0])
        if len(nodes) - 1 >= max_depth:
            continue
        rows, a = A.column(j)
        child = a * v
        bound = m[rows] * child
        keep = np.flatnonzero((bound >= floor) & (child > 0))
        for k in keep:
            heapq.heappush(frontier, (-bound[k], next(tie), (*nodes, int(rows[k])), child[k]))
    if top is not None:
        found = [(v, p) for v, _, p in best]
    found.sort(key=lambda t: -t[0])
    return found, expanded


def structural_paths(
    table: BaseTable,
    city: str,
    *,
    sector: str | None = None,
    top: int | None = 20,
    threshold: float = 0.0,
    max_depth: int = 8,
    stressor: str | None = None,
    solver: LeontiefSolver | None = None,
    multipliers: np.ndarray | None = None,
    max_expansions: int = 2_000_000,
) -> PathResult:
    """Top supply-chain paths of a city's (or a city-sector's) consumption-based footprint.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    city : str
        The consuming city.
    sector : str, optional
        Only the city's final demand for this sector's products (from any supplier city).
    top : int or None, default=20
        Number of paths; None lists every path with value >= ``threshold``.
    threshold : float, default=0
        Absolute path value below which paths are pruned [stressor unit].
    max_depth : int, default=8
        Longest path, in A steps (tiers).
    stressor : str, optional
        Default: the first stressor.
    solver : LeontiefSolver, optional
        Factorization of the table, for the total multipliers (made when absent).
    multipliers : ndarray of shape (n_nodes,), optional
        Total multipliers ``m = f L`` of the stressor when already known (e.g. a row of
        ``Accounts.multipliers``); then nothing is solved.
    max_expansions : int, default=2,000,000
        Safety cap on expanded partial paths.

    Returns
    -------
    PathResult
    """
    ensure_table(table)
    if top is None and threshold <= 0:
        raise ValueError("listing every path needs a positive threshold (or give top)")
    s = stressor if stressor is not None else table.stressors[0]
    f = table.direct_intensities[table.stressors.get_loc(s)]
    if multipliers is None:
        solver = solver if solver is not None else factorize(table)
        m = solver.solve(np.ascontiguousarray(f), trans="T")
    else:
        m = np.asarray(multipliers, dtype=float).reshape(-1)
    y = _final_demand(table, city, sector)
    found, expanded = _search(
        Coefficients(table),
        f,
        m,
        y,
        top=top,
        threshold=threshold,
        max_depth=max_depth,
        max_expansions=max_expansions,
    )
    total = float(m @ y)
    nodes = table.nodes
    rows = []
    for value, path in found:
        labels = [f"{nodes[j][1]} ({nodes[j][0]})" for j in path]
        rows.append(
            {
                "value": value,
                "share": value / total if total else np.nan,
                "depth": len(path) - 1,
                "emitting_city": nodes[path[-1]][0],
                "emitting_sector": nodes[path[-1]][1],
                "final_city": nodes[path[0]][0],
                "final_sector": nodes[path[0]][1],
                "path": " -> ".join(reversed(labels)) + f" -> final demand of {city}",
            }
        )
    df = pd.DataFrame(
        rows,
        columns=[
            "value",
            "share",
            "depth",
            "emitting_city",
            "emitting_sector",
            "final_city",
            "final_sector",
            "path",
        ],
    )
    df.index = pd.RangeIndex(1, len(df) + 1, name="rank")
    df.attrs["units"] = {"value": table.units[s], "share": "1"}
    return PathResult(
        consumer=city,
        sector=sector,
        unit=table.units[s],
        total=total,
        paths=df,
        nodes=[p for _, p in found],
        expanded=expanded,
    )
