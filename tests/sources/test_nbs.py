import numpy as np
import pandas as pd
import pytest

from mrio_city.model.errors import DataSourceError
from mrio_city.sources import available_nbs_tables, read_nbs_io

ALL_TABLES = [
    (2002, 122),
    (2005, 42),
    (2007, 135),
    (2010, 41),
    (2012, 139),
    (2015, 42),
    (2017, 42),
    (2017, 149),
    (2018, 42),
    (2018, 153),
    (2020, 42),
    (2020, 153),
]


def _tolerance(table, n_terms):
    # Published in 10^4 CNY: half a unit of rounding per summed term.
    return 0.5 * n_terms


@pytest.fixture(scope="module")
def io2012(data_dir):
    return read_nbs_io(2012, data_dir=data_dir)


def test_2012_totals_and_labels(io2012):
    t = io2012
    assert t.unit == "10^4 CNY" and t.layout == "competitive" and not t.domestic
    assert len(t.sectors) == 139 and t.sectors[0] == "001" and t.sectors[-1] == "139"
    assert t.Z.shape == (139, 139)
    assert list(t.value_added.index) == [
        "compensation_of_employees",
        "net_taxes_on_production",
        "depreciation",
        "operating_surplus",
    ]
    # Value added 53.68 trillion CNY (official 2012 GDP ~53.9), gross output 160.16 trillion.
    va_trillion = t.value_added.to_numpy().sum() * 1e4 / 1e12
    go_trillion = t.x.sum() * 1e4 / 1e12
    assert va_trillion == pytest.approx(53.680, abs=0.001)
    assert go_trillion == pytest.approx(160.163, abs=0.001)
    assert t.imports.sum() * 1e4 / 1e12 == pytest.approx(t.imports.sum() / 1e8)
    assert t.sector_names.loc["001", "name_zh"] == "农产品"


def test_2012_every_column_and_row_balances(io2012):
    b = io2012.balance()
    n = len(io2012.sectors)
    # column: intermediate inputs + value added = output, within rounding of the table
    assert (b["column_residual"].abs() <= _tolerance(io2012, n + 4)).all()
    assert (b["row_residual"].abs() <= _tolerance(io2012, n + 8)).all()


def test_2012_negative_final_demand_is_kept(io2012):
    fd = io2012.final_demand
    assert (fd["imports"] <= 0).all() and (fd["imports"] < 0).any()
    assert (fd["inventory_change"] < 0).any()
    assert (io2012.value_added.loc["net_taxes_on_production"] < 0).any()
    assert (io2012.x >= 0).all()


def test_2012_to_domestic_keeps_identities(io2012):
    dom = io2012.to_domestic()
    assert dom.domestic and "imports" not in dom.final_demand.columns
    b = dom.balance()
    assert b["row_residual"].abs().max() <= 1.0
    assert b["column_residual"].abs().max() <= 0.5 * (139 + 4)
    # the removed flows are exactly the imports (exports untouched)
    removed = dom.import_Z.sum(axis=1) + dom.import_final_demand.sum(axis=1)
    np.testing.assert_allclose(removed, io2012.imports, rtol=1e-9, atol=1e-3)
    pd.testing.assert_series_equal(dom.final_demand["exports"], io2012.final_demand["exports"])
    assert (dom.Z.to_numpy() >= 0).all()
    # one domestic share per row: Z_dom / Z is constant along each row
    ratio = (dom.Z / io2012.Z.replace(0, np.nan)).T
    assert (ratio.max() - ratio.min()).max() < 1e-9


def test_imports_above_domestic_use_need_reexports(data_dir):
    t = read_nbs_io(2002, data_dir=data_dir)
    with pytest.raises(DataSourceError, match=r"china_2002_122.csv, row '081'.*include_exports"):
        t.to_domestic()
    dom = t.to_domestic(include_exports=True)
    assert dom.balance()["row_residual"].abs().max() < 1.0
    assert (dom.final_demand["exports"] <= t.final_demand["exports"] + 1e-9).all()


@pytest.mark.parametrize(("year", "n"), ALL_TABLES, ids=[f"{y}_{n}" for y, n in ALL_TABLES])
def test_every_table_reads_and_balances(data_dir, year, n):
    t = read_nbs_io(year, n, data_dir=data_dir)
    b = t.balance()
    assert len(t.sectors) == n
    assert (b["column_residual"].abs() <= 0.5 * (2 * n + 4)).all()
    assert (b["row_residual"].abs() <= 0.5 * (n + 10)).all()
    assert np.isfinite(t.Z.to_numpy()).all() and (t.x >= 0).all()


def test_noncompetitive_2017_layout(data_dir):
    t = read_nbs_io(2017, 42, data_dir=data_dir)
    assert t.layout == "non-competitive" and t.domestic and t.to_domestic() is t
    assert list(t.final_demand.columns) == [
        "final_consumption",
        "gfcf",
        "inventory_change",
        "exports",
    ]
    assert t.import_Z.shape == (42, 42)
    total_imports = t.import_Z.to_numpy().sum() + t.import_final_demand.to_numpy().sum()
    assert total_imports == pytest.approx(t.imports.sum(), rel=1e-9)
    # same economy as the 149-sector table of the same year
    t149 = read_nbs_io(2017, 149, data_dir=data_dir)
    assert t.value_added.to_numpy().sum() == pytest.approx(
        t149.value_added.to_numpy().sum(), rel=1e-12
    )
    assert t.value_added.to_numpy().sum() * 1e4 / 1e12 == pytest.approx(82.322, abs=0.001)


def test_available_tables_and_ambiguous_year(data_dir):
    tables = available_nbs_tables(data_dir)
    assert len(tables) == 12
    with pytest.raises(
        ValueError, match=r"2 tables for 2017 \(sectors: \[42, 149\]\); pass n_sectors="
    ):
        read_nbs_io(2017, data_dir=data_dir)


# ---- bad layouts: copies of the real table with one cell changed --------------------------


def _write_variant(data_dir, tmp_path, change):
    raw = pd.read_csv(data_dir / "nbs-china-io" / "csv" / "china_2012_139.csv", dtype=str)
    change(raw)
    out = tmp_path / "nbs-china-io" / "csv"
    out.mkdir(parents=True)
    raw.to_csv(out / "china_2012_139.csv", index=False)
    return tmp_path


def test_nan_in_z_is_an_error(data_dir, tmp_path):
    def change(raw):
        raw.loc[4, "007"] = "NA"

    d = _write_variant(data_dir, tmp_path, change)
    with pytest.raises(
        DataSourceError, match=r"china_2012_139.csv, row '005', column '007': expected a finite"
    ):
        read_nbs_io(2012, 139, data_dir=d)


def test_negative_output_is_an_error(data_dir, tmp_path):
    def change(raw):
        raw.loc[2, "GO"] = "-5"

    d = _write_variant(data_dir, tmp_path, change)
    with pytest.raises(DataSourceError, match=r"row '003', column 'GO': gross output must be >= 0"):
        read_nbs_io(2012, 139, data_dir=d)


def test_misordered_sector_rows_are_named(data_dir, tmp_path):
    def change(raw):
        raw.loc[5, "Code"] = "999"

    d = _write_variant(data_dir, tmp_path, change)
    with pytest.raises(DataSourceError, match=r"sector row 6: expected code '006'.*found '999'"):
        read_nbs_io(2012, 139, data_dir=d)


def test_broken_identity_is_named(data_dir, tmp_path):
    def change(raw):
        raw.loc[10, "001"] = str(float(raw.loc[10, "001"]) + 1e6)

    d = _write_variant(data_dir, tmp_path, change)
    with pytest.raises(DataSourceError, match=r"china_2012_139.csv, row TII .* fails for '001'"):
        read_nbs_io(2012, 139, data_dir=d)
