"""`mrio-city build china-cities` writes to the cache unless --out; `info` prints reconciliation.

The build itself is replaced by the toy table (the real build is tested on real data in
test_regionalize.py); what is tested here is where the command writes and what it prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mrio_city.commands.main import main
from mrio_city.model.table import TableMetadata
from mrio_city.testing import toy_cities

REC = {
    "unit": "Mt CO2",
    "national": {
        "table": 100.0,
        "ceads_provinces_sum": 100.0,
        "ceads_national": 93.0,
        "ceads_national_households": 3.0,
        "ceads_provinces_households": 4.0,
        "wiod_jrc": float("nan"),
        "ceads_cities_sum": 102.0,
        "county_sum": 95.0,
    },
    "co2_sources": {"ceads_city": 1, "county_sum": 1},
    "provinces": {"P": {"ceads_province": 100.0, "table": 100.0, "ceads_cities": 102.0,
                        "county_sum": 95.0}},
}  # fmt: skip


def _fake_build(year, **kwargs):
    t = toy_cities()
    meta = TableMetadata(
        name=kwargs.get("name", f"china-cities-{year}"),
        provenance={"checks": {"n_cities": 2}, "reconciliation": REC},
    )
    return t.replace(meta=meta)


@pytest.fixture
def fake(monkeypatch, tmp_path):
    import inspect

    import mrio_city.sources.regionalize as reg

    fake_build = _fake_build
    fake_build.__signature__ = inspect.signature(reg.build_china_cities)  # recipe check
    monkeypatch.setattr(reg, "build_china_cities", fake_build)
    monkeypatch.setenv("MRIO_CITY_CACHE", str(tmp_path / "cache"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def test_build_without_out_writes_into_the_cache_not_the_cwd(fake, capsys):
    assert main(["build", "china-cities", "--year", "2017"]) == 0
    assert list(Path.cwd().iterdir()) == []  # nothing written into the working directory
    written = [p for p in (fake / "cache").iterdir() if p.is_dir()]
    assert [p.name.startswith("china-cities-2017-") for p in written] == [True]
    assert (fake / "cache" / "china-cities-2017-units.csv").exists() is False  # fake build
    out = capsys.readouterr().out
    assert str(fake / "cache") in out
    # non-default parameters go to their own cache folder
    assert main(["build", "china-cities", "--delta", "0.3", "--method", "flq"]) == 0
    assert (fake / "cache" / "builds" / "china-cities-2012-flq-delta0.3").is_dir()


def test_build_with_out_and_info_prints_the_reconciliation(fake, capsys):
    out = fake / "tables" / "cc"
    assert main(["build", "china-cities", "--out", str(out)]) == 0
    assert main(["build", "china-cities", "--out", str(out)]) != 0  # never overwritten unasked
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "CO2 reconciliation [Mt CO2] (table = 100.0)" in text
    assert "ceads_national" in text and "1.075" in text  # 100 / 93
    assert "wiod_jrc               not available" in text


def test_sensitivity_command_writes_one_row_per_variant(monkeypatch, tmp_path, capsys):
    import pandas as pd

    import mrio_city.sources.regionalize.build as build
    from mrio_city.sources.regionalize.sensitivity import DEFAULT_VARIANTS
    from mrio_city.sources.synthetic import city_mrio

    seen = []

    def small(year, **kwargs):
        seen.append(kwargs)
        return city_mrio(n_cities=5, n_sectors=3, seed=len(seen))

    monkeypatch.setattr(build, "build_china_cities", small)
    assert main(["build", "china-cities", "--sensitivity", "--out", str(tmp_path)]) == 0
    frame = pd.read_csv(tmp_path / "china-cities-2012-sensitivity.csv", index_col=0)
    assert list(frame.index[:-1]) == list(DEFAULT_VARIANTS)
    assert frame.index[-1].startswith("published") and frame.loc[frame.index[-1], "isc_fd"] == 0.8
    seen = [{k: v for k, v in s.items() if k != "data_dir"} for s in seen]
    assert {"delta": 0.3, "intermediate_method": "flq"} in seen and {} in seen
    out = capsys.readouterr().out
    assert "| variant | isc_fd" in out and "top 10 per capita" in out
