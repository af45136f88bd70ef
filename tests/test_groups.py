"""Group accounts, table aggregation and income-based (Ghosh) accounts (issue 20).

Oracles: plain pandas group sums of the city accounts, brute-force group sums of the city x city
matrix, a dense Ghosh inverse on small tables, dense aggregation C^T Z C of the materialized
structured table, and the accounting identities.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mrio_city import compute_accounts
from mrio_city.accounts.footprints import ACCOUNT_NAMES
from mrio_city.accounts.income import income_based_accounts
from mrio_city.commands.main import main
from mrio_city.model.aggregate import aggregate
from mrio_city.model.errors import DataSourceError, LabelMismatchError
from mrio_city.sources.groupings import (
    SIZE_CLASSES,
    city_grouping,
    sector_grouping,
    size_class,
)
from mrio_city.testing import random_structured_table, random_table, toy_cities

TABLES = {
    "toy": toy_cities,
    "general": lambda: random_table(n_cities=4, n_sectors=3, seed=5),
    "structured": lambda: random_structured_table(n_cities=6, n_sectors=3, seed=2),
}


@pytest.fixture(scope="module")
def synthetic_table():
    from mrio_city.sources.synthetic import city_mrio

    return city_mrio(n_cities=62, seed=3)


@pytest.fixture(params=sorted(TABLES))
def table(request):
    return TABLES[request.param]()


def _half_mapping(table):
    return {c: ("north" if k % 2 else "south") for k, c in enumerate(table.cities)}


# -- group accounts -----------------------------------------------------------------------


def test_group_sums_equal_sums_of_city_accounts(table):
    acc = compute_accounts(table)
    mapping = _half_mapping(table)
    groups = acc.by_group(mapping, grouping="halves")
    for name in ACCOUNT_NAMES:
        expected = getattr(acc, name).groupby(pd.Series(mapping)).sum()
        got = groups.accounts[name].loc[expected.index]
        np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-14, atol=1e-12)
    assert not groups.overlapping
    assert groups.n_cities.sum() == table.n_cities


def test_group_flow_matrix_is_the_brute_force_sum_and_keeps_the_national_total(table):
    acc = compute_accounts(table)
    mapping = pd.Series(_half_mapping(table))
    groups = acc.by_group(mapping)
    Q = acc.flows.loc["CO2"]
    brute = Q.groupby(mapping).sum().T.groupby(mapping).sum().T
    got = groups.flows.loc["CO2"].loc[brute.index, brute.columns]
    np.testing.assert_allclose(got.to_numpy(), brute.to_numpy(), rtol=1e-13, atol=1e-12)
    assert groups.flows.to_numpy().sum() == pytest.approx(Q.to_numpy().sum(), rel=1e-13)
    # between-group trade: imports of a group = its CBF minus what its own members supply it
    g = groups.table()
    internal = np.diag(got.loc[g.index, g.index].to_numpy())
    np.testing.assert_allclose(
        g["imports_between_groups"], g["consumption_based"] - internal, rtol=1e-12, atol=1e-12
    )


def test_between_group_share_is_at_most_the_between_city_share(table):
    acc = compute_accounts(table)
    share = acc.by_group(_half_mapping(table)).supply_chain_share.loc["CO2"]
    assert share["between_groups"] <= share["between_cities"] + 1e-15
    one_group = acc.by_group({c: "all" for c in table.cities}).supply_chain_share.loc["CO2"]
    assert one_group["between_groups"] == pytest.approx(0.0, abs=1e-15)
    assert one_group["between_cities"] == pytest.approx(float(acc.supply_chain_share["CO2"]))


def test_cities_outside_every_group_and_overlaps():
    table = random_structured_table(n_cities=5, n_sectors=2, seed=1)
    acc = compute_accounts(table)
    c = list(table.cities)
    long = pd.DataFrame({"city": [c[0], c[1], c[1], c[2]], "group": ["a", "a", "b", "b"]})
    groups = acc.by_group(long)
    assert groups.overlapping
    assert list(groups.n_cities.index) == ["a", "b", "(outside)"]
    assert groups.n_cities.to_dict() == {"a": 2, "b": 2, "(outside)": 2}
    pbf = acc.production_based["CO2"]
    assert groups.accounts["production_based"].loc["b", "CO2"] == pytest.approx(
        pbf[c[1]] + pbf[c[2]], rel=1e-15
    )


def test_unknown_city_in_grouping_is_named():
    table = toy_cities()
    acc = compute_accounts(table)
    with pytest.raises(LabelMismatchError, match=r"halves: 1 city label\(s\).*\['Z'\]"):
        acc.by_group({"A": "x", "Z": "y"}, grouping="halves")


# -- shipped groupings --------------------------------------------------------------------


def test_size_classes_follow_the_2014_thresholds():
    pops = [12e6, 10e6, 9_999_999, 5e6, 3e6, 2e6, 1e6, 0.7e6, 0.5e6, 0.2e6]
    labels = [lab for lab, _ in SIZE_CLASSES]
    expected = [labels[0], labels[0], labels[1], labels[1], labels[2], labels[3], labels[3]]
    expected += [labels[4], labels[4], labels[5]]
    assert list(size_class(np.array(pops))) == expected


def test_size_classes_without_census_codes_use_the_table_population(synthetic_table):
    g = city_grouping(synthetic_table, "size")
    assert "table's resident population" in g.attrs["approximation"]
    want = size_class(np.asarray(synthetic_table.population))
    assert list(g) == list(want)


@pytest.mark.realdata
def test_size_classes_use_the_census_urban_population():
    """Census urban residents, 2010 census for tables before 2015, 2020 after (real data)."""
    from mrio_city.sources import default_data_dir
    from mrio_city.sources.groupings import census_urban_population

    census = default_data_dir() / "china-census-cities" / "census_city_2010-2020_v1.csv"
    if not census.is_file():
        pytest.skip("real data folder ../shared/data/real not found; set MRIO_CITY_DATA")
    codes = pd.Series({"北京市": "110100", "天津市": "120100", "nowhere": "999999"})
    got = census_urban_population(codes, 2012)
    assert got.attrs["census_year"] == 2010
    assert got["北京市"] == 16_858_692 and got["天津市"] == 10_277_893  # census file values
    assert np.isnan(got["nowhere"])
    assert census_urban_population(codes, 2017)["北京市"] == 19_166_433
    assert list(size_class(got.to_numpy()[:2])) == [SIZE_CLASSES[0][0]] * 2


def test_synthetic_agglomerations_are_province_approximations(synthetic_table):
    mapping = city_grouping(synthetic_table, "agglomeration")
    assert "whole provinces" in mapping.attrs["approximation"]
    assert mapping["city"].is_unique  # a partition of the covered cities
    prov = synthetic_table.city_attributes["province"]
    jjj = set(mapping.loc[mapping["group"] == "jing-jin-ji", "city"])
    assert jjj == set(prov.index[prov.isin(["Beijing", "Tianjin", "Hebei"])])
    assert set(mapping["group"]) >= {"yangtze-river-delta", "pearl-river-delta"}


def test_sector_groupings_cover_the_42_sectors(synthetic_table):
    for name, n in (("17", 17), ("6", 6)):
        mapping = sector_grouping(synthetic_table, name)
        assert list(mapping.index) == list(synthetic_table.sectors)
        assert mapping.nunique() == n
    with pytest.raises(LabelMismatchError, match=r"unknown sector grouping '7'.*did you mean"):
        sector_grouping(synthetic_table, "7")


def test_unknown_city_grouping_suggests_and_user_csv_is_checked(tmp_path, synthetic_table):
    with pytest.raises(LabelMismatchError, match=r"'provnce'.*did you mean 'province'"):
        city_grouping(synthetic_table, "provnce")
    bad = tmp_path / "g.csv"
    bad.write_text("town,group\nx,y\n")
    with pytest.raises(DataSourceError, match=r"g.csv.*needs columns \['city', 'group'\]"):
        city_grouping(synthetic_table, str(bad))
    with pytest.raises(DataSourceError, match="does not exist"):
        city_grouping(synthetic_table, str(tmp_path / "missing.csv"))


# -- aggregation --------------------------------------------------------------------------


def _groupings(table):
    cities = {c: f"G{min(k // 2, 2)}" for k, c in enumerate(table.cities)}
    sectors = {s: ("S0" if k < 2 else "S1") for k, s in enumerate(table.sectors)}
    return cities, sectors


def test_aggregation_that_groups_nothing_returns_the_same_accounts(table):
    same = aggregate(table)
    assert same is table
    identity = aggregate(table, {c: c for c in table.cities}, {s: s for s in table.sectors})
    a, b = compute_accounts(table), compute_accounts(identity)
    for name in ACCOUNT_NAMES:
        np.testing.assert_allclose(
            getattr(b, name).to_numpy(), getattr(a, name).to_numpy(), rtol=1e-9, atol=1e-9
        )


def test_structured_aggregation_equals_general_aggregation():
    table = random_structured_table(n_cities=6, n_sectors=4, seed=3)
    general = table.to_general("dense")
    cities, sectors = _groupings(table)
    a, b = aggregate(table, cities, sectors), aggregate(general, cities, sectors)
    for field in ("Z", "Y", "F", "F_Y", "exports", "value_added", "x"):
        x, y = getattr(a, field), getattr(b, field)
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-10, err_msg=field)
    np.testing.assert_allclose(
        compute_accounts(a).consumption_based, compute_accounts(b).consumption_based, rtol=1e-10
    )


def test_aggregation_keeps_totals_and_is_a_valid_table(table):
    cities, sectors = _groupings(table)
    agg = aggregate(table, cities, sectors, name="small")
    Z = table.intermediate_flows("dense")
    assert agg.name == "small"
    assert agg.n_cities == len(set(cities.values()))
    assert agg.n_sectors == len(set(sectors.values()))
    for got, want in (
        (agg.Z.sum(), Z.sum()),
        (agg.F.sum(), table.F.sum()),
        (agg.F_Y.sum(), table.F_Y.sum()),
        (agg.x.sum(), table.x.sum()),
        (agg.value_added.sum(), table.value_added.sum()),
    ):
        assert got == pytest.approx(want, rel=1e-12)
    acc = compute_accounts(agg)
    assert acc.identity_residual < 1e-10
    # dense oracle: C^T Z C with the Kronecker membership
    Mc = np.zeros((table.n_cities, agg.n_cities))
    Mc[np.arange(table.n_cities), agg.cities.get_indexer(list(cities.values()))] = 1
    Ms = np.zeros((table.n_sectors, agg.n_sectors))
    Ms[np.arange(table.n_sectors), agg.sectors.get_indexer(list(sectors.values()))] = 1
    C = np.kron(Mc, Ms)
    np.testing.assert_allclose(agg.Z, C.T @ Z @ C, rtol=1e-12, atol=1e-10)


def test_aggregation_grouping_must_cover_every_label():
    table = toy_cities()
    with pytest.raises(LabelMismatchError, match=r"city grouping.*missing \['B'\], unknown \[\]"):
        aggregate(table, {"A": "x"})
    with pytest.raises(LabelMismatchError, match=r"sector grouping.*unknown \['s9'\]"):
        aggregate(table, sectors={"s1": "a", "s2": "a", "s9": "b"})


# -- income-based accounts ----------------------------------------------------------------


def _dense_ghosh(table, k=0):
    Z = table.intermediate_flows("dense")
    x = table.x
    G = np.linalg.inv(np.eye(len(x)) - Z / x[:, None])
    v = x - Z.sum(axis=0)
    ibe = v * (G @ (table.F[k] / x))
    return ibe.reshape(table.n_cities, table.n_sectors).sum(axis=1)


def test_income_based_equals_a_dense_ghosh_inverse(table):
    income = income_based_accounts(table, chunk=2)
    for k, s in enumerate(table.stressors):
        want = _dense_ghosh(table, k)
        np.testing.assert_allclose(
            income.income_based[s], want, rtol=1e-10, atol=1e-10 * np.abs(want).max()
        )


def test_income_based_identities(table):
    acc = compute_accounts(table)
    income = income_based_accounts(table, acc.solver)
    assert income.identity_residual < 1e-10
    total = income.income_based.sum().to_numpy()
    np.testing.assert_allclose(total, acc.production_based.sum().to_numpy(), rtol=1e-10)
    E = income.enabling.loc["CO2"]
    np.testing.assert_allclose(E.sum(axis=1), income.income_based["CO2"], rtol=1e-12)
    np.testing.assert_allclose(E.sum(axis=0), acc.production_based["CO2"], rtol=1e-9, atol=1e-9)
    city = table.cities[0]
    np.testing.assert_allclose(income.enabled_by(city).sum(), acc.production_based.loc[city])


def test_compute_accounts_with_income_matches_the_ghosh_oracle(table):
    acc = compute_accounts(table, income=True)
    alone = income_based_accounts(table, acc.solver)
    for k, s in enumerate(table.stressors):
        want = _dense_ghosh(table, k)
        np.testing.assert_allclose(
            acc.income_based[s], want, rtol=1e-10, atol=1e-10 * np.abs(want).max()
        )
    np.testing.assert_allclose(acc.enabling.to_numpy(), alone.enabling.to_numpy(), rtol=1e-13)
    assert acc.income_identity_residual < 1e-10
    np.testing.assert_allclose(
        acc.income_based.sum().to_numpy(), acc.production_based.sum().to_numpy(), rtol=1e-10
    )
    assert "income_based" in acc.account_names()
    assert "income_based" in set(acc.to_long()["account"])
    city = table.cities[-1]
    np.testing.assert_allclose(
        acc.enabled_by(city).sum(), acc.production_based.loc[city].iloc[0], rtol=1e-9
    )
    with pytest.raises(ValueError, match="income=True"):
        compute_accounts(table).enabled_by(city)


def test_group_income_accounts_and_enabling_matrix(table):
    acc = compute_accounts(table, income=True)
    mapping = pd.Series(_half_mapping(table))
    groups = acc.by_group(mapping)
    want = acc.income_based.groupby(mapping).sum()
    got = groups.accounts["income_based"].loc[want.index]
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-14, atol=1e-12)
    E = acc.enabling.loc["CO2"]
    brute = E.groupby(mapping).sum().T.groupby(mapping).sum().T
    Eg = groups.enabling.loc["CO2"].loc[brute.index, brute.columns]
    np.testing.assert_allclose(Eg.to_numpy(), brute.to_numpy(), rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(
        Eg.sum(axis=1), groups.accounts["income_based"]["CO2"].loc[Eg.index], rtol=1e-12
    )
    np.testing.assert_allclose(
        Eg.sum(axis=0),
        groups.accounts["production_based"]["CO2"].loc[Eg.columns],
        rtol=1e-9,
        atol=1e-9,
    )
    assert compute_accounts(table).by_group(mapping).enabling is None


def test_toy_income_based_by_hand():
    """Toy table of docs/methods.md §11.2 (2 cities x 2 sectors) against the closed-form Ghosh."""
    table = toy_cities()
    income = income_based_accounts(table)
    np.testing.assert_allclose(income.income_based["CO2"], _dense_ghosh(table), rtol=1e-13)
    assert income.income_based["CO2"].sum() == pytest.approx(table.F.sum(), rel=1e-14)


# -- command line -------------------------------------------------------------------------


def test_cli_footprints_with_groups_and_income(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["footprints", "toy-cities", "--group", "city", "--out", str(out)]) == 2
    capsys.readouterr()
    grouping = tmp_path / "g.csv"
    grouping.write_text("city,group\nA,east\nB,west\n")
    code = main(
        ["footprints", "toy-cities", "--group", str(grouping), "--accounts", "income"]
        + ["--out", str(out)]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "groups (" in text and "income-based" in text and "IBF [t CO2]" in text
    # income-based accounts are accounts like the others: accounts.csv, cities.csv, workbook
    long = pd.read_csv(out / "accounts.csv")
    ibf = long[long["account"] == "income_based"].set_index("city")["value"]
    assert ibf.sum() == pytest.approx(85.0, rel=1e-12)  # = sum of industrial emissions F
    want = _dense_ghosh(toy_cities())
    np.testing.assert_allclose(ibf.loc[["A", "B"]], want, rtol=1e-12)
    cities = pd.read_csv(out / "cities.csv")
    assert "IBF [t CO2]" in cities.columns
    enabling = pd.read_csv(out / "enabling.csv")
    assert list(enabling.columns) == [
        "stressor",
        "primary_input_city",
        "emitting_city",
        "unit",
        "value",
    ]
    assert enabling["value"].sum() == pytest.approx(85.0, rel=1e-12)
    import openpyxl

    wb = openpyxl.load_workbook(out / "accounts.xlsx", read_only=True)
    assert {"income_based", "enabling CO2"} <= set(wb.sheetnames)
    wb.close()
    assert not (out / "responsibility.csv").exists()
    groups = pd.read_csv(out / "groups-g.csv")
    assert list(groups["group"]) == ["east", "west"]
    assert groups.filter(like="income_based").iloc[:, 0].sum() == pytest.approx(85.0)
    # without --accounts income nothing income-based is written
    plain = tmp_path / "plain"
    assert main(["footprints", "toy-cities", "--out", str(plain)]) == 0
    assert "income_based" not in set(pd.read_csv(plain / "accounts.csv")["account"])
    assert not (plain / "enabling.csv").exists()


def test_cli_aggregate_writes_a_loadable_table(tmp_path, capsys):
    out = tmp_path / "agg"
    grouping = tmp_path / "g.csv"
    grouping.write_text("city,group\nA,one\nB,one\n")
    assert main(["aggregate", "toy-cities", "--cities", str(grouping), "--out", str(out)]) == 0
    assert "2 x 2 -> 1 cities x 2 sectors" in capsys.readouterr().out
    assert main(["footprints", str(out), "--out", str(tmp_path / "fp")]) == 0


# -- real data ----------------------------------------------------------------------------


@pytest.mark.realdata
def test_agglomeration_lists_match_the_census_codes():
    """Every listed city exists in the census boundary set under its code, name and province."""
    from mrio_city._resources import shipped
    from mrio_city.sources import default_data_dir

    census = default_data_dir() / "china-census-cities" / "census_city_2010-2020_v1.csv"
    if not census.is_file():
        pytest.skip("real data folder ../shared/data/real not found; set MRIO_CITY_DATA")
    lists = pd.read_csv(shipped("tables", "groupings", "agglomerations.csv"), dtype=str)
    cen = pd.read_csv(census, dtype=str, usecols=["city", "city_code", "province"])
    merged = lists.merge(cen, on="city_code", suffixes=("", "_census"), how="left")
    assert merged["city_census"].notna().all()
    assert (merged["city"] == merged["city_census"]).all()
    assert (merged["province"] == merged["province_census"]).all()
    sizes = lists.groupby("agglomeration").size()
    assert sizes["jing-jin-ji"] == 13 and sizes["yangtze-river-delta"] == 26
    assert sizes["pearl-river-delta"] == 9 and sizes["central-plains"] == 30


def test_responsibility_benchmark_smoke(tmp_path):
    from benchmarks.responsibility import main as bench_main

    out = tmp_path / "r.json"
    assert bench_main(["--cities", "12", "--repeats", "1", "--out", str(out)]) == 0
    import json

    rec = json.loads(out.read_text())
    assert rec["check_ok"] and rec["ratio_income_to_consumption"] > 0


ROOT = Path(__file__).resolve().parents[1]


def _docs_script():
    """docs/scripts/groups_tables.py loaded as a module (it is not part of the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "groups_tables", ROOT / "docs" / "scripts" / "groups_tables.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_docs_script_tables_follow_the_accounts(synthetic_table):
    """docs/scripts/groups_tables.py (the tables of docs/groups.md) on a 62-city table."""
    script = _docs_script()
    acc = compute_accounts(synthetic_table, income=True)
    three = script.principles(synthetic_table, acc).set_index("agglomeration")
    assert len(three) == min(5, three.shape[0]) and three["population [M]"].is_monotonic_decreasing
    groups = acc.by_group(city_grouping(synthetic_table, "agglomeration"))
    for column, name in (
        ("production-based [Mt]", "production_based"),
        ("consumption-based [Mt]", "consumption_based"),
        ("income-based [Mt]", "income_based"),
    ):
        want = groups.accounts[name]["CO2"].loc[three.index] / 1e6
        np.testing.assert_allclose(three[column], want, rtol=1e-12)
    bias = script.bias(synthetic_table, acc)
    assert list(bias["size"])[2] == f"{synthetic_table.city_attributes['province'].nunique()} x 42"
    assert (bias["median |CBF bias| by province"] >= 0).all()
    assert (bias["max |CBF bias| by province"] < 0.5).all()


@pytest.mark.skipif(
    not os.environ.get("MRIO_CITY_SLOW_TESTS"),
    reason="recomputes the docs/groups.md tables of the 309-city default (about a minute); "
    "set MRIO_CITY_SLOW_TESTS=1",
)
def test_docs_tables_of_the_default_table_are_current():
    """The three-principles and aggregation-bias tables of docs/groups.md, recomputed."""
    import mrio_city as mc

    script = _docs_script()
    table = mc.load_table("china-309-synthetic")
    acc = mc.compute_accounts(table, income=True)
    docs = (ROOT / "docs" / "groups.md").read_text(encoding="utf-8")
    for frame, fmt in ((script.principles(table, acc), ",.1f"), (script.bias(table, acc), ".3f")):
        for row in script.markdown(frame, fmt).splitlines()[2:]:
            assert row in docs, f"docs/groups.md is out of date: {row}"
