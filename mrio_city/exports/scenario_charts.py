"""PNG charts of scenario results: quota by type, per-capita footprints, sweeps.

Made and saved like every chart (:mod:`mrio_city.exports.figures`): an Agg figure without
pyplot, written atomically with the user's ordinary file permissions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from mrio_city.exports.figures import new_figure, save_figure
from mrio_city.model.names import shown

__all__ = ["plot_quota_by_type", "plot_per_capita", "plot_sweep"]


def plot_quota_by_type(result, path: str | os.PathLike[str]) -> Path:
    """Stacked bars: quota created by city type (x) and lever type (stacks) [Mt].

    Parameters
    ----------
    result : ScenarioResult
    path : str or PathLike
        Destination PNG (written atomically).
    """
    df = result.quota_by_type() / 1e6
    fig = new_figure(max(6.0, 1.2 * len(df) + 3), 4.5, dpi=120)
    ax = fig.subplots()
    if df.empty:
        ax.text(
            0.5,
            0.5,
            "no quota created (no levers applied)",
            ha="center",
            transform=ax.transAxes,
        )
    else:
        bottom = np.zeros(len(df))
        neg_bottom = np.zeros(len(df))
        for col in df.columns:
            vals = df[col].to_numpy(float)
            base = np.where(vals >= 0, bottom, neg_bottom)
            ax.bar(range(len(df)), vals, bottom=base, label=str(col))
            bottom += np.where(vals >= 0, vals, 0)
            neg_bottom += np.where(vals < 0, vals, 0)
        ax.set_xticks(range(len(df)), [str(i).replace("/", "\n") for i in df.index], fontsize=8)
        ax.legend(title="lever", fontsize=8)
    ax.axhline(0, color="black", lw=0.5)
    ax.set_ylabel(f"quota created [Mt {result.stressor}]")
    ax.set_title(f"{result.scenario.name}: {result.quota / 1e9:.3f} Gt by city type and lever")
    return save_figure(fig, path)


def plot_per_capita(
    result, path: str | os.PathLike[str], *, names: Mapping[str, str] | None = None
) -> Path:
    """Per-capita footprints before and after: super-emitters (left), all cities (right).

    Parameters
    ----------
    result : ScenarioResult
    path : str or PathLike
    names : mapping of str to str, optional
        City label -> name shown (the ``--labels`` style); labels not in it are shown as
        they are.
    """
    c = result.cities
    unit = f"{result.unit} per person"
    fig = new_figure(13, max(4.5, 0.22 * len(result.super_emitters) + 1.5), dpi=120)
    ax1, ax2 = fig.subplots(1, 2)
    se = c[c["super_emitter"]].sort_values("per_capita_baseline")
    pos = np.arange(len(se))
    ax1.barh(pos - 0.2, se["per_capita_baseline"], height=0.4, label="baseline", color="0.6")
    ax1.barh(pos + 0.2, se["per_capita_scenario"], height=0.4, label="scenario", color="tab:green")
    ax1.set_yticks(pos, shown(se.index, names), fontsize=7)
    ax1.axvline(result.threshold, color="tab:red", lw=0.8, ls="--", label="threshold")
    ax1.set_xlabel(f"footprint [{unit}]")
    ax1.set_title(f"{len(se)} super-emitters")
    ax1.legend(fontsize=8)
    order = c.sort_values("per_capita_baseline")
    ax2.plot(np.arange(len(order)), order["per_capita_baseline"], color="0.5", label="baseline")
    ax2.plot(
        np.arange(len(order)),
        order["per_capita_scenario"],
        color="tab:green",
        lw=0.8,
        label="scenario (super-emitters' pathways)",
    )
    tp = result.reallocation_totals.get("target_per_capita")
    if tp is not None and np.isfinite(tp):
        ax2.axhline(tp, color="tab:blue", lw=0.8, ls=":", label="living-standard target")
    ax2.set_xlabel("cities ranked by baseline per-capita footprint")
    ax2.set_ylabel(f"footprint [{unit}]")
    ax2.set_title("all cities")
    ax2.legend(fontsize=8)
    return save_figure(fig, path)


#: Human names of sweep metrics (chart labels); units come from the sweep table.
SWEEP_METRIC_NAMES = {
    "quota": "quota created",
    "super_emitters": "super-emitter cities",
    "population_share_reaching": "people reaching upper-middle income",
    "share_of_budget": "share of the budget to peak",
    "threshold_per_capita": "per-capita threshold",
}


def _param_name(key: str) -> str:
    """``'pathways.industrial.levers[0].gap_closed'`` -> ``'industrial lever 1: gap closed'``."""
    import re

    m = re.fullmatch(r"pathways\.(\w+)\.levers\[(\d+)\]\.(\w+)", key)
    if m:
        return f"{m.group(1)} lever {int(m.group(2)) + 1}: {m.group(3).replace('_', ' ')}"
    return key.split(".")[-1].replace("_", " ")


def _param_unit(key: str) -> str:
    from mrio_city.scenarios.defaults import DEFAULTS

    for pattern, d in DEFAULTS.items():
        if key == pattern or (
            "*" in pattern and key.startswith("pathways.") and key.endswith(pattern.split(".")[-1])
        ):
            return d.unit
    return "1" if key.endswith(("cut", "share", "gap_closed")) else ""


def plot_sweep(
    sweep_result,
    path: str | os.PathLike[str],
    *,
    metrics: tuple[str, ...] = ("quota", "super_emitters", "population_share_reaching"),
) -> Path:
    """Metrics of a sweep against the swept parameter (one panel per metric).

    Only parameters that take more than one value are shown: the first such parameter is the
    x axis, the others (if any) are lines.  Titles and axis labels carry units.

    Parameters
    ----------
    sweep_result : SweepResult
    path : str or PathLike
    metrics : tuple of str
    """
    wide = sweep_result.wide()
    pts = sweep_result.points
    swept = [c for c in pts.columns if pts[c].nunique() > 1] or [pts.columns[0]]
    key, others = swept[0], swept[1:]
    units = sweep_result.table.drop_duplicates("metric").set_index("metric")["unit"]
    fig = new_figure(4.6 * len(metrics), 4.0, dpi=120)
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    groups = wide.groupby(others, sort=False) if others else [("", wide)]
    for ax, metric in zip(axes, metrics, strict=True):
        unit = str(units.get(metric, ""))
        scale, unit = (1e9, "Gt CO2") if metric == "quota" else (1.0, unit)
        if unit == "1":
            scale, unit = 0.01, "%"
        for label, g in groups:
            ax.plot(
                g[key].astype(float),
                g[metric] / scale,
                marker="o",
                label=", ".join(map(str, np.atleast_1d(label))) if others else None,
            )
        name = SWEEP_METRIC_NAMES.get(metric, metric.replace("_", " "))
        ax.set_title(name)
        ax.set_ylabel(f"{name} [{unit}]")
        punit = _param_unit(key)
        ax.set_xlabel(_param_name(key) + (f" [{punit}]" if punit else ""))
        if others:
            ax.legend(title=", ".join(map(_param_name, others)), fontsize=7)
    fig.suptitle(f"Sweep of {_param_name(key)}: {len(pts)} scenario evaluations")
    return save_figure(fig, path)
