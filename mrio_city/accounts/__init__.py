"""The accounts layer: production- and consumption-based footprints, flows, multipliers, scopes."""

from mrio_city.accounts.by_final_demand import consumption_based_by_final_demand
from mrio_city.accounts.footprints import (
    Accounts,
    compute_accounts,
    consumption_by_producer,
    multipliers,
)

__all__ = [
    "Accounts",
    "compute_accounts",
    "consumption_by_producer",
    "consumption_based_by_final_demand",
    "multipliers",
]
