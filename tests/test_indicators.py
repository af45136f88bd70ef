"""Lin/Cui boundaries and indicators: docs/methods.md §2 and the §11.2 toy numbers."""

import warnings

import numpy as np
import pandas as pd
import pytest
from toy_tables import toy

from mrio_city import MRIOTable, compute_accounts
from mrio_city.accounts.scopes import scope2, upstream_outside
from mrio_city.analyses.indicators import gross_trade, key_sector_labels, urban_indicators
from mrio_city.model.errors import LabelMismatchError, NegativeFootprintWarning
from mrio_city.sources.synthetic import city_mrio
from mrio_city.testing import random_structured_table, random_table

TOL = 1e-6


def test_toy_lincui_numbers_industry_only_methods_11_2():
    t = toy(gdp=[150.0, 130.0], population=[10.0, 5.0])
    d = urban_indicators(t, households=False, energy_sectors=["s1"])
    A, B = d.loc["A"], d.loc["B"]
    expected = {
        "territorial": (60, 25),
        "embodied_in_imports": (6.912752, 24.727273),
        "embodied_in_exports": (23.553542, 8.086483),
        "community_supply_chain": (66.912752, 49.727273),
        "consumption_based": (43.359210, 41.640790),
        "import_export_balance": (-16.640790, 16.640790),
        "trade_intensity_balance": (-0.219740, 0.209959),
        "trade_intensity_balance_final_demand": (-0.226344, 0.226344),
        "embodied_in_imports_final_demand": (6.120249, 22.761039),
        "embodied_in_exports_final_demand": (22.761039, 6.120249),
        "gross_imports": (40, 60),
        "gross_exports": (60, 40),
        "scope2": (4.0, 15.0),
    }
    for col, (a, b) in expected.items():
        assert A[col] == pytest.approx(a, abs=TOL), col
        assert B[col] == pytest.approx(b, abs=TOL), col
    # BTI written out as in §11.2: 6.912752/40 - 23.553542/60
    assert A["trade_intensity_balance"] == pytest.approx(6.912752 / 40 - 23.553542 / 60, abs=TOL)
    # CPI, CCL from the table's GDP and population
    np.testing.assert_allclose(
        d["production_intensity"], [66.912752 / 150, 49.727273 / 130], atol=TOL
    )
    np.testing.assert_allclose(d["production_intensity_territorial"], [60 / 150, 25 / 130])
    np.testing.assert_allclose(d["consumption_level"], [43.359210 / 10, 41.640790 / 5], atol=TOL)
    np.testing.assert_allclose(
        d["import_export_ratio"], [6.912752 / 23.553542, 24.727273 / 8.086483], atol=TOL
    )
    # sign reading: A net producer (BIE < 0, BTI < 0), B net consumer
    assert A["import_export_balance"] < 0 < B["import_export_balance"]
    assert not d["nonpositive_footprint"].any()


def test_toy_with_households_adds_F_Y_to_DE_CFP_CFC_only():
    t = toy()
    incl = urban_indicators(t, energy_sectors="s1")
    excl = urban_indicators(t, households=False, energy_sectors="s1")
    fy = np.array([8.0, 4.0])
    for col in (
        "territorial",
        "community_supply_chain",
        "consumption_based",
        "direct_emissions",
        "infrastructure_supply_chain",
    ):
        np.testing.assert_allclose(incl[col] - excl[col], fy, atol=1e-12)
    for col in (
        "embodied_in_imports",
        "embodied_in_exports",
        "import_export_balance",
        "trade_intensity_balance",
    ):
        np.testing.assert_allclose(incl[col], excl[col], atol=1e-12)
    np.testing.assert_allclose(incl["consumption_based"], [51.359210, 45.640790], atol=TOL)
    np.testing.assert_allclose(incl["community_supply_chain"], [74.912752, 53.727273], atol=TOL)


def test_toy_infrastructure_boundary_counts_scope2_once():
    t = toy()
    U = upstream_outside(t)["CO2"]
    U_s1 = upstream_outside(t, products=["s1"])["CO2"]
    s2 = scope2(t, energy_sectors=["s1"])["CO2"]
    de = np.array([68.0, 29.0])
    # power is a key sector: its direct generation emissions are inside U_s1 already
    d = urban_indicators(t, energy_sectors=["s1"], key_sectors=["s1"])
    np.testing.assert_allclose(d["infrastructure_supply_chain"], de + U_s1, rtol=1e-12)
    # every sector key: CF_I = CF_P
    d = urban_indicators(t, energy_sectors=["s1"], key_sectors=["s1", "s2"])
    np.testing.assert_allclose(
        d["infrastructure_supply_chain"], d["community_supply_chain"], rtol=1e-12
    )
    # power not key: CF_I = DE + S2 + U_key
    d = urban_indicators(t, energy_sectors=["s1"], key_sectors=["s2"])
    U_s2 = upstream_outside(t, products=["s2"])["CO2"]
    np.testing.assert_allclose(d["infrastructure_supply_chain"], de + s2 + U_s2, rtol=1e-12)
    np.testing.assert_allclose(U_s1 + U_s2, U, rtol=1e-12)
    # no key sector matched by the default patterns on 's1'/'s2'
    d = urban_indicators(t, energy_sectors=["s1"])
    np.testing.assert_allclose(d["infrastructure_supply_chain"], de + s2, rtol=1e-12)
    assert any("no key infrastructure sector" in n for n in d.attrs["notes"])


def test_trade4_and_final_demand_variant():
    t = toy()
    d = urban_indicators(t, households=False, boundary_set="trade4", variant="final_demand")
    assert "infrastructure_supply_chain" not in d and "scope2" not in d
    np.testing.assert_allclose(d["net_transfer"], [-16.640790, 16.640790], atol=TOL)
    np.testing.assert_allclose(
        d["community_supply_chain"], [60 + 6.120249, 25 + 22.761039], atol=TOL
    )
    np.testing.assert_allclose(d["trade_intensity_balance"], [-0.226344, 0.226344], atol=TOL)
    np.testing.assert_allclose(d["trade_intensity_balance_lincui"], [-0.219740, 0.209959], atol=TOL)
    assert d.attrs["variant"] == "final_demand"


@pytest.mark.parametrize(
    "make",
    [
        lambda: random_table(6, 4, seed=31),
        lambda: random_table(5, 3, seed=32, sparse=True, density=0.5),
        lambda: random_structured_table(6, 4, seed=33),
    ],
    ids=["dense", "sparse", "structured"],
)
@pytest.mark.parametrize("households", [True, False])
def test_identities_cfc_is_cbf_and_net_transfer_equal(make, households):
    t = make()
    a = compute_accounts(t)
    d = urban_indicators(t, a, households=households, energy_sectors=["sector0"])
    cbf = (a.consumption_based_with_households if households else a.consumption_based)["CO2"]
    scale = np.abs(cbf).max()
    np.testing.assert_allclose(d["consumption_based"], cbf, atol=1e-10 * scale)
    lc = d["embodied_in_imports"] - d["embodied_in_exports"]
    fd = a.embodied_in_imports["CO2"] - a.embodied_in_exports["CO2"]
    np.testing.assert_allclose(lc, fd, atol=1e-8 * scale)
    np.testing.assert_allclose(d["import_export_balance"], fd, atol=1e-8 * scale)


def test_gross_trade_structured_matches_materialized_table():
    st = random_structured_table(5, 3, seed=41)
    gt = gross_trade(st)
    gg = gross_trade(st.to_general("dense"))
    np.testing.assert_allclose(gt.to_numpy(), gg.to_numpy(), rtol=1e-10)
    # exports abroad = the export column of the city's nodes
    np.testing.assert_allclose(gt["exports_abroad"], st.exports[:, 0].reshape(5, 3).sum(1))
    assert gt.attrs["units"]["imports"] == st.meta.money_unit
    # total inter-city imports equal total inter-city exports
    assert gt["imports_from_cities"].sum() == pytest.approx(gt["exports_to_cities"].sum())


def test_international_imports_from_value_added_rows():
    t = random_table(3, 2, seed=5)
    va = np.vstack([t.value_added, np.full((1, 6), 2.0)])
    t2 = t.replace(value_added=va, value_added_labels=["value_added", "imports_intermediate"])
    g = gross_trade(t2)
    np.testing.assert_allclose(g["imports_international"], [4.0, 4.0, 4.0])
    np.testing.assert_allclose(g["imports"], g["imports_from_cities"] + 4.0)
    assert gross_trade(t2, import_rows=None)["imports_international"].eq(0).all()
    with pytest.raises(LabelMismatchError, match="import_rows 'm_int' are not value-added rows"):
        gross_trade(t2, import_rows=["m_int"])


def test_synthetic_table_defaults_and_units():
    t = city_mrio(n_cities=30, n_sectors=8, seed=1)
    d = urban_indicators(t)
    assert key_sector_labels(t) == d.attrs["key_sectors"] and d.attrs["key_sectors"]
    assert d.attrs["units"]["production_intensity"] == f"t CO2 per {t.meta.money_unit}"
    assert d.attrs["units"]["consumption_level"] == "t CO2 per person"
    assert np.isfinite(d.drop(columns="nonpositive_footprint").to_numpy(float)).all()
    # boundaries nest: CF_T <= CF_I <= CF_P for non-negative flows
    assert (d["infrastructure_supply_chain"] <= d["community_supply_chain"] * (1 + 1e-9)).all()
    assert (d["territorial"] <= d["infrastructure_supply_chain"] * (1 + 1e-9)).all()


def test_nonpositive_footprints_flagged_and_warned():
    t = toy()
    F = np.array([[0.0, 0.0, 20, 5]])
    t0 = t.replace(F=F, F_Y=[[0.0, 4.0]])
    with pytest.warns(NegativeFootprintWarning, match=r"zero or negative footprint.*'A'"):
        d = urban_indicators(t0, energy_sectors="s1")
    assert d["nonpositive_footprint"].tolist() == [True, False]
    assert d.loc["A", "territorial"] == 0.0  # kept, not dropped or nudged


def test_zero_trade_conventions():
    # two cities that do not trade: EEI = EEE = 0 and BTI terms 0/0 -> 0
    Z = np.array([[10, 5, 0, 0], [5, 10, 0, 0], [0, 0, 10, 5], [0, 0, 5, 10]], float)
    Y = np.array([[50, 0], [50, 0], [0, 50], [0, 50]], float)
    t = MRIOTable(
        Z,
        Y,
        [[5, 5, 5, 5]],
        cities=["A", "B"],
        sectors=["s1", "s2"],
        categories=["fd"],
        stressors=["CO2"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = urban_indicators(t, energy_sectors="s1")
    np.testing.assert_allclose(d["trade_intensity_balance"], 0.0, atol=1e-12)
    np.testing.assert_allclose(d["embodied_in_imports"], 0.0, atol=1e-12)
    assert d["import_export_ratio"].isna().all()
    assert any("import_export_ratio: undefined" in n for n in d.attrs["notes"])


def test_errors():
    t = toy()
    with pytest.raises(ValueError, match="'boundary_set' parameter of urban_indicators"):
        urban_indicators(t, boundary_set="ramaswami5")
    with pytest.raises(ValueError, match="'variant' parameter of urban_indicators"):
        urban_indicators(t, variant="eebt")
    with pytest.raises(LabelMismatchError, match="no energy-supply sector found"):
        urban_indicators(t)
    with pytest.raises(LabelMismatchError, match="key_sectors 'steel' are not sectors"):
        urban_indicators(t, energy_sectors="s1", key_sectors=["steel"])
    with pytest.raises(LabelMismatchError, match="stressor 'N2O'"):
        urban_indicators(t, energy_sectors="s1", stressor="N2O")


def test_frame_is_labelled():
    d = urban_indicators(toy(), energy_sectors="s1")
    assert isinstance(d, pd.DataFrame) and d.index.name == "city"
    assert d.attrs["symbols"]["trade_intensity_balance"] == "BTI"
    assert d.attrs["units"]["gross_imports"] == "10^4 CNY"
    assert "production_intensity" not in d  # no GDP in this table: left out with a note
    assert any("no GDP" in n for n in d.attrs["notes"])
