"""Dimension names, label indexes and label checks shared by every module.

A *node* is one (city, sector) pair; nodes are ordered city-major, so node
``c * n_sectors + i`` is sector ``i`` of city ``c``.  Final-demand columns are
ordered city-major too: column ``d * n_categories + k`` is category ``k`` of
city ``d``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from mrio_city.model.errors import DuplicateLabelError

__all__ = [
    "CITY",
    "SECTOR",
    "CATEGORY",
    "STRESSOR",
    "UNIT",
    "PRODUCER",
    "CONSUMER",
    "as_index",
    "node_index",
    "final_demand_index",
    "format_label",
    "first_labels",
]

CITY = "city"
SECTOR = "sector"
CATEGORY = "category"
STRESSOR = "stressor"
UNIT = "unit"
PRODUCER = "producer"
CONSUMER = "consumer"


def as_index(labels: Iterable[object], *, name: str, table: str = "table") -> pd.Index:
    """Return ``labels`` as a named pandas Index of strings, rejecting duplicates.

    Parameters
    ----------
    labels : iterable
        The labels, in order.
    name : str
        Dimension name (``'city'``, ``'sector'``, ...), used as the index name and in errors.
    table : str, default='table'
        Table name used in error messages.

    Returns
    -------
    pandas.Index
        Index of ``str`` labels named ``name``.

    Raises
    ------
    DuplicateLabelError
        If a label occurs more than once.
    """
    index = pd.Index([str(label) for label in labels], name=name, dtype=object)
    if index.has_duplicates:
        dup = index[index.duplicated()].unique()
        raise DuplicateLabelError(
            f"table {table!r}: {name} labels have {len(dup)} duplicate(s): "
            f"{first_labels(dup)}; every {name} label must be unique"
        )
    return index


def node_index(cities: pd.Index, sectors: pd.Index) -> pd.MultiIndex:
    """City-major (city, sector) MultiIndex of all nodes."""
    return pd.MultiIndex.from_product([cities, sectors], names=[CITY, SECTOR])


def final_demand_index(cities: pd.Index, categories: pd.Index) -> pd.MultiIndex:
    """City-major (city, category) MultiIndex of final-demand columns."""
    return pd.MultiIndex.from_product([cities, categories], names=[CITY, CATEGORY])


def format_label(label: object) -> str:
    """Render a label or label tuple as ``(Shenzhen, Electricity)`` for messages."""
    if isinstance(label, tuple):
        return "(" + ", ".join(str(part) for part in label) + ")"
    return str(label)


def first_labels(labels: Sequence[object] | pd.Index, limit: int = 5) -> str:
    """Render the first ``limit`` labels, then ``...`` if there are more."""
    labels = list(labels)
    shown = ", ".join(
        repr(label) if isinstance(label, str) else format_label(label) for label in labels[:limit]
    )
    return shown + (", ..." if len(labels) > limit else "")
