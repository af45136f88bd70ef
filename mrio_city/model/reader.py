"""One validating reader for every file a user hands the package (issue 13 item 3, issue 14).

Table folders (``table.toml`` and its CSV/``.npz`` files), Excel table workbooks, table recipes
and scenario files are all read through the helpers here, so a bad value is reported the same
way wherever it comes from::

    <file>: <key path, or sheet and cell, or column and row>: expected <what>, got <found>

Strict types: booleans only as booleans (TOML ``true``/``false``, Excel TRUE/FALSE cells),
numbers only as numbers (never text, never booleans), enumerations checked against their
choices, numeric ranges checked.  Paths named inside a file must stay inside an allowed root
(:func:`path_inside`).  Nothing read is ever imported, evaluated or called.

This module imports only :mod:`mrio_city.model.errors`; every layer may use it.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, NoReturn

from mrio_city.model.errors import MrioCityError

__all__ = [
    "DocumentReader",
    "did_you_mean",
    "typename",
    "found",
    "path_inside",
    "strict_bool",
    "number_problem",
    "boolean_problem",
]


def did_you_mean(value: object, choices: Sequence[object]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


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


class DocumentReader:
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
        self.source, self.path, self.error = source, path, error
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
        raise self.error(f"{self.source}: {self.where(key)}: {message}")

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
        problem = number_problem(v, low=low, high=high, low_open=low_open, integer=integer)
        if problem:
            self.fail(key, problem)
        return int(v) if integer else float(v)

    def boolean(self, key: str, default: bool) -> bool:
        """A TOML boolean; text such as ``"false"`` or ``"no"`` is an error."""
        if key not in self.data:
            return default
        v = self.data[key]
        problem = boolean_problem(v)
        if problem:
            self.fail(key, problem)
        return v

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
