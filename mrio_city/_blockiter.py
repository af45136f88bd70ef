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

from mrio_city.errors import ConvergenceError


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
    apply_off: Callable[[np.ndarray], np.ndarray],
    *,
    tol: float,
    maxiter: int,
    restart: int = 20,
    what: str = "(I - A) x = y",
    apply_off_minv: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, int, float]:
    """Right-preconditioned GMRES(restart) for all columns of ``rhs`` in lockstep.

    ``apply_off_minv``, when given, computes ``A_off M^-1 v`` in one go (the caller may fuse
    the two products); otherwise it is ``apply_off(apply_minv(v))``.

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
    U = np.zeros_like(rhs)
    total = 0
    r = rhs.copy()
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
            w = V[j] - apply_off_minv(V[j])
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
        r = rhs - (U - apply_off_minv(U))
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
