"""Writer of an energy-based emission inventory: one workbook and one CSV per view.

Files in ``out_dir`` (each written atomically): ``inventory.xlsx`` (README, one sheet per view of
:data:`mrio_city.inventory.views.VIEWS`, metadata) and ``inventory_<view>.csv`` with the same
numbers (units in the column headers).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mrio_city.inventory.energy import Inventory
from mrio_city.inventory.power_heat import ScopeResult
from mrio_city.inventory.views import VIEWS, inventory_views

__all__ = ["write_inventory"]


def _readme(inventory: Inventory, scopes: ScopeResult) -> str:
    lines = [
        f"CO2 emission inventory of {inventory.source} (mrio-city), factor set "
        f"{inventory.factors.name!r}, scope 2 method {scopes.method!r}, grid year {scopes.year}.",
        "",
        "Sheets (units in the column headers; t CO2 unless stated):",
        *(f"  {name}: {text}" for name, text in VIEWS.items()),
        "",
        "Combustion CO2 = quantity x NCV x carbon content x oxidation x 44/12; process CO2 = "
        "quantity x emission factor.",
        "Scope 1 keeps power and heat plant emissions where the plants are; scope 2 values the "
        "electricity and heat each sector uses; end_use = scope1 - plant_emissions + scope2.",
        "Formulas, factor sources and choices: docs/inventory.md.",
    ]
    return "\n".join(lines)


def write_inventory(
    inventory: Inventory,
    scopes: ScopeResult,
    out_dir: str | os.PathLike[str],
    *,
    metadata: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Write the inventory workbook and CSV files.

    Parameters
    ----------
    inventory : Inventory
    scopes : ScopeResult
        :func:`~mrio_city.inventory.power_heat.allocate_scope2` of the same inventory.
    out_dir : path-like
        Output folder (created if missing).
    metadata : dict, optional
        Extra switches recorded on the metadata sheet.
    extra : dict of str to DataFrame, optional
        More views (e.g. 'city_scopes', 'scope_summary'), written after the inventory's.

    Returns
    -------
    dict of str to pathlib.Path
        'workbook', 'metadata_json' and '<view>_csv' -> file written.
    """
    from mrio_city.exports.csvfiles import write_csv
    from mrio_city.exports.workbook import write_results_workbook
    from mrio_city.io.provenance import file_sha256, run_metadata

    views = inventory_views(inventory, scopes)
    views.update(extra or {})
    meta = run_metadata(
        None,
        analysis="inventory",
        energy_table=inventory.source,
        factor_set=inventory.factors.name,
        factor_file=str(inventory.factors.path),
        sector_file=str(inventory.sectors.path),
        scope2_method=scopes.method,
        grid_year=scopes.year,
        grid_file=scopes.by_region.attrs.get("grid_file"),
        **(metadata or {}),
    )
    meta["table_name"] = inventory.source  # the energy table is this run's table
    if inventory.source and Path(inventory.source).is_file():
        meta["table_hash"] = file_sha256(inventory.source)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    xlsx, sidecar = write_results_workbook(
        out / "inventory.xlsx", views, metadata=meta, readme=_readme(inventory, scopes)
    )
    paths = {"workbook": xlsx, "metadata_json": sidecar}
    for name, frame in views.items():
        paths[f"{name}_csv"] = write_csv(out / f"inventory_{name}.csv", frame, units_in_header=True)
    return paths
