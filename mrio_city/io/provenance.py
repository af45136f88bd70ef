"""Provenance of tables and runs: file hashes and run metadata.

A table's content hash is :func:`mrio_city.model.fingerprint.table_hash` (its numbers and
labels, not its descriptive metadata).  :func:`run_metadata` collects what every output
records: package and library versions, platform, BLAS, the table's name/year/hash/provenance,
a UTC timestamp and the switches of the run.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import platform
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mrio_city.model.fingerprint import table_hash

__all__ = [
    "file_sha256",
    "run_metadata",
    "blas_info",
    "jsonable",
    "format_provenance",
]


def file_sha256(path: str | os.PathLike[str], *, chunk_size: int = 1 << 20) -> str:
    """Return the sha256 hex digest of a file's bytes (read in chunks of ``chunk_size``)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk_size):
            h.update(block)
    return h.hexdigest()


def blas_info() -> list[dict[str, Any]]:
    """BLAS/OpenMP libraries loaded in the process (threadpoolctl): api, version, threads."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return []
    return [
        {
            "user_api": d.get("user_api"),
            "internal_api": d.get("internal_api"),
            "version": d.get("version"),
            "num_threads": d.get("num_threads"),
        }
        for d in threadpool_info()
    ]


def jsonable(value: Any) -> Any:
    """``value`` made JSON-safe: numpy scalars and arrays, paths, NaN/inf -> None, others str."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def run_metadata(table=None, **switches: Any) -> dict[str, Any]:
    """Return the provenance record written with every output.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable, optional
        The table of the run; adds its name, year, form, hash and ``meta.provenance``.
    **switches
        Options of the run (method, chunk, scenario file, ...), recorded under ``switches``.

    Returns
    -------
    dict
        JSON-serializable: ``package``, ``package_version``, ``python_version``,
        ``numpy_version``, ``scipy_version``, ``pandas_version``, ``platform``, ``blas``
        (e.g. ``'openblas 0.3.27, 2 threads'``), ``blas_threads``, then ``table_name``,
        ``table_year``, ``table_form``, ``table_hash``, ``table_money_unit``,
        ``table_provenance`` when a table is given, ``created`` (UTC, ISO 8601) and
        ``switches``.
    """
    import scipy

    from mrio_city._version import __version__

    blas = [b for b in blas_info() if b.get("user_api") == "blas"]
    meta: dict[str, Any] = {
        "package": "mrio-city",
        "package_version": __version__,
        "python_version": sys.version.split()[0],
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "pandas_version": pd.__version__,
        "platform": platform.platform(),
        "blas": "; ".join(
            f"{b['internal_api']} {b['version']}, {b['num_threads']} threads" for b in blas
        )
        or "unknown",
        "blas_threads": blas[0]["num_threads"] if blas else None,
    }
    if table is not None:
        meta.update(
            table_name=table.name,
            table_year=table.meta.year,
            table_form="structured" if table.structured else "general",
            table_hash=table_hash(table),
            table_money_unit=table.meta.money_unit,
            table_provenance=jsonable(dict(table.meta.provenance)),
        )
    meta["created"] = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    meta["switches"] = jsonable(dict(switches))
    return meta


def _short(value: object, width: int = 80) -> str:
    text = f"{value:,.6g}" if isinstance(value, float) else str(value)
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def format_provenance(prov: dict, *, indent: int = 2) -> str:
    """Provenance as an aligned two-column table (sections indented, long values cut).

    Input files (``{"path", "sha256"}``) show as ``file name  sha256 <first 12>  (folder)``;
    a section of more than 8 plain values shows on one line as ``key value; ...``.
    """
    lines: list[str] = []
    pad = " " * indent
    scalars = {k: v for k, v in prov.items() if not isinstance(v, dict)}
    width = max((len(str(k)) for k in prov), default=0)
    for key, value in scalars.items():
        lines.append(f"{pad}{key:<{width}}  {_short(value)}")
    for key, value in prov.items():
        if not isinstance(value, dict):
            continue
        if value and all(isinstance(v, dict) and "sha256" in v for v in value.values()):
            lines.append(f"{pad}{key}:")
            inner = max(len(str(k)) for k in value)
            for name, item in value.items():
                path = Path(str(item.get("path", "")))
                lines.append(
                    f"{pad}  {name:<{inner}}  {path.name}  sha256 {str(item['sha256'])[:12]}  "
                    f"({path.parent})"
                )
        elif len(value) > 8 and not any(isinstance(v, dict) for v in value.values()):
            joined = "; ".join(f"{k} {_short(v, 20)}" for k, v in value.items())
            lines.append(f"{pad}{key}:")
            wrapped = textwrap.wrap(joined, 90, break_on_hyphens=False)
            lines.extend(f"{pad}  {part}" for part in wrapped)
        else:
            lines.append(f"{pad}{key}:")
            lines.append(format_provenance(value, indent=indent + 2))
    return "\n".join(line for line in lines if line)
