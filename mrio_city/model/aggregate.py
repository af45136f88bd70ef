"""Table aggregation: group cities and/or sectors into a valid smaller table.

With ``M_c`` (n_cities x n_city_groups) and ``M_s`` (n_sectors x n_sector_groups) the 0/1
membership matrices of two partitions, nodes aggregate with ``C = M_c (x) M_s`` (Kronecker,
city-major like the nodes) and final-demand columns with ``C_d = M_c (x) I_K``:

``Z' = C^T Z C``, ``Y' = C^T Y C_d``, ``exports' = C^T exports``, ``x' = C^T x``,
``F' = F C``, ``F_Y' = F_Y C_d``, ``value_added' = value_added C``,
``population' = M_c^T population``, ``gdp' = M_c^T gdp``.

Flows, final demand, value added and satellites are summed, so totals are kept exactly; the
footprints of the aggregated table differ from group sums of the full table's footprints by the
*aggregation bias* (members of a group share one average technology and emission intensity).

Structured (trade shares x technology) tables: ``Z' = C^T A diag(x) C`` is built by applying A
to the n_new columns of ``diag(x) C`` through the table's operator (nothing n x n is formed).
A Chenery-Moses form of the aggregate exists exactly only when the members of every group share
technology and trade-share columns, which real groupings never do, so any grouping that merges
something returns a general table; a grouping that merges nothing returns the table itself.
City attributes are kept where they are constant within every group (e.g. ``province`` when
grouping cities inside provinces) and dropped otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city.model.base_table import DENSE_WARN_NODES, BaseTable
from mrio_city.model.errors import LabelMismatchError
from mrio_city.model.table import MRIOTable, TableMetadata

__all__ = ["aggregate", "partition_matrix"]

_BLOCK = 256


def partition_matrix(
    labels: pd.Index, mapping: Mapping[str, object] | pd.Series | None, *, what: str, table: str
) -> tuple[np.ndarray, list[str]]:
    """0/1 matrix (n_labels, n_groups) of a partition given as label -> group.

    Parameters
    ----------
    labels : Index
        The table's labels (cities or sectors), in order.
    mapping : mapping or Series, optional
        Label -> group for every label; None keeps every label as its own group.
    what : str
        'city' or 'sector', for messages.
    table : str
        Table name, for messages.

    Returns
    -------
    matrix : ndarray (n_labels, n_groups)
    groups : list of str, in order of first appearance along ``labels``

    Raises
    ------
    LabelMismatchError
        When the mapping misses labels of the table or names labels it does not have.
    """
    if mapping is None:
        return np.eye(len(labels)), list(labels)
    m = {str(k): v for k, v in dict(mapping).items()}
    unknown = sorted(set(m) - set(labels))
    missing = [lab for lab in labels if lab not in m or pd.isna(m[lab])]
    if unknown or missing:
        raise LabelMismatchError(
            f"table {table!r}: the {what} grouping must give a group for every {what} and only "
            f"for the table's {what} labels; missing {missing[:8]}, unknown {unknown[:8]}"
        )
    groups = list(dict.fromkeys(str(m[lab]) for lab in labels))
    pos = {g: k for k, g in enumerate(groups)}
    M = np.zeros((len(labels), len(groups)))
    M[np.arange(len(labels)), [pos[str(m[lab])] for lab in labels]] = 1.0
    return M, groups


def _aggregated_flows(table: BaseTable, C: sp.csr_matrix) -> np.ndarray:
    """``C^T Z C`` (n_new, n_new) without forming Z for structured tables."""
    if not table.structured:
        Z = table.Z
        if sp.issparse(Z):
            return np.asarray((C.T @ (Z @ C)).todense())
        return np.asarray(C.T @ (C.T @ Z).T).T  # sparse C times dense Z, twice: C stays sparse
    n_new = C.shape[1]
    out = np.empty((n_new, n_new))
    Ccols = C.tocsc()
    for start in range(0, n_new, _BLOCK):
        cols = slice(start, min(start + _BLOCK, n_new))
        W = table.x[:, None] * Ccols[:, cols].toarray()  # one block of diag(x) C at a time
        out[:, cols] = C.T @ table.apply_A(np.ascontiguousarray(W))
    return out


def _aggregated_final_demand(
    table: BaseTable, C: sp.csr_matrix, Mc: np.ndarray, Ms: np.ndarray
) -> np.ndarray:
    """``C^T Y C_d`` (n_new, n_city_groups * K) without materializing a structured Y."""
    K = table.n_categories
    Rg, Ng = Mc.shape[1], Ms.shape[1]
    if not table.structured:
        Y = table.Y.reshape(table.n_nodes, table.n_cities, K)
        Yc = np.einsum("ndk,dg->ngk", Y, Mc).reshape(table.n_nodes, Rg * K)
        return C.T @ Yc
    out = np.zeros((Rg, Ng, Rg, K))
    y = table.final_demand  # (R, N, K): demand of city d for product i
    shares = table.final_trade_shares
    for i in range(table.n_sectors):
        t = shares[i]  # (R supplier, R user), dense or sparse
        V = (Mc[:, :, None] * y[:, i, None, :]).reshape(table.n_cities, Rg * K)
        block = Mc.T @ np.asarray(t @ V)  # (Rg, Rg*K)
        out[:, np.argmax(Ms[i]), :, :] += block.reshape(Rg, Rg, K)
    return out.reshape(Rg * Ng, Rg * K)


def _kept_attributes(attrs: pd.DataFrame | None, Mc: np.ndarray, groups: list[str]):
    if attrs is None:
        return None
    owner = np.argmax(Mc, axis=1)
    keep = {}
    for col in attrs.columns:
        values = attrs[col].groupby(owner).nunique(dropna=False)
        if (values <= 1).all():
            keep[col] = attrs[col].groupby(owner).first().to_numpy()
    return pd.DataFrame(keep, index=pd.Index(groups)) if keep else None


def aggregate(
    table: BaseTable,
    cities: Mapping[str, object] | pd.Series | None = None,
    sectors: Mapping[str, object] | pd.Series | None = None,
    *,
    name: str | None = None,
) -> BaseTable:
    """Aggregate a table's cities and/or sectors (formulas in the module docstring).

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    cities : mapping or Series, optional
        City -> city group for every city (e.g. ``table.city_attributes['province']``).
    sectors : mapping or Series, optional
        Sector -> sector group for every sector (shipped concordances:
        :func:`mrio_city.sources.groupings.sector_grouping`).
    name : str, optional
        Name of the new table; default ``'<name>-aggregated'``.

    Returns
    -------
    MRIOTable or the input table
        The input table itself when the groupings merge nothing and rename nothing.

    Raises
    ------
    LabelMismatchError
        When a grouping misses or invents labels.
    """
    Mc, city_groups = partition_matrix(table.cities, cities, what="city", table=table.name)
    Ms, sector_groups = partition_matrix(table.sectors, sectors, what="sector", table=table.name)
    if city_groups == list(table.cities) and sector_groups == list(table.sectors):
        return table
    R, K = table.n_cities, table.n_categories
    Rg = len(city_groups)
    C = sp.kron(sp.csr_matrix(Mc), sp.csr_matrix(Ms), format="csr")
    Cd = sp.kron(sp.csr_matrix(Mc), sp.identity(K), format="csr")
    Z = _aggregated_flows(table, C)
    Y = _aggregated_final_demand(table, C, Mc, Ms)
    if Z.shape[0] > DENSE_WARN_NODES:
        Z = sp.csr_matrix(Z)
    meta = TableMetadata(
        name=name or f"{table.name}-aggregated",
        year=table.meta.year,
        currency=table.meta.currency,
        money_unit=table.meta.money_unit,
        description=(
            f"{table.name} aggregated to {Rg} city groups x {len(sector_groups)} sector groups. "
            + table.meta.description
        ),
        provenance={
            "aggregated_from": table.name,
            "source_provenance": dict(table.meta.provenance),
            "n_cities": R,
            "n_sectors": table.n_sectors,
        },
    )
    zmin = Z.min() if not sp.issparse(Z) else (Z.data.min() if Z.nnz else 0.0)
    return MRIOTable(
        Z,
        Y,
        table.F @ C,
        cities=city_groups,
        sectors=sector_groups,
        categories=table.categories,
        stressors=table.stressors,
        units=table.units,
        F_Y=table.F_Y @ Cd,
        exports=C.T @ table.exports,
        export_labels=table.export_labels,
        value_added=table.value_added @ C,
        value_added_labels=table.value_added_labels,
        x=C.T @ table.x,
        population=None if table.population is None else Mc.T @ table.population,
        gdp=None if table.gdp is None else Mc.T @ table.gdp,
        city_attributes=_kept_attributes(table.city_attributes, Mc, city_groups),
        meta=meta,
        allow_negative_flows=bool(zmin < 0),
    )
