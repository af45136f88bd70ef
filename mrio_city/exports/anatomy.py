"""Write supply-chain anatomy results: path tables and charts, tiers, extraction, decomposition.

Charts: ranked paths (bars), a Sankey (alluvial) diagram of the top paths from the emitting
city-sector (left) through the supply chain to final demand (right), tier shares, and a
waterfall of the structural decomposition.  Every file is written atomically; every chart uses
the package's CJK-capable font.
"""

from __future__ import annotations

import re
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
    "decomposition_waterfall",
    "path_bars",
    "path_sankey",
    "write_decomposition",
    "write_extraction",
    "write_paths",
    "write_tiers",
]

_MT = 1e6  # t -> Mt


def _scale(unit: str) -> tuple[float, str]:
    return (_MT, "Mt CO2") if unit == "t CO2" else (1.0, unit)


def _city_in_path(text: str, names: Mapping[str, str] | None) -> str:
    """``sector (city) -> ...`` with each city shown by its name in ``names``."""
    if not names:
        return text
    return re.sub(r"\(([^()]*)\)", lambda m: f"({names.get(m[1], m[1])})", text)


def path_bars(result, path: Path, *, names: Mapping[str, str] | None = None) -> Path:
    """Horizontal bars of the ranked paths (value and share of the footprint).

    ``names`` (city label -> name shown, the ``--labels`` style) renames the cities.
    """
    df = result.paths
    div, unit = _scale(result.unit)
    fig = new_figure(9, 0.32 * len(df) + 1.6)
    ax = fig.add_subplot()
    consumer = shown([result.consumer], names)[0]
    labels = [p.replace(f" -> final demand of {result.consumer}", "") for p in df["path"]]
    labels = [_city_in_path(lab, names) for lab in labels]
    labels = [lab if len(lab) < 90 else lab[:87] + "..." for lab in labels]
    y = np.arange(len(df))[::-1]
    ax.barh(y, df["value"] / div, color="#2e86c1")
    for yy, v, s in zip(y, df["value"] / div, df["share"], strict=True):
        ax.text(v, yy, f" {s:.1%}", va="center", fontsize=7)
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel(f"emissions along the path [{unit}]")
    scope = f", {result.sector} products" if result.sector else ""
    ax.set_title(
        f"Top {len(df)} supply-chain paths of {consumer}'s footprint{scope}\n"
        f"(footprint {result.total / div:,.2f} {unit}; listed paths cover {result.coverage:.1%})",
        fontsize=10,
    )
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return save_figure(fig, path)


def path_sankey(
    result, table, path: Path, *, top: int = 12, names: Mapping[str, str] | None = None
) -> Path:
    """Alluvial diagram of the top paths: emitting node (left) -> ... -> final demand (right).

    ``names`` (city label -> name shown, the ``--labels`` style) renames the cities.
    """
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path as MplPath

    nodes_of = result.nodes[:top]
    values = result.paths["value"].to_numpy()[:top]
    div, unit = _scale(result.unit)
    depth = max(len(p) for p in nodes_of)
    labels = table.nodes
    # column c (from the right, 0 = final product node); column 'depth' = final demand
    heights: dict[tuple[int, int], float] = {}
    for p, v in zip(nodes_of, values, strict=True):
        for c, j in enumerate(p):
            heights[c, j] = heights.get((c, j), 0.0) + v
    total = values.sum()
    gap = 0.08 * total
    pos: dict[tuple[int, int], float] = {}
    for c in range(depth):
        y0 = 0.0
        for (cc, j), h in sorted(heights.items(), key=lambda kv: -kv[1]):
            if cc == c:
                pos[c, j] = y0
                y0 += h + gap
    fig = new_figure(12, 6.5)
    ax = fig.add_subplot()
    xs = {c: (depth - c) * 3.0 for c in range(depth)}  # final product node at the right
    x_fd = xs[0] + 3.0
    width = 0.5
    fill = {key: 0.0 for key in pos}
    fd_fill = 0.0
    colors = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
        "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
    ]  # fmt: skip
    for k, (p, v) in enumerate(zip(nodes_of, values, strict=True)):
        color = colors[k % len(colors)]
        segs = []
        for c in range(len(p) - 1, -1, -1):
            segs.append((xs[c], pos[c, p[c]] + fill[c, p[c]]))
            fill[c, p[c]] += v
        segs.append((x_fd - width, fd_fill))
        fd_fill += v
        for (xa, ya), (xb, yb) in zip(segs[:-1], segs[1:], strict=True):
            xa += width
            mid = (xa + xb) / 2
            verts = [
                (xa, ya), (mid, ya), (mid, yb), (xb, yb), (xb, yb + v), (mid, yb + v),
                (mid, ya + v), (xa, ya + v), (xa, ya),
            ]  # fmt: skip
            codes = [MplPath.MOVETO] + [MplPath.CURVE4] * 3 + [MplPath.LINETO]
            codes += [MplPath.CURVE4] * 3 + [MplPath.CLOSEPOLY]
            ax.add_patch(PathPatch(MplPath(verts, codes), color=color, alpha=0.45, lw=0))
    for (c, j), y0 in pos.items():
        h = heights[c, j]
        ax.add_patch(Rectangle((xs[c], y0), width, h, color="#34495e"))
        city, sector = labels[j]
        city = shown([city], names)[0]
        box = {"facecolor": "white", "alpha": 0.7, "lw": 0, "pad": 0.5}
        ax.text(xs[c] - 0.08, y0 + h / 2, f"{sector}\n{city}", ha="right", va="center",
                fontsize=6.5, bbox=box)  # fmt: skip
    ax.add_patch(Rectangle((x_fd - width, 0), width, total, color="#922b21"))
    consumer = shown([result.consumer], names)[0]
    ax.text(x_fd, total / 2, f" final demand of\n {consumer}", va="center", fontsize=8)
    ax.set_xlim(min(xs.values()) - 2.2, x_fd + 2.5)
    ymax = max(max(pos[k] + heights[k] for k in pos), total) * 1.12
    ax.set_ylim(0, ymax)
    ticks = np.linspace(0, ymax, 5)
    ax.set_yticks(ticks, [f"{t / div:,.2f}" for t in ticks])
    ax.set_ylabel(f"emissions carried by the paths [{unit}]")
    ax.set_xticks(
        [xs[c] + width / 2 for c in range(depth)] + [x_fd - width / 2],
        [f"tier {c}" for c in range(depth)] + ["final demand"],
    )
    ax.set_title(
        f"Top {len(values)} supply-chain paths of {consumer}'s footprint\n"
        "where the emissions occur (left) and the products that carry them to final demand "
        "(right)",
        fontsize=10,
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return save_figure(fig, path)


def decomposition_waterfall(
    result, path: Path, *, title: str, ends: tuple[str, str] = ("year 0", "year 1")
) -> Path:
    """National waterfall: footprint of year 0, each factor's effect, footprint of year 1."""
    div, unit = _scale(result.unit)
    start, end = result.start.sum() / div, result.end.sum() / div
    effects = result.national() / div
    fig = new_figure(8, 4.8)
    ax = fig.add_subplot()
    names = [ends[0], *effects.index, ends[1]]
    ax.bar(0, start, color="#7f8c8d")
    ax.text(0, start, f"{start:,.0f}", ha="center", va="bottom", fontsize=8)
    level, top = start, max(start, end)
    for k, v in enumerate(effects.to_numpy(), start=1):
        ax.bar(k, v, bottom=level, color="#c0392b" if v > 0 else "#27ae60")
        ax.text(k, level + max(v, 0), f"{v:+,.1f}", ha="center", va="bottom", fontsize=8)
        level += v
        top = max(top, level, level - v)
    ax.bar(len(names) - 1, end, color="#7f8c8d")
    ax.text(len(names) - 1, end, f"{end:,.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, top * 1.1)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_ylabel(f"national consumption-based footprint [{unit}]")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return save_figure(fig, path)


def write_paths(result, table, out: Path, *, names: Mapping[str, str] | None = None) -> list[Path]:
    """``paths-<city>.csv``/``.xlsx`` plus the ranked-path chart and the Sankey.

    ``names`` (city label -> name shown, the ``--labels`` style) applies to the charts; the
    files keep the table's labels.
    """
    stem = f"paths-{result.consumer}" + (f"-{result.sector}" if result.sector else "")
    stem = stem.replace("/", "_").replace(" ", "_")
    df = result.paths.reset_index()
    meta = run_metadata(table, consumer=result.consumer, sector=result.sector or "all",
                        footprint=result.total, coverage=result.coverage)  # fmt: skip
    readme = (
        f"Top supply-chain paths of {result.consumer}'s consumption-based footprint "
        "(structural path analysis). value: emissions along the path; share: of the footprint; "
        "depth: number of supply-chain steps (0 = emitted by the producer of the final product)."
    )
    return [
        write_csv(out / f"{stem}.csv", df, index=False, units_in_header=True),
        *write_results_workbook(out / f"{stem}.xlsx", {"paths": df}, metadata=meta, readme=readme),
        path_bars(result, out / f"{stem}.png", names=names),
        path_sankey(result, table, out / f"{stem}-sankey.png", names=names),
    ]


def write_tiers(tiers: pd.DataFrame, table, out: Path) -> list[Path]:
    """``tiers.csv``/``.xlsx`` (tonnes) plus national tier shares as a bar chart."""
    df = tiers.reset_index()
    meta = run_metadata(table, stressor=tiers.attrs.get("stressor", ""))
    readme = (
        "Production-layer decomposition of each city's consumption-based footprint: tier 0 is "
        "emitted by the producers of the final products, tier 1 by their direct suppliers, ...; "
        "the last column holds all deeper tiers. Rows sum to the footprint."
    )
    shares = tiers.sum() / tiers.to_numpy().sum()
    fig = new_figure(7, 3.8)
    ax = fig.add_subplot()
    ax.bar(range(len(shares)), shares.to_numpy() * 100, color="#2e86c1")
    ax.set_xticks(range(len(shares)), list(shares.index))
    ax.set_ylabel("share of national consumption-based footprint [%]")
    ax.set_title("Where in the supply chain footprints are emitted (all cities)", fontsize=10)
    return [
        write_csv(out / "tiers.csv", df, index=False, units_in_header=True),
        *write_results_workbook(out / "tiers.xlsx", {"tiers": df}, metadata=meta, readme=readme),
        save_figure(fig, out / "tiers.png"),
    ]


def write_extraction(frame: pd.DataFrame, table, out: Path, *, name: str) -> list[Path]:
    """Extraction effects or supply-chain roles as CSV and a workbook."""
    df = frame.reset_index()
    meta = run_metadata(table, analysis=name, linkage=frame.attrs.get("linkage", "all"))
    readme = (
        "Hypothetical extraction: emissions that disappear (per producing city, or in the other "
        "cities) when a city's supply-chain links are removed; see docs/anatomy.md."
    )
    return [
        write_csv(out / f"{name}.csv", df, index=False, units_in_header=True),
        *write_results_workbook(out / f"{name}.xlsx", {name: df}, metadata=meta, readme=readme),
    ]


def write_decomposition(result, table0, table1, out: Path) -> list[Path]:
    """``decomposition.csv``/``.xlsx`` (city effects) and the national waterfall chart."""
    df = result.effects.copy()
    df.insert(0, "footprint year 0", result.start)
    df["footprint year 1"] = result.end
    df["change"] = result.change
    df.attrs["units"] = {c: result.unit for c in df.columns}
    df = df.reset_index()
    df.attrs["units"] = {c: result.unit for c in df.columns if c != "city"}
    meta = run_metadata(table0, year1_table=table1.name, residual=result.residual)
    readme = (
        f"Structural decomposition of the change of city footprints from {table0.name} to "
        f"{table1.name}: the effect of each factor averaged over all orderings; the effects of "
        "a city add up to its change exactly."
    )
    title = (
        f"Why the national footprint changed: {table0.name} -> {table1.name}\n"
        "(effects averaged over all orderings; they add up to the change)"
    )
    ends = tuple(str(t.meta.year or t.name) for t in (table0, table1))
    return [
        write_csv(out / "decomposition.csv", df, index=False, units_in_header=True),
        *write_results_workbook(
            out / "decomposition.xlsx", {"effects": df}, metadata=meta, readme=readme
        ),
        decomposition_waterfall(result, out / "decomposition.png", title=title, ends=ends),
    ]
