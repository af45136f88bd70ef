import numpy as np
import pandas as pd
import pytest

from mrio_city.model.errors import DataSourceError
from mrio_city.sources import (
    read_census_cities,
    read_city_gdp,
    read_provincial_gdp,
    read_resource_based_cities,
)
from mrio_city.sources.gdp import read_yearbook_city_gdp


def test_census_cities(data_dir):
    c = read_census_cities(data_dir=data_dir)
    assert c.shape[0] == 369 and c.index.name == "city_code" and c.index.is_unique
    assert c.attrs["units"]["popu_2010"] == "persons"
    assert c.attrs["units"]["centroid_lon"] == "degrees (WGS84)"
    # 1,336.4 million (2010) and 1,414.0 million (2020) resident persons (SOURCE.md)
    assert c["popu_2010"].sum() / 1e6 == pytest.approx(1336.42, abs=0.01)
    assert c["popu_2020"].sum() / 1e6 == pytest.approx(1414.04, abs=0.01)
    assert c.loc["110100", "city"] == "北京市"
    assert c.loc["659001", ["popu_2010", "popu_2020"]].isna().all()  # corps city: no data
    inside = c["inside_lat"].dropna()
    assert inside.between(3, 54).all()


def test_census_bad_code(data_dir, tmp_path):
    raw = pd.read_csv(
        data_dir / "china-census-cities" / "census_city_2010-2020_centroids.csv", dtype=str
    )
    raw.loc[3, "city_code"] = "13020"
    (tmp_path / "china-census-cities").mkdir()
    raw.to_csv(
        tmp_path / "china-census-cities" / "census_city_2010-2020_centroids.csv", index=False
    )
    with pytest.raises(DataSourceError, match=r"row 5, column 'city_code': expected a 6-digit"):
        read_census_cities(data_dir=tmp_path)


def test_resource_based_cities(data_dir):
    r = read_resource_based_cities(data_dir=data_dir)
    assert len(r) == 126
    assert r["type"].value_counts().to_dict() == {
        "mature": 66,
        "declining": 24,
        "growing": 20,
        "regenerating": 16,
    }
    assert r.loc[r["name_2013"] == "莱芜市", "city_code"].item() == "370100"


def test_provincial_gdp_vintage2018(data_dir):
    g = read_provincial_gdp(data_dir=data_dir)
    assert g.attrs["vintage"] == "vintage2018"
    gdp = g[g["variable"] == "gdp"]
    pop = g[g["variable"] == "population"]
    assert set(gdp["unit"]) == {"10^8 CNY"} and set(pop["unit"]) == {"10^4 persons"}
    assert gdp["province_code"].nunique() == 31
    assert (gdp["year"].min(), gdp["year"].max()) == (1993, 2017)
    # sum of 31 provinces, 2012: 576,552 x 10^8 CNY (first published), 134,789 x 10^4 persons
    assert gdp.loc[gdp["year"] == 2012, "value"].sum() == pytest.approx(576551.84, abs=0.01)
    assert pop.loc[pop["year"] == 2012, "value"].sum() == pytest.approx(134789)
    gd = gdp[(gdp["province_en"] == "Guangdong") & (gdp["year"] == 2012)]["value"].item()
    assert gd == pytest.approx(57067.92)  # China Statistical Yearbook 2013
    assert gdp[(gdp["province"] == "北京市") & (gdp["year"] == 2012)]["value"].item() == 17879.40


def test_city_gdp_flags(data_dir):
    c = read_city_gdp(data_dir=data_dir)
    assert len(c) == 369 and set(c["unit"]) == {"10^4 CNY"}
    assert c["qc_flag"].value_counts().to_dict() == {
        "ok": 246,
        "absent_2012": 105,
        "suspect_row": 13,
        "check": 3,
        "defunct_unit_row": 2,
    }
    usable = read_city_gdp(("ok", "check"), data_dir=data_dir)
    assert len(usable) == 249
    # 249 usable cities: 49.17 trillion CNY
    assert usable["value"].sum() * 1e4 / 1e12 == pytest.approx(49.170, abs=0.001)
    assert (c.loc[c["qc_flag"] == "suspect_row", "city"] == "开封市").any()
    with pytest.raises(ValueError, match=r"'quality' parameter of read_city_gdp .* \['good'\]"):
        read_city_gdp("good", data_dir=data_dir)


@pytest.mark.parametrize(
    ("vintage", "total_2012", "beijing_2012", "first_year"),
    [("vintage2024", 543063.2, 19024.7, 2004), ("vintage2025", 551419.7, 19568.3, 2006)],
)
def test_provincial_gdp_revised_vintages(data_dir, vintage, total_2012, beijing_2012, first_year):
    """SOURCE.md: sums of the 31 provinces and Beijing's 2012 GDP in the revised vintages."""
    g = read_provincial_gdp(vintage=vintage, data_dir=data_dir)
    assert g.attrs["vintage"] == vintage
    gdp = g[g["variable"] == "gdp"]
    assert gdp["year"].min() == first_year and gdp["province_code"].nunique() == 31
    y12 = gdp[gdp["year"] == 2012]
    assert y12["value"].sum() == pytest.approx(total_2012, abs=0.05)
    assert y12.loc[y12["province"] == "北京市", "value"].item() == pytest.approx(beijing_2012)
    # the population series does not depend on the GDP vintage
    pop = g[(g["variable"] == "population") & (g["year"] == 2012)]
    assert pop["value"].sum() == pytest.approx(134789)
    tidy = pd.read_csv(
        data_dir / "china-provincial-gdp" / "province_gdp_population_2004-2017_tidy.csv"
    )
    tidy = tidy[tidy["year"] == 2012].set_index("province")[f"gdp_{vintage}_1e8cny"]
    assert (y12.set_index("province")["value"] - tidy.loc[y12["province"]]).abs().max() < 1e-9
    with pytest.raises(ValueError, match=r"'vintage' parameter .* 'vintage2030'"):
        read_provincial_gdp(vintage="vintage2030", data_dir=data_dir)


def test_city_gdp_tertiary_share(data_dir):
    c = read_city_gdp(("ok", "check"), data_dir=data_dir)
    assert c["tertiary_share"].between(0.1, 0.8).all()
    raw = pd.read_csv(
        data_dir / "china-city-ccsy" / "city_crosswalk_census_ccsy2012.csv",
        dtype={"census_city_code": str},
    ).set_index("census_city_code")
    bj = c.set_index("city_code").loc["110100", "tertiary_share"]
    assert bj == pytest.approx(raw.loc["110100", "tertiary_share_2012_pct"] / 100)


def test_yearbook_city_gdp(data_dir):
    y = read_yearbook_city_gdp(data_dir=data_dir)
    assert len(y) == 88 and y["city_code"].is_unique and set(y["unit"]) == {"10^4 CNY"}
    assert y["first_published"].sum() == 46  # Henan, Hubei, Zhejiang 2013 yearbooks
    three = y.dropna(subset=["primary", "secondary", "tertiary"])
    assert len(three) == 46
    parts = three[["primary", "secondary", "tertiary"]].sum(axis=1)
    np.testing.assert_allclose(parts, three["value"], rtol=2e-5)  # SOURCE.md: within 0.002 %
    wuhan = y.set_index("city_code").loc["420100"]
    assert wuhan["value"] == pytest.approx(8003.82e4) and wuhan["city"] == "武汉市"
    assert set(y.loc[~y["first_published"], "source_table"]) == {
        "guangdong_yb_t2-14",
        "sichuan_yb_t2-7",
    }


def test_yearbook_city_gdp_bad_row(data_dir, tmp_path):
    src = data_dir / "china-city-ccsy" / "provincial_yearbook_city_gdp_2012_tidy.csv"
    raw = pd.read_csv(src, dtype=str)
    raw.loc[2, "tertiary_1e8cny"] = "999"
    (tmp_path / "china-city-ccsy").mkdir()
    raw.to_csv(tmp_path / "china-city-ccsy" / src.name, index=False)
    with pytest.raises(DataSourceError, match=r"row 4: primary \+ secondary \+ tertiary differ"):
        read_yearbook_city_gdp(data_dir=tmp_path)
