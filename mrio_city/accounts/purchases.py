"""Gross purchases of each city from every node, intermediate and final.

``P[(s, i), r] = sum_j z[(s,i),(r,j)] + sum_k y[(s,i),(r,k)]`` [money]
(:func:`purchases_by_city`): the right-hand sides of the upstream supply chains of
:mod:`mrio_city.accounts.scopes` and the gross trade of
:mod:`mrio_city.analyses.indicators`, plus the sector and city positions they select by.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.labels import sector_labels

__all__ = ["purchases_by_city"]


def _sector_positions(
    table: BaseTable, sectors: Sequence[str] | str | None, *, what: str
) -> np.ndarray:
    """Positions of explicit sector labels; raise naming the unknown ones."""
    labels = sector_labels(table, sectors, what=what)
    return np.asarray(table.sectors.get_indexer(labels), dtype=np.intp)


def _city_positions(table: BaseTable, cities) -> np.ndarray:
    if cities is None:
        return np.arange(table.n_cities)
    if isinstance(cities, slice):
        return np.arange(table.n_cities)[cities]
    return np.asarray(cities, dtype=np.intp).reshape(-1)


def purchases_by_city(
    table: BaseTable, cities: slice | np.ndarray | None = None, *, include_own: bool = True
) -> np.ndarray:
    """Gross purchases (intermediate + final) of each city from every node.

    ``P[(s, i), r] = sum_j z[(s,i),(r,j)] + sum_k y[(s,i),(r,k)]``.  For structured tables
    ``P[(s, i), r] = t_i[s, r] (B_r x^r)_i + tY_i[s, r] y_i^r`` (nothing n x n is formed).

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    cities : slice or int array, optional
        Positions of the purchasing cities (default all).
    include_own : bool, default=True
        False zeroes each city's purchases from its own nodes (imports only).

    Returns
    -------
    ndarray of shape (n_nodes, n_selected_cities)
        [money unit of the table].
    """
    ensure_table(table)
    R, N = table.n_cities, table.n_sectors
    sel = _city_positions(table, cities)
    k = sel.size
    if table.structured:
        x3 = table.x.reshape(R, N)[sel]  # (k, N)
        use = np.einsum("dij,dj->di", table.technology[sel], x3)  # (k, N) intermediate use
        ytot = table.final_demand.sum(axis=2)[sel]  # (k, N)
        out = np.empty((R, N, k))
        for i in range(N):
            out[:, i, :] = _share_columns(table.trade_shares, i, sel) * use[None, :, i]
            out[:, i, :] += _share_columns(table.final_trade_shares, i, sel) * ytot[None, :, i]
        P = out.reshape(R * N, k)
    else:
        cols = (sel[:, None] * N + np.arange(N)[None, :]).ravel()
        Z = table.Z
        if sp.issparse(Z):
            agg = sp.kron(sp.identity(k, format="csr"), np.ones((N, 1)), format="csr")
            P = np.asarray((sp.csc_matrix(Z)[:, cols] @ agg).toarray())
        else:
            P = Z[:, cols].reshape(table.n_nodes, k, N).sum(axis=2)
        P = P + table.final_demand_by_city(sel)
    if not include_own:
        P = P.reshape(R, N, k)
        P[sel, :, np.arange(k)] = 0.0
        P = P.reshape(R * N, k)
    return P


def _share_columns(shares, i: int, sel: np.ndarray) -> np.ndarray:
    if isinstance(shares, np.ndarray):
        return shares[i][:, sel]
    return shares[i][:, sel].toarray()
