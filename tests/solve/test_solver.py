"""Solvers agree with numpy.linalg.solve; labelled inputs; errors pinned."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mrio_city import ConvergenceError, EfficiencyWarning, NonProductiveSystemError, factorize
from mrio_city.solve.solver import available_methods, factorization_count
from mrio_city.testing import miller_blair, random_structured_table, random_table

GENERAL_METHODS = [m for m in available_methods() if m != "block"]


def _reference(table, rhs, trans):
    M = np.eye(table.n_nodes) - table.technical_coefficients("dense")
    return np.linalg.solve(M.T if trans == "T" else M, rhs)


def _rel(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@given(
    seed=st.integers(0, 10_000),
    R=st.integers(1, 4),
    N=st.integers(1, 5),
    k=st.integers(1, 4),
    sparse=st.booleans(),
)
@pytest.mark.parametrize("method", GENERAL_METHODS)
@pytest.mark.parametrize("trans", ["N", "T"])
def test_general_methods_agree_with_numpy(method, trans, seed, R, N, k, sparse):
    table = random_table(R, N, seed=seed, sparse=sparse, density=0.5)
    solver = factorize(table, method=method)
    rng = np.random.default_rng(seed)
    rhs2 = rng.normal(size=(table.n_nodes, k))
    assert _rel(solver.solve(rhs2, trans=trans), _reference(table, rhs2, trans)) < 1e-9
    rhs1 = rhs2[:, 0]
    out1 = solver.solve(rhs1, trans=trans)
    assert out1.shape == (table.n_nodes,)
    assert _rel(out1, _reference(table, rhs1, trans)) < 1e-9


@given(
    seed=st.integers(0, 10_000),
    R=st.integers(1, 6),
    N=st.integers(1, 5),
    k=st.integers(1, 4),
    sparse=st.booleans(),
)
@pytest.mark.parametrize("trans", ["N", "T"])
@pytest.mark.parametrize("iteration", ["polynomial", "gmres", "jacobi", "neumann"])
def test_block_method_agrees_with_numpy(iteration, trans, seed, R, N, k, sparse):
    table = random_structured_table(R, N, seed=seed, sparse_shares=sparse)
    solver = factorize(table, iteration=iteration)
    assert solver.method == "block" and solver.iteration == iteration
    rng = np.random.default_rng(seed)
    rhs2 = rng.normal(size=(table.n_nodes, k))
    assert _rel(solver.solve(rhs2, trans=trans), _reference(table, rhs2, trans)) < 1e-9
    rhs1 = rng.random(table.n_nodes)
    assert _rel(solver.solve(rhs1, trans=trans), _reference(table, rhs1, trans)) < 1e-9


@pytest.mark.parametrize(
    ("method", "iteration"),
    [
        ("dense", "polynomial"),
        ("sparse", "polynomial"),
        ("block", "polynomial"),
        ("block", "gmres"),
        ("block", "jacobi"),
    ],
)
def test_residual_within_tolerance(method, iteration):
    table = random_structured_table(8, 5, seed=11)
    solver = factorize(table, method=method, tol=1e-12, iteration=iteration)
    y = np.random.default_rng(1).random((table.n_nodes, 3))
    x = solver.solve(y)
    resid = y - (x - table.apply_A(x))
    assert np.linalg.norm(resid, axis=0).max() / np.linalg.norm(y, axis=0).min() < 1e-11


def test_miller_blair_leontief_inverse():
    table = miller_blair()
    np.testing.assert_allclose(table.technical_coefficients("dense"), [[0.15, 0.25], [0.20, 0.05]])
    with pytest.warns(EfficiencyWarning, match="forming the dense Leontief inverse"):
        L = factorize(table, method="dense").inverse()
    np.testing.assert_allclose(L, [[1.254125, 0.330033], [0.264026, 1.122112]], atol=1e-6)


def test_inverse_refused_for_large_tables():
    table = random_table(2, 3, seed=1)
    with pytest.raises(
        MemoryError,
        match=r"refusing to form a dense 6 x 6 Leontief inverse "
        r"\(> max_nodes=5\)",
    ):
        factorize(table).inverse(max_nodes=5)


def test_labelled_inputs_are_aligned():
    table = random_table(2, 3, seed=2)
    solver = factorize(table)
    y = pd.Series(np.arange(6.0) + 1, index=table.nodes)
    shuffled = y.iloc[::-1]
    out = solver.solve(shuffled)
    assert out.index.equals(table.nodes)
    np.testing.assert_allclose(out.to_numpy(), solver.solve(y.to_numpy()))
    f = pd.DataFrame(table.direct_intensities, index=["CO2"], columns=table.nodes)
    m = solver.solve(f, trans="T")
    assert list(m.index) == ["CO2"]
    np.testing.assert_allclose(m.to_numpy()[0], solver.solve(f.to_numpy()[0], trans="T"))
    cols = pd.DataFrame(np.ones((6, 2)), index=table.nodes, columns=["a", "b"])
    assert list(solver.solve(cols).columns) == ["a", "b"]


def test_bad_rhs_messages():
    table = random_table(2, 3, seed=3)
    solver = factorize(table)
    with pytest.raises(
        ValueError,
        match=r"right-hand side must have shape \(6,\) or \(6, k\), "
        r"got \(5,\)",
    ):
        solver.solve(np.ones(5))
    with pytest.raises(ValueError, match="trans must be 'N' or 'T', got 'H'"):
        solver.solve(np.ones(6), trans="H")
    bad = pd.Series(1.0, index=pd.MultiIndex.from_tuples([("x", "y")] * 6))
    with pytest.raises(ValueError, match="does not match the 6 nodes of table 'random-3'"):
        solver.solve(bad)


def test_method_validation_messages():
    table = random_table(2, 2, seed=4)
    with pytest.raises(
        ValueError,
        match=r"The 'method' parameter of factorize must be one of "
        r"\('auto', 'dense', 'sparse', 'umfpack', 'block'\)\. Got 'lu' instead",
    ):
        factorize(table, method="lu")
    with pytest.raises(ValueError, match="method='block' needs a structured table"):
        factorize(table, method="block")


def test_auto_picks_by_size_and_structure():
    assert factorize(random_table(2, 2, seed=5)).method == "dense"
    assert factorize(random_structured_table(seed=5)).method == "block"


def test_repr_and_counter():
    before = factorization_count()
    solver = factorize(random_structured_table(4, 3, seed=6))
    assert factorization_count() == before + 1
    assert repr(solver).startswith("<LeontiefSolver method='block' shape=(12, 12) nnz=")
    assert "tol=1e-10" in repr(solver) and "iteration='polynomial'" in repr(solver)
    with pytest.raises(ValueError, match="iteration must be one of .*'neumann'.*, got 'cg'"):
        factorize(random_structured_table(4, 3, seed=6), iteration="cg")
    with pytest.raises(ValueError, match="degree must be a positive integer, got 0"):
        factorize(random_structured_table(4, 3, seed=6), degree=0)


def test_singular_system_named():
    # x = 0 with a column of A summing to exactly 1 is caught at construction;
    # a singular I - A that passes column checks is caught at factorization
    table = random_table(1, 2, seed=7)
    A = table.technical_coefficients("dense")
    assert (A.sum(axis=0) < 1).all()
    with pytest.raises(NonProductiveSystemError, match="not productive"):
        table.replace(Z=table.Z * np.array([1.0, 10.0]), x=None)


@pytest.mark.parametrize("iteration", ["polynomial", "gmres", "jacobi", "neumann"])
def test_block_non_convergence_raises(iteration):
    table = random_structured_table(6, 4, seed=8, local_share=0.1)
    solver = factorize(table, maxiter=1, tol=1e-14, iteration=iteration)
    with pytest.raises(
        ConvergenceError,
        match=r"did not converge: relative residual .* after \d+ "
        r"iterations > tol 1e-14",
    ):
        solver.solve(np.ones(table.n_nodes))
