"""PNG charts of city footprints: top per-capita footprints and production vs consumption.

matplotlib is imported inside the functions and used through its object-oriented API with the
Agg canvas (no pyplot, no global backend change).  Files are written atomically.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city.exports.figures import new_figure, save_figure
from mrio_city.model.errors import LabelMismatchError, NegativeFootprintWarning
from mrio_city.model.labels import first_labels
from mrio_city.model.names import shown

__all__ = ["plot_top_per_capita", "plot_production_vs_consumption", "TYPE_COLORS"]

#: Colours of the city types in :func:`plot_production_vs_consumption`.
TYPE_COLORS: dict[str, str] = {
    "production-led": "#c0392b",
    "consumption-led": "#2471a3",
    "trade-balanced": "#7f8c8d",
    "net producer": "#c0392b",
    "net consumer": "#2471a3",
    "balanced": "#7f8c8d",
}
_FALLBACK_COLORS = ["#27ae60", "#8e44ad", "#d68910", "#17202a", "#16a085"]


def _require(frame: pd.DataFrame, columns: list[str], who: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LabelMismatchError(
            f"{who}: frame has no column(s) {first_labels(missing)}; "
            f"it has {first_labels(list(frame.columns), limit=10)}"
        )


def plot_top_per_capita(
    per_capita: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    top: int = 20,
    unit: str = "t CO2 per person",
    references: Mapping[str, float] | None = None,
    title: str | None = None,
    names: Mapping[str, str] | None = None,
) -> Path:
    """Horizontal stacked bars of the largest per-capita footprints, local and imported parts.

    Parameters
    ----------
    per_capita : DataFrame
        Index 'city'; columns ``local`` and ``imported`` [unit]; cities are ranked by their sum.
    path : str or PathLike
        PNG file to write.
    top : int, default=20
        Number of cities shown.
    unit : str, default='t CO2 per person'
    references : mapping of str to float, optional
        Vertical reference lines, e.g. ``{'global average 2012': 4.87, 'US 2012': 18.4}``.
    title : str, optional
    names : mapping of str to str, optional
        City label -> name shown (:func:`mrio_city.model.names.city_display_names`, the
        ``--labels`` style); labels not in it are shown as they are.

    Returns
    -------
    pathlib.Path
    """
    _require(per_capita, ["local", "imported"], "plot_top_per_capita")
    total = per_capita["local"] + per_capita["imported"]
    order = total.sort_values(ascending=False).index[:top]
    data = per_capita.loc[order[::-1]]
    fig = new_figure(8.0, max(3.0, 0.32 * len(data) + 1.6))
    ax = fig.add_subplot()
    y = np.arange(len(data))
    local = data["local"].to_numpy(float)
    imported = data["imported"].to_numpy(float)
    ax.barh(y, local, color="#2e86c1", label="local (incl. households' direct)")
    ax.barh(
        y,
        imported,
        left=np.maximum(local, 0.0),
        color="#f0b27a",
        label="imported (embodied in imports)",
    )
    ax.set_yticks(y, shown(data.index, names), fontsize=8)
    ax.set_xlabel(f"consumption-based footprint [{unit}]")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    styles = ["--", ":", "-."]
    for k, (name, value) in enumerate((references or {}).items()):
        ax.axvline(
            value,
            color="#333333",
            linestyle=styles[k % len(styles)],
            linewidth=1.0,
            label=f"{name} ({value:g})",
        )
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    ax.set_title(title or f"{len(data)} largest per-capita footprints", fontsize=11)
    return save_figure(fig, path)


def plot_production_vs_consumption(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    type_column: str = "trade_type",
    unit: str = "t CO2",
    title: str | None = None,
    names: Mapping[str, str] | None = None,
    label_extremes: int = 3,
) -> Path:
    """Scatter of production-based against consumption-based footprint per city, log axes.

    Points are coloured by ``type_column``; the 1:1 line separates production-led cities
    (below it: PBF > CBF) from consumption-led ones.  The ``label_extremes`` cities farthest
    below and above the line (largest ratio PBF/CBF and CBF/PBF) are named.  Cities with a
    zero or negative footprint cannot be drawn on log axes: they are left out, counted in the
    chart's note and reported with a :class:`NegativeFootprintWarning`.

    Parameters
    ----------
    frame : DataFrame
        Index 'city'; columns ``production_based``, ``consumption_based`` [unit] and
        ``type_column`` (e.g. the result of :func:`mrio_city.analyses.typology.classify_cities`).
    path : str or PathLike
        PNG file to write.
    type_column : str, default='trade_type'
    unit : str, default='t CO2'
    title : str, optional
    names : mapping of str to str, optional
        City label -> name shown (the ``--labels`` style); labels not in it are shown as
        they are.
    label_extremes : int, default=3
        Cities named on each side of the 1:1 line (0: none).

    Returns
    -------
    pathlib.Path
    """
    _require(
        frame,
        ["production_based", "consumption_based", type_column],
        "plot_production_vs_consumption",
    )
    pbf = frame["production_based"].to_numpy(float)
    cbf = frame["consumption_based"].to_numpy(float)
    ok = (pbf > 0) & (cbf > 0)
    dropped = int((~ok).sum())
    if dropped:
        warnings.warn(
            f"plot_production_vs_consumption: {dropped} city(ies) with zero or negative "
            f"footprint not drawn on log axes: {first_labels(list(frame.index[~ok]))}",
            NegativeFootprintWarning,
            stacklevel=2,
        )
    fig = new_figure(6.5, 6.0)
    ax = fig.add_subplot()
    types = frame[type_column].astype(str)
    order = [t for t in TYPE_COLORS if t in set(types)] + sorted(set(types) - set(TYPE_COLORS))
    extra = iter(_FALLBACK_COLORS * 4)
    for t in order:
        sel = ok & (types == t).to_numpy()
        if not sel.any():
            continue
        color = TYPE_COLORS.get(t) or next(extra)
        ax.scatter(
            pbf[sel],
            cbf[sel],
            s=18,
            alpha=0.8,
            color=color,
            edgecolor="white",
            linewidth=0.4,
            label=f"{t} ({int(sel.sum())})",
        )
    if ok.any():
        lo = float(min(pbf[ok].min(), cbf[ok].min())) / 1.5
        hi = float(max(pbf[ok].max(), cbf[ok].max())) * 1.5
        ax.plot(
            [lo, hi],
            [lo, hi],
            color="#333333",
            linewidth=1.0,
            linestyle="--",
            label="1:1 (PBF = CBF)",
        )
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        _name_extremes(ax, frame.index[ok], pbf[ok], cbf[ok], label_extremes, names)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel(f"production-based footprint PBF [{unit}]")
    ax.set_ylabel(f"consumption-based footprint CBF [{unit}]")
    ax.grid(which="major", color="#dddddd", linewidth=0.6)
    ax.legend(loc="upper left", fontsize=8, frameon=True)
    if dropped:
        ax.text(
            0.99,
            0.01,
            f"{dropped} city(ies) with footprint <= 0 not shown",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=7,
            color="#922b21",
        )
    ax.set_title(title or "Production- vs consumption-based footprint by city", fontsize=11)
    return save_figure(fig, path)


def _name_extremes(ax, cities, pbf, cbf, n: int, names) -> None:
    """Name the ``n`` cities farthest below and above the 1:1 line (log ratio CBF/PBF)."""
    if n <= 0 or len(cities) == 0:
        return
    ratio = np.log(cbf / pbf)
    order = np.argsort(ratio)
    picks = list(dict.fromkeys([*order[:n], *order[::-1][:n]]))
    for i, label in zip(picks, shown(cities[picks], names)):
        ax.annotate(
            label,
            (pbf[i], cbf[i]),
            xytext=(4, 2),
            textcoords="offset points",
            fontsize=7,
            color="#333333",
        )
