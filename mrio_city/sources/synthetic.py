"""SYNTHETIC Chinese-like city MRIO tables in structured (trade shares x technology) form.

:func:`city_mrio` builds a deterministic, calibrated but entirely **synthetic** table: no city,
flow or emission in it is observed data.  It exists so that every command, test and benchmark
can run at the real scale (309 cities x 42 sectors, or ~2,800 counties) without the licensed
CEADs city MRIO.  See ``docs/synthetic-table.md`` for the targets, their sources and the choices.

Construction, in order (all random draws from one ``numpy.random.Generator(seed)``):

1. Geography: cities allotted to provinces in proportion to their 2012 prefecture counts, placed
   around approximate provincial centroids (longitude/latitude inside China's extent).
2. Population: within-province Zipf-like (rank^-0.8 x lognormal) shares of approximate 2012
   provincial populations, rounded to whole persons summing exactly to ``POPULATION_2012``.
3. GDP per capita: lognormal around approximate provincial 2012 levels, richer in large cities,
   with an extra exponential tail in coastal provinces (targets of step 7).
4. Trade shares (gravity model, Leontief-Strout form): ``t_i[c, d]`` proportional to the supply
   capacity ``S_i^c`` times ``(d0 + dist_cd)^-beta_i`` (x3 within a province); the own-city
   share is raised to the sector's floor (>= 0.8 for non-tradable services, construction and
   utilities).  With ``n_partners=k`` each city buys only from itself and its k nearest cities
   and the shares are sparse CSR matrices.
5. Technology: a national coefficient matrix from sector-group affinities (column sums 0.40-0.80,
   highest in manufacturing and construction) perturbed city by city, clipped to [0.40, 0.80].
6. Final demand: four categories with sector profiles; levels from the GDP targets and China's
   2012 expenditure shares (gross of imports: the table is domestic-only, so the shares of
   households, government, capital formation and international exports are those of
   ``C + G + I + EX``, see ``EXPENDITURE_SHARES``).  International exports sit on coastal
   manufacturing.
7. Calibration: five damped passes scale each city's domestic final demand towards its GDP
   target; a last global factor makes ``GDP = sum of value added = GDP_2012`` exactly (value
   added is ``x - column sums of Z``, so GDP here equals total final demand incl. exports).
8. Emissions: direct intensities = sector base (electricity and heat highest, ~3 orders of
   magnitude across sectors) x city factors (poorer, resource-based and northern cities dirtier;
   hydro-rich provinces have cleaner power), scaled so industrial CO2 is ``CO2_INDUSTRY_2012``
   exactly; households' direct CO2 (urban and rural categories only) is
   ``HOUSEHOLD_CO2_SHARE`` of the total (industry + households).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city._progress import progress_counter
from mrio_city.model.shares import apply_shares, share_matrix
from mrio_city.model.structured import StructuredMRIOTable
from mrio_city.model.table import TableMetadata
from mrio_city.solve.operator import StructuredOperator
from mrio_city.solve.output import gross_output

__all__ = [
    "city_mrio",
    "sector_labels",
    "CATEGORIES",
    "POPULATION_2012",
    "GDP_2012",
    "CO2_INDUSTRY_2012",
    "HOUSEHOLD_CO2_SHARE",
    "EXPENDITURE_SHARES",
]

#: China's 2012 resident population [persons] (NBS, 1,354.04 million; rounded).
POPULATION_2012 = 1_354_000_000
#: China's 2012 GDP [10^4 CNY] (NBS first release 51.9 trillion, revised ~53.9 trillion CNY).
GDP_2012 = 5.39e9
#: China's 2012 industrial (territorial, fossil + cement) CO2 [t CO2], about 9.7 Gt.
CO2_INDUSTRY_2012 = 9.7e9
#: Households' direct CO2 as a share of the total (industry + households) [1].
HOUSEHOLD_CO2_SHARE = 0.045
#: Final-demand categories of every city.
CATEGORIES = ["rural_households", "urban_households", "government", "capital_formation"]
#: Shares of GDP in the synthetic table [1]: China 2012 expenditure GDP components (household
#: consumption ~36.0 %, government ~13.5 %, gross capital formation ~47.0 %, exports ~24.5 % of
#: GDP) divided by their sum (121 %) because the table has no international imports; households
#: split rural ~22 % / urban ~78 % on average.
EXPENDITURE_SHARES = {
    "households": 36.0 / 121.0,
    "government": 13.5 / 121.0,
    "capital_formation": 47.0 / 121.0,
    "international_exports": 24.5 / 121.0,
}
_URBAN_TO_RURAL_PER_CAPITA = 2.8  # urban/rural per-capita consumption ratio, ~2012
_D0_KM = 25.0  # effective within-city distance of the gravity kernel [km]
_HOME_PROVINCE = 3.0  # gravity boost of suppliers in the same province
_LON, _LAT = (73.5, 134.8), (18.2, 53.5)  # China's extent (clip) [degrees]

# fmt: off
# Sector groups: A agriculture, M mining, FL light and other manufacturing, FH heavy/process
# manufacturing, FE equipment, E utilities, C construction, S services.
# Columns: name, group, column sum of domestic coefficients, gravity beta, own-city share floor,
# base CO2 intensity [t CO2 / 10^4 CNY], supplier weight, demand profiles [% of category]:
# rural households, urban households, government, capital formation, international exports.
_SECTORS: list[tuple[str, str, float, float, float, float, float, tuple[float, ...]]] = [
    ("Agriculture", "A", .42, 1.3, .30, .08, 1.0, (18, 5, .5, 2, 1)),
    ("Coal mining", "M", .55, 1.2, .10, .50, 1.0, (0, 0, 0, 0, .2)),
    ("Oil and gas extraction", "M", .42, .8, .05, .35, .8, (0, 0, 0, 0, .2)),
    ("Metal ore mining", "M", .58, 1.2, .10, .25, .6, (0, 0, 0, 0, .1)),
    ("Non-metal ore mining", "M", .58, 1.6, .20, .30, .3, (0, 0, 0, 0, .2)),
    ("Food and tobacco", "FL", .72, 1.1, .20, .12, .8, (22, 17, 0, 1, 3)),
    ("Textiles", "FL", .78, 1.0, .10, .15, .6, (1, 1, 0, 0, 5)),
    ("Apparel, footwear and leather", "FL", .74, 1.0, .10, .04, .3, (6, 7, 0, 0, 9)),
    ("Wood products and furniture", "FL", .75, 1.1, .10, .08, .3, (1, 1.5, 0, .5, 2)),
    ("Paper, printing and stationery", "FL", .74, 1.1, .10, .30, .5, (1, 1.5, .5, 0, 1.5)),
    ("Petroleum refining and coking", "FH", .70, 1.0, .10, .90, 1.0, (1, 2, 0, 0, 1)),
    ("Chemicals", "FH", .76, 1.0, .10, .60, 1.5, (2, 2, .5, 0, 7)),
    ("Non-metallic mineral products", "FH", .72, 2.0, .40, 2.6, .8, (.3, .3, 0, 0, 2)),
    ("Metal smelting and rolling", "FH", .78, 1.2, .10, 1.5, 2.0, (0, 0, 0, 0, 4)),
    ("Metal products", "FE", .77, 1.1, .10, .06, .6, (.3, .5, 0, 1, 4)),
    ("General equipment", "FE", .76, 1.0, .10, .04, .8, (0, 0, 0, 7, 6)),
    ("Special equipment", "FE", .75, 1.0, .10, .04, .4, (0, 0, 0, 6, 3)),
    ("Transport equipment", "FE", .77, .9, .10, .03, .6, (1, 4, 0, 7, 4)),
    ("Electrical machinery", "FE", .78, .9, .10, .02, .7, (2, 3, 0, 4, 10)),
    ("Electronics and computers", "FE", .70, .8, .05, .01, .8, (2, 3, 0, 3, 28)),
    ("Instruments", "FE", .72, .9, .05, .015, .2, (.1, .2, 0, .6, 2)),
    ("Other manufacturing", "FL", .72, 1.0, .10, .05, .2, (.3, .5, 0, .3, 3)),
    ("Scrap and waste", "FL", .45, 1.5, .30, .02, .2, (0, 0, 0, 0, 0)),
    ("Repair of machinery", "FE", .62, 1.5, .50, .03, .1, (0, 0, 0, 0, 0)),
    ("Electricity and heat", "E", .72, 1.6, .40, 13.0, 1.2, (3, 2, 0, 0, .1)),
    ("Gas supply", "E", .74, 2.5, .85, .40, .2, (.2, .8, 0, 0, 0)),
    ("Water supply", "E", .56, 3.0, .95, .05, .1, (.3, .5, 0, 0, 0)),
    ("Construction", "C", .77, 3.0, .90, .03, .1, (0, 0, 0, 60, .5)),
    ("Wholesale and retail", "S", .42, 2.0, .80, .03, 1.2, (6, 7, 0, 1, 3)),
    ("Transport, storage and post", "S", .58, 1.2, .60, .60, 1.2, (3, 3, 1, .5, 4)),
    ("Accommodation and catering", "S", .60, 2.5, .85, .06, .4, (5, 7, 0, 0, 1)),
    ("Information and software", "S", .45, 1.0, .50, .01, .4, (2, 4, 1, 1, 1)),
    ("Finance", "S", .40, 1.2, .60, .005, 1.0, (2, 5, 0, 0, .3)),
    ("Real estate", "S", .40, 3.0, .95, .008, .3, (9, 11, 0, 4, 0)),
    ("Leasing and business services", "S", .62, 1.2, .60, .02, .8, (.3, 1, 0, .5, 3)),
    ("Research and technical services", "S", .58, 1.2, .60, .02, .3, (0, .2, 4, 1, .5)),
    ("Water conservancy and environment", "S", .50, 3.0, .90, .03, .1, (0, 0, 5, 0, 0)),
    ("Resident and other services", "S", .48, 3.0, .90, .04, .2, (4, 4, .5, 0, 0)),
    ("Education", "S", .40, 3.0, .90, .03, .1, (3, 4, 22, 0, 0)),
    ("Health and social work", "S", .60, 3.0, .90, .03, .1, (6, 5, 18, 0, 0)),
    ("Culture, sports and entertainment", "S", .55, 2.5, .85, .02, .1, (1, 2, 2, 0, .2)),
    ("Public administration", "S", .45, 3.0, .95, .03, .05, (.2, .3, 45, 0, 0)),
]
# Sector positions (0-based) kept first when n_sectors < 42; electricity and heat always first.
_PRIORITY = [24, 0, 27, 13, 29, 28, 11, 12, 1, 5, 33, 32, 19, 41, 17, 10, 38, 39, 6, 15, 30, 2,
             18, 3, 14, 16, 7, 9, 31, 34, 25, 26, 8, 4, 35, 37, 40, 36, 20, 21, 23, 22]
_GROUPS = ["A", "M", "FL", "FH", "FE", "E", "C", "S"]
# Input affinity of supplier group (row) to user group (column), order of _GROUPS.
_AFFINITY = np.array([
    [3.0, .10, 3.0, .20, .05, .05, .10, .50],
    [.10, 1.0, .20, 3.0, .20, 4.0, .50, .05],
    [.80, .30, 2.0, .50, .50, .10, .50, .80],
    [1.5, 1.0, 1.0, 3.0, 2.5, .50, 3.0, .40],
    [.30, 1.0, .50, .80, 3.0, .80, 1.5, .50],
    [.50, 1.5, .80, 1.5, .60, 1.0, .30, .40],
    [.05, .10, .05, .05, .05, .20, .50, .30],
    [.80, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.5],
])
# Income elasticity of supply capacity by group.
_CAPACITY_ELASTICITY = {"A": -0.5, "M": 0.0, "FL": 0.6, "FH": 0.5, "FE": 1.0, "E": 0.6,
                        "C": 1.0, "S": 1.1}

# Provinces (approximate 2012 values, for realism only): name, centroid longitude and latitude
# [deg], scatter [deg], coastal, prefecture-level units, population [million], GDP per capita
# [10^3 CNY], probability that a city is resource-based, hydro factor of power CO2 intensity.
_PROVINCES: list[tuple[str, float, float, float, bool, int, float, float, float, float]] = [
    ("Beijing", 116.4, 39.9, .4, False, 1, 20.7, 87.5, .0, 1.0),
    ("Tianjin", 117.3, 39.1, .4, True, 1, 14.1, 93.2, .0, 1.0),
    ("Hebei", 115.2, 38.6, 1.5, True, 11, 72.9, 36.6, .4, 1.0),
    ("Shanxi", 112.3, 37.6, 1.2, False, 11, 36.1, 33.6, .9, 1.0),
    ("Inner Mongolia", 113.0, 42.0, 4.0, False, 12, 24.9, 63.9, .7, 1.0),
    ("Liaoning", 122.6, 41.4, 1.3, True, 14, 43.9, 56.6, .4, 1.0),
    ("Jilin", 125.8, 43.6, 1.3, False, 9, 27.5, 43.4, .4, 1.0),
    ("Heilongjiang", 127.8, 46.6, 2.0, False, 13, 38.3, 35.7, .6, 1.0),
    ("Shanghai", 121.5, 31.2, .3, True, 1, 23.8, 85.4, .0, 1.0),
    ("Jiangsu", 119.5, 32.8, 1.0, True, 13, 79.2, 68.3, .1, 1.0),
    ("Zhejiang", 120.2, 29.3, 1.0, True, 11, 54.8, 63.4, .05, 0.9),
    ("Anhui", 117.2, 31.8, 1.2, False, 16, 59.9, 28.8, .4, 1.0),
    ("Fujian", 118.2, 26.0, 1.1, True, 9, 37.5, 52.8, .2, 0.8),
    ("Jiangxi", 115.7, 27.6, 1.2, False, 11, 45.0, 28.8, .4, 0.9),
    ("Shandong", 118.2, 36.3, 1.3, True, 17, 96.9, 51.8, .3, 1.0),
    ("Henan", 113.6, 34.0, 1.3, False, 17, 94.1, 31.5, .4, 1.0),
    ("Hubei", 112.5, 30.9, 1.5, False, 13, 57.8, 38.6, .2, 0.6),
    ("Hunan", 111.8, 27.6, 1.3, False, 14, 66.4, 33.5, .3, 0.8),
    ("Guangdong", 113.4, 23.2, 1.3, True, 21, 105.9, 54.1, .05, 0.9),
    ("Guangxi", 108.6, 23.5, 1.5, True, 14, 46.8, 28.0, .3, 0.7),
    ("Hainan", 109.8, 19.3, .5, True, 3, 8.9, 32.4, .1, 1.0),
    ("Chongqing", 107.2, 29.8, .6, False, 1, 29.5, 38.9, .2, 0.8),
    ("Sichuan", 104.2, 30.3, 2.0, False, 21, 80.8, 29.6, .3, 0.5),
    ("Guizhou", 106.7, 26.7, 1.2, False, 9, 34.8, 19.7, .5, 0.8),
    ("Yunnan", 101.8, 24.9, 2.0, False, 16, 46.6, 22.2, .3, 0.4),
    ("Tibet", 89.5, 30.5, 3.5, False, 7, 3.1, 22.9, .1, 0.3),
    ("Shaanxi", 108.6, 35.0, 1.5, False, 10, 37.5, 38.6, .6, 1.0),
    ("Gansu", 102.5, 36.8, 2.8, False, 14, 25.8, 21.9, .5, 0.8),
    ("Qinghai", 97.5, 35.7, 2.5, False, 8, 5.7, 33.2, .5, 0.4),
    ("Ningxia", 106.2, 37.3, .8, False, 5, 6.5, 36.4, .6, 1.0),
    ("Xinjiang", 85.5, 42.5, 4.0, False, 14, 22.3, 33.8, .6, 1.0),
]
# Provinces kept first when n_provinces < 31 (coastal and inland interleaved).
_PROVINCE_ORDER = [18, 15, 14, 22, 9, 3, 0, 4, 10, 16, 8, 2, 17, 11, 5, 24, 12, 26, 13, 7, 19,
                   23, 21, 6, 27, 1, 30, 20, 29, 28, 25]
# fmt: on


def sector_labels(n_sectors: int = 42) -> list[str]:
    """Sector labels of :func:`city_mrio` for ``n_sectors`` sectors.

    42 gives the English short names of China's 2012 42-sector input-output classification; fewer
    keep the most important ones (electricity and heat always) in classification order; more
    append generic ``'Other sector 43'``, ... labels.
    """
    return [_SECTORS[k][0] if k < 42 else f"Other sector {k + 1}" for k in _sector_rows(n_sectors)]


def _sector_rows(n_sectors: int) -> list[int]:
    if n_sectors <= 42:
        return sorted(_PRIORITY[:n_sectors])
    return list(range(n_sectors))


def _allot(weights: np.ndarray, total: int, minimum: int) -> np.ndarray:
    """Integers >= minimum summing to total, proportional to weights (largest remainder)."""
    quota = weights / weights.sum() * total
    base = np.maximum(np.floor(quota).astype(np.int64), minimum)
    order = np.argsort(-(quota - base), kind="stable")  # most under-served first
    while (diff := total - int(base.sum())) != 0:
        if diff > 0:
            base[order[:diff]] += 1
        else:
            over = [j for j in order[::-1] if base[j] > minimum][:-diff]
            base[over] -= 1
    return base


def _haversine_km(lon: np.ndarray, lat: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Great-circle distances [km] between cities ``rows`` (default all) and all cities."""
    rows = np.arange(lon.size) if rows is None else rows
    la, lo = np.radians(lat), np.radians(lon)
    dlat = la[None, :] - la[rows, None]
    dlon = lo[None, :] - lo[rows, None]
    h = np.sin(dlat / 2) ** 2 + np.cos(la[rows, None]) * np.cos(la[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _geography(rng: np.random.Generator, n_cities: int, n_provinces: int) -> dict[str, Any]:
    prov = sorted(_PROVINCE_ORDER[:n_provinces])
    P = [_PROVINCES[p] for p in prov]
    counts = _allot(np.array([p[5] for p in P], float), n_cities, 1)
    prov_of = np.repeat(np.arange(len(P)), counts)
    names, lon, lat, pop_w = [], np.empty(n_cities), np.empty(n_cities), np.empty(n_cities)
    start = 0
    for k, (pname, plon, plat, spread, *_rest) in enumerate(P):
        m = int(counts[k])
        width = max(2, len(str(m)))
        names += [f"{pname} {j + 1:0{width}d}" for j in range(m)]
        sl = slice(start, start + m)
        scat = np.clip(rng.normal(0.0, 1.0, size=(m, 2)), -2.0, 2.0) * spread
        scat[0] *= 0.2  # the largest city (provincial capital) sits near the centroid
        lon[sl] = plon + scat[:, 0] * 1.2
        lat[sl] = plat + scat[:, 1] * 0.8
        sizes = np.arange(1, m + 1, dtype=float) ** -0.8 * rng.lognormal(0.0, 0.3, m)
        sizes[0] = max(sizes[0], sizes.max() * 1.05) if m > 1 else sizes[0]
        pop_w[sl] = sizes / sizes.sum() * P[k][6]
        start += m
    lon = np.clip(lon, *_LON)
    lat = np.clip(lat, *_LAT)
    population = _allot(pop_w, POPULATION_2012, 0).astype(float)
    return dict(P=P, prov_of=prov_of, names=names, lon=lon, lat=lat, population=population)


def _gravity_shares(
    S: np.ndarray,
    dist: np.ndarray,
    same_prov: np.ndarray,
    beta: np.ndarray,
    floor: np.ndarray,
    partners: np.ndarray | None,
):
    """Trade shares t_i[c, d] (supplier c, user d) from supply capacity S (R, N).

    ``dist``/``same_prov`` are (R, R) when ``partners`` is None, else (R, k+1) aligned with
    ``partners`` (R, k+1) whose column 0 is the user itself.
    """
    R, N = S.shape
    bias = np.where(same_prov, _HOME_PROVINCE, 1.0)
    if partners is None:
        # kern[i, c, d]; the diagonal uses the within-city distance d0 (dist = 0)
        kern = (_D0_KM + dist)[None, :, :] ** -beta[:, None, None] * bias[None]
        g = S.T[:, :, None] * kern  # (N, R supplier, R user)
        own = np.diagonal(g, axis1=1, axis2=2).copy()  # (N, R)
        total = g.sum(axis=1)
        local = np.maximum(floor[:, None], own / total)
        off_total = total - own
        scale = np.divide(1.0 - local, off_total, out=np.zeros_like(off_total), where=off_total > 0)
        local = np.where(off_total > 0, local, 1.0)
        g *= scale[:, None, :]
        idx = np.arange(R)
        g[:, idx, idx] = local
        return g
    k1 = partners.shape[1]
    out = []
    indptr = np.arange(0, R * k1 + 1, k1)
    for i in range(N):
        g = S[partners, i] * (_D0_KM + dist) ** -beta[i] * bias  # (R user, k+1)
        own = g[:, 0]
        off_total = g[:, 1:].sum(axis=1)
        local = np.maximum(floor[i], own / (own + off_total))
        scale = np.divide(1.0 - local, off_total, out=np.zeros_like(off_total), where=off_total > 0)
        g[:, 1:] *= scale[:, None]
        g[:, 0] = np.where(off_total > 0, local, 1.0)
        csc = sp.csc_matrix((g.ravel(), partners.ravel(), indptr), shape=(R, R))
        m = csc.tocsr()
        m.sort_indices()
        out.append(m)
    return out


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"city_mrio: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class _Cities:
    """Steps 1-3 of :func:`city_mrio`: where the cities are, how many live there, how rich."""

    geo: dict[str, Any]
    P: list
    prov_of: np.ndarray
    population: np.ndarray
    coastal: np.ndarray
    resource: np.ndarray
    gdp_target: np.ndarray  # [10^4 CNY]
    rel_income: np.ndarray  # GDP per capita over the national mean [1]
    urban: np.ndarray  # urban population share [1]
    north: np.ndarray

    @property
    def n(self) -> int:
        return len(self.population)


@dataclass(frozen=True)
class _Sectors:
    """The per-sector constants of the first ``N`` rows of the 42-sector table."""

    rows: list
    group: np.ndarray
    colsum0: np.ndarray
    beta: np.ndarray
    floor: np.ndarray
    intensity0: np.ndarray
    importance: np.ndarray
    profiles: np.ndarray  # (5, N): four final-demand categories and exports
    elasticity: np.ndarray

    @classmethod
    def of(cls, n_sectors: int) -> _Sectors:
        rows = [_SECTORS[k % 42] for k in _sector_rows(n_sectors)]
        group = np.array([r[1] for r in rows])
        profiles = np.array([r[7] for r in rows], float).T + 0.02  # (5, N), floor for subsets
        profiles /= profiles.sum(axis=1, keepdims=True)
        return cls(
            rows=rows,
            group=group,
            colsum0=np.array([r[2] for r in rows]),
            beta=np.array([r[3] for r in rows]),
            floor=np.array([r[4] for r in rows]),
            intensity0=np.array([r[5] for r in rows]),
            importance=np.array([r[6] for r in rows]),
            profiles=profiles,
            elasticity=np.array([_CAPACITY_ELASTICITY[g] for g in group]),
        )


def _cities(rng: np.random.Generator, R: int, n_prov: int) -> _Cities:
    """Steps 1-3: geography, population and GDP per capita (targets of the calibration)."""
    geo = _geography(rng, R, n_prov)
    P, prov_of, pop = geo["P"], geo["prov_of"], geo["population"]
    coastal = np.array([P[p][4] for p in prov_of])
    resource = rng.random(R) < np.array([P[p][8] for p in prov_of])
    prov_mean_pop = np.bincount(prov_of, pop) / np.bincount(prov_of)
    gdppc = (
        np.array([P[p][7] for p in prov_of])
        * 1e3
        * rng.lognormal(0.0, 0.3, R)
        * (pop / prov_mean_pop[prov_of]) ** 0.12
        * np.exp(np.where(coastal, 0.3 * rng.exponential(1.0, R), 0.0))
    )
    gdp_target = pop * gdppc / 1e4
    gdp_target *= GDP_2012 / gdp_target.sum()
    rel_income = gdppc / (gdp_target.sum() * 1e4 / pop.sum())
    return _Cities(
        geo=geo,
        P=P,
        prov_of=prov_of,
        population=pop,
        coastal=coastal,
        resource=resource,
        gdp_target=gdp_target,
        rel_income=rel_income,
        urban=1.0 / (1.0 + np.exp(-(1.6 * np.log(rel_income) + 0.1))),
        north=geo["lat"] >= 33.0,
    )


def _trade(rng: np.random.Generator, c: _Cities, sec: _Sectors, n_partners: int | None):
    """Step 4: supply capacities ``S`` (R, N) and the gravity trade shares."""
    R, N = c.n, len(sec.rows)
    group = sec.group
    spec = rng.lognormal(0.0, 0.6, (R, N))
    spec[:, group == "M"] *= np.where(c.resource, 8.0, 0.3)[:, None]
    spec[:, group == "FH"] *= np.where(c.resource, 2.0, 1.0)[:, None]
    spec[:, np.isin(group, ["FL", "FE"])] *= np.where(c.coastal, 1.8, 0.8)[:, None]
    spec[:, group == "A"] *= (1.0 - c.urban)[:, None] * 2.0
    S = c.population[:, None] * c.rel_income[:, None] ** sec.elasticity[None, :] * spec
    lon, lat, prov_of = c.geo["lon"], c.geo["lat"], c.prov_of
    if n_partners is None or R == 1:
        same = prov_of[:, None] == prov_of[None, :]
        return S, _gravity_shares(S, _haversine_km(lon, lat), same, sec.beta, sec.floor, None)
    k1 = n_partners + 1
    partners = np.empty((R, k1), dtype=np.int64)
    dist = np.empty((R, k1))
    for start in range(0, R, 512):  # bounded memory: 512 x R distances at a time
        blk = np.arange(start, min(start + 512, R))
        d = _haversine_km(lon, lat, blk)
        d[np.arange(blk.size), blk] = -1.0  # self first
        nb = np.argpartition(d, k1 - 1, axis=1)[:, :k1]
        nb = np.take_along_axis(nb, np.argsort(np.take_along_axis(d, nb, 1), 1), 1)
        partners[blk] = nb
        dist[blk] = np.maximum(np.take_along_axis(d, nb, 1), 0.0)
    same = prov_of[partners] == prov_of[:, None]
    return S, _gravity_shares(S, dist, same, sec.beta, sec.floor, partners)


def _technology(rng: np.random.Generator, sec: _Sectors, R: int):
    """Step 5: city technologies B (R, N, N) and value added per unit output (R, N)."""
    N = len(sec.rows)
    gi = np.array([_GROUPS.index(g) for g in sec.group])
    W = sec.importance[:, None] * _AFFINITY[gi][:, gi] * rng.lognormal(0.0, 0.5, (N, N))
    B0 = 0.8 * W / W.sum(axis=0, keepdims=True) + 0.2 * np.eye(N)
    B = B0[None] * rng.lognormal(0.0, 0.15, (R, N, N))
    target = np.clip(sec.colsum0[None, :] * rng.lognormal(0.0, 0.05, (R, N)), 0.40, 0.80)
    B *= (target / B.sum(axis=1))[:, None, :]
    return B, 1.0 - B.sum(axis=1)


def _final_demand(rng: np.random.Generator, c: _Cities, sec: _Sectors, S: np.ndarray):
    """Step 6: domestic final demand y (R, N, K) and international exports (R, N)."""
    R, N = S.shape
    shares_k = EXPENDITURE_SHARES
    rural_w = 1.0 - c.urban
    rural_part = rural_w / (rural_w + _URBAN_TO_RURAL_PER_CAPITA * c.urban)
    hh = shares_k["households"] * rng.lognormal(0.0, 0.1, R)
    gov = shares_k["government"] * rng.lognormal(0.0, 0.15, R)
    gcf = shares_k["capital_formation"] * rng.lognormal(0.0, 0.15, R)
    level = np.stack([hh * rural_part, hh * (1 - rural_part), gov, gcf], axis=1)
    level *= ((1 - shares_k["international_exports"]) / level.sum(axis=1))[:, None]
    level *= c.gdp_target[:, None]  # (R, K)
    mix = sec.profiles[None, :4, :] * rng.lognormal(0.0, 0.25, (R, 4, N))
    mix /= mix.sum(axis=2, keepdims=True)
    y = (level[:, :, None] * mix).transpose(0, 2, 1).copy()  # (R, N, K)
    ex_w = S * np.where(c.coastal, 1.0, 0.12)[:, None]
    ex_w /= ex_w.sum(axis=0, keepdims=True)
    exports = shares_k["international_exports"] * GDP_2012 * sec.profiles[4][None, :] * ex_w
    return y, exports


def _calibrate(shares, B, va_ratio, y, exports, gdp_target):
    """Step 7: scale final demand towards the GDP targets; return x, y, exports (R, N ...)."""
    R, N = va_ratio.shape
    operator = StructuredOperator(shares, B)
    share_operand = shares if isinstance(shares, np.ndarray) else share_matrix(shares)
    what = "gross output of the synthetic table"

    def output(tol: float) -> np.ndarray:
        y_nodes = apply_shares(share_operand, y.sum(2)[:, :, None])[:, 0] + exports.reshape(-1)
        return gross_output(operator, y_nodes, tol=tol, what=what).reshape(R, N)

    for _ in range(5):  # approximate passes: a loose tolerance is enough
        x = output(1e-8)
        va = (va_ratio * x).sum(axis=1)
        y *= np.clip(gdp_target / va, 0.5, 2.0)[:, None, None] ** 0.8
    x = output(1e-13)
    scale = GDP_2012 / (va_ratio * x).sum()
    return x * scale, y * scale, exports * scale


def _emissions(rng: np.random.Generator, c: _Cities, sec: _Sectors, x: np.ndarray):
    """Step 8: industry CO2 F (R, N) and households' direct CO2 (R, K) [t CO2]."""
    R, N = x.shape
    city_factor = (
        c.rel_income**-0.25 * np.where(c.resource, 1.3, 1.0) * np.where(c.north, 1.15, 1.0)
    )
    f = sec.intensity0[None, :] * city_factor[:, None] * rng.lognormal(0.0, 0.35, (R, N))
    hydro = np.array([c.P[p][9] for p in c.prov_of])
    is_power = np.array([r[0].startswith("Electricity") for r in sec.rows])
    f[:, is_power] *= hydro[:, None]
    F = f * x
    F *= CO2_INDUSTRY_2012 / F.sum()
    heating = np.where(c.north, 1.8, 1.0)
    pop, urban = c.population, c.urban
    fy = np.zeros((R, len(CATEGORIES)))
    fy[:, 0] = pop * (1 - urban) * heating
    fy[:, 1] = pop * urban * 1.3 * c.rel_income**0.3 * heating
    fy *= CO2_INDUSTRY_2012 * HOUSEHOLD_CO2_SHARE / (1 - HOUSEHOLD_CO2_SHARE) / fy.sum()
    return F, fy


def _metadata(name: str, R: int, N: int, n_prov: int, parameters: dict) -> TableMetadata:
    """The synthetic table's metadata: a description saying it is synthetic, and its recipe."""
    from mrio_city._version import __version__

    return TableMetadata(
        name=name,
        year=2012,
        currency="CNY",
        money_unit="10^4 CNY",
        description=(
            f"SYNTHETIC Chinese-like city MRIO ({R} cities x {N} sectors, {n_prov} provinces, "
            f"seed {parameters['seed']}): generated by mrio_city.sources.synthetic.city_mrio, "
            "not observed data. Totals "
            "calibrated to China 2012: population 1,354 million, GDP 53.9 trillion CNY (sum of "
            "value added), industrial CO2 9.7 Gt; see docs/synthetic-table.md."
        ),
        provenance={
            "generator": "mrio_city.sources.synthetic.city_mrio",
            "parameters": parameters,
            "package_version": __version__,
            "synthetic": True,
            "targets": {
                "population [persons]": POPULATION_2012,
                "gdp [10^4 CNY]": GDP_2012,
                "CO2 industry [t CO2]": CO2_INDUSTRY_2012,
                "household CO2 share [1]": HOUSEHOLD_CO2_SHARE,
            },
        },
    )


def city_mrio(
    n_cities: int = 309,
    n_sectors: int = 42,
    seed: int = 2012,
    *,
    n_provinces: int = 31,
    n_partners: int | None = None,
    name: str | None = None,
    progress: bool = False,
) -> StructuredMRIOTable:
    """Build a SYNTHETIC Chinese-like city MRIO for 2012 (structured form, calibrated totals).

    Parameters
    ----------
    n_cities : int, default=309
        Number of cities (prefecture-level cities, or counties at ~2,800).
    n_sectors : int, default=42
        Sectors per city; 42 follows China's 2012 42-sector IO classification (see
        :func:`sector_labels`); fewer keep the main sectors, always ``'Electricity and heat'``.
    seed : int, default=2012
        Seed of the ``numpy.random.Generator``: equal seeds give bit-identical tables.
    n_provinces : int, default=31
        Provinces (1-31, approximate real ones); at most one per city, so with fewer cities
        the first ``n_cities`` provinces of a fixed coastal/inland interleaved order are used.
    n_partners : int, optional
        Trade only with the ``n_partners`` nearest cities (plus itself): trade shares become a
        tuple of per-sector scipy.sparse CSR matrices (county scale).  Default: every city
        trades with every city (dense (n_sectors, n_cities, n_cities) shares).
    name : str, optional
        Table name; default ``'china-309-synthetic'`` for the default parameters, else
        ``'synthetic-{n_cities}x{n_sectors}-seed{seed}'``.
    progress : bool, default=False
        Show a progress bar over the construction steps.

    Returns
    -------
    StructuredMRIOTable
        Money in 10^4 CNY (``meta.money_unit``), CO2 in t CO2; categories :data:`CATEGORIES`;
        one export column ``'international_exports'``; one value-added row ``'value_added'``
        (``x`` minus domestic intermediate inputs); ``population`` [persons] summing to
        :data:`POPULATION_2012`; ``gdp`` = value added by city [10^4 CNY] summing to
        :data:`GDP_2012`; ``F`` summing to :data:`CO2_INDUSTRY_2012`; ``city_attributes`` with
        columns province, longitude, latitude [deg], coastal, resource_based (bool) and
        secondary_share (secondary-industry share of value added [1]).

    Raises
    ------
    ValueError
        If a size parameter is not a positive integer (``n_provinces`` above 31).
    """
    R = _check_int(n_cities, "n_cities", 1)
    N = _check_int(n_sectors, "n_sectors", 1)
    _check_int(seed, "seed", 0)
    n_prov = _check_int(n_provinces, "n_provinces", 1)
    if n_prov > len(_PROVINCES):
        raise ValueError(f"city_mrio: n_provinces must be <= {len(_PROVINCES)}, got {n_prov}")
    n_prov = min(n_prov, R)
    if n_partners is not None:
        n_partners = min(_check_int(n_partners, "n_partners", 1), R - 1)
    rng = np.random.default_rng(seed)  # the steps draw from it in this order
    bar = progress_counter(6, enabled=progress, desc="synthetic table", unit="step", leave=False)
    c = _cities(rng, R, n_prov)
    bar.update()
    sec = _Sectors.of(N)
    S, shares = _trade(rng, c, sec, n_partners)
    bar.update()
    B, va_ratio = _technology(rng, sec, R)
    bar.update()
    y, exports = _final_demand(rng, c, sec, S)
    bar.update()
    x, y, exports = _calibrate(shares, B, va_ratio, y, exports, c.gdp_target)
    value_added = va_ratio * x
    gdp = value_added.sum(axis=1)
    bar.update()
    F, fy = _emissions(rng, c, sec, x)
    secondary = np.isin(sec.group, ["M", "FL", "FH", "FE", "E", "C"])
    attrs = pd.DataFrame(
        {
            "province": [c.P[p][0] for p in c.prov_of],
            "longitude": c.geo["lon"],
            "latitude": c.geo["lat"],
            "coastal": c.coastal,
            "resource_based": c.resource,
            "secondary_share": value_added[:, secondary].sum(axis=1) / gdp,
        },
        index=pd.Index(c.geo["names"], name="city"),
    )
    defaults = (R, N, seed, n_provinces, n_partners) == (309, 42, 2012, 31, None)
    name = name or ("china-309-synthetic" if defaults else f"synthetic-{R}x{N}-seed{seed}")
    parameters = {
        "n_cities": R,
        "n_sectors": N,
        "seed": seed,
        "n_provinces": n_provinces,
        "n_partners": n_partners,
    }
    table = StructuredMRIOTable(
        shares,
        B,
        y,
        F.reshape(1, -1),
        cities=c.geo["names"],
        sectors=sector_labels(N),
        categories=CATEGORIES,
        stressors=["CO2"],
        units={"CO2": "t CO2"},
        F_Y=fy.reshape(1, -1),
        exports=exports.reshape(-1, 1),
        export_labels=["international_exports"],
        value_added=value_added.reshape(1, -1),
        value_added_labels=["value_added"],
        x=x.reshape(-1),
        population=c.population,
        gdp=gdp,
        city_attributes=attrs,
        meta=_metadata(name, R, N, n_prov, parameters),
    )
    bar.update()
    bar.close()
    return table
