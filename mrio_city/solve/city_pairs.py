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

The float32 steps of the polynomial iteration also run fused here (:meth:`CityPairShares.step`):
while a city's block of ``A_off M^-1 x`` is in cache, the kernel forms ``K x = x - A_off M^-1 x``
there, applies the step's vector updates and sums the new residual's column norms, so that a
step makes one pass over its arrays instead of five (a product, a subtraction, two axpys and a
norm pass): 15-20 % less CPU per county solve (issue 13).

Pairs are the union of the sectors' patterns (a sector without trade between c and d stores
a zero), so this layout is chosen only when that union adds little
(:data:`MAX_PADDING`); otherwise the operator keeps the node-order CSR.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from mrio_city.model.shares import share_matrix

__all__ = ["CityPairShares", "have_numba", "MAX_PADDING"]

#: Use city pairs when (pairs x sectors) is at most this multiple of the stored shares.
MAX_PADDING = 1.25

_KERNELS: dict[str, object] = {}
_KERNELS_LOCK = threading.Lock()
_GATHER = None


def have_numba() -> bool:
    """Whether numba (the ``fast`` extra) is importable."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _compile(fn):
    import numba

    try:  # compiled once per dtype, cached on disk where numba finds a writable place
        return numba.njit(nogil=True, cache=True)(fn)
    except RuntimeError:  # no cache location (read-only install and home): compile anew
        return numba.njit(nogil=True)(fn)


def _kernels() -> dict[str, object]:
    """The compiled pair kernels (numba), made on first use; empty without numba."""
    global _GATHER
    with _KERNELS_LOCK:  # worker threads may ask first, together
        if not _KERNELS and have_numba():
            _GATHER = _compile(_gather)  # the two kernels below call it (a compiled global)
            _KERNELS["step"] = _compile(_pair_step)
            _KERNELS["product"] = _compile(_pair_product)
    return _KERNELS


def _kernel():
    """The compiled pair product (numba), made on first use; None without numba."""
    return _kernels().get("product")


def _step_kernel():
    """The compiled fused step (:meth:`CityPairShares.step`); None without numba."""
    return _kernels().get("step")


def _gather(c, indptr, indices, rows, values, W, acc):  # pragma: no cover - compiled
    """``acc = sum_{pairs (c, d)} diag(v_cd) W[d]``, two partners per pass over ``acc``."""
    N, k = acc.shape
    acc[:, :] = 0.0
    p, end = indptr[c], indptr[c + 1]
    while p + 1 < end:
        va, vb = values[rows[p]], values[rows[p + 1]]
        wa, wb = W[indices[p]], W[indices[p + 1]]
        for i in range(N):
            a, b = va[i], vb[i]
            for j in range(k):
                acc[i, j] += a * wa[i, j] + b * wb[i, j]
        p += 2
    if p < end:
        va, wa = values[rows[p]], W[indices[p]]
        for i in range(N):
            a = va[i]
            for j in range(k):
                acc[i, j] += a * wa[i, j]


def _pair_product(indptr, indices, rows, values, W, out):  # pragma: no cover - compiled
    R, N, k = out.shape
    acc = np.empty((N, k), dtype=out.dtype)
    for c in range(R):
        _GATHER(c, indptr, indices, rows, values, W, acc)
        out[c] = acc
    return out


def _pair_step(indptr, indices, rows, values, W, x, kx, t1, a1, b1, t2, b2, flags, norms):
    """The compiled body of :meth:`CityPairShares.step` (flags: store, update t1, norms)."""
    R, N, k = x.shape
    store, update_t1, want_norms = flags[0], flags[1], flags[2]
    y = np.empty((N, k), dtype=x.dtype)
    norms[:] = 0.0
    for c in range(R):
        _GATHER(c, indptr, indices, rows, values, W, y)
        xc = x[c]
        for i in range(N):
            for j in range(k):
                y[i, j] = xc[i, j] - y[i, j]  # (K x)_c = x_c - (A_off M^-1 x)_c
        if store:
            kx[c] = y
        if update_t1:
            t = t1[c]
            for i in range(N):
                for j in range(k):
                    t[i, j] += a1 * xc[i, j] + b1 * y[i, j]
        t = t2[c]  # may be x itself: x_c is not read after this
        for i in range(N):
            for j in range(k):
                t[i, j] += b2 * y[i, j]
        if want_norms:
            for i in range(N):
                for j in range(k):
                    v = np.float64(t[i, j])
                    norms[j] += v * v
    return norms


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

    def step(
        self,
        W: np.ndarray,
        x: np.ndarray,
        update: tuple[np.ndarray, float, float] | None,
        target: np.ndarray,
        coefficient: float,
        *,
        store: np.ndarray | None = None,
        norms: bool = False,
    ) -> np.ndarray | None:
        """One fused step of a polynomial iteration on ``K = I - A_off M^-1``, in one pass.

        With ``W = B M^-1 x`` (the block product of ``x``) the shares give
        ``(K x)_c = x_c - sum_{d != c} t[c, d] W_d`` one city at a time, and while city c's
        block is in cache: ``store_c = (K x)_c``, ``u_c += a x_c + b (K x)_c`` for
        ``update = (u, a, b)``, ``target_c += coefficient (K x)_c`` (``target`` may be
        ``x``), and the column norms of the new ``target``.  Unfused this is a product, a
        subtraction, up to three axpy passes and a norm pass over n x k arrays.  Needs the
        compiled kernel (:meth:`can_step`).

        Parameters
        ----------
        W, x : ndarray of shape (R, n_sectors, k)
        update : (ndarray, float, float) or None
        target : ndarray of shape (R, n_sectors, k)
        coefficient : float
        store : ndarray of shape (R, n_sectors, k), optional
        norms : bool
            Return the Euclidean norm of every column of the updated ``target`` (float64).

        Returns
        -------
        ndarray of shape (k,) or None
        """
        kernel = _step_kernel() if _kernel() is not None else None
        if kernel is None:
            raise RuntimeError("the fused pair step needs numba (the 'fast' extra)")
        indptr, indices, rows = self._fwd
        dtype = x.dtype.type
        values = self.values if self.values.dtype == x.dtype else self.values.astype(x.dtype)
        u, a, b = update if update is not None else (x, 0.0, 0.0)
        flags = np.array([store is not None, update is not None, norms])
        col = np.zeros(x.shape[2])
        kernel(
            indptr, indices, rows, values, W, x, x if store is None else store,
            u, dtype(a), dtype(b), target, dtype(coefficient), flags, col,
        )  # fmt: skip
        return np.sqrt(col) if norms else None

    @staticmethod
    def can_step() -> bool:
        """Whether :meth:`step` is available (numba installed)."""
        return _kernel() is not None and _step_kernel() is not None
