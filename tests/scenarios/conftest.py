"""Fixtures of the scenario tests: a small synthetic structured table and its baseline."""

import copy

import pytest

from mrio_city.scenarios import Baseline, Scenario
from mrio_city.sources.synthetic import city_mrio

SECTORS_8 = [
    "Agriculture",
    "Chemicals",
    "Non-metallic mineral products",
    "Metal smelting and rolling",
    "Electricity and heat",
    "Construction",
    "Wholesale and retail",
    "Transport, storage and post",
]


@pytest.fixture(scope="session")
def table():
    t = city_mrio(n_cities=24, n_sectors=8, seed=5)
    assert list(t.sectors) == SECTORS_8
    return t


@pytest.fixture(scope="session")
def baseline(table):
    return Baseline(table)


def make(pathways, **sections):
    """A scenario document with the given pathways (dict name -> body) and sections."""
    doc = {
        "scenario": {"name": "test", "table": "unused"},
        "super_emitter": {"rule": "threshold", "threshold": "calibrate", "calibrate_count": 6},
        "pathways": copy.deepcopy(pathways),
    }
    for key, value in sections.items():
        doc[key] = copy.deepcopy(value)
    return doc


@pytest.fixture
def make_doc():
    return make


@pytest.fixture
def scenario_of(table):
    def build(pathways, **sections):
        return Scenario.from_dict(make(pathways, **sections), source="test.toml", table=table)

    return build
