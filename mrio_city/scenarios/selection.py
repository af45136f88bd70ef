"""Super-emitter identification (docs/methods.md §5.3): rules stated in units users know.

Pure functions on per-city Series; no table or solver.  The number of super-emitters is an
output of the rule, except with the explicit ``threshold = "calibrate"`` option, which the
results flag (``source = 'calibrated'``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio_city.model.errors import ScenarioSpecError
from mrio_city.scenarios.spec_parts import SuperEmitterRule

__all__ = ["Selection", "select_super_emitters", "count_by_multiples"]


@dataclass(frozen=True)
class Selection:
    """Super-emitters chosen by a rule.

    Attributes
    ----------
    cities : Index
        Super-emitter cities in table order.
    threshold : float
        Per-capita threshold applied [t per person] (for 'top_share' / 'top_decile': the
        smallest selected per-capita value).
    total_threshold : float
        Total-footprint threshold [t] ('median_multiple'), else 0.
    source : str
        'rule' (the count is an output) or 'calibrated' (the count was an input).
    description : str
        The rule in words, with its numbers.
    """

    cities: pd.Index
    threshold: float
    total_threshold: float
    source: str
    description: str


def _rank(per_capita: pd.Series) -> pd.Index:
    """Cities by descending per-capita footprint, ties broken by city label."""
    df = pd.DataFrame({"v": per_capita.to_numpy(float), "c": per_capita.index.astype(str)})
    order = df.sort_values(["v", "c"], ascending=[False, True], kind="mergesort").index
    return per_capita.index[order]


def _by_median(valid: pd.Series, footprint: pd.Series, rule: SuperEmitterRule, unit: str):
    tau = rule.per_capita_multiple * float(valid.median())
    total = rule.total_multiple * float(footprint.reindex(valid.index).median())
    ok = (valid.to_numpy(float) >= tau) & (footprint.reindex(valid.index).to_numpy(float) >= total)
    text = (
        f"per-capita footprint >= {rule.per_capita_multiple:g} x the median city's "
        f"({tau:.3g} {unit}/person) and total footprint >= {rule.total_multiple:g} x the "
        f"median city's ({total / 1e6:.3g} M{unit})"
    )
    return valid.index[ok], tau, total, text


def _by_threshold(valid: pd.Series, ranked: pd.Index, rule: SuperEmitterRule, unit: str):
    if rule.threshold is None:
        k = int(rule.calibrate_count)
        if k >= len(ranked):
            raise ScenarioSpecError(
                f"super_emitter.calibrate_count: {k} is not below the number of cities "
                f"with a population ({len(ranked)})"
            )
        hi, lo = float(valid[ranked[k - 1]]), float(valid[ranked[k]])
        tau = (hi + lo) / 2.0
        text = (
            f"CALIBRATED: threshold placed so that {k} cities are selected "
            f"({tau:.3g} {unit}/person); the count is an input, not a result"
        )
        return valid.index[valid.to_numpy(float) > tau], tau, "calibrated", text
    tau = float(rule.threshold)
    text = f"per-capita footprint > {tau:.3g} {unit}/person"
    return valid.index[valid.to_numpy(float) > tau], tau, "rule", text


def select_super_emitters(
    per_capita: pd.Series, footprint: pd.Series, rule: SuperEmitterRule, *, unit: str = "t"
) -> Selection:
    """Return the super-emitters of a rule (see ``docs/scenarios.md``).

    Rules (docs/methods.md §5.3):

    * ``median_multiple`` (default): per-capita footprint at least ``per_capita_multiple``
      times the median city's and total footprint at least ``total_multiple`` times the median
      city's (medians over cities with a population);
    * ``threshold``: per-capita footprint strictly above ``rule.threshold`` (18.4 t, the US
      2012 level); ``threshold = "calibrate"`` places it halfway between the
      ``calibrate_count``-th and the next value (explicit option, flagged 'calibrated');
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
    unit : str, default='t'
        Stressor unit, for the description.

    Returns
    -------
    Selection
    """
    valid = per_capita[np.isfinite(per_capita.to_numpy(float))]
    ranked = _rank(valid)
    total = 0.0
    source = "rule"
    if rule.rule == "median_multiple":
        chosen, tau, total, text = _by_median(valid, footprint, rule, unit)
    elif rule.rule == "threshold":
        chosen, tau, source, text = _by_threshold(valid, ranked, rule, unit)
    else:
        if rule.rule == "top_decile":
            k = math.ceil(0.1 * len(per_capita))
            text = f"the {k} highest per-capita cities (top decile)"
        else:
            cum = footprint.reindex(ranked).cumsum().to_numpy(float)
            tot = float(footprint.sum())
            k = int(np.searchsorted(cum, rule.share * tot - 1e-12 * abs(tot)) + 1)
            text = f"fewest highest per-capita cities covering {rule.share:.0%} of the footprint"
        k = min(k, len(ranked))
        chosen = ranked[:k]
        tau = float(valid[ranked[k - 1]]) if k else math.inf
    mask = per_capita.index.isin(chosen)
    return Selection(per_capita.index[mask], float(tau), float(total), source, text)


def count_by_multiples(
    per_capita: pd.Series,
    footprint: pd.Series,
    multiples: tuple[float, ...] = (1.5, 2.0, 2.5, 3.0),
) -> pd.DataFrame:
    """Number of super-emitters of the median rule for a grid of multiples (sensitivity).

    Returns
    -------
    DataFrame
        Index per-capita multiple, columns total multiple [1]; values: cities.
    """
    rows = {}
    for a in multiples:
        rows[a] = {
            b: len(
                select_super_emitters(
                    per_capita,
                    footprint,
                    SuperEmitterRule(per_capita_multiple=a, total_multiple=b),
                ).cities
            )
            for b in multiples
        }
    out = pd.DataFrame(rows).T
    out.index.name = "per_capita_multiple"
    out.columns.name = "total_multiple"
    return out
