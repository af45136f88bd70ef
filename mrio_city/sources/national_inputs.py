"""National and provincial inputs of the China city build: NBS table, provincial GDP and CO2.

Read through the public readers of :mod:`mrio_city.sources` and mapped to the build's 42
sectors only through the shipped concordances (:func:`~mrio_city.sources.apply_concordance`).
The city-level joins are in :mod:`mrio_city.sources.crosswalk`; import these names from here.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from mrio_city.model.errors import DataSourceError

from .ceads import read_ceads_provinces
from .concordance import apply_concordance, load_concordance
from .gdp import read_provincial_gdp
from .nbs import read_nbs_io

__all__ = [
    "SECTOR_CODES",
    "VALUE_ADDED_LABELS",
    "NBS_CONCORDANCE",
    "NBS_TABLES",
    "CEADS_CONCORDANCE",
    "national_inputs",
    "provincial_totals",
    "provincial_co2",
]

#: NBS 2012 42-sector codes (targets of the shipped concordances), in table order.
SECTOR_CODES = tuple(f"{k:02d}" for k in range(1, 43))
#: Value-added rows of the NBS tables (as named by :func:`~mrio_city.sources.read_nbs_io`).
VALUE_ADDED_LABELS = ("compensation_of_employees", "net_taxes_on_production", "depreciation",
                      "operating_surplus")  # fmt: skip
#: Concordances used by the build (``tables/concordances``).
NBS_CONCORDANCE = "nbs139_to_nbs42"
#: NBS table read for each year of the build: (number of products, concordance to 42 sectors).
#: 2017: the 149-product competitive table (its 42-sector non-competitive sibling publishes
#: final consumption only as a total, without the household/government split).
NBS_TABLES = {2012: (139, "nbs139_to_nbs42"), 2017: (149, "nbs149_to_nbs42")}
CEADS_CONCORDANCE = "ceads47_to_nbs42"
# NBS final-demand categories -> the build's final demand; the two export columns.
_FD_CATEGORIES = ("rural_household", "urban_household", "government", "gfcf",
                  "inventory_change")  # fmt: skip
_EXPORT_CATEGORIES = ("exports", "other")


def _check_sector_codes(labels, what: str) -> None:
    if list(labels) != list(SECTOR_CODES):
        raise DataSourceError(
            f"{what}: expected the 42 NBS 2012 sector codes 01..42 after the concordance, got "
            f"{list(labels)[:5]}... ({len(labels)} labels)"
        )


def national_inputs(data_dir: str | os.PathLike[str], year: int = 2012) -> dict[str, np.ndarray]:
    """Return the domestic 42-sector blocks of the year's NBS table [10^4 CNY].

    :func:`~mrio_city.sources.read_nbs_io` ``(year, n)`` (:data:`NBS_TABLES`: 139 products
    in 2012, 149 in 2017), then
    :meth:`~mrio_city.sources.NationalIOTable.to_domestic` (proportional import removal,
    docs/methods.md §1.9: each row scaled by ``1 - m_i / u_i`` with ``u_i`` the row's intermediate
    use + consumption + capital formation + inventory change; exports and ERR unscaled), then
    the year's concordance to the 42 sectors (a pure aggregation).

    Parameters
    ----------
    data_dir : str or PathLike
        The real-data folder.
    year : int, default=2012
        Table year (a 139-sector NBS table of that year must exist).

    Returns
    -------
    dict of str to ndarray
        ``Z`` (42, 42); ``Y`` (42, 5: rural households, urban households, government,
        capital formation, inventory change); ``exports`` (42, 2: international exports EX
        and the NBS 'other' column ERR); ``x`` (42,); ``va`` (4, 42: the rows of
        :data:`VALUE_ADDED_LABELS`); ``imported_inputs`` (42,: column sums of the removed
        imported intermediate inputs); ``imports`` (42,: published imports) and
        ``total_use`` (42,: intermediate + final domestic use incl. imported products), for
        CHARM.  Sectors in :data:`SECTOR_CODES` order; the 'other' export column is 0 where
        the table has none (2017).

    Raises
    ------
    DataSourceError
        Missing file, broken identity, imports exceeding domestic use, or categories /
        value-added rows / sector codes other than expected.
    """
    if year not in NBS_TABLES:
        raise DataSourceError(
            f"national_inputs: no NBS table configured for {year}; years {sorted(NBS_TABLES)}"
        )
    n_products, conc_name = NBS_TABLES[year]
    published = read_nbs_io(year, n_products, data_dir=data_dir)
    table = published.to_domestic()
    conc = load_concordance(conc_name)
    fd = apply_concordance(table.final_demand, conc)
    if "other" not in fd.columns:
        fd["other"] = 0.0
    missing = [c for c in (*_FD_CATEGORIES, *_EXPORT_CATEGORIES) if c not in fd.columns]
    if missing or list(table.value_added.index) != list(VALUE_ADDED_LABELS):
        raise DataSourceError(
            f"{table.source}: final-demand categories {missing} missing or value-added rows "
            f"{list(table.value_added.index)} differ from {list(VALUE_ADDED_LABELS)}"
        )
    # total (domestic + imported) use of each product, for CHARM's heterogeneity
    pub_fd = published.final_demand
    total_use = published.Z.sum(axis=1) + pub_fd[list(_FD_CATEGORIES)].sum(axis=1)
    blocks = {
        "Z": apply_concordance(table.Z, conc, axis="both"),
        "Y": fd[list(_FD_CATEGORIES)],
        "exports": fd[list(_EXPORT_CATEGORIES)],
        "x": apply_concordance(table.x, conc),
        "va": apply_concordance(table.value_added, conc, axis=1).T,
        "imported_inputs": apply_concordance(table.import_Z.sum(axis=0), conc),
        "imports": apply_concordance(published.imports.clip(lower=0), conc),
        "total_use": apply_concordance(total_use, conc),
    }
    for key, frame in blocks.items():
        _check_sector_codes(frame.index, f"{table.source} ({key})")
    _check_sector_codes(blocks["Z"].columns, f"{table.source} (Z columns)")
    out = {k: v.to_numpy(float) for k, v in blocks.items()}
    out["va"] = out["va"].T
    return out


def provincial_totals(
    data_dir: str | os.PathLike[str], year: int = 2012, vintage: str = "vintage2018"
) -> pd.DataFrame:
    """Return provincial GDP and year-end resident population of one year.

    Parameters
    ----------
    data_dir, year
        As for :func:`national_inputs`.
    vintage : str, default='vintage2018'
        GDP vintage, passed to :func:`~mrio_city.sources.read_provincial_gdp`.

    Returns
    -------
    DataFrame indexed by province (full Chinese name, 31 rows)
        ``gdp`` [10^8 CNY] and ``population`` [persons].

    Raises
    ------
    DataSourceError
        A province lacks GDP or population for ``year``.
    """
    long = read_provincial_gdp(vintage=vintage, data_dir=data_dir)
    wide = long[long["year"] == year].pivot(index="province", columns="variable", values="value")
    if len(wide) != 31 or wide.reindex(columns=["gdp", "population"]).isna().any().any():
        raise DataSourceError(
            f"{long.attrs['source']}: expected GDP ({vintage}) and population of the 31 "
            f"provinces for {year}"
        )
    return pd.DataFrame({"gdp": wide["gdp"], "population": wide["population"] * 1e4})


def provincial_co2(data_dir: str | os.PathLike[str], year: int = 2012) -> pd.DataFrame:
    """Return CEADs Scope-1 CO2 by province on the 42 NBS sectors, plus households.

    The published 'Scope 1 Total' of each of the 45 CEADs production sectors
    (:func:`~mrio_city.sources.read_ceads_provinces`) is pushed through the shipped
    concordance ``ceads47_to_nbs42``: CE44 (trade and catering) and CE45 (others) are split
    by the national fossil-fuel purchases of their target sectors, and NBS 24 (repair of
    machinery) receives no CEADs sector, so its column is 0.  The household rows are kept
    apart.  Tibet has no inventory, so there are 30 provinces.

    Parameters
    ----------
    data_dir, year
        As for :func:`national_inputs` (``year``: inventory year).

    Returns
    -------
    DataFrame indexed by province (full Chinese name)
        Columns :data:`SECTOR_CODES` then ``URBAN`` and ``RURAL`` [Mt CO2]; each row sums to
        the province's published total.
    """
    inv = read_ceads_provinces(year, include_totals=True, data_dir=data_dir)
    inv = inv[(inv["fuel"] == "Scope 1 Total") & (inv["sector_code"] != "TOTAL")]
    wide = inv.pivot(index="province", columns="sector_code", values="value")
    households = wide[["URBAN", "RURAL"]]
    sectors = apply_concordance(wide.drop(columns=["URBAN", "RURAL"]), CEADS_CONCORDANCE, axis=1)
    sectors = sectors.reindex(columns=list(SECTOR_CODES), fill_value=0.0)
    return pd.concat([sectors, households], axis=1)
