"""Write group accounts and income-based accounts (workbook + CSV), with run metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from mrio_city.exports.csvfiles import write_csv
from mrio_city.exports.workbook import write_workbook
from mrio_city.io.provenance import run_metadata

__all__ = ["write_group_accounts", "write_income_accounts"]


_LABEL_COLUMNS = frozenset({"n_cities", "group", "city"})


def _with_units(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    frame.attrs["units"] = {c: unit for c in frame.columns if c not in _LABEL_COLUMNS}
    return frame


def write_group_accounts(groups, out: Path, *, table=None, **switches: Any) -> list[Path]:
    """Write ``groups-<grouping>.xlsx`` and ``groups-<grouping>.csv`` into ``out``.

    Sheets: ``groups`` (every account summed per group, member counts, between-group embodied
    trade), ``flows`` (group x group embodied-emission matrix), ``supply_chain_share``
    (inter-city vs inter-group share) and ``members`` (the grouping used).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    stressor = next(iter(groups.units))
    unit = groups.units[stressor]
    per_group = _with_units(groups.table(stressor).reset_index(), unit)
    flows = groups.flows.loc[stressor].reset_index()
    flows.attrs["units"] = {c: unit for c in flows.columns[1:]}
    share = groups.supply_chain_share.reset_index()
    share.attrs["units"] = {"between_cities": "1", "between_groups": "1"}
    members = groups.members.reset_index()
    readme = (
        f"Accounts of city groups ({groups.grouping}), summed exactly from the city accounts.\n"
        "groups: each account summed over the group's member cities; imports/exports between "
        "groups count only embodied trade crossing a group boundary.\n"
        "flows: producer group (rows) x consumer group (columns) embodied emissions.\n"
        "supply_chain_share: share of footprints embodied in inter-city and in inter-group "
        "supply chains.\nmembers: the city -> group mapping used"
        + (" (cities in several groups counted in each)." if groups.overlapping else ".")
    )
    meta = run_metadata(table, grouping=groups.grouping, stressor=stressor, **switches)
    name = f"groups-{Path(groups.grouping).stem}"
    sheets = {
        "groups": per_group,
        "flows": flows,
        "supply_chain_share": share,
        "members": members,
    }
    xlsx = write_workbook(out / f"{name}.xlsx", sheets, metadata=meta, readme=readme)
    csv = write_csv(out / f"{name}.csv", per_group, index=False, units_in_header=True)
    return [xlsx, csv]


def write_income_accounts(income, accounts, out: Path, *, table=None) -> list[Path]:
    """Write ``responsibility.xlsx``/``.csv``: production-, consumption- and income-based per city.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    stressor = next(iter(income.units))
    unit = income.units[stressor]
    df = pd.DataFrame(
        {
            "production_based": accounts.production_based[stressor],
            "consumption_based": accounts.consumption_based[stressor],
            "income_based": income.income_based[stressor],
        }
    )
    df.index.name = "city"
    df = _with_units(df.reset_index(), unit)
    df.attrs["units"]["primary_inputs"] = str(
        income.primary_inputs.attrs.get("units", {}).get("primary_inputs", "")
    )
    df["primary_inputs"] = income.primary_inputs.to_numpy()
    enabling = income.enabling.loc[stressor].reset_index()
    enabling.attrs["units"] = {c: unit for c in enabling.columns[1:]}
    readme = (
        "Three responsibility principles per city: production-based (territorial industrial "
        "emissions), consumption-based (emissions driven by the city's final demand) and "
        "income-based (emissions enabled downstream by the city's primary inputs, Ghosh model).\n"
        "enabling: rows = city whose primary inputs enable, columns = city where the emissions "
        "occur; row sums = income_based, column sums = production_based."
    )
    meta = run_metadata(table, stressor=stressor, identity_residual=income.identity_residual)
    sheets = {"responsibility": df, "enabling": enabling}
    xlsx = write_workbook(out / "responsibility.xlsx", sheets, metadata=meta, readme=readme)
    csv = write_csv(out / "responsibility.csv", df, index=False, units_in_header=True)
    return [xlsx, csv]
