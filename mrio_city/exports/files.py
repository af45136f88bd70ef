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


def write_metadata_json(
    folder: str | os.PathLike[str], metadata: Mapping[str, Any], *, part: str | None = None
) -> Path:
    """Write the run metadata as ``folder/metadata.json``.

    Parameters
    ----------
    folder : str or PathLike
        The output folder.
    metadata : mapping
        The record of :func:`mrio_city.io.provenance.run_metadata` (package version, table
        name and hash, switches), plus anything the writer adds.
    part : str, optional
        Name of one output among several in the folder (group accounts beside the accounts,
        several anatomy results in one folder).  Its metadata is added under ``parts.<part>``
        of the folder's sidecar, keeping what the other outputs recorded; the top level keeps
        the first output's metadata (a new sidecar gets this one's).  Without ``part`` the
        sidecar describes the whole folder and is replaced.

    Returns
    -------
    pathlib.Path
        ``folder/metadata.json``.
    """
    path = Path(folder) / METADATA_FILE
    if part is None:
        return write_json(path, dict(metadata))
    try:
        sidecar = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError, json.JSONDecodeError):
        sidecar = None
    if not isinstance(sidecar, dict):
        sidecar = dict(metadata)
    parts = sidecar.get("parts")
    sidecar["parts"] = {**(parts if isinstance(parts, dict) else {}), part: dict(metadata)}
    return write_json(path, sidecar)
