"""The mixed-precision polynomial iteration fused with the dense structured operator.

The same iteration as :func:`~mrio_city.solve.iterative.mixed_polynomial_iteration` (float32
steps through the fixed roots, float64 residual replacement, the same stopping rule and GMRES
fallback) for the common case of the accounts: a structured table with dense trade shares,
many right-hand sides, ``(I - A) X = rhs`` unrestricted.  Two things differ, both for speed
at a fixed memory:

* **Threads split the operator, not the columns.**  Every product ``A_off M^-1 V`` is one
  batched block product per city and one GEMM per sector; the worker threads take the cities
  (block products) and the sectors (share GEMMs) of each product, with all columns of the
  chunk.  Splitting the columns instead gives each thread's GEMMs half the columns: at 309 x 42
  a float32 product costs 244 us per column at 39 columns and 153 at 155 (single thread).
* **The vector updates are fused into the sector loop and done in place.**  Right after the
  GEMM of sector ``i``, while its ``(R, k)`` slice is in cache, the same slice of the
  residual and of the iterate is updated; the iterate ``U`` accumulates in float64 directly.
  The working set is ``U`` (float64) and two float32 arrays (residual ``r`` and the product
  ``T``) that together are the float64 workspace of the residual replacement: 16 bytes per node
  and column besides ``rhs`` (the general iteration: about 24, and a new array per product).
  The arrays are sector-major, so the slices the sector loop reads and writes are contiguous.

The answer is the general iteration's up to rounding: same roots, same steps (a segment
within reach of its goal ends with one real step, not a pair, as there), same tests on the
float64 residual ``rhs - K U`` recomputed in full at each replacement.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.linalg.blas import saxpy, sscal

from mrio_city.solve.iterative import (
    SINGLE_REDUCTION,
    _finish,
    _finishing_root,
    _root_steps,
    column_norms,
    next_mixed_step,
)

__all__ = ["fused_mixed_polynomial_iteration"]

#: Cities per batched block product of an in-place product (bounds the temporary).
CITY_BATCH = 8
#: Rows per block of the float64 -> float32 residual conversion (sequential, in place).
ROW_BLOCK = 1024


def _parts(n: int, workers: int) -> list[slice]:
    size = -(-n // workers)
    return [slice(a, min(a + size, n)) for a in range(0, n, size)]


class _Fused:
    """Working arrays and the phases of one fused solve (see the module docstring).

    The iteration's arrays are sector-major, shape (n_sectors, R, k): a sector's slice, which
    the GEMM and the fused updates read, is contiguous; the block products read and write
    the per-city (n_sectors, k) slices with a stride (BLAS takes them as they are).
    ``rhs`` and the answer stay in node order.
    """

    def __init__(self, operator, rhs: np.ndarray, workers: int, pool):
        self.R, self.N = operator.n_cities, operator.n_sectors
        n, k = rhs.shape
        self.k = k
        self.rhs = _blocks(rhs, self.R, self.N)
        single = operator.single
        self.G64, self.G32 = operator._technology_local_inverse, single._technology_local_inverse
        self.P64, self.loc64 = operator._shares, operator.local_shares
        self.P32_off = single._shares  # float32 P - D (the twin keeps no diagonal)
        self.U = np.zeros((self.N, self.R, k))
        # r and T, float32, share one buffer with the float64 workspace of the replacement
        self._work = np.empty(2 * n * k, dtype=np.float32)
        self.r = self._work[: n * k].reshape(self.N, self.R, k)
        self.T = self._work[n * k :].reshape(self.N, self.R, k)
        self.w64 = self._work.view(np.float64).reshape(self.N, self.R, k)
        self.pool = pool
        self.cities = _parts(self.R, workers)
        self.sectors = _parts(self.N, workers)
        self.col = np.ones(k)  # column scale of the current float32 segment
        self.norm2 = [np.zeros(k) for _ in self.sectors]  # per-thread sums of squares
        self._buffers = [_ThreadBuffers(self.R, k) for _ in self.sectors]

    # -- threading -------------------------------------------------------------------------
    def _run(self, fn, parts):
        if self.pool is None or len(parts) == 1:
            for t, part in enumerate(parts):
                fn(t, part)
            return
        err = np.geterr()  # numpy's error state is per thread: the workers take the caller's

        def task(t, part):
            with np.errstate(**err):
                fn(t, part)

        futures = [self.pool.submit(task, t, part) for t, part in enumerate(parts) if t]
        fn(0, parts[0])
        for f in futures:
            f.result()

    def _squared_norms(self) -> np.ndarray:
        return np.sum(self.norm2, axis=0)

    # -- block products (phase 1) ----------------------------------------------------------
    def _block_product(self, G, src, dst):
        """``dst[:, c] = G[c] @ src[:, c]`` for every city; ``dst`` may be ``src``."""

        def part(t, cities):
            if dst is not src:
                np.matmul(G[cities], _by_city(src, cities), out=_by_city(dst, cities))
                return
            for a in range(cities.start, cities.stop, CITY_BATCH):
                sl = slice(a, min(a + CITY_BATCH, cities.stop))
                _by_city(dst, sl)[...] = np.matmul(G[sl], _by_city(src, sl))

        self._run(part, self.cities)

    # -- float32 steps ---------------------------------------------------------------------
    def real_step(self, theta: float) -> None:
        """``U += r / theta``, ``r -= K r / theta`` (one product)."""
        self._block_product(self.G32, self.r, self.T)
        c_u = self.col / theta
        keep, add = 1.0 - 1.0 / theta, 1.0 / theta

        def part(t, sectors):
            b, acc = self._buffers[t], self.norm2[t]
            acc[:] = 0.0
            for i in range(sectors.start, sectors.stop):
                ri = self.r[i]
                Ai = self._share_product32(i, b)  # (A_off M^-1 r)_i
                np.multiply(ri, c_u, out=b.f64)
                self.U[i] += b.f64
                _scale_add(keep, ri, add, Ai)  # r - (r - A r) / theta
                acc += np.einsum("ck,ck->k", ri, ri)

        self._run(part, self.sectors)

    def pair_step(self, a: float, s: float) -> None:
        """A conjugate pair: ``U += (2a/s) r - Kr / s``, ``r += -(2a/s) Kr + K^2 r / s``."""
        self._block_product(self.G32, self.r, self.T)
        c_r, c_k, r_kr = 2.0 * a / s, -1.0 / s, 1.0 / s - 2.0 * a / s

        def first(t, sectors):
            b = self._buffers[t]
            for i in range(sectors.start, sectors.stop):
                ri = self.r[i]
                Kr = self._share_product32(i, b)
                np.subtract(ri, Kr, out=Kr)  # (K r)_i
                self.T[i] = Kr  # read by no other sector: K r replaces G r
                np.multiply(ri, np.float32(c_r), out=b.tmp32)
                _axpy32(c_k, Kr, b.tmp32)
                np.multiply(b.tmp32, self.col, out=b.f64)
                self.U[i] += b.f64
                _axpy32(r_kr, Kr, ri)  # r - (2a/s) Kr + Kr / s; the - A Kr / s follows

        self._run(first, self.sectors)
        self._block_product(self.G32, self.T, self.T)

        def second(t, sectors):
            b, acc = self._buffers[t], self.norm2[t]
            acc[:] = 0.0
            for i in range(sectors.start, sectors.stop):
                ri = self.r[i]
                _axpy32(-1.0 / s, self._share_product32(i, b), ri)
                acc += np.einsum("ck,ck->k", ri, ri)

        self._run(second, self.sectors)

    def _share_product32(self, i: int, b: _ThreadBuffers) -> np.ndarray:
        """``(P_i - D_i) T_i``: sector i of ``A_off M^-1 r`` (T holds ``G r``), in ``b.f32``."""
        return np.matmul(self.P32_off[i], self.T[i], out=b.f32)

    # -- float64 residual replacement ------------------------------------------------------
    def replace_residual(self) -> np.ndarray:
        """``r64 = rhs - K U`` in float64; ``r`` becomes it, unit columns, in float32.

        Returns the column norms of ``r64`` (float64).
        """
        w = self.w64  # the memory of r and T, both dead here
        self._block_product(self.G64, self.U, w)

        def part(t, sectors):
            b, acc = self._buffers[t], self.norm2[t]
            acc[:] = 0.0
            for i in range(sectors.start, sectors.stop):
                wi = w[i]
                np.matmul(self.P64[i], wi, out=b.f64)
                wi *= self.loc64[:, i, None]
                b.f64 -= wi  # (A_off M^-1 U)_i
                np.subtract(self.rhs[:, i, :], self.U[i], out=wi)
                wi += b.f64
                acc += np.einsum("ck,ck->k", wi, wi)

        self._run(part, self.sectors)
        norms = np.sqrt(self._squared_norms())
        col = np.where(norms > 0, norms, 1.0)
        inv = 1.0 / col
        # r (the first half of w's bytes) from w, in row order: a block's float32 rows lie
        # over float64 rows already read, so the conversion needs no second array
        flat64 = w.reshape(-1, self.k)
        flat32 = self.r.reshape(-1, self.k)
        for a in range(0, flat64.shape[0], ROW_BLOCK):
            block = flat64[a : a + ROW_BLOCK] * inv
            flat32[a : a + ROW_BLOCK] = block
        self.col = col
        return norms

    def start(self, norms: np.ndarray) -> None:
        """``r = rhs`` with unit columns (the residual of ``U = 0``)."""
        self.col = np.where(norms > 0, norms, 1.0)
        inv = 1.0 / self.col

        def part(t, sectors):
            for i in range(sectors.start, sectors.stop):
                np.multiply(self.rhs[:, i, :], inv, out=self.r[i], casting="same_kind")

        self._run(part, self.sectors)

    def answer(self, out: np.ndarray) -> None:
        """``out = M^-1 U = U + D (G U)`` (``out`` may be ``rhs``)."""
        ob = _blocks(out, self.R, self.N)

        def part(t, cities):
            for a in range(cities.start, cities.stop, CITY_BATCH):
                sl = slice(a, min(a + CITY_BATCH, cities.stop))
                Ub = _by_city(self.U, sl)
                GU = np.matmul(self.G64[sl], Ub)
                GU *= self.loc64[sl, :, None]
                GU += Ub
                ob[sl] = GU

        self._run(part, self.cities)

    def node_order_iterate(self) -> np.ndarray:
        """``U`` as an (n, k) array in node order (a copy)."""
        return np.ascontiguousarray(self.U.transpose(1, 0, 2)).reshape(-1, self.k)


class _ThreadBuffers:
    """One worker's (R, k) scratch arrays for the sector loop."""

    def __init__(self, R: int, k: int):
        self.f32 = np.empty((R, k), dtype=np.float32)
        self.tmp32 = np.empty((R, k), dtype=np.float32)
        self.f64 = np.empty((R, k))


def _by_city(a: np.ndarray, cities: slice) -> np.ndarray:
    """The (cities, n_sectors, k) view of a sector-major (n_sectors, R, k) array."""
    return a[:, cities, :].transpose(1, 0, 2)


def _axpy32(alpha: float, x: np.ndarray, y: np.ndarray) -> None:
    """``y += alpha * x`` for contiguous float32 arrays (one BLAS pass, no temporary)."""
    saxpy(x.reshape(-1), y.reshape(-1), a=alpha)


def _scale_add(beta: float, y: np.ndarray, alpha: float, x: np.ndarray) -> None:
    """``y = beta * y + alpha * x`` for contiguous float32 arrays, in place."""
    yv = y.reshape(-1)
    sscal(beta, yv)
    saxpy(x.reshape(-1), yv, a=alpha)


def _blocks(a: np.ndarray, R: int, N: int) -> np.ndarray:
    """The (R, N, k) view of an (n, k) array (no copy: raises if one would be needed)."""
    return a.reshape((R, N, a.shape[1]), copy=False)


def fused_mixed_polynomial_iteration(
    operator,
    rhs: np.ndarray,
    out: np.ndarray,
    *,
    roots: np.ndarray,
    tol: float,
    maxiter: int,
    kernels: dict,
    workers: int = 1,
    restart: int = 20,
    what: str = "(I - A) x = y",
) -> tuple[int, float]:
    """Solve ``(I - A) X = rhs`` into ``out`` for a dense-share structured operator.

    Parameters
    ----------
    operator : StructuredOperator
        With dense trade shares.
    rhs : ndarray of shape (n, k), float64
        Only read (it may be ``out``: it is read for the last time before ``out`` is written).
    out : ndarray of shape (n, k), float64
        Receives ``X``; a view whose (R, n_sectors, k) blocks are views too.
    roots, tol, maxiter, restart, what
        As for :func:`~mrio_city.solve.iterative.mixed_polynomial_iteration`.
    kernels : dict
        ``'minv'`` and ``'off_minv'`` float64 callables (the GMRES fallback's).
    workers : int, default=1
        Threads sharing every product (by cities and by sectors); BLAS should be
        single-threaded (the caller's ``threadpool_limits``).

    Returns
    -------
    (operator applications of either precision, achieved relative residual)
    """
    steps = _root_steps(roots)
    k = rhs.shape[1]
    norms = column_norms(rhs)
    scale = np.where(norms > 0, norms, 1.0)
    pool = ThreadPoolExecutor(max_workers=workers - 1) if workers > 1 else None
    try:
        f = _Fused(operator, rhs, workers, pool)
        f.start(norms)
        rel = float(np.max(norms / scale)) if k else 0.0
        total = step = 0
        last, cycle_start = rel, 1.0
        seg = estimate = 1.0
        finish = _finishing_root(steps)
        while rel > tol and total < maxiter and steps:
            kind, a, s, in_cycle = next_mixed_step(steps, step, finish, seg, estimate, tol)
            step += in_cycle
            with np.errstate(over="ignore", invalid="ignore"):  # diverging roots: caught below
                if kind == "pair":
                    f.pair_step(a, s)
                    total += 2
                else:
                    f.real_step(a)
                    total += 1
                seg_cols = np.sqrt(f._squared_norms())  # segment-relative
            seg = float(np.max(seg_cols))
            estimate = float(np.max(seg_cols * f.col / scale))
            stalled = not np.isfinite(seg)
            if in_cycle and step % len(steps) == 0:  # a whole cycle: it must at least halve
                stalled, cycle_start = stalled or seg > 0.5 * cycle_start, seg
            if seg > SINGLE_REDUCTION and estimate > 0.5 * tol and not stalled:
                continue
            true = f.replace_residual()  # U holds every correction already
            total += 1
            rel = float(np.max(true / scale))
            if rel <= tol or not (rel <= 0.5 * last and np.isfinite(rel)):
                break
            last, cycle_start, seg, estimate = rel, 1.0, 1.0, rel
        if rel <= tol:
            f.answer(out)
            return total, rel
        U = f.node_order_iterate()
        del f
    finally:
        if pool is not None:
            pool.shutdown()
    X, total, rel = _finish(
        rhs, U, rel, total, kernels["minv"], kernels["off_minv"], tol, maxiter, restart, what
    )
    out[...] = X
    return total, rel
