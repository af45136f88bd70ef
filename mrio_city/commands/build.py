"""``mrio-city build china-cities``: regionalize public data into a city MRIO table folder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mrio_city.commands._common import add_quiet, progress

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``build`` command (with sub-command ``china-cities``) to the CLI."""
    from mrio_city.sources.regionalize.intermediate import (
        DEFAULT_DELTA,
        DEFAULT_METHOD,
        INTERMEDIATE_METHODS,
    )

    p = sub.add_parser(
        "build",
        help="build a table from public data (china-cities)",
        description="Build a city MRIO table from the public data sets (see docs/).",
    )
    kinds = p.add_subparsers(dest="build_kind", metavar="KIND")
    q = kinds.add_parser(
        "china-cities",
        help="China city MRIO 2012 or 2017 regionalized from NBS, CEADs, census and yearbook data",
        description=(
            "Regionalize China's national IO table into a city MRIO (AFLQ/FLQ/CHARM local "
            "supply, gravity trade, Chenery-Moses, RAS) with CEADs CO2; write the table folder "
            "and the unit report (china-cities-<year>-units.csv).  Without --out the table goes "
            "to the cache folder, where load_table('china-cities-<year>') finds it.  "
            "--sensitivity rebuilds the table for each documented variant and prints the "
            "headline numbers.  See docs/china-cities.md."
        ),
    )
    q.add_argument("--year", type=int, default=2012, choices=(2012, 2017), help="table year")
    q.add_argument(
        "--data",
        metavar="DIR",
        default=None,
        help="real-data folder (default: $MRIO_CITY_DATA, else data_dir in "
        "~/.config/mrio-city/config.toml, else ../shared/data/real beside a source checkout)",
    )
    q.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="table folder to write (default: the cache folder, $MRIO_CITY_CACHE or "
        "~/.cache/mrio-city); with --sensitivity, the folder of the sensitivity CSV",
    )
    q.add_argument(
        "--method",
        choices=INTERMEDIATE_METHODS,
        default=DEFAULT_METHOD,
        help=f"local share of intermediate use (default {DEFAULT_METHOD})",
    )
    q.add_argument(
        "--delta",
        type=float,
        default=DEFAULT_DELTA,
        help=f"FLQ/AFLQ exponent delta (default {DEFAULT_DELTA}, Chinese provincial tests)",
    )
    q.add_argument(
        "--sensitivity",
        action="store_true",
        help="rebuild for each variant (delta 0.1-0.4, FLQ/AFLQ/CHARM, gravity decay, "
        "households) and print the headline numbers",
    )
    q.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    add_quiet(q)
    q.set_defaults(func=_china_cities)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _china_cities(args: argparse.Namespace) -> int:
    from mrio_city.io.folder import write_table
    from mrio_city.io.registry import default_cache_dir
    from mrio_city.sources.regionalize import build_china_cities
    from mrio_city.sources.regionalize.intermediate import DEFAULT_DELTA, DEFAULT_METHOD

    if args.sensitivity:
        return _sensitivity(args)
    name = f"china-cities-{args.year}"
    default = args.method == DEFAULT_METHOD and args.delta == DEFAULT_DELTA
    if args.out:
        out = Path(args.out)
    elif default and args.data is None:
        out = _registry_cache_path(name)  # where load_table(name) looks first
    else:
        suffix = "" if default else f"-{args.method}-delta{args.delta:g}"
        out = default_cache_dir() / "builds" / f"{name}{suffix}"
    if out.exists() and not args.overwrite and args.out:
        raise FileExistsError(f"output folder {out} exists; pass --overwrite to replace it")
    report_dir = out.parent
    report_dir.mkdir(parents=True, exist_ok=True)
    table = build_china_cities(
        args.year,
        data_dir=args.data,
        intermediate_method=args.method,
        delta=args.delta,
        name=name,
        report_dir=report_dir,
        progress=progress(args),
    )
    write_table(table, out, overwrite=True if not args.out else args.overwrite)
    checks = table.meta.provenance["checks"]
    print(
        f"wrote {out} ({table.n_cities} cities x {table.n_sectors} sectors) and "
        f"{report_dir / f'china-cities-{args.year}-units.csv'}"
    )
    print(json.dumps(checks, indent=2, ensure_ascii=False))
    return 0


def _registry_cache_path(name: str) -> Path:
    """Cache folder of the registered recipe ``name`` (as :func:`load_table` names it)."""
    from mrio_city.io.recipes import load_recipe
    from mrio_city.io.registry import default_cache_dir, tables_dirs

    for folder in tables_dirs():
        path = folder / f"{name}.toml"
        if path.is_file():
            recipe = load_recipe(path)
            return default_cache_dir() / f"{recipe.name}-{recipe.key[:16]}"
    return default_cache_dir() / "builds" / name


def _sensitivity(args: argparse.Namespace) -> int:
    from mrio_city.sources.regionalize.sensitivity import format_markdown, sensitivity_table

    frame = sensitivity_table(args.year, data_dir=args.data, progress=args.progress)
    print(format_markdown(frame))
    print()
    for label, row in frame.iterrows():
        if isinstance(row.get("top10_per_capita"), str):
            print(f"{label}: top 10 per capita (t CO2): {row['top10_per_capita']}")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"china-cities-{args.year}-sensitivity.csv"
        tmp = path.with_suffix(".csv.tmp")
        frame.to_csv(tmp)
        tmp.replace(path)
        print(f"wrote {path}")
    return 0
