"""Fixtures of the real-data reader tests: the data folder, skipped when absent."""

from pathlib import Path

import pytest

from mrio_city.sources import default_data_dir


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real public data folder (MRIO_CITY_DATA or ../shared/data/real)."""
    path = default_data_dir()
    if not (path / "nbs-china-io").is_dir():
        pytest.skip("real data folder ../shared/data/real not found; set MRIO_CITY_DATA")
    return path
