"""The scenario under uncertainty: the quota and the people lifted per Monte Carlo draw, Sobol.

Each draw d of :mod:`mrio_city.analyses.uncertainty` (intensities, final demand, and when asked
technology and trade shares) gives a perturbed table (:func:`~mrio_city.analyses.uncertainty.
montecarlo.perturbed_table`); the scenario is evaluated on it exactly as ``mrio-city run`` would
(:func:`~mrio_city.scenarios.run.run_scenario`): super-emitters chosen on the draw's per-capita
footprints, pathways, levers, the quota created and the people reaching the living standard.
Draws that keep A reuse the base table's solved blocks ``L Y_k`` (:class:`~mrio_city.analyses.
uncertainty.montecarlo.FixedSystem`): the draw's output and accounts follow from them exactly,
with one transposed solve for its multipliers; A-changing draws factorize their own table.

Results stream to ``DIR/scenario/part-*.parquet`` like the footprint draws (long format: draw,
city = ``(all cities)``, quantity = metric, value, unit), with the same resume.

:func:`scenario_sobol`: Sobol indices (SALib, :func:`~mrio_city.analyses.uncertainty.sobol.
sobol_indices`) of the quota and of the inter-city share to the scenario's main parameters (the
super-emitter rule's multiple, the levers' ``gap_closed`` and ``to_percentile``) and the table's
(emission intensities of the sectors the levers name and of the others, final demand), each a
uniform range around its file or table value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mrio_city._progress import progress_bar
from mrio_city.analyses.uncertainty.draws import Draw, UncertaintySpec, draw
from mrio_city.analyses.uncertainty.montecarlo import (
    ALL_CITIES,
    FixedSystem,
    perturbed_table,
)
from mrio_city.analyses.uncertainty.sobol import sobol_indices
from mrio_city.analyses.uncertainty.store import (
    draws_to_do,
    run_record,
    write_part,
)
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.errors import ScenarioSpecError
from mrio_city.scenarios.baseline import Baseline
from mrio_city.scenarios.result import SUMMARY_UNITS
from mrio_city.scenarios.run import run_scenario
from mrio_city.scenarios.spec import Scenario
from mrio_city.scenarios.sweep import METRICS
from mrio_city.solve import LeontiefSolver

__all__ = [
    "SCENARIO_METRICS",
    "default_sobol_parameters",
    "run_scenario_draws",
    "scenario_metrics",
    "scenario_of_draw",
    "scenario_sobol",
]

#: Metrics of the scenario per draw: the sweep's headline numbers (units as in
#: :data:`~.result.SUMMARY_UNITS`) and the inter-city share [1].
SCENARIO_METRICS = (*METRICS, "supply_chain_share")
PART = "scenario"


def _stressor(scenario: Scenario, table: BaseTable) -> str:
    return scenario.stressor if scenario.stressor is not None else str(table.stressors[0])


def scenario_metrics(scenario: Scenario, baseline: Baseline) -> dict[str, float]:
    """Headline numbers of the scenario on ``baseline``'s table (:data:`SCENARIO_METRICS`)."""
    res = run_scenario(scenario, baseline=baseline)
    s = res.summary()
    out = {m: (float(s[m]) if s[m] is not None else np.nan) for m in SCENARIO_METRICS[:-1]}
    share = baseline.accounts.supply_chain_share[res.stressor]
    out["supply_chain_share"] = float(share)
    return out


def _units(unit: str) -> dict[str, str]:
    units = {m: SUMMARY_UNITS[m].format(unit=unit) for m in SCENARIO_METRICS[:-1]}
    return units | {"supply_chain_share": "1"}


def scenario_of_draw(
    scenario: Scenario,
    table: BaseTable,
    spec: UncertaintySpec,
    index: int,
    *,
    solver: LeontiefSolver | None = None,
    system: FixedSystem | None = None,
) -> dict[str, float]:
    """The scenario's metrics on the table of draw ``index`` (recomputable alone).

    Parameters
    ----------
    scenario : Scenario
    table : MRIOTable or StructuredMRIOTable
        The base table.
    spec : UncertaintySpec
    index : int
    solver : LeontiefSolver, optional
        Factorization of ``table``, reused when the draw keeps A.
    system : FixedSystem, optional
        The table's solved blocks (draws that keep A): the draw's output and accounts come
        from them without new solves of ``L Y`` (:meth:`FixedSystem.accounts_of`).

    Returns
    -------
    dict of str -> float
        :data:`SCENARIO_METRICS` [units of ``SUMMARY_UNITS``; the share in 1].
    """
    s = _stressor(scenario, table)
    d = draw(spec, table, index)
    if spec.changes_A:
        return scenario_metrics(scenario, Baseline(perturbed_table(table, d, s)))
    system = system if system is not None else FixedSystem(table, solver, stressor=s)
    return scenario_metrics(scenario, _baseline_of_draw(system, d, s))


def _baseline_of_draw(system: FixedSystem, d: Draw, stressor: str) -> Baseline:
    """The baseline of a draw that keeps A, from the solved blocks (exact, no new L Y solve)."""
    t = perturbed_table(system.table, d, stressor, system.solver, output=system.output_of(d))
    return Baseline(t, solver=system.solver, accounts=system.accounts_of(t, d))


def run_scenario_draws(
    scenario: Scenario,
    table: BaseTable,
    spec: UncertaintySpec,
    draws: int,
    out: str | os.PathLike[str],
    *,
    solver: LeontiefSolver | None = None,
    batch: int = 16,
    progress: bool = False,
    system: FixedSystem | None = None,
) -> Path:
    """Evaluate the scenario on draws 0 .. draws-1 and stream them to ``out/scenario``.

    Draws already written are skipped (resume); memory is bounded by one batch.

    Parameters
    ----------
    scenario : Scenario
    table : MRIOTable or StructuredMRIOTable
    spec : UncertaintySpec
    draws : int
        Number of draws (the same draws, same streams, as the footprint Monte Carlo).
    out : path
        Output folder.
    solver : LeontiefSolver, optional
        Factorization of ``table`` (reused by draws that keep A).
    batch : int, default=16
        Draws per part file.
    progress : bool, default=False
    system : FixedSystem, optional
        The table's solved blocks (draws that keep A; built here if absent).

    Returns
    -------
    pathlib.Path
        The folder of the parts.
    """
    ensure_table(table)
    if draws < 1:
        raise ScenarioSpecError(f"the number of draws must be at least 1, got {draws}")
    scenario.validate(table)
    document = dict(scenario.raw) if scenario.raw else repr(scenario)  # the scenario's identity
    record = run_record(table, spec, _stressor(scenario, table), scenario=document)
    folder, todo = draws_to_do(out, PART, record, draws)
    if not todo:
        return folder
    if spec.changes_A:
        system = None
    elif system is None:
        system = FixedSystem(table, solver, stressor=_stressor(scenario, table), progress=progress)
    units = _units(table.units[_stressor(scenario, table)])
    chunks = [todo[i : i + batch] for i in range(0, len(todo), batch)]
    bar = progress_bar(chunks, enabled=progress, desc="scenario draws", unit="batch")
    for chunk in bar:
        rows = []
        for i in chunk:
            metrics = scenario_of_draw(scenario, table, spec, i, system=system)
            rows += [(i, ALL_CITIES, m, metrics[m], units[m]) for m in SCENARIO_METRICS]
        frame = pd.DataFrame(rows, columns=["draw", "city", "quantity", "value", "unit"])
        frame["draw"] = frame["draw"].astype(np.int64)
        write_part(folder, chunk, frame)
    return folder


# ---------------------------------------------------------------------------- Sobol


def _lever_paths(scenario: Scenario, key: str) -> list[str]:
    """Key paths of every lever in the scenario document that sets ``key``."""
    paths = []
    for name, pw in (scenario.raw.get("pathways") or {}).items():
        for i, lever in enumerate(pw.get("levers", [])):
            if isinstance(lever, Mapping) and key in lever:
                paths.append(f"pathways.{name}.levers[{i}].{key}")
    return paths


def _lever_sectors(scenario: Scenario) -> list[str]:
    named: set[str] = set()
    for pw in (scenario.raw.get("pathways") or {}).values():
        for lever in pw.get("levers", []):
            if isinstance(lever, Mapping) and isinstance(lever.get("sectors"), list):
                named.update(map(str, lever["sectors"]))
    return sorted(named)


def default_sobol_parameters(
    scenario: Scenario, table: BaseTable
) -> dict[str, tuple[float, float]]:
    """Main parameters and their uniform ranges for :func:`scenario_sobol`.

    * the super-emitter rule's ``per_capita_multiple`` and ``total_multiple`` (rule
      'median_multiple') or ``threshold`` (rule 'threshold'): +-25 % of the scenario's value;
    * ``levers.gap_closed``: every lever's ``gap_closed`` set to one value, 0.25-0.5 (around
      the file's 0.375: convergence by 2060 evaluated at 2030; 0.25 and 0.5 are convergence by
      about 2084 and 2048);
    * ``levers.to_percentile``: every lever's benchmark percentile, 15-35 (around 25);
    * ``table.intensity.lever_sectors`` and ``table.intensity.other_sectors``: multipliers of
      the emission intensities of the sectors the levers name and of the others, 0.8-1.2 (the
      +-2 CV range of the default city-sector intensity CV 0.10, docs/uncertainty.md);
    * ``table.final_demand``: a multiplier of all final demand, 0.9-1.1 (+-2 CV of 0.05).

    Only parameters the scenario has are returned.
    """
    rule = scenario.super_emitter
    out: dict[str, tuple[float, float]] = {}
    keys = {
        "median_multiple": ("per_capita_multiple", "total_multiple"),
        "threshold": ("threshold",),
        "top_share": ("share",),
    }
    for key in keys.get(rule.rule, ()):
        v = getattr(rule, key, None)
        if isinstance(v, int | float) and not isinstance(v, bool) and v > 0:
            out[f"super_emitter.{key}"] = (0.75 * float(v), 1.25 * float(v))
    if _lever_paths(scenario, "gap_closed"):
        out["levers.gap_closed"] = (0.25, 0.5)
    if _lever_paths(scenario, "to_percentile"):
        out["levers.to_percentile"] = (15.0, 35.0)
    named = [s for s in _lever_sectors(scenario) if s in set(table.sectors)]
    if named:
        out["table.intensity.lever_sectors"] = (0.8, 1.2)
    if len(named) < table.n_sectors:
        out["table.intensity.other_sectors"] = (0.8, 1.2)
    out["table.final_demand"] = (0.9, 1.1)
    return out


_TABLE_PARAMETERS = (
    "table.intensity.lever_sectors",
    "table.intensity.other_sectors",
    "table.final_demand",
)


class _SobolModel:
    """Quota and inter-city share at one parameter set (scenario keys and table multipliers)."""

    def __init__(self, scenario: Scenario, table: BaseTable, bounds: dict, system: FixedSystem):
        names = list(bounds)
        special = ("levers.gap_closed", "levers.to_percentile", *_TABLE_PARAMETERS)
        unknown = [n for n in names if n.startswith(("levers.", "table.")) and n not in special]
        if unknown:
            raise ScenarioSpecError(
                f"scenario_sobol: unknown parameter(s) {unknown}; besides scenario key paths "
                f"the parameters are {list(special)}"
            )
        for n in names:  # a bad key path or range fails here, before any run
            if n not in special:
                for v in bounds[n]:
                    scenario.with_values({n: float(v)}, table=table)
        self.scenario, self.table, self.names, self.system = scenario, table, names, system
        self.stressor = _stressor(scenario, table)
        named = np.asarray(table.sectors.isin(_lever_sectors(scenario)))
        self.lever_nodes = np.tile(named, table.n_cities)
        self.paths = {k: _lever_paths(scenario, k.split(".")[1]) for k in names if "levers." in k}
        for name, paths in self.paths.items():
            for v in bounds[name]:
                scenario.with_values({p: float(v) for p in paths}, table=table)

    def values(self, row: np.ndarray) -> tuple[dict[str, Any], np.ndarray, float]:
        keys: dict[str, Any] = {}
        eps = np.ones(self.table.n_nodes)
        demand = 1.0
        for name, v in zip(self.names, row, strict=True):
            if name == "table.final_demand":
                demand = float(v)
            elif name == "table.intensity.lever_sectors":
                eps[self.lever_nodes] *= v
            elif name == "table.intensity.other_sectors":
                eps[~self.lever_nodes] *= v
            elif name in self.paths:
                keys |= {p: float(v) for p in self.paths[name]}
            else:
                keys[name] = float(v)
        return keys, eps, demand

    def __call__(self, X: np.ndarray, progress: bool = False) -> np.ndarray:
        t = self.table
        out = np.empty((len(X), 2))
        for j in progress_bar(range(len(X)), enabled=progress, desc="Sobol runs", unit="run"):
            keys, eps, demand = self.values(X[j])
            lam = np.full((t.n_cities, t.n_categories), demand)
            base = _baseline_of_draw(self.system, Draw(-1, eps, lam), self.stressor)
            sc = self.scenario.with_values(keys, table=t) if keys else self.scenario
            m = scenario_metrics(sc, base)
            out[j] = m["quota"], m["supply_chain_share"]
        return out


def scenario_sobol(
    scenario: Scenario,
    table: BaseTable,
    *,
    parameters: Mapping[str, tuple[float, float]] | None = None,
    n: int = 16,
    seed: int = 0,
    solver: LeontiefSolver | None = None,
    progress: bool = False,
    system: FixedSystem | None = None,
) -> pd.DataFrame:
    """Sobol indices of the quota and the inter-city share to the main parameters.

    Parameters
    ----------
    scenario : Scenario
    table : MRIOTable or StructuredMRIOTable
    parameters : mapping of name -> (low, high), optional
        Uniform ranges; default :func:`default_sobol_parameters`.  Names are scenario key
        paths, ``levers.gap_closed`` / ``levers.to_percentile`` (every lever at once) or the
        table multipliers ``table.intensity.lever_sectors``, ``table.intensity.other_sectors``
        and ``table.final_demand`` [1].
    n : int, default=16
        Base sample (a power of 2): ``n (k + 2)`` scenario evaluations for k parameters.
    seed : int, default=0
    solver : LeontiefSolver, optional
        Factorization of ``table`` (every run keeps A).
    progress : bool, default=False
    system : FixedSystem, optional
        The table's solved blocks (built here if absent).

    Returns
    -------
    DataFrame
        Index (output, parameter) with outputs ``'quota'`` and ``'inter-city share'``;
        columns ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` [1]; ``attrs['runs']`` the number of
        evaluations and ``attrs['bounds']`` the ranges.
    """
    ensure_table(table)
    scenario.validate(table)
    bounds = dict(parameters) if parameters else default_sobol_parameters(scenario, table)
    for name, (lo, hi) in bounds.items():
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ScenarioSpecError(f"scenario_sobol: {name}: need low < high, got {lo}, {hi}")
    if system is None:
        system = FixedSystem(table, solver, stressor=_stressor(scenario, table), progress=progress)
    model = _SobolModel(scenario, table, bounds, system)
    df = sobol_indices(lambda X: model(X, progress), bounds, n=n, seed=seed)
    df = df.rename(index={0: "quota", 1: "inter-city share"}, level="output")
    df.attrs["runs"] = n * (len(bounds) + 2)
    df.attrs["bounds"] = bounds
    return df
