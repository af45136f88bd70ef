"""Supply-chain anatomy subcommands: ``paths``, ``tiers``, ``extraction``, ``decompose``."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def _table_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("table", metavar="TABLE", help="table folder or known table name")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the anatomy subcommands to the CLI."""
    p = sub.add_parser(
        "paths",
        help="top supply-chain paths of a city's footprint (structural path analysis)",
        description="List the top supply-chain paths of a city's consumption-based footprint.",
    )
    _table_arg(p)
    p.add_argument("--city", required=True, help="the consuming city")
    p.add_argument("--sector", help="only the city's final demand for this sector's products")
    p.add_argument("--top", type=int, default=20, help="number of paths (default 20)")
    p.add_argument("--max-depth", type=int, default=8, help="longest path in steps (default 8)")
    p.add_argument("--out", metavar="DIR", help="write paths CSV/xlsx, a bar chart and a Sankey")
    p.set_defaults(func=_paths)

    p = sub.add_parser(
        "tiers",
        help="production-layer (tier) decomposition of every city's footprint",
        description="Split every city's consumption-based footprint by supply-chain tier.",
    )
    _table_arg(p)
    p.add_argument("--tiers", type=int, default=6, help="explicit tiers (default 6)")
    p.add_argument("--out", metavar="DIR", help="write tiers CSV/xlsx and a chart")
    p.set_defaults(func=_tiers)

    p = sub.add_parser(
        "extraction",
        help="hypothetical extraction of each city: emissions its supply-chain links carry",
        description=(
            "Remove each city's supply-chain links (total, backward or forward) and report the "
            "emissions that disappear in every city; 'roles' scores every city's role."
        ),
    )
    _table_arg(p)
    p.add_argument(
        "--linkage", default="roles", choices=["roles", "total", "backward", "forward"],
        help="variant (default: roles = all three, summarized per city)",
    )  # fmt: skip
    p.add_argument("--out", metavar="DIR", help="write CSV and xlsx")
    p.set_defaults(func=_extraction)

    p = sub.add_parser(
        "decompose",
        help="structural decomposition of the footprint change between two tables",
        description=(
            "Split the change of every city's footprint from TABLE to TABLE1 into intensity, "
            "technology, trade structure, final-demand level and mix effects."
        ),
    )
    _table_arg(p)
    p.add_argument("table1", metavar="TABLE1", help="the later table (same cities and sectors)")
    p.add_argument("--out", metavar="DIR", help="write CSV, xlsx and a waterfall chart")
    p.set_defaults(func=_decompose)


def _load(name: str):
    from mrio_city.commands.core import _load as load

    return load(name)


def _report(paths) -> None:
    for path in paths:
        print(f"wrote {path}")


def _paths(args: argparse.Namespace) -> int:
    from mrio_city.analyses.anatomy.paths import structural_paths
    from mrio_city.exports.anatomy import write_paths

    table = _load(args.table)
    res = structural_paths(
        table, args.city, sector=args.sector, top=args.top, max_depth=args.max_depth
    )
    print(f"footprint of {args.city}: {res.total:,.0f} {res.unit}; top {len(res.paths)} paths "
          f"cover {res.coverage:.1%}")  # fmt: skip
    for rank, row in res.paths.iterrows():
        print(f"{rank:>3} {row['value']:>16,.0f} {row['share']:>7.2%}  {row['path']}")
    if args.out:
        _report(write_paths(res, table, Path(args.out)))
    return 0


def _tiers(args: argparse.Namespace) -> int:
    from mrio_city.analyses.anatomy.tiers import tier_decomposition
    from mrio_city.exports.anatomy import write_tiers

    table = _load(args.table)
    tiers = tier_decomposition(table, tiers=args.tiers)
    shares = tiers.sum() / tiers.to_numpy().sum()
    print("share of the national footprint by tier: "
          + ", ".join(f"{k} {v:.1%}" for k, v in shares.items()))  # fmt: skip
    if args.out:
        _report(write_tiers(tiers, table, Path(args.out)))
    return 0


def _extraction(args: argparse.Namespace) -> int:
    from mrio_city.analyses.anatomy.extraction import extraction_effects, supply_chain_roles
    from mrio_city.exports.anatomy import write_extraction

    table = _load(args.table)
    if args.linkage == "roles":
        frame = supply_chain_roles(table)
        print(frame["role"].value_counts().to_string())
        name = "supply_chain_roles"
    else:
        frame = extraction_effects(table, linkage=args.linkage)
        national = frame.attrs["national"].sort_values(ascending=False)
        print(f"largest national effects ({args.linkage} extraction):")
        print(national.head(10).to_string())
        name = f"extraction_{args.linkage}"
    if args.out:
        _report(write_extraction(frame, table, Path(args.out), name=name))
    return 0


def _decompose(args: argparse.Namespace) -> int:
    from mrio_city.analyses.anatomy.decomposition import structural_decomposition
    from mrio_city.exports.anatomy import write_decomposition

    t0, t1 = _load(args.table), _load(args.table1)
    res = structural_decomposition(t0, t1)
    print(f"national footprint {res.start.sum():,.0f} -> {res.end.sum():,.0f} {res.unit}")
    for name, value in res.national().items():
        print(f"  {name:<22} {value:+,.0f}")
    if args.out:
        _report(write_decomposition(res, t0, t1, Path(args.out)))
    return 0
