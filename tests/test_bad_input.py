"""The bad-input catalogue (issue 14): every hostile or wrong input is a named error, before work.

One parametrized test per class of input (recipes, table folders, strict types, workbooks,
mathematical preconditions, the CLI), each case with its exact message pinned (``{folder}``
and friends stand for the temporary paths).  The property tests at the end check that valid
random tables round-trip and random corruptions always raise a package error.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from mrio_city.io import registry
from mrio_city.io.folder import read_table, write_table
from mrio_city.model.errors import MrioCityError, TableFormatError
from mrio_city.testing import toy_cities

# -- recipes are data ------------------------------------------------------------------------
RECIPE_HEAD = "kind = 'generator'\ndescription = 'd'\n[generator]\n"


@pytest.mark.parametrize(
    "body, message",
    [
        pytest.param(
            "function = 'mrio_city.commands.main:main'\n"
            "[generator.parameters]\nargv = ['footprints', 'x', '--out', '/tmp/pwned']\n",
            "{recipe}: generator.function: expected the name of a table generator of the "
            "package, one of ['china_cities', 'city_mrio'], got 'mrio_city.commands.main:main' "
            "(recipes name a generator; they cannot name code)",
            id="cli-main-as-generator",
        ),
        pytest.param(
            "function = 'os:system'\n",
            "{recipe}: generator.function: expected the name of a table generator of the "
            "package, one of ['china_cities', 'city_mrio'], got 'os:system' (recipes name a "
            "generator; they cannot name code)",
            id="os-system",
        ),
        pytest.param(
            "function = 'city_mrio'\n[generator.parameters]\nn_cities = 1000000\n",
            "{recipe}: generator.parameters.n_cities: must be between 1 and 20000, got 1000000",
            id="n-cities-million",
        ),
        pytest.param(
            "function = 'city_mrio'\n[generator.parameters]\nn_cities = 5000\n",
            "{recipe}: generator.parameters: n_sectors x n_cities x trade partners = "
            "1,050,000,000 trade shares is above the limit of 50,000,000 (set n_partners for "
            "large tables)",
            id="dense-shares-too-large",
        ),
        pytest.param(
            "function = 'city_mrio'\n[generator.parameters]\nn_cities = '6'\n",
            "{recipe}: generator.parameters.n_cities: expected an integer, got string '6'",
            id="n-cities-text",
        ),
        pytest.param(
            "function = 'china_cities'\n[generator.parameters]\nreport_dir = '/tmp/x'\n",
            "{recipe}: generator.parameters.report_dir: unknown key (allowed: year, "
            "intermediate_method, delta, distance_decay, decay_scale, household_proxy, "
            "income_elasticity, provincial_gdp_vintage)",
            id="write-folder-chosen-by-file",
        ),
        pytest.param(
            "function = 'china_cities'\n[generator.parameters]\ndata_dir = '/etc'\n",
            "{recipe}: generator.parameters.data_dir: unknown key (allowed: year, "
            "intermediate_method, delta, distance_decay, decay_scale, household_proxy, "
            "income_elasticity, provincial_gdp_vintage)",
            id="read-folder-chosen-by-file",
        ),
        pytest.param(
            "function = 'china_cities'\n[generator.parameters]\n"
            "provincial_gdp_vintage = 'vintage1999'\n",
            "{recipe}: generator.parameters.provincial_gdp_vintage: 'vintage1999' is not one "
            "of 'vintage2018', 'vintage2024', 'vintage2025'; did you mean 'vintage2018'?",
            id="enum",
        ),
    ],
)
def test_recipes_are_data(tmp_path, monkeypatch, body, message):
    called = []
    monkeypatch.setattr("mrio_city.commands.main.main", lambda *a, **k: called.append(a))
    recipe = tmp_path / "bad.toml"
    recipe.write_text(RECIPE_HEAD + body, encoding="utf-8")
    with pytest.raises(TableFormatError) as info:
        registry.load_table(recipe, cache_dir=tmp_path / "cache")
    assert str(info.value) == message.format(recipe=f"recipe {recipe}")
    assert not called and not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    "table, message",
    [
        pytest.param(
            "Z = [[1.0, 'x'], [0.0, 1.0]]",
            "{recipe}: table.Z[0][1]: expected a number, got string 'x'",
            id="text-in-array",
        ),
        pytest.param(
            "Z = [[1.0, true], [0.0, 1.0]]",
            "{recipe}: table.Z[0][1]: expected a number, got boolean True",
            id="boolean-in-array",
        ),
        pytest.param(
            "Z = [[1.0, 2.0], [0.0]]",
            "{recipe}: table.Z: row 1 has 1 values, expected 2 (as row 0)",
            id="ragged",
        ),
        pytest.param(
            "Z = [[1.0, 2.0], [0.0, 1.0]]\ncities = 'A'",
            "{recipe}: table.cities: expected an array of strings, got string 'A'",
            id="labels-not-a-list",
        ),
    ],
)
def test_inline_recipes_are_typed(tmp_path, table, message):
    recipe = tmp_path / "inl.toml"
    base = {
        "Z": "Z = [[1.0, 2.0], [0.0, 1.0]]",
        "Y": "Y = [[5.0], [5.0]]",
        "F": "F = [[1.0, 1.0]]",
        "cities": "cities = ['A']",
        "sectors": "sectors = ['s1', 's2']",
        "categories": "categories = ['fd']",
        "stressors": "stressors = ['CO2']",
    }
    for line in table.splitlines():
        base[line.split(" =")[0]] = line
    text = "kind = 'inline'\ndescription = 'd'\n[table]\n" + "\n".join(base.values()) + "\n"
    recipe.write_text(text, encoding="utf-8")
    with pytest.raises(TableFormatError) as info:
        registry.load_table(recipe)
    assert str(info.value) == message.format(recipe=f"recipe {recipe}")


def test_legacy_module_path_names_a_registered_generator_only(tmp_path):
    # the old spelling of a registered builder is matched as text; nothing is imported
    recipe = tmp_path / "mini.toml"
    recipe.write_text(
        "kind = 'generator'\ndescription = 'd'\n[generator]\n"
        "function = 'mrio_city.sources.synthetic:city_mrio'\n[generator.parameters]\n"
        "n_cities = 3\nn_sectors = 2\nseed = 1\n",
        encoding="utf-8",
    )
    t = registry.load_table(recipe, cache_dir=tmp_path / "cache")
    assert t.n_cities == 3 and t.n_sectors == 2 and t.name == "mini"


# -- table folders read only their own regular files -------------------------------------------
@pytest.fixture
def folder(tmp_path):
    return write_table(toy_cities(), tmp_path / "t")


def _edit(folder: Path, old: str, new: str) -> None:
    p = folder / "table.toml"
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def _drop_hashes(folder: Path) -> None:
    p = folder / "table.toml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text[: text.index("[files]")] + "[files]\n", encoding="utf-8")


def _outside(tmp_path: Path) -> Path:
    out = tmp_path / "outside"
    out.mkdir(exist_ok=True)
    return out


def _symlink_arrays(folder, tmp_path):
    target = _outside(tmp_path) / "x.npz"
    shutil.move(folder / "arrays.npz", target)
    (folder / "arrays.npz").symlink_to(target)


def _dotdot_arrays(folder, tmp_path):
    shutil.move(folder / "arrays.npz", _outside(tmp_path) / "x.npz")
    _edit(folder, 'file = "arrays.npz"', 'file = "../outside/x.npz"')


def _absolute_arrays(folder, tmp_path):
    target = _outside(tmp_path) / "x.npz"
    shutil.copy(folder / "arrays.npz", target)
    _edit(folder, 'file = "arrays.npz"', f'file = "{target}"')


def _files_etc_passwd(folder, tmp_path):
    _edit(folder, "[files]\n", f'[files]\n"/etc/passwd" = "{"0" * 64}"\n')


def _files_dotdot(folder, tmp_path):
    (_outside(tmp_path) / "secret.txt").write_text("s")
    _edit(folder, "[files]\n", f'[files]\n"../outside/secret.txt" = "{"0" * 64}"\n')


def _files_huge_stranger(folder, tmp_path):
    big = folder / "big.bin"
    with open(big, "wb") as fh:  # a sparse 40 GB file: hashing it would take minutes
        fh.truncate(40 * 2**30)
    _edit(folder, "[files]\n", f'[files]\n"big.bin" = "{"0" * 64}"\n')


def _huge_arrays(folder, tmp_path):
    p = folder / "arrays.npz"
    p.unlink()
    with open(p, "wb") as fh:
        fh.truncate(40 * 2**30)


def _files_not_a_table(folder, tmp_path):
    text = (folder / "table.toml").read_text(encoding="utf-8")
    head = text[: text.index("[files]")]
    (folder / "table.toml").write_text('files = "x"\n' + head, encoding="utf-8")


def _files_bad_hash(folder, tmp_path):
    _edit(folder, '"sectors.csv" = "', '"sectors.csv" = "zz')


def _changed_unread_file(folder, tmp_path):
    # every listed file is verified, also one the reader would read last
    with open(folder / "value_added.csv", "a", encoding="utf-8") as fh:
        fh.write("extra\n")


def _truncated_npz(folder, tmp_path):
    _drop_hashes(folder)
    p = folder / "arrays.npz"
    p.write_bytes(p.read_bytes()[:100])


def _huge_npy_header(folder, tmp_path):
    _drop_hashes(folder)
    p = folder / "arrays.npz"
    with zipfile.ZipFile(p) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    header += " " * (117 - len(header)) + "\n"
    members["x.npy"] = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
    with zipfile.ZipFile(p, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def _directory_as_file(folder, tmp_path):
    _drop_hashes(folder)
    (folder / "arrays.npz").unlink()
    (folder / "arrays.npz").mkdir()


HOSTILE_FOLDERS = [
    pytest.param(
        _symlink_arrays,
        "table folder {folder}: table.toml: arrays.file: 'arrays.npz' resolves to "
        "{tmp}/outside/x.npz, outside {folder} (paths in a file may not leave its folder, and "
        "symbolic links out of it are refused)",
        id="symlink-out",
    ),
    pytest.param(
        _dotdot_arrays,
        "table folder {folder}: table.toml: arrays.file: '../outside/x.npz' "
        "resolves to {tmp}/outside/x.npz, outside {folder} (paths in a file may not leave its "
        "folder, and symbolic links out of it are refused)",
        id="dotdot",
    ),
    pytest.param(
        _absolute_arrays,
        "table folder {folder}: table.toml: arrays.file: absolute paths are "
        "refused, got '{tmp}/outside/x.npz'",
        id="absolute",
    ),
    pytest.param(
        _files_etc_passwd,
        "table folder {folder}: table.toml: files./etc/passwd: absolute paths are refused, "
        "got '/etc/passwd'",
        id="files-etc-passwd",
    ),
    pytest.param(
        _files_dotdot,
        "table folder {folder}: table.toml: files.../outside/secret.txt: "
        "'../outside/secret.txt' resolves to {tmp}/outside/secret.txt, outside {folder} (paths "
        "in a file may not leave its folder, and symbolic links out of it are refused)",
        id="files-dotdot",
    ),
    pytest.param(
        _files_huge_stranger,
        "table folder {folder}: table.toml: files.big.bin: is not a file of this table (the "
        "table reads Z.npz, arrays.npz, categories.csv, cities.csv, exports.csv, sectors.csv, "
        "stressors.csv, value_added.csv); [files] may list only those",
        id="files-40GB-stranger",
    ),
    pytest.param(
        _huge_arrays,
        "table folder {folder}: arrays.npz: 42,949,672,960 bytes is more than the table's "
        "dimensions allow (1,048,720 bytes)",
        id="arrays-40GB",
    ),
    pytest.param(
        _files_not_a_table,
        "table folder {folder}: table.toml: files: expected a table, got string 'x'",
        id="files-is-text",
    ),
    pytest.param(
        _files_bad_hash,
        "table folder {folder}: table.toml: files.sectors.csv: expected a sha256 (64 "
        "hexadecimal digits), got string 'zz",
        id="files-bad-hash",
    ),
    pytest.param(
        _changed_unread_file,
        "table folder {folder}: value_added.csv: sha256 ",
        id="changed-file",
    ),
    pytest.param(
        _truncated_npz,
        "table folder {folder}: arrays.npz: not a readable .npz file (File is not a zip file)",
        id="truncated-npz",
    ),
    pytest.param(
        _huge_npy_header,
        "table folder {folder}: arrays.npz: array 'x' has shape (1000000000000,), expected (4,)",
        id="npy-header-8TB",
    ),
    pytest.param(
        _directory_as_file,
        "table folder {folder}: arrays.npz: is not a regular file",
        id="directory-not-file",
    ),
]


@pytest.mark.parametrize("corrupt, message", HOSTILE_FOLDERS)
def test_table_folders_read_only_their_own_files(folder, tmp_path, corrupt, message):
    corrupt(folder, tmp_path)
    with pytest.raises(TableFormatError) as info:
        read_table(folder)
    expected = message.format(folder=folder.resolve(), tmp=tmp_path.resolve())
    got = str(info.value).replace(str(folder.resolve()), str(folder.resolve()))
    got = got.replace(f"table folder {folder}:", f"table folder {folder.resolve()}:")
    assert got.startswith(expected), f"{got}\n!=\n{expected}"


def test_a_symlink_inside_the_folder_is_read(folder):
    os.rename(folder / "arrays.npz", folder / "real.npz")
    (folder / "arrays.npz").symlink_to("real.npz")
    assert np.array_equal(read_table(folder).x, toy_cities().x)


# -- scenario files name tables by name or by a path inside their folder ----------------------
@pytest.mark.parametrize(
    "ref, message",
    [
        pytest.param(
            "../t",
            "{src}: '../t' resolves to {tmp}/t, outside {tmp}/scen (paths in a file may not "
            "leave its folder, and symbolic links out of it are refused)",
            id="dotdot",
        ),
        pytest.param("/etc", "{src}: absolute paths are refused, got '/etc'", id="absolute"),
        pytest.param(3, "{src}: expected a relative file name, got integer 3", id="not-text"),
    ],
)
def test_scenario_table_reference_is_confined(tmp_path, folder, ref, message):
    scen = tmp_path / "scen"
    scen.mkdir()
    src = f"{scen / 'run.toml'}: scenario.table"
    with pytest.raises(MrioCityError) as info:
        registry.table_reference(ref, root=scen, source=src)
    assert str(info.value) == message.format(src=src, tmp=tmp_path.resolve())


def test_scenario_table_reference_accepts_names_and_inside_paths(tmp_path, folder):
    assert registry.table_reference("toy-cities", root=tmp_path, source="s") == "toy-cities"
    assert registry.table_reference("t", root=tmp_path, source="s") == folder.resolve()
