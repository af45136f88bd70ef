"""Monte Carlo of city footprints: F/Y draws on one factorization, A draws on Dask workers.

Draws of intensities and final demand (no change of A) reuse the baseline factorization: with
``X_k = L Y_k`` solved once for every city and final-demand category k (``n x R`` per k) and
``x_ex = L exports``, draw d with intensity factors ``eps`` (per city-sector) and demand factors
``lambda`` (per city and category) gives exactly

``Q_d[r, s] = sum_k lambda[s, k] sum_{i in r} f_i eps_i X_k[i, s]``

computed for a batch of draws as one batched matrix product per producing city (BLAS-3), then
PBF, CBF, EEI, EEE and the inter-city share as in the accounts.  Households' direct emissions
are not drawn.  Draws that change technology or trade shares build their own table and
factorization; they are spread over Dask workers (:mod:`~mrio_city.analyses.uncertainty.cluster`:
a LocalCluster by default, any scheduler by address), the base table sent to each worker once.

Results stream to ``DIR/draws/part-<first>-<last>.parquet`` (long format: draw, city, quantity,
value), each part written to a temporary file and renamed, so a run that dies leaves only whole
parts and the next run resumes with the draws not yet written; memory is bounded by one batch.
A folder is resumed only by the run that started it: ``_run.json`` beside the parts records the
table's content hash, the uncertainty settings (seed included), the stressor and the version of
the draw streams, and a run with any other record is refused before any draw
(:func:`~mrio_city.analyses.uncertainty.store.claim_folder`), so draws of two different runs
are never mixed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city._progress import progress_bar
from mrio_city.accounts.footprints import Accounts, accounts_from_flows
from mrio_city.analyses.uncertainty.draws import Draw, UncertaintySpec, draw
from mrio_city.analyses.uncertainty.indices import INDICES, inequality_of_draws
from mrio_city.analyses.uncertainty.store import (
    draws_to_do,
    run_record,
    write_part,
)
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.errors import ScenarioSpecError
from mrio_city.solve import LeontiefSolver, factorize

__all__ = [
    "ALL_CITIES",
    "NATIONAL",
    "QUANTITIES",
    "FixedSystem",
    "perturbed_table",
    "quantities_of_flows",
    "run_montecarlo",
]

#: Per-city quantities of every draw [stressor unit]; national ones use city ALL_CITIES.
QUANTITIES = (
    "production_based",
    "consumption_based",
    "consumption_based_with_households",
    "embodied_in_imports",
    "embodied_in_exports",
)
ALL_CITIES = "(all cities)"
#: National quantities of every draw [1]: the inter-city share and the inequality indices.
NATIONAL = ("supply_chain_share", *INDICES)


class FixedSystem:
    """A table's solved blocks ``L Y_k`` and ``L exports``, for F/Y draws without new solves.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    solver : LeontiefSolver, optional
    stressor : str, optional
        Default: the first stressor.
    chunk : int, default=96
        Columns solved together when building the blocks.
    """

    def __init__(
        self,
        table: BaseTable,
        solver: LeontiefSolver | None = None,
        *,
        stressor: str | None = None,
        chunk: int = 96,
        progress: bool = False,
    ):
        ensure_table(table)
        self.table = table
        solver = solver if solver is not None else factorize(table)
        self.solver = solver
        R, N, K = table.n_cities, table.n_sectors, table.n_categories
        self.stressor = stressor if stressor is not None else table.stressors[0]
        k = table.stressors.get_loc(self.stressor)
        self.f = table.direct_intensities[k]
        self.households = table.F_Y[k].reshape(R, K).sum(axis=1)
        # X[r, i, s*K + k] = (L Y_{s,k})_{(r, i)}: category columns of every destination city
        X = np.empty((R * N, R * K))
        cols = range(0, R * K, chunk)
        for start in progress_bar(cols, enabled=progress, desc="solved blocks", unit="block"):
            stop = min(start + chunk, R * K)
            X[:, start:stop] = solver.solve(self._final_demand_columns(start, stop))
        self.X = X.reshape(R, N, R * K)
        ex = table.exports.sum(axis=1)
        self.x_ex = solver.solve(ex).reshape(R, N) if np.any(ex) else np.zeros((R, N))

    def _final_demand_columns(self, start: int, stop: int) -> np.ndarray:
        t = self.table
        K = t.n_categories
        if not t.structured:
            return np.array(t.Y[:, start:stop])
        out = np.empty((t.n_nodes, stop - start))
        sh = t.final_trade_shares
        share, share_of = None, -1
        for c, col in enumerate(range(start, stop)):
            s, k = divmod(col, K)
            if s != share_of:  # the K categories of a city share its supplier columns
                if isinstance(sh, np.ndarray):
                    share = sh[:, :, s]  # (N, R): t_i[c, s]
                else:
                    share = np.column_stack([m[:, [s]].toarray()[:, 0] for m in sh]).T
                share_of = s
            out[:, c] = (share * t.final_demand[s, :, k][:, None]).T.reshape(-1)
        return out

    def output_of(self, d: Draw) -> np.ndarray:
        """Gross output of draw ``d``'s table, ``x = sum_k lambda_k L Y_k + L exports`` (n,)."""
        lam = np.asarray(d.demand, dtype=float).reshape(-1)  # (R*K,) in (s, k) order
        return (self.X @ lam).reshape(-1) + self.x_ex.reshape(-1)

    def accounts_of(self, table_of_draw: BaseTable, d: Draw) -> Accounts:
        """Accounts of draw ``d``'s table from the solved blocks: no new solve of ``L Y``.

        ``Q[s, r, c] = sum_k lambda[c, k] sum_{i in r} f_i X_k[i, c]`` with the draw table's
        intensities f of every stressor, ``Q_ex[s, r] = sum_{i in r} f_i (L exports)_i``,
        then the accounts as :func:`~mrio_city.accounts.footprints.compute_accounts` closes
        them (one transposed solve for the multipliers).  Exact for draws that keep A.

        Parameters
        ----------
        table_of_draw : MRIOTable or StructuredMRIOTable
            :func:`perturbed_table` of this system's table and ``d``.
        d : Draw
            Without technology or trade factors.
        """
        if d.technology is not None or d.trade is not None:
            raise ValueError("accounts_of: the draw changes A; compute its accounts directly")
        t = table_of_draw
        S, R, N, K = t.n_stressors, t.n_cities, t.n_sectors, t.n_categories
        G = np.ascontiguousarray(t.direct_intensities.reshape(S, R, N).transpose(1, 0, 2))
        T = np.matmul(G, self.X).reshape(R, S, R, K)  # (r, s, c, k)
        Q = np.einsum("rsck,ck->src", T, d.demand, optimize=True)
        Q_ex = np.einsum("rsn,rn->sr", G, self.x_ex)
        return accounts_from_flows(t, Q, Q_ex, self.solver)

    def evaluate(self, draws: Sequence[Draw]) -> dict[str, np.ndarray]:
        """Per-city quantities (D, R) and national ones (D,) of a batch of draws."""
        t = self.table
        R, N, K = t.n_cities, t.n_sectors, t.n_categories
        D = len(draws)
        eps = np.stack([d.intensity for d in draws])  # (D, n)
        lam = np.stack([d.demand for d in draws])  # (D, R, K)
        # contiguous (R, D, N): numpy's stacked matmul uses BLAS only on contiguous stacks
        # (10x faster than the strided view at 150 cities)
        G = np.ascontiguousarray((eps * self.f[None, :]).reshape(D, R, N).transpose(1, 0, 2))
        T = np.matmul(G, self.X).reshape(R, D, R, K)  # (r, d, s, k)
        Q = np.einsum("rdsk,dsk->drs", T, lam, optimize=True)  # (D, R, R)
        q_ex = np.einsum("rdn,rn->dr", G, self.x_ex)
        return quantities_of_flows(Q, q_ex, self.households)


def quantities_of_flows(Q: np.ndarray, q_ex: np.ndarray, households: np.ndarray) -> dict:
    """Per-city quantities (D, R) and the inter-city share (D,) of draws' solved flows.

    Parameters
    ----------
    Q : ndarray (D, R, R)
        ``Q[d, r, s]``: emissions of producing city r embodied in the final demand of city s
        in draw d [stressor unit].
    q_ex : ndarray (D, R)
        Emissions of city r embodied in exports abroad [stressor unit].
    households : ndarray (R,)
        Households' direct emissions per city [stressor unit] (not drawn).

    Returns
    -------
    dict of str -> ndarray
        :data:`QUANTITIES` (D, R) and ``'supply_chain_share'`` (D,) [1].  Output follows the
        drawn final demand, so PBF is the accounts' closure ``sum_s Q[r, s] + Q_ex[r]``.
    """
    local = np.einsum("drr->dr", Q)
    cbf = Q.sum(axis=1)
    produced = Q.sum(axis=2) + q_ex
    total = Q.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total != 0, (total - local.sum(axis=1)) / total, np.nan)
    return {
        "production_based": produced,
        "consumption_based": cbf,
        "consumption_based_with_households": cbf + households[None, :],
        "embodied_in_imports": cbf - local,
        "embodied_in_exports": produced - local,
        "supply_chain_share": share,
    }


def perturbed_table(
    table: BaseTable,
    d: Draw,
    stressor: str,
    solver: LeontiefSolver | None = None,
    *,
    output: np.ndarray | None = None,
) -> BaseTable:
    """The table of draw ``d``: final demand, intensities (and technology, trade shares) drawn.

    Output follows the drawn final demand; intensities ``f * eps`` are kept, so ``F = f eps x``.
    Without technology or trade draws A is the base table's, and ``solver`` (its factorization)
    gives the new output of a general table; a structured table solves its own output.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    d : Draw
    stressor : str
        The stressor whose intensities are drawn (the others keep their F).
    solver : LeontiefSolver, optional
        Factorization of ``table`` (general tables; made here if absent).
    output : ndarray (n_nodes,), optional
        The draw's gross output when known (:meth:`FixedSystem.output_of`), checked against
        ``A x + y`` by the table; otherwise solved.

    Raises
    ------
    ScenarioSpecError
        Technology or trade draws on a general (not structured) table.
    """
    if not table.structured:
        if d.technology is not None or d.trade is not None:
            raise ScenarioSpecError(
                "technology_cv and trade_cv draws need a structured (trade shares x technology) "
                "table"
            )
        Y = table.Y * d.demand.reshape(-1)[None, :]
        if output is None:
            solver = solver if solver is not None else factorize(table)
            output = solver.solve(np.asarray(Y.sum(axis=1)) + table.exports.sum(axis=1))
        x = np.asarray(output, dtype=float)
        x0 = np.asarray(table.x, dtype=float)
        scale = np.divide(x, x0, out=np.zeros_like(x), where=x0 > 0)
        Z = table.intermediate_flows()
        Z = Z @ sp.diags(scale) if sp.issparse(Z) else Z * scale[None, :]
        return table.replace(Z=Z, Y=Y, x=x, F=_drawn_flows(table, d, stressor, x))
    if output is None:  # the table solves its own output, then takes the drawn F
        t1 = _drawn_structure(table, d)
        return t1.replace(F=_drawn_flows(table, d, stressor, t1.x), x=t1.x)
    x = np.asarray(output, dtype=float)  # known: one table
    return _drawn_structure(table, d, x, F=_drawn_flows(table, d, stressor, x))


def _drawn_flows(table: BaseTable, d: Draw, stressor: str, x: np.ndarray) -> np.ndarray:
    """F of draw ``d``: the stressor's intensities times ``eps`` times the draw's output."""
    F = np.array(table.F, dtype=float)
    k = table.stressors.get_loc(stressor)
    F[k] = table.direct_intensities[k] * d.intensity * x
    return F


def _drawn_structure(
    table: BaseTable, d: Draw, output: np.ndarray | None = None, F: np.ndarray | None = None
) -> BaseTable:
    """A structured table with draw ``d``'s final demand, technology and trade shares.

    Gross output is solved by the table unless ``output`` is given; F is the base table's
    unless given (the A draws use the drawn intensities directly, not the table's F).
    """
    changes = {"final_demand": table.final_demand * d.demand[:, None, :]}
    if F is not None:
        changes["F"] = F
    if d.technology is not None:
        changes["technology"] = table.technology * d.technology
    if d.trade is not None:
        shares = np.asarray(table.trade_shares) * d.trade
        sums = shares.sum(axis=1, keepdims=True)
        np.divide(shares, sums, out=shares, where=sums > 0)  # all-zero columns stay zero
        changes["trade_shares"] = changes["final_trade_shares"] = shares
    if output is not None:
        changes["x"] = np.asarray(output, dtype=float)
    return table.replace(**changes)


def _long(table: BaseTable, indices: Sequence[int], results: dict, unit: str) -> pd.DataFrame:
    R, D = table.n_cities, len(indices)
    results = dict(results) | inequality_of_draws(results, table.population)
    parts = []
    for q in QUANTITIES:
        parts.append(
            pd.DataFrame(
                {
                    "draw": np.repeat(np.asarray(indices, dtype=np.int64), R),
                    "city": np.tile(np.asarray(table.cities, dtype=object), D),
                    "quantity": q,
                    "value": np.asarray(results[q], dtype=float).reshape(-1),
                }
            )
        )
    for q in NATIONAL:
        parts.append(
            pd.DataFrame(
                {
                    "draw": np.asarray(indices, dtype=np.int64),
                    "city": ALL_CITIES,
                    "quantity": q,
                    "value": np.asarray(results[q], dtype=float).reshape(-1),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["unit"] = np.where(out["quantity"].isin(NATIONAL), "1", unit)
    return out


def _batches(indices: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(indices), size):
        yield indices[start : start + size]


def run_montecarlo(
    table: BaseTable,
    spec: UncertaintySpec,
    draws: int,
    out: str | os.PathLike[str],
    *,
    solver: LeontiefSolver | None = None,
    stressor: str | None = None,
    batch: int = 32,
    scheduler: str | None = None,
    workers: int = 2,
    progress: bool = False,
    system: FixedSystem | None = None,
) -> Path:
    """Run (or resume) ``draws`` Monte Carlo draws and stream them to ``out/draws``.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    spec : UncertaintySpec
    draws : int
        Total number of draws (0 .. draws-1); those already written are skipped.
    out : path
        Output folder.
    solver : LeontiefSolver, optional
        Baseline factorization (F/Y draws).
    stressor : str, optional
    batch : int, default=32
        Draws per part file (and per batched product).
    scheduler : str, optional
        Address of a running Dask scheduler for A-changing draws; default a LocalCluster.
    workers : int, default=2
        Workers of the LocalCluster.
    progress : bool, default=False
    system : FixedSystem, optional
        The table's solved blocks for F/Y draws (built here if absent).

    Returns
    -------
    pathlib.Path
        The folder of the parquet parts.
    """
    ensure_table(table)
    if draws < 1:
        raise ScenarioSpecError(f"the number of draws must be at least 1, got {draws}")
    s = stressor if stressor is not None else table.stressors[0]
    folder, todo = draws_to_do(out, "draws", run_record(table, spec, s), draws)
    unit = table.units[s]
    if not todo:
        return folder
    if not spec.changes_A:
        if system is None or system.stressor != s:
            system = FixedSystem(table, solver, stressor=s, progress=progress)
        chunks = list(_batches(todo, batch))
        for chunk in progress_bar(chunks, enabled=progress, desc="draws", unit="batch"):
            res = system.evaluate([draw(spec, table, i) for i in chunk])
            write_part(folder, chunk, _long(table, chunk, res, unit))
        return folder
    # dask is imported only for A-changing draws (it takes a second to import)
    from mrio_city.analyses.uncertainty.cluster import run_on_dask

    run_on_dask(table, spec, todo, folder, s, unit, batch, scheduler, workers, progress)
    return folder
