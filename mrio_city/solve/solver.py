"""Leontief solver: factorize ``I - A`` once, solve for any number of right-hand sides.

``factorize(table)`` returns a :class:`LeontiefSolver` whose ``.solve(rhs, trans="N")`` returns
``X = (I - A)^-1 rhs`` (``trans="N"``, e.g. output for a demand) or ``(I - A)^-T rhs``
(``trans="T"``, e.g. multipliers ``m^T = (I - A)^-T f^T``).  The Leontief inverse
``L = (I - A)^-1`` is never formed on the normal path.  Methods:

``'dense'``
    LAPACK LU (``scipy.linalg.lu_factor``) of the dense ``I - A``.
``'sparse'``
    SuperLU (``scipy.sparse.linalg.splu``) of the sparse ``I - A``; UMFPACK when
    ``scikit-umfpack`` is installed and ``method='umfpack'``.
``'block'``
    Matrix-free iteration on a structured table (trade shares x technology), preconditioned
    with the within-city blocks (small n_sectors x n_sectors blocks inverted exactly).  Default
    ``iteration='polynomial'``: Richardson steps cycling through fixed roots, the harmonic
    Ritz values of the preconditioned operator from one Arnoldi run made at factorization (the
    GMRES residual polynomial of a random vector, which is small on the whole spectrum and so
    serves every right-hand side); no inner products, no Krylov basis, and GMRES takes over
    if the roots ever fail to contract.  Alternatives: GMRES run in lockstep over all
    right-hand sides (``iteration='gmres'``) and the plain block-Jacobi / preconditioned
    Neumann iteration (``iteration='jacobi'``).  Every operator application is one GEMM per
    sector over all right-hand sides.  Stops at a relative residual ``tol`` (default 1e-10)
    per column, confirmed on the true residual; :class:`ConvergenceError` otherwise.
    benchmarks/README.md records why the polynomial iteration is the default.
``'auto'``
    ``'block'`` for structured tables; for general tables ``'dense'`` below
    ``DENSE_AUTO_NODES`` nodes or above ``DENSE_AUTO_DENSITY`` density, else ``'sparse'``.
"""

from __future__ import annotations

import itertools
import os
import warnings
from typing import Literal

import numpy as np
import pandas as pd
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from mrio_city.model.errors import EfficiencyWarning, NonProductiveSystemError, ShapeMismatchError
from mrio_city.model.labels import format_label
from mrio_city.model.table import BaseTable, ensure_table
from mrio_city.solve._blockiter import (
    block_jacobi,
    gmres_lockstep,
    harmonic_ritz_roots,
    polynomial_iteration,
)

__all__ = [
    "LeontiefSolver",
    "factorize",
    "available_methods",
    "factorization_count",
    "DENSE_AUTO_NODES",
    "DENSE_AUTO_DENSITY",
    "INVERSE_MAX_NODES",
]

#: 'auto' picks dense LU for general tables with at most this many nodes.
DENSE_AUTO_NODES = 2000
#: 'auto' picks dense LU for general tables denser than this.
DENSE_AUTO_DENSITY = 0.1
#: ``LeontiefSolver.inverse()`` refuses tables larger than this.
INVERSE_MAX_NODES = 5000

_COUNTER = itertools.count(1)
_FACTORIZATIONS = 0


def factorization_count() -> int:
    """Number of factorizations done in this process (lets tests observe reuse)."""
    return _FACTORIZATIONS


def _have_umfpack() -> bool:
    try:
        import scikits.umfpack  # noqa: F401
    except ImportError:
        return False
    return True


def available_methods() -> tuple[str, ...]:
    """Solver methods usable in this environment."""
    methods = ("dense", "sparse", "block")
    return methods + ("umfpack",) if _have_umfpack() else methods


class LeontiefSolver:
    """A factorization of ``I - A`` reused for any number of right-hand sides.

    Obtain one with :func:`factorize`.  Attributes: ``method``, ``shape``, ``nnz`` (stored
    numbers of the factors or of the structured operator), ``labels`` (node index),
    ``table_name`` and ``id`` (unique per factorization).
    """

    def __init__(self, method: str, table: BaseTable, nnz: int, tol: float | None = None):
        global _FACTORIZATIONS
        _FACTORIZATIONS += 1
        self.method = method
        self.shape = (table.n_nodes, table.n_nodes)
        self.nnz = int(nnz)
        self.labels = table.nodes
        self.table_name = table.name
        self.tol = tol
        self.id = next(_COUNTER)
        self.iterations: list[int] = []

    def __repr__(self) -> str:
        tol = f", tol={self.tol:g}" if self.tol is not None else ""
        return (
            f"<LeontiefSolver method={self.method!r} shape={self.shape} nnz={self.nnz}"
            f"{tol} table={self.table_name!r}>"
        )

    def solve(self, rhs, trans: Literal["N", "T"] = "N"):
        """Solve ``(I - A) X = rhs`` (trans='N') or ``(I - A)^T X = rhs`` (trans='T').

        Parameters
        ----------
        rhs : ndarray of shape (n,) or (n, k), pandas Series or DataFrame
            Right-hand side(s); labelled inputs are aligned to the solver's node labels (a
            DataFrame with nodes as columns and k rows is accepted too and solved row-wise).
        trans : {'N', 'T'}, default='N'

        Returns
        -------
        ndarray or pandas object of the same shape and labels as ``rhs``.

        Raises
        ------
        ShapeMismatchError
            If ``rhs`` does not have n rows (or its labels do not match the nodes).
        ConvergenceError
            (method 'block') when the iteration does not reach ``tol``.
        """
        if trans not in ("N", "T"):
            raise ValueError(f"trans must be 'N' or 'T', got {trans!r}")
        n = self.shape[0]
        if isinstance(rhs, pd.Series):
            b = self._aligned(rhs.index, what="Series index")
            return pd.Series(
                self._solve(rhs.to_numpy(float)[b][:, None], trans)[:, 0],
                index=self.labels,
                name=rhs.name,
            )
        if isinstance(rhs, pd.DataFrame):
            if rhs.shape[0] == n and _labels_match(rhs.index, self.labels):
                b = self._aligned(rhs.index, what="DataFrame index")
                out = self._solve(rhs.to_numpy(float)[b], trans)
                return pd.DataFrame(out, index=self.labels, columns=rhs.columns)
            b = self._aligned(rhs.columns, what="DataFrame columns")
            out = self._solve(np.ascontiguousarray(rhs.to_numpy(float)[:, b].T), trans)
            return pd.DataFrame(out.T, index=rhs.index, columns=self.labels)
        arr = np.asarray(rhs, dtype=np.float64)
        if arr.ndim not in (1, 2) or arr.shape[0] != n:
            raise ShapeMismatchError(
                f"solve: right-hand side must have shape ({n},) or ({n}, k), got {arr.shape}"
            )
        if arr.ndim == 1:
            return self._solve(arr[:, None], trans)[:, 0]
        return self._solve(arr, trans)

    def _aligned(self, index: pd.Index, *, what: str) -> np.ndarray:
        if not _labels_match(index, self.labels):
            missing = self.labels.difference(index)
            unexpected = pd.Index(index).difference(self.labels)
            raise ShapeMismatchError(
                f"solve: {what} does not match the {self.shape[0]} nodes of table "
                f"{self.table_name!r}: missing {list(map(format_label, missing[:5]))}, "
                f"unexpected {list(map(format_label, unexpected[:5]))}"
            )
        return pd.Index(index).get_indexer(self.labels)

    def _solve(self, rhs: np.ndarray, trans: str) -> np.ndarray:
        raise NotImplementedError

    def inverse(self, *, max_nodes: int = INVERSE_MAX_NODES) -> np.ndarray:
        """Return the dense Leontief inverse ``L`` (n, n); only on explicit request.

        Refuses tables above ``max_nodes`` nodes and always emits an EfficiencyWarning: prefer
        :meth:`solve`.
        """
        n = self.shape[0]
        if n > max_nodes:
            raise MemoryError(
                f"inverse: refusing to form a dense {n} x {n} Leontief inverse "
                f"(> max_nodes={max_nodes}); use solve() instead"
            )
        warnings.warn(
            f"forming the dense Leontief inverse of shape ({n}, {n}); solve() with the "
            "factorization is faster and exact",
            EfficiencyWarning,
            stacklevel=2,
        )
        return self._solve(np.eye(n), "N")


def _labels_match(index: pd.Index, labels: pd.MultiIndex) -> bool:
    index = pd.Index(index)
    return len(index) == len(labels) and index.isin(labels).all() and not index.has_duplicates


def _worst_columns(table: BaseTable) -> str:
    A = table.technical_coefficients("sparse")
    colsum = np.asarray(A.sum(axis=0)).ravel()
    worst = np.argsort(-colsum)[:3]
    return ", ".join(f"{format_label(table.nodes[j])} (column sum {colsum[j]:.6g})" for j in worst)


class _DenseLU(LeontiefSolver):
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


class _SparseLU(LeontiefSolver):
    def __init__(self, table: BaseTable):
        A = table.technical_coefficients("sparse")
        M = sp.csc_matrix(sp.identity(table.n_nodes, format="csc") - A)
        try:
            self._lu = spla.splu(M)
        except RuntimeError as exc:
            raise NonProductiveSystemError(
                f"table {table.name!r}: I - A is singular ({exc}); worst columns: "
                f"{_worst_columns(table)}"
            ) from None
        super().__init__("sparse", table, nnz=self._lu.L.nnz + self._lu.U.nnz)

    def _solve(self, rhs, trans):
        return self._lu.solve(np.asfortranarray(rhs), trans=trans)


class _Umfpack(LeontiefSolver):  # pragma: no cover - only with scikit-umfpack installed
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


#: Memory budget of the GMRES Krylov basis per chunk of right-hand sides (bytes).
KRYLOV_BUDGET = 1 << 30


class _BlockIterative(LeontiefSolver):
    def __init__(
        self,
        table: BaseTable,
        tol: float,
        maxiter: int,
        chunk: int,
        iteration: str,
        restart: int,
        workers: int,
        degree: int = 16,
    ):
        self._table = table
        self._maxiter = maxiter
        self.iteration = iteration
        self._restart = restart
        if iteration == "gmres":
            per_column = (restart + 1) * table.n_nodes * 8
            chunk = max(1, min(chunk, KRYLOV_BUDGET // per_column))
        self._chunk = chunk
        self.workers = workers
        _ = table.local_block_inverses  # the "factorization": R small blocks ...
        self.roots = None
        if iteration == "polynomial":  # ... and, for the polynomial iteration, its roots
            self.roots = polynomial_roots(table, degree)
        super().__init__("block", table, nnz=table.n_stored, tol=tol)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f" iteration={self.iteration!r}>"

    def _solve(self, rhs, trans):
        k = rhs.shape[1]
        parts = [slice(a, min(a + self._chunk, k)) for a in range(0, k, self._chunk)]
        if self.workers > 1 and k >= 8 * self.workers:
            # split further so that every worker thread has columns to iterate
            size = -(-k // max(self.workers, len(parts)))
            parts = [slice(a, min(a + size, k)) for a in range(0, k, size)]
        out = np.empty_like(rhs)
        if len(parts) == 1 or self.workers == 1:
            for sl in parts:
                out[:, sl] = self._solve_part(rhs[:, sl], trans)
            return out
        # columns are independent: each thread iterates its own columns with single-threaded
        # BLAS, so the memory-bound Krylov updates run in parallel too
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits

        def run(sl):  # each part's answer goes straight into `out`, then is freed
            out[:, sl] = self._solve_part(rhs[:, sl], trans)

        with threadpool_limits(limits=1, user_api="blas"):
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                list(pool.map(run, parts))
        return out

    def _solve_part(self, rhs, trans):
        t = self._table
        tr = trans == "T"
        what = f"(I - A{'^T' if tr else ''}) X = rhs for table {t.name!r}"
        if self.iteration != "polynomial":  # the polynomial iteration copies rhs itself
            rhs = np.ascontiguousarray(rhs)

        def apply_minv(v):
            return t.apply_local_inverse(v, trans=tr)

        def apply_off(v):
            return t.apply_offdiagonal(v, trans=tr)

        def apply_off_minv(v):
            if tr:
                return apply_off(apply_minv(v))
            return t.apply_offdiagonal_preconditioned(v)

        common = {"tol": self.tol, "maxiter": self._maxiter, "what": what}
        if self.iteration == "polynomial":
            x, it, _ = polynomial_iteration(
                rhs, apply_minv, apply_off_minv, roots=self.roots, restart=self._restart, **common
            )
        elif self.iteration == "gmres":
            x, it, _ = gmres_lockstep(
                rhs,
                apply_minv,
                apply_off,
                restart=self._restart,
                apply_off_minv=apply_off_minv,
                **common,
            )
        else:
            x, it, _ = block_jacobi(rhs, apply_minv, apply_off, **common)
        self.iterations.append(it)
        return x


def polynomial_roots(table: BaseTable, degree: int = 16) -> np.ndarray:
    """Roots of the block method's polynomial iteration for a structured table.

    The harmonic Ritz values of the block-Jacobi preconditioned operator
    ``K = I - A_off M^-1`` (``M`` the within-city blocks) from ``degree`` Arnoldi steps on a
    fixed random start vector, so the result is deterministic.  ``K^T`` has the same
    spectrum (``A_off^T M^-T`` is similar to ``A_off M^-1``), so the same roots serve
    transposed solves.

    Parameters
    ----------
    table : StructuredMRIOTable
    degree : int, default=16
        Arnoldi steps (one operator application to one vector each).

    Returns
    -------
    ndarray of complex, shape (d,), d <= degree
        Leja-ordered roots (dimensionless), conjugate pairs adjacent.
    """
    start = np.random.default_rng(0).standard_normal(table.n_nodes)
    return harmonic_ritz_roots(
        lambda v: v - table.apply_offdiagonal_preconditioned(v), start, degree
    )


def factorize(
    table: BaseTable,
    *,
    method: Literal["auto", "dense", "sparse", "umfpack", "block"] = "auto",
    tol: float = 1e-10,
    maxiter: int = 2000,
    chunk: int = 512,
    iteration: Literal["polynomial", "gmres", "jacobi"] = "polynomial",
    restart: int = 20,
    degree: int = 16,
    workers: int | None = None,
) -> LeontiefSolver:
    """Factorize ``I - A`` of a table once; return a reusable :class:`LeontiefSolver`.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    method : {'auto', 'dense', 'sparse', 'umfpack', 'block'}, default='auto'
        See the module docstring.  'block' needs a structured table; 'dense', 'sparse' and
        'umfpack' materialize A of a structured table (sparse, or dense with a size warning).
    tol : float, default=1e-10
        Relative residual per right-hand side for the iterative 'block' method.
    maxiter : int, default=2000
        Iteration limit of the 'block' method.
    chunk : int, default=512
        Right-hand sides iterated together by the 'block' method (bounds memory; GMRES lowers
        it so that its Krylov basis stays within ``KRYLOV_BUDGET``).
    iteration : {'polynomial', 'gmres', 'jacobi'}, default='polynomial'
        Iteration of the 'block' method: the fixed-polynomial (Richardson) iteration,
        lockstep GMRES(restart) or block-Jacobi.
    restart : int, default=20
        GMRES restart length (also of the polynomial iteration's GMRES fallback).
    degree : int, default=16
        Arnoldi steps, hence at most this many roots, of the polynomial iteration (16
        applications of the operator to one vector, made once per factorization).
    workers : int, optional
        Threads of the 'block' method, each iterating its own right-hand sides with
        single-threaded BLAS (default: the number of CPUs, at most 4).

    Returns
    -------
    LeontiefSolver

    Raises
    ------
    NonProductiveSystemError
        If I - A is singular.
    ValueError
        For an unknown method, or 'block' on a general table.
    """
    ensure_table(table)
    methods = ("auto", "dense", "sparse", "umfpack", "block")
    if method not in methods:
        raise ValueError(
            f"The 'method' parameter of factorize must be one of {methods}. Got {method!r} instead."
        )
    if method == "auto":
        if table.structured:
            method = "block"
        elif table.n_nodes <= DENSE_AUTO_NODES or table.density > DENSE_AUTO_DENSITY:
            method = "dense"
        else:
            method = "umfpack" if _have_umfpack() else "sparse"
    if method == "block":
        if not table.structured:
            raise ValueError(
                f"method='block' needs a structured table (trade shares x technology); table "
                f"{table.name!r} is general: use 'dense' or 'sparse'"
            )
        if not tol > 0:
            raise ValueError(f"tol must be > 0, got {tol!r}")
        if iteration not in ("polynomial", "gmres", "jacobi"):
            raise ValueError(
                f"iteration must be 'polynomial', 'gmres' or 'jacobi', got {iteration!r}"
            )
        if not (isinstance(degree, int) and degree >= 1):
            raise ValueError(f"degree must be a positive integer, got {degree!r}")
        if workers is None:
            workers = min(os.cpu_count() or 1, 4)
        if not (isinstance(workers, int) and workers >= 1):
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        return _BlockIterative(
            table,
            tol=tol,
            maxiter=maxiter,
            chunk=chunk,
            iteration=iteration,
            restart=restart,
            workers=workers,
            degree=degree,
        )
    if method == "dense":
        return _DenseLU(table)
    if method == "umfpack":
        if not _have_umfpack():
            raise ValueError("method='umfpack' needs scikit-umfpack; it is not installed")
        return _Umfpack(table)
    return _SparseLU(table)
