"""``mrio-city montecarlo SCENARIO --draws N``: intervals on every city's footprint."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city.commands._common import add_data, add_labels, add_out, add_quiet, city_names

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``montecarlo`` subcommand."""
    p = sub.add_parser(
        "montecarlo",
        help="Monte Carlo intervals of every city's footprint and super-emitter probabilities",
        description=(
            "Draw emission intensities, final demand (and, when asked, technology and trade "
            "shares) and report the median and 5-95 %% interval of PBF, CBF, EEI and EEE per "
            "city, the inter-city share, and the probability that each city is a super-emitter "
            "under the scenario's rule.  Draws already written to --out are kept (resume)."
        ),
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (its table and rule)")
    p.add_argument("--draws", type=int, default=1000, help="number of draws (default 1000)")
    p.add_argument("--uncertainty", metavar="FILE", help="TOML file with an [uncertainty] table")
    p.add_argument("--table", metavar="NAME", help="table overriding the scenario file's")
    add_data(p)
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler (A-changing draws)")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    p.add_argument(
        "--scenario-draws",
        type=int,
        default=None,
        metavar="M",
        help="evaluate the scenario (quota, people lifted) on the first M draws "
        "(default: all draws, at most 100; 0 = off; about 3 s a draw at 309 x 42)",
    )
    p.add_argument(
        "--sobol",
        type=int,
        default=0,
        metavar="N",
        help="Sobol indices of the quota and the inter-city share with base sample N "
        "(a power of 2; N x (k + 2) scenario runs; default 0 = off)",
    )
    add_out(p, "montecarlo", "draws, intervals and charts (kept draws are resumed)")
    add_labels(p)
    add_quiet(p)
    p.set_defaults(func=_montecarlo)


def _spec(path: str | None):
    from mrio_city.analyses.uncertainty.draws import UncertaintySpec
    from mrio_city.model.errors import ScenarioSpecError

    if path is None:
        return UncertaintySpec()
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"uncertainty file {str(p)!r} does not exist")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioSpecError(f"{p.name}: invalid TOML: {exc}") from None
    if set(data) - {"uncertainty"}:
        raise ScenarioSpecError(f"{p.name}: only an [uncertainty] table is expected")
    return UncertaintySpec.from_mapping(data.get("uncertainty", {}), source=p.name)


def super_emitter_probability(draws: pd.DataFrame, table, rule) -> tuple[pd.DataFrame, pd.Series]:
    """Per-capita intervals and the share of draws in which each city is a super-emitter."""
    from mrio_city.scenarios.selection import select_super_emitters

    pop = pd.Series(table.population, index=table.cities)
    wide = draws.pivot(index="draw", columns="city", values="value")[list(table.cities)]
    counts = pd.Series(0, index=table.cities, dtype=float)
    for _, row in wide.iterrows():
        per_capita = row / pop.where(pop > 0)
        sel = select_super_emitters(per_capita, row, rule, unit="t")
        counts[sel.cities] += 1
    pc = wide.div(pop.where(pop > 0), axis=1)
    summary = pd.DataFrame(
        {
            "mean": pc.mean(),
            "median": pc.median(),
            "p5": pc.quantile(0.05),
            "p95": pc.quantile(0.95),
        }
    )
    return summary, counts / len(wide)


def _check_counts(args: argparse.Namespace) -> None:
    from mrio_city.model.errors import ScenarioSpecError

    if args.draws < 1:
        raise ScenarioSpecError(f"--draws must be at least 1, got {args.draws}")
    if args.scenario_draws is not None and not 0 <= args.scenario_draws <= args.draws:
        raise ScenarioSpecError(
            f"--scenario-draws must be between 0 and --draws ({args.draws}), "
            f"got {args.scenario_draws}"
        )
    n = args.sobol
    if n < 0 or (n and n & (n - 1)):
        raise ScenarioSpecError(f"--sobol must be 0 (off) or a power of 2, got {n}")


def _scenario_parts(args, scenario, table, spec, out: Path, system) -> dict:
    """The scenario per draw (quota, people lifted) and the Sobol indices, when asked."""
    from mrio_city.analyses.uncertainty.store import read_draws
    from mrio_city.analyses.uncertainty.summary import intervals
    from mrio_city.scenarios.uncertainty import run_scenario_draws, scenario_sobol

    m = args.scenario_draws if args.scenario_draws is not None else min(args.draws, 100)
    extra: dict = {}
    if m:
        run_scenario_draws(scenario, table, spec, m, out, progress=not args.quiet, system=system)
        siv = intervals(out, part="scenario", draws=m)
        rows = read_draws(out, part="scenario")
        extra["scenario_draws"] = rows[rows["draw"] < m]
        extra["scenario_intervals"] = siv
        quota = siv.loc[("quota", slice(None))].iloc[0]
        people = siv.loc[("population_reaching", slice(None))].iloc[0]
        print(
            f"quota over {m} draws: median {quota['median'] / 1e9:.3f} Gt, 5-95 % "
            f"{quota['p5'] / 1e9:.3f} - {quota['p95'] / 1e9:.3f} Gt; people reaching the "
            f"living standard: median {people['median'] / 1e6:.1f} million "
            f"({people['p5'] / 1e6:.1f} - {people['p95'] / 1e6:.1f})"
        )
    if args.sobol:
        sob = scenario_sobol(
            scenario, table, n=args.sobol, seed=spec.seed, progress=not args.quiet, system=system
        )
        extra["sobol"] = sob
        top = sob.loc["quota"]["ST"].idxmax()
        print(f"Sobol ({sob.attrs['runs']} runs): the quota depends most on {top}")
    return extra


def _montecarlo(args: argparse.Namespace) -> int:
    from mrio_city.analyses.uncertainty.montecarlo import FixedSystem, run_montecarlo
    from mrio_city.analyses.uncertainty.store import read_draws
    from mrio_city.analyses.uncertainty.summary import intervals
    from mrio_city.commands.scenarios import _load_table
    from mrio_city.exports.uncertainty import write_uncertainty
    from mrio_city.scenarios.spec import Scenario

    _check_counts(args)
    scenario = Scenario.from_file(args.scenario)
    spec = _spec(args.uncertainty)
    table = _load_table(args.table, scenario, not args.quiet, args.scenario)
    if args.scenario_draws != 0 or args.sobol:
        scenario.validate(table)  # the scenario per draw must fit the table: fail before work
    out = Path(args.out)
    system = None  # the solved blocks, shared by the F/Y draws, the scenario draws and Sobol
    if not spec.changes_A or args.sobol:
        stressor = scenario.stressor if scenario.stressor is not None else None
        system = FixedSystem(table, stressor=stressor, progress=not args.quiet)
    run_montecarlo(
        table, spec, args.draws, out, scheduler=args.scheduler, workers=args.workers,
        progress=not args.quiet, system=system,
    )  # fmt: skip
    iv = intervals(out, draws=args.draws)
    share = iv.loc[("supply_chain_share", slice(None))]
    print(f"{args.draws} draws of {table.name} (CVs: {spec.as_dict()})")
    print(
        f"inter-city supply-chain share: median {float(share['median'].iloc[0]):.1%}, 5-95 % "
        f"{float(share['p5'].iloc[0]):.1%} - {float(share['p95'].iloc[0]):.1%}"
    )
    for q in ("gini_consumption_based_per_capita", "theil_consumption_based_per_capita"):
        r = iv.loc[(q, slice(None))].iloc[0]
        print(
            f"{q.split('_')[0].capitalize()} of per-capita consumption-based footprints: median "
            f"{r['median']:.3f}, 5-95 % {r['p5']:.3f} - {r['p95']:.3f}"
        )
    cbf = read_draws(out, "consumption_based_with_households")
    cbf = cbf[cbf["draw"] < args.draws]
    per_capita, prob = super_emitter_probability(cbf, table, scenario.super_emitter)
    sure = int((prob >= 0.95).sum())
    maybe = int(((prob > 0.05) & (prob < 0.95)).sum())
    print(f"super-emitters: {sure} cities in at least 95 % of draws, {maybe} between 5 and 95 %")
    extra = _scenario_parts(args, scenario, table, spec, out, system)
    paths = write_uncertainty(
        iv,
        per_capita,
        prob,
        table,
        out,
        spec=spec.as_dict(),
        draws=args.draws,
        names=city_names(table, args),
        **extra,
    )
    for path in paths:
        print(f"wrote {path}")
    return 0 if np.isfinite(per_capita["median"]).any() else 1
