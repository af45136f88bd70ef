"""Spatial subcommands: ``map`` (choropleth of a per-city results column).

Thin handlers over :mod:`mrio_city.exports.maps` and :mod:`mrio_city.analyses.spatial`;
they need the optional extra ``mrio-city[spatial]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the spatial subcommands to the CLI."""
    from mrio_city.exports.maps import SCHEMES

    p = sub.add_parser(
        "map",
        help="choropleth map (PNG or offline HTML) of one per-city results column",
        description=(
            "Draw a classed choropleth of one per-city column of a results file written by "
            "mrio-city (e.g. footprints' accounts.csv, a wide CSV or an xlsx sheet), joined to "
            "the census city boundaries by census name or code.  --out FILE.png writes a "
            "PNG, FILE.html an interactive page that works offline.  Needs "
            "pip install 'mrio-city[spatial]'."
        ),
    )
    p.add_argument("results", metavar="RESULTS", help="per-city results file (.csv or .xlsx)")
    p.add_argument("--column", required=True, help="quantity to map, e.g. consumption_based")
    p.add_argument(
        "--out",
        default=None,
        help="output file, .png or .html (default: map-<column>.png in the current folder)",
    )
    p.add_argument("--stressor", default=None, help="stressor, when the file holds several")
    p.add_argument("--unit", default=None, help="unit for the legend (default: from the file)")
    p.add_argument("--scheme", choices=list(SCHEMES), default="quantiles")
    p.add_argument("--k", type=int, default=5, help="number of classes (default 5)")
    p.add_argument("--title", default=None, help="map title")
    p.add_argument("--data", default=None, help="real-data folder (default: MRIO_CITY_DATA)")
    p.set_defaults(func=_map)


def _map(args: argparse.Namespace) -> int:
    from mrio_city.analyses.spatial.geometry import join_values
    from mrio_city.exports.maps import plot_choropleth, write_choropleth_html
    from mrio_city.io.results import read_city_column
    from mrio_city.sources.geography import read_city_boundaries

    values, unit = read_city_column(args.results, args.column, stressor=args.stressor)
    unit = args.unit or unit or "unit not given"
    out = Path(args.out) if args.out else Path(f"map-{args.column}.png")
    if out.suffix.lower() not in (".png", ".html"):
        raise ValueError(f"--out must end in .png or .html, not {out.name!r}")
    geo = join_values(read_city_boundaries(data_dir=args.data), values, what=args.results)
    options = {"unit": unit, "scheme": args.scheme, "k": args.k, "title": args.title}
    if out.suffix.lower() == ".html":
        write_choropleth_html(geo, args.column, out, **options)
    else:
        plot_choropleth(geo, args.column, out, **options)
    print(f"mapped {len(geo)} of {len(values)} cities; wrote {out}")
    return 0
