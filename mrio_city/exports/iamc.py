"""Scenario results in the IAMC long format (model, scenario, region, variable, unit, year).

Integrated-assessment modellers exchange scenarios in this format (pyam reads it as is:
``pyam.IamDataFrame("scenario_iamc.csv")``).  One scenario result gives:

* per city (region = city name) and for all cities together (region ``'All cities'``):
  ``Emissions|CO2|Consumption-based``, ``Emissions|CO2|Production-based`` [Mt CO2/yr] in the
  base year (the table's year: the baseline) and in the target year (the scenario), and
  ``Population`` [million];
* for all cities: ``Emissions|CO2|Avoided`` (the quota) and ``Emissions|CO2|Avoided|<lever>``
  [Mt CO2/yr], ``Population|Reaching upper-middle income`` [million] in the target year.

Written atomically as CSV and xlsx (sheet ``data``), the layout pyam writes itself.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from mrio_city._version import __version__

__all__ = ["IAMC_COLUMNS", "ALL_CITIES", "scenario_to_iamc", "write_iamc"]

IAMC_COLUMNS = ["model", "scenario", "region", "variable", "unit", "year", "value"]
#: Region name of the sum over the table's cities.
ALL_CITIES = "All cities"


def _stressor_unit(result) -> tuple[float, str]:
    if result.unit.strip() in ("t", "t CO2", "tCO2", "t CO2e"):
        return 1e-6, f"Mt {result.stressor}/yr"
    return 1.0, f"{result.unit}/yr"


def scenario_to_iamc(result, *, base_year: int | None = None) -> pd.DataFrame:
    """A scenario result as an IAMC long table.

    Parameters
    ----------
    result : ScenarioResult
    base_year : int, optional
        Year of the baseline values (default: the table's year from the scenario, else 2012).

    Returns
    -------
    DataFrame
        Columns :data:`IAMC_COLUMNS`; values in the units of the ``unit`` column.
    """
    scale, unit = _stressor_unit(result)
    s = result.stressor
    c = result.cities
    y0 = int(base_year or result.extras.get("base_year") or 2012)
    y1 = int(result.target_year)
    rows = []

    def add(region, variable, u, year, value):
        rows.append((region, variable, u, year, float(value)))

    for region, r in c.iterrows():
        for year, tag in ((y0, "baseline"), (y1, "scenario")):
            add(
                region,
                f"Emissions|{s}|Consumption-based",
                unit,
                year,
                r[f"consumption_based_{tag}"] * scale,
            )
            add(
                region,
                f"Emissions|{s}|Production-based",
                unit,
                year,
                r[f"production_based_{tag}"] * scale,
            )
        add(region, "Population", "million", y0, r["population"] / 1e6)
    for year, tag in ((y0, "baseline"), (y1, "scenario")):
        add(
            ALL_CITIES,
            f"Emissions|{s}|Consumption-based",
            unit,
            year,
            c[f"consumption_based_{tag}"].sum() * scale,
        )
        add(
            ALL_CITIES,
            f"Emissions|{s}|Production-based",
            unit,
            year,
            c[f"production_based_{tag}"].sum() * scale,
        )
    add(ALL_CITIES, "Population", "million", y0, c["population"].sum() / 1e6)
    add(ALL_CITIES, f"Emissions|{s}|Avoided", unit, y1, result.quota * scale)
    for label, row in result.quota_by_lever.iterrows():
        name = str(label).replace("|", "/")
        add(ALL_CITIES, f"Emissions|{s}|Avoided|{name}", unit, y1, row["quota"] * scale)
    add(
        ALL_CITIES,
        "Population|Reaching upper-middle income",
        "million",
        y1,
        result.reallocation_totals["population_reaching"] / 1e6,
    )
    df = pd.DataFrame(rows, columns=["region", "variable", "unit", "year", "value"])
    df.insert(0, "scenario", result.scenario.name)
    df.insert(0, "model", f"mrio-city {__version__}")
    return df[IAMC_COLUMNS]


def write_iamc(result, folder: str | os.PathLike[str], *, stem: str = "scenario_iamc"):
    """Write :func:`scenario_to_iamc` as ``<stem>.csv`` and ``<stem>.xlsx`` (atomically).

    Returns
    -------
    list of Path
    """
    from mrio_city.exports.csvfiles import write_csv
    from mrio_city.io.atomic import atomic_path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    df = scenario_to_iamc(result)
    out = []
    out.append(write_csv(folder / f"{stem}.csv", df, index=False))
    from mrio_city.io.xlsx import escape_cell_text

    safe = df.copy()  # text cells never become formulas (issue 14): region names are labels
    for col in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[col]):
            safe[col] = safe[col].map(lambda v: escape_cell_text(v) if isinstance(v, str) else v)
    with atomic_path(folder / f"{stem}.xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            safe.to_excel(xl, sheet_name="data", index=False)
    out.append(folder / f"{stem}.xlsx")
    return out
