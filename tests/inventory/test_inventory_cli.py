"""The inventory command end to end: example table in, workbook and CSV files out."""

import pandas as pd
import pytest

from mrio_city._resources import shipped
from mrio_city.commands.main import main
from mrio_city.exports.workbook import read_workbook_sheets
from mrio_city.inventory.views import VIEWS, build_inventory

EXAMPLE = shipped("tables", "energy", "example.csv")
EXAMPLE_GRID = shipped("tables", "energy", "example_grid.csv")


def test_inventory_command_writes_every_view(tmp_path, capsys):
    out = tmp_path / "inv"
    code = main(
        [
            "inventory",
            str(EXAMPLE),
            "--factors",
            "ceads",
            "--grid",
            str(EXAMPLE_GRID),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "Demo City A" in text and "scope 1" in text
    sheets = read_workbook_sheets(out / "inventory.xlsx")
    assert list(sheets) == ["README", *VIEWS, "metadata"]
    for view in VIEWS:
        assert (out / f"inventory_{view}.csv").is_file()
    # the workbook holds the numbers of the API, bit for bit through the CSV
    inventory, scopes = build_inventory(EXAMPLE, "ceads", grid=EXAMPLE_GRID)
    csv = pd.read_csv(out / "inventory_scopes.csv", index_col=0)
    assert csv["scope1 [t CO2]"].to_dict() == scopes.by_region["scope1"].to_dict()
    assert csv["scope2 [t CO2]"].to_dict() == scopes.by_region["scope2"].to_dict()
    by_sector = sheets["by_sector"]
    assert by_sector["scope1 [t CO2]"].sum() == pytest.approx(scopes.by_region["scope1"].sum())
    meta = dict(zip(sheets["metadata"]["key"], sheets["metadata"]["value"]))
    assert meta["switches.factor_set"] == "ceads"
    assert meta["switches.scope2_method"] == "grid"


def test_inventory_command_names_bad_input(tmp_path, capsys):
    bad = tmp_path / "e.csv"
    bad.write_text("region,sector,fuel,flow,quantity,unit\nX,CE02,Coal,final_consumption,1,t\n")
    code = main(["inventory", str(bad), "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert f"energy table {bad}, line 2: unknown fuel 'Coal'" in err
    assert not (tmp_path / "o").exists()
    # the example's gas is given per volume; the IPCC set gives NCV per mass
    code = main(["inventory", str(EXAMPLE), "--factors", "ipcc2006", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "does not fit fuel 'Natural Gas' of factor set 'ipcc2006'" in capsys.readouterr().err


def test_inventory_command_with_a_table(tmp_path, capsys):
    energy = tmp_path / "e.csv"
    energy.write_text(
        "region,sector,fuel,flow,quantity,unit,year\n"
        "A,CE28,Coke,final_consumption,2,kt,2012\n"
        "A,CE28,Electricity,final_consumption,3000,MWh,2012\n"
        "B,URBAN,Electricity,final_consumption,5000,MWh,2012\n"
        "B,CE43,Diesel Oil,final_consumption,3,kt,2012\n"
    )
    grid = tmp_path / "g.csv"
    grid.write_text(
        "grid,year,carrier,factor,unit\nA,2012,electricity,0.8,t CO2/MWh\n"
        "B,2012,electricity,0.5,t CO2/MWh\n"
    )
    out = tmp_path / "o"
    args = ["inventory", str(energy), "--grid", str(grid), "--table", "toy-cities"]
    code = main([*args, "--energy-sectors", "s1", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "consumption-led units 50.0% of 2" in text
    sheets = read_workbook_sheets(out / "inventory.xlsx")
    city = sheets["city_scopes"].set_index("city")
    assert city["scope2_physical [t CO2]"].tolist() == pytest.approx([2400.0, 2500.0])
    assert city["scope2_mrio [t CO2]"].tolist() == pytest.approx([4.0, 15.0])
    assert (out / "inventory_scope_summary.csv").is_file()
