import numpy as np
import pandas as pd
import pytest

from mrio_city.model.errors import DataSourceError
from mrio_city.sources import (
    CEADS_FUELS,
    CEADS_SECTORS,
    read_ceads_cities,
    read_ceads_national,
    read_ceads_provinces,
    read_county_co2,
)

PROV_FILE = "Emission_Inventories_for_30_Provinces_2012.xlsx"


@pytest.fixture(scope="module")
def prov2012(data_dir):
    return read_ceads_provinces(2012, include_totals=True, data_dir=data_dir)


def test_provinces_2012_layout(prov2012):
    p = prov2012
    assert set(p["unit"]) == {"Mt CO2"}
    assert p["province_code"].nunique() == 30 and "540000" not in set(p["province_code"])
    assert list(pd.unique(p["fuel"])) == [*CEADS_FUELS, "Process", "Scope 1 Total"]
    assert list(pd.unique(p["sector"]))[:45] == list(CEADS_SECTORS)
    assert list(pd.unique(p["sector_code"]))[-3:] == ["URBAN", "RURAL", "TOTAL"]
    assert len(p) == 30 * 48 * 19


def test_provinces_2012_sectors_plus_households_equal_total(prov2012):
    p = prov2012
    parts = p[p["sector_code"] != "TOTAL"].groupby(["province", "fuel"])["value"].sum()
    total = p[p["sector_code"] == "TOTAL"].set_index(["province", "fuel"])["value"]
    assert np.abs(parts - total.loc[parts.index]).max() < 1e-9
    fuels = p[~p["fuel"].isin(["Scope 1 Total"])].groupby(["province", "sector"])["value"].sum()
    scope1 = p[p["fuel"] == "Scope 1 Total"].set_index(["province", "sector"])["value"]
    assert np.abs(fuels - scope1.loc[fuels.index]).max() < 1e-9
    # sum of Scope 1 totals over 30 provinces = 9,743 Mt (SOURCE.md)
    grand = p[(p["sector_code"] == "TOTAL") & (p["fuel"] == "Scope 1 Total")]["value"].sum()
    assert grand == pytest.approx(9742.70, abs=0.01)


def test_provinces_default_drops_totals(data_dir, prov2012):
    p = read_ceads_provinces(2017, data_dir=data_dir)  # includes the Hunan2017 quirks
    assert "TOTAL" not in set(p["sector_code"]) and "Scope 1 Total" not in set(p["fuel"])
    assert p["province"].nunique() == 30 and (p["year"] == 2017).all()
    assert p["value"].sum() == pytest.approx(10171.22, abs=0.01)


def test_national_2012(data_dir):
    n = read_ceads_national(2012, data_dir=data_dir)
    assert n["value"].sum() == pytest.approx(9080.55, abs=0.01)
    assert n["sector_code"].nunique() == 47


def _one_sheet_workbook(data_dir, tmp_path, change):
    src = data_dir / "ceads-emissions" / PROV_FILE
    sheet = pd.read_excel(src, "Beijing2012", header=None)
    change(sheet)
    (tmp_path / "ceads-emissions").mkdir()
    with pd.ExcelWriter(tmp_path / "ceads-emissions" / PROV_FILE) as xl:
        sheet.to_excel(xl, sheet_name="Beijing2012", header=False, index=False)
    return tmp_path


def test_bad_total_header_names_file_sheet_and_cell(data_dir, tmp_path):
    def change(sheet):
        sheet.iat[3, 0] = "Totl"

    d = _one_sheet_workbook(data_dir, tmp_path, change)
    expected = (
        f"{PROV_FILE}: sheet 'Beijing2012', cell A4: expected header "
        "'Total Consumption', found 'Totl'"
    )
    with pytest.raises(DataSourceError, match=expected):
        read_ceads_provinces(2012, data_dir=d)


def test_bad_fuel_header_and_unbalanced_totals(data_dir, tmp_path):
    def change(sheet):
        sheet.iat[0, 2] = "Clean Coal"

    d = _one_sheet_workbook(data_dir, tmp_path, change)
    with pytest.raises(
        DataSourceError,
        match=r"cell C1: expected header 'Cleaned Coal', "
        r"found 'Clean Coal'",
    ):
        read_ceads_provinces(2012, data_dir=d)


def test_unbalanced_sheet(data_dir, tmp_path):
    def change(sheet):
        sheet.iat[10, 1] = float(sheet.iat[10, 1]) + 1.0

    d = _one_sheet_workbook(data_dir, tmp_path, change)
    with pytest.raises(DataSourceError, match=r"cell B4: total row != sum of 45 sectors"):
        read_ceads_provinces(2012, data_dir=d)


def test_only_thirty_sheets_accepted(data_dir, tmp_path):
    d = _one_sheet_workbook(data_dir, tmp_path, lambda s: None)
    with pytest.raises(DataSourceError, match="expected 30 province sheets, found 1"):
        read_ceads_provinces(2012, data_dir=d)


def test_cities(data_dir):
    c = read_ceads_cities(data_dir=data_dir)
    assert c["city"].nunique() == 290 and set(c["unit"]) == {"Mt CO2"}
    c12 = c[c["year"] == 2012]
    assert len(c12) == 263
    assert c12["value"].sum() == pytest.approx(9911.56, abs=0.01)
    anqing = c[c["city"] == "安徽安庆"].iloc[0]
    assert (anqing["province"], anqing["city_short"]) == ("安徽省", "安庆")
    assert c[c["city"] == "北京"]["province_code"].iloc[0] == "110000"


def test_county_co2(data_dir):
    k = read_county_co2(data_dir=data_dir)
    assert k["county_code_raw"].nunique() == 2735 and set(k["unit"]) == {"Mt CO2"}
    assert sorted(k["year"].unique()) == list(range(1997, 2018))
    assert k.loc[k["year"] == 2012, "value"].sum() == pytest.approx(9308.47, abs=0.01)
    odd = k[k["county_code_raw"] == "320211（2）"]
    assert set(odd["county_code"]) == {"320211"} and set(odd["county"]) == {"新吴区"}
    assert k["county_code"].str.fullmatch(r"\d{6}").all()
