"""Excel table layout: exact round trip and errors naming workbook, sheet and cell."""

import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest
import scipy.sparse as sp
from io_tables import LABEL_FIELDS, make_general, make_structured

from mrio_city import (
    MRIOTable,
    NegativeValueError,
    TableFormatError,
    TableNotFoundError,
    ZeroOutputWarning,
)
from mrio_city.io.excel_table import read_excel_table, write_excel_table


def _read(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroOutputWarning)
        return read_excel_table(path, **kw)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_excel_table_round_trip_is_exact(tmp_path, sparse):
    t = make_general(sparse=sparse)
    path = write_excel_table(t, tmp_path / "t.xlsx")
    back = _read(path, sparse=sparse)
    assert isinstance(back, MRIOTable) and sp.issparse(back.Z) == sparse
    Z = t.Z.toarray() if sparse else t.Z
    np.testing.assert_array_equal(back.Z.toarray() if sparse else back.Z, Z, strict=True)
    for name in ("Y", "F", "F_Y", "x", "exports", "value_added", "population", "gdp"):
        np.testing.assert_array_equal(getattr(back, name), getattr(t, name), strict=True)
    for name in LABEL_FIELDS:
        assert list(getattr(back, name)) == list(getattr(t, name))
    assert back.units == t.units
    assert back.meta == t.meta
    pd.testing.assert_frame_equal(back.city_attributes, t.city_attributes, check_exact=True)


def test_excel_table_layout(tmp_path):
    path = write_excel_table(make_general(), tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        "Z",
        "Y",
        "F",
        "F_Y",
        "cities",
        "exports",
        "value_added",
        "x",
        "metadata",
    ]
    z = wb["Z"]
    assert (z["A2"].value, z["B2"].value, z["C1"].value, z["C2"].value) == (
        "city",
        "sector",
        "Shenzhen",
        "Electricity",
    )
    assert (z["A3"].value, z["B3"].value) == ("Shenzhen", "Electricity")
    assert z.freeze_panes == "C3"
    f = wb["F"]
    assert (f["A2"].value, f["B2"].value, f["A3"].value, f["B3"].value) == (
        "stressor",
        "unit",
        "CO2",
        "t CO2",
    )
    assert [c.value for c in wb["cities"][1]] == [
        "city",
        "population",
        "gdp",
        "province",
        "longitude",
        "latitude",
        "secondary_share",
    ]
    assert [c.value for c in wb["exports"][1]] == ["city", "sector", "exports", "other"]


def test_structured_table_is_written_as_general(tmp_path):
    s = make_structured()
    back = _read(write_excel_table(s, tmp_path / "s.xlsx"))
    np.testing.assert_array_equal(back.Z, s.intermediate_flows("dense"))
    np.testing.assert_array_equal(back.Y, s.final_demand_columns())
    np.testing.assert_array_equal(back.x, s.x)


def _edit(path, sheet, cell, value):
    wb = openpyxl.load_workbook(path)
    if cell is None:
        del wb[sheet]
    else:
        wb[sheet][cell] = value
    wb.save(path)


@pytest.mark.parametrize(
    "sheet,cell,value,message",
    [
        ("Z", "D5", "lots", r"sheet 'Z', cell D5: expected a number, got string 'lots'"),
        ("Z", "A2", "region", r"sheet 'Z', cell A2: expected the header 'city', got 'region'"),
        ("Y", "A4", "Dongguan", r"sheet 'Y', cell A4: row label \('Dongguan', 'Metals'\)"),
        ("F", "E1", "Huizhou", r"sheet 'F', cell E1: column label \('Huizhou', 'Services'\)"),
        ("Z", None, None, r"sheet 'Z' is missing"),
        ("cities", "A3", "Guangzhou", r"sheet 'cities', cell A3: row label \('Guangzhou',\)"),
        (
            "metadata",
            "B5",
            "last year",
            r"sheet 'metadata', cell B5: key 'year': expected a whole year, got string 'last year'",
        ),
        ("Z", "B3", None, r"sheet 'Z', cell B3: row label is empty"),
    ],
)
def test_excel_table_errors_name_sheet_and_cell(tmp_path, sheet, cell, value, message):
    path = write_excel_table(make_general(), tmp_path / "t.xlsx")
    _edit(path, sheet, cell, value)
    with pytest.raises(TableFormatError, match=r"workbook .*t\.xlsx.*" + message):
        _read(path)


def test_excel_table_empty_cells_are_zero_and_values_are_validated(tmp_path):
    path = write_excel_table(make_general(), tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    old = wb["exports"]["C3"].value
    wb["exports"]["C3"] = None
    del wb["x"]
    wb.save(path)
    t = _read(path)
    assert t.exports[1, 0] == 0.0 and old != 0
    _edit(path, "Z", "D4", -5.0)
    with pytest.raises(
        NegativeValueError,
        match=r"workbook .*t\.xlsx: table 'pearl-delta-test': Z "
        r"has 1 negative entry, first at \(Shenzhen, Metals\) -> \(Shenzhen, Metals\)",
    ):
        _read(path)


def test_excel_table_missing_file(tmp_path):
    with pytest.raises(TableNotFoundError, match="workbook .*nope.xlsx does not exist"):
        read_excel_table(tmp_path / "nope.xlsx")
    (tmp_path / "bad.xlsx").write_text("not a workbook")
    with pytest.raises(TableFormatError, match="bad.xlsx: not a readable .xlsx file"):
        read_excel_table(tmp_path / "bad.xlsx")
