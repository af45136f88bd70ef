"""One-page summary figure of a scenario, for a policy brief (PNG or PDF).

Three panels under a headline: the quota by city type and lever type [Mt CO2/yr], the
super-emitters' per-capita footprints before and after [t CO2 per person], and the people the
quota lets reach the upper-middle-income living standard [million people].
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from mrio_city.model.names import shown

__all__ = ["plot_scenario_summary"]

_STATUS_COLORS = {
    "reaches": "tab:green",
    "partial": "yellowgreen",
    "not reached": "tab:orange",
    "already above": "0.7",
}


def _quota_panel(ax, result) -> None:
    df = result.quota_by_type() / 1e6
    if df.empty:
        ax.text(0.5, 0.5, "no lever applied", ha="center", transform=ax.transAxes)
    else:
        df = df.loc[df.sum(axis=1).sort_values().index]
        left = np.zeros(len(df))
        neg = np.zeros(len(df))
        for col in df.columns:
            v = df[col].to_numpy(float)
            ax.barh(range(len(df)), v, left=np.where(v >= 0, left, neg), label=str(col))
            left += np.where(v >= 0, v, 0)
            neg += np.where(v < 0, v, 0)
        labels = [textwrap.fill(str(i).replace("/", " / "), 24) for i in df.index]
        ax.set_yticks(range(len(df)), labels, fontsize=7)
        ax.legend(title="lever type", fontsize=7, title_fontsize=7, loc="lower right")
    ax.axvline(0, color="black", lw=0.5)
    ax.set_xlabel(f"quota created [Mt {result.stressor}/yr]")
    ax.set_title("Quota by city type (affluence / structure / role) and lever", fontsize=9)


def _per_capita_panel(ax, result, names: Mapping[str, str] | None) -> None:
    c = result.cities
    se = c[c["super_emitter"]].sort_values("per_capita_baseline")
    pos = np.arange(len(se))
    ax.hlines(pos, se["per_capita_scenario"], se["per_capita_baseline"], color="0.6", lw=1)
    ax.scatter(se["per_capita_baseline"], pos, color="0.35", s=14, label="baseline", zorder=3)
    ax.scatter(se["per_capita_scenario"], pos, color="tab:green", s=14, label="scenario", zorder=3)
    ax.axvline(result.threshold, color="tab:red", lw=0.8, ls="--", label="per-capita threshold")
    ax.set_yticks(pos, shown(se.index, names), fontsize=6 if len(se) > 25 else 7)
    ax.set_xlabel(f"consumption-based footprint [{result.unit} per person]")
    ax.set_title(f"{len(se)} super-emitters: per-capita footprint before and after", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")


def _people_panel(ax, result) -> None:
    re = result.reallocation
    pop = re.groupby("status")["population"].sum() / 1e6
    se_pop = float(result.super_emitters["population"].sum()) / 1e6
    labels = [s for s in _STATUS_COLORS if s in pop.index]
    values = [float(pop[s]) for s in labels] + [se_pop]
    colors = [_STATUS_COLORS[s] for s in labels] + ["tab:red"]
    names = [*labels, "super-emitter cities"]
    ax.bar(range(len(values)), values, color=colors)
    ax.set_xticks(range(len(values)), [textwrap.fill(n, 10) for n in names], fontsize=7)
    ax.set_ylabel("people [million]")
    share = result.reallocation_totals["population_share_reaching"]
    ax.set_title(f"Upper-middle-income living standard: {share:.0%} of people reach it", fontsize=9)
    for i, v in enumerate(values):
        ax.text(i, v, f"{v:,.0f}", ha="center", va="bottom", fontsize=7)


def plot_scenario_summary(
    result, path: str | os.PathLike[str], *, names: Mapping[str, str] | None = None
) -> Path:
    """Draw the one-page summary of a scenario result and save it atomically.

    Parameters
    ----------
    result : ScenarioResult
    path : str or PathLike
        ``.png`` or ``.pdf``.
    names : mapping of str to str, optional
        City label -> name shown (the ``--labels`` style).

    Returns
    -------
    Path
    """
    from mrio_city.exports.figures import new_figure, save_figure

    fig = new_figure(11.7, 8.3, layout=None)  # A4 landscape [inch]
    grid = fig.add_gridspec(
        2, 2, height_ratios=[1, 1], hspace=0.35, wspace=0.3, left=0.15, right=0.97
    )
    _quota_panel(fig.add_subplot(grid[0, 0]), result)
    _people_panel(fig.add_subplot(grid[1, 0]), result)
    _per_capita_panel(fig.add_subplot(grid[:, 1]), result, names)
    s = result.summary()
    flag = "  [count calibrated: an input]" if s["count_calibrated"] else ""
    fig.suptitle(
        f"{result.scenario.name} on {result.table_name}: {s['quota_gt']:.2f} Gt "
        f"{result.stressor}/yr avoided in {result.target_year} = "
        f"{s['share_of_budget']:.0%} of the budget to peak; "
        f"{s['super_emitters']} super-emitters{flag}",
        fontsize=11,
    )
    fig.text(
        0.5,
        0.92,
        textwrap.fill(f"Super-emitters: {result.rule}.", 160),
        ha="center",
        fontsize=8,
    )
    path = Path(path)
    return save_figure(fig, path, format=path.suffix.lstrip(".") or "png")
