"""Fixtures of the io tests."""

import pytest
from io_tables import make_general


@pytest.fixture
def general_table():
    return make_general()


@pytest.fixture
def accounts(general_table):
    from mrio_city import compute_accounts

    return compute_accounts(general_table)
