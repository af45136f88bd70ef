"""The table folder format: ``table.toml`` + ``.npz`` matrices + CSV labels (exact round trip).

A table folder (specification: ``docs/table-format.md``)::

    table.toml              format version, kind, metadata, units, arrays, file hashes
    cities.csv              city, [population], [gdp], [city attribute columns ...]
    sectors.csv             sector
    categories.csv          category
    stressors.csv           stressor, unit
    exports.csv             export_column        (labels of the export/other columns)
    value_added.csv         value_added          (labels of the value-added rows)
    arrays.npz              Y, x, F, F_Y, exports, value_added (general) or
                            technology, final_demand, x, F, F_Y, exports, value_added
    Z.npz                   general: Z (scipy.sparse.save_npz if sparse, else dense key 'Z')
    trade_shares.npz        structured: dense key 'trade_shares' or per-sector CSR arrays
    final_trade_shares.npz  structured, only when they differ from trade_shares

Arrays are stored bit-identically (``.npz``); CSV numbers are written with Python's shortest
round-trip representation and read with ``float_precision='round_trip'``, so
``read_table(write_table(t))`` reproduces every number, label and metadata field exactly; a
sparse Z stays sparse (same format), sparse trade shares stay sparse, a structured table stays
structured.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city.io.atomic import atomic_dir
from mrio_city.io.folder_reader import (
    COMMON_ARRAYS,
    FORMAT,
    FORMAT_VERSION,
    SPARSE_FORMATS,
    FolderReader,
    allowed_files,
)
from mrio_city.io.provenance import file_sha256
from mrio_city.model.base_table import MAX_OUTPUT_RTOL, BaseTable
from mrio_city.model.errors import TableFormatError, TableNotFoundError, TableValidationError
from mrio_city.model.schema import CITY_VALUES, array_shapes
from mrio_city.model.table import MRIOTable, TableMetadata

__all__ = ["write_table", "read_table", "is_table_folder"]

_RESERVED_CITY_COLUMNS = ("city", *CITY_VALUES)


def is_table_folder(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder holding a ``table.toml``."""
    return (Path(path) / "table.toml").is_file()


# -- writing -------------------------------------------------------------------------------
def _output_rtol(table: BaseTable) -> float:
    """Tolerance that lets the stored x pass the constructor's output check again."""
    x = table.x
    if table.structured:
        resid = x - table.apply_A(x[:, None])[:, 0] - table.total_final_demand()
    else:
        resid = x - table._row_sums()
    n = x.size
    scale = np.maximum(np.abs(x), np.abs(x).mean() if n else 1.0)
    err = np.abs(resid) / np.where(scale > 0, scale, 1.0)
    worst = float(err.max()) if n else 0.0
    return max(1e-6, min(2.0 * worst, MAX_OUTPUT_RTOL))


def _save_shares(path: Path, shares, key: str) -> str:
    if isinstance(shares, np.ndarray):
        np.savez_compressed(path, **{key: shares})
        return "dense"
    arrays: dict[str, np.ndarray] = {"shape": np.array(shares[0].shape, dtype=np.int64)}
    for i, m in enumerate(shares):
        arrays[f"data_{i}"] = m.data
        arrays[f"indices_{i}"] = m.indices
        arrays[f"indptr_{i}"] = m.indptr
    np.savez_compressed(path, **arrays)
    return "sparse"


def _toml_safe(value: Any) -> bool:
    import tomli_w

    try:
        text = tomli_w.dumps({"v": value})
    except (TypeError, ValueError):
        return False
    return tomllib.loads(text)["v"] == value


def _write_labels(folder: Path, name: str, column: str, labels: pd.Index) -> None:
    pd.DataFrame({column: list(labels)}).to_csv(
        folder / name, index=False, encoding="utf-8", lineterminator="\n"
    )


def _write_cities(folder: Path, table: BaseTable) -> dict[str, Any]:
    frame = pd.DataFrame({"city": list(table.cities)})
    if table.population is not None:
        frame["population"] = table.population
    if table.gdp is not None:
        frame["gdp"] = table.gdp
    info: dict[str, Any] = {"attributes": [], "attribute_dtypes": []}
    attrs = table.city_attributes
    if attrs is not None:
        for col in attrs.columns:
            if str(col) in _RESERVED_CITY_COLUMNS or str(col) in frame.columns:
                raise TableFormatError(
                    f"table {table.name!r}: city_attributes column {col!r} clashes with the "
                    f"column of the same name in cities.csv; rename it"
                )
            frame[str(col)] = attrs[col].to_numpy()
            info["attributes"].append(str(col))
            info["attribute_dtypes"].append(str(attrs[col].dtype))
    frame.to_csv(folder / "cities.csv", index=False, encoding="utf-8", lineterminator="\n")
    return info


def _write_flows(tmp: Path, table: BaseTable, doc: dict[str, Any]) -> tuple[dict, dict]:
    """Write Z (general) or the trade shares (structured); return the other flows and entries.

    Returns the arrays still to store in ``arrays.npz`` (Y, or technology and final demand)
    and the ``[matrices]`` entries of the files written; sets ``allow_negative_flows`` of a
    general table in ``doc``.
    """
    arrays: dict[str, Any] = {}
    matrices: dict[str, Any] = {}
    if table.structured:
        arrays["technology"] = table.technology
        arrays["final_demand"] = table.final_demand
        matrices["trade_shares"] = {
            "file": "trade_shares.npz",
            "storage": _save_shares(tmp / "trade_shares.npz", table.trade_shares, "trade_shares"),
        }
        if table.final_trade_shares is not table.trade_shares:
            matrices["final_trade_shares"] = {
                "file": "final_trade_shares.npz",
                "storage": _save_shares(
                    tmp / "final_trade_shares.npz",
                    table.final_trade_shares,
                    "final_trade_shares",
                ),
            }
    else:
        doc["allow_negative_flows"] = bool(
            (table.Z.data if sp.issparse(table.Z) else table.Z).min(initial=0.0) < 0
        )
        if sp.issparse(table.Z):
            Z = table.Z if table.Z.format in SPARSE_FORMATS else table.Z.tocsr()
            sp.save_npz(tmp / "Z.npz", Z, compressed=True)
            matrices["Z"] = {"file": "Z.npz", "storage": "sparse", "format": Z.format}
        else:
            np.savez_compressed(tmp / "Z.npz", Z=table.Z)
            matrices["Z"] = {"file": "Z.npz", "storage": "dense"}
        arrays["Y"] = table.Y
    return arrays, matrices


def write_table(table: BaseTable, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a table to a table folder (atomically: a complete folder or none).

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    path : str or PathLike
        Destination folder.
    overwrite : bool, default=False
        Replace an existing folder (safely: the old one is kept until the new one is complete).

    Returns
    -------
    pathlib.Path
        The folder written.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    TableFormatError
        If a city attribute is named ``city``, ``population`` or ``gdp``.
    """
    import tomli_w

    if not isinstance(table, BaseTable):
        raise TypeError(f"expected an MRIOTable or StructuredMRIOTable, got {type(table)}")
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"table folder {path} exists; pass overwrite=True to replace it")
    meta = table.meta
    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": "structured" if table.structured else "general",
        "name": meta.name,
    }
    if meta.year is not None:
        doc["year"] = int(meta.year)
    doc.update(currency=meta.currency, money_unit=meta.money_unit, description=meta.description)
    doc["output_rtol"] = _output_rtol(table)
    provenance = dict(meta.provenance)
    with atomic_dir(path) as tmp:
        for name, column, labels in (
            ("sectors.csv", "sector", table.sectors),
            ("categories.csv", "category", table.categories),
            ("exports.csv", "export_column", table.export_labels),
            ("value_added.csv", "value_added", table.value_added_labels),
        ):
            _write_labels(tmp, name, column, labels)
        pd.DataFrame(
            {"stressor": list(table.stressors), "unit": [table.units[s] for s in table.stressors]}
        ).to_csv(tmp / "stressors.csv", index=False, encoding="utf-8", lineterminator="\n")
        doc["cities"] = _write_cities(tmp, table)
        arrays, matrices = _write_flows(tmp, table, doc)
        for name in COMMON_ARRAYS:
            arrays[name] = getattr(table, name)
        np.savez_compressed(tmp / "arrays.npz", **arrays)
        doc["matrices"] = matrices
        doc["arrays"] = {"file": "arrays.npz", "keys": list(arrays)}
        doc["units"] = dict(table.units)
        if _toml_safe(provenance):
            doc["provenance"] = provenance
        else:  # None values, tuples, non-string keys: keep them exactly as JSON text
            doc["provenance_json"] = json.dumps(provenance, ensure_ascii=False, default=str)
        doc["files"] = {
            p.name: file_sha256(p) for p in sorted(tmp.iterdir()) if p.name != "table.toml"
        }
        (tmp / "table.toml").write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


def read_table(path: str | os.PathLike[str]) -> BaseTable:
    """Read a table folder written by :func:`write_table`.

    The folder is data from an untrusted source: only its own regular files are read (paths
    in ``table.toml`` must stay inside it; symbolic links out of it are refused), every file
    listed under ``[files]`` is checked against its sha256, and every file's size and every
    array's header are checked against the dimensions the labels declare before anything is
    hashed or allocated (``docs/security.md``).

    Parameters
    ----------
    path : str or PathLike
        The folder (holding ``table.toml``).

    Returns
    -------
    MRIOTable or StructuredMRIOTable
        Same class, arrays, labels and metadata as the table written.

    Raises
    ------
    TableNotFoundError
        If the folder does not exist.
    TableFormatError
        If a file is missing, unreadable, outside the folder, too large for the table,
        changed since writing (sha256) or lacks a field, or a key of ``table.toml`` has the
        wrong type or is out of range; the message names the folder, the file and what is
        wrong.
    TableValidationError
        (and subclasses) if the stored arrays do not form a valid table; the message names the
        folder.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise TableNotFoundError(f"table folder {folder} does not exist")
    r = FolderReader(folder)
    doc = r.load_toml()
    options = r.options(doc)
    r.check_files(doc["files"], allowed_files(r, doc))
    labels = _read_labels(r, doc)
    meta = TableMetadata(
        **{k: options[k] for k in ("name", "year", "currency", "money_unit", "description")},
        provenance=options["provenance"],
    )
    structured = doc["kind"] == "structured"
    arrays_file, arrays = _read_arrays(r, doc, labels, structured)
    common = {name: r.key(arrays_file, arrays, name) for name in COMMON_ARRAYS}
    kwargs: dict[str, Any] = dict(**common, **labels, meta=meta, output_rtol=options["output_rtol"])
    N, R = len(labels["sectors"]), len(labels["cities"])
    try:
        if structured:
            from mrio_city.model.structured import StructuredMRIOTable

            shares = r.shares(doc, "trade_shares", N, R)
            final = None
            if "final_trade_shares" in doc["matrices"]:
                final = r.shares(doc, "final_trade_shares", N, R)
            return StructuredMRIOTable(
                shares,
                r.key(arrays_file, arrays, "technology"),
                r.key(arrays_file, arrays, "final_demand"),
                final_trade_shares=final,
                **kwargs,
            )
        return MRIOTable(
            r.Z(doc, N * R),
            r.key(arrays_file, arrays, "Y"),
            allow_negative_flows=options["allow_negative_flows"],
            **kwargs,
        )
    except TableValidationError as exc:
        raise type(exc)(f"table folder {folder}: {exc}") from exc


def _read_labels(r: FolderReader, doc: dict[str, Any]) -> dict[str, Any]:
    """Labels, units and per-city values of a table folder (constructor arguments)."""
    units_doc = r.doc_reader(doc).string_map("units")
    stressors = r.csv("stressors.csv", ["stressor", "unit"])
    units = dict(zip(stressors["stressor"], stressors["unit"], strict=True))
    if units != units_doc:
        raise r.fail(
            "stressors.csv",
            f"units {units} disagree with [units] in table.toml {units_doc}",
        )
    return {
        **r.cities(doc["cities"]),  # cities, population, gdp, city_attributes
        "sectors": r.labels("sectors.csv", "sector"),
        "categories": r.labels("categories.csv", "category"),
        "stressors": stressors["stressor"].tolist(),
        "units": units,
        "export_labels": r.labels("exports.csv", "export_column"),
        "value_added_labels": r.labels("value_added.csv", "value_added"),
    }


def _read_arrays(
    r: FolderReader, doc: dict[str, Any], labels: dict[str, Any], structured: bool
) -> tuple[str, dict[str, np.ndarray]]:
    """The arrays file's name and arrays, their shapes checked against the labels first."""
    R, N, K = len(labels["cities"]), len(labels["sectors"]), len(labels["categories"])
    every = array_shapes(
        R,
        N,
        K,
        len(labels["units"]),
        len(labels["export_labels"]),
        len(labels["value_added_labels"]),
    )
    shapes: dict[str, tuple[int, ...] | None] = {k: every[k] for k in COMMON_ARRAYS}
    if structured:
        shapes |= {"technology": (R, N, N), "final_demand": (R, N, K)}
    else:
        shapes["Y"] = every["Y"]
    arrays_reader = r.doc_reader(doc["arrays"], "arrays", ("file", "keys"))
    arrays_file = arrays_reader.string("file", "arrays.npz")
    arrays_reader.string_list("keys")
    r.path(arrays_file, key="arrays.file")
    biggest = max(int(np.prod(s, dtype=np.int64)) for s in shapes.values() if s is not None)
    return arrays_file, r.npz(arrays_file, shapes, biggest)
