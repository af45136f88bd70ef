"""Scenario files: the bundled file validates; invalid files fail with pinned messages."""

from pathlib import Path

import pytest

from mrio_city.model.errors import ScenarioSpecError
from mrio_city.scenarios import Scenario, defaults, set_key_path
from mrio_city.sources.synthetic import city_mrio

REPO = Path(__file__).resolve().parents[2]
DEFAULT_FILE = REPO / "scenarios" / "super_emitters.toml"

GOOD = """
[scenario]
name = "t"
[super_emitter]
rule = "threshold"
threshold = 10.0
[pathways.industrial]
when = { structure = "industrial" }
levers = [
  { type = "electricity", cut = 0.3 },
  { type = "intensity", sector = "Chemicals", cut = 0.2 },
]
"""


def write(tmp_path, text, name="super_emitters.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_default_file_validates_against_a_42_sector_table():
    sc = Scenario.from_file(DEFAULT_FILE, table=city_mrio(n_cities=12, n_sectors=42, seed=1))
    assert sc.table == "china-309-synthetic"
    # the count is an output: the shipped file forces nothing
    assert "calibrate" not in DEFAULT_FILE.read_text(encoding="utf-8")
    assert sc.super_emitter.rule == "median_multiple" and sc.super_emitter.calibrate_count is None
    assert [p.name for p in sc.pathways] == [
        "industrial",
        "resource_based",
        "affluent_consumer",
        "other",
    ]
    # the budget to peak is the documented GCB default, not 1.4 Gt / 0.30
    assert sc.quota.budget_to_peak == pytest.approx(defaults.BUDGET_TO_PEAK_GT * 1e9, rel=1e-3)
    assert sc.quota.budget_to_peak != pytest.approx(1.4e9 / 0.30, rel=0.05)
    assert sc.pathways[0].levers[0].to_percentile == 25.0
    gap = defaults.DEFAULTS["pathways.*.levers[*].gap_closed"].value
    assert sc.pathways[0].levers[0].gap_closed == gap
    assert sc.pathways[0].levers[0].label == "industrial: production intensity"
    assert sc.pathways[2].levers[1].label == "affluent_consumer: supplier production intensity"
    assert sc.living_standard.method == "income" and sc.living_standard.elasticity is None


def test_defaults_have_sources():
    expected = (3131.105 - 2669.018) * 3.664 / 1e3  # GCB 2022, Mt C -> Gt CO2
    assert defaults.BUDGET_TO_PEAK_GT == pytest.approx(expected, abs=1e-3)
    assert defaults.UPPER_MIDDLE_INCOME_USD == 4086.0
    for d in defaults.DEFAULTS.values():
        assert d.unit and len(d.source) > 20, d.key


def test_good_file_parses(tmp_path, table):
    sc = Scenario.from_file(write(tmp_path, GOOD), table=table)
    lv = sc.pathways[0].levers[1]
    assert (lv.type, lv.sectors, lv.cut, lv.path) == (
        "intensity",
        ("Chemicals",),
        0.2,
        "pathways.industrial.levers[1]",
    )
    assert sc.pathways[0].when == {"structure": ("industrial",)}


@pytest.mark.parametrize(
    "old,new,message",
    [
        (
            "threshold = 10.0",
            "treshold = 10.0",
            "super_emitters.toml: super_emitter.treshold: unknown key; did you mean 'threshold'?",
        ),
        (
            'sector = "Chemicals"',
            'sector = "Chemicalz"',
            "super_emitters.toml: pathways.industrial.levers[1].sector: 'Chemicalz' is not a "
            "sector of synthetic-24x8-seed5; did you mean 'Chemicals'?",
        ),
        (
            'sector = "Chemicals", cut = 0.2',
            'cities = ["Atlantis 01"], cut = 0.2',
            "super_emitters.toml: pathways.industrial.levers[1].cities: 'Atlantis 01' is not a "
            "city of synthetic-24x8-seed5",
        ),
        (
            "cut = 0.2",
            'cut = "half"',
            "super_emitters.toml: pathways.industrial.levers[1].cut: expected a number, got "
            "string 'half'",
        ),
        (
            "cut = 0.2",
            "cut = -0.2",
            "super_emitters.toml: pathways.industrial.levers[1].cut: must be between 0 and 1, "
            "got -0.2",
        ),
        (
            "threshold = 10.0",
            "threshold = -1.0",
            "super_emitters.toml: super_emitter.threshold: must be > 0, got -1.0",
        ),
        (
            'type = "electricity"',
            'type = "electricty"',
            "super_emitters.toml: pathways.industrial.levers[0].type: 'electricty' is not one of "
            "'intensity', 'electricity', 'final_demand', 'technology'; did you mean "
            "'electricity'?",
        ),
        (
            "cut = 0.3",
            "cut = 0.3, to_percentile = 20",
            "super_emitters.toml: pathways.industrial.levers[0]: give exactly one of cut, "
            "to_percentile (got cut and to_percentile)",
        ),
        (
            'structure = "industrial"',
            'structure = "industry"',
            "super_emitters.toml: pathways.industrial.when.structure: 'industry' is not one of "
            "'industrial', 'service-oriented', 'unknown'; did you mean 'industrial'?",
        ),
        (
            "cut = 0.2 }",
            "cut = 0.2, categories = ['x'] }",
            "super_emitters.toml: pathways.industrial.levers[1].categories: unknown key",
        ),
        (
            "[scenario]",
            "[scenarios]",
            "super_emitters.toml: scenarios: unknown key; did you mean 'scenario'?",
        ),
        (
            "threshold = 10.0",
            "threshold = true",
            "super_emitters.toml: super_emitter.threshold: expected a number, got boolean True",
        ),
        (
            "threshold = 10.0",
            'threshold = "calibrate"',
            "super_emitters.toml: super_emitter.calibrate_count: missing",
        ),
        (
            "threshold = 10.0",
            "threshold = 10.0\ncalibrate_count = 32",
            "super_emitters.toml: super_emitter.calibrate_count: only used with threshold",
        ),
        (
            '[scenario]\nname = "t"',
            '[scenario]\nname = "t"\n[quota]\nbudget_to_peak_gt = 4.67',
            "super_emitters.toml: quota.budget_source: missing",
        ),
        (
            '{ type = "electricity", cut = 0.3 }',
            '{ type = "electricity", cut = 0.3, gap_closed = 0.5 }',
            "super_emitters.toml: pathways.industrial.levers[0].gap_closed: only used with",
        ),
    ],
    ids=[
        "unknown-key",
        "bad-sector",
        "bad-city",
        "wrong-type",
        "negative-cut",
        "negative-threshold",
        "bad-lever-type",
        "two-strengths",
        "bad-when-value",
        "key-of-other-lever-type",
        "unknown-section",
        "bool-not-number",
        "calibrate-no-count",
        "count-without-calibrate",
        "budget-without-source",
        "gap-with-cut",
    ],
)
def test_invalid_files_fail_with_pinned_messages(tmp_path, table, old, new, message):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ScenarioSpecError) as info:
        Scenario.from_file(path, table=table)
    assert str(info.value).startswith(message), str(info.value)


def test_toml_syntax_error_names_the_file(tmp_path):
    with pytest.raises(ScenarioSpecError, match=r"^super_emitters.toml: invalid TOML"):
        Scenario.from_file(write(tmp_path, GOOD + "\n[oops"))


def test_missing_pathways(tmp_path):
    with pytest.raises(ScenarioSpecError, match=r"super_emitters.toml: pathways: missing"):
        Scenario.from_file(write(tmp_path, "[super_emitter]\nthreshold = 3.0\n"))


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Scenario.from_file("no/such/file.toml")


def test_labels_checked_only_with_a_table(tmp_path, table):
    path = write(tmp_path, GOOD.replace('"Chemicals"', '"Steeel"'))
    sc = Scenario.from_file(path)  # structure only
    with pytest.raises(ScenarioSpecError, match=r"levers\[1\].sector: 'Steeel' is not a sector"):
        sc.validate(table)


def test_with_values_and_key_paths(tmp_path, table):
    sc = Scenario.from_file(write(tmp_path, GOOD), table=table)
    sc2 = sc.with_values(
        {"super_emitter.threshold": 7.5, "pathways.industrial.levers[0].cut": 0.5}, table=table
    )
    assert sc2.super_emitter.threshold == 7.5
    assert sc2.pathways[0].levers[0].cut == 0.5
    assert sc.super_emitter.threshold == 10.0  # original untouched
    with pytest.raises(ScenarioSpecError, match=r"levers\[5\].cut: index \[5\] does not exist"):
        sc.with_values({"pathways.industrial.levers[5].cut": 0.1})
    with pytest.raises(ScenarioSpecError, match=r"levers\[0\].cut: must be between 0 and 1"):
        sc.with_values({"pathways.industrial.levers[0].cut": 1.5})
    doc = {}
    set_key_path(doc, "a.b.c", 1)
    assert doc == {"a": {"b": {"c": 1}}}
