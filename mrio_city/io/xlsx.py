"""Cells of .xlsx files: the one place that turns Python values into cells and back.

Shared by the table workbook (:mod:`mrio_city.io.excel_table`) and the results workbooks
(:mod:`mrio_city.exports.workbook`), so both follow the same rules:

* **Text is never a formula.**  A string that starts with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return (the usual spreadsheet-injection rule) is written with a leading
  apostrophe, ``'=HYPERLINK(...)``; a string that already starts with an apostrophe gets a
  second one, so :func:`unescape_cell_text` undoes :func:`escape_cell_text` exactly and
  ``read(write(label)) == label`` for every label.  Readers of our workbooks call
  :func:`unescape_cell_text` on every text cell.
* Numbers are written with their shortest round-trip representation (:func:`number_cell`).
* A workbook is filled in write-only mode and saved atomically (:func:`save_write_only`);
  on any error its temporary files are removed.

openpyxl is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mrio_city.io.atomic import atomic_path
from mrio_city.model.errors import TableFormatError

__all__ = [
    "FORMULA_PREFIXES",
    "escape_cell_text",
    "unescape_cell_text",
    "cell_value",
    "number_cell",
    "text_row",
    "unescape_row",
    "save_write_only",
    "discard_workbook",
    "open_for_reading",
]

#: First characters that make a spreadsheet program read text as a formula or command.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"
_ESCAPED = (*FORMULA_PREFIXES, _QUOTE)


def escape_cell_text(text: str) -> str:
    """Return ``text`` safe to store in a cell: never read as a formula.

    ``'`` is prepended when ``text`` starts with one of :data:`FORMULA_PREFIXES` or with an
    apostrophe (so that the escaping can be undone without ambiguity).

    Examples
    --------
    >>> escape_cell_text("=HYPERLINK(1)"), escape_cell_text("Beijing"), escape_cell_text("'a")
    ("'=HYPERLINK(1)", 'Beijing', "''a")
    """
    return _QUOTE + text if text.startswith(_ESCAPED) else text


def unescape_cell_text(value: Any) -> Any:
    """Undo :func:`escape_cell_text` on a value read from a cell (non-text passes through).

    Examples
    --------
    >>> unescape_cell_text("'=HYPERLINK(1)"), unescape_cell_text("''a"), unescape_cell_text(3)
    ('=HYPERLINK(1)', "'a", 3)
    """
    if isinstance(value, str) and len(value) > 1 and value[0] == _QUOTE:
        if value[1:].startswith(_ESCAPED):
            return value[1:]
    return value


def cell_value(value: Any) -> Any:
    """A numpy/pandas scalar as a value openpyxl writes; NaN/NA -> None; text escaped."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, str):
        return escape_cell_text(value)
    if isinstance(value, bool | int | _dt.datetime | _dt.date):
        return value
    if value is pd.NaT or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, tuple):
        return escape_cell_text(" | ".join(str(part) for part in value))
    return escape_cell_text(str(value))


def text_row(values: Iterable[Any]) -> list[Any]:
    """A row of plain values with every text escaped (for ``ws.append``)."""
    return [cell_value(v) for v in values]


def unescape_row(values: Iterable[Any]) -> list[Any]:
    """A row read from a sheet with every escaped text restored (:func:`unescape_cell_text`)."""
    return [unescape_cell_text(v) for v in values]


def number_cell(ws, value: int | float, fmt: str):
    """A formatted number cell holding the shortest repr that round-trips (17 digits max).

    openpyxl writes floats with ``'%.16g'``, which loses the last bit of some doubles; the cell
    text is set to ``repr(value)`` instead (the cell stays numeric).  Infinities, which Excel
    cannot store, are written as the text ``'inf'``/``'-inf'``.
    """
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, float) and math.isinf(value):
        return WriteOnlyCell(ws, value=repr(value))
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = fmt
    if isinstance(value, float) and cell.data_type == "n":
        cell._value = repr(value)
    return cell


def discard_workbook(wb) -> None:
    """Close and delete the temporary files of an unsaved write-only workbook (after an error)."""
    for ws in list(getattr(wb, "_sheets", [])):
        writer = getattr(ws, "_writer", None)
        with contextlib.suppress(Exception):  # best effort: the original error is re-raised
            if not ws.closed:
                ws.close()
        if writer is not None and isinstance(getattr(writer, "out", None), str):
            with contextlib.suppress(OSError, ValueError):
                writer.cleanup()


def save_write_only(fill: Callable[[Any], None], path: Path) -> Path:
    """Fill a new write-only workbook with ``fill(wb)`` and save it atomically to ``path``.

    On any error the workbook's temporary files are discarded and the error re-raised; no
    file is left at ``path``.
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    try:
        fill(wb)
        with atomic_path(path) as tmp:
            wb.save(tmp)
    except BaseException:
        discard_workbook(wb)
        raise
    return path


def open_for_reading(path: Path):
    """Open an existing workbook read-only (cached values); errors name the file."""
    from openpyxl import load_workbook

    from mrio_city.model.errors import TableNotFoundError

    if not path.is_file():
        raise TableNotFoundError(f"workbook {path} does not exist")
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types on bad files
        raise TableFormatError(f"workbook {path}: not a readable .xlsx file ({exc})") from exc
