"""Every result set carries its metadata in a ``metadata.json`` sidecar (issue 13 item 4).

Each command that writes a workbook is run on the toy table; the sidecar beside the workbook
must hold the package version, the table's name and hash, and the run's parameters, the same
record as the workbook's ``metadata`` sheet.
"""

import json

import pytest

from mrio_city._resources import shipped
from mrio_city._version import __version__
from mrio_city.commands.main import main
from mrio_city.exports.workbook import read_workbook_sheets
from mrio_city.io.registry import load_table
from mrio_city.model.fingerprint import table_hash

KEYS = {"package_version", "table_name", "table_hash", "switches", "created"}


def _sidecar(folder):
    data = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert data["package_version"] == __version__
    return data


def _part(folder, part, table="toy-cities"):
    data = _sidecar(folder)
    meta = data["parts"][part]
    assert KEYS <= set(meta), sorted(KEYS - set(meta))
    if table is not None:
        assert meta["table_name"] == table
        assert meta["table_hash"] == table_hash(load_table(table))
    sheet = read_workbook_sheets(folder / f"{part}.xlsx")["metadata"]
    on_sheet = dict(zip(sheet.iloc[:, 0], sheet.iloc[:, 1]))
    assert on_sheet["table_hash"] == meta["table_hash"]
    assert on_sheet["created"] == meta["created"]  # one record, written twice
    return meta


def test_footprints_with_groups_keep_one_sidecar(tmp_path):
    grouping = tmp_path / "g.csv"
    grouping.write_text("city,group\nA,east\nB,west\n")
    out = tmp_path / "fp"
    argv = ["footprints", "toy-cities", "--group", str(grouping), "--accounts", "income"]
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    data = _sidecar(out)
    assert data["table_hash"] == table_hash(load_table("toy-cities"))  # the accounts' record
    assert _part(out, "groups-g")["switches"]["grouping"] == str(grouping)
    assert set(data["parts"]) == {"groups-g"}  # income-based accounts are in accounts.xlsx


def test_anatomy_commands_add_their_parts(tmp_path):
    out = tmp_path / "anatomy"
    assert main(["paths", "toy-cities", "--city", "A", "--top", "3", "--out", str(out)]) == 0
    assert main(["tiers", "toy-cities", "--tiers", "2", "--out", str(out)]) == 0
    assert main(["extraction", "toy-cities", "--linkage", "forward", "--out", str(out)]) == 0
    assert main(["decompose", "toy-cities", "toy-cities", "--out", str(out)]) == 0
    assert _part(out, "paths-A")["switches"]["consumer"] == "A"
    assert _part(out, "tiers")["switches"]["stressor"]
    assert _part(out, "extraction_forward")["switches"]["linkage"] == "forward"
    assert _part(out, "decomposition")["switches"]["year1_table"] == "toy-cities"
    assert set(_sidecar(out)["parts"]) == {
        "paths-A",
        "tiers",
        "extraction_forward",
        "decomposition",
    }


def test_inventory_sidecar_names_the_energy_table(tmp_path):
    out = tmp_path / "inv"
    energy = shipped("tables", "energy", "example.csv")
    grid = shipped("tables", "energy", "example_grid.csv")
    argv = ["inventory", str(energy), "--factors", "ceads", "--grid", str(grid)]
    assert main([*argv, "--out", str(out)]) == 0
    meta = _part(out, "inventory", table=None)
    assert meta["table_name"] == str(energy)
    assert len(meta["table_hash"]) == 64
    assert meta["switches"]["factor_set"] == "ceads"


def test_montecarlo_sidecar(tmp_path, capsys):
    from mrio_city.io.folder import write_table
    from mrio_city.sources.synthetic import city_mrio

    folder = write_table(city_mrio(n_cities=6, n_sectors=4, seed=5), tmp_path / "small")
    scen = tmp_path / "s.toml"
    scen.write_text(
        '[scenario]\nname = "mc"\n[pathways.all]\n'
        '[[pathways.all.levers]]\ntype = "intensity"\nto_percentile = 25\n'
    )
    out = tmp_path / "mc"
    argv = ["montecarlo", str(scen), "--table", str(folder), "--draws", "4", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0, capsys.readouterr().err
    meta = _part(out, "uncertainty", table=None)
    assert meta["table_hash"] == table_hash(load_table(folder))
    assert meta["switches"]["draws"] == 4


@pytest.mark.parametrize("bad", ["{not json", "[1, 2]"])
def test_a_broken_sidecar_is_replaced_not_merged(tmp_path, bad):
    from mrio_city.exports.files import write_metadata_json

    (tmp_path / "metadata.json").write_text(bad)
    write_metadata_json(tmp_path, {"package_version": "x"}, part="p")
    data = json.loads((tmp_path / "metadata.json").read_text())
    assert data == {"package_version": "x", "parts": {"p": {"package_version": "x"}}}
