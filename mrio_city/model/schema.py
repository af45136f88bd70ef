"""The table schema, defined once: metadata, the fields every table stores, their checks.

Both table classes (:class:`mrio_city.model.table.MRIOTable` and
:class:`mrio_city.model.structured.StructuredMRIOTable`) take the shared fields of
:data:`COMMON_FIELDS` and validate them here (:func:`init_common_fields`); readers, writers,
the table hash and the recipe reader take the field names from the constants below instead of
spelling them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mrio_city.model import _checks
from mrio_city.model.errors import EmptyTableError, LabelMismatchError, TableValidationError
from mrio_city.model.labels import CATEGORY, CITY, SECTOR, STRESSOR, as_index, first_labels

__all__ = [
    "TableMetadata",
    "COMMON_FIELDS",
    "LABEL_FIELDS",
    "CITY_VALUES",
    "STORED_ARRAYS",
    "ARRAY_NDIM",
    "array_shapes",
    "init_common_fields",
]


@dataclass(frozen=True)
class TableMetadata:
    """Descriptive metadata of a table.

    Parameters
    ----------
    name : str
        Short table name used in messages and outputs (e.g. ``'china-309-synthetic'``).
    year : int or None
        Reference year of the flows.
    currency : str
        Currency of monetary values (e.g. ``'CNY'``).
    money_unit : str
        Unit of monetary values (e.g. ``'10^4 CNY'``).
    description : str
        Free text; say here whether the table is synthetic.
    provenance : mapping
        Inputs (paths and sha256), parameters, package version and check summary.
    """

    name: str = "table"
    year: int | None = None
    currency: str = "CNY"
    money_unit: str = "10^4 CNY"
    description: str = ""
    provenance: Mapping[str, Any] = field(default_factory=dict)


#: Constructor arguments shared by every table class, stored under the same names.
COMMON_FIELDS = (
    "F",
    "cities",
    "sectors",
    "categories",
    "stressors",
    "units",
    "F_Y",
    "exports",
    "export_labels",
    "value_added",
    "value_added_labels",
    "population",
    "gdp",
    "city_attributes",
    "meta",
)
#: The label fields (pandas Index) of every table, in the order the table hash reads them.
LABEL_FIELDS = (
    "cities",
    "sectors",
    "categories",
    "stressors",
    "export_labels",
    "value_added_labels",
)
#: Optional per-city numbers [persons; money] (columns of ``cities.csv`` / sheet ``cities``).
CITY_VALUES = ("population", "gdp")
#: Arrays every table stores besides its flows (gross output, stressors, exports, value added).
STORED_ARRAYS = ("x", "F", "F_Y", "exports", "value_added")
#: Number of dimensions of every array a general table is built from.
ARRAY_NDIM = {
    "Z": 2,
    "Y": 2,
    "F": 2,
    "F_Y": 2,
    "exports": 2,
    "value_added": 2,
    "x": 1,
    **dict.fromkeys(CITY_VALUES, 1),
}


def array_shapes(
    n_cities: int,
    n_sectors: int,
    n_categories: int,
    n_stressors: int,
    n_export_columns: int = 0,
    n_value_added: int = 0,
) -> dict[str, tuple[int, ...]]:
    """Shape of every array of a general table (city-major nodes, ``n = cities x sectors``)."""
    n, fd = n_cities * n_sectors, n_cities * n_categories
    return {
        "Z": (n, n),
        "Y": (n, fd),
        "x": (n,),
        "F": (n_stressors, n),
        "F_Y": (n_stressors, fd),
        "exports": (n, n_export_columns),
        "value_added": (n_value_added, n),
        **dict.fromkeys(CITY_VALUES, (n_cities,)),
    }


def init_common_fields(
    table,
    *,
    F,
    cities: Sequence[object],
    sectors: Sequence[object],
    categories: Sequence[object],
    stressors: Sequence[object],
    units: Mapping[str, str] | Sequence[str] | None,
    F_Y,
    exports,
    export_labels,
    value_added,
    value_added_labels,
    population,
    gdp,
    meta: TableMetadata | Mapping[str, Any] | None,
    name: str | None,
    city_attributes: pd.DataFrame | None = None,
) -> None:
    """Validate the fields of :data:`COMMON_FIELDS` and store them on ``table`` (not frozen yet).

    Raises
    ------
    TableValidationError
        (or a subclass) naming the table, the field and the offending labels.
    """
    _labels(table, cities, sectors, categories, stressors, units, meta, name)
    _arrays(table, F, F_Y, exports, export_labels, value_added, value_added_labels)
    _city_values(table, population, gdp, city_attributes)
    _check_values(table)


def _labels(table, cities, sectors, categories, stressors, units, meta, name) -> None:
    if meta is None:
        meta = TableMetadata(name=name or "table")
    elif not isinstance(meta, TableMetadata):
        meta = TableMetadata(**dict(meta))
    if name is not None and name != meta.name:
        meta = TableMetadata(**{**meta.__dict__, "name": name})
    table.meta = meta
    t = meta.name
    table.cities = as_index(cities, name=CITY, table=t)
    table.sectors = as_index(sectors, name=SECTOR, table=t)
    table.categories = as_index(categories, name=CATEGORY, table=t)
    table.stressors = as_index(stressors, name=STRESSOR, table=t)
    if units is None:
        units = {s: "t CO2" for s in table.stressors}
    elif not isinstance(units, Mapping):
        units = dict(zip(table.stressors, units, strict=True))
    missing = [s for s in table.stressors if s not in units]
    if missing:
        raise TableValidationError(
            f"table {t!r}: units has no unit for stressor(s) {first_labels(missing)}"
        )
    table.units = {s: str(units[s]) for s in table.stressors}


def _arrays(table, F, F_Y, exports, export_labels, value_added, value_added_labels) -> None:
    t = table.meta.name
    R, N, K, S = len(table.cities), len(table.sectors), len(table.categories), len(table.stressors)
    for what, size in (("cities", R), ("sectors", N)):
        if size == 0:
            raise EmptyTableError(f"table {t!r}: the table has no {what}; nothing to compute")
    n = R * N
    table.F = _checks.as_array(F, table=t, field="F", ndim=2)
    if table.F.shape[0] == n and table.F.shape[1] == S and S != n:
        table.F = table.F.T
    _checks.check_shape(table.F, (S, n), table=t, field="F", meaning="n_stressors x n_nodes")
    if F_Y is None:
        F_Y = np.zeros((S, R * K))
    table.F_Y = _checks.as_array(F_Y, table=t, field="F_Y", ndim=2)
    _checks.check_shape(
        table.F_Y,
        (S, R * K),
        table=t,
        field="F_Y",
        meaning="n_stressors x n_cities*n_categories",
    )
    table.exports, table.export_labels = _labelled(
        exports, export_labels, n, t=t, field="exports", axis=1, name="final_column",
        prefix="export", meaning="n_nodes x n_export_columns",
    )  # fmt: skip
    table.value_added, table.value_added_labels = _labelled(
        value_added, value_added_labels, n, t=t, field="value_added", axis=0, name="value_added",
        prefix="value_added", meaning="n_value_added_rows x n_nodes",
    )  # fmt: skip


def _labelled(values, labels, n: int, *, t, field, axis, name, prefix, meaning):
    """An optional array with a label per row (``axis=0``) or column (``axis=1``), n the other way.

    Absent: an empty array.  Labels absent: ``<prefix>_0``, ``<prefix>_1`` ...
    """
    if values is None:
        values, labels = np.zeros((0, n) if axis == 0 else (n, 0)), []
    arr = _checks.as_array(values, table=t, field=field, ndim=2)
    if labels is None:
        labels = [f"{prefix}_{k}" for k in range(arr.shape[axis])]
    index = as_index(labels, name=name, table=t)
    shape = (len(index), n) if axis == 0 else (n, len(index))
    _checks.check_shape(arr, shape, table=t, field=field, meaning=meaning)
    return arr, index


def _city_values(table, population, gdp, city_attributes) -> None:
    t = table.meta.name
    R = len(table.cities)
    table.population = None
    table.gdp = None
    if population is not None:
        table.population = _checks.as_array(population, table=t, field="population", ndim=1)
        _checks.check_shape(table.population, (R,), table=t, field="population", meaning="n_cities")
    if gdp is not None:
        table.gdp = _checks.as_array(gdp, table=t, field="gdp", ndim=1)
        _checks.check_shape(table.gdp, (R,), table=t, field="gdp", meaning="n_cities")
    if city_attributes is not None:
        attrs = pd.DataFrame(city_attributes).copy()
        attrs.index = pd.Index([str(c) for c in attrs.index], name=CITY)
        if not attrs.index.equals(table.cities):
            missing = table.cities.difference(attrs.index)
            unexpected = attrs.index.difference(table.cities)
            raise LabelMismatchError(
                f"table {t!r}: city_attributes index does not match the cities: missing "
                f"{first_labels(missing)}, unexpected {first_labels(unexpected)}"
            )
        city_attributes = attrs
    table.city_attributes = city_attributes


def _check_values(table) -> None:
    t = table.meta.name
    nodes = table.nodes
    fd = table.final_demand_labels
    for fname, arr, rows, cols in (
        ("F", table.F, table.stressors, nodes),
        ("F_Y", table.F_Y, table.stressors, fd),
        ("exports", table.exports, nodes, table.export_labels),
        ("value_added", table.value_added, table.value_added_labels, nodes),
        ("population", table.population, table.cities, None),
        ("gdp", table.gdp, table.cities, None),
    ):
        if arr is not None:
            _checks.check_finite(arr, table=t, field=fname, rows=rows, cols=cols)
    if table.population is not None:
        _checks.check_nonnegative(table.population, table=t, field="population", rows=table.cities)
