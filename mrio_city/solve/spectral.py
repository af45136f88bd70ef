"""The spectral radius of A: the productivity precondition when flows may be negative.

With nonnegative A, column sums below 1 (checked when a table is built) make the Leontief
series converge.  With negative intermediate flows allowed they do not: a table whose A has
spectral radius 1.4 passes the column-sum check and gives negative multipliers.  Every
factorization of a general table with negative flows therefore checks rho(A) < 1 first
(:func:`check_spectral_radius`), before any solve.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import NonProductiveSystemError

__all__ = ["spectral_radius_bound", "check_spectral_radius"]


def spectral_radius_bound(A: sp.spmatrix, *, dense_limit: int = 1500) -> tuple[float, str]:
    """The spectral radius of ``A``, or an upper bound below 1 when that settles productivity.

    Cheap bounds first: rho(A) <= rho(|A|) <= min(max column sum, max row sum) of |A|, then
    Collatz-Wielandt upper bounds max_i (|A| v)_i / v_i from a few power iterations on the
    nonnegative |A|.  When they all stay >= 1, rho(A) itself is computed (dense eigenvalues up
    to ``dense_limit`` nodes, ARPACK's largest-magnitude eigenvalue above).

    Parameters
    ----------
    A : scipy.sparse matrix (n, n)
        Technical coefficients [money/money].
    dense_limit : int, default=1500
        Largest n for dense eigenvalues.

    Returns
    -------
    rho : float
        rho(A), or an upper bound of it when the bound is below 1.
    how : str
        Which method gave ``rho`` (for messages).
    """
    B = abs(sp.csr_matrix(A))
    n = B.shape[0]
    if n == 0:
        return 0.0, "empty"
    col = float(np.asarray(B.sum(axis=0)).max())
    row = float(np.asarray(B.sum(axis=1)).max())
    if min(col, row) < 1.0:
        return min(col, row), "bound from the sums of |A|"
    v = np.ones(n)
    for _ in range(50):
        w = B @ v + 1e-300
        upper = float(np.max(w / v))
        if upper < 1.0:
            return upper, "Collatz-Wielandt bound on |A|"
        v = w / np.linalg.norm(w)
        v = np.maximum(v, 1e-12 * v.max())
    if n <= dense_limit:
        rho = float(np.max(np.abs(np.linalg.eigvals(A.toarray()))))
        return rho, "eigenvalues of A"
    from scipy.sparse.linalg import ArpackNoConvergence, eigs

    try:
        vals = eigs(sp.csr_matrix(A), k=1, which="LM", return_eigenvectors=False, tol=1e-8)
    except ArpackNoConvergence as exc:  # pragma: no cover - rare
        vals = exc.eigenvalues
        if not len(vals):
            return upper, "Collatz-Wielandt bound on |A| (ARPACK did not converge)"
    return float(np.max(np.abs(vals))), "ARPACK largest eigenvalue of A"


def check_spectral_radius(table: BaseTable) -> None:
    """Raise NonProductiveSystemError when a general table with negative flows has rho(A) >= 1.

    Tables without negative intermediate flows (and structured tables, whose technology and
    trade shares are nonnegative) are already checked by their column sums.
    """
    if table.structured:
        return
    Z = table.Z
    data = Z.data if sp.issparse(Z) else Z
    if not data.size or float(data.min()) >= 0:
        return
    rho, how = spectral_radius_bound(table.technical_coefficients("sparse"))
    if rho >= 1.0:
        raise NonProductiveSystemError(
            f"table {table.name!r}: the spectral radius of A is {rho:.6g} ({how}), not below "
            "1, so the Leontief inverse does not exist as a convergent series and "
            "multipliers would be meaningless (negative flows are allowed in this table)"
        )
