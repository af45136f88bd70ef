"""Read one per-city column back from a results file the package wrote (CSV or xlsx).

Used by ``mrio-city map`` and the spatial commands.  Accepted layouts:

- long CSV (``accounts.csv``, indicator and inequality CSVs): columns ``city``, ``value`` and
  a key column (``account``, ``variable``, ``indicator`` or ``metric``) whose value names the
  column to read; an optional ``unit`` column and, when several stressors are present, a
  ``stressor`` column to choose from;
- wide CSV: a ``city`` (or ``city_code``) column and one column per quantity; a header may
  carry its unit as ``name [unit]``;
- xlsx: a sheet named after the column (rows: cities, first column the city, then one column
  per stressor), else a ``cities`` sheet, else the first sheet with that column (wide layout).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from mrio_city.model.errors import LabelMismatchError, NonFiniteValueError, TableFormatError
from mrio_city.model.labels import first_labels

__all__ = ["read_city_column"]

_KEYS = ("account", "variable", "indicator", "metric")
_CITY = ("city", "city_code", "code", "region")
_UNIT_HEADER = re.compile(r"^(?P<name>.*?)\s*\[(?P<unit>[^\]]*)\]\s*$")


def _pick_stressor(frame: pd.DataFrame, stressor: str | None, where: str) -> pd.DataFrame:
    if "stressor" not in frame.columns:
        return frame
    found = list(dict.fromkeys(frame["stressor"].astype(str)))
    if stressor is None:
        if len(found) > 1:
            raise LabelMismatchError(
                f"{where}: several stressors {found}; choose one with --stressor"
            )
        return frame
    if stressor not in found:
        raise LabelMismatchError(f"{where}: no stressor {stressor!r}; found {found}")
    return frame[frame["stressor"].astype(str) == stressor]


def _wide(frame: pd.DataFrame, column: str, where: str) -> tuple[pd.Series, str] | None:
    city = next((c for c in _CITY if c in frame.columns), None)
    for header in frame.columns:
        text = str(header)
        match = _UNIT_HEADER.match(text)
        name, unit = (match["name"], match["unit"]) if match else (text, "")
        if name == column and city is not None:
            keys = frame[city].astype(str)
            return pd.Series(frame[header].to_numpy(), index=keys, name=column), unit
    return None


def _numeric(series: pd.Series, where: str) -> pd.Series:
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna() & series.notna()
    if bad.any():
        raise NonFiniteValueError(
            f"{where}: non-numeric value(s) {first_labels(list(series[bad].astype(str)))} "
            f"for {first_labels(list(series.index[bad]))}"
        )
    if series.index.duplicated().any():
        raise LabelMismatchError(
            f"{where}: city label(s) repeated: "
            f"{first_labels(list(series.index[series.index.duplicated()]))}"
        )
    return values.astype(float).rename(series.name)


def read_city_column(
    path: str | os.PathLike[str],
    column: str,
    *,
    stressor: str | None = None,
) -> tuple[pd.Series, str]:
    """Read one per-city quantity from a results file.

    Parameters
    ----------
    path : str or PathLike
        A ``.csv`` or ``.xlsx`` results file written by mrio-city.
    column : str
        Name of the quantity (an account such as ``consumption_based``, an indicator, or a
        column header without its ``[unit]``).
    stressor : str, optional
        Stressor to read when the file holds several (e.g. ``CO2``).

    Returns
    -------
    tuple of (Series, str)
        Values indexed by city label (name or code) and their unit ('' when the file has
        none).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    TableFormatError
        Unsupported file type.
    LabelMismatchError
        The column (or stressor) is not in the file; the message lists what is.
    NonFiniteValueError
        A value is not a number.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"results file {str(path)!r} does not exist")
    where = path.name
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = pd.read_csv(path, dtype={c: str for c in _CITY})
        key = next((k for k in _KEYS if k in frame.columns), None)
        if key is not None and "value" in frame.columns:
            rows = frame[frame[key].astype(str) == column]
            if rows.empty:
                names = list(dict.fromkeys(frame[key].astype(str)))
                raise LabelMismatchError(
                    f"{where}: no {key} {column!r}; it has {first_labels(names, limit=15)}"
                )
            rows = _pick_stressor(rows, stressor, where)
            city = next(c for c in _CITY if c in rows.columns)
            units = list(dict.fromkeys(rows["unit"].astype(str))) if "unit" in rows else [""]
            series = pd.Series(rows["value"].to_numpy(), index=rows[city].astype(str))
            return _numeric(series.rename(column), where), units[0] if len(units) == 1 else ""
        got = _wide(frame, column, where)
        if got is None:
            raise LabelMismatchError(
                f"{where}: no column {column!r} (with a city column); it has "
                f"{first_labels(list(frame.columns), limit=15)}"
            )
        return _numeric(got[0], where), got[1]
    if suffix in (".xlsx", ".xlsm"):
        with pd.ExcelFile(path) as book:
            sheets = book.sheet_names
            if column in sheets:
                frame = pd.read_excel(book, column, index_col=0)
                frame.index = frame.index.astype(str)
                pick = stressor or (frame.columns[0] if len(frame.columns) == 1 else None)
                if pick is None or pick not in frame.columns:
                    raise LabelMismatchError(
                        f"{where}, sheet '{column}': choose a stressor with --stressor from "
                        f"{[str(c) for c in frame.columns]}"
                    )
                return _numeric(frame[pick].rename(column), f"{where}, sheet '{column}'"), ""
            order = (["cities"] if "cities" in sheets else []) + sheets
            for sheet in order:
                frame = pd.read_excel(book, sheet, dtype={c: str for c in _CITY})
                got = _wide(frame, column, where)
                if got is not None:
                    return _numeric(got[0], f"{where}, sheet '{sheet}'"), got[1]
        raise LabelMismatchError(
            f"{where}: no sheet or column {column!r}; sheets: {first_labels(sheets, limit=15)}"
        )
    raise TableFormatError(f"{where}: results must be a .csv or .xlsx file, not {suffix!r}")
