"""The synthetic Chinese-like city MRIO generator (mrio_city.sources.synthetic.city_mrio)."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from mrio_city import ConvergenceError, compute_accounts, factorize
from mrio_city.sources.synthetic import city_mrio, sector_labels
from mrio_city.sources.synthetic_calibration import (
    CATEGORIES,
    CO2_INDUSTRY_2012,
    GDP_2012,
    HOUSEHOLD_CO2_SHARE,
    POPULATION_2012,
)

ACCOUNTS = [
    "production_based",
    "production_based_with_households",
    "consumption_based",
    "consumption_based_with_households",
    "embodied_in_exports",
    "embodied_in_exports_abroad",
    "embodied_in_imports",
    "local",
    "households",
]


@pytest.fixture(scope="module")
def china():
    return city_mrio()


@pytest.fixture(scope="module")
def small_dense():
    return city_mrio(12, 6, seed=3)


@pytest.fixture(scope="module")
def small_sparse():
    return city_mrio(12, 6, seed=4, n_partners=3)


def _columns(t):
    """Every array of a structured table, for bit-for-bit comparison."""
    sh = t.trade_shares
    shares = sh if isinstance(sh, np.ndarray) else np.concatenate([m.toarray() for m in sh])
    return [
        shares,
        t.technology,
        t.final_demand,
        t.F,
        t.F_Y,
        t.exports,
        t.value_added,
        t.x,
        t.population,
        t.gdp,
    ]


def test_deterministic_for_a_seed_and_seed_dependent():
    a, b = city_mrio(20, 8, seed=11), city_mrio(20, 8, seed=11)
    for u, v in zip(_columns(a), _columns(b)):
        assert np.array_equal(u, v)
    pd.testing.assert_frame_equal(a.city_attributes, b.city_attributes)
    assert list(a.cities) == list(b.cities)
    c = city_mrio(20, 8, seed=12)
    assert not np.array_equal(a.x, c.x)
    assert not np.array_equal(a.technology, c.technology)
    assert not np.array_equal(a.city_attributes["longitude"], c.city_attributes["longitude"])


def test_labels_metadata_and_attributes(china):
    assert china.name == "china-309-synthetic"
    assert china.n_cities == 309 and china.n_sectors == 42
    assert list(china.sectors) == sector_labels(42)
    assert "Electricity and heat" in china.sectors
    assert list(china.categories) == CATEGORIES
    assert list(china.export_labels) == ["international_exports"]
    assert list(china.stressors) == ["CO2"] and china.units == {"CO2": "t CO2"}
    assert china.meta.money_unit == "10^4 CNY" and china.meta.year == 2012
    assert "SYNTHETIC" in china.meta.description
    assert china.meta.provenance["synthetic"] is True
    attrs = china.city_attributes
    assert {"province", "longitude", "latitude", "secondary_share", "resource_based"} <= set(
        attrs.columns
    )
    assert attrs["province"].nunique() == 31
    assert attrs["longitude"].between(73.5, 135.0).all()
    assert attrs["latitude"].between(18.0, 53.6).all()
    # coastal provinces lie east of the inland ones
    assert attrs.loc[attrs["coastal"], "longitude"].mean() > (
        attrs.loc[~attrs["coastal"], "longitude"].mean() + 5
    )
    assert attrs["secondary_share"].between(0.05, 0.95).all()
    assert 0.3 < attrs["secondary_share"].median() < 0.6


def test_calibration_totals_hit_exactly(china):
    assert china.population.sum() == POPULATION_2012
    assert np.array_equal(china.population, np.round(china.population))
    assert china.gdp.sum() == pytest.approx(GDP_2012, rel=1e-9)
    assert china.F.sum() == pytest.approx(CO2_INDUSTRY_2012, rel=1e-9)
    total = china.F.sum() + china.F_Y.sum()
    assert china.F_Y.sum() / total == pytest.approx(HOUSEHOLD_CO2_SHARE, rel=1e-9)
    # GDP is the value added by city: x minus domestic intermediate inputs
    va = china.value_added.reshape(309, 42)
    inputs = china.technology.sum(axis=1) * china.x.reshape(309, 42)
    np.testing.assert_allclose(va, china.x.reshape(309, 42) - inputs, rtol=1e-12)
    np.testing.assert_allclose(china.gdp, va.sum(axis=1), rtol=1e-12)
    # ... which equals total final demand incl. exports (no imports in the table)
    assert china.total_final_demand().sum() == pytest.approx(GDP_2012, rel=1e-9)


def test_population_is_zipf_like_and_income_skewed(china):
    pop = np.sort(china.population)[::-1]
    assert pop[0] / np.median(pop) > 5
    slope = np.polyfit(np.log(np.arange(1, 310)), np.log(pop), 1)[0]
    assert -1.6 < slope < -0.5
    gdppc = china.gdp / china.population * 1e4  # CNY per person
    assert gdppc.max() / gdppc.min() > 8
    coastal = china.city_attributes["coastal"].to_numpy()
    assert np.median(gdppc[coastal]) > 1.3 * np.median(gdppc[~coastal])


def test_trade_shares_columns_sum_to_one_and_services_are_local(china, small_sparse):
    colsum = china.trade_shares.sum(axis=1)
    np.testing.assert_allclose(colsum, 1.0, rtol=0, atol=1e-12)
    assert (china.trade_shares >= 0).all()
    local = china.local_shares  # (R, N)
    for s in ["Construction", "Public administration", "Education", "Real estate"]:
        assert local[:, list(china.sectors).index(s)].min() >= 0.8
    # tradable manufacturing is mostly bought from other cities
    assert np.median(local[:, list(china.sectors).index("Electronics and computers")]) < 0.5
    shares = small_sparse.trade_shares
    assert isinstance(shares, tuple) and all(sp.issparse(m) for m in shares)
    for m in shares:
        np.testing.assert_allclose(np.asarray(m.sum(axis=0)).ravel(), 1.0, atol=1e-12)
        assert np.diff(m.tocsc().indptr).max() <= 4  # itself + 3 nearest partners


def test_productive_with_realistic_column_sums(china):
    colsum = china.technology.sum(axis=1)  # = column sums of A (trade shares sum to 1)
    assert colsum.min() >= 0.4 - 1e-12 and colsum.max() <= 0.8 + 1e-12
    sec = list(china.sectors)
    manuf = colsum[:, sec.index("Metal smelting and rolling")].mean()
    assert manuf > colsum[:, sec.index("Finance")].mean() + 0.2
    assert colsum[:, sec.index("Construction")].mean() > 0.7
    # spectral radius of A by power iteration on the matrix-free operator: < max column sum < 1
    v = np.ones((china.n_nodes, 1))
    for _ in range(60):
        w = china.apply_A(v)
        rho = np.linalg.norm(w) / np.linalg.norm(v)
        v = w / np.linalg.norm(w)
    assert rho < colsum.max() < 1.0
    assert (china.value_added > 0).all()
    assert (china.x > 0).all()


def test_final_demand_structure(china):
    by_cat = china.final_demand.sum(axis=(0, 1)) / GDP_2012
    shares = dict(zip(CATEGORIES, by_cat))
    assert 0.33 < shares["capital_formation"] < 0.47  # the largest category, as in China 2012
    assert shares["capital_formation"] == max(shares.values())
    assert shares["urban_households"] > 2 * shares["rural_households"] > 0
    exports = china.exports.sum() / GDP_2012
    assert 0.15 < exports < 0.25
    ex_city = china.exports.reshape(309, 42).sum(axis=1)
    coastal = china.city_attributes["coastal"].to_numpy()
    assert ex_city[coastal].sum() > 0.6 * ex_city.sum()
    # households' direct emissions only in the household categories
    fy = china.F_Y.reshape(309, 4)
    assert (fy[:, 2:] == 0).all() and (fy[:, :2] > 0).all()


def test_intensities(china):
    f = china.direct_intensities[0].reshape(309, 42)
    med = np.median(f, axis=0)
    assert china.sectors[int(np.argmax(med))] == "Electricity and heat"
    assert med.max() / med.min() >= 100  # at least two orders of magnitude across sectors
    power = f[:, list(china.sectors).index("Electricity and heat")]
    assert power.max() / power.min() > 3  # varies across cities


def test_fewer_sectors_keep_electricity():
    labels = sector_labels(6)
    assert len(labels) == 6 and any("Electricity" in s for s in labels)
    assert sector_labels(1) == ["Electricity and heat"]
    assert len(set(sector_labels(50))) == 50 and sector_labels(50)[:42] == sector_labels(42)
    t = city_mrio(5, 3, seed=1)
    assert t.city_attributes["province"].nunique() == 5  # at most one province per city
    assert t.gdp.sum() == pytest.approx(GDP_2012, rel=1e-9)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_cities": 0}, "n_cities must be an integer >= 1"),
        ({"n_sectors": 2.5}, "n_sectors must be an integer >= 1"),
        ({"n_provinces": 32}, "n_provinces must be <= 31"),
        ({"n_partners": 0}, "n_partners must be an integer >= 1"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        city_mrio(**{"n_cities": 4, "n_sectors": 3, **kwargs})


def _results(acc):
    out = {name: getattr(acc, name).to_numpy() for name in ACCOUNTS}
    out["flows"] = acc.flows.to_numpy()
    out["multipliers"] = acc.multipliers.to_numpy()
    return out


@pytest.mark.parametrize("which", ["small_dense", "small_sparse"])
def test_block_solver_matches_dense_lu(which, request):
    table = request.getfixturevalue(which)
    general = table.to_general("dense")
    dense = _results(compute_accounts(general, factorize(general, method="dense")))
    # default tol=1e-10 (a relative residual per right-hand side): agreement to 1e-9 relative
    # to the largest value of each quantity; single small entries can be less accurate
    block = compute_accounts(table, factorize(table, method="block"))
    assert block.identity_residual < 1e-9
    for name, got in _results(block).items():
        ref = dense[name]
        assert np.abs(got - ref).max() <= 1e-9 * np.abs(ref).max(), name
    # tol=1e-13: every entry to relative 1e-9 (exact zeros of sparse trade stay ~zero)
    tight = _results(compute_accounts(table, factorize(table, method="block", tol=1e-13)))
    for name, got in tight.items():
        ref = dense[name]
        np.testing.assert_allclose(
            got, ref, rtol=1e-9, atol=1e-14 * np.abs(ref).max(), err_msg=name
        )


def test_block_solver_not_converging_raises(small_dense):
    solver = factorize(small_dense, method="block", maxiter=1)
    with pytest.raises(ConvergenceError, match="did not converge"):
        compute_accounts(small_dense, solver)
