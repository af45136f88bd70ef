"""Progress bars are off unless asked, and never change what is iterated or computed."""

import numpy as np

from mrio_city import compute_accounts, factorize
from mrio_city._progress import progress_bar
from mrio_city.testing import random_structured_table


def test_quiet_by_default_and_same_items_with_a_bar(capsys):
    items = [3, 1, 2]
    assert progress_bar(items, enabled=False, desc="x", unit="item") is items
    assert list(progress_bar(items, enabled=True, desc="steps", unit="item")) == items
    assert "steps" in capsys.readouterr().err


def test_accounts_with_a_bar_equal_accounts_without(capsys):
    table = random_structured_table(7, 3, seed=2)
    solver = factorize(table)
    quiet = compute_accounts(table, solver, chunk=3)
    shown = compute_accounts(table, solver, chunk=3, progress=True)
    np.testing.assert_array_equal(shown.flows.to_numpy(), quiet.flows.to_numpy())
    assert "consumption accounts" in capsys.readouterr().err
