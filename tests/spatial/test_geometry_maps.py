"""Geometry joins, equal-area areas, classification and maps (PNG and offline HTML)."""

from __future__ import annotations

import json
import math
import os
import warnings
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from spatial_fixtures import NAMES, lattice_frame

from mrio_city.analyses.spatial.geometry import (
    area_km2,
    boundaries_from_wkt,
    join_values,
    match_labels,
)
from mrio_city.model.errors import (
    DataSourceError,
    LabelMismatchError,
    MissingDependencyError,
    MrioCityWarning,
)

PNG = b"\x89PNG\r\n\x1a\n"


def test_bad_wkt_names_the_unit():
    frame = lattice_frame()
    frame.iloc[4, frame.columns.get_loc("coord")] = "POLYGON ((1 2, 3"
    with pytest.raises(DataSourceError, match="010400"):
        boundaries_from_wkt(frame, source="cities.csv")
    frame.iloc[4, frame.columns.get_loc("coord")] = "POINT (1 2)"
    with pytest.raises(DataSourceError, match="POLYGON or MULTIPOLYGON"):
        boundaries_from_wkt(frame, source="cities.csv")


def test_equal_area_matches_the_sphere_formula(lattice):
    # a 0.5 x 0.5 degree cell between latitudes p1 and p2 on the authalic sphere:
    # A = R^2 * dlon * (sin p2 - sin p1); WGS84's authalic radius is 6371007.2 m
    R = 6371007.2
    areas = area_km2(lattice)
    for code, geom in lattice.geometry.items():
        lon0, lat0, lon1, lat1 = geom.bounds
        exact = (
            R**2
            * math.radians(lon1 - lon0)
            * (math.sin(math.radians(lat1)) - math.sin(math.radians(lat0)))
            / 1e6
        )
        assert areas[code] == pytest.approx(exact, rel=3e-3)  # sphere vs ellipsoid latitude


def test_match_labels_by_code_name_and_rest_of_province(lattice):
    owner = match_labels(lattice, ["010000", "乙市", "rest of 西省", "nowhere"])
    assert owner["010000"] == "010000"
    assert owner["010100"] == "乙市"
    # 西省 holds the last column (codes 0102, 0105, 0108); none is matched otherwise
    assert sorted(owner.index[owner == "rest of 西省"]) == ["010200", "010500", "010800"]
    assert "nowhere" not in set(owner)


def test_ambiguous_name_is_an_error(lattice):
    lattice.loc["010300", "city"] = "甲市"
    with pytest.raises(LabelMismatchError, match="ambiguous"):
        match_labels(lattice, ["甲市"])


def test_join_values_dissolves_regions_and_warns_on_unmatched(lattice):
    values = pd.Series({"甲市": 1.0, "rest of 西省": 5.0, "nowhere": 9.0}, name="x")
    with pytest.warns(MrioCityWarning, match="nowhere"):
        geo = join_values(lattice, values)
    assert list(geo.index) == ["甲市", "rest of 西省"]
    assert geo.loc["rest of 西省", "city_codes"] == "010200;010500;010800"
    assert area_km2(geo)["rest of 西省"] == pytest.approx(
        area_km2(lattice).loc[["010200", "010500", "010800"]].sum(), rel=1e-9
    )
    with pytest.raises(LabelMismatchError, match="no label matches"):
        join_values(lattice, pd.Series({"A": 1.0}))


def test_classify_quantiles_and_fisher_jenks():
    from mrio_city.exports.maps import classify

    x = pd.Series([1.0, 1.1, 1.2, 10.0, 10.5, 11.0, 50.0, 52.0, np.nan], name="v")
    bins, classes = classify(x, scheme="fisher-jenks", k=3)
    np.testing.assert_allclose(bins, [1.2, 11.0, 52.0])  # the three clusters
    assert classes.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, -1]
    bins, classes = classify(x, scheme="quantiles", k=4)
    assert bins[-1] == 52.0 and (classes[:-1] >= 0).all() and classes.iloc[-1] == -1
    with pytest.raises(ValueError, match="fisher-jenks"):
        classify(x, scheme="jenks")


def _values(lattice):
    return pd.Series(np.arange(1.0, 10.0), index=NAMES, name="人均 CBF")


def test_png_choropleth_has_content_and_no_missing_glyph(tmp_path, lattice):
    from matplotlib.image import imread

    from mrio_city.exports.maps import plot_choropleth

    geo = join_values(lattice, _values(lattice))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = plot_choropleth(
            geo,
            "人均 CBF",
            tmp_path / "m" / "map.png",
            unit="t CO2 per person",
            k=3,
            title="测试地图",
        )
    data = out.read_bytes()
    assert data.startswith(PNG) and len(data) > 20_000
    image = imread(out)[..., :3]
    colours = {tuple(np.round(p, 2)) for p in image.reshape(-1, 3)[::7]}
    assert len(colours) > 20  # three class colours, text, edges
    assert [p.name for p in out.parent.iterdir()] == ["map.png"]


def test_html_map_is_self_contained(tmp_path, lattice):
    from mrio_city.exports.maps import choropleth_html, write_choropleth_html

    geo = join_values(lattice, _values(lattice))
    fragment = choropleth_html(geo, "人均 CBF", unit="t CO2 per person", k=3)
    for external in ("http://", "https://", "src=", "href=", "@import", "url("):
        assert external not in fragment
    assert fragment.count("<path ") == 9
    assert 'data-n="甲市"' in fragment and "t CO2 per person" in fragment

    class Checker(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack = []

        def handle_starttag(self, tag, attrs):
            if tag not in ("path", "br"):
                self.stack.append(tag)

        def handle_endtag(self, tag):
            if tag != "path":
                assert self.stack.pop() == tag

    checker = Checker()
    checker.feed(fragment)
    assert checker.stack == []
    page = write_choropleth_html(geo, "人均 CBF", tmp_path / "map.html", unit="t")
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_missing_library_names_the_extra(monkeypatch):
    import importlib

    from mrio_city.analyses.spatial import _deps

    real = importlib.import_module

    def fake(name, *args):
        if name.startswith("geopandas"):
            raise ImportError("No module named 'geopandas'")
        return real(name, *args)

    monkeypatch.setattr(_deps.importlib, "import_module", fake)
    with pytest.raises(MissingDependencyError, match=r"mrio-city\[spatial\]"):
        boundaries_from_wkt(lattice_frame())


def test_read_city_column_long_wide_and_xlsx(tmp_path):
    from mrio_city.io.results import read_city_column

    long = pd.DataFrame(
        {
            "account": ["consumption_based"] * 2 + ["production_based"] * 2,
            "city": ["甲市", "乙市"] * 2,
            "stressor": "CO2",
            "unit": "t CO2",
            "value": [1.0, 2.0, 3.0, 4.0],
        }
    )
    long.to_csv(tmp_path / "accounts.csv", index=False)
    values, unit = read_city_column(tmp_path / "accounts.csv", "production_based")
    assert values.to_dict() == {"甲市": 3.0, "乙市": 4.0} and unit == "t CO2"
    with pytest.raises(LabelMismatchError, match="consumption_based"):
        read_city_column(tmp_path / "accounts.csv", "pbf")
    wide = pd.DataFrame({"city_code": ["010000", "010100"], "deficit [Mt CO2]": [1.5, -2.0]})
    wide.to_csv(tmp_path / "wide.csv", index=False)
    values, unit = read_city_column(tmp_path / "wide.csv", "deficit")
    assert values.to_dict() == {"010000": 1.5, "010100": -2.0} and unit == "Mt CO2"
    wide.to_excel(tmp_path / "wide.xlsx", sheet_name="cities", index=False)
    values, unit = read_city_column(tmp_path / "wide.xlsx", "deficit")
    assert values["010100"] == -2.0
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_city_column(tmp_path / "nope.csv", "x")


@pytest.mark.realdata
@pytest.mark.slow
def test_cli_map_of_real_boundaries(tmp_path):
    from mrio_city.commands.main import main
    from mrio_city.sources import default_data_dir

    if not (default_data_dir() / "china-census-cities").is_dir():
        pytest.skip(f"real data folder {default_data_dir()} is absent (it exists in CI)")
    from mrio_city.sources.geography import read_city_boundaries

    geo = read_city_boundaries()
    assert len(geo) == 369
    assert area_km2(geo).sum() == pytest.approx(9.49e6, rel=0.01)  # China without Taiwan
    frame = pd.DataFrame({"city": geo["city"], "density [persons per km2]": geo["popu_2010"]})
    frame.to_csv(tmp_path / "r.csv", index=False)
    assert (
        main(
            [
                "map",
                str(tmp_path / "r.csv"),
                "--column",
                "density",
                "--out",
                str(tmp_path / "m.png"),
            ]
        )
        == 0
    )
    assert (tmp_path / "m.png").stat().st_size > 100_000
    assert (
        main(
            [
                "map",
                str(tmp_path / "r.csv"),
                "--column",
                "density",
                "--out",
                str(tmp_path / "m.html"),
            ]
        )
        == 0
    )
    assert (tmp_path / "m.html").read_text(encoding="utf-8").count("<path ") == 369
    # --labels: the hover names in pinyin; --out a folder: map-<column>.png and .html in it
    argv = ["map", str(tmp_path / "r.csv"), "--column", "density", "--labels", "pinyin"]
    assert main([*argv, "--out", str(tmp_path / "maps")]) == 0
    page = (tmp_path / "maps" / "map-density.html").read_text(encoding="utf-8")
    assert 'data-n="Beijing"' in page and 'data-n="北京市"' not in page
    assert (tmp_path / "maps" / "map-density.png").stat().st_size > 100_000


def test_keep_unmatched_units_and_category_map(tmp_path, lattice):
    from mrio_city.exports.maps import plot_categories

    geo = join_values(lattice, pd.Series({"甲市": 1.0}, name="x"), keep_unmatched=True)
    assert len(geo) == 9 and geo["x"].notna().sum() == 1
    geo["class"] = ["hotspot"] + ["not significant"] * 8
    colors = {"hotspot": "#c0392b", "not significant": "#e5e5e5"}
    out = plot_categories(geo, "class", tmp_path / "c.png", colors=colors, title="热点")
    assert out.read_bytes().startswith(PNG)
    with pytest.raises(LabelMismatchError, match="no colour"):
        plot_categories(geo, "class", tmp_path / "d.png", colors={"hotspot": "#000000"})


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("MRIO_CITY_SLOW_TESTS"),
    reason="builds the real 2012 table and fits GWR (minutes); set MRIO_CITY_SLOW_TESTS=1",
)
def test_spatial_command_on_the_real_table(tmp_path):
    from mrio_city._resources import shipped
    from mrio_city.commands.main import main

    land = shipped("tables", "sinks", "example-land-use.csv")
    args = ["spatial", "china-cities-2012", "--out", str(tmp_path), "--land-use", str(land)]
    assert main(args) == 0
    shares = pd.read_csv(tmp_path / "hotspot_shares.csv", index_col=0)
    assert shares.loc["production_based", "hotspot_units"] > 0
    diag = pd.read_csv(tmp_path / "gwr_diagnostics.csv", index_col=0)
    assert diag.loc["GWR", "AICc"] < diag.loc["OLS", "AICc"]
    sidecar = json.loads((tmp_path / "metadata.json").read_text(encoding="utf-8"))
    assert sidecar["parts"]["spatial"]["table_name"] == "china-cities-2012"
    assert len(sidecar["parts"]["spatial"]["table_hash"]) == 64


def test_display_unit_scales_tonnes():
    from mrio_city.exports.maps import display_unit

    assert display_unit(pd.Series([2.5e8, 1e5]), "t CO2") == (1e-6, "Mt CO2")
    assert display_unit(pd.Series([2.5e4]), "t CO2") == (1e-3, "kt CO2")
    assert display_unit(pd.Series([12.0]), "t CO2 per person") == (1.0, "t CO2 per person")
    assert display_unit(pd.Series([2.5e8]), "persons") == (1.0, "persons")


@pytest.mark.realdata
def test_demo_map_on_the_real_county_data(tmp_path):
    from mrio_city.commands.spatial import demo_map
    from mrio_city.sources import default_data_dir

    if not (default_data_dir() / "china-county-co2").is_dir():
        pytest.skip("real data folder ../shared/data/real not found; set MRIO_CITY_DATA")
    png, html = demo_map(tmp_path)  # county codes repeat across rows of the CO2 file
    assert png.stat().st_size > 50_000 and html.stat().st_size > 50_000


@pytest.mark.realdata
def test_spatial_of_a_table_without_census_units_says_which_to_use(tmp_path, capsys):
    from mrio_city.commands.main import main
    from mrio_city.sources import default_data_dir

    if not (default_data_dir() / "china-census-cities").is_dir():
        pytest.skip(f"real data folder {default_data_dir()} is absent (it exists in CI)")
    assert main(["spatial", "toy-cities", "--out", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "no label matches a census city" in err and "spatial china-cities-2012" in err
