"""Products with trade shares ``t_i[c, d]`` (the ``P`` of ``A = P B``): data, not solving.

A structured table stores trade shares as a dense ``(n_sectors, n_cities, n_cities)`` array or
as ``n_sectors`` sparse ``(n_cities, n_cities)`` matrices.  These kernels apply them to node
vectors; the table uses them for its totals and its ``A V`` product, the solve layer's
structured operator (:mod:`mrio_city.solve.operator`) for every iteration.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["apply_shares", "diagonal_shares", "share_matrix"]


def diagonal_shares(shares: np.ndarray | Sequence[sp.spmatrix]) -> np.ndarray:
    """``t_i[d, d]``, the within-city supply shares, shape (n_cities, n_sectors) [1]."""
    if isinstance(shares, np.ndarray):
        return np.ascontiguousarray(np.diagonal(shares, axis1=1, axis2=2).T)
    return np.vstack([m.diagonal() for m in shares]).T.copy()


def share_matrix(shares: Sequence[sp.spmatrix], *, offdiagonal: bool = False) -> sp.csr_matrix:
    """Sparse (n, n) operator ``P[(c, i), (d, i)] = t_i[c, d]`` in node order.

    With ``offdiagonal`` the within-city entries ``t_i[c, c]`` are left out.
    """
    N = len(shares)
    rows, cols, vals = [], [], []
    R = shares[0].shape[0] if N else 0
    for i, m in enumerate(shares):
        coo = m.tocoo()
        keep = coo.row != coo.col if offdiagonal else slice(None)
        rows.append(coo.row[keep] * N + i)
        cols.append(coo.col[keep] * N + i)
        vals.append(coo.data[keep])
    if not N:
        return sp.csr_matrix((0, 0))
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(R * N, R * N)
    )


def apply_shares(
    shares: np.ndarray | sp.spmatrix,
    W: np.ndarray,
    *,
    trans: bool = False,
    local: np.ndarray | None = None,
    overwrite: bool = False,
) -> np.ndarray:
    """``out[c, i] = sum_d t_i[c, d] W[d, i]`` (``t_i`` transposed with ``trans``).

    Parameters
    ----------
    shares : ndarray (n_sectors, R, R) or sparse (n, n)
        Dense trade shares, or a :func:`share_matrix` of sparse ones (already without the
        within-city entries when ``local`` is meant to be subtracted).
    W : ndarray of shape (R, n_sectors, k)
    trans : bool, default=False
    local : ndarray (R, n_sectors), optional
        Dense shares only: subtract the within-city part ``t_i[c, c] W[c, i]`` (the diagonal
        shares), sector by sector while both slices are in cache.
    overwrite : bool, default=False
        Dense shares only: write the result into W (which the caller owns), sector by sector
        through one small (R, k) buffer, so no second (n, k) array is needed.

    Returns
    -------
    ndarray of shape (n, k)
    """
    R, N, k = W.shape
    if not isinstance(shares, np.ndarray):
        P = shares.T if trans else shares
        return np.asarray(P @ W.reshape(R * N, k))
    out = W if overwrite else np.empty((R, N, k), dtype=W.dtype)
    buf = np.empty((R, k), dtype=W.dtype)
    for i in range(N):
        m = shares[i].T if trans else shares[i]
        np.matmul(m, W[:, i, :], out=buf)
        if local is not None:
            buf -= local[:, i, None] * W[:, i, :]
        out[:, i, :] = buf
    return out.reshape(R * N, k)
