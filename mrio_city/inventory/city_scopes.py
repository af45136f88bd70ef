"""Physical scopes 1 and 2 next to the MRIO-based scopes of a table's cities (Shenzhen-style).

:func:`~mrio_city.accounts.scopes.compute_scopes` values scope 2 with money: the generation
emissions of the electricity and heat a city *buys* from other cities.  When an energy inventory
with electricity use covers a table's cities, :func:`physical_scopes` adds the physical scope 2
(use x grid factor, :func:`~mrio_city.inventory.power_heat.allocate_scope2`) beside it, and the
split of each city's emissions into a production side and a consumption side (docs/methods.md §3.3,
source-mix rule)::

    P = scope 1 of factory + agriculture sectors + their scope 2
    C = scope 1 of urban sectors and households (urban, rural) + their scope 2
    production-led  <=>  P / (P + C) >= 0.5

with scope 2 either physical (by sector, from the inventory) or from the MRIO table (purchases
of electricity/heat by industries count on the production side, by final demand on the
consumption side).  :func:`scope_summary` gives the Shenzhen statistics: scope 1 and 2 totals and
shares, and the share of units (and of emissions) that are consumption-led.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from mrio_city.accounts.scopes import energy_sector_labels
from mrio_city.inventory.classes import totals_by_class
from mrio_city.inventory.power_heat import ScopeResult
from mrio_city.inventory.units import conversion_factor
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.errors import LabelMismatchError, MrioCityWarning
from mrio_city.model.labels import first_labels

__all__ = [
    "PRODUCTION_CLASSES",
    "CONSUMPTION_CLASSES",
    "mrio_scope2_split",
    "physical_scopes",
    "source_mix_types",
    "scope_summary",
]

#: Classes whose emissions are the production side P of the source-mix rule.
PRODUCTION_CLASSES = ("factory", "agriculture")
#: Classes whose emissions are the consumption side C.
CONSUMPTION_CLASSES = ("urban", "rural_living")
_SCOPE2 = ("physical", "mrio")


def mrio_scope2_split(
    table: BaseTable,
    *,
    energy_sectors: Sequence[str] | str | None = None,
    stressor: str | None = None,
) -> pd.DataFrame:
    """MRIO scope 2 of each city split into industries' and final demand's purchases.

    ``final[r] = sum_{s != r} sum_{e in E} f_e^s Y^r[(s, e)]`` (electricity/heat bought by r's
    final demand from other cities), ``intermediate[r] = scope2[r] - final[r]``.

    Returns
    -------
    DataFrame
        Index city; columns scope2_mrio, scope2_mrio_intermediate, scope2_mrio_final
        [stressor unit].
    """
    from mrio_city.accounts.scopes import scope2

    ensure_table(table)
    energy = energy_sector_labels(table, energy_sectors)
    s = table.stressors[0] if stressor is None else str(stressor)
    total = scope2(table, energy_sectors=energy)[s]
    R, N = table.n_cities, table.n_sectors
    mask = np.zeros(N)
    mask[table.sectors.get_indexer(energy)] = 1.0
    fE = table.direct_intensities[list(table.stressors).index(s)] * np.tile(mask, R)
    Y = np.asarray(table.final_demand_by_city()).reshape(R, N, R).copy()
    Y[np.arange(R), :, np.arange(R)] = 0.0  # own city's supply is not scope 2
    final = fE @ Y.reshape(R * N, R)
    out = pd.DataFrame(
        {
            "scope2_mrio": total.to_numpy(),
            "scope2_mrio_intermediate": total.to_numpy() - final,
            "scope2_mrio_final": final,
        },
        index=table.cities.copy(),
    )
    out.attrs["units"] = {c: table.units[s] for c in out.columns}
    return out


def _to_tonnes(unit: str) -> float:
    """Factor from a stressor unit such as 't CO2' or 'Mt CO2' to t CO2."""
    mass = re.sub(r"\s*CO2\s*$", "", str(unit)).strip()
    return conversion_factor(mass or "t", "t")


def physical_scopes(
    table: BaseTable,
    scopes: pd.DataFrame,
    inventory_scopes: ScopeResult,
    *,
    sectors=None,
    regions: Mapping[str, str] | None = None,
    energy_sectors: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Physical scope 2 and the production/consumption split next to the MRIO scopes.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    scopes : DataFrame
        :func:`~mrio_city.accounts.scopes.compute_scopes` of this table (unchanged here).
    inventory_scopes : ScopeResult
        :func:`~mrio_city.inventory.power_heat.allocate_scope2` of an inventory whose regions
        are (some of) the table's cities.
    sectors : SectorMap, optional
        Sector classes of the inventory (default the shipped CEADs 47 sectors).
    regions : mapping of str to str, optional
        Inventory region -> table city, when the names differ.
    energy_sectors : sequence of str, optional
        Energy-supply sectors of the table for the MRIO scope 2 split (as in compute_scopes).

    Returns
    -------
    DataFrame
        ``scopes``' columns plus scope2_mrio, scope2_mrio_intermediate, scope2_mrio_final,
        scope1_inventory, scope2_physical, scope2_physical_net_imports, electricity_used
        [MWh], electricity_net_import [MWh], scope1_production, scope1_consumption,
        scope2_physical_production, scope2_physical_consumption [stressor unit] and
        has_inventory (bool).  Cities without an inventory get NaN.

    Raises
    ------
    LabelMismatchError
        If no inventory region is a city of the table (names listed).

    Warns
    -----
    MrioCityWarning
        When some inventory regions are not cities of the table (they are left out).
    """
    from mrio_city.inventory.classes import load_sector_map

    ensure_table(table)
    smap = sectors if sectors is not None else load_sector_map()
    stressor = scopes.attrs.get("stressor")
    unit = table.units.get(stressor) if stressor else next(iter(table.units.values()))
    scale = 1.0 / _to_tonnes(unit)  # t CO2 -> table unit
    by_region = inventory_scopes.by_region.rename(index=dict(regions or {}))
    by_sector = inventory_scopes.by_sector.rename(index=dict(regions or {}), level="region")
    known = [r for r in by_region.index if r in table.cities]
    unknown = [r for r in by_region.index if r not in table.cities]
    if not known:
        raise LabelMismatchError(
            f"physical_scopes: no inventory region is a city of table {table.name!r}: "
            f"{first_labels(unknown)}; pass regions={{inventory name: city}}"
        )
    if unknown:
        warnings.warn(
            f"physical_scopes: inventory regions {first_labels(unknown)} are not cities of table "
            f"{table.name!r}; left out",
            MrioCityWarning,
            stacklevel=2,
        )
    cls = totals_by_class(by_sector[["scope1", "scope2"]], smap)
    side = cls.groupby(
        [
            cls.index.get_level_values("region"),
            np.where(
                cls.index.get_level_values("class").isin(PRODUCTION_CLASSES),
                "production",
                "consumption",
            ),
        ]
    ).sum()
    out = scopes.copy()
    split = mrio_scope2_split(
        table,
        energy_sectors=scopes.attrs.get("energy_sectors", energy_sectors),
        stressor=scopes.attrs.get("stressor"),
    )
    for c in split.columns:
        out[c] = split[c].reindex(out.index)
    cities = pd.Index(known)
    add = pd.DataFrame(index=cities)
    add["scope1_inventory"] = by_region.loc[cities, "scope1"] * scale
    add["scope2_physical"] = by_region.loc[cities, "scope2"] * scale
    add["scope2_physical_net_imports"] = by_region.loc[cities, "scope2_net_imports"] * scale
    add["electricity_used"] = by_region.loc[cities, "electricity_used"]
    add["electricity_net_import"] = by_region.loc[cities, "electricity_net_import"]
    for s in ("production", "consumption"):
        part = side.xs(s, level=1).reindex(cities).fillna(0.0)
        add[f"scope1_{s}"] = part["scope1"] * scale
        add[f"scope2_physical_{s}"] = part["scope2"] * scale
    for c in add.columns:
        out[c] = add[c].reindex(out.index)
    out["has_inventory"] = out.index.isin(cities)
    units = dict(scopes.attrs.get("units", {}))
    units.update({c: unit for c in out.columns if c not in units})
    units.update(electricity_used="MWh", electricity_net_import="MWh")
    units.pop("has_inventory", None)
    out.attrs = dict(scopes.attrs)
    out.attrs.update(
        units=units, inventory_method=inventory_scopes.method, inventory_year=inventory_scopes.year
    )
    return out


def source_mix_types(
    physical: pd.DataFrame, *, scope2: str = "physical", threshold: float = 0.5
) -> pd.DataFrame:
    """Production- or consumption-led type of each city with an inventory (source-mix rule).

    Parameters
    ----------
    physical : DataFrame
        Output of :func:`physical_scopes`.
    scope2 : {'physical', 'mrio'}, default='physical'
        Scope 2 added to each side: physical by sector, or the MRIO purchases (industries ->
        production side, final demand -> consumption side).
    threshold : float, default=0.5
        Production-led when ``P / (P + C) >= threshold``.

    Returns
    -------
    DataFrame
        Index city (cities with an inventory); columns production_side, consumption_side
        [stressor unit], production_share [1], type ('production-led' / 'consumption-led').
    """
    if scope2 not in _SCOPE2:
        raise ValueError(
            f"The 'scope2' parameter of source_mix_types must be one of {list(_SCOPE2)}. "
            f"Got {scope2!r} instead."
        )
    df = physical[physical["has_inventory"]]
    if scope2 == "physical":
        P = df["scope1_production"] + df["scope2_physical_production"]
        C = df["scope1_consumption"] + df["scope2_physical_consumption"]
    else:
        P = df["scope1_production"] + df["scope2_mrio_intermediate"]
        C = df["scope1_consumption"] + df["scope2_mrio_final"]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = (P / (P + C)).to_numpy(float)
    out = pd.DataFrame(
        {
            "production_side": P,
            "consumption_side": C,
            "production_share": share,
            "type": np.where(share >= threshold, "production-led", "consumption-led"),
        },
        index=df.index,
    )
    unit = physical.attrs.get("units", {}).get("scope1_production")
    out.attrs.update(
        units={"production_side": unit, "consumption_side": unit, "production_share": "1"},
        scope2=scope2,
        threshold=threshold,
    )
    return out


def scope_summary(physical: pd.DataFrame, *, threshold: float = 0.5) -> pd.DataFrame:
    """Shenzhen-style statistics with the physical and with the MRIO scope 2.

    Over the cities with an inventory: total = scope 1 + scope 2, the shares of scope 1 and 2,
    the number and share of consumption-led units and their share of the total.

    Returns
    -------
    DataFrame
        Index statistic; columns 'physical' and 'mrio' (scope 2 used).
    """
    df = physical[physical["has_inventory"]]
    out = {}
    for variant in _SCOPE2:
        s1 = float(df["scope1_inventory"].sum())
        s2 = float(df["scope2_physical" if variant == "physical" else "scope2_mrio"].sum())
        types = source_mix_types(physical, scope2=variant, threshold=threshold)
        cons = types["type"] == "consumption-led"
        side = types["production_side"] + types["consumption_side"]
        out[variant] = {
            "units": float(len(types)),
            "scope1": s1,
            "scope2": s2,
            "total": s1 + s2,
            "scope1_share": s1 / (s1 + s2) if s1 + s2 else np.nan,
            "scope2_share": s2 / (s1 + s2) if s1 + s2 else np.nan,
            "scope2_to_scope1": s2 / s1 if s1 else np.nan,
            "consumption_led_units": float(cons.sum()),
            "share_consumption_led": float(cons.mean()) if len(cons) else np.nan,
            "emission_share_consumption_led": float(side[cons].sum() / side.sum())
            if side.sum()
            else np.nan,
        }
    frame = pd.DataFrame(out)
    frame.index.name = "statistic"
    return frame
