"""Structured (Chenery-Moses) city MRIO tables: trade shares x regional technology.

A city MRIO in Chenery-Moses form never needs its n x n intermediate matrix:

``Z[(c,i),(d,j)] = t_i[c,d] * b_ij[d] * x_j[d]``, i.e. ``A = P B`` where

* ``t_i[c,d]`` (``trade_shares[i, c, d]``) is the share of city d's use of product i supplied by
  city c (columns sum to 1 over c) [1];
* ``b_ij[d]`` (``technology[d, i, j]``) is city d's domestic input of product i (from any city)
  per unit output of sector j [money/money]; ``B`` is block-diagonal with one block per city;
* final demand is ``Y[(c,i),(d,k)] = tY_i[c,d] * y_ik[d]`` with ``final_demand[d, i, k]`` the
  demand of city d's category k for product i [money] and ``final_trade_shares`` (default: the
  intermediate trade shares).

At 309 cities x 42 sectors that is about 4.6 million numbers instead of 168 million.  Trade shares
may be a dense (n_sectors, n_cities, n_cities) array or a sequence of n_sectors scipy.sparse
(n_cities, n_cities) matrices (county scale, each region trading with its nearest partners).

Z, A and Y materialize only on request (:meth:`StructuredMRIOTable.technical_coefficients`,
:meth:`~StructuredMRIOTable.intermediate_flows`), with an EfficiencyWarning above
``DENSE_WARN_NODES`` nodes when dense.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city.model import _checks
from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import InconsistentOutputError, TableValidationError
from mrio_city.model.labels import format_label
from mrio_city.model.schema import COMMON_FIELDS, TableMetadata
from mrio_city.model.shares import apply_shares, diagonal_shares, share_matrix

__all__ = ["StructuredMRIOTable", "TradeShares"]

TradeShares = np.ndarray | Sequence[sp.spmatrix]

#: How a table built without gross output gets it: the solve layer's
#: :func:`mrio_city.solve.output.solve_gross_output`, which registers itself here when
#: :mod:`mrio_city.solve` is imported (importing any part of the package does).  A table never
#: solves; the model layer only knows that somebody below the user's code can.
_OUTPUT_SOLVER: list[Callable[[StructuredMRIOTable, np.ndarray], np.ndarray]] = []


def register_output_solver(
    solve: Callable[[StructuredMRIOTable, np.ndarray], np.ndarray],
) -> None:
    """Install the function that solves ``x = A x + y`` for tables built without ``x``."""
    _OUTPUT_SOLVER[:] = [solve]


def _solved_output(table: StructuredMRIOTable, y: np.ndarray) -> np.ndarray:
    if not _OUTPUT_SOLVER:  # pragma: no cover - mrio_city/__init__ imports the solve layer
        raise RuntimeError("no gross-output solver registered: import mrio_city.solve first")
    return _OUTPUT_SOLVER[0](table, y)


def _freeze_shares(shares, *, R: int, N: int, table: str, field: str):
    """Validate trade shares; return a read-only dense array or a tuple of CSR matrices."""
    if isinstance(shares, np.ndarray) or (
        not isinstance(shares, list | tuple) and not sp.issparse(shares)
    ):
        arr = _checks.as_array(shares, table=table, field=field, ndim=3)
        _checks.check_shape(
            arr,
            (N, R, R),
            table=table,
            field=field,
            meaning="n_sectors x n_cities (supplier) x n_cities (user)",
        )
        _checks.check_finite(arr.reshape(N, -1), table=table, field=field)
        _checks.check_nonnegative(arr.reshape(N, -1), table=table, field=field)
        colsum = arr.sum(axis=1)  # (N, R)
    else:
        mats = tuple(sp.csr_matrix(m, dtype=np.float64) for m in shares)
        if len(mats) != N:
            raise _checks.ShapeMismatchError(
                f"table {table!r}: {field} has {len(mats)} sector matrices, expected {N}"
            )
        for i, m in enumerate(mats):
            _checks.check_shape(
                m, (R, R), table=table, field=f"{field}[{i}]", meaning="n_cities x n_cities"
            )
            _checks.check_finite(m, table=table, field=f"{field}[{i}]")
            _checks.check_nonnegative(m, table=table, field=f"{field}[{i}]")
        arr = mats
        colsum = np.vstack([np.asarray(m.sum(axis=0)).ravel() for m in mats])
    bad = (np.abs(colsum - 1.0) > 1e-8) & (colsum != 0.0)
    if bad.any():
        i, d = np.argwhere(bad)[0]
        raise TableValidationError(
            f"table {table!r}: {field} columns must sum to 1 over supplying cities (or be all "
            f"zero); {int(bad.sum())} do not, first sector index {i}, using city index {d}: "
            f"sum = {colsum[i, d]:.10g}"
        )
    return arr


class StructuredMRIOTable(BaseTable):
    """City MRIO held as trade shares x regional technology (see module docstring).

    Parameters
    ----------
    trade_shares : ndarray (n_sectors, n_cities, n_cities) or sequence of sparse (R, R)
        ``t_i[c, d]``: share of city d's use of product i supplied by city c [1].
    technology : array_like of shape (n_cities, n_sectors, n_sectors)
        ``b_ij[d]``: domestic input of product i per unit output of sector j in city d.
    final_demand : array_like of shape (n_cities, n_sectors, n_categories)
        ``y_ik[d]``: demand of city d's category k for product i, from all cities [money].
    F : array_like of shape (n_stressors, n_nodes)
        Direct industrial emissions [stressor unit].
    cities, sectors, categories, stressors, units, F_Y, exports, export_labels, value_added,
    value_added_labels, population, gdp, city_attributes, meta, name
        As for :class:`mrio_city.model.table.MRIOTable`.
    final_trade_shares : like ``trade_shares``, optional
        Trade shares of final demand; default: ``trade_shares``.
    x : array_like of shape (n_nodes,), optional
        Gross output [money]; solved from ``x = A x + Y 1 + exports 1`` when absent (by the
        solve layer, :func:`mrio_city.solve.output.solve_gross_output`, to a relative residual
        of 1e-12) and checked against that identity when given.
    output_rtol : float, default=1e-6
        Relative tolerance of the output check.
    """

    structured = True

    def __init__(
        self,
        trade_shares: TradeShares,
        technology,
        final_demand,
        F,
        *,
        cities: Sequence[object],
        sectors: Sequence[object],
        categories: Sequence[object],
        stressors: Sequence[object],
        units: Mapping[str, str] | Sequence[str] | None = None,
        final_trade_shares: TradeShares | None = None,
        F_Y=None,
        exports=None,
        export_labels: Sequence[object] | None = None,
        value_added=None,
        value_added_labels: Sequence[object] | None = None,
        x=None,
        population=None,
        gdp=None,
        city_attributes: pd.DataFrame | None = None,
        meta: TableMetadata | Mapping[str, Any] | None = None,
        name: str | None = None,
        output_rtol: float = 1e-6,
    ) -> None:
        # the shared arguments, by name (COMMON_FIELDS), are validated in one place
        shared = {k: v for k, v in locals().items() if k in COMMON_FIELDS}
        self._init_common(**shared, name=name)
        t = self.name
        R, N, K = self.n_cities, self.n_sectors, self.n_categories
        self.trade_shares = _freeze_shares(trade_shares, R=R, N=N, table=t, field="trade_shares")
        if final_trade_shares is None:
            self.final_trade_shares = self.trade_shares
        else:
            self.final_trade_shares = _freeze_shares(
                final_trade_shares, R=R, N=N, table=t, field="final_trade_shares"
            )
        self.technology = _checks.checked_array(
            technology,
            (R, N, N),
            table=t,
            field="technology",
            meaning="n_cities x n_sectors x n_sectors",
            rows=self.nodes,
            cols=self.sectors,
            nonnegative=True,
        )
        self.final_demand = _checks.checked_array(
            final_demand,
            (R, N, K),
            table=t,
            field="final_demand",
            meaning="n_cities x n_sectors x n_categories",
            rows=self.nodes,
            cols=self.categories,
        )
        # column sums of A equal column sums of B because trade-share columns sum to 1
        colsum = self.technology.sum(axis=1).reshape(-1)
        self._check_productive(colsum)
        y = self.total_final_demand()
        if x is None:
            xs = _solved_output(self, y)
            self.x = _checks.as_array(np.maximum(xs, 0.0), table=t, field="x", ndim=1)
            _checks.check_nonnegative(
                xs + 1e-12 * np.abs(xs).max(),
                table=t,
                field="x (solved from final demand)",
                rows=self.nodes,
            )
        else:
            self._check_output_rtol(output_rtol, t=t)
            self.x = _checks.as_array(x, table=t, field="x", ndim=1)
            self._check_output(self.x, t=t)
            ax = self.apply_A(self.x[:, None])[:, 0]
            resid = np.abs(self.x - ax - y)
            scale = np.maximum(np.abs(self.x), np.abs(self.x).mean() if self.n_nodes else 1.0)
            err = resid / np.where(scale > 0, scale, 1.0)
            bad = np.flatnonzero(err > output_rtol)
            if bad.size:
                w = int(bad[np.argmax(err[bad])])
                raise InconsistentOutputError(
                    f"table {t!r}: x is inconsistent with A x + Y 1 + exports 1 at {bad.size} "
                    f"city-sector(s) beyond relative tolerance {output_rtol:g}; worst at "
                    f"{format_label(self.nodes[w])}: x = {self.x[w]:.10g}, A x + y = "
                    f"{ax[w] + y[w]:.10g}"
                )
        self._warn_zero_output()
        self._freeze()

    # -- products (no solving: that is the solve layer's) --------------------------------
    @property
    def shares_are_sparse(self) -> bool:
        """Whether trade shares are stored as sparse per-sector matrices."""
        return not isinstance(self.trade_shares, np.ndarray)

    def shares_operand(self, shares: TradeShares) -> np.ndarray | sp.csr_matrix:
        """``shares`` as :func:`~mrio_city.model.shares.apply_shares` takes them.

        Dense shares as they are; sparse ones as one (n, n) matrix in node order, made once
        per share set of this table.
        """
        if isinstance(shares, np.ndarray):
            return shares
        key = id(shares)
        cache = self.__dict__.setdefault("_share_matrices", {})
        if key not in cache:
            cache[key] = share_matrix(shares)
        return cache[key]

    def apply_A(self, V: np.ndarray, trans: bool = False) -> np.ndarray:
        """Return ``A V`` (or ``A^T V``) for V of shape (n, k) without forming A."""
        R, N = self.n_cities, self.n_sectors
        k = V.shape[1]
        P = self.shares_operand(self.trade_shares)
        if not trans:
            W = np.matmul(self.technology, V.reshape(R, N, k))
            return apply_shares(P, W, overwrite=True)
        U = apply_shares(P, V.reshape(R, N, k), trans=True)
        return np.matmul(self.technology.transpose(0, 2, 1), U.reshape(R, N, k)).reshape(R * N, k)

    @cached_property
    def local_shares(self) -> np.ndarray:
        """``t_i[d, d]``, the within-city supply shares, shape (n_cities, n_sectors)."""
        return diagonal_shares(self.trade_shares)

    # -- table interface -----------------------------------------------------------------
    def final_demand_by_city(
        self, cities: slice | np.ndarray | None = None, *, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Domestic final demand of each destination city summed over categories.

        Parameters
        ----------
        cities : slice or int array, optional
            Positions of the destination cities; all cities when None.
        out : ndarray of shape (n_nodes, n_selected_cities), optional
            C-contiguous float64, written with the answer and returned.

        Returns
        -------
        ndarray of shape (n_nodes, n_selected_cities)
            ``Y^d[(c, i)] = tY_i[c, d] * sum_k y_ik[d]`` [money].
        """
        R, N = self.n_cities, self.n_sectors
        sel = np.arange(R)[cities] if cities is not None else np.arange(R)
        ytot = self.final_demand.sum(axis=2)[sel]  # (D, N)
        shares = self.final_trade_shares
        sparse = not isinstance(shares, np.ndarray)
        if out is None:
            result = np.zeros((R * N, sel.size)) if sparse else np.empty((R * N, sel.size))
        else:
            result = out
            if sparse:
                result.fill(0.0)
        blocks = result.reshape((R, N, sel.size), copy=False)
        if sparse:  # scatter the stored shares only (no dense toarray per sector)
            wanted = cities if isinstance(cities, slice) else slice(None) if cities is None else sel
            for i, m in enumerate(shares):
                cols = m[:, wanted]  # a slice of CSR columns: one pass, no index array
                cols.sum_duplicates()  # one stored entry per cell: the scatter assigns
                cols = cols.tocoo()
                blocks[cols.row, i, cols.col] = cols.data * ytot[cols.col, i]
            return result
        for i in range(N):
            np.multiply(shares[i][:, sel], ytot[None, :, i], out=blocks[:, i, :])
        return result

    def final_demand_columns(self) -> np.ndarray:
        """Materialize Y (n_nodes, n_cities * n_categories) [money]; memory n * R * K."""
        R, N, K = self.n_cities, self.n_sectors, self.n_categories
        out = np.empty((R, N, R, K))
        for i in range(N):
            sh = self.final_trade_shares
            t = sh[i] if isinstance(sh, np.ndarray) else sh[i].toarray()
            out[:, i, :, :] = t[:, :, None] * self.final_demand[None, :, i, :]
        return out.reshape(R * N, R * K)

    def total_final_demand(self) -> np.ndarray:
        """Total final demand per node incl. exports, shape (n,) [money].

        ``sum_d tY_i[c, d] y_i[d] + exports``, one share product (no n x n_cities block).
        """
        ytot = self.final_demand.sum(axis=2)[:, :, None]  # (R, N, 1)
        domestic = apply_shares(self.shares_operand(self.final_trade_shares), ytot)[:, 0]
        return domestic + self.exports.sum(axis=1)

    def technical_coefficients(self, format: Literal["sparse", "dense"] = "sparse"):
        """Materialize ``A = P B`` (n, n) as CSC (default) or dense (EfficiencyWarning if large)."""
        R, N = self.n_cities, self.n_sectors
        if format == "dense":
            self._warn_dense("A")
            out = np.zeros((R, N, R, N))
            for i in range(N):
                sh = self.trade_shares
                t = sh[i] if isinstance(sh, np.ndarray) else sh[i].toarray()
                out[:, i, :, :] = t[:, :, None] * self.technology[None, :, i, :]
            return out.reshape(R * N, R * N)
        if format != "sparse":
            raise ValueError(f"format must be 'sparse' or 'dense', got {format!r}")
        blocks = []
        for i in range(N):
            sh = self.trade_shares
            t = sp.coo_matrix(sh[i])  # (R supplier, R user)
            # entries (c,i) -> (d,j) = t[c,d] * b[d,i,j]
            c = np.repeat(t.row, N)
            d = np.repeat(t.col, N)
            j = np.tile(np.arange(N), t.nnz)
            vals = np.repeat(t.data, N) * self.technology[d, i, j]
            blocks.append((c * N + i, d * N + j, vals))
        rows = np.concatenate([b[0] for b in blocks])
        cols = np.concatenate([b[1] for b in blocks])
        vals = np.concatenate([b[2] for b in blocks])
        keep = vals != 0
        n = R * N
        return sp.csc_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n, n))

    def intermediate_flows(self, format: Literal["sparse", "dense"] = "sparse"):
        """Materialize ``Z = A diag(x)`` (n, n) [money] as CSC or dense."""
        A = self.technical_coefficients(format)
        if format == "dense":
            return A * self.x[None, :]
        return sp.csc_matrix(A @ sp.diags(self.x))

    def to_general(self, format: Literal["sparse", "dense"] = "sparse"):
        """Materialize as a general :class:`MRIOTable` (same x and labels)."""
        from mrio_city.model.table import MRIOTable

        return MRIOTable(
            self.intermediate_flows(format),
            self.final_demand_columns(),
            x=self.x,
            **self.common_fields(),
        )

    @property
    def n_stored(self) -> int:
        """Numbers stored for A's structure (trade shares + technology blocks)."""
        sh = self.trade_shares
        nt = sh.size if isinstance(sh, np.ndarray) else sum(m.nnz for m in sh)
        return int(nt + self.technology.size)

    def _own_fields(self) -> dict[str, Any]:
        return {
            "trade_shares": self.trade_shares,
            "technology": self.technology,
            "final_demand": self.final_demand,
            "final_trade_shares": self.final_trade_shares,
        }
