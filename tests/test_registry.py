"""Table registry: names, recipes, the build cache and path loading (mrio_city.io.registry)."""

import functools
import re
from pathlib import Path

import numpy as np
import pytest

import mrio_city.sources.synthetic as synth
from mrio_city import (
    MRIOTable,
    StructuredMRIOTable,
    TableFormatError,
    TableNotFoundError,
    compute_accounts,
)
from mrio_city.io import registry
from mrio_city.io.folder import write_table
from mrio_city.io.recipes import load_recipe
from mrio_city.io.registry import list_tables, load_table

SMALL_RECIPE = """\
name = "mini"
kind = "generator"
description = "SYNTHETIC mini table for tests"

[generator]
function = "city_mrio"

[generator.parameters]
n_cities = 6
n_sectors = 4
seed = {seed}
n_partners = 2
"""


@pytest.fixture
def recipes(tmp_path, monkeypatch):
    """A private recipe folder (searched first) holding 'mini', and a call counter."""
    folder = tmp_path / "recipes"
    folder.mkdir()
    (folder / "mini.toml").write_text(SMALL_RECIPE.format(seed=5), encoding="utf-8")
    monkeypatch.setenv(registry.TABLES_ENV, str(folder))
    calls = []
    real = synth.city_mrio

    @functools.wraps(real)
    def counting(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(synth, "city_mrio", counting)
    return folder, calls


def _arrays(t):
    sh = t.trade_shares
    shares = sh if isinstance(sh, np.ndarray) else np.concatenate([m.toarray() for m in sh])
    return [shares, t.technology, t.final_demand, t.F, t.F_Y, t.exports, t.x, t.gdp]


def test_bundled_recipes_are_listed():
    tables = list_tables()
    assert {"toy-cities", "china-309-synthetic"} <= set(tables)
    assert "SYNTHETIC" in tables["china-309-synthetic"]
    assert not any(d.startswith("INVALID") for d in tables.values())
    recipe = load_recipe(registry.tables_dirs()[-1] / "china-309-synthetic.toml")
    assert recipe.kind == "generator"
    assert recipe.data["generator"]["parameters"] == {
        "n_cities": 309,
        "n_sectors": 42,
        "seed": 2012,
        "n_provinces": 31,
    }


def test_toy_cities_is_methods_11_2():
    t = load_table("toy-cities")
    assert isinstance(t, MRIOTable) and t.name == "toy-cities"
    assert list(t.cities) == ["A", "B"] and list(t.sectors) == ["s1", "s2"]
    Z = np.array([[10, 20, 5, 5], [15, 5, 10, 0], [5, 0, 20, 10], [0, 10, 15, 5]], float)
    np.testing.assert_array_equal(t.Z, Z)
    np.testing.assert_array_equal(t.x, [100, 100, 100, 100])
    np.testing.assert_array_equal(t.direct_intensities[0], [0.5, 0.1, 0.2, 0.05])
    np.testing.assert_array_equal(t.F_Y, [[8, 4]])
    # gdp is value added by city: x - column sums of Z
    np.testing.assert_array_equal(t.gdp, [135, 130])
    np.testing.assert_array_equal(t.value_added[0], 100 - Z.sum(axis=0))
    np.testing.assert_array_equal(t.Y, [[40, 20], [50, 20], [15, 50], [10, 60]])
    acc = compute_accounts(t)  # docs/methods.md §11.2 reference answers
    np.testing.assert_allclose(acc.consumption_based["CO2"], [43.359210, 41.640790], atol=1e-6)
    np.testing.assert_allclose(acc.production_based_with_households["CO2"], [68, 29])


def test_recipe_builds_once_then_loads_from_cache(recipes, tmp_path):
    _, calls = recipes
    cache = tmp_path / "cache"
    first = load_table("mini", cache_dir=cache)
    assert len(calls) == 1 and calls[0]["name"] == "mini"
    entries = [p for p in cache.iterdir() if not p.name.startswith(".")]
    assert len(entries) == 1 and re.fullmatch(r"mini-[0-9a-f]{16}", entries[0].name)
    hidden = [p.name for p in cache.iterdir() if p.name.startswith(".")]
    assert hidden == [f".{entries[0].name}.lock"]  # the lock file; no temp folder left
    second = load_table("mini", cache_dir=cache)
    assert len(calls) == 1  # read from the cache, not rebuilt
    assert isinstance(second, StructuredMRIOTable) and second.shares_are_sparse
    assert second.name == "mini" and second.meta == first.meta
    for a, b in zip(_arrays(first), _arrays(second)):
        assert np.array_equal(a, b)
    load_table("mini", cache_dir=cache, rebuild=True)
    assert len(calls) == 2


def test_changed_recipe_gets_a_new_cache_entry(recipes, tmp_path, monkeypatch):
    folder, calls = recipes
    cache = tmp_path / "cache"
    a = load_table("mini", cache_dir=cache)
    (folder / "mini.toml").write_text(SMALL_RECIPE.format(seed=6), encoding="utf-8")
    b = load_table("mini", cache_dir=cache)
    assert len(calls) == 2 and len(list(cache.glob("[!.]*"))) == 2
    assert not np.array_equal(a.x, b.x)


def test_cache_dir_from_environment(recipes, tmp_path, monkeypatch):
    monkeypatch.setenv(registry.CACHE_ENV, str(tmp_path / "envcache"))
    assert registry.default_cache_dir() == tmp_path / "envcache"
    load_table("mini")
    assert len(list((tmp_path / "envcache").glob("[!.]*"))) == 1


def test_unknown_name_lists_known_names(recipes):
    known = sorted(list_tables())
    assert {"china-309-synthetic", "mini", "toy-cities"} <= set(known)
    msg = f"unknown table 'no-such-table'; known tables: {', '.join(known)}"
    with pytest.raises(TableNotFoundError, match=re.escape(msg)):
        load_table("no-such-table")


def test_typo_gets_a_suggestion_and_a_missing_folder_does_not_exist(recipes, tmp_path):
    with pytest.raises(TableNotFoundError, match="did you mean 'toy-cities'"):
        load_table("toy-citeis")
    with pytest.raises(TableNotFoundError, match="does not exist") as err:
        load_table(tmp_path / "nowhere")
    assert "unknown table" not in str(err.value) and str(tmp_path / "nowhere") in str(err.value)


def test_load_from_folder_and_recipe_paths(tmp_path, recipes):
    folder, calls = recipes
    toy = load_table("toy-cities")
    path = write_table(toy, tmp_path / "toy")
    again = load_table(path)
    np.testing.assert_array_equal(again.Z, toy.Z)
    assert again.meta == toy.meta
    assert load_table(str(path)).name == "toy-cities"
    t = load_table(folder / "mini.toml", cache_dir=tmp_path / "c")
    assert t.n_cities == 6 and len(calls) == 1
    other = tmp_path / "notes.txt"
    other.write_text("not a table", encoding="utf-8")
    with pytest.raises(TableNotFoundError, match="is a file, not a table folder"):
        load_table(other)


def test_same_named_folder_in_cwd_never_stands_in_for_a_registered_table(
    tmp_path, recipes, monkeypatch
):
    folder, calls = recipes
    toy = load_table("toy-cities")
    small = load_table(folder / "mini.toml", cache_dir=tmp_path / "c")
    monkeypatch.chdir(tmp_path)
    write_table(small, tmp_path / "toy-cities")  # a stranger folder named like the recipe
    with pytest.warns(UserWarning, match="has the name of the registered table 'toy-cities'"):
        again = load_table("toy-cities")
    assert again.n_cities == toy.n_cities != small.n_cities
    assert load_table("./toy-cities").n_cities == small.n_cities  # as a path, it is read


@pytest.mark.parametrize(
    "text, match",
    [
        (
            "kind = 'generator'\ndescription = 'd'\n[generator]\nfunction = 'os:system'\n",
            r"generator.function: expected the name of a table generator of the package, one "
            r"of \['china_cities', 'city_mrio'\], got 'os:system' \(recipes name a generator; "
            r"they cannot name code\)",
        ),
        (
            "kind = 'generator'\ndescription = 'd'\n[generator]\n"
            "function = 'mrio_city.sources.synthetic:no_such_function'\n",
            "expected the name of a table generator",
        ),
        (
            "kind = 'generator'\ndescription = 'd'\n[generator]\nfunction = 'city_mrio'\n"
            "[generator.parameters]\nn_citys = 3\n",
            r"generator.parameters.n_citys: unknown key; did you mean 'n_cities'\?",
        ),
        ("kind = 'other'\ndescription = 'd'\n", "key 'kind' must be 'generator' or 'inline'"),
        ("kind = 'inline'\n", "key 'description'"),
        ("kind = 'inline'\ndescription = 'd'\n[table]\nZ = [[0.0]]\n", "table.Y: required key"),
        ("name = 'other'\nkind = 'inline'\ndescription = 'd'\n", "must equal the file name"),
        ("kind = = 1\n", "invalid TOML"),
    ],
)
def test_bad_recipes_name_file_and_key(tmp_path, text, match):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TableFormatError, match=match) as info:
        load_table(path, cache_dir=tmp_path / "cache")
    assert str(path) in str(info.value)
    assert not (tmp_path / "cache").exists()


def test_generator_rejecting_parameters_is_a_format_error(tmp_path):
    path = tmp_path / "neg.toml"
    path.write_text(SMALL_RECIPE.replace('"mini"', '"neg"').format(seed=-1), encoding="utf-8")
    with pytest.raises(TableFormatError, match="seed: must be between 0 and 4.29497e.09, got -1"):
        load_table(path, cache_dir=tmp_path / "cache")


def test_bundled_tables_dir_is_the_repository_folder():
    assert registry.tables_dirs()[-1] == Path(registry.__file__).resolve().parents[2] / "tables"
