"""Every default of the super-emitter scenarios, once, with its unit and source.

Scenario files, the readers in :mod:`.spec`, the paper comparison and the docs all take their
defaults from here (``docs/scenarios.md`` lists them with the same sources).  Nothing here is
tuned to reproduce a published number: where a default is a choice, its rationale is stated and
the sensitivity is reported (``docs/scenarios.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

from mrio_city.analyses.inequality import GLOBAL_PER_CAPITA_2012, US_PER_CAPITA_2012
from mrio_city.analyses.typology import CNY_PER_USD_2012, WORLD_BANK_FY2014_USD

__all__ = [
    "Default",
    "DEFAULTS",
    "CO2_PER_C",
    "GLOBAL_PER_CAPITA_2012",
    "US_PER_CAPITA_2012",
    "CNY_PER_USD_2012",
    "WORLD_BANK_FY2014_USD",
    "UPPER_MIDDLE_INCOME_USD",
    "CHINA_FOSSIL_CO2_GT",
    "BUDGET_TO_PEAK_GT",
]


@dataclass(frozen=True)
class Default:
    """A documented default: ``value`` in ``unit`` and where it comes from."""

    key: str
    value: float | str
    unit: str
    source: str


#: t CO2 per t C used by the Global Carbon Budget national files.
CO2_PER_C = 3.664
#: Lower bound of the World Bank upper-middle-income group, FY2014 classification (2012 GNI per
#: capita, Atlas method) [USD per person]: one dollar above the lower-middle upper bound.
UPPER_MIDDLE_INCOME_USD = WORLD_BANK_FY2014_USD["lower-middle"] + 1.0
#: China's territorial fossil + cement CO2 [Gt CO2/yr], Global Carbon Budget 2022 national file
#: (Friedlingstein et al. 2022, National_Fossil_Carbon_Emissions_2022v1.0): 2,669.0 Mt C in 2012
#: and 3,131.1 Mt C in 2021 (its last year), times 3.664.
CHINA_FOSSIL_CO2_GT = {2012: 2669.018 * CO2_PER_C / 1e3, 2021: 3131.105 * CO2_PER_C / 1e3}
#: Budget to peak [Gt CO2/yr]: growth of China's annual fossil CO2 from 2012 to 2021 (GCB 2022),
#: the room the economy actually used on its way to the peak pledged for "before 2030".  An
#: observed, sourced proxy, independent of Zheng et al.'s 1.4 Gt.
BUDGET_TO_PEAK_GT = round(CHINA_FOSSIL_CO2_GT[2021] - CHINA_FOSSIL_CO2_GT[2012], 3)

_ROWS = [
    Default(
        "super_emitter.per_capita_multiple",
        2.0,
        "x national median",
        "choice: per-capita footprint at least twice the median city's (scale-free, so the same "
        "rule reads the synthetic and the real table; the median is not moved by the outliers)",
    ),
    Default(
        "super_emitter.total_multiple",
        2.0,
        "x national median",
        "choice: total footprint at least twice the median city's, so that small rich cities "
        "are not 'super' emitters (both conditions must hold)",
    ),
    Default(
        "super_emitter.threshold",
        US_PER_CAPITA_2012,
        "t CO2 per person",
        "USA consumption-based CO2 per person 2012, Global Carbon Budget 2019 "
        "(docs/methods.md §5.2)",
    ),
    Default(
        "typology.exchange_rate",
        CNY_PER_USD_2012,
        "CNY per USD",
        "2012 average exchange rate (docs/methods.md §5.4)",
    ),
    Default(
        "typology.affluence_thresholds",
        "1035, 4085, 12615",
        "USD per person",
        "World Bank FY2014 income groups (2012 GNI per capita, Atlas method)",
    ),
    Default(
        "scenario.target_year",
        2030,
        "year",
        "China's NDC (2015): CO2 emissions peak around 2030",
    ),
    Default(
        "pathways.*.levers[*].gap_closed",
        0.375,
        "1",
        "linear convergence from 2012 to full convergence by 2060 (China's carbon-neutrality "
        "pledge, 2020) evaluated at the target year 2030: (2030 - 2012) / (2060 - 2012)",
    ),
    Default(
        "pathways.*.levers[*].to_percentile",
        25.0,
        "percentile",
        "best-quartile benchmark of the same sector across producing cities (the 'frontrunner' "
        "logic of China's energy-efficiency benchmark programmes)",
    ),
    Default(
        "quota.budget_to_peak_gt",
        BUDGET_TO_PEAK_GT,
        "Gt CO2 per year",
        "growth of China's fossil CO2 2012 -> 2021, Global Carbon Budget 2022 national file "
        "(2,669.0 -> 3,131.1 Mt C x 3.664)",
    ),
    Default(
        "living_standard.threshold_usd",
        UPPER_MIDDLE_INCOME_USD,
        "USD per person",
        "World Bank FY2014 upper-middle-income lower bound (2012 GNI per capita, Atlas); city "
        "GDP per capita is the stated proxy for GNI per capita",
    ),
    Default(
        "living_standard.exchange_rate",
        CNY_PER_USD_2012,
        "CNY per USD",
        "2012 average exchange rate: the threshold is 4,086 x 6.31 = 25,783 CNY per person",
    ),
]
#: key path -> Default (read-only use).
DEFAULTS: dict[str, Default] = {d.key: d for d in _ROWS}
