"""Consumption-based footprints split by final-demand category (docs/methods.md §1.8).

``CBF[s, d, k] = m Y[:, (d, k)]`` with the multipliers ``m = f L`` (one transposed solve for all
cities and categories): the emissions, anywhere in the table, driven by category k of city d's
final demand.  Summed over the categories it is ``consumption_based``.  Exports abroad are the
extra column ``exports_abroad``: for city c, ``m[(c, .)] . exports[(c, .)]``, the emissions,
anywhere, driven by the international exports of city c (the demand-side counterpart of
``embodied_in_exports_abroad``, which counts by emitting city: equal totals), which belong to
no city's consumption; so ``consumption_based + exports_abroad`` summed over cities is the
table's production-based total.

For a structured table the product with Y never forms Y: with the delivered multiplier
``M[d, i] = sum_c m[(c, i)] tY_i[c, d]`` (one product per sector), ``CBF[d, k] =
sum_i y_ik[d] M[d, i]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mrio_city.accounts.footprints import multipliers as _multipliers
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.solve.solver import LeontiefSolver

__all__ = ["consumption_based_by_final_demand", "EXPORTS_ABROAD"]

#: Column name of the emissions embodied in international exports.
EXPORTS_ABROAD = "exports_abroad"


def consumption_based_by_final_demand(
    table: BaseTable,
    solver: LeontiefSolver | None = None,
    *,
    stressor: str | None = None,
    multipliers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return each city's consumption-based footprint by final-demand category.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    solver : LeontiefSolver, optional
        A factorization of the table (made when absent and ``multipliers`` is not given).
    stressor : str, optional
        Default: the first stressor.
    multipliers : DataFrame, optional
        :func:`mrio_city.accounts.multipliers` of the table (e.g. ``Accounts.multipliers``),
        to skip the solve.

    Returns
    -------
    DataFrame of shape (n_cities, n_categories + 1)
        Index 'city'; one column per final-demand category plus ``exports_abroad``
        [stressor unit]; ``attrs['unit']``.  The category columns sum to
        ``consumption_based``; ``exports_abroad`` (by exporting city) sums over cities to
        ``embodied_in_exports_abroad`` (by emitting city).
    """
    ensure_table(table)
    s = stressor if stressor is not None else table.stressors[0]
    if s not in table.stressors:
        raise KeyError(
            f"stressor {s!r} is not a stressor of table {table.name!r}; have "
            f"{list(table.stressors)}"
        )
    m_all = multipliers if multipliers is not None else _multipliers(table, solver)
    m = np.asarray(m_all.loc[s], dtype=float)  # (n_nodes,)
    R, N, K = table.n_cities, table.n_sectors, table.n_categories
    if table.structured:
        shares = table.final_trade_shares
        m2 = m.reshape(R, N)
        delivered = np.empty((R, N))  # M[d, i]
        for i in range(N):
            t = shares[i]
            delivered[:, i] = t.T @ m2[:, i] if not isinstance(t, np.ndarray) else m2[:, i] @ t
        by_cat = np.einsum("dik,di->dk", table.final_demand, delivered)
    else:
        by_cat = np.asarray(m @ table.Y).reshape(R, K)
    exports = table.exports.sum(axis=1) if table.exports.size else np.zeros(R * N)
    abroad = (m * exports).reshape(R, N).sum(axis=1)
    out = pd.DataFrame(
        np.column_stack([by_cat, abroad]),
        index=pd.Index(table.cities, name="city"),
        columns=[*map(str, table.categories), EXPORTS_ABROAD],
    )
    out.attrs["units"] = dict.fromkeys(out.columns, table.units[s])
    out.attrs["stressor"] = s
    return out
