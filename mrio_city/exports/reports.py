"""Report writers for the economists' analyses: inequality and Lin/Cui indicators.

Each report writes into ``out_dir`` (created if missing), every file atomically:

* one formatted Excel workbook (:func:`mrio_city.exports.workbook.write_results_workbook`: a
  README sheet explaining every sheet, one sheet per table with units in the headers, a
  ``metadata`` sheet from :func:`mrio_city.io.provenance.run_metadata` recording the switches,
  the same record in ``metadata.json``);
* the same numbers as CSV files (:func:`mrio_city.exports.csvfiles.write_csv`), long format
  ``city, variable, unit, value`` or units in the headers;
* PNG charts.

The numbers come from :mod:`mrio_city.analyses.report_tables`; this module only writes them.
Both return a dict ``name -> pathlib.Path`` of the files written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import pandas as pd

from mrio_city.accounts.footprints import Accounts
from mrio_city.analyses.report_tables import (
    indicator_tables,
    inequality_tables,
    reference_label,
)
from mrio_city.exports.csvfiles import long_format, write_csv
from mrio_city.exports.workbook import write_results_workbook
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.labels import CITY, first_labels

__all__ = ["inequality_report", "indicators_report"]


def _readme(title: str, lines: Sequence[str], notes: Sequence[str]) -> str:
    text = [title, ""] + list(lines)
    if notes:
        text += ["", "Notes:"] + [f"* {n}" for n in notes]
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
    names: Mapping[str, str] | None = None,
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
    names : mapping of str to str, optional
        City label -> name shown in the charts (the ``--labels`` style,
        :func:`mrio_city.model.names.city_display_names`); files keep the table's labels.

    Returns
    -------
    dict of str to pathlib.Path
    """
    from mrio_city.exports.charts import plot_lorenz
    from mrio_city.exports.footprint_charts import plot_top_per_capita
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
    readme = _inequality_readme(table, accounts, pc, group=group, households=households)
    meta = run_metadata(
        table,
        analysis="inequality",
        stressor=s,
        households=households,
        group=group,
        references=refs,
    )
    paths: dict[str, Path] = {}
    paths["workbook"], sidecar = write_results_workbook(
        out / "inequality.xlsx",
        tables,
        metadata=meta,
        readme=readme,
        descriptions=_inequality_descriptions(group),
        whole_folder=True,
    )
    paths.update(_inequality_csvs(out, tables))
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
        references={reference_label(k): v for k, v in refs.items()},
        title=f"{min(top, len(pc))} largest per-capita {s} footprints, table {table.name}",
        names=names,
    )
    paths["metadata_json"] = sidecar
    return paths


def _indicator_text(column: str) -> str:
    from mrio_city.analyses.indicator_catalogue import INDICATORS

    text = {i.name: i.description for i in INDICATORS}
    for suffix in ("_lincui", "_final_demand"):
        if column.endswith(suffix) and column.removesuffix(suffix) in text:
            return f"{text[column.removesuffix(suffix)]} (cross-check, other variant)"
    return text.get(column, "")


def _inequality_descriptions(group: str | None) -> dict[str, str]:
    return {
        "summary": "every inequality measure, one per row, with its unit (shares as fractions)",
        "per_capita": "per-capita footprint of every city, split into local and imported",
        "theil_groups": f"Theil T and L decomposed by {group}: one row per group and index",
        "lorenz": "points of the population-weighted Lorenz curve",
        "deciles": "cities in ten population-weighted deciles of per-capita footprint",
    }


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
        label = reference_label(name)
        points[
            f"< {label} ({level:g} t/cap)" if unit.startswith("t CO2") else f"< {label} ({level:g})"
        ] = (below.population_share, below.emission_share)
    return Path(plot_lorenz(curve, path=path, reference_points=points, title=title))


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
    names: Mapping[str, str] | None = None,
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
    names : mapping of str to str, optional
        City label -> name shown in the chart (the ``--labels`` style); files keep the
        table's labels.

    Returns
    -------
    dict of str to pathlib.Path
    """
    from mrio_city.exports.footprint_charts import plot_production_vs_consumption
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
    readme = _indicators_readme(
        table, ind, boundary_set=boundary_set, variant=variant, households=households, tau=tau
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
    paths["workbook"], sidecar = write_results_workbook(
        out / "indicators.xlsx",
        sheets,
        metadata=meta,
        readme=readme,
        descriptions={
            "indicators": "Lin/Cui footprint boundaries B1-B4, their parts and the indicators "
            "CPI, CCL, BIE, BTI of every city (symbols above)",
            "scopes": "scope 1, 2 and 3 emissions of every city",
            "typology": "the numbers behind the city types and the types themselves",
            "type_summary": "cities, population and emissions of each type on each axis",
        },
        whole_folder=True,
    )
    paths.update(_indicator_csvs(out, tables))
    classes = tables["typology"]
    paths["scatter_png"] = plot_production_vs_consumption(
        classes,
        out / "production_vs_consumption.png",
        type_column="trade_type",
        unit=accounts.units[s],
        title=f"PBF vs CBF by city ({s}, "
        f"{'incl.' if households else 'excl.'} households), table {table.name}",
        names=names,
    )
    paths["metadata_json"] = sidecar
    return paths


def _inequality_readme(table, accounts, pc: pd.DataFrame, *, group, households: bool) -> str:
    """README of the inequality workbook: definitions, groups, reference levels and notes."""
    s = pc.attrs["stressor"]
    unit = pc.attrs["units"]["per_capita"]
    refs = pc.attrs["references"]
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
    return _readme(
        f"Inequality of per-capita consumption-based footprints across cities ({s}), "
        f"table {table.name!r}",
        [
            f"per capita = consumption-based footprint "
            f"({'incl.' if households else 'excl.'} households' direct emissions) / population "
            f"[{unit}]; local = emitted in the city for its own final demand"
            f"{' + households direct' if households else ''}; imported = embodied in imports",
            "Gini: population-weighted, trapezoids under the Lorenz curve; Theil T = GE(1), "
            "Theil L = GE(0) (mean log deviation), population-weighted (docs/methods.md §6)",
            f"groups for the Theil decomposition: {group or 'none'}",
            "reference levels: "
            + (
                ", ".join(f"{reference_label(k)} = {v:g} {unit}" for k, v in refs.items()) or "none"
            ),
        ],
        notes,
    )


def _inequality_csvs(out: Path, tables: Mapping[str, pd.DataFrame]) -> dict[str, Path]:
    """The inequality tables as CSV files (long per-capita file, units in the other headers)."""
    pc = tables["per_capita"]
    paths: dict[str, Path] = {}
    paths["summary_csv"] = write_csv(out / "inequality_summary.csv", tables["summary"])
    paths["per_capita_csv"] = write_csv(out / "per_capita_long.csv", long_format(pc), index=False)
    paths["lorenz_csv"] = write_csv(
        out / "lorenz.csv", tables["lorenz"], index=False, units_in_header=True
    )
    paths["deciles_csv"] = write_csv(out / "deciles.csv", tables["deciles"], units_in_header=True)
    if "theil_groups" in tables:
        paths["theil_groups_csv"] = write_csv(
            out / "theil_groups.csv", tables["theil_groups"], units_in_header=True
        )
    return paths


def _indicators_readme(table, ind: pd.DataFrame, *, boundary_set, variant, households, tau) -> str:
    """README of the indicators workbook: variant, boundaries, sectors, symbols, typology."""
    s = ind.attrs["stressor"]
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
        "columns (symbol, docs/methods.md §2: meaning):",
        *[f"  {c}: {v}: {_indicator_text(c)}" for c, v in symbols.items() if v],
        f"typology: production-led if PBF > CBF, trade-balanced if |PBF - CBF|/PBF < {tau:g}; "
        "affluence from GDP per capita in USD (World Bank FY2014 thresholds); structure from "
        "the secondary-industry share vs the median city",
    ]
    return _readme(
        f"Urban carbon indicators ({s}), table {table.name!r}", lines, ind.attrs["notes"]
    )


def _indicator_csvs(out: Path, tables: Mapping[str, pd.DataFrame]) -> dict[str, Path]:
    """The indicator tables as long CSV files, the city types and the type summary."""
    from mrio_city.analyses.indicator_catalogue import INDICATOR_SYMBOLS
    from mrio_city.analyses.typology import AXES

    ind = tables["indicators"]
    symbols = ind.attrs["symbols"]
    paths: dict[str, Path] = {}
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
    return paths
