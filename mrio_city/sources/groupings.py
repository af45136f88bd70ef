"""City and sector groupings: shipped lists, city attributes and the user's CSV files.

:func:`city_grouping` turns a grouping name into a city -> group mapping for
:meth:`~mrio_city.accounts.footprints.Accounts.by_group` and
:func:`~mrio_city.model.aggregate.aggregate`;
:func:`sector_grouping` does the same for sectors.  The shipped files and their sources are
described in ``tables/groupings/README.md`` and ``docs/groups.md``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city._resources import shipped
from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import DataSourceError, LabelMismatchError
from mrio_city.model.reader import did_you_mean

__all__ = [
    "CITY_GROUPINGS",
    "SECTOR_GROUPINGS",
    "SIZE_CLASSES",
    "as_partition",
    "census_urban_population",
    "city_grouping",
    "sector_grouping",
    "size_class",
]

#: Built-in city groupings besides any city attribute of the table (e.g. 'province').
CITY_GROUPINGS = {
    "agglomeration": "national urban agglomerations (official plans; tables/groupings)",
    "size": "city size classes by census urban population (State Council 2014 thresholds)",
    "typology": "production- vs consumption-led trade type of each city",
}

#: Shipped sector groupings of the 42-sector tables.
SECTOR_GROUPINGS = {
    "17": "17 groups: CO2-intensive sectors kept apart (tables/groupings/sectors-17.csv)",
    "6": "6 groups: agriculture, mining, manufacturing, energy, construction, services",
}

#: City size classes of the State Council notice on city-size criteria (国发〔2014〕51号),
#: lower bounds in persons of urban resident population (城区常住人口).  Applied to the census
#: urban resident population of each prefecture (:func:`census_urban_population`) when the
#: table's cities carry census codes and the census data are present, else to the table's
#: resident population of the whole prefecture; both are proxies of the notice's urban-district
#: count (a prefecture's urban population includes its county towns), said in
#: ``attrs['approximation']``.
SIZE_CLASSES = (
    ("super-large (10 M and more)", 10_000_000),
    ("mega (5-10 M)", 5_000_000),
    ("large I (3-5 M)", 3_000_000),
    ("large II (1-3 M)", 1_000_000),
    ("medium (0.5-1 M)", 500_000),
    ("small (under 0.5 M)", 0),
)


def size_class(population: np.ndarray) -> np.ndarray:
    """Size class label of each population [persons] (see :data:`SIZE_CLASSES`)."""
    pop = np.asarray(population, dtype=float)
    out = np.empty(pop.shape, dtype=object)
    for label, lower in reversed(SIZE_CLASSES):
        out[pop >= lower] = label
    return out


def census_urban_population(
    codes: pd.Series, year: int | None = None, *, data_dir=None
) -> pd.Series:
    """Census urban resident population of prefectures by census code [persons].

    Parameters
    ----------
    codes : Series
        City -> 6-digit census code (``city_attributes['city_code']`` of the real tables).
    year : int, optional
        Year of the table: the census nearest to it (2010 before 2015, else 2020).
    data_dir : path-like, optional
        Data folder; default :func:`~mrio_city.sources.default_data_dir`.

    Returns
    -------
    Series
        City -> ``popu_urban_<census year>`` [persons]; NaN where the census has no value or
        no unit with that code.  ``attrs['census_year']`` holds the census year.

    Raises
    ------
    DataSourceError
        When the census file is missing or malformed.
    """
    from mrio_city.sources.census import read_census_cities

    census_year = 2010 if year is None or year < 2015 else 2020
    census = read_census_cities(data_dir=data_dir)
    urban = census[f"popu_urban_{census_year}"]
    out = codes.astype(str).map(urban).astype(float).rename("urban_population")
    out.attrs["census_year"] = census_year
    return out


def _size_classes(table: BaseTable) -> pd.Series:
    if table.population is None:
        raise LabelMismatchError(f"table {table.name!r} has no population: no size classes")
    pop = pd.Series(np.asarray(table.population, dtype=float), index=table.cities)
    basis = (
        "the table's resident population of the whole prefecture (no census codes or census "
        "data): a proxy of the urban-district count that classes prefectures larger"
    )
    attrs = table.city_attributes
    if attrs is not None and "city_code" in attrs.columns:
        try:
            urban = census_urban_population(
                attrs["city_code"].reindex(table.cities), table.meta.year
            )
        except DataSourceError:
            urban = None
        if urban is not None and urban.notna().any():
            missing = list(urban.index[urban.isna()])
            basis = (
                f"census {urban.attrs['census_year']} urban resident population of the "
                "prefecture (incl. county towns; a proxy of the notice's urban-district count)"
                + (
                    f"; {len(missing)} cities without a census value use the table's "
                    f"population: {missing[:5]}"
                    if missing
                    else ""
                )
            )
            pop = urban.fillna(pop)
    out = pd.Series(size_class(pop.to_numpy()), index=table.cities, name="group")
    out.attrs["approximation"] = basis
    return out


def _agglomerations(table: BaseTable) -> pd.DataFrame:
    attrs = table.city_attributes
    if attrs is not None and "city_code" in attrs.columns:
        lists = pd.read_csv(shipped("tables", "groupings", "agglomerations.csv"), dtype=str)
        code_to_city = {str(c): city for city, c in attrs["city_code"].items() if pd.notna(c)}
        lists["city"] = lists["city_code"].map(code_to_city)
        out = lists.dropna(subset=["city"])[["city", "agglomeration"]]
        out = out.rename(columns={"agglomeration": "group"}).reset_index(drop=True)
        out.attrs["approximation"] = "none: member cities matched by census code"
        return out
    if attrs is None or "province" not in attrs.columns:
        raise LabelMismatchError(
            f"table {table.name!r}: the agglomeration grouping needs a 'city_code' or "
            "'province' city attribute"
        )
    by_prov = pd.read_csv(shipped("tables", "groupings", "agglomerations-by-province.csv"))
    prov_to_group = dict(zip(by_prov["province"], by_prov["agglomeration"]))
    groups = attrs["province"].map(prov_to_group)
    out = pd.DataFrame({"city": attrs.index, "group": groups.to_numpy()}).dropna()
    out.attrs["approximation"] = "whole provinces (tables/groupings/agglomerations-by-province.csv)"
    return out.reset_index(drop=True)


def _read_user_grouping(path: Path, key: str) -> pd.DataFrame:
    if not path.is_file():
        raise DataSourceError(f"grouping file {str(path)!r} does not exist")
    try:
        df = pd.read_csv(path, dtype=str)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"grouping file {str(path)!r}: not a readable CSV ({exc})") from None
    need = {key, "group"}
    if not need <= set(df.columns):
        raise DataSourceError(
            f"grouping file {str(path)!r}: needs columns {sorted(need)}, found {list(df.columns)}"
        )
    return df[[key, "group"]]


def city_grouping(table: BaseTable, spec: str, *, accounts=None) -> pd.Series | pd.DataFrame:
    """City -> group mapping named by ``spec``.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    spec : str
        A city attribute of the table (e.g. ``'province'``), one of :data:`CITY_GROUPINGS`, or
        the path of a CSV file with columns ``city`` and ``group`` (a city may appear in
        several groups).
    accounts : Accounts, optional
        Needed by ``'typology'``.

    Returns
    -------
    Series (city -> group) or DataFrame (columns 'city', 'group')

    Raises
    ------
    LabelMismatchError, DataSourceError
        Unknown grouping names (with a suggestion), unreadable files, missing attributes.
    """
    attrs = table.city_attributes
    if attrs is not None and spec in attrs.columns:
        return attrs[spec].rename("group")
    if spec == "agglomeration":
        return _agglomerations(table)
    if spec == "size":
        return _size_classes(table)
    if spec == "typology":
        if accounts is None:
            raise ValueError("the typology grouping needs the table's accounts")
        from mrio_city.analyses.typology import classify_cities

        return classify_cities(table, accounts)["trade_type"].rename("group")
    if spec.lower().endswith(".csv") or Path(spec).exists():
        return _read_user_grouping(Path(spec), "city")
    options = [*CITY_GROUPINGS, *([] if attrs is None else attrs.columns)]
    raise LabelMismatchError(
        f"unknown city grouping {spec!r}: choose a city attribute of table {table.name!r}, one "
        f"of {sorted(CITY_GROUPINGS)}, or a CSV file with columns city,group"
        + did_you_mean(spec, options)
    )


def as_partition(mapping: pd.Series | pd.DataFrame, *, what: str) -> pd.Series:
    """City -> group Series from a grouping, refusing cities listed in several groups.

    Raises
    ------
    LabelMismatchError
        Naming the cities that belong to more than one group.
    """
    if isinstance(mapping, pd.Series):
        return mapping
    dup = mapping.loc[mapping["city"].duplicated(), "city"].unique().tolist()
    if dup:
        raise LabelMismatchError(
            f"{what}: {len(dup)} city(ies) belong to several groups ({dup[:6]}); aggregation "
            "needs each city in exactly one group"
        )
    return pd.Series(mapping["group"].to_numpy(), index=mapping["city"].to_numpy(), name="group")


def sector_grouping(table: BaseTable, spec: str) -> pd.Series:
    """Sector -> group mapping: ``'17'``, ``'6'`` (42-sector tables) or a CSV (sector,group).

    Raises
    ------
    LabelMismatchError
        When the grouping does not cover exactly the table's sectors, or the name is unknown.
    """
    if spec in SECTOR_GROUPINGS:
        df = pd.read_csv(shipped("tables", "groupings", f"sectors-{spec}.csv"), dtype=str)
        source = f"shipped sector grouping {spec!r}"
    elif spec.lower().endswith(".csv") or Path(spec).exists():
        df = _read_user_grouping(Path(spec), "sector")
        source = f"grouping file {spec!r}"
    else:
        raise LabelMismatchError(
            f"unknown sector grouping {spec!r}: choose one of {sorted(SECTOR_GROUPINGS)} or a CSV "
            "file with columns sector,group" + did_you_mean(spec, list(SECTOR_GROUPINGS))
        )
    mapping = pd.Series(df["group"].to_numpy(), index=df["sector"].to_numpy(), name="group")
    missing = [s for s in table.sectors if s not in mapping.index]
    if missing:
        raise LabelMismatchError(
            f"{source} does not cover sector(s) {missing[:6]} of table {table.name!r}"
        )
    return mapping.loc[list(table.sectors)]
