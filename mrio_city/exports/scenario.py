"""Scenario and sweep outputs: workbook, CSV files, charts, summaries and ``metadata.json``.

Moved here from the command handlers so that every result is written by ``exports``; the
command only calls :func:`write_scenario_outputs` or :func:`write_sweep_outputs`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from mrio_city.exports.csvfiles import write_csv
from mrio_city.exports.files import write_json, write_text
from mrio_city.exports.workbook import write_results_workbook

__all__ = [
    "scenario_sheets",
    "write_scenario_outputs",
    "write_sweep_outputs",
    "write_paper_comparison",
]

_SCENARIO_DESCRIPTIONS = {
    "summary": "headline numbers of the scenario, one per row, with their units",
    "super_emitters": "the selected super-emitter cities: type, pathway, attributed quota",
    "quota_by_lever": "quota created by each lever",
    "quota_by_type": "quota created by city type (rows) and lever type (columns)",
    "quota_by_consumer": "quota attributed to the consumer cities whose demand it served",
    "attribution": "one row per applied change: city, pathway, lever, quota (two-factor "
    "Shapley split of f.x, sequential within overlapping changes)",
    "cities": "every city before and after the scenario",
    "reallocation": "how the quota is reallocated to cities below the living-standard "
    "target, in service order",
    "paper_comparison": "each headline of Zheng et al. 2023: published, ours, definition, note",
}


def scenario_sheets(result) -> dict[str, pd.DataFrame]:
    """The frames of ``scenario.xlsx`` and its CSV files (:meth:`ScenarioResult.sheets`).

    ``summary`` is one row per key with ``value`` and ``unit`` columns; the other frames carry
    their units in ``attrs['units']``.
    """
    return dict(result.sheets())


def _readme(result) -> str:
    return (
        f"Scenario {result.scenario.name!r} on table {result.table_name}, target year "
        f"{result.target_year}.\nEmissions in {result.unit}; totals and quota "
        f"{'include' if result.include_households else 'exclude'} households' direct "
        "emissions.\nMethod and every default with its source: docs/scenarios.md."
    )


def write_scenario_outputs(
    result, table, out: str | Path, *, baseline=None, names: Mapping[str, str] | None = None
) -> list[Path]:
    """Write the workbook, CSV files, charts, IAMC table, summaries and metadata of a result.

    Files: ``scenario.xlsx``, one CSV per sheet (units in the headers), ``quota_by_type.png``,
    ``per_capita_before_after.png``, ``scenario_summary.png``, the IAMC table
    (:func:`mrio_city.exports.iamc.write_iamc`), ``summary.json``, ``summary.txt`` and
    ``metadata.json``.  With ``baseline`` the workbook also gets the ``paper_comparison``
    sheet (each headline of Zheng et al. 2023 beside ours).  ``names`` (city label -> name
    shown, the ``--labels`` style) applies to the charts; files keep the table's labels.

    Returns
    -------
    list of pathlib.Path
    """
    from mrio_city.exports.iamc import write_iamc
    from mrio_city.exports.scenario_charts import plot_per_capita, plot_quota_by_type
    from mrio_city.exports.scenario_summary import plot_scenario_summary
    from mrio_city.io.provenance import run_metadata

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sheets = scenario_sheets(result)
    if baseline is not None:
        from mrio_city.scenarios.paper import compare_with_paper

        sheets["paper_comparison"] = compare_with_paper(baseline, result)
    meta = run_metadata(
        table,
        scenario=result.scenario.name,
        scenario_file=result.scenario.source,
        households_included=result.include_households,
        refactorized=result.refactorized,
    )
    meta["scenario_document"] = json.dumps(result.scenario.raw, default=str)
    xlsx, sidecar = write_results_workbook(
        out / "scenario.xlsx",
        sheets,
        metadata=meta,
        readme=_readme(result),
        descriptions=_SCENARIO_DESCRIPTIONS,
        whole_folder=True,
    )
    paths = [xlsx]
    for name, frame in sheets.items():
        paths.append(write_csv(out / f"{name}.csv", frame, units_in_header=name != "summary"))
    paths.append(plot_quota_by_type(result, out / "quota_by_type.png"))
    paths.append(plot_per_capita(result, out / "per_capita_before_after.png", names=names))
    paths.append(plot_scenario_summary(result, out / "scenario_summary.png", names=names))
    paths += list(write_iamc(result, out))
    paths.append(write_json(out / "summary.json", result.summary()))
    paths.append(write_text(out / "summary.txt", result.summary_text() + "\n"))
    paths.append(sidecar)
    return paths


def write_paper_comparison(df: pd.DataFrame, table, result, out: str | Path) -> list[Path]:
    """Write ``paper_comparison.csv`` and ``.xlsx`` (Zheng et al. 2023 headlines beside ours)."""
    from mrio_city.io.provenance import run_metadata

    out = Path(out)
    meta = run_metadata(table, scenario=result.scenario.name, paper=df.attrs["source"])
    csv = write_csv(out / "paper_comparison.csv", df)
    return [
        csv,
        *write_results_workbook(
            out / "paper_comparison.xlsx",
            {"paper_comparison": df},
            metadata=meta,
            descriptions={"paper_comparison": _SCENARIO_DESCRIPTIONS["paper_comparison"]},
            whole_folder=True,
        ),
    ]


def write_sweep_outputs(
    res, table, out: str | Path, *, scenario, grid: Mapping[str, Any]
) -> list[Path]:
    """Write a sweep's outputs: long and wide CSV, workbook, chart and metadata.

    Files: ``sweep.csv`` (long), ``sweep_wide.csv``, ``sweep.xlsx``, ``sweep.png`` and
    ``metadata.json``.

    Returns
    -------
    list of pathlib.Path
    """
    from mrio_city.exports.scenario_charts import plot_sweep
    from mrio_city.io.provenance import run_metadata

    out = Path(out)
    wide = res.wide()
    paths = [
        write_csv(out / "sweep.csv", res.table, index=False),
        write_csv(out / "sweep_wide.csv", wide, index=False),
    ]
    meta = run_metadata(
        table,
        scenario=scenario.name,
        scenario_file=scenario.source,
        grid=json.dumps(dict(grid)),
        scheduler=res.scheduler,
    )
    xlsx, sidecar = write_results_workbook(
        out / "sweep.xlsx",
        {"sweep": res.table, "wide": wide},
        metadata=meta,
        readme=f"Sweep of scenario {scenario.name!r} over {', '.join(grid)}.",
        descriptions={
            "sweep": "long format: one row per point and metric",
            "wide": "one row per point, one column per metric",
        },
        whole_folder=True,
    )
    paths += [xlsx, plot_sweep(res, out / "sweep.png"), sidecar]
    return paths
