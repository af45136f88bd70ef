"""Core subcommands: ``tables``, ``info``, ``footprints`` and ``demo``."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city._resources import shipped
from mrio_city.accounts.footprints import Accounts, compute_accounts
from mrio_city.commands._common import (
    DEFAULT_TABLE,
    add_labels,
    add_out,
    add_quiet,
    add_table,
    city_names,
    progress,
    solver_methods,
)
from mrio_city.commands.groups import (
    add_footprint_options,
    optional_accounts,
    write_extra_accounts,
)
from mrio_city.io.provenance import format_provenance
from mrio_city.model.base_table import BaseTable
from mrio_city.model.names import shown
from mrio_city.solve.solver import factorize


def register(sub: argparse._SubParsersAction) -> None:
    """Add the core subcommands to the CLI."""
    p = sub.add_parser(
        "tables",
        help="list the tables the package knows",
        description="List the table names the package knows (recipes in the tables folders).",
    )
    p.add_argument("--json", action="store_true", help="print JSON (name, description, recipe)")
    p.set_defaults(func=_tables)

    p = sub.add_parser(
        "info",
        help="dimensions, totals, checks and provenance of a table",
        description="Show a table's dimensions, totals, validation checks and provenance.",
    )
    add_table(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_quiet(p)
    p.set_defaults(func=_info)

    p = sub.add_parser(
        "footprints",
        help="per-city PBF, CBF, EEI, EEE and the city-to-city matrix",
        description=(
            "Compute production-based (PBF), consumption-based (CBF), import-embodied (EEI) and "
            "export-embodied (EEE) footprints of every city, the city-to-city embodied-emission "
            "matrix and multipliers; print a summary and write accounts.xlsx and long-format "
            "CSV files to --out."
        ),
    )
    add_table(p)
    add_out(p, "footprints", "accounts.xlsx and CSV files")
    methods = solver_methods()
    p.add_argument(
        "--method",
        default="auto",
        choices=methods,
        help="solver method (default: auto)"
        + (
            ""
            if "umfpack" in methods
            else "; 'umfpack' is offered when scikit-umfpack is installed"
        ),
    )
    p.add_argument("--top", type=int, default=10, help="cities shown in the summary")
    add_labels(p)
    add_quiet(p)
    add_footprint_options(p)
    p.set_defaults(func=_footprints)

    p = sub.add_parser(
        "demo",
        help="the main job on the default table: footprints, inequality, scenario, report",
        description=(
            f"Run the main job on the default table ({DEFAULT_TABLE}): footprints, "
            "inequality summary, the super-emitter scenario, a map and the HTML report; "
            "write them to --out."
        ),
    )
    add_table(p)
    add_out(p, "demo", "results and report.html")
    add_labels(p)
    add_quiet(p)
    p.set_defaults(func=_demo)


def _load(name: str, progress: bool = False) -> BaseTable:
    from mrio_city.io.registry import load_table

    return load_table(name, progress=progress)


def _tables(args: argparse.Namespace) -> int:
    from mrio_city.io.registry import _recipe_files, list_tables, tables_dirs

    listing = list_tables()
    if args.json:
        files = _recipe_files()
        rows = [
            {"name": name, "description": text, "recipe": str(files[name])}
            for name, text in listing.items()
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not listing:
        searched = ", ".join(str(d) for d in tables_dirs())
        print(
            f"no tables found (searched {searched}). Give a table folder as TABLE, or add "
            "folders of .toml recipes to the environment variable MRIO_CITY_TABLES."
        )
        return 0
    width = max(len(name) for name in listing)
    for name, description in listing.items():
        print(f"{name:<{width}}  {description}")
    return 0


def _info(args: argparse.Namespace) -> int:
    table = _load(args.table, progress=progress(args))
    summary = table.summary()
    A_colsum = _max_column_sum(table)
    prov = dict(table.meta.provenance)
    if args.json:
        doc = {
            "name": table.name,
            "description": table.meta.description,
            "summary": summary,
            "max_column_sum_A": A_colsum,
            "provenance": prov,
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False, default=_json_default))
        return 0
    print(f"Table {table.name!r}")
    for key, value in summary.items():
        if isinstance(value, float):
            value = f"{value:,.6g}"
        print(f"  {key:<45} {value}")
    print(f"  {'max column sum of A':<45} {A_colsum:.4f} (productive: < 1)")
    if table.meta.description:
        print(f"Description: {table.meta.description}")
    prov = dict(prov)
    rec = prov.pop("reconciliation", None)
    if prov:
        print("Provenance:")
        print(format_provenance(prov))
    if isinstance(rec, dict) and "national" in rec:
        from mrio_city.sources.regionalize.reconcile import format_reconciliation

        print(format_reconciliation(rec))
    return 0


def _json_default(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _max_column_sum(table: BaseTable) -> float:
    if table.structured:
        return float(table.technology.sum(axis=1).max())
    return float(np.asarray(table.technical_coefficients("sparse").sum(axis=0)).max())


def format_summary(
    table: BaseTable,
    accounts: Accounts,
    *,
    top: int = 10,
    seconds: float | None = None,
    names: dict[str, str] | None = None,
) -> str:
    """Readable summary of a table's accounts for the terminal.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    accounts : Accounts
    top : int, default=10
        Number of cities listed, by consumption-based footprint incl. households.
    seconds : float, optional
        Wall time of factorization plus accounts, shown when given.
    names : dict of str to str, optional
        City label -> name shown (the ``--labels`` style).
    """
    from mrio_city.exports.accounts import city_columns

    s = accounts.production_based.columns[0]
    unit = accounts.units[s]
    big = float(accounts.production_based_with_households[s].abs().max()) >= 1e6
    scale, sunit = (1e6, "Mt") if unit == "t CO2" and big else (1.0, unit)
    ct = accounts.city_table(s) / scale
    lines = [
        f"{table.name}: {table.n_cities} cities x {table.n_sectors} sectors "
        f"({'structured' if table.structured else 'general'}), year {table.meta.year}",
        f"solver: {accounts.solver.method}"
        + (f", {seconds:.2f} s for factorization + accounts" if seconds is not None else "")
        + f"; accounts close to {accounts.identity_residual:.1e} (relative)",
        f"{s} industry {ct['production_based'].sum():,.1f} {sunit}, households "
        f"{ct['households'].sum():,.1f} {sunit}, embodied in exports abroad "
        f"{ct['embodied_in_exports_abroad'].sum():,.1f} {sunit}",
        f"share of emissions embodied in inter-city supply chains: "
        f"{accounts.supply_chain_share[s]:.1%}",
    ]
    if accounts.income_identity_residual is not None:
        lines.append(
            f"income-based accounts (IBF, excl. households): sum IBF = sum PBF to "
            f"{accounts.income_identity_residual:.1e} (relative)"
        )
    cols = {a.name: f"{a.column} [{sunit}]" for a in city_columns(accounts)}
    view = ct[list(cols)].rename(columns=cols)
    if table.population is not None:
        pop = pd.Series(np.asarray(table.population), index=table.cities)
        with np.errstate(divide="ignore", invalid="ignore"):
            view["CBF per capita [t]"] = accounts.consumption_based_with_households[
                s
            ] / pop.replace(0, np.nan)
    view = view.sort_values(f"CBF [{sunit}]", ascending=False).head(top)
    view.index = pd.Index(shown(view.index, names), name="city")
    lines.append(f"top {len(view)} cities by consumption-based footprint (incl. households):")
    lines.append(view.to_string(float_format=lambda v: f"{v:,.2f}"))
    return "\n".join(lines)


def _write_accounts(table: BaseTable, accounts: Accounts, out: Path) -> list[Path]:
    from mrio_city.exports.accounts import write_accounts

    switches = {"solver": accounts.solver.method}  # merged over run_metadata(table) there
    return write_accounts(accounts, out, table=table, metadata=switches)


def _footprints(args: argparse.Namespace) -> int:
    from mrio_city.io.staging import maybe_staged

    with maybe_staged(args.out, command="footprints") as run:  # --out checked before work
        table = _load(args.table, progress=progress(args))
        t0 = time.perf_counter()
        solver = factorize(table, method=args.method)
        accounts = compute_accounts(
            table, solver, progress=progress(args), **optional_accounts(args)
        )
        seconds = time.perf_counter() - t0
        names = city_names(table, args)
        print(format_summary(table, accounts, top=args.top, seconds=seconds, names=names))
        paths = []
        if run is not None:
            paths = _write_accounts(table, accounts, run.path)
            run.record_table(table, source=args.table)
            run.record(
                parameters={
                    "method": args.method,
                    "solver": accounts.solver.method,
                    "accounts": args.accounts,
                }
            )
        # group accounts write into the same staged set
        staged_args = argparse.Namespace(**{**vars(args), "out": run.path if run else None})
        paths += write_extra_accounts(staged_args, table, accounts)
    for path in paths:
        print(f"wrote {run.final(path) if run is not None else path}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from mrio_city.io.staging import staged_output

    with staged_output(args.out, command="demo") as run:
        print(f"== footprints of {args.table} ==")
        table = _load(args.table, progress=progress(args))
        t0 = time.perf_counter()
        accounts = compute_accounts(table, factorize(table), progress=progress(args))
        seconds = time.perf_counter() - t0
        print(format_summary(table, accounts, seconds=seconds, names=city_names(table, args)))
        paths = _write_accounts(table, accounts, run.path / "footprints")
        paths += _demo_inequality(table, accounts, run.path / "inequality", args.labels)
        more, result = _demo_scenario(table, run.path / "scenario", args.labels)
        paths += more
        paths += _demo_map(run.path / "map", args.labels)
        run.record_table(table, source=args.table)
    for path in paths:
        print(f"wrote {run.final(path)}")
    from mrio_city.commands.report import write_report

    path = write_report(
        table, Path(args.out), accounts=accounts, scenario_result=result, labels=args.labels
    )
    print(f"\n== report ==\nwrote {path.resolve()}")
    return 0


def _demo_map(out: Path, labels: str = "zh") -> list[Path]:
    from mrio_city.commands.spatial import demo_map
    from mrio_city.model.errors import DataSourceError, MissingDependencyError

    print("\n== map of real city CO2 per person, 2012 ==")
    try:
        return list(demo_map(out, labels=labels))
    except (MissingDependencyError, DataSourceError) as exc:
        print(f"map skipped: {exc}")
        return []
    except Exception as exc:  # noqa: BLE001 (an optional extra must not stop the demo's report)
        print(f"map skipped: unexpected error {type(exc).__name__}: {exc} (a bug; please report)")
        return []


def _demo_inequality(
    table: BaseTable, accounts: Accounts, out: Path, labels: str = "zh"
) -> list[Path]:
    from mrio_city.analyses.report_tables import inequality_tables
    from mrio_city.commands.analyses import format_inequality_summary
    from mrio_city.exports.reports import inequality_report
    from mrio_city.model.names import city_display_names

    attrs = table.city_attributes
    group = "province" if attrs is not None and "province" in attrs.columns else None
    print(f"\n== footprint inequality across cities (group: {group}) ==")
    tables = inequality_tables(table, accounts, group=group)
    print(format_inequality_summary(tables["summary"], group=group))
    return list(
        inequality_report(
            table,
            accounts,
            group=group,
            out_dir=out,
            tables=tables,
            names=city_display_names(table, labels).to_dict(),
        ).values()
    )


def _demo_scenario(table: BaseTable, out: Path, labels: str = "zh"):
    from mrio_city.commands.scenarios import run_scenario_file

    scenario_file = shipped("scenarios", "super_emitters.toml")
    print(f"\n== super-emitter scenario {scenario_file.name} ==")
    paths: list[Path] = []
    result = run_scenario_file(scenario_file, out, table=table, written=paths, labels=labels)
    return paths, result
