"""The shared validating reader: one error style for keys, cells and columns (issue 13 item 3)."""

import pytest

from mrio_city.model.errors import TableFormatError
from mrio_city.model.reader import DocumentReader, FieldReader, GridReader, cell_name


@pytest.mark.parametrize("col", [0, 1, 25, 26, 27, 51, 52, 701, 702, 16_383])
def test_cell_name_matches_openpyxl(col):
    from openpyxl.utils import get_column_letter

    assert cell_name(4, col) == f"{get_column_letter(col + 1)}5"


def test_grid_and_document_readers_share_one_style():
    rows = [["city", "x"], ["A", "lots"], [True, 1.0], ["B", " "]]
    grid = GridReader("workbook t.xlsx", "Z", rows, error=TableFormatError)
    assert grid.get(3, 1) is None  # blank text reads as empty
    assert grid.number(3, 1) == 0.0
    assert grid.number(9, 9, empty=-1.0) == -1.0
    with pytest.raises(TableFormatError) as info:
        grid.number(1, 1)
    assert (
        str(info.value)
        == "workbook t.xlsx: sheet 'Z', cell B2: expected a number, got string 'lots'"
    )
    with pytest.raises(TableFormatError) as info:
        grid.label(2, 0)
    assert str(info.value) == (
        "workbook t.xlsx: sheet 'Z', cell A3: expected a text label, got boolean True"
    )
    with pytest.raises(TableFormatError) as info:
        grid.boolean(2, 1)
    assert str(info.value) == (
        "workbook t.xlsx: sheet 'Z', cell B3: expected a TRUE or FALSE cell, got float 1.0"
    )
    doc = DocumentReader("table.toml", {"n": "1"}, "arrays", error=TableFormatError)
    with pytest.raises(TableFormatError) as info:
        doc.number("n")
    assert str(info.value) == "table.toml: arrays.n: expected a number, got string '1'"
    col = FieldReader("cities.csv", error=TableFormatError)
    with pytest.raises(TableFormatError) as info:
        col.number_at("column 'gdp' row 3", "abc")
    assert str(info.value) == "cities.csv: column 'gdp' row 3: expected a number, got string 'abc'"
