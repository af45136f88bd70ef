"""Small text outputs: JSON and text files, and the ``metadata.json`` sidecar of every set.

Every output set (accounts, inequality, indicators, scenario, sweep) writes the same run
metadata twice: in the ``metadata`` sheet of its workbook and in ``metadata.json`` beside it,
for scripts and for the CSV files, which cannot carry it.  Written atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mrio_city.io.atomic import atomic_path
from mrio_city.io.provenance import jsonable

__all__ = ["write_json", "write_text", "write_metadata_json", "jsonable", "METADATA_FILE"]

#: File name of the run-metadata sidecar.
METADATA_FILE = "metadata.json"


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text atomically; return the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented UTF-8 JSON (via :func:`jsonable`) atomically."""
    return write_text(path, json.dumps(jsonable(obj), indent=2, ensure_ascii=False) + "\n")


def write_metadata_json(folder: str | os.PathLike[str], metadata: Mapping[str, Any]) -> Path:
    """Write the run metadata as ``folder/metadata.json``."""
    return write_json(Path(folder) / METADATA_FILE, dict(metadata))
