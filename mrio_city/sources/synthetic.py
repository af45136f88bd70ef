"""SYNTHETIC Chinese-like city MRIO tables in structured (trade shares x technology) form.

:func:`city_mrio` builds a deterministic, calibrated but entirely **synthetic** table: no city,
flow or emission in it is observed data.  It exists so that every command, test and benchmark
can run at the real scale (309 cities x 42 sectors, or ~2,800 counties) without the licensed
CEADs city MRIO.  See ``docs/synthetic-table.md`` for the targets, their sources and the
choices; the targets and tables are in :mod:`mrio_city.sources.synthetic_calibration`.

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
   target; a last global factor makes ``GDP = sum of value added = cal.GDP_2012`` exactly (value
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

from mrio_city._progress import progress_counter
from mrio_city.model.shares import apply_shares, share_matrix
from mrio_city.model.structured import StructuredMRIOTable
from mrio_city.model.table import TableMetadata
from mrio_city.solve.operator import StructuredOperator
from mrio_city.solve.output import gross_output
from mrio_city.sources import synthetic_calibration as cal
from mrio_city.sources.synthetic_geography import _Cities, _cities, _gravity_shares, _haversine_km

__all__ = ["city_mrio", "sector_labels"]


def sector_labels(n_sectors: int = 42) -> list[str]:
    """Sector labels of :func:`city_mrio` for ``n_sectors`` sectors.

    42 gives the English short names of China's 2012 42-sector input-output classification; fewer
    keep the most important ones (electricity and heat always) in classification order; more
    append generic ``'Other sector 43'``, ... labels.
    """
    return [
        cal.SECTORS[k][0] if k < 42 else f"Other sector {k + 1}" for k in _sector_rows(n_sectors)
    ]


def _sector_rows(n_sectors: int) -> list[int]:
    if n_sectors <= 42:
        return sorted(cal.PRIORITY[:n_sectors])
    return list(range(n_sectors))


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"city_mrio: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


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
        rows = [cal.SECTORS[k % 42] for k in _sector_rows(n_sectors)]
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
            elasticity=np.array([cal.CAPACITY_ELASTICITY[g] for g in group]),
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
    gi = np.array([cal.GROUPS.index(g) for g in sec.group])
    W = sec.importance[:, None] * cal.AFFINITY[gi][:, gi] * rng.lognormal(0.0, 0.5, (N, N))
    B0 = 0.8 * W / W.sum(axis=0, keepdims=True) + 0.2 * np.eye(N)
    B = B0[None] * rng.lognormal(0.0, 0.15, (R, N, N))
    target = np.clip(sec.colsum0[None, :] * rng.lognormal(0.0, 0.05, (R, N)), 0.40, 0.80)
    B *= (target / B.sum(axis=1))[:, None, :]
    return B, 1.0 - B.sum(axis=1)


def _final_demand(rng: np.random.Generator, c: _Cities, sec: _Sectors, S: np.ndarray):
    """Step 6: domestic final demand y (R, N, K) and international exports (R, N)."""
    R, N = S.shape
    shares_k = cal.EXPENDITURE_SHARES
    rural_w = 1.0 - c.urban
    rural_part = rural_w / (rural_w + cal.URBAN_TO_RURAL_PER_CAPITA * c.urban)
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
    exports = shares_k["international_exports"] * cal.GDP_2012 * sec.profiles[4][None, :] * ex_w
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
    scale = cal.GDP_2012 / (va_ratio * x).sum()
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
    F *= cal.CO2_INDUSTRY_2012 / F.sum()
    heating = np.where(c.north, 1.8, 1.0)
    pop, urban = c.population, c.urban
    fy = np.zeros((R, len(cal.CATEGORIES)))
    fy[:, 0] = pop * (1 - urban) * heating
    fy[:, 1] = pop * urban * 1.3 * c.rel_income**0.3 * heating
    fy *= cal.CO2_INDUSTRY_2012 * cal.HOUSEHOLD_CO2_SHARE / (1 - cal.HOUSEHOLD_CO2_SHARE) / fy.sum()
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
                "population [persons]": cal.POPULATION_2012,
                "gdp [10^4 CNY]": cal.GDP_2012,
                "CO2 industry [t CO2]": cal.CO2_INDUSTRY_2012,
                "household CO2 share [1]": cal.HOUSEHOLD_CO2_SHARE,
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
        Money in 10^4 CNY (``meta.money_unit``), CO2 in t CO2; categories ``CATEGORIES``;
        one export column ``'international_exports'``; one value-added row ``'value_added'``
        (``x`` minus domestic intermediate inputs); ``population`` [persons] summing to
        ``POPULATION_2012``; ``gdp`` = value added by city [10^4 CNY] summing to ``GDP_2012``;
        ``F`` summing to ``CO2_INDUSTRY_2012`` (the targets of
        :mod:`~mrio_city.sources.synthetic_calibration`); ``city_attributes`` with
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
    if n_prov > len(cal.PROVINCES):
        raise ValueError(f"city_mrio: n_provinces must be <= {len(cal.PROVINCES)}, got {n_prov}")
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
        categories=cal.CATEGORIES,
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
