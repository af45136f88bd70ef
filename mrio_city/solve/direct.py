"""Direct factorizations of ``I - A``: dense LAPACK LU and sparse SuperLU (or UMFPACK).

The only place of the package that calls an LU factorization (tests/solve/test_meta_solve.py
checks it).  :func:`sparse_factor` also serves restricted systems
(:mod:`mrio_city.solve.restricted`).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import NonProductiveSystemError
from mrio_city.model.labels import format_label
from mrio_city.solve.base import LeontiefSolver

__all__ = ["DenseLU", "SparseLU", "Umfpack", "have_umfpack", "sparse_factor"]


def have_umfpack() -> bool:
    """Whether scikit-umfpack is installed."""
    try:
        import scikits.umfpack  # noqa: F401
    except ImportError:
        return False
    return True


def sparse_factor(M: sp.spmatrix, *, what: str) -> spla.SuperLU:
    """SuperLU factorization of a sparse square matrix; singular -> NonProductiveSystemError."""
    try:
        return spla.splu(sp.csc_matrix(M))
    except RuntimeError as exc:
        raise NonProductiveSystemError(f"{what}: the matrix is singular ({exc})") from None


def _worst_columns(table: BaseTable) -> str:
    A = table.technical_coefficients("sparse")
    colsum = np.asarray(A.sum(axis=0)).ravel()
    worst = np.argsort(-colsum)[:3]
    return ", ".join(f"{format_label(table.nodes[j])} (column sum {colsum[j]:.6g})" for j in worst)


class DenseLU(LeontiefSolver):
    """LAPACK LU (``scipy.linalg.lu_factor``) of the dense ``I - A`` (method ``'dense'``)."""

    def __init__(self, table: BaseTable):
        A = table.technical_coefficients("dense")
        M = np.eye(table.n_nodes) - A
        with warnings.catch_warnings():
            warnings.simplefilter("error", la.LinAlgWarning)
            try:
                self._lu = la.lu_factor(M, overwrite_a=True, check_finite=False)
            except (la.LinAlgWarning, np.linalg.LinAlgError) as exc:
                raise NonProductiveSystemError(
                    f"table {table.name!r}: I - A is singular or ill-conditioned ({exc}); "
                    f"worst columns: {_worst_columns(table)}"
                ) from None
        diag = np.abs(np.diag(self._lu[0]))
        if diag.size and diag.min() <= np.finfo(float).eps * diag.max() * table.n_nodes:
            raise NonProductiveSystemError(
                f"table {table.name!r}: I - A is singular; worst columns: {_worst_columns(table)}"
            )
        super().__init__("dense", table, nnz=table.n_nodes**2)

    def _solve(self, rhs, trans):
        return la.lu_solve(self._lu, rhs, trans=0 if trans == "N" else 1, check_finite=False)


class SparseLU(LeontiefSolver):
    """SuperLU (``scipy.sparse.linalg.splu``) of the sparse ``I - A`` (method ``'sparse'``)."""

    def __init__(self, table: BaseTable):
        A = table.technical_coefficients("sparse")
        M = sp.csc_matrix(sp.identity(table.n_nodes, format="csc") - A)
        try:
            self._lu = spla.splu(M)
        except RuntimeError as exc:  # not sparse_factor: the message names the worst columns
            raise NonProductiveSystemError(
                f"table {table.name!r}: I - A is singular ({exc}); worst columns: "
                f"{_worst_columns(table)}"
            ) from None
        super().__init__("sparse", table, nnz=self._lu.L.nnz + self._lu.U.nnz)

    def _solve(self, rhs, trans):
        return self._lu.solve(np.asfortranarray(rhs), trans=trans)


class Umfpack(LeontiefSolver):  # pragma: no cover - only with scikit-umfpack installed
    """UMFPACK LU of the sparse ``I - A`` (method ``'umfpack'``)."""

    def __init__(self, table: BaseTable):
        import scikits.umfpack as um

        A = table.technical_coefficients("sparse")
        self._M = sp.csc_matrix(sp.identity(table.n_nodes, format="csc") - A)
        self._lu = um.splu(self._M)
        super().__init__("umfpack", table, nnz=self._M.nnz)

    def _solve(self, rhs, trans):
        return np.column_stack(
            [self._lu.solve(rhs[:, j], trans=trans) for j in range(rhs.shape[1])]
        )
