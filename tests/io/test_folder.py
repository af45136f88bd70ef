"""The table folder format: exact round trips and errors naming file and field."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from io_tables import LABEL_FIELDS, make_general, make_structured

from mrio_city import (
    MRIOTable,
    NegativeValueError,
    StructuredMRIOTable,
    TableFormatError,
    TableNotFoundError,
    ZeroOutputWarning,
)
from mrio_city.io.folder import read_table, write_table
from mrio_city.model.fingerprint import table_hash


def _same(a, b):
    """Bit-identical arrays (dense or sparse, same sparse format)."""
    if sp.issparse(a):
        assert sp.issparse(b) and a.format == b.format and type(a) is type(b)
        a, b = a.tocsr(), b.tocsr()
        for part in ("data", "indices", "indptr"):
            np.testing.assert_array_equal(getattr(a, part), getattr(b, part), strict=True)
        return
    assert not sp.issparse(b)
    np.testing.assert_array_equal(a, b, strict=True)


def assert_tables_identical(a, b):
    assert type(a) is type(b)
    for name in LABEL_FIELDS:
        assert getattr(a, name).equals(getattr(b, name)), name
        assert list(getattr(a, name)) == list(getattr(b, name))
    assert a.units == b.units
    assert a.meta == b.meta
    for name in ("x", "F", "F_Y", "exports", "value_added"):
        _same(getattr(a, name), getattr(b, name))
    for name in ("population", "gdp"):
        va, vb = getattr(a, name), getattr(b, name)
        assert (va is None) == (vb is None)
        if va is not None:
            _same(va, vb)
    if a.city_attributes is None:
        assert b.city_attributes is None
    else:
        pd.testing.assert_frame_equal(a.city_attributes, b.city_attributes, check_exact=True)
    if a.structured:
        for name in ("trade_shares", "final_trade_shares"):
            sa, sb = getattr(a, name), getattr(b, name)
            if isinstance(sa, np.ndarray):
                _same(sa, sb)
            else:
                assert len(sa) == len(sb)
                for ma, mb in zip(sa, sb):
                    _same(ma, mb)
        assert (a.final_trade_shares is a.trade_shares) == (b.final_trade_shares is b.trade_shares)
        _same(a.technology, b.technology)
        _same(a.final_demand, b.final_demand)
    else:
        _same(a.Z, b.Z)
        _same(a.Y, b.Y)
    assert table_hash(a) == table_hash(b)


def _read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroOutputWarning)
        return read_table(path)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_general_round_trip_is_exact(tmp_path, sparse):
    t = make_general(sparse=sparse)
    assert (t.Y < 0).any() and (t.value_added < 0).any() and (t.x == 0).any()
    write_table(t, tmp_path / "t")
    back = _read(tmp_path / "t")
    assert_tables_identical(t, back)
    assert isinstance(back, MRIOTable)
    assert sp.issparse(back.Z) == sparse
    if sparse:
        assert back.Z.nnz == t.Z.nnz


def test_sparse_z_is_never_densified(tmp_path, monkeypatch):
    t = make_general(sparse=True)

    def boom(*args, **kwargs):
        raise AssertionError("Z was densified")

    monkeypatch.setattr(sp.csr_matrix, "toarray", boom)
    monkeypatch.setattr(sp.csr_matrix, "todense", boom)
    write_table(t, tmp_path / "t")
    assert sp.issparse(_read(tmp_path / "t").Z)


@pytest.mark.parametrize(
    "sparse_shares,separate_final",
    [(False, False), (True, False), (False, True), (True, True)],
    ids=["dense", "sparse", "dense-final", "sparse-final"],
)
def test_structured_round_trip_is_exact(tmp_path, sparse_shares, separate_final):
    t = make_structured(sparse_shares=sparse_shares, separate_final=separate_final)
    write_table(t, tmp_path / "s")
    files = sorted(p.name for p in (tmp_path / "s").iterdir())
    assert ("final_trade_shares.npz" in files) == separate_final
    assert "Z.npz" not in files
    back = read_table(tmp_path / "s")
    assert isinstance(back, StructuredMRIOTable)
    assert back.shares_are_sparse == sparse_shares
    assert_tables_identical(t, back)


def test_round_trip_of_odd_labels_and_metadata(tmp_path):
    t = make_general()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroOutputWarning)
        t = t.replace(
            cities=["NA", "001", "São Paulo, SP"],
            stressors=["CO2 (fossil)", "N/A"],
            units={"CO2 (fossil)": "t CO2", "N/A": ""},
            city_attributes=t.city_attributes.set_axis(["NA", "001", "São Paulo, SP"]),
            meta={"name": "odd", "year": None, "provenance": {"inputs": None, "k": (1, 2)}},
        )
    write_table(t, tmp_path / "o")
    back = _read(tmp_path / "o")
    assert list(back.cities) == ["NA", "001", "São Paulo, SP"]
    assert back.units == {"CO2 (fossil)": "t CO2", "N/A": ""}
    assert back.meta.year is None
    assert back.meta.provenance == {"inputs": None, "k": [1, 2]}  # tuples come back as lists
    assert table_hash(back) == table_hash(t)
    pd.testing.assert_frame_equal(back.city_attributes, t.city_attributes, check_exact=True)


def test_negative_flows_round_trip(tmp_path):
    t = make_general()
    Z = t.Z.copy()
    Z[0, 1] = -0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroOutputWarning)
        t2 = t.replace(Z=Z, allow_negative_flows=True)
    write_table(t2, tmp_path / "n")
    assert_tables_identical(t2, _read(tmp_path / "n"))


def test_overwrite_rules(tmp_path):
    t = make_general()
    write_table(t, tmp_path / "t")
    with pytest.raises(FileExistsError, match="exists; pass overwrite=True"):
        write_table(t, tmp_path / "t")
    s = make_structured()
    write_table(s, tmp_path / "t", overwrite=True)
    assert isinstance(read_table(tmp_path / "t"), StructuredMRIOTable)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]


def test_missing_folder(tmp_path):
    with pytest.raises(TableNotFoundError, match="table folder .*nope does not exist"):
        read_table(tmp_path / "nope")


def _written(tmp_path):
    write_table(make_general(), tmp_path / "t")
    return tmp_path / "t"


def _edit_toml(folder, old, new):
    p = folder / "table.toml"
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))


def test_error_missing_toml(tmp_path):
    folder = _written(tmp_path)
    (folder / "table.toml").unlink()
    with pytest.raises(TableFormatError, match="table.toml: file is missing"):
        read_table(folder)


def test_error_bad_toml(tmp_path):
    folder = _written(tmp_path)
    (folder / "table.toml").write_text("name = [")
    with pytest.raises(TableFormatError, match="table.toml: not valid TOML"):
        read_table(folder)


@pytest.mark.parametrize(
    "old,new,message",
    [
        ('kind = "general"', 'kind = "dense"', "key 'kind' must be 'general' or 'structured'"),
        ("format_version = 1", "format_version = 99", "'format_version' = 99 is not supported"),
        ('format = "mrio-city-table"', 'format = "x"', "key 'format' must be"),
        ('storage = "dense"', 'storage = "packed"', r"\[matrices.Z\] storage must be"),
    ],
)
def test_error_bad_toml_keys(tmp_path, old, new, message):
    folder = _written(tmp_path)
    _edit_toml(folder, old, new)
    with pytest.raises(TableFormatError, match=message):
        read_table(folder)


def test_error_changed_file(tmp_path):
    folder = _written(tmp_path)
    (folder / "sectors.csv").write_text("sector\nA\nB\nC\n")
    with pytest.raises(TableFormatError, match=r"sectors.csv: sha256 .* differs"):
        read_table(folder)


def test_error_missing_file(tmp_path):
    folder = _written(tmp_path)
    (folder / "Z.npz").unlink()
    with pytest.raises(TableFormatError, match="Z.npz: file listed in table.toml is missing"):
        read_table(folder)


def _drop_hashes(folder):
    p = folder / "table.toml"
    text = p.read_text()
    p.write_text(text[: text.index("[files]")] + "[files]\n")


def test_error_missing_column(tmp_path):
    folder = _written(tmp_path)
    _drop_hashes(folder)
    (folder / "stressors.csv").write_text("stressor,units\nCO2,t\nCH4,kg\n")
    with pytest.raises(TableFormatError, match=r"stressors.csv: column\(s\) \['unit'\] missing"):
        read_table(folder)


def test_error_not_a_number(tmp_path):
    folder = _written(tmp_path)
    _drop_hashes(folder)
    p = folder / "cities.csv"
    lines = p.read_text().splitlines()
    lines[2] = lines[2].replace(lines[2].split(",")[1], "many", 1)
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        TableFormatError,
        match="cities.csv: column 'population' row 3: expected a number, got 'many'",
    ):
        read_table(folder)


def test_error_missing_array(tmp_path):
    folder = _written(tmp_path)
    _drop_hashes(folder)
    np.savez_compressed(folder / "arrays.npz", Y=np.zeros((9, 6)))
    with pytest.raises(TableFormatError, match=r"arrays.npz: array 'x' is missing; have \['Y'\]"):
        read_table(folder)


def test_error_invalid_values_name_the_folder(tmp_path):
    folder = _written(tmp_path)
    _drop_hashes(folder)
    with np.load(folder / "arrays.npz") as data:
        arrays = {k: data[k] for k in data.files}
    arrays["x"] = arrays["x"].copy()
    arrays["x"][0] = -1.0
    np.savez_compressed(folder / "arrays.npz", **arrays)
    with pytest.raises(NegativeValueError, match=r"table folder .*/t: table 'pearl-delta-test'"):
        _read(folder)
