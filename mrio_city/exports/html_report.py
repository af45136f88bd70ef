"""One self-contained HTML page that summarises a table's footprints for a policy office.

:func:`report_content` computes what the page shows (headline figures, top and bottom cities,
inequality, the scenario outcome, method notes with provenance); :func:`write_html_report`
renders it.  The page needs no network: charts are PNG data URIs, the map is an inline SVG
(:func:`mrio_city.exports.maps.choropleth_html`) when city boundaries are available, styles and
the map's small script are inline.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city._version import __version__
from mrio_city.exports.files import write_text
from mrio_city.io.provenance import format_provenance
from mrio_city.model.names import city_display_names

__all__ = ["ReportContent", "report_content", "render_html_report", "write_html_report"]

_TOP = 10


@dataclass
class ReportContent:
    """What the report page shows (computed, not yet rendered).

    Attributes
    ----------
    title : str
    headline : list of (label, value text, unit)
    cities : DataFrame
        One row per city: display name, population, PBF, CBF, CBF per capita [t/person],
        sorted by CBF per capita (descending).
    inequality : list of (measure, value text, unit)
    lorenz_png, map_html : str
        A PNG data URI of the Lorenz curve; the map as an HTML fragment (SVG or an ``<img>``).
    scenario : list of (label, value text, unit), or None
    scenario_text : str
    notes : list of str
        Method notes (plain text).
    provenance : str
        The table's provenance as an aligned text table.
    """

    title: str
    headline: list[tuple[str, str, str]]
    cities: pd.DataFrame
    inequality: list[tuple[str, str, str]]
    lorenz_png: str
    map_html: str
    scenario: list[tuple[str, str, str]] | None = None
    scenario_text: str = ""
    notes: list[str] = field(default_factory=list)
    provenance: str = ""


def _png_uri(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _lorenz_png(lorenz: pd.DataFrame, gini: float) -> str:
    import matplotlib.pyplot as plt

    from mrio_city._fonts import use_chart_font

    use_chart_font()
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="equality")
    ax.plot(lorenz["population_share"], lorenz["emission_share"], color="#c0392b", lw=2)
    ax.fill_between(
        lorenz["population_share"],
        lorenz["emission_share"],
        lorenz["population_share"],
        color="#c0392b",
        alpha=0.12,
        label=f"Gini {gini:.3f}",
    )
    ax.set_xlabel("cumulative share of population [1]")
    ax.set_ylabel("cumulative share of CO2 footprint [1]")
    ax.set_title("Lorenz curve of per-capita footprints")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", frameon=False)
    return _png_uri(fig)


def _dot_map_png(table, per_capita: pd.Series, names: pd.Series, unit: str) -> str | None:
    """Cities as dots at their coordinates, coloured by per-capita footprint (no boundaries)."""
    attrs = table.city_attributes
    if attrs is None or not {"longitude", "latitude"} <= set(attrs.columns):
        return None
    import matplotlib.pyplot as plt

    from mrio_city._fonts import use_chart_font

    use_chart_font()
    pop = pd.Series(np.asarray(table.population, float), index=table.cities)
    fig, ax = plt.subplots(figsize=(7.2, 5.2))
    sc = ax.scatter(
        attrs["longitude"],
        attrs["latitude"],
        s=8 + 120 * np.sqrt(pop / pop.max()),
        c=per_capita.reindex(attrs.index),
        cmap="YlOrRd",
        edgecolor="0.3",
        linewidth=0.3,
    )
    fig.colorbar(sc, ax=ax, label=f"CBF per capita [{unit}]", shrink=0.8)
    for city in per_capita.sort_values(ascending=False).index[:5]:
        ax.annotate(
            str(names[city]),
            (attrs.at[city, "longitude"], attrs.at[city, "latitude"]),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.set_xlabel("longitude [deg E]")
    ax.set_ylabel("latitude [deg N]")
    ax.set_title("Per-capita footprint by city (dot size: population)")
    ax.set_aspect(1.2)
    return _png_uri(fig)


def _map_html(table, per_capita: pd.Series, names: pd.Series, unit: str, map_geo) -> str:
    if map_geo is not None:
        from mrio_city.analyses.spatial.geometry import join_values
        from mrio_city.exports.maps import choropleth_html

        geo = join_values(map_geo, per_capita.rename("cbf_per_capita"), what="per-capita CBF")
        return choropleth_html(
            geo, "cbf_per_capita", unit=unit, title="Consumption-based footprint per capita"
        )
    uri = _dot_map_png(table, per_capita, names, unit)
    if uri is None:
        return '<p class="note">No city coordinates in this table: no map.</p>'
    return f'<img src="{uri}" alt="map of per-capita footprints">'


def _fmt(value: float, unit: str) -> str:
    if unit in ("1",) and abs(value) <= 1.5:
        return f"{value:.3f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"


def report_content(
    table,
    accounts,
    *,
    scenario_result=None,
    labels: str = "zh",
    map_geo=None,
) -> ReportContent:
    """Compute what the report shows.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
        With population (per-capita figures need it).
    accounts : Accounts
        From :func:`mrio_city.accounts.footprints.compute_accounts`.
    scenario_result : ScenarioResult, optional
        A scenario run on the same table; its headline numbers are shown.
    labels : {'zh', 'pinyin', 'code'}, default='zh'
        How city names are shown (:func:`mrio_city.model.names.city_display_names`).
    map_geo : GeoDataFrame, optional
        Census city boundaries (:func:`mrio_city.sources.geography.read_city_boundaries`); with
        them the map is a choropleth, without them a dot map at the cities' coordinates.

    Returns
    -------
    ReportContent
    """
    from mrio_city.exports.reports import inequality_tables

    names = city_display_names(table, labels)
    s = accounts.production_based.columns[0]
    unit = accounts.units[s]
    attrs = table.city_attributes
    group = "province" if attrs is not None and "province" in attrs.columns else None
    tables = inequality_tables(table, accounts, group=group)
    summ, pc = tables["summary"], tables["per_capita"]
    pc_unit = str(summ.loc["mean_per_capita", "unit"])
    big = unit == "t CO2"
    scale, sunit = (1e6, "Mt CO2") if big else (1.0, unit)
    pbf = accounts.production_based_with_households[s]
    cbf = accounts.consumption_based_with_households[s]
    cities = pd.DataFrame(
        {
            "city": names,
            "population [persons]": pc["population"],
            f"PBF [{sunit}]": pbf / scale,
            f"CBF [{sunit}]": cbf / scale,
            f"CBF per capita [{pc_unit}]": pc["per_capita"],
        }
    ).sort_values(f"CBF per capita [{pc_unit}]", ascending=False)
    v = summ["value"]
    headline = [
        ("cities", f"{table.n_cities:,}", ""),
        ("population", f"{v['population'] / 1e6:,.1f}", "million persons"),
        ("production-based emissions (incl. households)", f"{pbf.sum() / scale:,.1f}", sunit),
        ("consumption-based footprint (incl. households)", f"{cbf.sum() / scale:,.1f}", sunit),
        ("mean footprint per person", f"{v['mean_per_capita']:.2f}", pc_unit),
        ("embodied in inter-city supply chains", f"{accounts.supply_chain_share[s]:.1%}", ""),
    ]
    measures = {
        "gini": "Gini (population-weighted)",
        "gini_unweighted": "Gini (cities unweighted)",
        "theil_t": "Theil T",
        "theil_l": "Theil L",
        "top10_share": "share of the top 10 % of people",
        "bottom50_share": "share of the bottom 50 % of people",
        "p90_p10": "P90 / P10",
        "theil_t_between_share": "share of Theil T between provinces",
    }
    inequality = [
        (label, _fmt(float(v[key]), str(summ.loc[key, "unit"])), str(summ.loc[key, "unit"]))
        for key, label in measures.items()
        if key in v.index
    ]
    scenario, scenario_text = None, ""
    if scenario_result is not None:
        units = scenario_result.summary_units()
        scenario = [
            (key.replace("_", " "), _fmt(val, units.get(key, "")), units.get(key, ""))
            if isinstance(val, (int, float)) and not isinstance(val, bool)
            else (key.replace("_", " "), str(val), "")
            for key, val in scenario_result.summary().items()
        ]
        scenario_text = scenario_result.summary_text()
    notes = [
        "Footprints solve the Leontief system x = A x + y for every city's final demand with "
        "one factorization, never forming the inverse (docs/methods.md).",
        "PBF: CO2 emitted in the city by industry plus households' direct emissions. CBF: "
        "CO2 emitted anywhere to meet the city's final demand plus its households' direct "
        "emissions.",
        "Per-capita footprints divide CBF by resident population; Gini and Theil weight "
        "cities by population (docs/analyses.md).",
        f"Units: emissions in {sunit}, per-capita values in {pc_unit}.",
    ]
    if table.meta.provenance.get("synthetic"):
        notes.append("This table is SYNTHETIC: generated, not observed data.")
    return ReportContent(
        title=f"Carbon footprints of {table.name}",
        headline=headline,
        cities=cities,
        inequality=inequality,
        lorenz_png=_lorenz_png(tables["lorenz"], float(v["gini"])),
        map_html=_map_html(table, pc["per_capita"], names, pc_unit, map_geo),
        scenario=scenario,
        scenario_text=scenario_text,
        notes=notes,
        provenance=format_provenance(dict(table.meta.provenance)) or "(none recorded)",
    )


_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",system-ui,sans-serif;
margin:0;color:#222;background:#f6f6f4}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 10px;
border-bottom:2px solid #c0392b;padding-bottom:4px}
.sub{color:#666;margin:0 0 18px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px}
.card{background:#fff;border-radius:6px;padding:12px 14px;box-shadow:0 1px 2px #0002}
.card b{display:block;font-size:24px;color:#c0392b}.card span{font-size:12px;color:#555}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}
table{border-collapse:collapse;background:#fff;font-size:13px;width:100%}
th,td{padding:4px 8px;border-bottom:1px solid #e4e4e4;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#efefec}img{max-width:100%}
pre{background:#fff;padding:10px;font-size:11px;overflow-x:auto}
.note{color:#666;font-style:italic}
@media (max-width:800px){.grid2{grid-template-columns:1fr}}
"""


def _rows(items: list[tuple[str, str, str]]) -> str:
    return "".join(
        f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td>{html.escape(c)}</td></tr>"
        for a, b, c in items
    )


def _city_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        cells = [html.escape(str(row.iloc[0]))]
        cells += [
            f"{float(x):,.0f}" if abs(float(x)) >= 1000 else f"{float(x):,.2f}"
            for x in row.iloc[1:]
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html_report(content: ReportContent) -> str:
    """Render :class:`ReportContent` as one self-contained HTML document (str)."""
    cards = "".join(
        f'<div class="card"><b>{html.escape(val)}</b><span>{html.escape(label)}'
        f"{' [' + html.escape(unit) + ']' if unit else ''}</span></div>"
        for label, val, unit in content.headline
    )
    top = _city_table(content.cities.head(_TOP))
    bottom = _city_table(content.cities.tail(_TOP).iloc[::-1])
    if content.scenario is None:
        scenario = '<p class="note">No scenario was run (mrio-city report --scenario FILE).</p>'
    else:
        scenario = (
            f"<table><thead><tr><th>quantity</th><th>value</th><th>unit</th></tr></thead>"
            f"<tbody>{_rows(content.scenario)}</tbody></table>"
            f"<pre>{html.escape(content.scenario_text)}</pre>"
        )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in content.notes)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(content.title)}</title><style>{_CSS}</style></head>
<body><main>
<h1>{html.escape(content.title)}</h1>
<p class="sub">mrio-city {__version__}, {stamp}</p>
<section><div class="cards">{cards}</div></section>
<h2>Map</h2><section>{content.map_html}</section>
<h2>Cities with the highest and lowest footprint per person</h2>
<div class="grid2"><div><h3>Top {_TOP}</h3>{top}</div>
<div><h3>Bottom {_TOP}</h3>{bottom}</div></div>
<h2>Inequality</h2>
<div class="grid2"><div><img src="{content.lorenz_png}" alt="Lorenz curve"></div>
<div><table><thead><tr><th>measure</th><th>value</th><th>unit</th></tr></thead>
<tbody>{_rows(content.inequality)}</tbody></table></div></div>
<h2>Scenario</h2><section>{scenario}</section>
<h2>Method notes</h2><ul>{notes}</ul>
<h3>Provenance of the table</h3><pre>{html.escape(content.provenance)}</pre>
</main></body></html>
"""


def write_html_report(content: ReportContent, path: str | os.PathLike[str]) -> Path:
    """Write the report page atomically (temporary file in the folder, then rename).

    Parameters
    ----------
    content : ReportContent
    path : str or PathLike
        The HTML file; its folder is created.

    Returns
    -------
    pathlib.Path
    """
    return write_text(path, render_html_report(content))
