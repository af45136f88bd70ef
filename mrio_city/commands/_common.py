"""The grammar every subcommand shares: TABLE, --out, --data, --quiet, suggestions.

* ``TABLE`` is optional; without it a command uses :data:`DEFAULT_TABLE`.
* ``--out DIR`` is optional; without it a command writes to ``mrio-city-output/<command>``
  in the working folder (:func:`default_out`).
* ``--data DIR`` sets the real-data folder (same as the environment variable
  ``MRIO_CITY_DATA``) for the tables built from real data.
* Progress is on by default on a terminal, log lines when redirected, off with ``--quiet``.
* ``--labels zh|pinyin|code`` chooses how charts and reports show city names
  (:func:`add_labels`, :func:`city_names`).
* Misspelt choices get a "did you mean" hint (:class:`Parser`).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
from pathlib import Path

from mrio_city.model.labels import closest_label

__all__ = [
    "DEFAULT_TABLE",
    "OUTPUT_ROOT",
    "Parser",
    "add_table",
    "add_out",
    "add_data",
    "add_quiet",
    "add_labels",
    "apply_data",
    "city_names",
    "default_out",
    "out_dir",
    "progress",
    "solver_methods",
]

#: The table a command uses when TABLE is not given (the one default of the command line).
DEFAULT_TABLE = "china-309-synthetic"

#: Folder (in the working folder) under which commands write when --out is not given.
OUTPUT_ROOT = "mrio-city-output"

_CHOICE = re.compile(r"invalid choice: '(?P<value>[^']*)' \(choose from (?P<choices>.*)\)$")


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose "invalid choice" errors add the closest choice."""

    def error(self, message: str) -> None:  # noqa: D102 (argparse API)
        match = _CHOICE.search(message)
        if match:
            choices = re.findall(r"'([^']*)'", match["choices"])
            close = closest_label(match["value"], choices)
            if close is not None:
                message = f"{message}; did you mean {close!r}?"
        super().error(message)


def default_out(command: str) -> Path:
    """Default output folder of ``command``: ``mrio-city-output/<command>``."""
    return Path(OUTPUT_ROOT) / command


def add_table(p: argparse.ArgumentParser) -> None:
    """The optional TABLE argument (default :data:`DEFAULT_TABLE`) and --data."""
    p.add_argument(
        "table",
        metavar="TABLE",
        nargs="?",
        default=DEFAULT_TABLE,
        help=f"table folder or known table name (default: {DEFAULT_TABLE}; "
        "`mrio-city tables` lists them)",
    )
    add_data(p)


def add_out(p: argparse.ArgumentParser, command: str, what: str = "output files") -> None:
    """The optional --out folder, default ``mrio-city-output/<command>``."""
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help=f"folder for the {what} (default: {default_out(command)})",
    )
    p.set_defaults(out_command=command)


def out_dir(args: argparse.Namespace) -> Path:
    """The output folder of a command: --out, else its default."""
    if getattr(args, "out", None):
        return Path(args.out).expanduser()
    return default_out(getattr(args, "out_command", args.command))


def add_data(p: argparse.ArgumentParser) -> None:
    """--data DIR: the real-data folder (overrides MRIO_CITY_DATA and the config file)."""
    if any("--data" in a.option_strings for a in p._actions):
        return
    p.add_argument(
        "--data",
        metavar="DIR",
        default=None,
        help="real-data folder for tables built from public data (default: $MRIO_CITY_DATA, "
        "else data_dir in ~/.config/mrio-city/config.toml, else ../shared/data/real beside "
        "a source checkout)",
    )


def apply_data(args: argparse.Namespace) -> None:
    """Make --data the data folder of this run; raise if it does not exist."""
    data = getattr(args, "data", None)
    if not data:
        return
    from mrio_city.model.errors import DataSourceError
    from mrio_city.sources._paths import ENV_VAR

    folder = Path(data).expanduser()
    if not folder.is_dir():
        raise DataSourceError(f"--data: folder {folder} does not exist")
    os.environ[ENV_VAR] = str(folder.resolve())


def add_quiet(p: argparse.ArgumentParser) -> None:
    """--quiet (no progress); --progress is kept to force progress when not on a terminal."""
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress output (default: a bar on a terminal, a line every 10 s in a log)",
    )
    p.add_argument("--progress", action="store_true", help=argparse.SUPPRESS)


def progress(args: argparse.Namespace) -> bool:
    """Whether this run reports progress: yes unless --quiet."""
    return not getattr(args, "quiet", False)


def add_labels(p: argparse.ArgumentParser) -> None:
    """--labels zh|pinyin|code: how charts and reports show city names (default zh)."""
    from mrio_city.model.names import LABEL_STYLES

    p.add_argument(
        "--labels",
        choices=list(LABEL_STYLES),
        default="zh",
        help="city names in charts and reports: zh (the table's Chinese names), pinyin "
        "(Hanyu Pinyin from the shipped census crosswalk) or code (6-digit census code); "
        "default zh",
    )


def city_names(table, args: argparse.Namespace) -> dict[str, str]:
    """City label -> name to show, in the style of --labels (the table's labels without it)."""
    from mrio_city.model.names import city_display_names

    return city_display_names(table, getattr(args, "labels", "zh")).to_dict()


def solver_methods() -> list[str]:
    """Solver methods offered on the command line: umfpack only when scikit-umfpack is there."""
    methods = ["auto", "dense", "sparse", "block"]
    try:
        if importlib.util.find_spec("scikits.umfpack") is not None:
            methods.insert(3, "umfpack")
    except (ImportError, ValueError):
        pass
    return methods


def print_paths(paths: list[Path] | dict[str, Path]) -> None:
    """Print the files written, one folder line when they share a folder."""
    values = list(paths.values()) if isinstance(paths, dict) else list(paths)
    folders = {p.parent for p in values}
    if len(folders) == 1 and len(values) > 1:
        print(f"wrote {len(values)} files to {folders.pop()}: {', '.join(p.name for p in values)}")
    else:
        for path in values:
            print(f"wrote {path}")
