"""Stationary and fixed-polynomial iterations for ``(M - A_off) X = rhs`` (many columns at once).

``M`` is easy to invert (the within-city blocks of :mod:`mrio_city.solve.operator`, or the
identity), ``A_off`` the rest of ``A``; both come as callables on (n, k) arrays, so every step
is a batched product (BLAS-3) over all right-hand sides.

* :func:`block_jacobi`: ``x_{k+1} = M^-1 (y + A_off x_k)``, a regular splitting of the
  M-matrix ``I - A``: convergent whenever the system is productive.
* :func:`neumann`: the same with ``M = I`` (the power series ``y + A y + A^2 y + ...``).
* :func:`polynomial_iteration`: Richardson steps through fixed roots (the harmonic Ritz values
  of :func:`~mrio_city.solve.krylov.harmonic_ritz_roots`); lockstep GMRES
  (:mod:`mrio_city.solve.krylov`) takes over if the roots ever fail to contract.

The stationary residual needs no extra product: ``y - (I - A) x_{k+1} = A_off x_{k+1} -
A_off x_k``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.linalg.blas import daxpy, saxpy

from mrio_city.model.errors import ConvergenceError
from mrio_city.solve.krylov import apply_K, gmres_lockstep, is_complex_root

__all__ = ["block_jacobi", "mixed_polynomial_iteration", "neumann", "polynomial_iteration"]


def block_jacobi(
    rhs: np.ndarray,
    apply_minv: Callable[[np.ndarray], np.ndarray],
    apply_off: Callable[[np.ndarray], np.ndarray],
    *,
    tol: float,
    maxiter: int,
    what: str = "(I - A) x = y",
) -> tuple[np.ndarray, int, float]:
    """Solve ``(M - A_off) X = rhs`` column-wise to a relative residual ``tol``.

    Parameters
    ----------
    rhs : ndarray of shape (n, k)
    apply_minv, apply_off : callables mapping (n, k) arrays to (n, k) arrays
    tol : float
        Required ``||residual_j||_2 / ||rhs_j||_2`` for every column j.
    maxiter : int

    Returns
    -------
    (X, iterations, achieved relative residual)

    Raises
    ------
    ConvergenceError
        When ``maxiter`` iterations do not reach ``tol``, or the iteration diverges.
    """
    norms = np.linalg.norm(rhs, axis=0)
    scale = np.where(norms > 0, norms, 1.0)
    x = apply_minv(rhs)
    s = apply_off(x)
    rel = np.max(np.linalg.norm(s, axis=0) / scale) if rhs.size else 0.0
    it = 0
    history = [rel]
    while rel > tol:
        if it >= maxiter:
            raise ConvergenceError(
                f"block-Jacobi solve of {what} did not converge: relative residual {rel:.3g} "
                f"after {it} iterations > tol {tol:.1g}; raise maxiter, loosen tol, or use "
                "method='dense' on a materialized table"
            )
        if not np.isfinite(rel) or (it > 20 and rel > 10 * history[0]):
            raise ConvergenceError(
                f"block-Jacobi solve of {what} diverged (relative residual {rel:.3g} after "
                f"{it} iterations); the system is probably not productive"
            )
        x = apply_minv(rhs + s)
        s_new = apply_off(x)
        rel = float(np.max(np.linalg.norm(s_new - s, axis=0) / scale))
        s = s_new
        it += 1
        history.append(rel)
    return x, it, rel


def neumann(
    rhs: np.ndarray,
    apply_A: Callable[[np.ndarray], np.ndarray],
    *,
    tol: float,
    maxiter: int,
    what: str = "(I - A) x = y",
) -> tuple[np.ndarray, int, float]:
    """Plain Neumann series ``X <- rhs + A X`` to a relative residual ``tol`` per column.

    :func:`block_jacobi` with ``M = I``: no block inverses, the most iterations.

    Returns
    -------
    (X, iterations, achieved relative residual)
    """
    return block_jacobi(rhs, _identity, apply_A, tol=tol, maxiter=maxiter, what=what)


def _identity(v: np.ndarray) -> np.ndarray:
    return v.copy()  # never hand back the caller's array


def polynomial_iteration(
    rhs: np.ndarray,
    apply_minv: Callable[[np.ndarray], np.ndarray],
    apply_off_minv: Callable[[np.ndarray], np.ndarray],
    *,
    roots: np.ndarray,
    tol: float,
    maxiter: int,
    restart: int = 20,
    what: str = "(I - A) x = y",
) -> tuple[np.ndarray, int, float]:
    """Richardson iteration with a fixed polynomial: no inner products, no Krylov basis.

    Solves ``(M - A_off) X = rhs`` through ``K U = rhs``, ``K = I - A_off M^-1``,
    ``X = M^-1 U``.  Step ``j`` uses root ``theta_j`` of ``roots`` (cycling through them):
    ``U += r / theta_j``, ``r -= K r / theta_j``; a complex-conjugate pair is one real
    two-application update.  One cycle multiplies every residual by
    ``p(K) = prod_j (I - K / theta_j)``.  With the harmonic Ritz values of ``K``
    (:func:`harmonic_ritz_roots`) that is the GMRES polynomial of a generic vector, small on
    the whole spectrum of ``K``, so it reduces every column about as much as GMRES would, at
    one operator application per step and with no orthogonalization and no basis to store.

    The residual is updated by recurrence and checked after each step; the iteration stops
    only when the *true* residual ``rhs - K U`` (one more application) is at most ``tol``
    relative to ``rhs`` in every column.  When a whole cycle fails to halve the largest
    residual (roots that do not fit this operator), :func:`gmres_lockstep` continues from
    the current iterate, so the answer never depends on the roots being good.

    Parameters
    ----------
    rhs : ndarray of shape (n, k)
    apply_minv : callable
        ``v -> M^-1 v`` for (n, k) arrays (the within-city block inverses).
    apply_off_minv : callable
        ``v -> A_off M^-1 v`` for (n, k) arrays; may return a new array that is then reused.
    roots : ndarray of complex
        Leja-ordered roots, conjugate pairs adjacent (:func:`harmonic_ritz_roots`).
    tol : float
        Required ``||rhs_j - K U_j||_2 / ||rhs_j||_2`` for every column j.
    maxiter : int
        Limit on operator applications, the fallback's included.
    restart : int, default=20
        Restart length of the GMRES fallback.
    what : str
        The system, for error messages.

    Returns
    -------
    (X, operator applications, achieved relative residual)

    Raises
    ------
    ConvergenceError
        When ``maxiter`` applications do not reach ``tol``.
    """
    steps = _root_steps(roots)
    n, k = rhs.shape
    norms = column_norms(rhs)
    scale = np.where(norms > 0, norms, 1.0)
    U = np.zeros((n, k))
    r = np.array(rhs, dtype=np.float64, order="C")  # rhs itself is only read
    rel = float(np.max(norms / scale)) if k else 0.0
    total = 0
    cycle_start = rel
    step = 0
    while rel > tol and total < maxiter and steps:
        kind, a, s = steps[step % len(steps)]
        total += _polynomial_step(kind, a, s, r, U, apply_off_minv)
        step += 1
        rel = float(np.max(column_norms(r) / scale))
        if not np.isfinite(rel):
            break
        if rel <= 0.5 * tol:  # confirm with the true residual
            KU = apply_K(apply_off_minv, U)
            np.subtract(rhs, KU, out=r)
            del KU
            total += 1
            rel = float(np.max(column_norms(r) / scale))
        if step % len(steps) == 0:
            if rel > 0.5 * cycle_start:
                break  # this polynomial does not contract here: let GMRES finish
            cycle_start = rel
    return _finish(rhs, U, rel, total, apply_minv, apply_off_minv, tol, maxiter, restart, what)


def _finish(rhs, U, rel, total, apply_minv, apply_off_minv, tol, maxiter, restart, what):
    """``(X, applications, rel)`` of a polynomial iteration that stopped at ``U``.

    Converged: ``X = M^-1 U``.  Out of iterations: ConvergenceError.  Stopped because the
    roots did not contract (or the residual became non-finite): lockstep GMRES continues
    from ``U`` (from zero if ``U`` is not finite), so the answer never depends on the roots.
    """
    if rel > tol and total >= maxiter and np.isfinite(rel):
        raise ConvergenceError(
            f"polynomial iteration for {what} did not converge: relative residual {rel:.3g} "
            f"after {total} iterations > tol {tol:.1g}; raise maxiter or loosen tol"
        )
    if rel <= tol:
        return apply_minv(U), total, rel
    X, more, rel = gmres_lockstep(
        np.ascontiguousarray(rhs),
        apply_minv,
        None,
        tol=tol,
        maxiter=max(maxiter - total, 1),
        restart=restart,
        what=what,
        apply_off_minv=apply_off_minv,
        initial=U if np.isfinite(rel) and np.isfinite(U).all() else None,
    )
    return X, total + more, rel


#: Reduction asked of each single-precision correction solve (float32 carries ~7 digits).
SINGLE_REDUCTION = 1e-5

#: Fused float32 steps run on a multiple of this many columns (16 float32 = one cache line).
FUSED_COLUMNS = 16


def mixed_polynomial_iteration(
    rhs: np.ndarray,
    apply_minv: Callable[[np.ndarray], np.ndarray],
    apply_off_minv: Callable[[np.ndarray], np.ndarray],
    apply_off_minv_single: Callable[[np.ndarray], np.ndarray],
    *,
    roots: np.ndarray,
    tol: float,
    maxiter: int,
    restart: int = 20,
    what: str = "(I - A) x = y",
    step_single: Callable | None = None,
    step_double: Callable | None = None,
) -> tuple[np.ndarray, int, float]:
    """:func:`polynomial_iteration` with float32 products, refined in float64.

    The fixed-polynomial steps run in float32 on a residual whose columns are scaled to unit
    norm, accumulating a float32 correction.  Whenever that residual has fallen by
    :data:`SINGLE_REDUCTION` (float32 carries about seven digits), or looks converged, the
    correction is added to the float64 iterate ``U`` and the residual is replaced by the true
    one, ``rhs - K U``, computed in float64 (iterative refinement with residual replacement);
    the steps then continue through the same cycle of roots.  float32 products cost about
    half (GEMM rate and memory traffic), and only the two or three residual replacements are
    float64 applications.  Convergence is judged on the float64 residual only, exactly as in
    :func:`polynomial_iteration`; if a replacement shows less than a halving since the last
    one, lockstep GMRES in float64 continues from the current iterate.

    Parameters
    ----------
    rhs, apply_minv, apply_off_minv, roots, tol, maxiter, restart, what
        As for :func:`polynomial_iteration` (``apply_off_minv`` in float64).
    apply_off_minv_single : callable
        ``v -> A_off M^-1 v`` for float32 (n, k) arrays, returning a new float32 array.
    step_single : callable, optional
        The same float32 product fused with a step's vector updates and column norms
        (:meth:`~mrio_city.solve.operator.StructuredOperator.step_preconditioned`): one pass
        over the arrays instead of five.  Same arithmetic, up to rounding.  Its float32
        arrays get zero columns up to a multiple of :data:`FUSED_COLUMNS` (whole cache
        lines per row, about 20 % faster kernels at 47 columns; the extra columns stay zero).
    step_double : callable, optional
        The float64 fused step, for the residual replacements ``rhs - K U`` and their norms.

    Returns
    -------
    (X, operator applications of either precision, achieved relative residual)
    """
    steps = _root_steps(roots)
    n, k = rhs.shape
    norms = column_norms(rhs)
    scale = np.where(norms > 0, norms, 1.0)
    U = np.zeros((n, k))
    rel = float(np.max(norms / scale)) if k else 0.0
    width = k if step_single is None else -(-k // FUSED_COLUMNS) * FUSED_COLUMNS
    r, col, d = _single_segment(rhs, width)  # rhs itself is only read
    total = step = 0
    last = rel
    cycle_start = seg = estimate = 1.0
    finish = _finishing_root(steps)
    while rel > tol and total < maxiter and steps:
        kind, a, s, in_cycle = next_mixed_step(steps, step, finish, seg, estimate, tol)
        step += in_cycle
        with np.errstate(over="ignore", invalid="ignore"):  # diverging roots: caught below
            if step_single is not None:
                applications, seg_cols = _fused_step(kind, a, s, r, d, step_single)
            else:
                applications = _polynomial_step(kind, a, s, r, d, apply_off_minv_single)
                seg_cols = column_norms(r)  # segment-relative
        total += applications
        seg_cols = seg_cols[:k]
        seg = float(np.max(seg_cols))
        estimate = float(np.max(seg_cols * col / scale))
        stalled = not np.isfinite(seg)
        if in_cycle and step % len(steps) == 0:  # a whole cycle: it must at least halve
            stalled, cycle_start = stalled or seg > 0.5 * cycle_start, seg
        if seg > SINGLE_REDUCTION and estimate > 0.5 * tol and not stalled:
            continue
        del r
        _add_scaled(U, d[:, :k], col)  # then replace the residual by the true, float64 one
        del d
        if step_double is not None:  # rhs - K U and its norms in one pass
            true = np.array(rhs, dtype=np.float64, order="C")
            true_cols = step_double(U, None, true, -1.0, norms=True)
        else:
            true = apply_K(apply_off_minv, U)
            np.subtract(rhs, true, out=true)
            true_cols = column_norms(true)
        total += 1
        rel = float(np.max(true_cols / scale))
        if rel <= tol or not (rel <= 0.5 * last and np.isfinite(rel)):
            break
        last = rel
        r, col, d = _single_segment(true, width, true_cols)
        cycle_start = seg = 1.0
        estimate = rel
        del true
    return _finish(rhs, U, rel, total, apply_minv, apply_off_minv, tol, maxiter, restart, what)


def column_norms(a: np.ndarray) -> np.ndarray:
    """Euclidean norm of every column of a 2-D array, in float64, without an n x k temporary.

    ``np.linalg.norm(a, axis=0)`` squares the whole array first (one more array of a's size
    at the peak of every iteration); einsum reduces as it goes.  Non-finite entries give
    non-finite norms, as with numpy's.
    """
    return np.sqrt(np.einsum("ij,ij->j", a, a, dtype=np.float64))


def _add_scaled(U: np.ndarray, d: np.ndarray, col: np.ndarray, rows: int = 2048) -> None:
    """``U += d * col`` (d float32, U float64) a block of rows at a time.

    The float64 temporary of a block stays in cache, so this is one pass over U and d (column
    blocks made a temporary of U's full height: 50 ms instead of 15 at 117,600 x 47).
    """
    tmp = np.empty((min(rows, U.shape[0]), U.shape[1]))
    for a in range(0, U.shape[0], rows):
        t = tmp[: min(rows, U.shape[0] - a)]
        np.multiply(d[a : a + rows], col, out=t)
        U[a : a + rows] += t


def _single_segment(
    r64: np.ndarray, width: int | None = None, norms: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A float32 residual with unit columns, the column norms, and a zero correction.

    With ``width`` > k columns, the float32 arrays have zero columns after the k of ``r64``.
    ``norms``: the column norms of ``r64`` when already known.
    """
    col = column_norms(r64) if norms is None else norms
    col = np.where(col > 0, col, 1.0)
    n, k = r64.shape
    if width is None or width == k:
        r = np.divide(r64, col, dtype=np.float32)  # unit columns: no float32 range issue
    else:
        r = np.zeros((n, width), dtype=np.float32)
        np.divide(r64, col, out=r[:, :k])
    return r, col, np.zeros_like(r)


def _polynomial_step(kind, a, s, r, U, apply_off_minv) -> int:
    """One real root or conjugate pair: ``U += ...``, ``r <- (I - K / theta) r`` in place.

    Returns the operator applications used.
    """
    Kr = apply_K(apply_off_minv, r)
    if kind == "pair":  # roots a +- ib, s = a^2 + b^2: factor 1 - 2a z / s + z^2 / s
        _axpy(2.0 * a / s, r, U)
        _axpy(-1.0 / s, Kr, U)
        _axpy(-2.0 * a / s, Kr, r)
        Kr = apply_K(apply_off_minv, Kr)  # K^2 r
        _axpy(1.0 / s, Kr, r)
        return 2
    _axpy(1.0 / a, r, U)
    _axpy(-1.0 / a, Kr, r)
    return 1


def _fused_step(kind, a, s, r, U, step) -> tuple[int, np.ndarray]:
    """:func:`_polynomial_step` with a fused ``step`` (products, updates and norms in one pass).

    Returns the operator applications used and the column norms of the new ``r``.
    """
    if kind == "pair":
        Kr = np.empty_like(r)
        step(r, (U, 2.0 * a / s, -1.0 / s), r, -2.0 * a / s, store=Kr)
        return 2, step(Kr, None, r, 1.0 / s, norms=True)  # r += K^2 r / s
    return 1, step(r, (U, 1.0 / a, 0.0), r, -1.0 / a, norms=True)


def _axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> None:
    """``y += alpha * x`` in place: one BLAS pass and no temporary for contiguous arrays."""
    blas = _AXPY.get(y.dtype.type)
    if blas is not None and x.shape == y.shape and x.dtype == y.dtype:
        if x.flags.c_contiguous and y.flags.c_contiguous:
            yv = y.reshape(-1)
            z = blas(x.reshape(-1), yv, a=alpha)
            if not np.may_share_memory(z, y):  # f2py copied (never expected): write it back
                yv[...] = z
            return
    y += alpha * x


_AXPY = {np.float64: daxpy, np.float32: saxpy}


def next_mixed_step(steps, step, finish, seg, estimate, tol) -> tuple[str, float, float, bool]:
    """The next step of a mixed-precision segment: ``(kind, a, s, in_cycle)``.

    The cycle's step number ``step`` (:func:`_root_steps`), except that a conjugate pair is
    replaced by one real step through ``finish`` (:func:`_finishing_root`) when that step is
    enough to end the segment (``seg``, the segment's residual, reaching
    :data:`SINGLE_REDUCTION`, or ``estimate``, the full residual's, half of ``tol``): then
    ``in_cycle`` is False and the cycle goes on where it was.
    """
    kind, a, s = steps[step % len(steps)]
    if (
        kind == "pair"
        and finish is not None
        and (seg * finish[1] <= SINGLE_REDUCTION or estimate * finish[1] <= 0.5 * tol)
    ):
        return "real", finish[0], 0.0, False  # one real step ends it: not two applications
    return kind, a, s, True


def _finishing_root(steps: list[tuple[str, float, float]]) -> tuple[float, float] | None:
    """The real root whose step contracts most surely, and its worst factor.

    A step through root ``theta`` multiplies an eigencomponent at ``z`` by ``1 - z / theta``;
    over the roots (which sample the spectrum's hull) the worst ``|1 - z / theta|`` is
    smallest for a root near the middle of the spectrum (about 0.5 at county scale).  When
    a segment is within that factor of its goal and the cycle's next step is a conjugate pair
    (two applications), this one real step ends the segment instead; the cycle then goes on
    where it was.  None when no real root contracts on all the roots.
    """
    real = [a for kind, a, _ in steps if kind == "real" and a > 0]
    if not real:
        return None
    points = [complex(a, 0.0) for kind, a, _ in steps if kind == "real"]
    points += [complex(a, np.sqrt(max(s - a * a, 0.0))) for kind, a, s in steps if kind == "pair"]
    worst = [max(abs(1 - z / theta) for z in points) for theta in real]
    best = int(np.argmin(worst))
    return (real[best], worst[best]) if worst[best] < 1 else None


def _root_steps(roots: np.ndarray) -> list[tuple[str, float, float]]:
    """Real steps ``('real', theta, 0)`` and conjugate-pair steps ``('pair', a, a^2 + b^2)``.

    ``roots`` come from :func:`_leja_order`, which keeps each conjugate pair adjacent.
    """
    steps: list[tuple[str, float, float]] = []
    i = 0
    while i < len(roots):
        z = complex(roots[i])
        if is_complex_root(z):
            steps.append(("pair", z.real, abs(z) ** 2))
            paired = i + 1 < len(roots) and abs(complex(roots[i + 1]) - z.conjugate()) <= (
                1e-8 * abs(z)
            )
            i += 2 if paired else 1
        else:
            steps.append(("real", z.real, 0.0))
            i += 1
    return steps
