"""Report writers and the analysis CLI: files, sheets, headers, CSV = Excel, PNGs."""

import argparse

import numpy as np
import openpyxl
import pandas as pd
import pytest

from mrio_city import compute_accounts
from mrio_city.analyses.inequality import gini
from mrio_city.analyses.report_tables import (
    indicator_tables,
    inequality_tables,
    per_capita_footprints,
)
from mrio_city.commands import analyses
from mrio_city.commands.main import main
from mrio_city.exports.reports import indicators_report, inequality_report
from mrio_city.io.folder import write_table
from mrio_city.model.errors import LabelMismatchError, TableValidationError
from mrio_city.sources.synthetic import city_mrio
from mrio_city.testing import toy_cities


@pytest.fixture(scope="module")
def synth():
    t = city_mrio(n_cities=30, n_sectors=8, seed=1)
    return t, compute_accounts(t)


@pytest.fixture(scope="module")
def inequality_out(synth, tmp_path_factory):
    t, a = synth
    out = tmp_path_factory.mktemp("inequality")
    return out, inequality_report(t, a, group="province", out_dir=out)


@pytest.fixture(scope="module")
def indicators_out(synth, tmp_path_factory):
    t, a = synth
    out = tmp_path_factory.mktemp("indicators")
    return out, indicators_report(t, a, out_dir=out)


def _png_ok(path):
    data = path.read_bytes()
    return len(data) > 10_000 and data[:8] == b"\x89PNG\r\n\x1a\n"


def test_per_capita_split_local_plus_imported(synth):
    t, a = synth
    pc = per_capita_footprints(t, a)
    np.testing.assert_allclose(pc["local"] + pc["imported"], pc["per_capita"], rtol=1e-12)
    np.testing.assert_allclose(
        pc["per_capita"] * pc["population"], a.consumption_based_with_households["CO2"], rtol=1e-12
    )
    excl = per_capita_footprints(t, a, households=False)
    np.testing.assert_allclose(
        (pc["local"] - excl["local"]) * pc["population"], a.households["CO2"], rtol=1e-9
    )
    assert pc.attrs["units"]["per_capita"] == "t CO2 per person"


def test_inequality_workbook_sheets_headers_and_values(synth, inequality_out):
    t, a = synth
    out, paths = inequality_out
    wb = openpyxl.load_workbook(paths["workbook"], read_only=True)
    assert wb.sheetnames == [
        "README",
        "summary",
        "per_capita",
        "theil_groups",
        "lorenz",
        "deciles",
        "metadata",
    ]
    wb.close()
    per_capita = pd.read_excel(paths["workbook"], sheet_name="per_capita")
    assert list(per_capita.columns[:6]) == [
        "city",
        "population [persons]",
        "consumption_based [t CO2]",
        "per_capita [t CO2 per person]",
        "local [t CO2 per person]",
        "imported [t CO2 per person]",
    ]
    summary = pd.read_excel(paths["workbook"], sheet_name="summary", index_col=0)
    pc = per_capita_footprints(t, a)
    assert summary.loc["gini", "value"] == pytest.approx(
        gini(pc["per_capita"], pc["population"]), rel=1e-12
    )
    # Theil between + within = total, per index, as written
    for k in ("t", "l"):
        assert summary.loc[f"theil_{k}_between_province", "value"] + summary.loc[
            f"theil_{k}_within_province", "value"
        ] == pytest.approx(summary.loc[f"theil_{k}", "value"], rel=1e-9)
    meta = pd.read_excel(paths["workbook"], sheet_name="metadata")
    keys = set(meta["key"])
    assert {"table_name", "table_hash", "switches.group", "switches.households"} <= keys
    # CSV and Excel hold the same numbers
    csv = pd.read_csv(paths["summary_csv"], index_col=0, float_precision="round_trip")
    np.testing.assert_allclose(
        csv["value"].to_numpy(float), summary["value"].to_numpy(float), rtol=1e-15, equal_nan=True
    )
    long = pd.read_csv(paths["per_capita_csv"], float_precision="round_trip")
    assert {"city", "variable", "unit", "value"} <= set(long.columns)
    wide = long.pivot(index="city", columns="variable", values="value")
    xl = per_capita.set_index("city")
    np.testing.assert_allclose(
        wide.loc[xl.index, "per_capita"], xl["per_capita [t CO2 per person]"], rtol=1e-15
    )
    lorenz = pd.read_csv(
        paths["lorenz_csv"], float_precision="round_trip"
    )  # same headers and units as the sheet
    assert {"population_share [1]", "emission_share [1]"} <= set(lorenz.columns)
    assert lorenz["population_share [1]"].iloc[-1] == pytest.approx(1.0)
    xl_lorenz = pd.read_excel(paths["workbook"], sheet_name="lorenz")
    assert list(xl_lorenz.columns) == ["point", *lorenz.columns]
    theil = pd.read_csv(paths["theil_groups_csv"])
    assert "mean_per_capita [t CO2 per person]" in theil.columns


def test_inequality_pngs(inequality_out):
    _, paths = inequality_out
    assert _png_ok(paths["lorenz_png"]) and _png_ok(paths["top_per_capita_png"])


def test_indicators_workbook_csv_and_png(synth, indicators_out):
    t, a = synth
    out, paths = indicators_out
    sheets = pd.read_excel(paths["workbook"], sheet_name=None)
    assert list(sheets) == [
        "README",
        "indicators",
        "scopes",
        "typology",
        "type_summary",
        "metadata",
    ]
    ind = sheets["indicators"].set_index("city")
    for header in (
        "territorial [t CO2]",
        "community_supply_chain [t CO2]",
        "consumption_based [t CO2]",
        "infrastructure_supply_chain [t CO2]",
        f"production_intensity [t CO2 per {t.meta.money_unit}]",
        "consumption_level [t CO2 per person]",
        "import_export_balance [t CO2]",
        f"trade_intensity_balance [t CO2 per {t.meta.money_unit}]",
    ):
        assert header in ind.columns, header
    # B3 equals the consumption-based footprint incl. households in the written file
    np.testing.assert_allclose(
        ind["consumption_based [t CO2]"], a.consumption_based_with_households["CO2"], rtol=1e-9
    )
    long = pd.read_csv(paths["indicators_csv"], float_precision="round_trip")
    wide = long.pivot(index="city", columns="indicator", values="value").loc[ind.index]
    for col in ("territorial", "trade_intensity_balance", "production_intensity"):
        unit = long.loc[long.indicator == col, "unit"].iloc[0]
        np.testing.assert_allclose(wide[col], ind[f"{col} [{unit}]"], rtol=1e-15)
    assert set(long.loc[long.indicator == "trade_intensity_balance", "symbol"]) == {"BTI"}
    scopes = pd.read_csv(paths["scopes_csv"], float_precision="round_trip")
    assert set(scopes["scope"]) >= {"scope1", "scope2", "total_community_supply_chain"}
    types = pd.read_csv(paths["city_types_csv"], float_precision="round_trip")
    typ = sheets["typology"].set_index("city")
    tt = types[types.axis == "trade_type"].set_index("city")["type"]
    assert (tt.loc[typ.index] == typ["trade_type"]).all()
    summary = pd.read_csv(paths["type_summary_csv"], float_precision="round_trip")
    assert summary.groupby("axis")["cities"].sum().eq(30).all()
    assert _png_ok(paths["scatter_png"])
    readme = sheets["README"]
    assert readme.shape[0] >= 5


def test_inequality_errors(synth, tmp_path):
    t, a = synth
    with pytest.raises(LabelMismatchError, match="no city attribute 'district'"):
        inequality_tables(t, a, group="district")
    no_pop = toy_cities().replace(population=None)
    with pytest.raises(TableValidationError, match="has no population"):
        inequality_report(no_pop, compute_accounts(no_pop), group=None, out_dir=tmp_path)
    assert not any(tmp_path.iterdir())  # nothing half-written


def test_indicator_tables_trade4_without_energy_sector_leaves_scopes_out():
    t = toy_cities()
    with pytest.warns(UserWarning, match="money unit"):
        tables = indicator_tables(t, compute_accounts(t), boundary_set="trade4")
    assert "scopes" not in tables
    assert any("scopes left out" in n for n in tables["indicators"].attrs["notes"])


@pytest.fixture(scope="module")
def table_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tables") / "synth-30x8"
    write_table(city_mrio(n_cities=30, n_sectors=8, seed=1), folder)
    return folder


def test_cli_inequality_through_main(table_folder, tmp_path, capsys):
    out = tmp_path / "ineq"
    assert (
        main(
            [
                "inequality",
                str(table_folder),
                "--group",
                "province",
                "--out",
                str(out),
                "--stressor",
                "CO2",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "Gini" in text and "Theil T" in text and "below global average 2012" in text
    assert (out / "inequality.xlsx").is_file() and (out / "lorenz.png").is_file()


def test_cli_indicators_handler_with_namespace(table_folder, tmp_path, capsys):
    args = argparse.Namespace(
        table=str(table_folder),
        out=str(tmp_path / "ind"),
        boundary_set="trade4",
        variant="lincui",
        energy_sectors=None,
        key_sectors=None,
        stressor=None,
        tau=0.05,
        households=False,
        progress=False,
    )
    assert analyses.run_indicators(args) == 0
    text = capsys.readouterr().out
    assert "trade_type:" in text and "BTI" in text
    ind = pd.read_excel(tmp_path / "ind" / "indicators.xlsx", sheet_name="indicators")
    assert "net_transfer [t CO2]" in ind.columns


def test_cli_bad_input_exit_code_2(tmp_path, capsys):
    code = main(["indicators", "toy-cities", "--out", str(tmp_path / "x")])
    assert code == 2
    assert "no energy-supply sector found" in capsys.readouterr().err
    with pytest.warns(UserWarning, match="money unit 'money'"):
        assert (
            main(
                [
                    "indicators",
                    "toy-cities",
                    "--out",
                    str(tmp_path / "toy"),
                    "--energy-sectors",
                    "s1",
                ]
            )
            == 0
        )
