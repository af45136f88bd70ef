"""Scenarios v2 (issue 19): the count is an output, levers do not compound and commute, the
quota is attributed to consumers through the solved flows, the living standard is income."""

import math

import numpy as np
import pandas as pd
import pytest

from mrio_city.scenarios import Scenario, fit_elasticity, run_scenario
from mrio_city.scenarios.living_standard import allocate_quota, living_standard_needs
from mrio_city.scenarios.selection import count_by_multiples, select_super_emitters
from mrio_city.scenarios.spec_parts import LivingStandardSpec, SuperEmitterRule

ELEC = 4


def test_median_rule_is_both_conditions_and_the_count_is_an_output():
    pc = pd.Series([1.0, 2.0, 3.0, 10.0, 12.0, 30.0], index=list("abcdef"))
    total = pd.Series([5.0, 6.0, 7.0, 50.0, 4.0, 90.0], index=pc.index)
    sel = select_super_emitters(pc, total, SuperEmitterRule())
    # medians: per capita 6.5 -> 13.0; total 6.5 -> 13.0 -> only 'f' meets both
    assert list(sel.cities) == ["f"] and sel.source == "rule"
    assert sel.threshold == pytest.approx(13.0) and sel.total_threshold == pytest.approx(13.0)
    loose = select_super_emitters(pc, total, SuperEmitterRule(per_capita_multiple=1.5))
    assert list(loose.cities) == ["d", "f"]  # 'e' is rich per capita but small in total
    grid = count_by_multiples(pc, total, (1.0, 1.5, 2.0))
    assert grid.loc[1.5, 2.0] == 2 and grid.loc[2.0, 2.0] == 1


def test_calibrated_count_is_flagged(baseline, scenario_of):
    r = run_scenario(scenario_of({"n": {"levers": []}}), baseline=baseline)
    assert r.threshold_source == "calibrated" and r.summary()["count_calibrated"] is True
    assert "CALIBRATED" in r.summary_text()
    d = run_scenario(
        scenario_of({"n": {"levers": []}}, super_emitter={"rule": "median_multiple"}),
        baseline=baseline,
    )
    assert d.threshold_source == "rule" and not d.summary()["count_calibrated"]


def _suppliers_doc(order):
    levers = [
        {"type": "intensity", "cities": "suppliers", "top_suppliers": 4, "cut": 0.1},
        {"type": "electricity", "to_percentile": 25, "gap_closed": 0.5},
        {"type": "intensity", "sectors": ["Chemicals"], "cut": 0.3, "label": "chemicals"},
    ]
    return {"all": {"levers": [levers[i] for i in order]}}


def test_production_levers_do_not_compound(table, baseline, scenario_of):
    r = run_scenario(scenario_of(_suppliers_doc([0])), baseline=baseline)
    f0 = table.direct_intensities[0]
    f1 = r.extras["state"].intensities
    changed = f1 != f0
    # six super-emitters share suppliers: every changed node is cut by exactly 10 %, once
    assert changed.sum() > 0
    np.testing.assert_allclose(f1[changed], 0.9 * f0[changed], rtol=1e-12)
    shared = r.attribution.groupby("city")["quota"].sum()
    assert len(shared) > 1
    assert r.attribution["quota"].sum() == pytest.approx(r.quota, rel=1e-9)


def test_commuting_levers_give_the_same_result_in_either_order(baseline, scenario_of):
    a = run_scenario(scenario_of(_suppliers_doc([0, 1, 2])), baseline=baseline)
    b = run_scenario(scenario_of(_suppliers_doc([2, 1, 0])), baseline=baseline)
    assert a.quota == pytest.approx(b.quota, rel=1e-12)
    np.testing.assert_array_equal(a.extras["state"].intensities, b.extras["state"].intensities)
    by_a = a.attribution.groupby(["city", "lever"])["quota"].sum().sort_index()
    by_b = b.attribution.groupby(["city", "lever"])["quota"].sum().sort_index()
    pd.testing.assert_series_equal(by_a, by_b, rtol=1e-10)
    pd.testing.assert_frame_equal(a.quota_by_consumer, b.quota_by_consumer, rtol=1e-10)


def test_attributed_reductions_sum_to_the_total_change(table, baseline, scenario_of):
    doc = _suppliers_doc([0, 1, 2])
    doc["all"]["levers"].append(
        {"type": "final_demand", "cut": 0.1, "categories": ["urban_households"]}
    )
    r = run_scenario(scenario_of(doc), baseline=baseline)
    assert r.quota > 0
    assert r.quota_by_consumer["quota"].sum() == pytest.approx(r.quota, rel=1e-8)
    assert r.attribution["quota"].sum() == pytest.approx(r.quota, rel=1e-8)
    # independent check of the consumer split: node changes shared by (L Y^d)_n / x_n
    from mrio_city.solve.solver import factorize

    G = table.to_general("dense")
    L_Y = factorize(G, method="dense").solve(G.final_demand_by_city())
    f0, f1 = table.direct_intensities[0], r.extras["state"].intensities
    xbar = (table.x + r.extras["x1"]) / 2
    node = (f0 - f1) * xbar
    ref = (node / table.x) @ L_Y
    got = r.quota_by_consumer["production_side"].to_numpy()[:-1]
    np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-6 * abs(r.quota))


def test_elasticity_fit_matches_numpy_polyfit():
    rng = np.random.default_rng(3)
    income = pd.Series(np.exp(rng.uniform(7, 10, 60)))
    pc = pd.Series(np.exp(-4.0 + 0.7 * np.log(income) + rng.normal(0, 0.2, 60)))
    fit = fit_elasticity(pc, income)
    slope, intercept = np.polyfit(np.log(income), np.log(pc), 1)
    assert fit.elasticity == pytest.approx(slope, rel=1e-10)
    assert fit.intercept == pytest.approx(intercept, rel=1e-10)
    assert 0 < fit.std_error < 0.1 and 0 < fit.r_squared < 1 and fit.n_cities == 60


def test_income_need_and_cities_above_not_counted():
    classes = pd.DataFrame(
        {
            "population": [100.0, 200.0, 300.0, 50.0],
            "gdp_per_capita_usd": [1000.0, 2000.0, 5000.0, 9000.0],
            "affluence": ["low", "lower-middle", "upper-middle", "upper-middle"],
        },
        index=list("abcd"),
    )
    pc = pd.Series([2.0, 3.0, 6.0, 20.0], index=classes.index)
    spec = LivingStandardSpec(elasticity=0.5, threshold_usd=4000.0, exchange_rate=1.0)
    needs, fit, target = living_standard_needs(
        classes, pc, pd.Index(["d"]), spec, income_exchange_rate=1.0
    )
    assert target == 4000.0 and not fit.fitted
    assert needs.loc["a", "need"] == pytest.approx(100 * 2.0 * (math.sqrt(4.0) - 1))
    assert needs.loc["b", "need"] == pytest.approx(200 * 3.0 * (math.sqrt(2.0) - 1))
    assert needs.loc["c", "need"] == 0.0 and not needs.loc["c", "below"]
    df, tot = allocate_quota(needs, quota=needs.loc["a", "need"] + 1.0, total_population=650.0)
    assert list(df.index) == ["a", "b", "c"]
    assert list(df["status"]) == ["reaches", "partial", "already above"]
    assert tot["population_reaching"] == 100.0  # 'c' is above and never counted
    assert tot["population_share_reaching"] == pytest.approx(100.0 / 650.0)
    # the threshold converts with its own rate: 4000 USD at 6.31 is 25,240 CNY; GDP per capita
    # in USD at 6.0 CNY/USD makes the same threshold 4,206.7 "USD at 6.0"
    spec2 = LivingStandardSpec(elasticity=0.5, threshold_usd=4000.0, exchange_rate=6.31)
    _, _, t2 = living_standard_needs(classes, pc, pd.Index([]), spec2, income_exchange_rate=6.0)
    assert t2 == pytest.approx(4000.0 * 6.31 / 6.0)


def test_default_scenario_runs_on_a_42_sector_table():
    from pathlib import Path

    from mrio_city.sources.synthetic import city_mrio

    t = city_mrio(n_cities=40, n_sectors=42, seed=11)
    sc = Scenario.from_file(Path(__file__).resolve().parents[2] / "scenarios/super_emitters.toml")
    r = run_scenario(sc, t)
    assert r.threshold_source == "rule"
    assert r.quota_by_consumer["quota"].sum() == pytest.approx(r.quota, rel=1e-7)
    assert r.share_of_budget == pytest.approx(r.quota / 1.693e9, rel=1e-3)
    assert all(":" in label and "[" not in label for label in r.quota_by_lever.index)


def test_resource_status_from_the_state_council_type(table):
    from mrio_city.scenarios.baseline import _resource_flag

    attrs = table.city_attributes.drop(columns=["resource_based"])
    kinds = ["mature" if i % 3 == 0 else "" for i in range(table.n_cities)]
    t2 = table.replace(city_attributes=attrs.assign(resource_based_type=kinds))
    flag = _resource_flag(t2)
    assert list(flag) == [k != "" for k in kinds]
    assert list(_resource_flag(table)) == list(table.city_attributes["resource_based"])
    t3 = table.replace(city_attributes=attrs)
    assert _resource_flag(t3).isna().all()


def test_lever_docs_and_cli_derive_from_the_catalogue(capsys):
    from pathlib import Path

    from mrio_city.commands.main import main
    from mrio_city.scenarios.catalogue import LEVERS, catalogue_markdown
    from mrio_city.scenarios.spec_parts import LEVER_TYPES

    docs = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text("utf-8")
    assert catalogue_markdown() in docs
    assert set(LEVER_TYPES) == set(LEVERS)
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert all(f"{k.name} = {k.title}" in " ".join(out.split()) for k in LEVERS.values())


def test_sweep_chart_labels_only_the_swept_parameter():
    from mrio_city.exports.scenario_charts import _param_name, _param_unit

    assert _param_name("pathways.industrial.levers[0].gap_closed") == (
        "industrial lever 1: gap closed"
    )
    assert _param_unit("super_emitter.per_capita_multiple") == "x national median"
    assert _param_unit("pathways.industrial.levers[0].gap_closed") == "1"
