"""City carbon accounts from a table and a factorized Leontief solver.

Notation: ``f = F diag(x)^-1`` direct intensities [unit/money]; ``Y^s`` the domestic final demand
of city s summed over categories (n,) [money]; ``ex`` the final columns outside the table's
cities (international exports, "other") summed (n,); ``L = (I - A)^-1`` (never formed).

* ``Q[r, s] = sum_{i in r} f_i^r (L Y^s)_i^r``  emitted in producer r for final demand of s
  (``flows``; docs/methods.md §1.2), and ``Q[r, EX] = sum_{i in r} f_i^r (L ex)_i^r`` emitted
  in r for demand outside the table (``embodied_in_exports_abroad``).
* ``production_based[r] = sum_{i in r} F_i^r = sum_s Q[r, s] + Q[r, EX]`` (territorial, industry)
* ``consumption_based[s] = sum_r Q[r, s]`` (domestic supply chains; emissions outside the table's
  region set are not covered: the table carries none)
* ``embodied_in_exports[r] = sum_{s != r} Q[r, s] + Q[r, EX]``
* ``embodied_in_imports[s] = sum_{r != s} Q[r, s]``
* ``..._with_households``: households' direct emissions ``F_Y`` (summed over categories) added
  to both production- and consumption-based accounts (pymrio's ``D_pba_reg``/``D_cba_reg``).

Hence ``consumption_based = production_based - embodied_in_exports + embodied_in_imports`` for
every city, and ``sum consumption_based = sum production_based - sum Q[:, EX]``.

On request (``income=True``) the income-based footprint ``income_based`` and the enabling matrix
``enabling`` (:mod:`mrio_city.accounts.income`) come from the same factorization, with
``sum income_based = sum production_based``.

Negative final demand (destocking, discrepancies) flows through ``L Y`` like any demand and can
lower a city's consumption-based footprint; negative export/other columns lower
``embodied_in_exports_abroad``.  All accounts carry their units in ``DataFrame.attrs['units']``
(stressor -> unit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mrio_city._progress import progress_bar
from mrio_city.accounts.catalogue import CITY_ACCOUNTS, present
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.labels import CITY, CONSUMER, PRODUCER, SECTOR, STRESSOR
from mrio_city.solve.solver import LeontiefSolver, factorize

__all__ = [
    "Accounts",
    "compute_accounts",
    "accounts_from_flows",
    "consumption_flows",
    "multipliers",
    "consumption_by_producer",
    "ACCOUNT_NAMES",
]

#: Per-city accounts that :class:`Accounts` always holds, in report order, with a one-line
#: description (derived from :data:`mrio_city.accounts.catalogue.CITY_ACCOUNTS`; optional
#: accounts such as ``income_based`` are listed by :meth:`Accounts.account_names` when present).
ACCOUNT_NAMES: dict[str, str] = {a.name: a.description for a in CITY_ACCOUNTS if not a.optional}


def _frame(values: np.ndarray, table: BaseTable, account: str) -> pd.DataFrame:
    df = pd.DataFrame(values.T, index=table.cities.copy(), columns=table.stressors.copy())
    df.attrs["units"] = dict(table.units)
    df.attrs["account"] = account
    return df


@dataclass(frozen=True, eq=False)
class Accounts:
    """Per-city carbon accounts of one table (see the module docstring for formulas).

    Attributes
    ----------
    production_based, production_based_with_households, consumption_based,
    consumption_based_with_households, embodied_in_exports, embodied_in_exports_abroad,
    embodied_in_imports, local, households : DataFrame of shape (n_cities, n_stressors)
        Index 'city', columns 'stressor'; units in ``attrs['units']`` (e.g. t CO2).
    income_based : DataFrame of shape (n_cities, n_stressors) or None
        Emissions enabled by each city's primary inputs (Ghosh, downstream) [stressor unit];
        ``None`` unless computed with ``income=True``.
    flows : DataFrame of shape (n_stressors * n_cities, n_cities)
        Q: index ('stressor', 'producer'), columns 'consumer' [stressor unit].
    enabling : DataFrame of shape (n_stressors * n_cities, n_cities) or None
        ``E[r, s]``: index ('stressor', 'primary_input_city'), columns 'emitting_city'
        [stressor unit]; ``None`` unless computed with ``income=True``.
    multipliers : DataFrame of shape (n_stressors, n_nodes)
        Total intensities ``m = f L`` [stressor unit per money], from a transposed solve.
    supply_chain_share : Series (n_stressors,)
        ``sum_{r != s} Q[r, s] / sum Q`` (ISC-FD, docs/methods.md §1.7) [1].
    identity_residual : float
        ``max |PBF - sum_s Q - Q_EX| / max |PBF|``: the closure of the accounts.
    solver : LeontiefSolver
        The factorization used (reusable for scenarios).
    income_identity_residual : float or None
        ``|sum income_based - sum production_based| / |sum production_based|`` (max over
        stressors) when income-based accounts were computed.
    """

    table_name: str
    units: dict[str, str]
    production_based: pd.DataFrame
    production_based_with_households: pd.DataFrame
    consumption_based: pd.DataFrame
    consumption_based_with_households: pd.DataFrame
    income_based: pd.DataFrame | None = field(default=None, kw_only=True)
    embodied_in_exports: pd.DataFrame
    embodied_in_exports_abroad: pd.DataFrame
    embodied_in_imports: pd.DataFrame
    local: pd.DataFrame
    households: pd.DataFrame
    flows: pd.DataFrame
    enabling: pd.DataFrame | None = field(default=None, kw_only=True)
    multipliers: pd.DataFrame
    supply_chain_share: pd.Series
    identity_residual: float
    solver: LeontiefSolver
    income_identity_residual: float | None = field(default=None, kw_only=True)

    def account_names(self) -> list[str]:
        """Per-city accounts held here, in report order (optional ones when computed)."""
        return [a.name for a in present(self, "city")]

    def enabled_by(self, city: str, stressor: str | None = None) -> pd.Series:
        """Emissions of ``city`` by the city whose primary inputs enabled them [stressor unit].

        Needs the accounts computed with ``income=True``.
        """
        if self.enabling is None:
            raise ValueError("no income-based accounts: compute them with income=True")
        from mrio_city.accounts.income import enabled_by

        return enabled_by(self.enabling, city, stressor)

    def city_table(self, stressor: str | None = None) -> pd.DataFrame:
        """All per-city accounts for one stressor as columns (index 'city').

        Parameters
        ----------
        stressor : str, optional
            Default: the first stressor.
        """
        s = stressor if stressor is not None else self.production_based.columns[0]
        if s not in self.production_based.columns:
            raise KeyError(f"stressor {s!r} not in accounts; have {list(self.units)}")
        names = self.account_names()
        df = pd.DataFrame({name: getattr(self, name)[s] for name in names})
        df.attrs["units"] = {name: self.units[s] for name in names}
        df.attrs["stressor"] = s
        return df

    def by_group(self, mapping, *, outside_label: str | None = "(outside)", grouping="grouping"):
        """Accounts of city groups, summed exactly from these city accounts (no new solve).

        Parameters
        ----------
        mapping : mapping, Series or DataFrame
            City -> group, e.g. ``table.city_attributes['province']``, or a long table with
            columns 'city' and 'group'; shipped groupings (agglomerations, size classes,
            typology) come from :func:`mrio_city.sources.groupings.city_grouping`.
        outside_label, grouping
            See :func:`mrio_city.accounts.groups.group_accounts`.

        Returns
        -------
        GroupAccounts
        """
        from mrio_city.accounts.groups import group_accounts

        return group_accounts(self, mapping, outside_label=outside_label, grouping=grouping)

    def to_long(self) -> pd.DataFrame:
        """Long format: columns account, city, stressor, unit, value."""
        parts = []
        for name in self.account_names():
            df = getattr(self, name)
            long = df.rename_axis(index=CITY, columns=STRESSOR).stack().rename("value")
            long = long.reset_index()
            long.insert(0, "account", name)
            parts.append(long)
        out = pd.concat(parts, ignore_index=True)
        out["unit"] = out[STRESSOR].map(self.units)
        return out[["account", CITY, STRESSOR, "unit", "value"]]


def multipliers(table: BaseTable, solver: LeontiefSolver | None = None) -> pd.DataFrame:
    """Total (embodied) stressor intensities ``m = f L`` per node.

    Computed from one transposed multi-RHS solve ``(I - A)^T m^T = f^T``; L is never formed.

    Returns
    -------
    DataFrame of shape (n_stressors, n_nodes)
        Index 'stressor', columns ('city', 'sector') [stressor unit per money unit].
    """
    ensure_table(table)
    solver = solver if solver is not None else factorize(table)
    m = solver.solve(np.ascontiguousarray(table.direct_intensities.T), trans="T").T
    df = pd.DataFrame(m, index=table.stressors.copy(), columns=table.nodes)
    df.attrs["units"] = {s: f"{u} per {table.meta.money_unit}" for s, u in table.units.items()}
    return df


def compute_accounts(
    table: BaseTable,
    solver: LeontiefSolver | None = None,
    *,
    chunk: int | None = None,
    progress: bool = False,
    income: bool = False,
) -> Accounts:
    """Compute PBF, CBF, EEE, EEI, the city-to-city matrix Q and multipliers for every city.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    solver : LeontiefSolver, optional
        A factorization of this table; made with ``factorize(table)`` when absent.
    chunk : int, optional
        Most destination cities solved together (the cities are cut into equal chunks of at
        most this many, so no small last chunk wastes the BLAS-3 products); memory grows
        with ``n_nodes * chunk``.  Default: the solver's ``columns_per_solve``: 160 for the
        block method on dense trade shares (its fused iteration takes 24 bytes per node and
        city, right-hand sides included: at 309 x 42 two chunks of 155 cities, 48 MB), 96
        otherwise (benchmarks/README.md).
    progress : bool, default=False
        Show a progress bar over chunks (tqdm).
    income : bool, default=False
        Also compute the income-based (downstream, Ghosh) footprints and the enabling matrix
        (:func:`mrio_city.accounts.income.income_based_accounts`) with the same factorization:
        one transposed solve per city, no inverse.

    Returns
    -------
    Accounts
    """
    ensure_table(table)
    solver = solver if solver is not None else factorize(table)
    chunk = solver.columns_per_solve if chunk is None else chunk
    Q, Q_ex = consumption_flows(
        table, solver, table.direct_intensities, chunk=chunk, progress=progress
    )
    extra = {}
    if income:
        from mrio_city.accounts.income import income_based_accounts

        ib = income_based_accounts(  # transposed solves: not fused, the general chunk
            table, solver, chunk=min(chunk, LeontiefSolver.columns_per_solve), progress=progress
        )
        extra = {
            "income_based": ib.income_based,
            "enabling": ib.enabling,
            "income_identity_residual": ib.identity_residual,
        }
    return accounts_from_flows(table, Q, Q_ex, solver, **extra)


def consumption_flows(
    table: BaseTable,
    solver: LeontiefSolver,
    intensities: np.ndarray,
    *,
    chunk: int,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Emissions of each producing city embodied in each city's final demand and in exports.

    ``Q[s, r, d] = sum_{i in r} f_si (L y_d)_i`` from solves of every destination city's
    final demand ``y_d``, cut into equal chunks of at most ``chunk`` cities; the exports
    abroad ride along with the last chunk (one solve fewer).  The right-hand sides are built
    in place and overwritten by the answer.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    solver : LeontiefSolver
        A factorization of ``table``.
    intensities : ndarray (n_stressors, n_nodes)
        Direct intensities ``f`` [stressor unit per money unit]: the table's, or drawn ones.
    chunk : int
        Most destination cities per solve (memory grows with ``n_nodes * chunk``).
    progress : bool, default=False
        Progress bar over chunks.

    Returns
    -------
    Q : ndarray (n_stressors, n_cities, n_cities)
        [stressor unit]
    Q_ex : ndarray (n_stressors, n_cities)
        Embodied in exports abroad [stressor unit].
    """
    R, N = table.n_cities, table.n_sectors
    S = intensities.shape[0]
    f3 = intensities.reshape(S, R, N)
    Q = np.zeros((S, R, R))
    ex = table.exports.sum(axis=1)
    Q_ex = np.zeros((S, R))
    size = max(1, -(-R // max(1, -(-R // chunk))))  # as many chunks as `chunk` asks, equal
    starts = range(0, R, size)
    for start in progress_bar(starts, enabled=progress, desc="consumption accounts", unit="block"):
        sel = slice(start, min(start + size, R))
        last = sel.stop == R and bool(np.any(ex))
        D = sel.stop - sel.start
        rhs = np.empty((table.n_nodes, D + last))  # (n, D) and exports abroad with the last
        table.final_demand_by_city(sel, out=rhs[:, :D])
        if last:
            rhs[:, D] = ex
        X = solver.solve(rhs, overwrite_rhs=True)  # rhs is ours: no second n x D array
        if last:
            Q_ex = np.einsum("srn,rn->sr", f3, X[:, -1].reshape(R, N))
            X = X[:, :-1]
        Q[:, :, sel] = np.einsum("srn,rnd->srd", f3, X.reshape(R, N, -1), optimize=True)
        del rhs, X  # not alive during the next chunk's solve
    return Q, Q_ex


def accounts_from_flows(
    table: BaseTable, Q: np.ndarray, Q_ex: np.ndarray, solver: LeontiefSolver, **extra: Any
) -> Accounts:
    """The :class:`Accounts` of ``table`` from its solved city-to-city flows.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    Q : ndarray (n_stressors, n_cities, n_cities)
        Emissions of producing city r embodied in the final demand of city s [stressor unit].
    Q_ex : ndarray (n_stressors, n_cities)
        Emissions of city r embodied in exports abroad [stressor unit].
    solver : LeontiefSolver
        A factorization of this table (for the multipliers).
    **extra
        Optional accounts (``income_based``, ``enabling``, ``income_identity_residual``).

    Returns
    -------
    Accounts
    """
    S, R, N = table.n_stressors, table.n_cities, table.n_sectors
    pbf = table.F.reshape(S, R, N).sum(axis=2)
    hh = table.household_emissions_by_city()
    cbf = Q.sum(axis=1)
    local = np.einsum("srr->sr", Q)
    eee = Q.sum(axis=2) - local + Q_ex
    eei = cbf - local
    closure = pbf - Q.sum(axis=2) - Q_ex
    scale = max(float(np.abs(pbf).max()) if pbf.size else 0.0, 1e-300)
    total_q = Q.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        isc = np.where(total_q != 0, (total_q - local.sum(axis=1)) / total_q, np.nan)
    flows = pd.DataFrame(
        Q.reshape(S * R, R),
        index=pd.MultiIndex.from_product(
            [table.stressors, table.cities], names=[STRESSOR, PRODUCER]
        ),
        columns=pd.Index(table.cities, name=CONSUMER),
    )
    flows.attrs["units"] = dict(table.units)
    share = pd.Series(isc, index=table.stressors.copy(), name="supply_chain_share")
    share.attrs["units"] = {share.name: "1"}
    return Accounts(
        table_name=table.name,
        units=dict(table.units),
        production_based=_frame(pbf, table, "production_based"),
        production_based_with_households=_frame(
            pbf + hh, table, "production_based_with_households"
        ),
        consumption_based=_frame(cbf, table, "consumption_based"),
        consumption_based_with_households=_frame(
            cbf + hh, table, "consumption_based_with_households"
        ),
        embodied_in_exports=_frame(eee, table, "embodied_in_exports"),
        embodied_in_exports_abroad=_frame(Q_ex, table, "embodied_in_exports_abroad"),
        embodied_in_imports=_frame(eei, table, "embodied_in_imports"),
        local=_frame(local, table, "local"),
        households=_frame(hh, table, "households"),
        flows=flows,
        multipliers=multipliers(table, solver),
        supply_chain_share=share,
        identity_residual=float(np.abs(closure).max() / scale) if closure.size else 0.0,
        solver=solver,
        **extra,
    )


def consumption_by_producer(
    table: BaseTable,
    solver: LeontiefSolver | None = None,
    *,
    consumers: list[str] | None = None,
    stressor: str | None = None,
) -> pd.DataFrame:
    """Consumption-based footprints broken down by producing city-sector.

    ``D[(r, i), s] = f_i^r (L Y^s)_i^r``: emissions of stressor in node (r, i) driven by the final
    demand of consumer city s.  Column sums equal ``consumption_based``.

    Parameters
    ----------
    table, solver
        As for :func:`compute_accounts`.
    consumers : list of str, optional
        Consumer cities (default all; memory n_nodes x n_consumers).
    stressor : str, optional
        Default: the first stressor.

    Returns
    -------
    DataFrame of shape (n_nodes, n_consumers)
        Index ('city', 'sector') of producers, columns 'consumer' [stressor unit].
    """
    ensure_table(table)
    solver = solver if solver is not None else factorize(table)
    s = stressor if stressor is not None else table.stressors[0]
    if s not in table.stressors:
        raise KeyError(
            f"stressor {s!r} is not a stressor of table {table.name!r}; have "
            f"{list(table.stressors)}"
        )
    k = table.stressors.get_loc(s)
    if consumers is None:
        pos = np.arange(table.n_cities)
    else:
        missing = [c for c in consumers if c not in table.cities]
        if missing:
            raise KeyError(f"consumer(s) {missing[:5]} are not cities of table {table.name!r}")
        pos = table.cities.get_indexer(consumers)
    X = solver.solve(table.final_demand_by_city(pos))
    D = table.direct_intensities[k][:, None] * X
    df = pd.DataFrame(
        D,
        index=table.nodes.set_names([CITY, SECTOR]),
        columns=pd.Index(table.cities[pos], name=CONSUMER),
    )
    df.attrs["units"] = {s: table.units[s]}
    return df
