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


def test_log_lines_when_not_a_terminal(capsys, monkeypatch):
    from mrio_city import _progress

    ticks = iter([0.0, 1.0, 12.0, 13.0, 14.0, 30.0])
    monkeypatch.setattr(_progress.time, "perf_counter", lambda: next(ticks))
    with _progress.progress_counter(4, enabled=True, desc="work", unit="block") as bar:
        for _ in range(4):
            bar.update()
    err = capsys.readouterr().err
    assert "\r" not in err
    assert err.splitlines() == [
        "work: started (4 blocks)",
        "work: 2/4 blocks (50%), 12.0 s",
        "work: 4/4 blocks (100%), 30.0 s, done",
    ]


def test_cli_progress_on_by_default_off_with_quiet(capsys, tmp_path):
    from mrio_city.commands.main import main

    assert main(["footprints", "toy-cities", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "consumption accounts: started" in err and "done" in err and "\r" not in err
    assert main(["footprints", "toy-cities", "--out", str(tmp_path), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_log_lines_speak_english_plurals(capsys):
    from mrio_city import _progress

    assert [_progress._plural(u, n) for u, n in [("city", 2), ("city", 1), ("day", 3)]] == [
        "cities",
        "city",
        "days",
    ]
    with _progress.progress_counter(3, enabled=True, desc="levers", unit="city") as bar:
        bar.update(3)
    assert capsys.readouterr().err.splitlines()[0] == "levers: started (3 cities)"


def test_anatomy_commands_report_progress_unless_quiet(capsys, tmp_path):
    from mrio_city.commands.main import main

    for command, what in (("tiers", "tiers: started"), ("extraction", "extraction (total)")):
        argv = [command, "toy-cities", "--out", str(tmp_path / command)]
        argv += ["--linkage", "total"] if command == "extraction" else []
        assert main(argv) == 0
        assert what in capsys.readouterr().err
        assert main([*argv, "--quiet"]) == 0
        assert capsys.readouterr().err == ""
