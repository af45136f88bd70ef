"""Emission inventories from energy data, and physical scopes 1 and 2 (docs/inventory.md).

From an energy table in long format (region, sector, fuel, flow, quantity, unit) to CO2 by
region x sector x fuel with a shipped factor set (:mod:`~mrio_city.inventory.factors`), scope 1 at
power and heat plants and scope 2 of the electricity and heat used
(:mod:`~mrio_city.inventory.power_heat`), the factory / urban / agriculture / rural-living
classes (:mod:`~mrio_city.inventory.classes`) and the physical scopes of a table's cities next to
the MRIO ones (:mod:`~mrio_city.inventory.city_scopes`).
"""

from mrio_city.inventory.city_scopes import physical_scopes, scope_summary, source_mix_types
from mrio_city.inventory.classes import CLASSES, load_sector_map, totals_by_class
from mrio_city.inventory.energy import (
    FLOWS,
    Inventory,
    compute_inventory,
    implied_energy,
    read_energy_table,
)
from mrio_city.inventory.factors import FACTOR_SETS, FactorSet, load_factor_set
from mrio_city.inventory.power_heat import (
    GridFactors,
    ScopeResult,
    allocate_scope2,
    load_grid_factors,
)
from mrio_city.inventory.views import VIEWS, build_inventory, inventory_views

__all__ = [
    "CLASSES",
    "FACTOR_SETS",
    "FLOWS",
    "VIEWS",
    "FactorSet",
    "GridFactors",
    "Inventory",
    "ScopeResult",
    "allocate_scope2",
    "build_inventory",
    "compute_inventory",
    "implied_energy",
    "inventory_views",
    "load_factor_set",
    "load_grid_factors",
    "load_sector_map",
    "physical_scopes",
    "read_energy_table",
    "scope_summary",
    "source_mix_types",
    "totals_by_class",
]
