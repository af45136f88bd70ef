"""The iteration kernels: harmonic Ritz roots and the fixed-polynomial iteration."""

import numpy as np
import pytest

from mrio_city import ConvergenceError, factorize
from mrio_city.solve.iterative import mixed_polynomial_iteration, polynomial_iteration
from mrio_city.solve.krylov import gmres_lockstep, harmonic_ritz_roots
from mrio_city.testing import random_structured_table


def _operator(matrix):
    """(apply_minv, apply_off_minv) for K = I - G with M = I: K = matrix."""
    G = np.eye(matrix.shape[0]) - matrix
    return (lambda v: v.copy()), (lambda v: G @ v)


# a real 4 x 4 matrix with eigenvalues 0.7, 1.2 and the pair 0.9 +- 0.3i
_EIGS = np.array([0.7, 1.2, 0.9 + 0.3j, 0.9 - 0.3j])
_ROT = np.array([[0.9, 0.3], [-0.3, 0.9]])
_BASIS = np.random.default_rng(3).normal(size=(4, 4))
K4 = (
    _BASIS
    @ np.block([[np.diag([0.7, 1.2]), np.zeros((2, 2))], [np.zeros((2, 2)), _ROT]])
    @ (np.linalg.inv(_BASIS))
)


def test_harmonic_ritz_roots_are_the_eigenvalues_of_a_closed_krylov_space():
    roots = harmonic_ritz_roots(lambda v: K4 @ v, np.ones(4), degree=10)
    assert roots.size == 4
    np.testing.assert_allclose(np.sort_complex(roots), np.sort_complex(_EIGS), atol=1e-10)
    # Leja order: largest modulus first; the conjugate pair stays adjacent
    assert abs(roots[0]) == pytest.approx(1.2)
    i = int(np.flatnonzero(np.abs(roots.imag) > 0)[0])
    assert roots[i + 1] == pytest.approx(np.conj(roots[i]))


def test_harmonic_ritz_roots_of_a_diagonal_operator_in_leja_order():
    d = np.array([0.5, 1.0, 0.75, 1.5, 0.6])
    roots = harmonic_ritz_roots(lambda v: d[:, None] * v, np.ones(5), degree=5)
    np.testing.assert_allclose(roots.imag, 0.0, atol=1e-12)
    # 1.5 (largest), then the farthest from it (0.5), then the farthest from both (1.0)
    np.testing.assert_allclose(roots.real[:3], [1.5, 0.5, 1.0], atol=1e-10)
    np.testing.assert_allclose(np.sort(roots.real), np.sort(d), atol=1e-10)


def test_one_cycle_with_every_eigenvalue_solves_exactly():
    # p(K) = prod (I - K / lambda_j) = 0 (Cayley-Hamilton): one cycle is exact, complex pair
    # included; the count is the 4 steps plus the confirming true residual
    apply_minv, apply_off_minv = _operator(K4)
    rhs = np.random.default_rng(0).normal(size=(4, 3))
    x, applications, rel = polynomial_iteration(
        rhs, apply_minv, apply_off_minv, roots=_EIGS, tol=1e-12, maxiter=50
    )
    assert applications == 5
    assert rel <= 1e-12
    np.testing.assert_allclose(x, np.linalg.solve(K4, rhs), rtol=1e-11, atol=1e-12)


def test_roots_that_do_not_contract_hand_over_to_gmres():
    apply_minv, apply_off_minv = _operator(K4)
    rhs = np.random.default_rng(1).normal(size=(4, 2))
    # a root at 0.05 multiplies every component by |1 - lambda / 0.05| >= 13
    x, applications, rel = polynomial_iteration(
        rhs, apply_minv, apply_off_minv, roots=np.array([0.05]), tol=1e-12, maxiter=50
    )
    assert rel <= 1e-12
    np.testing.assert_allclose(x, np.linalg.solve(K4, rhs), rtol=1e-10)
    assert applications > 1  # the failed step counts


def test_maxiter_is_a_named_error():
    apply_minv, apply_off_minv = _operator(K4)
    with pytest.raises(ConvergenceError, match="polynomial iteration for toy did not converge"):
        polynomial_iteration(
            np.ones((4, 1)),
            apply_minv,
            apply_off_minv,
            roots=_EIGS[1:],  # one cycle (3 applications) leaves the 0.7 component
            tol=1e-14,
            maxiter=2,
            what="toy",
        )


def test_gmres_restarts_from_an_initial_iterate():
    apply_minv, apply_off_minv = _operator(K4)
    rhs = np.random.default_rng(2).normal(size=(4, 2))
    exact = np.linalg.solve(K4, rhs)
    x, it, rel = gmres_lockstep(
        rhs, apply_minv, None, tol=1e-12, maxiter=20, apply_off_minv=apply_off_minv, initial=exact
    )
    assert it == 0 and rel <= 1e-12
    np.testing.assert_allclose(x, exact)


def test_roots_from_one_vector_serve_every_right_hand_side():
    # the point of the method: a polynomial built once reduces all columns about as fast as
    # GMRES does column by column
    table = random_structured_table(30, 6, seed=4, local_share=0.5)
    rhs = np.random.default_rng(5).random((table.n_nodes, 30))
    poly = factorize(table, iteration="polynomial", workers=1)
    gmres = factorize(table, iteration="gmres", workers=1)
    x_poly, x_gmres = poly.solve(rhs), gmres.solve(rhs)
    np.testing.assert_allclose(x_poly, x_gmres, rtol=1e-8)
    assert poly.iterations[0] <= 1.5 * gmres.iterations[0] + 2


def _single(matrix):
    G32 = (np.eye(matrix.shape[0]) - matrix).astype(np.float32)
    return lambda v: G32 @ v


@pytest.mark.parametrize("roots", [_EIGS, np.array([0.05])])
def test_mixed_precision_meets_the_double_tolerance(roots):
    # float32 products, float64 residual test; bad roots hand over to float64 GMRES
    apply_minv, apply_off_minv = _operator(K4)
    rhs = np.random.default_rng(4).normal(size=(4, 3)) * np.array([1e-20, 1.0, 1e20])
    x, applications, rel = mixed_polynomial_iteration(
        rhs, apply_minv, apply_off_minv, _single(K4), roots=roots, tol=1e-12, maxiter=60
    )
    assert rel <= 1e-12 and applications >= 2
    exact = np.linalg.solve(K4, rhs)
    np.testing.assert_allclose(x, exact, rtol=1e-10)
    assert x.dtype == np.float64


def test_mixed_and_double_precision_agree_on_a_structured_table():
    table = random_structured_table(8, 5, seed=41)
    rhs = np.random.default_rng(5).random((table.n_nodes, 6))
    for trans in ("N", "T"):
        double = factorize(table, precision="double", tol=1e-12).solve(rhs, trans=trans)
        mixed = factorize(table, precision="mixed", tol=1e-12).solve(rhs, trans=trans)
        np.testing.assert_allclose(mixed, double, rtol=1e-10)
    with pytest.raises(ValueError, match="precision must be 'mixed' or 'double', got 'half'"):
        factorize(table, precision="half")


def test_finishing_root_is_the_real_root_with_the_smallest_worst_factor():
    from mrio_city.solve.iterative import _finishing_root, _root_steps

    roots = np.array([1.25, 0.5, 0.9 + 0.2j, 0.9 - 0.2j, 0.8])
    theta, factor = _finishing_root(_root_steps(roots))
    brute = {t: max(abs(1 - z / t) for z in roots) for t in (1.25, 0.5, 0.8)}
    assert theta == min(brute, key=brute.get) == 0.8
    assert factor == pytest.approx(brute[0.8], rel=1e-12)
    # no real root, or none that contracts on every root: no finishing step
    assert _finishing_root(_root_steps(np.array([0.9 + 0.2j, 0.9 - 0.2j]))) is None
    assert _finishing_root(_root_steps(np.array([-1.0, 1.0]))) is None


def test_finishing_step_saves_applications_and_keeps_the_tolerance(monkeypatch):
    """A segment within reach of its goal ends with one real step instead of a pair."""
    import mrio_city.solve.iterative as iterative

    # eigenvalues spread on [0.5, 1.3] with complex pairs among the roots
    rng = np.random.default_rng(5)  # a seed where the cycle reaches a pair near the goal
    n = 60
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    K = Q @ np.diag(np.linspace(0.5, 1.3, n)) @ Q.T + 0.02 * rng.normal(size=(n, n))
    apply_minv, apply_off_minv = _operator(K)
    roots = harmonic_ritz_roots(lambda v: K @ v, rng.normal(size=n), 12)
    assert iterative._finishing_root(iterative._root_steps(roots)) is not None
    rhs = rng.normal(size=(n, 4))
    common = dict(roots=roots, tol=1e-10, maxiter=200)
    x, used, rel = mixed_polynomial_iteration(rhs, apply_minv, apply_off_minv, _single(K), **common)
    monkeypatch.setattr(iterative, "_finishing_root", lambda steps: None)
    x0, used0, rel0 = mixed_polynomial_iteration(
        rhs, apply_minv, apply_off_minv, _single(K), **common
    )
    assert rel <= 1e-10 and rel0 <= 1e-10 and used == used0 - 1  # 23 against 24
    exact = np.linalg.solve(K, rhs)
    for got in (x, x0):
        np.testing.assert_allclose(got, exact, rtol=1e-8, atol=1e-9 * np.abs(exact).max())
