"""Matrix balancing: RAS and its sign-preserving generalization GRAS.

GRAS (Junius & Oosterhaven 2003; Lenzen, Wood & Gallego 2007; the corrected algorithm of
Temurshoev, Miller & Bouwmeester 2013, *Econ. Syst. Res.* 25:1-25) finds the matrix closest to a
prior ``Z0`` (in the information-loss sense) with prescribed row and column sums and the same
sign pattern as ``Z0``:

``Z = diag(r) P diag(s) - diag(r)^-1 N diag(s)^-1``, where ``Z0 = P - N`` with ``P, N >= 0``.

With a non-negative prior ``N = 0`` and GRAS is the classic bi-proportional RAS
``Z = diag(r) Z0 diag(s)``.  docs/methods.md §4.2 step 5.
"""

from __future__ import annotations

import numpy as np

from mrio_city.model.errors import ConvergenceError, TableValidationError

__all__ = ["gras"]


def _solve_multiplier(target: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Positive root ``m`` of ``pos * m - neg / m = target`` for every row (vectorized).

    ``pos = 0``: ``m = -neg / target`` (target must be negative); ``pos = neg = 0``: ``m = 1``.
    """
    m = np.ones_like(target)
    has_pos = pos > 0
    disc = np.sqrt(target[has_pos] ** 2 + 4.0 * pos[has_pos] * neg[has_pos])
    m[has_pos] = (target[has_pos] + disc) / (2.0 * pos[has_pos])
    only_neg = ~has_pos & (neg > 0)
    m[only_neg] = -neg[only_neg] / target[only_neg]
    return m


def gras(
    prior,
    row_targets,
    col_targets,
    *,
    tol: float = 1e-10,
    maxiter: int = 10_000,
    what: str = "matrix",
) -> np.ndarray:
    """Return the matrix nearest to ``prior`` whose row and column sums equal the targets.

    Sign pattern and zeros of ``prior`` are preserved: ``Z = r̂ P ŝ - r̂⁻¹ N ŝ⁻¹`` with
    ``P = max(prior, 0)`` and ``N = max(-prior, 0)``; for a non-negative prior this is RAS.

    Parameters
    ----------
    prior : array_like of shape (m, n)
        Prior matrix ``Z0`` (any sign, finite) [any unit].
    row_targets : array_like of shape (m,)
        Required row sums [unit of prior].
    col_targets : array_like of shape (n,)
        Required column sums [unit of prior]; must add up to the row targets.
    tol : float, default=1e-10
        Stop when the largest absolute row or column residual is below ``tol`` times the
        largest absolute target.
    maxiter : int, default=10000
        Maximum number of row-column sweeps.
    what : str, default="matrix"
        Name used in error messages.

    Returns
    -------
    ndarray of shape (m, n)
        The balanced matrix [unit of prior].

    Raises
    ------
    TableValidationError
        Wrong shapes, non-finite values, targets that do not add up (relative 1e-9), or a
        non-zero target on an all-zero row/column, or a target whose sign cannot be reached.
    ConvergenceError
        Not converged within ``maxiter`` sweeps (the targets are infeasible for the prior's
        zero pattern).

    Examples
    --------
    >>> z = gras([[1.0, 2.0], [3.0, -1.0]], [4.0, 1.0], [5.0, 0.0])
    >>> np.allclose(z.sum(axis=1), [4, 1]) and np.allclose(z.sum(axis=0), [5, 0])
    True
    """
    Z0 = np.asarray(prior, dtype=np.float64)
    u = np.asarray(row_targets, dtype=np.float64).ravel()
    v = np.asarray(col_targets, dtype=np.float64).ravel()
    if Z0.ndim != 2 or Z0.shape != (u.size, v.size):
        raise TableValidationError(
            f"gras ({what}): prior has shape {Z0.shape}, expected ({u.size}, {v.size}) from the "
            "lengths of row_targets and col_targets"
        )
    for name, arr in (("prior", Z0), ("row_targets", u), ("col_targets", v)):
        if not np.all(np.isfinite(arr)):
            raise TableValidationError(f"gras ({what}): {name} contains NaN or inf")
    scale = max(np.abs(u).max(initial=0.0), np.abs(v).max(initial=0.0), 1e-300)
    if abs(u.sum() - v.sum()) > 1e-9 * max(np.abs(u).sum(), np.abs(v).sum(), 1e-300):
        raise TableValidationError(
            f"gras ({what}): row targets sum to {u.sum():.12g} but column targets sum to "
            f"{v.sum():.12g}; they must be equal"
        )
    P = np.where(Z0 > 0, Z0, 0.0)
    N = np.where(Z0 < 0, -Z0, 0.0)
    for axis, targets, label in ((1, u, "row"), (0, v, "column")):
        p = P.sum(axis=axis)
        n = N.sum(axis=axis)
        empty = (p == 0) & (n == 0) & (np.abs(targets) > tol * scale)
        wrong_sign = ((p == 0) & (n > 0) & (targets >= 0) & (np.abs(targets) > tol * scale)) | (
            (n == 0) & (p > 0) & (targets < -tol * scale)
        )
        for mask, why in (
            (empty, "is all zero in the prior"),
            (wrong_sign, "cannot reach the sign of its target"),
        ):
            if mask.any():
                k = int(np.flatnonzero(mask)[0])
                raise TableValidationError(
                    f"gras ({what}): {int(mask.sum())} {label}(s) {why}; first {label} {k} "
                    f"with target {targets[k]:.10g}"
                )
    s = np.ones(v.size)
    r = np.ones(u.size)
    for _ in range(maxiter):
        r = _solve_multiplier(u, P @ s, N @ (1.0 / s))
        s = _solve_multiplier(v, P.T @ r, N.T @ (1.0 / r))
        rows = r * (P @ s) - (N @ (1.0 / s)) / r
        cols = s * (P.T @ r) - (N.T @ (1.0 / r)) / s
        resid = max(np.abs(rows - u).max(initial=0.0), np.abs(cols - v).max(initial=0.0))
        if resid <= tol * scale:
            return r[:, None] * P * s[None, :] - N / r[:, None] / s[None, :]
    raise ConvergenceError(
        f"gras ({what}): not converged in {maxiter} sweeps; largest residual {resid:.3g} "
        f"(tolerance {tol * scale:.3g}); the targets may be infeasible for the prior's zeros"
    )
