import numpy as np
import pandas as pd
import pytest

from mrio_city.model.errors import DataSourceError, LabelMismatchError
from mrio_city.sources import (
    CEADS_SECTORS,
    apply_concordance,
    concordance_matrix,
    list_concordances,
    load_concordance,
    read_nbs_io,
    read_wiod_national,
)

NBS42 = [f"{k:02d}" for k in range(1, 43)]
WIOD_LR23 = [
    "AtB",
    "C",
    "D15t16",
    "D17t19",
    "D21t22",
    "D23",
    "D24",
    "D25",
    "D26",
    "D27t28",
    "D29",
    "D30t33",
    "D34t35",
    "Dnec",
    "E",
    "F",
    "G",
    "H",
    "I60t63",
    "I64",
    "J",
    "K",
    "LtQ",
]
SHIPPED = [
    "ceads47_to_nbs42",
    "nbs139_to_nbs42",
    "nbs149_to_nbs42",
    "nbs153_to_nbs42",
    "nbs2017_42_to_nbs42",
    "wiod56_to_wiodlr23",
]


def test_shipped_concordances_are_listed():
    assert list_concordances() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shares_of_every_source_sum_to_one(name):
    c = load_concordance(name)
    assert list(c.columns) == ["source_code", "source_name", "target_code", "target_name", "share"]
    sums = c.groupby("source_code")["share"].sum()
    assert np.abs(sums - 1).max() < 1e-9
    assert (c["share"] > 0).all() and (c["share"] <= 1).all()
    m = concordance_matrix(c)
    np.testing.assert_allclose(m.sum(axis=1), 1.0, atol=1e-9)


# every source sector of the classification maps, and only known targets are used
@pytest.mark.parametrize(
    ("name", "year", "n"),
    [
        ("nbs139_to_nbs42", 2012, 139),
        ("nbs149_to_nbs42", 2017, 149),
        ("nbs153_to_nbs42", 2018, 153),
        ("nbs153_to_nbs42", 2020, 153),
        ("nbs2017_42_to_nbs42", 2017, 42),
    ],
)
def test_every_nbs_sector_maps(data_dir, name, year, n):
    c = load_concordance(name)
    t = read_nbs_io(year, n, data_dir=data_dir)
    assert sorted(set(c["source_code"])) == list(t.sectors)
    assert sorted(set(c["target_code"])) == NBS42  # every target sector is reached too


def test_every_ceads_sector_maps():
    c = load_concordance("ceads47_to_nbs42")
    codes = [f"CE{i:02d}" for i in range(1, 46)]
    assert sorted(set(c["source_code"])) == codes
    names = c.drop_duplicates("source_code").set_index("source_code")["source_name"]
    assert list(names.loc[codes]) == list(CEADS_SECTORS)
    assert set(c["target_code"]) <= set(NBS42)
    # splits: trade & catering -> 29/31, other services -> 32..42
    assert set(c.loc[c["source_code"] == "CE44", "target_code"]) == {"29", "31"}
    assert set(c.loc[c["source_code"] == "CE45", "target_code"]) == set(NBS42[31:])


def test_every_wiod_sector_maps(data_dir):
    c = load_concordance("wiod56_to_wiodlr23")
    t = read_wiod_national("CHN", 2014, data_dir=data_dir)
    assert sorted(set(c["source_code"])) == sorted(t.sectors)
    assert sorted(set(c["target_code"])) == sorted(WIOD_LR23)


@pytest.mark.parametrize(("year", "n"), [(2017, 149), (2018, 153), (2020, 153)])
def test_detailed_tables_aggregate_to_published_42_sector_tables(data_dir, year, n):
    """Oracle: NBS's own 42-sector table of the same year (2017 edition of the 42 sectors)."""
    detailed = read_nbs_io(year, n, data_dir=data_dir)
    x42 = apply_concordance(detailed.x, f"nbs{n}_to_nbs42")
    published = read_nbs_io(year, 42, data_dir=data_dir)
    x_pub = apply_concordance(published.x, "nbs2017_42_to_nbs42")
    # the 2017-edition sector 22 (other manufacturing + waste) is split with fixed shares,
    # so compare 22+23 together; every other sector must agree to rounding
    both = pd.DataFrame({"ours": x42, "nbs": x_pub})
    both.loc["22"] += both.loc["23"]
    both = both.drop("23")
    assert (both["ours"] - both["nbs"]).abs().max() < 1e-3  # 10^4 CNY
    va42 = apply_concordance(detailed.value_added, f"nbs{n}_to_nbs42", axis=1)
    assert va42.to_numpy().sum() == pytest.approx(published.value_added.to_numpy().sum(), rel=1e-12)


def test_aggregated_2012_table_keeps_totals_and_balances(data_dir):
    t = read_nbs_io(2012, 139, data_dir=data_dir)
    c = load_concordance("nbs139_to_nbs42")
    Z = apply_concordance(t.Z, c, axis="both")
    fd = apply_concordance(t.final_demand, c)
    va = apply_concordance(t.value_added, c, axis=1)
    x = apply_concordance(t.x, c)
    assert Z.shape == (42, 42) and list(Z.index) == NBS42 and list(Z.columns) == NBS42
    assert Z.to_numpy().sum() == pytest.approx(t.Z.to_numpy().sum(), rel=1e-12)
    assert np.abs(x - Z.sum(axis=1) - fd.sum(axis=1)).max() < 1.0
    assert np.abs(x - Z.sum(axis=0) - va.sum(axis=0)).max() < 0.5 * (139 + 4)
    assert list(fd.columns) == list(t.final_demand.columns)


def test_split_and_multiindex_level():
    c = load_concordance("ceads47_to_nbs42")
    idx = pd.MultiIndex.from_product(
        [["Beijing", "Hebei"], ["CE44", "CE02"]], names=["province", "sector"]
    )
    s = pd.Series([10.0, 1.0, 20.0, 2.0], index=idx, name="co2")
    out = apply_concordance(s, c, level="sector")
    share29 = c.set_index(["source_code", "target_code"]).loc[("CE44", "29"), "share"]
    assert out[("Beijing", "29")] == pytest.approx(10 * share29)
    assert out[("Hebei", "31")] == pytest.approx(20 * (1 - share29))
    assert out[("Hebei", "02")] == 2.0
    assert out.sum() == pytest.approx(s.sum())
    assert list(out.index.get_level_values("province")) == ["Beijing"] * 3 + ["Hebei"] * 3


def test_unknown_labels_are_listed():
    s = pd.Series([1.0, 2.0], index=["001", "XYZ"])
    with pytest.raises(LabelMismatchError, match=r"1 sector label\(s\) .* \['XYZ'\]"):
        apply_concordance(s, "nbs139_to_nbs42")
    with pytest.raises(ValueError, match="'axis' parameter of apply_concordance"):
        apply_concordance(s, "nbs139_to_nbs42", axis=2)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["A,a,X,x,0.5", "A,a,Y,y,0.4"], r"shares of source 'A' sum to 0.9, not 1"),
        (["A,a,X,x,1", "A,a,X,x,1"], r"row 3: duplicated pair \('A', 'X'\)"),
        (["A,a,X,x,-1"], r"row 2, column 'share': expected a number in \(0, 1\]"),
        (["A,a,,x,1"], r"row 2, column 'target_code': empty code"),
    ],
)
def test_bad_concordance_files(tmp_path, rows, message):
    path = tmp_path / "bad.csv"
    path.write_text("source_code,source_name,target_code,target_name,share\n" + "\n".join(rows))
    with pytest.raises(DataSourceError, match=f"bad.csv.*{message}"):
        load_concordance("bad", directory=tmp_path)


def test_missing_concordance_lists_available():
    with pytest.raises(DataSourceError, match=r"not found.*nbs139_to_nbs42"):
        load_concordance("nope")
