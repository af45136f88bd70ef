"""The solver interface: :class:`LeontiefSolver`, one factorization reused for many solves.

Concrete solvers live in :mod:`mrio_city.solve.direct` (dense and sparse LU) and
:mod:`mrio_city.solve.block` (matrix-free iterations on structured tables);
:func:`mrio_city.solve.solver.factorize` chooses one.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Literal

import numpy as np
import pandas as pd

from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import EfficiencyWarning, ShapeMismatchError
from mrio_city.model.labels import format_label

__all__ = ["INVERSE_MAX_NODES", "LeontiefSolver", "factorization_count"]

#: ``LeontiefSolver.inverse()`` refuses tables larger than this.
INVERSE_MAX_NODES = 5000


class _IdSequence:
    """Identifiers of factorizations: unique, increasing, and counting what was issued.

    The count is the only state and only grows; it holds no solver (nothing is cached).
    """

    def __init__(self) -> None:
        self._next = itertools.count(1)
        self.issued = 0

    def issue(self) -> int:
        self.issued = next(self._next)
        return self.issued


_IDS = _IdSequence()


def factorization_count() -> int:
    """Number of factorizations made in this process so far (lets tests observe reuse).

    Every :class:`LeontiefSolver` takes the next identifier (``solver.id``) when it is made,
    so this is also the latest identifier issued.
    """
    return _IDS.issued


class LeontiefSolver:
    """A factorization of ``I - A`` reused for any number of right-hand sides.

    Obtain one with :func:`factorize`.  Attributes: ``method``, ``shape``, ``nnz`` (stored
    numbers of the factors or of the structured operator), ``labels`` (node index),
    ``table`` (the table factorized), ``table_name``, ``id`` (unique per factorization) and
    ``columns_per_solve`` (how many right-hand sides callers that cut their work into chunks,
    such as the accounts, hand to one solve by default).
    """

    #: Right-hand sides per solve for callers that chunk their work (memory ~ n * this).
    columns_per_solve: int = 96

    def __init__(self, method: str, table: BaseTable, nnz: int, tol: float | None = None):
        self.method = method
        self.shape = (table.n_nodes, table.n_nodes)
        self.nnz = int(nnz)
        self.labels = table.nodes
        self.table_name = table.name
        self.tol = tol
        self.id = _IDS.issue()
        self.table = table
        self.iterations: list[int] = []

    def __repr__(self) -> str:
        tol = f", tol={self.tol:g}" if self.tol is not None else ""
        return (
            f"<LeontiefSolver method={self.method!r} shape={self.shape} nnz={self.nnz}"
            f"{tol} table={self.table_name!r}>"
        )

    def solve(self, rhs, trans: Literal["N", "T"] = "N", *, overwrite_rhs: bool = False):
        """Solve ``(I - A) X = rhs`` (trans='N') or ``(I - A)^T X = rhs`` (trans='T').

        Parameters
        ----------
        rhs : ndarray of shape (n,) or (n, k), pandas Series or DataFrame
            Right-hand side(s); labelled inputs are aligned to the solver's node labels (a
            DataFrame with nodes as columns and k rows is accepted too and solved row-wise).
        trans : {'N', 'T'}, default='N'
        overwrite_rhs : bool, default=False
            Allow the solver to write the answer over ``rhs`` (a C-contiguous float64 (n, k)
            ndarray; other inputs are never overwritten) and return it: one n x k array less
            (the block method does; direct methods may still allocate).

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
        if overwrite_rhs and arr is rhs and arr.flags.c_contiguous and arr.flags.writeable:
            return self._solve_into(arr, trans)
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

    def _solve_into(self, rhs: np.ndarray, trans: str) -> np.ndarray:
        """Solve, allowed to overwrite ``rhs``; by default a new array like :meth:`_solve`."""
        return self._solve(rhs, trans)

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


def _labels_match(index: pd.Index, labels: pd.MultiIndex) -> bool:
    index = pd.Index(index)
    return len(index) == len(labels) and index.isin(labels).all() and not index.has_duplicates
