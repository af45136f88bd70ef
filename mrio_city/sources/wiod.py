"""Readers of WIOD data: long-run world tables, 2016-release national tables, JRC CO2.

Files (see the SOURCE.md of each folder):

* ``wiod-longrun/WIODlr_WIOT_<year>.csv``: 26 regions x 23 ISIC Rev.3 sectors,
  millions of US$;
* ``wiod-chn/<ISO3>_NIOT_nov16.csv``: national IO tables 2000-2014, 56 ISIC Rev.4
  sectors, ``;``-separated Excel re-export with a BOM, two header rows and a space as
  thousands separator (``43 833``), whole millions of US$;
* ``wiod-chn/WIOD_CO2_emission_accounts_JRC2019_2000-2014.xlsx``: CO2 by the same 56
  sectors, kt CO2, one sheet per country.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from mrio_city.model.errors import DataSourceError
from mrio_city.model.reader import cell_name

from ._paths import data_file, xlsx_engine
from .iotables import NationalIOTable, WorldIOTable

__all__ = ["read_wiod_longrun", "read_wiod_national", "read_wiod_co2"]

UNIT = "million USD"
CO2_UNIT = "kt CO2"
CO2_FILE = "WIOD_CO2_emission_accounts_JRC2019_2000-2014.xlsx"

_LR_TAIL_ROWS = ("xII", "xVA", "xTXSP", "xSD", "xPURNR", "xPURR", "xMRG_int", "xGO")
_LR_VA_ROWS = ("xVA", "xTXSP", "xSD", "xPURNR", "xPURR", "xMRG_int")
_LR_FD = ("xCONS_h", "xCONS_g", "xGFCF", "xINV")
_LR_TOTALS = ("xTOT_xX", "xTOT_xM", "xTOT_xMRG_int", "xTOT_xGO")
_NIOT_FD = ("CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN", "EXP")
_NIOT_VA = ("TXSP", "EXP_adj", "PURR", "PURNR", "VA", "IntTTM")


def _finite(values: np.ndarray, fname: str, rows, cols, what: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataSourceError(
            f"{fname}, row '{rows[i]}', column '{cols[j]}': expected a finite number in the "
            f"{what} block, found {values[i, j]!r}"
        )


def _rel_check(fname: str, what: str, got: np.ndarray, expected: np.ndarray, labels, rtol):
    diff = np.abs(got - expected)
    tol = rtol * np.maximum(np.abs(expected), 1.0)
    if (diff > tol).any():
        k = int(np.argmax(diff - tol))
        raise DataSourceError(
            f"{fname}, {what} fails for {labels[k]}: {got[k]:.10g} vs {expected[k]:.10g}"
        )


def read_wiod_longrun(year: int, *, data_dir: str | os.PathLike[str] | None = None) -> WorldIOTable:
    """Read a WIOD long-run world input-output table (26 regions x 23 sectors).

    Values are in **millions of US$, current prices** (the CSV keeps 6 decimals).
    Regions: 25 economies (incl. CHN, HKG, TWN) + 'xROW'; sectors: the 23 ISIC Rev.3
    groups of the long-run database (AtB ... LtQ).  Final-demand categories per region:
    'CONS_h' (households), 'CONS_g' (government), 'GFCF', 'INV' (inventory change, may
    be negative).  ``value_added`` rows: 'VA', 'TXSP' (taxes less subsidies on products),
    'SD', 'PURNR', 'PURR', 'MRG_int' (international transport margins), so that
    ``x = 1'Z + 1'value_added``.  The memo columns ``xTOT_xX`` (exports), ``xTOT_xM``
    (imports) and ``xTOT_xMRG_int`` are totals of flows already in Z and Y and are not
    returned.

    Parameters
    ----------
    year : int
        Table year (1995 and 2000 are in the data folder).
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    WorldIOTable
        Unit 'million USD'.  Row and column identities hold to ~1e-8 relative.

    Raises
    ------
    DataSourceError
        Missing file, unexpected row or column labels, non-finite values, negative gross
        output, or identities off by more than 1e-6 relative.
    """
    path = data_file(data_dir, "wiod-longrun", f"WIODlr_WIOT_{year}.csv")
    fname = path.name
    raw = pd.read_csv(path)
    head = ["IndustryCode_isic3", "IndustryDescription", "Country", "Year"]
    if list(raw.columns[:4]) != head:
        raise DataSourceError(
            f"{fname}, header row: expected first columns {head}, found {list(raw.columns[:4])}"
        )
    if tuple(raw.columns[-4:]) != _LR_TOTALS:
        raise DataSourceError(
            f"{fname}, header row: expected last columns {list(_LR_TOTALS)}, "
            f"found {list(raw.columns[-4:])}"
        )
    body = raw[raw["Country"] != "xTOT"]
    tail = raw[raw["Country"] == "xTOT"].set_index("IndustryCode_isic3")
    if tuple(tail.index) != _LR_TAIL_ROWS:
        raise DataSourceError(
            f"{fname}: expected the xTOT rows {list(_LR_TAIL_ROWS)}, found {list(tail.index)}"
        )
    regions = pd.Index(pd.unique(body["Country"]), name="region")
    sectors = pd.Index(pd.unique(body["IndustryCode_isic3"]), name="sector")
    rows = pd.MultiIndex.from_product([regions, sectors], names=["region", "sector"])
    got_rows = list(zip(body["Country"], body["IndustryCode_isic3"]))
    if got_rows != list(rows):
        k = next(i for i, (a, b) in enumerate(zip(got_rows, rows)) if a != b)
        raise DataSourceError(
            f"{fname}, data row {k + 2}: expected (region, sector) {rows[k]}, found {got_rows[k]}"
        )
    z_cols = [f"{r}_{s}" for r in regions for s in sectors]
    y_cols = [f"{r}_{c}" for r in regions for c in _LR_FD]
    expected_cols = z_cols + y_cols
    got = list(raw.columns[4:-4])
    if got != expected_cols:
        k = next(
            (i for i, (a, b) in enumerate(zip(got, expected_cols)) if a != b),
            min(len(got), len(expected_cols)),
        )
        want = expected_cols[k] if k < len(expected_cols) else "end of header"
        found = got[k] if k < len(got) else "end of header"
        raise DataSourceError(f"{fname}, header column {k + 5}: expected '{want}', found '{found}'")
    zv = body[z_cols].to_numpy(float)
    yv = body[y_cols].to_numpy(float)
    xv = body["xTOT_xGO"].to_numpy(float)
    vv = tail.loc[list(_LR_VA_ROWS), z_cols].to_numpy(float)
    _finite(zv, fname, got_rows, z_cols, "Z")
    _finite(yv, fname, got_rows, y_cols, "final demand")
    _finite(vv, fname, _LR_VA_ROWS, z_cols, "value added")
    _finite(xv[:, None], fname, got_rows, ["xTOT_xGO"], "gross output")
    if (xv < 0).any():
        k = int(np.argmin(xv))
        raise DataSourceError(f"{fname}, row {got_rows[k]}: gross output {xv[k]} is negative")
    labels = list(rows)
    _rel_check(fname, "row identity Z 1 + Y 1 = xGO", zv.sum(1) + yv.sum(1), xv, labels, 1e-6)
    _rel_check(
        fname,
        "column identity 1'Z + value added = xGO",
        zv.sum(0) + vv.sum(0),
        tail.loc["xGO", z_cols].to_numpy(float),
        labels,
        1e-6,
    )
    cat_cols = pd.MultiIndex.from_product(
        [regions, [c[1:] for c in _LR_FD]], names=["region", "category"]
    )
    va_index = pd.Index([c[1:] for c in _LR_VA_ROWS], name="component")
    return WorldIOTable(
        year=int(year),
        regions=regions,
        sectors=sectors,
        Z=pd.DataFrame(zv, index=rows, columns=rows),
        Y=pd.DataFrame(yv, index=rows, columns=cat_cols),
        value_added=pd.DataFrame(vv, index=va_index, columns=rows),
        x=pd.Series(xv, index=rows, name="x"),
        unit=UNIT,
        source=fname,
    )


def _to_number(text: pd.DataFrame, fname: str, first_line: int) -> pd.DataFrame:
    """Parse '43 833'-style numbers (space, no-break space or thin space as separator)."""
    cleaned = text.apply(lambda s: s.str.replace(r"[\s\u00a0\u202f]", "", regex=True))
    out = cleaned.apply(pd.to_numeric, errors="coerce")
    bad = out.isna().to_numpy()
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataSourceError(
            f"{fname}, line {first_line + int(text.index[i])}, column '{text.columns[j]}': "
            f"expected a number (space as thousands separator), found {text.iat[i, j]!r}"
        )
    return out.astype(float)


def read_wiod_national(
    country: str = "CHN",
    year: int = 2014,
    *,
    data_dir: str | os.PathLike[str] | None = None,
) -> NationalIOTable:
    """Read a WIOD 2016-release national input-output table (56 sectors).

    Values are in **millions of US$, current prices, rounded to whole millions** in this
    re-export, so identities hold only to rounding (checked with a tolerance of half a
    million per summed term).  The table is non-competitive: ``Z`` and ``final_demand``
    are the 'Domestic' rows, ``import_Z`` / ``import_final_demand`` the 'Imports' rows
    and ``imports`` their row totals (the file's ``GO`` of import rows is 0).
    Final-demand categories: 'CONS_h', 'CONS_np', 'CONS_g', 'GFCF', 'INVEN' (may be
    negative), 'EXP'.  ``value_added`` rows: 'TXSP', 'EXP_adj', 'PURR', 'PURNR'
    (may be negative), 'VA', 'IntTTM', so that ``x = 1'Z + 1'import_Z + 1'value_added``.

    Quirks handled: UTF-8 BOM, ``;`` separator, the second header row of sector
    descriptions (used for ``sector_names``), space thousands separators.

    Parameters
    ----------
    country : str, default='CHN'
        ISO3 code of the file ``<country>_NIOT_nov16.csv`` (CHN and USA are present).
    year : int, default=2014
        Year 2000-2014.
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    NationalIOTable
        Unit 'million USD', layout 'non-competitive'.

    Raises
    ------
    DataSourceError
        Missing file or year, unexpected layout, unparsable numbers (naming the file line
        and column), negative gross output or broken identities.
    """
    path = data_file(data_dir, "wiod-chn", f"{country}_NIOT_nov16.csv")
    fname = path.name
    raw = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, header=None)
    head = raw.iloc[0].tolist()
    sectors, fd_cols = _niot_columns(head, fname)
    desc = raw.iloc[1]
    data = raw.iloc[2:].copy()
    data.columns = head
    data.index = range(len(data))  # file line = index + 3
    rows = data[data["Year"].str.strip() == str(year)]
    if rows.empty:
        years = sorted(data["Year"].dropna().unique())
        raise DataSourceError(f"{fname}: year {year} not found; years present: {years}")
    n = len(sectors)
    parts = {o: _niot_block(rows, o, sectors, fname, year) for o in ("Domestic", "Imports")}
    tot = rows[rows["Origin"].str.strip() == "TOT"].copy()
    tot.index = tot["Code"].str.strip()
    missing = [c for c in (*_NIOT_VA, "GO") if c not in tot.index]
    if missing:
        raise DataSourceError(f"{fname}: TOT rows {missing} missing for year {year}")
    index = pd.Index(sectors, name="sector")
    num = {o: _to_number(b[sectors + fd_cols + ["GO"]], fname, 3) for o, b in parts.items()}
    dom, imp = num["Domestic"], num["Imports"]
    va_rows = tot.loc[list(_NIOT_VA), sectors]
    va_rows.index = range(len(va_rows))
    va = _to_number(va_rows, fname, 3).set_axis(pd.Index(_NIOT_VA, name="component"))
    va.columns = index
    Z = dom[sectors].set_axis(index).set_axis(index, axis=1)
    fd = dom[fd_cols].set_axis(index).rename_axis(columns="category")
    x = dom["GO"].set_axis(index).rename("x")
    if (x < 0).any():
        raise DataSourceError(f"{fname}, year {year}, sector '{x.idxmin()}': negative gross output")
    import_Z = imp[sectors].set_axis(index).set_axis(index, axis=1)
    import_fd = imp[fd_cols].set_axis(index).rename_axis(columns="category")
    imports = (import_Z.sum(axis=1) + import_fd.sum(axis=1)).rename("imports")
    _check_niot_identities(fname, year, Z, fd, import_Z, va, x)
    names = pd.DataFrame(
        {"name_en": [str(desc[4 + i]).strip() for i in range(n)], "name_zh": [""] * n},
        index=index,
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
        layout="non-competitive",
        domestic=True,
        import_Z=import_Z,
        import_final_demand=import_fd,
        source=fname,
        notes=("WIOD NIOT re-export rounded to whole millions of US$",),
    )


def read_wiod_co2(
    countries: str | Iterable[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Read the JRC (2019) WIOD CO2 emission accounts by country, sector and year.

    Industry emissions only (household direct emissions are not in this file), years
    2000-2014, the 56 WIOD 2016 sectors (same codes as :func:`read_wiod_national`).

    Parameters
    ----------
    countries : str or iterable of str, optional
        Sheet names to read (ISO3 codes, 'RoW'); default all 44.
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame
        Long frame with columns 'country', 'sector', 'year', 'value', 'unit'
        (unit 'kt CO2').

    Raises
    ------
    DataSourceError
        Missing file or sheet, or a sheet whose header cells differ from the layout
        (row 1 country code, row 2 sector codes, column A years); the message names the
        sheet and cell.
    """
    path = data_file(data_dir, "wiod-chn", CO2_FILE)
    with pd.ExcelFile(path, engine=xlsx_engine()) as book:
        sheets = [s for s in book.sheet_names if s not in ("Notes", "Sector")]
        if countries is not None:
            wanted = [countries] if isinstance(countries, str) else list(countries)
            unknown = [c for c in wanted if c not in sheets]
            if unknown:
                raise DataSourceError(f"{CO2_FILE}: no sheet for {unknown}; sheets are {sheets}")
            sheets = wanted
        sec = pd.read_excel(book, "Sector", header=None)
        # The 'Sector' sheet also lists FC_HH (households), which the country sheets of
        # this trimmed file do not carry.
        codes = [str(c).strip() for c in sec.iloc[2:, 1].dropna() if str(c).strip() != "FC_HH"]
        frames = []
        for sheet in sheets:
            raw = pd.read_excel(book, sheet, header=None)
            frames.append(_co2_sheet(raw, sheet, codes))
    out = pd.concat(frames, ignore_index=True)
    out["unit"] = CO2_UNIT
    return out


def _co2_sheet(raw: pd.DataFrame, sheet: str, codes: list[str]) -> pd.DataFrame:
    n = len(codes)
    if raw.shape[1] != n + 1:
        raise DataSourceError(
            f"{CO2_FILE}: sheet '{sheet}': expected {n} sector columns B..{cell_name(0, n)[:-1]}"
            f" (the codes of sheet 'Sector' without FC_HH), found {raw.shape[1] - 1}"
        )
    for j in range(n):
        got = str(raw.iat[0, j + 1]).strip()
        if got != sheet:
            raise DataSourceError(
                f"{CO2_FILE}: sheet '{sheet}', cell {cell_name(0, j + 1)}: expected country "
                f"'{sheet}', found '{got}'"
            )
        got = str(raw.iat[1, j + 1]).strip()
        if got != codes[j]:
            raise DataSourceError(
                f"{CO2_FILE}: sheet '{sheet}', cell {cell_name(1, j + 1)}: expected sector "
                f"'{codes[j]}', found '{got}'"
            )
    years = []
    for i in range(2, raw.shape[0]):
        y = raw.iat[i, 0]
        if not (isinstance(y, (int, float, np.number)) and re.fullmatch(r"\d{4}", f"{y:.0f}")):
            raise DataSourceError(
                f"{CO2_FILE}: sheet '{sheet}', cell {cell_name(i, 0)}: expected a year, found {y!r}"
            )
        years.append(int(y))
    values = raw.iloc[2:, 1 : n + 1].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataSourceError(
            f"{CO2_FILE}: sheet '{sheet}', cell {cell_name(i + 2, j + 1)}: expected a number, "
            f"found {raw.iat[i + 2, j + 1]!r}"
        )
    return pd.DataFrame(
        {
            "country": sheet,
            "sector": np.tile(codes, len(years)),
            "year": np.repeat(years, n),
            "value": values.ravel(),
        }
    )


def _niot_columns(head: list, fname: str) -> tuple[list[str], list[str]]:
    """Sector and final-demand columns of a NIOT header (checked: fixed columns, 'GO')."""
    if head[:4] != ["Year", "Code", "Description", "Origin"]:
        raise DataSourceError(
            f"{fname}, line 1: expected columns Year;Code;Description;Origin, found {head[:4]}"
        )
    try:
        i_go = head.index("GO")
    except ValueError:
        raise DataSourceError(f"{fname}, line 1: expected a 'GO' column, not found") from None
    fd_cols = list(_NIOT_FD)
    if head[i_go - len(fd_cols) : i_go] != fd_cols:
        raise DataSourceError(
            f"{fname}, line 1: expected final-demand columns {fd_cols} before 'GO', "
            f"found {head[i_go - len(fd_cols) : i_go]}"
        )
    return head[4 : i_go - len(fd_cols)], fd_cols


def _niot_block(rows: pd.DataFrame, origin: str, sectors: list, fname: str, year: int):
    """The 'Domestic' or 'Imports' rows of one year, in the order of the sector columns."""
    n = len(sectors)
    blk = rows[rows["Origin"].str.strip() == origin]
    codes = blk["Code"].str.strip().tolist()
    if codes != sectors:
        k = next((i for i, (a, b) in enumerate(zip(codes, sectors)) if a != b), min(len(codes), n))
        line = int(blk.index[k]) + 3 if k < len(blk) else "end"
        want = sectors[k] if k < n else "end of block"
        found = codes[k] if k < len(codes) else "end of block"
        raise DataSourceError(
            f"{fname}, line {line} ({origin} rows of {year}): expected code '{want}', "
            f"found '{found}'"
        )
    return blk


def _check_niot_identities(fname, year, Z, fd, import_Z, va, x) -> None:
    """Row and column identities, to half a published million per summed term."""
    n = len(x)
    tol = 0.5 * (2 * n + len(_NIOT_VA)) + 1e-9 * x.abs()
    for what, resid in (
        ("row identity Z 1 + final demand 1 = GO", x - Z.sum(axis=1) - fd.sum(axis=1)),
        (
            "column identity 1'Z + 1'Z_imp + value added = GO",
            x - Z.sum(axis=0) - import_Z.sum(axis=0) - va.sum(axis=0),
        ),
    ):
        if (resid.abs() > tol).any():
            k = resid.abs().idxmax()
            raise DataSourceError(
                f"{fname}, year {year}, sector '{k}': {what} off by {resid[k]:.6g} {UNIT}"
            )
