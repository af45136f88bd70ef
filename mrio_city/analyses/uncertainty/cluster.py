"""A-changing Monte Carlo draws (technology, trade shares) on Dask workers.

Every such draw needs its own table and factorization; draws are spread over the workers of a
LocalCluster (:func:`local_cluster`, by default) or of any running scheduler (by address), the
base table sent to each worker once with what every draw shares (:class:`_BaseOfDraws`).  A
draw builds one table, factorizes it and solves every city's final demand and the exports at
once (:func:`_a_draw`); the client writes the results in
parts like the F/Y draws of :mod:`~mrio_city.analyses.uncertainty.montecarlo`.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from mrio_city._progress import progress_counter
from mrio_city.accounts.footprints import consumption_flows
from mrio_city.analyses.uncertainty.draws import UncertaintySpec, draw
from mrio_city.analyses.uncertainty.montecarlo import (
    QUANTITIES,
    _batches,
    _drawn_structure,
    _long,
    perturbed_table,
    quantities_of_flows,
)
from mrio_city.analyses.uncertainty.store import write_part
from mrio_city.model.base_table import BaseTable
from mrio_city.solve import factorize

__all__ = ["A_DRAW_MEMORY", "QUIET_DASK", "local_cluster", "run_on_dask"]


#: Memory for the right-hand sides of one A-draw solve and the iteration's arrays (bytes):
#: at about 48 bytes per node and column, every destination city of a 309 x 42 table in one
#: solve (each pass over the trade shares serves all of them), county tables in chunks.
A_DRAW_MEMORY = 256 << 20


class _BaseOfDraws:
    """What a worker keeps of the base table for its A-changing draws, made once per worker.

    Kept with the (immutable) table it was made from, so a table scattered to a worker once
    gets it once: the stressor's intensities and households' emissions.  (Reusing
    the base operator's polynomial roots for the draws was tried and dropped: at CV 0.05 the
    draws then took 18-20 iterations instead of 16-17, 11 % more CPU than computing their own.)
    """

    def __init__(self, table: BaseTable, stressor: str):
        R, K = table.n_cities, table.n_categories
        k = table.stressors.get_loc(stressor)
        self.f = table.direct_intensities[k]
        self.households = table.F_Y[k].reshape(R, K).sum(axis=1)

    @classmethod
    def of(cls, table: BaseTable, stressor: str) -> _BaseOfDraws:
        cache = table.__dict__.setdefault("_monte_carlo_base", {})
        if stressor not in cache:
            cache[stressor] = cls(table, stressor)
        return cache[stressor]


def _a_draw(table: BaseTable, spec: UncertaintySpec, index: int, stressor: str) -> dict:
    """Evaluate one A-changing draw: one table, one factorization, no multipliers.

    The draw's flows ``Q[r, s] = sum_{i in r} f_i eps_i (L y_s)_i`` and ``Q_ex`` come from
    the accounts' solves (:func:`~mrio_city.accounts.footprints.consumption_flows`, chunked
    to :data:`A_DRAW_MEMORY`) with the drawn intensities; the quantities follow as for F/Y
    draws (:func:`quantities_of_flows`).
    """
    base = _BaseOfDraws.of(table, stressor)
    d = draw(spec, table, index)
    if not table.structured:
        t = perturbed_table(table, d, stressor)
        solver = factorize(t)
    else:
        t = _drawn_structure(table, d)
        solver = factorize(t, workers=1)
    # every destination city in as few solves as the memory allows
    chunk = max(1, min(t.n_cities, A_DRAW_MEMORY // (48 * t.n_nodes) - 1))
    Q, q_ex = consumption_flows(t, solver, (base.f * d.intensity)[None], chunk=chunk)
    res = quantities_of_flows(Q, q_ex, base.households)
    out = {q: res[q][0] for q in QUANTITIES}
    out["supply_chain_share"] = float(res["supply_chain_share"][0])
    return out


def _a_draws(table: BaseTable, spec: UncertaintySpec, indices, stressor: str) -> dict:
    """A task on a Dask worker: several draws, BLAS limited to one thread (one core each)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return {i: _a_draw(table, spec, i, stressor) for i in indices}


#: Dask settings of the local cluster: its own background work takes CPU from the draws when
#: the workers fill every core.  Measured idle on 2 cores (2 workers): the scheduler, nannies
#: and client used 0.03 cores and each worker 0.025 with Dask's defaults, 0.006 and 0.002
#: with these.  The event-loop watchdog ticks every 500 ms instead of 20 ms (it only times
#: blocked loops), memory is polled every second instead of 100 ms, system metrics every 2 s
#: instead of 500 ms (dashboard only), and the statistical profiler (every thread's stack
#: every 10 ms, for the dashboard's profile page) is off.  The workers' allocator keeps freed
#: memory for the next draw instead of returning it to the system (Dask sets
#: MALLOC_TRIM_THRESHOLD_=64 KiB): arrays up to 32 MiB (glibc's largest mmap threshold) come
#: from the heap, and a draw at 309 x 42 took 900-1,800 page faults instead of 50,000 and
#: 0.02-0.07 s of system CPU instead of 0.09-0.10 (the kernel zeroing fresh pages).
QUIET_DASK = {
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.profile.enabled": False,
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": str(1 << 30),
    "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": str(32 << 20),
}


def _shipped(table: BaseTable) -> BaseTable:
    """The table as the workers get it: a shallow copy without the client's solver caches.

    Its arrays and the draws' base (:class:`_BaseOfDraws`) travel; the base table's structured
    operator and sparse share matrices, which no draw uses, do not.
    """
    out = copy.copy(table)
    for key in ("_structured_operator", "_share_matrices"):
        out.__dict__.pop(key, None)
    return out


def local_cluster(workers: int = 2):
    """The Dask LocalCluster of A-changing draws: ``workers`` single-threaded processes.

    One process per core, one thread each (a draw's BLAS and block solver run on one thread),
    no dashboard, and :data:`QUIET_DASK` (set while the cluster is made, so its scheduler,
    nannies and workers keep it).

    Returns
    -------
    dask.distributed.LocalCluster
    """
    import dask
    from dask.distributed import LocalCluster

    with dask.config.set(QUIET_DASK):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        )


def run_on_dask(
    table: BaseTable,
    spec: UncertaintySpec,
    todo: list[int],
    folder: Path,
    s: str,
    unit: str,
    batch: int,
    scheduler: str | None,
    workers: int,
    progress: bool,
) -> None:
    """A-changing draws ``todo`` on Dask, written to ``folder`` in parts of ``batch`` draws.

    Called by :func:`~mrio_city.analyses.uncertainty.montecarlo.run_montecarlo` (its
    parameters; ``s`` the stressor, ``unit`` its unit).

    The table travels once per worker with what its draws share (:class:`_BaseOfDraws`);
    tasks carry draw numbers only.  Each task evaluates ``per_task`` draws with BLAS (and the
    block solver) on one thread, so two workers on two cores do not oversubscribe them.  A
    draw costs about a second and a half of CPU at 309 x 42 against about a millisecond of
    task overhead, so tasks hold one draw until there are at least 16 per worker (then up to
    ``batch``): the last tasks stay short and the workers finish together.  Results are
    written in parts of ``batch`` draws.  The table is scattered once to every worker, a few
    draws a task.
    """
    import dask
    from dask.distributed import Client, as_completed

    cluster = local_cluster(workers) if scheduler is None else None
    with dask.config.set(QUIET_DASK):
        client = Client(scheduler if scheduler is not None else cluster)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        per_task = max(1, min(batch, len(todo) // (16 * n_workers)))
        # each worker holds the base table once, with what its draws share (made here once
        # per table and kept with it for later runs)
        _BaseOfDraws.of(table, s)
        base = client.scatter(_shipped(table), broadcast=True)
        futures = [
            client.submit(_a_draws, base, spec, chunk, s, pure=False)
            for chunk in _batches(todo, per_task)
        ]
        pending: dict[int, dict] = {}
        bar = progress_counter(len(todo), enabled=progress, desc="draws (A)", unit="draw")
        for fut in as_completed(futures):
            part = fut.result()
            pending.update(part)
            bar.update(len(part))
            if len(pending) >= batch:
                _flush(table, folder, pending, unit)
        bar.close()
        if pending:
            _flush(table, folder, pending, unit)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _flush(table, folder, pending: dict, unit: str) -> None:
    indices = sorted(pending)
    stacked = {
        q: np.stack([np.atleast_1d(pending[i][q]) for i in indices])
        for q in (*QUANTITIES, "supply_chain_share")
    }
    write_part(folder, indices, _long(table, indices, stacked, unit))
    pending.clear()
