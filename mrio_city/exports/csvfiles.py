"""CSV outputs: an atomic frame writer and the long format of per-city frames.

Headers and units follow the workbooks (:mod:`mrio_city.exports.workbook`): the same column
names, ``' [unit]'`` in headers for wide frames (``units_in_header``) or a ``unit`` column in
long frames, and no pandas ``index`` column for a default unnamed index.  Floats are written
with Python's shortest round-trip representation (pandas default), so a CSV file read back with
pandas gives bit-identical numbers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from mrio_city.exports.workbook import header_of, writes_index
from mrio_city.io.atomic import atomic_path
from mrio_city.model.labels import CITY

__all__ = ["write_csv", "long_format"]


def write_csv(
    path: str | os.PathLike[str],
    frame: pd.DataFrame | pd.Series,
    *,
    index: bool = True,
    units_in_header: bool = False,
) -> Path:
    """Write a frame to CSV (UTF-8, index written as leading columns) atomically.

    Parameters
    ----------
    path : str or PathLike
        Destination file; its folder is created if missing.
    frame : DataFrame or Series
        The data.  A Series is written as one column named after it.
    index : bool, default=True
        Write the index (its names become the first headers); a default unnamed
        ``RangeIndex`` is never written.
    units_in_header : bool, default=False
        Append ``' [unit]'`` to column headers from ``frame.attrs['units']`` (column -> unit),
        as :func:`mrio_city.exports.workbook.write_workbook` does.  Off by default:
        long-format files carry a ``unit`` column instead.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"write_csv {path}: expected a DataFrame, got {type(frame).__name__}")
    index = index and writes_index(frame.index)
    if units_in_header:
        frame = frame.set_axis([header_of(frame, label) for label in frame.columns], axis=1)
    path = Path(path)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=index, encoding="utf-8", lineterminator="\n")
    return path


def long_format(
    frame: pd.DataFrame, *, variable: str = "variable", symbols: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Long format of a per-city frame: city, variable, unit, value (numeric columns only).

    Boolean and text columns are kept as identifier columns beside ``city``.

    Parameters
    ----------
    frame : DataFrame
        Index 'city'; units in ``attrs['units']`` (column -> unit).
    variable : str, default='variable'
        Name of the variable column.
    symbols : mapping, optional
        Column -> symbol, added as a ``symbol`` column.

    Returns
    -------
    DataFrame
    """
    units = frame.attrs.get("units", {})
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    ids = [c for c in frame.columns if c not in numeric]
    wide = frame.reset_index()
    key = wide.columns[0]
    out = wide.melt(id_vars=[key, *ids], value_vars=numeric, var_name=variable, value_name="value")
    out = out.rename(columns={key: CITY})
    out.insert(len(ids) + 2, "unit", out[variable].map(lambda c: units.get(c, "")))
    if symbols is not None:
        out.insert(len(ids) + 2, "symbol", out[variable].map(lambda c: symbols.get(c, "")))
    return out
