"""The scenario under uncertainty (issue 17): quota per draw, inequality per draw, Sobol, CLI."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mrio_city import compute_accounts
from mrio_city.analyses.inequality import gini, theil_t
from mrio_city.analyses.uncertainty.draws import UncertaintySpec, draw
from mrio_city.analyses.uncertainty.indices import batch_gini, batch_theil_t
from mrio_city.analyses.uncertainty.montecarlo import (
    ALL_CITIES,
    FixedSystem,
    run_montecarlo,
)
from mrio_city.analyses.uncertainty.store import completed_draws, read_draws
from mrio_city.analyses.uncertainty.summary import intervals
from mrio_city.commands.main import main
from mrio_city.io.folder import write_table
from mrio_city.model.errors import ScenarioSpecError
from mrio_city.scenarios import Baseline, Scenario, run_scenario
from mrio_city.scenarios.uncertainty import (
    default_sobol_parameters,
    run_scenario_draws,
    scenario_of_draw,
    scenario_sobol,
)

PATHWAYS = {
    "industrial": {
        "when": {"structure": "industrial"},
        "levers": [
            {
                "type": "intensity",
                "sectors": ["Metal smelting and rolling", "Chemicals"],
                "to_percentile": 25,
                "gap_closed": 0.375,
            },
            {"type": "electricity", "to_percentile": 25, "gap_closed": 0.375},
        ],
    },
    "other": {
        "levers": [
            {"type": "intensity", "to_percentile": 25, "gap_closed": 0.375},
            {"type": "final_demand", "cut": 0.1},
        ]
    },
}


@pytest.fixture(scope="module")
def small():
    from mrio_city.sources.synthetic import city_mrio

    return city_mrio(n_cities=12, n_sectors=8, seed=5)


@pytest.fixture(scope="module")
def scenario(small):
    doc = {
        "scenario": {"name": "mc-test", "table": "unused"},
        "super_emitter": {"rule": "median_multiple", "per_capita_multiple": 1.3,
                          "total_multiple": 1.0},
        "pathways": PATHWAYS,
        "quota": {"budget_to_peak_gt": 1.0, "budget_source": "test"},
    }  # fmt: skip
    return Scenario.from_dict(doc, source="mc.toml", table=small)


def _direct(scenario, table, spec, i):
    """Independent reference: the perturbed table rebuilt by hand, its own factorization."""
    d = draw(spec, table, i)
    t2 = table.replace(final_demand=table.final_demand * d.demand[:, None, :])
    F = np.array(t2.F, dtype=float)
    F[0] = table.direct_intensities[0] * d.intensity * t2.x
    res = run_scenario(scenario, t2.replace(F=F, x=t2.x))
    return res


def test_quota_of_a_draw_equals_the_scenario_run_on_the_perturbed_table(small, scenario, tmp_path):
    spec = UncertaintySpec(seed=3, intensity_cv_node=0.2, demand_cv=0.2)
    run_scenario_draws(scenario, small, spec, 4, tmp_path, batch=3)
    rows = read_draws(tmp_path, part="scenario")
    wide = rows.pivot(index="draw", columns="quantity", values="value")
    assert list(wide.index) == [0, 1, 2, 3]
    for i in (0, 3):
        ref = _direct(scenario, small, spec, i)
        assert ref.quota > 0
        assert wide.loc[i, "quota"] == pytest.approx(ref.quota, rel=1e-8)
        s = ref.summary()
        assert wide.loc[i, "population_reaching"] == pytest.approx(s["population_reaching"])
        assert wide.loc[i, "super_emitters"] == s["super_emitters"]
    # the draws differ (the quota has a distribution) and a draw recomputed alone is the same
    assert wide["quota"].std() > 0
    alone = scenario_of_draw(scenario, small, spec, 2)
    assert alone["quota"] == pytest.approx(wide.loc[2, "quota"], rel=1e-12)
    # the inter-city share of the scenario draws is the footprint Monte Carlo's
    run_montecarlo(small, spec, 4, tmp_path)
    mc = read_draws(tmp_path, "supply_chain_share").set_index("draw")["value"]
    np.testing.assert_allclose(wide["supply_chain_share"], mc.sort_index(), rtol=1e-9)
    iv = intervals(tmp_path, part="scenario")
    assert iv.loc[("quota", ALL_CITIES), "unit"] == "t CO2"


def test_quota_intervals_collapse_at_zero_cv(small, scenario, tmp_path):
    spec = UncertaintySpec(seed=1, intensity_cv_sector=0, intensity_cv_node=0, demand_cv=0)
    run_scenario_draws(scenario, small, spec, 3, tmp_path)
    iv = intervals(tmp_path, part="scenario").xs(ALL_CITIES, level="city")
    point = run_scenario(scenario, small)
    assert iv.loc["quota", "p5"] == pytest.approx(point.quota, rel=1e-9)
    assert iv.loc["quota", "p95"] == pytest.approx(point.quota, rel=1e-9)


def test_inequality_indices_per_draw_equal_the_inequality_module(small):
    spec = UncertaintySpec(seed=7, intensity_cv_node=0.3, demand_cv=0.3)
    res = FixedSystem(small).evaluate([draw(spec, small, i) for i in range(3)])
    pop = pd.Series(small.population, index=small.cities)
    cbf = res["consumption_based_with_households"] / pop.to_numpy()
    g = batch_gini(cbf, pop.to_numpy())
    t = batch_theil_t(cbf, pop.to_numpy())
    for k in range(3):
        assert g[k] == pytest.approx(gini(pd.Series(cbf[k], index=small.cities), pop), abs=1e-12)
        assert t[k] == pytest.approx(theil_t(pd.Series(cbf[k], index=small.cities), pop))
    # Theil T leaves out non-positive footprints, as theil_t does
    y = cbf[:1].copy()
    y[0, :2] = [-1.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = theil_t(pd.Series(y[0], index=small.cities), pop)
    assert batch_theil_t(y, pop.to_numpy())[0] == pytest.approx(want)


def test_inequality_intervals_are_written_and_collapse_at_zero_cv(small, tmp_path):
    spec = UncertaintySpec(seed=2, intensity_cv_sector=0, intensity_cv_node=0, demand_cv=0)
    run_montecarlo(small, spec, 3, tmp_path)
    iv = intervals(tmp_path).xs(ALL_CITIES, level="city")
    acc = compute_accounts(small)
    pop = pd.Series(small.population, index=small.cities)
    cbf = acc.consumption_based_with_households.iloc[:, 0] / pop
    pbf = acc.production_based.iloc[:, 0] / pop
    assert iv.loc["gini_consumption_based_per_capita", "p95"] == pytest.approx(gini(cbf, pop))
    assert iv.loc["theil_production_based_per_capita", "p5"] == pytest.approx(theil_t(pbf, pop))
    assert iv.loc["gini_production_based_per_capita", "unit"] == "1"


def test_scenario_sobol_ranks_parameters_and_matches_direct_runs(small, scenario):
    params = default_sobol_parameters(scenario, small)
    assert set(params) == {
        "super_emitter.per_capita_multiple",
        "super_emitter.total_multiple",
        "levers.gap_closed",
        "levers.to_percentile",
        "table.intensity.lever_sectors",
        "table.intensity.other_sectors",
        "table.final_demand",
    }
    chosen = {
        "levers.gap_closed": (0.25, 0.5),
        "table.intensity.other_sectors": (0.8, 1.2),
        "table.final_demand": (0.9, 1.1),
    }
    res = scenario_sobol(scenario, small, parameters=chosen, n=8, seed=1)
    assert res.attrs["runs"] == 8 * 5
    q = res.loc["quota"]
    assert set(q.index) == set(chosen)
    # the quota scales with gap_closed for the intensity levers: it must matter
    assert q.loc["levers.gap_closed", "ST"] > 0.05
    # final demand is one multiplier on all cities: the inter-city share does not move with it
    sh = res.loc["inter-city share"]
    assert abs(sh.loc["table.final_demand", "ST"]) < 1e-6 or np.isnan(
        sh.loc["table.final_demand", "ST"]
    )


def test_sobol_model_point_equals_a_direct_scenario_run(small, scenario):
    from mrio_city.scenarios.uncertainty import _SobolModel

    bounds = {"levers.gap_closed": (0.25, 0.5), "table.intensity.lever_sectors": (0.8, 1.2)}
    model = _SobolModel(scenario, small, bounds, FixedSystem(small))
    got = model(np.array([[0.5, 1.1]]))[0]
    named = np.tile(small.sectors.isin(["Metal smelting and rolling", "Chemicals"]), 12)
    F = np.array(small.F, dtype=float)
    F[0] = np.where(named, 1.1, 1.0) * F[0]
    t2 = small.replace(F=F, x=small.x)
    doc = scenario.with_values(
        {
            "pathways.industrial.levers[0].gap_closed": 0.5,
            "pathways.industrial.levers[1].gap_closed": 0.5,
            "pathways.other.levers[0].gap_closed": 0.5,
        }
    )
    ref = run_scenario(doc, t2)
    share = float(Baseline(t2).accounts.supply_chain_share.iloc[0])
    np.testing.assert_allclose(got, [ref.quota, share], rtol=1e-8)


def test_sobol_parameter_errors(small, scenario):
    with pytest.raises(ScenarioSpecError, match="unknown parameter"):
        scenario_sobol(scenario, small, parameters={"table.nothing": (0, 1)}, n=4)
    with pytest.raises(ScenarioSpecError, match="low < high"):
        scenario_sobol(scenario, small, parameters={"levers.gap_closed": (0.5, 0.2)}, n=4)


def test_cli_montecarlo_with_scenario_draws_and_sobol(small, tmp_path, capsys):
    import tomli_w

    folder = write_table(small, tmp_path / "small-table")
    doc = {
        "scenario": {"name": "mc-cli", "table": "unused"},
        "super_emitter": {"rule": "median_multiple", "per_capita_multiple": 1.3,
                          "total_multiple": 1.0},
        "pathways": PATHWAYS,
    }  # fmt: skip
    scen = tmp_path / "s.toml"
    scen.write_bytes(tomli_w.dumps(doc).encode())
    unc = tmp_path / "u.toml"
    unc.write_text("[uncertainty]\nseed = 1\ndemand_cv = 0.1\n")
    out = tmp_path / "mc"
    args = ["montecarlo", str(scen), "--table", str(folder), "--draws", "8", "--quiet"]
    args += ["--uncertainty", str(unc), "--scenario-draws", "4", "--sobol", "2"]
    code = main([*args, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "inter-city supply-chain share: median" in captured.out
    assert "quota over 4 draws: median" in captured.out
    names = {p.name for p in out.iterdir()}
    assert names >= {
        "intervals.csv",
        "uncertainty.xlsx",
        "draws",
        "scenario",
        "scenario_intervals.csv",
        "sobol.csv",
        "per_capita_intervals.png",
        "national_intervals.png",
        "quota_distribution.png",
        "sobol.png",
    }
    sob = pd.read_csv(out / "sobol.csv")
    assert set(sob["output"]) == {"quota", "inter-city share"}
    code = main([*args[:-4], "--sobol", "3", "--out", str(out)])
    assert code == 2 and "power of 2" in capsys.readouterr().err


def test_scenario_draws_resume_after_a_kill(small, scenario, tmp_path, monkeypatch):
    from mrio_city.scenarios import uncertainty as sumod

    spec = UncertaintySpec(seed=4, demand_cv=0.2)
    run_scenario_draws(scenario, small, spec, 4, tmp_path / "whole", batch=2)
    real = sumod.write_part

    def dying(folder, indices, frame):
        if min(indices) >= 2:  # killed while writing the second part
            (folder / ".part-0000002-0000003.parquet.1.tmp").write_bytes(b"half")
            raise KeyboardInterrupt
        return real(folder, indices, frame)

    monkeypatch.setattr(sumod, "write_part", dying)
    with pytest.raises(KeyboardInterrupt):
        run_scenario_draws(scenario, small, spec, 4, tmp_path / "killed", batch=2)
    monkeypatch.setattr(sumod, "write_part", real)
    assert completed_draws(tmp_path / "killed", "scenario") == {0, 1}
    evaluated = []
    real_draw = sumod.scenario_of_draw

    def counting(scenario, table, spec, index, **kw):
        evaluated.append(index)
        return real_draw(scenario, table, spec, index, **kw)

    monkeypatch.setattr(sumod, "scenario_of_draw", counting)
    run_scenario_draws(scenario, small, spec, 4, tmp_path / "killed", batch=2)
    assert evaluated == [2, 3]  # only the draws not yet written
    key = ["draw", "quantity"]
    a = read_draws(tmp_path / "whole", part="scenario").sort_values(key).reset_index(drop=True)
    b = read_draws(tmp_path / "killed", part="scenario").sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert not list((tmp_path / "killed" / "scenario").glob(".*tmp"))
