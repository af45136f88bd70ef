"""Monte Carlo (issue 17): exact draws on one factorization, reproducibility, resume, Dask."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mrio_city import compute_accounts
from mrio_city.analyses.uncertainty import montecarlo as mcmod
from mrio_city.analyses.uncertainty import store
from mrio_city.analyses.uncertainty.cluster import _a_draw
from mrio_city.analyses.uncertainty.draws import UncertaintySpec, draw
from mrio_city.analyses.uncertainty.montecarlo import (
    QUANTITIES,
    FixedSystem,
    run_montecarlo,
)
from mrio_city.analyses.uncertainty.store import RUN_RECORD, read_draws
from mrio_city.analyses.uncertainty.summary import intervals
from mrio_city.model.errors import OutputFolderError, ScenarioSpecError
from mrio_city.testing import random_structured_table, random_table


@pytest.fixture(scope="module")
def table():
    return random_structured_table(n_cities=5, n_sectors=3, seed=1)


def _oracle(table, d):
    """Accounts of the perturbed table built explicitly (A kept, demand and intensities drawn)."""
    t2 = table.replace(final_demand=table.final_demand * d.demand[:, None, :])
    F = np.array(t2.F, dtype=float)
    F[0] = table.direct_intensities[0] * d.intensity * t2.x
    return compute_accounts(t2.replace(F=F, x=t2.x))


def test_batched_draws_equal_the_perturbed_tables_accounts(table):
    spec = UncertaintySpec(seed=3, demand_cv=0.2, intensity_cv_node=0.2)
    system = FixedSystem(table)
    draws = [draw(spec, table, i) for i in range(3)]
    res = system.evaluate(draws)
    for k, d in enumerate(draws):
        acc = _oracle(table, d)
        for q in QUANTITIES:
            want = getattr(acc, q).iloc[:, 0].to_numpy()
            np.testing.assert_allclose(res[q][k], want, rtol=1e-9, atol=1e-9 * np.abs(want).max())
        assert res["supply_chain_share"][k] == pytest.approx(float(acc.supply_chain_share.iloc[0]))


@pytest.mark.parametrize("structured", [True, False])
def test_accounts_of_a_draw_from_the_blocks_equal_compute_accounts(structured, table):
    t = table if structured else random_table(n_cities=4, n_sectors=3, seed=3)
    spec = UncertaintySpec(seed=8, demand_cv=0.3, intensity_cv_node=0.3)
    system = FixedSystem(t)
    d = draw(spec, t, 5)
    t2 = mcmod.perturbed_table(t, d, "CO2", system.solver, output=system.output_of(d))
    ref_table = mcmod.perturbed_table(t, d, "CO2")  # output solved, not from the blocks
    np.testing.assert_allclose(t2.x, ref_table.x, rtol=1e-9)
    got, ref = system.accounts_of(t2, d), compute_accounts(ref_table)
    for q in (*QUANTITIES, "multipliers", "flows"):
        a, b = getattr(got, q).to_numpy(), getattr(ref, q).to_numpy()
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-9 * np.abs(b).max())
    assert got.identity_residual < 1e-8


def test_general_tables_keep_A_under_demand_draws():
    t = random_table(n_cities=3, n_sectors=2, seed=2)
    d = draw(UncertaintySpec(seed=1, demand_cv=0.3), t, 4)
    res = FixedSystem(t).evaluate([d])
    A = t.technical_coefficients("dense")
    Y2 = t.Y * d.demand.reshape(-1)[None, :]
    x2 = np.linalg.solve(np.eye(len(A)) - A, Y2.sum(axis=1) + t.exports.sum(axis=1))
    F = t.direct_intensities[0] * d.intensity * x2
    t2 = t.replace(Z=A * x2[None, :], Y=Y2, F=F[None, :], x=x2)
    acc = compute_accounts(t2)
    np.testing.assert_allclose(res["consumption_based"][0], acc.consumption_based.iloc[:, 0])
    np.testing.assert_allclose(res["production_based"][0], acc.production_based.iloc[:, 0])


def test_a_draw_recomputed_alone_equals_the_same_draw_in_a_batch(tmp_path, table):
    spec = UncertaintySpec(seed=11)
    run_montecarlo(table, spec, 10, tmp_path, batch=4)
    stored = read_draws(tmp_path, "consumption_based")
    alone = FixedSystem(table).evaluate([draw(spec, table, 7)])["consumption_based"][0]
    got = stored[stored["draw"] == 7].set_index("city")["value"].reindex(table.cities)
    np.testing.assert_allclose(got.to_numpy(), alone, rtol=1e-12)
    assert sorted(stored["draw"].unique()) == list(range(10))


def test_intervals_shrink_with_the_cv_and_vanish_at_zero(tmp_path, table):
    point = compute_accounts(table).consumption_based.iloc[:, 0]
    widths = []
    for cv in (0.2, 0.05, 0.0):
        spec = UncertaintySpec(seed=5, intensity_cv_sector=cv, intensity_cv_node=cv, demand_cv=cv)
        out = tmp_path / f"cv{cv}"
        run_montecarlo(table, spec, 40, out)
        iv = intervals(out).loc["consumption_based"]
        widths.append(float((iv["p95"] - iv["p5"]).mean()))
        if cv == 0:
            np.testing.assert_allclose(iv["median"].reindex(point.index), point, rtol=1e-9)
    assert widths[0] > widths[1] > widths[2] == pytest.approx(0.0, abs=1e-9)


def test_a_killed_run_resumes_to_the_uninterrupted_result(tmp_path, table, monkeypatch):
    spec = UncertaintySpec(seed=9)
    run_montecarlo(table, spec, 12, tmp_path / "whole", batch=3)
    calls = {"n": 0}
    real = mcmod.write_part

    def dying(folder, indices, frame):
        calls["n"] += 1
        if calls["n"] == 3:  # killed while writing the third part: a stale temp file is left
            (folder / ".part-0000006-0000008.parquet.999.tmp").write_bytes(b"half")
            raise KeyboardInterrupt
        return real(folder, indices, frame)

    monkeypatch.setattr(mcmod, "write_part", dying)
    with pytest.raises(KeyboardInterrupt):
        run_montecarlo(table, spec, 12, tmp_path / "killed", batch=3)
    monkeypatch.setattr(mcmod, "write_part", real)
    assert store.completed_draws(tmp_path / "killed") == set(range(6))
    run_montecarlo(table, spec, 12, tmp_path / "killed", batch=3)
    assert not list((tmp_path / "killed" / "draws").glob(".*tmp"))
    key = ["draw", "quantity", "city"]
    a = read_draws(tmp_path / "whole").sort_values(key).reset_index(drop=True)
    b = read_draws(tmp_path / "killed").sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_two_worker_local_cluster_equals_in_process(tmp_path):
    table = random_structured_table(n_cities=4, n_sectors=3, seed=2)
    spec = UncertaintySpec(seed=4, technology_cv=0.1, trade_cv=0.1)
    run_montecarlo(table, spec, 4, tmp_path, workers=2, batch=2)
    stored = read_draws(tmp_path, "consumption_based")
    for i in range(4):
        alone = _a_draw(table, spec, i, "CO2")["consumption_based"]
        got = stored[stored["draw"] == i].set_index("city")["value"].reindex(table.cities)
        np.testing.assert_allclose(got.to_numpy(), alone, rtol=1e-12)


def test_a_draw_equals_the_accounts_of_its_perturbed_table():
    """The lean A draw (one solve, base roots, no multipliers) against compute_accounts."""
    table = random_structured_table(n_cities=6, n_sectors=4, seed=5)
    spec = UncertaintySpec(seed=7, technology_cv=0.2, trade_cv=0.3)
    for i in range(3):
        got = _a_draw(table, spec, i, "CO2")
        t = mcmod.perturbed_table(table, draw(spec, table, i), "CO2")
        acc = compute_accounts(t)
        for q in QUANTITIES:
            np.testing.assert_allclose(got[q], getattr(acc, q)["CO2"].to_numpy(), rtol=1e-8)
        assert got["supply_chain_share"] == pytest.approx(acc.supply_chain_share["CO2"], rel=1e-8)
    # the draws differ from the base table: A really changed
    base = compute_accounts(table).consumption_based["CO2"].to_numpy()
    assert not np.allclose(got["consumption_based"], base, rtol=1e-3)


def test_spec_errors_name_the_key():
    msg = "f.toml: uncertainty.demand_cv: expected a number, got string 'high'"
    with pytest.raises(ScenarioSpecError, match=msg):
        UncertaintySpec.from_mapping({"demand_cv": "high"}, source="f.toml")
    with pytest.raises(ScenarioSpecError, match="demand_cv: must be between 0 and 2, got 5"):
        UncertaintySpec.from_mapping({"demand_cv": 5}, source="f.toml")
    with pytest.raises(ScenarioSpecError, match=r"uncertainty.cv: unknown key"):
        UncertaintySpec.from_mapping({"cv": 0.1}, source="f.toml")
    with pytest.raises(ScenarioSpecError, match="seed: expected an integer, got boolean True"):
        UncertaintySpec.from_mapping({"seed": True}, source="f.toml")
    spec = UncertaintySpec.from_mapping({"intensity_cv_sector": {"s1": 0.2}, "seed": 3})
    assert spec.intensity_cv_sector == {"s1": 0.2} and spec.seed == 3


def test_sobol_indices_of_the_ishigami_function():
    from mrio_city.analyses.uncertainty.sobol import sobol_indices

    a, b = 7.0, 0.1

    def ishigami(X):
        return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])

    box = (-np.pi, np.pi)
    res = sobol_indices(ishigami, {"x1": box, "x2": box, "x3": box}, n=2048, seed=1).loc[0]
    # analytic values (Ishigami & Homma 1990; Sobol' & Levitan 1999)
    np.testing.assert_allclose(res["S1"], [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(res["ST"], [0.5576, 0.4424, 0.2437], atol=0.03)


def test_footprint_sobol_ranks_the_parameters(table):
    from mrio_city.analyses.uncertainty.sobol import footprint_sobol

    groups = {"first": [table.sectors[0]], "rest": list(table.sectors[1:])}
    res = footprint_sobol(table, groups, n=64)
    nat = res.loc["national consumption-based footprint"]
    assert set(nat.index) == {"intensity: first", "intensity: rest"} | {
        f"demand: {c}" for c in table.categories
    }
    assert (nat["ST"] >= -0.05).all() and nat["S1"].sum() <= 1.1


def test_uncertainty_benchmark_smoke(tmp_path):
    from benchmarks.uncertainty import main as bench_main

    args = ["--cities", "6", "--draws", "20", "--a-draws", "0", "--out", str(tmp_path / "u.json")]
    assert bench_main(args) == 0


def test_a_folder_is_resumed_only_by_the_run_that_started_it(tmp_path, table):
    run_montecarlo(table, UncertaintySpec(seed=9), 3, tmp_path, batch=3)
    record = json.loads((tmp_path / "draws" / RUN_RECORD).read_text())
    assert record["uncertainty"]["seed"] == 9 and len(record["table_hash"]) == 64
    run_montecarlo(table, UncertaintySpec(seed=9), 6, tmp_path, batch=3)  # same run: resumes
    assert store.completed_draws(tmp_path) == set(range(6))
    before = read_draws(tmp_path)
    with pytest.raises(OutputFolderError, match="uncertainty differ"):
        run_montecarlo(table, UncertaintySpec(seed=10), 9, tmp_path, batch=3)
    other = random_structured_table(n_cities=4, n_sectors=3, seed=99)
    with pytest.raises(OutputFolderError, match="table_hash"):
        run_montecarlo(other, UncertaintySpec(seed=9), 9, tmp_path, batch=3)
    pd.testing.assert_frame_equal(read_draws(tmp_path), before)  # refused before any draw
    (tmp_path / "draws" / RUN_RECORD).unlink()  # parts of an unrecorded run
    with pytest.raises(OutputFolderError, match="without a run record"):
        run_montecarlo(table, UncertaintySpec(seed=9), 9, tmp_path, batch=3)
