"""Write Monte Carlo results: intervals, probabilities, the quota's distribution, Sobol indices.

Charts are made and saved like every chart (:mod:`mrio_city.exports.figures`: Agg figure, CJK
font, written atomically), with units on every axis:

* ``per_capita_intervals.png``: median and 5-95 % interval of the highest per-capita footprints;
* ``national_intervals.png``: the inter-city share and the inequality indices (Gini, Theil T of
  per-capita CBF and PBF) per draw: median and 5-95 % interval [1];
* ``quota_distribution.png``: histograms of the scenario's quota [Mt] and of the people
  reaching the living standard [million persons] over the draws, median and 5-95 % marked;
* ``sobol.png``: first-order and total Sobol indices of the quota and the inter-city share.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city.exports.csvfiles import write_csv
from mrio_city.exports.figures import new_figure, save_figure
from mrio_city.exports.workbook import write_results_workbook
from mrio_city.io.provenance import run_metadata
from mrio_city.model.names import shown

__all__ = [
    "interval_chart",
    "national_interval_chart",
    "quota_chart",
    "sobol_chart",
    "write_uncertainty",
]

#: Readable names of the national quantities of a draw.
NATIONAL_NAMES = {
    "supply_chain_share": "inter-city share of footprints",
    "gini_consumption_based_per_capita": "Gini, consumption-based per capita",
    "theil_consumption_based_per_capita": "Theil T, consumption-based per capita",
    "gini_production_based_per_capita": "Gini, production-based per capita",
    "theil_production_based_per_capita": "Theil T, production-based per capita",
}


def interval_chart(
    per_capita: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    top: int = 30,
    names: Mapping[str, str] | None = None,
):
    """Per-capita footprints of the ``top`` cities: median and 5-95 % interval [t per person].

    ``names`` (city label -> name shown, the ``--labels`` style) renames the cities.
    """
    df = per_capita.sort_values("median", ascending=False).head(top)[::-1]
    fig = new_figure(8, 0.25 * len(df) + 1.5)
    ax = fig.add_subplot()
    y = np.arange(len(df))
    ax.hlines(y, df["p5"], df["p95"], color="#5dade2", linewidth=4, label="5-95 % interval")
    ax.plot(df["median"], y, "o", color="#1b4f72", markersize=4, label="median")
    ax.set_yticks(y, shown(df.index, names), fontsize=7)
    ax.set_xlabel("consumption-based footprint per person, incl. households [t CO2 per person]")
    ax.set_title(f"Uncertainty of the {len(df)} highest per-capita footprints", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    return save_figure(fig, path)


def national_interval_chart(intervals: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Inter-city share and inequality indices: median and 5-95 % interval over the draws [1].

    Parameters
    ----------
    intervals : DataFrame
        :func:`~mrio_city.analyses.uncertainty.summary.intervals` (index quantity, city).
    path : str or PathLike
    """
    rows = [q for q in NATIONAL_NAMES if q in intervals.index.get_level_values("quantity")]
    df = intervals.reset_index().set_index("quantity").loc[rows]
    fig = new_figure(8, 0.55 * len(df) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(df))[::-1]
    ax.hlines(y, df["p5"], df["p95"], color="#5dade2", linewidth=6, label="5-95 % interval")
    ax.plot(df["median"], y, "o", color="#1b4f72", markersize=5, label="median")
    for yi, (_, r) in zip(y, df.iterrows(), strict=True):
        ax.annotate(
            f"{r['median']:.3f} ({r['p5']:.3f}-{r['p95']:.3f})",
            (r["p95"], yi),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    ax.set_yticks(y, [NATIONAL_NAMES[q] for q in df.index], fontsize=8)
    ax.set_xlabel("index value [1] (share: fraction of all footprints crossing a city border)")
    ax.set_xlim(0, min(1.0, float(df["p95"].max()) * 1.35 + 0.02))
    draws = int(df["draws"].max()) if "draws" in df else 0
    ax.set_title(f"Inter-city share and inequality over {draws} Monte Carlo draws", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    return save_figure(fig, path)


def _histogram(ax, values: np.ndarray, color: str, label: str) -> None:
    values = values[np.isfinite(values)]
    ax.hist(values, bins=max(5, min(40, len(values) // 5)), color=color, alpha=0.8)
    if len(values):
        p5, med, p95 = np.quantile(values, [0.05, 0.5, 0.95])
        ax.axvline(med, color="black", linewidth=1.2, label=f"median {med:,.3g}")
        ax.axvspan(p5, p95, color="grey", alpha=0.15, label=f"5-95 %: {p5:,.3g} - {p95:,.3g}")
        ax.legend(fontsize=7, title=label, title_fontsize=7)
    ax.set_ylabel("draws [count]")


def quota_chart(
    scenario_draws: pd.DataFrame, path: str | os.PathLike[str], *, unit: str = "t CO2"
) -> Path:
    """Histograms of the quota [Mt] and of the people reaching the living standard [million].

    Parameters
    ----------
    scenario_draws : DataFrame
        Long table of the scenario per draw (draw, quantity, value).
    path : str or PathLike
    unit : str
        The stressor unit of the quota (t CO2: shown in Mt CO2).
    """
    wide = scenario_draws.pivot_table(index="draw", columns="quantity", values="value")
    fig = new_figure(10, 4)
    ax1, ax2 = fig.subplots(1, 2)
    gas = unit.split(" ", 1)[1] if unit.startswith("t ") else ""
    q_unit = f"Mt {gas}".strip() if gas or unit == "t" else unit
    scale = 1e6 if q_unit.startswith("Mt") else 1.0
    _histogram(ax1, wide["quota"].to_numpy(float) / scale, "#2e86c1", "quota")
    ax1.set_xlabel(f"quota created by the scenario [{q_unit}]")
    _histogram(ax2, wide["population_reaching"].to_numpy(float) / 1e6, "#28b463", "people")
    ax2.set_xlabel("people reaching the living standard [million persons]")
    fig.suptitle(f"The scenario's quota over {len(wide)} Monte Carlo draws", fontsize=11)
    return save_figure(fig, path)


def sobol_chart(indices: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """First-order (S1) and total (ST) Sobol indices per parameter, one panel per output [1].

    Parameters
    ----------
    indices : DataFrame
        Index (output, parameter); columns S1, S1_conf, ST, ST_conf.
    path : str or PathLike
    """
    outputs = list(dict.fromkeys(indices.index.get_level_values("output")))
    params = list(dict.fromkeys(indices.index.get_level_values("parameter")))
    fig = new_figure(5.0 * len(outputs), 0.45 * len(params) + 1.8)
    axes = np.atleast_1d(fig.subplots(1, len(outputs), sharey=True))
    y = np.arange(len(params))[::-1]
    for ax, out in zip(axes, outputs, strict=True):
        df = indices.loc[out].reindex(params)
        ax.barh(y + 0.2, df["S1"], 0.38, xerr=df["S1_conf"], color="#5dade2", label="first order")
        ax.barh(y - 0.2, df["ST"], 0.38, xerr=df["ST_conf"], color="#1b4f72", label="total")
        ax.set_title(str(out), fontsize=10)
        ax.set_xlabel("Sobol index [1] (share of the output's variance)")
        ax.axvline(0, color="black", linewidth=0.5)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes[0].set_yticks(y, params, fontsize=8)
    axes[0].legend(fontsize=8, loc="lower right")
    runs = indices.attrs.get("runs")
    fig.suptitle(
        "Global sensitivity (Sobol indices, SALib)" + (f": {runs} scenario runs" if runs else ""),
        fontsize=11,
    )
    return save_figure(fig, path)


def write_uncertainty(
    intervals: pd.DataFrame,
    per_capita: pd.DataFrame,
    probability: pd.Series,
    table,
    out: Path,
    *,
    spec: dict,
    draws: int,
    scenario_intervals: pd.DataFrame | None = None,
    scenario_draws: pd.DataFrame | None = None,
    sobol: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
) -> list[Path]:
    """Tables and charts of a Monte Carlo run into ``out``.

    ``names`` (city label -> name shown, the ``--labels`` style) applies to the charts; the
    files keep the table's labels.

    ``intervals.csv``, ``uncertainty.xlsx``, ``per_capita_intervals.png`` and
    ``national_intervals.png`` (and ``metadata.json``, see
    :func:`~mrio_city.exports.workbook.write_results_workbook`); with the scenario per draw
    also ``scenario_intervals.csv`` and ``quota_distribution.png``; with Sobol indices
    ``sobol.csv`` and ``sobol.png``.
    """
    long = intervals.reset_index()
    pc = per_capita.copy()
    pc["probability_super_emitter"] = probability.reindex(pc.index)
    pc = pc.reset_index()
    pc.attrs["units"] = {c: "t CO2 per person" for c in ("mean", "median", "p5", "p95")}
    pc.attrs["units"]["probability_super_emitter"] = "1"
    meta = run_metadata(table, draws=draws, **{f"uncertainty.{k}": v for k, v in spec.items()})
    readme = (
        "Monte Carlo of city footprints (docs/uncertainty.md). intervals: median and 5-95 % "
        "interval of every quantity per city over the draws, and of the national ones (city "
        "'(all cities)': inter-city share, Gini and Theil T of per-capita footprints); "
        "per_capita: the consumption-based footprint per person (incl. households) and the "
        "share of draws in which the city is a super-emitter under the scenario's rule; "
        "scenario: the scenario evaluated on every draw (quota, people reaching the living "
        "standard); sobol: Sobol indices of the quota and the inter-city share."
    )
    sheets = {"per_capita": pc, "intervals": long}
    paths = [write_csv(out / "intervals.csv", long, index=False)]
    if scenario_intervals is not None:
        sc = scenario_intervals.reset_index()
        sheets["scenario"] = sc
        paths.append(write_csv(out / "scenario_intervals.csv", sc, index=False))
    if sobol is not None:
        sb = sobol.reset_index()
        sb.attrs["units"] = {c: "1" for c in ("S1", "S1_conf", "ST", "ST_conf")}
        sheets["sobol"] = sb
        paths.append(write_csv(out / "sobol.csv", sb, index=False))
    paths += write_results_workbook(out / "uncertainty.xlsx", sheets, metadata=meta, readme=readme)
    paths.append(interval_chart(per_capita, out / "per_capita_intervals.png", names=names))
    paths.append(national_interval_chart(intervals, out / "national_intervals.png"))
    if scenario_draws is not None and len(scenario_draws):
        unit = str(scenario_draws.loc[scenario_draws["quantity"] == "quota", "unit"].iloc[0])
        paths.append(quota_chart(scenario_draws, out / "quota_distribution.png", unit=unit))
    if sobol is not None:
        paths.append(sobol_chart(sobol, out / "sobol.png"))
    return paths
