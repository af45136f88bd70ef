"""Crosswalk of the China city build: name matching, GDP priority and inputs via public readers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mrio_city.model.errors import DataSourceError
from mrio_city.sources import (
    apply_concordance,
    ceads_names,
    crosswalk,
    national_inputs,
    read_ceads_cities,
    read_ceads_provinces,
    read_census_cities,
    read_nbs_io,
)

CENSUS = pd.DataFrame(
    {
        "city": ["北京市", "安庆市", "黔东南苗族侗族自治州", "黔南布依族苗族自治州", "济南市"],
        "city_code": [110100, 340800, 522600, 522700, 370100],
        "province": ["北京市", "安徽省", "贵州省", "贵州省", "山东省"],
    }
)


def _ceads(*names_provinces_shorts):
    return pd.DataFrame(names_provinces_shorts, columns=["city", "province", "city_short"])


# -- name crosswalk on small frames -----------------------------------------------------------
def test_crosswalk_methods_on_a_small_frame():
    ceads = _ceads(
        ("北京", "北京市", "北京"),
        ("安徽安庆", "安徽省", "安庆"),
        ("贵州黔东南", "贵州省", "黔东南"),
        ("山东莱芜", "山东省", "莱芜"),
        ("安徽巢湖", "安徽省", "巢湖"),
        ("安徽安庆", "安徽省", "安庆"),  # long frames repeat names: one row per name
    )
    xw = ceads_names.ceads_census_crosswalk(ceads, CENSUS).set_index("ceads_name")
    assert list(xw.index) == ["北京", "安徽安庆", "贵州黔东南", "山东莱芜", "安徽巢湖"]
    assert xw["method"].tolist() == [
        "municipality",
        "rule",
        "autonomous_prefix",
        "merged_into_370100",
        "defunct",
    ]
    assert xw["census_city_code"].tolist()[:4] == [110100, 340800, 522600, 370100]
    assert pd.isna(xw.loc["安徽巢湖", "census_city_code"])


def test_crosswalk_errors_name_the_offending_city():
    with pytest.raises(
        DataSourceError, match=r"1 city name\(s\) match no census unit: \['安徽黄山'\]"
    ):
        ceads_names.ceads_census_crosswalk(_ceads(("安徽黄山", "安徽省", "黄山")), CENSUS)
    with pytest.raises(DataSourceError, match=r"'贵州黔'.*'黔' is ambiguous.*黔东南.*黔南"):
        ceads_names.ceads_census_crosswalk(_ceads(("贵州黔", "贵州省", "黔")), CENSUS)
    with pytest.raises(DataSourceError, match=r"'贵州黔州'.*'黔' is ambiguous"):
        ceads_names.ceads_census_crosswalk(_ceads(("贵州黔州", "贵州省", "黔州")), CENSUS)
    with pytest.raises(
        DataSourceError, match=r"CEADs city frame, header row: expected columns \['city_short'\]"
    ):
        ceads_names.ceads_census_crosswalk(pd.DataFrame({"city": [], "province": []}), CENSUS)


def test_reported_gdp_priority():
    ccsy = pd.DataFrame(
        {
            "city_code": ["420100", "440100", "510100", "370100", "370100", "999999", None],
            "value": [7e7, 1.3e8, 8e7, 4e7, 1e7, 5e7, 3e6],  # 10^4 CNY
            "qc_flag": ["ok", "ok", "check", "ok", "defunct_unit_row", "suspect_row", "ok"],
            "tertiary_share": [0.5, 0.6, 0.4, 0.5, 0.3, 0.9, 0.2],
        }
    )
    yearbook = pd.DataFrame(
        {
            "city_code": ["420100", "440100", "440300"],
            "value": [8e7, 1.4e8, 1.3e8],
            "primary": [3e6, np.nan, np.nan],
            "tertiary": [4e7, np.nan, np.nan],
            "source_table": ["hubei_t", "guangdong_t", "guangdong_t"],
            "first_published": [True, False, False],
        }
    )
    out = crosswalk.reported_gdp(ccsy, yearbook)
    # first-published yearbook beats CCSY, with its own three-industry shares
    assert out.loc[420100, "gdp_source"] == "yearbook_hubei_t"
    assert out.loc[420100, "gdp_reported"] == pytest.approx(8000.0)  # 10^8 CNY
    assert out.loc[420100, ["primary_share", "tertiary_share"]].tolist() == [0.0375, 0.5]
    # a revised yearbook value only fills a gap of the CCSY panel
    assert out.loc[440100, "gdp_source"] == "ccsy_2012"
    assert out.loc[440100, "gdp_reported"] == pytest.approx(13000.0)
    assert out.loc[440300, "gdp_source"] == "yearbook_guangdong_t_revised"
    assert np.isnan(out.loc[440300, "tertiary_share"])
    # the defunct 莱芜 row is summed into 济南; tertiary shares are GDP-weighted
    assert out.loc[370100, "gdp_reported"] == pytest.approx(5000.0)
    assert out.loc[370100, "tertiary_share"] == pytest.approx((0.5 * 4 + 0.3 * 1) / 5)
    assert 999999 not in out.index  # suspect_row not used
    assert len(out) == 5


# -- the real data ----------------------------------------------------------------------------
def test_all_290_ceads_names_match_through_the_public_readers(data_dir):
    units = crosswalk.census_units(read_census_cities(data_dir=data_dir))
    assert len(units) == 367 and units.index.dtype.kind == "i"  # mainland only
    assert units["population_2010"].ge(0).all() and units["urban_2010"].notna().all()
    xw = ceads_names.ceads_census_crosswalk(
        read_ceads_cities(data_dir=data_dir), units.reset_index()
    )
    assert len(xw) == 290 and xw["ceads_name"].is_unique
    assert xw["method"].value_counts().to_dict() == {
        "rule": 268,
        "autonomous_prefix": 16,
        "municipality": 4,
        "defunct": 1,
        "merged_into_370100": 1,
    }
    row = xw.set_index("ceads_name").loc["新疆伊犁州直属县"]
    assert row["census_city"] == "伊犁哈萨克自治州"


def test_city_units_regions_and_gdp_sources(data_dir):
    units = crosswalk.read_city_units(data_dir)
    # every unit with a 2010 census population is a region of its own
    own = units["reason"] == ""
    assert own.sum() == (units["population_2010"] > 0).sum() == 356 and len(units) == 367
    assert units.loc[370100, "ceads_names"] == "山东济南; 山东莱芜"
    assert units["gdp_source"].value_counts()["ccsy_2012"] == 213
    merged = units[~own]
    assert merged["region"].isin(units.loc[own, "city"]).all()
    assert (merged["province"].to_numpy() == units.set_index("city").loc[
        merged["region"], "province"].to_numpy()).all()  # fmt: skip
    # county sums: every county lands in a unit and the national 2012 total is kept
    from mrio_city.sources import read_county_co2

    county = read_county_co2(data_dir=data_dir)
    assert units["county_co2_mt"].sum() == pytest.approx(
        county.loc[county["year"] == 2012, "value"].sum(), rel=1e-12
    )
    assert units.loc[370100, "n_counties"] > 10  # 济南 with 莱芜's counties


def test_national_inputs_balance_and_keep_totals(data_dir):
    nat = national_inputs.national_inputs(data_dir)
    raw = read_nbs_io(2012, 139, data_dir=data_dir)
    assert nat["Z"].shape == (42, 42) and nat["Y"].shape == (42, 5)
    # the row identity survives import removal and aggregation exactly
    resid = nat["Z"].sum(1) + nat["Y"].sum(1) + nat["exports"].sum(1) - nat["x"]
    assert np.abs(resid).max() < 1e-6 * nat["x"].max()
    # column identity: domestic + imported inputs + value added = output (published rounding)
    col = nat["Z"].sum(0) + nat["imported_inputs"] + nat["va"].sum(0) - nat["x"]
    assert np.abs(col).max() < 0.5 * (2 * 139 + 4)
    assert nat["x"].sum() == pytest.approx(raw.x.sum(), rel=1e-12)
    # imported intermediate inputs are what import removal took out of Z
    removed = raw.Z.to_numpy().sum() - nat["Z"].sum() - nat["imported_inputs"].sum()
    assert abs(removed) < 1e-6 * raw.Z.to_numpy().sum()


def test_provincial_co2_goes_through_the_shipped_concordance(data_dir):
    co2 = national_inputs.provincial_co2(data_dir)
    assert co2.shape == (30, 44) and "西藏自治区" not in co2.index
    long = read_ceads_provinces(2012, data_dir=data_dir)  # fuels + Process, no totals
    total = long.groupby("province")["value"].sum()
    np.testing.assert_allclose(co2.sum(axis=1), total.loc[co2.index], rtol=1e-9)
    assert (co2["24"] == 0).all()  # repair of machinery receives no CEADs sector
    # CE44 (trade and catering) is split 0.590596 / 0.409404 between NBS 29 and 31
    np.testing.assert_allclose(co2["29"] / co2["31"], 0.590596 / 0.409404, rtol=1e-9)
    sectors = long[~long["sector_code"].isin(["URBAN", "RURAL"])]
    wide = sectors.pivot_table(
        index="province", columns="sector_code", values="value", aggfunc="sum"
    )
    mapped = apply_concordance(wide, "ceads47_to_nbs42", axis=1)
    np.testing.assert_allclose(co2.loc[mapped.index, mapped.columns], mapped, atol=1e-9)


def test_the_build_benchmark_reads_every_input(data_dir):
    """benchmarks/china_cities_build.py's floor (the inputs alone) calls the readers' real homes."""
    from benchmarks.china_cities_build import _read_inputs

    _read_inputs(2012, data_dir)  # raised AttributeError when the crosswalk re-exports went
