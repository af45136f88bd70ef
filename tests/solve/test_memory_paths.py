"""Memory-saving paths of issue 13 (item 8) give the same numbers as the plain ones.

Overwriting right-hand sides, the within-city inverses made from ``G = B M^-1``, column norms
without a squared temporary and equal accounts chunks, each against dense numpy or the path
it replaces.
"""

import numpy as np
import pytest

from mrio_city import compute_accounts, factorize
from mrio_city.solve.iterative import column_norms
from mrio_city.solve.operator import StructuredOperator
from mrio_city.testing import random_structured_table


def _dense_solve(table, rhs, trans="N"):
    M = np.eye(table.n_nodes) - table.technical_coefficients("dense")
    return np.linalg.solve(M.T if trans == "T" else M, rhs)


@pytest.mark.parametrize("method", ["block", "dense", "sparse"])
@pytest.mark.parametrize("trans", ["N", "T"])
def test_overwrite_rhs_matches_numpy(method, trans):
    table = random_structured_table(7, 4, seed=11)
    rhs = np.random.default_rng(3).random((table.n_nodes, 20))
    ref = _dense_solve(table, rhs, trans)
    solver = factorize(table, method=method)
    work = rhs.copy()
    out = solver.solve(work, trans=trans, overwrite_rhs=True)
    assert np.abs(out - ref).max() <= 1e-9 * np.abs(ref).max()
    if method == "block":  # the block solver writes over the right-hand sides and returns them
        assert out is work
    # without the flag (or for arrays the solver does not own) rhs is left alone
    kept = rhs.copy()
    solver.solve(kept, trans=trans)
    assert np.array_equal(kept, rhs)
    fortran = np.asfortranarray(rhs)
    solver.solve(fortran, trans=trans, overwrite_rhs=True)
    assert np.array_equal(fortran, rhs)


@pytest.mark.parametrize("sparse_shares", [False, True])
def test_local_inverses_from_G_match_numpy(sparse_shares):
    table = random_structured_table(5, 4, seed=2, sparse_shares=sparse_shares)
    op = StructuredOperator.from_table(table)
    N = table.n_sectors
    for d in range(table.n_cities):
        M = np.eye(N) - op.local_shares[d][:, None] * table.technology[d]
        assert np.allclose(op.local_block_inverses[d], np.linalg.inv(M), rtol=0, atol=1e-13)
        G = table.technology[d] @ np.linalg.inv(M)
        assert np.allclose(op._technology_local_inverse[d], G, rtol=0, atol=1e-13)
    V = np.random.default_rng(0).normal(size=(table.n_nodes, 3))
    Minv = np.zeros((table.n_nodes, table.n_nodes))
    for d in range(table.n_cities):
        Minv[d * N : (d + 1) * N, d * N : (d + 1) * N] = op.local_block_inverses[d]
    assert np.allclose(op.apply_local_inverse(V), Minv @ V, rtol=0, atol=1e-12)
    assert np.allclose(op.apply_local_inverse(V, trans=True), Minv.T @ V, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_column_norms_match_numpy(dtype):
    a = np.random.default_rng(1).normal(size=(500, 9)).astype(dtype)
    a[:, 3] = 0.0
    got = column_norms(a)
    assert got.dtype == np.float64
    assert np.allclose(got, np.linalg.norm(a.astype(np.float64), axis=0), rtol=1e-12, atol=0)
    a[0, 1] = np.inf
    assert not np.isfinite(column_norms(a)[1])


def test_accounts_independent_of_the_chunking():
    table = random_structured_table(11, 3, seed=4)
    one = compute_accounts(table, chunk=100)
    for chunk in (1, 3, 4, 10):
        other = compute_accounts(table, one.solver, chunk=chunk)
        assert np.allclose(other.flows, one.flows, rtol=1e-9, atol=1e-12)
        assert np.allclose(other.embodied_in_exports_abroad, one.embodied_in_exports_abroad)
    dense = compute_accounts(table, factorize(table, method="dense"), chunk=4)
    assert np.allclose(dense.flows, one.flows, rtol=1e-8, atol=1e-10)
