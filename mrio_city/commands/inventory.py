"""``mrio-city inventory ENERGY.csv``: CO2 inventory, scopes 1 and 2, classes from energy data."""

from __future__ import annotations

import argparse

from mrio_city.commands._common import add_data, add_out, add_quiet, progress

__all__ = ["register", "run_inventory"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``inventory`` subcommand to the CLI."""
    from mrio_city.inventory.factors import FACTOR_SETS

    p = sub.add_parser(
        "inventory",
        help="CO2 inventory from an energy table: by sector, fuel, scope 1/2 and class",
        description=(
            "Build a CO2 emission inventory from an energy table in long format (region, "
            "sector, fuel, flow, quantity, unit; template: tables/energy/TEMPLATE.md): "
            "combustion CO2 = quantity x NCV x carbon content x oxidation x 44/12, cement "
            "process CO2, scope 1 at power and heat plants, scope 2 of the electricity and heat "
            "used (grid factors), factory/urban/agriculture/rural-living classes.  Writes "
            "inventory.xlsx (a sheet per view) and inventory_<view>.csv to --out."
        ),
        epilog="Shipped factor sets: " + "; ".join(f"{k}: {v[1]}" for k, v in FACTOR_SETS.items()),
    )
    p.add_argument("energy", metavar="ENERGY.csv", help="energy table (CSV)")
    p.add_argument(
        "--factors",
        default="ceads",
        metavar="SET",
        help=f"factor set: {', '.join(FACTOR_SETS)} or a CSV file (default ceads)",
    )
    p.add_argument(
        "--grid",
        default=None,
        metavar="FILE",
        help="grid emission factors CSV (grid, year, carrier, factor, unit); default the "
        "shipped Chinese regional grids (tables/factors/grid_cn.csv)",
    )
    p.add_argument(
        "--grid-regions",
        default=None,
        metavar="FILE",
        help="region -> grid mapping CSV (default tables/factors/grid_regions_cn.csv)",
    )
    p.add_argument(
        "--year",
        "--grid-year",
        dest="year",
        type=int,
        default=None,
        help="year of the grid factors (default: the energy table's year column)",
    )
    p.add_argument(
        "--method",
        choices=["grid", "local"],
        default="grid",
        help="scope 2 valuation: grid average factors (default) or local generation first, "
        "imports at the grid factor",
    )
    p.add_argument(
        "--sectors",
        default=None,
        metavar="FILE",
        help="sector concordance CSV (default: the CEADs 47 sectors -> classes)",
    )
    p.add_argument(
        "--table",
        default=None,
        metavar="TABLE",
        help="also put the physical scope 2 next to the MRIO scopes of this table's cities "
        "(regions named like its cities): sheets city_scopes and scope_summary",
    )
    p.add_argument(
        "--energy-sectors",
        nargs="+",
        default=None,
        metavar="SECTOR",
        help="the table's energy-supply sectors for the MRIO scope 2 (default: labels "
        "containing 'Electricity')",
    )
    add_data(p)
    add_out(p, "inventory")
    add_quiet(p)
    p.set_defaults(func=run_inventory)


def run_inventory(args: argparse.Namespace) -> int:
    """Handler of ``mrio-city inventory``: compute, write, print a short summary."""
    from mrio_city.exports.inventory import write_inventory
    from mrio_city.inventory.power_heat import load_grid_factors
    from mrio_city.inventory.views import build_inventory
    from mrio_city.io.staging import staged_output

    with staged_output(args.out, command="inventory") as run:  # --out checked before work
        grid = load_grid_factors(args.grid, regions=args.grid_regions)
        inventory, scopes = build_inventory(
            args.energy,
            args.factors,
            grid=grid,
            year=args.year,
            method=args.method,
            sectors=args.sectors,
        )
        extra = {}
        if args.table is not None:
            from mrio_city.accounts.scopes import compute_scopes
            from mrio_city.inventory.city_scopes import physical_scopes, scope_summary
            from mrio_city.io.registry import load_table

            table = load_table(args.table, progress=progress(args))
            mrio = compute_scopes(table, energy_sectors=args.energy_sectors)
            extra["city_scopes"] = physical_scopes(
                table, mrio, scopes, energy_sectors=args.energy_sectors
            )
            extra["scope_summary"] = scope_summary(extra["city_scopes"])
            run.record_table(table, source=args.table)
        paths = write_inventory(
            inventory,
            scopes,
            run.path,
            metadata={"command": "inventory", "mrio_table": args.table},
            extra=extra,
        )
        run.record(
            inputs={"energy": str(args.energy), "factors": str(args.factors)},
            parameters={"year": args.year, "method": args.method},
        )
    paths = {k: run.final(p) for k, p in paths.items()}
    r = scopes.by_region
    print(
        f"inventory of {inventory.source}: {len(r)} region(s), factor set "
        f"{inventory.factors.name!r}, scope 2 method {scopes.method!r} ({scopes.year})"
    )
    print(f"{'region':<24}{'scope 1':>14}{'scope 2':>14}{'net import':>14}{'end use':>14}")
    print(f"{'':<24}{'[Mt CO2]':>14}{'[Mt CO2]':>14}{'[GWh]':>14}{'[Mt CO2]':>14}")
    for region, row in r.iterrows():
        print(
            f"{str(region)[:23]:<24}{row['scope1'] / 1e6:>14.3f}{row['scope2'] / 1e6:>14.3f}"
            f"{row['electricity_net_import'] / 1e3:>14.1f}{row['end_use'] / 1e6:>14.3f}"
        )
    if "scope_summary" in extra:
        summary = extra["scope_summary"]
        print(f"with table {args.table!r}:")
        for variant in summary.columns:
            v = summary[variant]
            print(
                f"  scope 2 {variant:<9} scope 1 share {v['scope1_share']:.1%}, scope 2 share "
                f"{v['scope2_share']:.1%}, consumption-led units "
                f"{v['share_consumption_led']:.1%} of {int(v['units'])}"
            )
    print(f"wrote {paths['workbook']} and {len(paths) - 1} CSV files")
    return 0
