"""Group and responsibility subcommands: ``aggregate``; the ``--group``/``--accounts`` hooks."""

from __future__ import annotations

import argparse
from pathlib import Path

from mrio_city.accounts.catalogue import OPTIONAL_ACCOUNTS
from mrio_city.commands._common import add_out, add_quiet, add_table, progress
from mrio_city.model.base_table import BaseTable

__all__ = ["register", "optional_accounts", "write_extra_accounts"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``aggregate`` subcommand to the CLI."""
    p = sub.add_parser(
        "aggregate",
        help="aggregate a table's cities and/or sectors into a smaller valid table",
        description=(
            "Group cities (a city attribute such as province, 'agglomeration', 'size', or a CSV "
            "file with columns city,group) and/or sectors ('17', '6' or a CSV file with columns "
            "sector,group) and write the aggregated table as a table folder."
        ),
    )
    add_table(p)
    p.add_argument("--cities", metavar="GROUPING", help="city grouping (default: none)")
    p.add_argument("--sectors", metavar="GROUPING", help="sector grouping (default: none)")
    add_out(p, "aggregate", "new table")
    p.add_argument("--name", help="name of the new table (default: <TABLE>-aggregated)")
    add_quiet(p)
    p.set_defaults(func=_aggregate)


def add_footprint_options(p: argparse.ArgumentParser) -> None:
    """Options of ``footprints`` for group accounts and income-based accounts."""
    p.add_argument(
        "--group",
        metavar="GROUPING",
        help="also write accounts of city groups: a city attribute (province), 'agglomeration', "
        "'size', 'typology' or a CSV file with columns city,group",
    )
    p.add_argument(
        "--accounts",
        choices=list(OPTIONAL_ACCOUNTS),
        help="also compute optional accounts of the catalogue: 'income' adds the income-based "
        "(downstream, Ghosh) footprint IBF and the city-to-city enabling matrix to "
        "accounts.xlsx, the CSV files and the summary",
    )


def optional_accounts(args: argparse.Namespace) -> dict[str, bool]:
    """Keyword switches of ``compute_accounts`` for the optional accounts asked for."""
    chosen = getattr(args, "accounts", None)
    return {name: chosen == name for name in OPTIONAL_ACCOUNTS}


def write_extra_accounts(args: argparse.Namespace, table: BaseTable, accounts) -> list[Path]:
    """Group accounts asked for on the ``footprints`` command line (``--group``)."""
    paths: list[Path] = []
    if getattr(args, "group", None):
        from mrio_city.exports.groups import write_group_accounts
        from mrio_city.sources.groupings import city_grouping

        mapping = city_grouping(table, args.group, accounts=accounts)
        groups = accounts.by_group(mapping, grouping=args.group)
        share = groups.supply_chain_share.iloc[0]
        shared = int((groups.members.index.value_counts() > 1).sum())
        print(
            f"groups ({args.group}): {len(groups.n_cities)}; supply-chain share between cities "
            f"{share['between_cities']:.1%}, between groups {share['between_groups']:.1%}"
            + (
                f" ({shared} cities belong to several groups and are counted in each)"
                if groups.overlapping
                else ""
            )
        )
        if args.out:
            paths += write_group_accounts(groups, Path(args.out), table=table)
    return paths


def _aggregate(args: argparse.Namespace) -> int:
    from mrio_city.commands.core import _load
    from mrio_city.io.folder import write_table
    from mrio_city.model.aggregate import aggregate
    from mrio_city.sources.groupings import as_partition, city_grouping, sector_grouping

    table = _load(args.table, progress=progress(args))
    cities = sectors = None
    if args.cities:
        grouping = city_grouping(table, args.cities)
        cities = as_partition(grouping, what=f"city grouping {args.cities!r}")
    if args.sectors:
        sectors = sector_grouping(table, args.sectors)
    new = aggregate(table, cities, sectors, name=args.name)
    path = write_table(new, args.out)
    print(
        f"aggregated {table.name}: {table.n_cities} x {table.n_sectors} -> "
        f"{new.n_cities} cities x {new.n_sectors} sectors; wrote {path}"
    )
    return 0
