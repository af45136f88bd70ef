"""Validation at the boundary: every error pins its message."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from mrio_city import (
    DuplicateLabelError,
    InconsistentOutputError,
    LabelMismatchError,
    MRIOTable,
    NegativeValueError,
    NonFiniteValueError,
    NonProductiveSystemError,
    ShapeMismatchError,
    StructuredMRIOTable,
    TableValidationError,
    ZeroOutputWarning,
)
from mrio_city.testing import random_structured_table, random_table, toy_cities

Z = np.array([[10, 20, 5, 5], [15, 5, 10, 0], [5, 0, 20, 10], [0, 10, 15, 5]], float)
Y = np.array([[40, 20], [50, 20], [15, 50], [10, 60]], float)
F = np.array([[50, 10, 20, 5]], float)
LABELS = dict(
    cities=["Shenzhen", "Dongguan"],
    sectors=["Electricity", "Metals"],
    categories=["fd"],
    stressors=["CO2"],
    name="t",
)


def make(**changes):
    args = dict(Z=Z, Y=Y, F=F, **LABELS)
    args.update(changes)
    return MRIOTable(**args)


def test_output_is_derived_as_row_sums():
    t = make()
    np.testing.assert_array_equal(t.x, [100, 100, 100, 100])
    np.testing.assert_allclose(t.direct_intensities, [[0.5, 0.1, 0.2, 0.05]])


def test_arrays_are_read_only_and_not_copied():
    t = make()
    assert not t.Z.flags.writeable
    assert np.shares_memory(t.Z, Z)
    with pytest.raises(AttributeError, match="immutable"):
        t.x = np.zeros(4)


def test_sparse_z_stays_sparse():
    t = make(Z=sp.csr_matrix(Z))
    assert sp.issparse(t.Z)
    assert sp.issparse(t.technical_coefficients("sparse"))
    np.testing.assert_allclose(t.technical_coefficients("dense"), Z / 100)


def _set(array, entries):
    """A copy of ``array`` with ``entries`` ({(row, col): value}) set."""
    out = array.copy()
    for pos, value in entries.items():
        out[pos] = value
    return out


#: Bad input -> (constructor changes, error, pinned message); one case per rule.
BAD_INPUT = {
    "negative_flows_message_names_labels": (
        lambda: dict(Z=_set(Z, {(0, 3): -1, (2, 1): -2})),
        NegativeValueError,
        r"table 't': Z has 2 negative entries, first at \(Shenzhen, Electricity\) -> "
        r"\(Dongguan, Metals\) \(-1\)",
    ),
    "negative_sparse_flows_message": (
        lambda: dict(Z=sp.csr_matrix(_set(Z, {(1, 2): -3}))),
        NegativeValueError,
        r"\(Shenzhen, Metals\) -> \(Dongguan, Electricity\)",
    ),
    "nan_message": (
        lambda: dict(Y=_set(Y, {(3, 1): np.nan})),
        NonFiniteValueError,
        r"table 't': Y has 1 NaN or infinite entry, "
        r"first at \(Dongguan, Metals\) -> \(Dongguan, fd\)",
    ),
    "inf_in_F_message": (
        lambda: dict(F=_set(F, {(0, 2): np.inf})),
        NonFiniteValueError,
        r"F has 1 NaN or infinite entry, first at CO2 -> \(Dongguan, Electricity\)",
    ),
    "shape_message": (
        lambda: dict(Y=np.ones((4, 3))),
        ShapeMismatchError,
        r"table 't': Y has shape \(4, 3\), expected "
        r"\(4, 2\) \(n_nodes x n_cities\*n_categories\)",
    ),
    "duplicate_labels_message": (
        lambda: dict(cities=["Shenzhen", "Shenzhen"]),
        DuplicateLabelError,
        r"table 't': city labels have 1 duplicate\(s\): 'Shenzhen'",
    ),
    "negative_output_message": (
        lambda: dict(x=np.array([100, -100, 100, 100.0]), output_rtol=1e-2),
        NegativeValueError,
        r"x \(gross output\) has 1 negative entry, first at \(Shenzhen, Metals\)",
    ),
    "inconsistent_output_message": (
        lambda: dict(x=np.array([100, 100, 101, 100.0])),
        InconsistentOutputError,
        r"x is inconsistent with Z 1 \+ Y 1 \+ "
        r"exports 1 at 1 city-sector\(s\) beyond relative tolerance 1e-06; worst "
        r"at \(Dongguan, Electricity\): x = 101, row sum = 100",
    ),
    "non_productive_message_names_worst_columns": (
        # column sum of A for (Shenzhen, Metals) = 1.4 (x grows too)
        lambda: dict(Z=Z * np.array([1, 4, 1, 1.0]), Y=Y.copy(), x=None),
        NonProductiveSystemError,
        r"not productive: 1 column sum\(s\) of A are >= 1, worst: \(Shenzhen, Metals\) = ",
    ),
    "city_attributes_must_match_cities": (
        lambda: dict(
            city_attributes=pd.DataFrame(
                {"province": ["GD", "GD"]}, index=["Shenzhen", "Guangzhou"]
            )
        ),
        LabelMismatchError,
        r"city_attributes index does not match the "
        r"cities: missing 'Dongguan', unexpected 'Guangzhou'",
    ),
    "units_required_for_every_stressor": (
        lambda: dict(units={"CH4": "t"}),
        TableValidationError,
        "units has no unit for stressor",
    ),
    "population_must_be_nonnegative": (
        lambda: dict(population=[1.0, -1.0]),
        NegativeValueError,
        r"population has 1 negative entry, first at Dongguan",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_message(case):
    changes, error, match = BAD_INPUT[case]
    with pytest.raises(error, match=match):
        make(**changes())


def test_negative_flows_allowed_on_request():
    bad = Z.copy()
    bad[0, 3] = -1
    t = make(Z=bad, allow_negative_flows=True)
    assert t.x[0] == 94  # 100 - 5 - 1


def test_output_within_tolerance_accepted():
    t = make(x=np.array([100, 100, 100 + 1e-7, 100.0]))
    assert t.x[2] == 100 + 1e-7


def test_zero_output_warns_once_and_zeroes_coefficients():
    z = Z.copy()
    z[3, :] = 0
    z[:, 3] = 0
    y = Y.copy()
    y[3] = 0
    with pytest.warns(
        ZeroOutputWarning,
        match=r"1 city-sector\(s\) have zero gross output "
        r"\(first: \(Dongguan, Metals\)\)",
    ):
        t = make(Z=z, Y=y, F=F * [1, 1, 1, 0])
    assert t.direct_intensities[0, 3] == 0
    assert np.all(t.technical_coefficients("dense")[:, 3] == 0)


def test_negative_final_demand_and_value_added_accepted():
    y = Y.copy()
    y[0, 1] = -5  # inventory change
    t = make(Y=y, value_added=np.array([[-1.0, 70, 60, 70]]), value_added_labels=["net"])
    assert t.x[0] == 75  # 100 - 20 - 5


def test_replace_rederives_output():
    t = toy_cities()
    t2 = t.replace(Y=t.Y * 2, Z=t.Z)
    assert t2.x.sum() > t.x.sum()
    assert t2.name == "toy-cities"


def test_structured_trade_share_columns_must_sum_to_one():
    t = random_structured_table(seed=3)
    shares = np.array(t.trade_shares)
    shares[0, 0, 1] += 0.1
    with pytest.raises(
        TableValidationError,
        match=r"trade_shares columns must sum to 1 over "
        r"supplying cities \(or be all zero\); 1 do not",
    ):
        t.replace(trade_shares=shares)


def test_structured_output_check():
    t = random_structured_table(seed=4)
    with pytest.raises(InconsistentOutputError, match="x is inconsistent with A x"):
        t.replace(x=t.x * 1.01)
    t2 = t.replace(x=t.x)
    np.testing.assert_array_equal(t2.x, t.x)


def test_structured_materializes_like_dense():
    t = random_structured_table(seed=5, sparse_shares=True)
    A_dense = t.technical_coefficients("dense")
    A_sparse = t.technical_coefficients("sparse")
    np.testing.assert_allclose(A_sparse.toarray(), A_dense, rtol=0, atol=1e-15)
    v = np.random.default_rng(0).random((t.n_nodes, 3))
    np.testing.assert_allclose(t.apply_A(v), A_dense @ v, rtol=1e-12)
    np.testing.assert_allclose(t.apply_A(v, trans=True), A_dense.T @ v, rtol=1e-12)
    g = t.to_general("dense")
    np.testing.assert_allclose(g.x, t.x, rtol=1e-9)


@pytest.mark.parametrize("cities", [None, slice(1, 4), np.array([4, 0, 0])])
def test_final_demand_by_city_sparse_matches_dense_shares(cities):
    """The sparse path (stored shares scattered from CSC) against the dense formula."""
    t = random_structured_table(seed=5, sparse_shares=True)
    R, N = t.n_cities, t.n_sectors
    sel = np.arange(R)[cities] if cities is not None else np.arange(R)
    ytot = t.final_demand.sum(axis=2)
    ref = np.zeros((R, N, sel.size))
    for i, m in enumerate(t.final_trade_shares):
        ref[:, i, :] = m.toarray()[:, sel] * ytot[sel, i]
    got = t.final_demand_by_city(cities)
    np.testing.assert_allclose(got, ref.reshape(R * N, sel.size), rtol=1e-15, atol=0)
    assert np.count_nonzero(got) > 0


def test_structured_is_a_structured_table():
    t = random_structured_table()
    assert isinstance(t, StructuredMRIOTable) and t.structured
    assert "structured" in t.summary()["form"]
    assert "5 cities x 4 sectors" in repr(t)


def test_general_summary_totals():
    t = random_table(seed=1)
    s = t.summary()
    assert s["nodes"] == 12
    assert s["CO2 industry [t CO2]"] == pytest.approx(t.F.sum())
