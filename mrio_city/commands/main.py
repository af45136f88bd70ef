"""Command-line interface: ``mrio-city COMMAND ...``.

A thin layer: each module in :mod:`mrio_city.commands` registers its subcommands; handlers
call the public API and return an exit code.  Bad input (any :class:`MrioCityError`, a missing
or unwritable file) prints one line naming the file or input and exits with code 2; any other
exception prints a one-line summary with the hint to use ``--debug`` and exits with code 1;
``--debug`` shows the traceback instead (:func:`error_line`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from mrio_city._version import __version__
from mrio_city.commands._common import OUTPUT_ROOT, Parser, apply_data, default_out
from mrio_city.model.errors import MrioCityError

__all__ = ["build_parser", "main", "error_line"]

#: Modules of :mod:`mrio_city.commands` whose ``register(subparsers)`` adds subcommands.
COMMAND_MODULES = (
    "core",
    "analyses",
    "scenarios",
    "build",
    "inventory",
    "groups",
    "report",
    "spatial",
    "anatomy",
    "uncertainty",
)

DESCRIPTION = f"""\
City-level multi-regional input-output (MRIO) carbon footprints.

TABLE is a table folder (see docs/table-format.md) or the name of a table the package
knows: bundled ('toy-cities'), generated ('china-309-synthetic') or built from real data
('china-cities-2012'); `mrio-city tables` lists them.

TABLE is optional: without it commands use china-309-synthetic.  Commands that write
files take --out DIR (default: {OUTPUT_ROOT}/<command> in the working folder).
Progress shows on a terminal, as log lines when redirected; --quiet turns it off.

Start with:  mrio-city info
             mrio-city report
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every registered subcommand."""
    parser = Parser(
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
    if getattr(args, "out_command", None) and not getattr(args, "out", None):
        args.out = str(default_out(args.out_command))
    try:
        apply_data(args)
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"mrio-city {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        code, line = error_line(exc)
        print(f"mrio-city {args.command}: {line}", file=sys.stderr)
        return code


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _raised_by_package(exc: BaseException) -> bool:
    """Whether the innermost frame of ``exc`` is code of mrio-city (not a library below it)."""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return False
    filename = os.path.abspath(last.tb_frame.f_code.co_filename)
    return filename.startswith(_PACKAGE_DIR + os.sep)


def _one_line(text: object) -> str:
    lines = [part.strip() for part in str(text).splitlines() if part.strip()]
    return " / ".join(lines) if lines else ""


def error_line(exc: BaseException) -> tuple[int, str]:
    """Exit code and the one line printed for an error that ends a command.

    * errors of the package (:class:`MrioCityError`, and ``ValueError``/``KeyError``/
      ``FileNotFoundError`` raised by the package's own argument checks) and operating-system
      errors on a named file (a missing input, an unwritable ``--out``, a full disk): exit 2,
      ``error: <message>``;
    * anything else is a bug or an unexpected state: exit 1, a one-line summary and the hint
      to run with ``--debug`` for the traceback.
    """
    if isinstance(exc, MrioCityError):
        return 2, f"error: {_one_line(exc)}"
    if isinstance(exc, OSError) and (exc.filename is not None or exc.strerror):
        where = f": {exc.filename}" if exc.filename is not None else ""
        other = f" -> {exc.filename2}" if exc.filename2 is not None else ""
        return 2, f"error: {exc.strerror or _one_line(exc)}{where}{other}"
    if isinstance(exc, KeyError | ValueError | FileNotFoundError) and _raised_by_package(exc):
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        return 2, f"error: {_one_line(message)}"
    summary = _one_line(exc)
    summary = f"{type(exc).__name__}: {summary}" if summary else type(exc).__name__
    return 1, f"unexpected error: {summary} (run again with --debug for the traceback)"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
