"""A table's content hash: the same numbers and labels always give the same digest.

:func:`table_hash` lives in the model layer so that every layer can tell two tables apart
(run metadata in :mod:`mrio_city.io.provenance`, the Monte Carlo's resume check).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city.model.schema import CITY_VALUES, LABEL_FIELDS, STORED_ARRAYS

__all__ = ["table_hash"]


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
