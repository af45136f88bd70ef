"""Report writers for the economists' analyses: inequality and Lin/Cui indicators.

Each report writes into ``out_dir`` (created if missing), every file atomically:

* one formatted Excel workbook (:func:`mrio_city.io.excel.write_workbook`: a README sheet, one
  sheet per table with units in the headers, a ``metadata`` sheet from
  :func:`mrio_city.io.provenance.run_metadata` recording the switches);
* the same numbers as long-format CSV files (:func:`mrio_city.io.csvfiles.write_csv`):
  ``city, variable, unit, value`` rows;
* PNG charts.

Both return a dict ``name -> pathlib.Path`` of the files written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from mrio_city.accounts.footprints import Accounts
from mrio_city.io.csvfiles import long_format
from mrio_city.model.errors import LabelMismatchError, TableValidationError
from mrio_city.model.labels import CITY, first_labels
from mrio_city.model.table import BaseTable, ensure_table

__all__ = [
    "per_capita_footprints",
    "inequality_tables",
    "indicator_tables",
    "inequality_report",
    "indicators_report",
    "long_format",
]

#: Unit of the reference levels (global average, US) drawn on charts.
_REFERENCE_UNIT = "t CO2"


def _stressor(accounts: Accounts, stressor: str | None) -> str:
    cols = list(accounts.production_based.columns)
    s = cols[0] if stressor is None else str(stressor)
    if s not in cols:
        raise LabelMismatchError(
            f"stressor {s!r} is not in the accounts of table "
            f"{accounts.table_name!r}; have {first_labels(cols)}"
        )
    return s


def per_capita_footprints(
    table: BaseTable, accounts: Accounts, *, stressor: str | None = None, households: bool = True
) -> pd.DataFrame:
    """Per-capita consumption-based footprint of every city, split into local and imported.

    ``per_capita = CBF / P``, ``local = (Q[r, r] + F_Y^r) / P`` (households' direct emissions
    only when ``households``), ``imported = EEI / P``; so ``local + imported = per_capita``.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
        Must carry a population.
    accounts : Accounts
    stressor : str, optional
        Default: the first stressor.
    households : bool, default=True
        Include households' direct emissions.

    Returns
    -------
    DataFrame of shape (n_cities, 6 or 7)
        Index 'city'; population [persons], consumption_based [stressor unit], per_capita,
        local, imported [stressor unit per person], nonpositive_footprint (bool), and the
        group columns of ``table.city_attributes`` named 'province' when present.

    Raises
    ------
    TableValidationError
        If the table has no population, or a population is zero.
    """
    ensure_table(table)
    s = _stressor(accounts, stressor)
    if table.population is None:
        raise TableValidationError(
            f"table {table.name!r} has no population: per-capita footprints and their "
            "inequality need the resident population of every city"
        )
    pop = pd.Series(np.asarray(table.population, float), index=table.cities.copy())
    zero = pop <= 0
    if zero.any():
        raise TableValidationError(
            f"table {table.name!r}: population is 0 for {int(zero.sum())} city(ies): "
            f"{first_labels(list(pop.index[zero]))}; per-capita footprints are undefined"
        )
    cbf = (
        accounts.consumption_based_with_households if households else accounts.consumption_based
    )[s]
    local = accounts.local[s] + (accounts.households[s] if households else 0.0)
    unit = accounts.units[s]
    df = pd.DataFrame(
        {
            "population": pop,
            "consumption_based": cbf,
            "per_capita": cbf / pop,
            "local": local / pop,
            "imported": accounts.embodied_in_imports[s] / pop,
        }
    )
    df["nonpositive_footprint"] = (cbf <= 0).to_numpy()
    if table.city_attributes is not None and "province" in table.city_attributes.columns:
        df["province"] = table.city_attributes["province"].reindex(df.index).astype(str)
    df.index.name = CITY
    pc = f"{unit} per person"
    df.attrs.update(
        units={
            "population": "persons",
            "consumption_based": unit,
            "per_capita": pc,
            "local": pc,
            "imported": pc,
        },
        stressor=s,
        households=households,
    )
    return df


def _references(unit: str, references: Mapping[str, float] | None) -> dict[str, float]:
    from mrio_city.analyses.inequality import REFERENCE_LEVELS

    if references is not None:
        return {str(k): float(v) for k, v in references.items()}
    if unit != _REFERENCE_UNIT:
        return {}
    names = {"global_2012": "global average 2012", "us_2012": "US 2012"}
    return {names.get(k, k): float(v.value) for k, v in REFERENCE_LEVELS.items()}


def inequality_tables(
    table: BaseTable,
    accounts: Accounts,
    *,
    group: str | None = "province",
    stressor: str | None = None,
    households: bool = True,
    references: Mapping[str, float] | None = None,
) -> dict[str, pd.DataFrame]:
    """Inequality tables of per-capita footprints across cities.

    Parameters
    ----------
    table, accounts
        The table (with population) and its accounts.
    group : str or None, default='province'
        Column of ``table.city_attributes`` to decompose Theil T and L by; None: no
        decomposition.
    stressor : str, optional
    households : bool, default=True
    references : mapping of str to float, optional
        Per-capita reference levels [stressor unit per person]; default: global average and US
        2012 (:data:`mrio_city.analyses.inequality.REFERENCE_LEVELS`) when the unit is t CO2.

    Returns
    -------
    dict of str to DataFrame
        ``summary`` (measure, value, unit), ``per_capita``, ``lorenz``, ``deciles`` and, with a
        group, ``theil_groups`` (one row per group and index).
    """
    from mrio_city.analyses import inequality as ineq

    pc = per_capita_footprints(table, accounts, stressor=stressor, households=households)
    unit = pc.attrs["units"]["per_capita"]
    refs = _references(accounts.units[pc.attrs["stressor"]], references)
    y, w = pc["per_capita"], pc["population"]
    summary = ineq.inequality_summary(y, w, reference_levels=refs)
    summary["unit"] = summary["unit"].replace({ineq.UNIT: unit})
    extra = [("cities_above_" + k, float((y > v).sum()), "cities") for k, v in refs.items()]
    extra.append(("nonpositive_footprints", float(pc["nonpositive_footprint"].sum()), "cities"))
    tables = {"per_capita": pc}
    group_units = {  # columns shared by the Theil group and decile tables
        "n_cities": "cities",
        "population_share": "1",
        "emission_share": "1",
        "mean_per_capita": unit,
    }
    if group is not None:
        attrs = table.city_attributes
        if attrs is None or group not in attrs.columns:
            have = [] if attrs is None else list(attrs.columns)
            raise LabelMismatchError(
                f"table {table.name!r} has no city attribute {group!r} to group cities by; "
                f"city attributes: {first_labels(have) or 'none'} (use group=None; on the "
                "command line --group none)"
            )
        groups = attrs[group].reindex(pc.index).astype(str)
        parts = []
        for kind in ("T", "L"):
            dec = ineq.theil_decomposition(y, w, groups, kind=kind)
            extra += [
                (f"theil_{kind.lower()}_between_{group}", dec.between, "1"),
                (f"theil_{kind.lower()}_within_{group}", dec.within, "1"),
                (
                    f"theil_{kind.lower()}_between_share",
                    dec.between / dec.total if dec.total else float("nan"),
                    "1",
                ),
            ]
            g = dec.groups.copy()
            g.insert(0, "index", f"theil_{kind.lower()}")
            parts.append(g)
        theil = pd.concat(parts)
        theil.index.name = group
        theil.attrs["units"] = {
            **group_units,
            "within_index": "1",
            "between_contribution": "1",
            "within_contribution": "1",
        }
        tables["theil_groups"] = theil
    more = pd.DataFrame(extra, columns=["measure", "value", "unit"]).set_index("measure")
    summary = pd.concat([summary, more])
    summary.attrs = {}
    tables = {"summary": summary, **tables}
    lorenz = ineq.lorenz_curve(y, w)
    lorenz.index.name = "point"
    lorenz.attrs["units"] = {"population_share": "1", "emission_share": "1"}
    tables["lorenz"] = lorenz
    deciles = ineq.decile_table(y, w)
    deciles.attrs["units"] = {**group_units, "min_per_capita": unit, "max_per_capita": unit}
    tables["deciles"] = deciles
    for frame in tables.values():
        frame.attrs["references"] = refs
    return tables


def _readme(title: str, lines: Sequence[str], notes: Sequence[str]) -> str:
    text = [title, ""] + list(lines)
    if notes:
        text += ["", "Notes:"] + [f"- {n}" for n in notes]
    return "\n".join(text)


def inequality_report(
    table: BaseTable,
    accounts: Accounts,
    *,
    group: str | None = "province",
    stressor: str | None = "CO2",
    households: bool = True,
    out_dir: str | os.PathLike[str],
    references: Mapping[str, float] | None = None,
    top: int = 20,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, Path]:
    """Write the inequality report: workbook, long CSV files, Lorenz curve and top-N bar chart.

    Files: ``inequality.xlsx`` (README, summary, per_capita, lorenz, deciles, theil_groups when
    grouped, metadata), ``inequality_summary.csv``, ``per_capita_long.csv``, ``lorenz.csv``,
    ``deciles.csv``, ``theil_groups.csv`` (grouped), ``lorenz.png`` and
    ``top_per_capita.png``.

    Parameters
    ----------
    table, accounts
        The table (with population) and its accounts.
    group : str or None, default='province'
        City attribute for the Theil decomposition; None for none.
    stressor : str or None, default='CO2'
        None, or 'CO2' on a table without a 'CO2' stressor: the first stressor.
    households : bool, default=True
        Include households' direct emissions in the footprints.
    out_dir : str or PathLike
        Output folder (created if missing).
    references : mapping of str to float, optional
        Per-capita reference levels; default global average and US 2012 (t CO2 tables).
    top : int, default=20
        Cities in the bar chart.
    tables : mapping, optional
        Precomputed :func:`inequality_tables` output for the same arguments (avoids
        recomputing them).

    Returns
    -------
    dict of str to pathlib.Path
    """
    from mrio_city.exports.charts import plot_lorenz
    from mrio_city.exports.footprint_charts import plot_top_per_capita
    from mrio_city.io.csvfiles import write_csv
    from mrio_city.io.excel import write_workbook
    from mrio_city.io.provenance import run_metadata

    ensure_table(table)
    if stressor is not None and stressor not in accounts.units and stressor == "CO2":
        stressor = None  # the default: first stressor when a table names it differently
    if tables is None:
        tables = inequality_tables(
            table,
            accounts,
            group=group,
            stressor=stressor,
            households=households,
            references=references,
        )
    tables = dict(tables)
    pc = tables["per_capita"]
    s = pc.attrs["stressor"]
    unit = pc.attrs["units"]["per_capita"]
    refs = pc.attrs["references"]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    notes = []
    if not refs:
        notes.append(f"stressor unit {accounts.units[s]!r} is not t CO2: no reference levels")
    if pc["nonpositive_footprint"].any():
        bad = list(pc.index[pc["nonpositive_footprint"]])
        notes.append(
            f"zero or negative footprint in {len(bad)} city(ies) "
            f"({first_labels(bad)}): kept in Gini, Lorenz and deciles, excluded from "
            "Theil (see n_excluded_from_theil)"
        )
    readme = _readme(
        f"Inequality of per-capita consumption-based footprints across cities ({s}), "
        f"table {table.name!r}",
        [
            f"per capita = consumption-based footprint "
            f"({'incl.' if households else 'excl.'} households' direct emissions) / population "
            f"[{unit}]; local = emitted in the city for its own final demand"
            f"{' + households direct' if households else ''}; imported = embodied in imports",
            "Gini: population-weighted, trapezoids under the Lorenz curve; Theil T = GE(1), "
            "Theil L = GE(0) (mean log deviation), population-weighted (METHODS §6)",
            f"groups for the Theil decomposition: {group or 'none'}",
            "reference levels: "
            + (", ".join(f"{k} = {v:g} {unit}" for k, v in refs.items()) or "none"),
        ],
        notes,
    )
    meta = run_metadata(
        table,
        analysis="inequality",
        stressor=s,
        households=households,
        group=group,
        references=refs,
    )
    paths: dict[str, Path] = {}
    paths["workbook"] = write_workbook(
        out / "inequality.xlsx", tables, metadata=meta, readme=readme
    )
    paths["summary_csv"] = write_csv(out / "inequality_summary.csv", tables["summary"])
    paths["per_capita_csv"] = write_csv(out / "per_capita_long.csv", long_format(pc), index=False)
    paths["lorenz_csv"] = write_csv(out / "lorenz.csv", tables["lorenz"], index=False)
    paths["deciles_csv"] = write_csv(out / "deciles.csv", tables["deciles"])
    if "theil_groups" in tables:
        paths["theil_groups_csv"] = write_csv(out / "theil_groups.csv", tables["theil_groups"])
    paths["lorenz_png"] = _plot_lorenz(
        plot_lorenz,
        tables["lorenz"],
        pc,
        out / "lorenz.png",
        refs=refs,
        unit=unit,
        title=f"Lorenz curve of per-capita {s} footprints, {len(pc)} cities",
    )
    paths["top_per_capita_png"] = plot_top_per_capita(
        pc[["local", "imported"]],
        out / "top_per_capita.png",
        top=top,
        unit=unit,
        references=refs,
        title=f"{min(top, len(pc))} largest per-capita {s} footprints, table {table.name}",
    )
    return paths


def _plot_lorenz(
    plot_lorenz,
    curve: pd.DataFrame,
    pc: pd.DataFrame,
    path: Path,
    *,
    refs: Mapping[str, float],
    unit: str,
    title: str,
) -> Path:
    from mrio_city.analyses.inequality import share_below

    points = {}
    for name, level in refs.items():
        below = share_below(pc["per_capita"], pc["population"], level)
        points[
            f"< {name} ({level:g} t/cap)" if unit.startswith("t CO2") else f"< {name} ({level:g})"
        ] = (below.population_share, below.emission_share)
    return Path(plot_lorenz(curve, path=path, reference_points=points, title=title))


def indicator_tables(
    table: BaseTable,
    accounts: Accounts,
    *,
    boundary_set: Literal["ramaswami4", "trade4"] = "ramaswami4",
    variant: Literal["lincui", "final_demand"] = "lincui",
    households: bool = True,
    stressor: str | None = None,
    energy_sectors: Sequence[str] | str | None = None,
    key_sectors: Sequence[str] | str | None = None,
    tau: float = 0.05,
    progress: bool = False,
) -> dict[str, pd.DataFrame]:
    """Indicator, scope and typology tables of every city (one pass for U).

    Returns
    -------
    dict of str to DataFrame
        ``indicators`` (:func:`mrio_city.analyses.indicators.urban_indicators`), ``scopes``
        (:func:`mrio_city.accounts.scopes.compute_scopes`; left out when
        ``boundary_set='trade4'`` and no energy sector is found), ``typology``
        (:func:`mrio_city.analyses.typology.classify_cities`) and ``type_summary``.
    """
    from mrio_city.accounts.scopes import compute_scopes, energy_sector_labels
    from mrio_city.analyses.indicators import urban_indicators
    from mrio_city.analyses.typology import classify_cities, summarize_types

    ensure_table(table)
    s = _stressor(accounts, stressor)
    ind = urban_indicators(
        table,
        accounts,
        households=households,
        boundary_set=boundary_set,
        variant=variant,
        stressor=s,
        energy_sectors=energy_sectors,
        key_sectors=key_sectors,
        progress=progress,
    )
    notes = list(ind.attrs["notes"])
    out = {"indicators": ind}
    u_col = "embodied_in_imports" if variant == "lincui" else "embodied_in_imports_lincui"
    try:
        energy = energy_sector_labels(table, energy_sectors)
    except LabelMismatchError as exc:
        if boundary_set == "ramaswami4":
            raise
        notes.append(f"scopes left out: {exc}")
    else:
        upstream = pd.DataFrame({s: ind[u_col]})
        out["scopes"] = compute_scopes(
            table,
            accounts,
            stressor=s,
            energy_sectors=energy,
            households=households,
            upstream=upstream,
        )
    classes = classify_cities(table, accounts, stressor=s, households=households, tau=tau)
    notes += classes.attrs["notes"]
    out["typology"] = classes
    out["type_summary"] = summarize_types(classes)
    for frame in out.values():
        frame.attrs["notes"] = notes
    return out


def indicators_report(
    table: BaseTable,
    accounts: Accounts,
    *,
    out_dir: str | os.PathLike[str],
    boundary_set: Literal["ramaswami4", "trade4"] = "ramaswami4",
    variant: Literal["lincui", "final_demand"] = "lincui",
    households: bool = True,
    stressor: str | None = None,
    energy_sectors: Sequence[str] | str | None = None,
    key_sectors: Sequence[str] | str | None = None,
    tau: float = 0.05,
    progress: bool = False,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, Path]:
    """Write the indicators report: workbook, long CSV files and the PBF-vs-CBF chart.

    Files: ``indicators.xlsx`` (README, indicators, scopes, typology, type_summary, metadata),
    ``indicators_long.csv``, ``scopes_long.csv``, ``typology_long.csv``, ``city_types.csv``,
    ``type_summary.csv`` and ``production_vs_consumption.png``.

    Parameters
    ----------
    table, accounts
        The table and its accounts.
    out_dir : str or PathLike
        Output folder (created if missing).
    boundary_set, variant, households, stressor, energy_sectors, key_sectors
        See :func:`mrio_city.analyses.indicators.urban_indicators`.
    tau : float, default=0.05
        Trade-balanced band of :func:`mrio_city.analyses.typology.classify_cities`.
    progress : bool, default=False
    tables : mapping, optional
        Precomputed :func:`indicator_tables` output for the same arguments (the upstream
        solves are the costly part; pass them to avoid repeating them).

    Returns
    -------
    dict of str to pathlib.Path
    """
    from mrio_city.analyses.indicators import INDICATOR_SYMBOLS
    from mrio_city.analyses.typology import AXES
    from mrio_city.exports.footprint_charts import plot_production_vs_consumption
    from mrio_city.io.csvfiles import write_csv
    from mrio_city.io.excel import write_workbook
    from mrio_city.io.provenance import run_metadata

    if tables is None:
        tables = indicator_tables(
            table,
            accounts,
            boundary_set=boundary_set,
            variant=variant,
            households=households,
            stressor=stressor,
            energy_sectors=energy_sectors,
            key_sectors=key_sectors,
            tau=tau,
            progress=progress,
        )
    tables = dict(tables)
    ind = tables["indicators"]
    s = ind.attrs["stressor"]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    symbols = ind.attrs["symbols"]
    lines = [
        f"variant: {variant} (EEI = "
        + (
            "U, upstream outside the city of all its purchases; EEE = DE + EEI - CF_C)"
            if variant == "lincui"
            else "final-demand attribution of the MRIO accounts)"
        ),
        f"boundary set: {boundary_set}; households' direct emissions "
        f"{'included' if households else 'excluded'} in DE and CF_C",
        f"energy-supply sectors (scope 2): {ind.attrs['energy_sectors'] or 'n/a'}",
        f"key infrastructure sectors (B4): {ind.attrs['key_sectors'] or 'n/a'}",
        "columns (symbol, METHODS §2):",
        *[f"  {c}: {v}" for c, v in symbols.items() if v],
        f"typology: production-led if PBF > CBF, trade-balanced if |PBF - CBF|/PBF < {tau:g}; "
        "affluence from GDP per capita in USD (World Bank FY2014 thresholds); structure from "
        "the secondary-industry share vs the median city",
    ]
    readme = _readme(
        f"Urban carbon indicators ({s}), table {table.name!r}", lines, ind.attrs["notes"]
    )
    meta = run_metadata(
        table,
        analysis="indicators",
        stressor=s,
        households=households,
        boundary_set=boundary_set,
        variant=variant,
        energy_sectors=ind.attrs["energy_sectors"],
        key_sectors=ind.attrs["key_sectors"],
        tau=tau,
    )
    paths: dict[str, Path] = {}
    sheets = dict(tables)
    summary = tables["type_summary"].set_index(["axis", "type"])
    summary.attrs = dict(tables["type_summary"].attrs)
    sheets["type_summary"] = summary
    paths["workbook"] = write_workbook(
        out / "indicators.xlsx", sheets, metadata=meta, readme=readme
    )
    paths["indicators_csv"] = write_csv(
        out / "indicators_long.csv",
        long_format(ind, variable="indicator", symbols={**INDICATOR_SYMBOLS, **symbols}),
        index=False,
    )
    if "scopes" in tables:
        paths["scopes_csv"] = write_csv(
            out / "scopes_long.csv", long_format(tables["scopes"], variable="scope"), index=False
        )
    classes = tables["typology"]
    numeric = classes.drop(columns=[c for c in AXES if c in classes.columns])
    numeric.attrs = dict(classes.attrs)
    paths["typology_csv"] = write_csv(out / "typology_long.csv", long_format(numeric), index=False)
    axes = classes[list(AXES)].reset_index().melt(id_vars=CITY, var_name="axis", value_name="type")
    paths["city_types_csv"] = write_csv(out / "city_types.csv", axes, index=False)
    paths["type_summary_csv"] = write_csv(
        out / "type_summary.csv", tables["type_summary"], index=False
    )
    paths["scatter_png"] = plot_production_vs_consumption(
        classes,
        out / "production_vs_consumption.png",
        type_column="trade_type",
        unit=accounts.units[s],
        title=f"PBF vs CBF by city ({s}, "
        f"{'incl.' if households else 'excl.'} households), table {table.name}",
    )
    return paths
