"""Scenario subcommands: ``run`` (one scenario file) and ``sweep`` (a parameter grid)."""

from __future__ import annotations

import argparse
import os
import time
import tomllib
from pathlib import Path
from typing import Any

from mrio_city.commands._common import add_data, add_labels, add_out, add_quiet, add_table
from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import ScenarioSpecError
from mrio_city.scenarios import Baseline, Scenario, ScenarioResult, run_scenario, sweep
from mrio_city.scenarios.catalogue import LEVERS

__all__ = [
    "register",
    "run_scenario_file",
    "write_scenario_outputs",
    "parse_values",
    "compare_paper",
    "format_comparison",
]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` and ``sweep`` subcommands to the CLI."""
    p = sub.add_parser(
        "run",
        help="run a super-emitter scenario file (TOML)",
        description=(
            "Evaluate a scenario file (see docs/scenarios.md): select super-emitter cities, "
            "apply their pathways' levers, re-solve through the MRIO, report the quota created "
            "and its reallocation.  Writes scenario.xlsx, CSV files, PNG charts and "
            "summary.json/summary.txt to --out."
        ),
    )
    p.epilog = "lever types (docs/scenarios.md): " + "; ".join(
        f"{k.name} = {k.title}" for k in LEVERS.values()
    )
    p.add_argument("file", metavar="FILE", help="scenario file, e.g. scenarios/super_emitters.toml")
    add_out(p, "run")
    p.add_argument(
        "--table",
        metavar="NAME",
        help="table folder or name (default: the scenario's scenario.table)",
    )
    add_data(p)
    add_labels(p)
    add_quiet(p)
    p.set_defaults(func=_run)

    p = sub.add_parser(
        "sweep",
        help="evaluate a scenario over a grid of parameter values (Dask)",
        description=(
            "Evaluate a scenario file at every combination of parameter values, in this "
            "process or on a local Dask cluster (chosen from the measured cost by default), "
            "or on a running Dask scheduler (--scheduler ADDRESS).  Writes sweep.csv (long "
            "format), "
            "sweep_wide.csv, sweep.xlsx and sweep.png to --out."
        ),
    )
    p.add_argument("file", metavar="FILE", help="scenario file")
    p.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="KEY.PATH",
        help="dotted key path, e.g. super_emitter.threshold or "
        "pathways.industrial.levers[0].cut (repeat for a grid)",
    )
    p.add_argument(
        "--values",
        action="append",
        required=True,
        metavar="V1,V2,...",
        help="comma-separated values for the matching --param",
    )
    add_out(p, "sweep")
    p.add_argument("--table", metavar="NAME", help="table folder or name")
    add_data(p)
    p.add_argument(
        "--scheduler",
        default="auto",
        metavar="ADDRESS",
        help="'auto' (default: in process or a local cluster, from measured cost), 'local', "
        "a scheduler address, or 'inprocess'",
    )
    p.add_argument("--workers", type=int, default=2, help="local cluster workers (default 2)")
    add_quiet(p)
    p.set_defaults(func=_sweep)

    p = sub.add_parser(
        "compare-paper",
        help="each headline of the super-emitter study beside ours",
        description=(
            "Run the shipped super-emitter scenario (or --scenario FILE) on TABLE and list each "
            "headline of Zheng et al. 2023 (Sci. Bull. 68:2456): published value, ours, the "
            "definition used and a note on the gap.  Writes paper_comparison.csv and .xlsx "
            "to --out."
        ),
    )
    add_table(p)
    p.add_argument("--scenario", metavar="FILE", help="scenario file (default: the shipped one)")
    add_out(p, "compare-paper", "paper_comparison.csv and .xlsx")
    add_quiet(p)
    p.set_defaults(func=_compare_paper)


def parse_values(text: str, *, param: str = "") -> list[Any]:
    """Parse ``'10,15,20'`` (or ``'true,false'``, ``'a,b'``) into TOML-typed values."""
    out: list[Any] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise ScenarioSpecError(f"--values for {param}: empty value in {text!r}")
        try:
            out.append(tomllib.loads(f"v = {part}")["v"])
        except tomllib.TOMLDecodeError:
            out.append(part)
    return out


def _load_table(
    name: str | None,
    scenario: Scenario,
    progress: bool,
    path: str | os.PathLike[str] | None = None,
) -> BaseTable:
    """The table named by --table, else by the file's scenario.table, else the default.

    A table named inside the scenario file is data from the file: a registered name or a path
    inside the file's folder (:func:`mrio_city.io.registry.table_reference`); ``--table`` is
    the user's own choice.
    """
    from mrio_city.commands._common import DEFAULT_TABLE
    from mrio_city.io.registry import load_table, table_reference

    if name:
        return load_table(name, progress=progress)
    if scenario.table and path is not None:
        ref = table_reference(
            scenario.table, root=Path(path).parent, source=f"{path}: scenario.table"
        )
        return load_table(ref, progress=progress)
    return load_table(scenario.table or DEFAULT_TABLE, progress=progress)


def write_scenario_outputs(
    result: ScenarioResult,
    table: BaseTable,
    out: Path,
    *,
    baseline: Baseline | None = None,
    labels: str = "zh",
) -> list[Path]:
    """Write the outputs of a scenario result (:func:`mrio_city.exports.scenario`).

    ``labels`` ('zh', 'pinyin' or 'code') is how the charts show city names.
    """
    from mrio_city.exports.scenario import write_scenario_outputs as write
    from mrio_city.model.names import city_display_names

    names = city_display_names(table, labels).to_dict()
    return write(result, table, out, baseline=baseline, names=names)


def run_scenario_file(
    path: str | Path,
    out: str | Path,
    *,
    table: BaseTable | None = None,
    table_name: str | None = None,
    progress: bool = True,
    written: list[Path] | None = None,
    labels: str = "zh",
) -> ScenarioResult:
    """Run a scenario file, print its summary and write all outputs to ``out``.

    Parameters
    ----------
    path : str or Path
        Scenario file (TOML).
    out : str or Path
        Output folder: checked before any work, filled through a staging folder and
        committed with a manifest (:mod:`mrio_city.io.staging`).
    table : MRIOTable or StructuredMRIOTable, optional
        Use this table (else ``table_name``, else the file's ``scenario.table``).
    table_name : str, optional
        Table folder or registry name overriding the file.
    progress : bool, default=True
    written : list, optional
        When given, ``out`` is written directly (it is inside a caller's staging folder) and
        the paths written are appended to this list instead of printed.
    labels : {'zh', 'pinyin', 'code'}, default='zh'
        How the charts show city names (:func:`mrio_city.model.names.city_display_names`).

    Returns
    -------
    ScenarioResult
    """
    from mrio_city.io.staging import maybe_staged

    with maybe_staged(None if written is not None else out, command="run") as run:
        scenario = Scenario.from_file(path)  # structure errors before loading anything
        if table is None:
            table = _load_table(table_name, scenario, progress, path)
        scenario.validate(table)
        t0 = time.perf_counter()
        baseline = Baseline(table, progress=progress)
        print(
            f"baseline: {table.name} factorized ({baseline.solver.method}) and accounted in "
            f"{time.perf_counter() - t0:.2f} s"
        )
        result = run_scenario(scenario, baseline=baseline, progress=progress)
        print(result.summary_text())
        paths = write_scenario_outputs(
            result, table, run.path if run else Path(out), baseline=baseline, labels=labels
        )
        if run is not None:
            run.record_table(table, source=table_name or scenario.table)
            run.record(inputs={"scenario_file": str(path)})
    if written is not None:
        written.extend(paths)
    else:
        for p in paths:
            print(f"wrote {run.final(p)}")
    return result


def _run(args: argparse.Namespace) -> int:
    run_scenario_file(
        args.file, args.out, table_name=args.table, progress=not args.quiet, labels=args.labels
    )
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from mrio_city.io.staging import staged_output

    if len(args.param) != len(args.values):
        raise ScenarioSpecError(
            f"sweep: give one --values per --param (got {len(args.param)} "
            f"--param and {len(args.values)} --values)"
        )
    grid = {p: parse_values(v, param=p) for p, v in zip(args.param, args.values)}
    with staged_output(args.out, command="sweep") as run:  # --out checked before work
        paths = _sweep_in(args, grid, run)
    for p in paths:
        print(f"wrote {run.final(p)}")
    return 0


def _sweep_in(args: argparse.Namespace, grid: dict[str, list[Any]], run) -> list[Path]:
    from mrio_city.exports.scenario import write_sweep_outputs

    scenario = Scenario.from_file(args.file)
    table = _load_table(args.table, scenario, not args.quiet, args.file)
    scheduler = None if args.scheduler == "inprocess" else args.scheduler
    t0 = time.perf_counter()
    res = sweep(
        scenario,
        grid,
        table,
        scheduler=scheduler,
        n_workers=args.workers,
        progress=not args.quiet,
    )
    seconds = time.perf_counter() - t0
    wide = res.wide()
    cols = [
        c
        for c in ("quota", "super_emitters", "share_of_budget", "population_share_reaching")
        if c in wide.columns
    ]
    print(
        f"sweep of {scenario.name!r}: {len(res.points)} points on {res.scheduler} in "
        f"{seconds:.1f} s ({res.decision})"
    )
    view = wide[[*res.points.columns, *cols]].copy()
    if "quota" in view:
        view["quota"] = view["quota"] / 1e9
        view = view.rename(columns={"quota": "quota [Gt]"})
    print(view.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    if table is not None:
        run.record_table(table, source=args.table)
    run.record(inputs={"scenario_file": str(args.file)}, parameters={"grid": grid})
    return write_sweep_outputs(res, table, run.path, scenario=scenario, grid=grid)


def compare_paper(
    table: BaseTable, scenario_file: str | Path | None = None, *, progress: bool = False
):
    """The paper comparison of a table (shipped scenario unless ``scenario_file``).

    Returns
    -------
    (DataFrame, ScenarioResult)
    """
    from mrio_city._resources import shipped
    from mrio_city.scenarios.paper import compare_with_paper

    path = scenario_file or shipped("scenarios", "super_emitters.toml")
    scenario = Scenario.from_file(path, table=table)
    baseline = Baseline(table, progress=progress)
    result = run_scenario(scenario, baseline=baseline, progress=progress)
    return compare_with_paper(baseline, result), result


def format_comparison(df) -> str:
    """The comparison as aligned text (numbers only; definitions in the files)."""
    lines = [f"{'headline':<64} {'published':>10} {'ours':>10}  unit"]
    for name, row in df.iterrows():
        pub, ours = row["published"], row["ours"]
        fmt = "{:.1%}" if row["unit"] == "1" else "{:,.3g}"
        lines.append(
            f"{name:<64} {fmt.format(pub):>10} {fmt.format(ours):>10}  "
            f"{'' if row['unit'] == '1' else row['unit']}"
        )
    return "\n".join(lines)


def _compare_paper(args: argparse.Namespace) -> int:
    from mrio_city.io.registry import load_table
    from mrio_city.io.staging import check_output_dir, staged_output

    check_output_dir(args.out)  # before the work
    table = load_table(args.table, progress=not args.quiet)
    df, result = compare_paper(table, args.scenario, progress=not args.quiet)
    print(f"Zheng et al. 2023 headlines against {table.name} ({result.rule}):")
    print(format_comparison(df))
    from mrio_city.exports.scenario import write_paper_comparison

    with staged_output(args.out, command="compare-paper") as run:
        paths = write_paper_comparison(df, table, result, run.path)
        run.record_table(table, source=args.table)
    for p in paths:
        print(f"wrote {run.final(p)}")
    return 0
