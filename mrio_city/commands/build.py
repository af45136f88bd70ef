"""``mrio-city build china-cities``: regionalize public data into a city MRIO table folder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``build`` command (with sub-command ``china-cities``) to the CLI."""
    p = sub.add_parser(
        "build",
        help="build a table from public data (china-cities)",
        description="Build a city MRIO table from the public data sets (see docs/).",
    )
    kinds = p.add_subparsers(dest="build_kind", metavar="KIND")
    q = kinds.add_parser(
        "china-cities",
        help="China city MRIO 2012 regionalized from NBS, CEADs, census and yearbook data",
        description=(
            "Regionalize China's national 2012 IO table into a city MRIO (FLQ, gravity trade, "
            "Chenery-Moses, RAS) with CEADs CO2; write the table folder and the unit report "
            "(china-cities-<year>-units.csv).  See docs/china-cities-2012.md."
        ),
    )
    q.add_argument("--year", type=int, default=2012, help="table year (only 2012)")
    q.add_argument(
        "--data",
        metavar="DIR",
        default=None,
        help="real-data folder (default: $MRIO_CITY_DATA or ../shared/data/real)",
    )
    q.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="table folder to write (default: china-cities-<year>)",
    )
    q.add_argument("--delta", type=float, default=0.3, help="FLQ exponent delta (default 0.3)")
    q.add_argument("--overwrite", action="store_true", help="replace an existing --out folder")
    q.add_argument("--progress", action="store_true", help="show a progress bar")
    q.set_defaults(func=_china_cities)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _china_cities(args: argparse.Namespace) -> int:
    from mrio_city.io.folder import write_table
    from mrio_city.sources.regionalize import build_china_cities

    out = Path(args.out) if args.out else Path(f"china-cities-{args.year}")
    if out.exists() and not args.overwrite:
        raise FileExistsError(f"output folder {out} exists; pass --overwrite to replace it")
    report_dir = out.parent if out.parent != Path("") else Path(".")
    table = build_china_cities(
        args.year,
        data_dir=args.data,
        delta=args.delta,
        name=f"china-cities-{args.year}",
        report_dir=report_dir,
        progress=args.progress,
    )
    write_table(table, out, overwrite=args.overwrite)
    checks = table.meta.provenance["checks"]
    print(
        f"wrote {out} ({table.n_cities} regions x {table.n_sectors} sectors) and "
        f"{report_dir / f'china-cities-{args.year}-units.csv'}"
    )
    print(json.dumps(checks, indent=2))
    return 0
