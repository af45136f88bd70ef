"""Supply-chain anatomy subcommands: ``paths``, ``tiers``, ``extraction``, ``decompose``."""

from __future__ import annotations

import argparse

from mrio_city.commands._common import (
    add_data,
    add_labels,
    add_out,
    add_quiet,
    add_table,
    city_names,
    out_dir,
    print_paths,
    progress,
)

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the anatomy subcommands to the CLI."""
    p = sub.add_parser(
        "paths",
        help="top supply-chain paths of a city's footprint (structural path analysis)",
        description="List the top supply-chain paths of a city's consumption-based footprint.",
    )
    add_table(p)
    p.add_argument("--city", required=True, help="the consuming city")
    p.add_argument("--sector", help="only the city's final demand for this sector's products")
    p.add_argument("--top", type=int, default=20, help="number of paths (default 20)")
    p.add_argument("--max-depth", type=int, default=8, help="longest path in steps (default 8)")
    add_out(p, "paths", "paths CSV/xlsx, a bar chart and a Sankey diagram")
    add_labels(p)
    add_quiet(p)
    p.set_defaults(func=_paths)

    p = sub.add_parser(
        "tiers",
        help="production-layer (tier) decomposition of every city's footprint",
        description="Split every city's consumption-based footprint by supply-chain tier.",
    )
    add_table(p)
    p.add_argument("--tiers", type=int, default=6, help="explicit tiers (default 6)")
    add_out(p, "tiers", "tiers CSV/xlsx and a chart")
    add_quiet(p)
    p.set_defaults(func=_tiers)

    p = sub.add_parser(
        "extraction",
        help="hypothetical extraction of each city: emissions its supply-chain links carry",
        description=(
            "Remove each city's supply-chain links (total, backward or forward) and report the "
            "emissions that disappear in every city; 'roles' scores every city's role."
        ),
    )
    add_table(p)
    p.add_argument(
        "--linkage", default="roles", choices=["roles", "total", "backward", "forward"],
        help="variant (default: roles = all three, summarized per city)",
    )  # fmt: skip
    add_out(p, "extraction", "CSV and xlsx files")
    add_quiet(p)
    p.set_defaults(func=_extraction)

    p = sub.add_parser(
        "decompose",
        help="structural decomposition of the footprint change between two tables",
        description=(
            "Split the change of every city's footprint from TABLE to TABLE1 into intensity, "
            "technology, trade structure, final-demand level and mix effects."
        ),
    )
    # two tables, both required: the grammar's one exception (TABLE cannot default here)
    p.add_argument("table", metavar="TABLE", help="the earlier table (folder or known name)")
    p.add_argument("table1", metavar="TABLE1", help="the later table (same cities and sectors)")
    add_data(p)
    add_out(p, "decompose", "CSV, xlsx and a waterfall chart")
    add_quiet(p)
    p.set_defaults(func=_decompose)


def _load(name: str, args: argparse.Namespace):
    from mrio_city.commands.core import _load as load

    return load(name, progress=progress(args))


def _out(args: argparse.Namespace):
    """The output folder, checked (a file in the way, no permission) before any work."""
    from mrio_city.io.staging import check_output_dir

    return check_output_dir(out_dir(args))


def _paths(args: argparse.Namespace) -> int:
    from mrio_city.analyses.anatomy.paths import structural_paths
    from mrio_city.exports.anatomy import write_paths

    out = _out(args)
    table = _load(args.table, args)
    res = structural_paths(
        table, args.city, sector=args.sector, top=args.top, max_depth=args.max_depth
    )
    print(f"footprint of {args.city}: {res.total:,.0f} {res.unit}; top {len(res.paths)} paths "
          f"cover {res.coverage:.1%}")  # fmt: skip
    for rank, row in res.paths.iterrows():
        print(f"{rank:>3} {row['value']:>16,.0f} {row['share']:>7.2%}  {row['path']}")
    print_paths(write_paths(res, table, out, names=city_names(table, args)))
    return 0


def _tiers(args: argparse.Namespace) -> int:
    from mrio_city.analyses.anatomy.tiers import tier_decomposition
    from mrio_city.exports.anatomy import write_tiers

    out = _out(args)
    table = _load(args.table, args)
    tiers = tier_decomposition(table, tiers=args.tiers, progress=progress(args))
    shares = tiers.sum() / tiers.to_numpy().sum()
    print("share of the national footprint by tier: "
          + ", ".join(f"{k} {v:.1%}" for k, v in shares.items()))  # fmt: skip
    print_paths(write_tiers(tiers, table, out))
    return 0


def _extraction(args: argparse.Namespace) -> int:
    from mrio_city.analyses.anatomy.extraction import extraction_effects, supply_chain_roles
    from mrio_city.exports.anatomy import write_extraction

    out = _out(args)
    table = _load(args.table, args)
    if args.linkage == "roles":
        frame = supply_chain_roles(table, progress=progress(args))
        print(frame["role"].value_counts().to_string())
        name = "supply_chain_roles"
    else:
        frame = extraction_effects(table, linkage=args.linkage, progress=progress(args))
        national = frame.attrs["national"].sort_values(ascending=False)
        print(f"largest national effects ({args.linkage} extraction):")
        print(national.head(10).to_string())
        name = f"extraction_{args.linkage}"
    print_paths(write_extraction(frame, table, out, name=name))
    return 0


def _decompose(args: argparse.Namespace) -> int:
    from mrio_city.analyses.anatomy.decomposition import structural_decomposition
    from mrio_city.exports.anatomy import write_decomposition

    out = _out(args)
    t0, t1 = _load(args.table, args), _load(args.table1, args)
    res = structural_decomposition(t0, t1, progress=progress(args))
    print(f"national footprint {res.start.sum():,.0f} -> {res.end.sum():,.0f} {res.unit}")
    for name, value in res.national().items():
        print(f"  {name:<22} {value:+,.0f}")
    print_paths(write_decomposition(res, t0, t1, out))
    return 0
