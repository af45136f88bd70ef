"""Exception and warning classes of mrio-city.

Every error the package raises on bad input is one of these classes.  They
also subclass the matching built-in type (``ValueError``, ``LinAlgError``,
``FileNotFoundError``) so that ``except ValueError`` keeps working.
This module imports nothing from the package.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "MrioCityError",
    "TableValidationError",
    "ShapeMismatchError",
    "LabelMismatchError",
    "DuplicateLabelError",
    "NonFiniteValueError",
    "NegativeValueError",
    "InconsistentOutputError",
    "ZeroOutputError",
    "EmptyTableError",
    "NonProductiveSystemError",
    "ConvergenceError",
    "TableFormatError",
    "TableNotFoundError",
    "DataSourceError",
    "ScenarioSpecError",
    "MissingDependencyError",
    "InventoryError",
    "UnitError",
    "OutputFolderError",
    "MrioCityWarning",
    "ZeroOutputWarning",
    "EfficiencyWarning",
    "NegativeFootprintWarning",
]


class MrioCityError(Exception):
    """Base class of every error raised by mrio-city on bad input or state."""


class TableValidationError(MrioCityError, ValueError):
    """A table failed a validation check at construction."""


class ShapeMismatchError(TableValidationError):
    """An array's shape does not match the table's labels."""


class LabelMismatchError(TableValidationError):
    """Labels differ from the ones expected (missing or unexpected labels)."""


class DuplicateLabelError(TableValidationError):
    """A label occurs more than once where labels must be unique."""


class NonFiniteValueError(TableValidationError):
    """An array holds NaN or infinite values."""


class NegativeValueError(TableValidationError):
    """An array holds negative values where none are allowed."""


class InconsistentOutputError(TableValidationError):
    """Given gross output x disagrees with the row sums of Z and final demand."""


class ZeroOutputError(TableValidationError):
    """City-sectors with zero gross output have emissions or intermediate inputs."""


class EmptyTableError(TableValidationError):
    """The table has no cities or no sectors."""


class NonProductiveSystemError(MrioCityError, np.linalg.LinAlgError):
    """I - A is singular or the system is not productive (a column sum of A >= 1)."""


class ConvergenceError(MrioCityError, np.linalg.LinAlgError):
    """An iterative solver did not reach its tolerance within its iteration limit."""


class TableFormatError(MrioCityError, ValueError):
    """A table file or folder does not follow the documented layout."""


class TableNotFoundError(MrioCityError, FileNotFoundError):
    """A table name or path does not resolve to a table."""


class DataSourceError(MrioCityError, ValueError):
    """A public data file has an unexpected layout (names file, sheet and cell/row)."""


class ScenarioSpecError(MrioCityError, ValueError):
    """A scenario specification is invalid (names file and key path)."""


class MissingDependencyError(MrioCityError, ImportError):
    """An optional package a feature needs is not installed (names the extra to install)."""


class InventoryError(MrioCityError, ValueError):
    """An energy table, factor set or grid-factor file is invalid (names file, row and value)."""


class UnitError(InventoryError):
    """A unit cannot be read, or measures the wrong thing for its use."""


class OutputFolderError(MrioCityError, OSError):
    """An output folder cannot receive outputs (a file, not writable, disk full)."""


class MrioCityWarning(UserWarning):
    """Base class of mrio-city warnings."""


class ZeroOutputWarning(MrioCityWarning):
    """Some city-sectors have zero gross output; their coefficients are set to 0."""


class EfficiencyWarning(MrioCityWarning):
    """An operation materializes a large dense matrix or inverse."""


class NegativeFootprintWarning(MrioCityWarning):
    """Zero or negative footprints were found and excluded from a log-based measure."""
