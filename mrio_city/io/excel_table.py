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
workbook, the sheet and the cell.  Nodes must be city-major (every sector of the first city,
then the next city).  Numbers are written with their shortest round-trip representation, so
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

from mrio_city.model.errors import TableFormatError, TableValidationError
from mrio_city.model.reader import boolean_problem, found, number_problem
from mrio_city.model.table import MAX_OUTPUT_RTOL, BaseTable, MRIOTable

__all__ = ["read_excel_table", "write_excel_table"]

_MAX_COLS = 16_384


def _cell(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col + 1)}{row + 1}"


class _Book:
    """Rows of each sheet of one workbook, with errors naming workbook, sheet and cell."""

    def __init__(self, path: Path) -> None:
        from mrio_city.io.xlsx import open_for_reading as _open_for_reading
        from mrio_city.io.xlsx import unescape_row as text_row_back

        self.path = path
        wb = _open_for_reading(path)
        try:
            self.sheets = {  # text cells unescaped: labels come back as written
                ws.title: [text_row_back(r) for r in ws.iter_rows(values_only=True)]
                for ws in wb.worksheets
            }
        finally:
            wb.close()
        self._refuse_uncached_formulas()

    def _refuse_uncached_formulas(self) -> None:
        """A formula cell without a cached value would read as empty (0): refuse it."""
        from openpyxl import load_workbook

        try:
            wb = load_workbook(self.path, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises several unrelated types on bad files
            raise TableFormatError(
                f"workbook {self.path}: not a readable .xlsx file ({exc})"
            ) from None
        try:
            for ws in wb.worksheets:
                rows = self.sheets.get(ws.title, [])
                for line in ws.iter_rows():
                    for c in line:
                        if getattr(c, "data_type", None) != "f":
                            continue
                        r, k = c.row - 1, c.column - 1
                        if self.get(rows, r, k) is None:
                            raise self.fail(
                                ws.title,
                                _cell(r, k),
                                f"formula {str(c.value)[:40]!r} has no cached value (the "
                                "workbook was not recalculated and saved by a spreadsheet "
                                "program); save it in Excel or LibreOffice, or paste values",
                            )
        finally:
            wb.close()

    def fail(self, sheet: str, where: str, what: str) -> TableFormatError:
        loc = f", cell {where}" if where else ""
        return TableFormatError(f"workbook {self.path}, sheet {sheet!r}{loc}: {what}")

    def rows(self, sheet: str, required: bool = True) -> list[list[Any]] | None:
        if sheet not in self.sheets:
            if not required:
                return None
            raise TableFormatError(
                f"workbook {self.path}: sheet {sheet!r} is missing; have {list(self.sheets)}"
            )
        return self.sheets[sheet]

    @staticmethod
    def get(rows: list[list[Any]], r: int, c: int) -> Any:
        if r < len(rows) and c < len(rows[r]):
            value = rows[r][c]
            if isinstance(value, str) and not value.strip():
                return None
            return value
        return None

    def expect(self, sheet: str, rows, r: int, c: int, text: str) -> None:
        got = self.get(rows, r, c)
        if got != text:
            raise self.fail(sheet, _cell(r, c), f"expected the header {text!r}, got {got!r}")

    def label(self, sheet: str, value: Any, r: int, c: int) -> str:
        """A label cell as text; a boolean is refused (TRUE is not a label)."""
        if isinstance(value, bool):
            raise self.fail(sheet, _cell(r, c), f"expected a text label, got {found(value)}")
        return str(value)

    def boolean(self, sheet: str, value: Any, where: str) -> bool:
        """A TRUE/FALSE cell; text such as 'no' or 'false' is refused."""
        problem = boolean_problem(value, words="a TRUE or FALSE cell")
        if problem:
            raise self.fail(sheet, where, problem)
        return value

    def number(self, sheet: str, value: Any, r: int, c: int) -> float:
        """A number cell (empty reads as 0); text and TRUE/FALSE are refused."""
        if value is None:
            return 0.0
        problem = number_problem(value)
        if problem:
            raise self.fail(sheet, _cell(r, c), problem)
        return float(value)

    def matrix(
        self, sheet: str, rows, *, header_rows: int, label_cols: int, headers: Sequence[str]
    ) -> tuple[list[tuple], list[tuple], np.ndarray]:
        """Column labels (tuples), row labels (tuples) and values of a labelled block."""
        for k, text in enumerate(headers):
            self.expect(sheet, rows, header_rows - 1, k, text)
        width = max((len(r) for r in rows[:header_rows]), default=0)
        col_labels: list[tuple] = []
        for c in range(label_cols, width):
            label = tuple(self.get(rows, r, c) for r in range(header_rows))
            if all(v is None for v in label):
                break
            for r, v in enumerate(label):
                if v is None:
                    raise self.fail(sheet, _cell(r, c), "column label is empty")
            col_labels.append(tuple(self.label(sheet, v, r, c) for r, v in enumerate(label)))
        end = label_cols + len(col_labels)
        for r in range(len(rows)):
            for c in range(end, len(rows[r])):
                if self.get(rows, r, c) is not None:
                    raise self.fail(
                        sheet,
                        _cell(r, c),
                        f"value {rows[r][c]!r} in a column without a label (labels end at "
                        f"{_cell(header_rows - 1, end - 1)}); label the column or clear the "
                        "value",
                    )
        row_labels: list[tuple] = []
        values: list[list[float]] = []
        ncol = len(col_labels)
        for r in range(header_rows, len(rows)):
            label = tuple(self.get(rows, r, c) for c in range(label_cols))
            data = rows[r][label_cols : label_cols + ncol] if r < len(rows) else []
            if all(v is None for v in label):
                if any(v is not None for v in data):
                    raise self.fail(sheet, _cell(r, 0), "row has values but no label")
                continue
            for c, v in enumerate(label):
                if v is None:
                    raise self.fail(sheet, _cell(r, c), "row label is empty")
            row_labels.append(tuple(self.label(sheet, v, r, c) for c, v in enumerate(label)))
            line = [self.number(sheet, v, r, label_cols + k) for k, v in enumerate(data)]
            line += [0.0] * (ncol - len(line))
            values.append(line)
        arr = np.array(values, dtype=np.float64).reshape(len(row_labels), ncol)
        return col_labels, row_labels, arr

    def same_labels(
        self, sheet: str, got: list[tuple], want: list[tuple], *, axis: str, start: int, span: int
    ) -> None:
        """Compare labels to the expected ones; name the first differing cell."""
        for k, (g, w) in enumerate(zip(got, want)):
            if g != w:
                where = _cell(start + k, 0) if axis == "row" else _cell(0, start + k)
                raise self.fail(sheet, where, f"{axis} label {g} differs from the expected {w}")
        if len(got) != len(want):
            k = min(len(got), len(want))
            where = _cell(start + k, 0) if axis == "row" else _cell(0, start + k)
            raise self.fail(
                sheet,
                where,
                f"has {len(got)} {axis}s of labels, expected "
                f"{len(want)} ({span}-level labels as on sheet 'Z')",
            )


def _split_nodes(book: _Book, sheet: str, nodes: list[tuple], start: int):
    cities = list(dict.fromkeys(n[0] for n in nodes))
    sectors = list(dict.fromkeys(n[1] for n in nodes))
    expected = [(c, s) for c in cities for s in sectors]
    book.same_labels(sheet, nodes, expected, axis="row", start=start, span=2)
    return cities, sectors


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
    rows = book.rows("Z")
    zc, zr, Z = book.matrix("Z", rows, header_rows=2, label_cols=2, headers=("city", "sector"))
    cities, sectors = _split_nodes(book, "Z", zr, 2)
    book.same_labels("Z", zc, zr, axis="column", start=2, span=2)
    rows = book.rows("Y")
    yc, yr, Y = book.matrix("Y", rows, header_rows=2, label_cols=2, headers=("city", "sector"))
    book.same_labels("Y", yr, zr, axis="row", start=2, span=2)
    categories = list(dict.fromkeys(c[1] for c in yc))
    book.same_labels(
        "Y", yc, [(c, k) for c in cities for k in categories], axis="column", start=2, span=2
    )
    rows = book.rows("F")
    fc, fr, F = book.matrix("F", rows, header_rows=2, label_cols=2, headers=("stressor", "unit"))
    book.same_labels("F", fc, zr, axis="column", start=2, span=2)
    stressors = [r[0] for r in fr]
    units = {r[0]: r[1] for r in fr}
    F_Y = None
    rows = book.rows("F_Y", required=False)
    if rows is not None:
        gc, gr, F_Y = book.matrix(
            "F_Y", rows, header_rows=2, label_cols=2, headers=("stressor", "unit")
        )
        book.same_labels("F_Y", gc, yc, axis="column", start=2, span=2)
        book.same_labels("F_Y", gr, fr, axis="row", start=2, span=2)
    exports = export_labels = None
    rows = book.rows("exports", required=False)
    if rows is not None:
        ec, er, exports = book.matrix(
            "exports", rows, header_rows=1, label_cols=2, headers=("city", "sector")
        )
        book.same_labels("exports", er, zr, axis="row", start=1, span=2)
        export_labels = [c[0] for c in ec]
    value_added = va_labels = None
    rows = book.rows("value_added", required=False)
    if rows is not None:
        vc, vr, value_added = book.matrix(
            "value_added", rows, header_rows=2, label_cols=1, headers=("value_added",)
        )
        book.same_labels("value_added", vc, zr, axis="column", start=1, span=2)
        va_labels = [r[0] for r in vr]
    x = None
    rows = book.rows("x", required=False)
    if rows is not None:
        xc, xr, xv = book.matrix("x", rows, header_rows=1, label_cols=2, headers=("city", "sector"))
        book.same_labels("x", xr, zr, axis="row", start=1, span=2)
        if xc != [("x",)]:
            raise book.fail("x", "C1", f"expected the single column 'x', got {xc}")
        x = xv[:, 0]
    city = _read_cities(book, cities)
    meta, options = _read_metadata(book)
    Zm = sp.csr_matrix(Z) if sparse else Z
    try:
        return MRIOTable(
            Zm,
            Y,
            F,
            cities=cities,
            sectors=sectors,
            categories=categories,
            stressors=stressors,
            units=units,
            F_Y=F_Y,
            exports=exports,
            export_labels=export_labels,
            value_added=value_added,
            value_added_labels=va_labels,
            x=x,
            meta=meta,
            **city,
            **options,
        )
    except TableValidationError as exc:
        raise type(exc)(f"workbook {book.path}: {exc}") from exc


def _read_cities(book: _Book, cities: list[str]) -> dict[str, Any]:
    rows = book.rows("cities")
    book.expect("cities", rows, 0, 0, "city")
    header = [book.get(rows, 0, c) for c in range(len(rows[0]) if rows else 0)]
    while header and header[-1] is None:
        header.pop()
    for c, h in enumerate(header):
        if h is None:
            raise book.fail("cities", _cell(0, c), "column header is empty")
    body = [r for r in rows[1:] if any(v is not None for v in r)]
    got = [(str(book.get([r], 0, 0)),) for r in body]
    book.same_labels("cities", got, [(c,) for c in cities], axis="row", start=1, span=1)
    out: dict[str, Any] = {"population": None, "gdp": None, "city_attributes": None}
    attrs: dict[str, Any] = {}
    for c, h in enumerate(header[1:], start=1):
        column = [book.get([r], 0, c) for r in body]
        if h in ("population", "gdp"):
            out[h] = np.array(
                [
                    book.number("cities", v, k + 1, c) if v is not None else math.nan
                    for k, v in enumerate(column)
                ]
            )
        else:
            attrs[str(h)] = pd.Series(column, dtype=object).infer_objects()
    if attrs:
        out["city_attributes"] = pd.DataFrame(attrs).set_axis(pd.Index(cities, name="city"))
    return out


def _read_metadata(book: _Book) -> tuple[dict[str, Any], dict[str, Any]]:
    rows = book.rows("metadata")
    book.expect("metadata", rows, 0, 0, "key")
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    for k, r in enumerate(rows[1:], start=1):
        if r and r[0]:
            values[str(r[0])] = r[1] if len(r) > 1 else None
            cells[str(r[0])] = _cell(k, 1)
    meta: dict[str, Any] = {}
    for key in ("name", "currency", "money_unit", "description"):
        if values.get(key) is not None:
            meta[key] = str(values[key])
    year = values.get("year")
    if year is not None:
        if isinstance(year, bool) or not isinstance(year, int | float) or year != int(year):
            raise book.fail(
                "metadata", cells["year"], f"key 'year': expected a whole year, got {found(year)}"
            )
        meta["year"] = int(year)
    if values.get("provenance") is not None:
        try:
            meta["provenance"] = json.loads(values["provenance"])
        except (TypeError, json.JSONDecodeError) as exc:
            raise book.fail(
                "metadata", cells["provenance"], f"key 'provenance' is not JSON ({exc})"
            ) from exc
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
            raise book.fail("metadata", cells["output_rtol"], f"key 'output_rtol': {problem}")
        options["output_rtol"] = float(rtol)
    if values.get("allow_negative_flows") is not None:
        options["allow_negative_flows"] = book.boolean(
            "metadata", values["allow_negative_flows"], cells["allow_negative_flows"]
        )
    return meta, options


def _matrix_rows(
    ws, col_labels, row_labels, values, header_names, *, label_cols: int, bold
) -> None:
    """Append a labelled block: ``len(col_labels[0])`` header rows, then labelled rows."""
    from openpyxl.cell import WriteOnlyCell

    from mrio_city.io.xlsx import escape_cell_text, text_row
    from mrio_city.io.xlsx import number_cell as _number_cell

    levels = len(col_labels[0]) if col_labels else 1
    ws.freeze_panes = _cell(levels, label_cols)  # write-only sheets: before the first row
    for level in range(levels):
        line = []
        for k in range(label_cols):
            text = header_names[k] if level == levels - 1 else None
            c = WriteOnlyCell(ws, value=text)
            c.font = bold
            line.append(c)
        for label in col_labels:
            c = WriteOnlyCell(ws, value=escape_cell_text(str(label[level])))
            c.font = bold
            line.append(c)
        ws.append(line)
    for label, row in zip(row_labels, values):
        ws.append([*text_row(label), *(_number_cell(ws, float(v), "General") for v in row)])


def _fill_table_workbook(wb, table: BaseTable, bold) -> None:
    from mrio_city.io.folder import _output_rtol
    from mrio_city.io.xlsx import cell_value as _scalar
    from mrio_city.io.xlsx import number_cell as _number_cell
    from mrio_city.io.xlsx import text_row

    nodes = [(str(c), str(s)) for c, s in table.nodes]
    fd = [(str(c), str(k)) for c, k in table.final_demand_labels]
    stressor_rows = [(s, table.units[s]) for s in table.stressors]
    node_hdr = ("city", "sector")
    Y = table.final_demand_columns() if table.structured else table.Y
    blocks = [
        ("Z", nodes, nodes, table.intermediate_flows("dense"), node_hdr, 2),
        ("Y", fd, nodes, Y, node_hdr, 2),
        ("F", nodes, stressor_rows, table.F, ("stressor", "unit"), 2),
        ("F_Y", fd, stressor_rows, table.F_Y, ("stressor", "unit"), 2),
    ]
    for title, cols, rows, values, hdr, label_cols in blocks:
        _matrix_rows(
            wb.create_sheet(title), cols, rows, values, hdr, label_cols=label_cols, bold=bold
        )
    ws = wb.create_sheet("cities")
    header = ["city"]
    columns: list[Sequence[Any]] = [list(table.cities)]
    for name in ("population", "gdp"):
        if getattr(table, name) is not None:
            header.append(name)
            columns.append(getattr(table, name))
    if table.city_attributes is not None:
        for col in table.city_attributes.columns:
            if str(col) in ("city", "population", "gdp"):
                raise TableFormatError(
                    f"table {table.name!r}: city_attributes column {col!r} clashes with the "
                    "column of the same name on sheet 'cities'; rename it"
                )
            header.append(str(col))
            columns.append(table.city_attributes[col].tolist())
    ws.append(text_row(header))
    for k in range(table.n_cities):
        line = []
        for col in columns:
            v = _scalar(col[k])
            line.append(_number_cell(ws, v, "General") if isinstance(v, float) else v)
        ws.append(line)
    if len(table.export_labels):
        _matrix_rows(
            wb.create_sheet("exports"),
            [(str(e),) for e in table.export_labels],
            nodes,
            table.exports,
            node_hdr,
            label_cols=2,
            bold=bold,
        )
    if len(table.value_added_labels):
        _matrix_rows(
            wb.create_sheet("value_added"),
            nodes,
            [(str(v),) for v in table.value_added_labels],
            table.value_added,
            ("value_added",),
            label_cols=1,
            bold=bold,
        )
    _matrix_rows(
        wb.create_sheet("x"), [("x",)], nodes, table.x[:, None], node_hdr, label_cols=2, bold=bold
    )
    ws = wb.create_sheet("metadata")
    ws.append(["key", "value"])
    meta = table.meta
    negative = not table.structured and (
        (table.Z.data if sp.issparse(table.Z) else table.Z).min(initial=0.0) < 0
    )
    for key, value in (
        ("format", "mrio-city-excel-table"),
        ("format_version", 1),
        ("name", meta.name),
        ("year", meta.year),
        ("currency", meta.currency),
        ("money_unit", meta.money_unit),
        ("description", meta.description),
        ("provenance", json.dumps(dict(meta.provenance), ensure_ascii=False, default=str)),
        ("output_rtol", _output_rtol(table)),
        ("allow_negative_flows", bool(negative)),
    ):
        ws.append(text_row([key, value]))


def write_excel_table(table: BaseTable, path: str | os.PathLike[str]) -> Path:
    """Write a table to a workbook in the documented layout (atomically).

    A structured table is materialized as a general one (dense Z; EfficiencyWarning above
    5000 nodes); a sparse Z is written densely.  Excel has at most 16,384 columns, so tables
    above 16,382 nodes cannot be written: use the folder format.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    path : str or PathLike
        Destination ``.xlsx`` file.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        If the table has more nodes than an Excel sheet has columns.
    TableFormatError
        If a city attribute is named ``city``, ``population`` or ``gdp``.
    """
    from openpyxl.styles import Font

    from mrio_city.io.xlsx import save_write_only as _save_write_only

    if table.n_nodes + 2 > _MAX_COLS or table.n_cities * table.n_categories + 2 > _MAX_COLS:
        raise ValueError(
            f"table {table.name!r}: {table.n_nodes} nodes do not fit an Excel sheet "
            f"({_MAX_COLS} columns at most); use mrio_city.io.folder.write_table"
        )
    bold = Font(bold=True)
    return _save_write_only(lambda wb: _fill_table_workbook(wb, table, bold), Path(path))
