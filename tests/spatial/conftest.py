"""Fixtures of the spatial tests: a small lattice of square 'cities' with Chinese names.

The spatial tests need the optional extra ``mrio-city[spatial]``.  Without it they are not
collected on a developer's machine (the pytest header says so) but *fail* in CI (``CI`` set),
where the Makefile installs the extra.
"""

from __future__ import annotations

import importlib.util
import os

import pytest
from spatial_fixtures import lattice_frame

_MISSING = [
    m
    for m in ("geopandas", "shapely", "mapclassify", "libpysal", "esda", "mgwr", "rasterio")
    if importlib.util.find_spec(m) is None
]
if _MISSING and not os.environ.get("CI"):
    # not collected at all (a module-level skip in a conftest aborts the whole run)
    collect_ignore_glob = ["test_*.py"]


def pytest_report_header(config):
    """Say when the spatial tests are left out, and why."""
    if _MISSING and not os.environ.get("CI"):
        return f"spatial tests not collected: {_MISSING} missing; pip install -e '.[test,spatial]'"
    return None


@pytest.fixture
def lattice():
    from mrio_city.analyses.spatial.geometry import boundaries_from_wkt

    return boundaries_from_wkt(lattice_frame(), source="lattice")
