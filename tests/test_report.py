"""The HTML report: self-contained, correct headline numbers, renders in headless Chromium."""

import re
from types import SimpleNamespace

import numpy as np
import pytest
from chromium import chromium_path, load_page_isolated

from mrio_city import compute_accounts
from mrio_city.commands.main import main
from mrio_city.exports.html_report import report_content, write_html_report


@pytest.fixture(scope="module")
def small():
    from mrio_city.sources.synthetic import city_mrio

    table = city_mrio(n_cities=12, n_sectors=4, n_provinces=3)
    return table, compute_accounts(table)


def _fake_scenario():
    return SimpleNamespace(
        summary=lambda: {"scenario": "test", "quota": 1.5e9, "super_emitters": 3},
        summary_units=lambda: {"quota": "t CO2", "super_emitters": "cities"},
        summary_text=lambda: "3 super-emitters create a quota of 1.5 Gt CO2",
    )


def _external_references(page: str) -> list[str]:
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page)
    return [r for r in refs if not r.startswith("data:") and not r.startswith("#")]


def test_headline_numbers_match_the_accounts(small):
    table, accounts = small
    content = report_content(table, accounts)
    head = {label: value for label, value, _ in content.headline}
    cbf = accounts.consumption_based_with_households["CO2"].sum() / 1e6
    assert head["consumption-based footprint (incl. households)"] == f"{cbf:,.1f}"
    per_capita = content.cities.iloc[:, -1]
    expected = accounts.consumption_based_with_households["CO2"] / np.asarray(table.population)
    np.testing.assert_allclose(per_capita.sort_index(), expected.sort_index())
    assert per_capita.is_monotonic_decreasing  # top first, bottom last
    assert any(label.startswith("Gini") for label, _, _ in content.inequality)


def test_page_is_self_contained(small, tmp_path):
    table, accounts = small
    content = report_content(table, accounts, scenario_result=_fake_scenario(), labels="code")
    path = write_html_report(content, tmp_path / "r" / "report.html")
    page = path.read_text(encoding="utf-8")
    assert _external_references(page) == []
    assert "http://" not in page and "https://" not in page
    for section in ("Map", "Inequality", "Scenario", "Method notes", "Provenance"):
        assert f">{section}" in page
    assert "3 super-emitters create a quota" in page and "SYNTHETIC" in page


def test_cli_report_writes_the_page(tmp_path, capsys):
    assert main(["report", "toy-cities", "--out", str(tmp_path), "--quiet"]) == 0
    assert f"wrote {tmp_path / 'report.html'}" in capsys.readouterr().out
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No city coordinates in this table" in page  # toy table: no map, said plainly
    assert _external_references(page) == []


def test_report_renders_in_headless_chromium(small, tmp_path):
    if chromium_path() is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium package)")
    table, accounts = small
    content = report_content(table, accounts, scenario_result=_fake_scenario(), labels="pinyin")
    path = write_html_report(content, tmp_path / "report.html")
    load = load_page_isolated(path, width=1200, height=1800)
    assert load.errors == []
    assert load.failed == []
    assert all(url.startswith(("file:", "data:")) for url in load.requests), load.requests[:3]
    shot = load.screenshot
    assert shot.startswith(b"\x89PNG") and len(shot) > 20_000
    from io import BytesIO

    import matplotlib.image as mpimg

    pixels = mpimg.imread(BytesIO(shot), format="png")
    assert pixels.shape[0] > 1000 and pixels.shape[1] == 1200
    assert pixels[..., :3].std() > 0.05  # not a blank page
    (tmp_path / "report.png").write_bytes(shot)


def test_chromium_driver_reports_errors_and_missing_files(tmp_path):
    if chromium_path() is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium package)")
    bad = tmp_path / "bad.html"
    bad.write_text('<img src="missing.png"><script>console.error("boom"); nope();</script>')
    load = load_page_isolated(bad, width=400, height=300)
    assert any("boom" in e for e in load.errors)
    assert any("nope" in e for e in load.errors)
    assert any("ERR_FILE_NOT_FOUND" in e for e in load.errors)
