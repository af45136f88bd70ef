"""Evaluate a super-emitter scenario through the MRIO, reusing the baseline factorization.

Steps of :func:`run_scenario` (docs/methods.md §5.3-5.6, ``docs/scenarios.md``):

1. per-capita footprints from the baseline accounts -> super-emitters by a stated rule
   (:func:`.selection.select_super_emitters`; the count is an output);
2. each city's characteristics (affluence from GDP per capita, industrial structure from the
   secondary share, resource-based status, supply-chain role and upstream-supplier share) ->
   each super-emitter takes the first pathway (file order) whose ``when`` matches;
3. every lever is resolved to typed changes and applied by
   :func:`~mrio_city.scenarios.levers.apply_changes`: production-side intensity targets once
   per city-sector (no compounding, order-independent), demand and technology in order;
4. **one** re-solve: with technology unchanged, ``x1 = x0 + L (y1 - y0)`` and
   ``m1 = f1 L`` with the baseline factorization; when technology changes, ``I - A1`` is
   factorized once (``result.refactorized``);
5. quota = baseline total - scenario total (the emissions avoided in the target year against
   the baseline economy), its share of the carbon budget to peak (an input);
6. attribution of the quota to levers and super-emitters (two-factor Shapley split of
   ``E = f . x``, exact) and to **consuming cities** through the solved flows;
7. who reaches the upper-middle-income living standard with the quota
   (:mod:`.living_standard`).

Attribution: ``E0 - E1 = (f0 - f1) . xbar + fbar . (x0 - x1)`` with ``xbar, fbar`` the means of
the two states and ``x1 - x0 = L0 (y1 - y0) + L0 (A1 - A0) x1`` (exact), so an intensity change
gets ``-df . xbar``, a demand change ``-mbar . dY`` (plus households' direct emissions), a
technology change ``-mbar . dA x1``.  A city-sector's intensity part is attributed to the
consuming cities by their shares of its baseline output, ``(L Y^d)_n / x_n`` (plus exports
abroad), which sum to one; demand parts go to the city whose demand changed, technology parts
to the city whose technology changed.  Both attributions sum to the quota up to the solver
tolerance (``result.attribution_residual``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mrio_city._progress import progress_bar
from mrio_city.model.base_table import BaseTable
from mrio_city.scenarios.baseline import Baseline, city_characteristics
from mrio_city.scenarios.levers import ChangeEffect, ScenarioState, apply_changes, resolve_lever
from mrio_city.scenarios.living_standard import allocate_quota, living_standard_needs
from mrio_city.scenarios.result import ScenarioResult
from mrio_city.scenarios.selection import Selection, select_super_emitters
from mrio_city.scenarios.spec import Scenario
from mrio_city.solve.solver import factorization_count, factorize

__all__ = ["Baseline", "ScenarioResult", "run_scenario", "city_characteristics"]

#: Label of the consumer "outside the table" (exports abroad) in consumer attributions.
ABROAD = "exports abroad"


@dataclass
class _Run:
    """What one evaluation works on (internal)."""

    scenario: Scenario
    baseline: Baseline
    stressor: str
    k: int
    unit: str
    per_capita: pd.Series
    footprint: pd.Series
    selection: Selection
    chars: pd.DataFrame
    pathway: pd.Series

    @property
    def city_type(self) -> pd.Series:
        c = self.chars
        return c["affluence"] + "/" + c["structure"] + "/" + c["role"]


def _baseline_of(table: BaseTable | None, baseline: Baseline | None, progress: bool) -> Baseline:
    if baseline is not None:
        if table is not None and table is not baseline.table:
            raise ValueError("run_scenario: table and baseline.table differ; pass one of them")
        return baseline
    if table is None:
        raise ValueError(
            "run_scenario: pass a table or a Baseline (the command line resolves table names)"
        )
    if isinstance(table, str):
        raise TypeError(
            f"run_scenario: got the table name {table!r}; load it first "
            "(mrio_city.load_table) and pass the table or a Baseline"
        )
    return Baseline(table, progress=progress)


def _prepare(scenario: Scenario, baseline: Baseline) -> _Run:
    t = baseline.table
    s = scenario.stressor if scenario.stressor is not None else str(t.stressors[0])
    rule = scenario.super_emitter
    pop = pd.Series(np.asarray(t.population, float), index=t.cities)
    footprint = getattr(baseline.accounts, rule.measure)[s]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_capita = (footprint / pop.where(pop > 0)).astype(float)
    selection = select_super_emitters(per_capita, footprint, rule, unit=t.units[s])
    chars = city_characteristics(scenario, baseline, s)
    pathway = pd.Series("", index=t.cities, dtype=object)
    axes = chars[["affluence", "structure", "role", "resource"]]
    for c in selection.cities:
        types = axes.loc[c].to_dict()
        pathway[c] = next((pw.name for pw in scenario.pathways if pw.matches(types)), "")
    return _Run(
        scenario,
        baseline,
        s,
        int(t.stressors.get_loc(s)),
        t.units[s],
        per_capita,
        footprint,
        selection,
        chars,
        pathway,
    )


def _resolve_changes(run: _Run, state0: ScenarioState, progress: bool) -> list:
    t, baseline, k = run.baseline.table, run.baseline, run.k
    pws = {pw.name: pw for pw in run.scenario.pathways}
    supers = run.selection.cities
    need = [
        int(t.cities.get_loc(c))
        for c in supers
        if run.pathway[c] in pws
        and any(lv.cities == "suppliers" for lv in pws[run.pathway[c]].levers)
    ]
    baseline.prefetch_suppliers(k, need)
    changes: list = []
    done_explicit: set[str] = set()
    x0 = np.asarray(t.x, float)
    for c in progress_bar(supers, enabled=progress, desc="super-emitter levers", unit="city"):
        pw = pws.get(run.pathway[c])
        for lever in pw.levers if pw is not None else ():
            if isinstance(lever.cities, tuple):
                if lever.path in done_explicit:
                    continue
                done_explicit.add(lever.path)
            changes += resolve_lever(
                lever,
                c,
                t,
                intensities=state0.intensities,
                output=x0,
                per_capita=run.per_capita,
                suppliers=lambda pos, _k=k: baseline.suppliers(_k, pos),
                threshold=run.selection.threshold,
            )
    return changes


def run_scenario(
    scenario: Scenario,
    table: BaseTable | None = None,
    *,
    baseline: Baseline | None = None,
    progress: bool = False,
) -> ScenarioResult:
    """Evaluate a super-emitter scenario (see the module docstring for the method).

    Parameters
    ----------
    scenario : Scenario
    table : MRIOTable or StructuredMRIOTable, optional
        The table (a :class:`Baseline` is built from it); give this or ``baseline``.
    baseline : Baseline, optional
        Reuse a baseline (table, factorization, accounts) across evaluations.
    progress : bool, default=False
        Progress bar over the super-emitter cities.

    Returns
    -------
    ScenarioResult

    Raises
    ------
    ScenarioSpecError
        If the scenario does not fit the table (labels, missing population, no target city).
    ValueError
        If neither or two different tables are given.
    TypeError
        If ``table`` is a name (the command line resolves names; the library takes tables).
    """
    baseline = _baseline_of(table, baseline, progress)
    scenario.validate(baseline.table)
    t0, count0 = time.perf_counter(), factorization_count()
    run = _prepare(scenario, baseline)
    state0 = baseline.state(run.k)
    changes = _resolve_changes(run, state0, progress)
    state1, effects = apply_changes(state0, changes)
    ev = _evaluate(baseline, run.k, state0, state1, effects, scenario.quota.include_households)
    totals = _totals(run, state0, state1, ev)
    attribution = _attribution_frame(run, ev)
    consumers = _consumer_attribution(run, effects, ev, attribution)
    living, living_totals, fit = _living_standard(run, totals["quota"])
    return ScenarioResult.build(
        run=run,
        totals=totals,
        attribution=attribution,
        consumers=consumers,
        reallocation=living,
        reallocation_totals=living_totals,
        elasticity=fit,
        evaluation={
            "refactorized": ev["refactorized"],
            "factorizations": factorization_count() - count0,
            "solver_id": ev["solver"].id,
            "seconds": time.perf_counter() - t0,
            "extras": {
                "x1": ev["x1"],
                "state": state1,
                "baseline_solver_id": baseline.solver.id,
                "base_year": baseline.table.meta.year,
            },
        },
    )


def _totals(run: _Run, state0: ScenarioState, state1: ScenarioState, ev) -> dict[str, Any]:
    t, acc, s = run.baseline.table, run.baseline.accounts, run.stressor
    R, N = t.n_cities, t.n_sectors
    inc = run.scenario.quota.include_households
    x0, x1, f0, f1 = np.asarray(t.x, float), ev["x1"], state0.intensities, state1.intensities
    hh0 = state0.household_emissions.sum(axis=1)
    hh1 = state1.household_emissions.sum(axis=1)
    pbf0 = acc.production_based[s].to_numpy(float)
    pbf1 = pbf0 - (f0 * x0 - f1 * x1).reshape(R, N).sum(axis=1)
    cbf0 = acc.consumption_based[s].to_numpy(float)
    cbf1 = ev["cbf1"]
    if inc:
        pbf0, pbf1, cbf0, cbf1 = pbf0 + hh0, pbf1 + hh1, cbf0 + hh0, cbf1 + hh1
    baseline_total = float(t.F[run.k].sum()) + (float(hh0.sum()) if inc else 0.0)
    quota = float(np.sum(f0 * x0 - f1 * x1)) + (float(hh0.sum() - hh1.sum()) if inc else 0.0)
    measure1 = ev["cbf1"] + (
        hh1 if run.scenario.super_emitter.measure.endswith("households") else 0.0
    )
    pop = pd.Series(np.asarray(t.population, float), index=t.cities)
    with np.errstate(divide="ignore", invalid="ignore"):
        pc1 = pd.Series(measure1, index=t.cities) / pop.where(pop > 0)
    return {
        "baseline_total": baseline_total,
        "scenario_total": baseline_total - quota,
        "quota": quota,
        "pbf0": pbf0,
        "pbf1": pbf1,
        "cbf0": cbf0,
        "cbf1": cbf1,
        "per_capita_scenario": pc1,
    }


def _attribution_frame(run: _Run, ev) -> pd.DataFrame:
    df = pd.DataFrame(ev["parts"], columns=["city", "lever", "lever_type", "quota"])
    df["quota"] = df["quota"].astype(float)
    city_type = run.city_type
    df.insert(1, "pathway", df["city"].map(lambda c: run.pathway.get(c, "")))
    df.insert(2, "city_type", df["city"].map(city_type))
    df.attrs["units"] = {"quota": run.unit}
    return df


def _consumer_attribution(
    run: _Run, effects: list[ChangeEffect], ev, attribution: pd.DataFrame
) -> pd.DataFrame:
    """Quota by consuming city: intensity parts through the solved flows, the rest directly."""
    t = run.baseline.table
    labels = [*map(str, t.cities), ABROAD]
    production = np.zeros(t.n_cities + 1)
    node_parts: dict[int, float] = {}
    xbar = (np.asarray(t.x, float) + ev["x1"]) / 2.0
    for e in effects:
        if e.d_demand is None and e.d_technology is None:
            for n, q in zip(e.nodes, -e.d_intensity * xbar[e.nodes], strict=True):
                node_parts[int(n)] = node_parts.get(int(n), 0.0) + float(q)
    if node_parts:
        values = np.zeros(t.n_nodes)
        values[np.fromiter(node_parts, dtype=np.intp)] = np.fromiter(node_parts.values(), float)
        production = run.baseline.attribute_to_consumers(values)
    is_demand = attribution["lever_type"] == "final_demand"
    is_tech = attribution["lever_type"] == "technology"
    demand = attribution[is_demand].groupby("city")["quota"].sum().astype(float)
    tech = attribution[is_tech].groupby("city")["quota"].sum().astype(float)
    df = pd.DataFrame({"production_side": production}, index=pd.Index(labels, name="consumer"))
    df["final_demand"] = demand.reindex(df.index).fillna(0.0)
    df["technology"] = tech.reindex(df.index).fillna(0.0)
    df["quota"] = df.sum(axis=1)
    df.attrs["units"] = {c: run.unit for c in df.columns}
    return df


def _living_standard(run: _Run, quota: float):
    spec = run.scenario.living_standard
    classes = run.chars[["population", "gdp_per_capita_usd", "affluence"]]
    needs, fit, target = living_standard_needs(
        classes,
        run.per_capita,
        run.selection.cities,
        spec,
        income_exchange_rate=run.scenario.typology.exchange_rate,
        source=run.scenario.source,
    )
    df, totals = allocate_quota(needs, quota, float(classes["population"].sum()))
    totals["target"] = target
    df.attrs["units"] = {
        "population": "persons",
        "gdp_per_capita_usd": "USD per person",
        "per_capita_footprint": f"{run.unit} per person",
        "need": run.unit,
        "received": run.unit,
        "cumulative": run.unit,
    }
    return df, totals, fit


def _evaluate(
    baseline: Baseline,
    k: int,
    state0: ScenarioState,
    state1: ScenarioState,
    effects: list[ChangeEffect],
    include_households: bool,
) -> dict[str, Any]:
    """Re-solve once and attribute the change (see the module docstring)."""
    t, ad, solver = baseline.table, baseline.adapter, baseline.solver
    f0, f1 = state0.intensities, state1.intensities
    x0 = np.asarray(t.x, float)
    m0 = baseline.multipliers(k)
    f_changed = not np.array_equal(f0, f1)
    if np.all(state1.technology == 1.0):
        dy = state1.demand - state0.demand
        x1 = x0 + solver.solve(ad.spread(dy)) if np.any(dy) else x0.copy()
        m1 = solver.solve(f1, trans="T") if f_changed else m0
        m1_L0, solver1, tech = m1, solver, False
    else:
        x1, m1, solver1 = _evaluate_technology(baseline, state1, f1)
        m1_L0 = solver.solve(f1, trans="T") if f_changed else m0
        tech = True
    cbf1 = _consumption_after(baseline, k, state0, state1, m0, m1)
    parts = _parts(ad, effects, (x0 + x1) / 2.0, (m0 + m1_L0) / 2.0, x1, include_households)
    return {"x1": x1, "cbf1": cbf1, "parts": parts, "refactorized": tech, "solver": solver1}


def _evaluate_technology(baseline: Baseline, state1: ScenarioState, f1: np.ndarray):
    t, ad, solver = baseline.table, baseline.adapter, baseline.solver
    mod = ad.modified_table(technology_factors=state1.technology, demand=state1.demand)
    solver1 = factorize(mod, method=solver.method)
    if t.structured:
        x1 = np.asarray(mod.x, float)
    else:
        x1 = solver1.solve(ad.spread(state1.demand) + t.exports.sum(axis=1))
    return x1, solver1.solve(f1, trans="T"), solver1


def _consumption_after(baseline, k, state0, state1, m0, m1) -> np.ndarray:
    """CBF after, as a difference from the baseline accounts (untouched cities keep theirs)."""
    cbf0 = baseline.accounts.consumption_based.to_numpy()[:, k]
    if m1 is m0 and not np.any(state1.demand != state0.demand):
        return cbf0.copy()
    E0 = baseline.effective_multipliers(k)
    E1 = baseline.adapter.effective_multipliers(m1)
    return cbf0 + (E1 * state1.demand - E0 * state0.demand).sum(axis=(1, 2))


def _parts(ad, effects, xbar, mbar, x1, include_households: bool) -> list[tuple]:
    Ebar = ad.effective_multipliers(mbar) if any(e.d_demand is not None for e in effects) else None
    parts = []
    for e in effects:
        ch = e.change
        if e.d_demand is not None:
            q = -float(np.sum(Ebar[e.target] * e.d_demand))
            if include_households:
                q -= float(e.d_household.sum())
        elif e.d_technology is not None:
            q = -ad.technology_effect(mbar, e.target, e.d_technology, x1)
        else:
            q = -float(e.d_intensity @ xbar[e.nodes])
        parts.append((ch.city, ch.label, ch.lever_type, q))
    return parts
