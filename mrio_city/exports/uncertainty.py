"""Write Monte Carlo results: intervals, super-emitter probabilities and an interval chart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city._fonts import use_chart_font
from mrio_city.exports.csvfiles import write_csv
from mrio_city.exports.workbook import write_workbook
from mrio_city.io.atomic import atomic_path
from mrio_city.io.provenance import run_metadata

__all__ = ["interval_chart", "write_uncertainty"]


def interval_chart(per_capita: pd.DataFrame, path: Path, *, top: int = 30) -> Path:
    """Per-capita footprints of the ``top`` cities: median and 5-95 % interval [t per person]."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    use_chart_font()
    df = per_capita.sort_values("median", ascending=False).head(top)[::-1]
    fig = Figure(figsize=(8, 0.25 * len(df) + 1.5), dpi=150, layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(df))
    ax.hlines(y, df["p5"], df["p95"], color="#5dade2", linewidth=4, label="5-95 % interval")
    ax.plot(df["median"], y, "o", color="#1b4f72", markersize=4, label="median")
    ax.set_yticks(y, list(df.index), fontsize=7)
    ax.set_xlabel("consumption-based footprint per person, incl. households [t CO2 per person]")
    ax.set_title(f"Uncertainty of the {len(df)} highest per-capita footprints", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path


def write_uncertainty(
    intervals: pd.DataFrame,
    per_capita: pd.DataFrame,
    probability: pd.Series,
    table,
    out: Path,
    *,
    spec: dict,
    draws: int,
) -> list[Path]:
    """``intervals.csv``, ``uncertainty.xlsx`` and ``per_capita_intervals.png`` into ``out``."""
    long = intervals.reset_index()
    pc = per_capita.copy()
    pc["probability_super_emitter"] = probability.reindex(pc.index)
    pc = pc.reset_index()
    pc.attrs["units"] = {c: "t CO2 per person" for c in ("mean", "median", "p5", "p95")}
    pc.attrs["units"]["probability_super_emitter"] = "1"
    meta = run_metadata(table, draws=draws, **{f"uncertainty.{k}": v for k, v in spec.items()})
    readme = (
        "Monte Carlo of city footprints (docs/uncertainty.md). intervals: median and 5-95 % "
        "interval of every quantity per city over the draws; per_capita: the consumption-based "
        "footprint per person (incl. households) and the share of draws in which the city is a "
        "super-emitter under the scenario's rule."
    )
    return [
        write_csv(out / "intervals.csv", long, index=False),
        write_workbook(
            out / "uncertainty.xlsx",
            {"per_capita": pc, "intervals": long},
            metadata=meta,
            readme=readme,
        ),
        interval_chart(per_capita, out / "per_capita_intervals.png"),
    ]
