"""Provenance of tables and runs: content hashes, file hashes and run metadata.

:func:`table_hash` identifies a table by its numbers and labels (not by its descriptive
metadata), so the same data always gives the same hash, across runs, machines and file formats
that round-trip exactly.  :func:`run_metadata` collects what every output records: package and
library versions, platform, BLAS, the table's name/year/hash/provenance, a UTC timestamp and the
switches of the run.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city.model.schema import CITY_VALUES, LABEL_FIELDS, STORED_ARRAYS

__all__ = [
    "table_hash",
    "file_sha256",
    "run_metadata",
    "blas_info",
    "jsonable",
    "format_provenance",
]


def _update_array(h, name: str, arr) -> None:
    if arr is None:
        h.update(f"{name}:none;".encode())
        return
    if sp.issparse(arr):
        m = sp.csr_matrix(arr, dtype=np.float64, copy=True)
        m.sum_duplicates()
        m.eliminate_zeros()
        m.sort_indices()
        h.update(f"{name}:sparse{m.shape};".encode())
        for part in (m.indptr.astype("<i8"), m.indices.astype("<i8"), m.data.astype("<f8")):
            h.update(np.ascontiguousarray(part).tobytes())
        return
    a = np.ascontiguousarray(np.asarray(arr, dtype="<f8"))
    # +0.0 and -0.0 hash alike: they are the same number
    a = a + 0.0
    h.update(f"{name}:dense{a.shape};".encode())
    h.update(a.tobytes())


def _update_labels(h, name: str, labels) -> None:
    h.update(f"{name}:labels;".encode())
    h.update(json.dumps([str(v) for v in labels], ensure_ascii=False).encode())


def _update_frame(h, name: str, frame: pd.DataFrame | None) -> None:
    if frame is None:
        h.update(f"{name}:none;".encode())
        return
    _update_labels(h, f"{name}.index", frame.index)
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            _update_array(h, f"{name}[{col}]", values.to_numpy(dtype=np.float64))
        else:
            _update_labels(h, f"{name}[{col}]", values.astype(object).where(values.notna(), ""))


def _shares(h, name: str, shares) -> None:
    if isinstance(shares, np.ndarray):
        _update_array(h, name, shares)
    else:
        for i, m in enumerate(shares):
            _update_array(h, f"{name}[{i}]", m)


def table_hash(table) -> str:
    """Return the sha256 hex digest of a table's arrays, labels and units.

    Covers every array (Z or the structured factors, Y, x, F, F_Y, exports, value added,
    population, gdp), every label set, the stressor units and ``city_attributes``.  Not
    covered: the descriptive metadata (name, year, description, provenance), so renaming a
    table keeps its hash.  Sparse matrices hash by their non-zero pattern and values (explicit
    zeros are ignored), so a dense and a sparse Z of the same numbers hash differently: the
    hash identifies the stored form.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    h = hashlib.sha256()
    h.update(f"mrio-city-table:v1;{'structured' if table.structured else 'general'};".encode())
    for name in LABEL_FIELDS:
        _update_labels(h, name, getattr(table, name))
    h.update(json.dumps(table.units, sort_keys=True, ensure_ascii=False).encode())
    if table.structured:
        _shares(h, "trade_shares", table.trade_shares)
        if table.final_trade_shares is not table.trade_shares:
            _shares(h, "final_trade_shares", table.final_trade_shares)
        _update_array(h, "technology", table.technology)
        _update_array(h, "final_demand", table.final_demand)
    else:
        _update_array(h, "Z", table.Z)
        _update_array(h, "Y", table.Y)
    for name in (*STORED_ARRAYS, *CITY_VALUES):
        _update_array(h, name, getattr(table, name))
    _update_frame(h, "city_attributes", table.city_attributes)
    return h.hexdigest()


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
