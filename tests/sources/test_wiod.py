import numpy as np
import pandas as pd
import pytest

from mrio_city.model.errors import DataSourceError
from mrio_city.sources import read_wiod_co2, read_wiod_longrun, read_wiod_national


@pytest.fixture(scope="module")
def lr2000(data_dir):
    return read_wiod_longrun(2000, data_dir=data_dir)


def test_longrun_2000_labels_and_totals(lr2000):
    w = lr2000
    assert w.unit == "million USD"
    assert len(w.regions) == 26 and len(w.sectors) == 23
    assert {"CHN", "HKG", "TWN", "xROW"} <= set(w.regions)
    assert w.Z.shape == (598, 598) and w.Y.shape == (598, 104)
    assert w.Z.index.names == ["region", "sector"] and w.Y.columns.names == ["region", "category"]
    assert list(w.Y["CHN"].columns) == ["CONS_h", "CONS_g", "GFCF", "INV"]
    # world gross output 61.79 trillion US$, China 3.24 trillion US$
    assert w.x.sum() / 1e6 == pytest.approx(61.793, abs=0.001)
    assert w.x["CHN"].sum() / 1e6 == pytest.approx(3.2377, abs=0.0001)


def test_longrun_2000_rows_and_columns_balance(lr2000):
    b = lr2000.balance()
    # 6-decimal CSV of a float table: identities hold to ~1e-8 relative
    assert (b["row_residual"].abs() / b["output"]).max() < 1e-7
    assert (b["column_residual"].abs() / b["output"]).max() < 1e-7
    assert (lr2000.Y.xs("INV", axis=1, level="category") < 0).to_numpy().any()


@pytest.fixture(scope="module")
def chn2014(data_dir):
    return read_wiod_national("CHN", 2014, data_dir=data_dir)


def test_national_chn_2014(chn2014):
    t = chn2014
    assert t.unit == "million USD" and t.layout == "non-competitive"
    assert len(t.sectors) == 56 and t.sectors[0] == "A01" and t.sectors[-1] == "U"
    # GO 31.75 trillion US$, VA 10.28 trillion US$ (SOURCE.md)
    assert t.x.sum() / 1e6 == pytest.approx(31.745104, abs=1e-6)
    assert t.value_added.loc["VA"].sum() / 1e6 == pytest.approx(10.283985, abs=1e-6)
    assert t.sector_names.loc["A02", "name_en"] == "Forestry and logging"
    b = t.balance()
    # whole millions: rows balance within 4, columns within 8 (half a unit per term)
    assert b["row_residual"].abs().max() <= 4
    assert b["column_residual"].abs().max() <= 8


def test_national_usa_other_year(data_dir):
    t = read_wiod_national("USA", 2000, data_dir=data_dir)
    assert t.year == 2000 and len(t.sectors) == 56 and (t.x >= 0).all()


def test_national_thousands_separator_error_names_line(data_dir, tmp_path):
    src = data_dir / "wiod-chn" / "CHN_NIOT_nov16.csv"
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[2].split(";")
    cells[4] = "44,8x32"
    lines[2] = ";".join(cells)
    (tmp_path / "wiod-chn").mkdir()
    (tmp_path / "wiod-chn" / "CHN_NIOT_nov16.csv").write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(
        DataSourceError, match=r"CHN_NIOT_nov16.csv, line 3, column 'A01': expected a number"
    ):
        read_wiod_national("CHN", 2000, data_dir=tmp_path)


def test_national_missing_year(data_dir):
    with pytest.raises(DataSourceError, match="year 1999 not found"):
        read_wiod_national("CHN", 1999, data_dir=data_dir)


def test_co2_china(data_dir):
    co2 = read_wiod_co2("CHN", data_dir=data_dir)
    assert set(co2["unit"]) == {"kt CO2"}
    assert co2["sector"].nunique() == 56 and sorted(co2["year"].unique()) == list(range(2000, 2015))
    by_year = co2.groupby("year")["value"].sum() / 1e3  # Mt
    assert by_year[2000] == pytest.approx(3376.27, abs=0.01)
    assert by_year[2012] == pytest.approx(9511.12, abs=0.01)
    assert by_year[2014] == pytest.approx(9946.17, abs=0.01)


def test_co2_sectors_match_niot(data_dir, chn2014):
    co2 = read_wiod_co2(["CHN"], data_dir=data_dir)
    assert list(pd.unique(co2["sector"])) == list(chn2014.sectors)


def test_co2_bad_header_cell(data_dir, tmp_path):
    src = data_dir / "wiod-chn" / "WIOD_CO2_emission_accounts_JRC2019_2000-2014.xlsx"
    sector = pd.read_excel(src, "Sector", header=None)
    chn = pd.read_excel(src, "CHN", header=None)
    chn.iat[1, 3] = "A3"  # D2 should read 'A03'
    (tmp_path / "wiod-chn").mkdir()
    with pd.ExcelWriter(tmp_path / "wiod-chn" / src.name) as xl:
        sector.to_excel(xl, sheet_name="Sector", header=False, index=False)
        chn.to_excel(xl, sheet_name="CHN", header=False, index=False)
    with pytest.raises(
        DataSourceError,
        match=r"sheet 'CHN', cell D2: expected sector 'A03', "
        r"found 'A3'",
    ):
        read_wiod_co2("CHN", data_dir=tmp_path)
    assert np.isfinite(chn.iloc[2:, 1:].astype(float).to_numpy()).all()
