"""Reader of the national input-output tables of China (NBS, 2002-2020).

Files: ``<data_dir>/nbs-china-io/csv/china_<year>_<n sectors>.csv`` (see its SOURCE.md).
Two layouts exist:

* **competitive-import** (``china_2012_139`` and every detailed table): one row per
  product; imports are a final-demand column ``IM`` (positive numbers that are
  *subtracted*), so Z mixes domestic and imported products;
* **non-competitive** (``china_2017_42``, ``2018_42``, ``2020_42``): a column ``Origin``
  splits the rows into ``Domestic`` and ``Imports`` blocks of the same products.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from mrio_city.model.errors import DataSourceError

from ._paths import data_file, resolve_dir
from .iotables import NationalIOTable

__all__ = ["read_nbs_io", "available_nbs_tables"]

UNIT = "10^4 CNY"
_FOLDER = "nbs-china-io"

# Leaf final-demand columns (code -> category name).  A subtotal is used as a leaf only
# when its components are absent (e.g. the non-competitive tables publish only 'TC').
_FINAL_DEMAND = {
    "FU101": "rural_household",
    "FU102": "urban_household",
    "FU103": "government",
    "FU201": "gfcf",
    "FU202": "inventory_change",
    "EX": "exports",
}
_SUBTOTAL_FALLBACK = {
    "THC": ("household", ("FU101", "FU102")),
    "TC": ("final_consumption", ("FU101", "FU102", "THC", "FU103")),
    "GCF": ("gross_capital_formation", ("FU201", "FU202")),
}
_VALUE_ADDED = {
    "VA001": "compensation_of_employees",
    "VA002": "net_taxes_on_production",
    "VA003": "depreciation",
    "VA004": "operating_surplus",
}
_CATEGORY_ORDER = (
    "rural_household",
    "urban_household",
    "household",
    "government",
    "final_consumption",
    "gfcf",
    "inventory_change",
    "gross_capital_formation",
    "exports",
    "imports",
    "other",
)


def available_nbs_tables(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """List the NBS tables present in ``<data_dir>/nbs-china-io/csv``.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame
        Columns 'year', 'n_sectors', 'file', sorted by year then sector count.
    """
    folder = resolve_dir(data_dir) / _FOLDER / "csv"
    rows = []
    for p in sorted(folder.glob("china_*_*.csv")) if folder.is_dir() else []:
        m = re.fullmatch(r"china_(\d{4})_(\d+)\.csv", p.name)
        if m:
            rows.append((int(m.group(1)), int(m.group(2)), p.name))
    return pd.DataFrame(rows, columns=["year", "n_sectors", "file"])


def _pick_file(year: int, n_sectors: int | None, data_dir) -> str:
    if n_sectors is not None:
        return f"china_{year}_{n_sectors}.csv"
    tables = available_nbs_tables(data_dir)
    found = tables[tables["year"] == year]
    if len(found) == 1:
        return str(found["file"].iloc[0])
    if len(found) > 1:
        raise ValueError(
            f"The NBS data hold {len(found)} tables for {year} (sectors: "
            f"{sorted(found['n_sectors'].tolist())}); pass n_sectors= to choose one."
        )
    # Let data_file raise the informative "not found" error.
    return f"china_{year}_<n_sectors>.csv"


def _numeric(frame: pd.DataFrame, fname: str, what: str) -> pd.DataFrame:
    """Return ``frame`` as float; raise DataSourceError at the first non-finite cell."""
    values = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    bad = ~np.isfinite(values.to_numpy())
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataSourceError(
            f"{fname}, row '{frame.index[i]}', column '{frame.columns[j]}': expected a finite "
            f"number in the {what} block, found {frame.iat[i, j]!r}"
        )
    return values


def _check_close(fname: str, what: str, got: pd.Series, expected: pd.Series, n_terms: int) -> None:
    """Check an identity with a tolerance of half a published unit per summed term."""
    tol = 0.5 * max(n_terms, 1) + 1e-9 * expected.abs()
    diff = (got - expected).abs()
    if (diff > tol).any():
        key = diff.idxmax()
        raise DataSourceError(
            f"{fname}, {what} fails for '{key}': {got[key]:.10g} vs {expected[key]:.10g} "
            f"(difference {diff[key]:.4g} {UNIT}; tolerance {tol[key]:.4g})"
        )


def _final_demand(block: pd.DataFrame, fname: str) -> pd.DataFrame:
    cols = {code: name for code, name in _FINAL_DEMAND.items() if code in block.columns}
    for code, (name, parts) in _SUBTOTAL_FALLBACK.items():
        if code in block.columns and not any(p in block.columns for p in parts):
            cols[code] = name
    if "EX" not in cols:
        raise DataSourceError(f"{fname}: expected an exports column 'EX', none found")
    fd = block[list(cols)].rename(columns=cols)
    if "IM" in block.columns:
        fd["imports"] = -block["IM"]
    if "ERR" in block.columns:
        fd["other"] = block["ERR"]
    fd = fd[[c for c in _CATEGORY_ORDER if c in fd.columns]]
    fd.columns.name = "category"
    return fd


def _check_subtotals(block: pd.DataFrame, fd: pd.DataFrame, fname: str) -> None:
    leaves = fd.drop(columns=[c for c in ("imports", "other") if c in fd.columns])
    if "TFU" in block.columns:
        _check_close(
            fname,
            "column TFU = sum of final uses",
            leaves.sum(axis=1),
            block["TFU"],
            leaves.shape[1],
        )
    if "THC" in block.columns and {"FU101", "FU102"} <= set(block.columns):
        _check_close(
            fname, "column THC = FU101 + FU102", block["FU101"] + block["FU102"], block["THC"], 2
        )


def read_nbs_io(
    year: int,
    n_sectors: int | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
) -> NationalIOTable:
    """Read a national input-output table of China published by NBS.

    Values are in **10^4 CNY (万元), current producers' prices**.  Both layouts are read
    into the same :class:`~mrio_city.sources.NationalIOTable`:

    * competitive-import tables (``layout='competitive'``, ``domestic=False``): ``Z``
      contains domestic and imported products; final demand has an ``imports`` column
      equal to ``-IM`` (negative) and, where published, ``other`` = ``ERR`` (statistical
      discrepancy), so ``x = Z 1 + final_demand 1``; ``imports`` holds ``IM``.  Call
      :meth:`~mrio_city.sources.NationalIOTable.to_domestic` for domestic flows
      (proportional import removal);
    * non-competitive tables (``layout='non-competitive'``, ``domestic=True``): ``Z`` and
      ``final_demand`` are the ``Domestic`` rows; the ``Imports`` rows go to ``import_Z``
      and ``import_final_demand``; ``imports`` is the import rows' total (``GO``).

    Final-demand categories: 'rural_household' (FU101), 'urban_household' (FU102),
    'household' (THC, only when FU101/FU102 are absent), 'government' (FU103),
    'final_consumption' (TC, only when its parts are absent, as in the 42-sector
    non-competitive tables), 'gfcf' (FU201), 'inventory_change' (FU202, may be
    negative), 'exports' (EX), 'imports' (-IM), 'other' (ERR).  Value-added components:
    'compensation_of_employees' (VA001), 'net_taxes_on_production' (VA002, may be
    negative), 'depreciation' (VA003), 'operating_surplus' (VA004).

    The reader checks the published identities (``TI`` = ``GO``; ``TVA`` = sum of
    components; ``TII`` = intermediate inputs; row balance; ``TFU`` = sum of final uses)
    with a tolerance of half a published unit (0.5 x 10^4 CNY) per summed term.

    Parameters
    ----------
    year : int
        Table year (2002, 2005, 2007, 2010, 2012, 2015, 2017, 2018, 2020).
    n_sectors : int, optional
        Number of sectors, needed when a year has two tables (2017: 42 or 149;
        2018 and 2020: 42 or 153).
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    NationalIOTable
        Unit '10^4 CNY'.

    Raises
    ------
    DataSourceError
        Missing file, unexpected layout, non-finite values, negative gross output or a
        broken published identity; the message names the file, row and column.
    ValueError
        If ``year`` has several tables and ``n_sectors`` is not given.
    """
    path = data_file(data_dir, _FOLDER, "csv/" + _pick_file(year, n_sectors, data_dir))
    fname = path.name
    raw = pd.read_csv(path, dtype={"Code": str, "Origin": str})
    sectors = _sector_columns(raw, fname)
    noncompetitive = "Origin" in raw.columns
    raw["Code"] = raw["Code"].str.strip()
    dom = _sector_block(raw, "Domestic" if noncompetitive else None, sectors, fname)
    tail = raw[raw["Code"].isin(["TII", *_VALUE_ADDED, "TVA", "TI"])].set_index("Code")
    missing = [c for c in ["TII", *_VALUE_ADDED, "TVA", "TI"] if c not in tail.index]
    if missing:
        raise DataSourceError(f"{fname}: expected rows {missing} below the sector rows, not found")

    fd_codes = [c for c in raw.columns[raw.columns.get_loc("TIU") + 1 :] if c != "GO"]
    index = pd.Index(sectors, name="sector")
    Z = _numeric(dom[sectors], fname, "intermediate (Z)")
    Z.index, Z.columns = index, index
    fd_raw = _numeric(dom[fd_codes], fname, "final demand")
    fd_raw.index = index
    fd = _final_demand(fd_raw, fname)
    _check_subtotals(fd_raw, fd, fname)
    x = _numeric(dom[["GO"]], fname, "gross output")["GO"].set_axis(index).rename("x")
    if (x < 0).any():
        code = x.idxmin()
        raise DataSourceError(
            f"{fname}, row '{code}', column 'GO': gross output must be >= 0, found {x[code]}"
        )
    va_all = _numeric(tail[sectors], fname, "value added")
    va_all.columns = index
    va = va_all.loc[list(_VALUE_ADDED)].rename(index=_VALUE_ADDED)
    va.index.name = "component"

    imports = import_Z = import_fd = None
    if noncompetitive:
        import_Z, import_fd, imports = _import_rows(raw, sectors, fd_codes, fname)
    elif "IM" in fd_raw.columns:
        imports = fd_raw["IM"].copy()
    imports = None if imports is None else imports.rename("imports")
    _check_identities(fname, Z, import_Z, fd, x, va, va_all)

    names = pd.DataFrame(
        {
            "name_en": dom["Description"].astype(str).str.strip().to_numpy(),
            "name_zh": dom["DescriptionInChinese"].astype(str).str.strip().to_numpy(),
        },
        index=index,
    )
    layout = "non-competitive" if noncompetitive else "competitive"
    note = (
        "non-competitive table: Z and final_demand are the Domestic rows; the Imports rows "
        "are import_Z / import_final_demand"
        if noncompetitive
        else "competitive-import table: Z includes imported products; final_demand 'imports' = -IM"
    )
    return NationalIOTable(
        year=int(year),
        sectors=index,
        Z=Z,
        final_demand=fd,
        value_added=va,
        x=x,
        imports=imports,
        unit=UNIT,
        sector_names=names,
        layout=layout,
        domestic=noncompetitive,
        import_Z=import_Z,
        import_final_demand=import_fd,
        source=fname,
        notes=(note,),
    )


def _sector_columns(raw: pd.DataFrame, fname: str) -> list[str]:
    """The sector codes heading the columns ('01', '001', ...), the header checked first."""
    for col in ("Code", "Description", "DescriptionInChinese"):
        if col not in raw.columns:
            raise DataSourceError(
                f"{fname}, header row: expected column '{col}', found {list(raw.columns[:4])}"
            )
    sectors = [c for c in raw.columns if c.isdigit()]
    if not sectors:
        raise DataSourceError(f"{fname}, header row: no sector columns ('01', '001', ...) found")
    for col in ("GO", "TIU"):
        if col not in raw.columns:
            raise DataSourceError(f"{fname}, header row: expected column '{col}', not found")
    return sectors


def _sector_block(
    raw: pd.DataFrame, origin: str | None, sectors: list[str], fname: str
) -> pd.DataFrame:
    """The sector rows (of one ``Origin`` block), in the order of the sector columns."""
    n = len(sectors)
    rows = raw if origin is None else raw[raw["Origin"] == origin]
    got = rows["Code"].iloc[:n].tolist()
    if got != sectors:
        k = next((i for i, (a, b) in enumerate(zip(got, sectors)) if a != b), len(got))
        found = got[k] if k < len(got) else "end of table"
        where = "" if origin is None else f" of the '{origin}' block"
        raise DataSourceError(
            f"{fname}, sector row {k + 1}{where}: expected code '{sectors[k]}' (same order "
            f"as the sector columns), found '{found}'"
        )
    return rows.iloc[:n].set_index("Code")


def _import_rows(raw: pd.DataFrame, sectors: list[str], fd_codes: list[str], fname: str):
    """Import flows, import final demand and import totals of a non-competitive table."""
    index = pd.Index(sectors, name="sector")
    imp = _sector_block(raw, "Imports", sectors, fname)
    import_Z = _numeric(imp[sectors], fname, "import (Z)").set_axis(index).set_axis(index, axis=1)
    imp_fd_raw = _numeric(imp[fd_codes], fname, "import final demand").set_axis(index)
    import_fd = _final_demand(imp_fd_raw, fname)
    imports = _numeric(imp[["GO"]], fname, "imports")["GO"].set_axis(index)
    _check_close(
        fname,
        "import rows: TIU + TFU = GO",
        import_Z.sum(axis=1) + import_fd.sum(axis=1),
        imports,
        len(sectors) + 4,
    )
    return import_Z, import_fd, imports


def _check_identities(fname, Z, import_Z, fd, x, va, va_all) -> None:
    """The published identities, to half a published unit per summed term."""
    n = len(x)
    inputs = Z.sum(axis=0) + (0 if import_Z is None else import_Z.sum(axis=0))
    _check_close(
        fname,
        "row TII = sum of intermediate inputs",
        va_all.loc["TII"],
        inputs,
        2 * n if import_Z is not None else n,
    )
    _check_close(fname, "row TVA = VA001+VA002+VA003+VA004", va.sum(axis=0), va_all.loc["TVA"], 4)
    _check_close(fname, "row TI = column GO", va_all.loc["TI"], x, 1)
    _check_close(fname, "column identity TII + TVA = GO", inputs + va.sum(axis=0), x, 2 * n + 4)
    _check_close(
        fname,
        "row identity Z 1 + final demand 1 = GO",
        Z.sum(axis=1) + fd.sum(axis=1),
        x,
        n + fd.shape[1],
    )
