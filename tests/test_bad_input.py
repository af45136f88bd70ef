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

from mrio_city.io import recipes, registry
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


# -- strict types in table.toml and cities.csv -------------------------------------------------
TOML_TYPES = [
    pytest.param(
        "allow_negative_flows = false",
        'allow_negative_flows = "false"',
        "allow_negative_flows: expected true or false, got string 'false'",
        id="boolean-as-text",
    ),
    pytest.param(
        "output_rtol = ",
        "output_rtol = 1e9 # ",
        "output_rtol: must be between 0 and 0.01, got 1000000000.0",
        id="output-rtol-1e9",
    ),
    pytest.param(
        "output_rtol = ",
        'output_rtol = "tiny" # ',
        "output_rtol: expected a number, got string 'tiny'",
        id="output-rtol-text",
    ),
    pytest.param(
        "year = 2012",
        'year = "2012"',
        "year: expected an integer, got string '2012'",
        id="year-text",
    ),
    pytest.param(
        "attribute_dtypes = []",
        'attribute_dtypes = ["foo"]',
        "cities.attribute_dtypes[0]: 'foo' is not one of str, string, object, bool, boolean, "
        "float64, float32, Float64, int64, int32, int16, int8, Int64, Int32, uint64, uint32, "
        "uint8",
        id="attribute-dtype-unknown",
    ),
    pytest.param(
        "attribute_dtypes = []",
        "attribute_dtypes = 3",
        "cities.attribute_dtypes: expected an array of strings, got integer 3",
        id="attribute-dtypes-not-a-list",
    ),
    pytest.param(
        'money_unit = "money"',
        "money_unit = 10000",
        "money_unit: expected a string, got integer 10000",
        id="unit-number",
    ),
]


@pytest.mark.parametrize("old, new, message", TOML_TYPES)
def test_table_toml_types_are_strict(folder, old, new, message):
    _edit(folder, old, new)
    with pytest.raises(TableFormatError) as info:
        read_table(folder)
    assert str(info.value) == f"table folder {folder}: table.toml: {message}"


def test_boolean_city_attribute_only_true_or_false(tmp_path):
    import pandas as pd

    t = toy_cities()
    attrs = pd.DataFrame({"coastal": [True, False]}, index=pd.Index(["A", "B"], name="city"))
    folder = write_table(t.replace(city_attributes=attrs), tmp_path / "t")
    assert read_table(folder).city_attributes["coastal"].tolist() == [True, False]
    _drop_hashes(folder)
    p = folder / "cities.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("False", "yes"), encoding="utf-8")
    with pytest.raises(TableFormatError) as info:
        read_table(folder)
    assert str(info.value) == (
        f"table folder {folder}: cities.csv: column 'coastal' row 3: expected True or False, "
        "got 'yes'"
    )


# -- strict types and formulas in input workbooks --------------------------------------------
def _formula_without_cache(ws):
    ws["C3"] = "=SUM(D3:E3)"  # openpyxl stores no cached value, as a script-made file would


def _cleared_header(ws):
    ws["D1"] = None  # Y of city B: header cleared, values left below
    ws["D2"] = None


def _metadata_bool_text(ws):
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "allow_negative_flows":
            row[1].value = "no"


def _metadata_rtol(ws):
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "output_rtol":
            row[1].value = 1e9


def _true_in_values(ws):
    ws["D4"] = True


def _label_true(ws):
    ws["A3"] = True


WORKBOOKS = [
    pytest.param(
        "Y",
        _formula_without_cache,
        "sheet 'Y', cell C3: formula '=SUM(D3:E3)' has no cached value (the workbook was not "
        "recalculated and saved by a spreadsheet program); save it in Excel or LibreOffice, "
        "or paste values",
        id="formula-without-cached-value",
    ),
    pytest.param(
        "Y",
        _cleared_header,
        "sheet 'Y', cell D3: value 20 in a column without a label (labels end at C2); label "
        "the column or clear the value",
        id="value-under-cleared-header",
    ),
    pytest.param(
        "metadata",
        _metadata_bool_text,
        "sheet 'metadata', cell B11: expected a TRUE or FALSE cell, got string 'no'",
        id="metadata-boolean-as-text",
    ),
    pytest.param(
        "metadata",
        _metadata_rtol,
        "sheet 'metadata', cell B10: key 'output_rtol': must be between 0 and 0.01, got 1000000000",
        id="metadata-output-rtol-1e9",
    ),
    pytest.param(
        "Z",
        _true_in_values,
        "sheet 'Z', cell D4: expected a number, got boolean True",
        id="bool-value",
    ),
    pytest.param(
        "F",
        _label_true,
        "sheet 'F', cell A3: expected a text label, got boolean True",
        id="bool-label",
    ),
]


@pytest.mark.parametrize("sheet, edit, message", WORKBOOKS)
def test_input_workbooks_are_strict(tmp_path, sheet, edit, message):
    import openpyxl

    from mrio_city.io.excel_table import read_excel_table, write_excel_table

    path = write_excel_table(toy_cities(), tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    edit(wb[sheet])
    wb.save(path)
    with pytest.raises(TableFormatError) as info:
        read_excel_table(path)
    assert str(info.value) == f"workbook {path}: {message}"


# -- mathematical preconditions, before any work ----------------------------------------------
def _one_city(Z, Y, F, **kw):
    from mrio_city.model.table import MRIOTable

    return MRIOTable(
        np.array(Z, float),
        np.array(Y, float),
        np.array(F, float),
        cities=["c"],
        sectors=["s1", "s2"],
        categories=["fd"],
        stressors=["CO2"],
        name="t",
        **kw,
    )


PRECONDITIONS = [
    pytest.param(
        lambda: _one_city([[10, 0], [0, 0]], [[90], [0]], [[5, 99]]),
        "ZeroOutputError",
        "table 't': 1 city-sector(s) have zero gross output but nonzero emissions F (first: "
        "(c, s2); 99 in stressor units in all): their emissions would vanish from every "
        "footprint. Give them their output or move the emissions to households (F_Y)",
        id="zero-output-with-emissions",
    ),
    pytest.param(
        lambda: _one_city([[10, 5], [-5, 0]], [[85], [5]], [[5, 0]], allow_negative_flows=True),
        "ZeroOutputError",
        "table 't': 1 city-sector(s) have zero gross output but buy intermediate inputs "
        "(first: (c, s2), column sum of |Z| = 5): their technical coefficients would be "
        "infinite. Give them their output or remove the inputs",
        id="zero-output-with-inputs",
    ),
    pytest.param(
        # A = [[1.4, 0], [-0.5, 0.2]]: column sums 0.9 and 0.2, spectral radius 1.4; the table
        # is built, every factorization (the first step of any computation) refuses it
        lambda: __import__("mrio_city").factorize(
            _one_city([[140, 0], [-50, 20]], [[-40], [130]], [[1, 1]], allow_negative_flows=True)
        ),
        "NonProductiveSystemError",
        "table 't': the spectral radius of A is 1.4 (eigenvalues of A), not below 1, so the "
        "Leontief inverse does not exist as a convergent series and multipliers would be "
        "meaningless (negative flows are allowed in this table)",
        id="spectral-radius-1.4",
    ),
    pytest.param(
        lambda: _one_city([[10, 0], [0, 10]], [[90], [90]], [[1, 1]], output_rtol=1e9),
        "TableValidationError",
        "table 't': output_rtol must be a number between 0 and 0.01, got 1000000000.0",
        id="output-rtol-1e9",
    ),
    pytest.param(
        lambda: __import__("mrio_city").MRIOTable(
            [[10, "x"], [0, 10]],
            [[90], [90]],
            [[1, 1]],
            cities=["c"],
            sectors=["s1", "s2"],
            categories=["fd"],
            stressors=["CO2"],
            name="t",
        ),
        "TableValidationError",
        "table 't': Z must hold numbers only (could not convert string to float: 'x')",
        id="text-in-array",
    ),
    pytest.param(
        lambda: _one_city([[10, 0], [0, 10]], [[90], [np.nan]], [[1, 1]]),
        "NonFiniteValueError",
        "table 't': Y has 1 NaN or infinite entry, first at (c, s2) -> (c, fd)",
        id="nan",
    ),
    pytest.param(
        lambda: _one_city([[10, 0], [0, 10]], [[90], [90]], [[1, np.inf]]),
        "NonFiniteValueError",
        "table 't': F has 1 NaN or infinite entry, first at CO2 -> (c, s2)",
        id="inf",
    ),
    pytest.param(
        lambda: __import__("mrio_city").MRIOTable(
            np.zeros((0, 0)),
            np.zeros((0, 0)),
            np.zeros((1, 0)),
            cities=[],
            sectors=["s"],
            categories=["fd"],
            stressors=["CO2"],
            name="t",
        ),
        "EmptyTableError",
        "table 't': the table has no cities; nothing to compute",
        id="zero-cities",
    ),
]


@pytest.mark.parametrize("build, error, message", PRECONDITIONS)
def test_mathematical_preconditions(build, error, message):
    import mrio_city

    with pytest.raises(getattr(mrio_city, error)) as info:
        build()
    assert str(info.value) == message


def test_structured_tables_cap_output_rtol_too():
    from mrio_city.model.errors import TableValidationError
    from mrio_city.testing import random_structured_table

    t = random_structured_table(3, 2, seed=1)
    with pytest.raises(TableValidationError) as info:
        t.replace(x=t.x, output_rtol=1e9)
    assert str(info.value) == (
        f"table {t.name!r}: output_rtol must be a number between 0 and 0.01, got 1000000000.0"
    )


def test_negative_flows_with_spectral_radius_below_one_are_accepted():
    import mrio_city

    # A = [[0.5, 0.1], [-0.2, 0.3]] has rho < 1: accepted, multipliers as dense numpy gives
    t = _one_city([[50, 10], [-20, 30]], [[40], [90]], [[1, 1]], allow_negative_flows=True)
    assert t.x.tolist() == [100.0, 100.0]
    m = mrio_city.multipliers(t).to_numpy().ravel()
    A = np.array([[0.5, 0.1], [-0.2, 0.3]])
    expected = np.array([0.01, 0.01]) @ np.linalg.inv(np.eye(2) - A)
    np.testing.assert_allclose(np.sort(m), np.sort(expected), rtol=1e-12)


def test_spectral_radius_bound_matches_dense_eigenvalues():
    import scipy.sparse as sp

    from mrio_city.solve.spectral import spectral_radius_bound

    rng = np.random.default_rng(3)
    for scale in (0.3, 0.9, 1.6):
        A = rng.normal(0, 1, (40, 40)) * scale / 40**0.5
        rho = np.max(np.abs(np.linalg.eigvals(A)))
        bound, how = spectral_radius_bound(sp.csr_matrix(A))
        assert bound >= rho - 1e-9
        if bound >= 1:  # computed, not bounded: it is the spectral radius itself
            assert bound == pytest.approx(rho, rel=1e-9) and how == "eigenvalues of A"
        big, _ = spectral_radius_bound(sp.csr_matrix(A), dense_limit=10)
        if big >= 1:  # ARPACK above the dense limit
            assert big == pytest.approx(rho, rel=1e-6)


# -- the CLI: exit 2 and one line for bad input, exit 1 and a hint for the unexpected ----------
def _cli(argv, capsys):
    from mrio_city.commands.main import main

    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def test_cli_hostile_recipe_is_one_line_exit_2(tmp_path, capsys):
    recipe = tmp_path / "evil.toml"
    recipe.write_text(
        RECIPE_HEAD + "function = 'mrio_city.commands.main:main'\n[generator.parameters]\n"
        f"argv = ['footprints', 'toy-cities', '--out', '{tmp_path / 'pwned'}']\n",
        encoding="utf-8",
    )
    code, err = _cli(["info", str(recipe)], capsys)
    assert code == 2 and len(err) == 1
    assert err[0] == (
        f"mrio-city info: error: recipe {recipe}: generator.function: expected the name of a "
        "table generator of the package, one of ['china_cities', 'city_mrio'], got "
        "'mrio_city.commands.main:main' (recipes name a generator; they cannot name code)"
    )
    assert not (tmp_path / "pwned").exists()


def test_cli_bad_table_folder_is_one_line_exit_2(folder, capsys):
    _truncated_npz(folder, None)
    code, err = _cli(["info", str(folder)], capsys)
    assert code == 2 and err == [
        f"mrio-city info: error: table folder {folder}: arrays.npz: not a readable .npz file "
        "(File is not a zip file)"
    ]


def test_cli_output_under_a_file_is_one_line_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, err = _cli(["footprints", "toy-cities", "--out", str(blocker / "sub")], capsys)
    assert code == 2 and len(err) == 1
    assert err[0].startswith("mrio-city footprints: error: ") and str(blocker) in err[0]


def test_cli_unexpected_error_is_one_line_exit_1(monkeypatch, capsys):
    from mrio_city.commands.main import build_parser

    def boom(args):
        raise RuntimeError("something internal\nsecond line")

    parser = build_parser()
    monkeypatch.setattr(
        "mrio_city.commands.main.build_parser",
        lambda: _Fixed(parser, boom),
    )
    code, err = _cli(["tables"], capsys)
    assert code == 1 and err == [
        "mrio-city tables: unexpected error: RuntimeError: something internal / second line "
        "(run again with --debug for the traceback)"
    ]
    with pytest.raises(RuntimeError, match="something internal"):
        _cli(["--debug", "tables"], capsys)


class _Fixed:
    """A parser whose parsed command runs ``func``."""

    def __init__(self, parser, func):
        self.parser, self.func = parser, func

    def parse_args(self, argv):
        args = self.parser.parse_args(argv)
        args.func = self.func
        return args

    def print_help(self):
        self.parser.print_help()


def test_cli_errors_raised_below_the_package_are_unexpected():
    from mrio_city.commands.main import error_line

    try:
        np.zeros(2).reshape(3)
    except ValueError as exc:
        code, line = error_line(exc)
    assert code == 1 and line.startswith("unexpected error: ValueError: cannot reshape")
    try:
        registry.load_table("no-such-table-anywhere")
    except MrioCityError as exc:
        assert error_line(exc)[0] == 2


# -- the table cache: a lock per entry, concurrent writers, read-only caches -------------------
MINI = (
    "kind = 'generator'\ndescription = 'd'\n[generator]\nfunction = 'city_mrio'\n"
    "[generator.parameters]\nn_cities = 4\nn_sectors = 3\nseed = 1\n"
)


def test_unwritable_cache_does_not_fail_a_built_table(tmp_path):
    recipe = tmp_path / "mini.toml"
    recipe.write_text(MINI, encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a cache folder that cannot be created (works as root too)
    with pytest.warns(UserWarning, match="table cache .* is not writable; 'mini' was built"):
        t = registry.load_table(recipe, cache_dir=blocker / "cache")
    assert t.n_cities == 4


def test_failed_cache_write_returns_the_built_table(tmp_path, monkeypatch):
    recipe = tmp_path / "mini.toml"
    recipe.write_text(MINI, encoding="utf-8")

    def full_disk(table, final):
        raise OSError(28, "No space left on device", str(final))

    monkeypatch.setattr(registry, "_write_cache", full_disk)
    with pytest.warns(UserWarning, match="could not cache 'mini' in .*No space left on device"):
        t = registry.load_table(recipe, cache_dir=tmp_path / "cache")
    assert t.n_cities == 4


def test_concurrent_builders_of_one_entry_build_once(tmp_path):
    import multiprocessing as mp

    recipe = tmp_path / "mini.toml"
    recipe.write_text(MINI, encoding="utf-8")
    cache = tmp_path / "cache"
    ctx = mp.get_context("fork")
    with ctx.Pool(3) as pool:
        names = pool.starmap(_load_name, [(str(recipe), str(cache))] * 3)
    assert names == ["mini"] * 3
    assert [p.name for p in cache.glob("[!.]*")] == [p.name for p in cache.glob("mini-*")]
    assert len(list(cache.glob("mini-*"))) == 1
    assert not list(cache.glob(".*.tmp")) and not list(cache.glob(".*.old"))


def _load_name(recipe, cache):
    return registry.load_table(recipe, cache_dir=cache).name


def test_killed_build_leftovers_are_cleaned(tmp_path):
    recipe = tmp_path / "mini.toml"
    recipe.write_text(MINI, encoding="utf-8")
    cache = tmp_path / "cache"
    key = recipes.load_recipe(recipe).key[:16]
    stale = cache / f".mini-{key}.abc123.tmp"
    stale.mkdir(parents=True)
    (stale / "arrays.npz").write_bytes(b"half")
    registry.load_table(recipe, cache_dir=cache)
    assert not stale.exists()


def test_atomic_dir_survives_a_concurrent_writer(tmp_path):
    from mrio_city.io.atomic import atomic_dir

    final = tmp_path / "entry"
    with atomic_dir(final) as a:
        (a / "who").write_text("a")
        with atomic_dir(final) as b:  # the second writer finishes first
            (b / "who").write_text("b")
    assert (final / "who").read_text() == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry"]


# -- properties: valid tables round-trip; corruptions are always package errors ---------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PROPERTY = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_SIZES = st.tuples(
    st.integers(1, 3),  # cities
    st.integers(1, 3),  # sectors
    st.integers(1, 2),  # categories
    st.integers(1, 2),  # stressors
    st.integers(0, 2**16),  # seed
    st.booleans(),  # sparse Z
)


def _random(sizes, *, exports=True):
    from mrio_city.testing import random_table

    R, N, K, S, seed, sparse = sizes
    return random_table(
        R, N, seed=seed, n_categories=K, n_stressors=S, sparse=sparse, with_exports=exports
    )


def _dense(a):
    return a.toarray() if hasattr(a, "toarray") else np.asarray(a)


def _same_table(a, b):
    for name in ("cities", "sectors", "categories", "stressors"):
        assert list(getattr(a, name)) == list(getattr(b, name)), name
    for name in ("Z", "Y", "F", "F_Y", "x"):
        assert np.array_equal(_dense(getattr(a, name)), _dense(getattr(b, name))), name


@settings(_PROPERTY, max_examples=5)
@given(sizes=_SIZES)
def test_valid_tables_round_trip_folder_excel_pymrio(tmp_path_factory, sizes):
    from mrio_city.io.excel_table import read_excel_table, write_excel_table
    from mrio_city.io.pymrio_adapter import from_pymrio, to_pymrio

    t = _random(sizes)
    tmp = tmp_path_factory.mktemp("rt")
    _same_table(t, read_table(write_table(t, tmp / "t")))
    _same_table(t, read_excel_table(write_excel_table(t, tmp / "t.xlsx")))
    plain = _random(sizes, exports=False)
    back = from_pymrio(to_pymrio(plain))
    for name in ("Z", "Y", "x"):
        assert np.array_equal(_dense(getattr(plain, name)), _dense(getattr(back, name))), name
    assert np.array_equal(plain.F, back.F[: plain.n_stressors])


def _truncate(folder, rng):
    files = sorted(p for p in folder.iterdir() if p.name != "table.toml")
    p = files[rng.integers(len(files))]
    data = p.read_bytes()
    p.write_bytes(data[: rng.integers(0, max(len(data) - 1, 1))])


def _rewrite(folder, edit):
    _drop_hashes(folder)
    with np.load(folder / "arrays.npz") as data:
        arrays = {k: data[k].copy() for k in data.files}
    edit(arrays)
    np.savez_compressed(folder / "arrays.npz", **arrays)


def _nan(folder, rng):
    def edit(arrays):
        name = ["Y", "x", "F"][rng.integers(3)]
        arrays[name].flat[rng.integers(arrays[name].size)] = np.nan

    _rewrite(folder, edit)


def _shape(folder, rng):
    def edit(arrays):
        name = ["Y", "x", "F", "F_Y"][rng.integers(4)]
        arrays[name] = (
            arrays[name][:-1]
            if rng.integers(2)
            else np.concatenate([arrays[name], arrays[name][:1]])
        )

    _rewrite(folder, edit)


def _label_swap(folder, rng):
    # swapping two lines without updating [files] (a changed file), or with the hashes
    # dropped, duplicating a label (labels must be unique)
    p = folder / ["sectors.csv", "cities.csv", "stressors.csv"][rng.integers(3)]
    lines = p.read_text(encoding="utf-8").splitlines()
    if rng.integers(2) or len(lines) < 3:
        _drop_hashes(folder)
        lines.append(lines[-1])
    else:
        lines[1], lines[2] = lines[2], lines[1]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")


@settings(_PROPERTY, max_examples=24)
@given(
    sizes=_SIZES,
    corruption=st.sampled_from([_truncate, _nan, _shape, _label_swap]),
    seed=st.integers(0, 2**16),
)
def test_random_corruptions_are_package_errors(tmp_path_factory, sizes, corruption, seed):
    t = _random(sizes)
    folder = write_table(t, tmp_path_factory.mktemp("c") / "t")
    corruption(folder, np.random.default_rng(seed))
    try:
        read_table(folder)
    except MrioCityError:
        return
    except Exception as exc:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"{corruption.__name__} raised {type(exc).__name__}: {exc}")
    # a swap of two identical-looking lines may leave a valid table: only then no error
    assert corruption is _label_swap


_JUNK = st.sampled_from(["lots", True, "=A1+1", "", " ", -1e308, "NA", 1])


@settings(_PROPERTY, max_examples=12)
@given(
    sizes=_SIZES,
    sheet=st.sampled_from(["Z", "Y", "F", "cities", "x", "metadata"]),
    row=st.integers(1, 8),
    col=st.integers(1, 8),
    junk=_JUNK,
    drop=st.booleans(),
)
def test_random_workbook_corruptions_are_package_errors(
    tmp_path_factory, sizes, sheet, row, col, junk, drop
):
    import openpyxl

    from mrio_city.io.excel_table import read_excel_table, write_excel_table

    path = write_excel_table(_random(sizes), tmp_path_factory.mktemp("x") / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    if drop:
        del wb[sheet]
    else:
        wb[sheet].cell(row, col).value = junk
    wb.save(path)
    try:
        read_excel_table(path)
    except MrioCityError:
        return
    except Exception as exc:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"{sheet}!{row},{col} = {junk!r} raised {type(exc).__name__}: {exc}")


def test_truncated_workbook_is_a_package_error(tmp_path):
    from mrio_city.io.excel_table import read_excel_table, write_excel_table

    path = write_excel_table(toy_cities(), tmp_path / "t.xlsx")
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(TableFormatError, match=r"workbook .*t.xlsx: not a readable .xlsx file"):
        read_excel_table(path)


def test_cli_run_of_a_scenario_naming_a_hostile_recipe(tmp_path, capsys):
    # the worst case of the issue: `mrio-city run SCENARIO` ran a command of the file's choosing
    src = Path(__file__).resolve().parents[1] / "scenarios" / "super_emitters.toml"
    text = src.read_text(encoding="utf-8").replace(
        'table = "china-309-synthetic"', 'table = "evil.toml"', 1
    )
    assert 'table = "evil.toml"' in text
    (tmp_path / "scenario.toml").write_text(text, encoding="utf-8")
    evil = tmp_path / "evil.toml"
    evil.write_text(
        RECIPE_HEAD + "function = 'mrio_city.commands.main:main'\n[generator.parameters]\n"
        f"argv = ['footprints', 'toy-cities', '--out', '{tmp_path / 'pwned'}']\n",
        encoding="utf-8",
    )
    code, err = _cli(
        ["run", str(tmp_path / "scenario.toml"), "--out", str(tmp_path / "out"), "--quiet"],
        capsys,
    )
    assert code == 2 and len(err) == 1
    assert err[0].startswith(f"mrio-city run: error: recipe {evil.resolve()}: generator.function")
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "out").exists()
    # and a scenario cannot reach a table outside its folder
    (tmp_path / "scenario.toml").write_text(
        text.replace('table = "evil.toml"', 'table = "../../etc"'), encoding="utf-8"
    )
    code, err = _cli(["run", str(tmp_path / "scenario.toml"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "absolute" not in err[0] and "outside" in err[0]


# -- pymrio systems are checked like files --------------------------------------------------
def _z_text(io):
    io.Z = io.Z.astype(object)
    io.Z.iloc[0, 1] = "x"


def _z_nan(io):
    io.Z.iloc[0, 0] = np.nan


def _z_column_dropped(io):
    io.Z = io.Z.iloc[:, :-1]


@pytest.mark.parametrize(
    "corrupt, message",
    [
        pytest.param(
            _z_text,
            "pymrio system: Z must hold numbers only (could not convert string to float: 'x')",
            id="text",
        ),
        pytest.param(
            _z_nan,
            "table 'testmrio': Z has 1 NaN or infinite entry, first at (reg1, food) -> "
            "(reg1, food)",
            id="nan",
        ),
        pytest.param(
            _z_column_dropped,
            "pymrio system: Z columns do not match the labels of Z and Y: missing (reg6, other)",
            id="column-dropped",
        ),
    ],
)
def test_pymrio_systems_are_checked(corrupt, message):
    import copy
    import warnings

    import pymrio

    from mrio_city.io.pymrio_adapter import from_pymrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        io = copy.deepcopy(pymrio.load_test())
    corrupt(io)
    with pytest.raises(MrioCityError) as info:
        from_pymrio(io)
    assert str(info.value) == message
