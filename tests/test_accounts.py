"""Accounts against the examples of docs/methods.md §11, dense numpy and accounting identities."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mrio_city import compute_accounts, consumption_by_producer, factorize, multipliers
from mrio_city.testing import random_structured_table, random_table, toy_cities


def test_toy_example_methods_11_2():
    a = compute_accounts(toy_cities())
    s = "CO2"
    np.testing.assert_allclose(
        a.multipliers.loc[s], [0.615840, 0.247657, 0.342146, 0.121060], atol=1e-6
    )
    np.testing.assert_allclose(
        a.flows.loc[s].to_numpy(), [[37.238961, 22.761039], [6.120249, 18.879751]], atol=1e-6
    )
    np.testing.assert_allclose(a.production_based[s], [60, 25])
    np.testing.assert_allclose(a.consumption_based[s], [43.359210, 41.640790], atol=1e-6)
    np.testing.assert_allclose(a.embodied_in_exports[s], [22.761039, 6.120249], atol=1e-6)
    np.testing.assert_allclose(a.embodied_in_imports[s], [6.120249, 22.761039], atol=1e-6)
    np.testing.assert_allclose(a.production_based_with_households[s], [68, 29])
    np.testing.assert_allclose(
        a.consumption_based_with_households[s], [51.359210, 45.640790], atol=1e-6
    )
    assert a.supply_chain_share[s] == pytest.approx(0.339780, abs=1e-6)
    hh_share = (a.flows.loc[s].to_numpy().sum() - np.trace(a.flows.loc[s].to_numpy())) / (
        a.flows.loc[s].to_numpy().sum() + a.households[s].sum()
    )
    assert hh_share == pytest.approx(0.297745, abs=1e-6)
    assert a.consumption_based.attrs["units"] == {"CO2": "t CO2"}


def _dense_reference(table):
    """Q, PBF, CBF, EEE, EEI from an explicit dense inverse (small tables only)."""
    n, R, N = table.n_nodes, table.n_cities, table.n_sectors
    L = np.linalg.inv(np.eye(n) - table.technical_coefficients("dense"))
    f = table.direct_intensities[0]
    Yreg = table.final_demand_by_city()
    X = L @ Yreg
    Q = (f[:, None] * X).reshape(R, N, R).sum(axis=1)
    Qex = (f * (L @ table.exports.sum(axis=1))).reshape(R, N).sum(axis=1)
    pbf = table.F[0].reshape(R, N).sum(axis=1)
    cbf = Q.sum(axis=0)
    eee = Q.sum(axis=1) - np.diag(Q) + Qex
    eei = cbf - np.diag(Q)
    return dict(Q=Q, pbf=pbf, cbf=cbf, eee=eee, eei=eei, m=f @ L)


@given(
    seed=st.integers(0, 10_000), R=st.integers(1, 5), N=st.integers(1, 4), structured=st.booleans()
)
def test_accounts_match_dense_inverse(seed, R, N, structured):
    table = (
        random_structured_table(R, N, seed=seed) if structured else random_table(R, N, seed=seed)
    )
    a = compute_accounts(table)
    ref = _dense_reference(table)
    s = "CO2"

    def rel(x, y):
        return np.abs(np.asarray(x) - y).max() / max(np.abs(y).max(), 1e-300)

    assert rel(a.flows.loc[s].to_numpy(), ref["Q"]) < 1e-9
    assert rel(a.consumption_based[s], ref["cbf"]) < 1e-9
    assert rel(a.production_based[s], ref["pbf"]) < 1e-12
    assert rel(a.embodied_in_exports[s], ref["eee"]) < 1e-9
    assert rel(a.embodied_in_imports[s] + 1e-300, ref["eei"] + 1e-300) < 1e-9 or R == 1
    assert rel(a.multipliers.loc[s].to_numpy(), ref["m"]) < 1e-9


@given(
    seed=st.integers(0, 10_000),
    R=st.integers(1, 5),
    N=st.integers(1, 4),
    structured=st.booleans(),
    sparse=st.booleans(),
)
def test_identities(seed, R, N, structured, sparse):
    table = (
        random_structured_table(R, N, seed=seed, sparse_shares=sparse)
        if structured
        else random_table(R, N, seed=seed, sparse=sparse, density=0.6)
    )
    a = compute_accounts(table)
    s = "CO2"
    scale = np.abs(a.production_based[s]).max()
    np.testing.assert_allclose(
        a.consumption_based[s],
        a.production_based[s] - a.embodied_in_exports[s] + a.embodied_in_imports[s],
        rtol=0,
        atol=1e-9 * scale,
    )
    total = table.F[0].sum()
    np.testing.assert_allclose(
        a.consumption_based[s].sum() + a.embodied_in_exports_abroad[s].sum(), total, rtol=1e-9
    )
    assert a.identity_residual < 1e-9
    np.testing.assert_allclose(
        a.consumption_based_with_households[s] - a.consumption_based[s],
        table.household_emissions_by_city()[0],
    )


def test_sum_of_cbf_equals_total_emissions_without_exports():
    table = random_table(4, 3, seed=9, with_exports=False)
    a = compute_accounts(table)
    assert a.consumption_based["CO2"].sum() == pytest.approx(table.F[0].sum(), rel=1e-12)
    assert a.consumption_based_with_households["CO2"].sum() == pytest.approx(
        table.F[0].sum() + table.F_Y[0].sum(), rel=1e-12
    )


@pytest.mark.parametrize("structured", [False, True])
def test_accounts_are_linear_in_final_demand(structured):
    base = random_structured_table(4, 3, seed=2) if structured else random_table(4, 3, seed=2)
    a1 = compute_accounts(base)
    if structured:
        doubled = base.replace(
            final_demand=base.final_demand * 2.5, exports=base.exports * 2.5, F=base.F * 2.5
        )
    else:
        doubled = base.replace(
            Y=base.Y * 2.5, Z=base.Z * 2.5, exports=base.exports * 2.5, F=base.F * 2.5
        )
    a2 = compute_accounts(doubled)
    for name in ["consumption_based", "embodied_in_imports", "embodied_in_exports"]:
        np.testing.assert_allclose(getattr(a2, name), 2.5 * getattr(a1, name), rtol=1e-9)
    np.testing.assert_allclose(a2.multipliers, a1.multipliers, rtol=1e-9)
    # additivity in Y with intensities and A held fixed: Q(Y1 + Y2) = Q(Y1) + Q(Y2)
    solver = factorize(base)
    f = base.direct_intensities[0]
    y1 = base.final_demand_by_city()
    y2 = np.random.default_rng(0).random(y1.shape)
    q = [f @ solver.solve(y) for y in (y1, y2, y1 + y2)]
    np.testing.assert_allclose(q[2], q[0] + q[1], rtol=1e-9)


def test_consumption_by_producer_sums_to_cbf():
    table = random_table(3, 4, seed=4)
    a = compute_accounts(table)
    d = consumption_by_producer(table, a.solver)
    np.testing.assert_allclose(d.sum(axis=0), a.consumption_based["CO2"], rtol=1e-12)
    by_city = d.groupby(level="city", sort=False).sum()
    np.testing.assert_allclose(by_city.to_numpy(), a.flows.loc["CO2"].to_numpy(), rtol=1e-12)
    one = consumption_by_producer(table, a.solver, consumers=["city1"])
    assert list(one.columns) == ["city1"]
    with pytest.raises(KeyError, match=r"consumer\(s\) \['nowhere'\] are not cities"):
        consumption_by_producer(table, consumers=["nowhere"])
    with pytest.raises(KeyError, match="stressor 'CH4' is not a stressor of table 'random-4'"):
        consumption_by_producer(table, stressor="CH4")


def test_multipliers_from_transposed_solve_only():
    table = random_table(3, 3, seed=6, n_stressors=2)
    m = multipliers(table)
    assert m.shape == (2, 9)
    L = np.linalg.inv(np.eye(9) - table.technical_coefficients("dense"))
    np.testing.assert_allclose(m.to_numpy(), table.direct_intensities @ L, rtol=1e-10)


def test_long_format_and_city_table():
    a = compute_accounts(toy_cities())
    long = a.to_long()
    assert list(long.columns) == ["account", "city", "stressor", "unit", "value"]
    row = long[(long.account == "consumption_based") & (long.city == "B")]
    assert row.value.iloc[0] == pytest.approx(41.640790, abs=1e-6)
    assert set(long.unit) == {"t CO2"}
    ct = a.city_table()
    assert isinstance(ct, pd.DataFrame) and ct.attrs["units"]["consumption_based"] == "t CO2"
    with pytest.raises(KeyError, match="stressor 'CH4' not in accounts"):
        a.city_table("CH4")


def test_negative_final_demand_lowers_footprint():
    table = random_table(2, 3, seed=10)
    Y = np.array(table.Y)
    Y[:, 0] -= 0.5  # destocking in city0's first category
    lower = compute_accounts(table.replace(Y=Y))
    base = compute_accounts(table)
    assert lower.consumption_based["CO2"]["city0"] < base.consumption_based["CO2"]["city0"]
