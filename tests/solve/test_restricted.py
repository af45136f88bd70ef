"""Restricted and extracted solves against brute-force removal with dense numpy."""

import numpy as np
import pytest

from mrio_city import factorize
from mrio_city.solve import solve_extracted, solve_restricted
from mrio_city.testing import random_structured_table, random_table


def _tables():
    return {
        "general-dense": random_table(5, 3, seed=31),
        "general-sparse": random_table(5, 3, seed=32, sparse=True, density=0.4),
        "structured": random_structured_table(5, 3, seed=33),
        "structured-sparse-shares": random_structured_table(5, 3, seed=34, sparse_shares=True),
    }


def _brute_restricted(table, rhs, removed, trans):
    A = table.technical_coefficients("dense")
    out = np.zeros_like(rhs)
    for j in range(rhs.shape[1]):
        keep = np.flatnonzero(~removed[:, j])
        M = np.eye(keep.size) - A[np.ix_(keep, keep)]
        out[keep, j] = np.linalg.solve(M.T if trans == "T" else M, rhs[keep, j])
    return out


def _brute_extracted(table, rhs, removed, linkage, trans):
    A = table.technical_coefficients("dense")
    out = np.empty_like(rhs)
    for j in range(rhs.shape[1]):
        S = removed[:, j]
        A1 = A.copy()
        if linkage in ("total", "forward"):
            A1[S, :] = 0.0
        if linkage in ("total", "backward"):
            A1[:, S] = 0.0
        M = np.eye(A.shape[0]) - A1
        out[:, j] = np.linalg.solve(M.T if trans == "T" else M, rhs[:, j])
    return out


def _city_removals(table, k):
    """Column j removes city j % n_cities (and city 0 too in the last column)."""
    R, N = table.n_cities, table.n_sectors
    removed = np.zeros((R, N, k), dtype=bool)
    removed[np.arange(k) % R, :, np.arange(k)] = True
    removed[0, :, k - 1] = True
    return removed.reshape(R * N, k)


def _node_removals(table, k, seed):
    rng = np.random.default_rng(seed)
    removed = rng.random((table.n_nodes, k)) < 0.2
    removed[:, 0] = False  # nothing removed: the whole system
    return removed


def _rel(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@pytest.mark.parametrize("trans", ["N", "T"])
@pytest.mark.parametrize("kind", list(_tables()))
def test_restricted_methods_equal_brute_force(kind, trans):
    table = _tables()[kind]
    rng = np.random.default_rng(5)
    rhs = rng.random((table.n_nodes, 7)) * 10
    solver = factorize(table)
    tol = 1e-12 if table.structured else 1e-13
    for removed in (_city_removals(table, 7), _node_removals(table, 7, 6)):
        ref = _brute_restricted(table, rhs, removed, trans)
        for method in ("auto", "woodbury", "direct"):
            got = solve_restricted(solver, rhs, removed, trans=trans, method=method)
            assert not got[removed].any()
            assert _rel(got, ref) < (1e-8 if table.structured else tol), method
    if table.structured:  # the masked iteration: whole cities, block solver
        removed = _city_removals(table, 7)
        ref = _brute_restricted(table, rhs, removed, trans)
        for iteration in ("polynomial", "gmres", "jacobi", "neumann"):
            s = factorize(table, iteration=iteration, tol=1e-12)
            got = solve_restricted(s, rhs, removed, trans=trans, method="masked")
            assert _rel(got, ref) < 1e-10, iteration


def test_one_removal_set_for_every_column_and_flat_rhs():
    table = random_structured_table(4, 3, seed=35)
    solver = factorize(table)
    removed = np.zeros(table.n_nodes, dtype=bool)
    removed[3:6] = True  # city 1
    rhs = np.arange(table.n_nodes, dtype=float)
    got = solve_restricted(solver, rhs, removed)
    ref = _brute_restricted(table, rhs[:, None], removed[:, None], "N")[:, 0]
    assert got.shape == rhs.shape and _rel(got, ref) < 1e-9


@pytest.mark.parametrize("linkage", ["total", "backward", "forward"])
@pytest.mark.parametrize("trans", ["N", "T"])
@pytest.mark.parametrize("kind", ["general-dense", "structured"])
def test_extraction_equals_brute_force_removal(kind, trans, linkage):
    table = _tables()[kind]
    rhs = np.random.default_rng(8).random((table.n_nodes, 6)) * 10
    solver = factorize(table)
    for removed in (_city_removals(table, 6), _node_removals(table, 6, 9)):
        got = solve_extracted(solver, rhs, removed, linkage=linkage, trans=trans)
        ref = _brute_extracted(table, rhs, removed, linkage, trans)
        assert _rel(got, ref) < (1e-8 if table.structured else 1e-12)


def test_errors_are_named():
    table = random_structured_table(4, 3, seed=36)
    solver = factorize(table)
    rhs = np.ones((table.n_nodes, 2))
    partial = np.zeros((table.n_nodes, 2), dtype=bool)
    partial[0, 0] = True  # one sector of a city: not a whole city
    with pytest.raises(ValueError, match="whole cities"):
        solve_restricted(solver, rhs, partial, method="masked")
    with pytest.raises(ValueError, match="method must be one of"):
        solve_restricted(solver, rhs, partial, method="lu")
    with pytest.raises(TypeError, match="boolean"):
        solve_restricted(solver, rhs, np.zeros(table.n_nodes))
    with pytest.raises(ValueError, match="shape"):
        solve_restricted(solver, rhs, np.zeros((3, 2), dtype=bool))
    with pytest.raises(ValueError, match="linkage must be one of"):
        solve_extracted(solver, rhs, partial, linkage="sideways")
    general = factorize(random_table(3, 2, seed=37))
    with pytest.raises(ValueError, match="whole cities"):
        solve_restricted(general, np.ones(6), np.zeros(6, dtype=bool), method="masked")
