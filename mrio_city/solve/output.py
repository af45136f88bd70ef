"""Gross output of a structured system, ``x = A x + y``, solved by block-Jacobi.

Tables and table generators ask here instead of solving themselves:
:func:`solve_gross_output` is what a :class:`~mrio_city.model.structured.StructuredMRIOTable`
built without ``x`` calls (registered with the model layer when :mod:`mrio_city.solve` is
imported), :func:`gross_output` what a generator calls before any table exists.
"""

from __future__ import annotations

import numpy as np

from mrio_city.model.base_table import BaseTable
from mrio_city.solve.iterative import block_jacobi
from mrio_city.solve.operator import StructuredOperator, operator_of

__all__ = ["OUTPUT_TOL", "gross_output", "solve_gross_output"]

#: Relative residual to which a table's gross output is solved.
OUTPUT_TOL = 1e-12


def gross_output(
    operator: StructuredOperator, y: np.ndarray, *, tol: float = OUTPUT_TOL, what: str = ""
) -> np.ndarray:
    """Gross output ``x = (I - A)^-1 y`` of a structured operator, shape of ``y`` (n,) or (n, k).

    Block-Jacobi (a regular splitting: convergent for every productive system) to a relative
    residual ``tol`` [money in, money out].

    Raises
    ------
    ConvergenceError
        If 5,000 iterations do not reach ``tol``.
    """
    col = np.asarray(y, dtype=np.float64)
    flat = col.ndim == 1
    x, _, _ = block_jacobi(
        col.reshape(operator.n_nodes, -1),
        operator.apply_local_inverse,
        operator.apply_offdiagonal,
        tol=tol,
        maxiter=5000,
        what=what or "gross output",
    )
    return x[:, 0] if flat else x


def solve_gross_output(table: BaseTable, y: np.ndarray) -> np.ndarray:
    """Gross output (n,) of a structured table being built without ``x`` [money]."""
    return gross_output(operator_of(table), y, what=f"gross output of table {table.name!r}")
