"""mrio-city: city-level multi-regional input-output carbon footprints.

The main path: load or build a table (:class:`MRIOTable`, :class:`StructuredMRIOTable`),
factorize ``I - A`` once (:func:`factorize`), compute accounts (:func:`compute_accounts`).
"""

from mrio_city._version import __version__
from mrio_city.accounts.footprints import (
    Accounts,
    compute_accounts,
    consumption_by_producer,
    multipliers,
)
from mrio_city.model.errors import *  # noqa: F403
from mrio_city.model.errors import __all__ as _errors_all
from mrio_city.model.structured import StructuredMRIOTable
from mrio_city.model.table import MRIOTable, TableMetadata

# names resolved lazily by __getattr__ below (ruff cannot see them)
# ruff: noqa: F405
from mrio_city.solve.solver import LeontiefSolver, factorize

_LAZY = {
    "load_table": "mrio_city.io.registry",
    "list_tables": "mrio_city.io.registry",
    "read_table": "mrio_city.io.folder",
    "write_table": "mrio_city.io.folder",
    "from_pymrio": "mrio_city.io.pymrio_adapter",
    "to_pymrio": "mrio_city.io.pymrio_adapter",
}


def __getattr__(name: str):
    """Import the table sources and writers on first use (they pull in heavier libraries)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mrio_city' has no attribute {name!r}")


__all__ = [
    "Accounts",
    "LeontiefSolver",
    "MRIOTable",
    "StructuredMRIOTable",
    "TableMetadata",
    "compute_accounts",
    "consumption_by_producer",
    "factorize",
    "from_pymrio",
    "list_tables",
    "load_table",
    "multipliers",
    "read_table",
    "to_pymrio",
    "write_table",
    "__version__",
    *_errors_all,
]
