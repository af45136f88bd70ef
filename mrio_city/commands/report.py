"""``mrio-city report``: one self-contained HTML page for a policy office."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from mrio_city.commands._common import add_labels, add_out, add_quiet, add_table, progress

__all__ = ["register", "write_report"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand to the CLI."""
    p = sub.add_parser(
        "report",
        help="one self-contained HTML page: headline figures, map, top cities, inequality",
        description=(
            "Compute a table's footprints (and optionally a scenario) and write report.html: "
            "headline figures, a map, the top and bottom cities by footprint per person, the "
            "Lorenz curve and inequality table, the scenario outcome and method notes with "
            "provenance.  The page is self-contained (no network needed to view it)."
        ),
    )
    add_table(p)
    p.add_argument("--scenario", metavar="FILE", help="scenario file (TOML) to run and show")
    add_out(p, "report", "report.html (and the scenario's files)")
    add_labels(p)
    add_quiet(p)
    p.set_defaults(func=_report)


def _boundaries(table):
    """Census boundaries for a real table, or None (then the report draws a dot map)."""
    attrs = table.city_attributes
    if attrs is None or "city_code" not in attrs.columns:
        return None
    from mrio_city.model.errors import MrioCityError

    try:
        from mrio_city.sources.geography import read_city_boundaries

        return read_city_boundaries()
    except (MrioCityError, ImportError) as exc:
        warnings.warn(f"report: no choropleth ({exc}); drawing a dot map", stacklevel=2)
        return None


def write_report(
    table, out: Path, *, accounts=None, scenario_result=None, labels: str = "zh", show=False
) -> Path:
    """Compute and write ``out/report.html``; return its path."""
    from mrio_city.accounts.footprints import compute_accounts
    from mrio_city.exports.html_report import report_content, write_html_report

    if accounts is None:
        accounts = compute_accounts(table, progress=show)
    content = report_content(
        table,
        accounts,
        scenario_result=scenario_result,
        labels=labels,
        map_geo=_boundaries(table),
    )
    return write_html_report(content, Path(out) / "report.html")


def _report(args: argparse.Namespace) -> int:
    from mrio_city.io.registry import load_table

    out = Path(args.out)
    if args.scenario:
        from mrio_city.commands.scenarios import run_scenario_file

        scenario_file = Path(args.scenario)
        if not scenario_file.is_file():
            from mrio_city.model.errors import ScenarioSpecError

            raise ScenarioSpecError(f"--scenario: file {scenario_file} does not exist")
    table = load_table(args.table, progress=progress(args))
    result = None
    if args.scenario:
        result = run_scenario_file(
            args.scenario,
            out / "scenario",
            table=table,
            progress=progress(args),
            labels=args.labels,
        )
    path = write_report(table, out, scenario_result=result, labels=args.labels, show=progress(args))
    print(f"wrote {path}")
    return 0
