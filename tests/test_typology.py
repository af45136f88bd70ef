"""City typology: trade-balance rule, affluence, structure (docs/methods.md §3.3, §5.4, §11.2)."""

import numpy as np
import pandas as pd
import pytest
from toy_tables import toy

from mrio_city import compute_accounts
from mrio_city.analyses.typology import (
    WORLD_BANK_FY2014_USD,
    classify_cities,
    parse_money_unit,
    summarize_types,
)
from mrio_city.model.errors import LabelMismatchError, MrioCityWarning, NegativeFootprintWarning
from mrio_city.sources.synthetic import city_mrio


def test_toy_A_production_led_B_consumption_led():
    t = toy()
    c = classify_cities(t, compute_accounts(t))
    assert c.loc["A", "trade_type"] == "production-led"
    assert c.loc["B", "trade_type"] == "consumption-led"
    assert c["supply_chain_role"].tolist() == ["net producer", "net consumer"]
    np.testing.assert_allclose(c["production_based"], [68, 29])
    np.testing.assert_allclose(c["consumption_based"], [51.359210, 45.640790], atol=1e-6)
    np.testing.assert_allclose(
        c["relative_gap"], [(68 - 51.359210) / 68, (29 - 45.640790) / 29], atol=1e-6
    )
    assert c["production_led"].tolist() == [True, False]
    # the rule PBF > CBF is the rule EEE > EEI
    assert (
        (c["production_based"] > c["consumption_based"])
        == (c["embodied_in_exports"] > c["embodied_in_imports"])
    ).all()


def test_trade_balanced_band():
    t = toy()
    a = compute_accounts(t)
    # industry-only gap of A: (60 - 43.359210) / 60 = 0.2773; of B: -0.6656
    c = classify_cities(t, a, households=False, tau=0.3)
    assert c["trade_type"].tolist() == ["trade-balanced", "consumption-led"]
    c = classify_cities(t, a, tau=0.0)
    assert "trade-balanced" not in set(c["trade_type"])


def test_affluence_from_money_unit_and_world_bank_thresholds():
    # GDP in 10^4 CNY: city A 100 persons x 6.31 USD... pick exact per-capita USD values
    pop = np.array([1000.0, 1000.0])
    usd = np.array([1035.0, 12616.0])  # low boundary (inclusive) and just high
    gdp = usd * 6.31 * pop / 1e4
    t = toy(population=pop, gdp=gdp)
    c = classify_cities(t, compute_accounts(t))
    np.testing.assert_allclose(c["gdp_per_capita_usd"], usd)
    assert c["affluence"].tolist() == ["low", "high"]
    # same numbers in a table kept in CNY (not 10^4 CNY): 10^4 times poorer per person
    t2 = toy(population=pop, gdp=gdp, meta={"name": "cny", "money_unit": "CNY"})
    c2 = classify_cities(t2, compute_accounts(t2))
    np.testing.assert_allclose(c2["gdp_per_capita_usd"], usd / 1e4)
    # USD tables ignore the exchange rate
    t3 = toy(population=pop, gdp=usd * pop / 1e6, meta={"name": "usd", "money_unit": "million USD"})
    c3 = classify_cities(t3, compute_accounts(t3))
    np.testing.assert_allclose(c3["gdp_per_capita_usd"], usd)
    assert list(WORLD_BANK_FY2014_USD) == ["low", "lower-middle", "upper-middle", "high"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10^4 CNY", (1e4, "CNY")),
        ("1e4 CNY", (1e4, "CNY")),
        ("10000 yuan", (1e4, "CNY")),
        ("million USD", (1e6, "USD")),
        ("万元", (1e4, "CNY")),
        ("10**8 RMB", (1e8, "CNY")),
        ("100 million CNY", (1e8, "CNY")),
        ("CNY", (1.0, "CNY")),
    ],
)
def test_parse_money_unit(text, expected):
    assert parse_money_unit(text) == expected


def test_unreadable_money_unit_warns_and_marks_unknown():
    t = toy(population=[10.0, 5.0], gdp=[150.0, 130.0], meta={"name": "toy", "money_unit": "money"})
    with pytest.warns(MrioCityWarning, match="cannot read the money unit 'money'"):
        c = classify_cities(t, compute_accounts(t))
    assert set(c["affluence"]) == {"unknown"}
    c = classify_cities(t, compute_accounts(t), money_unit="10^4 CNY")
    assert set(c["affluence"]) <= {"low", "lower-middle", "upper-middle", "high"}
    with pytest.raises(ValueError, match="no currency"):
        parse_money_unit("10^4")


def test_structure_against_median_and_population_shares():
    t = city_mrio(n_cities=30, n_sectors=8, seed=1)
    a = compute_accounts(t)
    c = classify_cities(t, a)
    share = t.city_attributes["secondary_share"]
    med = share.median()
    assert ((c["structure"] == "industrial") == (share >= med).to_numpy()).all()
    assert c.attrs["structure_threshold"] == pytest.approx(med)
    s = summarize_types(c)
    for axis, g in s.groupby("axis"):
        assert g["cities"].sum() == 30, axis
        assert g["population_share"].sum() == pytest.approx(1.0), axis
    led = s[(s.axis == "trade_type") & (s.type == "production-led")]
    if len(led):
        mask = c["trade_type"] == "production-led"
        assert led["population"].iloc[0] == pytest.approx(c.loc[mask, "population"].sum())
    assert set(c["affluence"]) <= {"low", "lower-middle", "upper-middle", "high"}


def test_nonpositive_footprints_are_flagged():
    t = toy().replace(F=np.array([[0.0, 0.0, 20, 5]]), F_Y=[[0.0, 4.0]])
    with pytest.warns(NegativeFootprintWarning, match="zero or negative PBF or CBF"):
        c = classify_cities(t, compute_accounts(t))
    assert c["nonpositive_footprint"].tolist() == [True, False]
    assert np.isnan(c.loc["A", "relative_gap"])  # PBF = 0: band undefined, typed by sign
    assert c.loc["A", "trade_type"] == "consumption-led"


def test_errors():
    t = toy()
    a = compute_accounts(t)
    with pytest.raises(ValueError, match="'tau' parameter of classify_cities"):
        classify_cities(t, a, tau=-0.1)
    with pytest.raises(ValueError, match="'exchange_rate' parameter"):
        classify_cities(t, a, exchange_rate=0)
    with pytest.raises(LabelMismatchError, match="stressor 'CH4'"):
        classify_cities(t, a, stressor="CH4")
    other = toy().replace(cities=["C", "D"])
    with pytest.raises(LabelMismatchError, match="do not cover the cities"):
        classify_cities(other, a)
    with pytest.raises(LabelMismatchError, match="summarize_types"):
        summarize_types(pd.DataFrame({"x": [1]}))
