"""Parameter sweeps: in-process equals individual runs; a 2-worker Dask cluster equals
in-process; the automatic choice follows the measured costs."""

import pandas as pd
import pytest

from mrio_city.model.errors import ScenarioSpecError
from mrio_city.scenarios import Scenario, run_scenario, sweep
from mrio_city.scenarios.sweep import LOCAL_CLUSTER_STARTUP_S, choose_scheduler, grid_points

PATHWAYS = {
    "all": {
        "levers": [
            {"type": "electricity", "cut": 0.3},
            {"type": "final_demand", "cut": 0.1, "categories": ["urban_households"]},
        ]
    }
}
GRID = {"super_emitter.calibrate_count": [3, 6, 9], "pathways.all.levers[0].cut": [0.1, 0.5]}


@pytest.fixture
def scenario(table, make_doc):
    return Scenario.from_dict(make_doc(PATHWAYS), source="sweep.toml", table=table)


def test_inprocess_sweep_equals_individual_runs(scenario, baseline):
    res = sweep(scenario, GRID, scheduler=None, baseline=baseline)
    assert len(res.points) == 6 and res.scheduler == "inprocess"
    assert list(res.table.columns) == ["point", *GRID, "metric", "value", "unit"]
    wide = res.wide()
    for point, values in enumerate(grid_points(GRID)):
        assert res.points.loc[point].tolist() == list(values.values())
        r = run_scenario(scenario.with_values(values), baseline=baseline)
        row = wide[wide["point"] == point].iloc[0]
        assert row["quota"] == r.quota
        assert row["super_emitters"] == len(r.super_emitters)
        share = r.reallocation_totals["population_share_reaching"]
        assert row["population_share_reaching"] == share
        label = "all: power-sector intensity"
        assert row[f"quota[{label}]"] == r.quota_by_lever.loc[label, "quota"]
    # first key varies slowest; more super-emitters and deeper cuts create more quota
    q = wide.set_index(list(GRID))["quota"]
    assert q.loc[(9, 0.5)] > q.loc[(9, 0.1)] > 0
    assert q.loc[(9, 0.5)] > q.loc[(3, 0.5)]


def test_invalid_points_fail_before_any_work(scenario, baseline):
    with pytest.raises(ScenarioSpecError, match=r"levers\[0\].cut: must be between 0 and 1"):
        sweep(
            scenario, {"pathways.all.levers[0].cut": [0.1, 2.0]}, scheduler=None, baseline=baseline
        )
    with pytest.raises(
        ScenarioSpecError,
        match=r"super_emitter.treshold: unknown key; did "
        r"you mean 'threshold'\?",
    ):
        sweep(scenario, {"super_emitter.treshold": [1.0]}, scheduler=None, baseline=baseline)
    with pytest.raises(ScenarioSpecError, match="non-empty list"):
        sweep(scenario, {"super_emitter.threshold": []}, scheduler=None, baseline=baseline)


def test_tables_are_required_and_names_refused(scenario):
    with pytest.raises(ValueError, match="pass a table or a Baseline"):
        sweep(scenario, GRID, scheduler=None)
    with pytest.raises(TypeError, match="got the table name"):
        sweep(scenario, GRID, "china-309-synthetic", scheduler=None)


def test_scheduler_choice_follows_measured_cost():
    # 4 points of 0.2 s: 0.6 s in process against > 6 s of cluster start-up
    assert choose_scheduler(4, 0.2, 1.0, 2)[0] is None
    # 200 points of 1 s: 199 s in process against ~100 s + start-up on 2 workers
    sched, why = choose_scheduler(200, 1.0, 10.0, 2)
    assert sched == "local" and "199.0 s in process" in why
    # break-even: (n - 1) t (1 - 1/w) = start-up + baseline
    t, base = 0.5, 2.0
    n = int((LOCAL_CLUSTER_STARTUP_S + base) / (t * 0.5)) + 1
    assert choose_scheduler(n - 1, t, base, 2)[0] is None
    assert choose_scheduler(n + 2, t, base, 2)[0] == "local"
    assert choose_scheduler(10_000, 1.0, 1.0, 1)[0] is None  # one worker never gains


def test_auto_small_grid_stays_in_process(scenario, baseline):
    res = sweep(scenario, {"pathways.all.levers[0].cut": [0.1, 0.2]}, baseline=baseline)
    assert res.scheduler == "inprocess" and res.decision.startswith("auto: in process")
    ref = sweep(
        scenario, {"pathways.all.levers[0].cut": [0.1, 0.2]}, baseline=baseline, scheduler=None
    )
    pd.testing.assert_frame_equal(res.table, ref.table)


@pytest.mark.slow
def test_dask_local_cluster_equals_inprocess(scenario, table, baseline):
    local = sweep(scenario, GRID, table, scheduler="local", n_workers=2)
    inproc = sweep(scenario, GRID, scheduler="inprocess", baseline=baseline)
    pd.testing.assert_frame_equal(local.table, inproc.table)
    assert local.scheduler == "local (2 workers)"
    # one batch per worker: each task built its baseline once, no process-global cache
    assert local.workers["task"].nunique() == 2
    assert local.workers["worker"].nunique() <= 2
