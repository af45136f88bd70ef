"""One validating reader for every file a user hands the package (issue 13 item 3, issue 14).

Table folders (``table.toml`` and its CSV/``.npz`` files), Excel table workbooks, table recipes
and scenario files are all read through the helpers here, so a bad value is reported the same
way wherever it comes from::

    <file>: <key path, or sheet and cell, or column and row>: expected <what>, got <found>

:class:`FieldReader` holds that style (the file, the exception class, the strict checks of one
value at a named place); :class:`DocumentReader` reads parsed TOML tables (places are key
paths) and :class:`GridReader` reads the cells of one sheet (places are ``sheet 'Z', cell C3``).

Strict types: booleans only as booleans (TOML ``true``/``false``, Excel TRUE/FALSE cells),
numbers only as numbers (never text, never booleans), enumerations checked against their
choices, numeric ranges checked.  Paths named inside a file must stay inside an allowed root
(:func:`path_inside`).  Nothing read is ever imported, evaluated or called.

This module imports only :mod:`mrio_city.model.errors` and :mod:`mrio_city.model.labels`
(whose :func:`~mrio_city.model.labels.did_you_mean` it re-exports); every layer may use it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, NoReturn

from mrio_city.model.errors import MrioCityError
from mrio_city.model.labels import did_you_mean  # the one hint, re-exported for readers

__all__ = [
    "FieldReader",
    "DocumentReader",
    "GridReader",
    "cell_name",
    "did_you_mean",
    "typename",
    "found",
    "path_inside",
    "strict_bool",
    "number_problem",
    "boolean_problem",
]


def typename(value: Any) -> str:
    """The TOML word for a value's type (``boolean``, ``integer``, ``string``, ``table`` ...)."""
    return {
        bool: "boolean",
        int: "integer",
        float: "float",
        str: "string",
        list: "array",
        dict: "table",
    }.get(type(value), type(value).__name__)


def found(value: Any) -> str:
    """How a found value is shown in messages: its type and a short repr."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{typename(value)} {text}"


def strict_bool(value: Any) -> bool | None:
    """``value`` if it is a real boolean, else None (text such as ``"false"`` is not one)."""
    return value if isinstance(value, bool) else None


def number_problem(
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    integer: bool = False,
) -> str | None:
    """What is wrong with ``value`` as a number (``None`` when it is a valid one).

    Numbers are numbers only: text (``"1e-6"``) and booleans are refused, as are NaN and
    infinities and values outside ``[low, high]`` (``(low, high]`` when ``low_open``).  The
    one rule for TOML keys, CSV-free cells and recipe parameters alike.
    """
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok:
        return f"expected {'an integer' if integer else 'a number'}, got {found(value)}"
    if not math.isfinite(value):
        return f"must be finite, got {value!r}"
    if low is not None and (value <= low if low_open else value < low):
        rng = f"> {low:g}" if low_open else f">= {low:g}"
        if high is not None:
            rng = f"between {low:g} and {high:g}"
        return f"must be {rng}, got {value!r}"
    if high is not None and value > high:
        rng = f"between {low:g} and {high:g}" if low is not None else f"<= {high:g}"
        return f"must be {rng}, got {value!r}"
    return None


def boolean_problem(value: Any, *, words: str = "true or false") -> str | None:
    """What is wrong with ``value`` as a boolean: anything but a real boolean is refused."""
    return None if isinstance(value, bool) else f"expected {words}, got {found(value)}"


def cell_name(row: int, col: int) -> str:
    """Spreadsheet name of the cell at 0-based ``row`` and ``col`` (``cell_name(2, 2) == 'C3'``)."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row + 1}"


class FieldReader:
    """The one error style of every reader: ``<file>: <where>: <message>``.

    Parameters
    ----------
    source : str
        How the file is named in messages (``'workbook t.xlsx'``, ``'scenario.toml'``).
    error : type, default=MrioCityError
        Exception class raised (a subclass of :class:`MrioCityError`).
    """

    def __init__(self, source: str, *, error: type[MrioCityError] = MrioCityError) -> None:
        self.source, self.error = source, error

    def fail_at(self, where: str, message: str) -> NoReturn:
        """Raise ``self.error`` naming the file and the place (key path, cell, column and row)."""
        raise self.error(
            f"{self.source}: {where}: {message}" if where else f"{self.source}: {message}"
        )

    def number_at(self, where: str, value: Any, **limits: Any) -> float:
        """``value`` as a float, checked by :func:`number_problem` (``limits``: low, high ...)."""
        problem = number_problem(value, **limits)
        if problem:
            self.fail_at(where, problem)
        return int(value) if limits.get("integer") else float(value)

    def boolean_at(self, where: str, value: Any, *, words: str = "true or false") -> bool:
        """``value`` if it is a real boolean; text such as ``'no'`` is refused."""
        problem = boolean_problem(value, words=words)
        if problem:
            self.fail_at(where, problem)
        return value

    def label_at(self, where: str, value: Any) -> str:
        """A label as text; booleans are refused (``TRUE`` is not a label)."""
        if isinstance(value, bool):
            self.fail_at(where, f"expected a text label, got {found(value)}")
        return str(value)


class GridReader(FieldReader):
    """Reads the cells of one sheet (rows of values), naming sheet and cell in every error.

    Parameters
    ----------
    source : str
        How the file is named in messages (``'workbook t.xlsx'``).
    sheet : str
        The sheet's name.
    rows : list of list
        The sheet's values, row by row (as ``openpyxl`` ``values_only`` rows).  Blank text
        reads as empty.
    error : type, default=MrioCityError
        Exception class raised.
    """

    def __init__(
        self,
        source: str,
        sheet: str,
        rows: Sequence[Sequence[Any]],
        *,
        error: type[MrioCityError] = MrioCityError,
    ) -> None:
        super().__init__(source, error=error)
        self.sheet, self.rows = sheet, rows

    def where(self, row: int | None = None, col: int | None = None) -> str:
        """``sheet 'Z', cell C3`` (``sheet 'Z'`` without a cell)."""
        if row is None or col is None:
            return f"sheet {self.sheet!r}"
        return f"sheet {self.sheet!r}, cell {cell_name(row, col)}"

    def fail(self, row: int | None, col: int | None, message: str) -> NoReturn:
        """Raise naming the file, the sheet and the cell (0-based ``row`` and ``col``)."""
        self.fail_at(self.where(row, col), message)

    def get(self, row: int, col: int) -> Any:
        """The value of a cell; None when empty, blank or outside the sheet."""
        if row < len(self.rows) and col < len(self.rows[row]):
            value = self.rows[row][col]
            if isinstance(value, str) and not value.strip():
                return None
            return value
        return None

    def width(self, row: int) -> int:
        """Number of cells stored in ``row`` (0 past the last row)."""
        return len(self.rows[row]) if row < len(self.rows) else 0

    def expect(self, row: int, col: int, text: str) -> None:
        """Require the header ``text`` in a cell."""
        got = self.get(row, col)
        if got != text:
            self.fail(row, col, f"expected the header {text!r}, got {got!r}")

    def label(self, row: int, col: int) -> str:
        """A non-empty label cell as text (TRUE/FALSE refused)."""
        value = self.get(row, col)
        if value is None:
            self.fail(row, col, "label is empty")
        return self.label_at(self.where(row, col), value)

    def number(self, row: int, col: int, *, empty: float = 0.0) -> float:
        """A number cell (``empty`` when empty); text and TRUE/FALSE are refused."""
        value = self.get(row, col)
        if value is None:
            return empty
        return self.number_at(self.where(row, col), value)

    def boolean(self, row: int, col: int) -> bool:
        """A TRUE/FALSE cell; text such as 'no' or 'false' is refused."""
        return self.boolean_at(
            self.where(row, col), self.get(row, col), words="a TRUE or FALSE cell"
        )


class DocumentReader(FieldReader):
    """Reads one table (mapping) of a parsed document, checking keys, types and ranges.

    Parameters
    ----------
    source : str
        How the file is named in messages (``'scenario.toml'``, ``'table folder X: table.toml'``).
    data : Any
        The parsed table; anything but a mapping is an error.
    path : str
        Key path of ``data`` inside the document (``''`` for the top level).
    allowed : sequence of str, optional
        Keys allowed in ``data``; others are an error naming the first one.  None: any key.
    error : type, default=MrioCityError
        Exception class raised (a subclass of :class:`MrioCityError`).
    """

    def __init__(
        self,
        source: str,
        data: Any,
        path: str = "",
        allowed: Sequence[str] | None = None,
        *,
        error: type[MrioCityError] = MrioCityError,
    ) -> None:
        super().__init__(source, error=error)
        self.path = path
        if not isinstance(data, Mapping):
            self.fail(None, f"expected a table, got {found(data)}")
        self.data = data
        if allowed is not None:
            unknown = [k for k in data if k not in allowed]
            if unknown:
                k = unknown[0]
                self.fail(
                    k, f"unknown key{did_you_mean(k, allowed)} (allowed: {', '.join(allowed)})"
                )

    # -- locations and errors --------------------------------------------------------------
    def where(self, key: str | None) -> str:
        """Key path of ``key`` (or of this table when None)."""
        if key is None:
            return self.path or "(top level)"
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str | None, message: str) -> NoReturn:
        """Raise ``self.error`` naming the file and the key path."""
        self.fail_at(self.where(key), message)

    def has(self, key: str) -> bool:
        """Whether ``key`` is present."""
        return key in self.data

    def require(self, *keys: str) -> None:
        """Raise for the first of ``keys`` that is missing."""
        for key in keys:
            if key not in self.data:
                self.fail(key, "required key is missing")

    def table(self, key: str, allowed: Sequence[str] | None = None, *, required=False):
        """A reader for the sub-table under ``key`` (an empty one when absent and not required)."""
        if key not in self.data:
            if required:
                self.fail(key, "required table is missing")
            return type(self)(self.source, {}, self.where(key), allowed, error=self.error)
        return type(self)(self.source, self.data[key], self.where(key), allowed, error=self.error)

    # -- typed values ----------------------------------------------------------------------
    def string(
        self,
        key: str,
        default: str | None = None,
        *,
        choices: Sequence[str] | None = None,
        nonempty: bool = False,
    ) -> str | None:
        """A string (one of ``choices`` when given)."""
        if key not in self.data:
            return default
        v = self.data[key]
        if not isinstance(v, str):
            self.fail(key, f"expected a string, got {found(v)}")
        if nonempty and not v.strip():
            self.fail(key, "expected a non-empty string, got ''")
        if choices is not None and v not in choices:
            self.fail(
                key,
                f"{v!r} is not one of {', '.join(map(repr, choices))}{did_you_mean(v, choices)}",
            )
        return v

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
        integer: bool = False,
    ) -> Any:
        """A finite number (an integer when ``integer``) within ``[low, high]``."""
        if key not in self.data:
            return default
        v = self.data[key]
        return self.number_at(
            self.where(key), v, low=low, high=high, low_open=low_open, integer=integer
        )

    def boolean(self, key: str, default: bool) -> bool:
        """A TOML boolean; text such as ``"false"`` or ``"no"`` is an error."""
        if key not in self.data:
            return default
        return self.boolean_at(self.where(key), self.data[key])

    def strings(self, key: str, *, single: str | None = None) -> tuple[str, ...] | None:
        """A non-empty list of strings under ``key`` (or one string under ``single``)."""
        if single is not None and single in self.data and key in self.data:
            self.fail(key, f"give either {single!r} or {key!r}, not both")
        if single is not None and single in self.data:
            v = self.data[single]
            if not isinstance(v, str):
                self.fail(single, f"expected a string, got {found(v)}")
            return (v,)
        if key not in self.data:
            return None
        v = self.data[key]
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            self.fail(key, f"expected an array of strings, got {found(v)}")
        if not v:
            self.fail(key, "must not be empty")
        return tuple(v)

    def string_list(self, key: str, default: Sequence[str] = ()) -> list[str]:
        """A possibly empty list of strings (no single-string shortcut)."""
        if key not in self.data:
            return list(default)
        v = self.data[key]
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            self.fail(key, f"expected an array of strings, got {found(v)}")
        return list(v)

    def string_map(self, key: str) -> dict[str, str]:
        """A table whose values are all strings."""
        sub = self.table(key, required=True)
        for k, v in sub.data.items():
            if not isinstance(v, str):
                sub.fail(k, f"expected a string, got {found(v)}")
        return dict(sub.data)


def path_inside(
    root: str | os.PathLike[str],
    name: Any,
    *,
    what: str,
    error: type[MrioCityError] = MrioCityError,
) -> Path:
    """Resolve a path named inside a file, refusing anything that leaves ``root``.

    Parameters
    ----------
    root : str or PathLike
        The folder the path must stay in (a table folder, a scenario file's folder).
    name : Any
        The path as written in the file: a relative path string.
    what : str
        Prefix of the message (file and key), e.g. ``"table folder X: table.toml: arrays.file"``.
    error : type
        Exception class raised.

    Returns
    -------
    pathlib.Path
        ``root / name``, resolved (symbolic links followed), inside ``root``.

    Raises
    ------
    MrioCityError (``error``)
        If ``name`` is not a string, is empty, absolute (POSIX or Windows form), or resolves
        outside ``root`` (through ``..`` or a symbolic link).
    """
    if not isinstance(name, str) or not name.strip():
        raise error(f"{what}: expected a relative file name, got {found(name)}")
    if (
        PurePosixPath(name).is_absolute()
        or PureWindowsPath(name).is_absolute()
        or PureWindowsPath(name).drive
        or name.startswith("~")
    ):
        raise error(f"{what}: absolute paths are refused, got {name!r}")
    base = Path(root).resolve()
    target = (base / name).resolve()
    if target != base and base not in target.parents:
        raise error(
            f"{what}: {name!r} resolves to {target}, outside {base} (paths in a file may not "
            "leave its folder, and symbolic links out of it are refused)"
        )
    return target
