"""Spatial subcommands: ``map`` (choropleth of a results column) and ``spatial`` (the layer).

Thin handlers over :mod:`mrio_city.exports.maps` and :mod:`mrio_city.analyses.spatial`;
they need the optional extra ``mrio-city[spatial]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mrio_city.commands._common import (
    add_data,
    add_labels,
    add_out,
    add_quiet,
    add_table,
    city_names,
    progress,
)

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
    add_out(p, "map", "map-<column>.png and .html, or one file ending in .png or .html")
    p.add_argument("--stressor", default=None, help="stressor, when the file holds several")
    p.add_argument("--unit", default=None, help="unit for the legend (default: from the file)")
    p.add_argument("--scheme", choices=list(SCHEMES), default="quantiles")
    p.add_argument("--k", type=int, default=5, help="number of classes (default 5)")
    p.add_argument("--title", default=None, help="map title")
    add_data(p)
    add_labels(p)
    add_quiet(p)
    p.set_defaults(func=_map)

    p = sub.add_parser(
        "spatial",
        help="maps, Gi* hotspots (PBF vs CBF), GWR drivers and sink deficits of a table",
        description=(
            "Spatial analysis of a table whose cities carry census names or codes (e.g. "
            "china-cities-2012): a map of per-capita consumption-based footprints (PNG and "
            "offline HTML), Getis-Ord Gi* hotspots of production- vs consumption-based "
            "emission densities with the share of cities and of area that are hotspots, GWR "
            "of per-capita CBF on the table's drivers against a global OLS (local coefficient "
            "maps, exported table) and, with --land-use, carbon sinks and relative deficits.  "
            "Needs pip install 'mrio-city[spatial]'."
        ),
    )
    add_table(p)
    add_out(p, "spatial", "maps, hotspot, GWR and deficit files")
    p.add_argument("--land-use", default=None, help="land-use CSV (unit, class, area)")
    p.add_argument(
        "--coefficients",
        default="china-land-use-literature",
        help="sink coefficient set (shipped name or CSV path)",
    )
    add_labels(p)
    add_quiet(p)
    p.set_defaults(func=_spatial)


def _map(args: argparse.Namespace) -> int:
    from mrio_city.analyses.spatial.geometry import join_values
    from mrio_city.exports.maps import plot_choropleth, write_choropleth_html
    from mrio_city.io.results import read_city_column
    from mrio_city.sources.geography import read_city_boundaries

    values, unit = read_city_column(args.results, args.column, stressor=args.stressor)
    unit = args.unit or unit or "unit not given"
    outs = _map_files(Path(args.out), args.column)
    geo = join_values(
        read_city_boundaries(data_dir=args.data), values, what=args.results, keep_unmatched=True
    )
    options = {"unit": unit, "scheme": args.scheme, "k": args.k, "title": args.title}
    for out in outs:
        if out.suffix.lower() == ".html":
            names = _unit_names(geo, args.labels)
            write_choropleth_html(geo, args.column, out, names=names, **options)
        else:
            plot_choropleth(geo, args.column, out, **options)
    mapped = int(geo[args.column].notna().sum())
    print(f"mapped {mapped} of {len(values)} cities; wrote {', '.join(str(p) for p in outs)}")
    return 0


def _unit_names(geo, style: str) -> dict[str, str]:
    """Map unit label -> name shown in the ``style`` of --labels (census codes matched first)."""
    from mrio_city.model.names import display_names

    codes = None
    if "city_codes" in geo.columns:
        codes = [c if isinstance(c, str) and ";" not in c else None for c in geo["city_codes"]]
    return display_names([str(i) for i in geo.index], style, codes=codes).to_dict()


def _map_files(out: Path, column: str) -> list[Path]:
    """The files of ``map``: --out FILE.png or FILE.html, else map-<column>.png/.html in --out.

    The folder is checked (and created) before any work.
    """
    from mrio_city.io.staging import check_output_dir
    from mrio_city.model.errors import OutputFolderError

    if out.suffix.lower() in (".png", ".html"):
        check_output_dir(out.parent)
        return [out]
    if out.suffix and not out.is_dir():
        raise OutputFolderError(
            f"--out {out}: give a folder, or a file ending in .png or .html (not {out.suffix!r})"
        )
    folder = check_output_dir(out)
    return [folder / f"map-{column}.png", folder / f"map-{column}.html"]


def _spatial(args: argparse.Namespace) -> int:
    from mrio_city.analyses.spatial.study import spatial_study
    from mrio_city.exports.spatial import write_spatial
    from mrio_city.io.registry import load_table
    from mrio_city.io.staging import staged_output
    from mrio_city.model.errors import LabelMismatchError
    from mrio_city.sources.geography import read_city_boundaries

    with staged_output(args.out, command="spatial") as run:  # --out checked before work
        table = load_table(args.table, progress=progress(args))
        try:
            study = spatial_study(
                table,
                read_city_boundaries(data_dir=args.data),
                progress=progress(args),
                what=args.table,
                **_spatial_inputs(args, table),
            )
        except LabelMismatchError as exc:
            raise LabelMismatchError(
                f"{exc} (spatial needs a table whose cities are census units, e.g. "
                "`mrio-city spatial china-cities-2012`)"
            ) from None
        switches = {
            "land_use": args.land_use,
            "coefficients": args.coefficients if args.land_use else None,
        }
        written = write_spatial(
            study,
            run.path,
            table=table,
            names=city_names(table, args),
            note=f"table {args.table}",
            metadata=switches,
        )
        run.record(parameters={"table": args.table})
    for path in written:
        print(f"wrote {run.final(path)}")
    print(study.report())
    return 0


def _spatial_inputs(args: argparse.Namespace, table) -> dict:
    """Land use and sink coefficients (--land-use), county census (tables with census codes)."""
    inputs: dict = {}
    if args.land_use:
        from mrio_city.analyses.spatial.sinks import read_land_use, read_sink_coefficients

        inputs["land_use"] = read_land_use(args.land_use)
        inputs["sink_coefficients"] = read_sink_coefficients(args.coefficients)
    attrs = table.city_attributes
    if attrs is not None and "city_code" in attrs.columns:
        from mrio_city.sources.geography import read_county_census

        inputs["county_census"] = read_county_census(data_dir=args.data)
    return inputs


def demo_map(out: Path, data_dir=None, labels: str = "zh") -> list[Path]:
    """The demo's map: CO2 per person of every city in 2012 (county CO2 / census population).

    Real data only (the demo's synthetic table has no geography): Chen et al. (2020) county
    CO2 for 2012 summed to prefecture codes, over the 2010 census population.  Writes a PNG
    and an offline HTML map into ``out``; ``labels`` ('zh', 'pinyin' or 'code') is how the
    HTML map names the cities on hover.
    """
    from mrio_city.analyses.spatial.study import per_capita_from_counties
    from mrio_city.exports.spatial import write_co2_per_capita_maps
    from mrio_city.sources import read_county_co2
    from mrio_city.sources.geography import read_city_boundaries

    geo = read_city_boundaries(data_dir=data_dir)
    per_capita = per_capita_from_counties(read_county_co2(data_dir=data_dir), geo, year=2012)
    return write_co2_per_capita_maps(per_capita, geo, out, labels=labels)
