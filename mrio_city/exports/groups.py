"""Write group accounts (workbook + CSV), with run metadata.

Income-based accounts are accounts of the catalogue (``compute_accounts(..., income=True)``) and
go to ``accounts.xlsx`` and the long CSV files with the others (:mod:`mrio_city.exports.accounts`);
their group sums and the group x group enabling matrix come here when present.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from mrio_city.exports.csvfiles import write_csv
from mrio_city.exports.workbook import write_results_workbook
from mrio_city.io.provenance import run_metadata

__all__ = ["write_group_accounts"]


_LABEL_COLUMNS = frozenset({"n_cities", "group", "city"})


def _with_units(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    frame.attrs["units"] = {c: unit for c in frame.columns if c not in _LABEL_COLUMNS}
    return frame


def write_group_accounts(groups, out: Path, *, table=None, **switches: Any) -> list[Path]:
    """Write ``groups-<grouping>.xlsx`` and ``groups-<grouping>.csv`` into ``out``.

    Sheets: ``groups`` (every account summed per group, member counts, between-group embodied
    trade), ``flows`` (group x group embodied-emission matrix), ``enabling`` (group x group
    enabled emissions, when the accounts hold income-based accounts), ``supply_chain_share``
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
    )
    sheets = {"groups": per_group, "flows": flows}
    if groups.enabling is not None:
        enabling = groups.enabling.loc[stressor].reset_index()
        enabling.attrs["units"] = {c: unit for c in enabling.columns[1:]}
        sheets["enabling"] = enabling
        readme += (
            "enabling: emissions in the emitting group (columns) enabled by the primary inputs "
            "of the group (rows); row sums = income_based, column sums = production_based.\n"
        )
    readme += (
        "supply_chain_share: share of footprints embodied in inter-city and in inter-group "
        "supply chains.\nmembers: the city -> group mapping used"
        + (" (cities in several groups counted in each)." if groups.overlapping else ".")
    )
    sheets |= {"supply_chain_share": share, "members": members}
    meta = run_metadata(table, grouping=groups.grouping, stressor=stressor, **switches)
    name = f"groups-{Path(groups.grouping).stem}"
    files = write_results_workbook(out / f"{name}.xlsx", sheets, metadata=meta, readme=readme)
    return [*files, write_csv(out / f"{name}.csv", per_group, index=False, units_in_header=True)]
