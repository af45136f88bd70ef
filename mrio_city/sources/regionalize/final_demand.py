"""Final demand of each city: allocation of national final demand, and its local supply.

Allocation (money, national totals kept exactly): households' demand per category
(rural, urban) follows the category's population times a consumption level per person; the
level is the city's **retail sales of consumer goods per resident** (社会消费品零售额, CCSY 2012,
the standard proxy of city consumption where no city household survey is published), imputed
for cities without CCSY data by the log-log relation of retail sales per person on GDP per
person fitted on the cities that have both (its slope is reported); with
``household_proxy='gdp_elasticity'`` the level is (GDP per person)^epsilon instead.
Government consumption, capital formation and inventory change follow GDP.

Local supply (``final_demand_local``): final demand for a **non-tradable** product
(:data:`~mrio_city.sources.regionalize.sectors.NON_TRADABLE`) is met locally up to what the
city's own supply leaves after its local intermediate use; for a **tradable** product the
local part is CHARM's pool share (Kronenberg 2009; cross-hauling from the national
heterogeneity) of the demand, under the same cap.  Buyers of one product in one city share
one pool (one trade-share column per product and city for all final-demand categories); the
categories' local shares still differ through their product mix and are reported.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CATEGORIES", "HOUSEHOLD_PROXIES", "consumption_levels", "final_demand_local"]

#: Final-demand categories: NBS FU101, FU102, FU103, FU201, FU202.
CATEGORIES = ("rural_households", "urban_households", "government", "capital_formation",
              "inventory_change")  # fmt: skip
#: How households' consumption per person is set across cities.
HOUSEHOLD_PROXIES = ("retail_sales", "gdp_elasticity")


def consumption_levels(
    gdp_per_capita,
    retail_per_capita,
    *,
    proxy: str = "retail_sales",
    income_elasticity: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Return households' consumption level per person in each city (relative) and its source.

    Parameters
    ----------
    gdp_per_capita : array_like of shape (R,)
        GDP per resident [money per person], > 0.
    retail_per_capita : array_like of shape (R,)
        Retail sales of consumer goods per resident [money per person]; NaN where unknown.
    proxy : {'retail_sales', 'gdp_elasticity'}
        Retail sales (imputed where missing) or (GDP per person)^``income_elasticity``.
    income_elasticity : float, default=0.5
        Elasticity for ``proxy='gdp_elasticity'``.

    Returns
    -------
    level : ndarray of shape (R,)
        Consumption level per person, mean 1 over cities (only ratios matter).
    imputed : ndarray of bool, shape (R,)
        True where the level is not the city's own retail sales.
    fit : dict
        ``slope``, ``intercept`` and ``r2`` of log(retail pc) on log(GDP pc), ``n`` cities.
    """
    g = np.asarray(gdp_per_capita, float)
    r = np.asarray(retail_per_capita, float)
    if proxy not in HOUSEHOLD_PROXIES:
        raise ValueError(f"household_proxy must be one of {HOUSEHOLD_PROXIES}, got {proxy!r}")
    ok = np.isfinite(r) & (r > 0) & (g > 0)
    fit = {"slope": np.nan, "intercept": np.nan, "r2": np.nan, "n": int(ok.sum())}
    if ok.sum() >= 3:
        X, yv = np.log(g[ok]), np.log(r[ok])
        slope, intercept = np.polyfit(X, yv, 1)
        resid = yv - (intercept + slope * X)
        fit.update(
            slope=float(slope),
            intercept=float(intercept),
            r2=float(1 - resid.var() / yv.var()),
        )
    if proxy == "gdp_elasticity":
        level = g**income_elasticity
        imputed = np.ones(g.size, dtype=bool)
    else:
        if ok.sum() < 3:
            raise ValueError("household_proxy='retail_sales' needs retail sales of >= 3 cities")
        level = np.where(ok, r, np.exp(fit["intercept"] + fit["slope"] * np.log(g)))
        imputed = ~ok
    return level / level.mean(), imputed, fit


def final_demand_local(
    final_demand_total, supply_left, local_pool_share, non_tradable
) -> np.ndarray:
    """Return the part of each city's final demand for each product supplied by the city.

    Parameters
    ----------
    final_demand_total : array_like of shape (R, n)
        City final demand summed over categories [money]; may be negative (destocking).
    supply_left : array_like of shape (R, n)
        City supply to domestic users minus its local intermediate use [money], >= 0.
    local_pool_share : array_like of shape (R, n)
        CHARM local share of the city's use of each product (tradables) [1].
    non_tradable : array_like of bool, shape (n,)
        Products met locally up to the city's supply.

    Returns
    -------
    ndarray of shape (R, n)
        ``min(fd, left)`` for non-tradables, ``min(fd * share, left)`` for tradables, and the
        whole (negative) demand where ``fd <= 0`` (destocking stays in the city).
    """
    fd = np.asarray(final_demand_total, float)
    left = np.maximum(np.asarray(supply_left, float), 0.0)
    nt = np.asarray(non_tradable, bool)[None, :]
    wanted = np.where(nt, fd, fd * np.asarray(local_pool_share, float))
    return np.where(fd > 0, np.minimum(wanted, left), fd)
