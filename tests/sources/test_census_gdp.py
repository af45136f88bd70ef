import pandas as pd
import pytest

from mrio_city.errors import DataSourceError
from mrio_city.sources import (
    read_census_cities,
    read_city_gdp,
    read_provincial_gdp,
    read_resource_based_cities,
)


def test_census_cities(data_dir):
    c = read_census_cities(data_dir=data_dir)
    assert c.shape[0] == 369 and c.index.name == "city_code" and c.index.is_unique
    assert c.attrs["unit"]["popu_2010"] == "persons"
    assert c.attrs["unit"]["centroid_lon"] == "degrees (WGS84)"
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
