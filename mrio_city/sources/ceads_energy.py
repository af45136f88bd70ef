"""The CEADs provincial inventories as energy tables: validation of the inventory builder.

CEADs publishes CO2 by province x 47 sectors x 17 fuels + cement process [Mt CO2], built with
its own factors (Shan et al. 2018).  :func:`ceads_energy_table` backs out the activity data
with the shipped ``ceads`` factor set (``quantity = CO2 / factor``); rebuilding the inventory
from that table must give every published cell back (:func:`ceads_round_trip`).  The CEADs
workbooks also carry 'Scope 2 Heat' and 'Scope 2 Electricity' columns; in the 2012, 2014, 2015
and 2017 files they are zero everywhere (:func:`~mrio_city.sources.ceads.read_ceads_provinces`
checks it), so :func:`ceads_scope2_comparison` sets them next to what the energy data can say
about scope 2: the generation emissions of power and heat plants (sector CE39) that a physical
scope 2 redistributes to the users of electricity and heat.
"""

from __future__ import annotations

import functools
import os

import numpy as np
import pandas as pd

from mrio_city.inventory.classes import totals_by_class
from mrio_city.inventory.energy import Inventory, compute_inventory, implied_energy
from mrio_city.sources.ceads import read_ceads_provinces

__all__ = [
    "PROVINCE_YEARS",
    "ceads_classes",
    "ceads_emissions",
    "ceads_energy_table",
    "ceads_round_trip",
    "ceads_scope2_comparison",
]

#: Years of the provincial inventories in the data folder.
PROVINCE_YEARS = (2012, 2014, 2015, 2017)


def ceads_emissions(year: int, *, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """CEADs provincial CO2 in the long layout of the inventory (region, sector, fuel, value).

    Returns
    -------
    DataFrame
        Columns region (English province name), sector (CE01..CE45, URBAN, RURAL), fuel (the
        17 CEADs fuels and 'Cement' for the process column), flow ('power_input' for CE39's
        fuels, 'process', else 'final_consumption'), value [Mt CO2].
    """
    return _emissions(int(year), None if data_dir is None else str(data_dir)).copy()


@functools.lru_cache(maxsize=4)
def _emissions(year: int, data_dir: str | None) -> pd.DataFrame:
    raw = read_ceads_provinces(year, data_dir=data_dir)
    fuel = raw["fuel"].where(raw["fuel"] != "Process", "Cement")
    flow = np.where(
        fuel == "Cement",
        "process",
        np.where(raw["sector_code"] == "CE39", "power_input", "final_consumption"),
    )
    return pd.DataFrame(
        {
            "region": raw["province_en"].to_numpy(),
            "sector": raw["sector_code"].to_numpy(),
            "fuel": fuel.to_numpy(),
            "flow": flow,
            "value": raw["value"].to_numpy(float),
        }
    )


def ceads_energy_table(
    year: int, *, data_dir: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """The activity data implied by the CEADs inventory of a year (an energy table).

    Quantities in the factor set's units (10^4 t, 10^8 m^3; cement in t).
    """
    table = implied_energy(ceads_emissions(year, data_dir=data_dir), "ceads", emission_unit="Mt")
    table["year"] = int(year)
    return table


def ceads_round_trip(
    year: int, *, data_dir: str | os.PathLike[str] | None = None
) -> tuple[pd.DataFrame, Inventory]:
    """Back out energy from CEADs, rebuild the inventory, compare every cell.

    Returns
    -------
    comparison : DataFrame
        One row per (region, sector, fuel): published [Mt CO2], rebuilt [Mt CO2], difference.
    inventory : Inventory
        The rebuilt inventory.
    """
    published = ceads_emissions(year, data_dir=data_dir)
    inventory = compute_inventory(ceads_energy_table(year, data_dir=data_dir), "ceads")
    rebuilt = inventory.rows["co2"].to_numpy() / 1e6
    out = published[["region", "sector", "fuel"]].copy()
    out["published"] = published["value"].to_numpy()
    out["rebuilt"] = rebuilt
    out["difference"] = out["rebuilt"] - out["published"]
    out.attrs["units"] = {"published": "Mt CO2", "rebuilt": "Mt CO2", "difference": "Mt CO2"}
    return out, inventory


def ceads_scope2_comparison(
    years: tuple[int, ...] = PROVINCE_YEARS, *, data_dir: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """CEADs' published scope 2 next to the power and heat generation emissions, per province.

    Returns
    -------
    DataFrame
        Index (year, region); columns ceads_scope2 (the published 'Scope 2 Heat' + 'Scope 2
        Electricity', zero in these files), scope1 (total), plant_power_heat (CE39 scope 1,
        the generation emissions a physical scope 2 allocates), difference
        (plant_power_heat - ceads_scope2), all [Mt CO2], and share_of_scope1 [1].
    """
    rows = []
    for year in years:
        em = ceads_emissions(year, data_dir=data_dir)
        total = em.groupby("region", sort=False)["value"].sum()
        plant = em[em["sector"] == "CE39"].groupby("region", sort=False)["value"].sum()
        for region in total.index:
            rows.append(
                {
                    "year": int(year),
                    "region": region,
                    # read_ceads_provinces raises unless 'Scope 2 Heat' and 'Scope 2
                    # Electricity' are 0 in every cell: 0 is what CEADs publishes
                    "ceads_scope2": 0.0,
                    "scope1": float(total[region]),
                    "plant_power_heat": float(plant.get(region, 0.0)),
                }
            )
    out = pd.DataFrame(rows).set_index(["year", "region"])
    out["difference"] = out["plant_power_heat"] - out["ceads_scope2"]
    out["share_of_scope1"] = out["plant_power_heat"] / out["scope1"]
    out.attrs["units"] = {c: "Mt CO2" for c in out.columns if c != "share_of_scope1"}
    return out


def ceads_classes(inventory: Inventory) -> pd.DataFrame:
    """Scope-1 CO2 by (region, class) of a rebuilt CEADs inventory [Mt CO2]."""
    by_sector = inventory.by_sector() / 1e6
    out = totals_by_class(by_sector, inventory.sectors)
    out.attrs["units"] = {"scope1": "Mt CO2"}
    return out
