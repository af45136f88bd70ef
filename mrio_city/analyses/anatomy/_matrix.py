"""Products with A and single columns of A for general and structured tables (no n x n)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from mrio_city.model.base_table import BaseTable
from mrio_city.solve.operator import operator_of


class Coefficients:
    """``A`` of a table as products and columns, built once per table."""

    def __init__(self, table: BaseTable):
        self.table = table
        if table.structured:
            self._op = operator_of(table)
            shares = table.trade_shares
            self._dense_shares = shares if isinstance(shares, np.ndarray) else None
            self._csc_shares = (
                None if self._dense_shares is not None else [sp.csc_matrix(m) for m in shares]
            )
        else:
            self._A = sp.csc_matrix(table.technical_coefficients("sparse"))

    def apply(self, V: np.ndarray, trans: bool = False) -> np.ndarray:
        """``A V`` (or ``A^T V``) for V of shape (n, k)."""
        if self.table.structured:
            return self._op.apply(np.ascontiguousarray(V), trans=trans)
        return np.asarray((self._A.T if trans else self._A) @ V)

    def column(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Non-zero entries of column j of A: (row positions, values)."""
        if not self.table.structured:
            lo, hi = self._A.indptr[j], self._A.indptr[j + 1]
            return self._A.indices[lo:hi], self._A.data[lo:hi]
        t = self.table
        N = t.n_sectors
        d, jj = divmod(j, N)
        b = t.technology[d, :, jj]  # (N,) input of product i per unit output
        if self._dense_shares is not None:
            vals = self._dense_shares[:, :, d] * b[:, None]  # (N, R): t_i[c, d] b_i
            vals = vals.T.reshape(-1)  # node (c, i) = c * N + i
            rows = np.flatnonzero(vals)
            return rows, vals[rows]
        rows, vals = [], []
        for i in np.flatnonzero(b):
            m = self._csc_shares[i]
            lo, hi = m.indptr[d], m.indptr[d + 1]
            rows.append(m.indices[lo:hi] * N + i)
            vals.append(m.data[lo:hi] * b[i])
        if not rows:
            return np.zeros(0, int), np.zeros(0)
        r, v = np.concatenate(rows), np.concatenate(vals)
        order = np.argsort(r)
        return r[order], v[order]
