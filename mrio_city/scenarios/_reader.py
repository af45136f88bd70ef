"""Private helpers of scenario specs: a key-path-aware TOML table reader and key paths."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from mrio_city.model.errors import ScenarioSpecError


def _did_you_mean(value: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _typename(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "float",
        str: "string",
        list: "array",
        dict: "table",
    }.get(type(value), type(value).__name__)


class _Reader:
    """Reads one TOML table, records consumed keys and rejects unknown ones."""

    def __init__(self, source: str, data: Any, path: str, allowed: Sequence[str]):
        self.source, self.path = source, path
        if not isinstance(data, Mapping):
            self.fail(None, f"expected a table, got {_typename(data)}")
        self.data = data
        unknown = [k for k in data if k not in allowed]
        if unknown:
            k = unknown[0]
            self.fail(k, f"unknown key{_did_you_mean(k, allowed)} (allowed: {', '.join(allowed)})")

    def where(self, key: str | None) -> str:
        if key is None:
            return self.path or "(top level)"
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str | None, message: str):
        raise ScenarioSpecError(f"{self.source}: {self.where(key)}: {message}")

    def has(self, key: str) -> bool:
        return key in self.data

    def string(
        self, key: str, default: str | None = None, *, choices: Sequence[str] | None = None
    ) -> str | None:
        if key not in self.data:
            return default
        v = self.data[key]
        if not isinstance(v, str):
            self.fail(key, f"expected a string, got {_typename(v)} {v!r}")
        if choices is not None and v not in choices:
            self.fail(
                key,
                f"{v!r} is not one of {', '.join(map(repr, choices))}{_did_you_mean(v, choices)}",
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
    ) -> float | None:
        if key not in self.data:
            return default
        v = self.data[key]
        ok = isinstance(v, int) if integer else isinstance(v, int | float)
        if isinstance(v, bool) or not ok:
            want = "an integer" if integer else "a number"
            self.fail(key, f"expected {want}, got {_typename(v)} {v!r}")
        if not math.isfinite(v):
            self.fail(key, f"must be finite, got {v!r}")
        if low is not None and (v <= low if low_open else v < low):
            rng = f"> {low:g}" if low_open else f">= {low:g}"
            if high is not None:
                rng = f"between {low:g} and {high:g}"
            self.fail(key, f"must be {rng}, got {v!r}")
        if high is not None and v > high:
            self.fail(key, f"must be between {low:g} and {high:g}, got {v!r}")
        return int(v) if integer else float(v)

    def boolean(self, key: str, default: bool) -> bool:
        if key not in self.data:
            return default
        v = self.data[key]
        if not isinstance(v, bool):
            self.fail(key, f"expected true or false, got {_typename(v)} {v!r}")
        return v

    def strings(self, key: str, *, single: str | None = None) -> tuple[str, ...] | None:
        """A list of strings under ``key`` (or one string under ``single``); not both."""
        if single is not None and single in self.data and key in self.data:
            self.fail(key, f"give either {single!r} or {key!r}, not both")
        if single is not None and single in self.data:
            v = self.data[single]
            if not isinstance(v, str):
                self.fail(single, f"expected a string, got {_typename(v)} {v!r}")
            return (v,)
        if key not in self.data:
            return None
        v = self.data[key]
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            self.fail(key, f"expected an array of strings, got {_typename(v)} {v!r}")
        if not v:
            self.fail(key, "must not be empty")
        return tuple(v)


_PART = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")


def _split_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for chunk in path.split("."):
        m = _PART.fullmatch(chunk)
        if not m:
            raise ScenarioSpecError(f"invalid key path {path!r}: bad part {chunk!r}")
        parts.append(m.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return parts


def _get_path(data: Any, path: str) -> Any:
    node = data
    for part in _split_path(path):
        node = node[part]
    return node


def set_key_path(data: dict[str, Any], path: str, value: Any, *, source: str = "<dict>") -> None:
    """Set ``value`` at a dotted key path (``a.b[2].c``) of a parsed scenario, in place.

    Missing tables on the way are created; list indices must exist.

    Raises
    ------
    ScenarioSpecError
        If the path is malformed or a list index is out of range.
    """
    parts = _split_path(path)
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                raise ScenarioSpecError(f"{source}: {path}: index [{part}] does not exist")
            node = node[part]
            continue
        if part not in node:
            if isinstance(nxt, int):
                raise ScenarioSpecError(f"{source}: {path}: {part!r} does not exist")
            node[part] = {}
        node = node[part]
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise ScenarioSpecError(f"{source}: {path}: index [{last}] does not exist")
    elif not isinstance(node, dict):
        raise ScenarioSpecError(f"{source}: {path}: cannot set a key inside a {_typename(node)}")
    node[last] = value
