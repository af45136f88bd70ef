"""Validation on the CEADs provincial inventories 2012, 2014, 2015, 2017 (needs ../shared)."""

import numpy as np
import pytest

from mrio_city.inventory.classes import CLASSES
from mrio_city.sources import default_data_dir

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def data_dir():
    path = default_data_dir()
    if not (path / "ceads-emissions").is_dir():
        pytest.skip("CEADs data ../shared/data/real/ceads-emissions not found; set MRIO_CITY_DATA")
    return path


@pytest.mark.parametrize("year", [2012, 2014, 2015, 2017])
def test_ceads_round_trip_matches_every_cell(data_dir, year):
    from mrio_city.sources.ceads_energy import ceads_classes, ceads_round_trip

    comparison, inventory = ceads_round_trip(year, data_dir=data_dir)
    # 30 provinces x 47 sectors x (17 fuels + cement process)
    assert len(comparison) == 30 * 47 * 18
    assert comparison["region"].nunique() == 30
    np.testing.assert_allclose(
        comparison["rebuilt"], comparison["published"], rtol=1e-12, atol=1e-9
    )
    assert comparison["difference"].abs().max() <= 1e-9  # Mt CO2
    # the implied activity data are positive where CEADs reports emissions
    rows = inventory.rows
    assert (rows.loc[comparison["published"].to_numpy() > 0, "quantity"] > 0).all()
    # classes through the shipped concordance partition each province's scope 1
    classes = ceads_classes(inventory)
    assert list(classes.index.get_level_values("class").unique()) == list(CLASSES)
    per_region = classes.groupby(level="region")["scope1"].sum()
    published = comparison.groupby("region")["published"].sum()
    np.testing.assert_allclose(per_region.loc[published.index], published, rtol=1e-12)
    shares = classes.groupby(level="class")["scope1"].sum() / published.sum()
    assert shares["factory"] > 0.8  # industry and power dominate China's territorial CO2


def test_ceads_scope2_comparison(data_dir):
    from mrio_city.sources.ceads_energy import ceads_scope2_comparison

    table = ceads_scope2_comparison(data_dir=data_dir)
    assert len(table) == 4 * 30
    assert (table["ceads_scope2"] == 0).all()  # as published (the reader checks every cell)
    assert (table["difference"] == table["plant_power_heat"]).all()
    share = table.groupby(level="year").sum()
    share = share["plant_power_heat"] / share["scope1"]
    assert ((share > 0.3) & (share < 0.6)).all()  # power and heat: 30-60 % of scope 1
