"""Parameter sweeps over scenario key paths, in process or on a Dask cluster.

``sweep(scenario, {"super_emitter.threshold": [10, 15, 20]}, table)`` evaluates the scenario at
every point of the grid (the Cartesian product of the value lists, first key varying slowest)
and returns one long table (:class:`SweepResult`).

Schedulers:

* ``'auto'`` (default): decided on measured cost.  The first point is evaluated in process
  (it is needed anyway) and timed, ``t_point``; a local cluster of ``w`` workers gains when
  ``(n - 1) t_point (1 - 1/w) > t_start + t_base``, with ``t_start`` the measured start-up
  of a local cluster on a 2-core machine (:data:`LOCAL_CLUSTER_STARTUP_S`) and ``t_base`` the
  measured baseline build (each worker builds one).  Small grids stay in process;
* ``'local'``: a ``dask.distributed.LocalCluster`` with ``n_workers`` worker processes, one
  thread each, started and closed by the call;
* an address such as ``'tcp://10.0.0.5:8786'``: any running Dask scheduler;
* ``None`` or ``'inprocess'``: a plain loop in this process.

There is no process-global cache: on a cluster the points are split into one batch per worker
and each task builds its baseline (table, factorization, accounts) once and evaluates its batch.
Points are validated before any work is sent.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from mrio_city._progress import progress_bar, progress_counter
from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import ScenarioSpecError
from mrio_city.scenarios.result import SUMMARY_UNITS
from mrio_city.scenarios.run import Baseline, ScenarioResult, run_scenario
from mrio_city.scenarios.spec import Scenario

__all__ = ["sweep", "SweepResult", "grid_points", "result_metrics", "choose_scheduler"]

#: Metrics of :func:`result_metrics` (besides one ``quota[<lever>]`` row per lever).
METRICS = (
    "super_emitters",
    "threshold_per_capita",
    "baseline_total",
    "scenario_total",
    "quota",
    "share_of_budget",
    "reallocated",
    "population_reaching",
    "population_share_reaching",
)
#: Measured start-up of a 2-worker LocalCluster (processes, 1 thread each) incl. client
#: connection and shutdown [s]: 6.3 and 7.1 s on the shared 2-core machine (load average 16),
#: 2026-12-04 (docs/scenarios.md).  A quiet machine starts faster; the rule then errs toward
#: staying in process.
LOCAL_CLUSTER_STARTUP_S = 6.5


@dataclass(frozen=True)
class SweepResult:
    """Results of :func:`sweep`.

    Attributes
    ----------
    table : DataFrame
        Long format: point, one column per swept key path, metric, value, unit.
    points : DataFrame
        One row per point: its values (columns = key paths).
    workers : DataFrame
        point, worker (process id), task (batch number).
    scheduler : str
    decision : str
        Why this scheduler (with the measured costs when chosen automatically).
    """

    table: pd.DataFrame
    points: pd.DataFrame
    workers: pd.DataFrame
    scheduler: str
    decision: str = ""

    def wide(self) -> pd.DataFrame:
        """One row per point, one column per metric."""
        keys = [c for c in self.points.columns]
        return self.table.pivot_table(
            index=["point", *keys], columns="metric", values="value", sort=False
        ).reset_index()


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Cartesian product of a grid ``{key path: values}`` as a list of ``{key path: value}``."""
    if not grid:
        raise ScenarioSpecError("sweep: the grid is empty; give at least one key path")
    for key, values in grid.items():
        if isinstance(values, str) or not isinstance(values, Sequence) or not len(values):
            raise ScenarioSpecError(
                f"sweep: {key}: expected a non-empty list of values, got {values!r}"
            )
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


def result_metrics(result: ScenarioResult) -> list[tuple[str, float, str]]:
    """Headline numbers of one evaluation as (metric, value, unit) rows."""
    s = result.summary()
    u = result.unit
    rows = []
    for m in METRICS:
        v = s[m]
        rows.append((m, float(v) if v is not None else math.nan, SUMMARY_UNITS[m].format(unit=u)))
    for label, row in result.quota_by_lever.iterrows():
        rows.append((f"quota[{label}]", float(row["quota"]), u))
    return rows


def _evaluate_points(
    baseline: Baseline, raw: Mapping[str, Any], source: str, batch, task: int
) -> list[dict[str, Any]]:
    base = Scenario.from_dict(raw, source=source)
    rows = []
    for point, values in batch:
        sc = base.with_values(values, table=baseline.table)
        res = run_scenario(sc, baseline=baseline)
        for metric, value, unit in result_metrics(res):
            rows.append(
                {
                    "point": point,
                    "metric": metric,
                    "value": value,
                    "unit": unit,
                    "_worker": os.getpid(),
                    "_task": task,
                }
            )
    return rows


def _run_batch(table: BaseTable, raw, source: str, batch, task: int) -> list[dict[str, Any]]:
    """One task on a worker: build the baseline once, evaluate the batch."""
    return _evaluate_points(Baseline(table), raw, source, batch, task)


def choose_scheduler(
    n_points: int, point_seconds: float, baseline_seconds: float, n_workers: int
) -> tuple[str | None, str]:
    """In process or a local cluster, from measured costs (module docstring).

    Parameters
    ----------
    n_points : int
    point_seconds : float
        Measured time of one evaluation [s].
    baseline_seconds : float
        Measured time to build the baseline [s] (each worker builds one).
    n_workers : int

    Returns
    -------
    (scheduler, reason)
        ``None`` (in process) or ``'local'``, and the comparison in words.
    """
    rest = max(n_points - 1, 0)
    serial = rest * point_seconds
    parallel = serial / max(n_workers, 1) + LOCAL_CLUSTER_STARTUP_S + baseline_seconds
    reason = (
        f"{rest} remaining points x {point_seconds:.2f} s = {serial:.1f} s in process vs "
        f"{parallel:.1f} s on {n_workers} workers (start-up {LOCAL_CLUSTER_STARTUP_S:.0f} s "
        f"+ baseline {baseline_seconds:.1f} s)"
    )
    if n_workers > 1 and parallel < serial:
        return "local", "auto: local cluster; " + reason
    return None, "auto: in process; " + reason


def sweep(
    scenario: Scenario,
    grid: Mapping[str, Sequence[Any]],
    table: BaseTable | None = None,
    *,
    baseline: Baseline | None = None,
    scheduler: str | None = "auto",
    n_workers: int = 2,
    progress: bool = False,
) -> SweepResult:
    """Evaluate a scenario over a grid of parameter values.

    Parameters
    ----------
    scenario : Scenario
    grid : mapping of str to sequence
        Dotted key paths into the scenario document -> values, e.g.
        ``{"super_emitter.per_capita_multiple": [1.5, 2, 3]}``.
    table : MRIOTable or StructuredMRIOTable, optional
        The table (give this or ``baseline``).
    baseline : Baseline, optional
        Reuse a baseline in process (and for the automatic choice's measurement).
    scheduler : str or None, default='auto'
        'auto' (measured choice), 'local' (a new LocalCluster), a scheduler address, or
        None / 'inprocess'.
    n_workers : int, default=2
        Worker processes of a local cluster (one thread each).
    progress : bool, default=False
        Progress bar over points.

    Returns
    -------
    SweepResult

    Raises
    ------
    ScenarioSpecError
        If a key path or value is invalid (checked for every point before any work).
    """
    points = grid_points(grid)
    if baseline is None and table is None:
        raise ValueError("sweep: pass a table or a Baseline (the command line resolves names)")
    table = baseline.table if baseline is not None else table
    if isinstance(table, str):
        raise TypeError(f"sweep: got the table name {table!r}; load it and pass the table")
    for values in points:  # validate everything first
        scenario.with_values(values, table=table)
    if not (isinstance(n_workers, int) and n_workers >= 1):
        raise ValueError(
            f"The 'n_workers' parameter of sweep must be an int >= 1. Got {n_workers!r} instead."
        )
    indexed = list(enumerate(points))
    raw, source = dict(scenario.raw), scenario.source
    rows: list[dict[str, Any]] = []
    decision = f"requested: {scheduler or 'inprocess'}"
    if scheduler == "auto":
        baseline = baseline if baseline is not None else Baseline(table, progress=progress)
        t_base = baseline.seconds
        t1 = time.perf_counter()
        rows += _evaluate_points(baseline, raw, source, indexed[:1], 0)
        scheduler, decision = choose_scheduler(
            len(points), time.perf_counter() - t1, t_base, n_workers
        )
        indexed = indexed[1:]
    if scheduler is None or scheduler == "inprocess":
        baseline = baseline if baseline is not None else Baseline(table, progress=progress)
        for point in progress_bar(indexed, enabled=progress, desc="sweep", unit="point"):
            rows += _evaluate_points(baseline, raw, source, [point], 1 + point[0])
        name = "inprocess"
    else:
        bs = max(1, math.ceil(len(indexed) / n_workers))
        batches = [indexed[i : i + bs] for i in range(0, len(indexed), bs)]
        more, name = _run_dask(scheduler, n_workers, table, raw, source, batches, progress)
        rows += more
    return _collect(rows, points, name, decision)


def _run_dask(scheduler, n_workers, table, raw, source, batches, progress):
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        ref = client.scatter(table, broadcast=True)
        futures = [
            client.submit(_run_batch, ref, raw, source, b, 1 + i, pure=False)
            for i, b in enumerate(batches)
        ]
        rows: list[dict[str, Any]] = []
        total = sum(len(b) for b in batches)
        bar = progress_counter(total, enabled=progress, desc="sweep", unit="point")
        for fut in as_completed(futures):
            part = fut.result()
            rows += part
            bar.update(len({r["point"] for r in part}))
        bar.close()
        name = scheduler if scheduler != "local" else f"local ({n_workers} workers)"
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return rows, name


def _collect(
    rows: list[dict[str, Any]], points: list[dict[str, Any]], name: str, decision: str
) -> SweepResult:
    pts = pd.DataFrame(points)
    pts.index.name = "point"
    long = pd.DataFrame(rows)
    workers = (
        long[["point", "_worker", "_task"]]
        .drop_duplicates("point")
        .rename(columns={"_worker": "worker", "_task": "task"})
        .sort_values("point")
        .reset_index(drop=True)
    )
    long = long.drop(columns=["_worker", "_task"])
    long = long.merge(pts.reset_index(), on="point", how="left")
    order = ["point", *pts.columns, "metric", "value", "unit"]
    long = long[order].sort_values(["point"], kind="mergesort").reset_index(drop=True)
    return SweepResult(table=long, points=pts, workers=workers, scheduler=name, decision=decision)
