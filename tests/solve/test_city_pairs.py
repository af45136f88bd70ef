"""Share products by city pair (compiled kernel and its scipy fallback) against dense numpy."""

import numpy as np
import pytest
import scipy.sparse as sp

from mrio_city.solve import city_pairs
from mrio_city.solve.city_pairs import CityPairShares
from mrio_city.solve.operator import StructuredOperator


def _shares(R, N, partners, seed, *, same_pattern=True):
    """Column-stochastic sparse shares: each user city buys from `partners` others + itself."""
    rng = np.random.default_rng(seed)
    out = []
    base = [rng.choice(np.delete(np.arange(R), d), partners, replace=False) for d in range(R)]
    for _ in range(N):
        T = np.zeros((R, R))
        for d in range(R):
            sup = base[d] if same_pattern else rng.choice(np.delete(np.arange(R), d), partners)
            T[sup, d] = rng.random(partners)
            T[d, d] = rng.uniform(1, 3)
        out.append(sp.csr_matrix(T / T.sum(axis=0)))
    return out


def _dense_offdiagonal(shares, W, trans):
    R, N, k = W.shape
    out = np.zeros((R, N, k))
    for i, m in enumerate(shares):
        T = m.toarray()
        np.fill_diagonal(T, 0.0)
        out[:, i, :] = (T.T if trans else T) @ W[:, i, :]
    return out.reshape(R * N, k)


@pytest.fixture(params=["kernel", "scipy"])
def kernel_choice(request, monkeypatch):
    if request.param == "kernel":
        if not city_pairs.have_numba():
            pytest.skip("numba (the 'fast' extra) is not installed")
    else:
        monkeypatch.setattr(city_pairs, "_kernel", lambda: None)
    return request.param


@pytest.mark.parametrize("trans", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pair_product_matches_dense(kernel_choice, trans, dtype):
    R, N, k = 23, 5, 7
    shares = _shares(R, N, 4, seed=3)
    pairs = CityPairShares(shares)
    assert pairs.padding == 1.0 and pairs.n_pairs == R * 4
    if dtype == np.float32:
        pairs = pairs.astype(np.float32)
    W = np.random.default_rng(0).normal(size=(R, N, k))
    got = pairs.apply(W.astype(dtype), trans=trans)
    assert got.dtype == dtype and got.shape == (R * N, k)
    ref = _dense_offdiagonal(shares, W, trans)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    assert np.abs(got - ref).max() <= tol * np.abs(ref).max()


def test_different_sector_patterns_keep_the_node_matrix():
    shares = _shares(30, 6, 3, seed=1, same_pattern=False)
    pairs = CityPairShares(shares)
    assert pairs.padding > city_pairs.MAX_PADDING  # the union would add many zeros
    op = StructuredOperator(shares, np.full((30, 6, 6), 0.05))
    assert isinstance(op._offdiagonal_shares, sp.csr_matrix)
    assert isinstance(op.single._offdiagonal_shares, sp.csr_matrix)


@pytest.mark.parametrize("trans", [False, True])
def test_operator_products_match_dense(kernel_choice, trans):
    R, N = 17, 4
    shares = _shares(R, N, 3, seed=5)
    B = np.random.default_rng(2).uniform(0, 0.2, (R, N, N))
    op = StructuredOperator(shares, B)
    assert isinstance(op._offdiagonal_shares, CityPairShares)
    # dense A = P B and its within-city part D B
    P = np.zeros((R * N, R * N))
    for i, m in enumerate(shares):
        P[i::N, i::N] = m.toarray()
    Bd = np.zeros_like(P)
    for c in range(R):
        Bd[c * N : (c + 1) * N, c * N : (c + 1) * N] = B[c]
    A = P @ Bd
    local = np.zeros_like(A)
    for c in range(R):
        s = slice(c * N, (c + 1) * N)
        local[s, s] = A[s, s]
    A_off, Minv = A - local, np.linalg.inv(np.eye(R * N) - local)
    V = np.random.default_rng(4).normal(size=(R * N, 3))
    if trans:
        ref_off, ref_pre = A_off.T @ V, A_off.T @ (Minv.T @ V)
    else:
        ref_off, ref_pre = A_off @ V, A_off @ (Minv @ V)
    assert np.allclose(op.apply_offdiagonal(V, trans=trans), ref_off, rtol=0, atol=1e-13)
    got = op.apply_offdiagonal_preconditioned(V, trans=trans)
    assert np.allclose(got, ref_pre, rtol=0, atol=1e-12)
    single = op.single.apply_offdiagonal_preconditioned(V.astype(np.float32), trans=trans)
    assert single.dtype == np.float32
    assert np.abs(single - ref_pre).max() <= 1e-5 * np.abs(ref_pre).max()


def _operator(R=17, N=4, seed=5):
    shares = _shares(R, N, 3, seed=seed)
    B = np.random.default_rng(2).uniform(0, 0.2, (R, N, N))
    return StructuredOperator(shares, B)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_step_matches_its_unfused_products(dtype):
    if not city_pairs.have_numba():
        pytest.skip("numba (the 'fast' extra) is not installed")
    op = _operator()
    op = op.single if dtype == np.float32 else op
    assert op.can_step
    rng = np.random.default_rng(7)
    n, k = op.n_nodes, 5
    x, u, t = (rng.normal(size=(n, k)).astype(dtype) for _ in range(3))
    Kx = x - op.apply_offdiagonal_preconditioned(x)  # K x, unfused
    u_ref, t_ref = u + 0.3 * x - 0.7 * Kx, t - 1.5 * Kx
    store = np.empty_like(x)
    norms = op.step_preconditioned(x, (u, 0.3, -0.7), t, -1.5, store=store, norms=True)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    for got, ref in ((store, Kx), (u, u_ref), (t, t_ref)):
        assert got.dtype == dtype
        assert np.abs(got - ref).max() <= tol * np.abs(ref).max()
    assert np.allclose(norms, np.linalg.norm(t_ref.astype(np.float64), axis=0), rtol=tol)
    # the target may be x itself (r <- r - K r / theta), and nothing else needs to be asked
    before = x.copy()
    assert op.step_preconditioned(x, None, x, -0.5) is None
    assert np.abs(x - (before - 0.5 * Kx)).max() <= tol * np.abs(before).max()


def test_fused_step_needs_the_compiled_kernel(monkeypatch):
    monkeypatch.setattr(city_pairs, "_kernel", lambda: None)
    op = _operator()
    assert not op.can_step and not op.single.can_step
    with pytest.raises(RuntimeError, match="numba"):
        x = np.ones((op.n_nodes, 2))
        op.step_preconditioned(x, None, x, 1.0)


def test_mixed_iteration_fused_and_unfused_agree(monkeypatch):
    """The county path (fused float32 steps) against the same solve with separate products."""
    if not city_pairs.have_numba():
        pytest.skip("numba (the 'fast' extra) is not installed")
    from mrio_city.solve.block import operator_roots
    from mrio_city.solve.iterative import mixed_polynomial_iteration

    op = _operator(R=40, N=5, seed=11)
    roots = operator_roots(op)
    rhs = np.random.default_rng(3).uniform(0, 1, (op.n_nodes, 6))
    common = dict(roots=roots, tol=1e-10, maxiter=200)
    args = (
        rhs,
        op.apply_local_inverse,
        op.apply_offdiagonal_preconditioned,
        op.single.apply_offdiagonal_preconditioned,
    )
    x_plain, _, rel_plain = mixed_polynomial_iteration(*args, **common)
    x_fused, _, rel_fused = mixed_polynomial_iteration(  # 6 columns padded to 16 in float32
        *args, step_single=op.single.step_preconditioned, **common
    )
    x_both, _, rel_both = mixed_polynomial_iteration(  # and fused float64 residuals
        *args,
        step_single=op.single.step_preconditioned,
        step_double=op.step_preconditioned,
        **common,
    )
    assert max(rel_plain, rel_fused, rel_both) <= 1e-10
    assert x_fused.shape == x_both.shape == rhs.shape
    # and all against the residual computed independently, in float64
    for x in (x_plain, x_fused, x_both):
        res = rhs - (x - op.apply(x))
        assert (np.linalg.norm(res, axis=0) / np.linalg.norm(rhs, axis=0)).max() <= 1e-10
    for x in (x_fused, x_both):
        assert np.abs(x - x_plain).max() <= 1e-9 * np.abs(x_plain).max()


def test_sparse_table_block_solves_use_the_fused_step_and_match_lapack(monkeypatch):
    """Forward block solves of a county-like table (sparse trade) run fused, exactly."""
    if not city_pairs.have_numba():
        pytest.skip("numba (the 'fast' extra) is not installed")
    from mrio_city import factorize
    from mrio_city.sources.synthetic import city_mrio

    table = city_mrio(n_cities=60, n_sectors=6, seed=4, n_partners=5)
    solver = factorize(table, method="block", workers=2, chunk=8)
    assert solver.operator.single.can_step
    calls = []
    step = city_pairs.CityPairShares.step
    monkeypatch.setattr(
        city_pairs.CityPairShares, "step", lambda *a, **k: calls.append(1) or step(*a, **k)
    )
    rhs = table.final_demand_by_city()
    got = solver.solve(rhs)
    assert calls  # the fused path ran
    ref = factorize(table, method="dense").solve(rhs)
    assert np.abs(got - ref).max() <= 1e-9 * np.abs(ref).max()
