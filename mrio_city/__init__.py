"""mrio-city: city-level multi-regional input-output carbon footprints.

The main path: load or build a table (:class:`MRIOTable`, :class:`StructuredMRIOTable`),
factorize ``I - A`` once (:func:`factorize`), compute accounts (:func:`compute_accounts`).
"""

from mrio_city.accounts import Accounts, compute_accounts, consumption_by_producer, multipliers
from mrio_city.errors import *  # noqa: F403
from mrio_city.errors import __all__ as _errors_all
from mrio_city.solver import LeontiefSolver, factorize
from mrio_city.structured import StructuredMRIOTable
from mrio_city.table import MRIOTable, TableMetadata

__version__ = "0.1.0"

__all__ = [
    "Accounts",
    "LeontiefSolver",
    "MRIOTable",
    "StructuredMRIOTable",
    "TableMetadata",
    "compute_accounts",
    "consumption_by_producer",
    "factorize",
    "multipliers",
    "__version__",
    *_errors_all,
]
