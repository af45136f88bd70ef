"""Inventory builder: docs/methods.md §11.5 examples, no-double-counting identities, errors."""

import numpy as np
import pandas as pd
import pytest

from mrio_city._resources import shipped
from mrio_city.inventory.classes import CLASSES, load_sector_map, totals_by_class
from mrio_city.inventory.energy import compute_inventory, implied_energy, read_energy_table
from mrio_city.inventory.factors import FACTOR_SETS, load_factor_set
from mrio_city.inventory.power_heat import allocate_scope2, load_grid_factors
from mrio_city.inventory.units import conversion_factor
from mrio_city.model.errors import InventoryError, UnitError

EXAMPLE = shipped("tables", "energy", "example.csv")
EXAMPLE_GRID = shipped("tables", "energy", "example_grid.csv")


def _table(rows, year=2012):
    frame = pd.DataFrame(rows, columns=["region", "sector", "fuel", "flow", "quantity", "unit"])
    frame["year"] = year
    return frame


# --- docs/methods.md §11.5 and §7 worked examples -----------------------------------------


def test_methods_fuel_examples():
    ipcc = load_factor_set("ipcc2006")
    # 1,000 t diesel (IPCC): 1000 x 0.043 TJ/t x 74,100 kg/TJ = 3,186.3 t CO2
    assert ipcc.co2_per_unit(ipcc.resolve("Gas/Diesel Oil"), "t") * 1000 == pytest.approx(
        3186.3, abs=1e-9
    )
    # 10^4 t raw coal, CEADs: 0.21 PJ/10^4 t, 26.32 tC/TJ, O = 0.94 -> 19,050.4 t CO2
    ceads = load_factor_set("ceads")
    assert ceads.co2_per_unit("Raw Coal", "10^4 t") == pytest.approx(
        210 * 26.32 * 0.94 * 44 / 12, rel=1e-12
    )
    assert ceads.co2_per_unit("Raw Coal", "万吨") == pytest.approx(19050.4, abs=0.05)
    # provincial guideline raw coal: 20.908 GJ/t x 26.37 tC/TJ x 0.94 x 44/12 = 1.9003 t/t
    guide = load_factor_set("cn_guideline")
    assert guide.co2_per_unit("Raw Coal", "t") == pytest.approx(1.9003, abs=5e-5)
    # docs/methods.md §7.2 column t CO2 / t fuel, a few rows (IPCC Table 1.4 factor x NCV)
    for fuel, expected in [("Natural Gas", 2.693), ("Anthracite", 2.625), ("Lignite", 1.202)]:
        assert ipcc.co2_per_unit(fuel, "t") == pytest.approx(expected, abs=5e-4)


def test_inventory_of_methods_examples_through_the_table():
    rows = [
        ("Demo", "CE43", "Diesel", "final_consumption", 1000, "t"),
        ("Demo", "CE02", "Raw Coal", "final_consumption", 1, "10^4 t"),
        ("Demo", "CE27", "Clinker", "process", 2, "kt"),
    ]
    inv = compute_inventory(_table(rows), "ipcc2006")
    co2 = inv.rows.set_index("sector")["co2"]
    assert co2["CE43"] == pytest.approx(3186.3, abs=1e-9)
    assert co2["CE02"] == pytest.approx(1e4 * 25.8e-3 * 94.6, rel=1e-12)  # Other Bituminous Coal
    assert co2["CE27"] == pytest.approx(2000 * 0.52, rel=1e-12)  # IPCC Tier 1 clinker
    assert inv.scope1_total()["Demo"] == pytest.approx(co2.sum(), rel=1e-15)


def test_energy_units_are_converted_explicitly():
    assert conversion_factor("10^8 m^3", "m^3") == 1e8
    assert conversion_factor("亿千瓦时", "MWh") == pytest.approx(1e5)
    assert conversion_factor("kt", "t") == 1000  # a kilotonne, not pint's knot
    assert conversion_factor("tce", "GJ") == pytest.approx(29.3076)
    ceads = load_factor_set("ceads")
    # a gas may be given per m3 or directly in energy
    assert ceads.co2_per_unit("Natural Gas", "m3") * 1e8 == pytest.approx(
        ceads.co2_per_unit("Natural Gas", "10^8 m^3"), rel=1e-12
    )
    assert ceads.co2_per_unit("Natural Gas", "TJ") == pytest.approx(15.32 * 0.99 * 44 / 12)


def test_every_shipped_factor_set_loads_with_sources():
    for name in FACTOR_SETS:
        fs = load_factor_set(name)
        assert (fs.table["source"].str.len() > 0).all(), name
        assert (fs.table["kind"] == "process").sum() == 1, name
        comb = fs.table[fs.table["kind"] == "combustion"]
        assert ((comb["oxidation"] > 0) & (comb["oxidation"] <= 1)).all()
    # the 17 CEADs fuels are in the CEADs set, in sheet order
    from mrio_city.sources.ceads import CEADS_FUELS

    assert load_factor_set("ceads").fuels[:17] == list(CEADS_FUELS)


# --- power and heat: no double counting ----------------------------------------------------


@pytest.fixture(scope="module")
def example():
    return compute_inventory(EXAMPLE, "ceads")


@pytest.mark.parametrize("method", ["grid", "local"])
def test_scope1_total_unchanged_by_the_allocation(example, method):
    res = allocate_scope2(example, EXAMPLE_GRID, method=method)
    direct = example.rows.groupby("region")["co2"].sum()
    got = res.by_sector.groupby(level="region")["scope1"].sum()
    np.testing.assert_allclose(got.loc[direct.index], direct, rtol=1e-14)
    np.testing.assert_allclose(res.by_region["scope1"].loc[direct.index], direct, rtol=1e-14)
    # scope 2 by sector adds up to the region's scope 2
    s2 = res.by_sector.groupby(level="region")["scope2"].sum()
    np.testing.assert_allclose(s2.loc[res.by_region.index], res.by_region["scope2"], rtol=1e-12)


def test_grid_scope2_is_use_times_grid_factor(example):
    res = allocate_scope2(example, EXAMPLE_GRID, method="grid").by_region
    a = res.loc["Demo City A"]
    assert a["electricity_used"] == pytest.approx(13.3e6)
    assert a["scope2_electricity"] == pytest.approx(13.3e6 * 0.7035, rel=1e-14)
    assert a["scope2_heat"] == pytest.approx(10e6 * 0.11, rel=1e-14)
    assert a["electricity_net_import"] == pytest.approx(13.3e6 - 11e6)
    assert a["scope2_net_imports"] == pytest.approx(2.3e6 * 0.7035, rel=1e-12)


def test_local_scope2_equals_generation_emissions_of_what_is_used(example):
    res = allocate_scope2(example, EXAMPLE_GRID, method="local").by_region
    a, b = res.loc["Demo City A"], res.loc["Demo City B"]
    # A imports: all local generation used + imports at the grid factor
    assert a["scope2_electricity"] == pytest.approx(
        a["plant_power"] + a["electricity_net_import"] * 0.7035, rel=1e-12
    )
    # heat: used = generated, so scope 2 heat is exactly the heat plants' emissions
    assert a["scope2_heat"] == pytest.approx(a["plant_heat"], rel=1e-14)
    assert a["end_use"] == pytest.approx(a["scope1"] + a["electricity_net_import"] * 0.7035)
    # B exports: used share of generation at the local factor; the rest leaves with the power
    share = b["electricity_used"] / b["electricity_generated"]
    assert b["scope2_electricity"] == pytest.approx(b["plant_power"] * share, rel=1e-12)
    assert b["exported_generation_emissions"] == pytest.approx(b["plant_power"] * (1 - share))
    assert b["end_use"] + b["exported_generation_emissions"] == pytest.approx(b["scope1"])


def test_closed_region_end_use_equals_scope1():
    rows = [
        ("C", "CE39", "Raw Coal", "power_input", 10, "10^4 t"),
        ("C", "CE39", "Electricity", "power_output", 2e5, "MWh"),
        ("C", "CE28", "Electricity", "final_consumption", 1.5e5, "MWh"),
        ("C", "URBAN", "Electricity", "final_consumption", 5e4, "MWh"),
        ("C", "URBAN", "Gasoline", "final_consumption", 1, "10^4 t"),
    ]
    inv = compute_inventory(_table([("Beijing", *r[1:]) for r in rows]), "ceads")
    grid = load_grid_factors()  # shipped: Beijing -> North China grid
    res = allocate_scope2(inv, grid, method="local")
    r = res.by_region.loc["Beijing"]
    assert r["electricity_net_import"] == 0
    assert r["end_use"] == pytest.approx(r["scope1"], rel=1e-14)
    by = res.by_sector.loc["Beijing"]
    assert by.loc["CE28", "scope2"] == pytest.approx(0.75 * r["plant_power"], rel=1e-14)


def test_classes_partition_the_totals(example):
    res = allocate_scope2(example, EXAMPLE_GRID, method="local")
    cls = totals_by_class(res.by_sector[["scope1", "end_use"]], example.sectors)
    assert list(cls.index.get_level_values("class").unique()) == list(CLASSES)
    tot = cls.groupby(level="region").sum()
    np.testing.assert_allclose(tot["scope1"], res.by_region["scope1"].loc[tot.index])
    np.testing.assert_allclose(tot["end_use"], res.by_region["end_use"].loc[tot.index])
    smap = load_sector_map()
    assert smap.table.loc["RURAL", "class"] == "rural_living"
    assert smap.table.loc["CE01", "class"] == "agriculture"
    assert smap.plant_sector == "CE39"


def test_implied_energy_round_trip(example):
    s1 = example.rows[example.rows["kind"].isin(["combustion", "process"])]
    em = s1[["region", "sector", "factor_fuel", "co2", "flow"]]
    em.columns = ["region", "sector", "fuel", "value", "flow"]
    back = implied_energy(em, "ceads")
    again = compute_inventory(back, "ceads")
    np.testing.assert_allclose(again.rows["co2"].to_numpy(), em["value"].to_numpy(), rtol=1e-13)


# --- errors name file, line and value ---------------------------------------------------------


def _write(tmp_path, text, name="energy.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


HEADER = "region,sector,fuel,flow,quantity,unit\n"


@pytest.mark.parametrize(
    "line, error, match",
    [
        ("A,CE02,Coal,final_consumption,1,t", InventoryError, r"line 2: unknown fuel 'Coal'"),
        (
            "A,Mining,Raw Coal,final_consumption,1,t",
            InventoryError,
            r"line 2: unknown sector 'Mining'",
        ),
        ("A,CE02,Raw Coal,burnt,1,t", InventoryError, r"line 2: unknown flow 'burnt'"),
        ("A,CE02,Raw Coal,final_consumption,1,tonnes of stuff", UnitError, r"line 2: unknown unit"),
        (
            "A,CE02,Raw Coal,final_consumption,-1,t",
            InventoryError,
            r"line 2: quantity must be >= 0",
        ),
        (
            "A,CE02,Raw Coal,final_consumption,abc,t",
            InventoryError,
            r"line 2: quantity 'abc' is not",
        ),
        (
            "A,CE02,Natural Gas,final_consumption,1,t",
            UnitError,
            r"line 2: unit 't' \(mass\) does not fit fuel 'Natural Gas'",
        ),
        (
            "A,CE02,Electricity,power_input,1,MWh",
            InventoryError,
            r"line 2: Electricity cannot have flow 'power_input'",
        ),
        (
            "A,CE02,Electricity,final_consumption,1,t",
            UnitError,
            r"Electricity needs an energy unit",
        ),
        (
            "A,CE39,Raw Coal,power_output,1,t",
            InventoryError,
            r"flow 'power_output' must have fuel 'Electricity'",
        ),
        ("A,CE27,Raw Coal,process,1,t", InventoryError, r"flow 'process' does not fit 'Raw Coal'"),
    ],
)
def test_bad_rows_are_named(tmp_path, line, error, match):
    p = _write(tmp_path, HEADER + line + "\n")
    with pytest.raises(error, match=match) as info:
        compute_inventory(p, "ceads")
    assert str(p) in str(info.value)


def test_bad_tables_are_named(tmp_path):
    p = _write(tmp_path, "region,sector,fuel,quantity,unit\nA,CE02,Raw Coal,1,t\n")
    with pytest.raises(InventoryError, match=r"missing columns \['flow'\]"):
        read_energy_table(p)
    p = _write(
        tmp_path,
        HEADER
        + "A,CE02,Raw Coal,final_consumption,1,t\n# c\nA,ce02,raw coal,final_consumption,2,t\n",
    )
    with pytest.raises(InventoryError, match=r"line 4: duplicated row .* first on line 2"):
        read_energy_table(p)
    p = _write(tmp_path, HEADER + "A,CE02,Raw Coal,final_consumption,1,t,extra\n")
    with pytest.raises(InventoryError, match=r"line 2: 7 fields, the header has 6"):
        read_energy_table(p)
    with pytest.raises(InventoryError, match=r"unknown factor set 'ceadz'"):
        load_factor_set("ceadz")


def test_bad_factor_and_grid_files_are_named(tmp_path):
    p = _write(
        tmp_path,
        "fuel,kind,ncv,ncv_unit,carbon_content_tC_per_TJ,oxidation\nX,combustion,1,TJ/t,20,1.2\n",
        "f.csv",
    )
    with pytest.raises(
        InventoryError, match=r"f.csv, line 2: oxidation of 'X' must be in \(0, 1\]"
    ):
        load_factor_set(p)
    p = _write(
        tmp_path,
        "fuel,kind,ncv,ncv_unit,carbon_content_tC_per_TJ,oxidation\nX,combustion,1,TJ,20,1\n",
        "f.csv",
    )
    with pytest.raises(InventoryError, match=r"ncv_unit 'TJ' of 'X' is not energy per mass"):
        load_factor_set(p)
    g = _write(tmp_path, "grid,year,carrier,factor,unit\nA,2012,electricity,0.5,t CO2/t\n", "g.csv")
    with pytest.raises(InventoryError, match=r"g.csv, line 2: unit 't CO2/t'"):
        load_grid_factors(g)
    inv = compute_inventory(
        _table([("Atlantis", "CE28", "Electricity", "final_consumption", 1, "MWh")])
    )
    with pytest.raises(InventoryError, match=r"region 'Atlantis' is neither a grid"):
        allocate_scope2(inv)
    inv = compute_inventory(
        _table([("Beijing", "CE28", "Electricity", "final_consumption", 1, "MWh")], year=2017)
    )
    with pytest.raises(
        InventoryError,
        match=r"no electricity factor for grid 'North' .* in 2017; the file has years \[2012\]",
    ):
        allocate_scope2(inv)


def test_grid_units_are_converted():
    g = load_grid_factors()
    assert g.factor("Guangdong", 2012, "electricity")[:2] == (pytest.approx(0.5271), "South")
    assert g.factor("广东", 2012, "electricity")[1] == "South"
    assert g.factor("Inner Mongolia", 2012, "electricity")[1] == "North"
    assert g.factor("Beijing", 2012, "heat")[:2] == (pytest.approx(0.11), "National")


# --- property: the identities hold for any energy balance ----------------------------------

import functools  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@functools.cache
def _loaded():
    return load_factor_set("ceads"), load_sector_map(), load_grid_factors()


_amount = st.floats(min_value=0.0, max_value=1e3, allow_nan=False)


@settings(max_examples=10)
@given(coal=_amount, gen=_amount, use_ind=_amount, use_hh=_amount, gas=_amount)
def test_identities_for_any_balance(coal, gen, use_ind, use_hh, gas):
    rows = [
        ("Beijing", "CE39", "Raw Coal", "power_input", coal, "kt"),
        ("Beijing", "CE39", "Electricity", "power_output", gen, "GWh"),
        ("Beijing", "CE28", "Electricity", "final_consumption", use_ind, "GWh"),
        ("Beijing", "URBAN", "Electricity", "final_consumption", use_hh, "GWh"),
        ("Beijing", "URBAN", "Natural Gas", "final_consumption", gas, "10^4 m^3"),
    ]
    factors, sectors, grid = _loaded()
    inv = compute_inventory(_table(rows), factors, sectors=sectors)
    ef = 0.8843  # North China grid 2012
    plant = float(inv.rows.loc[inv.rows["flow"] == "power_input", "co2"].sum())
    scope1 = float(inv.rows["co2"].sum())
    use, g = (use_ind + use_hh) * 1e3, gen * 1e3  # MWh
    res = allocate_scope2(inv, grid, method="grid")
    r = res.by_region.loc["Beijing"]
    assert r["scope1"] == pytest.approx(scope1, rel=1e-12, abs=1e-9)
    assert r["scope2"] == pytest.approx(use * ef, rel=1e-12, abs=1e-9)
    # docs/methods.md §3.4 (Nanjing): CE_sector = combustion + Elec x EF_grid for a non-plant sector
    by = res.by_sector.loc["Beijing"]
    gas_co2 = float(inv.rows.loc[inv.rows["fuel"] == "Natural Gas", "co2"].sum())
    assert by.loc["URBAN", "end_use"] == pytest.approx(gas_co2 + use_hh * 1e3 * ef, abs=1e-9)
    if g == 0 and plant > 0:
        with pytest.raises(InventoryError, match="reports no power_output"):
            allocate_scope2(inv, grid, method="local")
        return
    r = allocate_scope2(inv, grid, method="local").by_region.loc["Beijing"]
    local = plant / g if g > 0 else 0.0
    expected = local * min(use, g) + ef * max(use - g, 0.0)
    assert r["scope2"] == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert r["scope1"] == pytest.approx(scope1, rel=1e-12, abs=1e-9)
    imported = ef * max(use - g, 0.0)
    assert r["end_use"] + r["exported_generation_emissions"] == pytest.approx(
        scope1 + imported, rel=1e-12, abs=1e-6
    )
