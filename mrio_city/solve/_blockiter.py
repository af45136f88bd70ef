"""Block-Jacobi (within-city preconditioned Neumann) iteration for I - A (private kernel).

Splits ``A = A_loc + A_off`` with ``A_loc`` the within-city diagonal blocks, so that
``M = I - A_loc`` is block-diagonal (one small n_sectors x n_sectors block per city) and the
iteration ``x_{k+1} = M^-1 (y + A_off x_k)`` is a regular splitting of the M-matrix ``I - A``:
it converges whenever the system is productive, faster than the plain Neumann series because
local supply loops are solved exactly.  Every step is a batched matrix product (BLAS-3) over
all right-hand sides at once.

The residual needs no extra product: ``y - (I - A) x_{k+1} = A_off x_{k+1} - A_off x_k``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.linalg.blas import daxpy

from mrio_city.model.errors import ConvergenceError


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


def gmres_lockstep(
    rhs: np.ndarray,
    apply_minv: Callable[[np.ndarray], np.ndarray],
    apply_off: Callable[[np.ndarray], np.ndarray] | None,
    *,
    tol: float,
    maxiter: int,
    restart: int = 20,
    what: str = "(I - A) x = y",
    apply_off_minv: Callable[[np.ndarray], np.ndarray] | None = None,
    initial: np.ndarray | None = None,
) -> tuple[np.ndarray, int, float]:
    """Right-preconditioned GMRES(restart) for all columns of ``rhs`` in lockstep.

    ``apply_off_minv``, when given, computes ``A_off M^-1 v`` in one go (the caller may fuse
    the two products) and returns a new array (it is reused); otherwise it is
    ``apply_off(apply_minv(v))``.  ``initial`` is a start
    value of the preconditioned unknown ``U`` (``X = M^-1 U``), zero when absent.

    Solves ``(M - A_off) X = rhs`` through ``(I - A_off M^-1) U = rhs``, ``X = M^-1 U``.  Each
    column runs its own GMRES (own Hessenberg matrix and Givens rotations) but all columns share
    every operator application, so the expensive products stay BLAS-3.  The Krylov space is the
    one the block-Jacobi iteration explores, so GMRES never needs more iterations than it.

    Returns
    -------
    (X, iterations, achieved relative residual)
    """
    if apply_off_minv is None:

        def apply_off_minv(v):
            return apply_off(apply_minv(v))

    n, k = rhs.shape
    norms = np.linalg.norm(rhs, axis=0)
    scale = np.where(norms > 0, norms, 1.0)
    if initial is None:
        U = np.zeros_like(rhs)
        r = rhs.copy()
    else:
        U = np.array(initial, dtype=float, copy=True)
        r = rhs - _apply_K(apply_off_minv, U)
    total = 0
    beta = np.linalg.norm(r, axis=0)
    rel = float(np.max(beta / scale)) if k else 0.0
    while rel > tol:
        m = restart
        V = np.empty((m + 1, n, k))
        H = np.zeros((k, m + 1, m))
        cs = np.zeros((k, m))
        sn = np.zeros((k, m))
        g = np.zeros((k, m + 1))
        g[:, 0] = beta
        safe = np.where(beta > 0, beta, 1.0)
        V[0] = r / safe
        j_done = 0
        for j in range(m):
            if total >= maxiter:
                break
            w = _apply_K(apply_off_minv, V[j])
            tmp = np.empty_like(w)
            for i in range(j + 1):  # modified Gram-Schmidt, column-wise dot products
                h = np.einsum("nk,nk->k", V[i], w)
                H[:, i, j] = h
                np.multiply(V[i], h, out=tmp)
                w -= tmp
            hn = np.linalg.norm(w, axis=0)
            H[:, j + 1, j] = hn
            V[j + 1] = w / np.where(hn > 0, hn, 1.0)
            for i in range(j):  # apply the previous Givens rotations
                a, b = H[:, i, j].copy(), H[:, i + 1, j].copy()
                H[:, i, j] = cs[:, i] * a + sn[:, i] * b
                H[:, i + 1, j] = -sn[:, i] * a + cs[:, i] * b
            a, b = H[:, j, j], H[:, j + 1, j]
            d = np.hypot(a, b)
            d = np.where(d > 0, d, 1.0)
            cs[:, j], sn[:, j] = a / d, b / d
            H[:, j, j] = cs[:, j] * a + sn[:, j] * b
            H[:, j + 1, j] = 0.0
            g[:, j + 1] = -sn[:, j] * g[:, j]
            g[:, j] = cs[:, j] * g[:, j]
            total += 1
            j_done = j + 1
            if np.max(np.abs(g[:, j + 1]) / scale) <= tol * 0.5:
                break
        if j_done == 0:
            break
        # back-substitution per column: H[:j, :j] y = g[:j]
        Hj = H[:, :j_done, :j_done].copy()
        # a column that converged exactly (zero rhs, or happy breakdown) has zero pivots
        # after that step and zero g there: a unit pivot makes its extra coefficients zero
        idx = np.arange(j_done)
        diag = Hj[:, idx, idx]
        Hj[:, idx, idx] = np.where(diag == 0.0, 1.0, diag)
        y = np.linalg.solve(Hj, g[:, :j_done, None])[:, :, 0]  # (k, j)
        U += np.einsum("jnk,kj->nk", V[:j_done], y)
        r = rhs - _apply_K(apply_off_minv, U)
        beta = np.linalg.norm(r, axis=0)
        new_rel = float(np.max(beta / scale))
        if not np.isfinite(new_rel):
            raise ConvergenceError(f"GMRES solve of {what} produced non-finite values")
        rel = new_rel
        if rel > tol and total >= maxiter:
            raise ConvergenceError(
                f"GMRES solve of {what} did not converge: relative residual {rel:.3g} after "
                f"{total} iterations > tol {tol:.1g}; raise maxiter or loosen tol"
            )
    return apply_minv(U), total, rel


def _apply_K(apply_off_minv: Callable[[np.ndarray], np.ndarray], v: np.ndarray) -> np.ndarray:
    """``K v = v - A_off M^-1 v``, written into the product's own (new) array."""
    out = apply_off_minv(v)
    return np.subtract(v, out, out=out)


def _is_complex(z: complex) -> bool:
    """Whether a root counts as complex (one of a conjugate pair) rather than real."""
    return abs(z.imag) > 1e-12 * abs(z)


def harmonic_ritz_roots(
    apply_op: Callable[[np.ndarray], np.ndarray], start: np.ndarray, degree: int
) -> np.ndarray:
    """Leja-ordered harmonic Ritz values of a linear operator from ``degree`` Arnoldi steps.

    They are the roots of the GMRES residual polynomial of ``start``; since they sample the
    operator's spectrum, the same polynomial reduces the residual of every right-hand side
    (see :func:`polynomial_iteration`).

    Parameters
    ----------
    apply_op : callable mapping (n, 1) arrays to (n, 1) arrays
    start : ndarray of shape (n,)
        Start vector of the Arnoldi process (nonzero).
    degree : int
        Arnoldi steps; fewer roots are returned when the Krylov space closes earlier.

    Returns
    -------
    ndarray of complex, shape (d,), d <= degree
        Roots in Leja order (each root as far as possible from the previous ones, so that the
        partial products stay bounded), with complex-conjugate pairs adjacent.
    """
    n = start.shape[0]
    degree = max(1, min(degree, n))
    V = np.zeros((n, degree + 1))
    H = np.zeros((degree + 1, degree))
    V[:, 0] = start / np.linalg.norm(start)
    m = degree
    for j in range(degree):
        w = apply_op(V[:, j : j + 1])[:, 0]
        for _ in range(2):  # classical Gram-Schmidt, twice: orthogonal to working precision
            h = V[:, : j + 1].T @ w
            H[: j + 1, j] += h
            w -= V[:, : j + 1] @ h
        H[j + 1, j] = np.linalg.norm(w)
        if H[j + 1, j] <= 1e-14 * np.abs(H[: j + 1, j]).max():
            m = j + 1  # invariant subspace: the Ritz values are eigenvalues
            H[j + 1, j] = 0.0
            break
        V[:, j + 1] = w / H[j + 1, j]
    Hm = H[:m, :m].copy()
    if H[m, m - 1] != 0.0:  # harmonic Ritz values: eig(H_m + h^2 H_m^-T e_m e_m^T)
        e = np.zeros(m)
        e[-1] = 1.0
        try:
            Hm[:, -1] += np.linalg.solve(Hm.T, e) * H[m, m - 1] ** 2
        except np.linalg.LinAlgError:  # singular H_m: plain Ritz values instead
            pass
    theta = np.linalg.eigvals(Hm)
    theta = theta[np.abs(theta) > 1e-12 * max(1.0, float(np.abs(theta).max()))]
    return _leja_order(theta)


def _leja_order(theta: np.ndarray) -> np.ndarray:
    """Order roots in Leja fashion, keeping complex-conjugate pairs next to each other."""
    left = [complex(z) for z in theta]
    out: list[complex] = []
    while left:
        if out:
            chosen = np.array(out)
            score = [np.sum(np.log(np.abs(z - chosen) + 1e-300)) for z in left]
            i = int(np.argmax(score))
        else:
            i = int(np.argmax(np.abs(left)))
        z = left.pop(i)
        out.append(z)
        if _is_complex(z) and left:
            j = int(np.argmin(np.abs(np.array(left) - z.conjugate())))
            left.pop(j)
            out.append(z.conjugate())
    return np.array(out, dtype=complex)


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
    norms = np.linalg.norm(rhs, axis=0)
    scale = np.where(norms > 0, norms, 1.0)
    U = np.zeros((n, k))
    r = np.array(rhs, dtype=np.float64, order="C")  # rhs itself is only read
    rel = float(np.max(norms / scale)) if k else 0.0
    total = 0
    cycle_start = rel
    step = 0
    while rel > tol and total < maxiter and steps:
        kind, a, s = steps[step % len(steps)]
        Kr = _apply_K(apply_off_minv, r)
        if kind == "pair":  # roots a +- ib, s = a^2 + b^2: factor 1 - 2a z / s + z^2 / s
            _axpy(2.0 * a / s, r, U)
            _axpy(-1.0 / s, Kr, U)
            _axpy(-2.0 * a / s, Kr, r)
            Kr = _apply_K(apply_off_minv, Kr)  # K^2 r
            _axpy(1.0 / s, Kr, r)
            total += 2
        else:
            _axpy(1.0 / a, r, U)
            _axpy(-1.0 / a, Kr, r)
            total += 1
        del Kr
        step += 1
        rel = float(np.max(np.linalg.norm(r, axis=0) / scale))
        if not np.isfinite(rel):
            break
        if rel <= 0.5 * tol:  # confirm with the true residual
            KU = _apply_K(apply_off_minv, U)
            np.subtract(rhs, KU, out=r)
            del KU
            total += 1
            rel = float(np.max(np.linalg.norm(r, axis=0) / scale))
        if step % len(steps) == 0:
            if rel > 0.5 * cycle_start:
                break  # this polynomial does not contract here: let GMRES finish
            cycle_start = rel
    if rel > tol and total >= maxiter and np.isfinite(rel):
        raise ConvergenceError(
            f"polynomial iteration for {what} did not converge: relative residual {rel:.3g} "
            f"after {total} iterations > tol {tol:.1g}; raise maxiter or loosen tol"
        )
    if rel > tol:
        if not np.isfinite(rel):
            U = np.zeros((n, k))
        X, more, rel = gmres_lockstep(
            np.ascontiguousarray(rhs),
            apply_minv,
            None,
            tol=tol,
            maxiter=max(maxiter - total, 1),
            restart=restart,
            what=what,
            apply_off_minv=apply_off_minv,
            initial=U,
        )
        return X, total + more, rel
    return apply_minv(U), total, rel


def _axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> None:
    """``y += alpha * x`` in place: one BLAS pass and no temporary for contiguous float64."""
    if (
        x.shape == y.shape
        and x.dtype == y.dtype == np.float64
        and x.flags.c_contiguous
        and y.flags.c_contiguous
    ):
        yv = y.reshape(-1)
        z = daxpy(x.reshape(-1), yv, a=alpha)
        if not np.may_share_memory(z, y):  # f2py copied (never expected): write it back
            yv[...] = z
        return
    y += alpha * x


def _root_steps(roots: np.ndarray) -> list[tuple[str, float, float]]:
    """Real steps ``('real', theta, 0)`` and conjugate-pair steps ``('pair', a, a^2 + b^2)``.

    ``roots`` come from :func:`_leja_order`, which keeps each conjugate pair adjacent.
    """
    steps: list[tuple[str, float, float]] = []
    i = 0
    while i < len(roots):
        z = complex(roots[i])
        if _is_complex(z):
            steps.append(("pair", z.real, abs(z) ** 2))
            paired = i + 1 < len(roots) and abs(complex(roots[i + 1]) - z.conjugate()) <= (
                1e-8 * abs(z)
            )
            i += 2 if paired else 1
        else:
            steps.append(("real", z.real, 0.0))
            i += 1
    return steps
