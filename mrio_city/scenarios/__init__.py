"""Super-emitter mitigation scenarios (METHODS §5): files, levers, evaluation and sweeps.

* :class:`Scenario` (``Scenario.from_file('scenarios/super_emitters.toml')``): a validated
  scenario; see ``docs/scenarios.md`` for every key;
* :func:`run_scenario` -> :class:`ScenarioResult`: super-emitters, their types and pathways, the
  quota created (total, per city, per lever), its share of the projected quota to peak and its
  reallocation to the least affluent cities;
* :class:`Baseline`: table + factorization + accounts, reused by every evaluation;
* :func:`sweep` -> :class:`SweepResult`: a grid of parameter values on Dask or in process.
"""

from mrio_city.scenarios.levers import (
    DemandChange,
    IntensityChange,
    ScenarioState,
    TechnologyChange,
    apply_changes,
    resolve_lever,
)
from mrio_city.scenarios.run import Baseline, ScenarioResult, load_scenario_table, run_scenario
from mrio_city.scenarios.selection import reallocate_quota, select_super_emitters
from mrio_city.scenarios.spec import LeverSpec, PathwaySpec, Scenario, set_key_path
from mrio_city.scenarios.sweep import SweepResult, sweep

__all__ = [
    "Baseline",
    "DemandChange",
    "IntensityChange",
    "LeverSpec",
    "PathwaySpec",
    "Scenario",
    "ScenarioResult",
    "ScenarioState",
    "SweepResult",
    "TechnologyChange",
    "apply_changes",
    "load_scenario_table",
    "reallocate_quota",
    "resolve_lever",
    "run_scenario",
    "select_super_emitters",
    "set_key_path",
    "sweep",
]
