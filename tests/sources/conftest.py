"""Fixtures of the real-data reader tests: the data folder, skipped when absent."""

from pathlib import Path

import pytest

from mrio_city.model.errors import DataSourceError
from mrio_city.sources import default_data_dir


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real public data folder (MRIO_CITY_DATA or ../shared/data/real)."""
    try:
        path = default_data_dir()
    except DataSourceError as exc:
        pytest.skip(str(exc))
    if not (path / "nbs-china-io").is_dir():
        pytest.skip("real data folder ../shared/data/real not found; set MRIO_CITY_DATA")
    return path
