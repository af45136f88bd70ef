"""Population-weighted quantile measures of per-capita carbon footprints across cities.

Deciles of cities, the emission shares of the top 10 % and bottom 50 % of the population and
the P90 / P10 percentile ratio; same inputs, notation and errors as
:mod:`mrio_city.analyses.inequality` (docs/methods.md §6), which sums them up in
:func:`~mrio_city.analyses.inequality.inequality_summary`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mrio_city.analyses._inequality_core import (
    _inputs,
    _lorenz_points,
    _percentile,
    _positive_mean,
)

__all__ = ["decile_table", "top_bottom_shares", "p90_p10"]


def decile_table(per_capita: pd.Series, population: pd.Series) -> pd.DataFrame:
    """Population-weighted deciles of cities ranked by per-capita footprint.

    Cities sorted by ascending y (ties keep input order) are assigned whole, to decile
    ``min(floor(10 m_c), 9) + 1`` with ``m_c = sum_{k<c} p_k + p_c / 2`` the midpoint of
    their cumulative population share: a city straddling a boundary goes entirely to the
    decile holding more than half of it (exactly half: the upper one).  Decile population
    shares therefore differ from 0.1; a decile without cities has zero shares and NaN stats.

    Parameters
    ----------
    per_capita, population : pandas.Series of shape (n_cities,)
        Footprint (t CO2/person) and population (persons), indexed by city.

    Returns
    -------
    pandas.DataFrame of shape (10, 6)
        Index ``decile`` 1..10 (lowest footprints first); columns ``n_cities``,
        ``population_share`` and ``emission_share`` (each sums to 1), ``mean_per_capita``
        (sum E / sum P in the group), ``min_per_capita``, ``max_per_capita`` (t CO2/person).

    Raises
    ------
    TableValidationError
        On invalid inputs (see the module docstring).
    """
    y, w, _ = _inputs(per_capita, population, "decile_table")
    order = np.argsort(y, kind="stable")
    ys, ws = y[order], w[order]
    total_w, total_e = ws.sum(), np.dot(ws, ys)
    mid = (np.cumsum(ws) - ws / 2.0) / total_w
    group = np.minimum(np.floor(mid * 10).astype(int), 9)
    pw, pe = np.bincount(group, ws, 10), np.bincount(group, ws * ys, 10)
    stats = pd.Series(ys).groupby(group).agg(["min", "max"]).reindex(range(10))
    with np.errstate(divide="ignore", invalid="ignore"):  # empty groups -> NaN mean
        return pd.DataFrame(
            {
                "n_cities": np.bincount(group, minlength=10),
                "population_share": pw / total_w,
                "emission_share": pe / total_e,
                "mean_per_capita": np.where(pw > 0, pe / pw, np.nan),
                "min_per_capita": stats["min"].to_numpy(),
                "max_per_capita": stats["max"].to_numpy(),
            },
            index=pd.RangeIndex(1, 11, name="decile"),
        )


def top_bottom_shares(per_capita: pd.Series, population: pd.Series) -> pd.Series:
    """Emission shares of the top 10 % and the bottom 50 % of the population.

    From the piecewise-linear Lorenz curve L(x) (a city straddling the cut is split pro rata):
    ``top10_share = 1 - L(0.9)``, ``bottom50_share = L(0.5)`` and
    ``top10_to_bottom50 = top10_share / bottom50_share`` (NaN if bottom50_share <= 0).

    Parameters
    ----------
    per_capita, population : pandas.Series of shape (n_cities,)
        Footprint (t CO2/person) and population (persons), indexed by city.

    Returns
    -------
    pandas.Series
        ``top10_share``, ``bottom50_share`` (fractions of emissions), ``top10_to_bottom50``.

    Raises
    ------
    TableValidationError
        On invalid inputs (see the module docstring) or a non-positive mean.
    """
    y, w, _ = _inputs(per_capita, population, "top_bottom_shares")
    _positive_mean(y, w, "top_bottom_shares")
    _, x, lor = _lorenz_points(y, w)
    top, bottom = 1.0 - float(np.interp(0.9, x, lor)), float(np.interp(0.5, x, lor))
    return pd.Series(
        {
            "top10_share": top,
            "bottom50_share": bottom,
            "top10_to_bottom50": top / bottom if bottom > 0 else math.nan,
        }
    )


def p90_p10(per_capita: pd.Series, population: pd.Series) -> pd.Series:
    """Population-weighted 10th and 90th percentile footprints and their ratio P90 / P10.

    Every person carries their city's footprint; the q-th percentile is the smallest y_c with
    ``sum_{k: y_k <= y_c} P_k >= (q / 100) sum P`` (numpy's ``method="inverted_cdf"`` on
    cities repeated by their population), so it is always one of the cities' values.

    Parameters
    ----------
    per_capita, population : pandas.Series of shape (n_cities,)
        Footprint (t CO2/person) and population (persons), indexed by city.

    Returns
    -------
    pandas.Series
        ``p10``, ``p90`` (t CO2/person) and ``p90_p10`` (dimensionless; NaN if P10 <= 0).

    Raises
    ------
    TableValidationError
        On invalid inputs (see the module docstring).
    """
    y, w, _ = _inputs(per_capita, population, "p90_p10")
    p10, p90 = _percentile(y, w, 10), _percentile(y, w, 90)
    return pd.Series(
        {"p10": p10, "p90": p90, "p90_p10": p90 / p10 if p10 > 0 else math.nan}, name="percentiles"
    )
