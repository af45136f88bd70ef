"""Regionalize China's national 2012 IO table into a structured city MRIO (METHODS §4.2).

Steps (each recorded in ``meta.provenance['steps']``; choices tagged [I] are ours):

1. National table: the NBS 2012 139-sector competitive-import table read by
   :func:`~mrio_city.sources.read_nbs_io`, imports removed row by row in proportion to domestic
   use by :meth:`~mrio_city.sources.NationalIOTable.to_domestic` (METHODS §1.9), aggregated to
   42 sectors through the shipped concordance ``nbs139_to_nbs42``.  Final demand
   categories: rural and urban households, government, capital formation, inventory change
   (negative entries kept); export columns: international exports and the NBS 'other' column.
2. Regions: every census prefecture-level unit with a CEADs 2012 city total (crosswalk in
   :mod:`mrio_city.sources.crosswalk`); the other units of each province form one flagged
   pseudo-city ``rest of <province>`` (Tibet, without any inventory, is one such region).
3. City GDP: provincial yearbook (first-published) > CCSY (qc ok/check) > revised yearbook >
   census population x provincial GDP per capita (flagged ``gdp_source``); scaled within each
   province to the provincial GDP and nationally to the table's value added.  Three-industry
   value added per city (yearbook shares, else CCSY tertiary share, else national) is balanced
   by RAS to city GDP (rows) and national industry value added (columns); city output of
   sector j = national output of j x the city's share of j's industry value added.
4. Intra-city coefficients by FLQ against the national table (``delta``); the Chenery-Moses
   local share of product i in city d is the FLQ-weighted share of d's total intermediate use
   of i (capped at d's supply), applied to final demand too.
5. Inter-city flows: gravity prior ``S_c D_d dist_cd^-beta_i`` on census centroids, balanced by
   RAS to every city's remaining supply and demand (doubly-constrained gravity), so the table
   reproduces city outputs, national output, final demand and value added exactly.
6. CO2: CEADs provincial inventories (45 sectors + households, Scope 1, read by
   :func:`~mrio_city.sources.read_ceads_provinces`) mapped to 42 sectors through the shipped
   concordance ``ceads47_to_nbs42`` (two splits by fossil-fuel purchases; NBS 24, repair,
   receives none); cities' shares of provincial industrial CO2 = their CEADs city totals over
   (sum of matched city totals + an estimate for the rest of the province = rest GDP x the
   matched cities' CO2 per GDP); city x sector CO2 balanced by RAS to these city totals and the
   provincial sector totals.  Households' direct CO2: provincial Urban/Rural rows split by
   urban/rural population.

Every input is read by the public readers of :mod:`mrio_city.sources`; the joins specific to
this build (CEADs names <-> census codes, GDP source priority, unit report) are in
:mod:`mrio_city.sources.crosswalk`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city._progress import progress_bar
from mrio_city.model.errors import DataSourceError
from mrio_city.model.structured import StructuredMRIOTable
from mrio_city.model.table import TableMetadata
from mrio_city.sources import ceads, census, crosswalk, gdp
from mrio_city.sources._paths import data_file, resolve_dir
from mrio_city.sources.concordance import concordance_dir
from mrio_city.sources.crosswalk import SECTOR_CODES, VALUE_ADDED_LABELS
from mrio_city.sources.gras import gras

__all__ = [
    "build_china_cities",
    "input_files",
    "flq_quotients",
    "flq_coefficients",
    "great_circle_km",
    "gravity_flows",
    "SECTORS",
    "DISTANCE_DECAY",
    "CATEGORIES",
]

#: 42 sectors of China's 2012 IO classification: (label, industry group, distance decay beta).
#: beta [I]: higher for bulky or non-tradable products (construction, utilities, services), lower
#: for high-value manufactures; the same values drive the synthetic table
#: (mrio_city.sources.synthetic).
# fmt: off
_SECTOR_TABLE: tuple[tuple[str, str, float], ...] = (
    ("Agriculture", "primary", 1.3), ("Coal mining", "secondary", 1.2),
    ("Oil and gas extraction", "secondary", 0.8), ("Metal ore mining", "secondary", 1.2),
    ("Non-metal ore mining", "secondary", 1.6), ("Food and tobacco", "secondary", 1.1),
    ("Textiles", "secondary", 1.0), ("Apparel, footwear and leather", "secondary", 1.0),
    ("Wood products and furniture", "secondary", 1.1),
    ("Paper, printing and stationery", "secondary", 1.1),
    ("Petroleum refining and coking", "secondary", 1.0), ("Chemicals", "secondary", 1.0),
    ("Non-metallic mineral products", "secondary", 2.0),
    ("Metal smelting and rolling", "secondary", 1.2), ("Metal products", "secondary", 1.1),
    ("General equipment", "secondary", 1.0), ("Special equipment", "secondary", 1.0),
    ("Transport equipment", "secondary", 0.9), ("Electrical machinery", "secondary", 0.9),
    ("Electronics and computers", "secondary", 0.8), ("Instruments", "secondary", 0.9),
    ("Other manufacturing", "secondary", 1.0), ("Scrap and waste", "secondary", 1.5),
    ("Repair of machinery", "secondary", 1.5), ("Electricity and heat", "secondary", 1.6),
    ("Gas supply", "secondary", 2.5), ("Water supply", "secondary", 3.0),
    ("Construction", "secondary", 3.0), ("Wholesale and retail", "tertiary", 2.0),
    ("Transport, storage and post", "tertiary", 1.2),
    ("Accommodation and catering", "tertiary", 2.5), ("Information and software", "tertiary", 1.0),
    ("Finance", "tertiary", 1.2), ("Real estate", "tertiary", 3.0),
    ("Leasing and business services", "tertiary", 1.2),
    ("Research and technical services", "tertiary", 1.2),
    ("Water conservancy and environment", "tertiary", 3.0),
    ("Resident and other services", "tertiary", 3.0), ("Education", "tertiary", 3.0),
    ("Health and social work", "tertiary", 3.0),
    ("Culture, sports and entertainment", "tertiary", 2.5),
    ("Public administration", "tertiary", 3.0),
)
# fmt: on
#: Sector labels of the built table (42, in NBS order 01-42).
SECTORS: tuple[str, ...] = tuple(s[0] for s in _SECTOR_TABLE)
#: Default sector-specific distance-decay exponents of the gravity model [1].
DISTANCE_DECAY: dict[str, float] = {s[0]: s[2] for s in _SECTOR_TABLE}
_GROUPS = ("primary", "secondary", "tertiary")
_GROUP_OF = np.array([_GROUPS.index(s[1]) for s in _SECTOR_TABLE])
#: Final-demand categories: NBS FU101, FU102, FU103, FU201, FU202.
CATEGORIES = ("rural_households", "urban_households", "government", "capital_formation",
              "inventory_change")  # fmt: skip


# -- FLQ and gravity (METHODS §4.2 steps 2-3) -------------------------------------------------
def flq_quotients(regional_output, reference_output, *, delta: float = 0.3) -> np.ndarray:
    """Return Flegg's location quotients ``FLQ_ij = λ · SLQ_i / SLQ_j`` (``FLQ_ii = λ · SLQ_i``).

    ``SLQ_i = (x_i^r / x^r) / (x_i^n / x^n)``, ``λ = [log2(1 + x^r / x^n)]^δ``; a sector with no
    regional output has SLQ 0 (its row is 0; its column, never used, is set to 1).

    Parameters
    ----------
    regional_output : array_like of shape (n_sectors,) or (n_regions, n_sectors)
        Gross output of the region(s) by sector [money].
    reference_output : array_like of shape (n_sectors,)
        Gross output of the reference economy (the nation) [money].
    delta : float, default=0.3
        FLQ exponent δ in [0, 1).

    Returns
    -------
    ndarray of shape (n_sectors, n_sectors) or (n_regions, n_sectors, n_sectors) [1]
    """
    xr = np.asarray(regional_output, dtype=float)
    xn = np.asarray(reference_output, dtype=float)
    if not 0.0 <= delta < 1.0:
        raise ValueError(f"flq_quotients: delta must be in [0, 1), got {delta!r}")
    if xn.ndim != 1 or xr.shape[-1] != xn.size or (xn <= 0).any() or (xr < 0).any():
        raise ValueError(
            f"flq_quotients: regional_output {xr.shape} and reference_output {xn.shape} must "
            "share the sector axis; reference output must be > 0 and regional output >= 0"
        )
    single = xr.ndim == 1
    xr = np.atleast_2d(xr)
    slq = (xr / xr.sum(axis=1, keepdims=True)) / (xn / xn.sum())
    lam = np.log2(1.0 + xr.sum(axis=1) / xn.sum()) ** delta
    ratio = np.divide(
        slq[:, :, None],
        slq[:, None, :],
        out=np.ones(slq.shape + (xn.size,)),
        where=slq[:, None, :] > 0,
    )
    idx = np.arange(xn.size)
    ratio[:, idx, idx] = slq
    out = lam[:, None, None] * ratio
    return out[0] if single else out


def flq_coefficients(
    reference_coefficients, regional_output, reference_output, *, delta: float = 0.3
) -> np.ndarray:
    """Return intra-regional input coefficients ``a_ij^r = a_ij^n · min(1, FLQ_ij)``.

    Parameters
    ----------
    reference_coefficients : array_like of shape (n_sectors, n_sectors)
        Domestic technical coefficients of the reference economy [money/money].
    regional_output, reference_output, delta
        As for :func:`flq_quotients`.

    Returns
    -------
    ndarray of shape (n_sectors, n_sectors) or (n_regions, n_sectors, n_sectors) [money/money]

    Examples
    --------
    METHODS §11.3:

    >>> a = flq_coefficients([[.1, .05, .2], [.15, .1, .05], [.05, .2, .1]],
    ...                      [30, 10, 60], [200, 300, 500])
    >>> np.round(a[0], 6).tolist()
    [0.082715, 0.05, 0.137859]
    """
    A = np.asarray(reference_coefficients, dtype=float)
    q = flq_quotients(regional_output, reference_output, delta=delta)
    if A.shape != q.shape[-2:]:
        raise ValueError(
            f"flq_coefficients: reference_coefficients has shape {A.shape}, expected {q.shape[-2:]}"
        )
    return A * np.minimum(1.0, q)


def great_circle_km(longitude, latitude) -> np.ndarray:
    """Return the (R, R) matrix of great-circle distances between points [km] (haversine)."""
    lon = np.radians(np.asarray(longitude, dtype=float))
    lat = np.radians(np.asarray(latitude, dtype=float))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def gravity_flows(
    supply, demand, local, distance_km, beta: float, *, min_distance_km: float = 25.0
) -> np.ndarray:
    """Return inter-regional flows of one product by a doubly-constrained gravity model.

    Off-diagonal prior ``T0[c, d] = S_c · D_d · max(dist_cd, min_distance)^-beta`` with
    ``S = supply - local`` and ``D = demand - local`` (what is left after local self-supply),
    balanced by RAS to row sums ``S`` and column sums ``D``; the diagonal is ``local``.

    Parameters
    ----------
    supply : array_like of shape (R,)
        Output available to domestic users in each region [money]; sums to ``demand``'s sum.
    demand : array_like of shape (R,)
        Domestic use (intermediate + final) of the product in each region [money].
    local : array_like of shape (R,)
        Self-supplied part of each region's use, ``0 <= local <= min(supply, demand)``.
    distance_km : array_like of shape (R, R)
        Distances between regions [km].
    beta : float
        Distance-decay exponent [1].
    min_distance_km : float, default=25
        Floor on distances (avoids explosive priors for touching centroids) [km].

    Returns
    -------
    ndarray of shape (R, R)
        ``T[c, d]``: supply of region c to users in region d [money]; rows sum to ``supply``,
        columns to ``demand``.
    """
    S = np.asarray(supply, float) - np.asarray(local, float)
    D = np.asarray(demand, float) - np.asarray(local, float)
    S = np.where(np.abs(S) < 1e-12 * np.abs(supply).max(), 0.0, S)
    D = np.where(np.abs(D) < 1e-12 * np.abs(demand).max(), 0.0, D)
    D = D * (S.sum() / D.sum()) if D.sum() > 0 else D
    prior = S[:, None] * D[None, :] * np.maximum(distance_km, min_distance_km) ** (-beta)
    np.fill_diagonal(prior, 0.0)
    flows = gras(prior, S, D, tol=1e-11, what="gravity trade flows")
    return flows + np.diag(np.asarray(local, float))


def input_files(
    data_dir: str | os.PathLike[str], year: int = 2012, vintage: str = "vintage2018"
) -> dict[str, Path]:
    """Return the files read by the China city build (for provenance: path and sha256).

    Parameters
    ----------
    data_dir : str or PathLike
        The real-data folder.
    year : int, default=2012
        Table year.
    vintage : str, default='vintage2018'
        Provincial GDP vintage (a key of :data:`mrio_city.sources.gdp.GDP_VINTAGES`).

    Returns
    -------
    dict of str to Path
        Keys ``national_io``, ``ceads_provinces``, ``ceads_cities``, ``census``,
        ``provincial_gdp``, ``provincial_population``, ``ccsy``, ``yearbooks`` and
        ``concordance_<name>`` for the two concordances.

    Raises
    ------
    DataSourceError
        A data file is missing (its path and what the folder should hold are named).
    """
    files = {
        "national_io": ("nbs-china-io", f"csv/china_{year}_139.csv"),
        "ceads_provinces": ("ceads-emissions", ceads.PROVINCES_FILE.format(year=year)),
        "ceads_cities": ("ceads-emissions", ceads.CITY_FILE),
        "census": ("china-census-cities", census.CENSUS_FILE),
        "provincial_gdp": ("china-provincial-gdp", gdp.GDP_VINTAGES[vintage]),
        "provincial_population": ("china-provincial-gdp", gdp.POP_FILE),
        "ccsy": ("china-city-ccsy", gdp.CITY_FILE),
        "yearbooks": ("china-city-ccsy", gdp.YEARBOOK_FILE),
    }
    out = {key: data_file(data_dir, folder, name) for key, (folder, name) in files.items()}
    for name in (crosswalk.NBS_CONCORDANCE, crosswalk.CEADS_CONCORDANCE):
        out[f"concordance_{name}"] = concordance_dir() / f"{name}.csv"
    return out


def build_china_cities(
    year: int = 2012,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    delta: float = 0.3,
    distance_decay: dict[str, float] | None = None,
    income_elasticity: float = 0.5,
    provincial_gdp_vintage: str = "vintage2018",
    report_dir: str | os.PathLike[str] | None = None,
    name: str = "china-cities-2012",
    progress: bool = False,
) -> StructuredMRIOTable:
    """Build the 2012 China city MRIO regionalized from public data (see the module docstring).

    Parameters
    ----------
    year : int, default=2012
        Only 2012 is supported (the year of the NBS table and of the CEADs city inventory used).
    data_dir : str or PathLike, optional
        Real-data folder (``shared/data/real``); default ``mrio_city.sources._paths``'s
        ``default_data_dir()``.
    delta : float, default=0.3
        FLQ exponent δ (METHODS §4.2 step 2).
    distance_decay : dict, optional
        Sector label -> gravity exponent β overriding :data:`DISTANCE_DECAY`.
    income_elasticity : float, default=0.5
        Household consumption per person in a region is proportional to (GDP per person)^ε
        [I]; government, capital formation and inventory change follow GDP.
    provincial_gdp_vintage : {'vintage2018', 'vintage2024', 'vintage2025'}
        NBS provincial GDP series used for provincial totals, read by
        :func:`~mrio_city.sources.read_provincial_gdp` (default: first-published values,
        consistent with the CCSY and first-published yearbook city GDP).
    report_dir : str or PathLike, optional
        When given, ``china-cities-<year>-units.csv`` (every census unit, its region and why it
        is not a city of its own) is written there.
    name : str, default='china-cities-2012'
        Table name.
    progress : bool, default=False
        Show a progress bar over the 42 per-sector trade balancings.

    Returns
    -------
    StructuredMRIOTable
        Money in 10^4 CNY, CO2 in t CO2; ``meta.provenance`` lists input files (sha256),
        parameters, package version and the checks.

    Raises
    ------
    DataSourceError
        A data file is missing or has an unexpected layout (names the file and field).
    """
    from mrio_city._version import __version__
    from mrio_city.io.provenance import file_sha256

    if year != 2012:
        raise DataSourceError(f"build_china_cities: year {year} is not supported (only 2012)")
    decay = dict(DISTANCE_DECAY)
    unknown = sorted(set(distance_decay or {}) - set(decay))
    if unknown:
        raise ValueError(f"build_china_cities: distance_decay has unknown sector(s) {unknown}")
    decay.update(distance_decay or {})
    if provincial_gdp_vintage not in gdp.GDP_VINTAGES:
        raise ValueError(
            f"build_china_cities: provincial_gdp_vintage must be one of {list(gdp.GDP_VINTAGES)}, "
            f"got {provincial_gdp_vintage!r}"
        )
    t_start = time.perf_counter()
    root = resolve_dir(data_dir)
    if not root.is_dir():
        raise DataSourceError(
            f"real-data folder {root} not found; pass data_dir= or set MRIO_CITY_DATA"
        )
    files = input_files(root, year, provincial_gdp_vintage)
    nat = crosswalk.national_inputs(root, year)
    prov = crosswalk.provincial_totals(root, year, provincial_gdp_vintage)
    units = crosswalk.read_city_units(root, year)
    inventory = crosswalk.provincial_co2(root, year)
    unknown_prov = sorted(set(units["province"]) - set(prov.index))
    if unknown_prov:
        raise DataSourceError(
            f"{files['census'].name}: provinces {unknown_prov} not in "
            f"{files['provincial_gdp'].name}"
        )

    # -- step 3: unit GDP and population, regions -----------------------------------------
    scale_pop = prov["population"] / units.groupby("province")["population_2010"].sum()
    units["population"] = units["population_2010"] * units["province"].map(scale_pop)
    pc = (prov["gdp"] / prov["population"]).reindex(units["province"]).to_numpy()
    est = units["gdp_reported"].fillna(
        pd.Series(units["population"].to_numpy() * pc, index=units.index)
    )
    est = est * units["province"].map(prov["gdp"] / est.groupby(units["province"]).sum())
    va_n = nat["va"].sum(axis=0)
    units["gdp"] = est * (va_n.sum() / est.sum())  # 10^4 CNY, sums to national value added
    g_nat = np.array([va_n[_GROUP_OF == g].sum() for g in range(3)])
    tau = units["tertiary_share"].fillna(g_nat[2] / g_nat.sum()).clip(0.05, 0.95)
    pri = units["primary_share"].fillna((1 - tau) * g_nat[0] / g_nat[:2].sum())
    shares = np.column_stack([pri, 1 - pri - tau, tau]).clip(0.001, None)
    order = pd.unique(units["region"])
    grp = units.groupby("region", sort=False)
    reg = pd.DataFrame(
        {
            "province": grp["province"].first(),
            "gdp": grp["gdp"].sum(),
            "population": grp["population"].sum(),
            "n_units": grp.size(),
            "ceads_co2_mt": units["ceads_co2_mt"]
            .where(units["reason"] == "")
            .groupby(units["region"])
            .sum(min_count=1),
        }
    ).loc[order]
    weights = units["population"] + 1.0
    for col, src in (("longitude", "longitude"), ("latitude", "latitude")):
        reg[col] = (units[src] * weights).groupby(units["region"]).sum().loc[
            order
        ] / weights.groupby(units["region"]).sum().loc[order]
    for col in ("urban_2010", "rural_2010"):
        reg[col] = grp[col].sum().loc[order] * reg["province"].map(scale_pop)
    prior = (
        pd.DataFrame(shares * units["gdp"].to_numpy()[:, None], index=units.index)
        .groupby(units["region"].to_numpy())
        .sum()
        .loc[order]
    )
    va_g = gras(prior.to_numpy(), reg["gdp"].to_numpy(), g_nat, what="city industry value added")
    R, N = len(reg), len(SECTORS)
    x = nat["x"][None, :] * (va_g / g_nat)[:, _GROUP_OF]  # (R, N)

    # -- final demand and exports ---------------------------------------------------------
    gdp_pc = reg["gdp"].to_numpy() / reg["population"].to_numpy()
    rel = (gdp_pc / np.average(gdp_pc, weights=reg["population"])) ** income_elasticity
    w = np.column_stack(
        [reg["rural_2010"] * rel, reg["urban_2010"] * rel] + [reg["gdp"].to_numpy()] * 3
    )
    w = w / w.sum(axis=0)
    final_demand = nat["Y"][None, :, :] * w[:, None, :]  # (R, N, K)
    out_share = x / nat["x"][None, :]
    exports = nat["exports"][None, :, :] * out_share[:, :, None]  # (R, N, 2)

    # -- step 4: technology, FLQ local shares ---------------------------------------------
    B = nat["Z"] / nat["x"][None, :]
    inter = x @ B.T  # (R, N): intermediate use of product i in region r
    use = inter + final_demand.sum(axis=2)
    supply = x - exports.sum(axis=2)
    if (use <= 0).any() or (supply < 0).any():
        raise DataSourceError(
            "regionalized domestic use or supply is not positive; check the "
            "national table's final demand and exports"
        )
    a_loc = flq_coefficients(B, x, nat["x"], delta=delta)  # (R, N, N)
    local_int = np.einsum("rij,rj->ri", a_loc, x)
    diag_flq = np.minimum(
        1.0, np.diagonal(flq_quotients(x, nat["x"], delta=delta), axis1=1, axis2=2)
    )
    t_local = np.where(inter > 0, local_int / np.where(inter > 0, inter, 1.0), diag_flq)
    local = np.minimum(t_local * use, supply)

    # -- step 5: gravity trade, balanced to supply and use --------------------------------
    dist = great_circle_km(reg["longitude"].to_numpy(), reg["latitude"].to_numpy())
    trade = np.empty((N, R, R))
    sectors_iter = progress_bar(range(N), enabled=progress, desc="gravity trade", unit="sector")
    for i in sectors_iter:
        T = gravity_flows(supply[:, i], use[:, i], local[:, i], dist, decay[SECTORS[i]])
        T = np.maximum(T, 0.0) / use[None, :, i]
        trade[i] = T / T.sum(axis=0, keepdims=True)

    # -- step 6: CO2 ----------------------------------------------------------------------
    F = np.zeros((R, N))
    F_Y = np.zeros((R, len(CATEGORIES)))
    co2_share = np.full(R, np.nan)
    rest_estimate = np.zeros(R, dtype=bool)
    provinces_total = 0.0
    for p, vals in inventory.iterrows():
        rows = np.flatnonzero(reg["province"].to_numpy() == p)
        fp = vals[list(SECTOR_CODES)].to_numpy(float) * 1e6
        provinces_total += vals.sum() * 1e6
        e = reg["ceads_co2_mt"].to_numpy()[rows]
        matched = np.isfinite(e)
        est_e = np.where(matched, e, 0.0)
        if matched.any():
            intensity = e[matched].sum() / reg["gdp"].to_numpy()[rows][matched].sum()
            est_e[~matched] = reg["gdp"].to_numpy()[rows][~matched] * intensity
        else:
            est_e = reg["gdp"].to_numpy()[rows]
        rest_estimate[rows[~matched]] = True
        share = est_e / est_e.sum()
        co2_share[rows] = share
        xp = x[rows].sum(axis=0)
        prior = x[rows] * np.divide(fp, xp, out=np.zeros(N), where=xp > 0)[None, :]
        F[rows] = gras(prior, share * fp.sum(), fp, what=f"CO2 of {p} by city and sector")
        for k, (col, row) in enumerate((("rural_2010", "RURAL"), ("urban_2010", "URBAN"))):
            pop = reg[col].to_numpy()[rows]
            F_Y[rows, k] = vals[row] * 1e6 * pop / pop.sum()

    # -- assemble -------------------------------------------------------------------------
    n_nodes = R * N
    va_coef = nat["va"] / nat["x"][None, :]
    value_added = np.vstack(
        [
            (va_coef[:, None, :] * x[None, :, :]).reshape(4, n_nodes),
            (nat["imported_inputs"] / nat["x"] * x).reshape(1, n_nodes),
        ]
    )
    kind = np.where(reg["ceads_co2_mt"].notna(), "city", "rest_of_province")
    attrs = pd.DataFrame(
        {
            "province": reg["province"],
            "kind": kind,
            "longitude": reg["longitude"],
            "latitude": reg["latitude"],
            "n_census_units": reg["n_units"],
            "city_code": [
                int(units.index[units["region"] == r][0]) if k == "city" else -1
                for r, k in zip(reg.index, kind, strict=True)
            ],
            "gdp_source": grp["gdp_source"].agg(lambda s: "; ".join(sorted(set(s)))).loc[order],
            "gdp_estimated": grp["gdp_source"]
            .agg(lambda s: bool((s == "census_population_x_provincial_gdp_pc").any()))
            .loc[order],
            "primary_share": va_g[:, 0] / reg["gdp"],
            "secondary_share": va_g[:, 1] / reg["gdp"],
            "tertiary_share": va_g[:, 2] / reg["gdp"],
            "ceads_co2_mt": reg["ceads_co2_mt"],
            "co2_share_of_province": co2_share,
            "co2_share_estimated": rest_estimate,
            "has_co2_inventory": reg["province"].isin(list(inventory.index)),
        }
    )
    attrs.index.name = "city"
    checks = {
        "national_output_rel_err": float(np.abs(x.sum(0) / nat["x"] - 1).max()),
        "national_final_demand_rel_err": float(
            np.abs(final_demand.sum(0) - nat["Y"]).max() / np.abs(nat["Y"]).max()
        ),
        "national_value_added_rel_err": float(abs(value_added[:4].sum() / nat["va"].sum() - 1)),
        "co2_total_t": float(F.sum() + F_Y.sum()),
        "co2_inventory_total_t": provinces_total,
        "co2_rel_err": float(abs((F.sum() + F_Y.sum()) / provinces_total - 1)),
        "max_column_sum_A": float(B.sum(axis=0).max()),
        "n_cities": int((kind == "city").sum()),
        "n_rest_of_province": int((kind != "city").sum()),
        "n_census_units": int(len(units)),
        "n_units_not_cities": int((units["reason"] != "").sum()),
    }
    parameters = dict(
        year=year,
        delta=delta,
        income_elasticity=income_elasticity,
        provincial_gdp_vintage=provincial_gdp_vintage,
        distance_decay=decay,
        min_distance_km=25.0,
    )
    meta = TableMetadata(
        name=name,
        year=year,
        currency="CNY",
        money_unit="10^4 CNY",
        description=(
            f"China city MRIO {year} regionalized from public data: NBS national IO table "
            f"(139 -> 42 sectors, imports removed), {checks['n_cities']} CEADs cities + "
            f"{checks['n_rest_of_province']} 'rest of province' regions; FLQ (delta={delta}), "
            "gravity trade balanced by RAS; CO2 from CEADs provincial and city inventories. "
            "Estimated, not an official city MRIO."
        ),
        provenance={
            "generator": "mrio_city.sources.regionalize:build_china_cities",
            "package_version": __version__,
            "inputs": {k: {"path": str(v), "sha256": file_sha256(v)} for k, v in files.items()},
            "parameters": parameters,
            "checks": checks,
            "build_seconds": round(time.perf_counter() - t_start, 2),
        },
    )
    table = StructuredMRIOTable(
        trade,
        np.broadcast_to(B, (R, N, N)).copy(),
        final_demand,
        F.reshape(1, n_nodes),
        cities=list(reg.index),
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
        population=reg["population"].to_numpy(),
        gdp=reg["gdp"].to_numpy(),
        city_attributes=attrs,
        meta=meta,
    )
    if report_dir is not None:
        from mrio_city.io.csvfiles import write_csv

        write_csv(Path(report_dir) / f"china-cities-{year}-units.csv", crosswalk.unit_report(units))
    return table
