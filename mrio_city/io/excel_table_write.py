"""Writing whole tables to a workbook in the layout of :mod:`mrio_city.io.excel_table`."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import scipy.sparse as sp

from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import TableFormatError
from mrio_city.model.reader import cell_name
from mrio_city.model.schema import CITY_VALUES

__all__ = ["write_excel_table"]

_MAX_COLS = 16_384


def _matrix_rows(
    ws, col_labels, row_labels, values, header_names, *, label_cols: int, bold
) -> None:
    """Append a labelled block: ``len(col_labels[0])`` header rows, then labelled rows."""
    from openpyxl.cell import WriteOnlyCell

    from mrio_city.io.xlsx import escape_cell_text, text_row
    from mrio_city.io.xlsx import number_cell as _number_cell

    levels = len(col_labels[0]) if col_labels else 1
    ws.freeze_panes = cell_name(levels, label_cols)  # write-only sheets: before the first row
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
    _cities_sheet(wb.create_sheet("cities"), table)
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
    _metadata_sheet(wb.create_sheet("metadata"), table)


def _cities_sheet(ws, table: BaseTable) -> None:
    """Sheet ``cities``: city, the per-city values the table has, then its attributes."""
    from mrio_city.io.xlsx import cell_value as _scalar
    from mrio_city.io.xlsx import number_cell as _number_cell
    from mrio_city.io.xlsx import text_row

    header = ["city"]
    columns: list[Sequence[Any]] = [list(table.cities)]
    for name in CITY_VALUES:
        if getattr(table, name) is not None:
            header.append(name)
            columns.append(getattr(table, name))
    if table.city_attributes is not None:
        for col in table.city_attributes.columns:
            if str(col) in ("city", *CITY_VALUES):
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


def _metadata_sheet(ws, table: BaseTable) -> None:
    """Sheet ``metadata``: format, table metadata and the options the reader needs."""
    from mrio_city.io.folder import _output_rtol
    from mrio_city.io.xlsx import text_row

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
