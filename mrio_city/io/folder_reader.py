"""Reading the parts of a table folder: every file confined, size-checked and hash-checked.

The format (files, keys, limits) is specified in :mod:`mrio_city.io.folder` and
``docs/table-format.md``; :class:`FolderReader` reads it for
:func:`mrio_city.io.folder.read_table`, reporting in the one style of every reader
(:mod:`mrio_city.model.reader`): ``table folder <path>: <file>: <where>: <message>``.
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
from mrio_city.io.provenance import file_sha256
from mrio_city.model.base_table import MAX_OUTPUT_RTOL
from mrio_city.model.errors import TableFormatError
from mrio_city.model.reader import DocumentReader, did_you_mean, found, path_inside
from mrio_city.model.schema import CITY_VALUES, STORED_ARRAYS

__all__ = [
    "FolderReader",
    "allowed_files",
    "FORMAT_VERSION",
    "FORMAT",
    "COMMON_ARRAYS",
    "SPARSE_FORMATS",
    "MAX_TOML_BYTES",
    "MAX_CSV_BYTES",
    "ATTRIBUTE_DTYPES",
]

#: Version of the folder format written by :func:`mrio_city.io.folder.write_table`.
FORMAT_VERSION = 1
FORMAT = "mrio-city-table"
#: Arrays every table folder stores besides its flows (the table schema's).
COMMON_ARRAYS = STORED_ARRAYS
SPARSE_FORMATS = ("csr", "csc", "coo", "bsr", "dia")
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


class FolderReader:
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
        """The error naming the folder and ``file`` (returned, for ``raise``)."""
        return TableFormatError(f"table folder {self.folder}: {file}: {what}")

    def doc_reader(self, data: Any, key: str = "", allowed=None) -> DocumentReader:
        """A :class:`DocumentReader` of ``table.toml`` at key path ``key``."""
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
        """Parse ``table.toml`` (size-limited) and check format, version, kind and required keys."""
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
        if doc.get("format") != FORMAT:
            raise self.fail(
                "table.toml", f"key 'format' must be {FORMAT!r}, got {doc.get('format')!r}"
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
        """A label CSV as text columns; ``columns`` must be present."""
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
        """The labels in ``column`` of CSV ``name``."""
        return self.csv(name, [column])[column].tolist()

    def numbers(self, name: str, frame: pd.DataFrame, column: str) -> np.ndarray:
        """A CSV column as floats (empty cells NaN), each text parsed exactly."""
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
        """The arrays of ``.npz`` file ``name``, size- and shape-checked before loading."""
        raw = sum(
            int(np.prod(s, dtype=np.int64)) if s is not None else max_items for s in shapes.values()
        )
        p = self.verify(name, 8 * raw + (raw >> 6) + (1 << 20))
        return read_npz(
            p, fail=lambda what: self.fail(name, what), shapes=shapes, max_items=max_items
        )

    def key(self, name: str, data: Mapping[str, np.ndarray], key: str) -> np.ndarray:
        """Array ``key`` of the ``.npz`` file ``name``; missing is an error."""
        if key not in data:
            raise self.fail(name, f"array {key!r} is missing; have {sorted(data)}")
        return data[key]

    def matrix_entry(self, doc: dict[str, Any], key: str) -> dict[str, Any]:
        """The ``[matrices.<key>]`` table of ``table.toml``, checked."""
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
        r.string("format", choices=SPARSE_FORMATS)
        self.path(entry["file"], key=f"matrices.{key}.file")
        return entry

    def shares(self, doc: dict[str, Any], key: str, n_sectors: int, n_cities: int):
        """Trade shares of a structured table (dense array or one CSR matrix per sector)."""
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
        """The intermediate flows of a general table (dense or sparse, shape checked)."""
        entry = self.matrix_entry(doc, "Z")
        name = entry["file"]
        if entry["storage"] == "dense":
            return self.key(name, self.npz(name, {"Z": (n, n)}, n * n), "Z")
        keys = ("data", "indices", "indptr", "row", "col", "offsets", "blocksize")
        data = self.npz(name, {"format": (), "shape": (2,)} | dict.fromkeys(keys), n * n)
        fmt = self.key(name, data, "format").item()
        fmt = fmt.decode("ascii", "replace") if isinstance(fmt, bytes) else str(fmt)
        shape = tuple(int(v) for v in self.key(name, data, "shape"))
        if fmt not in SPARSE_FORMATS:
            raise self.fail(name, f"array 'format' is {fmt!r}, expected one of {SPARSE_FORMATS}")
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
        """``cities.csv``: city labels, population, GDP and typed city attributes."""
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
        for col in CITY_VALUES:
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


def allowed_files(r: FolderReader, doc: dict[str, Any]) -> set[str]:
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
