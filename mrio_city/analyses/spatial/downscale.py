"""Downscaling with exact conservation: city totals to counties or grid cells by proxies.

Each city's total is split over its units (counties, grid cells) in proportion to a
non-negative proxy (population, urban or rural population, land-use area, a raster):
``part_u = total_c * w_u / sum_{v in c} w_v``.  The rounding residual of every city is put
on its largest part (repeated until the compensated sum ``math.fsum`` of the parts equals
the total), so each city's parts sum to its total to the last bit in a compensated sum.

:func:`county_validation` compares downscaled county values with the county CO2 data set of
Chen et al. (2020) for one year: within every city the county CO2 is summed to a city total,
downscaled again by each proxy, and compared county by county (Spearman rank correlation,
median absolute error, median absolute percentage error).  See docs/spatial.md for the
numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from mrio_city.model.errors import (
    LabelMismatchError,
    NegativeValueError,
    NonFiniteValueError,
)
from mrio_city.model.labels import first_labels

__all__ = ["downscale", "downscale_to_grid", "county_validation", "county_parents"]


def county_parents(county_codes: pd.Series | pd.Index, city_codes) -> pd.Series:
    """Census city code of every county code (6-digit strings).

    A county belongs to the city whose code shares its first four digits (``130102`` ->
    ``130100``); Chongqing's counties (``5002xx``) to the municipality (``500100``); a
    county-level city administered by its province (``429004``) to itself when it is a census
    unit of its own.  Counties matching no city code are absent from the result.

    Parameters
    ----------
    county_codes : Series or Index
        County codes.
    city_codes : iterable
        Census city codes.

    Returns
    -------
    Series
        Index: county code; values: city code.
    """
    codes = pd.Series(pd.Index(county_codes).astype(str), index=pd.Index(county_codes).astype(str))
    known = pd.Index([str(c) for c in city_codes])
    parent = codes.str[:4] + "00"
    parent = parent.where(parent.isin(known), codes.str[:2] + "0100")
    parent = parent.where(parent.isin(known), codes)
    return parent[parent.isin(known)]


def _exact(parts: np.ndarray, total: float) -> np.ndarray:
    """Put the rounding residual on one part so that ``math.fsum(parts) == total``.

    The residual ``total - fsum(parts)`` is a few ulps of the total; it is added to the
    smallest part at least twice its size (no part changes sign, and the addition is as exact
    as it can be).  When the exact sum sits half-way between two floats the correction
    overshoots; the step is then halved until the compensated sum equals the total.
    """
    if len(parts) == 0:
        return parts
    size = np.abs(parts)
    scale, previous = 1.0, 0.0
    for _ in range(60):
        residual = total - math.fsum(parts)
        if residual == 0.0:
            break
        if previous and (residual > 0) != (previous > 0):
            scale *= 0.5
        previous = residual
        ok = np.flatnonzero(size >= 2.0 * abs(residual))
        i = ok[np.argmin(size[ok])] if len(ok) else int(np.argmax(size))
        parts[i] += residual * scale
    return parts


def downscale(
    totals: pd.Series,
    proxy: pd.Series,
    parent: pd.Series,
    *,
    zero_proxy: str = "error",
    what: str = "proxy",
) -> pd.Series:
    """Split city totals over their units in proportion to a proxy, conserving each total.

    Parameters
    ----------
    totals : Series
        Total of every city [any unit, e.g. Mt CO2], indexed by city key.
    proxy : Series
        Non-negative weight of every unit [any unit], indexed by unit.
    parent : Series
        City key of every unit (same index as ``proxy``).  Units whose city has no total
        are left out of the result.
    zero_proxy : {'error', 'equal'}, default='error'
        What to do with a city whose units all have zero proxy: raise, or split equally.
    what : str
        Name of the proxy, for messages.

    Returns
    -------
    Series
        The part of every unit [unit of ``totals``], indexed like ``proxy`` (units of cities
        in ``totals`` only); ``math.fsum`` of each city's parts equals its total.

    Raises
    ------
    NonFiniteValueError
        NaN or infinite totals or proxies (labels named).
    NegativeValueError
        Negative proxies (labels named).
    LabelMismatchError
        ``parent`` not aligned with ``proxy``; a city with a total but no unit; a city whose
        proxies are all zero when ``zero_proxy='error'``.
    """
    if zero_proxy not in ("error", "equal"):
        raise ValueError(f"zero_proxy must be 'error' or 'equal', not {zero_proxy!r}")
    if not proxy.index.equals(parent.index):
        raise LabelMismatchError(f"{what}: the parent city of every unit is needed (same index)")
    t = pd.to_numeric(totals, errors="coerce").astype(float)
    w = pd.to_numeric(proxy, errors="coerce").astype(float)
    for name, s in (("totals", t), (what, w)):
        bad = ~np.isfinite(s.to_numpy())
        if bad.any():
            raise NonFiniteValueError(
                f"{name}: NaN or infinite value(s) for {first_labels(list(s.index[bad]))}"
            )
    if (w < 0).any():
        raise NegativeValueError(
            f"{what}: negative value(s) for {first_labels(list(w.index[w < 0]))}"
        )
    keep = parent.isin(t.index).to_numpy()
    w, parent = w[keep], parent[keep]
    present = set(parent)
    orphan = [c for c in t.index if c not in present]
    if orphan:
        raise LabelMismatchError(
            f"{what}: {len(orphan)} city(ies) have a total but no unit: {first_labels(orphan)}"
        )
    sums = w.groupby(parent.to_numpy()).sum()
    zero = sums.index[(sums <= 0).to_numpy() & (t.reindex(sums.index) != 0).to_numpy()]
    if len(zero) and zero_proxy == "error":
        raise LabelMismatchError(
            f"{what}: all units of {len(zero)} city(ies) have zero weight: "
            f"{first_labels(list(zero))} (pass zero_proxy='equal' to split them equally)"
        )
    codes = parent.to_numpy()
    weights = w.to_numpy().copy()
    city_sum = pd.Series(weights).groupby(codes).transform("sum").to_numpy()
    flat = city_sum <= 0  # only cities with a zero total (or zero_proxy='equal') get here
    if flat.any():
        weights[flat] = 1.0
        city_sum = pd.Series(weights).groupby(codes).transform("sum").to_numpy()
    total_of = t.reindex(codes).to_numpy()
    parts = total_of * (weights / city_sum)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.r_[True, codes[order][1:] != codes[order][:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:]):
        rows = order[a:b]
        parts[rows] = _exact(parts[rows], float(total_of[rows[0]]))
    return pd.Series(parts, index=w.index, name=totals.name)


def downscale_to_grid(
    totals: Mapping[int, float] | pd.Series,
    zones: np.ndarray,
    proxy: np.ndarray,
    *,
    zero_proxy: str = "error",
) -> np.ndarray:
    """Split zone totals over the grid cells of each zone in proportion to a proxy raster.

    Parameters
    ----------
    totals : Series or mapping
        Total of every zone [any unit], keyed by integer zone id.
    zones : ndarray of int, shape (rows, cols)
        Zone id of every cell; negative for cells outside every zone.
    proxy : ndarray of float, shape (rows, cols)
        Non-negative cell weights (NaN = no data, weight 0).
    zero_proxy : {'error', 'equal'}
        As for :func:`downscale`.

    Returns
    -------
    ndarray of float, shape (rows, cols)
        The part of every cell [unit of ``totals``]; NaN outside the zones.  ``math.fsum`` of
        a zone's cells equals its total.

    Raises
    ------
    LabelMismatchError
        Shapes differ, or a zone has a total but no cell (names the zones; use a finer
        grid), or all its cells have zero weight.
    """
    zones = np.asarray(zones)
    proxy = np.asarray(proxy, dtype=float)
    if zones.shape != proxy.shape:
        raise LabelMismatchError(f"zones {zones.shape} and proxy {proxy.shape} differ in shape")
    totals = pd.Series(totals, dtype=float)
    inside = np.flatnonzero(zones.ravel() >= 0)
    weights = np.nan_to_num(proxy.ravel()[inside], nan=0.0)
    parent = pd.Series(zones.ravel()[inside], index=inside)
    parts = downscale(
        totals,
        pd.Series(weights, index=inside),
        parent,
        zero_proxy=zero_proxy,
        what="grid proxy",
    )
    grid = np.full(zones.size, np.nan)
    grid[parts.index.to_numpy()] = parts.to_numpy()
    return grid.reshape(zones.shape)


def county_validation(
    observed: pd.Series,
    proxies: pd.DataFrame,
    parent: pd.Series,
    *,
    exclude_single: bool = True,
) -> pd.DataFrame:
    """How well each proxy downscales city totals to counties, against observed county values.

    Within every city the observed county values are summed to a city total, which is then
    downscaled by each proxy column and compared with the observed values.  Only counties
    with every proxy are used (the same sample for all proxies), so the city totals are the
    same for every proxy.  An ``equal split`` row (every county of a city gets the same
    share) is the naive reference.

    Parameters
    ----------
    observed : Series
        Observed county values [e.g. Mt CO2], indexed by county code.
    proxies : DataFrame
        One column per proxy set [e.g. persons], indexed by county code.
    parent : Series
        City key of every county code.
    exclude_single : bool, default=True
        Leave cities with a single county out of the scores (their value is reproduced
        trivially by any proxy).

    Returns
    -------
    DataFrame
        One row per proxy set and ``equal split``: ``spearman`` (rank correlation over
        counties), ``median_abs_error`` [unit of ``observed``], ``median_abs_pct_error``
        [%], ``within_50pct`` [share of counties within +-50 %], ``counties``, ``cities``.
    """
    from scipy.stats import spearmanr

    common = observed.index.intersection(proxies.dropna().index).intersection(parent.index)
    obs = observed.loc[common].astype(float)
    city = parent.loc[common]
    sizes = city.map(city.value_counts())
    if exclude_single:
        keep = (sizes > 1).to_numpy()
        obs, city = obs[keep], city[keep]
    totals = obs.groupby(city.to_numpy()).sum()
    rows = {}
    columns = {**{c: proxies.loc[obs.index, c] for c in proxies.columns}}
    columns["equal split"] = pd.Series(1.0, index=obs.index)
    for name, weight in columns.items():
        est = downscale(totals, weight, city, zero_proxy="equal", what=str(name))
        err = est - obs
        pct = (err.abs() / obs.where(obs > 0)).dropna() * 100.0
        rows[name] = {
            "spearman": float(spearmanr(est.to_numpy(), obs.to_numpy()).statistic),
            "median_abs_error": float(err.abs().median()),
            "median_abs_pct_error": float(pct.median()),
            "within_50pct": float((pct <= 50.0).mean()),
            "counties": int(len(obs)),
            "cities": int(city.nunique()),
        }
    out = pd.DataFrame(rows).T
    out.index.name = "proxy"
    out.attrs["units"] = {
        "median_abs_error": next(
            iter(observed.attrs.get("units", {}).values()), "unit of observed"
        ),
        "median_abs_pct_error": "%",
        "within_50pct": "1",
    }
    return out
