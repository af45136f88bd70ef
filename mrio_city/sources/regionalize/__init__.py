"""Regionalize China's national IO table into a city MRIO (docs/china-cities.md).

Modules: :mod:`.sectors` (42 sectors, distance decay, tradability), :mod:`.intermediate`
(FLQ, AFLQ, CHARM), :mod:`.final_demand` (allocation and local supply of final demand),
:mod:`.trade` (gravity), :mod:`.co2` (city CO2 and its reconciliation), :mod:`.cities`
(population, GDP, structure), :mod:`.build` (:func:`build_china_cities`) and
:mod:`.sensitivity`.
"""

from mrio_city.sources.regionalize.build import YEARS, build_china_cities, input_files
from mrio_city.sources.regionalize.final_demand import CATEGORIES
from mrio_city.sources.regionalize.intermediate import (
    DEFAULT_DELTA,
    DEFAULT_METHOD,
    charm_heterogeneity,
    charm_local_shares,
    flq_coefficients,
    flq_quotients,
)
from mrio_city.sources.regionalize.sectors import DISTANCE_DECAY, NON_TRADABLE, SECTORS
from mrio_city.sources.regionalize.trade import gravity_flows, great_circle_km

__all__ = [
    "build_china_cities",
    "input_files",
    "YEARS",
    "flq_quotients",
    "flq_coefficients",
    "charm_heterogeneity",
    "charm_local_shares",
    "great_circle_km",
    "gravity_flows",
    "SECTORS",
    "DISTANCE_DECAY",
    "NON_TRADABLE",
    "CATEGORIES",
    "DEFAULT_METHOD",
    "DEFAULT_DELTA",
]
