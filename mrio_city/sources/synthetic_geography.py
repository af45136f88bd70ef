"""Steps 1-3 of :func:`~mrio_city.sources.synthetic.city_mrio` and the gravity kernel of step 4.

Where the SYNTHETIC cities are (provinces, coordinates), how many people live there and how rich
they are (:func:`_cities`), great-circle distances and the gravity trade shares
(:func:`_gravity_shares`).  See :mod:`mrio_city.sources.synthetic` for the whole construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from mrio_city.sources import synthetic_calibration as cal

__all__: list[str] = []


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
    prov = sorted(cal.PROVINCE_ORDER[:n_provinces])
    P = [cal.PROVINCES[p] for p in prov]
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
    lon = np.clip(lon, *cal.LON)
    lat = np.clip(lat, *cal.LAT)
    population = _allot(pop_w, cal.POPULATION_2012, 0).astype(float)
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
    bias = np.where(same_prov, cal.HOME_PROVINCE, 1.0)
    if partners is None:
        # kern[i, c, d]; the diagonal uses the within-city distance d0 (dist = 0)
        kern = (cal.D0_KM + dist)[None, :, :] ** -beta[:, None, None] * bias[None]
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
        g = S[partners, i] * (cal.D0_KM + dist) ** -beta[i] * bias  # (R user, k+1)
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


@dataclass(frozen=True)
class _Cities:
    """Steps 1-3 of :func:`~mrio_city.sources.synthetic.city_mrio`.

    Where the cities are, how many live there, how rich.
    """

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
    gdp_target *= cal.GDP_2012 / gdp_target.sum()
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
