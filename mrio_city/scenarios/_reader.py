"""Private helpers of scenario specs: the shared document reader bound to ScenarioSpecError."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from mrio_city.model.errors import ScenarioSpecError
from mrio_city.model.reader import DocumentReader, typename


class _Reader(DocumentReader):
    """Reads one TOML table of a scenario file, raising ScenarioSpecError (file, key path)."""

    def __init__(
        self,
        source: str,
        data: Any,
        path: str,
        allowed: Sequence[str] | None,
        *,
        error: type[ScenarioSpecError] = ScenarioSpecError,
    ) -> None:
        super().__init__(source, data, path, allowed, error=error)


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
        raise ScenarioSpecError(f"{source}: {path}: cannot set a key inside a {typename(node)}")
    node[last] = value
