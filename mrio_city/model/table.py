"""Immutable city MRIO tables: the general (dense or sparse Z) form.

Notation (units in brackets; money in the table's ``money_unit``):

* ``n = n_cities * n_sectors`` nodes, ordered city-major (see :mod:`mrio_city.model.labels`);
* ``Z`` (n, n) intermediate flows [money]: sales of node (c, i) to node (d, j);
* ``Y`` (n, n_cities * n_categories) domestic final demand [money]: purchases by category k of
  city d from node (c, i);
* ``exports`` (n, n_export_columns) final demand outside the table's cities [money]: international
  exports and any "other"/balancing final columns.  They enter gross output and the
  production-based account but belong to no city's consumption (see
  :mod:`mrio_city.accounts.footprints`);
* ``x`` (n,) gross output [money], ``x = Z 1 + Y 1 + exports 1``;
* ``A = Z diag(x)^-1`` technical coefficients [money/money] (zero columns where ``x = 0``);
* ``F`` (n_stressors, n) direct industrial emissions [stressor unit, e.g. t CO2];
* ``F_Y`` (n_stressors, n_cities * n_categories) direct emissions of final demand, i.e.
  households' own fuel combustion [stressor unit];
* ``value_added`` (n_value_added, n) [money]; ``population`` (n_cities,) [persons];
  ``gdp`` (n_cities,) [money].

Negative entries are legitimate in final demand (inventory changes, statistical discrepancies,
competitive-import columns), in exports/other columns and in value added (net taxes): they are
accepted and flow through ``L y`` like any demand.  Negative gross output and NaN/inf are
rejected everywhere; negative intermediate flows are rejected unless ``allow_negative_flows``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city.model import _checks
from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import (
    InconsistentOutputError,
    ZeroOutputError,
)
from mrio_city.model.labels import (
    format_label,
)
from mrio_city.model.schema import COMMON_FIELDS, TableMetadata

__all__ = ["TableMetadata", "MRIOTable"]


class MRIOTable(BaseTable):
    """A general city MRIO table with dense or sparse intermediate flows Z.

    See the module docstring for the notation and units.  The table is immutable: arrays are
    stored as read-only views (never copied, never densified) and validated at construction.

    Parameters
    ----------
    Z : ndarray or scipy.sparse matrix of shape (n_nodes, n_nodes)
        Intermediate flows [money]; kept in the format given.
    Y : array_like of shape (n_nodes, n_cities * n_categories)
        Domestic final demand, columns city-major (city, category) [money].
    F : array_like of shape (n_stressors, n_nodes)
        Direct industrial emissions [stressor unit].
    cities, sectors, categories, stressors : sequence of str
        Labels; each must be unique.
    units : mapping or sequence of str, optional
        Unit of each stressor; default ``'t CO2'``.
    F_Y : array_like of shape (n_stressors, n_cities * n_categories), optional
        Households' direct emissions per city and category [stressor unit]; default zeros.
    exports : array_like of shape (n_nodes, n_export_columns), optional
        Final demand outside the table's cities (international exports, other) [money].
    export_labels : sequence of str, optional
    value_added : array_like of shape (n_value_added, n_nodes), optional [money]
    value_added_labels : sequence of str, optional
    x : array_like of shape (n_nodes,), optional
        Gross output [money]; derived as row sums when absent and checked when given.
    population : array_like of shape (n_cities,), optional [persons]
    gdp : array_like of shape (n_cities,), optional [money]
    city_attributes : DataFrame, optional
        Extra per-city columns indexed by city, e.g. ``province``, ``longitude``,
        ``latitude``, ``secondary_share`` (share of secondary industry in GDP, [1]).
    meta : TableMetadata or mapping, optional
    name : str, optional
        Shortcut for ``meta.name``.
    allow_negative_flows : bool, default=False
        Accept negative entries in Z.
    output_rtol : float, default=1e-6
        Relative tolerance of the check ``x = Z 1 + Y 1 + exports 1`` (per node, relative to
        ``max(|x_i|, mean |x|)``).  Use a looser value for tables published in rounded units.

    Raises
    ------
    ShapeMismatchError, DuplicateLabelError, NonFiniteValueError, NegativeValueError,
    InconsistentOutputError, NonProductiveSystemError

    Warns
    -----
    ZeroOutputWarning
        Once, when some city-sectors have zero output.
    """

    structured = False

    def __init__(
        self,
        Z,
        Y,
        F,
        *,
        cities: Sequence[object],
        sectors: Sequence[object],
        categories: Sequence[object],
        stressors: Sequence[object],
        units: Mapping[str, str] | Sequence[str] | None = None,
        F_Y=None,
        exports=None,
        export_labels: Sequence[object] | None = None,
        value_added=None,
        value_added_labels: Sequence[object] | None = None,
        x=None,
        population=None,
        gdp=None,
        city_attributes: pd.DataFrame | None = None,
        meta: TableMetadata | Mapping[str, Any] | None = None,
        name: str | None = None,
        allow_negative_flows: bool = False,
        output_rtol: float = 1e-6,
    ) -> None:
        # the shared arguments, by name (COMMON_FIELDS), are validated in one place
        shared = {k: v for k, v in locals().items() if k in COMMON_FIELDS}
        self._init_common(**shared, name=name)
        self._init_flows(Z, Y, allow_negative_flows=allow_negative_flows)
        self._init_output(x, output_rtol)
        self._check_zero_output_inputs()
        self._warn_zero_output()
        self._check_productive(self._column_sums_of_A())
        self._freeze()

    def _init_flows(self, Z, Y, *, allow_negative_flows: bool) -> None:
        """Store Z (dense or sparse) and Y, checked: shapes, finite, Z >= 0 unless allowed."""
        t = self.name
        n = self.n_nodes
        if sp.issparse(Z):
            self.Z = Z
        else:
            self.Z = _checks.as_array(Z, table=t, field="Z", ndim=2)
        _checks.check_shape(self.Z, (n, n), table=t, field="Z", meaning="n_nodes x n_nodes")
        self.Y = _checks.as_array(Y, table=t, field="Y", ndim=2)
        _checks.check_shape(
            self.Y,
            (n, self.n_cities * self.n_categories),
            table=t,
            field="Y",
            meaning="n_nodes x n_cities*n_categories",
        )
        _checks.check_finite(self.Z, table=t, field="Z", rows=self.nodes, cols=self.nodes)
        _checks.check_finite(
            self.Y, table=t, field="Y", rows=self.nodes, cols=self.final_demand_labels
        )
        if not allow_negative_flows:
            _checks.check_nonnegative(
                self.Z,
                table=t,
                field="Z",
                rows=self.nodes,
                cols=self.nodes,
                hint="; pass allow_negative_flows=True if they are intended",
            )

    def _init_output(self, x, output_rtol: float) -> None:
        """Store x: derived as the row sums, or given and checked against them."""
        t = self.name
        n = self.n_nodes
        self._check_output_rtol(output_rtol, t=t)
        row_sums = self._row_sums()
        if x is None:
            x = row_sums
            _checks.check_nonnegative(
                x, table=t, field="x (derived as Z 1 + Y 1 + exports 1)", rows=self.nodes
            )
            self.x = _checks.as_array(x, table=t, field="x", ndim=1)
        else:
            self.x = _checks.as_array(x, table=t, field="x", ndim=1)
            self._check_output(self.x, t=t)
            scale = np.maximum(np.abs(self.x), np.abs(self.x).mean() if n else 1.0)
            err = np.abs(self.x - row_sums) / np.where(scale > 0, scale, 1.0)
            bad = np.flatnonzero(err > output_rtol)
            if bad.size:
                worst = int(bad[np.argmax(err[bad])])
                raise InconsistentOutputError(
                    f"table {t!r}: x is inconsistent with Z 1 + Y 1 + exports 1 at {bad.size} "
                    f"city-sector(s) beyond relative tolerance {output_rtol:g}; worst at "
                    f"{format_label(self.nodes[worst])}: x = {self.x[worst]:.10g}, row sum = "
                    f"{row_sums[worst]:.10g}"
                )

    def _check_zero_output_inputs(self) -> None:
        zero = np.flatnonzero(self.x == 0)
        if not zero.size:
            return
        Z = self.Z.tocsc() if sp.issparse(self.Z) else self.Z
        inputs = np.asarray(abs(Z[:, zero]).sum(axis=0)).ravel()
        bad = zero[inputs != 0]
        if bad.size:
            k = int(bad[0])
            raise ZeroOutputError(
                f"table {self.name!r}: {bad.size} city-sector(s) have zero gross output but "
                f"buy intermediate inputs (first: {format_label(self.nodes[k])}, column sum of "
                f"|Z| = {float(inputs[inputs != 0][0]):.6g}): their technical coefficients "
                "would be infinite. Give them their output or remove the inputs"
            )

    def _row_sums(self) -> np.ndarray:
        z = np.asarray(self.Z.sum(axis=1)).ravel()
        return z + self.Y.sum(axis=1) + self.exports.sum(axis=1)

    def _column_sums_of_A(self) -> np.ndarray:
        return np.asarray(self.Z.sum(axis=0)).ravel() * self.inverse_output

    def final_demand_by_city(
        self, cities: slice | np.ndarray | None = None, *, out: np.ndarray | None = None
    ) -> np.ndarray:
        """``Y^d = sum_k Y[:, (d, k)]`` (n_nodes, n_selected) [money]; see the base class."""
        yreg = self.Y.reshape(self.n_nodes, self.n_cities, self.n_categories).sum(axis=2)
        yreg = yreg if cities is None else yreg[:, cities]
        if out is None:
            return yreg
        out[...] = yreg
        return out

    def total_final_demand(self) -> np.ndarray:
        """Total final demand per node incl. exports, ``Y 1 + exports 1``, shape (n,) [money]."""
        return self.Y.sum(axis=1) + self.exports.sum(axis=1)

    def technical_coefficients(self, format: Literal["sparse", "dense"] = "sparse"):
        """Return ``A = Z diag(x)^-1`` (n, n) [money/money], zero columns where x = 0.

        Parameters
        ----------
        format : {'sparse', 'dense'}, default='sparse'
            'sparse' gives a CSC matrix (built without densifying a sparse Z); 'dense' an
            ndarray (EfficiencyWarning above ``DENSE_WARN_NODES`` nodes).
        """
        if format == "dense":
            self._warn_dense("A")
            Z = self.Z.toarray() if sp.issparse(self.Z) else self.Z
            return Z * self.inverse_output[None, :]
        if format != "sparse":
            raise ValueError(f"format must be 'sparse' or 'dense', got {format!r}")
        Z = self.Z if sp.issparse(self.Z) else sp.csc_matrix(self.Z)
        return sp.csc_matrix(Z @ sp.diags(self.inverse_output))

    def intermediate_flows(self, format: Literal["sparse", "dense"] = "sparse"):
        """Return Z (n, n) [money] as a CSC matrix or a dense ndarray."""
        if format == "dense":
            if sp.issparse(self.Z):
                self._warn_dense("Z")
                return self.Z.toarray()
            return self.Z
        if format != "sparse":
            raise ValueError(f"format must be 'sparse' or 'dense', got {format!r}")
        return sp.csc_matrix(self.Z)

    @property
    def density(self) -> float:
        """Share of non-zero entries of Z."""
        nnz = self.Z.nnz if sp.issparse(self.Z) else int(np.count_nonzero(self.Z))
        return nnz / max(self.n_nodes**2, 1)

    _REPLACE_EXTRA = frozenset({"x", "name", "allow_negative_flows", "output_rtol"})

    def _own_fields(self) -> dict[str, Any]:
        return {"Z": self.Z, "Y": self.Y}
