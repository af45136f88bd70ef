"""The run and sweep subcommands: outputs written, summary saved, bad input exits 2."""

import json

import openpyxl
import pandas as pd
import pytest

from mrio_city.commands.main import main
from mrio_city.io.folder import write_table
from mrio_city.io.staging import verify_manifest
from mrio_city.scenarios import Scenario, run_scenario

SCENARIO = """
[scenario]
name = "cli-test"
[super_emitter]
rule = "threshold"
threshold = "calibrate"
calibrate_count = 5
[pathways.industrial]
when = { structure = "industrial" }
levers = [{ type = "intensity", sector = "Chemicals", to_percentile = 25 }]
[pathways.rest]
levers = [{ type = "electricity", cut = 0.3 },
          { type = "final_demand", cut = 0.1, categories = ["urban_households"] }]
[quota]
budget_to_peak_gt = 2.0
budget_source = "test"
"""


@pytest.fixture(scope="module")
def table_dir(tmp_path_factory, table):
    return write_table(table, tmp_path_factory.mktemp("t") / "table")


@pytest.fixture
def scenario_file(tmp_path):
    p = tmp_path / "cli.toml"
    p.write_text(SCENARIO)
    return p


def test_run_writes_outputs_and_summary(tmp_path, table, scenario_file, table_dir, capsys):
    out = tmp_path / "out"
    code = main(
        ["run", str(scenario_file), "--out", str(out), "--table", str(table_dir), "--quiet"]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "super-emitters: 5 cities" in text and "quota created:" in text
    for name in (
        "scenario.xlsx",
        "super_emitters.csv",
        "quota_by_lever.csv",
        "cities.csv",
        "reallocation.csv",
        "quota_by_type.png",
        "per_capita_before_after.png",
        "summary.json",
        "summary.txt",
        "scenario_summary.png",
        "scenario_iamc.csv",
        "scenario_iamc.xlsx",
        "paper_comparison.csv",
        "quota_by_consumer.csv",
    ):
        assert (out / name).is_file(), name
    from openpyxl import load_workbook

    sheets = load_workbook(out / "scenario.xlsx", read_only=True).sheetnames
    assert "paper_comparison" in sheets and "quota_by_consumer" in sheets
    summary = json.loads((out / "summary.json").read_text())
    ref = run_scenario(Scenario.from_file(scenario_file), table)
    assert summary["super_emitters"] == 5
    assert summary["quota"] == pytest.approx(ref.quota, rel=1e-9)
    assert summary["share_of_budget"] == pytest.approx(ref.quota / 2e9, rel=1e-9)
    assert summary["count_calibrated"] is True and "CALIBRATED" in text
    assert summary["households_included"] is True
    cities = pd.read_csv(out / "cities.csv", index_col=0)
    assert cities["super_emitter"].sum() == 5
    assert not list(out.glob(".*tmp*"))  # no temporary files left
    # the workbook an economist opens: README explains every sheet, units in headers, no
    # pandas index column; the manifest lists the complete set
    wb = openpyxl.load_workbook(out / "scenario.xlsx")
    assert wb.sheetnames[0] == "README" and wb.sheetnames[-1] == "metadata"
    readme = "\n".join(str(r[0]) for r in wb["README"].iter_rows(values_only=True))
    for ws in wb.worksheets[1:-1]:
        assert f"  {ws.title}: " in readme, ws.title
        assert "index" not in [c.value for c in ws[1]], ws.title
    assert [c.value for c in wb["summary"][1]] == ["key", "value", "unit"]
    assert any(str(c.value).startswith("quota [") for c in wb["quota_by_lever"][1])
    assert verify_manifest(out) == [] and (out / "metadata.json").is_file()


def test_run_bad_file_exits_2(tmp_path, table_dir, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(SCENARIO.replace('sector = "Chemicals"', 'sector = "Steeel"'))
    code = main(
        ["run", str(bad), "--out", str(tmp_path / "o"), "--table", str(table_dir), "--quiet"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert (
        "bad.toml: pathways.industrial.levers[0].sector: 'Steeel' is not a sector of "
        "synthetic-24x8-seed5"
    ) in err
    assert not (tmp_path / "o").exists()


def test_sweep_inprocess(tmp_path, scenario_file, table_dir, capsys):
    out = tmp_path / "sw"
    code = main(
        [
            "sweep",
            str(scenario_file),
            "--param",
            "super_emitter.calibrate_count",
            "--values",
            "3,5",
            "--param",
            "pathways.rest.levers[0].cut",
            "--values",
            "0.1,0.4",
            "--out",
            str(out),
            "--table",
            str(table_dir),
            "--scheduler",
            "inprocess",
            "--quiet",
        ]
    )
    assert code == 0
    long = pd.read_csv(out / "sweep.csv")
    assert set(long["point"]) == {0, 1, 2, 3}
    wide = pd.read_csv(out / "sweep_wide.csv")
    assert list(wide["super_emitter.calibrate_count"]) == [3, 3, 5, 5]
    assert (out / "sweep.xlsx").is_file() and (out / "sweep.png").is_file()
    assert "4 points on inprocess" in capsys.readouterr().out


def test_sweep_mismatched_params_exit_2(tmp_path, scenario_file, capsys):
    code = main(
        [
            "sweep",
            str(scenario_file),
            "--param",
            "a.b",
            "--param",
            "c.d",
            "--values",
            "1",
            "--out",
            str(tmp_path),
            "--scheduler",
            "inprocess",
        ]
    )
    assert code == 2
    assert "give one --values per --param" in capsys.readouterr().err
