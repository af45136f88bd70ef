"""Reading the shipped and user CSV files of the inventory: names in errors, lines counted."""

from __future__ import annotations

import csv
import functools
import io
import os
import re
from pathlib import Path

import pandas as pd

from mrio_city._resources import shipped
from mrio_city.model.errors import InventoryError


@functools.lru_cache(maxsize=65536)
def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("_", " ")).strip().casefold()


def norm(text: object) -> str:
    """Key for matching labels: case-folded, underscores as spaces, whitespace collapsed."""
    return _norm(str(text))


def shipped_file(*parts: str) -> Path:
    """Path of a file shipped under ``tables/`` (factor sets, grid factors, concordances)."""
    return shipped("tables", *parts)


def read_csv(path: str | os.PathLike[str], *, what: str) -> tuple[pd.DataFrame, list[int]]:
    """Read a CSV of strings; lines starting with '#' are comments.

    Returns
    -------
    frame : DataFrame
        All cells as stripped strings ('' when empty); column names stripped.
    lines : list of int
        The 1-based line number in the file of each data row (for error messages).
    """
    path = Path(path)
    if not path.is_file():
        raise InventoryError(f"{what} {path}: file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InventoryError(f"{what} {path}: not UTF-8 text ({exc})") from exc
    rows: list[list[str]] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for record in reader:
            first = record[0].lstrip() if record else ""
            if first.startswith("#") or not any(c.strip() for c in record):
                continue
            rows.append([c.strip() for c in record])
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise InventoryError(
            f"{what} {path}, line {reader.line_num}: not readable CSV ({exc})"
        ) from None
    if not rows:
        raise InventoryError(f"{what} {path}: no header line")
    header, body = rows[0], rows[1:]
    for record, line in zip(body, lines[1:]):
        if len(record) != len(header):
            raise InventoryError(
                f"{what} {path}, line {line}: {len(record)} fields, the header has "
                f"{len(header)} (quote values that contain commas)"
            )
    frame = pd.DataFrame(body, columns=header, dtype=object)
    lines = lines[1:]
    return frame, lines


def require_columns(
    frame: pd.DataFrame,
    path: Path | str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    *,
    what: str,
) -> None:
    """Raise naming the file and the missing or unexpected columns."""
    cols = list(frame.columns)
    missing = [c for c in required if c not in cols]
    unexpected = [c for c in cols if c not in required and c not in optional]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing columns {missing}")
        if unexpected:
            parts.append(f"unexpected columns {unexpected}")
        raise InventoryError(
            f"{what} {path}: {'; '.join(parts)}; expected columns {list(required)}"
            + (f" (optional {list(optional)})" if optional else "")
        )


def number(value: str, *, where: str, field: str, positive: bool = False) -> float:
    """Parse a finite number (>= 0, or > 0 when ``positive``); raise naming where and field."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InventoryError(f"{where}: {field} {value!r} is not a number") from None
    if not pd.notna(x) or x in (float("inf"), float("-inf")):
        raise InventoryError(f"{where}: {field} {value!r} is not a finite number")
    if positive and not x > 0:
        raise InventoryError(f"{where}: {field} must be > 0, found {value!r}")
    if x < 0:
        raise InventoryError(f"{where}: {field} must be >= 0, found {value!r}")
    return x


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows of a frame as dicts of plain Python values (faster than ``to_dict('records')``)."""
    cols = list(frame.columns)
    arrays = [frame[c].to_numpy(dtype=object) for c in cols]
    return [dict(zip(cols, values)) for values in zip(*arrays)]
