"""Parameter sweeps: in-process equals individual runs; a 2-worker Dask cluster equals
in-process, building each worker's baseline once."""

import pandas as pd
import pytest

from mrio_city.model.errors import ScenarioSpecError
from mrio_city.scenarios import Scenario, run_scenario, sweep
from mrio_city.scenarios.sweep import grid_points

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
        assert row["population_share_lifted"] == r.reallocation_totals["population_share_lifted"]
        assert (
            row["quota[all:electricity[0]]"] == r.quota_by_lever.loc["all:electricity[0]", "quota"]
        )
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


@pytest.mark.slow
def test_dask_local_cluster_equals_inprocess(scenario, table, baseline):
    local = sweep(scenario, GRID, table, scheduler="local", n_workers=2, batch_size=2)
    inproc = sweep(scenario, GRID, scheduler="inprocess", baseline=baseline)
    pd.testing.assert_frame_equal(local.table, inproc.table)
    assert local.scheduler == "local (2 workers)"
    # 3 tasks of 2 points on 2 workers: every worker built its baseline exactly once
    assert (local.workers["baseline_builds"] == 1).all()
    assert local.workers["worker"].nunique() <= 2
