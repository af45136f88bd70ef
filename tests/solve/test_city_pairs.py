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
