r"""Excel workbooks of results: one sheet per DataFrame, units in headers, README and metadata.

Layout written by :func:`write_workbook` (openpyxl, write-only mode):

* a ``README`` sheet first: the text given, then one line per sheet with its description
  (``descriptions``), then the metadata sheet's line;
* one sheet per frame, in the order given: a named index as leading columns (headed by the
  index names; a default unnamed ``RangeIndex`` is not written, so no pandas ``index`` column
  leaks), then one column per frame column.  MultiIndex column labels are flattened as
  ``'a | b'``.  A value column's header gets ``' [unit]'`` appended from
  ``frame.attrs['units']`` (mapping column label -> unit; for a MultiIndex column the full tuple
  or any of its parts may be the key);
* the header row is bold and frozen (together with the index columns);
* **one number format per column, chosen by kind** (:func:`column_format`): integers and
  counts ``#,##0``; shares (unit ``1`` or ``%`` and a name containing ``share`` or
  ``below_``) ``0.0%``; totals in Mt ``#,##0.0``; other floats a fixed format whose decimals
  follow the column's typical magnitude (``#,##0`` from 1,000, ``#,##0.0``, ``#,##0.00``,
  ``0.0000``), or ``0.00E+00`` for the whole column when its typical magnitude is below 0.001
  or above 1e15; never fixed and scientific mixed in one column.  Key/value sheets (a
  ``value`` and a ``unit`` column) are formatted row by row from each row's unit.  NaN is
  written as an empty cell; widths follow the content;
* every text is escaped (:func:`mrio_city.io.xlsx.escape_cell_text`): no cell is a formula;
* a ``metadata`` sheet last: ``key, value`` rows.  Nested mappings are flattened to dotted keys
  (``switches.method``); lists and other non-scalars are written as JSON.

Sheet names are sanitized to Excel's rules: at most 31 characters, none of ``[]:*?/\\``, not
starting or ending with an apostrophe, unique ignoring case (``~2``, ``~3`` ... appended).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mrio_city.io.xlsx import (
    cell_value,
    escape_cell_text,
    number_cell,
    open_for_reading,
    save_write_only,
    unescape_cell_text,
)

__all__ = [
    "write_workbook",
    "write_results_workbook",
    "read_workbook_sheets",
    "sanitize_sheet_names",
    "column_format",
    "unit_of",
    "header_of",
    "writes_index",
    "INT_FORMAT",
    "SHARE_FORMAT",
    "MT_FORMAT",
]

_MAX_ROWS = 1_048_576
_MAX_COLS = 16_384
_BAD_CHARS = re.compile(r"[\[\]:*?/\\]")
#: Number format of integers, counts and people.
INT_FORMAT = "#,##0"
#: Number format of shares (fractions shown as percentages).
SHARE_FORMAT = "0.0%"
_SCI_FORMAT = "0.00E+00"
_COUNT_UNITS = {"persons", "people", "cities", "count", "points"}
_SHARE_WORDS = ("share", "below_")
#: Format of totals in millions of tonnes (Mt CO2): one decimal.
MT_FORMAT = "#,##0.0"


def sanitize_sheet_names(names: list[str]) -> list[str]:
    r"""Return Excel-valid, case-insensitively unique sheet names for ``names`` (same order).

    Invalid characters ``[]:*?/\\`` become ``_``, leading/trailing apostrophes are dropped,
    empty names become ``Sheet``, names are cut to 31 characters and duplicates get ``~2``,
    ``~3``, ... (the name is shortened to make room).
    """
    out: list[str] = []
    seen: set[str] = set()
    for raw in names:
        base = _BAD_CHARS.sub("_", str(raw)).strip("'").strip() or "Sheet"
        base = base[:31]
        name, k = base, 1
        while name.lower() in seen or name.lower() == "history":
            k += 1
            suffix = f"~{k}"
            name = base[: 31 - len(suffix)] + suffix
        seen.add(name.lower())
        out.append(name)
    return out


def _flat_label(label: object) -> str:
    if isinstance(label, tuple):
        return " | ".join(str(part) for part in label)
    return str(label)


def unit_of(frame: pd.DataFrame, label: object) -> str | None:
    """Unit of column ``label`` from ``frame.attrs['units']`` (None when not given)."""
    units = frame.attrs.get("units")
    if not isinstance(units, Mapping):
        return None
    if label in units:
        return str(units[label])
    if isinstance(label, tuple):
        for part in label:
            if part in units:
                return str(units[part])
    return None


def header_of(frame: pd.DataFrame, label: object) -> str:
    """Column header: the flattened label and ``' [unit]'`` when the unit is known."""
    text = _flat_label(label)
    unit = unit_of(frame, label)
    return f"{text} [{unit}]" if unit else text


def writes_index(index: pd.Index) -> bool:
    """A default unnamed 0..n-1 index is pandas bookkeeping, not data: leave it out."""
    if isinstance(index, pd.MultiIndex):
        return True
    if index.name is not None:
        return True
    return not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1)


def _index_headers(index: pd.Index) -> list[str]:
    if isinstance(index, pd.MultiIndex):
        return [str(n) if n is not None else f"level_{k}" for k, n in enumerate(index.names)]
    return [str(index.name) if index.name is not None else "key"]


def _is_share(label: object, unit: str | None) -> bool:
    """A dimensionless column (or summary row) whose name says it is a share of a whole."""
    name = _flat_label(label).lower()
    return unit in ("1", "%", "share") and any(w in name for w in _SHARE_WORDS)


def column_format(values: Any, *, label: object = "", unit: str | None = None) -> str | None:
    """Number format of a column: by kind, one format for the whole column.

    Parameters
    ----------
    values : array-like
        The column's values (non-numbers are ignored).
    label : object
        Column label; names containing ``share`` with unit ``1`` are shares.
    unit : str, optional
        The column's unit; ``persons``, ``cities``, ``count`` are counts.

    Returns
    -------
    str or None
        An Excel number format, or None when the column holds no numbers.
    """
    nums = [
        v
        for v in (cell_value(x) for x in values)
        if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    if not nums:
        return None
    if _is_share(label, unit):
        return SHARE_FORMAT
    finite = np.array([float(v) for v in nums if math.isfinite(float(v))])
    integral = bool(finite.size) and bool(np.all(finite == np.round(finite)))
    if all(isinstance(v, int) for v in nums) or (
        integral and unit is not None and unit.lower() in _COUNT_UNITS
    ):
        return INT_FORMAT
    if unit is not None and unit.startswith("Mt "):
        return MT_FORMAT
    nonzero = np.abs(finite[finite != 0])
    if not nonzero.size:
        return "0.00"
    typical = float(np.median(nonzero))
    if typical < 1e-3 or typical >= 1e15:
        return _SCI_FORMAT
    if typical >= 1000:
        return INT_FORMAT
    if typical >= 100:
        return "#,##0.0"
    if typical >= 1:
        return "#,##0.00"
    return "0.0000"


def _row_formats(frame: pd.DataFrame, columns: list, formats: list) -> tuple | None:
    """Per-row formats of the ``value`` column of a key/value frame with a ``unit`` column.

    Such a sheet (``summary``) holds numbers of many kinds in one column; each row is
    formatted by the kind of its own unit (and key), as a column would be.
    """
    labels = list(frame.columns)
    if "value" not in labels or "unit" not in labels:
        return None
    j, u = labels.index("value"), labels.index("unit")
    keys = list(frame.index) if writes_index(frame.index) else [""] * len(frame)
    return [
        column_format([v], label=k, unit=None if unit is None else str(unit))
        for v, unit, k in zip(columns[j], columns[u], keys, strict=True)
    ], j


def _display_width(value: Any, fmt: str | None) -> int:
    if isinstance(value, float) and math.isfinite(value) and fmt is not None:
        if fmt == SHARE_FORMAT:
            return len(f"{value:.1%}")
        if fmt == _SCI_FORMAT:
            return len(f"{value:.2e}")
        decimals = fmt.split(".")[1].count("0") if "." in fmt else 0
        return len(f"{value:,.{decimals}f}")
    return len(str(value))


def _write_frame(wb, title: str, frame: pd.DataFrame, bold) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    n_rows, n_cols = frame.shape
    with_index = writes_index(frame.index)
    idx_headers = _index_headers(frame.index) if with_index else []
    n_idx = len(idx_headers)
    if n_rows + 1 > _MAX_ROWS or n_cols + n_idx > _MAX_COLS:
        raise ValueError(
            f"sheet {title!r}: frame of shape {frame.shape} does not fit an Excel sheet "
            f"({_MAX_ROWS} rows x {_MAX_COLS} columns at most); write it as CSV instead"
        )
    ws = wb.create_sheet(title)
    headers = list(idx_headers) + [header_of(frame, label) for label in frame.columns]
    if not with_index:
        index_rows = [()] * n_rows
    elif isinstance(frame.index, pd.MultiIndex):
        index_rows = list(frame.index)
    else:
        index_rows = [(v,) for v in frame.index]
    columns = [frame.iloc[:, j].to_numpy(dtype=object) for j in range(n_cols)]
    formats = [
        column_format(col, label=label, unit=unit_of(frame, label))
        for col, label in zip(columns, frame.columns, strict=True)
    ]
    index_formats = [
        column_format([r[k] for r in index_rows], label=h) for k, h in enumerate(idx_headers)
    ]
    per_row = _row_formats(frame, columns, formats)
    widths = [len(h) for h in headers]
    for i in range(min(n_rows, 200)):
        for j, v in enumerate(index_rows[i]):
            widths[j] = max(widths[j], len(str(v)))
        for j in range(n_cols):
            w = _display_width(cell_value(columns[j][i]), formats[j])
            widths[n_idx + j] = max(widths[n_idx + j], w)
    for k, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(k)].width = min(max(w + 2, 8), 50)
    ws.freeze_panes = f"{get_column_letter(n_idx + 1)}2"
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=escape_cell_text(h))
        c.font = bold
        header_cells.append(c)
    ws.append(header_cells)
    for i in range(n_rows):
        row: list[Any] = []
        for v, fmt in zip(map(cell_value, index_rows[i]), index_formats, strict=True):
            is_number = isinstance(v, int | float) and not isinstance(v, bool)
            row.append(number_cell(ws, v, fmt) if is_number and fmt else v)
        for j in range(n_cols):
            v = cell_value(columns[j][i])
            fmt = per_row[0][i] if per_row is not None and j == per_row[1] else formats[j]
            if isinstance(v, int | float) and not isinstance(v, bool) and fmt:
                row.append(number_cell(ws, v, fmt))
            else:
                row.append(v)
        ws.append(row)


def _flatten_metadata(metadata: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in metadata.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            rows.extend(_flatten_metadata(value, prefix=f"{name}."))
            continue
        if isinstance(value, Mapping):
            value = "{}"
        elif isinstance(value, list | tuple | set | np.ndarray):
            value = json.dumps(
                list(value) if not isinstance(value, np.ndarray) else value.tolist(), default=str
            )
        elif isinstance(value, os.PathLike):
            value = os.fspath(value)
        rows.append((name, cell_value(value)))
    return rows


def _readme_lines(
    readme: str | None, names: list[str], sheets: Mapping[str, pd.DataFrame], descriptions
) -> list[str]:
    lines = list(readme.splitlines()) if readme else []
    if lines:
        lines.append("")
    lines.append("Sheets:")
    for name, key in zip(names[1:-1], sheets, strict=True):
        text = descriptions.get(key, "")
        lines.append(f"  {name}: {text}" if text else f"  {name}")
    lines.append(
        f"  {names[-1]}: package and library versions, table name and hash, parameters of "
        "the run, creation time (UTC)"
    )
    lines += ["", "Units are in the column headers, in square brackets."]
    return lines


def _fill_workbook(wb, names, sheets, metadata, readme, descriptions, bold) -> None:
    from openpyxl.cell import WriteOnlyCell

    ws = wb.create_sheet(names[0])
    ws.column_dimensions["A"].width = 110
    for line in _readme_lines(readme, names, sheets, descriptions):
        ws.append([escape_cell_text(line)])
    for (_, frame), title in zip(sheets.items(), names[1:-1], strict=True):
        _write_frame(wb, title, frame, bold)
    meta = dict(metadata)
    meta.setdefault("created", _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))
    ws = wb.create_sheet(names[-1])
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 60
    ws.freeze_panes = "A2"
    header = []
    for h in ("key", "value"):
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        header.append(c)
    ws.append(header)
    for key, value in _flatten_metadata(meta):
        ws.append([escape_cell_text(key), value])


def write_workbook(
    path: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame],
    *,
    metadata: Mapping[str, Any],
    readme: str | None = None,
    descriptions: Mapping[str, str] | None = None,
) -> Path:
    """Write DataFrames to an .xlsx workbook, one sheet each, plus README and metadata sheets.

    See the module docstring for the layout (index columns, units in headers, number formats
    by kind, frozen bold header, sanitized sheet names, escaped text).  Written atomically.

    Parameters
    ----------
    path : str or PathLike
        Destination ``.xlsx`` file; its folder is created if missing.
    sheets : mapping of str to DataFrame
        Sheet name -> frame, written in this order.  Units come from ``frame.attrs['units']``
        (column label -> unit).
    metadata : mapping
        Written as ``key, value`` rows on the ``metadata`` sheet (e.g. the output of
        :func:`mrio_city.io.provenance.run_metadata`); a ``created`` UTC timestamp is added when
        absent.
    readme : str, optional
        Opening text of the ``README`` sheet (first sheet), one line per row.
    descriptions : mapping of str to str, optional
        Sheet name -> one-line description, listed on the README sheet.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If a sheet is not a DataFrame.
    ValueError
        If a frame does not fit an Excel sheet.
    """
    from openpyxl.styles import Font

    for name, frame in sheets.items():
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"sheet {name!r}: expected a DataFrame, got {type(frame).__name__}")
    path = Path(path)
    names = sanitize_sheet_names(["README", *sheets, "metadata"])
    bold = Font(bold=True)
    desc = dict(descriptions or {})
    return save_write_only(
        lambda wb: _fill_workbook(wb, names, sheets, metadata, readme, desc, bold), path
    )


def write_results_workbook(
    path: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame],
    *,
    metadata: Mapping[str, Any],
    readme: str | None = None,
    descriptions: Mapping[str, str] | None = None,
    part: str | None = None,
    whole_folder: bool = False,
) -> list[Path]:
    """Write a results workbook and record its metadata in the folder's ``metadata.json``.

    The one way a result set carries its metadata (issue 13 item 4): the same record (package
    version, table name and hash, parameters) goes on the workbook's ``metadata`` sheet and
    into the sidecar JSON beside it, for scripts and for the CSV files, which cannot carry it.

    Parameters
    ----------
    path, sheets, metadata, readme, descriptions
        As for :func:`write_workbook`.
    part : str, optional
        The workbook's entry in the sidecar (default: the workbook's stem); see
        :func:`mrio_city.exports.files.write_metadata_json`.
    whole_folder : bool, default=False
        The workbook's output set owns its folder (accounts, inequality, indicators, scenario,
        sweep): the sidecar describes the whole folder and is replaced, without ``parts``.

    Returns
    -------
    list of pathlib.Path
        The workbook and ``metadata.json``.
    """
    from mrio_city.exports.files import write_metadata_json

    path = Path(path)
    meta = dict(metadata)
    meta.setdefault("created", _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))
    xlsx = write_workbook(path, sheets, metadata=meta, readme=readme, descriptions=descriptions)
    part = None if whole_folder else part or path.stem
    return [xlsx, write_metadata_json(path.parent, meta, part=part)]


def read_workbook_sheets(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read every sheet of a workbook as a DataFrame (first row = header, as written).

    Meant for checks and round trips of :func:`write_workbook` output: headers are kept as
    written (with their ``' [unit]'``), index columns are ordinary columns, empty cells are NaN,
    escaped text is unescaped (labels come back as they were written).  The ``README`` sheet
    has the single column ``'text'`` (no header row).

    Parameters
    ----------
    path : str or PathLike
        An ``.xlsx`` file.

    Returns
    -------
    dict of str to DataFrame
        Sheet name -> frame, in workbook order.

    Raises
    ------
    TableNotFoundError
        If the file does not exist.
    TableFormatError
        If the file is not a readable workbook.
    """
    wb = open_for_reading(Path(path))
    out: dict[str, pd.DataFrame] = {}
    try:
        for ws in wb.worksheets:
            rows = [[unescape_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
            if ws.title == "README":
                out[ws.title] = pd.DataFrame({"text": [r[0] if r else None for r in rows]})
                continue
            if not rows:
                out[ws.title] = pd.DataFrame()
                continue
            header = [str(h) if h is not None else "" for h in rows[0]]
            body = [list(r) + [None] * (len(header) - len(r)) for r in rows[1:]]
            frame = pd.DataFrame(body, columns=header)
            out[ws.title] = frame.infer_objects()
    finally:
        wb.close()
    return out
