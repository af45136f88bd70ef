"""Analysis subcommands: ``inequality`` and ``indicators``.

Thin handlers: load the table (:func:`mrio_city.io.registry.load_table`), compute the accounts,
call :mod:`mrio_city.analyses.report_tables` and write through :mod:`mrio_city.exports.reports`
into a staged output folder, print a short summary and return the exit code.
"""

from __future__ import annotations

import argparse

import pandas as pd

from mrio_city.accounts.footprints import Accounts, compute_accounts
from mrio_city.commands._common import (
    add_labels,
    add_out,
    add_quiet,
    add_table,
    city_names,
    print_paths,
    progress,
)
from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import LabelMismatchError
from mrio_city.model.labels import did_you_mean

__all__ = [
    "register",
    "run_inequality",
    "run_indicators",
    "format_inequality_summary",
    "format_indicators_summary",
]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``inequality`` and ``indicators`` subcommands to the CLI."""
    p = sub.add_parser(
        "inequality",
        help="inequality of per-capita footprints: Gini, Theil, Lorenz curve, deciles",
        description=(
            "Inequality of per-capita consumption-based footprints across cities: "
            "population-weighted Gini, Theil T and L (decomposed by a city attribute such as "
            "province), deciles, shares below the global average; writes inequality.xlsx, "
            "long-format CSV files, lorenz.png and top_per_capita.png to --out."
        ),
    )
    add_table(p)
    add_out(p, "inequality")
    p.add_argument(
        "--group",
        default="auto",
        metavar="ATTRIBUTE",
        help="city attribute for the Theil decomposition, or 'none' "
        "(default: 'province' when the table has it)",
    )
    _add_footprint_switches(p, households="the footprints")
    p.set_defaults(func=run_inequality)

    p = sub.add_parser(
        "indicators",
        help="Lin/Cui footprint boundaries, low-carbon indicators, scopes and city types",
        description=(
            "Four footprint boundaries (territorial, community supply chain, consumption, "
            "infrastructure or net transfer), the indicators CPI, CCL, BIE and BTI, scopes "
            "1/2/3 and the city typology (production- vs consumption-led, affluence, "
            "structure); writes indicators.xlsx, long-format CSV files and "
            "production_vs_consumption.png to --out."
        ),
    )
    add_table(p)
    add_out(p, "indicators")
    p.add_argument(
        "--boundary-set",
        default="ramaswami4",
        choices=["ramaswami4", "trade4"],
        help="B4 = infrastructure footprint (ramaswami4, default) or net transfer",
    )
    p.add_argument(
        "--variant",
        default="lincui",
        choices=["lincui", "final_demand"],
        help="EEI/EEE of the indicators: Lin/Cui purchases-based (default) or "
        "final-demand attribution",
    )
    p.add_argument(
        "--energy-sectors",
        nargs="+",
        default=None,
        metavar="SECTOR",
        help="energy-supply sectors for scope 2 (default: labels containing 'Electricity')",
    )
    p.add_argument(
        "--key-sectors",
        nargs="+",
        default=None,
        metavar="SECTOR",
        help="key infrastructure sectors of B4 (default: matched by label)",
    )
    p.add_argument(
        "--tau",
        type=float,
        default=0.05,
        help="trade-balanced band |PBF - CBF| / PBF < tau (default 0.05)",
    )
    _add_footprint_switches(p, households="DE and CF_C")
    p.set_defaults(func=run_indicators)


def _add_footprint_switches(p: argparse.ArgumentParser, *, households: str) -> None:
    """--stressor, --no-households (leaving them out of ``households``), --labels, --quiet."""
    p.add_argument("--stressor", default=None, help="stressor (default: the first, e.g. CO2)")
    p.add_argument(
        "--no-households",
        dest="households",
        action="store_false",
        help=f"leave households' direct emissions out of {households}",
    )
    add_labels(p)
    add_quiet(p)


def _load(args: argparse.Namespace) -> tuple[BaseTable, Accounts]:
    from mrio_city.io.registry import load_table

    show = progress(args)
    table = load_table(args.table, progress=show)
    return table, compute_accounts(table, progress=show)


def format_inequality_summary(summary: pd.DataFrame, *, group: str | None = None) -> str:
    """A few readable lines from the ``summary`` table of the inequality report.

    Parameters
    ----------
    summary : DataFrame
        Index 'measure', columns value and unit.
    group : str, optional
        Name of the decomposition group, when one was used.
    """
    from mrio_city.analyses.report_tables import reference_label

    v = summary["value"]
    unit = summary.loc["mean_per_capita", "unit"]
    lines = [
        f"{int(v['n_cities'])} cities, {v['population']:,.0f} persons; mean footprint "
        f"{v['mean_per_capita']:.2f} {unit}",
        f"Gini {v['gini']:.3f} (unweighted {v['gini_unweighted']:.3f}); Theil T "
        f"{v['theil_t']:.3f}; Theil L {v['theil_l']:.3f}; top 10% of people emit "
        f"{v['top10_share']:.1%}",
    ]
    if group is not None and f"theil_t_between_{group}" in v.index:
        lines.append(
            f"Theil T between {group}s {v[f'theil_t_between_{group}']:.3f} "
            f"({v['theil_t_between_share']:.0%} of the total), within "
            f"{v[f'theil_t_within_{group}']:.3f}"
        )
    for key in v.index:
        if key.startswith("cities_below_"):
            name = key[len("cities_below_") :]
            lines.append(
                f"below {reference_label(name)}: {v[key]:.0%} of cities, "
                f"{v['population_below_' + name]:.0%} of people; above it: "
                f"{int(v.get('cities_above_' + name, float('nan')))} cities"
            )
    if v.get("nonpositive_footprints", 0) > 0:
        lines.append(
            f"warning: {int(v['nonpositive_footprints'])} city(ies) with zero or "
            "negative footprint (excluded from Theil only)"
        )
    return "\n".join(lines)


def run_inequality(args: argparse.Namespace) -> int:
    """Handler of ``mrio-city inequality``."""
    from mrio_city.io.staging import staged_output

    with staged_output(args.out, command="inequality") as run:  # --out checked before work
        paths, summary, group, table = _inequality_in(args, run)
    print(
        f"Footprint inequality, table {table.name!r} "
        f"({'incl.' if getattr(args, 'households', True) else 'excl.'} households' direct "
        "emissions)"
    )
    print(format_inequality_summary(summary, group=group))
    print_paths({k: run.final(p) for k, p in paths.items()})
    return 0


def _inequality_in(args: argparse.Namespace, run):
    from mrio_city.analyses.report_tables import inequality_tables
    from mrio_city.exports.reports import inequality_report

    table, accounts = _load(args)
    group = args.group
    attrs = table.city_attributes
    have = [] if attrs is None else [str(c) for c in attrs.columns]
    if group == "auto":
        group = "province" if "province" in have else None
    elif str(group).lower() == "none":
        group = None
    elif group not in have:
        raise LabelMismatchError(
            f"--group {group!r}: table {table.name!r} has no such city attribute"
            f"{did_you_mean(group, have)} (attributes: {', '.join(have) or 'none'}; "
            "--group none for no grouping)"
        )
    households = getattr(args, "households", True)
    stressor = getattr(args, "stressor", None)
    tables = inequality_tables(
        table, accounts, group=group, stressor=stressor, households=households
    )
    paths = inequality_report(
        table,
        accounts,
        group=group,
        stressor=stressor,
        households=households,
        out_dir=run.path,
        tables=tables,
        names=city_names(table, args),
    )
    run.record_table(table, source=args.table)
    run.record(parameters={"group": group, "stressor": stressor, "households": households})
    return paths, tables["summary"], group, table


def format_indicators_summary(tables: dict[str, pd.DataFrame]) -> str:
    """A few readable lines from :func:`mrio_city.analyses.report_tables.indicator_tables`."""
    ind, classes = tables["indicators"], tables["typology"]
    unit = ind.attrs["units"]["territorial"]
    lines = []
    totals = []
    for col, label in (
        ("territorial", "CF_T"),
        ("community_supply_chain", "CF_P"),
        ("consumption_based", "CF_C"),
        ("infrastructure_supply_chain", "CF_I"),
    ):
        if col in ind.columns:
            totals.append(f"{label} {ind[col].sum():,.4g}")
    lines.append(f"sum over cities [{unit}]: " + ", ".join(totals))
    bti = ind["trade_intensity_balance"]
    lines.append(
        f"BTI > 0 (imports more carbon-intensive than exports) in "
        f"{int((bti > 0).sum())} of {len(bti)} cities; median BTI {bti.median():.4g} "
        f"{ind.attrs['units']['trade_intensity_balance']}"
    )
    for axis in ("trade_type", "affluence", "structure"):
        counts = classes[axis].value_counts()
        if list(counts.index) == ["unknown"]:
            continue
        lines.append(f"{axis}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    flagged = int(ind["nonpositive_footprint"].sum())
    if flagged:
        lines.append(
            f"warning: {flagged} city(ies) with a zero or negative footprint boundary "
            "(column nonpositive_footprint)"
        )
    return "\n".join(lines)


def run_indicators(args: argparse.Namespace) -> int:
    """Handler of ``mrio-city indicators``."""
    from mrio_city.io.staging import staged_output

    with staged_output(args.out, command="indicators") as run:  # --out checked before work
        paths, tables, table, options = _indicators_in(args, run)
    print(
        f"Urban carbon indicators, table {table.name!r} ({options['boundary_set']}, "
        f"{options['variant']})"
    )
    print(format_indicators_summary(tables))
    print_paths({k: run.final(p) for k, p in paths.items()})
    return 0


def _indicators_in(args: argparse.Namespace, run):
    from mrio_city.analyses.report_tables import indicator_tables
    from mrio_city.exports.reports import indicators_report

    table, accounts = _load(args)
    options = dict(
        boundary_set=getattr(args, "boundary_set", "ramaswami4"),
        variant=getattr(args, "variant", "lincui"),
        households=getattr(args, "households", True),
        stressor=getattr(args, "stressor", None),
        energy_sectors=getattr(args, "energy_sectors", None),
        key_sectors=getattr(args, "key_sectors", None),
        tau=getattr(args, "tau", 0.05),
    )
    tables = indicator_tables(
        table, accounts, progress=bool(getattr(args, "progress", False)), **options
    )
    paths = indicators_report(
        table, accounts, out_dir=run.path, tables=tables, names=city_names(table, args), **options
    )
    run.record_table(table, source=args.table)
    run.record(parameters=options)
    return paths, tables, table, options
