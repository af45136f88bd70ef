"""analyses.inequality: docs/methods.md §11.4 oracle, identities, PySAL agreement, errors."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inequality.gini import Gini
from inequality.theil import Theil, TheilD

from mrio_city.analyses import inequality as iq
from mrio_city.analyses import inequality_quantiles as iqq
from mrio_city.model.errors import (
    DuplicateLabelError,
    LabelMismatchError,
    NegativeFootprintWarning,
    NegativeValueError,
    NonFiniteValueError,
    TableValidationError,
)

DETERMINISTIC = settings(derandomize=True, database=None, deadline=None, max_examples=60)
TOL = 1e-6  # docs/methods.md §11 tolerance
CITIES = ["c1", "c2", "c3", "c4"]


def _s(values, index=None) -> pd.Series:
    index = CITIES[: len(values)] if index is None else index
    return pd.Series(np.asarray(values, dtype=float), index=index)


@pytest.fixture
def example():
    """docs/methods.md §11.4: y = [2, 4, 6, 12] t/cap, P = [4, 3, 2, 1]; groups {1,2} vs {3,4}."""
    y, pop = _s([2, 4, 6, 12]), _s([4, 3, 2, 1])
    groups = pd.Series(["low", "low", "high", "high"], index=CITIES)
    return y, pop, groups


# ----------------------------------------------------------------- docs/methods.md §11.4 oracle


@pytest.mark.parametrize("method", ["lorenz", "mean_difference"])
def test_gini_reference_value(example, method):
    y, pop, _ = example
    assert iq.gini(y, pop, method=method) == pytest.approx(0.327273, abs=TOL)


def test_gini_formulas_agree_exactly(example):
    y, pop, _ = example
    assert iq.gini(y, pop, method="lorenz") == pytest.approx(
        iq.gini(y, pop, method="mean_difference"), abs=1e-14
    )
    assert iq.gini(y, pop) == pytest.approx(18 / 55, abs=1e-14)  # exact rational value


def test_gini_unweighted_hand_value(example):
    y, _, _ = example
    # sum_{c,d} |y_c - y_d| = 64, n^2 = 16, mu = 6  ->  64 / (2 * 16 * 6) = 1/3
    assert iq.gini(y) == pytest.approx(1 / 3, abs=1e-14)


def test_theil_reference_values(example):
    y, pop, _ = example
    assert iq.theil_t(y, pop) == pytest.approx(0.188866, abs=TOL)
    assert iq.theil_l(y, pop) == pytest.approx(0.181615, abs=TOL)


@pytest.mark.parametrize(
    ("kind", "total", "between", "within"),
    [
        ("T", 0.188866, 0.129828, 0.059038),
        ("L", 0.181615, 0.122897, 0.058718),
    ],
)
def test_theil_decomposition_reference_values(example, kind, total, between, within):
    y, pop, groups = example
    dec = iq.theil_decomposition(y, pop, groups, kind=kind)
    assert dec.kind == kind
    assert dec.total == pytest.approx(total, abs=TOL)
    assert dec.between == pytest.approx(between, abs=TOL)
    assert dec.within == pytest.approx(within, abs=TOL)
    assert dec.between + dec.within == pytest.approx(dec.total, abs=1e-12)
    assert dec.excluded == ()
    g = dec.groups
    assert list(g.index) == ["low", "high"]  # order of first appearance
    assert g["n_cities"].tolist() == [2, 2]
    np.testing.assert_allclose(g["population_share"], [0.7, 0.3], atol=1e-15)
    np.testing.assert_allclose(g["emission_share"], [20 / 44, 24 / 44], atol=1e-15)
    np.testing.assert_allclose(g["mean_per_capita"], [20 / 7, 8.0], atol=1e-14)
    assert g["between_contribution"].sum() == pytest.approx(dec.between, abs=1e-15)
    assert g["within_contribution"].sum() == pytest.approx(dec.within, abs=1e-15)
    inner = iq.theil_t if kind == "T" else iq.theil_l
    for name, members in (("low", ["c1", "c2"]), ("high", ["c3", "c4"])):
        assert g.loc[name, "within_index"] == pytest.approx(
            inner(y[members], pop[members]), abs=1e-15
        )


def test_lorenz_curve_reference_points(example):
    y, pop, _ = example
    curve = iq.lorenz_curve(y, pop)
    assert list(curve.columns) == ["city", "population_share", "emission_share"]
    assert curve["city"].tolist() == [None, "c1", "c2", "c3", "c4"]
    np.testing.assert_allclose(curve["population_share"], [0, 0.4, 0.7, 0.9, 1.0], atol=1e-15)
    np.testing.assert_allclose(
        curve["emission_share"], [0, 8 / 44, 20 / 44, 32 / 44, 1.0], atol=1e-15
    )


def test_top_bottom_shares_reference(example):
    y, pop, _ = example
    # L(0.5) interpolates between (0.4, 8/44) and (0.7, 20/44); 1 - L(0.9) = 12/44
    out = iqq.top_bottom_shares(y, pop)
    assert out["bottom50_share"] == pytest.approx(12 / 44, abs=1e-14)
    assert out["top10_share"] == pytest.approx(12 / 44, abs=1e-14)
    assert out["top10_to_bottom50"] == pytest.approx(1.0, abs=1e-12)


def test_top_share_splits_a_straddling_city_pro_rata():
    # one city of 20 people at 10 t and one of 80 at 1 t: top 10 % are 10 people at 10 t
    out = iqq.top_bottom_shares(_s([1, 10], ["a", "b"]), _s([80, 20], ["a", "b"]))
    assert out["top10_share"] == pytest.approx(100 / 280, abs=1e-14)
    assert out["bottom50_share"] == pytest.approx(50 / 280, abs=1e-14)


def test_p90_p10_reference(example):
    y, pop, _ = example
    out = iqq.p90_p10(y, pop)  # persons sorted: 4 x 2 t, 3 x 4 t, 2 x 6 t, 1 x 12 t
    assert (out["p10"], out["p90"], out["p90_p10"]) == (2.0, 6.0, 3.0)


def test_share_below_hand_example(example):
    y, pop, _ = example
    out = iq.share_below(y, pop, iq.REFERENCE_LEVELS["global_2012"])
    assert out["city_share"] == 0.5
    assert out["population_share"] == pytest.approx(0.7, abs=1e-15)
    assert out["emission_share"] == pytest.approx(20 / 44, abs=1e-15)
    assert iq.share_below(y, pop, 6.0)["city_share"] == 0.5  # strictly below: 6 not counted
    assert iq.share_below(y, pop, 6.0 + 1e-9)["population_share"] == pytest.approx(0.9)
    assert iq.share_below(y, pop, iq.US_PER_CAPITA_2012)["population_share"] == 1.0
    assert iq.share_below(y, pop, 2.0)["population_share"] == 0.0


def test_decile_table_assigns_whole_cities_by_midpoint(example):
    y, pop, _ = example
    table = iqq.decile_table(y, pop)
    assert list(table.index) == list(range(1, 11))
    # midpoints of cumulative population share: 0.2, 0.55, 0.8 (boundary: goes up), 0.95
    assert table["n_cities"].tolist() == [0, 0, 1, 0, 0, 1, 0, 0, 1, 1]
    np.testing.assert_allclose(
        table.loc[[3, 6, 9, 10], "population_share"], [0.4, 0.3, 0.2, 0.1], atol=1e-15
    )
    np.testing.assert_allclose(
        table.loc[[3, 6, 9, 10], "emission_share"], [8 / 44, 12 / 44, 12 / 44, 12 / 44], atol=1e-15
    )
    np.testing.assert_allclose(table.loc[[3, 6, 9, 10], "mean_per_capita"], [2, 4, 6, 12])
    assert table.loc[1, "population_share"] == 0.0
    assert table.loc[1, ["mean_per_capita", "min_per_capita", "max_per_capita"]].isna().all()


def test_decile_table_straddling_city_goes_where_most_of_it_lies():
    # populations 3 and 7: the second city spans 0.3..1.0, midpoint 0.65 -> decile 7
    table = iqq.decile_table(_s([1, 2], ["a", "b"]), _s([3, 7], ["a", "b"]))
    assert table.index[table["n_cities"] == 1].tolist() == [2, 7]
    assert table.loc[7, ["min_per_capita", "max_per_capita"]].tolist() == [2.0, 2.0]


def test_inequality_summary_matches_single_measures(example):
    y, pop, _ = example
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning when every footprint is positive
        summary = iq.inequality_summary(y, pop)
    v, unit = summary["value"], summary["unit"]
    assert summary.index.name == "measure"
    assert v["n_cities"] == 4 and v["population"] == 10
    assert v["mean_per_capita"] == pytest.approx(4.4) and unit["mean_per_capita"] == iq.UNIT
    assert v["gini"] == pytest.approx(0.327273, abs=TOL)
    assert v["gini_unweighted"] == pytest.approx(1 / 3, abs=1e-14)
    assert v["theil_t"] == pytest.approx(0.188866, abs=TOL)
    assert v["theil_l"] == pytest.approx(0.181615, abs=TOL)
    assert v["n_excluded_from_theil"] == 0 and summary.attrs["excluded_from_theil"] == ()
    assert v["top10_share"] == pytest.approx(12 / 44) and v["bottom50_share"] == pytest.approx(
        12 / 44
    )
    assert (v["p10"], v["p90"], v["p90_p10"]) == (2.0, 6.0, 3.0)
    assert v["cities_below_global_2012"] == 0.5
    assert v["population_below_global_2012"] == pytest.approx(0.7)
    assert v["cities_below_us_2012"] == 1.0
    custom = iq.inequality_summary(y, pop, reference_levels={"five": 5.0})
    assert "cities_below_us_2012" not in custom.index
    assert custom.loc["population_below_five", "value"] == pytest.approx(0.7)


def test_reference_levels_are_documented_constants():
    assert iq.GLOBAL_PER_CAPITA_2012 == 4.87 and iq.US_PER_CAPITA_2012 == 18.4
    glob, us = iq.REFERENCE_LEVELS["global_2012"], iq.REFERENCE_LEVELS["us_2012"]
    assert (glob.value, glob.year, glob.unit) == (4.87, 2012, "t CO2/person")
    assert (us.value, us.year) == (18.4, 2012)
    assert "Global Carbon Budget 2019" in glob.source and "§5.2" in us.source
    with pytest.raises(dataclasses.FrozenInstanceError):
        glob.value = 5.0
    with pytest.raises(TypeError):
        iq.REFERENCE_LEVELS["global_2012"] = us


# ----------------------------------------------------------------- zero and negative values


def test_log_measures_exclude_non_positive_cities_with_a_named_warning():
    y = pd.Series([-1.0, 0.0, 2.0, 4.0, 6.0], index=["neg", "zero", "a", "b", "c"])
    pop = pd.Series([1.0, 2.0, 4.0, 3.0, 2.0], index=y.index)
    kept = ["a", "b", "c"]
    for func in (iq.theil_t, iq.theil_l):
        with pytest.warns(NegativeFootprintWarning, match=r"excluded 2 cities .*'neg', 'zero'"):
            value = func(y, pop)
        assert value == func(y[kept], pop[kept])  # excluded, not nudged by an epsilon
    groups = pd.Series(["x", "x", "x", "y", "y"], index=y.index)
    with pytest.warns(NegativeFootprintWarning, match="'neg', 'zero'"):
        dec = iq.theil_decomposition(y, pop, groups, kind="T")
    assert dec.excluded == ("neg", "zero")
    assert dec.groups["n_cities"].tolist() == [1, 2]
    assert dec.between + dec.within == pytest.approx(dec.total, abs=1e-12)
    with pytest.warns(NegativeFootprintWarning, match="excluded 2 cities"):
        summary = iq.inequality_summary(y, pop)
    assert summary.attrs["excluded_from_theil"] == ("neg", "zero")
    assert summary.loc["n_excluded_from_theil", "value"] == 2
    assert summary.loc["theil_t", "value"] == iq.theil_t(y[kept], pop[kept])


def test_gini_and_lorenz_keep_zero_and_negative_values():
    y = _s([-2.0, 0.0, 5.0, 9.0])
    pop = _s([1.0, 2.0, 3.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g1 = iq.gini(y, pop)
        curve = iq.lorenz_curve(y, pop)
    assert g1 == pytest.approx(iq.gini(y, pop, method="mean_difference"), abs=1e-14)
    assert g1 > iq.gini(y[["c3", "c4"]], pop[["c3", "c4"]])
    assert curve["emission_share"].iloc[1] < 0  # the negative city pulls the curve below 0
    assert curve["emission_share"].iloc[-1] == pytest.approx(1.0)


# ----------------------------------------------------------------- identities (hypothesis)

positive = st.floats(0.1, 100.0, allow_nan=False, allow_infinity=False)


@st.composite
def cities(draw, min_size=1, max_size=12, integer_population=False):
    n = draw(st.integers(min_size, max_size))
    y = draw(st.lists(positive, min_size=n, max_size=n))
    pops = st.integers(1, 40) if integer_population else st.floats(1.0, 1e7)
    pop = draw(st.lists(pops, min_size=n, max_size=n))
    index = [f"city{k}" for k in range(n)]
    return pd.Series(y, index=index, dtype=float), pd.Series(pop, index=index, dtype=float)


@DETERMINISTIC
@given(
    data=cities(),
    labels=st.lists(st.sampled_from("ABC"), min_size=12, max_size=12),
    kind=st.sampled_from(["T", "L"]),
)
def test_between_plus_within_equals_total(data, labels, kind):
    y, pop = data
    groups = pd.Series(labels[: len(y)], index=y.index)
    dec = iq.theil_decomposition(y, pop, groups, kind=kind)
    assert abs(dec.between + dec.within - dec.total) <= 1e-12
    assert dec.total == pytest.approx(
        (iq.theil_t if kind == "T" else iq.theil_l)(y, pop), abs=1e-15
    )
    assert dec.between >= -1e-12 and dec.within >= -1e-12
    assert dec.groups["population_share"].sum() == pytest.approx(1.0, abs=1e-12)


@DETERMINISTIC
@given(value=positive, data=cities())
def test_equal_per_capita_values_give_zero_inequality(value, data):
    _, pop = data
    y = pd.Series(value, index=pop.index)
    assert iq.gini(y, pop) == pytest.approx(0.0, abs=1e-12)
    assert iq.gini(y, pop, method="mean_difference") == 0.0
    assert iq.theil_t(y, pop) == pytest.approx(0.0, abs=1e-12)
    assert iq.theil_l(y, pop) == pytest.approx(0.0, abs=1e-12)


@DETERMINISTIC
@given(data=cities(), factor=st.floats(1e-3, 1e3))
def test_scale_invariance(data, factor):
    y, pop = data
    scaled = y * factor
    assert iq.gini(scaled, pop) == pytest.approx(iq.gini(y, pop), abs=1e-12)
    assert iq.theil_t(scaled, pop) == pytest.approx(iq.theil_t(y, pop), abs=1e-12)
    assert iq.theil_l(scaled, pop) == pytest.approx(iq.theil_l(y, pop), abs=1e-12)
    np.testing.assert_allclose(
        iq.lorenz_curve(scaled, pop)["emission_share"],
        iq.lorenz_curve(y, pop)["emission_share"],
        atol=1e-12,
    )
    # population scale does not matter either
    assert iq.gini(y, pop * factor) == pytest.approx(iq.gini(y, pop), abs=1e-12)


@DETERMINISTIC
@given(data=cities(integer_population=True))
def test_population_weighting_equals_duplicating_cities(data):
    y, pop = data
    reps = pop.astype(int).to_numpy()
    dup = pd.Series(
        np.repeat(y.to_numpy(), reps),
        index=[f"{c}#{k}" for c, r in zip(y.index, reps, strict=True) for k in range(r)],
    )
    assert iq.gini(y, pop) == pytest.approx(iq.gini(dup), abs=1e-12)
    assert iq.gini(y, pop, method="mean_difference") == pytest.approx(iq.gini(dup), abs=1e-12)
    assert iq.theil_t(y, pop) == pytest.approx(iq.theil_t(dup), abs=1e-12)
    assert iq.theil_l(y, pop) == pytest.approx(iq.theil_l(dup), abs=1e-12)
    ones = pd.Series(1.0, index=dup.index)
    pd.testing.assert_series_equal(
        iqq.top_bottom_shares(y, pop), iqq.top_bottom_shares(dup, ones), atol=1e-12
    )
    pct = iqq.p90_p10(y, pop)
    for q in (10, 90):
        assert pct[f"p{q}"] == np.percentile(dup.to_numpy(), q, method="inverted_cdf")


@DETERMINISTIC
@given(data=cities(), perm_seed=st.integers(0, 2**32 - 1))
def test_permutation_invariance(data, perm_seed):
    y, pop = data
    order = np.random.default_rng(perm_seed).permutation(len(y))
    y2, pop2 = y.iloc[order], pop.iloc[::-1]  # also: population in a different order
    for func in (iq.gini, iq.theil_t, iq.theil_l):
        assert func(y2, pop2) == pytest.approx(func(y, pop), abs=1e-12)
    pd.testing.assert_series_equal(iqq.p90_p10(y2, pop2), iqq.p90_p10(y, pop))


@DETERMINISTIC
@given(data=cities())
def test_lorenz_curve_shape(data):
    y, pop = data
    curve = iq.lorenz_curve(y, pop)
    x, lor = curve["population_share"].to_numpy(), curve["emission_share"].to_numpy()
    assert (x[0], lor[0]) == (0.0, 0.0) and (x[-1], lor[-1]) == (1.0, 1.0)
    assert np.all(np.diff(x) > 0) and np.all(np.diff(lor) > 0)  # monotone
    slopes = np.diff(lor) / np.diff(x)
    assert np.all(np.diff(slopes) >= -1e-9 * slopes[1:])  # convex: slopes non-decreasing
    assert np.all(lor <= x + 1e-12)  # below the line of equality


@DETERMINISTIC
@given(data=cities())
def test_decile_table_shares_sum_to_one(data):
    y, pop = data
    table = iqq.decile_table(y, pop)
    assert len(table) == 10
    assert table["population_share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert table["emission_share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert table["n_cities"].sum() == len(y)
    filled = table[table["n_cities"] > 0]
    lows, highs = filled["min_per_capita"].to_numpy(), filled["max_per_capita"].to_numpy()
    assert np.all(lows[1:] >= highs[:-1])  # deciles are ordered
    assert np.all(filled["min_per_capita"] <= filled["mean_per_capita"] + 1e-12)
    assert np.all(filled["mean_per_capita"] <= filled["max_per_capita"] + 1e-12)


# ----------------------------------------------------------------- PySAL agreement (unweighted)


@pytest.mark.parametrize("seed", range(5))
def test_unweighted_measures_agree_with_pysal(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    values = rng.lognormal(mean=1.5, sigma=0.8, size=n)
    y = pd.Series(values, index=[f"city{k}" for k in range(n)])
    partition = rng.integers(0, 4, size=n)
    assert iq.gini(y) == pytest.approx(Gini(values).g, abs=1e-12)
    assert iq.theil_t(y) == pytest.approx(float(np.squeeze(Theil(values).T)), abs=1e-12)
    pysal = TheilD(values, partition)
    dec = iq.theil_decomposition(y, None, pd.Series(partition, index=y.index), kind="T")
    assert dec.total == pytest.approx(float(np.squeeze(pysal.T)), abs=1e-12)
    assert dec.between == pytest.approx(float(np.squeeze(pysal.bg)), abs=1e-12)
    assert dec.within == pytest.approx(float(np.squeeze(pysal.wg)), abs=1e-12)


# ----------------------------------------------------------------- input validation


def test_index_mismatch_names_missing_and_unexpected_cities(example):
    y, pop, groups = example
    bad = pop.rename(index={"c4": "Xian"})
    with pytest.raises(
        LabelMismatchError,
        match=r"gini: the cities of population differ from those of per_capita: "
        r"missing \['c4'\], unexpected \['Xian'\]",
    ):
        iq.gini(y, bad)
    with pytest.raises(LabelMismatchError, match=r"cities of groups .*missing \['c1'\]"):
        iq.theil_decomposition(y, pop, groups.drop("c1"), kind="T")
    many = pd.Series(1.0, index=[f"x{k}" for k in range(8)])
    with pytest.raises(
        LabelMismatchError,
        match=r"unexpected \['x0', .*'x4', \.\.\. "
        r"\(8 in total\)\]",
    ):
        iqq.decile_table(y, pd.concat([pop, many]))


def test_population_order_does_not_matter(example):
    y, pop, _ = example
    assert iq.gini(y, pop.iloc[::-1]) == iq.gini(y, pop)


@pytest.mark.parametrize(
    ("bad_value", "which"),
    [
        (np.nan, "per_capita"),
        (np.inf, "per_capita"),
        (np.nan, "population"),
        (-np.inf, "population"),
    ],
)
def test_non_finite_values_are_rejected(example, bad_value, which):
    y, pop, _ = example
    y, pop = y.copy(), pop.copy()
    (y if which == "per_capita" else pop)["c3"] = bad_value
    with pytest.raises(
        NonFiniteValueError,
        match=rf"theil_t: {which} has NaN or infinite values for cities \['c3'\]",
    ):
        iq.theil_t(y, pop)


@pytest.mark.parametrize("value", [-5.0, 0.0])
def test_non_positive_population_is_rejected(example, value):
    y, pop, _ = example
    pop = pop.copy()
    pop["c2"] = value
    with pytest.raises(
        NegativeValueError,
        match=r"share_below: population must be positive "
        r"\(persons\); .* for cities \['c2'\]",
    ):
        iq.share_below(y, pop, 4.87)


def test_empty_duplicate_and_non_numeric_inputs_are_rejected(example):
    y, pop, _ = example
    empty = pd.Series([], dtype=float)
    with pytest.raises(TableValidationError, match="gini: per_capita is empty"):
        iq.gini(empty)
    with pytest.raises(TableValidationError, match="lorenz_curve: per_capita is empty"):
        iq.lorenz_curve(empty, empty)
    dup = pd.Series([1.0, 2.0, 3.0], index=["a", "a", "b"])
    with pytest.raises(
        DuplicateLabelError,
        match=r"theil_l: per_capita has duplicate cities "
        r"\['a'\]",
    ):
        iq.theil_l(dup)
    with pytest.raises(TableValidationError, match="population must be numeric"):
        iq.gini(y, pop.astype(str).radd("n"))
    with pytest.raises(
        TypeError, match="gini: per_capita must be a pandas Series indexed by city, got list"
    ):
        iq.gini([1.0, 2.0])
    with pytest.raises(TypeError, match="p90_p10: population is required"):
        iqq.p90_p10(y, None)


def test_undefined_measures_raise(example):
    y, pop, groups = example
    with pytest.raises(
        TableValidationError,
        match=r"gini: the population-weighted mean "
        r"footprint is -1 t CO2/person",
    ):
        iq.gini(_s([-3.0, 1.0]), _s([1.0, 1.0]))
    with pytest.raises(TableValidationError, match="theil_t: no city has a positive"):
        iq.theil_t(_s([0.0, -1.0]), _s([1.0, 1.0]))
    with pytest.raises(ValueError, match=r"'method' parameter of gini must be one of"):
        iq.gini(y, pop, method="trapezoid")
    with pytest.raises(
        ValueError,
        match=r"'kind' parameter of theil_decomposition must be one "
        r"of \{'T', 'L'\}. Got 'GE2' instead",
    ):
        iq.theil_decomposition(y, pop, groups, kind="GE2")
    with pytest.raises(
        TableValidationError,
        match=r"groups has missing labels for cities "
        r"\['c2'\]",
    ):
        iq.theil_decomposition(y, pop, groups.where(groups.index != "c2"))
    with pytest.raises(ValueError, match="share_below: level must be a finite number"):
        iq.share_below(y, pop, float("nan"))


def test_p90_p10_is_nan_when_p10_is_not_positive():
    out = iqq.p90_p10(_s([0.0, 3.0, 6.0]), _s([5.0, 3.0, 2.0]))
    assert out["p10"] == 0.0 and out["p90"] == 6.0 and math.isnan(out["p90_p10"])


def test_inputs_are_not_modified(example):
    y, pop, groups = example
    copies = y.copy(), pop.copy(), groups.copy()
    iq.inequality_summary(y, pop)
    iq.theil_decomposition(y, pop, groups, kind="L")
    iqq.decile_table(y, pop)
    for before, after in zip(copies, (y, pop, groups), strict=True):
        pd.testing.assert_series_equal(before, after)
