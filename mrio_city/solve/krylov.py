"""Krylov kernels: lockstep GMRES over many right-hand sides, and Arnoldi's harmonic Ritz values.

Both work on the preconditioned operator ``K = I - A_off M^-1`` of a splitting
``I - A = M - A_off`` given as callables (:mod:`mrio_city.solve.operator`), so they serve the
whole system and restricted ones alike.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mrio_city.model.errors import ConvergenceError

__all__ = ["apply_K", "gmres_lockstep", "harmonic_ritz_roots", "is_complex_root"]


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
        r = rhs - apply_K(apply_off_minv, U)
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
            w = apply_K(apply_off_minv, V[j])
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
        r = rhs - apply_K(apply_off_minv, U)
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


def apply_K(apply_off_minv: Callable[[np.ndarray], np.ndarray], v: np.ndarray) -> np.ndarray:
    """``K v = v - A_off M^-1 v``, written into the product's own (new) array."""
    out = apply_off_minv(v)
    return np.subtract(v, out, out=out)


def is_complex_root(z: complex) -> bool:
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
        if is_complex_root(z) and left:
            j = int(np.argmin(np.abs(np.array(left) - z.conjugate())))
            left.pop(j)
            out.append(z.conjugate())
    return np.array(out, dtype=complex)
