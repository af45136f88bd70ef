"""Sparse trade shares applied city pair by city pair (county scale's share products).

With sparse trade (each county buys from a few dozen partners) the share product
``out[c, i] = sum_d t_i[c, d] W[d, i]`` is most of an operator application.  As a sparse
``(n, n)`` matrix in node order (scipy CSR times dense) every stored share reads one row of
``W``, index by index, in a scalar loop.  Here the off-diagonal shares are kept per trading
*city pair* ``(c, d)`` with one value per sector, ``v[p, i] = t_i[c, d]``: one index per
pair instead of one per pair and sector, and each pair reads ``W[d]`` (n_sectors x k numbers,
contiguous).  Where numba is installed (the ``fast`` extra), a compiled kernel does this
(about 1.5-2.5x faster than scipy at 2,800 x 42, measured in issue 13); without it the same
pairs run through scipy's CSR product, so results never depend on the extra.

Pairs are the union of the sectors' patterns (a sector without trade between c and d stores
a zero), so this layout is chosen only when that union adds little
(:data:`MAX_PADDING`); otherwise the operator keeps the node-order CSR.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from mrio_city.model.shares import share_matrix

__all__ = ["CityPairShares", "have_numba", "MAX_PADDING"]

#: Use city pairs when (pairs x sectors) is at most this multiple of the stored shares.
MAX_PADDING = 1.25

_KERNEL = None


def have_numba() -> bool:
    """Whether numba (the ``fast`` extra) is importable."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _kernel():
    """The compiled pair kernel (numba), made on first use; None without numba."""
    global _KERNEL
    if _KERNEL is None and have_numba():
        import numba

        def pair_product(indptr, indices, rows, values, W, out):  # pragma: no cover - compiled
            R, N, k = out.shape
            for c in range(R):
                acc = out[c]
                acc[:, :] = 0.0
                for p in range(indptr[c], indptr[c + 1]):
                    v = values[rows[p]]
                    w = W[indices[p]]
                    for i in range(N):
                        a = v[i]
                        for j in range(k):
                            acc[i, j] += a * w[i, j]
            return out

        try:  # compiled once per dtype, cached on disk where numba finds a writable place
            _KERNEL = numba.njit(nogil=True, cache=True)(pair_product)
        except RuntimeError:  # no cache location (read-only install and home): compile anew
            _KERNEL = numba.njit(nogil=True)(pair_product)
    return _KERNEL


class CityPairShares:
    """Off-diagonal sparse trade shares by city pair, both orientations, values stored once.

    Parameters
    ----------
    shares : sequence of sparse (R, R)
        ``t_i[c, d]`` per sector i (supplier c, user d) [1].
    """

    def __init__(self, shares: Sequence[sp.spmatrix], *, _copy_of=None, dtype=None):
        if _copy_of is not None:  # a copy in another precision
            self.n_cities, self.n_sectors = _copy_of.n_cities, _copy_of.n_sectors
            self.stored, self.n_pairs = _copy_of.stored, _copy_of.n_pairs
            self._fwd, self._rev = _copy_of._fwd, _copy_of._rev
            self.values = _copy_of.values.astype(dtype)
            self._node = None
            self._node_source = _copy_of._node_source
            self._node_dtype = dtype
            return
        R, N = shares[0].shape[0], len(shares)
        self.n_cities, self.n_sectors = R, N
        keys, vals, sectors = [], [], []
        for i, m in enumerate(shares):
            coo = m.tocoo()
            off = (coo.row != coo.col) & (coo.data != 0)
            keys.append(coo.row[off].astype(np.int64) * R + coo.col[off])
            vals.append(coo.data[off])
            sectors.append(np.full(int(off.sum()), i, dtype=np.int64))
        key = np.concatenate(keys) if keys else np.zeros(0, np.int64)
        pairs, where = np.unique(key, return_inverse=True)
        values = np.zeros((pairs.size, N))
        np.add.at(values, (where, np.concatenate(sectors)), np.concatenate(vals))
        self.stored = int(key.size)  # nonzero off-diagonal shares
        self.n_pairs = int(pairs.size)
        self.values = values  # (pairs, n_sectors), pairs by supplier then user
        self._fwd = self._csr(pairs // R, pairs % R, np.arange(pairs.size), R)
        order = np.lexsort((pairs // R, pairs % R))  # by user city, then supplier
        self._rev = self._csr(pairs[order] % R, pairs[order] // R, order, R)
        self._node = None
        self._node_source = shares
        self._node_dtype = np.float64

    @staticmethod
    def _csr(rows, cols, pair, R):
        """(indptr, other city, row of ``values``) of the pairs grouped by ``rows``."""
        indptr = np.zeros(R + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=R), out=indptr[1:])
        return indptr, cols.astype(np.int64), pair.astype(np.int64)

    @property
    def padding(self) -> float:
        """(pairs x sectors) / stored shares: the zeros the union pattern adds (>= 1)."""
        return self.n_pairs * self.n_sectors / max(self.stored, 1)

    def astype(self, dtype) -> CityPairShares:
        """The same shares with values in ``dtype`` (e.g. float32 for mixed precision)."""
        return CityPairShares((), _copy_of=self, dtype=dtype)

    def _node_matrix(self) -> sp.csr_matrix:
        """Fallback without numba: the node-order CSR (made on first use)."""
        if self._node is None:
            self._node = share_matrix(self._node_source, offdiagonal=True).astype(self._node_dtype)
        return self._node

    def apply(self, W: np.ndarray, trans: bool = False) -> np.ndarray:
        """``out[c, i] = sum_{d != c} t_i[c, d] W[d, i]`` (``t_i`` transposed with ``trans``).

        Parameters
        ----------
        W : ndarray of shape (R, n_sectors, k)

        Returns
        -------
        ndarray of shape (R * n_sectors, k), a new array of W's dtype
        """
        R, N, k = W.shape
        kernel = _kernel()
        if kernel is None:
            P = self._node_matrix()
            P = P.T if trans else P
            return np.asarray(P @ W.reshape(R * N, k))
        indptr, indices, rows = self._rev if trans else self._fwd
        values = self.values if self.values.dtype == W.dtype else self.values.astype(W.dtype)
        out = np.empty((R, N, k), dtype=W.dtype)
        kernel(indptr, indices, rows, values, np.ascontiguousarray(W), out)
        return out.reshape(R * N, k)
