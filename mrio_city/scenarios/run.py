"""Evaluate a super-emitter scenario through the MRIO, reusing the baseline factorization.

Steps of :func:`run_scenario` (METHODS §5.3-5.6, ``docs/scenarios.md``):

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
from mrio_city.accounts.footprints import Accounts, compute_accounts
from mrio_city.model.errors import ScenarioSpecError
from mrio_city.model.table import BaseTable, ensure_table
from mrio_city.scenarios._mrio import DemandAdapter
from mrio_city.scenarios.levers import ChangeEffect, ScenarioState, apply_changes, resolve_lever
from mrio_city.scenarios.living_standard import allocate_quota, living_standard_needs
from mrio_city.scenarios.result import ScenarioResult
from mrio_city.scenarios.selection import Selection, select_super_emitters
from mrio_city.scenarios.spec import Scenario
from mrio_city.solve.solver import LeontiefSolver, factorization_count, factorize

__all__ = ["Baseline", "ScenarioResult", "run_scenario", "city_characteristics"]

#: Label of the consumer "outside the table" (exports abroad) in consumer attributions.
ABROAD = "exports abroad"


class Baseline:
    """A table with its factorization and accounts, shared by many scenario evaluations.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    solver : LeontiefSolver, optional
        Factorization of ``table`` (made with ``factorize(table, method=method)`` if absent).
    accounts : Accounts, optional
        Accounts of ``table`` (computed if absent).
    method : str, default='auto'
        Solver method when factorizing here.
    progress : bool, default=False
        Progress bar while computing the accounts.

    Attributes
    ----------
    table, solver, accounts, adapter
    seconds : float
        Wall time to build the baseline [s].
    """

    def __init__(
        self,
        table: BaseTable,
        *,
        solver: LeontiefSolver | None = None,
        accounts: Accounts | None = None,
        method: str = "auto",
        progress: bool = False,
    ):
        ensure_table(table)
        t0 = time.perf_counter()
        if table.population is None:
            raise ScenarioSpecError(
                f"table {table.name!r} has no population: super-emitters "
                "are defined by per-capita footprints"
            )
        self.table = table
        self.solver = solver if solver is not None else factorize(table, method=method)
        self.accounts = (
            accounts
            if accounts is not None
            else compute_accounts(table, self.solver, progress=progress)
        )
        self.adapter = DemandAdapter(table)
        S, R, K = table.n_stressors, table.n_cities, table.n_categories
        self._hh = table.F_Y.reshape(S, R, K)
        self._supplier_cache: dict[tuple[int, int], np.ndarray] = {}
        self._effective: dict[int, np.ndarray] = {}
        self.seconds = time.perf_counter() - t0

    def __repr__(self) -> str:
        return (
            f"<Baseline table={self.table.name!r} solver={self.solver.method!r} "
            f"id={self.solver.id}>"
        )

    def state(self, k: int) -> ScenarioState:
        """The unchanged scenario state of stressor row ``k``."""
        t = self.table
        return ScenarioState(
            intensities=np.array(t.direct_intensities[k], dtype=float),
            demand=self.adapter.demand.copy(),
            household_emissions=self._hh[k].copy(),
            technology=np.ones((t.n_cities, t.n_sectors, t.n_sectors)),
        )

    def effective_multipliers(self, k: int) -> np.ndarray:
        """Baseline footprint per unit of product-level demand (cached), (R, N, K)."""
        if k not in self._effective:
            self._effective[k] = self.adapter.effective_multipliers(self.multipliers(k))
        return self._effective[k]

    def multipliers(self, k: int) -> np.ndarray:
        """Baseline multipliers ``m = f L`` of stressor row ``k``, shape (n_nodes,)."""
        return self.accounts.multipliers.to_numpy()[k]

    def suppliers(self, k: int, city: int) -> np.ndarray:
        """Emissions of every node embodied in the final demand of ``city`` (cached) [t].

        ``f * (L Y^city)``: the supplier ranking of ``cities = "suppliers"`` levers.
        """
        self.prefetch_suppliers(k, [city])
        return self._supplier_cache[(k, city)]

    def prefetch_suppliers(self, k: int, cities: list[int]) -> None:
        """Solve ``L Y^d`` for all uncached ``cities`` in one batched solve."""
        todo = sorted({int(c) for c in cities if (k, int(c)) not in self._supplier_cache})
        if not todo:
            return
        X = self.solver.solve(self.table.final_demand_by_city(np.array(todo)))
        f = self.table.direct_intensities[k]
        for j, c in enumerate(todo):
            self._supplier_cache[(k, c)] = f * X[:, j]

    def attribute_to_consumers(self, node_values: np.ndarray) -> np.ndarray:
        """Split values located at nodes to the cities whose final demand caused the output.

        With ``w_n = v_n / x_n`` and one transposed solve ``u = w L``, consuming city d gets
        ``u . Y^d`` and exports abroad ``u . e``: each node's value shared by
        ``(L Y^d)_n / x_n``, the shares of its baseline output, which sum to one.

        Parameters
        ----------
        node_values : ndarray (n_nodes,)
            Values at nodes (e.g. emission changes) [stressor unit]; zero where x = 0.

        Returns
        -------
        ndarray of shape (n_cities + 1,)
            Per consuming city, then exports abroad [stressor unit].
        """
        t = self.table
        x = np.asarray(t.x, float)
        w = np.divide(node_values, x, out=np.zeros_like(x), where=x > 0)
        u = self.solver.solve(w, trans="T")
        per_city = (self.adapter.effective_multipliers(u) * self.adapter.demand).sum(axis=(1, 2))
        return np.append(per_city, float(u @ t.exports.sum(axis=1)))


def city_characteristics(scenario: Scenario, baseline: Baseline, stressor: str) -> pd.DataFrame:
    """Each city's characteristics that choose its pathway (``docs/scenarios.md``).

    Returns
    -------
    DataFrame
        Index city: population [persons], gdp_per_capita_usd [USD per person],
        secondary_share [1], resource_based (bool or NaN), upstream_supplier_share [1]
        (EEE / PBF: share of its own emissions embodied in other cities' final demand), and
        the pathway axes affluence, structure, resource, role.
    """
    from mrio_city.analyses.typology import classify_cities

    t, acc, typ = baseline.table, baseline.accounts, scenario.typology
    classes = classify_cities(
        t,
        acc,
        stressor=stressor,
        households=True,
        tau=typ.tau,
        exchange_rate=typ.exchange_rate,
        money_unit=typ.money_unit,
        thresholds={**typ.affluence_thresholds, "high": np.inf},
        structure_threshold=typ.structure_threshold,
    )
    flag = _resource_flag(t)
    known = flag.notna().to_numpy()
    yes = np.array([bool(v) if k else False for v, k in zip(flag, known, strict=True)])
    resource = np.where(~known, "unknown", np.where(yes, "resource-based", "not resource-based"))
    pbf = acc.production_based[stressor].to_numpy(float)
    eee = acc.embodied_in_exports[stressor].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        upstream = np.where(pbf > 0, eee / pbf, np.nan)
    return pd.DataFrame(
        {
            "population": classes["population"].to_numpy(float),
            "gdp_per_capita_usd": classes["gdp_per_capita_usd"].to_numpy(float),
            "secondary_share": classes["secondary_share"].to_numpy(float),
            "resource_based": flag.to_numpy(),
            "upstream_supplier_share": upstream,
            "affluence": classes["affluence"].to_numpy(),
            "structure": classes["structure"].to_numpy(),
            "resource": resource,
            "role": classes["supply_chain_role"].to_numpy(),
        },
        index=t.cities.copy(),
    )


def _resource_flag(table: BaseTable) -> pd.Series:
    """Resource-based status per city (bool, NaN when unknown).

    From the city attribute ``resource_based`` (bool) or ``resource_based_type`` (the State
    Council 2013 list's type - growing, mature, declining, regenerating - empty when the city
    is not on the list).
    """
    attrs = table.city_attributes
    if attrs is not None and "resource_based" in attrs.columns:
        return attrs["resource_based"].reindex(table.cities).astype(object)
    if attrs is not None and "resource_based_type" in attrs.columns:
        kind = attrs["resource_based_type"].reindex(table.cities).fillna("").astype(str)
        return (kind.str.strip() != "").astype(object)
    return pd.Series(np.nan, index=table.cities, dtype=object)


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
