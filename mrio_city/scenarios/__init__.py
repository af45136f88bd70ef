"""Super-emitter mitigation scenarios (docs/methods.md §5): files, levers, evaluation and sweeps.

* :class:`Scenario` (``Scenario.from_file('scenarios/super_emitters.toml')``): a validated
  scenario; see ``docs/scenarios.md`` for every key;
* :func:`run_scenario` -> :class:`ScenarioResult`: super-emitters, their types and pathways, the
  quota created (total, per city, per lever), its share of the carbon budget to peak and the
  people it lets reach an upper-middle-income living standard;
* :class:`Baseline`: table + factorization + accounts, reused by every evaluation;
* :func:`sweep` -> :class:`SweepResult`: a grid of parameter values on Dask or in process.
"""

from mrio_city.scenarios._reader import set_key_path
from mrio_city.scenarios.catalogue import LEVERS, LeverKind
from mrio_city.scenarios.levers import (
    DemandChange,
    IntensityChange,
    ScenarioState,
    TechnologyChange,
    apply_changes,
    resolve_lever,
)
from mrio_city.scenarios.living_standard import ElasticityFit, fit_elasticity
from mrio_city.scenarios.run import Baseline, ScenarioResult, city_characteristics, run_scenario
from mrio_city.scenarios.selection import Selection, select_super_emitters
from mrio_city.scenarios.spec import Scenario
from mrio_city.scenarios.spec_parts import LeverSpec, PathwaySpec
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
    "city_characteristics",
    "ElasticityFit",
    "fit_elasticity",
    "LEVERS",
    "LeverKind",
    "Selection",
    "resolve_lever",
    "run_scenario",
    "select_super_emitters",
    "set_key_path",
    "sweep",
]
