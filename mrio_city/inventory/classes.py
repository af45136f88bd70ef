"""Sectors of an energy table and the factory / urban / agriculture / rural-living classes.

The sector vocabulary and the classes come from one concordance file,
``tables/factors/ceads47_classes.csv`` by default (columns ``source_code``,
``source_name``, ``class``, ``plant``): the 45 CEADs production sectors (CE01..CE45, names as in
the CEADs inventories) and the household rows URBAN and RURAL.  A sector of an energy table may be
written as the code or the name (case-insensitive).  ``plant = power_heat`` marks the sector
whose power and heat plants burn the ``power_input``/``heat_input`` fuels.

Classes (Nanjing study, docs/methods.md §3.4):

* ``factory``: mining, manufacturing, utilities (power and heat plants' losses and own use) and
  construction (CE02-CE42);
* ``urban``: transport, trade and catering, other services (CE43-CE45) and urban households;
* ``agriculture``: farming, forestry, animal husbandry, fishery (CE01);
* ``rural_living``: rural households.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mrio_city.inventory import _files
from mrio_city.model.errors import InventoryError

__all__ = ["CLASSES", "DEFAULT_SECTORS", "SectorMap", "load_sector_map", "totals_by_class"]

#: The four classes, in reporting order.
CLASSES = ("factory", "urban", "agriculture", "rural_living")
#: The shipped sector concordance (under tables/factors).
DEFAULT_SECTORS = "ceads47_classes.csv"


@dataclass(frozen=True)
class SectorMap:
    """Sector codes, names, classes and the power/heat plant sector of an energy table.

    Attributes
    ----------
    path : pathlib.Path
    table : DataFrame
        Index 'sector' (code); columns sector_name, class, plant.
    lookup : dict of str to str
        Normalized code or name -> code.
    """

    path: Path
    table: pd.DataFrame
    lookup: dict[str, str] = field(repr=False)

    def resolve(self, label: str) -> str | None:
        """Return the sector code for a code or name, None when unknown."""
        return self.lookup.get(_files.norm(label))

    @property
    def plant_sector(self) -> str:
        """Code of the sector whose plants turn fuel into electricity and heat."""
        return str(self.table.index[self.table["plant"] == "power_heat"][0])


def load_sector_map(path: str | os.PathLike[str] | None = None) -> SectorMap:
    """Load a sector concordance (default: the shipped CEADs 47 sectors -> classes).

    Parameters
    ----------
    path : path-like, optional
        A CSV with columns source_code, source_name, class, plant.

    Returns
    -------
    SectorMap

    Raises
    ------
    InventoryError
        Missing columns, a class outside :data:`CLASSES`, duplicated codes or names, or not
        exactly one ``power_heat`` plant sector (file and line named).
    """
    p = Path(path) if path is not None else _files.shipped_file("factors", DEFAULT_SECTORS)
    frame, lines = _files.read_csv(p, what="sector concordance")
    _files.require_columns(
        frame, p, ("source_code", "source_name", "class"), ("plant",), what="sector concordance"
    )
    lookup: dict[str, str] = {}
    for k, rec in enumerate(frame.to_dict("records")):
        where = f"sector concordance {p}, line {lines[k]}"
        if rec["class"] not in CLASSES:
            raise InventoryError(
                f"{where}: class {rec['class']!r} of sector {rec['source_code']!r} is not one "
                f"of {list(CLASSES)}"
            )
        for label in (rec["source_code"], rec["source_name"]):
            key = _files.norm(label)
            if key in lookup and lookup[key] != rec["source_code"]:
                raise InventoryError(f"{where}: sector label {label!r} is used twice")
            if key in lookup:
                continue
            lookup[key] = rec["source_code"]
    if frame["source_code"].duplicated().any():
        dup = frame["source_code"][frame["source_code"].duplicated()].iloc[0]
        raise InventoryError(f"sector concordance {p}: sector code {dup!r} is used twice")
    plant = frame.get("plant", pd.Series([""] * len(frame)))
    if int((plant == "power_heat").sum()) != 1:
        raise InventoryError(
            f"sector concordance {p}: exactly one sector must have plant = 'power_heat' (the "
            f"power and heat plants); found {int((plant == 'power_heat').sum())}"
        )
    table = pd.DataFrame(
        {
            "sector_name": frame["source_name"].to_numpy(),
            "class": frame["class"].to_numpy(),
            "plant": plant.to_numpy(),
        },
        index=pd.Index(frame["source_code"].to_numpy(), name="sector"),
    )
    return SectorMap(path=p, table=table, lookup=lookup)


def totals_by_class(by_sector: pd.DataFrame, sectors: SectorMap) -> pd.DataFrame:
    """Sum a (region, sector) x values frame into (region, class) x values.

    Parameters
    ----------
    by_sector : DataFrame
        MultiIndex (region, sector code); numeric columns (e.g. scope1 and end_use [t CO2]).
    sectors : SectorMap

    Returns
    -------
    DataFrame
        Index (region, class) with every class of :data:`CLASSES` for every region (zeros
        where a class has no sector), same columns and ``attrs``.
    """
    classes = sectors.table["class"].reindex(by_sector.index.get_level_values("sector"))
    out = by_sector.groupby([by_sector.index.get_level_values("region"), classes.to_numpy()]).sum()
    out.index.names = ["region", "class"]
    regions = by_sector.index.get_level_values("region").unique()
    full = pd.MultiIndex.from_product([regions, list(CLASSES)], names=["region", "class"])
    out = out.reindex(full, fill_value=0.0)
    out.attrs = dict(by_sector.attrs)
    return out
