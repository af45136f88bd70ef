"""Supply-chain anatomy (issue 18): paths, tiers, hypothetical extraction, decomposition.

Oracles: dense A and (I - A)^-1 on small tables, brute-force extraction (A with rows/columns
zeroed, solved densely), exact additivity and the accounts.
"""

from __future__ import annotations

import numpy as np
import pytest

from mrio_city import compute_accounts
from mrio_city.analyses.anatomy.decomposition import structural_decomposition
from mrio_city.analyses.anatomy.extraction import extraction_effects, supply_chain_roles
from mrio_city.analyses.anatomy.paths import structural_paths
from mrio_city.analyses.anatomy.tiers import tier_decomposition
from mrio_city.commands.main import main
from mrio_city.model.errors import LabelMismatchError
from mrio_city.testing import random_structured_table, random_table, toy_cities

TABLES = {
    "toy": toy_cities,
    "general": lambda: random_table(n_cities=3, n_sectors=3, seed=5),
    "structured": lambda: random_structured_table(n_cities=4, n_sectors=3, seed=2),
}


@pytest.fixture(params=sorted(TABLES))
def table(request):
    return TABLES[request.param]()


def _dense(table):
    A = table.technical_coefficients("dense")
    return A, np.linalg.inv(np.eye(len(A)) - A)


# -- structural path analysis -------------------------------------------------------------


def test_path_values_are_products_along_the_path(table):
    A, _ = _dense(table)
    f = table.direct_intensities[0]
    city = table.cities[-1]
    y = table.final_demand_by_city(np.array([table.n_cities - 1]))[:, 0]
    res = structural_paths(table, city, top=15, max_depth=6)
    assert list(res.paths.index) == list(range(1, len(res.paths) + 1))
    assert (np.diff(res.paths["value"].to_numpy()) <= 1e-15).all()  # ranked
    for value, nodes in zip(res.paths["value"], res.nodes, strict=True):
        v = y[nodes[0]]
        for a, b in zip(nodes[:-1], nodes[1:], strict=True):
            v = A[b, a] * v
        assert value == pytest.approx(f[nodes[-1]] * v, rel=1e-12)


def test_paths_converge_to_the_footprint_as_the_threshold_falls(table):
    _, L = _dense(table)
    f = table.direct_intensities[0]
    city = table.cities[0]
    total = float(f @ L @ table.final_demand_by_city(np.array([0]))[:, 0])
    covered = []
    for rel in (1e-1, 1e-2, 1e-3, 1e-4, 1e-5):
        res = structural_paths(table, city, top=None, threshold=rel * total, max_depth=40)
        assert res.total == pytest.approx(total, rel=1e-9)
        covered.append(res.paths["value"].sum() / total)
    gaps = [1 - c for c in covered]
    assert all(b < a for a, b in zip(gaps, gaps[1:], strict=False))  # strictly converging
    assert gaps[-1] < 0.15 and gaps[-1] < gaps[2] / 2 and gaps[-1] >= -1e-12


def test_top_paths_are_the_largest_of_all_paths(table):
    city = table.cities[0]
    top = structural_paths(table, city, top=10, max_depth=10)
    floor = 0.5 * top.paths["value"].min()
    every = structural_paths(table, city, top=None, threshold=floor, max_depth=10)
    np.testing.assert_allclose(
        top.paths["value"].to_numpy(), every.paths["value"].to_numpy()[:10], rtol=1e-12
    )


def test_city_sector_paths_and_errors():
    table = toy_cities()
    res = structural_paths(table, "A", sector="s2", top=None, threshold=1e-3, max_depth=30)
    assert set(res.paths["final_sector"]) == {"s2"}
    _, L = _dense(table)
    y = table.final_demand_by_city(np.array([0]))[:, 0] * np.array([0, 1, 0, 1])
    assert res.total == pytest.approx(float(table.direct_intensities[0] @ L @ y), rel=1e-12)
    with pytest.raises(LabelMismatchError, match="city 'Z' is not a city of table"):
        structural_paths(table, "Z")
    with pytest.raises(LabelMismatchError, match="sector 'steel' is not a sector"):
        structural_paths(table, "A", sector="steel")


# -- tiers --------------------------------------------------------------------------------


def test_tiers_sum_to_the_footprint_and_match_powers_of_A(table):
    acc = compute_accounts(table)
    tiers = tier_decomposition(table, acc.solver, tiers=3, chunk=2)
    np.testing.assert_allclose(
        tiers.sum(axis=1), acc.consumption_based.iloc[:, 0], rtol=1e-10, atol=1e-10
    )
    A, _ = _dense(table)
    f = table.direct_intensities[0]
    Y = table.final_demand_by_city()
    for k in range(3):
        np.testing.assert_allclose(
            tiers[f"tier {k}"], f @ np.linalg.matrix_power(A, k) @ Y, rtol=1e-12, atol=1e-12
        )
    assert list(tiers.columns)[-1] == "tier 3+"


# -- hypothetical extraction --------------------------------------------------------------


@pytest.mark.parametrize("linkage", ["total", "backward", "forward"])
def test_extraction_equals_brute_force_removal(table, linkage):
    A, L = _dense(table)
    f = table.direct_intensities[0]
    y = table.total_final_demand()
    R, N = table.n_cities, table.n_sectors
    base = (f * (L @ y)).reshape(R, N).sum(axis=1)
    units = [*table.cities, (table.cities[1], table.sectors[0])]
    eff = extraction_effects(table, extract=units, linkage=linkage)
    for k, unit in enumerate(units):
        S = np.zeros(R * N, dtype=bool)
        if isinstance(unit, tuple):
            S[N] = True
        else:
            S[k * N : (k + 1) * N] = True
        As = A.copy()
        if linkage in ("total", "backward"):
            As[:, S] = 0
        if linkage in ("total", "forward"):
            As[S, :] = 0
        xs = np.linalg.solve(np.eye(R * N) - As, y)
        want = base - (f * xs).reshape(R, N).sum(axis=1)
        np.testing.assert_allclose(eff.iloc[k], want, rtol=1e-9, atol=1e-9 * base.max())
    assert eff.attrs["national"].iloc[0] == pytest.approx(eff.iloc[0].sum())


def test_supply_chain_roles():
    table = random_structured_table(n_cities=5, n_sectors=3, seed=4)
    roles = supply_chain_roles(table)
    assert set(roles["role"]) <= {"hub", "key buyer", "key supplier", "peripheral"}
    assert roles["backward_index"].mean() == pytest.approx(1.0)
    total = extraction_effects(table, linkage="total")
    np.testing.assert_allclose(roles["total_effect"], total.sum(axis=1), rtol=1e-12)
    with pytest.raises(LabelMismatchError, match="city 'nowhere' is not a city"):
        extraction_effects(table, extract=["nowhere"])


# -- structural decomposition -------------------------------------------------------------


def _year_pair(seed=4):
    t0 = random_structured_table(n_cities=4, n_sectors=3, seed=seed)
    rng = np.random.default_rng(seed)
    shares = t0.trade_shares * rng.uniform(0.5, 1.5, t0.trade_shares.shape)
    shares /= shares.sum(axis=1, keepdims=True)
    t1 = t0.replace(
        technology=t0.technology * rng.uniform(0.8, 1.1, t0.technology.shape),
        trade_shares=shares,
        final_trade_shares=shares,
        final_demand=t0.final_demand * rng.uniform(0.9, 1.6, t0.final_demand.shape),
        F=t0.F * rng.uniform(0.8, 1.3, t0.F.shape),
    )
    return t0, t1


def test_decomposition_is_exactly_additive_for_every_city():
    t0, t1 = _year_pair()
    res = structural_decomposition(t0, t1)
    assert res.factors == (
        "intensity", "technology", "trade structure", "demand level", "demand mix"
    )  # fmt: skip
    np.testing.assert_allclose(res.effects.sum(axis=1), res.change, rtol=1e-9, atol=1e-12)
    assert res.residual < 1e-9
    a0, a1 = compute_accounts(t0), compute_accounts(t1)
    np.testing.assert_allclose(res.start, a0.consumption_based.iloc[:, 0], rtol=1e-9)
    np.testing.assert_allclose(res.end, a1.consumption_based.iloc[:, 0], rtol=1e-9)
    assert res.national().sum() == pytest.approx(res.change.sum(), rel=1e-9)
    general = structural_decomposition(t0.to_general("dense"), t1.to_general("dense"))
    assert general.factors[1] == "technology and trade"
    assert general.residual < 1e-9


def test_decomposition_attributes_a_single_change_to_its_factor():
    t0, _ = _year_pair()
    doubled = t0.replace(final_demand=2 * t0.final_demand, F=2 * t0.F, exports=2 * t0.exports)
    res = structural_decomposition(t0, doubled)
    np.testing.assert_allclose(res.effects["demand level"], res.start, rtol=1e-9)
    for other in ("intensity", "technology", "trade structure", "demand mix"):
        np.testing.assert_allclose(res.effects[other], 0.0, atol=1e-9 * res.start.max())


def test_decomposition_needs_the_same_labels():
    with pytest.raises(LabelMismatchError, match="differ in cities"):
        structural_decomposition(toy_cities(), random_table(n_cities=3, n_sectors=2, seed=1))


# -- command line and charts --------------------------------------------------------------


def test_cli_anatomy_commands(tmp_path, capsys):
    out = tmp_path / "an"
    assert main(["paths", "toy-cities", "--city", "A", "--top", "5", "--out", str(out)]) == 0
    assert "top 5 paths cover" in capsys.readouterr().out
    assert main(["tiers", "toy-cities", "--tiers", "3", "--out", str(out)]) == 0
    assert main(["extraction", "toy-cities", "--out", str(out)]) == 0
    assert main(["extraction", "toy-cities", "--linkage", "forward", "--out", str(out)]) == 0
    assert main(["decompose", "toy-cities", "toy-cities", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    for name in (
        "paths-A.csv", "paths-A.xlsx", "paths-A.png", "paths-A-sankey.png", "tiers.csv",
        "tiers.png", "supply_chain_roles.csv", "extraction_forward.csv", "decomposition.csv",
        "decomposition.png",
    ):  # fmt: skip
        assert name in names
    for png in out.glob("*.png"):
        assert png.stat().st_size > 10_000


def test_anatomy_benchmark_smoke(tmp_path):
    from benchmarks.anatomy import main as bench_main

    assert bench_main(["--cities", "12", "--repeats", "1", "--out", str(tmp_path / "a.json")]) == 0


@pytest.mark.realdata
def test_real_2012_to_2017_decomposition_is_exactly_additive():
    from mrio_city.io.registry import load_table
    from mrio_city.sources import default_data_dir

    if not (default_data_dir() / "nbs-china-io").is_dir():
        pytest.skip("real data folder ../shared/data/real not found; set MRIO_CITY_DATA")
    t0, t1 = load_table("china-cities-2012"), load_table("china-cities-2017")
    res = structural_decomposition(t0, t1)
    assert res.factors[2] == "trade structure"  # both real tables are structured
    np.testing.assert_allclose(res.effects.sum(axis=1), res.change, rtol=1e-9, atol=1e-3)
    assert res.residual < 1e-9
    assert res.national().sum() == pytest.approx(res.change.sum(), rel=1e-9)
