"""Validation helpers shared by the table classes (private).

Every helper raises one of the named errors of :mod:`mrio_city.model.errors` with a
message that names the table, the field and the first offending labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city.model.errors import (
    NegativeValueError,
    NonFiniteValueError,
    ShapeMismatchError,
    TableValidationError,
)
from mrio_city.model.labels import format_label


def _label_at(index: pd.Index | None, pos: int) -> str:
    if index is None:
        return str(pos)
    return format_label(index[pos])


def where(row: int, col: int | None, rows: pd.Index | None, cols: pd.Index | None) -> str:
    """Describe an entry as ``(city, sector) -> (city, sector)`` or a single label."""
    if col is None:
        return _label_at(rows, row)
    return f"{_label_at(rows, row)} -> {_label_at(cols, col)}"


def as_array(value, *, table: str, field: str, ndim: int) -> np.ndarray:
    """Return a read-only float64 view (no copy when already float64)."""
    if isinstance(value, pd.DataFrame | pd.Series):
        value = value.to_numpy()
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:  # text, None, ragged lists
        raise TableValidationError(
            f"table {table!r}: {field} must hold numbers only ({exc})"
        ) from None
    if arr.ndim == 1 and ndim == 2:
        arr = arr.reshape(-1, 1)
    if arr.ndim != ndim:
        raise ShapeMismatchError(
            f"table {table!r}: {field} must be {ndim}-dimensional, got shape {arr.shape}"
        )
    view = arr.view()
    view.flags.writeable = False
    return view


def check_shape(arr, expected: tuple[int, ...], *, table: str, field: str, meaning: str) -> None:
    """Raise ShapeMismatchError unless ``arr.shape == expected``."""
    if tuple(arr.shape) != tuple(expected):
        raise ShapeMismatchError(
            f"table {table!r}: {field} has shape {tuple(arr.shape)}, expected {tuple(expected)} "
            f"({meaning})"
        )


def _entries(arr):
    """Return (data, rows, cols) of the stored entries of a dense or sparse 2-D array."""
    if sp.issparse(arr):
        coo = arr.tocoo()
        return coo.data, coo.row, coo.col
    return arr, None, None


def check_finite(arr, *, table: str, field: str, rows=None, cols=None) -> None:
    """Raise NonFiniteValueError naming the first NaN/inf entry."""
    data, r, c = _entries(arr)
    bad = ~np.isfinite(data)
    if not bad.any():
        return
    count = int(bad.sum())
    first = int(np.flatnonzero(bad.ravel())[0])
    loc = _locate(arr, data, r, c, first, rows, cols)
    raise NonFiniteValueError(
        f"table {table!r}: {field} has {count} NaN or infinite entr{'y' if count == 1 else 'ies'}, "
        f"first at {loc}"
    )


def check_nonnegative(arr, *, table: str, field: str, rows=None, cols=None, hint: str = "") -> None:
    """Raise NegativeValueError naming the count and the first negative entry."""
    data, r, c = _entries(arr)
    bad = data < 0
    if not bad.any():
        return
    count = int(bad.sum())
    first = int(np.flatnonzero(bad.ravel())[0])
    loc = _locate(arr, data, r, c, first, rows, cols)
    value = data.ravel()[first]
    raise NegativeValueError(
        f"table {table!r}: {field} has {count} negative entr{'y' if count == 1 else 'ies'}, "
        f"first at {loc} ({value:.6g}){hint}"
    )


def _locate(arr, data, r, c, flat, rows, cols) -> str:
    if r is not None:
        return where(int(r[flat]), int(c[flat]), rows, cols)
    if np.ndim(arr) == 1:
        return where(flat, None, rows, None)
    i, j = np.unravel_index(flat, np.shape(arr))
    return where(int(i), int(j), rows, cols)


def checked_array(
    value,
    shape: tuple[int, ...],
    *,
    table: str,
    field: str,
    meaning: str,
    rows=None,
    cols=None,
    nonnegative: bool = False,
) -> np.ndarray:
    """Read-only float64 array of ``shape``, checked for shape, NaN/inf and (optionally) sign.

    Arrays of more than two dimensions are checked as (product of leading dims, last dim),
    so ``rows``/``cols`` label that 2-D view in messages.
    """
    arr = as_array(value, table=table, field=field, ndim=len(shape))
    check_shape(arr, shape, table=table, field=field, meaning=meaning)
    flat = arr.reshape(-1, shape[-1]) if arr.ndim > 2 else arr
    check_finite(flat, table=table, field=field, rows=rows, cols=cols)
    if nonnegative:
        check_nonnegative(flat, table=table, field=field, rows=rows, cols=cols)
    return arr
