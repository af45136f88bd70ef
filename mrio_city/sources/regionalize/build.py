"""Build the China city MRIO of 2012 or 2017 from public data (docs/china-cities.md).

Steps (each recorded in ``meta.provenance``; choices tagged [I] in the docs are ours):

1. National table: NBS 2012 (139 products) or 2017 (149 products) competitive-import table,
   imports removed row by row in proportion to domestic use (docs/methods.md §1.9), aggregated
   to the 42 sectors through the shipped concordance.
2. Regions: every census prefecture-level unit with a 2010 census population is a region of
   its own (units created after 2010 are merged into their nearest neighbour); population of
   the year from the 2010 census (2012) or interpolated between the 2010 and 2020 censuses
   (2017), scaled to the provinces' year-end population.
3. City GDP and industry structure (:mod:`.cities`), final demand allocation
   (:mod:`.final_demand`).
4. Local supply: intermediate use by AFLQ (default, delta from Chinese provincial tests),
   FLQ or CHARM (:mod:`.intermediate`); final demand by tradability and CHARM
   (:mod:`.final_demand`).
5. Inter-city trade: doubly-constrained gravity on what local supply leaves (:mod:`.trade`).
6. CO2 (:mod:`.co2`): CEADs city inventory, else county sums, reconciled to the CEADs
   provincial inventory.
"""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city.model.errors import DataSourceError
from mrio_city.model.structured import StructuredMRIOTable
from mrio_city.model.table import TableMetadata
from mrio_city.sources import ceads, census, crosswalk, gdp
from mrio_city.sources._paths import data_file, resolve_dir, where_to_set
from mrio_city.sources.concordance import concordance_dir
from mrio_city.sources.national_inputs import (
    CEADS_CONCORDANCE,
    NBS_TABLES,
    SECTOR_CODES,
    VALUE_ADDED_LABELS,
    national_inputs,
    provincial_co2,
)
from mrio_city.sources.regionalize import cities as city_data
from mrio_city.sources.regionalize import reconcile
from mrio_city.sources.regionalize.co2 import city_co2
from mrio_city.sources.regionalize.final_demand import (
    CATEGORIES,
    consumption_levels,
    final_demand_local,
)
from mrio_city.sources.regionalize.intermediate import (
    DEFAULT_DELTA,
    DEFAULT_METHOD,
    charm_heterogeneity,
    charm_local_shares,
    local_intermediate_use,
)
from mrio_city.sources.regionalize.sectors import (
    DISTANCE_DECAY,
    GROUP_OF,
    NON_TRADABLE,
    SECTORS,
)
from mrio_city.sources.regionalize.trade import great_circle_km, trade_shares

__all__ = ["build_china_cities", "input_files", "YEARS"]

#: Years the build supports.
YEARS = (2012, 2017)


def input_files(
    data_dir: str | os.PathLike[str], year: int = 2012, vintage: str = "vintage2018"
) -> dict[str, Path]:
    """Return the files read by the China city build (for provenance: path and sha256).

    Parameters
    ----------
    data_dir : str or PathLike
        The real-data folder.
    year : int, default=2012
        Table year (2012 or 2017).
    vintage : str, default='vintage2018'
        Provincial GDP vintage (a key of :data:`mrio_city.sources.gdp.GDP_VINTAGES`).

    Returns
    -------
    dict of str to Path
        Keys ``national_io``, ``ceads_provinces``, ``ceads_cities``, ``county_co2``,
        ``census``, ``provincial_gdp``, ``provincial_population``, ``ccsy``, ``yearbooks``,
        ``resource_based_cities`` and ``concordance_<name>`` for the two concordances.

    Raises
    ------
    DataSourceError
        A data file is missing (its path and what the folder should hold are named).
    """
    n_products, conc = NBS_TABLES[year]
    files = {
        "national_io": ("nbs-china-io", f"csv/china_{year}_{n_products}.csv"),
        "ceads_provinces": ("ceads-emissions", ceads.PROVINCES_FILE.format(year=year)),
        "ceads_cities": ("ceads-emissions", ceads.CITY_FILE),
        "county_co2": ("china-county-co2", ceads.COUNTY_FILE),
        "census": ("china-census-cities", census.CENSUS_FILE),
        "provincial_gdp": ("china-provincial-gdp", gdp.GDP_VINTAGES[vintage]),
        "provincial_population": ("china-provincial-gdp", gdp.POP_FILE),
        "ccsy": ("china-city-ccsy", gdp.CITY_FILE),
        "yearbooks": ("china-city-ccsy", gdp.YEARBOOK_FILE),
        "resource_based_cities": ("china-city-typology", census.TYPOLOGY_FILE),
    }
    out = {key: data_file(data_dir, folder, name) for key, (folder, name) in files.items()}
    for name in (conc, CEADS_CONCORDANCE):
        out[f"concordance_{name}"] = concordance_dir() / f"{name}.csv"
    return out


@functools.lru_cache(maxsize=2)
def _read_inputs(root: str, year: int, stamp: tuple) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """National blocks, census units and provincial CO2 of a year, read once per process.

    ``stamp`` (path, mtime, size of every input file) is part of the key, so a changed file is
    read again; the build never mutates these objects (it copies what it changes).
    """
    del stamp
    return (
        national_inputs(root, year),
        crosswalk.read_city_units(root, year),
        provincial_co2(root, year),
    )


def _check_parameters(year, method, delta, decay_scale, distance_decay, vintage, proxy):
    from mrio_city.sources.regionalize.final_demand import HOUSEHOLD_PROXIES
    from mrio_city.sources.regionalize.intermediate import INTERMEDIATE_METHODS

    if year not in YEARS:
        raise DataSourceError(f"build_china_cities: year {year} is not supported ({YEARS})")
    if method not in INTERMEDIATE_METHODS:
        raise ValueError(
            f"build_china_cities: intermediate_method must be one of {INTERMEDIATE_METHODS}, "
            f"got {method!r}"
        )
    if not 0.0 <= delta < 1.0:
        raise ValueError(f"build_china_cities: delta must be in [0, 1), got {delta!r}")
    if not decay_scale > 0:
        raise ValueError(f"build_china_cities: decay_scale must be > 0, got {decay_scale!r}")
    unknown = sorted(set(distance_decay or {}) - set(DISTANCE_DECAY))
    if unknown:
        raise ValueError(f"build_china_cities: distance_decay has unknown sector(s) {unknown}")
    if vintage not in gdp.GDP_VINTAGES:
        raise ValueError(
            f"build_china_cities: provincial_gdp_vintage must be one of {list(gdp.GDP_VINTAGES)}, "
            f"got {vintage!r}"
        )
    if proxy not in HOUSEHOLD_PROXIES:
        raise ValueError(
            f"build_china_cities: household_proxy must be one of {HOUSEHOLD_PROXIES}, got {proxy!r}"
        )


def build_china_cities(
    year: int = 2012,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    intermediate_method: str = DEFAULT_METHOD,
    delta: float = DEFAULT_DELTA,
    distance_decay: dict[str, float] | None = None,
    decay_scale: float = 1.0,
    household_proxy: str = "retail_sales",
    income_elasticity: float = 0.5,
    provincial_gdp_vintage: str = "vintage2018",
    report_dir: str | os.PathLike[str] | None = None,
    name: str | None = None,
    progress: bool = False,
) -> StructuredMRIOTable:
    """Build the China city MRIO of ``year`` regionalized from public data.

    Parameters
    ----------
    year : {2012, 2017}, default=2012
        Table year.
    data_dir : str or PathLike, optional
        Real-data folder (``shared/data/real``); default
        :func:`~mrio_city.sources.default_data_dir` (``$MRIO_CITY_DATA``, the user config
        file's ``data_dir``, ``../shared/data/real`` beside a checkout).
    intermediate_method : {'aflq', 'flq', 'charm'}, default='aflq'
        Local share of intermediate use (:mod:`.intermediate`).
    delta : float, default=0.15
        FLQ/AFLQ exponent; 0.15 is the value the Chinese provincial tests recommend for AFLQ
        (Studies in Regional Science 44(4):423).
    distance_decay : dict, optional
        Sector label -> gravity exponent beta overriding :data:`.sectors.DISTANCE_DECAY`.
    decay_scale : float, default=1
        Multiplies every gravity exponent (sensitivity of the distance decay).
    household_proxy : {'retail_sales', 'gdp_elasticity'}, default='retail_sales'
        Households' consumption per person across cities (:mod:`.final_demand`).
    income_elasticity : float, default=0.5
        Elasticity for ``household_proxy='gdp_elasticity'``.
    provincial_gdp_vintage : {'vintage2018', 'vintage2024', 'vintage2025'}
        NBS provincial GDP series (default: first-published values, consistent with the CCSY
        and first-published yearbook city GDP).
    report_dir : str or PathLike, optional
        When given, ``china-cities-<year>-units.csv`` (every census unit, its region, its CO2
        and GDP sources) is written there.
    name : str, optional
        Table name; default ``china-cities-<year>``.
    progress : bool, default=False
        Show a progress bar over the build steps and the 42 trade balancings.

    Returns
    -------
    StructuredMRIOTable
        Money in 10^4 CNY, CO2 in t CO2; ``meta.provenance`` lists input files (sha256),
        parameters, checks and the CO2 reconciliation.

    Raises
    ------
    DataSourceError
        A data file is missing or has an unexpected layout (names the file and field).
    ValueError
        A parameter is out of range.
    """
    from mrio_city._progress import progress_bar
    from mrio_city._version import __version__
    from mrio_city.io.provenance import file_sha256

    _check_parameters(
        year,
        intermediate_method,
        delta,
        decay_scale,
        distance_decay,
        provincial_gdp_vintage,
        household_proxy,
    )
    decay_map = dict(DISTANCE_DECAY)
    decay_map.update(distance_decay or {})
    decay = np.array([decay_map[s] for s in SECTORS]) * decay_scale
    name = name or f"china-cities-{year}"
    t_start = time.perf_counter()
    root = resolve_dir(data_dir)
    if not root.is_dir():
        raise DataSourceError(f"real-data folder {root} does not exist; {where_to_set()}")
    steps = iter(progress_bar(range(6), enabled=progress, desc=f"china-cities-{year}", unit="step"))
    files = input_files(root, year, provincial_gdp_vintage)
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files.values())
    nat, units, inventory = _read_inputs(str(root), year, stamp)
    next(steps, None)
    regions, units = city_data.regions_of_year(root, units, year, provincial_gdp_vintage)
    next(steps, None)
    va_g, x = _city_output(nat, regions)  # scales regions['gdp'] to national value added
    R, N = x.shape
    final_demand, exports, hh_imputed, hh_fit = _demand(
        nat, regions, x, household_proxy, income_elasticity
    )
    next(steps, None)
    local = _local_supply(nat, x, final_demand, exports, intermediate_method, delta)
    next(steps, None)
    dist = great_circle_km(regions["longitude"].to_numpy(), regions["latitude"].to_numpy())
    t_int, t_fd = trade_shares(
        local.supply,
        local.inter,
        local.fd_total,
        local.local_int,
        local.local_fd,
        dist,
        decay,
        progress=progress,
    )
    next(steps, None)
    F, F_Y2, co2_records = city_co2(regions, x, inventory, SECTOR_CODES)
    F_Y = np.zeros((R, len(CATEGORIES)))
    F_Y[:, :2] = F_Y2
    next(steps, None)
    value_added = _value_added(nat, x)
    attrs = city_data.attributes(regions, va_g, co2_records, hh_imputed)
    local_shares = _local_share_report(
        local.inter, local.local_int, final_demand, t_fd, local.non_tradable
    )
    reconciliation = reconcile.reconciliation(root, year, regions, units, co2_records, inventory)
    checks = _checks(nat, x, final_demand, value_added, F, F_Y, inventory, local.B, units)
    checks["household_retail_fit"] = hh_fit
    parameters = dict(
        year=year,
        intermediate_method=intermediate_method,
        delta=delta,
        decay_scale=decay_scale,
        household_proxy=household_proxy,
        income_elasticity=income_elasticity,
        provincial_gdp_vintage=provincial_gdp_vintage,
        distance_decay=decay_map,
        min_distance_km=25.0,
    )
    meta = TableMetadata(
        name=name,
        year=year,
        currency="CNY",
        money_unit="10^4 CNY",
        description=_description(year, R, intermediate_method, delta),
        provenance={
            "generator": "mrio_city.sources.regionalize:build_china_cities",
            "package_version": __version__,
            "inputs": {k: {"path": str(v), "sha256": file_sha256(v)} for k, v in files.items()},
            "parameters": parameters,
            "checks": checks,
            "local_shares": local_shares,
            "reconciliation": reconciliation,
            "build_seconds": round(time.perf_counter() - t_start, 2),
        },
    )
    n_nodes = R * N
    table = StructuredMRIOTable(
        t_int,
        np.broadcast_to(local.B, (R, N, N)).copy(),
        final_demand,
        F.reshape(1, n_nodes),
        final_trade_shares=t_fd,
        cities=list(regions.index),
        sectors=list(SECTORS),
        categories=list(CATEGORIES),
        stressors=["CO2"],
        units={"CO2": "t CO2"},
        F_Y=F_Y.reshape(1, -1),
        exports=exports.reshape(n_nodes, 2),
        export_labels=["international_exports", "other_final_use"],
        value_added=value_added,
        value_added_labels=list(VALUE_ADDED_LABELS) + ["imported_inputs"],
        x=x.reshape(-1),
        population=regions["population"].to_numpy(),
        gdp=regions["gdp"].to_numpy(),
        city_attributes=attrs,
        meta=meta,
    )
    next(steps, None)
    if report_dir is not None:
        from mrio_city.exports.csvfiles import write_csv

        write_csv(Path(report_dir) / f"china-cities-{year}-units.csv", crosswalk.unit_report(units))
    return table


def _city_output(nat: dict, regions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """City value added by industry group (R, 3) and gross output x (R, N) [10^4 CNY].

    Scales ``regions['gdp']`` (in place) so that the cities add up to national value added.
    """
    va_n = nat["va"].sum(axis=0)
    g_nat = np.array([va_n[GROUP_OF == g].sum() for g in range(3)])
    regions["gdp"] *= va_n.sum() / regions["gdp"].sum()  # 10^4 CNY, = national value added
    va_g = city_data.industry_value_added(regions, g_nat)
    return va_g, nat["x"][None, :] * (va_g / g_nat)[:, GROUP_OF]


def _demand(nat: dict, regions: pd.DataFrame, x: np.ndarray, proxy: str, elasticity: float):
    """Final demand (R, N, K) and exports (R, N, 2) by city, with the household proxy's fit."""
    gdp_pc = regions["gdp"].to_numpy() / regions["population"].to_numpy()
    level, hh_imputed, hh_fit = consumption_levels(
        gdp_pc,
        regions["retail_per_capita"].to_numpy(),
        proxy=proxy,
        income_elasticity=elasticity,
    )
    w = np.column_stack(
        [regions["rural"] * level, regions["urban"] * level] + [regions["gdp"].to_numpy()] * 3
    )
    w = w / w.sum(axis=0)
    final_demand = nat["Y"][None, :, :] * w[:, None, :]  # (R, N, K)
    exports = nat["exports"][None, :, :] * (x / nat["x"][None, :])[:, :, None]  # (R, N, 2)
    return final_demand, exports, hh_imputed, hh_fit


@dataclass(frozen=True)
class _LocalSupply:
    """Regionalized use and supply and their local parts, all (R, N) [10^4 CNY]."""

    B: np.ndarray  # national technical coefficients (N, N) [1]
    inter: np.ndarray  # intermediate use
    fd_total: np.ndarray  # final demand
    supply: np.ndarray  # output less exports
    local_int: np.ndarray  # intermediate use met by local supply
    local_fd: np.ndarray  # final demand met by local supply
    non_tradable: np.ndarray  # (N,) bool


def _local_supply(nat, x, final_demand, exports, method: str, delta: float) -> _LocalSupply:
    """Local shares of intermediate use (FLQ/AFLQ/CHARM) and of final demand (tradability)."""
    B = nat["Z"] / nat["x"][None, :]
    inter = x @ B.T  # (R, N)
    fd_total = final_demand.sum(axis=2)
    use = inter + fd_total
    supply = x - exports.sum(axis=2)
    if (use <= 0).any() or (supply < 0).any():
        raise DataSourceError(
            "regionalized domestic use or supply is not positive; check the national table's "
            "final demand and exports"
        )
    h = charm_heterogeneity(nat["x"], nat["total_use"], nat["exports"][:, 0], nat["imports"])
    pool_share = charm_local_shares(supply, use, h)
    local_int = local_intermediate_use(B, x, nat["x"], supply, use, h, method=method, delta=delta)
    non_tradable = np.array([s in NON_TRADABLE for s in SECTORS])
    local_fd = final_demand_local(fd_total, supply - local_int, pool_share, non_tradable)
    return _LocalSupply(B, inter, fd_total, supply, local_int, local_fd, non_tradable)


def _value_added(nat: dict, x: np.ndarray) -> np.ndarray:
    """Value-added rows (4 national rows and imported inputs) x city nodes [10^4 CNY]."""
    n_nodes = x.size
    va_coef = nat["va"] / nat["x"][None, :]
    return np.vstack(
        [
            (va_coef[:, None, :] * x[None, :, :]).reshape(4, n_nodes),
            (nat["imported_inputs"] / nat["x"] * x).reshape(1, n_nodes),
        ]
    )


def _checks(nat, x, final_demand, value_added, F, F_Y, inventory, B, units) -> dict:
    """Identities of the build against the national table and the CO2 inventory."""
    co2_total = float(F.sum() + F_Y.sum())
    inventory_total = float(inventory.to_numpy().sum() * 1e6)
    return {
        "national_output_rel_err": float(np.abs(x.sum(0) / nat["x"] - 1).max()),
        "national_final_demand_rel_err": float(
            np.abs(final_demand.sum(0) - nat["Y"]).max() / np.abs(nat["Y"]).max()
        ),
        "national_value_added_rel_err": float(abs(value_added[:4].sum() / nat["va"].sum() - 1)),
        "co2_total_t": co2_total,
        "co2_inventory_total_t": inventory_total,
        "co2_rel_err": abs(co2_total / inventory_total - 1),
        "max_column_sum_A": float(B.sum(axis=0).max()),
        "n_cities": int(x.shape[0]),
        "n_census_units": int(len(units)),
        "n_units_merged": int((units["reason"] != "").sum()),
    }


def _description(year: int, n_cities: int, method: str, delta: float) -> str:
    return (
        f"China city MRIO {year} regionalized from public data: NBS national IO table "
        f"(-> 42 sectors, imports removed), {n_cities} prefecture-level cities; "
        f"{method.upper()} (delta={delta}) for intermediate use, tradability + "
        "CHARM for final demand, gravity trade balanced by RAS; CO2 from CEADs city and "
        "county inventories reconciled to the CEADs provinces. Estimated, not an official "
        "city MRIO."
    )


def _local_share_report(inter, local_int, final_demand, t_fd, non_tradable) -> dict:
    """National local shares of intermediate use and of each final-demand category."""
    R = inter.shape[0]
    diag = np.stack([np.diagonal(t_fd[i]) for i in range(t_fd.shape[0])], axis=1)  # (R, N)
    out = {"intermediate": float(local_int.sum() / inter.sum())}
    for k, cat in enumerate(CATEGORIES):
        y = final_demand[:, :, k]
        pos = np.maximum(y, 0.0)
        out[cat] = float((pos * diag).sum() / pos.sum()) if pos.sum() > 0 else float("nan")
    pos = np.maximum(final_demand.sum(axis=2), 0.0)
    out["final_demand"] = float((pos * diag).sum() / pos.sum())
    out["final_demand_non_tradable"] = float(
        (pos * diag)[:, non_tradable].sum() / pos[:, non_tradable].sum()
    )
    out["final_demand_tradable"] = float(
        (pos * diag)[:, ~non_tradable].sum() / pos[:, ~non_tradable].sum()
    )
    out["n_cities"] = int(R)
    return out
