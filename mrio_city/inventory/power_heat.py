"""Power and heat: scope 1 at the plant, scope 2 of the electricity and heat used.

Scope 1 never changes: fuel burnt in power and heat plants (flows ``power_input`` and
``heat_input``) stays scope 1 of the plant sector of the region where the plants are.  Scope 2
is a second, separate attribution of generation emissions to the sectors that *use* electricity
and heat (flow ``final_consumption`` of ``Electricity`` / ``Heat``)::

    scope2[s] = use_e[s] x EF_e + use_h[s] x EF_h                 [t CO2]
    end_use[s] = scope1[s] - plant[s] + scope2[s]                 (consumption-side view)

Two ways to get the factors EF (``method``):

``'grid'`` (default; GPC location-based)
    EF_e = the regional grid's average factor of the year (``tables/factors/grid_cn.csv`` or a
    user file), EF_h = the file's heat factor.  Scope 2 total = use x grid factor, the
    generation emissions of the electricity used at the grid's average.
``'local'`` (energy balance, Nanjing-style)
    Electricity used in the region is first local generation, at the plants' own factor
    ``EF_local = plant_power / generation``; what is used beyond local generation is imported
    at the grid factor::

        scope2_e_total = EF_local x min(use, gen) + EF_grid x max(use - gen, 0)

    so the scope 2 total equals the generation emissions of the electricity used, and when the
    region neither imports nor exports (use = gen) the end-use total equals the scope-1 total
    exactly (nothing counted twice).  Generation beyond local use is exported; its emissions
    stay in scope 1 and are reported as ``exported_generation_emissions``.  Heat likewise.

Net imports of electricity across the boundary (use - generation, MWh) and their emissions at
the grid factor (the "Shenzhen rule" scope 2: only imported electricity, docs/methods.md §3.1) are
reported per region.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city.inventory import _files
from mrio_city.inventory.energy import Inventory
from mrio_city.inventory.units import conversion_factor
from mrio_city.model.errors import InventoryError, UnitError

__all__ = [
    "DEFAULT_GRID",
    "DEFAULT_GRID_REGIONS",
    "GridFactors",
    "ScopeResult",
    "load_grid_factors",
    "allocate_scope2",
]

DEFAULT_GRID = "grid_cn.csv"
DEFAULT_GRID_REGIONS = "grid_regions_cn.csv"
#: Carriers of a grid-factor file and the unit their factors are converted to.
_CARRIER_UNITS = {"electricity": "MWh", "heat": "GJ"}
_FACTOR_UNIT = re.compile(r"^\s*(?P<mass>t|kg|g)\s*CO2\s*/\s*(?P<per>.+?)\s*$", re.IGNORECASE)
_MASS = {"t": 1.0, "kg": 1e-3, "g": 1e-6}
_METHODS = ("grid", "local")


@dataclass(frozen=True)
class GridFactors:
    """Grid emission factors by grid, year and carrier, and the region -> grid mapping.

    Attributes
    ----------
    table : DataFrame
        Columns grid, year (int), carrier ('electricity'/'heat'), factor [t CO2/MWh for
        electricity, t CO2/GJ for heat], source, line.
    regions : dict of str to str
        Normalized region name -> grid.
    path : pathlib.Path
    regions_path : pathlib.Path or None
    """

    table: pd.DataFrame
    regions: dict[str, str]
    path: Path
    regions_path: Path | None

    def grid_of(self, region: str) -> str | None:
        """The grid of a region: the region itself if the file names it, else the mapping."""
        key = _files.norm(region)
        grids = {_files.norm(g): g for g in self.table["grid"]}
        if key in grids:
            return grids[key]
        return self.regions.get(key, self.regions.get(key.replace(" ", "")))

    def factor(self, region: str, year: int, carrier: str) -> tuple[float, str, str]:
        """Return (factor, grid used, source) for a region, year and carrier.

        Heat falls back to the 'National' row of the year when the region's grid has none.

        Raises
        ------
        InventoryError
            Region without a grid, or no factor for the grid, year and carrier (the file and
            the years it has are named).
        """
        grid = self.grid_of(region)
        if grid is None:
            raise InventoryError(
                f"grid factors {self.path}: region {region!r} is neither a grid of the file nor "
                f"mapped to one in {self.regions_path}; add it to either"
            )
        t = self.table
        for g in (grid, "National") if carrier == "heat" else (grid,):
            hit = t[(t["grid"] == g) & (t["year"] == int(year)) & (t["carrier"] == carrier)]
            if len(hit):
                return float(hit["factor"].iloc[0]), g, str(hit["source"].iloc[0])
        years = sorted(set(t.loc[(t["grid"] == grid) & (t["carrier"] == carrier), "year"]))
        raise InventoryError(
            f"grid factors {self.path}: no {carrier} factor for grid {grid!r} (region "
            f"{region!r}) in {year}; the file has years {years} for it (pass --grid-year or a "
            "file with that year)"
        )


def load_grid_factors(
    path: str | os.PathLike[str] | None = None,
    *,
    regions: str | os.PathLike[str] | None = None,
) -> GridFactors:
    """Load grid emission factors (default: the shipped Chinese regional grids).

    Parameters
    ----------
    path : path-like, optional
        CSV with columns grid, year, carrier, factor, unit (+ optional source); units such as
        't CO2/MWh', 'kg CO2/kWh', 't CO2/GJ'.  A user file may name regions (cities) directly
        in the grid column.
    regions : path-like, optional
        CSV with columns region, grid (+ optional region_zh) mapping regions to grids; default
        the shipped province -> regional grid table.

    Returns
    -------
    GridFactors

    Raises
    ------
    InventoryError
        Missing columns, an unknown carrier, a factor that is not a non-negative number, a
        unit that is not mass of CO2 per energy, or a duplicated (grid, year, carrier) (file
        and line named).
    """
    p = Path(path) if path is not None else _files.shipped_file("factors", DEFAULT_GRID)
    frame, lines = _files.read_csv(p, what="grid factors")
    _files.require_columns(
        frame, p, ("grid", "year", "carrier", "factor", "unit"), ("source",), what="grid factors"
    )
    rows = []
    for k, rec in enumerate(frame.to_dict("records")):
        where = f"grid factors {p}, line {lines[k]}"
        carrier = rec["carrier"].lower()
        if carrier not in _CARRIER_UNITS:
            raise InventoryError(
                f"{where}: carrier {rec['carrier']!r} is not one of {list(_CARRIER_UNITS)}"
            )
        try:
            year = int(rec["year"])
        except ValueError:
            raise InventoryError(f"{where}: year {rec['year']!r} is not an integer") from None
        value = _files.number(rec["factor"], where=where, field="factor")
        m = _FACTOR_UNIT.match(rec["unit"])
        if m is None:
            raise InventoryError(
                f"{where}: unit {rec['unit']!r} must read like 't CO2/MWh' or 'kg CO2/kWh'"
            )
        try:
            per = conversion_factor(m.group("per"), _CARRIER_UNITS[carrier])
        except UnitError as exc:
            raise InventoryError(f"{where}: unit {rec['unit']!r}: {exc}") from None
        rows.append(
            {
                "grid": rec["grid"],
                "year": year,
                "carrier": carrier,
                "factor": value * _MASS[m.group("mass").lower()] / per,
                "source": rec.get("source", ""),
                "line": lines[k],
            }
        )
    table = pd.DataFrame(rows, columns=["grid", "year", "carrier", "factor", "source", "line"])
    dup = table.duplicated(["grid", "year", "carrier"])
    if dup.any():
        row = table[dup].iloc[0]
        raise InventoryError(
            f"grid factors {p}, line {row['line']}: duplicated (grid, year, carrier) = "
            f"({row['grid']!r}, {row['year']}, {row['carrier']!r})"
        )
    rp = (
        Path(regions)
        if regions is not None
        else _files.shipped_file("factors", DEFAULT_GRID_REGIONS)
    )
    mapping: dict[str, str] = {}
    if rp.is_file() or regions is not None:
        rframe, _ = _files.read_csv(rp, what="grid regions")
        _files.require_columns(rframe, rp, ("region", "grid"), ("region_zh",), what="grid regions")
        for rec in rframe.to_dict("records"):
            for label in (rec["region"], rec.get("region_zh", "")):
                if label:
                    mapping[_files.norm(label).replace(" ", "")] = rec["grid"]
                    mapping[_files.norm(label)] = rec["grid"]
    return GridFactors(table=table, regions=mapping, path=p, regions_path=rp)


@dataclass(frozen=True)
class ScopeResult:
    """Scope 1 and physical scope 2 of an inventory (see the module docstring).

    Attributes
    ----------
    by_sector : DataFrame
        Index (region, sector); columns scope1, plant_emissions, electricity_use [MWh],
        heat_use [GJ], scope2_electricity, scope2_heat, scope2, end_use [t CO2 unless noted].
    by_region : DataFrame
        Index region; columns of :data:`REGION_COLUMNS` (units in ``attrs['units']``).
    method : str
    year : int
    """

    by_sector: pd.DataFrame
    by_region: pd.DataFrame
    method: str
    year: int | None


#: Columns of ``ScopeResult.by_region`` and their units.
REGION_COLUMNS: dict[str, str] = {
    "scope1": "t CO2",
    "plant_power": "t CO2",
    "plant_heat": "t CO2",
    "electricity_generated": "MWh",
    "electricity_used": "MWh",
    "electricity_net_import": "MWh",
    "heat_generated": "GJ",
    "heat_used": "GJ",
    "heat_net_import": "GJ",
    "grid": "",
    "ef_electricity_grid": "t CO2/MWh",
    "ef_electricity_local": "t CO2/MWh",
    "ef_electricity_applied": "t CO2/MWh",
    "ef_heat_default": "t CO2/GJ",
    "ef_heat_local": "t CO2/GJ",
    "ef_heat_applied": "t CO2/GJ",
    "scope2_electricity": "t CO2",
    "scope2_heat": "t CO2",
    "scope2": "t CO2",
    "scope2_net_imports": "t CO2",
    "exported_generation_emissions": "t CO2",
    "end_use": "t CO2",
}


def _applied(
    method: str, plant: float, gen: float, use: float, ef_grid: float
) -> tuple[float, float, float]:
    """(local factor, applied factor, emissions of exported generation) for one carrier."""
    ef_local = plant / gen if gen > 0 else np.nan
    if method == "grid" or gen <= 0:
        return ef_local, ef_grid, 0.0
    exported = ef_local * max(gen - use, 0.0)
    if use <= 0:
        return ef_local, np.nan, exported
    total = ef_local * min(use, gen) + ef_grid * max(use - gen, 0.0)
    return ef_local, total / use, exported


def allocate_scope2(
    inventory: Inventory,
    grid: GridFactors | str | os.PathLike[str] | None = None,
    *,
    year: int | None = None,
    method: str = "grid",
) -> ScopeResult:
    """Scope 1 at the plants and scope 2 of the electricity and heat each sector uses.

    See the module docstring for the formulas.  Scope 1 by sector is the inventory's, unchanged.

    Parameters
    ----------
    inventory : Inventory
        Output of :func:`~mrio_city.inventory.energy.compute_inventory`.
    grid : GridFactors or path-like, optional
        Grid factors (default the shipped Chinese regional grids).
    year : int, optional
        Year of the grid factors; default the energy table's single 'year' value.
    method : {'grid', 'local'}, default='grid'
        How electricity and heat are valued (module docstring).

    Returns
    -------
    ScopeResult

    Raises
    ------
    InventoryError
        Unknown method; no year (or several in the table); a region without a grid factor.
    """
    if method not in _METHODS:
        raise ValueError(
            f"The 'method' parameter of allocate_scope2 must be one of {list(_METHODS)}. "
            f"Got {method!r} instead."
        )
    gf = grid if isinstance(grid, GridFactors) else load_grid_factors(grid)
    rows = inventory.rows
    if year is None:
        years = sorted({y for y in rows["year"] if str(y)})
        if len(years) != 1:
            raise InventoryError(
                f"energy table {inventory.source}: give the year of the grid factors (--year); "
                f"the table's year column has {years or 'no values'}"
            )
        year = int(float(years[0]))
    by_sector = inventory.by_sector()
    plant_rows = rows["flow"].isin(["power_input", "heat_input"])
    plant = rows[plant_rows].groupby(["region", "sector"])["co2"].sum()
    by_sector["plant_emissions"] = plant.reindex(by_sector.index, fill_value=0.0)
    use = rows[rows["flow"] == "final_consumption"]
    e_use = use[use["fuel"] == "Electricity"].groupby(["region", "sector"])["carrier_MWh"].sum()
    h_use = use[use["fuel"] == "Heat"].groupby(["region", "sector"])["carrier_GJ"].sum()
    by_sector["electricity_use"] = e_use.reindex(by_sector.index, fill_value=0.0)
    by_sector["heat_use"] = h_use.reindex(by_sector.index, fill_value=0.0)
    records = []
    for region in inventory.regions:
        r = rows[rows["region"] == region]
        p_power = float(r.loc[r["flow"] == "power_input", "co2"].sum())
        p_heat = float(r.loc[r["flow"] == "heat_input", "co2"].sum())
        gen_e = float(r.loc[r["flow"] == "power_output", "carrier_MWh"].sum())
        gen_h = float(r.loc[r["flow"] == "heat_output", "carrier_GJ"].sum())
        if method == "local" and (p_power > 0 and gen_e <= 0 or p_heat > 0 and gen_h <= 0):
            raise InventoryError(
                f"energy table {inventory.source}: region {region!r} burns fuel in power or heat "
                "plants but reports no power_output/heat_output; method 'local' needs both "
                "(or use method 'grid')"
            )
        sec = by_sector.loc[region]
        use_e, use_h = float(sec["electricity_use"].sum()), float(sec["heat_use"].sum())
        ef_grid, grid_used, _ = (
            gf.factor(region, year, "electricity") if use_e > 0 or gen_e > 0 else (np.nan, "", "")
        )
        ef_heat, _, _ = (
            gf.factor(region, year, "heat") if use_h > 0 or gen_h > 0 else (np.nan, "", "")
        )
        loc_e, app_e, exp_e = _applied(method, p_power, gen_e, use_e, ef_grid)
        loc_h, app_h, exp_h = _applied(method, p_heat, gen_h, use_h, ef_heat)
        s2e = use_e * app_e if use_e > 0 else 0.0
        s2h = use_h * app_h if use_h > 0 else 0.0
        scope1 = float(sec["scope1"].sum())
        records.append(
            {
                "region": region,
                "scope1": scope1,
                "plant_power": p_power,
                "plant_heat": p_heat,
                "electricity_generated": gen_e,
                "electricity_used": use_e,
                "electricity_net_import": use_e - gen_e,
                "heat_generated": gen_h,
                "heat_used": use_h,
                "heat_net_import": use_h - gen_h,
                "grid": grid_used,
                "ef_electricity_grid": ef_grid,
                "ef_electricity_local": loc_e,
                "ef_electricity_applied": app_e if use_e > 0 else np.nan,
                "ef_heat_default": ef_heat,
                "ef_heat_local": loc_h,
                "ef_heat_applied": app_h if use_h > 0 else np.nan,
                "scope2_electricity": s2e,
                "scope2_heat": s2h,
                "scope2": s2e + s2h,
                "scope2_net_imports": max(use_e - gen_e, 0.0) * (ef_grid if use_e > gen_e else 0.0)
                + max(use_h - gen_h, 0.0) * (ef_heat if use_h > gen_h else 0.0),
                "exported_generation_emissions": exp_e + exp_h,
                "end_use": scope1 - p_power - p_heat + s2e + s2h,
            }
        )
        ix = by_sector.index.get_level_values("region") == region
        by_sector.loc[ix, "scope2_electricity"] = by_sector.loc[ix, "electricity_use"] * (
            app_e if use_e > 0 else 0.0
        )
        by_sector.loc[ix, "scope2_heat"] = by_sector.loc[ix, "heat_use"] * (
            app_h if use_h > 0 else 0.0
        )
    by_sector["scope2"] = by_sector["scope2_electricity"] + by_sector["scope2_heat"]
    by_sector["end_use"] = by_sector["scope1"] - by_sector["plant_emissions"] + by_sector["scope2"]
    by_sector.attrs["units"] = {
        "scope1": "t CO2",
        "plant_emissions": "t CO2",
        "electricity_use": "MWh",
        "heat_use": "GJ",
        "scope2_electricity": "t CO2",
        "scope2_heat": "t CO2",
        "scope2": "t CO2",
        "end_use": "t CO2",
    }
    by_region = pd.DataFrame(records).set_index("region")
    by_region.attrs["units"] = {k: v for k, v in REGION_COLUMNS.items() if v}
    by_region.attrs.update(method=method, year=year, grid_file=str(gf.path))
    return ScopeResult(by_sector=by_sector, by_region=by_region, method=method, year=year)
