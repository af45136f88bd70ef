"""Command-line interface: ``mrio-city COMMAND ...``.

A thin layer: each module in :mod:`mrio_city.commands` registers its subcommands; handlers
call the public API and return an exit code.  Bad input (any :class:`MrioCityError`, a missing
file) prints one line and exits with code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from mrio_city._version import __version__
from mrio_city.model.errors import MrioCityError

__all__ = ["build_parser", "main"]

#: Modules of :mod:`mrio_city.commands` whose ``register(subparsers)`` adds subcommands.
COMMAND_MODULES = ("core", "analyses", "scenarios", "build", "inventory", "groups", "spatial")

DESCRIPTION = """\
City-level multi-regional input-output (MRIO) carbon footprints.

TABLE is a table folder (see docs/table-format.md) or the name of a table the package
knows: bundled ('toy-cities'), generated ('china-309-synthetic') or built from real data
('china-cities-2012'); `mrio-city tables` lists them.

Start with:  mrio-city info china-309-synthetic
             mrio-city footprints china-309-synthetic --out results/
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="mrio-city",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mrio-city {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"mrio_city.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 success, 1 failed run, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (MrioCityError, FileNotFoundError, KeyError, ValueError) as exc:
        if args.debug:
            raise
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"mrio-city {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
