"""The structured Leontief operator ``A = P B`` with its within-city blocks (matrix-free).

``P`` holds the trade shares (``P[(c, i), (d, i)] = t_i[c, d]``), ``B`` the block-diagonal
regional technology.  The iterations split ``A = A_loc + A_off`` with ``A_loc = D B`` (``D``
the within-city shares ``t_i[d, d]``), so that ``M = I - A_loc`` is block-diagonal: one small
``n_sectors x n_sectors`` block per city, inverted exactly once.  Every product is one GEMM per
sector (dense shares) or one sparse product (sparse shares) over all right-hand sides, plus one
batched block product.

The operator is built from arrays (:class:`StructuredOperator`), so a table generator can solve
before any table exists, or from a table (:func:`operator_of`, made once per table).

Restricted systems (some cities removed, :mod:`mrio_city.solve.restricted`) use the same
products: a vector that vanishes on whole cities keeps vanishing there under ``M^-1``, so
zeroing the removed cities of every product is the operator of the restricted system.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from mrio_city.model.base_table import BaseTable
from mrio_city.model.shares import apply_shares, diagonal_shares, share_matrix
from mrio_city.solve.city_pairs import MAX_PADDING, CityPairShares

__all__ = ["StructuredOperator", "operator_of"]


class StructuredOperator:
    """``A = P B`` of a structured table and its block-Jacobi splitting (matrix-free).

    Parameters
    ----------
    trade_shares : ndarray (n_sectors, R, R) or sequence of sparse (R, R)
        ``t_i[c, d]``, columns summing to 1 over supplying cities c [1].
    technology : ndarray (R, n_sectors, n_sectors)
        ``b_ij[d]``, city d's input of product i per unit output of sector j [money/money].
    """

    def __init__(self, trade_shares: np.ndarray | Sequence[sp.spmatrix], technology: np.ndarray):
        self.technology = technology
        self.n_cities, self.n_sectors = technology.shape[0], technology.shape[1]
        self.n_nodes = self.n_cities * self.n_sectors
        self.local_shares = diagonal_shares(trade_shares)
        if isinstance(trade_shares, np.ndarray):
            self._shares = trade_shares
            self._offdiagonal_shares = trade_shares
            self._local = self.local_shares
            self.n_stored = int(trade_shares.size + technology.size)
        else:  # sparse: A_off by city pairs (city_pairs.py) or one node-order (n, n) matrix
            self._shares = None
            self._local = None
            self.n_stored = int(sum(m.nnz for m in trade_shares) + technology.size)
            pairs = CityPairShares(trade_shares)
            if pairs.padding <= MAX_PADDING:
                self._offdiagonal_shares = pairs
            else:  # sector patterns too different: the within-city entries left out
                self._offdiagonal_shares = share_matrix(trade_shares, offdiagonal=True)
        self._sparse_shares = trade_shares if self._shares is None else None

    @classmethod
    def from_table(cls, table: BaseTable) -> StructuredOperator:
        """The operator of a structured table (see :func:`operator_of` for the cached one)."""
        return cls(table.trade_shares, table.technology)

    @property
    def local_block_inverses(self) -> np.ndarray:
        """``(I - D_d B_d)^-1`` for every city d, shape (R, N, N): the within-city blocks.

        Made on request from ``G_d = B_d (I - D_d B_d)^-1`` (what the products keep):
        ``M_d^-1 = I + D_d G_d``.
        """
        G = self._technology_local_inverse
        return np.eye(self.n_sectors, dtype=G.dtype) + self.local_shares[:, :, None] * G

    @cached_property
    def _technology_local_inverse(self) -> np.ndarray:
        """``G_d = B_d (I - D_d B_d)^-1`` per city, shape (R, N, N): the one block array kept.

        ``G_d^T`` solves ``(I - D_d B_d)^T G_d^T = B_d^T``; the within-city inverses follow
        from it (``M_d^-1 = I + D_d G_d``, as ``M_d^-1 = I + D_d B_d M_d^-1``), so only this
        array is stored: it serves the fused product ``A_off M^-1`` and ``M^-1`` alike.
        """
        N = self.n_sectors
        M = np.eye(N)[None, :, :] - self.local_shares[:, :, None] * self.technology
        G_T = np.linalg.solve(M.transpose(0, 2, 1), self.technology.transpose(0, 2, 1))
        return np.ascontiguousarray(G_T.transpose(0, 2, 1))

    @cached_property
    def _full_shares(self):
        if self._shares is not None:
            return self._shares
        return share_matrix(self._sparse_shares)

    @cached_property
    def single(self) -> StructuredOperator:
        """The same operator in float32 (for the correction solves of mixed precision).

        A copy of every array the products read, in single precision: about half the GEMM
        time and memory traffic of each product.  Dense trade shares are kept without their
        diagonal (``P - D``), so a product needs no subtraction of the within-city part; this
        twin therefore has the products of ``A_off`` and ``M^-1`` only, not ``A`` itself.
        Made on first use, kept with this operator.
        """
        twin = object.__new__(_SingleOperator)
        f32 = np.float32
        twin.n_cities, twin.n_sectors, twin.n_nodes = self.n_cities, self.n_sectors, self.n_nodes
        twin.n_stored = self.n_stored
        twin._double = self
        twin.local_shares = self.local_shares.astype(f32)
        twin._local = None
        if self._shares is not None:  # dense: the inter-city shares only, diagonal zeroed
            twin._shares = self._shares.astype(f32)
            R = self.n_cities
            twin._shares.reshape(self.n_sectors, R * R)[:, :: R + 1] = 0.0
            twin._offdiagonal_shares = twin._shares
        else:
            twin._shares = None
            twin._offdiagonal_shares = self._offdiagonal_shares.astype(f32)
        twin._sparse_shares = self._sparse_shares
        twin.__dict__["_technology_local_inverse"] = self._technology_local_inverse.astype(f32)
        twin.__dict__["single"] = twin
        return twin

    def _blocks(self, V: np.ndarray) -> np.ndarray:
        return V.reshape(self.n_cities, self.n_sectors, V.shape[1])

    def apply(self, V: np.ndarray, trans: bool = False) -> np.ndarray:
        """Return ``A V`` (or ``A^T V``) for V of shape (n, k)."""
        if not trans:
            W = np.matmul(self.technology, self._blocks(V))
            return apply_shares(self._full_shares, W, overwrite=True)
        U = apply_shares(self._full_shares, self._blocks(V), trans=True)
        return np.matmul(self.technology.transpose(0, 2, 1), self._blocks(U)).reshape(V.shape)

    def apply_local_inverse(self, V: np.ndarray, trans: bool = False) -> np.ndarray:
        """Return ``M^-1 V`` (or ``M^-T V``), ``M = I - A_loc``, by the per-city blocks.

        ``M^-1 V = V + D (G V)`` and ``M^-T V = V + G^T (D V)`` with ``G = B M^-1``.
        """
        G, Vb = self._technology_local_inverse, self._blocks(V)
        local = self.local_shares[:, :, None]
        if trans:
            out = np.matmul(G.transpose(0, 2, 1), local * Vb)
        else:
            out = np.matmul(G, Vb)
            out *= local
        out += Vb
        return out.reshape(V.shape)

    def apply_offdiagonal(self, V: np.ndarray, trans: bool = False) -> np.ndarray:
        """Return ``A_off V`` (or ``A_off^T V``): inter-city trade only."""
        if not trans:
            W = np.matmul(self.technology, self._blocks(V))
            return self._apply_offdiagonal_shares(W)
        U = self._apply_offdiagonal_shares(self._blocks(V), trans=True)
        return np.matmul(self.technology.transpose(0, 2, 1), self._blocks(U)).reshape(V.shape)

    def _apply_offdiagonal_shares(self, W: np.ndarray, trans: bool = False) -> np.ndarray:
        """``(P - D) W`` (or transposed) for W of shape (R, n_sectors, k); may overwrite W."""
        P = self._offdiagonal_shares
        if isinstance(P, CityPairShares):
            return P.apply(W, trans=trans)
        return apply_shares(P, W, trans=trans, local=self._local, overwrite=not trans)

    def apply_offdiagonal_preconditioned(self, V: np.ndarray, trans: bool = False) -> np.ndarray:
        """Return ``A_off M^-1 V`` (or ``M^-T A_off^T``... transposed: ``A_off^T M^-T V``).

        ``A_off M^-1 = (P - D) B M^-1`` and ``B M^-1`` is block-diagonal, so the forward
        product is one batched block product and one share product; the transposed one is
        the two products in turn.  Returns a new array.
        """
        if trans:
            return self.apply_offdiagonal(self.apply_local_inverse(V, trans=True), trans=True)
        W = np.matmul(self._technology_local_inverse, self._blocks(V))
        return self._apply_offdiagonal_shares(W)

    @property
    def can_step(self) -> bool:
        """Whether :meth:`step_preconditioned` is available (sparse pairs compiled with numba)."""
        P = self._offdiagonal_shares
        return isinstance(P, CityPairShares) and P.can_step()

    def step_preconditioned(
        self,
        x: np.ndarray,
        update: tuple[np.ndarray, float, float] | None,
        target: np.ndarray,
        coefficient: float,
        *,
        store: np.ndarray | None = None,
        norms: bool = False,
    ) -> np.ndarray | None:
        """``K x = x - A_off M^-1 x`` and the vector updates of one polynomial step, fused.

        For (n, k) C-contiguous arrays: ``store = K x``, ``u += a x + b K x`` for
        ``update = (u, a, b)`` and ``target += coefficient K x`` (``target`` may be ``x``),
        written city by city in one pass after the block product (see
        :meth:`CityPairShares.step`); returns the column norms of the new ``target`` when
        ``norms``.  Forward products only, on sparse trade by city pairs (:attr:`can_step`).
        """
        W = np.matmul(self._technology_local_inverse, self._blocks(x))
        if update is not None:
            update = (self._blocks(update[0]), update[1], update[2])
        return self._offdiagonal_shares.step(
            W,
            self._blocks(x),
            update,
            self._blocks(target),
            coefficient,
            store=None if store is None else self._blocks(store),
            norms=norms,
        )

    def zero_cities(self, V: np.ndarray, removed: np.ndarray) -> np.ndarray:
        """Zero, in place, column j of V on the cities with ``removed[:, j]`` (R, k) True."""
        Vb = self._blocks(V)
        c, j = np.nonzero(removed)
        Vb[c, :, j] = 0.0
        return V


class _SingleOperator(StructuredOperator):
    """The float32 twin (:attr:`StructuredOperator.single`).

    The preconditioned products need the blocks ``G = B M^-1``; the technology (transposed
    products) is cast from the float64 operator on first use, so a solve that never
    transposes does not hold it.
    """

    _double: StructuredOperator

    @cached_property
    def technology(self) -> np.ndarray:  # type: ignore[override]
        return self._double.technology.astype(np.float32)

    @property
    def _full_shares(self):  # type: ignore[override]
        raise NotImplementedError("the float32 twin has A_off M^-1 and M^-1 only, not A")


def operator_of(table: BaseTable) -> StructuredOperator:
    """The :class:`StructuredOperator` of a structured table, made once per table.

    It is kept with the table (tables are immutable, so it never goes stale) and dropped
    with it; the block inverses are computed on first use.
    """
    if not getattr(table, "structured", False):
        raise ValueError(
            f"table {table.name!r} is general: the structured operator needs trade shares x "
            "technology"
        )
    op = table.__dict__.get("_structured_operator")
    if op is None:
        op = StructuredOperator.from_table(table)
        table.__dict__["_structured_operator"] = op
    return op
