"""The core CLI commands: tables, info, footprints; exit codes and messages."""

import pandas as pd
import pytest

from mrio_city import compute_accounts
from mrio_city.commands.main import build_parser, main
from mrio_city.testing import toy_cities


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for command in (
        "tables",
        "info",
        "footprints",
        "demo",
        "inequality",
        "indicators",
        "run",
        "sweep",
        "build",
    ):
        assert command in text


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: mrio-city" in capsys.readouterr().out


def test_tables_lists_known_tables(capsys):
    assert main(["tables"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("china-309-synthetic  SYNTHETIC") for line in lines)
    assert any(line.startswith("toy-cities") for line in lines)


def test_info_shows_totals_and_checks(capsys):
    assert main(["info", "toy-cities"]) == 0
    out = capsys.readouterr().out
    assert "CO2 industry [t CO2]" in out and " 85" in out
    assert "max column sum of A                           0.5000" in out


def test_footprints_summary_and_files(tmp_path, capsys):
    assert main(["footprints", "toy-cities", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "share of emissions embodied in inter-city supply chains: 34.0%" in out
    assert "51.36" in out and "45.64" in out  # CBF incl. households, docs/methods.md §11.2
    long = pd.read_csv(tmp_path / "accounts.csv")
    cbf = long[(long.account == "consumption_based") & (long.stressor == "CO2")]
    expected = compute_accounts(toy_cities()).consumption_based["CO2"]
    assert cbf.set_index("city")["value"].to_dict() == pytest.approx(expected.to_dict())
    assert (tmp_path / "accounts.xlsx").stat().st_size > 0


def test_unknown_table_one_line_exit_2(capsys):
    assert main(["info", "no-such-table"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("mrio-city info: error: unknown table 'no-such-table'")
    assert "Traceback" not in err[0]


def test_debug_shows_traceback():
    with pytest.raises(FileNotFoundError, match="unknown table 'no-such-table'"):
        main(["--debug", "info", "no-such-table"])


def test_bad_method_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["footprints", "toy-cities", "--method", "lu"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'lu'" in capsys.readouterr().err
