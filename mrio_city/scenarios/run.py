"""Evaluate a super-emitter scenario through the MRIO, reusing the baseline factorization.

Steps of :func:`run_scenario` (METHODS §5.3-5.6):

1. per-capita footprints from the baseline accounts -> super-emitters (``super_emitter`` rule);
2. typology (:func:`mrio_city.analyses.typology.classify_cities`) -> each super-emitter takes
   the first pathway (file order) whose ``when`` matches its affluence, structure and role;
3. every lever of every super-emitter is resolved to typed changes and applied by
   :func:`~mrio_city.scenarios.levers.apply_changes` (sequential composition, no double
   counting of overlaps);
4. **one** re-solve: with technology unchanged, ``x1 = x0 + L (y1 - y0)`` and
   ``m1 = f1 L`` with the baseline factorization (two solves, whatever the number of cities);
   when technology changes, ``I - A1`` is factorized once (``result.refactorized``) and
   ``x1 = L1 y1``, ``m1 = f1 L1``;
5. emissions ``E = f1 . x1 (+ households' direct emissions)``; per-city consumption-based
   footprints ``CBF_d = sum_{i,k} m1 w y1[d, i, k]`` (multipliers times final demand);
6. quota = baseline total - scenario total; share of the projected quota to peak;
   reallocation to the least affluent other cities (:func:`.selection.reallocate_quota`).

**Attribution of the quota to levers and cities** (Shapley-lite, exact): the two factors of
``E = f . x`` are split symmetrically (two-factor Shapley)::

    E0 - E1 = (f0 - f1) . (x0 + x1)/2  +  (f0 + f1)/2 . (x0 - x1)
    x1 - x0 = L0 (y1 - y0) + L0 (A1 - A0) x1            (exact for any A1)

so each change u gets ``-df_u . xbar`` (intensity levers), ``-mbar . dY_u`` with
``mbar = fbar L0`` (demand levers, plus its households' direct emissions) or
``-mbar . dA_u x1`` (technology levers).  Within overlapping changes of one factor the split is
sequential in application order.  The parts sum to the quota up to the solver tolerance
(``result.attribution_residual``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mrio_city._progress import progress_bar
from mrio_city.accounts.footprints import Accounts, compute_accounts
from mrio_city.model.errors import ScenarioSpecError
from mrio_city.model.table import BaseTable, ensure_table
from mrio_city.scenarios._mrio import DemandAdapter
from mrio_city.scenarios.levers import (
    ChangeEffect,
    ScenarioState,
    apply_changes,
    resolve_lever,
)
from mrio_city.scenarios.result import ScenarioResult
from mrio_city.scenarios.selection import reallocate_quota, select_super_emitters
from mrio_city.scenarios.spec import Scenario
from mrio_city.solve.solver import LeontiefSolver, factorization_count, factorize

__all__ = ["Baseline", "ScenarioResult", "run_scenario", "load_scenario_table"]


def load_scenario_table(scenario: Scenario, *, progress: bool = False) -> BaseTable:
    """Load the table a scenario names (``scenario.table``) with the package's table registry."""
    import mrio_city

    return mrio_city.load_table(scenario.table, progress=progress)


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


def _first_pathway(scenario: Scenario, types: Mapping[str, str]) -> str:
    for pw in scenario.pathways:
        if pw.matches(types):
            return pw.name
    return ""


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
        Default: ``baseline.table``, else the table the scenario names (``scenario.table``).
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
        If ``table`` and ``baseline.table`` differ.
    """
    if baseline is not None:
        if table is not None and table is not baseline.table:
            raise ValueError("run_scenario: table and baseline.table differ; pass one of them")
        table = baseline.table
    if table is None:
        table = load_scenario_table(scenario, progress=progress)
    scenario.validate(table)
    if baseline is None:
        baseline = Baseline(table, progress=progress)
    t0 = time.perf_counter()
    count0 = factorization_count()
    t = table
    s = scenario.stressor if scenario.stressor is not None else str(t.stressors[0])
    k = int(t.stressors.get_loc(s))
    unit = t.units[s]
    acc = baseline.accounts
    rule = scenario.super_emitter
    pop = pd.Series(np.asarray(t.population, float), index=t.cities)
    footprint = getattr(acc, rule.measure)[s]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_capita = (footprint / pop.where(pop > 0)).astype(float)
    supers, tau, tau_source = select_super_emitters(per_capita, footprint, rule)

    from mrio_city.analyses.typology import classify_cities

    typ = scenario.typology
    classes = classify_cities(
        t,
        acc,
        stressor=s,
        households=True,
        tau=typ.tau,
        exchange_rate=typ.exchange_rate,
        money_unit=typ.money_unit,
        thresholds={**typ.affluence_thresholds, "high": math.inf},
        structure_threshold=typ.structure_threshold,
    )
    classes = pd.DataFrame(
        {
            c: classes[c].to_numpy()
            for c in (
                "population",
                "gdp_per_capita_usd",
                "affluence",
                "structure",
                "supply_chain_role",
            )
        },
        index=t.cities,
    )  # no attrs: fast pandas
    axes = pd.DataFrame(
        {
            "affluence": classes["affluence"],
            "structure": classes["structure"],
            "role": classes["supply_chain_role"],
        }
    )
    city_type = axes["affluence"] + "/" + axes["structure"] + "/" + axes["role"]
    pathway = pd.Series("", index=t.cities, dtype=object)
    for c in supers:
        pathway[c] = _first_pathway(scenario, axes.loc[c].to_dict())

    # resolve and apply levers ---------------------------------------------------------------
    state0 = baseline.state(k)
    x0 = np.asarray(t.x, float)
    pws = {pw.name: pw for pw in scenario.pathways}
    changes = []
    done_explicit: set[str] = set()
    iterator = progress_bar(supers, enabled=progress, desc="super-emitter levers", unit="city")
    need = [
        int(t.cities.get_loc(c))
        for c in supers
        if pathway[c] in pws and any(lv.cities == "suppliers" for lv in pws[pathway[c]].levers)
    ]
    baseline.prefetch_suppliers(k, need)
    for c in iterator:
        pw = pws.get(pathway[c])
        if pw is None:
            continue
        for lever in pw.levers:
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
                per_capita=per_capita,
                suppliers=lambda pos, _k=k: baseline.suppliers(_k, pos),
            )
    state1, effects = apply_changes(state0, changes)

    # one re-solve ---------------------------------------------------------------------------
    ev = _evaluate(baseline, k, state0, state1, effects, scenario.quota.include_households)
    f1, x1 = state1.intensities, ev["x1"]
    R, N = t.n_cities, t.n_sectors
    hh0, hh1 = state0.household_emissions.sum(axis=1), state1.household_emissions.sum(axis=1)
    inc = scenario.quota.include_households
    pbf0 = acc.production_based[s].to_numpy(float)
    pbf1 = pbf0 - (state0.intensities * x0 - f1 * x1).reshape(R, N).sum(axis=1)
    cbf0 = acc.consumption_based[s].to_numpy(float)
    cbf1 = ev["cbf1"]
    if inc:
        pbf0, pbf1, cbf0, cbf1 = pbf0 + hh0, pbf1 + hh1, cbf0 + hh0, cbf1 + hh1
    baseline_total = float(t.F[k].sum()) + (float(hh0.sum()) if inc else 0.0)
    quota = float(np.sum(state0.intensities * x0 - f1 * x1))
    if inc:
        quota += float(hh0.sum() - hh1.sum())
    scenario_total = baseline_total - quota

    # per-capita measure after (the super-emitter measure)
    meas1 = ev["cbf1"] + (hh1 if rule.measure.endswith("households") else 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pc1 = pd.Series(meas1, index=t.cities) / pop.where(pop > 0)

    attribution = pd.DataFrame(ev["parts"], columns=["city", "lever", "lever_type", "quota"])
    attribution.insert(
        1,
        "pathway",
        attribution["city"].map(lambda c: pathway.get(c, "") if c in pathway.index else ""),
    )
    attribution.insert(2, "city_type", attribution["city"].map(city_type))
    attribution.attrs["units"] = {"quota": unit}
    residual = quota - float(attribution["quota"].sum())
    by_lever = attribution.groupby("lever", sort=False).agg(
        lever_type=("lever_type", "first"), cities=("city", "nunique"), quota=("quota", "sum")
    )
    by_lever.attrs["units"] = {"quota": unit}
    by_city = attribution.groupby("city", sort=False)["quota"].sum().rename("quota")
    by_city.attrs["unit"] = unit

    se = pd.DataFrame(
        {
            "per_capita": per_capita[supers],
            "footprint": footprint[supers],
            "population": pop[supers],
            "gdp_per_capita_usd": classes.loc[supers, "gdp_per_capita_usd"],
            "affluence": axes.loc[supers, "affluence"],
            "structure": axes.loc[supers, "structure"],
            "role": axes.loc[supers, "role"],
            "city_type": city_type[supers],
            "pathway": pathway[supers],
            "quota_attributed": by_city.reindex(supers).fillna(0.0),
        }
    )
    se.index.name = "city"
    se.attrs["units"] = {
        "per_capita": f"{unit} per person",
        "footprint": unit,
        "population": "persons",
        "gdp_per_capita_usd": "USD per person",
        "quota_attributed": unit,
    }
    cities = pd.DataFrame(
        {
            "population": pop,
            "super_emitter": t.cities.isin(supers),
            "city_type": city_type,
            "pathway": pathway,
            "production_based_baseline": pbf0,
            "production_based_scenario": pbf1,
            "consumption_based_baseline": cbf0,
            "consumption_based_scenario": cbf1,
            "per_capita_baseline": per_capita,
            "per_capita_scenario": pc1,
        },
        index=t.cities.copy(),
    )
    cities["quota_attributed"] = by_city.reindex(t.cities).fillna(0.0).to_numpy()
    cities.attrs["units"] = {
        c: unit for c in cities.columns if c.startswith(("production", "consumption", "quota"))
    }
    cities.attrs["units"].update(
        population="persons",
        per_capita_baseline=f"{unit} per person",
        per_capita_scenario=f"{unit} per person",
    )
    cities.attrs["households_included"] = inc
    realloc, totals = reallocate_quota(
        quota, classes, per_capita, supers, scenario.living_standard, source=scenario.source
    )
    realloc.attrs["units"] = {
        "population": "persons",
        "gdp_per_capita_usd": "USD per person",
        "per_capita_footprint": f"{unit} per person",
        "target_per_capita": f"{unit} per person",
        "need": unit,
        "received": unit,
        "cumulative": unit,
    }
    projected = scenario.quota.projected_quota_to_peak
    return ScenarioResult(
        scenario=scenario,
        table_name=t.name,
        stressor=s,
        unit=unit,
        include_households=inc,
        super_emitters=se,
        threshold=tau,
        threshold_source=tau_source,
        baseline_total=baseline_total,
        scenario_total=scenario_total,
        quota=quota,
        quota_by_lever=by_lever,
        quota_by_city=by_city,
        attribution=attribution,
        attribution_residual=residual,
        cities=cities,
        reallocation=realloc,
        reallocation_totals=totals,
        projected_quota=projected,
        share_of_projected_quota=quota / projected if projected else math.nan,
        refactorized=ev["refactorized"],
        factorizations=factorization_count() - count0,
        solver_id=ev["solver"].id,
        seconds=time.perf_counter() - t0,
        extras={"x1": x1, "state": state1, "baseline_solver_id": baseline.solver.id},
    )


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
    tech = not np.all(state1.technology == 1.0)
    if not tech:
        dy = state1.demand - state0.demand
        x1 = x0 + solver.solve(ad.spread(dy)) if np.any(dy) else x0.copy()
        m1 = solver.solve(f1, trans="T") if f_changed else m0
        m1_L0, solver1 = m1, solver
    else:
        mod = ad.modified_table(technology_factors=state1.technology, demand=state1.demand)
        solver1 = factorize(mod, method=solver.method)
        if t.structured:
            x1 = np.asarray(mod.x, float)
        else:
            y_tot = ad.spread(state1.demand) + t.exports.sum(axis=1)
            x1 = solver1.solve(y_tot)
        m1 = solver1.solve(f1, trans="T")
        m1_L0 = solver.solve(f1, trans="T") if f_changed else m0
    # CBF as a difference from the baseline accounts: cities whose demand and multipliers did
    # not change keep their baseline value exactly (no solver-tolerance noise)
    cbf0 = baseline.accounts.consumption_based.to_numpy()[:, k]
    if m1 is m0 and not np.any(state1.demand != state0.demand):
        cbf1 = cbf0.copy()
    else:
        E0 = baseline.effective_multipliers(k)
        E1 = ad.effective_multipliers(m1)
        cbf1 = cbf0 + (E1 * state1.demand - E0 * state0.demand).sum(axis=(1, 2))
    xbar = (x0 + x1) / 2.0
    mbar = (m0 + m1_L0) / 2.0
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
    return {"x1": x1, "cbf1": cbf1, "parts": parts, "refactorized": tech, "solver": solver1}
