r"""Excel workbooks of results: one sheet per DataFrame, units in headers, a metadata sheet.

Layout written by :func:`write_workbook` (openpyxl, write-only mode):

* an optional ``README`` sheet first (one line of text per row);
* one sheet per frame, in the order given: the index as leading columns (headed by the index
  names, ``index``/``level_<k>`` when unnamed), then one column per frame column.  MultiIndex
  column labels are flattened as ``'a | b'``.  A value column's header gets ``' [unit]'``
  appended from ``frame.attrs['units']`` (mapping column label -> unit; for a MultiIndex column
  the full tuple or any of its parts may be the key, e.g. the stressor) or from
  ``frame.attrs['unit']`` (one unit for every value column);
* the header row is bold and frozen (together with the index columns); numbers get
  ``'#,##0'`` (integers), ``'#,##0.000'`` (floats) or ``'0.000E+00'`` (floats with
  ``0 < |v| < 0.01`` or ``|v| >= 1e15``); NaN is written as an empty cell; column widths follow
  the content (8 to 50 characters);
* a ``metadata`` sheet last: ``key, value`` rows.  Nested mappings are flattened to dotted keys
  (``switches.method``); lists and other non-scalars are written as JSON.

Sheet names are sanitized to Excel's rules: at most 31 characters, none of ``[]:*?/\\``, not
starting or ending with an apostrophe, unique ignoring case (``~2``, ``~3`` ... appended).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mrio_city.io.atomic import atomic_path
from mrio_city.model.errors import TableFormatError

__all__ = [
    "write_workbook",
    "read_workbook_sheets",
    "write_accounts_excel",
    "sanitize_sheet_names",
    "accounts_sheets",
    "discard_workbook",
    "ACCOUNT_SHEETS",
]

_MAX_ROWS = 1_048_576
_MAX_COLS = 16_384
_BAD_CHARS = re.compile(r"[\[\]:*?/\\]")
_INT_FORMAT = "#,##0"
_FLOAT_FORMAT = "#,##0.000"
_SCI_FORMAT = "0.000E+00"

#: Sheet name of each per-city account in :func:`write_accounts_excel` (Excel allows 31 chars).
ACCOUNT_SHEETS: dict[str, str] = {
    "production_based": "production_based",
    "production_based_with_households": "production_incl_households",
    "consumption_based": "consumption_based",
    "consumption_based_with_households": "consumption_incl_households",
    "embodied_in_exports": "embodied_in_exports",
    "embodied_in_exports_abroad": "embodied_in_exports_abroad",
    "embodied_in_imports": "embodied_in_imports",
    "local": "local",
    "households": "households",
}


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


def _unit_of(frame: pd.DataFrame, label: object) -> str | None:
    units = frame.attrs.get("units")
    if isinstance(units, Mapping):
        if label in units:
            return str(units[label])
        if isinstance(label, tuple):
            for part in label:
                if part in units:
                    return str(units[part])
        return None
    unit = frame.attrs.get("unit")
    return None if unit is None else str(unit)


def _index_headers(index: pd.Index) -> list[str]:
    if isinstance(index, pd.MultiIndex):
        return [str(n) if n is not None else f"level_{k}" for k, n in enumerate(index.names)]
    return [str(index.name) if index.name is not None else "index"]


def _scalar(value: Any) -> Any:
    """Convert a numpy/pandas scalar to something openpyxl writes; NaN/NA -> None."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, bool | int | str | _dt.datetime | _dt.date):
        return value
    if value is pd.NaT or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, tuple):
        return _flat_label(value)
    return str(value)


def _number_format(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _INT_FORMAT
    if isinstance(value, float):
        a = abs(value)
        if (0 < a < 0.01) or a >= 1e15 or math.isinf(value):
            return _SCI_FORMAT
        return _FLOAT_FORMAT
    return None


def _number_cell(ws, value: int | float, fmt: str):
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


def _column_letter(k: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(k)


def _write_frame(wb, title: str, frame: pd.DataFrame, bold) -> None:
    from openpyxl.cell import WriteOnlyCell

    n_rows, n_cols = frame.shape
    idx_headers = _index_headers(frame.index)
    n_idx = len(idx_headers)
    if n_rows + 1 > _MAX_ROWS or n_cols + n_idx > _MAX_COLS:
        raise ValueError(
            f"sheet {title!r}: frame of shape {frame.shape} does not fit an Excel sheet "
            f"({_MAX_ROWS} rows x {_MAX_COLS} columns at most); write it as CSV instead"
        )
    ws = wb.create_sheet(title)
    headers = list(idx_headers)
    for label in frame.columns:
        text = _flat_label(label)
        unit = _unit_of(frame, label)
        headers.append(f"{text} [{unit}]" if unit else text)
    # index values as tuples, then the value columns as object arrays (fast row access)
    if isinstance(frame.index, pd.MultiIndex):
        index_rows = list(frame.index)
    else:
        index_rows = [(v,) for v in frame.index]
    columns = [frame.iloc[:, j].to_numpy(dtype=object) for j in range(n_cols)]
    widths = [len(h) for h in headers]
    sample = min(n_rows, 200)
    for i in range(sample):
        for j, v in enumerate(index_rows[i]):
            widths[j] = max(widths[j], len(str(v)))
        for j in range(n_cols):
            v = _scalar(columns[j][i])
            w = len(f"{v:,.3f}") if isinstance(v, float) and math.isfinite(v) else len(str(v))
            widths[n_idx + j] = max(widths[n_idx + j], w)
    for k, w in enumerate(widths, start=1):
        ws.column_dimensions[_column_letter(k)].width = min(max(w + 2, 8), 50)
    ws.freeze_panes = f"{_column_letter(n_idx + 1)}2"
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        header_cells.append(c)
    ws.append(header_cells)
    for i in range(n_rows):
        row: list[Any] = [_scalar(v) for v in index_rows[i]]
        for j in range(n_cols):
            v = _scalar(columns[j][i])
            fmt = _number_format(v)
            if fmt is None:
                row.append(v)
            else:
                row.append(_number_cell(ws, v, fmt))
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
        rows.append((name, _scalar(value)))
    return rows


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


def _save_write_only(fill: Callable[[Any], None], path: Path) -> Path:
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


def _open_for_reading(path: Path):
    """Open an existing workbook read-only (cached values); errors name the file."""
    from openpyxl import load_workbook

    from mrio_city.model.errors import TableNotFoundError

    if not path.is_file():
        raise TableNotFoundError(f"workbook {path} does not exist")
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types on bad files
        raise TableFormatError(f"workbook {path}: not a readable .xlsx file ({exc})") from exc


def _fill_workbook(wb, names, sheets, metadata, readme, bold) -> None:
    from openpyxl.cell import WriteOnlyCell

    pos = 0
    if readme is not None:
        ws = wb.create_sheet(names[0])
        ws.column_dimensions["A"].width = 100
        for line in readme.splitlines():
            ws.append([line])
        pos = 1
    for (_, frame), title in zip(sheets.items(), names[pos:-1], strict=True):
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
        ws.append([key, value])


def write_workbook(
    path: str | os.PathLike[str],
    sheets: Mapping[str, pd.DataFrame],
    *,
    metadata: Mapping[str, Any],
    readme: str | None = None,
) -> Path:
    """Write DataFrames to an .xlsx workbook, one sheet each, plus README and metadata sheets.

    See the module docstring for the layout (index columns, units in headers, number formats,
    frozen bold header, sanitized sheet names).  The file is written atomically.

    Parameters
    ----------
    path : str or PathLike
        Destination ``.xlsx`` file; its folder is created if missing.
    sheets : mapping of str to DataFrame
        Sheet name -> frame, written in this order.  Units come from ``frame.attrs['units']``
        (column label -> unit) or ``frame.attrs['unit']``.
    metadata : mapping
        Written as ``key, value`` rows on the ``metadata`` sheet (e.g. the output of
        :func:`mrio_city.io.provenance.run_metadata`); a ``created`` UTC timestamp is added when
        absent.
    readme : str, optional
        Text of a ``README`` sheet (first sheet), one line per row.

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
    raw_names = (["README"] if readme is not None else []) + list(sheets) + ["metadata"]
    names = sanitize_sheet_names(raw_names)
    bold = Font(bold=True)
    return _save_write_only(
        lambda wb: _fill_workbook(wb, names, sheets, metadata, readme, bold), path
    )


def read_workbook_sheets(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read every sheet of a workbook as a DataFrame (first row = header, as written).

    Meant for checks and round trips of :func:`write_workbook` output: headers are kept as
    written (with their ``' [unit]'``), index columns are ordinary columns, empty cells are NaN.
    The ``README`` sheet, if any, has the single column ``'text'`` (no header row).

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
    wb = _open_for_reading(Path(path))
    out: dict[str, pd.DataFrame] = {}
    try:
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True))
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


def _accounts_readme(accounts, units: Mapping[str, str]) -> str:
    from mrio_city.accounts.footprints import ACCOUNT_NAMES

    lines = [
        f"City carbon accounts of table {accounts.table_name!r} (mrio-city).",
        "",
        "Sheets (rows: cities; columns: stressors; units in the column headers):",
    ]
    for name, sheet in ACCOUNT_SHEETS.items():
        lines.append(f"  {sheet}: {ACCOUNT_NAMES[name]} ({name})")
    lines += [
        "  flows <stressor>: emitted in the producer city (rows) for the final demand of the "
        "consumer city (columns), Q[r, s]",
        "  multipliers: total (embodied) intensity of each city-sector, m = f (I - A)^-1, "
        "per money unit of final demand",
        "  supply_chain_share: share of consumption-based emissions that cross city borders",
        "  metadata: table, package versions, input hash, switches, creation time",
        "",
        "Identities: consumption_based = production_based - embodied_in_exports + "
        "embodied_in_imports;",
        "*_incl_households add households' direct emissions (pymrio's D_pba_reg / D_cba_reg).",
        "Units: " + ", ".join(f"{s} in {u}" for s, u in units.items()),
    ]
    return "\n".join(lines)


def accounts_sheets(accounts) -> dict[str, pd.DataFrame]:
    """Frames of :func:`write_accounts_excel`, keyed by sheet name (also used by the CSV writer).

    Returns
    -------
    dict of str to DataFrame
        One frame per account (index city, columns stressor, ``attrs['units']``), one
        ``flows <stressor>`` frame per stressor (index producer, columns consumer,
        ``attrs['unit']``), ``multipliers`` (index (city, sector), columns stressor) and
        ``supply_chain_share`` (index stressor).
    """
    sheets: dict[str, pd.DataFrame] = {}
    for name, sheet in ACCOUNT_SHEETS.items():
        sheets[sheet] = getattr(accounts, name)
    stressor_level = accounts.flows.index.get_level_values(0)
    for s in accounts.units:
        q = accounts.flows[stressor_level == s].droplevel(0)
        q.attrs = {"unit": accounts.units[s]}
        sheets[f"flows {s}"] = q
    m = accounts.multipliers.T
    m.attrs = dict(accounts.multipliers.attrs)
    sheets["multipliers"] = m
    share = accounts.supply_chain_share.to_frame("supply_chain_share")
    share.index.name = "stressor"
    share.attrs = {"unit": "1"}
    sheets["supply_chain_share"] = share
    return sheets


def write_accounts_excel(
    accounts,
    path: str | os.PathLike[str],
    *,
    table=None,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write :class:`mrio_city.accounts.footprints.Accounts` to an Excel workbook.

    Sheets: ``README``; one per account (:data:`ACCOUNT_SHEETS`: rows cities, columns
    stressors with units, e.g. ``'CO2 [t CO2]'``); ``flows <stressor>`` (Q: producer rows,
    consumer columns [stressor unit]); ``multipliers`` (rows (city, sector), columns stressors
    [stressor unit per money unit]); ``supply_chain_share`` [1]; ``metadata``.

    Parameters
    ----------
    accounts : Accounts
        Output of :func:`mrio_city.accounts.footprints.compute_accounts`.
    path : str or PathLike
        Destination ``.xlsx`` file (written atomically).
    table : MRIOTable or StructuredMRIOTable, optional
        The table the accounts came from; its name, year, hash and provenance go to metadata.
    metadata : mapping, optional
        Extra metadata (switches of the run); merged over
        :func:`mrio_city.io.provenance.run_metadata`.

    Returns
    -------
    pathlib.Path
    """
    from mrio_city.io.provenance import run_metadata

    meta: dict[str, Any] = run_metadata(table)
    meta["accounts.table_name"] = accounts.table_name
    meta["accounts.identity_residual"] = float(accounts.identity_residual)
    meta["accounts.solver_method"] = getattr(accounts.solver, "method", None)
    if metadata:
        meta.update(metadata)
    return write_workbook(
        path,
        accounts_sheets(accounts),
        metadata=meta,
        readme=_accounts_readme(accounts, accounts.units),
    )
