"""The views of an inventory that outputs show: by sector, by fuel, scopes 1/2, classes."""

from __future__ import annotations

import os

import pandas as pd

from mrio_city.inventory.classes import totals_by_class
from mrio_city.inventory.energy import Inventory, compute_inventory
from mrio_city.inventory.factors import FactorSet
from mrio_city.inventory.power_heat import GridFactors, ScopeResult, allocate_scope2

__all__ = ["VIEWS", "build_inventory", "inventory_views"]

#: View name -> what it holds (sheet and CSV names of the inventory outputs).
VIEWS: dict[str, str] = {
    "by_sector": "scope 1, plant emissions, electricity and heat use, scope 2 and end use "
    "by region and sector",
    "by_fuel": "energy [TJ] and CO2 by region and fuel (combustion and process)",
    "scopes": "scope 1 and 2 per region: plants, generation, use, net imports, factors",
    "classes": "factory / urban / agriculture / rural living, scope 1 and end use",
    "energy": "the energy table as read, with the CO2 of every row",
    "factors": "the factor set used (NCV, carbon content, oxidation, CO2 per TJ, sources)",
}


def build_inventory(
    energy: str | os.PathLike[str] | pd.DataFrame,
    factors: str | os.PathLike[str] | FactorSet = "ceads",
    *,
    grid: GridFactors | str | os.PathLike[str] | None = None,
    year: int | None = None,
    method: str = "grid",
    sectors: str | os.PathLike[str] | None = None,
) -> tuple[Inventory, ScopeResult]:
    """Compute the inventory of an energy table and its scopes 1 and 2 in one call.

    Parameters
    ----------
    energy : path-like or DataFrame
        Energy table (docs/inventory.md).
    factors : str, path-like or FactorSet, default='ceads'
    grid : GridFactors or path-like, optional
        Grid factors; default the shipped Chinese regional grids.
    year : int, optional
        Year of the grid factors (default: the table's year column).
    method : {'grid', 'local'}, default='grid'
        Valuation of electricity and heat (:func:`allocate_scope2`).
    sectors : path-like, optional
        Sector concordance (default the shipped CEADs 47 sectors).

    Returns
    -------
    (Inventory, ScopeResult)
    """
    inventory = compute_inventory(energy, factors, sectors=sectors)
    return inventory, allocate_scope2(inventory, grid, year=year, method=method)


def inventory_views(inventory: Inventory, scopes: ScopeResult) -> dict[str, pd.DataFrame]:
    """The frames of :data:`VIEWS`, each with ``attrs['units']``, keyed by view name."""
    names = inventory.sectors.table
    by_sector = scopes.by_sector.copy()
    codes = by_sector.index.get_level_values("sector")
    by_sector.insert(0, "sector_name", names["sector_name"].reindex(codes).to_numpy())
    by_sector.insert(1, "class", names["class"].reindex(codes).to_numpy())
    by_sector.attrs = dict(scopes.by_sector.attrs)
    classes = totals_by_class(scopes.by_sector[["scope1", "scope2", "end_use"]], inventory.sectors)
    classes.attrs = {"units": {c: "t CO2" for c in classes.columns}}
    energy = inventory.rows.drop(columns=["line"]).copy()
    energy.index = pd.RangeIndex(1, len(energy) + 1, name="row")
    energy.attrs = {"units": dict(inventory.rows.attrs.get("units", {}))}
    factors = inventory.factors.describe()
    scopes_frame = scopes.by_region.copy()
    scopes_frame.attrs = dict(scopes.by_region.attrs)
    return {
        "by_sector": by_sector,
        "by_fuel": inventory.by_fuel(),
        "scopes": scopes_frame,
        "classes": classes,
        "energy": energy,
        "factors": factors,
    }
