"""One CLI grammar: optional TABLE and --out, --data, --json, suggestions, plain messages."""

import json

import pytest

from mrio_city.commands import _common
from mrio_city.commands._common import DEFAULT_TABLE
from mrio_city.commands.main import build_parser, main
from mrio_city.io.provenance import format_provenance

TABLE_COMMANDS = ["info", "footprints", "inequality", "indicators", "aggregate", "paths", "tiers"]
TABLE_COMMANDS += ["extraction", "compare-paper", "spatial", "report", "demo"]
OUT_COMMANDS = ["footprints", "inequality", "indicators", "run", "sweep", "inventory", "aggregate"]
OUT_COMMANDS += ["paths", "tiers", "extraction", "compare-paper", "spatial", "montecarlo", "map"]


@pytest.mark.parametrize("command", TABLE_COMMANDS)
def test_table_is_optional_with_the_default_table(command):
    args = build_parser().parse_args([command, *_extra(command)])
    assert args.table == DEFAULT_TABLE
    assert hasattr(args, "data")  # --data wherever a table (possibly real data) is read


def _extra(command):
    return {
        "run": ["s.toml"],
        "sweep": ["s.toml", "--param", "a", "--values", "1"],
        "inventory": ["e.csv"],
        "paths": ["--city", "A"],
        "montecarlo": ["s.toml"],
        "map": ["r.csv", "--column", "c"],
    }.get(command, [])


@pytest.mark.parametrize("command", OUT_COMMANDS)
def test_out_is_optional_with_a_documented_default(command, capsys):
    args = build_parser().parse_args([command, *_extra(command)])
    assert args.out is None and args.out_command == command
    assert _common.out_dir(args).as_posix() == f"mrio-city-output/{command}"
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    assert f"mrio-city-output/{command}" in "".join(capsys.readouterr().out.split())


def test_footprints_writes_to_the_default_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["footprints", "toy-cities", "--quiet"]) == 0
    assert (tmp_path / "mrio-city-output" / "footprints" / "accounts.xlsx").is_file()
    assert "mrio-city-output/footprints" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["footprint"], "did you mean 'footprints'?"),
        (["indicators", "--boundary-set", "ramaswami"], "did you mean 'ramaswami4'?"),
        (["indicators", "--variant", "lincuí"], "did you mean 'lincui'?"),
    ],
)
def test_invalid_choices_suggest_the_closest(argv, suggestion, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert suggestion in capsys.readouterr().err


def test_misspelt_table_gets_a_suggestion(capsys):
    assert main(["info", "toy-citys"]) == 2
    err = capsys.readouterr().err
    assert "unknown table 'toy-citys'; did you mean 'toy-cities'?" in err


def test_missing_folder_does_not_exist(tmp_path, capsys):
    missing = tmp_path / "no" / "table"
    assert main(["info", str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"{missing} does not exist" in err and "unknown table" not in err
    assert main(["info", "toy-cities", "--data", str(missing)]) == 2
    assert f"--data: folder {missing} does not exist" in capsys.readouterr().err


def test_data_option_sets_the_data_folder(tmp_path, monkeypatch):
    from mrio_city.sources import default_data_dir

    monkeypatch.setenv("MRIO_CITY_DATA", "")
    assert main(["info", "toy-cities", "--data", str(tmp_path), "--quiet"]) == 0
    assert default_data_dir() == tmp_path.resolve()


def test_misspelt_group_suggests_without_python_wording(capsys, tmp_path):
    from mrio_city.io.folder import write_table
    from mrio_city.sources.synthetic import city_mrio

    folder = write_table(city_mrio(n_cities=8, n_sectors=3, n_provinces=2), tmp_path / "t")
    assert main(["inequality", str(folder), "--group", "provnce", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'province'?" in err and "--group none" in err
    assert "group=None" not in err


def test_umfpack_offered_only_when_installed(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name.startswith("scikits") else real(name, *a),
    )
    assert "umfpack" not in _common.solver_methods()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    assert "umfpack" in _common.solver_methods()


def test_info_json_and_tables_json(capsys):
    assert main(["info", "toy-cities", "--json", "--quiet"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["name"] == "toy-cities" and doc["max_column_sum_A"] == pytest.approx(0.5)
    assert doc["summary"]["cities"] == 2 and "recipe" in doc["provenance"]
    assert main(["tables", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"toy-cities", "china-309-synthetic"} <= {r["name"] for r in rows}
    assert all(r["recipe"].endswith(".toml") and r["description"] for r in rows)


def test_tables_says_where_it_looked_when_nothing_is_found(tmp_path, monkeypatch, capsys):
    from mrio_city.io import registry

    monkeypatch.setattr(registry, "shipped", lambda *parts: tmp_path / "empty")
    monkeypatch.delenv("MRIO_CITY_TABLES", raising=False)
    assert main(["tables"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no tables found") and str(tmp_path / "empty") in out
    assert "MRIO_CITY_TABLES" in out


def test_provenance_prints_as_a_readable_table():
    prov = {
        "generator": "mrio_city.sources.regionalize:build_china_cities",
        "build_seconds": 12.6,
        "inputs": {
            "census": {"path": "/data/census/census.csv", "sha256": "be1aaf8d5650a451" * 4},
        },
        "parameters": {"year": 2012, "decay": {f"sector {i}": 1.0 + i / 10 for i in range(12)}},
    }
    text = format_provenance(prov)
    assert "{" not in text and "'" not in text  # no Python dicts
    lines = text.splitlines()
    assert lines[0] == "  generator      mrio_city.sources.regionalize:build_china_cities"
    assert "    census  census.csv  sha256 be1aaf8d5650  (/data/census)" in lines
    assert "    year   2012" in lines
    assert any(line.startswith("      sector 0 1; sector 1 1.1;") for line in lines)


def test_misspelt_sector_suggests(tmp_path, capsys):
    from mrio_city.io.folder import write_table
    from mrio_city.sources.synthetic import city_mrio

    folder = write_table(city_mrio(n_cities=8, n_sectors=3, n_provinces=2), tmp_path / "t")
    argv = ["indicators", str(folder), "--key-sectors", "Constructon", "--out", str(tmp_path)]
    assert main([*argv, "--quiet"]) == 2
    assert "did you mean 'Construction'?" in capsys.readouterr().err


# --- the grammar over the whole argparse tree (holds for commands added later) ---------------

#: Commands that write no files (no --out).
NON_WRITERS = {"tables", "info"}
#: Commands that take two tables, both required (TABLE cannot default when TABLE1 follows).
TWO_TABLES = {"decompose"}
#: Commands that load no table, no real data and run in well under 2 s (no --quiet needed).
INSTANT = {"tables"}


def _leaf_parsers():
    """(name, parser) of every subcommand that runs something, nested ones as 'build KIND'."""
    import argparse

    def walk(parser, prefix):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, f"{prefix} {name}".strip())
        if prefix and parser.get_default("func") is not None:
            subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
            if not subs:
                yield prefix, parser

    return list(walk(build_parser(), ""))


LEAVES = _leaf_parsers()


def _actions(parser):
    positional = {a.dest: a for a in parser._actions if not a.option_strings}
    options = {s: a for a in parser._actions for s in a.option_strings}
    return positional, options


def test_the_tree_has_every_command():
    names = {name for name, _ in LEAVES}
    assert {"footprints", "paths", "montecarlo", "build china-cities", "map"} <= names
    assert len(names) >= 20


@pytest.mark.parametrize(("name", "parser"), LEAVES, ids=[n for n, _ in LEAVES])
def test_every_command_follows_the_grammar(name, parser):
    positional, options = _actions(parser)
    command = name.split()[-1]
    # a table is read through an optional TABLE (default table) or an optional --table
    if "table" in positional and command not in TWO_TABLES:
        table = positional["table"]
        assert table.metavar == "TABLE" and table.nargs == "?", name
        assert table.default == DEFAULT_TABLE, name
    if "--table" in options:
        assert options["--table"].default is None and not options["--table"].required, name
    reads_table = "table" in positional or "--table" in options
    # --data wherever a table (maybe built from real data) or real data are read
    if reads_table or command in {"china-cities", "map"}:
        assert "--data" in options, f"{name}: no --data"
    # every writer has an optional --out with a documented default
    if command not in NON_WRITERS:
        out = options.get("--out")
        assert out is not None and not out.required and out.default is None, name
        assert "default" in out.help, name
        if parser.get_default("out_command") is not None:
            default = _common.default_out(parser.get_default("out_command")).as_posix()
            assert default in out.help, name
        else:  # build writes to the cache folder by default
            assert name == "build china-cities", f"{name}: --out not from add_out"
    else:
        assert "--out" not in options, name
    # progress: on by default, --quiet turns it off
    if command not in INSTANT:
        assert "--quiet" in options, f"{name}: no --quiet"
    # --labels, where present, is the one option of _common
    if "--labels" in options:
        from mrio_city.model.names import LABEL_STYLES

        assert options["--labels"].choices == list(LABEL_STYLES)
        assert options["--labels"].default == "zh"


@pytest.mark.parametrize(
    "command",
    ["demo", "footprints", "inequality", "indicators", "run", "paths", "montecarlo"]
    + ["report", "map", "spatial"],
)
def test_commands_that_show_city_names_take_labels(command):
    parser = dict(LEAVES)[command]
    assert "--labels" in _actions(parser)[1]


def test_misspelt_city_and_sector_of_paths_suggest(capsys, tmp_path):
    argv = ["paths", "toy-cities", "--out", str(tmp_path), "--quiet"]
    assert main([*argv, "--city", "a"]) == 2
    assert "did you mean 'A'?" in capsys.readouterr().err
    assert main([*argv, "--city", "A", "--sector", "S1"]) == 2
    assert "did you mean 's1'?" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "nope.toml"], "error: scenario file 'nope.toml' does not exist"),
        (["map", "nope.csv", "--column", "x"], "error: results file 'nope.csv' does not exist"),
    ],
)
def test_a_missing_input_file_is_bad_input_not_a_bug(argv, message, tmp_path, capsys):
    assert main([*argv, "--out", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and "unexpected" not in err and "--debug" not in err
