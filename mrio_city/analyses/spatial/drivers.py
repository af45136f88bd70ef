"""Per-city outcomes and drivers for the spatial analyses, from a table and its accounts.

Outcome columns (CO2 of the table's first stressor unless chosen):
``production_based`` and ``consumption_based`` (households' direct emissions included)
[t CO2], ``cbf_per_capita`` [t CO2 per person].
Drivers, where the table carries them: ``gdp_per_capita`` [the table's money unit per person],
``population_density`` [persons per km^2] (census-based population of the table over the
equal-area polygon area), ``secondary_share`` and ``tertiary_share`` [1] and
``resource_based`` [0/1] from the city attributes; ``sink_share`` [1] is added by the caller
when land-use data are given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["city_frame"]


def city_frame(table, accounts, *, stressor: str | None = None) -> pd.DataFrame:
    """Outcomes and available drivers of every city of a table (index: city label).

    Parameters
    ----------
    table : BaseTable
        The table (population, GDP and city attributes are read from it).
    accounts : Accounts
        Its accounts (:func:`mrio_city.accounts.footprints.compute_accounts`).
    stressor : str, optional
        Stressor of the outcomes; default the first.

    Returns
    -------
    DataFrame
        Columns as described in the module docstring; units in ``attrs['units']``.
    """
    acc = accounts.city_table(stressor)
    unit = acc.attrs["units"]["consumption_based"]
    pop = pd.Series(np.asarray(table.population, dtype=float), index=acc.index)
    out = pd.DataFrame(
        {
            "production_based": acc["production_based_with_households"],
            "consumption_based": acc["consumption_based_with_households"],
        }
    )
    out["population"] = pop
    out["cbf_per_capita"] = out["consumption_based"] / pop.where(pop > 0)
    units = {
        "production_based": unit,
        "consumption_based": unit,
        "population": "persons",
        "cbf_per_capita": f"{unit} per person",
    }
    gdp = getattr(table, "gdp", None)
    if gdp is not None:
        out["gdp_per_capita"] = np.asarray(gdp, dtype=float) / pop.where(pop > 0)
        meta = getattr(table, "meta", None)
        units["gdp_per_capita"] = f"{getattr(meta, 'money_unit', 'money unit')} per person"
    attrs = table.city_attributes
    if attrs is not None:
        attrs = attrs.reindex(acc.index)
        for column in ("secondary_share", "tertiary_share", "city_code"):
            if column in attrs.columns:
                out[column] = attrs[column]
                units[column] = "1" if column.endswith("share") else ""
        if "resource_based_type" in attrs.columns:
            kind = attrs["resource_based_type"].fillna("").astype(str).str.strip()
            out["resource_based"] = (kind != "").astype(float)
            units["resource_based"] = "0/1"
    out.attrs["units"] = units
    return out
