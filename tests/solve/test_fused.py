"""The fused mixed-precision iteration (dense shares, threads sharing each product).

Checked against dense numpy solves, the general iteration's path, its GMRES fallback, and the
inputs it must leave alone or may overwrite.
"""

import numpy as np
import pytest

from mrio_city import factorize
from mrio_city.solve.block import FUSED_MIN_COLUMNS
from mrio_city.solve.fused import fused_mixed_polynomial_iteration
from mrio_city.solve.operator import StructuredOperator
from mrio_city.testing import random_structured_table, random_table


def _dense_solve(table, rhs):
    M = np.eye(table.n_nodes) - table.technical_coefficients("dense")
    return np.linalg.solve(M, rhs)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_fused_solve_matches_numpy(workers):
    table = random_structured_table(9, 5, seed=21, local_share=0.5)
    rhs = np.random.default_rng(2).random((table.n_nodes, 2 * FUSED_MIN_COLUMNS + 3))
    rhs[:, 4] = 0.0  # a zero column stays zero
    rhs[:, 5] *= 1e-12  # and tiny or large ones are solved to the same relative residual
    rhs[:, 6] *= 1e12
    solver = factorize(table, workers=workers, chunk=FUSED_MIN_COLUMNS + 1)
    assert solver._fused
    x = solver.solve(rhs)
    ref = _dense_solve(table, rhs)
    assert np.all(x[:, 4] == 0.0)
    np.testing.assert_allclose(x, ref, rtol=1e-9, atol=0)
    M = np.eye(table.n_nodes) - table.technical_coefficients("dense")
    residual = np.linalg.norm(rhs - M @ x, axis=0)
    assert np.all(residual <= 2e-10 * np.linalg.norm(rhs, axis=0))
    # three parts of at most chunk columns, each one fused iteration
    assert len(solver.iterations) == 3 and min(solver.iterations) >= 2


def test_fused_and_general_paths_agree():
    table = random_structured_table(12, 4, seed=8)
    rhs = np.random.default_rng(1).random((table.n_nodes, FUSED_MIN_COLUMNS))
    fused = factorize(table, tol=1e-12).solve(rhs)
    general = factorize(table, tol=1e-12).solve(rhs[:, : FUSED_MIN_COLUMNS - 1])
    np.testing.assert_allclose(fused[:, :-1], general, rtol=1e-10)
    double = factorize(table, tol=1e-12, precision="double").solve(rhs)
    np.testing.assert_allclose(fused, double, rtol=1e-10)


def test_fused_overwrites_only_when_allowed():
    table = random_structured_table(6, 4, seed=3)
    rhs = np.random.default_rng(4).random((table.n_nodes, FUSED_MIN_COLUMNS))
    ref = _dense_solve(table, rhs)
    solver = factorize(table)
    kept = rhs.copy()
    np.testing.assert_allclose(solver.solve(kept), ref, rtol=1e-9)
    assert np.array_equal(kept, rhs)
    fortran = np.asfortranarray(rhs)  # not C-contiguous: solved, never overwritten
    np.testing.assert_allclose(solver.solve(fortran, overwrite_rhs=True), ref, rtol=1e-9)
    assert np.array_equal(fortran, rhs)
    work = rhs.copy()
    out = solver.solve(work, overwrite_rhs=True)
    assert out is work
    np.testing.assert_allclose(out, ref, rtol=1e-9)


def test_fused_hands_over_to_gmres_when_the_roots_do_not_contract():
    table = random_structured_table(7, 4, seed=5, local_share=0.4)
    op = StructuredOperator.from_table(table)
    rhs = np.random.default_rng(6).random((table.n_nodes, 20))
    kernels = {
        "minv": lambda v: op.apply_local_inverse(v),
        "off_minv": lambda v: op.apply_offdiagonal_preconditioned(v),
    }
    out = np.empty_like(rhs)
    applications, rel = fused_mixed_polynomial_iteration(
        op, rhs, out, roots=np.array([0.05]), tol=1e-11, maxiter=300, kernels=kernels, workers=2
    )
    assert rel <= 1e-11 and applications > 2
    np.testing.assert_allclose(out, _dense_solve(table, rhs), rtol=1e-9)


def test_single_twin_keeps_offdiagonal_shares_only():
    table = random_structured_table(6, 5, seed=9)
    op = StructuredOperator.from_table(table)
    V = np.random.default_rng(0).random((table.n_nodes, 3))
    single = op.single.apply_offdiagonal_preconditioned(V.astype(np.float32))
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, op.apply_offdiagonal_preconditioned(V), rtol=1e-5)
    back = op.single.apply_offdiagonal_preconditioned(V.astype(np.float32), trans=True)
    np.testing.assert_allclose(back, op.apply_offdiagonal_preconditioned(V, trans=True), rtol=1e-5)
    with pytest.raises(NotImplementedError, match="A_off M\\^-1 and M\\^-1 only"):
        op.single.apply(V.astype(np.float32))


@pytest.mark.parametrize("structured", [True, False])
def test_final_demand_by_city_into_a_given_array(structured):
    table = random_structured_table(5, 3, seed=2) if structured else random_table(5, 3, seed=2)
    sel = slice(1, 4)
    want = table.final_demand_by_city(sel)
    big = np.full((table.n_nodes, 5), np.nan)
    got = table.final_demand_by_city(sel, out=big[:, :3])
    assert np.shares_memory(got, big)
    np.testing.assert_array_equal(big[:, :3], want)
    assert np.isnan(big[:, 3:]).all()


def test_fused_segment_ends_with_one_real_step_within_reach(monkeypatch):
    """As in the general iteration: a pair near a segment's goal becomes one real step."""
    import mrio_city.solve.fused as fused

    table = random_structured_table(8, 5, seed=1, local_share=0.5)
    rhs = np.random.default_rng(1).random((table.n_nodes, FUSED_MIN_COLUMNS))
    ref = _dense_solve(table, rhs)
    finishing = factorize(table)
    x = finishing.solve(rhs)
    monkeypatch.setattr(fused, "_finishing_root", lambda steps: None)
    cycling = factorize(table)
    y = cycling.solve(rhs)
    assert finishing.iterations[0] < cycling.iterations[0]
    for answer in (x, y):
        np.testing.assert_allclose(answer, ref, rtol=1e-9)
