"""Emission-factor sets: fuel net calorific values, carbon contents, oxidation rates.

A factor set is a CSV file (``tables/factors/<name>.csv``), one row per fuel or process:

========================  ================================================================
column                    meaning
========================  ================================================================
fuel                      fuel or process material name (unique, case-insensitive)
kind                      ``combustion`` or ``process``
ncv, ncv_unit             net calorific value, e.g. ``0.21`` ``PJ/(10^4 t)``; the unit is
                          energy per mass or per volume (pint syntax)
carbon_content_tC_per_TJ  carbon content CC [t C / TJ]
oxidation                 oxidation rate O, in (0, 1]
co2_factor_t_per_TJ       optional: a published CO2 factor [t CO2/TJ] used instead of
                          ``CC x 44/12`` (IPCC Table 1.4 rounds CC x 44/12; its worked
                          examples use it), still multiplied by O
emission_factor(_unit)    process rows: CO2 per unit of product, e.g. ``0.2906`` ``t CO2/t``
aliases                   other names of the same row, ``|``-separated (Chinese names too)
source                    where the numbers come from
========================  ================================================================

Combustion: ``CO2 [t] = quantity x NCV x CC x O x 44/12`` (or ``quantity x NCV x EF x O``),
NCV x quantity in TJ (docs/methods.md §7.1).
A quantity given directly in an energy unit (TJ, GJ, tce) skips the NCV.
Process: ``CO2 [t] = quantity x emission_factor``.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mrio_city.inventory import _files
from mrio_city.inventory.units import conversion_factor, dimension_name, parse_unit
from mrio_city.model.errors import InventoryError, UnitError

__all__ = [
    "CO2_PER_C",
    "FACTOR_SETS",
    "FactorSet",
    "load_factor_set",
]

#: Mass ratio of CO2 to carbon used by IPCC 2006 and CEADs.
CO2_PER_C = 44.0 / 12.0

#: The shipped factor sets: name -> (file under tables/factors, description).
FACTOR_SETS: dict[str, tuple[str, str]] = {
    "ceads": (
        "ceads.csv",
        "CEADs China-specific factors (Shan et al. 2018, 17 fuels + cement process)",
    ),
    "ipcc2006": (
        "ipcc2006.csv",
        "IPCC 2006 Guidelines Vol. 2 Ch. 1 defaults (oxidation 1) + Vol. 3 clinker",
    ),
    "cn_guideline": (
        "cn_guideline.csv",
        "Chinese provincial GHG inventory guideline (NDRC 2011) with CESY NCVs",
    ),
}

_COLUMNS = (
    "fuel",
    "kind",
    "ncv",
    "ncv_unit",
    "carbon_content_tC_per_TJ",
    "oxidation",
    "co2_factor_t_per_TJ",
    "emission_factor",
    "emission_factor_unit",
    "aliases",
    "source",
)
_KINDS = ("combustion", "process")
_PROCESS_UNIT = re.compile(r"^\s*t\s*CO2\s*/\s*(?P<denominator>.+?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class FactorSet:
    """A validated emission-factor set (see the module docstring for the file layout).

    Attributes
    ----------
    name : str
        Set name (``'ceads'``) or the file stem of a user file.
    path : pathlib.Path
        The file it was read from.
    table : DataFrame
        Index 'fuel'; columns kind, ncv, ncv_unit, carbon_content_tC_per_TJ [t C/TJ],
        oxidation [1], co2_factor_t_per_TJ [t CO2/TJ] (NaN unless published), emission_factor,
        emission_factor_unit, source.
    aliases : dict of str to str
        Normalized name or alias -> fuel.
    """

    name: str
    path: Path
    table: pd.DataFrame
    aliases: dict[str, str] = field(repr=False)

    @property
    def fuels(self) -> list[str]:
        """Fuel and process names, in file order."""
        return list(self.table.index)

    def resolve(self, name: str) -> str | None:
        """Return the fuel of this set named ``name`` (or an alias), None when unknown."""
        return self.aliases.get(_files.norm(name))

    def kind(self, fuel: str) -> str:
        """``'combustion'`` or ``'process'``."""
        return self._kinds[fuel]

    @functools.cached_property
    def _kinds(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.table["kind"].items()}

    def energy_per_unit(self, fuel: str, unit: str) -> float:
        """Energy content [TJ] of one ``unit`` of a combustion fuel.

        Raises
        ------
        UnitError
            If ``unit`` is neither an energy unit nor of the kind (mass/volume) of the NCV's
            denominator.
        """
        if dimension_name(unit) == "energy":
            return conversion_factor(unit, "TJ")
        row = self.table.loc[fuel]
        q = row["ncv"] * parse_unit(row["ncv_unit"]) * parse_unit(unit)
        if q.dimensionality != parse_unit("TJ").dimensionality:
            kind = _ncv_denominator(row["ncv_unit"])
            raise UnitError(
                f"unit {unit!r} ({dimension_name(unit)}) does not fit fuel {fuel!r} of factor set "
                f"{self.name!r}, whose NCV is given per {kind}; give the quantity in a {kind} "
                "unit or in energy (TJ)"
            )
        return float(q.to("TJ").magnitude)

    def co2_per_unit(self, fuel: str, unit: str) -> float:
        """Emission factor [t CO2] per one ``unit`` of ``fuel`` (combustion or process)."""
        row = self.table.loc[fuel]
        if row["kind"] == "process":
            denominator = _PROCESS_UNIT.match(row["emission_factor_unit"]).group("denominator")
            try:
                scale = conversion_factor(unit, denominator)
            except UnitError as exc:
                raise UnitError(
                    f"unit {unit!r} does not fit process {fuel!r} of factor set {self.name!r} "
                    f"(emission factor per {denominator!r}): {exc}"
                ) from None
            return float(row["emission_factor"]) * scale
        return self.energy_per_unit(fuel, unit) * float(self.co2_per_tj(fuel))

    def co2_per_tj(self, fuel: str) -> float:
        """CO2 factor of a combustion fuel [t CO2/TJ]: ``CC x O x 44/12`` or ``EF x O``."""
        row = self.table.loc[fuel]
        per_tj = row["co2_factor_t_per_TJ"]
        if not pd.notna(per_tj):
            per_tj = float(row["carbon_content_tC_per_TJ"]) * CO2_PER_C
        return float(per_tj) * float(row["oxidation"])

    def describe(self) -> pd.DataFrame:
        """The factors with the derived CO2 factor per TJ (``CC x O x 44/12``) for outputs."""
        out = self.table.copy()
        out["co2_per_TJ"] = [
            self.co2_per_tj(f) if k == "combustion" else float("nan")
            for f, k in zip(out.index, out["kind"])
        ]
        out.attrs["units"] = {
            "carbon_content_tC_per_TJ": "t C/TJ",
            "oxidation": "1",
            "co2_per_TJ": "t CO2/TJ",
        }
        return out


def _ncv_denominator(ncv_unit: str) -> str:
    dim = parse_unit(ncv_unit).dimensionality
    for name, unit in (("mass", "J/t"), ("volume", "J/m^3")):
        if parse_unit(unit).dimensionality == dim:
            return name
    return str(dim)


def load_factor_set(name_or_path: str | os.PathLike[str]) -> FactorSet:
    """Load and check a factor set: a shipped name (:data:`FACTOR_SETS`) or a CSV file.

    Parameters
    ----------
    name_or_path : str or PathLike
        ``'ceads'``, ``'ipcc2006'``, ``'cn_guideline'`` or the path of a file in the same layout.

    Returns
    -------
    FactorSet

    Raises
    ------
    InventoryError
        Unknown name, missing file, missing/unexpected columns, or a bad row (file, line,
        column and value named): unknown kind, non-positive NCV or carbon content, oxidation
        outside (0, 1], an NCV unit that is not energy per mass or volume, a duplicated fuel
        or alias.
    """
    text = os.fspath(name_or_path)
    if text in FACTOR_SETS:
        path = _files.shipped_file("factors", FACTOR_SETS[text][0])
        name = text
    elif text.lower().endswith(".csv") or os.sep in text or "/" in text:
        path = Path(text)
        name = path.stem
    else:
        raise InventoryError(
            f"unknown factor set {text!r}; shipped sets are {list(FACTOR_SETS)}, or give a CSV "
            "file (docs/inventory.md)"
        )
    frame, lines = _files.read_csv(path, what="factor set")
    _files.require_columns(frame, path, _COLUMNS[:2], _COLUMNS[2:], what="factor set")
    rows = []
    aliases: dict[str, str] = {}
    for k, rec in enumerate(frame.to_dict("records")):
        where = f"factor set {path}, line {lines[k]}"
        fuel = rec["fuel"]
        if not fuel:
            raise InventoryError(f"{where}: empty fuel name")
        kind = rec["kind"].lower()
        if kind not in _KINDS:
            raise InventoryError(
                f"{where}: kind {rec['kind']!r} of fuel {fuel!r} is not one of {list(_KINDS)}"
            )
        out = {"fuel": fuel, "kind": kind, "source": rec.get("source", "")}
        if kind == "combustion":
            out["ncv"] = _files.number(rec.get("ncv", ""), where=where, field="ncv", positive=True)
            unit = rec.get("ncv_unit", "")
            try:
                denominator = _ncv_denominator(unit)
            except UnitError as exc:
                raise InventoryError(f"{where}: ncv_unit of {fuel!r}: {exc}") from None
            if denominator not in ("mass", "volume"):
                raise InventoryError(
                    f"{where}: ncv_unit {unit!r} of {fuel!r} is not energy per mass or per volume"
                )
            out["ncv_unit"] = unit
            out["carbon_content_tC_per_TJ"] = _files.number(
                rec.get("carbon_content_tC_per_TJ", ""),
                where=where,
                field="carbon_content_tC_per_TJ",
                positive=True,
            )
            ox = _files.number(
                rec.get("oxidation", ""), where=where, field="oxidation", positive=True
            )
            if ox > 1:
                raise InventoryError(
                    f"{where}: oxidation of {fuel!r} must be in (0, 1], found {ox}"
                )
            out["oxidation"] = ox
            ef = rec.get("co2_factor_t_per_TJ", "")
            out["co2_factor_t_per_TJ"] = (
                _files.number(ef, where=where, field="co2_factor_t_per_TJ", positive=True)
                if ef
                else float("nan")
            )
            out["emission_factor"] = float("nan")
            out["emission_factor_unit"] = ""
        else:
            out["emission_factor"] = _files.number(
                rec.get("emission_factor", ""), where=where, field="emission_factor", positive=True
            )
            unit = rec.get("emission_factor_unit", "")
            m = _PROCESS_UNIT.match(unit)
            if m is None:
                raise InventoryError(
                    f"{where}: emission_factor_unit {unit!r} of {fuel!r} must read 't CO2/<unit>'"
                )
            try:
                parse_unit(m.group("denominator"))
            except UnitError as exc:
                raise InventoryError(f"{where}: emission_factor_unit of {fuel!r}: {exc}") from None
            out["emission_factor_unit"] = unit
            out.update(
                ncv=float("nan"),
                ncv_unit="",
                carbon_content_tC_per_TJ=float("nan"),
                oxidation=float("nan"),
                co2_factor_t_per_TJ=float("nan"),
            )
        for alias in [fuel, *[a for a in rec.get("aliases", "").split("|") if a.strip()]]:
            key = _files.norm(alias)
            if key in aliases:
                raise InventoryError(
                    f"{where}: name {alias!r} of {fuel!r} is already used by {aliases[key]!r}"
                )
            aliases[key] = fuel
        rows.append(out)
    if not rows:
        raise InventoryError(f"factor set {path}: no rows")
    table = pd.DataFrame(rows).set_index("fuel")[list(_COLUMNS[1:9]) + ["source"]]
    return FactorSet(name=name, path=path, table=table, aliases=aliases)
