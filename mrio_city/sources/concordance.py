"""Sector concordances: load the shipped CSVs and push labelled frames through them.

A concordance is a long table with columns ``source_code, source_name, target_code,
target_name, share``; each source sector's shares sum to 1.  A share of 1 is a plain
aggregation; shares below 1 split a source sector over several targets.  The CSVs live
in ``tables/concordances/`` of the repository (documented in its README.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city._resources import shipped
from mrio_city.model.errors import DataSourceError, LabelMismatchError
from mrio_city.sources._paths import require_columns

__all__ = [
    "CONCORDANCE_COLUMNS",
    "concordance_dir",
    "list_concordances",
    "load_concordance",
    "concordance_matrix",
    "apply_concordance",
]

CONCORDANCE_COLUMNS = ("source_code", "source_name", "target_code", "target_name", "share")
_SHARE_TOL = 1e-6


def concordance_dir() -> Path:
    """Return the folder of the shipped concordance CSVs (``<repo>/tables/concordances``)."""
    return shipped("tables", "concordances")


def list_concordances(directory: str | os.PathLike[str] | None = None) -> list[str]:
    """Return the names of the concordances available (file names without '.csv').

    Parameters
    ----------
    directory : path-like, optional
        Folder to list; default :func:`concordance_dir`.

    Returns
    -------
    list of str
        Sorted names, e.g. ``['ceads47_to_nbs42', 'nbs139_to_nbs42', ...]``.
    """
    folder = concordance_dir() if directory is None else Path(directory)
    return sorted(p.stem for p in folder.glob("*.csv"))


def load_concordance(name: str, *, directory: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load and validate a sector concordance.

    Parameters
    ----------
    name : str
        Concordance name, e.g. 'nbs139_to_nbs42' (see :func:`list_concordances`), or a
        path to a CSV file with the same columns.
    directory : path-like, optional
        Folder holding ``<name>.csv``; default :func:`concordance_dir`.

    Returns
    -------
    DataFrame
        Columns 'source_code', 'source_name', 'target_code', 'target_name' (strings,
        leading zeros kept) and 'share' (float in (0, 1]); ``attrs['name']`` is set.

    Raises
    ------
    DataSourceError
        Missing file or column, empty code, share outside (0, 1], a duplicated
        (source, target) pair, or a source whose shares do not sum to 1 (within 1e-6);
        the message names the file and the row or source code.
    """
    path = Path(name)
    if path.suffix != ".csv":
        folder = concordance_dir() if directory is None else Path(directory)
        path = folder / f"{name}.csv"
    if not path.is_file():
        available = list_concordances(path.parent) if path.parent.is_dir() else []
        raise DataSourceError(
            f"concordance file not found: {path}; available concordances: {available}"
        )
    fname = path.name
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    require_columns(raw, CONCORDANCE_COLUMNS, fname)
    out = raw[list(CONCORDANCE_COLUMNS)].copy()
    for col in ("source_code", "target_code"):
        out[col] = out[col].str.strip()
        empty = out[col] == ""
        if empty.any():
            i = int(np.argmax(empty.to_numpy()))
            raise DataSourceError(f"{fname}, row {i + 2}, column '{col}': empty code")
    share = pd.to_numeric(out["share"], errors="coerce")
    bad = ~((share > 0) & (share <= 1 + _SHARE_TOL))
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise DataSourceError(
            f"{fname}, row {i + 2}, column 'share': expected a number in (0, 1], "
            f"found {raw['share'].iloc[i]!r}"
        )
    out["share"] = share.astype(float)
    dup = out.duplicated(["source_code", "target_code"])
    if dup.any():
        i = int(np.argmax(dup.to_numpy()))
        raise DataSourceError(
            f"{fname}, row {i + 2}: duplicated pair ({out['source_code'].iloc[i]!r}, "
            f"{out['target_code'].iloc[i]!r})"
        )
    sums = out.groupby("source_code", sort=False)["share"].sum()
    off = sums[(sums - 1).abs() > _SHARE_TOL]
    if len(off):
        raise DataSourceError(
            f"{fname}: shares of source '{off.index[0]}' sum to {off.iloc[0]:.8g}, not 1 "
            f"({len(off)} source(s) affected: {list(off.index[:5])})"
        )
    out.attrs["name"] = path.stem
    return out


def concordance_matrix(concordance: pd.DataFrame) -> pd.DataFrame:
    """Return the concordance as a dense share matrix.

    Parameters
    ----------
    concordance : DataFrame
        As returned by :func:`load_concordance`.

    Returns
    -------
    DataFrame of shape (n_source, n_target)
        ``M[s, t]`` = share of source s going to target t; rows sum to 1.  Rows keep the
        order of first appearance, columns are the sorted target codes.
    """
    src = pd.Index(pd.unique(concordance["source_code"]), name="source_code")
    tgt = pd.Index(sorted(pd.unique(concordance["target_code"])), name="target_code")
    mat = np.zeros((len(src), len(tgt)))
    rows = src.get_indexer(concordance["source_code"])
    cols = tgt.get_indexer(concordance["target_code"])
    mat[rows, cols] = concordance["share"].to_numpy(float)
    return pd.DataFrame(mat, index=src, columns=tgt)


def _mapping_matrix(
    labels: pd.Index, concordance: pd.DataFrame, level: int | str | None, what: str
) -> tuple[sp.csr_matrix, pd.Index]:
    """Sparse (n_old, n_new) share matrix from ``labels`` to their concorded labels."""
    if isinstance(labels, pd.MultiIndex):
        if level is None:
            raise ValueError(
                f"The {what} is a MultiIndex {list(labels.names)}; pass level= to name the "
                "sector level."
            )
        pos = labels._get_level_number(level)
        codes = labels.get_level_values(pos).astype(str)
    else:
        if level not in (None, 0, labels.name):
            raise ValueError(f"level={level!r} given but the {what} is not a MultiIndex")
        pos = None
        codes = labels.astype(str)
    by_source = {s: g for s, g in concordance.groupby("source_code", sort=False)}
    unknown = sorted(set(codes) - set(by_source))
    if unknown:
        raise LabelMismatchError(
            f"{len(unknown)} sector label(s) of the {what} are not sources of concordance "
            f"'{concordance.attrs.get('name', '?')}': {unknown[:5]}"
            f"{' ...' if len(unknown) > 5 else ''}. Check that the frame uses the "
            "concordance's source codes (strings with leading zeros)."
        )
    new_labels: dict[object, int] = {}
    rows, cols, vals = [], [], []
    for i, (label, code) in enumerate(zip(labels, codes)):
        grp = by_source[code]
        for tgt, share in zip(grp["target_code"], grp["share"]):
            if pos is None:
                new = tgt
            else:
                new = tuple(tgt if k == pos else v for k, v in enumerate(label))
            j = new_labels.setdefault(new, len(new_labels))
            rows.append(i)
            cols.append(j)
            vals.append(share)
    mat = sp.csr_matrix((vals, (rows, cols)), shape=(len(labels), len(new_labels)))
    keys = list(new_labels)
    if pos is None:
        new_index = pd.Index(keys, name=labels.name)
    else:
        new_index = pd.MultiIndex.from_tuples(keys, names=labels.names)
    # Sort targets by code (the shipped codes sort in classification order) and keep the
    # other levels in their order of first appearance.
    order = pd.Index(sorted(pd.unique(concordance["target_code"])))
    if pos is None:
        perm = np.argsort(order.get_indexer(new_index), kind="stable")
    else:
        tkey = order.get_indexer(new_index.get_level_values(pos))
        others = [
            pd.Index(pd.unique(labels.get_level_values(k))).get_indexer(
                new_index.get_level_values(k)
            )
            for k in range(labels.nlevels)
            if k != pos
        ]
        perm = np.lexsort([tkey, *others[::-1]])
    return mat[:, perm].tocsr(), new_index[perm]


def apply_concordance(
    frame: pd.DataFrame | pd.Series,
    concordance: pd.DataFrame | str,
    *,
    axis: int | str = 0,
    level: int | str | None = None,
) -> pd.DataFrame | pd.Series:
    """Aggregate or split a labelled frame from source to target sectors.

    For axis 0: ``out[t] = sum_s share[s, t] * frame[s]`` (``out = M' frame``); for axis 1
    the same along columns (``out = frame M``); ``axis='both'`` does both (e.g. Z).
    Only **extensive** quantities (flows, emissions, output, in any unit) may be pushed
    through a concordance; the unit is unchanged and totals are preserved exactly
    because each source's shares sum to 1.  Ratios (coefficients, intensities, prices)
    must be recomputed from concorded flows instead.

    Parameters
    ----------
    frame : DataFrame or Series
        Numeric data labelled by source sector codes on ``axis`` (or on ``level`` of a
        MultiIndex, e.g. level 'sector' of a (region, sector) index).
    concordance : DataFrame or str
        A frame from :func:`load_concordance`, or a concordance name.
    axis : {0, 1, 'index', 'columns', 'both'}, default=0
        Axis carrying the sector labels.
    level : int or str, optional
        Level holding the sector codes when the axis is a MultiIndex.

    Returns
    -------
    DataFrame or Series
        Same type, labelled by target codes (sorted; other MultiIndex levels keep their
        order).  ``attrs`` are copied.

    Raises
    ------
    LabelMismatchError
        If a label of the frame is not a source code of the concordance.
    ValueError
        Bad ``axis``/``level``, or non-numeric data.
    """
    conc = load_concordance(concordance) if isinstance(concordance, str) else concordance
    if axis == "both":
        if isinstance(frame, pd.Series):
            raise ValueError("axis='both' needs a DataFrame, got a Series")
        once = apply_concordance(frame, conc, axis=0, level=level)
        return apply_concordance(once, conc, axis=1, level=level)
    ax = {0: 0, "index": 0, 1: 1, "columns": 1}.get(axis)
    if ax is None or (ax == 1 and isinstance(frame, pd.Series)):
        raise ValueError(
            f"The 'axis' parameter of apply_concordance must be 0, 1, 'index', 'columns' or "
            f"'both' (0 only for a Series). Got {axis!r} instead."
        )
    values = frame.to_numpy()
    if not np.issubdtype(values.dtype, np.number):
        raise ValueError(f"apply_concordance needs numeric data, got dtype {values.dtype}")
    values = values.astype(float)
    labels = frame.index if ax == 0 else frame.columns
    mat, new_labels = _mapping_matrix(labels, conc, level, "index" if ax == 0 else "columns")
    if isinstance(frame, pd.Series):
        out = pd.Series(mat.T @ values, index=new_labels, name=frame.name)
    elif ax == 0:
        out = pd.DataFrame(mat.T @ values, index=new_labels, columns=frame.columns)
    else:
        out = pd.DataFrame((mat.T @ values.T).T, index=frame.index, columns=new_labels)
    out.attrs = dict(frame.attrs)
    return out
