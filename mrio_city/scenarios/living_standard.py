"""Who reaches an upper-middle-income living standard with the quota (docs/methods.md §5.6).

Method ``income`` (default):

1. the threshold is the World Bank upper-middle-income lower bound ``y*`` [USD per person]
   converted with a stated rate (4,086 USD x 6.31 CNY/USD = 25,783 CNY per person, 2012);
   city GDP per capita is the stated proxy for GNI per capita;
2. the cross-city footprint-income relation ``ln cf_c = a + b ln y_c`` is fitted by ordinary
   least squares on the table's cities (:func:`fit_elasticity`; the fit is reported);
3. a non-super-emitter city below the threshold needs
   ``need_c = P_c cf_c ((y* / y_c)^b - 1)`` [t]: the footprint increase of moving its people
   to the threshold along the fitted relation; cities at or above it are not counted;
4. cities are served in ascending GDP per capita, each ``min(need, quota left)``; people in
   fully served cities reach the standard.

Method ``footprint_gap``: ``need_c = P_c max(0, cf* - cf_c)`` with ``cf*`` a stated target or
the population-weighted mean footprint of the non-super-emitter cities of an affluence class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio_city.model.errors import ScenarioSpecError
from mrio_city.scenarios.spec_parts import LivingStandardSpec

__all__ = ["ElasticityFit", "fit_elasticity", "living_standard_needs", "allocate_quota"]


@dataclass(frozen=True)
class ElasticityFit:
    """``ln footprint per capita = intercept + elasticity ln income per capita`` (OLS).

    Attributes
    ----------
    elasticity, intercept : float
        Slope [1] and intercept [ln t per person at 1 USD per person].
    std_error : float
        Standard error of the slope [1].
    r_squared : float
    n_cities : int
    fitted : bool
        False when the elasticity was given in the scenario file.
    """

    elasticity: float
    intercept: float
    std_error: float
    r_squared: float
    n_cities: int
    fitted: bool = True

    def as_dict(self) -> dict[str, float]:
        """The fit as flat numbers (summary keys)."""
        return {
            "elasticity": self.elasticity,
            "elasticity_std_error": self.std_error,
            "elasticity_intercept": self.intercept,
            "elasticity_r_squared": self.r_squared,
            "elasticity_n_cities": float(self.n_cities),
            "elasticity_fitted": float(self.fitted),
        }


def fit_elasticity(per_capita: pd.Series, income: pd.Series) -> ElasticityFit:
    """Fit the cross-city footprint-income elasticity by OLS in logs.

    Parameters
    ----------
    per_capita : Series
        Per-capita footprint by city [t per person].
    income : Series
        GDP per capita by city [USD per person] (same index).

    Returns
    -------
    ElasticityFit

    Raises
    ------
    ScenarioSpecError
        With fewer than 3 cities having positive footprint and income.
    """
    cf = per_capita.to_numpy(float)
    y = income.reindex(per_capita.index).to_numpy(float)
    ok = np.isfinite(cf) & np.isfinite(y) & (cf > 0) & (y > 0)
    n = int(ok.sum())
    if n < 3:
        raise ScenarioSpecError(
            "living_standard: fewer than 3 cities with a positive footprint and GDP per capita: "
            "cannot fit the footprint-income elasticity; give living_standard.elasticity"
        )
    lx, z = np.log(y[ok]), np.log(cf[ok])
    sxx = float(((lx - lx.mean()) ** 2).sum())
    if sxx <= 0:
        raise ScenarioSpecError(
            "living_standard: every city has the same GDP per capita: cannot fit the "
            "footprint-income elasticity; give living_standard.elasticity"
        )
    slope = float(((lx - lx.mean()) * (z - z.mean())).sum() / sxx)  # one-regressor OLS
    intercept = float(z.mean() - slope * lx.mean())
    resid = z - intercept - slope * lx
    ss_res = float(resid @ resid)
    ss_tot = float(((z - z.mean()) ** 2).sum())
    return ElasticityFit(
        elasticity=slope,
        intercept=intercept,
        std_error=math.sqrt(ss_res / (n - 2) / sxx),
        r_squared=1.0 - ss_res / ss_tot if ss_tot > 0 else math.nan,
        n_cities=n,
    )


def living_standard_needs(
    classes: pd.DataFrame,
    per_capita: pd.Series,
    super_emitters: pd.Index,
    spec: LivingStandardSpec,
    *,
    income_exchange_rate: float,
    source: str = "<dict>",
) -> tuple[pd.DataFrame, ElasticityFit | None, float]:
    """Footprint each non-super-emitter city needs to reach the living standard.

    Parameters
    ----------
    classes : DataFrame
        Per city: population [persons], gdp_per_capita_usd [USD per person], affluence.
    per_capita : Series
        Baseline per-capita footprint [t per person].
    super_emitters : Index
    spec : LivingStandardSpec
    income_exchange_rate : float
        Rate used for ``gdp_per_capita_usd`` (typology) [currency per USD]; the threshold is
        converted with ``spec.exchange_rate``, so both meet in the table's currency.

    Returns
    -------
    (DataFrame, ElasticityFit or None, float)
        Per non-super-emitter city: population, gdp_per_capita_usd, per_capita_footprint,
        below (bool), need [t]; the fit ('income'); the target (threshold in USD of the
        typology rate for 'income', footprint [t/person] for 'footprint_gap').
    """
    others = classes.index[~classes.index.isin(super_emitters)]
    pop = classes["population"].astype(float)
    usd = classes["gdp_per_capita_usd"].astype(float)
    pc = per_capita.astype(float)
    fit = None
    if spec.method == "income":
        fit = (
            fit_elasticity(pc, usd)
            if spec.elasticity is None
            else ElasticityFit(float(spec.elasticity), math.nan, math.nan, math.nan, 0, False)
        )
        target = spec.threshold_usd * spec.exchange_rate / income_exchange_rate
        ratio = target / usd[others]
        below = (usd[others] < target).fillna(False)
        grow = np.where(below, ratio.to_numpy(float) ** fit.elasticity - 1.0, 0.0)
        need = pop[others] * pc[others] * grow
    else:
        target = _footprint_target(classes, pc, pop, others, spec, source)
        below = (pc[others] < target).fillna(False)
        need = pop[others] * np.maximum(0.0, target - pc[others])
    df = pd.DataFrame(
        {
            "population": pop[others],
            "gdp_per_capita_usd": usd[others],
            "affluence": classes.loc[others, "affluence"],
            "per_capita_footprint": pc[others],
            "below": below.astype(bool),
            "need": pd.Series(need, index=others).fillna(0.0).clip(lower=0.0),
        },
        index=others,
    )
    return df, fit, float(target)


def _footprint_target(classes, pc, pop, others, spec, source) -> float:
    if spec.target_footprint is not None:
        return float(spec.target_footprint)
    aff = classes["affluence"].reindex(others).to_numpy()
    peers = others[aff == spec.target_class]
    if not len(peers) or float(pop[peers].sum()) <= 0:
        raise ScenarioSpecError(
            f"{source}: living_standard.target_class: no non-super-emitter city is "
            f"{spec.target_class!r}; give living_standard.target_footprint"
        )
    return float((pc[peers] * pop[peers]).sum() / pop[peers].sum())


def allocate_quota(needs: pd.DataFrame, quota: float, total_population: float):
    """Serve cities below the standard in ascending GDP per capita with the quota.

    Each city below the standard receives ``min(need, quota left)``; nothing is allocated
    when the quota is not positive.  Cities at or above the standard are listed with status
    'already above' and are never counted as reaching it.

    Returns
    -------
    (DataFrame, dict)
        Per city in service order: the columns of ``needs`` plus received, cumulative [t] and
        status ('reaches', 'partial', 'not reached', 'already above'); totals:
        reallocated [t], population_reaching [persons], population_share_reaching [1] (of the
        total population), population_below [persons], population_already_above [persons].
    """
    order = (
        needs.assign(_c=needs.index.astype(str))
        .sort_values(["gdp_per_capita_usd", "_c"], kind="mergesort")
        .index
    )
    df = needs.loc[order].copy()
    left = max(float(quota), 0.0)
    received = []
    for c in order:
        give = min(float(df.at[c, "need"]), left) if df.at[c, "below"] else 0.0
        left -= give
        received.append(give)
    df["received"] = received
    df["cumulative"] = df["received"].cumsum()
    nd, rc, below = df["need"].to_numpy(), df["received"].to_numpy(), df["below"].to_numpy()
    df["status"] = np.where(
        ~below,
        "already above",
        np.where((rc >= nd) & (nd >= 0), "reaches", np.where(rc > 0, "partial", "not reached")),
    )
    reaching = float(df.loc[df["status"] == "reaches", "population"].sum())
    totals = {
        "reallocated": float(df["received"].sum()),
        "population_reaching": reaching,
        "population_share_reaching": reaching / total_population if total_population else math.nan,
        "population_below": float(df.loc[df["below"], "population"].sum()),
        "population_already_above": float(df.loc[~df["below"], "population"].sum()),
    }
    df.index.name = "city"
    return df, totals
