"""Choropleth maps of per-city results: PNG (matplotlib) and an offline interactive HTML map.

Both classify the column with mapclassify (quantiles, Fisher-Jenks, equal intervals), draw
in the China Albers equal-area projection, show units in the legend and render Chinese names
(the package's CJK chart font).  Units south of 17 N (the South China Sea islands) are drawn
in an inset, as on official maps of China, so the main frame stays readable.

The HTML map is a self-contained fragment: an inline SVG with one path per unit, an inline
``<style>`` and a short inline ``<script>`` for the hover tooltip.  No tile server, no CDN, no
external file: it works offline and can be embedded in a report page
(:func:`choropleth_html`) or written as a page of its own (:func:`write_choropleth_html`).

Needs the optional extra ``mrio-city[spatial]``.
"""

from __future__ import annotations

import html
import json
import math
import os
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city.analyses.spatial._deps import require
from mrio_city.analyses.spatial.geometry import CHINA_ALBERS
from mrio_city.exports.figures import new_figure, save_figure
from mrio_city.exports.files import write_text
from mrio_city.model.errors import LabelMismatchError, NonFiniteValueError
from mrio_city.model.labels import first_labels
from mrio_city.model.names import shown as shown_names

__all__ = [
    "SCHEMES",
    "classify",
    "display_unit",
    "plot_choropleth",
    "plot_categories",
    "choropleth_html",
    "write_choropleth_html",
]

#: Classification schemes offered (name -> mapclassify class name).
SCHEMES = {
    "quantiles": "Quantiles",
    "fisher-jenks": "FisherJenks",
    "equal-interval": "EqualInterval",
}
_NO_DATA = "#d9d9d9"
_INSET_LAT = 17.0  # units (or parts) south of this latitude go into the inset


def classify(values: pd.Series, *, scheme: str = "quantiles", k: int = 5):
    """Class breaks of the finite values of a column.

    Parameters
    ----------
    values : Series
        The column; NaN values are left unclassified ("no data").
    scheme : {'quantiles', 'fisher-jenks', 'equal-interval'}
    k : int, default=5
        Number of classes (fewer when there are fewer distinct values).

    Returns
    -------
    tuple of (ndarray, Series)
        Upper bounds of the classes, and the class (0-based, -1 for no data) of every row.

    Raises
    ------
    ValueError
        Unknown scheme (the choices are named).
    NonFiniteValueError
        If no value is finite, or a value is infinite.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown classification scheme {scheme!r}; choose one of {list(SCHEMES)}")
    mc = require("mapclassify", "classed maps")
    x = pd.to_numeric(values, errors="coerce").astype(float)
    if np.isinf(x.to_numpy()).any():
        raise NonFiniteValueError(
            f"column {values.name!r} holds infinite values at "
            f"{first_labels(list(x.index[np.isinf(x.to_numpy())]))}"
        )
    ok = x.notna()
    if not ok.any():
        raise NonFiniteValueError(f"column {values.name!r} has no finite value to map")
    distinct = int(x[ok].nunique())
    k = max(1, min(k, distinct))
    if distinct == 1:
        bins = np.array([float(x[ok].iloc[0])])
        classes = pd.Series(np.where(ok, 0, -1), index=x.index)
        return bins, classes
    with warnings.catch_warnings():  # Fisher-Jenks: pure Python without numba, fine here
        warnings.filterwarnings("ignore", message="Numba not installed")
        classifier = getattr(mc, SCHEMES[scheme])(x[ok].to_numpy(), k=k)
    bins = np.asarray(classifier.bins, dtype=float)
    classes = pd.Series(-1, index=x.index, dtype=int)
    classes[ok] = np.asarray(classifier.yb, dtype=int)
    return bins, classes


def _labels(bins: np.ndarray, low: float) -> list[str]:
    edges = [low, *bins.tolist()]
    span = max(abs(e) for e in edges) or 1.0
    step = (
        min(abs(b - a) for a, b in zip(edges[:-1], edges[1:]) if b != a) if len(edges) > 2 else span
    )
    digits = max(0, min(4, 2 - int(math.floor(math.log10(step))) if step > 0 else 2))
    fmt = f"{{:,.{digits}f}}"
    return [f"{fmt.format(a)} – {fmt.format(b)}" for a, b in zip(edges[:-1], edges[1:])]


def _colors(n: int, cmap: str) -> list[str]:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    ramp = colormaps[cmap]
    if n == 1:
        return [to_hex(ramp(0.6))]
    return [to_hex(ramp(0.12 + 0.83 * i / (n - 1))) for i in range(n)]


def display_unit(values: pd.Series, unit: str) -> tuple[float, str]:
    """Scale for legends: tonnes shown as Mt (or kt) when the values are that large.

    Returns the factor to multiply values by and the unit to show, e.g.
    ``(1e-6, 'Mt CO2')`` for ``'t CO2'`` values of 1e6 or more; other units are unchanged.
    """
    if not unit.startswith("t "):
        return 1.0, unit
    top = float(np.nanmax(np.abs(pd.to_numeric(values, errors="coerce").to_numpy(float))))
    if top >= 1e6:
        return 1e-6, "Mt" + unit[1:]
    if top >= 1e4:
        return 1e-3, "kt" + unit[1:]
    return 1.0, unit


def _prepare(geo, column: str, scheme: str, k: int, cmap: str, unit: str = ""):
    if column not in geo.columns:
        raise LabelMismatchError(
            f"no column {column!r} to map; the results have "
            f"{first_labels([c for c in geo.columns if c != 'geometry'], limit=12)}"
        )
    bins, classes = classify(geo[column], scheme=scheme, k=k)
    values = pd.to_numeric(geo[column], errors="coerce").astype(float)
    colors = _colors(len(bins), cmap)
    fill = [colors[c] if c >= 0 else _NO_DATA for c in classes]
    factor, _ = display_unit(values, unit)
    labels = _labels(bins * factor, float(values.min()) * factor)
    projected = geo.to_crs(CHINA_ALBERS)
    return projected, values, classes, bins, colors, fill, labels


def _split_inset(projected, geo):
    """Main-frame and inset extents (projected metres): inset = parts south of 17 N."""
    shapely = require("shapely", "maps")
    bounds = geo.geometry.bounds
    south = bounds["maxy"] < _INSET_LAT
    mixed = (bounds["miny"] < _INSET_LAT) & ~south
    main_parts = projected.geometry[~south]
    if mixed.any():  # e.g. Sansha or Hainan with far islands: frame only the northern parts
        box = shapely.box(-180, _INSET_LAT, 180, 90)
        north = geo.geometry[~south].intersection(box)
        main_parts = north.set_crs(geo.crs, allow_override=True).to_crs(CHINA_ALBERS)
    main = main_parts.total_bounds
    has_inset = bool((bounds["miny"] < _INSET_LAT).any())
    inset_box = None
    if has_inset:
        far = geo.geometry.intersection(shapely.box(-180, -90, 180, _INSET_LAT + 1.5))
        far = far[~far.is_empty].set_crs(geo.crs, allow_override=True).to_crs(CHINA_ALBERS)
        inset_box = far.total_bounds
    return main, inset_box


def plot_choropleth(
    geo,
    column: str,
    path: str | os.PathLike[str],
    *,
    unit: str,
    scheme: str = "quantiles",
    k: int = 5,
    title: str | None = None,
    cmap: str = "YlOrRd",
    note: str | None = None,
) -> Path:
    """Draw a classed choropleth of one per-unit column and write it as a PNG.

    Parameters
    ----------
    geo : GeoDataFrame
        Units with polygons (any CRS; drawn in China Albers) and the column, e.g. from
        :func:`mrio_city.analyses.spatial.geometry.join_values`.
    column : str
        Column to map.
    path : str or PathLike
        PNG file (written atomically; the folder is created).
    unit : str
        Unit of the column, shown in the legend title (e.g. ``"t CO2 per person"``).
    scheme : {'quantiles', 'fisher-jenks', 'equal-interval'}, default='quantiles'
    k : int, default=5
        Number of classes.
    title : str, optional
        Map title (default: the column name).
    cmap : str, default='YlOrRd'
        matplotlib colormap (sequential; use a diverging one such as 'RdBu_r' for signed
        coefficients).
    note : str, optional
        Source note printed under the map.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    LabelMismatchError
        If the column is missing.
    NonFiniteValueError
        If no value is finite.
    MissingDependencyError
        If the spatial extra is not installed.
    """
    projected, values, classes, bins, colors, fill, labels = _prepare(
        geo, column, scheme, k, cmap, unit
    )
    unit = display_unit(values, unit)[1]
    from matplotlib.patches import Patch

    counts = [int((classes == i).sum()) for i in range(len(bins))]
    handles = [
        Patch(facecolor=c, edgecolor="#888888", linewidth=0.4, label=f"{lab}  ({n})")
        for c, lab, n in zip(colors, labels, counts)
    ]
    if (classes < 0).any():
        n = int((classes < 0).sum())
        handles.append(Patch(facecolor=_NO_DATA, edgecolor="#888888", label=f"no data  ({n})"))
    scheme_name = {"quantiles": "quantiles", "fisher-jenks": "Fisher-Jenks"}.get(
        scheme, "equal intervals"
    )
    legend = f"{column} [{unit}]\n{scheme_name}, {len(bins)} classes (number of units)"
    return _draw(geo, projected, fill, handles, legend, title or column, note, path)


def plot_categories(
    geo,
    column: str,
    path: str | os.PathLike[str],
    *,
    colors: dict[str, str],
    title: str | None = None,
    legend_title: str | None = None,
    note: str | None = None,
) -> Path:
    """Draw a map of a categorical column (e.g. Gi* hotspot classes) and write a PNG.

    Parameters
    ----------
    geo : GeoDataFrame
        Units with polygons and the column.
    column : str
        Categorical column; every value must have a colour.
    path : str or PathLike
        PNG file (written atomically).
    colors : dict of str to str
        Colour of every category, in legend order.
    title, legend_title, note : str, optional

    Returns
    -------
    pathlib.Path
    """
    if column not in geo.columns:
        raise LabelMismatchError(f"no column {column!r} to map")
    values = geo[column].astype(str)
    unknown = sorted(set(values) - set(colors))
    if unknown:
        raise LabelMismatchError(f"{column}: no colour for categories {unknown}")
    from matplotlib.patches import Patch

    projected = geo.to_crs(CHINA_ALBERS)
    fill = [colors[v] for v in values]
    handles = [
        Patch(facecolor=c, edgecolor="#888888", label=f"{k}  ({int((values == k).sum())})")
        for k, c in colors.items()
    ]
    return _draw(geo, projected, fill, handles, legend_title or column, title or column, note, path)


def _draw(geo, projected, fill, handles, legend_title, title, note, path) -> Path:
    main, inset_box = _split_inset(projected, geo)
    fig = new_figure(9.0, 7.2, layout=None)
    ax = fig.add_axes((0.02, 0.06, 0.96, 0.86))
    projected.plot(ax=ax, color=fill, edgecolor="white", linewidth=0.25)
    pad = 0.02 * (main[2] - main[0])
    ax.set_xlim(main[0] - pad, main[2] + pad)
    ax.set_ylim(main[1] - pad, main[3] + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if inset_box is not None:
        inset = ax.inset_axes((0.80, 0.0, 0.2, 0.3))
        projected.plot(ax=inset, color=fill, edgecolor="#555555", linewidth=0.3)
        inset.set_xlim(inset_box[0], inset_box[2])
        inset.set_ylim(inset_box[1], inset_box[3])
        inset.set_aspect("equal")
        inset.set_xticks([])
        inset.set_yticks([])
        inset.set_xlabel("")
        inset.set_ylabel("")
        for side in inset.spines.values():
            side.set_color("#555555")
            side.set_linewidth(0.6)
        inset.set_title("南海诸岛 South China Sea", fontsize=6, pad=2)
    ax.legend(
        handles=handles,
        title=legend_title,
        loc="lower left",
        fontsize=7,
        title_fontsize=7.5,
        frameon=True,
    )
    fig.suptitle(title, fontsize=12, y=0.97)
    footer = "China Albers equal-area projection (25°N/47°N, 105°E); boundaries: census 2020"
    fig.text(0.02, 0.015, f"{footer}. {note}" if note else footer, fontsize=6, color="#555555")
    return save_figure(fig, path)


def _svg_path(geom, scale: float, x0: float, y1: float) -> str:
    parts = []
    polygons = getattr(geom, "geoms", [geom])
    for poly in polygons:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            px = np.round((xy[:, 0] - x0) * scale, 1)
            py = np.round((y1 - xy[:, 1]) * scale, 1)
            pts = " ".join(f"{a:g},{b:g}" for a, b in zip(px, py))
            parts.append(f"M{pts}Z")
    return "".join(parts)


def choropleth_html(
    geo,
    column: str,
    *,
    unit: str,
    scheme: str = "quantiles",
    k: int = 5,
    title: str | None = None,
    cmap: str = "YlOrRd",
    tolerance_km: float = 3.0,
    width: int = 900,
    names: Mapping[str, str] | None = None,
) -> str:
    """An interactive choropleth as a self-contained HTML fragment (SVG + inline script).

    Hovering a unit shows its name, code(s) and value with the unit.  Geometries are
    simplified (``tolerance_km``) in the equal-area projection to keep the fragment small
    (about 300 kB for the 369 census units).  The fragment uses no external resource.

    Parameters
    ----------
    geo : GeoDataFrame
        As for :func:`plot_choropleth`.
    column, unit, scheme, k, title, cmap
        As for :func:`plot_choropleth`.
    tolerance_km : float, default=3.0
        Douglas-Peucker simplification tolerance [km].
    width : int, default=900
        Width of the SVG viewBox [px]; the map scales to its container.
    names : mapping of str to str, optional
        Unit label -> name shown on hover (the ``--labels`` style,
        :func:`mrio_city.model.names.display_names`); labels not in it are shown as they are.

    Returns
    -------
    str
        An HTML ``<figure>`` element with its own ``<style>`` and ``<script>``.
    """
    projected, values, classes, bins, colors, fill, labels = _prepare(
        geo, column, scheme, k, cmap, unit
    )
    factor, unit = display_unit(values, unit)
    values = values * factor
    main, _ = _split_inset(projected, geo)
    simple = projected.geometry.simplify(tolerance_km * 1000.0, preserve_topology=True)
    x0, y0, x1, y1 = main
    scale = width / (x1 - x0)
    height = int(math.ceil((y1 - y0) * scale))
    uid = "m" + uuid.uuid4().hex[:8]
    codes = geo["city_codes"] if "city_codes" in geo.columns else pd.Series(geo.index, geo.index)
    paths = []
    for (label, geom), color, value, code in zip(simple.items(), fill, values, codes):
        d = _svg_path(geom, scale, x0, y1)
        if not d:
            continue
        shown = "no data" if not np.isfinite(value) else f"{value:,.4g}"
        paths.append(
            f'<path d="{d}" fill="{color}" data-n="{html.escape(shown_names([label], names)[0])}" '
            f'data-c="{html.escape(str(code))}" data-v="{html.escape(shown)}"/>'
        )
    legend = "".join(
        f'<li><span style="background:{c}"></span>{html.escape(lab)}</li>'
        for c, lab in zip(colors, labels)
    )
    if (classes < 0).any():
        legend += f'<li><span style="background:{_NO_DATA}"></span>no data</li>'
    heading = html.escape(title or column)
    unit_js = json.dumps(f" {unit}")
    return f"""<figure class="mrio-map" id="{uid}">
<style>
#{uid}{{margin:0;font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;
position:relative;max-width:{width}px}}
#{uid} svg{{width:100%;height:auto;display:block}}
#{uid} path{{stroke:#fff;stroke-width:0.4}}
#{uid} path:hover{{stroke:#222;stroke-width:1.2}}
#{uid} figcaption{{font-size:15px;font-weight:600;margin:4px 0}}
#{uid} ul{{list-style:none;padding:0;margin:6px 0;font-size:12px;display:flex;
flex-wrap:wrap;gap:10px}}
#{uid} li span{{display:inline-block;width:14px;height:10px;margin-right:4px;border:1px solid #999}}
#{uid} .tip{{position:absolute;pointer-events:none;background:#fff;border:1px solid #888;
padding:3px 6px;font-size:12px;display:none;white-space:nowrap}}
</style>
<figcaption>{heading}</figcaption>
<svg viewBox="0 0 {width} {height}" role="img" aria-label="{heading}">{"".join(paths)}</svg>
<div class="legend"><b>{html.escape(column)} [{html.escape(unit)}]</b>
<ul>{legend}</ul></div>
<div class="tip"></div>
<script>
(function(){{var f=document.getElementById("{uid}"),t=f.querySelector(".tip");
f.querySelector("svg").addEventListener("mousemove",function(e){{var p=e.target;
if(p.tagName!=="path"){{t.style.display="none";return;}}
var r=f.getBoundingClientRect();t.textContent=p.dataset.n+" ("+p.dataset.c+"): "+p.dataset.v+
(p.dataset.v==="no data"?"":{unit_js});t.style.left=(e.clientX-r.left+12)+"px";
t.style.top=(e.clientY-r.top+12)+"px";t.style.display="block";}});
f.querySelector("svg").addEventListener("mouseleave",function(){{t.style.display="none";}});
}})();
</script>
</figure>"""


def write_choropleth_html(
    geo, column: str, path: str | os.PathLike[str], *, unit: str, **options
) -> Path:
    """Write :func:`choropleth_html` as a complete offline HTML page (atomically).

    Parameters
    ----------
    geo, column, unit
        As for :func:`choropleth_html`.
    path : str or PathLike
        HTML file to write.
    **options
        Passed to :func:`choropleth_html`.

    Returns
    -------
    pathlib.Path
    """
    fragment = choropleth_html(geo, column, unit=unit, **options)
    title = html.escape(options.get("title") or column)
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body>\n{fragment}\n</body></html>\n"
    )
    return write_text(path, page)
