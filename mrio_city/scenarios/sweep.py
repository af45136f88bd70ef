"""Parameter sweeps over scenario key paths, in process or on a Dask cluster.

``sweep(scenario, {"super_emitter.threshold": [10, 15, 20]})`` evaluates the scenario at every
point of the grid (the Cartesian product of the value lists, first key varying slowest) and
returns one long table (:class:`SweepResult`).

Schedulers:

* ``'local'`` (default): a ``dask.distributed.LocalCluster`` with ``n_workers`` worker
  processes, one thread each, started and closed by the call;
* an address such as ``'tcp://10.0.0.5:8786'``: any running Dask scheduler;
* ``None`` or ``'inprocess'``: a plain loop in this process (reference for comparison).

Each worker builds the baseline (table, factorization, accounts) **once** and keeps it in a
module-level cache keyed by the table (its registry name, or a token of the table object
scattered to the workers), then evaluates many points per task (``batch_size``).  Points are
validated on the client before any work is sent.
"""

from __future__ import annotations

import itertools
import math
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from mrio_city.model.errors import ScenarioSpecError
from mrio_city.model.table import BaseTable
from mrio_city.scenarios.run import Baseline, ScenarioResult, run_scenario
from mrio_city.scenarios.spec import Scenario

__all__ = ["sweep", "SweepResult", "grid_points", "result_metrics"]

#: Metrics of :func:`result_metrics` (besides one ``quota[<lever>]`` row per lever).
METRICS = (
    "super_emitters",
    "threshold_per_capita",
    "baseline_total",
    "scenario_total",
    "quota",
    "share_of_projected_quota",
    "reallocated",
    "population_lifted",
    "population_share_lifted",
    "population_share_at_target",
    "refactorized",
)

# worker-side cache: key -> Baseline; and how many baselines this process built
_CACHE: dict[str, Baseline] = {}
_BUILDS: dict[str, int] = {}
_CACHE_SIZE = 2


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
        point, worker (process id), baseline_builds (baselines that process built for this
        table: 1 when the cache worked).
    scheduler : str
    """

    table: pd.DataFrame
    points: pd.DataFrame
    workers: pd.DataFrame
    scheduler: str

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
    units = {
        "super_emitters": "cities",
        "threshold_per_capita": f"{u} per person",
        "baseline_total": u,
        "scenario_total": u,
        "quota": u,
        "share_of_projected_quota": "1",
        "reallocated": u,
        "population_lifted": "persons",
        "population_share_lifted": "1",
        "population_share_at_target": "1",
        "refactorized": "bool",
    }
    rows = [(m, float(s[m]) if s[m] is not None else math.nan, units[m]) for m in METRICS]
    for label, row in result.quota_by_lever.iterrows():
        rows.append((f"quota[{label}]", float(row["quota"]), u))
    return rows


def _baseline_for(key: str, table_or_name: BaseTable | str) -> Baseline:
    if key not in _CACHE:
        if isinstance(table_or_name, BaseTable):
            table = table_or_name
        else:
            import mrio_city

            table = mrio_city.load_table(table_or_name)
        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = Baseline(table)
        _BUILDS[key] = _BUILDS.get(key, 0) + 1
    return _CACHE[key]


def _run_batch(
    key: str,
    table_or_name: BaseTable | str,
    raw: Mapping[str, Any],
    source: str,
    batch: list[tuple[int, dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Evaluate points of one batch (runs on a worker or in process)."""
    baseline = _baseline_for(key, table_or_name)
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
                    "_builds": _BUILDS[key],
                }
            )
    return rows


def sweep(
    scenario: Scenario,
    grid: Mapping[str, Sequence[Any]],
    table: BaseTable | None = None,
    *,
    scheduler: str | None = "local",
    n_workers: int = 2,
    batch_size: int | None = None,
    baseline: Baseline | None = None,
    progress: bool = False,
) -> SweepResult:
    """Evaluate a scenario over a grid of parameter values.

    Parameters
    ----------
    scenario : Scenario
    grid : mapping of str to sequence
        Dotted key paths into the scenario document -> values, e.g.
        ``{"super_emitter.threshold": [10, 15, 20]}`` or
        ``{"pathways.industrial.levers[0].cut": [0.1, 0.2]}``.
    table : MRIOTable or StructuredMRIOTable, optional
        Default: ``baseline.table``, else the table the scenario names; workers then load it
        by name themselves (no transfer).
    scheduler : str or None, default='local'
        'local' (a new LocalCluster), a scheduler address, or None / 'inprocess'.
    n_workers : int, default=2
        Worker processes of the local cluster (one thread each).
    batch_size : int, optional
        Points per task; default ``ceil(points / (2 n_workers))``.
    baseline : Baseline, optional
        In-process mode: reuse this baseline.
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
    if baseline is not None:
        table = baseline.table if table is None else table
    for values in points:  # validate everything first
        scenario.with_values(values, table=table)
    if not (isinstance(n_workers, int) and n_workers >= 1):
        raise ValueError(
            f"The 'n_workers' parameter of sweep must be an int >= 1. Got {n_workers!r} instead."
        )
    indexed = list(enumerate(points))
    bs = batch_size or max(1, math.ceil(len(points) / (2 * n_workers)))
    batches = [indexed[i : i + bs] for i in range(0, len(indexed), bs)]
    raw, source = dict(scenario.raw), scenario.source
    inprocess = scheduler is None or scheduler == "inprocess"
    if inprocess:
        if table is None:
            from mrio_city.scenarios.run import load_scenario_table

            table = load_scenario_table(scenario, progress=progress)
        key = f"inprocess:{uuid.uuid4().hex}"
        if baseline is None:
            baseline = Baseline(table, progress=progress)
        _CACHE[key] = baseline
        _BUILDS[key] = 1
        rows: list[dict[str, Any]] = []
        try:
            for batch in _bar(batches, progress, len(points), "sweep"):
                rows += _run_batch(key, table, raw, source, batch)
        finally:
            _CACHE.pop(key, None)
        name = "inprocess"
    else:
        rows, name = _run_dask(
            scheduler, n_workers, table, scenario, raw, source, batches, progress, len(points)
        )
    return _collect(rows, points, name)


def _bar(batches, progress: bool, total: int, desc: str):
    if not progress:
        yield from batches
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=desc, unit="point") as bar:
        for b in batches:
            yield b
            bar.update(len(b))


def _run_dask(scheduler, n_workers, table, scenario, raw, source, batches, progress, total):
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
        if table is None:
            key, ref = f"name:{scenario.table}", scenario.table
        else:
            key = f"table:{table.name}:{uuid.uuid4().hex}"
            ref = client.scatter(table, broadcast=True)
        futures = [client.submit(_run_batch, key, ref, raw, source, b, pure=False) for b in batches]
        rows: list[dict[str, Any]] = []
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=total, desc="sweep", unit="point")
        for fut in as_completed(futures):
            part = fut.result()
            rows += part
            if bar is not None:
                bar.update(len({r["point"] for r in part}))
        if bar is not None:
            bar.close()
        name = scheduler if scheduler != "local" else f"local ({n_workers} workers)"
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return rows, name


def _collect(rows: list[dict[str, Any]], points: list[dict[str, Any]], name: str) -> SweepResult:
    pts = pd.DataFrame(points)
    pts.index.name = "point"
    long = pd.DataFrame(rows)
    workers = (
        long[["point", "_worker", "_builds"]]
        .drop_duplicates("point")
        .rename(columns={"_worker": "worker", "_builds": "baseline_builds"})
        .sort_values("point")
        .reset_index(drop=True)
    )
    long = long.drop(columns=["_worker", "_builds"])
    long = long.merge(pts.reset_index(), on="point", how="left")
    order = ["point", *pts.columns, "metric", "value", "unit"]
    long = long[order].sort_values(["point"], kind="mergesort").reset_index(drop=True)
    return SweepResult(table=long, points=pts, workers=workers, scheduler=name)
