"""Levers as data: typed changes, resolved from a pathway, applied by one function.

A :class:`~mrio_city.scenarios.spec_parts.LeverSpec` from the file is *resolved* for one
super-emitter city into a typed change (:class:`IntensityChange`, :class:`DemandChange`,
:class:`TechnologyChange`) holding positions and factors.  :func:`apply_changes` is the only
code that changes the scenario state (intensities f, product-level final demand y, households'
direct emissions, technology factors g); it applies the changes in order, each on the state
left by the previous ones, and records each change's own difference so that the quota can be
attributed (see :mod:`mrio_city.scenarios.run`).

Production-side levers (intensity, electricity) do **not compound**: every lever asks for a
target intensity of some city-sectors, computed from the **baseline** ``f0``, and each
city-sector takes the lowest target asked for, once::

    cut:            f* = f0 (1 - cut)
    to_percentile:  f* = f0 - gap_closed max(0, f0 - P_p)

with ``P_p`` the p-th percentile (linear interpolation) of the baseline intensity of the same
sector across the cities producing it (x > 0).  The minimum is commutative, so the order of
pathways, levers and super-emitters does not matter; when several levers ask for the winning
target, the change is split equally between them.  Twenty super-emitters asking a shared
supplier for a 10 % cut give a 10 % cut.

Demand and technology changes are sequential in the order super-emitter cities (table order) x
pathway levers (file order); pure scalings commute:

* final demand ``cut``: ``y <- y (1 - cut)`` on the selected sectors and categories of the
  target city; ``to_benchmark``: ``y <- y (1 - gap_closed (1 - min(1, b / pc)))`` with pc the
  city's baseline per-capita footprint (the super-emitter measure) and b a number or the
  super-emitter threshold; ``shift_to``: the removed amount of each
  category is added to the ``shift_to`` sectors in proportion to their current demand in that
  category (equal parts when it is zero), so spending is unchanged;
* households' direct emissions of a category scale with that category's total demand of the
  target city (``households_direct = true``);
* technology ``cut``: ``g <- g (1 - cut)`` on (input sectors x using sectors) of the target city.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mrio_city.model.base_table import BaseTable
from mrio_city.scenarios.spec_parts import LeverSpec

__all__ = [
    "ScenarioState",
    "IntensityChange",
    "DemandChange",
    "TechnologyChange",
    "ChangeEffect",
    "Change",
    "resolve_lever",
    "apply_changes",
    "electricity_sectors",
]


@dataclass(frozen=True)
class ScenarioState:
    """What levers change, for one stressor.

    Attributes
    ----------
    intensities : ndarray (n_nodes,)
        Direct intensities f [stressor unit per money].
    demand : ndarray (n_cities, n_sectors, n_categories)
        Product-level final demand y[d, i, k] [money].
    household_emissions : ndarray (n_cities, n_categories)
        Households' direct emissions F_Y [stressor unit].
    technology : ndarray (n_cities, n_sectors, n_sectors)
        Factors g[d, i, j] on the technical coefficients (1 = unchanged) [1].
    """

    intensities: np.ndarray
    demand: np.ndarray
    household_emissions: np.ndarray
    technology: np.ndarray


@dataclass(frozen=True)
class IntensityChange:
    """Ask for target direct intensities of some nodes (from the baseline; never compounded).

    Attributes
    ----------
    nodes : ndarray of int
        Node positions (city x sector).
    target : ndarray
        Target intensity of each node [stressor unit per money].
    """

    label: str
    lever_type: str
    city: str
    nodes: np.ndarray
    target: np.ndarray


@dataclass(frozen=True)
class DemandChange:
    """Scale (or shift) a city's final demand for some sectors and categories."""

    label: str
    lever_type: str
    city: str
    target: int
    sectors: np.ndarray
    categories: np.ndarray
    scale: float
    shift_to: np.ndarray | None = None
    households_direct: bool = True


@dataclass(frozen=True)
class TechnologyChange:
    """Scale the input coefficients (input sectors x using sectors) of one city."""

    label: str
    lever_type: str
    city: str
    target: int
    inputs: np.ndarray
    sectors: np.ndarray
    scale: float


Change = IntensityChange | DemandChange | TechnologyChange


@dataclass(frozen=True)
class ChangeEffect:
    """The difference one change made (new minus old), for quota attribution.

    Attributes
    ----------
    change : Change
    nodes, d_intensity : ndarray
        Changed nodes and the change of their intensity.
    target : int or None
        City whose demand / household emissions / technology changed.
    d_demand : ndarray (n_sectors, n_categories) or None
    d_household : ndarray (n_categories,) or None
    d_technology : ndarray (n_sectors, n_sectors) or None
    """

    change: Change
    nodes: np.ndarray
    d_intensity: np.ndarray
    target: int | None = None
    d_demand: np.ndarray | None = None
    d_household: np.ndarray | None = None
    d_technology: np.ndarray | None = None


def electricity_sectors(table: BaseTable) -> list[str]:
    """Sectors whose label contains 'electric' (case-insensitive): the power sector(s)."""
    return [str(s) for s in table.sectors if "electric" in str(s).lower()]


def _positions(index, labels: Sequence[str] | None) -> np.ndarray:
    if labels is None:
        return np.arange(len(index))
    lookup = {str(v): i for i, v in enumerate(index)} if len(labels) > 1 else None
    if lookup is None:
        return np.array([index.get_loc(labels[0])], dtype=np.intp)
    return np.array([lookup[str(v)] for v in labels], dtype=np.intp)


def resolve_lever(
    lever: LeverSpec,
    city: str,
    table: BaseTable,
    *,
    intensities: np.ndarray,
    output: np.ndarray,
    per_capita: Mapping[str, float],
    suppliers: Callable[[int], np.ndarray],
    threshold: float = float("nan"),
) -> list[Change]:
    """Turn one lever of a super-emitter's pathway into typed changes.

    Parameters
    ----------
    lever : LeverSpec
    city : str
        The super-emitter whose pathway holds the lever (the 'self' city).
    table : MRIOTable or StructuredMRIOTable
    intensities : ndarray (n_nodes,)
        Baseline intensities (targets, percentile benchmarks and supplier ranking).
    output : ndarray (n_nodes,)
        Baseline gross output (only producing nodes enter percentiles).
    per_capita : mapping or Series of city -> float
        Baseline per-capita footprints (``to_benchmark``) [t per person].
    suppliers : callable
        ``suppliers(city_position)`` -> emissions of every node embodied in that city's final
        demand, shape (n_nodes,) [stressor unit].
    threshold : float
        The super-emitter per-capita threshold (``to_benchmark = "threshold"``) [t/person].

    Returns
    -------
    list of changes (one per target city or supplier set)
    """
    own = int(table.cities.get_loc(city))
    if isinstance(lever.cities, tuple):
        targets = [int(table.cities.get_loc(c)) for c in lever.cities]
        names = [str(table.cities[t]) for t in targets]
    else:
        targets, names = [own], [city]
    if lever.type in ("intensity", "electricity"):
        return _intensity_changes(lever, table, own, targets, names, intensities, output, suppliers)
    if lever.type == "final_demand":
        return _demand_changes(lever, table, targets, names, per_capita, threshold)
    inputs = _positions(table.sectors, lever.input_sectors)
    sec = _positions(table.sectors, lever.sectors)
    return [
        TechnologyChange(lever.label, lever.type, who, t, inputs, sec, 1.0 - lever.cut)
        for t, who in zip(targets, names, strict=True)
    ]


def _supplier_nodes(lever, table, own, sec, suppliers) -> np.ndarray:
    R, N = table.n_cities, table.n_sectors
    emb = suppliers(own).reshape(R, N).copy()
    emb[own, :] = -np.inf
    mask = np.full((R, N), False)
    mask[:, sec] = True
    emb[~mask] = -np.inf
    flat = emb.reshape(-1)
    order = np.lexsort((np.arange(flat.size), -flat))
    top = order[: lever.top_suppliers]
    return np.sort(top[np.isfinite(flat[top])])


def _intensity_changes(lever, table, own, targets, names, f0, x0, suppliers) -> list[Change]:
    R, N = table.n_cities, table.n_sectors
    chosen = lever.sectors
    if lever.type == "electricity" and chosen is None:
        chosen = tuple(electricity_sectors(table))
    sec = _positions(table.sectors, chosen)
    if lever.cities == "suppliers":
        nodes_list = [_supplier_nodes(lever, table, own, sec, suppliers)]
        names = [names[0]]
    else:
        nodes_list = [np.sort((t * N + sec).astype(np.intp)) for t in targets]
    out: list[Change] = []
    for nodes, who in zip(nodes_list, names, strict=True):
        base = f0[nodes]
        if lever.cut is not None:
            target = base * (1.0 - lever.cut)
        else:
            f2, x2 = f0.reshape(R, N), x0.reshape(R, N)
            pct = np.zeros(N)
            for i in np.unique(nodes % N):
                vals = f2[x2[:, i] > 0, i]
                pct[i] = np.percentile(vals, lever.to_percentile) if vals.size else 0.0
            target = base - lever.gap_closed * np.maximum(0.0, base - pct[nodes % N])
        out.append(IntensityChange(lever.label, lever.type, who, nodes, target))
    return out


def _demand_changes(lever, table, targets, names, per_capita, threshold) -> list[Change]:
    sec = _positions(table.sectors, lever.sectors)
    cats = _positions(table.categories, lever.categories)
    shift = None if lever.shift_to is None else _positions(table.sectors, lever.shift_to)
    out: list[Change] = []
    for t, who in zip(targets, names, strict=True):
        scale = 1.0 - (lever.cut or 0.0)
        if lever.to_benchmark is not None:
            b = threshold if lever.to_benchmark == "threshold" else float(lever.to_benchmark)
            pc = float(per_capita[table.cities[t]])
            full = min(1.0, b / pc) if pc > 0 and np.isfinite(b) else 1.0
            scale = 1.0 - lever.gap_closed * (1.0 - full)
        out.append(
            DemandChange(
                lever.label, lever.type, who, t, sec, cats, scale, shift, lever.households_direct
            )
        )
    return out


def apply_changes(
    state: ScenarioState, changes: Sequence[Change]
) -> tuple[ScenarioState, list[ChangeEffect]]:
    """Apply typed changes; return the new state and each change's own effect.

    This is the only function that changes intensities, final demand, households' direct
    emissions or technology (see the module docstring for the rules): intensity targets are
    combined by their minimum with the baseline (once per node, order-independent), demand and
    technology changes in order.  The input state is not modified.

    Parameters
    ----------
    state : ScenarioState
        The baseline state.
    changes : sequence of IntensityChange, DemandChange, TechnologyChange

    Returns
    -------
    (ScenarioState, list of ChangeEffect)
        Effects in the order of ``changes``.
    """
    f, intensity_effects = _apply_intensity_targets(
        state.intensities, [c for c in changes if isinstance(c, IntensityChange)]
    )
    y = state.demand.copy()
    hh = state.household_emissions.copy()
    g = state.technology.copy()
    effects: list[ChangeEffect] = []
    empty = np.zeros(0, dtype=np.intp)
    for ch in changes:
        if isinstance(ch, IntensityChange):
            effects.append(intensity_effects[id(ch)])
        elif isinstance(ch, DemandChange):
            effects.append(_apply_demand(ch, y, hh))
        elif isinstance(ch, TechnologyChange):
            d = ch.target
            old = g[d].copy()
            g[d][np.ix_(ch.inputs, ch.sectors)] *= ch.scale
            effects.append(ChangeEffect(ch, empty, np.zeros(0), d, None, None, g[d] - old))
        else:  # pragma: no cover - typed input
            raise TypeError(f"apply_changes: unknown change {type(ch).__name__}")
    return ScenarioState(f, y, hh, g), effects


def _apply_intensity_targets(
    f0: np.ndarray, changes: Sequence[IntensityChange]
) -> tuple[np.ndarray, dict[int, ChangeEffect]]:
    """Lowest target per node, once; the change split equally between the levers asking it."""
    f = f0.copy()
    for ch in changes:
        np.minimum.at(f, ch.nodes, ch.target)
    winners = np.zeros(f.size)
    tol = 1e-12 * np.maximum(np.abs(f), np.finfo(float).tiny)
    for ch in changes:
        wins = (ch.target <= f[ch.nodes] + tol[ch.nodes]) & (f[ch.nodes] < f0[ch.nodes])
        np.add.at(winners, ch.nodes[wins], 1.0)
    effects = {}
    for ch in changes:
        wins = (ch.target <= f[ch.nodes] + tol[ch.nodes]) & (f[ch.nodes] < f0[ch.nodes])
        nodes = ch.nodes[wins]
        d = (f[nodes] - f0[nodes]) / winners[nodes]
        effects[id(ch)] = ChangeEffect(ch, nodes, d)
    return f, effects


def _apply_demand(ch: DemandChange, y: np.ndarray, hh: np.ndarray) -> ChangeEffect:
    d = ch.target
    old = y[d].copy()
    sel = np.ix_(ch.sectors, ch.categories)
    removed = y[d][sel] * (1.0 - ch.scale)
    y[d][sel] -= removed
    if ch.shift_to is not None:
        moved = removed.sum(axis=0)  # per category
        base = y[d][np.ix_(ch.shift_to, ch.categories)]
        tot = base.sum(axis=0)
        w = np.where(tot != 0, base / np.where(tot != 0, tot, 1.0), 1.0 / len(ch.shift_to))
        y[d][np.ix_(ch.shift_to, ch.categories)] += w * moved
    d_hh = np.zeros(hh.shape[1])
    if ch.households_direct:
        before, after = old.sum(axis=0), y[d].sum(axis=0)
        ratio = np.divide(after, before, out=np.ones_like(after), where=before != 0)
        new_hh = hh[d] * ratio
        d_hh = new_hh - hh[d]
        hh[d] = new_hh
    empty = np.zeros(0, dtype=np.intp)
    return ChangeEffect(ch, empty, np.zeros(0), d, y[d] - old, d_hh, None)
