"""Our numbers beside each headline of the super-emitter study (Zheng et al. 2023).

:func:`compare_with_paper` lists every headline of the abstract (docs/methods.md §5.1) with the
published value, ours, the definition we use and a note on the gap.  Nothing here feeds back
into the scenario: the comparison reads results, it never tunes them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mrio_city.scenarios.defaults import GLOBAL_PER_CAPITA_2012, US_PER_CAPITA_2012
from mrio_city.scenarios.result import ScenarioResult
from mrio_city.scenarios.run import Baseline

__all__ = ["PAPER", "compare_with_paper"]

#: The study the comparison refers to.
PAPER = (
    "Zheng H. et al. 2023, Leveraging opportunity of low carbon transition by super-emitter "
    "cities in China, Sci. Bull. 68:2456-2466, doi 10.1016/j.scib.2023.08.016 (abstract)"
)


def _richest_vs_us(result: ScenarioResult, n: int = 10) -> tuple[float, str]:
    c = result.cities
    top = c["gdp_per_capita_usd"].dropna().sort_values(ascending=False).index[:n]
    pop = c.loc[top, "population"]
    pc = float((c.loc[top, "per_capita_baseline"] * pop).sum() / pop.sum())
    return pc / US_PER_CAPITA_2012, f"{pc:.1f} t/person vs US {US_PER_CAPITA_2012} t/person"


def compare_with_paper(baseline: Baseline, result: ScenarioResult) -> pd.DataFrame:
    """Each headline of the study: published value, ours, definition, note on the gap.

    Parameters
    ----------
    baseline : Baseline
        The baseline the result was computed on (inter-city supply-chain share).
    result : ScenarioResult

    Returns
    -------
    DataFrame
        Index headline; columns published, ours, unit, definition, note.
    """
    s = result.stressor
    isc = float(baseline.accounts.supply_chain_share[s])
    pc = result.cities["per_capita_baseline"].dropna()
    below = float((pc < GLOBAL_PER_CAPITA_2012).mean())
    ratio, rich = _richest_vs_us(result)
    rt = result.reallocation_totals
    calibrated = result.threshold_source == "calibrated"
    rows = [
        (
            "share of emissions in inter-city supply chains",
            0.80,
            isc,
            "1",
            "emissions whose place of emission differs from the city of final consumption "
            "(ISC-FD, docs/methods.md §1.7)",
            "the paper's definition is not readable from its abstract; ISC-FD is a lower "
            "bound of a chain-crossing definition",
        ),
        (
            "10 richest cities' per-capita footprint against the US",
            1.0,
            ratio,
            "x US level",
            "population-weighted per-capita CBF (incl. households) of the 10 cities with the "
            f"highest GDP per capita, over the US 2012 consumption-based level; {rich}",
            "published as 'comparable to the US level' (ratio about 1)",
        ),
        (
            "share of cities below the global average per-capita footprint",
            0.5,
            below,
            "1",
            f"cities with per-capita CBF (incl. households) below {GLOBAL_PER_CAPITA_2012} t "
            "(world 2012, Global Carbon Budget)",
            "published as 'half of the cities'",
        ),
        (
            "number of super-emitter cities",
            32.0,
            float(len(result.super_emitters)),
            "cities",
            result.rule,
            "COUNT FORCED by calibrate_count: not a result"
            if calibrated
            else "an output of the stated rule; the paper's rule is not readable",
        ),
        (
            "carbon quota created",
            1.4,
            result.quota / 1e9,
            "Gt CO2 per year",
            f"emissions avoided in {result.target_year} against the base-year economy by the "
            "scenario's pathways (system-wide, incl. households' direct CO2)"
            if result.include_households
            else f"emissions avoided in {result.target_year} (excl. households' direct CO2)",
            "published 'up to 1.4 Gt'; our levers converge toward benchmarks by the target year",
        ),
        (
            "quota share of the budget to peak",
            0.30,
            result.share_of_budget,
            "1",
            f"quota / budget to peak ({(result.budget_to_peak or np.nan) / 1e9:.2f} Gt/yr: "
            f"{result.budget_source})",
            "the paper's projection of the quota to peak is not given in its abstract; ours is "
            "an input with a stated source",
        ),
        (
            "share of people reaching upper-middle-income living standard",
            0.60,
            rt["population_share_reaching"],
            "1",
            "population of non-super-emitter cities below the World Bank upper-middle-income "
            "threshold that the quota lifts to it (footprint-income elasticity fitted on the "
            "table), over the total population; cities already above are not counted",
            "published as 'the other 60 % of the population'",
        ),
    ]
    df = pd.DataFrame(
        rows, columns=["headline", "published", "ours", "unit", "definition", "note"]
    ).set_index("headline")
    df.attrs["source"] = PAPER
    df.attrs["table"] = result.table_name
    return df
