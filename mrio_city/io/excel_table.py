"""A documented Excel layout for whole tables (``read_excel_table`` / ``write_excel_table``).

Sheets (specification with an example: ``docs/table-format.md``):

``Z``
    Rows 1-2: column labels, city (row 1) and sector (row 2), from column C.
    Columns A-B: row labels, city (A) and sector (B), from row 3.  ``A2 = 'city'``,
    ``B2 = 'sector'``.  Values from C3 [money].
``Y``
    As Z, but column labels are (city, category): row 1 city, row 2 category.
``F``
    Column labels (city, sector) in rows 1-2 from column C; rows from 3: stressor (A) and its
    unit (B).  ``A2 = 'stressor'``, ``B2 = 'unit'``.
``F_Y`` (optional; zeros when absent)
    As F with (city, category) columns; stressors and units as in F.
``cities``
    Header row ``city`` [, ``population``] [, ``gdp``] [, attribute columns ...]; one row per
    city in the order of Z.
``exports`` (optional)
    Row 1: ``city``, ``sector``, then the export/other column labels; node rows from row 2.
``value_added`` (optional)
    Column labels (city, sector) in rows 1-2 from column B; ``A2 = 'value_added'``; one row
    per value-added item from row 3.
``x`` (optional)
    Row 1: ``city``, ``sector``, ``x``; node rows from row 2.  Gross output, checked against
    the row sums; derived when absent.
``metadata``
    ``key``, ``value`` rows: name, year, currency, money_unit, description, provenance (JSON),
    output_rtol, allow_negative_flows.

Empty cells in value areas read as 0; every other non-number is an error naming the
workbook, the sheet and the cell, in the one style of every reader
(:mod:`mrio_city.model.reader`): ``workbook <path>: sheet 'Z', cell C3: expected ..., got
...``.  Nodes must be city-major (every sector of the first city, then the next city).
Numbers are written with their shortest round-trip representation, so
``read_excel_table(write_excel_table(t))`` reproduces a general table's numbers exactly.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city.io.excel_table_write import write_excel_table
from mrio_city.model.base_table import MAX_OUTPUT_RTOL
from mrio_city.model.errors import TableFormatError, TableValidationError
from mrio_city.model.reader import FieldReader, GridReader, cell_name, found, number_problem
from mrio_city.model.schema import CITY_VALUES
from mrio_city.model.table import MRIOTable

__all__ = ["read_excel_table", "write_excel_table"]


class _Book(FieldReader):
    """The sheets of one workbook, each read through a :class:`GridReader`."""

    def __init__(self, path: Path) -> None:
        from mrio_city.io.xlsx import open_for_reading, unescape_row

        super().__init__(f"workbook {path}", error=TableFormatError)
        self.path = path
        wb = open_for_reading(path)
        try:
            self.sheets = {  # text cells unescaped: labels come back as written
                ws.title: [unescape_row(r) for r in ws.iter_rows(values_only=True)]
                for ws in wb.worksheets
            }
        finally:
            wb.close()
        self._refuse_uncached_formulas()

    def sheet(self, name: str, required: bool = True) -> GridReader | None:
        """The reader of sheet ``name`` (None when absent and not required)."""
        if name not in self.sheets:
            if not required:
                return None
            self.fail_at("", f"sheet {name!r} is missing; have {list(self.sheets)}")
        return GridReader(self.source, name, self.sheets[name], error=self.error)

    def _refuse_uncached_formulas(self) -> None:
        """A formula cell without a cached value would read as empty (0): refuse it."""
        from openpyxl import load_workbook

        try:
            wb = load_workbook(self.path, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises several unrelated types on bad files
            self.fail_at("", f"not a readable .xlsx file ({exc})")
        try:
            for ws in wb.worksheets:
                grid = GridReader(self.source, ws.title, self.sheets.get(ws.title, []))
                for line in ws.iter_rows():
                    for c in line:
                        if getattr(c, "data_type", None) != "f":
                            continue
                        r, k = c.row - 1, c.column - 1
                        if grid.get(r, k) is None:
                            self.fail_at(
                                grid.where(r, k),
                                f"formula {str(c.value)[:40]!r} has no cached value (the "
                                "workbook was not recalculated and saved by a spreadsheet "
                                "program); save it in Excel or LibreOffice, or paste values",
                            )
        finally:
            wb.close()


def _labels(grid: GridReader, cells: Sequence[tuple[int, int]], what: str) -> tuple | None:
    """The label spread over ``cells`` (None when all are empty; a partly empty one fails)."""
    values = [grid.get(r, c) for r, c in cells]
    if all(v is None for v in values):
        return None
    for (r, c), v in zip(cells, values):
        if v is None:
            grid.fail(r, c, f"{what} label is empty")
    return tuple(grid.label_at(grid.where(r, c), v) for (r, c), v in zip(cells, values))


def _column_labels(grid: GridReader, header_rows: int, label_cols: int) -> list[tuple]:
    """Labels of the value columns, from ``label_cols`` to the first empty column."""
    width = max((grid.width(r) for r in range(header_rows)), default=0)
    out: list[tuple] = []
    for c in range(label_cols, width):
        label = _labels(grid, [(r, c) for r in range(header_rows)], "column")
        if label is None:
            break
        out.append(label)
    end = label_cols + len(out)
    for r in range(len(grid.rows)):
        for c in range(end, grid.width(r)):
            if grid.get(r, c) is not None:
                grid.fail(
                    r,
                    c,
                    f"value {grid.rows[r][c]!r} in a column without a label (labels end at "
                    f"{cell_name(header_rows - 1, end - 1)}); label the column or clear the value",
                )
    return out


def _block(
    grid: GridReader, *, header_rows: int, label_cols: int, headers: Sequence[str]
) -> tuple[list[tuple], list[tuple], np.ndarray]:
    """Column labels (tuples), row labels (tuples) and values of a labelled block."""
    for k, text in enumerate(headers):
        grid.expect(header_rows - 1, k, text)
    col_labels = _column_labels(grid, header_rows, label_cols)
    ncol = len(col_labels)
    row_labels: list[tuple] = []
    values: list[list[float]] = []
    for r in range(header_rows, len(grid.rows)):
        label = _labels(grid, [(r, c) for c in range(label_cols)], "row")
        data = range(label_cols, label_cols + ncol)
        if label is None:
            if any(grid.get(r, c) is not None for c in data):
                grid.fail(r, 0, "row has values but no label")
            continue
        row_labels.append(label)
        values.append([grid.number(r, c) for c in data])
    arr = np.array(values, dtype=np.float64).reshape(len(row_labels), ncol)
    return col_labels, row_labels, arr


def _same_labels(
    grid: GridReader, got: list[tuple], want: list[tuple], *, axis: str, start: int, span: int
) -> None:
    """Compare labels to the expected ones; name the first differing cell."""

    def at(k: int) -> tuple[int, int]:
        return (start + k, 0) if axis == "row" else (0, start + k)

    for k, (g, w) in enumerate(zip(got, want)):
        if g != w:
            grid.fail(*at(k), f"{axis} label {g} differs from the expected {w}")
    if len(got) != len(want):
        grid.fail(
            *at(min(len(got), len(want))),
            f"has {len(got)} {axis}s of labels, expected "
            f"{len(want)} ({span}-level labels as on sheet 'Z')",
        )


_NODE = {"header_rows": 2, "label_cols": 2, "headers": ("city", "sector")}
_STRESSOR = {"header_rows": 2, "label_cols": 2, "headers": ("stressor", "unit")}


def _flows(book: _Book) -> dict[str, Any]:
    """Sheets Z, Y, F and F_Y: the flows, their labels and the stressors' units."""
    z = book.sheet("Z")
    zc, zr, Z = _block(z, **_NODE)
    cities = list(dict.fromkeys(n[0] for n in zr))
    sectors = list(dict.fromkeys(n[1] for n in zr))
    _same_labels(z, zr, [(c, s) for c in cities for s in sectors], axis="row", start=2, span=2)
    _same_labels(z, zc, zr, axis="column", start=2, span=2)
    y = book.sheet("Y")
    yc, yr, Y = _block(y, **_NODE)
    _same_labels(y, yr, zr, axis="row", start=2, span=2)
    categories = list(dict.fromkeys(c[1] for c in yc))
    want = [(c, k) for c in cities for k in categories]
    _same_labels(y, yc, want, axis="column", start=2, span=2)
    f = book.sheet("F")
    fc, fr, F = _block(f, **_STRESSOR)
    _same_labels(f, fc, zr, axis="column", start=2, span=2)
    F_Y = None
    fy = book.sheet("F_Y", required=False)
    if fy is not None:
        gc, gr, F_Y = _block(fy, **_STRESSOR)
        _same_labels(fy, gc, yc, axis="column", start=2, span=2)
        _same_labels(fy, gr, fr, axis="row", start=2, span=2)
    return {
        "Z": Z,
        "Y": Y,
        "F": F,
        "F_Y": F_Y,
        "nodes": zr,
        "cities": cities,
        "sectors": sectors,
        "categories": categories,
        "stressors": [r[0] for r in fr],
        "units": {r[0]: r[1] for r in fr},
    }


def _node_extras(book: _Book, nodes: list[tuple]) -> dict[str, Any]:
    """Optional sheets exports, value_added and x (None where absent)."""
    out: dict[str, Any] = dict.fromkeys(
        ("exports", "export_labels", "value_added", "value_added_labels", "x")
    )
    grid = book.sheet("exports", required=False)
    if grid is not None:
        ec, er, out["exports"] = _block(grid, **{**_NODE, "header_rows": 1})
        _same_labels(grid, er, nodes, axis="row", start=1, span=2)
        out["export_labels"] = [c[0] for c in ec]
    grid = book.sheet("value_added", required=False)
    if grid is not None:
        vc, vr, out["value_added"] = _block(
            grid, header_rows=2, label_cols=1, headers=("value_added",)
        )
        _same_labels(grid, vc, nodes, axis="column", start=1, span=2)
        out["value_added_labels"] = [r[0] for r in vr]
    grid = book.sheet("x", required=False)
    if grid is not None:
        xc, xr, xv = _block(grid, **{**_NODE, "header_rows": 1})
        _same_labels(grid, xr, nodes, axis="row", start=1, span=2)
        if xc != [("x",)]:
            grid.fail(0, 2, f"expected the single column 'x', got {xc}")
        out["x"] = xv[:, 0]
    return out


def read_excel_table(path: str | os.PathLike[str], *, sparse: bool = False) -> MRIOTable:
    """Read a table from a workbook in the documented layout (module docstring).

    Parameters
    ----------
    path : str or PathLike
        The ``.xlsx`` workbook.
    sparse : bool, default=False
        Return Z as a scipy.sparse CSR matrix (zeros dropped).

    Returns
    -------
    MRIOTable
        Money in ``metadata.money_unit``; stressors in the units of sheet F, column B.

    Raises
    ------
    TableNotFoundError
        If the workbook does not exist.
    TableFormatError
        If a sheet is missing or a cell is not as documented (names workbook, sheet, cell).
    TableValidationError
        (and subclasses) if the numbers do not form a valid table (names the workbook).
    """
    book = _Book(Path(path))
    flows = _flows(book)
    extras = _node_extras(book, flows.pop("nodes"))
    city = _read_cities(book, flows["cities"])
    meta, options = _read_metadata(book)
    Z, Y, F = flows.pop("Z"), flows.pop("Y"), flows.pop("F")
    try:
        return MRIOTable(
            sp.csr_matrix(Z) if sparse else Z,
            Y,
            F,
            **flows,
            **extras,
            meta=meta,
            **city,
            **options,
        )
    except TableValidationError as exc:
        raise type(exc)(f"workbook {book.path}: {exc}") from exc


def _read_cities(book: _Book, cities: list[str]) -> dict[str, Any]:
    grid = book.sheet("cities")
    grid.expect(0, 0, "city")
    header = [grid.get(0, c) for c in range(grid.width(0))]
    while header and header[-1] is None:
        header.pop()
    for c, h in enumerate(header):
        if h is None:
            grid.fail(0, c, "column header is empty")
    body = [r for r in range(1, len(grid.rows)) if any(v is not None for v in grid.rows[r])]
    got = [(str(grid.get(r, 0)),) for r in body]
    _same_labels(grid, got, [(c,) for c in cities], axis="row", start=1, span=1)
    out: dict[str, Any] = {**dict.fromkeys(CITY_VALUES), "city_attributes": None}
    attrs: dict[str, Any] = {}
    for c, h in enumerate(header[1:], start=1):
        if h in CITY_VALUES:
            out[h] = np.array([grid.number(r, c, empty=math.nan) for r in body])
        else:
            column = [grid.get(r, c) for r in body]
            attrs[str(h)] = pd.Series(column, dtype=object).infer_objects()
    if attrs:
        out["city_attributes"] = pd.DataFrame(attrs).set_axis(pd.Index(cities, name="city"))
    return out


def _read_metadata(book: _Book) -> tuple[dict[str, Any], dict[str, Any]]:
    grid = book.sheet("metadata")
    grid.expect(0, 0, "key")
    values: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for r in range(1, len(grid.rows)):
        key = grid.get(r, 0)
        if key:
            values[str(key)], rows[str(key)] = grid.get(r, 1), r
    meta: dict[str, Any] = {}
    for key in ("name", "currency", "money_unit", "description"):
        if values.get(key) is not None:
            meta[key] = str(values[key])
    year = values.get("year")
    if year is not None:
        if isinstance(year, bool) or not isinstance(year, int | float) or year != int(year):
            grid.fail(rows["year"], 1, f"key 'year': expected a whole year, got {found(year)}")
        meta["year"] = int(year)
    if values.get("provenance") is not None:
        try:
            meta["provenance"] = json.loads(values["provenance"])
        except (TypeError, json.JSONDecodeError) as exc:
            grid.fail(rows["provenance"], 1, f"key 'provenance' is not JSON ({exc})")
    options: dict[str, Any] = {}
    rtol = values.get("output_rtol")
    if rtol is not None:
        if isinstance(rtol, str):  # written as text by mrio-city 0.1.0
            try:
                rtol = float(rtol)
            except ValueError:
                pass
        problem = number_problem(rtol, low=0, high=MAX_OUTPUT_RTOL)
        if problem:
            grid.fail(rows["output_rtol"], 1, f"key 'output_rtol': {problem}")
        options["output_rtol"] = float(rtol)
    if values.get("allow_negative_flows") is not None:
        options["allow_negative_flows"] = grid.boolean(rows["allow_negative_flows"], 1)
    return meta, options
