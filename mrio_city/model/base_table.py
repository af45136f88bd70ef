"""What general and structured city MRIO tables share: :class:`BaseTable` and :func:`ensure_table`.

Shapes, labels, derived quantities (inverse output, direct intensities, final demand by city),
the output and productivity checks and immutability; the notation is that of
:mod:`mrio_city.model.table`.
"""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from mrio_city.model import _checks
from mrio_city.model.errors import (
    EfficiencyWarning,
    NonProductiveSystemError,
    TableValidationError,
    ZeroOutputError,
    ZeroOutputWarning,
)
from mrio_city.model.labels import (
    final_demand_index,
    first_labels,
    format_label,
    node_index,
)
from mrio_city.model.schema import COMMON_FIELDS, init_common_fields

__all__ = ["BaseTable", "DENSE_WARN_NODES", "MAX_OUTPUT_RTOL", "ensure_table"]

#: Materializing a dense n x n matrix above this many nodes emits an EfficiencyWarning.
DENSE_WARN_NODES = 5000
#: Largest tolerance of the check ``x = Z 1 + Y 1 + exports 1``: beyond 1 % the accounts no
#: longer close (a table declaring 1e9 accepted any x).  Tables published in rounded units
#: stay well inside it.
MAX_OUTPUT_RTOL = 1e-2


class BaseTable:
    """Attributes and derived quantities shared by general and structured tables.

    Not instantiated directly: use :class:`MRIOTable` or
    :class:`mrio_city.model.structured.StructuredMRIOTable`.
    """

    structured: bool = False
    _frozen = False
    #: Keyword arguments ``replace`` accepts besides the stored fields.
    _REPLACE_EXTRA: frozenset[str] = frozenset({"x", "name", "output_rtol"})

    def __setattr__(self, key: str, value: Any) -> None:
        if self._frozen:
            raise AttributeError(f"{type(self).__name__} is immutable; use .replace(...)")
        object.__setattr__(self, key, value)

    # -- shared construction -------------------------------------------------------------
    def _init_common(self, **fields: Any) -> None:
        """Validate and store the shared fields (see :func:`~mrio_city.model.schema`)."""
        init_common_fields(self, **fields)

    @staticmethod
    def _check_output_rtol(output_rtol: Any, *, t: str) -> None:
        """The tolerance of the output check must be a number in [0, MAX_OUTPUT_RTOL]."""
        if (
            isinstance(output_rtol, bool)
            or not isinstance(output_rtol, int | float | np.floating)
            or not 0 <= output_rtol <= MAX_OUTPUT_RTOL
        ):
            raise TableValidationError(
                f"table {t!r}: output_rtol must be a number between 0 and {MAX_OUTPUT_RTOL:g}, "
                f"got {output_rtol!r}"
            )

    def _check_output(self, x, *, t: str) -> None:
        _checks.check_shape(x, (self.n_nodes,), table=t, field="x", meaning="n_nodes")
        _checks.check_finite(x, table=t, field="x", rows=self.nodes)
        _checks.check_nonnegative(x, table=t, field="x (gross output)", rows=self.nodes)

    def _warn_zero_output(self) -> None:
        zero = np.flatnonzero(self.x == 0)
        if not zero.size:
            return
        emitting = zero[np.any(self.F[:, zero] != 0, axis=0)]
        if emitting.size:
            k = int(emitting[0])
            total = float(np.abs(self.F[:, emitting]).sum())
            raise ZeroOutputError(
                f"table {self.name!r}: {emitting.size} city-sector(s) have zero gross output "
                f"but nonzero emissions F (first: {format_label(self.nodes[k])}; {total:.6g} in "
                "stressor units in all): their emissions would vanish from every footprint. "
                "Give them their output or move the emissions to households (F_Y)"
            )
        warnings.warn(
            f"table {self.name!r}: {zero.size} city-sector(s) have zero gross output "
            f"(first: {first_labels([self.nodes[i] for i in zero[:5]])}); their technical "
            "coefficients and emission intensities are set to 0",
            ZeroOutputWarning,
            stacklevel=4,
        )

    def _check_productive(self, column_sums: np.ndarray) -> None:
        bad = np.flatnonzero(column_sums >= 1.0)
        if bad.size:
            worst = bad[np.argsort(-column_sums[bad])][:5]
            desc = ", ".join(f"{format_label(self.nodes[j])} = {column_sums[j]:.6g}" for j in worst)
            raise NonProductiveSystemError(
                f"table {self.name!r}: the system is not productive: {bad.size} column sum(s) of "
                f"A are >= 1, worst: {desc}"
            )

    def _freeze(self) -> None:
        object.__setattr__(self, "_frozen", True)

    def common_fields(self) -> dict[str, Any]:
        """The constructor arguments shared by every table class, as stored (no copies)."""
        return {key: getattr(self, key) for key in COMMON_FIELDS}

    def _own_fields(self) -> dict[str, Any]:
        raise NotImplementedError

    def replace(self, **changes: Any) -> BaseTable:
        """Return a new table of the same class with some constructor arguments replaced.

        Parameters
        ----------
        **changes
            Any constructor argument, e.g. ``F=new_F``.  Unless ``x`` is given, gross output
            is derived again (row sums for general tables, solved for structured ones).

        Raises
        ------
        TypeError
            For an argument the constructor does not take.
        """
        args = self.common_fields() | self._own_fields()
        unknown = set(changes) - set(args) - self._REPLACE_EXTRA
        if unknown:
            raise TypeError(f"replace() got unknown field(s): {sorted(unknown)}")
        return type(self)(**(args | changes))

    # -- dimensions and labels -----------------------------------------------------------
    @property
    def name(self) -> str:
        """Table name (from metadata)."""
        return self.meta.name

    @property
    def n_cities(self) -> int:
        """Number of cities (regions)."""
        return len(self.cities)

    @property
    def n_sectors(self) -> int:
        """Number of sectors per city."""
        return len(self.sectors)

    @property
    def n_nodes(self) -> int:
        """Number of city-sectors, ``n_cities * n_sectors``."""
        return len(self.cities) * len(self.sectors)

    @property
    def n_categories(self) -> int:
        """Number of final-demand categories per city."""
        return len(self.categories)

    @property
    def n_stressors(self) -> int:
        """Number of stressors (satellite rows)."""
        return len(self.stressors)

    @cached_property
    def nodes(self) -> pd.MultiIndex:
        """City-major (city, sector) index of the n nodes."""
        return node_index(self.cities, self.sectors)

    @cached_property
    def final_demand_labels(self) -> pd.MultiIndex:
        """City-major (city, category) index of the final-demand columns."""
        return final_demand_index(self.cities, self.categories)

    # -- derived quantities --------------------------------------------------------------
    @cached_property
    def inverse_output(self) -> np.ndarray:
        """``1/x`` with 0 where ``x = 0`` (pymrio convention), shape (n,) [1/money]."""
        inv = np.zeros_like(self.x)
        np.divide(1.0, self.x, out=inv, where=self.x != 0)
        inv.flags.writeable = False
        return inv

    @cached_property
    def direct_intensities(self) -> np.ndarray:
        """Direct stressor intensities ``f = F diag(x)^-1``, shape (n_stressors, n) [unit/money]."""
        f = self.F * self.inverse_output[None, :]
        f.flags.writeable = False
        return f

    def household_emissions_by_city(self) -> np.ndarray:
        """Direct final-demand emissions ``F_Y`` summed over categories, (n_stressors, n_cities)."""
        return self.F_Y.reshape(self.n_stressors, self.n_cities, self.n_categories).sum(axis=2)

    def final_demand_by_city(
        self, cities: slice | np.ndarray | None = None, *, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Domestic final demand of each destination city summed over categories.

        Parameters
        ----------
        cities : slice or int array, optional
            Positions of the destination cities; all cities when None.
        out : ndarray of shape (n_nodes, n_selected_cities), optional
            Written with the answer and returned (a solve's right-hand sides without a
            second array).

        Returns
        -------
        ndarray of shape (n_nodes, n_selected_cities)
            ``Y^d = sum_k Y[:, (d, k)]`` [money].
        """
        raise NotImplementedError

    def total_final_demand(self) -> np.ndarray:
        """Total final demand per node incl. exports, ``Y 1 + exports 1``, shape (n,) [money]."""
        raise NotImplementedError

    def technical_coefficients(self, format: Literal["sparse", "dense"] = "sparse"):
        """Return A = Z diag(x)^-1 as a scipy.sparse CSC matrix or dense ndarray (n, n)."""
        raise NotImplementedError

    def intermediate_flows(self, format: Literal["sparse", "dense"] = "sparse"):
        """Return Z (n, n) [money] as a scipy.sparse CSC matrix or dense ndarray."""
        raise NotImplementedError

    def _warn_dense(self, what: str) -> None:
        if self.n_nodes > DENSE_WARN_NODES:
            gib = self.n_nodes**2 * 8 / 2**30
            warnings.warn(
                f"table {self.name!r}: materializing dense {what} of shape "
                f"({self.n_nodes}, {self.n_nodes}) uses {gib:.2f} GiB",
                EfficiencyWarning,
                stacklevel=3,
            )

    def summary(self) -> dict[str, Any]:
        """Dimensions and totals for ``mrio-city info`` (money and stressor units as stored)."""
        out: dict[str, Any] = {
            "name": self.name,
            "year": self.meta.year,
            "form": "structured (trade shares x technology)" if self.structured else "general",
            "cities": self.n_cities,
            "sectors": self.n_sectors,
            "nodes": self.n_nodes,
            "final-demand categories": self.n_categories,
            "export/other columns": len(self.export_labels),
            f"gross output [{self.meta.money_unit}]": float(self.x.sum()),
            f"final demand incl. exports [{self.meta.money_unit}]": float(
                self.total_final_demand().sum()
            ),
        }
        for k, s in enumerate(self.stressors):
            out[f"{s} industry [{self.units[s]}]"] = float(self.F[k].sum())
            out[f"{s} households [{self.units[s]}]"] = float(self.F_Y[k].sum())
        if self.population is not None:
            out["population [persons]"] = float(self.population.sum())
        if self.gdp is not None:
            out[f"GDP [{self.meta.money_unit}]"] = float(self.gdp.sum())
        out["zero-output city-sectors"] = int((self.x == 0).sum())
        return out

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.name!r}: {self.n_cities} cities x {self.n_sectors} "
            f"sectors, {self.n_categories} final-demand categories, {self.n_stressors} stressors>"
        )


def ensure_table(table: object) -> BaseTable:
    """Raise TypeError unless ``table`` is a table object."""
    if not isinstance(table, BaseTable):
        raise TypeError(f"expected an MRIOTable or StructuredMRIOTable, got {type(table).__name__}")
    return table
