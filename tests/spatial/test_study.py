"""The spatial study and ``mrio-city spatial`` end to end on a 8 x 8 lattice of census cities."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from spatial_fixtures import census_data_dir, census_table

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def census(tmp_path_factory):
    return census_data_dir(tmp_path_factory.mktemp("data"), 8, 8)


def test_spatial_study_numbers_against_independent_references(census):
    from mrio_city.analyses.spatial.study import spatial_study
    from mrio_city.sources.geography import read_city_boundaries, read_county_census

    table = census_table(8, 8)
    study = spatial_study(
        table,
        read_city_boundaries(data_dir=census),
        county_census=read_county_census(data_dir=census),
    )
    geo = study.geo
    assert len(geo) == 64 and list(geo.index) == list(table.cities)
    # accounting identity: production- and consumption-based totals are the same emissions
    total = table.F.sum() + table.F_Y.sum()
    assert geo["production_based"].sum() == pytest.approx(total, rel=1e-10)
    assert geo["consumption_based"].sum() == pytest.approx(total, rel=1e-10)
    pop = np.asarray(table.population, dtype=float)
    np.testing.assert_allclose(geo["cbf_per_capita"], geo["consumption_based"] / pop)
    # 0.5-degree squares near 30 N: ~48 km x 55 km, the same area for the whole lattice row
    density = geo["population"] / geo["population_density"]
    assert density.between(2_400, 2_900).all()
    # hotspot shares count the Gi* classes of the map columns
    for name in ("production_based", "consumption_based"):
        hot = int((geo[f"{name}_class"] == "hotspot").sum())
        assert study.hotspot_shares.loc[name, "hotspot_units"] == hot
    # the OLS beside the GWR is ordinary least squares (numpy lstsq)
    assert study.drivers == ["gdp_per_capita", "population_density", "secondary_share"]
    X = np.column_stack([np.ones(64), geo[study.drivers].to_numpy(float)])
    beta = np.linalg.lstsq(X, geo["cbf_per_capita"].to_numpy(float), rcond=None)[0]
    np.testing.assert_allclose(study.gwr.ols_params.to_numpy(), beta, rtol=1e-8)
    assert study.gwr.diagnostics.loc["GWR", "n"] == 64
    # counties: two per city, population 1 : 3, each city's total conserved
    counties = study.counties
    assert len(counties) == 128
    first = counties.groupby("city_code")["production_based [t CO2]"].sum()
    by_code = pd.Series(
        geo["production_based"].to_numpy(),
        index=table.city_attributes["city_code"].map(lambda c: f"{c:06d}").to_numpy(),
    )
    np.testing.assert_allclose(first.loc[by_code.index], by_code, rtol=1e-12)
    one = counties[counties.index.str.endswith("01")]["consumption_based [t CO2]"]
    three = counties[counties.index.str.endswith("02")]["consumption_based [t CO2]"]
    np.testing.assert_allclose(three.to_numpy(), 3 * one.to_numpy(), rtol=1e-12)


def test_spatial_command_end_to_end(census, tmp_path, monkeypatch):
    from mrio_city.commands.main import main
    from mrio_city.io.folder import write_table

    # --data sets MRIO_CITY_DATA for the run: undo it after the test (other tests read it)
    monkeypatch.setenv("MRIO_CITY_DATA", str(census))

    table = census_table(8, 8)
    folder = write_table(table, tmp_path / "lattice")
    land = tmp_path / "land.csv"
    names = list(table.cities)
    land.write_text(
        "unit,class,area,area_unit\n"
        + "".join(f"{n},forest,{1000 * (k + 1)},ha\n" for k, n in enumerate(names)),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["spatial", str(folder), "--out", str(out), "--data", str(census), "--quiet"]
    assert main([*args, "--land-use", str(land)]) == 0
    expected = {
        "map_cbf_per_capita.png",
        "map_cbf_per_capita.html",
        "hotspot_shares.csv",
        "hotspots_production_based.png",
        "hotspots_consumption_based.png",
        "deficits.csv",
        "counties.csv",
        "gwr_local.csv",
        "gwr_diagnostics.csv",
        "gwr_coefficients.csv",
        "gwr_coef_gdp_per_capita.png",
        "gwr_coef_population_density.png",
        "gwr_coef_secondary_share.png",
        "gwr_local_R2.png",
        "metadata.json",
    }
    assert expected <= {p.name for p in out.iterdir()}
    assert (out / "hotspots_production_based.png").read_bytes().startswith(PNG)
    # sinks: forest 0.644 t C/ha/yr (the shipped literature set) x 44/12 t CO2 per t C
    deficits = pd.read_csv(out / "deficits.csv", index_col=0)
    sink = 1000 * np.arange(1, 65) * 0.644 * 44 / 12
    np.testing.assert_allclose(deficits.loc[names, "sink"], sink, rtol=1e-12)
    accounts = pd.read_csv(out / "gwr_local.csv", index_col=0)
    assert list(accounts.index) == names and accounts["local_R2"].between(0, 1).all()
    sidecar = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    spatial = sidecar["parts"]["spatial"]
    assert spatial["table_name"] == "lattice-cities" and len(spatial["table_hash"]) == 64
    assert spatial["switches"]["land_use"] == str(land)
    assert spatial["switches"]["gwr_drivers"] == [
        "gdp_per_capita",
        "population_density",
        "secondary_share",
    ]


def test_too_few_cities_for_the_bandwidth_search_is_named(census):
    from mrio_city.analyses.spatial.study import spatial_study
    from mrio_city.model.errors import EmptyTableError
    from mrio_city.sources.geography import read_city_boundaries

    with pytest.raises(EmptyTableError, match="25 units are too few .* starts at 48 neighbours"):
        spatial_study(census_table(5, 5), read_city_boundaries(data_dir=census))


def test_per_capita_from_counties_sums_counties_over_census_population(census):
    from mrio_city.analyses.spatial.study import per_capita_from_counties
    from mrio_city.sources.geography import read_city_boundaries

    geo = read_city_boundaries(data_dir=census)  # 1e6 persons in 2010 in every city
    co2 = pd.DataFrame(
        {
            "county_code": ["010001", "010002", "010002", "010101", "999901"],
            "year": [2012, 2012, 2011, 2012, 2012],
            "value": [1.5, 2.0, 99.0, 4.0, 7.0],  # Mt CO2; 2011 and an unknown city ignored
        }
    )
    per_capita = per_capita_from_counties(co2, geo, year=2012)
    assert per_capita.to_dict() == pytest.approx({"010000": 3.5, "010100": 4.0})
