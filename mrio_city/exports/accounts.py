"""City carbon accounts to an Excel workbook and long-format CSV files.

Sheets and files are derived from the account catalogue
(:data:`mrio_city.accounts.catalogue.ACCOUNTS`): adding an account there adds its sheet, its
README line, its column of the ``cities`` sheet and its rows in ``accounts.csv``.  Optional
accounts (the income-based footprint and the enabling matrix) appear when they were computed
(:func:`mrio_city.accounts.catalogue.present`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mrio_city.accounts.catalogue import CITY_ACCOUNTS, AccountSpec, present, unit_of
from mrio_city.exports.csvfiles import write_csv
from mrio_city.exports.workbook import write_results_workbook, write_workbook
from mrio_city.model.labels import CITY, SECTOR, STRESSOR

__all__ = [
    "ACCOUNT_SHEETS",
    "cities_sheet",
    "accounts_sheets",
    "write_accounts_excel",
    "accounts_long_frames",
    "write_accounts_csv",
    "write_accounts",
]

#: Sheet name of each per-city account (derived from the catalogue).
ACCOUNT_SHEETS: dict[str, str] = {a.name: a.sheet for a in CITY_ACCOUNTS}

#: Accounts of the cities sheet shown without a per-capita column (trade, not responsibility).
_NO_PER_CAPITA = frozenset({"embodied_in_exports", "embodied_in_imports"})


def city_columns(accounts) -> list[AccountSpec]:
    """Per-city accounts shown side by side in the cities sheet and the terminal summary.

    Those of the catalogue with a :attr:`~mrio_city.accounts.catalogue.AccountSpec.column`
    header that ``accounts`` holds: PBF, CBF (both incl. households' direct emissions), IBF
    when income-based accounts were computed, EEE, EEI.
    """
    return [a for a in present(accounts, "city") if a.column]


def _scaled_unit(unit: str, values: pd.Series) -> tuple[float, str]:
    """Tonnes shown as Mt when the numbers are large (Mt CO2 with one decimal)."""
    if unit.startswith("t ") and float(values.abs().max() if len(values) else 0.0) >= 1e5:
        return 1e6, "M" + unit
    return 1.0, unit


def cities_sheet(accounts, table=None, *, stressor: str | None = None) -> pd.DataFrame:
    """One row per city: code, name, province, population, GDP, PBF, CBF, [IBF], EEE, EEI, net.

    The account columns follow the catalogue (:func:`city_columns`).  PBF and CBF include
    households' direct emissions, IBF (present when the accounts were computed with
    ``income=True``) excludes them; ``net = PBF - CBF = EEE - EEI`` (> 0: the city emits more
    for others than others emit for it).  Totals in Mt when the stressor unit is tonnes (else in
    that unit); per-capita values (PBF, CBF, IBF) in stressor unit per person.
    ``pinyin`` appears when the table's city attributes carry one.

    Parameters
    ----------
    accounts : Accounts
    table : MRIOTable or StructuredMRIOTable, optional
        Source of population, GDP and city attributes (code, province, pinyin).
    stressor : str, optional
        Default: the first stressor.

    Returns
    -------
    DataFrame
        Index 'city'; units in ``attrs['units']``.
    """
    s = stressor if stressor is not None else accounts.production_based.columns[0]
    unit = accounts.units[s]
    cities = accounts.production_based.index
    out = pd.DataFrame(index=pd.Index(cities, name=CITY))
    units: dict[str, str] = {}
    attrs = None if table is None else table.city_attributes
    if attrs is not None and "city_code" in attrs.columns:
        out["code"] = attrs["city_code"].reindex(cities).to_numpy()
    out["name"] = [str(c) for c in cities]
    for col in ("pinyin", "province"):
        if attrs is not None and col in attrs.columns:
            out[col] = attrs[col].reindex(cities).astype(str).to_numpy()
    pop = None
    if table is not None and table.population is not None:
        pop = pd.Series(np.asarray(table.population, float), index=cities)
        out["population"] = pop.to_numpy()
        units["population"] = "persons"
    if table is not None and table.gdp is not None:
        out["gdp"] = np.asarray(table.gdp, float)
        units["gdp"] = table.meta.money_unit
    scale, sunit = _scaled_unit(unit, accounts.production_based_with_households[s])
    columns = city_columns(accounts)
    for a in columns:
        out[a.column] = getattr(accounts, a.name)[s].to_numpy() / scale
        units[a.column] = sunit
    out["net"] = out["PBF"] - out["CBF"]
    units["net"] = sunit
    if pop is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            for a in columns:
                if a.name in _NO_PER_CAPITA:
                    continue
                col = f"{a.column} per capita"
                out[col] = np.where(
                    pop.to_numpy() > 0, getattr(accounts, a.name)[s].to_numpy() / pop, np.nan
                )
                units[col] = f"{unit} per person"
    out.attrs["units"] = units
    out.attrs["stressor"] = s
    return out


def _descriptions(accounts, table) -> dict[str, str]:
    s = accounts.production_based.columns[0]
    columns = ", ".join(a.column for a in city_columns(accounts))
    desc = {
        "cities": f"one row per city for {s}: {columns} (PBF and CBF incl. households' direct "
        "emissions), net = PBF - CBF (= EEE - EEI), per-capita footprints"
        + ("" if table is not None else " (no table given: no population or GDP)"),
    }
    for a in present(accounts):
        if a.kind == "city":
            desc[a.sheet] = f"{a.title} ({a.abbreviation}): {a.description}; {a.formula}"
        elif a.kind == "city_matrix":
            for st in accounts.units:
                desc[f"{a.sheet} {st}"] = f"{a.title} of {st}: {a.description}; {a.formula}"
        else:
            desc[a.sheet] = f"{a.title}: {a.description}; {a.formula}"
    return desc


def _readme(accounts) -> str:
    lines = [
        f"City carbon accounts of table {accounts.table_name!r} (mrio-city).",
        "Rows are cities, columns stressors unless said otherwise.",
        "Identity: CBF = PBF - EEE + EEI for every city; *_incl_households add "
        "households' direct emissions (pymrio's D_pba_reg / D_cba_reg).",
    ]
    if accounts.income_based is not None:
        lines.append(
            "Income-based (IBF): sum over cities of IBF = sum of PBF (excl. households); "
            "enabling rows sum to IBF, columns to PBF."
        )
    lines.append("Units: " + ", ".join(f"{s} in {u}" for s, u in accounts.units.items()))
    return "\n".join(lines)


def accounts_sheets(accounts, table=None) -> dict[str, pd.DataFrame]:
    """Frames of :func:`write_accounts_excel`, keyed by sheet name, in catalogue order.

    Returns
    -------
    dict of str to DataFrame
        ``cities`` (:func:`cities_sheet`); one frame per per-city account (index city, columns
        stressor); one ``flows <stressor>`` frame per stressor (index producer, columns
        consumer) and, with income-based accounts, one ``enabling <stressor>`` frame (index
        primary-input city, columns emitting city); ``multipliers`` (index (city, sector),
        columns stressor) and ``supply_chain_share`` (index stressor); units in
        ``attrs['units']``.
    """
    money = table.meta.money_unit if table is not None else "money unit"
    sheets: dict[str, pd.DataFrame] = {"cities": cities_sheet(accounts, table)}
    for a in present(accounts):
        if a.kind == "city":
            sheets[a.sheet] = getattr(accounts, a.name)
        elif a.kind == "city_matrix":
            matrix = getattr(accounts, a.name)
            level = matrix.index.get_level_values(0)
            for s in accounts.units:
                q = matrix[level == s].droplevel(0)
                q.attrs = {"units": dict.fromkeys(q.columns, accounts.units[s])}
                sheets[f"{a.sheet} {s}"] = q
        elif a.kind == "node":
            m = accounts.multipliers.T
            m.attrs = {
                "units": {
                    s: unit_of(a.name, stressor_unit=u, money_unit=money)
                    for s, u in accounts.units.items()
                }
            }
            sheets[a.sheet] = m
        else:
            share = accounts.supply_chain_share.to_frame(a.name)
            share.index.name = STRESSOR
            share.attrs = {"units": {a.name: a.unit}}
            sheets[a.sheet] = share
    return sheets


def write_accounts_excel(
    accounts,
    path: str | os.PathLike[str],
    *,
    table=None,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write :class:`mrio_city.accounts.footprints.Accounts` to an Excel workbook.

    Sheets: ``README`` (what each sheet holds); ``cities`` (:func:`cities_sheet`); one per
    account of the catalogue (:data:`ACCOUNT_SHEETS`: rows cities, columns stressors with
    units, e.g. ``'CO2 [t CO2]'``); ``flows <stressor>`` (Q: producer rows, consumer columns);
    ``multipliers`` (rows (city, sector)); ``supply_chain_share`` [1]; ``metadata``.

    Parameters
    ----------
    accounts : Accounts
        Output of :func:`mrio_city.accounts.footprints.compute_accounts`.
    path : str or PathLike
        Destination ``.xlsx`` file (written atomically).
    table : MRIOTable or StructuredMRIOTable, optional
        The table the accounts came from: population, GDP and attributes for the cities sheet;
        name, year, hash and provenance for the metadata.
    metadata : mapping, optional
        Extra metadata (switches of the run); merged over
        :func:`mrio_city.io.provenance.run_metadata`.

    Returns
    -------
    pathlib.Path
    """
    return write_workbook(
        path,
        accounts_sheets(accounts, table),
        metadata=accounts_metadata(accounts, table, metadata),
        readme=_readme(accounts),
        descriptions=_descriptions(accounts, table),
    )


def accounts_metadata(accounts, table=None, metadata: Mapping[str, Any] | None = None) -> dict:
    """Run metadata of an accounts output: versions, table, closure, solver, switches."""
    from mrio_city.io.provenance import run_metadata

    meta: dict[str, Any] = run_metadata(table)
    meta["accounts.table_name"] = accounts.table_name
    meta["accounts.identity_residual"] = float(accounts.identity_residual)
    meta["accounts.solver_method"] = getattr(accounts.solver, "method", None)
    if accounts.income_identity_residual is not None:
        meta["accounts.income_identity_residual"] = float(accounts.income_identity_residual)
    if metadata:
        meta.update(metadata)
    return meta


def accounts_long_frames(accounts) -> dict[str, pd.DataFrame]:
    """The long-format frames of :func:`write_accounts_csv`, keyed by file name.

    Returns
    -------
    dict of str to DataFrame
        ``accounts.csv`` (account, city, stressor, unit, value [stressor unit]),
        ``flows.csv`` (stressor, producer, consumer, unit, value [stressor unit]),
        ``enabling.csv`` with income-based accounts (stressor, primary_input_city,
        emitting_city, unit, value [stressor unit]) and ``multipliers.csv`` (stressor, city,
        sector, unit, value [stressor unit per money unit]).
    """
    frames = {"accounts.csv": accounts.to_long()}
    for a in present(accounts, "city_matrix"):
        matrix = getattr(accounts, a.name)
        rows, cols = matrix.index.names[1], matrix.columns.name
        long = matrix.rename_axis(columns=cols).stack().rename("value").reset_index()
        long.columns = [STRESSOR, rows, cols, "value"]
        long.insert(3, "unit", long[STRESSOR].map(accounts.units))
        frames[f"{a.sheet}.csv"] = long
    m = accounts.multipliers
    munits = m.attrs.get("units", {})
    long = m.rename_axis(index=STRESSOR).T.stack().rename("value").reset_index()
    long.columns = [CITY, SECTOR, STRESSOR, "value"]
    long = long[[STRESSOR, CITY, SECTOR, "value"]].sort_values(STRESSOR, kind="stable")
    long.insert(3, "unit", long[STRESSOR].map(munits))
    frames["multipliers.csv"] = long.reset_index(drop=True)
    return frames


def write_accounts_csv(accounts, folder: str | os.PathLike[str], *, table=None) -> list[Path]:
    """Write accounts as long-format CSV files into ``folder`` (each file atomically).

    Files: ``accounts.csv`` (account, city, stressor, unit, value), ``flows.csv`` (stressor,
    producer, consumer, unit, value: Q[r, s] emitted in producer r for final demand of
    consumer s), ``enabling.csv`` with income-based accounts (stressor, primary_input_city,
    emitting_city, unit, value), ``multipliers.csv`` (stressor, city, sector, unit, value),
    ``supply_chain_share.csv`` (stressor, unit, value) and ``cities.csv`` (the cities sheet,
    units in the headers).

    Parameters
    ----------
    accounts : Accounts
        Output of :func:`mrio_city.accounts.footprints.compute_accounts`.
    folder : str or PathLike
        Output folder; created if missing.
    table : MRIOTable or StructuredMRIOTable, optional
        For population, GDP and attributes of ``cities.csv``.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order above.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = accounts_long_frames(accounts)
    share = accounts.supply_chain_share.rename("value").rename_axis(STRESSOR).reset_index()
    share.insert(1, "unit", "1")
    frames["supply_chain_share.csv"] = share
    paths = [write_csv(folder / name, frame, index=False) for name, frame in frames.items()]
    paths.append(
        write_csv(folder / "cities.csv", cities_sheet(accounts, table), units_in_header=True)
    )
    return paths


def write_accounts(
    accounts, folder: str | os.PathLike[str], *, table=None, metadata=None
) -> list[Path]:
    """Write the whole accounts output: workbook, CSV files and ``metadata.json``.

    Returns
    -------
    list of pathlib.Path
        ``accounts.xlsx``, the files of :func:`write_accounts_csv`, ``metadata.json``.
    """
    folder = Path(folder)
    meta = accounts_metadata(accounts, table, metadata)
    xlsx, sidecar = write_results_workbook(
        folder / "accounts.xlsx",
        accounts_sheets(accounts, table),
        metadata=meta,
        readme=_readme(accounts),
        descriptions=_descriptions(accounts, table),
        whole_folder=True,
    )
    return [xlsx, *write_accounts_csv(accounts, folder, table=table), sidecar]
