"""Conversion between :class:`pymrio.IOSystem` and mrio-city tables.

Mapping (:func:`from_pymrio`):

* pymrio regions -> cities, sectors -> sectors (both in order of first appearance in Z);
* every Y column (region, category) -> final-demand column (city, category).  As in pymrio,
  *all* of a region's Y columns are its final demand, including an 'Export' category: the
  table gets no separate ``exports`` columns;
* stressors: by default every row of every extension that has ``F`` (e.g. both
  ``factor_inputs`` and ``emissions`` of ``pymrio.load_test()``), in extension order.  A
  stressor label is the extension's row label, MultiIndex rows joined with ``' | '``
  (``'emission_type1 | air'``); a label that occurs in two extensions is prefixed with the
  extension name (``'Emissions: CO2'``).  Units come from the extension's ``unit`` frame;
  ``F_Y`` from the extension (zeros when it has none);
* the ``factor_inputs`` extension, when present, also becomes the table's ``value_added``;
* ``io.x`` is passed as gross output when set (checked against ``Z 1 + Y 1``);
  ``io.population`` -> population; the money unit is the single unit of ``io.unit``;
* how each stressor came from which extension (names, index names, row labels) is kept in
  ``meta.provenance['pymrio']`` so that :func:`to_pymrio` rebuilds the same extensions.

:func:`to_pymrio` builds dense DataFrames (pymrio has no sparse support): a sparse or
structured table's Z is materialized densely, with an
:class:`~mrio_city.model.errors.EfficiencyWarning`
above ``DENSE_WARN_NODES`` (5000) nodes.  A table's export/other columns become extra final-demand
categories of the *producing* city (block-diagonal), which is how pymrio/EXIOBASE-style tables
hold exports; pymrio then counts them in that region's consumption-based account, whereas
mrio-city keeps them outside every city's consumption.

Round trip: ``to_pymrio(from_pymrio(io))`` reproduces Z, Y, x, every extension's F, F_Y and
unit, population and labels exactly; ``from_pymrio(to_pymrio(t))`` reproduces a table without
exports exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import LabelMismatchError, TableValidationError
from mrio_city.model.labels import first_labels
from mrio_city.model.table import MRIOTable

__all__ = ["from_pymrio", "to_pymrio"]

_SEP = " | "


def _label(row: object) -> str:
    if isinstance(row, tuple):
        return _SEP.join(str(p) for p in row)
    return str(row)


def _unique(values) -> list[str]:
    return [str(v) for v in dict.fromkeys(values)]


def _extensions(io) -> list[tuple[str, Any]]:
    return [(name, getattr(io, name)) for name in io.get_extensions(data=False)]


def _frame_values(df: pd.DataFrame, index: pd.Index, columns: pd.Index, what: str) -> np.ndarray:
    """Values of ``df`` reordered to ``index`` x ``columns`` (missing labels are an error)."""
    for axis, (have, want) in (("rows", (df.index, index)), ("columns", (df.columns, columns))):
        if not have.equals(want):
            missing = want.difference(have)
            unexpected = have.difference(want)
            if len(missing) or len(unexpected):
                parts = [
                    f"{word} {first_labels(labels)}"
                    for word, labels in (("missing", missing), ("unexpected", unexpected))
                    if len(labels)
                ]
                raise LabelMismatchError(
                    f"pymrio system: {what} {axis} do not match the labels of Z and Y: "
                    + ", ".join(parts)
                )
    try:
        return df.reindex(index=index, columns=columns).to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:  # text or objects in the frame
        raise TableValidationError(
            f"pymrio system: {what} must hold numbers only ({exc})"
        ) from None


def _extension_rows(io, nodes: pd.MultiIndex, fd: pd.MultiIndex) -> dict[str, Any]:
    """Stressor rows of every extension that has F: labels, F and F_Y rows, units, metadata.

    A row label used by two extensions is prefixed with the extension's name; the rows of
    ``factor_inputs`` are also the value added.
    """
    labels: list[str] = []
    rows: list[np.ndarray] = []
    rows_y: list[np.ndarray] = []
    unit_of: dict[str, str] = {}
    ext_info: list[dict[str, Any]] = []
    value_added = None
    value_added_labels = None
    seen: dict[str, str] = {}
    all_ext = _extensions(io)
    for inst, ext in all_ext:
        if ext.F is None:
            continue
        ext_labels = [_label(r) for r in ext.F.index]
        for lab in ext_labels:
            if lab in seen:
                seen[lab] = "dup"
            else:
                seen[lab] = inst
    for inst, ext in all_ext:
        if ext.F is None:
            continue
        F_ext = _frame_values(
            ext.F, ext.F.index, nodes.set_names(ext.F.columns.names), f"extension {ext.name!r} F"
        )
        if ext.F_Y is not None:
            FY_ext = _frame_values(
                ext.F_Y,
                ext.F.index,
                fd.set_names(ext.F_Y.columns.names),
                f"extension {ext.name!r} F_Y",
            )
        else:
            FY_ext = np.zeros((len(ext.F.index), len(fd)))
        ext_labels = []
        for k, row in enumerate(ext.F.index):
            lab = _label(row)
            if seen[lab] == "dup":
                lab = f"{ext.name}: {lab}"
            ext_labels.append(lab)
            unit = None
            if ext.unit is not None and row in ext.unit.index:
                unit = ext.unit.loc[row].iloc[0] if isinstance(ext.unit, pd.DataFrame) else None
                if isinstance(unit, pd.Series):  # duplicated rows in unit
                    unit = unit.iloc[0]
            unit_of[lab] = str(unit) if unit is not None else ""
            rows.append(F_ext[k])
            rows_y.append(FY_ext[k])
            labels.append(lab)
        ext_info.append(
            {
                "instance": inst,
                "name": str(ext.name),
                "index_names": [str(n) for n in ext.F.index.names],
                "rows": [
                    [str(p) for p in r] if isinstance(r, tuple) else [str(r)] for r in ext.F.index
                ],
                "labels": ext_labels,
                "has_F_Y": ext.F_Y is not None,
            }
        )
        if inst == "factor_inputs":
            value_added = F_ext
            value_added_labels = ext_labels
    return {
        "labels": labels,
        "rows": rows,
        "rows_y": rows_y,
        "unit_of": unit_of,
        "ext_info": ext_info,
        "value_added": value_added,
        "value_added_labels": value_added_labels,
    }


def _kept_stressors(labels: list[str], unit_of: dict[str, str], stressors, units) -> list[int]:
    """Positions of the stressors asked for (all when None); ``units`` override in place."""
    if stressors is not None:
        keep = []
        for s in stressors:
            lab = s if isinstance(s, str) and s in unit_of else _label(s)
            if lab not in unit_of:
                raise TableValidationError(
                    f"pymrio system: stressor {s!r} is not a row of any extension with F; have "
                    f"{first_labels(labels)}"
                )
            keep.append(labels.index(lab))
    else:
        keep = list(range(len(labels)))
    if units:
        unknown = [s for s in units if s not in unit_of]
        if unknown:
            raise TableValidationError(
                f"pymrio system: units given for unknown stressor(s) {first_labels(unknown)}"
            )
        unit_of.update({s: str(u) for s, u in units.items()})

    return keep


def _system_values(io, cities: list, nodes: pd.MultiIndex) -> dict[str, Any]:
    """Money unit, population and gross output of a pymrio system (None where absent)."""
    money = None
    if getattr(io, "unit", None) is not None and len(io.unit):
        money_units = _unique(io.unit.iloc[:, 0])
        money = money_units[0] if len(money_units) == 1 else None
    population = None
    if getattr(io, "population", None) is not None:
        pop = io.population
        population = pop.reindex(columns=cities).iloc[0].to_numpy(dtype=np.float64)
    x = None
    if getattr(io, "x", None) is not None:
        x = io.x.reindex(nodes.set_names(io.x.index.names)).iloc[:, 0].to_numpy(np.float64)
    return {"money": money, "population": population, "x": x}


def from_pymrio(
    io,
    *,
    stressors: Sequence[object] | None = None,
    units: Mapping[str, str] | None = None,
    name: str | None = None,
    allow_negative_flows: bool = False,
) -> MRIOTable:
    """Build a general :class:`~mrio_city.model.table.MRIOTable` from a pymrio ``IOSystem``.

    See the module docstring for the mapping.  Only ``io.Z``, ``io.Y`` (and ``io.x``,
    ``io.population``, ``io.unit``) and the extensions' ``F``, ``F_Y`` and ``unit`` are read;
    nothing is computed on the pymrio side.

    Parameters
    ----------
    io : pymrio.IOSystem
        With ``Z`` and ``Y`` set (as after loading or parsing).
    stressors : sequence, optional
        Stressors to keep, as table labels (``'emission_type1 | air'``) or extension row
        labels (``('emission_type1', 'air')``), in the order wanted.  Default: all rows of all
        extensions with ``F``.
    units : mapping of str to str, optional
        Units overriding those of the extensions' ``unit`` frames (table label -> unit).
    name : str, optional
        Table name; default ``io.meta.name``.
    allow_negative_flows : bool, default=False
        Passed to :class:`~mrio_city.model.table.MRIOTable`.

    Returns
    -------
    MRIOTable
        Money in the unit of ``io.unit``; stressors in their extensions' units.

    Raises
    ------
    TableValidationError
        If ``io.Z`` or ``io.Y`` is missing, a requested stressor does not exist or an extension
        has no unit for a stressor.
    LabelMismatchError
        If Z, Y or an extension's F/F_Y is not labelled by the same region x sector nodes.
    """
    if getattr(io, "Z", None) is None or getattr(io, "Y", None) is None:
        raise TableValidationError(
            "pymrio system: Z and Y are required (this system has "
            f"Z={'set' if getattr(io, 'Z', None) is not None else 'None'}, "
            f"Y={'set' if getattr(io, 'Y', None) is not None else 'None'})"
        )
    Z_df: pd.DataFrame = io.Z
    Y_df: pd.DataFrame = io.Y
    cities = _unique(Z_df.index.get_level_values(0))
    sectors = _unique(Z_df.index.get_level_values(1))
    categories = _unique(Y_df.columns.get_level_values(1))
    nodes = pd.MultiIndex.from_product([cities, sectors], names=Z_df.index.names)
    fd = pd.MultiIndex.from_product([cities, categories], names=Y_df.columns.names)
    Z = _frame_values(Z_df, nodes, nodes.set_names(Z_df.columns.names), "Z")
    Y = _frame_values(Y_df, nodes.set_names(Y_df.index.names), fd, "Y")

    ext = _extension_rows(io, nodes, fd)
    labels, unit_of, ext_info = ext["labels"], ext["unit_of"], ext["ext_info"]
    keep = _kept_stressors(labels, unit_of, stressors, units)
    kept = [labels[k] for k in keep]
    S = len(kept)
    F = np.vstack([ext["rows"][k] for k in keep]) if S else np.zeros((0, len(nodes)))
    F_Y = np.vstack([ext["rows_y"][k] for k in keep]) if S else np.zeros((0, len(fd)))
    values = _system_values(io, cities, nodes)
    money, population, x = values["money"], values["population"], values["x"]
    import pymrio

    meta = {
        "name": name or str(getattr(io.meta, "name", None) or "pymrio"),
        "year": None,
        "currency": "",
        "money_unit": money or "",
        "description": str(getattr(io.meta, "description", "") or ""),
        "provenance": {
            "source": "pymrio",
            "pymrio_version": str(pymrio.__version__),
            "pymrio": {
                "extensions": ext_info,
                "stressors": kept,
                "node_names": [str(n) for n in Z_df.index.names],
                "final_demand_names": [str(n) for n in Y_df.columns.names],
                "population_index": (
                    [str(v) for v in io.population.index] if population is not None else []
                ),
            },
        },
    }
    year = getattr(io.meta, "year", None) if hasattr(io, "meta") else None
    if isinstance(year, int | np.integer) or (isinstance(year, str) and year.isdigit()):
        meta["year"] = int(year)
    return MRIOTable(
        Z,
        Y,
        F,
        cities=cities,
        sectors=sectors,
        categories=categories,
        stressors=kept,
        units={s: unit_of[s] for s in kept},
        F_Y=F_Y,
        value_added=ext["value_added"],
        value_added_labels=ext["value_added_labels"],
        x=x,
        population=population,
        meta=meta,
        allow_negative_flows=allow_negative_flows,
    )


def to_pymrio(table: BaseTable):
    """Build a pymrio ``IOSystem`` (dense DataFrames) from a table.

    Z and Y are materialized densely (structured and sparse tables too; EfficiencyWarning above
    5000 nodes).  Extensions: rebuilt as they were when the table came from
    :func:`from_pymrio` (``meta.provenance['pymrio']``); otherwise one extension ``stressors``
    (index 'stressor') holding F, F_Y and units, plus ``factor_inputs`` from the table's value
    added when it has any.  Export/other columns become extra categories of the producing
    city (see the module docstring).

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable

    Returns
    -------
    pymrio.IOSystem
        With Z, Y, x, unit, population (when set) and the extensions; nothing calculated.
    """
    import pymrio

    info = dict(table.meta.provenance).get("pymrio") if table.meta.provenance else None
    info = info if isinstance(info, Mapping) else None
    node_names = list(info["node_names"]) if info else ["region", "sector"]
    fd_names = list(info["final_demand_names"]) if info else ["region", "category"]
    cities = list(table.cities)
    nodes = pd.MultiIndex.from_product([cities, list(table.sectors)], names=node_names)
    Z = table.intermediate_flows("dense")
    Y = table.Y if not table.structured else table.final_demand_columns()
    categories = list(table.categories)
    Y, F_Y, categories = _exports_as_categories(table, Y, categories)
    fd = pd.MultiIndex.from_product([cities, categories], names=fd_names)
    io = pymrio.IOSystem(
        Z=pd.DataFrame(np.array(Z, dtype=np.float64), index=nodes, columns=nodes),
        Y=pd.DataFrame(np.array(Y, dtype=np.float64), index=nodes, columns=fd),
        x=pd.DataFrame({"indout": np.array(table.x)}, index=nodes),
        unit=pd.DataFrame({"unit": [table.meta.money_unit] * len(nodes)}, index=nodes),
        name=table.name,
        description=table.meta.description,
    )
    if table.population is not None:
        pop_index = (info or {}).get("population_index") or ["Population"]
        io.population = pd.DataFrame(
            [np.array(table.population)],
            index=pop_index[:1],
            columns=pd.Index(cities, name=None),
        )
    _add_extensions(io, table, info, F_Y, nodes, fd)
    return io


def _exports_as_categories(table: BaseTable, Y, categories: list) -> tuple[Any, Any, list]:
    """Y and F_Y with the export columns as extra final-demand categories of their own city."""
    R, N = table.n_cities, table.n_sectors
    E = len(table.export_labels)
    F_Y = table.F_Y
    if E:
        extra = [c for c in table.export_labels if c not in categories]
        if len(extra) != E:
            raise TableValidationError(
                f"table {table.name!r}: export column labels {first_labels(table.export_labels)} "
                "clash with final-demand categories; they cannot become pymrio categories"
            )
        K = len(categories)
        Y4 = np.zeros((R, N, R, K + E))
        Y4[:, :, :, :K] = np.asarray(Y).reshape(R, N, R, K)
        ex = table.exports.reshape(R, N, E)
        for c in range(R):
            Y4[c, :, c, K:] = ex[c]
        Y = Y4.reshape(R * N, R * (K + E))
        FY4 = np.zeros((table.n_stressors, R, K + E))
        FY4[:, :, :K] = table.F_Y.reshape(-1, R, K)
        F_Y = FY4.reshape(table.n_stressors, -1)
        categories = categories + extra
    return Y, F_Y, categories


def _add_extensions(io, table: BaseTable, info, F_Y, nodes, fd) -> None:
    """The table's stressors as the extensions they came from (``info``), the rest as one."""
    stress = list(table.stressors)
    pos = {s: k for k, s in enumerate(stress)}
    used: set[str] = set()
    extensions = (info or {}).get("extensions", []) if info else []
    for ext in extensions:
        labels = [lab for lab in ext["labels"] if lab in pos]
        if not labels:
            continue
        rows = [
            tuple(r) if len(r) > 1 else r[0]
            for r, lab in zip(ext["rows"], ext["labels"])
            if lab in pos
        ]
        names = ext["index_names"]
        index = (
            pd.MultiIndex.from_tuples(rows, names=names)
            if len(names) > 1
            else pd.Index(rows, name=names[0])
        )
        k = [pos[lab] for lab in labels]
        _add_extension(
            io,
            ext["instance"],
            ext["name"],
            index,
            table.F[k],
            F_Y[k] if ext.get("has_F_Y", True) else None,
            [table.units[lab] for lab in labels],
            nodes,
            fd,
        )
        used.update(labels)
    rest = [s for s in stress if s not in used]
    if rest:
        k = [pos[s] for s in rest]
        _add_extension(
            io,
            "stressors",
            "Stressors",
            pd.Index(rest, name="stressor"),
            table.F[k],
            F_Y[k],
            [table.units[s] for s in rest],
            nodes,
            fd,
        )
    if len(table.value_added_labels) and not hasattr(io, "factor_inputs"):
        _add_extension(
            io,
            "factor_inputs",
            "Factor Inputs",
            pd.Index(list(table.value_added_labels), name="inputtype"),
            table.value_added,
            None,
            [table.meta.money_unit] * len(table.value_added_labels),
            nodes,
            fd,
        )


def _add_extension(io, instance, name, index, F, F_Y, units, nodes, fd) -> None:
    import pymrio

    ext = pymrio.Extension(
        name=name,
        F=pd.DataFrame(np.array(F, dtype=np.float64), index=index, columns=nodes),
        F_Y=None
        if F_Y is None
        else pd.DataFrame(np.array(F_Y, dtype=np.float64), index=index, columns=fd),
        unit=pd.DataFrame({"unit": list(units)}, index=index),
    )
    setattr(io, instance, ext)
