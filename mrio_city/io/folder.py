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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city.io._npz import read_npz
from mrio_city.io.atomic import atomic_dir
from mrio_city.io.provenance import file_sha256
from mrio_city.model.errors import TableFormatError, TableNotFoundError, TableValidationError
from mrio_city.model.reader import DocumentReader, did_you_mean, found, path_inside
from mrio_city.model.table import MAX_OUTPUT_RTOL, BaseTable, MRIOTable, TableMetadata

__all__ = ["write_table", "read_table", "FORMAT_VERSION", "is_table_folder"]

#: Version of the folder format written by :func:`write_table`.
FORMAT_VERSION = 1
_FORMAT = "mrio-city-table"
_COMMON_ARRAYS = ("x", "F", "F_Y", "exports", "value_added")
_RESERVED_CITY_COLUMNS = ("city", "population", "gdp")
_SPARSE_FORMATS = ("csr", "csc", "coo", "bsr", "dia")


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
        "format": _FORMAT,
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
        arrays: dict[str, Any] = {}
        matrices: dict[str, Any] = {}
        if table.structured:
            arrays["technology"] = table.technology
            arrays["final_demand"] = table.final_demand
            matrices["trade_shares"] = {
                "file": "trade_shares.npz",
                "storage": _save_shares(
                    tmp / "trade_shares.npz", table.trade_shares, "trade_shares"
                ),
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
                Z = table.Z if table.Z.format in _SPARSE_FORMATS else table.Z.tocsr()
                sp.save_npz(tmp / "Z.npz", Z, compressed=True)
                matrices["Z"] = {"file": "Z.npz", "storage": "sparse", "format": Z.format}
            else:
                np.savez_compressed(tmp / "Z.npz", Z=table.Z)
                matrices["Z"] = {"file": "Z.npz", "storage": "dense"}
            arrays["Y"] = table.Y
        for name in _COMMON_ARRAYS:
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


# -- reading -------------------------------------------------------------------------------
#: Largest ``table.toml`` read (bytes).
MAX_TOML_BYTES = 16 * 2**20
#: Largest label CSV read (bytes); label files hold one short line per city or sector.
MAX_CSV_BYTES = 64 * 2**20
#: pandas dtypes a ``[cities] attribute_dtypes`` entry may name.
ATTRIBUTE_DTYPES = (
    "str",
    "string",
    "object",
    "bool",
    "boolean",
    "float64",
    "float32",
    "Float64",
    "int64",
    "int32",
    "int16",
    "int8",
    "Int64",
    "Int32",
    "uint64",
    "uint32",
    "uint8",
)
_CSV_FILES = (
    "cities.csv",
    "sectors.csv",
    "categories.csv",
    "stressors.csv",
    "exports.csv",
    "value_added.csv",
)
_SHA256 = frozenset("0123456789abcdef")


class _Reader:
    """Reads the parts of one table folder, raising TableFormatError naming file and field.

    Every file name comes from the format or from ``table.toml`` and is confined to the folder
    (:func:`mrio_city.model.reader.path_inside`): absolute paths, ``..`` and symbolic links
    leading out are refused; only regular files are read; sizes are checked against the
    table's dimensions before a file is hashed or an array allocated.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.toml = folder / "table.toml"
        self.hashes: dict[str, str] = {}
        self.verified: set[str] = set()

    def fail(self, file: str, what: str) -> TableFormatError:
        return TableFormatError(f"table folder {self.folder}: {file}: {what}")

    def doc_reader(self, data: Any, key: str = "", allowed=None) -> DocumentReader:
        return DocumentReader(
            f"table folder {self.folder}: table.toml", data, key, allowed, error=TableFormatError
        )

    def path(self, name: Any, *, key: str = "") -> Path:
        """The regular file ``name`` of the folder (confined; existence not checked)."""
        what = f"table folder {self.folder}: table.toml: {key}" if key else str(name)
        p = path_inside(self.folder, name, what=what, error=TableFormatError)
        if p.exists() and not p.is_file():
            raise self.fail(str(name), "is not a regular file")
        return p

    def load_toml(self) -> dict[str, Any]:
        if not self.toml.is_file():
            raise self.fail("table.toml", "file is missing (not a table folder)")
        self.path("table.toml")
        size = self.toml.stat().st_size
        if size > MAX_TOML_BYTES:
            raise self.fail("table.toml", f"{size:,} bytes is above the {MAX_TOML_BYTES:,} limit")
        try:
            doc = tomllib.loads(self.toml.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise self.fail("table.toml", f"not valid TOML ({exc})") from exc
        if doc.get("format") != _FORMAT:
            raise self.fail(
                "table.toml", f"key 'format' must be {_FORMAT!r}, got {doc.get('format')!r}"
            )
        version = doc.get("format_version")
        if isinstance(version, bool) or not isinstance(version, int):
            version = repr(version)
        if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
            raise self.fail(
                "table.toml",
                f"key 'format_version' = {version} is not supported "
                f"(this mrio-city reads versions 1 to {FORMAT_VERSION})",
            )
        if doc.get("kind") not in ("general", "structured"):
            raise self.fail(
                "table.toml",
                f"key 'kind' must be 'general' or 'structured', got {doc.get('kind')!r}",
            )
        for key in ("name", "cities", "matrices", "arrays", "units", "files"):
            if key not in doc:
                raise self.fail("table.toml", f"required key {key!r} is missing")
        return doc

    def options(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Metadata and options of ``table.toml``, strictly typed."""
        r = self.doc_reader(doc)
        out: dict[str, Any] = {
            "name": r.string("name"),
            "year": r.number("year", None, low=1900, high=2200, integer=True),
            "currency": r.string("currency", "CNY"),
            "money_unit": r.string("money_unit", "10^4 CNY"),
            "description": r.string("description", ""),
            "output_rtol": r.number("output_rtol", 1e-6, low=0, high=MAX_OUTPUT_RTOL),
            "allow_negative_flows": r.boolean("allow_negative_flows", False),
        }
        if doc["kind"] == "structured" and "allow_negative_flows" in doc:
            r.fail("allow_negative_flows", "applies to general tables only")
        if "provenance_json" in doc:
            text = r.string("provenance_json")
            try:
                out["provenance"] = json.loads(text)
            except json.JSONDecodeError as exc:
                r.fail("provenance_json", f"expected JSON text ({exc})")
        else:
            out["provenance"] = dict(r.table("provenance").data)
        return out

    def check_files(self, files: Any, allowed: set[str]) -> None:
        """Check ``[files]``: names of this table's files, each a sha256; remember them."""
        r = self.doc_reader(files, "files")
        for name, digest in r.data.items():
            if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _SHA256:
                r.fail(name, f"expected a sha256 (64 hexadecimal digits), got {found(digest)}")
            p = self.path(name, key=f"files.{name}")
            rel = os.path.normpath(name)
            if rel not in allowed:
                r.fail(
                    name,
                    "is not a file of this table (the table reads "
                    f"{', '.join(sorted(allowed))}); [files] may list only those",
                )
            if not p.is_file():
                raise self.fail(name, "file listed in table.toml is missing")
            self.hashes[rel] = digest

    def verify(self, name: str, limit: int) -> Path:
        """Confine, size-check and (when listed in ``[files]``) hash-check one file."""
        p = self.path(name)
        if not p.is_file():
            raise self.fail(name, "file is missing")
        rel = os.path.normpath(name)
        size = p.stat().st_size
        if size > limit:
            raise self.fail(
                name,
                f"{size:,} bytes is more than the table's dimensions allow ({limit:,} bytes)",
            )
        digest = self.hashes.get(rel)
        if digest is not None and rel not in self.verified:
            actual = file_sha256(p)
            if actual != digest:
                raise self.fail(
                    name,
                    f"sha256 {actual[:12]}... differs from {digest[:12]}... "
                    "recorded in table.toml (file changed after writing)",
                )
            self.verified.add(rel)
        return p

    def csv(self, name: str, columns: list[str]) -> pd.DataFrame:
        p = self.verify(name, MAX_CSV_BYTES)
        try:
            frame = pd.read_csv(
                p, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8"
            )
        except (ValueError, UnicodeDecodeError) as exc:
            raise self.fail(name, f"not readable as UTF-8 CSV ({exc})") from exc
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise self.fail(name, f"column(s) {missing} missing; have {list(frame.columns)}")
        return frame

    def labels(self, name: str, column: str) -> list[str]:
        return self.csv(name, [column])[column].tolist()

    def numbers(self, name: str, frame: pd.DataFrame, column: str) -> np.ndarray:
        # float() is correctly rounded (pandas' default CSV float parser is not always)
        values = frame[column].tolist()
        out = np.empty(len(values))
        for row, text in enumerate(values):
            try:
                out[row] = float(text) if text != "" else np.nan
            except ValueError:
                raise self.fail(
                    name, f"column {column!r} row {row + 2}: expected a number, got {text!r}"
                ) from None
        return out

    def npz(
        self, name: str, shapes: Mapping[str, tuple[int, ...] | None], max_items: int
    ) -> dict[str, np.ndarray]:
        raw = sum(
            int(np.prod(s, dtype=np.int64)) if s is not None else max_items for s in shapes.values()
        )
        p = self.verify(name, 8 * raw + (raw >> 6) + (1 << 20))
        return read_npz(
            p, fail=lambda what: self.fail(name, what), shapes=shapes, max_items=max_items
        )

    def key(self, name: str, data: Mapping[str, np.ndarray], key: str) -> np.ndarray:
        if key not in data:
            raise self.fail(name, f"array {key!r} is missing; have {sorted(data)}")
        return data[key]

    def matrix_entry(self, doc: dict[str, Any], key: str) -> dict[str, Any]:
        matrices = self.doc_reader(doc["matrices"], "matrices")
        entry = matrices.data.get(key)
        if not isinstance(entry, dict) or "file" not in entry or "storage" not in entry:
            raise self.fail(
                "table.toml", f"[matrices.{key}] with keys 'file' and 'storage' is missing"
            )
        if entry["storage"] not in ("dense", "sparse"):
            raise self.fail(
                "table.toml",
                f"[matrices.{key}] storage must be 'dense' or 'sparse', got {entry['storage']!r}",
            )
        r = matrices.table(key, ("file", "storage", "format"))
        r.string("format", choices=_SPARSE_FORMATS)
        self.path(entry["file"], key=f"matrices.{key}.file")
        return entry

    def shares(self, doc: dict[str, Any], key: str, n_sectors: int, n_cities: int):
        entry = self.matrix_entry(doc, key)
        name = entry["file"]
        R, N = n_cities, n_sectors
        if entry["storage"] == "dense":
            data = self.npz(name, {key: (N, R, R)}, N * R * R)
            return self.key(name, data, key)
        shapes: dict[str, tuple[int, ...] | None] = {"shape": (2,)}
        for i in range(N):
            shapes |= {f"data_{i}": None, f"indices_{i}": None, f"indptr_{i}": (R + 1,)}
        data = self.npz(name, shapes, R * R)
        shape = tuple(int(v) for v in self.key(name, data, "shape"))
        if shape != (R, R):
            raise self.fail(name, f"array 'shape' is {shape}, expected {(R, R)}")
        mats = []
        for i in range(N):
            parts = [self.key(name, data, f"{p}_{i}") for p in ("data", "indices", "indptr")]
            try:
                mats.append(sp.csr_matrix(tuple(parts), shape=shape))
                mats[-1].check_format(full_check=True)
            except (ValueError, TypeError, IndexError) as exc:
                raise self.fail(name, f"sector {i}: invalid CSR arrays ({exc})") from exc
        return mats

    def Z(self, doc: dict[str, Any], n: int):
        entry = self.matrix_entry(doc, "Z")
        name = entry["file"]
        if entry["storage"] == "dense":
            return self.key(name, self.npz(name, {"Z": (n, n)}, n * n), "Z")
        keys = ("data", "indices", "indptr", "row", "col", "offsets", "blocksize")
        data = self.npz(name, {"format": (), "shape": (2,)} | dict.fromkeys(keys), n * n)
        fmt = self.key(name, data, "format").item()
        fmt = fmt.decode("ascii", "replace") if isinstance(fmt, bytes) else str(fmt)
        shape = tuple(int(v) for v in self.key(name, data, "shape"))
        if fmt not in _SPARSE_FORMATS:
            raise self.fail(name, f"array 'format' is {fmt!r}, expected one of {_SPARSE_FORMATS}")
        if shape != (n, n):
            raise self.fail(name, f"array 'shape' is {shape}, expected {(n, n)}")
        try:
            if fmt in ("csr", "csc", "bsr"):
                parts = tuple(self.key(name, data, k) for k in ("data", "indices", "indptr"))
                cls = {"csr": sp.csr_matrix, "csc": sp.csc_matrix, "bsr": sp.bsr_matrix}[fmt]
                Z = cls(parts, shape=shape)
                Z.check_format(full_check=True)
            elif fmt == "coo":
                ij = (self.key(name, data, "row"), self.key(name, data, "col"))
                Z = sp.coo_matrix((self.key(name, data, "data"), ij), shape=shape)
                if Z.nnz and (Z.row.min() < 0 or Z.col.min() < 0):
                    raise ValueError("negative row or column index")
            else:
                parts = (self.key(name, data, "data"), self.key(name, data, "offsets"))
                Z = sp.dia_matrix(parts, shape=shape)
        except (ValueError, TypeError, IndexError) as exc:
            raise self.fail(name, f"not a valid scipy.sparse {fmt} matrix ({exc})") from None
        return Z

    def cities(self, info: Any) -> dict[str, Any]:
        r = self.doc_reader(info, "cities", ("attributes", "attribute_dtypes"))
        attrs = r.string_list("attributes")
        dtypes = r.string_list("attribute_dtypes")
        for k, dtype in enumerate(dtypes):
            if dtype not in ATTRIBUTE_DTYPES:
                r.fail(
                    f"attribute_dtypes[{k}]",
                    f"{dtype!r} is not one of {', '.join(ATTRIBUTE_DTYPES)}"
                    f"{did_you_mean(dtype, ATTRIBUTE_DTYPES)}",
                )
        if len(attrs) != len(dtypes):
            raise self.fail(
                "table.toml", "[cities] attributes and attribute_dtypes differ in length"
            )
        frame = self.csv("cities.csv", ["city", *attrs])
        out: dict[str, Any] = {"cities": frame["city"].tolist()}
        for col in ("population", "gdp"):
            out[col] = self.numbers("cities.csv", frame, col) if col in frame.columns else None
        if attrs:
            data = {}
            for col, dtype in zip(attrs, dtypes, strict=True):
                values = frame[col]
                if dtype in ("bool", "boolean"):
                    bad = ~values.isin(["True", "False"])
                    if bad.any():
                        row = int(np.flatnonzero(bad.to_numpy())[0])
                        raise self.fail(
                            "cities.csv",
                            f"column {col!r} row {row + 2}: expected True or False, got "
                            f"{values.iloc[row]!r}",
                        )
                    data[col] = values.map({"True": True, "False": False}).astype(dtype)
                elif dtype.startswith(("float", "int", "uint", "Float", "Int", "UInt")):
                    numbers = self.numbers("cities.csv", frame, col)
                    try:
                        data[col] = pd.Series(numbers).astype(dtype)
                    except (ValueError, TypeError, OverflowError) as exc:
                        raise self.fail(
                            "cities.csv", f"column {col!r}: not {dtype} values ({exc})"
                        ) from None
                else:
                    data[col] = values.astype(dtype)
            out["city_attributes"] = pd.DataFrame(data).set_axis(
                pd.Index(out["cities"], name="city"), axis=0
            )
        else:
            out["city_attributes"] = None
        return out


def _allowed_files(r: _Reader, doc: dict[str, Any]) -> set[str]:
    """Names of the files this table reads (data files confined to the folder first)."""
    names = set(_CSV_FILES)
    arrays = r.doc_reader(doc["arrays"], "arrays", ("file", "keys"))
    name = arrays.string("file", "arrays.npz")
    r.path(name, key="arrays.file")
    names.add(name)
    matrices = r.doc_reader(doc["matrices"], "matrices")
    for key in matrices.data:
        entry = matrices.table(key, ("file", "storage", "format"))
        entry.require("file")
        name = entry.string("file")
        r.path(name, key=f"matrices.{key}.file")
        names.add(name)
    return {os.path.normpath(n) for n in names}


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
    r = _Reader(folder)
    doc = r.load_toml()
    options = r.options(doc)
    r.check_files(doc["files"], _allowed_files(r, doc))
    units_doc = r.doc_reader(doc).string_map("units")
    stressors = r.csv("stressors.csv", ["stressor", "unit"])
    units = dict(zip(stressors["stressor"], stressors["unit"], strict=True))
    if units != units_doc:
        raise r.fail(
            "stressors.csv",
            f"units {units} disagree with [units] in table.toml {units_doc}",
        )
    city = r.cities(doc["cities"])
    meta = TableMetadata(
        name=options["name"],
        year=options["year"],
        currency=options["currency"],
        money_unit=options["money_unit"],
        description=options["description"],
        provenance=options["provenance"],
    )
    sectors = r.labels("sectors.csv", "sector")
    categories = r.labels("categories.csv", "category")
    export_labels = r.labels("exports.csv", "export_column")
    va_labels = r.labels("value_added.csv", "value_added")
    R, N, K = len(city["cities"]), len(sectors), len(categories)
    S, E, V = len(units), len(export_labels), len(va_labels)
    n = R * N
    shapes: dict[str, tuple[int, ...] | None] = {
        "x": (n,),
        "F": (S, n),
        "F_Y": (S, R * K),
        "exports": (n, E),
        "value_added": (V, n),
    }
    structured = doc["kind"] == "structured"
    if structured:
        shapes |= {"technology": (R, N, N), "final_demand": (R, N, K)}
    else:
        shapes["Y"] = (n, R * K)
    arrays_reader = r.doc_reader(doc["arrays"], "arrays", ("file", "keys"))
    arrays_file = arrays_reader.string("file", "arrays.npz")
    arrays_reader.string_list("keys")
    r.path(arrays_file, key="arrays.file")
    biggest = max(int(np.prod(s, dtype=np.int64)) for s in shapes.values() if s is not None)
    arrays = r.npz(arrays_file, shapes, biggest)
    common = {name: r.key(arrays_file, arrays, name) for name in _COMMON_ARRAYS}
    kwargs: dict[str, Any] = dict(
        F=common["F"],
        cities=city["cities"],
        sectors=sectors,
        categories=categories,
        stressors=stressors["stressor"].tolist(),
        units=units,
        F_Y=common["F_Y"],
        exports=common["exports"],
        export_labels=export_labels,
        value_added=common["value_added"],
        value_added_labels=va_labels,
        x=common["x"],
        population=city["population"],
        gdp=city["gdp"],
        city_attributes=city["city_attributes"],
        meta=meta,
        output_rtol=options["output_rtol"],
    )
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
            r.Z(doc, n),
            r.key(arrays_file, arrays, "Y"),
            allow_negative_flows=options["allow_negative_flows"],
            **kwargs,
        )
    except TableValidationError as exc:
        raise type(exc)(f"table folder {folder}: {exc}") from exc
