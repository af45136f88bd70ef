"""Small immutable containers for published input-output tables (national and world).

These hold a table exactly as published, with labels and a unit, plus the few
operations that belong to the table itself (balance residuals, import removal).
They are *source* objects: building an :class:`mrio_city.model.table.MRIOTable` from them is
left to the caller (see ``docs/data-sources.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from mrio_city.model.errors import DataSourceError

__all__ = ["NationalIOTable", "WorldIOTable"]

# Final-demand categories that are not "domestic use" (they are not scaled by the
# proportional import removal unless ``include_exports=True``).
_NOT_DOMESTIC_USE = ("exports", "imports", "other")


def _balance_frame(
    x: pd.Series, row_use: pd.Series, column_input: pd.Series, name: str
) -> pd.DataFrame:
    out = pd.DataFrame(
        {"output": x, "row_residual": x - row_use, "column_residual": x - column_input}
    )
    out.index.name = name
    return out


@dataclass(frozen=True, eq=False)
class NationalIOTable:
    """A single-region (national) input-output table as published.

    Attributes
    ----------
    year : int
        Reference year.
    sectors : pandas.Index
        Sector codes as published (strings, e.g. '001' ... '139'), named 'sector'.
    Z : DataFrame of shape (n_sectors, n_sectors)
        Intermediate flows, row = supplying sector, column = using sector, in ``unit``.
        For a *competitive-import* table it holds domestic **and** imported products
        (``domestic`` is False); otherwise domestic products only.
    final_demand : DataFrame of shape (n_sectors, n_categories)
        Final uses by category (columns named 'category'), in ``unit``.  Negative entries
        are legitimate: inventory change, the competitive 'imports' column (entered with a
        negative sign, so that ``x = Z.sum(axis=1) + final_demand.sum(axis=1)``) and the
        statistical discrepancy 'other'.
    value_added : DataFrame of shape (n_components, n_sectors)
        Primary inputs by component (index named 'component'), in ``unit``; net taxes
        may be negative.
    x : Series of length n_sectors
        Gross output, in ``unit``; finite and non-negative.
    imports : Series of length n_sectors or None
        Total imports of each product (positive), in ``unit``.
    unit : str
        Monetary unit of every block, e.g. '10^4 CNY' (current producers' prices).
    sector_names : DataFrame
        Index = sector codes; columns 'name_en', 'name_zh' (empty strings if unknown).
    layout : str
        'competitive' (imports as a final-demand column) or 'non-competitive'
        (separate import rows).
    domestic : bool
        True if ``Z`` and ``final_demand`` hold domestic products only.
    import_Z : DataFrame of shape (n_sectors, n_sectors) or None
        Imported products used as intermediate inputs (row = product, column = user).
        Known for non-competitive tables and after :meth:`to_domestic`.
    import_final_demand : DataFrame of shape (n_sectors, n_categories) or None
        Imported products by final-demand category (same condition as ``import_Z``).
    source : str
        File the table was read from.
    notes : tuple of str
        How the table was treated (import handling, rounding), for provenance.
    """

    year: int
    sectors: pd.Index
    Z: pd.DataFrame
    final_demand: pd.DataFrame
    value_added: pd.DataFrame
    x: pd.Series
    imports: pd.Series | None
    unit: str
    sector_names: pd.DataFrame = field(default_factory=pd.DataFrame)
    layout: str = "competitive"
    domestic: bool = False
    import_Z: pd.DataFrame | None = None
    import_final_demand: pd.DataFrame | None = None
    source: str = ""
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"<NationalIOTable {self.year}, {len(self.sectors)} sectors, {self.layout}, "
            f"domestic={self.domestic}, unit={self.unit!r}, source={self.source!r}>"
        )

    def balance(self) -> pd.DataFrame:
        """Return row and column residuals of the accounting identities.

        ``row_residual = x - (Z 1 + final_demand 1)`` and
        ``column_residual = x - (1' Z + 1' import_Z + 1' value_added)``.

        Returns
        -------
        DataFrame of shape (n_sectors, 3)
            Columns 'output', 'row_residual', 'column_residual', in ``unit``.
        """
        row_use = self.Z.sum(axis=1) + self.final_demand.sum(axis=1)
        col_in = self.Z.sum(axis=0) + self.value_added.sum(axis=0)
        if self.import_Z is not None:
            col_in = col_in + self.import_Z.sum(axis=0)
        return _balance_frame(self.x, row_use, col_in, "sector")

    def to_domestic(self, *, include_exports: bool = False) -> NationalIOTable:
        """Return the table with imports removed from Z and final demand.

        Non-competitive tables are already domestic and are returned unchanged.  For a
        competitive-import table each row i is scaled by its domestic share (proportional
        import removal, docs/methods.md §1.9)::

            u_i = sum_j Z_ij + sum_k Y_ik      (k = domestic-use categories: consumption,
                                                capital formation, inventory change)
            s_i = 1 - m_i / u_i                (m_i = imports of product i)
            Z_dom = diag(s) Z ,  Y_dom[:, k] = diag(s) Y[:, k]

        Exports and the statistical discrepancy 'other' are left unscaled (imports are
        assumed not to be re-exported), and the 'imports' column is dropped, so the row
        identity ``x = Z_dom 1 + Y_dom 1`` still holds exactly.  The removed flows are
        returned in ``import_Z`` / ``import_final_demand`` so that the column identity
        ``x = 1' Z_dom + 1' import_Z + 1' value_added`` holds too.

        Parameters
        ----------
        include_exports : bool, default=False
            Also let exports draw on imports (re-exports): exports join ``u_i`` and are
            scaled.  Needed when a product's imports exceed its domestic use (e.g. office
            machinery in the 2002 and 2005 tables).

        Returns
        -------
        NationalIOTable
            ``domestic=True``; same unit as this table.

        Raises
        ------
        DataSourceError
            If a product's imports exceed its domestic use (share < 0), naming the sector
            and suggesting ``include_exports=True``.
        """
        if self.domestic:
            return self
        if self.imports is None:
            raise DataSourceError(f"{self.source}: table has no imports; cannot remove them")
        fd = self.final_demand
        scaled = [c for c in fd.columns if c not in _NOT_DOMESTIC_USE]
        if include_exports and "exports" in fd.columns:
            scaled.append("exports")
        use = self.Z.sum(axis=1) + fd[scaled].sum(axis=1)
        m = self.imports
        with np.errstate(divide="ignore", invalid="ignore"):
            share = pd.Series(np.where(m == 0, 1.0, 1.0 - m / use), index=self.sectors)
        bad = share[(share < 0) | ~np.isfinite(share)]
        if len(bad):
            code = bad.index[0]
            raise DataSourceError(
                f"{self.source}, row '{code}': imports {m[code]:.6g} exceed domestic use "
                f"{use[code]:.6g} {self.unit} for {len(bad)} sector(s) {list(bad.index[:5])}; "
                "proportional removal would make domestic flows negative. Use "
                "to_domestic(include_exports=True) to let exports draw on imports."
            )
        Z_dom = self.Z.mul(share, axis=0)
        fd_dom = fd.drop(columns="imports", errors="ignore")
        fd_dom[scaled] = fd_dom[scaled].mul(share, axis=0)
        imp_fd = fd_dom * 0.0
        imp_fd[scaled] = fd[scaled].mul(1.0 - share, axis=0)
        note = (
            "imports removed proportionally: domestic share s_i = 1 - m_i / u_i of each row's "
            f"total domestic use ({'incl.' if include_exports else 'excl.'} exports)"
        )
        return replace(
            self,
            Z=Z_dom,
            final_demand=fd_dom,
            domestic=True,
            import_Z=self.Z - Z_dom,
            import_final_demand=imp_fd,
            notes=(*self.notes, note),
        )


@dataclass(frozen=True, eq=False)
class WorldIOTable:
    """A world multi-regional input-output table as published.

    Attributes
    ----------
    year : int
        Reference year.
    regions : pandas.Index
        Region codes (ISO3, plus e.g. 'xROW' for the rest of the world), named 'region'.
    sectors : pandas.Index
        Sector codes, named 'sector'.
    Z : DataFrame of shape (n_regions*n_sectors, n_regions*n_sectors)
        Intermediate flows; (region, sector) MultiIndex on both axes, in ``unit``.
    Y : DataFrame of shape (n_regions*n_sectors, n_regions*n_categories)
        Final demand; index (region, sector), columns (region, category); inventory
        change may be negative.
    value_added : DataFrame of shape (n_components, n_regions*n_sectors)
        Value added and the other primary-input rows, in ``unit``.
    x : Series
        Gross output by (region, sector), in ``unit``.
    unit : str
        Monetary unit, e.g. 'million USD' (current prices).
    source : str
        File the table was read from.
    """

    year: int
    regions: pd.Index
    sectors: pd.Index
    Z: pd.DataFrame
    Y: pd.DataFrame
    value_added: pd.DataFrame
    x: pd.Series
    unit: str
    source: str = ""

    def __repr__(self) -> str:
        return (
            f"<WorldIOTable {self.year}, {len(self.regions)} regions x {len(self.sectors)} "
            f"sectors, unit={self.unit!r}, source={self.source!r}>"
        )

    def balance(self) -> pd.DataFrame:
        """Return row and column residuals ``x - (Z 1 + Y 1)`` and ``x - (1'Z + 1'V)``.

        Returns
        -------
        DataFrame
            Index (region, sector); columns 'output', 'row_residual', 'column_residual',
            in ``unit``.
        """
        out = _balance_frame(
            self.x,
            self.Z.sum(axis=1) + self.Y.sum(axis=1),
            self.Z.sum(axis=0) + self.value_added.sum(axis=0),
            "sector",
        )
        out.index.names = ["region", "sector"]
        return out
