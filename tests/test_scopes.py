"""Scopes 1/2/3, upstream outside (U) and TCSC: docs/methods.md §3.1 and §11.2 toy numbers."""

import numpy as np
import pandas as pd
import pytest
from toy_tables import toy

from mrio_city import compute_accounts, factorize
from mrio_city.accounts.purchases import purchases_by_city
from mrio_city.accounts.scopes import (
    compute_scopes,
    energy_sector_labels,
    scope2,
    upstream_outside,
    upstream_outside_groups,
)
from mrio_city.model.errors import LabelMismatchError
from mrio_city.sources.synthetic import city_mrio
from mrio_city.testing import random_structured_table, random_table

TOL = 1e-6


def dense_upstream(table, products=None):
    """Oracle: remove city r from a dense I - A and invert it (small tables only)."""
    A = table.technical_coefficients("dense")
    f = table.direct_intensities
    R, N = table.n_cities, table.n_sectors
    n = R * N
    Z = table.intermediate_flows("dense")
    Yd = table.final_demand_by_city()
    mask = np.ones(N) if products is None else np.isin(table.sectors, products).astype(float)
    out = np.zeros((table.n_stressors, R))
    for r in range(R):
        keep = np.r_[0 : r * N, (r + 1) * N : n]
        d = Z[:, r * N : (r + 1) * N].sum(axis=1) + Yd[:, r]
        d = (d * np.tile(mask, R))[keep]
        L = np.linalg.inv(np.eye(keep.size) - A[np.ix_(keep, keep)])
        out[:, r] = f[:, keep] @ L @ d
    return out


def test_toy_upstream_outside_methods_11_2():
    t = toy()
    for method in ("woodbury", "direct"):
        U = upstream_outside(t, method=method)["CO2"]
        np.testing.assert_allclose(U.to_numpy(), [6.912752, 24.727273], atol=TOL)
    # U_A equals the EEBT import value of §11.2 (2 cities: the rest is just B)
    np.testing.assert_allclose(dense_upstream(t)[0], [6.912752, 24.727273], atol=TOL)


def test_toy_scope2_and_scopes_table():
    t = toy()
    s2 = scope2(t, energy_sectors=["s1"], basis="gross")
    np.testing.assert_allclose(s2["CO2"].to_numpy(), [4.0, 15.0], atol=TOL)
    a = compute_accounts(t)
    sc = compute_scopes(t, a, energy_sectors="s1", households=False, scope2_basis="gross")
    np.testing.assert_allclose(sc["scope1"], [60, 25], atol=TOL)
    np.testing.assert_allclose(sc["total_community_supply_chain"], [66.912752, 49.727273], atol=TOL)
    np.testing.assert_allclose(
        sc["scope3_consumption"], [6.120249 - 4.0, 22.761039 - 15.0], atol=TOL
    )
    np.testing.assert_allclose(
        sc["scope3_production"], [6.912752 - 4.0, 24.727273 - 15.0], atol=TOL
    )
    incl = compute_scopes(t, a, energy_sectors="s1", scope2_basis="gross")
    np.testing.assert_allclose(incl["scope1"], [68, 29], atol=TOL)
    np.testing.assert_allclose(
        incl["total_community_supply_chain"], [74.912752, 53.727273], atol=TOL
    )
    assert incl.attrs["units"]["scope2"] == "t CO2"
    assert list(incl.columns) == [
        "scope1",
        "scope2",
        "scope3_consumption",
        "scope3_consumption_negative",
        "scope3_production",
        "upstream_outside",
        "total_community_supply_chain",
    ]


def test_toy_purchases_and_gross_trade_flows():
    P = purchases_by_city(toy(), include_own=False)
    # A buys B1: z 5 + y 15, B2: z 10 + y 10; B buys A1: 5+5+20, A2: 10+0+20
    np.testing.assert_allclose(P, [[0, 30], [0, 30], [20, 0], [20, 0]])


@pytest.mark.parametrize(
    "kind",
    ["dense", "sparse", "structured", "structured-sparse-shares"],
)
def test_woodbury_equals_direct_removal_on_random_6x4(kind):
    if kind == "dense":
        t = random_table(6, 4, seed=11, n_stressors=2)
    elif kind == "sparse":
        t = random_table(6, 4, seed=12, sparse=True, density=0.4)
    elif kind == "structured":
        t = random_structured_table(6, 4, seed=13)
    else:
        t = random_structured_table(6, 4, seed=14, sparse_shares=True)
    groups = {"all": None, "key": ["sector1", "sector3"]}
    fast = upstream_outside_groups(t, groups, factorize(t), chunk=2, method="woodbury")
    direct = upstream_outside_groups(t, groups, method="direct")
    rtol = 1e-12 if not t.structured else 1e-8  # block solver iterates to 1e-10
    for g in groups:
        np.testing.assert_allclose(fast[g].to_numpy(), direct[g].to_numpy(), rtol=rtol)
    if t.structured:  # the default for structured tables: the masked polynomial iteration
        for solver in (None, factorize(t), factorize(t, iteration="gmres")):  # roots: own/reused
            masked = upstream_outside_groups(t, groups, solver)
            for g in groups:
                np.testing.assert_allclose(masked[g].to_numpy(), direct[g].to_numpy(), rtol=1e-9)
        np.testing.assert_allclose(direct[g].to_numpy().T, dense_upstream(t, groups[g]), rtol=1e-10)
    # linear in the product groups: all = key + the rest
    rest = upstream_outside(t, products=["sector0", "sector2"], method="direct")
    np.testing.assert_allclose(direct["key"] + rest, direct["all"], rtol=1e-10)


def test_scope2_matches_dense_definition_and_scope_identities():
    t = random_table(5, 3, seed=21)
    Z = t.intermediate_flows("dense")
    f = t.direct_intensities[0]
    Yd = t.final_demand_by_city()
    R, N = 5, 3
    ref = np.zeros(R)
    for r in range(R):
        for s in range(R):
            if s != r:
                e = s * N + 1  # 'sector1' is energy here
                ref[r] += f[e] * (Z[e, r * N : (r + 1) * N].sum() + Yd[e, r])
    gross = scope2(t, energy_sectors=["sector1"], basis="gross")["CO2"]
    np.testing.assert_allclose(gross, ref, rtol=1e-12)
    a = compute_accounts(t)
    sc = compute_scopes(t, a, energy_sectors=["sector1"])
    np.testing.assert_allclose(
        sc["scope1"] + sc["upstream_outside"], sc["total_community_supply_chain"], rtol=1e-12
    )
    np.testing.assert_allclose(
        sc["scope2"] + sc["scope3_consumption"], a.embodied_in_imports["CO2"], rtol=1e-12
    )


def test_synthetic_table_default_energy_sector_and_upstream():
    t = city_mrio(n_cities=30, n_sectors=8, seed=1)
    energy = energy_sector_labels(t)
    assert energy and all("electricity" in e.lower() for e in energy)
    a = compute_accounts(t)
    sc = compute_scopes(t, a)
    assert (sc["scope2"] >= 0).all() and (sc["scope2"] > 0).any()
    assert (sc["upstream_outside"] >= sc["scope2"] - 1e-9 * sc["upstream_outside"].abs()).all()
    # the fast route reuses the block solver; the oracle refactorizes without each city
    direct = upstream_outside(t, method="direct")
    np.testing.assert_allclose(sc["upstream_outside"], direct["CO2"], rtol=1e-8)


def test_errors_name_table_and_labels():
    t = toy()
    with pytest.raises(LabelMismatchError, match=r"no energy-supply sector found.*'s1', 's2'"):
        scope2(t)
    with pytest.raises(LabelMismatchError, match=r"energy_sectors 'power' are not sectors"):
        scope2(t, energy_sectors=["power"])
    with pytest.raises(LabelMismatchError, match=r"stressor 'CH4' is not a stressor"):
        compute_scopes(t, energy_sectors="s1", stressor="CH4")
    with pytest.raises(ValueError, match=r"'method' parameter of upstream_outside"):
        upstream_outside(t, method="inverse")
    with pytest.raises(ValueError, match=r"'chunk' parameter"):
        upstream_outside(t, chunk=0)
    with pytest.raises(LabelMismatchError, match=r"products of group 'all'"):
        upstream_outside(t, products=["s9"])


def test_inputs_untouched_and_labelled_output():
    t = toy()
    Z_before = np.array(t.Z, copy=True)
    U = upstream_outside(t)
    assert isinstance(U, pd.DataFrame) and list(U.index) == ["A", "B"]
    assert U.attrs["units"] == {"CO2": "t CO2"}
    np.testing.assert_array_equal(t.Z, Z_before)


def test_upstream_method_messages():
    t = random_table(3, 2, seed=3)
    with pytest.raises(
        ValueError,
        match=r"method='masked' needs a structured table; table "
        r"'random-3' is general",
    ):
        upstream_outside(t, method="masked")
    with pytest.raises(
        ValueError,
        match=r"must be one of \('auto', 'masked', 'woodbury', "
        r"'direct'\)\. Got 'lu' instead",
    ):
        upstream_outside(t, method="lu")


def test_net_scope2_never_exceeds_the_power_sold_and_scope3_production_is_not_negative():
    from mrio_city.sources.synthetic import city_mrio

    t = city_mrio(n_cities=12, n_sectors=8, seed=3)
    R, N = t.n_cities, t.n_sectors
    e = list(t.sectors).index("Electricity and heat")
    gross = scope2(t)["CO2"]
    net_df = scope2(t, basis="net")
    net = net_df["CO2"]
    assert (net <= gross * (1 + 1e-12)).all() and net.sum() < gross.sum()
    # independent oracle on the general table: purchases without the grid's resale, net imports
    G = t.to_general("dense")
    Z, Yd = G.Z, G.final_demand_by_city()
    f = t.direct_intensities[0]
    use = np.zeros((R, R))  # power bought by city r from city s, without resale [money]
    for s in range(R):
        for r in range(R):
            if s != r:
                row = s * N + e
                cols = [r * N + j for j in range(N) if j != e]
                use[s, r] = Z[row, cols].sum() + Yd[row, r]
    bought, sold = use.sum(axis=0), use.sum(axis=1)
    k = np.where(bought > 0, np.maximum(bought - sold, 0) / bought, 0.0)
    ref = k * np.array([sum(f[s * N + e] * use[s, r] for s in range(R)) for r in range(R)])
    np.testing.assert_allclose(net.to_numpy(), ref, rtol=1e-10)
    assert (net[k == 0] == 0).all() and (k == 0).any()  # net exporters of power: no scope 2
    np.testing.assert_allclose(net_df.attrs["net_import_share"].to_numpy(), k, rtol=1e-12)
    power = float((f.reshape(R, N)[:, e] * t.x.reshape(R, N)[:, e]).sum())
    assert net.sum() <= power
    sc = compute_scopes(t)
    assert (sc["scope3_production"] >= -1e-9 * sc["upstream_outside"].abs().max()).all()
    neg = sc["scope3_consumption"] < 0
    assert (sc["scope3_consumption_negative"] == neg).all()
