"""Physical scopes next to the MRIO scopes of a table's cities; Shenzhen-style statistics."""

import numpy as np
import pandas as pd
import pytest

from mrio_city.accounts.scopes import compute_scopes
from mrio_city.inventory.city_scopes import (
    mrio_scope2_split,
    physical_scopes,
    scope_summary,
    source_mix_types,
)
from mrio_city.inventory.energy import compute_inventory
from mrio_city.inventory.power_heat import allocate_scope2
from mrio_city.model.errors import LabelMismatchError, MrioCityWarning
from mrio_city.testing import toy_cities

ROWS = [
    # city A: industry-heavy, imports electricity
    ("A", "CE28", "Coke", "final_consumption", 2, "kt"),
    ("A", "CE28", "Electricity", "final_consumption", 3000, "MWh"),
    ("A", "URBAN", "Gasoline", "final_consumption", 1, "kt"),
    ("A", "URBAN", "Electricity", "final_consumption", 1000, "MWh"),
    # city B: households and services
    ("B", "CE43", "Diesel Oil", "final_consumption", 3, "kt"),
    ("B", "URBAN", "Electricity", "final_consumption", 5000, "MWh"),
    ("B", "CE27", "Raw Coal", "final_consumption", 1, "kt"),
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    grid = tmp_path_factory.mktemp("g") / "grid.csv"
    grid.write_text(
        "grid,year,carrier,factor,unit\nA,2012,electricity,0.8,t CO2/MWh\n"
        "B,2012,electricity,500,g CO2/kWh\n"
    )
    frame = pd.DataFrame(ROWS, columns=["region", "sector", "fuel", "flow", "quantity", "unit"])
    inv = compute_inventory(frame.assign(year=2012), "ceads")
    res = allocate_scope2(inv, grid)
    table = toy_cities()
    scopes = compute_scopes(table, energy_sectors=["s1"])
    return table, scopes, inv, res


def test_mrio_scope2_split_on_the_toy_table():
    split = mrio_scope2_split(toy_cities(), energy_sectors=["s1"])
    # docs/methods.md §11.2: scope 2 (sector 1 = power) A = 4.0, B = 15.0; by hand, A buys 15
    # of B1 for final demand (0.2 x 15 = 3.0) and 5 for industry; B buys 20 of A1 final,
    # 10 intermediate
    np.testing.assert_allclose(split["scope2_mrio"], [4.0, 15.0], rtol=1e-12)
    np.testing.assert_allclose(split["scope2_mrio_final"], [3.0, 10.0], rtol=1e-12)
    np.testing.assert_allclose(split["scope2_mrio_intermediate"], [1.0, 5.0], rtol=1e-12)


def test_physical_next_to_mrio(setup):
    table, scopes, inv, res = setup
    phys = physical_scopes(table, scopes, res)
    assert list(phys.columns[: len(scopes.columns)]) == list(scopes.columns)
    pd.testing.assert_frame_equal(phys[scopes.columns], scopes, check_like=False)
    np.testing.assert_allclose(phys["scope2_physical"], [4000 * 0.8, 5000 * 0.5], rtol=1e-12)
    np.testing.assert_allclose(phys["scope2_mrio"], [4.0, 15.0], rtol=1e-12)
    np.testing.assert_allclose(phys["scope1_inventory"], inv.scope1_total().loc[["A", "B"]])
    # production + consumption sides partition scope 1 and physical scope 2
    np.testing.assert_allclose(
        phys["scope1_production"] + phys["scope1_consumption"], phys["scope1_inventory"]
    )
    np.testing.assert_allclose(
        phys["scope2_physical_production"] + phys["scope2_physical_consumption"],
        phys["scope2_physical"],
    )
    assert phys.loc["A", "scope2_physical_production"] == pytest.approx(3000 * 0.8)
    assert phys.attrs["units"]["scope2_physical"] == "t CO2"


def test_source_mix_types_and_summary(setup):
    table, scopes, inv, res = setup
    phys = physical_scopes(table, scopes, res)
    t = source_mix_types(phys, scope2="physical")
    co2 = inv.rows.set_index(["region", "sector"])["co2"].groupby(level=[0, 1]).sum()
    P_a = co2["A", "CE28"] + 3000 * 0.8
    C_a = co2["A", "URBAN"] + 1000 * 0.8
    assert t.loc["A", "production_share"] == pytest.approx(P_a / (P_a + C_a))
    assert t.loc["A", "type"] == "production-led"
    assert t.loc["B", "type"] == "consumption-led"
    m = source_mix_types(phys, scope2="mrio")
    # B's consumption side: diesel in transport (CE43) + final demand's MRIO scope 2 (10.0)
    assert m.loc["B", "consumption_side"] == pytest.approx(co2["B", "CE43"] + 10.0)
    assert m.loc["B", "production_side"] == pytest.approx(co2["B", "CE27"] + 5.0)
    summary = scope_summary(phys)
    s = summary["physical"]
    assert s["scope1"] + s["scope2"] == pytest.approx(s["total"])
    assert s["scope1_share"] + s["scope2_share"] == pytest.approx(1.0)
    assert s["share_consumption_led"] == 0.5 and s["units"] == 2
    assert summary.loc["scope2", "mrio"] == pytest.approx(19.0)


def test_regions_must_match_cities(setup):
    table, scopes, inv, res = setup
    with pytest.raises(LabelMismatchError, match=r"no inventory region is a city of table"):
        physical_scopes(table, scopes, res, regions={"A": "X", "B": "Y"})
    with pytest.warns(MrioCityWarning, match=r"inventory regions 'Z' are not cities"):
        phys = physical_scopes(table, scopes, res, regions={"B": "Z"})
    assert phys["has_inventory"].tolist() == [True, False]
    assert np.isnan(phys.loc["B", "scope2_physical"])
