"""The baseline a scenario is evaluated against, and each city's characteristics.

:class:`Baseline` holds a table with its factorization and accounts (built once, reused by
every evaluation and sweep point); :func:`city_characteristics` gives the per-city facts that
choose a super-emitter's pathway.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from mrio_city.accounts.footprints import Accounts, compute_accounts
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.errors import ScenarioSpecError
from mrio_city.scenarios._mrio import DemandAdapter
from mrio_city.scenarios.levers import ScenarioState
from mrio_city.scenarios.spec import Scenario
from mrio_city.solve.solver import LeontiefSolver, factorize

__all__ = ["Baseline", "city_characteristics"]


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
