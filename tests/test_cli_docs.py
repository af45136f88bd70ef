"""docs/cli.md lists every command with an example, and every example parses."""

import argparse
import re
import shlex
from pathlib import Path

import pytest

from mrio_city.commands.main import build_parser

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _leaves(parser, prefix=""):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                path = f"{prefix} {name}".strip()
                nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
                if nested:
                    yield from _leaves(sub, path)
                else:
                    yield path


def _rows() -> dict[str, str]:
    """Command -> example of each row of the command table."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[2].startswith("`mrio-city"):
            rows[cells[0].strip("`")] = cells[2].strip("`")
    return rows


README = DOC.parents[1] / "README.md"


def _examples() -> list[str]:
    """Every `mrio-city ...` span of docs/cli.md and every command line of the README."""
    text = DOC.read_text(encoding="utf-8")
    found = set(re.findall(r"`(mrio-city [^`]+)`", text))
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("mrio-city "):
            found.add(line.split("  #")[0].strip())
    return sorted(found)


def test_every_command_has_a_row_with_its_example():
    rows = _rows()
    commands = set(_leaves(build_parser()))
    assert commands - set(rows) == set(), "commands missing from docs/cli.md"
    assert set(rows) - commands == set(), "docs/cli.md lists commands that do not exist"
    for command, example in rows.items():
        assert example.startswith(f"mrio-city {command}"), (command, example)


@pytest.mark.parametrize("example", _examples())
def test_every_example_parses(example):
    argv = shlex.split(example)[1:]
    if argv[-1] in ("...", "[options]") or "COMMAND" in argv:
        pytest.skip("a synopsis, not an example")
    args = build_parser().parse_args(argv)  # SystemExit (exit code 2) on any error
    assert getattr(args, "func", None) is not None, example
