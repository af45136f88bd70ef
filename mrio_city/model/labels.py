"""Dimension names, label indexes and label checks shared by every module.

A *node* is one (city, sector) pair; nodes are ordered city-major, so node
``c * n_sectors + i`` is sector ``i`` of city ``c``.  Final-demand columns are
ordered city-major too: column ``d * n_categories + k`` is category ``k`` of
city ``d``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import pandas as pd

from mrio_city.model.errors import DuplicateLabelError, LabelMismatchError

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
    "sector_labels",
    "closest_label",
    "did_you_mean",
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


def closest_label(value: object, choices: Iterable[object]) -> str | None:
    """Return the choice closest to ``value`` (difflib ratio >= 0.6), or None.

    Used for "did you mean ...?" hints on table names, sectors, cities and option values.
    """
    names = [str(c) for c in choices]
    close = difflib.get_close_matches(str(value), names, n=1, cutoff=0.6)
    if not close:  # case-insensitive second try ('Beijing' for 'beijing')
        lower = {name.lower(): name for name in names}
        close = [lower[c] for c in difflib.get_close_matches(str(value).lower(), lower, n=1)]
    return close[0] if close else None


def did_you_mean(value: object, choices: Iterable[object]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""`` (for messages)."""
    close = closest_label(value, choices)
    return f"; did you mean {close!r}?" if close is not None else ""


def sector_labels(table, sectors: Sequence[object] | str, *, what: str) -> list[str]:
    """Explicit sector labels of ``table`` as strings; raise naming the unknown ones.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    sectors : str or sequence
        One label or several.
    what : str
        The argument's name, for the message (e.g. ``'energy_sectors'``).

    Raises
    ------
    LabelMismatchError
        Naming the unknown labels, the closest sector and the table's first sectors.
    """
    labels = [str(sectors)] if isinstance(sectors, str) else [str(s) for s in sectors]
    unknown = [s for s in labels if s not in table.sectors]
    if unknown:
        raise LabelMismatchError(
            f"table {table.name!r}: {what} {first_labels(unknown)} are not sectors of the table"
            f"{did_you_mean(unknown[0], table.sectors)} (its sectors: "
            f"{first_labels(list(table.sectors), limit=10)})"
        )
    return labels
