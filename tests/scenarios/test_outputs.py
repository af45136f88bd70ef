"""Scenario outputs: paper comparison (CLI and workbook sheet), IAMC table read by pyam, the
one-page summary figure."""

import warnings

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from mrio_city.commands.main import main
from mrio_city.exports.iamc import ALL_CITIES, IAMC_COLUMNS, scenario_to_iamc, write_iamc
from mrio_city.exports.scenario_summary import plot_scenario_summary
from mrio_city.scenarios import run_scenario
from mrio_city.scenarios.paper import compare_with_paper

PATHWAYS = {
    "all": {
        "levers": [
            {"type": "electricity", "to_percentile": 25, "gap_closed": 0.5},
            {"type": "final_demand", "cut": 0.1, "categories": ["urban_households"]},
        ]
    }
}


@pytest.fixture(scope="module")
def result(request):
    table = request.getfixturevalue("table")
    baseline = request.getfixturevalue("baseline")
    from mrio_city.scenarios import Scenario

    doc = {"scenario": {"name": "outputs"}, "pathways": PATHWAYS}
    sc = Scenario.from_dict(doc, source="o.toml", table=table)
    return run_scenario(sc, baseline=baseline)


def test_paper_comparison_lists_every_headline(baseline, result):
    df = compare_with_paper(baseline, result)
    assert list(df.columns) == ["published", "ours", "unit", "definition", "note"]
    assert len(df) == 7 and df["definition"].str.len().min() > 20
    ours = df["ours"]
    assert ours["number of super-emitter cities"] == len(result.super_emitters)
    assert ours["carbon quota created"] == pytest.approx(result.quota / 1e9)
    assert ours["quota share of the budget to peak"] == pytest.approx(result.share_of_budget)
    share = float(baseline.accounts.supply_chain_share["CO2"])
    assert ours["share of emissions in inter-city supply chains"] == share
    pc = result.cities["per_capita_baseline"]
    below = ours["share of cities below the global average per-capita footprint"]
    assert below == pytest.approx((pc < 4.87).mean())
    assert df.loc["number of super-emitter cities", "published"] == 32


def test_iamc_table_is_read_by_pyam(tmp_path, result):
    df = scenario_to_iamc(result)
    assert list(df.columns) == IAMC_COLUMNS and df["value"].notna().all()
    total = df[(df["region"] == ALL_CITIES) & (df["variable"] == "Emissions|CO2|Avoided")]
    assert total["value"].iloc[0] == pytest.approx(result.quota / 1e6)
    csv, xlsx = write_iamc(result, tmp_path)
    pyam = pytest.importorskip("pyam", reason="pyam-iamc is in the 'iamc' extra")
    for path in (csv, xlsx):
        iam = pyam.IamDataFrame(str(path))
        assert iam.scenario == [result.scenario.name]
        assert set(iam.year) == {2012, result.target_year}
        avoided = iam.filter(variable="Emissions|CO2|Avoided", region=ALL_CITIES)
        assert avoided.timeseries().iloc[0, 0] == pytest.approx(result.quota / 1e6)
        cbf = iam.filter(variable="Emissions|CO2|Consumption-based", year=2012).data
        assert len(cbf) == result.cities.shape[0] + 1
    import gc

    gc.collect()  # pyam leaves the xlsx handle to the garbage collector


def test_summary_figure_renders_chinese_names_without_missing_glyphs(tmp_path, result):
    # rename cities to Chinese and draw: any missing-glyph warning fails the test
    from dataclasses import replace

    names = {c: f"城市{i}" for i, c in enumerate(result.cities.index)}
    se = result.super_emitters.rename(index=names)
    cities = result.cities.rename(index=names)
    zh = replace(result, super_emitters=se, cities=cities)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*")
        path = plot_scenario_summary(zh, tmp_path / "summary.png")
    assert path.stat().st_size > 20_000
    from matplotlib.image import imread

    img = imread(path)
    assert img.shape[1] > 1500 and np.std(img) > 0.05  # A4 at 150 dpi, not blank


@pytest.mark.slow
def test_compare_paper_cli_on_the_default_table(tmp_path, capsys):
    code = main(["compare-paper", "china-309-synthetic", "--quiet", "--out", str(tmp_path)])
    assert code == 0
    text = capsys.readouterr().out
    assert "number of super-emitter cities" in text and "carbon quota created" in text
    df = pd.read_csv(tmp_path / "paper_comparison.csv", index_col=0)
    assert len(df) == 7 and (df["published"] > 0).all() and df["ours"].notna().all()
    wb = load_workbook(tmp_path / "paper_comparison.xlsx", read_only=True)
    assert "paper_comparison" in wb.sheetnames


@pytest.mark.realdata
@pytest.mark.slow
def test_compare_paper_on_the_real_table_when_data_are_present(capsys, tmp_path):
    from mrio_city.sources import default_data_dir

    if not (default_data_dir() / "ceads-emissions").is_dir():
        pytest.skip("real data folder ../shared/data/real not found; set MRIO_CITY_DATA")
    assert main(["compare-paper", "china-cities-2012", "--quiet", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "against china-cities-2012" in text and "COUNT FORCED" not in text
    rows = {line[:64].strip(): line[64:].split() for line in text.splitlines()[2:9]}
    assert float(rows["number of super-emitter cities"][1]) > 0
    # the quota is a result of the pathways, not of the paper's 1.4 Gt
    assert 0 < float(rows["carbon quota created"][1]) < 1.4


def test_iamc_xlsx_cells_are_never_formulas(tmp_path, monkeypatch):
    import openpyxl

    from mrio_city.exports import iamc

    hostile = pd.DataFrame(
        {c: ["=HYPERLINK(1)" if c == "region" else "x"] for c in IAMC_COLUMNS if c != "value"}
        | {"value": [1.0]}
    )[IAMC_COLUMNS]
    monkeypatch.setattr(iamc, "scenario_to_iamc", lambda result: hostile)
    _, xlsx = iamc.write_iamc(None, tmp_path)
    wb = openpyxl.load_workbook(xlsx)
    cells = [c for row in wb["data"].iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'=HYPERLINK(1)" in [c.value for c in cells]
