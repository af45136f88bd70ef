"""PNG charts of inequality results: the Lorenz curve of per-capita footprints.

matplotlib is imported inside the function and used through its object-oriented API on an
Agg canvas (no pyplot, no global backend change), so importing this module is cheap.  Files
are written atomically: to a temporary file in the destination folder, then ``os.replace``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city.exports.figures import new_figure, save_figure
from mrio_city.model.errors import LabelMismatchError, NonFiniteValueError

__all__ = ["plot_lorenz"]

_REQUIRED = ("population_share", "emission_share")


def plot_lorenz(
    curve: pd.DataFrame,
    *,
    path: str | os.PathLike[str],
    reference_points: Mapping[str, tuple[float, float]] | None = None,
    title: str = "Lorenz curve of per-capita carbon footprints",
) -> Path:
    """Draw a Lorenz curve with the line of equality and write it as a PNG.

    The Gini coefficient shown in the legend is read off the curve's points (x_k, L_k) by
    the trapezoid rule, ``G = 1 - sum_k (x_k - x_{k-1}) (L_{k-1} + L_k)``, so it equals
    :func:`mrio_city.analyses.inequality.gini` for a curve from
    :func:`mrio_city.analyses.inequality.lorenz_curve`.

    Parameters
    ----------
    curve : pandas.DataFrame
        Columns ``population_share`` and ``emission_share`` (cumulative, dimensionless),
        in ascending order and starting at (0, 0), e.g. from ``lorenz_curve``.
    path : str or PathLike
        PNG file to write; the folder is created if missing, an existing file replaced.
    reference_points : mapping of str to (float, float), optional
        Labelled points (population share, emission share) to mark, e.g. the share of
        population and emissions below the 2012 global average from
        ``share_below(..., REFERENCE_LEVELS["global_2012"])``.
    title : str, default="Lorenz curve of per-capita carbon footprints"
        Chart title.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    LabelMismatchError
        If ``curve`` lacks one of the two share columns.
    NonFiniteValueError
        If the curve or a reference point holds NaN or infinite values.
    """
    missing = [c for c in _REQUIRED if c not in curve.columns]
    if missing:
        raise LabelMismatchError(
            f"plot_lorenz: curve has no column(s) {missing}; it has "
            f"{list(curve.columns)[:10]} (use inequality.lorenz_curve)"
        )
    x = curve["population_share"].to_numpy(dtype=float)
    lor = curve["emission_share"].to_numpy(dtype=float)
    if len(x) < 2 or not (np.isfinite(x).all() and np.isfinite(lor).all()):
        raise NonFiniteValueError(
            "plot_lorenz: curve needs at least 2 points, all finite (got "
            f"{len(x)} points, {int((~np.isfinite(x) | ~np.isfinite(lor)).sum())} non-finite)"
        )
    points = dict(reference_points or {})
    for name, point in points.items():
        if len(point) != 2 or not all(math.isfinite(v) for v in point):
            raise NonFiniteValueError(
                f"plot_lorenz: reference point {name!r} must be a pair "
                f"of finite shares, got {point!r}"
            )
    gini = 1.0 - float(np.sum(np.diff(x) * (lor[:-1] + lor[1:])))

    fig = new_figure(6.0, 6.0)
    ax = fig.add_subplot()
    ax.plot(
        [0, 1], [0, 1], color="#7f8c8d", linestyle="--", linewidth=1.0, label="line of equality"
    )
    ax.fill_between(x, lor, x, color="#aed6f1", alpha=0.5, linewidth=0)
    ax.plot(x, lor, color="#1f618d", linewidth=1.8, label=f"Lorenz curve (Gini = {gini:.3f})")
    markers = ["o", "s", "D", "^", "v", "P"]
    for k, (name, (px, py)) in enumerate(points.items()):
        ax.plot([px, px, 0], [0, py, py], color="#922b21", linestyle=":", linewidth=0.8)
        ax.scatter(
            [px],
            [py],
            marker=markers[k % len(markers)],
            s=40,
            color="#922b21",
            zorder=3,
            label=f"{name} ({px:.0%} of people, {py:.0%} of emissions)",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("cumulative share of population (cities ranked by per-capita footprint)")
    ax.set_ylabel("cumulative share of emissions")
    ax.grid(color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", fontsize=8, frameon=True)
    ax.set_title(title, fontsize=11)
    return save_figure(fig, path)
