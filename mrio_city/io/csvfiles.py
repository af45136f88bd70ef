"""CSV outputs: atomic frame writer and long-format accounts files.

Floats are written with Python's shortest round-trip representation (pandas default), so a CSV
file read back with pandas gives bit-identical numbers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from mrio_city.io.atomic import atomic_path
from mrio_city.model.labels import CITY, CONSUMER, PRODUCER, SECTOR, STRESSOR

__all__ = ["write_csv", "write_accounts_csv", "accounts_long_frames", "long_format"]


def write_csv(
    path: str | os.PathLike[str],
    frame: pd.DataFrame | pd.Series,
    *,
    index: bool = True,
    units_in_header: bool = False,
) -> Path:
    """Write a frame to CSV (UTF-8, index written as leading columns) atomically.

    Parameters
    ----------
    path : str or PathLike
        Destination file; its folder is created if missing.
    frame : DataFrame or Series
        The data.  A Series is written as one column named after it.
    index : bool, default=True
        Write the index (its names become the first headers).
    units_in_header : bool, default=False
        Append ``' [unit]'`` to column headers from ``frame.attrs['units']`` (column -> unit)
        or ``frame.attrs['unit']``, as :func:`mrio_city.io.excel.write_workbook` does.  Off by
        default: long-format files carry a ``unit`` column instead.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"write_csv {path}: expected a DataFrame, got {type(frame).__name__}")
    if units_in_header:
        from mrio_city.io.excel import _flat_label, _unit_of

        headers = []
        for label in frame.columns:
            unit = _unit_of(frame, label)
            text = _flat_label(label)
            headers.append(f"{text} [{unit}]" if unit else text)
        frame = frame.set_axis(headers, axis=1)
    path = Path(path)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=index, encoding="utf-8", lineterminator="\n")
    return path


def accounts_long_frames(accounts) -> dict[str, pd.DataFrame]:
    """The long-format frames of :func:`write_accounts_csv`, keyed by file name.

    Returns
    -------
    dict of str to DataFrame
        ``accounts.csv`` (account, city, stressor, unit, value [stressor unit]),
        ``flows.csv`` (stressor, producer, consumer, unit, value [stressor unit]) and
        ``multipliers.csv`` (stressor, city, sector, unit, value [stressor unit per money
        unit]).
    """
    acc = accounts.to_long()
    q = accounts.flows.rename_axis(columns=CONSUMER).stack().rename("value").reset_index()
    q.columns = [STRESSOR, PRODUCER, CONSUMER, "value"]
    q.insert(3, "unit", q[STRESSOR].map(accounts.units))
    m = accounts.multipliers
    munits = m.attrs.get("units", {})
    long = m.rename_axis(index=STRESSOR).T.stack().rename("value").reset_index()
    long.columns = [CITY, SECTOR, STRESSOR, "value"]
    long = long[[STRESSOR, CITY, SECTOR, "value"]].sort_values(STRESSOR, kind="stable")
    long.insert(3, "unit", long[STRESSOR].map(munits))
    return {
        "accounts.csv": acc,
        "flows.csv": q,
        "multipliers.csv": long.reset_index(drop=True),
    }


def write_accounts_csv(accounts, folder: str | os.PathLike[str]) -> list[Path]:
    """Write accounts as long-format CSV files into ``folder`` (each file atomically).

    Files: ``accounts.csv`` (account, city, stressor, unit, value), ``flows.csv`` (stressor,
    producer, consumer, unit, value: Q[r, s] emitted in producer r for final demand of
    consumer s), ``multipliers.csv`` (stressor, city, sector, unit, value) and
    ``supply_chain_share.csv`` (stressor, unit, value).

    Parameters
    ----------
    accounts : Accounts
        Output of :func:`mrio_city.accounts.footprints.compute_accounts`.
    folder : str or PathLike
        Output folder; created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order above.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = accounts_long_frames(accounts)
    share = accounts.supply_chain_share.rename("value").rename_axis(STRESSOR).reset_index()
    share.insert(1, "unit", "1")
    frames["supply_chain_share.csv"] = share
    return [write_csv(folder / name, frame, index=False) for name, frame in frames.items()]


def long_format(
    frame: pd.DataFrame, *, variable: str = "variable", symbols: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Long format of a per-city frame: city, variable, unit, value (numeric columns only).

    Boolean and text columns are kept as identifier columns beside ``city``.

    Parameters
    ----------
    frame : DataFrame
        Index 'city'; units in ``attrs['units']`` (column -> unit).
    variable : str, default='variable'
        Name of the variable column.
    symbols : mapping, optional
        Column -> symbol, added as a ``symbol`` column.

    Returns
    -------
    DataFrame
    """
    units = frame.attrs.get("units", {})
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    ids = [c for c in frame.columns if c not in numeric]
    wide = frame.reset_index()
    key = wide.columns[0]
    out = wide.melt(id_vars=[key, *ids], value_vars=numeric, var_name=variable, value_name="value")
    out = out.rename(columns={key: CITY})
    out.insert(len(ids) + 2, "unit", out[variable].map(lambda c: units.get(c, "")))
    if symbols is not None:
        out.insert(len(ids) + 2, "symbol", out[variable].map(lambda c: symbols.get(c, "")))
    return out
