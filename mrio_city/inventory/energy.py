"""From an energy table in long format to CO2 by region x sector x fuel.

The energy table (template: ``tables/energy/TEMPLATE.md``) has one row per
(region, sector, fuel, flow) with a quantity and its unit:

=================  ============================================================================
flow               meaning
=================  ============================================================================
final_consumption  fuel burnt by the sector (end use), or Electricity / Heat used by it
power_input        fuel burnt in thermal power plants (scope 1 of the plant sector)
heat_input         fuel burnt in heat plants (scope 1 of the plant sector)
power_output       electricity generated in the region (fuel ``Electricity``)
heat_output        heat supplied in the region (fuel ``Heat``)
non_energy_use     fuel used as feedstock or material: counted, no combustion CO2
process            production of a process material (cement clinker, cement) [t]
=================  ============================================================================

Combustion CO2 of a row: ``quantity x NCV x CC x O x 44/12`` (:class:`FactorSet`); process CO2:
``quantity x emission factor``.  Electricity and heat carry no direct CO2 here: they enter scope
2 (:mod:`mrio_city.inventory.power_heat`).  Deducting transformation inputs from end use is
automatic: fuel that enters power or heat plants is its own flow, never final consumption.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio_city.inventory import _files
from mrio_city.inventory.classes import SectorMap, load_sector_map
from mrio_city.inventory.factors import FactorSet, load_factor_set
from mrio_city.inventory.units import conversion_factor, dimension_name, parse_unit
from mrio_city.model.errors import InventoryError, UnitError

__all__ = [
    "FLOWS",
    "CARRIERS",
    "ENERGY_COLUMNS",
    "Inventory",
    "read_energy_table",
    "compute_inventory",
    "implied_energy",
]

#: Flows of an energy table and their meaning.
FLOWS: dict[str, str] = {
    "final_consumption": "fuel burnt by the sector, or electricity/heat used by it",
    "power_input": "fuel burnt in thermal power plants",
    "heat_input": "fuel burnt in heat plants",
    "power_output": "electricity generated in the region",
    "heat_output": "heat supplied in the region",
    "non_energy_use": "fuel used as feedstock or material (no combustion CO2)",
    "process": "production of a process material (cement clinker, cement)",
}
#: Secondary carriers (fuel column) and the unit they are reported in.
CARRIERS: dict[str, str] = {"Electricity": "MWh", "Heat": "GJ"}
#: Required and optional columns of an energy table.
ENERGY_COLUMNS = ("region", "sector", "fuel", "flow", "quantity", "unit")
_OPTIONAL = ("year", "note")
_CARRIER_FLOWS = {"final_consumption", "power_output", "heat_output"}
_COMBUSTION_FLOWS = {"final_consumption", "power_input", "heat_input", "non_energy_use"}
_CARRIER_KEYS = {_files.norm(k): k for k in CARRIERS} | {"电力": "Electricity", "热力": "Heat"}


def _where(source: str, line: int) -> str:
    return f"energy table {source}, line {line}"


def read_energy_table(
    data: str | os.PathLike[str] | pd.DataFrame,
    *,
    sectors: SectorMap | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Read and check an energy table (file or frame) before any computation.

    Parameters
    ----------
    data : path-like or DataFrame
        CSV file (UTF-8; lines starting with '#' are comments) or a frame with the columns
        region, sector, fuel, flow, quantity, unit (+ optional year, note).
    sectors : SectorMap, optional
        Sector vocabulary; default the shipped CEADs 47 sectors.
    source : str, optional
        Name used in error messages for a frame (default ``'<frame>'``).

    Returns
    -------
    DataFrame
        Columns region, sector (code), fuel (as written), flow, quantity [unit], unit, year
        (string, '' when absent), line (1-based line in the file, for messages).

    Raises
    ------
    InventoryError
        Missing/unexpected columns; an empty region; an unknown sector or flow; a negative or
        non-numeric quantity; Electricity/Heat on a flow that burns fuel, or a power/heat
        output that is not Electricity/Heat; a duplicated (region, sector, fuel, flow) row.
        The message names the file, line and value.
    UnitError
        A unit pint cannot read (file, line and unit named).
    """
    sectors = sectors if sectors is not None else load_sector_map()
    if isinstance(data, pd.DataFrame):
        name = source or "<frame>"
        frame = data.copy()
        frame.columns = [str(c).strip() for c in frame.columns]
        frame = frame.astype(str).apply(lambda c: c.str.strip())
        lines = list(range(2, len(frame) + 2))
    else:
        name = str(data)
        frame, lines = _files.read_csv(data, what="energy table")
    _files.require_columns(frame, name, ENERGY_COLUMNS, _OPTIONAL, what="energy table")
    if frame.empty:
        raise InventoryError(f"energy table {name}: no rows")
    out = []
    for k, rec in enumerate(_files.records(frame)):
        where = _where(name, lines[k])
        region = rec["region"]
        if not region:
            raise InventoryError(f"{where}: empty region")
        code = sectors.resolve(rec["sector"])
        if code is None:
            raise InventoryError(
                f"{where}: unknown sector {rec['sector']!r}; sectors are the codes or names of "
                f"{sectors.path.name} (e.g. 'CE39', 'URBAN', 'Construction')"
            )
        flow = _files.norm(rec["flow"]).replace(" ", "_")
        if flow not in FLOWS:
            raise InventoryError(f"{where}: unknown flow {rec['flow']!r}; flows are {list(FLOWS)}")
        quantity = _files.number(rec["quantity"], where=where, field="quantity")
        unit = rec["unit"]
        try:
            parse_unit(unit)
        except UnitError as exc:
            raise UnitError(f"{where}: {exc}") from None
        carrier = _CARRIER_KEYS.get(_files.norm(rec["fuel"]))
        if carrier is not None:
            if flow not in _CARRIER_FLOWS:
                raise InventoryError(
                    f"{where}: {carrier} cannot have flow {flow!r} (it is not burnt); use "
                    f"{sorted(_CARRIER_FLOWS)}"
                )
            if dimension_name(unit) != "energy":
                raise UnitError(
                    f"{where}: {carrier} needs an energy unit (e.g. MWh, GJ), found {unit!r}"
                )
        elif flow in ("power_output", "heat_output"):
            need = "Electricity" if flow == "power_output" else "Heat"
            raise InventoryError(
                f"{where}: flow {flow!r} must have fuel {need!r}, found {rec['fuel']!r}"
            )
        if (flow, carrier) in (("power_output", "Heat"), ("heat_output", "Electricity")):
            raise InventoryError(f"{where}: flow {flow!r} does not fit fuel {carrier!r}")
        out.append(
            {
                "region": region,
                "sector": code,
                "fuel": carrier or rec["fuel"],
                "flow": flow,
                "quantity": quantity,
                "unit": unit,
                "year": rec.get("year", ""),
                "line": lines[k],
            }
        )
    table = pd.DataFrame(out)
    key = ["region", "sector", "fuel_key", "flow"]
    keyed = table.assign(fuel_key=[_files.norm(f) for f in table["fuel"]])
    dup = keyed.duplicated(key, keep="first")
    if dup.any():
        row = keyed[dup].iloc[0]
        first = keyed[(keyed[key] == row[key]).all(axis=1)].iloc[0]
        raise InventoryError(
            f"{_where(name, int(row['line']))}: duplicated row (region, sector, fuel, flow) = "
            f"({row['region']!r}, {row['sector']!r}, {row['fuel']!r}, {row['flow']!r}), first "
            f"on line {int(first['line'])}; sum them into one row"
        )
    table.attrs["source"] = name
    return table


@dataclass(frozen=True)
class Inventory:
    """CO2 of an energy table, row by row, with the factor set and sectors used.

    Attributes
    ----------
    rows : DataFrame
        The checked energy table plus columns factor_fuel (the factor-set fuel), kind
        ('combustion', 'process', 'carrier', 'non_energy'), energy_TJ [TJ] (combustion rows),
        carrier_MWh / carrier_GJ (electricity / heat rows) and co2 [t CO2].
    factors : FactorSet
    sectors : SectorMap
    source : str
        The energy table's file name (or '<frame>').
    """

    rows: pd.DataFrame
    factors: FactorSet
    sectors: SectorMap
    source: str

    @property
    def regions(self) -> list[str]:
        """Regions in order of first appearance."""
        return list(dict.fromkeys(self.rows["region"]))

    def by_sector(self) -> pd.DataFrame:
        """Scope-1 CO2 by (region, sector) [t CO2], every sector of the sector map present."""
        co2 = self.rows.groupby(["region", "sector"])["co2"].sum()
        full = pd.MultiIndex.from_product(
            [self.regions, list(self.sectors.table.index)], names=["region", "sector"]
        )
        out = co2.reindex(full, fill_value=0.0).to_frame("scope1")
        out.attrs["units"] = {"scope1": "t CO2"}
        return out

    def by_fuel(self) -> pd.DataFrame:
        """Energy [TJ] and CO2 [t CO2] by (region, fuel) of the factor set (combustion+process)."""
        burnt = self.rows[self.rows["kind"].isin(["combustion", "process"])]
        out = burnt.groupby(["region", "factor_fuel"], sort=False)[["energy_TJ", "co2"]].sum()
        out.index.names = ["region", "fuel"]
        out.attrs["units"] = {"energy_TJ": "TJ", "co2": "t CO2"}
        return out

    def matrix(self, region: str) -> pd.DataFrame:
        """CO2 of one region as a sector x fuel matrix [t CO2] (CEADs layout)."""
        r = self.rows[
            (self.rows["region"] == region) & self.rows["kind"].isin(["combustion", "process"])
        ]
        out = r.pivot_table(
            index="sector", columns="factor_fuel", values="co2", aggfunc="sum", sort=False
        )
        out = out.reindex(
            index=self.sectors.table.index, columns=self.factors.fuels, fill_value=0.0
        )
        return out.fillna(0.0)

    def scope1_total(self) -> pd.Series:
        """Scope-1 CO2 per region [t CO2]."""
        return self.rows.groupby("region", sort=False)["co2"].sum().reindex(self.regions)


def compute_inventory(
    energy: str | os.PathLike[str] | pd.DataFrame,
    factors: str | os.PathLike[str] | FactorSet = "ceads",
    *,
    sectors: SectorMap | str | os.PathLike[str] | None = None,
) -> Inventory:
    """CO2 of every row of an energy table (IPCC sectoral approach, docs/methods.md §7.1).

    Every unknown fuel or unit is reported before anything is computed.

    Parameters
    ----------
    energy : path-like or DataFrame
        Energy table (file, raw frame, or the output of :func:`read_energy_table`).
    factors : str, path-like or FactorSet, default='ceads'
        Factor set name ('ceads', 'ipcc2006', 'cn_guideline'), file, or a loaded set.
    sectors : SectorMap or path-like, optional
        Sector concordance; default the shipped CEADs 47 sectors.

    Returns
    -------
    Inventory

    Raises
    ------
    InventoryError
        Bad table (see :func:`read_energy_table`), or a fuel not in the factor set (file, line
        and fuel named, with the set's fuels).
    UnitError
        A quantity unit that does not fit its fuel (mass for an NCV per volume, ...).
    """
    fs = factors if isinstance(factors, FactorSet) else load_factor_set(factors)
    smap = sectors if isinstance(sectors, SectorMap) else load_sector_map(sectors)
    if isinstance(energy, pd.DataFrame) and "line" in energy.columns:
        table = energy.copy()
        table.attrs = dict(energy.attrs)
    else:
        table = read_energy_table(energy, sectors=smap)
    name = table.attrs.get("source", "<frame>")
    n = len(table)
    factor_fuel = np.empty(n, dtype=object)
    kind = np.empty(n, dtype=object)
    energy_tj = np.full(n, np.nan)
    carrier_mwh = np.full(n, np.nan)
    carrier_gj = np.full(n, np.nan)
    co2 = np.zeros(n)
    per_unit: dict[tuple[str, str], float] = {}
    per_tj: dict[tuple[str, str], float] = {}
    for k, rec in enumerate(_files.records(table)):
        where = _where(name, int(rec["line"]))
        fuel, unit, flow = rec["fuel"], rec["unit"], rec["flow"]
        if fuel in CARRIERS:
            factor_fuel[k], kind[k] = fuel, "carrier"
            if (fuel, unit) not in per_unit:
                per_unit[(fuel, unit)] = conversion_factor(unit, "MWh")
            carrier_mwh[k] = rec["quantity"] * per_unit[(fuel, unit)]
            carrier_gj[k] = carrier_mwh[k] * 3.6  # 1 MWh = 3.6 GJ
            continue
        resolved = fs.resolve(fuel)
        if resolved is None:
            raise InventoryError(
                f"{where}: unknown fuel {fuel!r} for factor set {fs.name!r}; its fuels are "
                f"{fs.fuels} (aliases in {fs.path.name})"
            )
        factor_fuel[k] = resolved
        fkind = fs.kind(resolved)
        if (flow == "process") != (fkind == "process"):
            raise InventoryError(
                f"{where}: flow {flow!r} does not fit {resolved!r}, a {fkind} entry of factor "
                f"set {fs.name!r}; process materials take flow 'process', fuels the others"
            )
        try:
            if (resolved, unit) not in per_unit:
                per_unit[(resolved, unit)] = fs.co2_per_unit(resolved, unit)
                if fkind == "combustion":
                    per_tj[(resolved, unit)] = fs.energy_per_unit(resolved, unit)
        except UnitError as exc:
            raise UnitError(f"{where}: {exc}") from None
        if fkind == "combustion":
            energy_tj[k] = rec["quantity"] * per_tj[(resolved, unit)]
        if flow == "non_energy_use":
            kind[k] = "non_energy"
            continue
        kind[k] = fkind
        co2[k] = rec["quantity"] * per_unit[(resolved, unit)]
    rows = table.assign(
        factor_fuel=factor_fuel,
        kind=kind,
        energy_TJ=energy_tj,
        carrier_MWh=carrier_mwh,
        carrier_GJ=carrier_gj,
        co2=co2,
    )
    rows.attrs = {
        "source": name,
        "units": {"energy_TJ": "TJ", "carrier_MWh": "MWh", "carrier_GJ": "GJ", "co2": "t CO2"},
    }
    return Inventory(rows=rows, factors=fs, sectors=smap, source=name)


def implied_energy(
    emissions: pd.DataFrame,
    factors: str | os.PathLike[str] | FactorSet = "ceads",
    *,
    emission_unit: str = "t",
    units: dict[str, str] | None = None,
    plant_sector: str | None = None,
) -> pd.DataFrame:
    """Back out the activity data behind published emissions: the inverse of the inventory.

    ``quantity = CO2 / (CO2 per unit of the fuel)``, in each fuel's natural unit (the NCV's
    denominator, or the process factor's), so that :func:`compute_inventory` on the result
    rebuilds the emissions.  Used to validate the builder on the CEADs inventories.

    Parameters
    ----------
    emissions : DataFrame
        Long frame with columns region, sector, fuel, value [``emission_unit`` CO2] and
        optionally flow; fuels are names (or aliases) of the factor set.
    factors : str, path-like or FactorSet, default='ceads'
    emission_unit : str, default='t'
        Mass unit of ``value`` ('t', 'Mt', ...).
    units : dict of str to str, optional
        Unit per fuel for the quantities (default: the NCV's denominator, e.g. '10^4 t').
    plant_sector : str, optional
        Without a flow column: rows of this sector get flow 'power_input' (plants), others
        'final_consumption' (process materials 'process').

    Returns
    -------
    DataFrame
        An energy table (region, sector, fuel, flow, quantity, unit).
    """
    fs = factors if isinstance(factors, FactorSet) else load_factor_set(factors)
    scale = conversion_factor(emission_unit, "t")
    out = []
    cache: dict[str, tuple[str, float]] = {}
    cols = ["region", "sector", "fuel", "value"] + (["flow"] if "flow" in emissions else [])
    for rec in _files.records(emissions[cols]):
        fuel = fs.resolve(rec["fuel"])
        if fuel is None:
            raise InventoryError(
                f"implied_energy: unknown fuel {rec['fuel']!r} for factor set {fs.name!r}"
            )
        if fuel not in cache:
            unit = (units or {}).get(fuel) or _natural_unit(fs, fuel)
            cache[fuel] = (unit, fs.co2_per_unit(fuel, unit))
        unit, per_unit = cache[fuel]
        if "flow" in rec:
            flow = rec["flow"]
        elif fs.kind(fuel) == "process":
            flow = "process"
        elif plant_sector is not None and rec["sector"] == plant_sector:
            flow = "power_input"
        else:
            flow = "final_consumption"
        out.append(
            {
                "region": rec["region"],
                "sector": rec["sector"],
                "fuel": fuel,
                "flow": flow,
                "quantity": float(rec["value"]) * scale / per_unit,
                "unit": unit,
            }
        )
    return pd.DataFrame(out, columns=list(ENERGY_COLUMNS))


def _natural_unit(fs: FactorSet, fuel: str) -> str:
    row = fs.table.loc[fuel]
    if row["kind"] == "process":
        return row["emission_factor_unit"].split("/", 1)[1].strip()
    text = str(row["ncv_unit"])
    if "/" not in text:
        return "TJ"
    denominator = text.split("/", 1)[1].strip()
    if denominator.startswith("(") and denominator.endswith(")"):
        denominator = denominator[1:-1]
    return denominator
