"""Super-emitter selection (METHODS §5.3) and quota reallocation (METHODS §5.6).

Pure functions on per-city Series; no table or solver.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mrio_city.model.errors import ScenarioSpecError
from mrio_city.scenarios.spec import LivingStandardSpec, SuperEmitterRule

__all__ = ["select_super_emitters", "reallocate_quota"]


def _rank(per_capita: pd.Series) -> pd.Index:
    """Cities by descending per-capita footprint, ties broken by city label."""
    df = pd.DataFrame({"v": per_capita.to_numpy(float), "c": per_capita.index.astype(str)})
    order = df.sort_values(["v", "c"], ascending=[False, True], kind="mergesort").index
    return per_capita.index[order]


def select_super_emitters(
    per_capita: pd.Series, footprint: pd.Series, rule: SuperEmitterRule
) -> tuple[pd.Index, float, str]:
    """Return the super-emitter cities, the per-capita threshold and how it was set.

    Rules (METHODS §5.3):

    * ``threshold``: per-capita footprint strictly above ``rule.threshold``; with
      ``threshold = "calibrate"`` the threshold is placed halfway between the
      ``calibrate_count``-th and the next per-capita value, so exactly that many cities are
      selected (fewer only when values tie at the boundary);
    * ``top_share``: the smallest set of highest per-capita cities whose cumulative footprint
      reaches ``rule.share`` of the total footprint;
    * ``top_decile``: the ``ceil(0.1 n_cities)`` highest per-capita cities.

    Parameters
    ----------
    per_capita : Series
        Per-capita footprint by city [t per person] (NaN for cities without population).
    footprint : Series
        Footprint by city [t] (same index).
    rule : SuperEmitterRule

    Returns
    -------
    (Index, float, str)
        Super-emitter cities in table order, the threshold [t per person] (the smallest
        selected per-capita value for top_share/top_decile) and 'fixed', 'calibrated' or
        'rule'.
    """
    valid = per_capita[np.isfinite(per_capita.to_numpy(float))]
    ranked = _rank(valid)
    if rule.rule == "threshold":
        if rule.threshold is None:
            k = int(rule.calibrate_count)
            if k >= len(ranked):
                raise ScenarioSpecError(
                    f"super_emitter.calibrate_count: {k} is not below the number of cities "
                    f"with a population ({len(ranked)})"
                )
            hi, lo = float(valid[ranked[k - 1]]), float(valid[ranked[k]])
            tau, source = (hi + lo) / 2.0, "calibrated"
        else:
            tau, source = float(rule.threshold), "fixed"
        chosen = valid.index[valid.to_numpy(float) > tau]
    else:
        if rule.rule == "top_decile":
            k = math.ceil(0.1 * len(per_capita))
        else:
            cum = footprint.reindex(ranked).cumsum().to_numpy(float)
            total = float(footprint.sum())
            k = int(np.searchsorted(cum, rule.share * total - 1e-12 * abs(total)) + 1)
        k = min(k, len(ranked))
        chosen = ranked[:k]
        tau = float(valid[ranked[k - 1]]) if k else math.inf
        source = "rule"
    mask = per_capita.index.isin(chosen)
    return per_capita.index[mask], tau, source


def reallocate_quota(
    quota: float,
    classes: pd.DataFrame,
    per_capita: pd.Series,
    super_emitters: pd.Index,
    spec: LivingStandardSpec,
    *,
    source: str = "<dict>",
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Give the created quota to the least affluent non-super-emitter cities (METHODS §5.6).

    Each non-super-emitter city c needs

    * ``footprint_gap``: ``P_c max(0, cf* - cf_c)``, cf* = ``spec.target_footprint`` or the
      population-weighted mean per-capita footprint of the non-super-emitter cities of affluence
      class ``spec.target_class``;
    * ``income_gap``: ``P_c max(0, y* - y_c) cf_c / y_c`` with y = GDP per capita [USD] and
      y* = ``spec.target_income`` (footprint grows with income at the city's current
      footprint per unit GDP).

    Cities are served in ascending GDP per capita (ties by label); each gets
    ``min(need, quota left)``, so the marginal city may be served partly and the total never
    exceeds ``max(quota, 0)``.

    Returns
    -------
    (DataFrame, dict)
        Per city (index 'city', service order): population, gdp_per_capita_usd, affluence,
        per_capita_footprint, target_per_capita, need, received, cumulative, status
        ('lifted', 'partial', 'not reached', 'at target'); and totals: target_per_capita,
        reallocated, population_lifted, population_share_lifted,
        population_share_at_target (lifted + already at target, of total population).
    """
    others = classes.index[~classes.index.isin(super_emitters)]
    pop = classes["population"].astype(float)
    usd = classes["gdp_per_capita_usd"].astype(float)
    pc = per_capita.astype(float)
    total_pop = float(pop.sum())
    target_income = math.nan
    if spec.method == "footprint_gap":
        if spec.target_footprint is not None:
            target = float(spec.target_footprint)
        else:
            aff = classes["affluence"].reindex(others).to_numpy()
            peers = others[aff == spec.target_class]
            if not len(peers) or float(pop[peers].sum()) <= 0:
                raise ScenarioSpecError(
                    f"{source}: living_standard.target_class: no non-super-emitter city is "
                    f"{spec.target_class!r}; give living_standard.target_footprint"
                )
            target = float((pc[peers] * pop[peers]).sum() / pop[peers].sum())
        need = pop[others] * np.maximum(0.0, target - pc[others])
        target_pc = pd.Series(target, index=others)
    else:
        target_income = float(spec.target_income)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_usd = (pc[others] / usd[others]).where(usd[others] > 0, 0.0)
        gap = np.maximum(0.0, target_income - usd[others])
        need = pop[others] * gap * per_usd
        target_pc = pc[others] + gap * per_usd
        target = math.nan
    need = need.fillna(0.0)
    order = (
        pd.DataFrame({"u": usd[others].to_numpy(float), "c": others.astype(str)}, index=others)
        .sort_values(["u", "c"], kind="mergesort")
        .index
    )
    left = max(float(quota), 0.0)
    received = []
    for c in order:
        give = min(float(need[c]), left)
        left -= give
        received.append(give)
    df = pd.DataFrame(
        {
            "population": pop[order].to_numpy(),
            "gdp_per_capita_usd": usd[order].to_numpy(),
            "affluence": classes.loc[order, "affluence"].to_numpy(),
            "per_capita_footprint": pc[order].to_numpy(),
            "target_per_capita": target_pc[order].to_numpy(),
            "need": need[order].to_numpy(),
            "received": received,
        },
        index=pd.Index(order, name="city"),
    )
    df["cumulative"] = df["received"].cumsum()
    nd, rc = df["need"].to_numpy(), df["received"].to_numpy()
    status = np.where(
        nd <= 0,
        "at target",
        np.where(rc >= nd, "lifted", np.where(rc > 0, "partial", "not reached")),
    )
    df["status"] = status
    lifted = float(df.loc[df["status"] == "lifted", "population"].sum())
    at_target = float(df.loc[df["status"] == "at target", "population"].sum())
    totals = {
        "target_per_capita": target,
        "target_income": target_income,
        "reallocated": float(df["received"].sum()),
        "population_lifted": lifted,
        "population_share_lifted": lifted / total_pop if total_pop else math.nan,
        "population_share_at_target": (lifted + at_target) / total_pop if total_pop else math.nan,
    }
    return df, totals
