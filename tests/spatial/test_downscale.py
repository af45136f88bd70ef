"""Downscaling: every city's parts sum to the city exactly; grids via GeoTIFF; validation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mrio_city.analyses.spatial.downscale import (
    county_validation,
    downscale,
    downscale_to_grid,
)
from mrio_city.model.errors import (
    LabelMismatchError,
    NegativeValueError,
    NonFiniteValueError,
)


def test_proportional_split_by_hand():
    totals = pd.Series({"c1": 10.0, "c2": 3.0})
    proxy = pd.Series({"a": 1.0, "b": 3.0, "c": 2.0, "d": 0.0})
    parent = pd.Series({"a": "c1", "b": "c1", "c": "c2", "d": "c2"})
    parts = downscale(totals, proxy, parent)
    assert parts.to_dict() == {"a": 2.5, "b": 7.5, "c": 3.0, "d": 0.0}


@given(
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.floats(0.0, 1e6, allow_nan=False),
        ),
        min_size=7,
        max_size=60,
    ),
    st.lists(st.floats(1e-6, 1e12, allow_nan=False), min_size=7, max_size=7),
)
def test_each_city_sums_to_its_total_exactly(units, city_totals):
    parent = pd.Series([f"c{c}" for c, _ in units] + [f"c{k}" for k in range(7)])
    weights = pd.Series([w for _, w in units] + [1.0] * 7)  # every city has a unit
    totals = pd.Series(city_totals, index=[f"c{k}" for k in range(7)])
    parts = downscale(totals, weights, parent, zero_proxy="equal")
    assert (parts >= 0).all()
    for city, total in totals.items():
        assert math.fsum(parts[parent == city]) == total  # exact, in a compensated sum


def test_bad_inputs_are_named():
    parent = pd.Series({"a": "c1", "b": "c1"})
    with pytest.raises(NegativeValueError, match="'b'"):
        downscale(pd.Series({"c1": 1.0}), pd.Series({"a": 1.0, "b": -1.0}), parent)
    with pytest.raises(NonFiniteValueError, match="'a'"):
        downscale(pd.Series({"c1": 1.0}), pd.Series({"a": np.nan, "b": 1.0}), parent)
    with pytest.raises(LabelMismatchError, match="'c2'"):
        downscale(pd.Series({"c1": 1.0, "c2": 2.0}), pd.Series({"a": 1.0, "b": 1.0}), parent)
    with pytest.raises(LabelMismatchError, match="zero weight"):
        downscale(pd.Series({"c1": 1.0}), pd.Series({"a": 0.0, "b": 0.0}), parent)
    equal = downscale(
        pd.Series({"c1": 1.0}), pd.Series({"a": 0.0, "b": 0.0}), parent, zero_proxy="equal"
    )
    assert equal.tolist() == [0.5, 0.5]


def test_grid_cells_sum_to_zone_totals():
    zones = np.array([[0, 0, 1], [0, 1, 1], [-1, -1, 1]])
    proxy = np.array([[1.0, 2.0, 0.0], [1.0, np.nan, 3.0], [5.0, 5.0, 1.0]])
    grid = downscale_to_grid({0: 8.0, 1: 4.0}, zones, proxy)
    np.testing.assert_allclose(grid[zones == 0], [2.0, 4.0, 2.0])
    np.testing.assert_allclose(grid[zones == 1], [0.0, 0.0, 3.0, 1.0])
    assert np.isnan(grid[2, 0]) and np.isnan(grid[2, 1])


def test_geotiff_in_and_out_conserves_each_city(tmp_path, lattice):
    import rasterio
    from rasterio.transform import from_origin

    from mrio_city.io.rasters import downscale_raster

    # a 0.1 degree proxy grid over the 1.5 x 1.5 degree lattice, weights rising eastwards
    rows, cols = 15, 15
    proxy = np.tile(np.arange(1.0, cols + 1), (rows, 1))
    proxy[0, 0] = -9999.0  # nodata cell
    transform = from_origin(110.0, 31.5, 0.1, 0.1)
    src = tmp_path / "proxy.tif"
    with rasterio.open(
        src,
        "w",
        driver="GTiff",
        height=rows,
        width=cols,
        count=1,
        dtype="float64",
        crs="EPSG:4326",
        transform=transform,
        nodata=-9999.0,
    ) as dst:
        dst.write(proxy, 1)
    totals = pd.Series(np.arange(1.0, 10.0) * 1e6 / 7.0, index=lattice.index)
    check = downscale_raster(totals, lattice, src, tmp_path / "out" / "co2.tif")
    assert (check["grid_sum"] == check["total"]).all()
    assert (check["cells"] == 25).all()  # 5 x 5 cells of 0.1 degree per 0.5 degree city
    with rasterio.open(tmp_path / "out" / "co2.tif") as out:
        grid = out.read(1)
        assert out.crs.to_epsg() == 4326 and out.transform == transform
    assert math.fsum(grid[np.isfinite(grid)]) == pytest.approx(totals.sum(), rel=1e-14)
    # within a city the parts follow the proxy: the east column of a city gets 5x / 1x ...
    top_left = grid[10:15, 0:5]  # south-west city (row 0 of the lattice, column 0)
    np.testing.assert_allclose(top_left[:, 4] / top_left[:, 0], 5.0)


def test_county_validation_scores():
    observed = pd.Series({"a": 1.0, "b": 3.0, "c": 2.0, "d": 2.0, "e": 9.0})
    parent = pd.Series({"a": "X", "b": "X", "c": "Y", "d": "Y", "e": "Z"})
    proxies = pd.DataFrame(
        {"perfect": [1.0, 3.0, 5.0, 5.0, 1.0], "flat": [1.0, 1.0, 1.0, 1.0, 1.0]},
        index=list("abcde"),
    )
    table = county_validation(observed, proxies, parent)
    assert table.loc["perfect", "median_abs_error"] == 0.0
    assert table.loc["perfect", "spearman"] == pytest.approx(1.0)
    assert table.loc["flat", "median_abs_error"] == pytest.approx(0.5)  # errors 1, 1, 0, 0
    assert table.loc["perfect", "counties"] == 4  # Z has one county: left out


@pytest.mark.realdata
@pytest.mark.slow
def test_county_validation_on_real_2012_data_matches_docs():
    from mrio_city.sources import default_data_dir, read_county_co2

    if not (default_data_dir() / "china-county-co2").is_dir():
        pytest.skip(f"real data folder {default_data_dir()} is absent (it exists in CI)")
    from mrio_city.sources.geography import read_county_census

    co2 = read_county_co2()
    observed = co2[co2["year"] == 2012].groupby("county_code")["value"].sum()
    census = read_county_census()
    proxies = census[[f"{k}_{y}" for y in (2010, 2020) for k in ("pop", "urban", "rural")]]
    table = county_validation(observed, proxies, census["city_code"])
    # the numbers quoted in docs/spatial.md
    assert table.loc["pop_2010", "spearman"] == pytest.approx(0.859, abs=5e-4)
    assert table.loc["urban_2010", "median_abs_error"] == pytest.approx(0.579, abs=5e-4)
    assert table.loc["equal split", "spearman"] == pytest.approx(0.749, abs=5e-4)
    assert int(table.loc["pop_2010", "counties"]) == 2340


def test_county_parents():
    from mrio_city.analyses.spatial.downscale import county_parents

    parents = county_parents(
        ["130102", "500230", "429004", "999901"], ["130100", "500100", "429004"]
    )
    assert parents.to_dict() == {"130102": "130100", "500230": "500100", "429004": "429004"}
