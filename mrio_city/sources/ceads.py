"""Readers of CEADs CO2 inventories (national, 30 provinces, 290 cities) and county CO2.

Files (``<data_dir>/ceads-emissions`` and ``<data_dir>/china-county-co2``; see their
SOURCE.md).  All values are **Mt CO2** (million tonnes).  The provincial and national
inventories follow the IPCC sectoral approach: CEADs' "47 sectors" (45 production sectors
+ urban and rural households) x 17 fossil fuels + cement process (scope 1, territorial).
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from mrio_city.model.errors import DataSourceError
from mrio_city.model.reader import cell_name

from ._paths import data_file, xlsx_engine
from ._provinces import BY_EN_NOSPACE, BY_SHORT, BY_ZH

__all__ = [
    "CEADS_SECTORS",
    "CEADS_FUELS",
    "read_ceads_provinces",
    "read_ceads_national",
    "read_ceads_cities",
    "read_county_co2",
]

UNIT = "Mt CO2"
_FOLDER = "ceads-emissions"
NATIONAL_FILE = "China_CO2_Inventory_1997-2019_(IPCC_Sectoral_Emissions).xlsx"
CITY_FILE = "The_Emission_Inventories_for_290_Chinese_Cities_from_1997_to_2019.xlsx"
PROVINCES_FILE = "Emission_Inventories_for_30_Provinces_{year}.xlsx"
COUNTY_FILE = "county_co2_1997_2017.xlsx"

#: The 17 fossil fuels of the CEADs inventories, in sheet order.
CEADS_FUELS: tuple[str, ...] = (
    "Raw Coal",
    "Cleaned Coal",
    "Other Washed Coal",
    "Briquettes",
    "Coke",
    "Coke Oven Gas",
    "Other Gas",
    "Other Coking Products",
    "Crude Oil",
    "Gasoline",
    "Kerosene",
    "Diesel Oil",
    "Fuel Oil",
    "LPG",
    "Refinery Gas",
    "Other Petroleum Products",
    "Natural Gas",
)
_ZERO_COLUMNS = ("Scope 2 Heat", "Scope 2 Electricity", "Other Energy")
_HEADER = (*CEADS_FUELS, *_ZERO_COLUMNS, "Process", "Scope 1 Total")

#: The 45 CEADs production sectors (codes CE01..CE45 are ours; names as in the workbooks).
#: CEADs speaks of "47 sectors": these 45 plus the household rows Urban and Rural.
CEADS_SECTORS: tuple[str, ...] = (
    "Farming, Forestry, Animal Husbandry, Fishery and Water Conservancy",
    "Coal Mining and Dressing",
    "Petroleum and Natural Gas Extraction",
    "Ferrous Metals Mining and Dressing",
    "Nonferrous Metals Mining and Dressing",
    "Nonmetal Minerals Mining and Dressing",
    "Other Minerals Mining and Dressing",
    "Logging and Transport of Wood and Bamboo",
    "Food Processing",
    "Food Production",
    "Beverage Production",
    "Tobacco Processing",
    "Textile Industry",
    "Garments and Other Fiber Products",
    "Leather, Furs, Down and Related Products",
    "Timber Processing, Bamboo, Cane, Palm Fiber & Straw Products",
    "Furniture Manufacturing",
    "Papermaking and Paper Products",
    "Printing and Record Medium Reproduction",
    "Cultural, Educational and Sports Articles",
    "Petroleum Processing and Coking",
    "Raw Chemical Materials and Chemical Products",
    "Medical and Pharmaceutical Products",
    "Chemical Fiber",
    "Rubber Products",
    "Plastic Products",
    "Nonmetal Mineral Products",
    "Smelting and Pressing of Ferrous Metals",
    "Smelting and Pressing of Nonferrous Metals",
    "Metal Products",
    "Ordinary Machinery",
    "Equipment for Special Purposes",
    "Transportation Equipment",
    "Electric Equipment and Machinery",
    "Electronic and Telecommunications Equipment",
    "Instruments, Meters, Cultural and Office Machinery",
    "Other Manufacturing Industry",
    "Scrap and waste",
    "Production and Supply of Electric Power, Steam and Hot Water",
    "Production and Supply of Gas",
    "Production and Supply of Tap Water",
    "Construction",
    "Transportation, Storage, Post and Telecommunication Services",
    "Wholesale, Retail Trade and Catering Services",
    "Others",
)
_ROWS = (*CEADS_SECTORS, "Urban", "Rural")
_CODES = (*(f"CE{i:02d}" for i in range(1, 46)), "URBAN", "RURAL")
_TOTAL_ALIASES = ("Total Consumption", "Total Emissions")  # Hunan2017 uses the latter
_TOL = 1e-6  # Mt CO2; the workbooks balance to ~1e-12


def _norm(text: object) -> str:
    """Normalise a header: strip, underscores to spaces, collapse whitespace."""
    return re.sub(r"\s+", " ", str(text).replace("_", " ")).strip()


def _parse_inventory(raw: pd.DataFrame, fname: str, sheet: str, include_totals: bool):
    """Parse one 51 x 23 inventory sheet into a long frame (sector, fuel, value)."""
    where = f"{fname}: sheet '{sheet}'"
    if raw.shape[0] < 4 + len(_ROWS) or raw.shape[1] < 1 + len(_HEADER):
        raise DataSourceError(
            f"{where}: expected at least {4 + len(_ROWS)} rows x {1 + len(_HEADER)} columns, "
            f"found {raw.shape[0]} x {raw.shape[1]}"
        )
    for j, name in enumerate(_HEADER, start=1):
        got = _norm(raw.iat[0, j])
        if got.lower() != name.lower():
            raise DataSourceError(
                f"{where}, cell {cell_name(0, j)}: expected header '{name}', found '{got}'"
            )
        unit = _norm(raw.iat[1, j])
        if unit != UNIT:
            raise DataSourceError(
                f"{where}, cell {cell_name(1, j)}: expected unit '{UNIT}', found '{unit}'"
            )
    got = _norm(raw.iat[3, 0])
    if got not in _TOTAL_ALIASES:
        raise DataSourceError(
            f"{where}, cell A4: expected header 'Total Consumption', found '{got}'"
        )
    for i, name in enumerate(_ROWS, start=4):
        got = _norm(raw.iat[i, 0])
        if got.lower() != name.lower():
            raise DataSourceError(
                f"{where}, cell {cell_name(i, 0)}: expected sector '{name}', found '{got}'"
            )
    block = raw.iloc[3 : 4 + len(_ROWS), 1 : 1 + len(_HEADER)]
    values = block.apply(pd.to_numeric, errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataSourceError(
            f"{where}, cell {cell_name(i + 3, j + 1)}: expected a number, found {block.iat[i, j]!r}"
        )
    total, body = values[0], values[1:]
    n_f = len(CEADS_FUELS)
    zero = np.abs(values[:, n_f : n_f + len(_ZERO_COLUMNS)])
    if zero.max() > 0:
        i, j = np.unravel_index(np.argmax(zero), zero.shape)
        raise DataSourceError(
            f"{where}, cell {cell_name(i + 3, j + 1 + n_f)}: expected 0 in the scope-2/other "
            f"energy columns (this reader handles scope-1 inventories), found {zero[i, j]}"
        )
    resid = np.abs(body.sum(axis=0) - total)
    if resid.max() > _TOL:
        j = int(np.argmax(resid))
        raise DataSourceError(
            f"{where}, cell {cell_name(3, j + 1)}: total row != sum of 45 sectors + Urban + "
            f"Rural (difference {resid[j]:.3g} {UNIT})"
        )
    scope1 = values[:, :n_f].sum(axis=1) + values[:, len(_HEADER) - 2]
    resid = np.abs(scope1 - values[:, -1])
    if resid.max() > _TOL:
        i = int(np.argmax(resid))
        raise DataSourceError(
            f"{where}, cell {cell_name(i + 3, len(_HEADER))}: 'Scope 1 Total' != 17 fuels + "
            f"Process (difference {resid[i]:.3g} {UNIT})"
        )
    fuels = [*CEADS_FUELS, "Process"]
    keep = [*range(n_f), len(_HEADER) - 2]
    codes, names, data = list(_CODES), list(_ROWS), body[:, keep]
    if include_totals:
        fuels.append("Scope 1 Total")
        data = np.vstack([body, total[None, :]])[:, [*keep, len(_HEADER) - 1]]
        codes.append("TOTAL")
        names.append("Total")
    return pd.DataFrame(
        {
            "sector_code": np.repeat(codes, len(fuels)),
            "sector": np.repeat(names, len(fuels)),
            "fuel": np.tile(fuels, len(codes)),
            "value": data.ravel(),
        }
    )


def read_ceads_provinces(
    year: int,
    *,
    include_totals: bool = False,
    data_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Read the CEADs provincial CO2 inventories of one year (30 provinces).

    Scope-1 territorial emissions, IPCC sectoral approach, in **Mt CO2**.  Sectors are
    the 45 CEADs production sectors (codes 'CE01' ... 'CE45', see ``CEADS_SECTORS``) plus household
    rows 'URBAN' and 'RURAL'; fuels are the 17 fossil fuels plus 'Process' (cement).
    The all-zero columns 'Scope 2 Heat', 'Scope 2 Electricity' and 'Other Energy' are
    checked to be zero and dropped.  Every sheet is checked: 45 sectors + Urban + Rural
    = 'Total Consumption' and 17 fuels + Process = 'Scope 1 Total' (to 1e-6 Mt).
    Quirks handled: padded sector names, and sheet 'Hunan2017' whose headers use
    underscores ('Raw_Coal') and 'Total Emissions' for 'Total Consumption'.

    Parameters
    ----------
    year : int
        Inventory year (2012, 2014, 2015, 2017 are in the data folder).
    include_totals : bool, default=False
        Also return the 'TOTAL' sector rows and the 'Scope 1 Total' fuel, as published.
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame
        Long frame with columns 'year', 'province_code', 'province' (Chinese),
        'province_en', 'sector_code', 'sector', 'fuel', 'value', 'unit' ('Mt CO2').

    Raises
    ------
    DataSourceError
        Missing file; unexpected sheet name, header, sector, unit or number (the message
        names file, sheet and cell); broken totals.
    """
    fname = PROVINCES_FILE.format(year=year)
    path = data_file(data_dir, _FOLDER, fname)
    frames = []
    sheets = pd.read_excel(path, sheet_name=None, header=None, engine=xlsx_engine())
    for sheet, raw in sheets.items():
        if sheet.strip().upper() == "NOTE":
            continue
        m = re.fullmatch(r"([A-Za-z ]+?)\s*(\d{4})", sheet.strip())
        prov = BY_EN_NOSPACE.get(m.group(1).replace(" ", "").lower()) if m else None
        if prov is None or int(m.group(2)) != int(year):
            raise DataSourceError(
                f"{fname}: sheet '{sheet}': expected a sheet named '<Province>{year}'"
            )
        long = _parse_inventory(raw, fname, sheet, include_totals)
        long.insert(0, "province_en", prov[3])
        long.insert(0, "province", prov[1])
        long.insert(0, "province_code", prov[0])
        frames.append(long)
    if len(frames) != 30:
        raise DataSourceError(f"{fname}: expected 30 province sheets, found {len(frames)}")
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "year", int(year))
    out["unit"] = UNIT
    return out


def read_ceads_national(
    year: int,
    *,
    include_totals: bool = False,
    data_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Read the CEADs national CO2 inventory of China for one year (1997-2019).

    Same layout, checks and output columns as :func:`read_ceads_provinces` (one sheet
    named after the year), without the province columns.

    Parameters
    ----------
    year : int
        Inventory year, 1997-2019.
    include_totals : bool, default=False
        Also return the 'TOTAL' sector rows and the 'Scope 1 Total' fuel.
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame
        Long frame with columns 'year', 'sector_code', 'sector', 'fuel', 'value', 'unit'
        ('Mt CO2').

    Raises
    ------
    DataSourceError
        Missing file or sheet, unexpected layout (file, sheet and cell named).
    """
    path = data_file(data_dir, _FOLDER, NATIONAL_FILE)
    with pd.ExcelFile(path, engine=xlsx_engine()) as book:
        if str(year) not in book.sheet_names:
            raise DataSourceError(
                f"{NATIONAL_FILE}: no sheet '{year}'; year sheets are "
                f"{[s for s in book.sheet_names if s.isdigit()]}"
            )
        raw = pd.read_excel(book, str(year), header=None)
    out = _parse_inventory(raw, NATIONAL_FILE, str(year), include_totals)
    out.insert(0, "year", int(year))
    out["unit"] = UNIT
    return out


def read_ceads_cities(*, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read the CEADs total CO2 of 290 Chinese cities, 1997-2019 (and one 1995 value).

    Total city CO2 only (no sectors), in **Mt CO2**, from sheet 'emission vector'.  City
    names are as published: Chinese province short name + city short name (``安徽安庆``);
    municipalities are bare (``北京``).  The province is split off by the longest
    matching province short name.  Unbalanced panel: 263 cities have a 2012 value.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame
        Long frame with columns 'city' (name as published), 'province_code', 'province',
        'city_short' (name without the province prefix), 'year', 'value', 'unit'.

    Raises
    ------
    DataSourceError
        Missing file or sheet, unexpected header (cell named), a name whose province
        prefix is unknown, a non-numeric or negative value, or duplicated (city, year).
    """
    path = data_file(data_dir, _FOLDER, CITY_FILE)
    sheet = "emission vector"
    with pd.ExcelFile(path, engine=xlsx_engine()) as book:
        if sheet not in book.sheet_names:
            raise DataSourceError(f"{CITY_FILE}: sheet '{sheet}' not found ({book.sheet_names})")
        raw = pd.read_excel(book, sheet, header=None)
    header = ["ID", "city", "year", "emission"]
    for j, name in enumerate(header):
        got = _norm(raw.iat[0, j])
        if got != name:
            raise DataSourceError(
                f"{CITY_FILE}: sheet '{sheet}', cell {cell_name(0, j)}: expected header "
                f"'{name}', found '{got}'"
            )
    data = raw.iloc[1:, :4].set_axis(header, axis=1)
    city = data["city"].astype(str).str.strip()
    year = pd.to_numeric(data["year"], errors="coerce")
    value = pd.to_numeric(data["emission"], errors="coerce")
    bad = year.isna() | ~np.isfinite(value) | (value < 0)
    if bad.any():
        i = int(np.argmax(bad.to_numpy())) + 1
        raise DataSourceError(
            f"{CITY_FILE}: sheet '{sheet}', row {i + 1}: expected a year and a non-negative "
            f"emission, found {raw.iat[i, 2]!r}, {raw.iat[i, 3]!r}"
        )
    shorts = sorted(BY_SHORT, key=len, reverse=True)
    prov, rest = [], []
    for k, name in enumerate(city):
        p = next((s for s in shorts if name.startswith(s)), None)
        if p is None:
            raise DataSourceError(
                f"{CITY_FILE}: sheet '{sheet}', cell {cell_name(k + 1, 1)}: city name "
                f"'{name}' does not start with a province short name"
            )
        prov.append(BY_SHORT[p])
        rest.append(name[len(p) :] or name)
    out = pd.DataFrame(
        {
            "city": city.to_numpy(),
            "province_code": [p[0] for p in prov],
            "province": [p[1] for p in prov],
            "city_short": rest,
            "year": year.astype(int).to_numpy(),
            "value": value.astype(float).to_numpy(),
            "unit": UNIT,
        }
    )
    dup = out.duplicated(["city", "year"])
    if dup.any():
        i = int(np.argmax(dup.to_numpy()))
        raise DataSourceError(
            f"{CITY_FILE}: sheet '{sheet}', row {i + 2}: duplicated (city, year) "
            f"({out.at[i, 'city']}, {out.at[i, 'year']})"
        )
    return out


def read_county_co2(*, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read county-level CO2 emissions of China, 1997-2017 (Chen et al. 2020).

    Total CO2 per county in **Mt CO2** (no sectors), 2,735 counties.  Quirks handled:
    three county codes carry a '（2）' suffix (second code of a new district, e.g.
    ``320211（2）``; the six digits go to 'county_code', the raw text to
    'county_code_raw'; 'county_code' is therefore not unique: use 'county_code_raw' as the
    key), and the blank row + footnote at the end of the sheet are dropped.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    DataFrame
        Long frame with columns 'county_code', 'county_code_raw', 'county', 'county_en',
        'city', 'city_en', 'province', 'province_en', 'year', 'value', 'unit' ('Mt CO2').

    Raises
    ------
    DataSourceError
        Missing file, unexpected header (cell named), a malformed county code or a
        missing/negative value (row named).
    """
    path = data_file(data_dir, "china-county-co2", COUNTY_FILE)
    sheet = "Unit (Million tons)"
    with pd.ExcelFile(path, engine=xlsx_engine()) as book:
        if sheet not in book.sheet_names:
            raise DataSourceError(f"{COUNTY_FILE}: sheet '{sheet}' not found ({book.sheet_names})")
        raw = pd.read_excel(book, sheet, header=None, dtype=object)
    names = [
        "DISTCODE地区代码",
        "County Name",
        "County Name",
        "City Name",
        "City Name",
        "Province Name",
        "Province Name",
    ]
    years = list(range(1997, 2018))
    header = [*names, *(f"C{y}" for y in years)]
    for j, name in enumerate(header):
        got = _norm(raw.iat[0, j])
        if got != name:
            raise DataSourceError(
                f"{COUNTY_FILE}: sheet '{sheet}', cell {cell_name(0, j)}: expected header "
                f"'{name}', found '{got}'"
            )
    body = raw.iloc[1:, : len(header)]
    code_raw = body.iloc[:, 0]
    is_note = code_raw.isna() | code_raw.astype(str).str.startswith("Note")
    # Only a blank row and footnotes may follow the data.
    first_note = int(np.argmax(is_note.to_numpy())) if is_note.any() else len(body)
    if not is_note.iloc[first_note:].all():
        raise DataSourceError(
            f"{COUNTY_FILE}: sheet '{sheet}', row {first_note + 2}: empty county code inside "
            "the data"
        )
    body = body.iloc[:first_note]
    code_raw = body.iloc[:, 0].astype(str).str.strip()
    code = code_raw.str.extract(r"^(\d{6})(?:（\d）|\(\d\))?$")[0]
    if code.isna().any():
        i = int(np.argmax(code.isna().to_numpy()))
        raise DataSourceError(
            f"{COUNTY_FILE}: sheet '{sheet}', cell {cell_name(i + 1, 0)}: expected a 6-digit "
            f"county code, found {code_raw.iloc[i]!r}"
        )
    values = body.iloc[:, len(names) :].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataSourceError(
            f"{COUNTY_FILE}: sheet '{sheet}', cell {cell_name(i + 1, j + len(names))}: "
            f"expected a non-negative number, found {body.iat[i, j + len(names)]!r}"
        )
    labels = {
        "county_code": code.to_numpy(),
        "county_code_raw": code_raw.to_numpy(),
        "county": body.iloc[:, 1].astype(str).str.strip().to_numpy(),
        "county_en": body.iloc[:, 2].astype(str).str.strip().to_numpy(),
        "city": body.iloc[:, 3].astype(str).str.strip().to_numpy(),
        "city_en": body.iloc[:, 4].astype(str).str.strip().to_numpy(),
        "province": body.iloc[:, 5].astype(str).str.strip().to_numpy(),
        "province_en": body.iloc[:, 6].astype(str).str.strip().to_numpy(),
    }
    n = len(body)
    out = pd.DataFrame({k: np.repeat(v, len(years)) for k, v in labels.items()})
    out["year"] = np.tile(years, n)
    out["value"] = values.ravel()
    out["unit"] = UNIT
    unknown = sorted(set(labels["province"]) - set(BY_ZH))
    if unknown:
        raise DataSourceError(f"{COUNTY_FILE}: sheet '{sheet}': unknown province names {unknown}")
    return out
