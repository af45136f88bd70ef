"""Structural decomposition (SDA) of the change of city footprints between two tables.

City s's consumption-based footprint (without households' direct emissions) is

``CBF_s = f L(P, B) (level_s mix^s)``

with ``f`` the emission intensities, ``L = (I - P B)^-1`` (trade shares P and technology B of a
structured table; one factor ``A`` for general tables), ``level_s = 1^T Y^s`` the total final
demand of city s and ``mix^s = Y^s / level_s`` its composition (products and supplier cities).
The change between a table of year 0 and one of year 1 is split among the factors by the
average over *all* orderings of the one-factor-at-a-time changes (the Shapley value; Dietzenbacher
& Los 1998, Economic Systems Research 10: 307-324, who show it averages all n! equivalent
decompositions).  With K factors, every subset S of factors at year 1 (others at year 0) gives a
state ``v(S)``; the effect of factor i is

``sum_{S not containing i} |S|! (K - |S| - 1)! / K! (v(S + i) - v(S))``

and the effects add up exactly to ``v(all) - v(none) = CBF^1 - CBF^0`` for every city.  Mixed
states need ``L(P^a, B^b)`` for the four year combinations: four factorizations through
:func:`mrio_city.solve.factorize`.  Since ``CBF_s = (f L) Y^s``, each state needs only the
multipliers ``f L`` (one transposed solve of one right-hand side per (f, L) pair: 8 structured,
4 general) and ``v(S)_s = (f L) mix^s level_s`` - never an inverse.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import factorial

import numpy as np
import pandas as pd

from mrio_city._progress import progress_bar
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.errors import LabelMismatchError
from mrio_city.model.labels import CITY
from mrio_city.solve import factorize

__all__ = ["SDAResult", "structural_decomposition"]

STRUCTURED_FACTORS = ("intensity", "technology", "trade structure", "demand level", "demand mix")
GENERAL_FACTORS = ("intensity", "technology and trade", "demand level", "demand mix")


@dataclass(frozen=True, eq=False)
class SDAResult:
    """Effects of each factor on every city's footprint change.

    Attributes
    ----------
    effects : DataFrame (n_cities, n_factors)
        Index 'city', one column per factor [unit]; row sums equal ``change``.
    start, end, change : Series (n_cities,)
        Footprints of year 0 and year 1 and their difference [unit].
    residual : float
        ``max |sum of effects - change| / max |change|`` [1] (exactly additive: rounding only).
    """

    factors: tuple[str, ...]
    unit: str
    effects: pd.DataFrame
    start: pd.Series
    end: pd.Series
    change: pd.Series
    residual: float

    def national(self) -> pd.Series:
        """National effects: the city effects summed [unit]."""
        return self.effects.sum(axis=0)


def _check_alike(t0: BaseTable, t1: BaseTable) -> None:
    for field in ("cities", "sectors", "categories", "stressors"):
        a, b = getattr(t0, field), getattr(t1, field)
        if not a.equals(b):
            raise LabelMismatchError(
                f"tables {t0.name!r} and {t1.name!r} differ in {field}: only in the first "
                f"{list(a.difference(b))[:5]}, only in the second {list(b.difference(a))[:5]}"
                "; decompose tables with the same labels (aggregate or crosswalk them first)"
            )


def _levels_and_mixes(table: BaseTable) -> tuple[np.ndarray, np.ndarray]:
    Y = table.final_demand_by_city()  # (n, R)
    level = Y.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mix = np.where(level != 0, Y / np.where(level != 0, level, 1.0), 0.0)
    return level, mix


def _solvers(t0: BaseTable, t1: BaseTable, structured: bool) -> dict[tuple[int, ...], object]:
    if not structured:
        return {(0,): factorize(t0), (1,): factorize(t1)}
    tables = {(0, 0): t0, (1, 1): t1}
    # (trade year, technology year): mixed systems keep year-0 final demand and satellites
    tables[(1, 0)] = t0.replace(trade_shares=t1.trade_shares, name=f"{t0.name}-trade1")
    tables[(0, 1)] = t0.replace(technology=t1.technology, name=f"{t0.name}-tech1")
    return {key: factorize(t) for key, t in tables.items()}


def structural_decomposition(
    table0: BaseTable,
    table1: BaseTable,
    *,
    stressor: str | None = None,
    progress: bool = False,
) -> SDAResult:
    """Decompose the change of every city's footprint from ``table0`` to ``table1``.

    Parameters
    ----------
    table0, table1 : MRIOTable or StructuredMRIOTable
        The two years, with the same cities, sectors, categories and stressors.  When both are
        structured, technology and trade structure are separate factors.
    stressor : str, optional
        Default: the first stressor.
    progress : bool, default=False

    Returns
    -------
    SDAResult
    """
    ensure_table(table0)
    ensure_table(table1)
    _check_alike(table0, table1)
    structured = table0.structured and table1.structured
    factors = STRUCTURED_FACTORS if structured else GENERAL_FACTORS
    s = stressor if stressor is not None else table0.stressors[0]
    k = table0.stressors.get_loc(s)
    f = [table0.direct_intensities[k], table1.direct_intensities[k]]
    lv, mx = zip(_levels_and_mixes(table0), _levels_and_mixes(table1), strict=True)
    solvers = _solvers(table0, table1, structured)
    M = {}  # multipliers f^a L(lkey), one transposed solve each
    pairs = list(itertools.product(solvers, (0, 1)))
    for lkey, a in progress_bar(pairs, enabled=progress, desc="decomposition", unit="solve"):
        M[lkey, a] = solvers[lkey].solve(np.ascontiguousarray(f[a]), trans="T")
    K = len(factors)

    def value(subset: tuple[int, ...]) -> np.ndarray:
        year = [1 if i in subset else 0 for i in range(K)]
        # solver keys: (trade year, technology year) for structured tables, (A year,) otherwise
        lkey = (year[2], year[1]) if structured else (year[1],)
        return (M[lkey, year[0]] @ mx[year[K - 1]]) * lv[year[K - 2]]

    values = {S: value(S) for r in range(K + 1) for S in itertools.combinations(range(K), r)}
    effects = np.zeros((K, table0.n_cities))
    for i in range(K):
        others = [j for j in range(K) if j != i]
        for r in range(K):
            w = factorial(r) * factorial(K - r - 1) / factorial(K)
            for S in itertools.combinations(others, r):
                effects[i] += w * (values[tuple(sorted((*S, i)))] - values[S])
    start, end = values[()], values[tuple(range(K))]
    change = end - start
    scale = max(float(np.abs(change).max()), 1e-300)
    residual = float(np.abs(effects.sum(axis=0) - change).max() / scale)
    idx = table0.cities.copy()
    idx.name = CITY
    unit = table0.units[s]
    eff = pd.DataFrame(effects.T, index=idx, columns=list(factors))
    eff.attrs["units"] = {c: unit for c in eff.columns}
    return SDAResult(
        factors=tuple(factors),
        unit=unit,
        effects=eff,
        start=pd.Series(start, index=idx, name="footprint year 0"),
        end=pd.Series(end, index=idx, name="footprint year 1"),
        change=pd.Series(change, index=idx, name="change"),
        residual=residual,
    )
