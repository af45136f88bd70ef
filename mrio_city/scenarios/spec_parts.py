"""The parts of a scenario file: rule, typology, pathways and levers, quota, living standard.

Frozen dataclasses and their readers (the pathways and levers are read by
:mod:`mrio_city.scenarios.spec_levers`); :class:`mrio_city.scenarios.spec.Scenario` assembles them.
Every reader checks its table of the document through the shared reader
(:mod:`mrio_city.model.reader`) and raises :class:`~mrio_city.model.errors.ScenarioSpecError`
naming the file and the key path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mrio_city.scenarios import defaults
from mrio_city.scenarios._reader import _Reader
from mrio_city.scenarios.catalogue import LEVERS

__all__ = [
    "SuperEmitterRule",
    "TypologySpec",
    "PathwaySpec",
    "LeverSpec",
    "QuotaSpec",
    "LivingStandardSpec",
    "LEVER_TYPES",
    "RULES",
    "MEASURES",
    "AXIS_VALUES",
    "LIVING_STANDARD_METHODS",
    "DEFAULT_AFFLUENCE_THRESHOLDS",
    "read_rule",
    "read_typology",
    "read_quota",
    "read_living",
]

#: Super-emitter rules (docs/methods.md §5.3); the first is the default.
RULES = ("median_multiple", "threshold", "top_share", "top_decile")
#: Per-capita measures a rule may use (accounts names).
MEASURES = ("consumption_based_with_households", "consumption_based")
#: Lever types and the keys each accepts besides the common ones (from the catalogue).
LEVER_TYPES: dict[str, tuple[str, ...]] = {name: k.keys for name, k in LEVERS.items()}
#: Values of the typology axes a pathway's ``when`` may match (labels of
#: :func:`mrio_city.analyses.typology.classify_cities`).
AXIS_VALUES: dict[str, tuple[str, ...]] = {
    "affluence": ("low", "lower-middle", "upper-middle", "high", "unknown"),
    "structure": ("industrial", "service-oriented", "unknown"),
    "role": ("net producer", "net consumer", "balanced"),
    "resource": ("resource-based", "not resource-based", "unknown"),
}
LIVING_STANDARD_METHODS = ("income", "footprint_gap")
DEFAULT_AFFLUENCE_THRESHOLDS = {
    k: v for k, v in defaults.WORLD_BANK_FY2014_USD.items() if k != "high"
}


@dataclass(frozen=True)
class SuperEmitterRule:
    """Which cities are super-emitters (docs/methods.md §5.3; ``docs/scenarios.md``).

    Attributes
    ----------
    rule : {'median_multiple', 'threshold', 'top_share', 'top_decile'}
        'median_multiple' (default): per-capita footprint at least ``per_capita_multiple``
        times the median city's **and** total footprint at least ``total_multiple`` times the
        median city's.
    measure : str
        Account divided by population: ``'consumption_based_with_households'`` (default) or
        ``'consumption_based'`` [t per person].
    per_capita_multiple, total_multiple : float
        Multiples of the national (city) median [1] (rule 'median_multiple').
    threshold : float or None
        Per-capita threshold [stressor unit per person] (rule 'threshold'); None when
        ``calibrate_count`` sets it.
    calibrate_count : int or None
        Explicit option: with ``threshold = "calibrate"`` the threshold is placed halfway
        between the ``calibrate_count``-th and the next highest per-capita footprint; results
        then say the count was an input (``threshold_source = 'calibrated'``).
    share : float
        Rule 'top_share': smallest set of highest per-capita cities whose cumulative footprint
        reaches this share of the total [1].
    """

    rule: str = "median_multiple"
    measure: str = "consumption_based_with_households"
    per_capita_multiple: float = float(defaults.DEFAULTS["super_emitter.per_capita_multiple"].value)
    total_multiple: float = float(defaults.DEFAULTS["super_emitter.total_multiple"].value)
    threshold: float | None = defaults.US_PER_CAPITA_2012
    calibrate_count: int | None = None
    share: float = 0.3


@dataclass(frozen=True)
class TypologySpec:
    """Typology axes (docs/methods.md §5.4).

    Passed to :func:`mrio_city.analyses.typology.classify_cities`.

    Attributes
    ----------
    exchange_rate : float
        Currency units per USD (default 6.31 CNY/USD, 2012).
    money_unit : str or None
        Override of the table's money unit (e.g. ``'10^4 CNY'``).
    affluence_thresholds : dict
        Class -> upper bound of GDP per capita [USD per person]; 'high' above the last.
    structure_threshold : float or None
        Secondary share [1] at or above which a city is 'industrial'; None = median.
    tau : float
        Trade-balanced band of ``classify_cities`` (not used by the role axis).
    """

    exchange_rate: float = defaults.CNY_PER_USD_2012
    money_unit: str | None = None
    affluence_thresholds: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_AFFLUENCE_THRESHOLDS)
    )
    structure_threshold: float | None = None
    tau: float = 0.05


@dataclass(frozen=True)
class LeverSpec:
    """One lever of a pathway, as written in the file (resolved by :mod:`.levers`).

    Attributes
    ----------
    type : str
        A lever type of :data:`mrio_city.scenarios.catalogue.LEVERS`.
    path : str
        Key path in the file, e.g. ``'pathways.industrial.levers[1]'``.
    label : str
        Name used in reports (default from the catalogue, e.g.
        ``'industrial: production intensity'``).
    cities : 'self', 'suppliers' or tuple of str
        Where the lever acts: the pathway's super-emitter cities, their top supplier
        city-sectors, or the listed cities.
    top_suppliers : int
        Number of supplier city-sectors per super-emitter with ``cities = "suppliers"``.
    sectors, input_sectors, categories, shift_to : tuple of str or None
        Sector / input sector / final-demand category selections (None = all).
    cut : float or None
        Fractional reduction in [0, 1] of the baseline value.
    to_percentile : float or None
        Benchmark: this percentile (0-100) of the sector's baseline intensity across cities.
    to_benchmark : float, 'threshold' or None
        Per-capita footprint benchmark [t per person]; 'threshold' = the super-emitter rule's
        per-capita threshold.
    gap_closed : float
        Share of the gap to the benchmark closed by the target year [1] (default 1).
    households_direct : bool
        Scale households' direct emissions with their final demand (final_demand levers).
    """

    type: str
    path: str
    label: str
    cities: str | tuple[str, ...] = "self"
    top_suppliers: int = 10
    sectors: tuple[str, ...] | None = None
    input_sectors: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    shift_to: tuple[str, ...] | None = None
    cut: float | None = None
    to_percentile: float | None = None
    to_benchmark: float | str | None = None
    gap_closed: float = 1.0
    households_direct: bool = True


@dataclass(frozen=True)
class PathwaySpec:
    """A mitigation pathway: the city types it applies to and its levers.

    Attributes
    ----------
    name : str
    when : dict of str to tuple of str
        Axis ('affluence', 'structure', 'role', 'resource') -> accepted values; empty matches
        every city.
    levers : tuple of LeverSpec
    """

    name: str
    when: Mapping[str, tuple[str, ...]]
    levers: tuple[LeverSpec, ...]

    def matches(self, types: Mapping[str, str]) -> bool:
        """Whether a city with these axis values takes this pathway."""
        return all(types.get(axis) in values for axis, values in self.when.items())


@dataclass(frozen=True)
class QuotaSpec:
    """Quota accounting.

    Attributes
    ----------
    include_households : bool
        Total emissions include households' direct emissions (F_Y).
    budget_to_peak : float or None
        Carbon budget to peak [stressor unit per year, t CO2]; read from
        ``budget_to_peak_gt`` [Gt] in the file; default
        :data:`mrio_city.scenarios.defaults.BUDGET_TO_PEAK_GT`.
    budget_source : str
        Where the budget comes from (reported with the share).
    """

    include_households: bool = True
    budget_to_peak: float | None = defaults.BUDGET_TO_PEAK_GT * 1e9
    budget_source: str = defaults.DEFAULTS["quota.budget_to_peak_gt"].source


@dataclass(frozen=True)
class LivingStandardSpec:
    """Who reaches the upper-middle-income living standard with the quota (docs/methods.md §5.6).

    Attributes
    ----------
    method : {'income', 'footprint_gap'}
        'income' (default): cities whose GDP per capita is below ``threshold_usd`` need the
        footprint that the cross-city footprint-income elasticity gives at the threshold.
        'footprint_gap': cities below a per-capita footprint target need the gap.
    threshold_usd : float
        Income level to reach [USD per person] (World Bank upper-middle-income lower bound).
    exchange_rate : float
        Currency units per USD used to convert the threshold (2012: 6.31 CNY per USD).
    elasticity : float or None
        Footprint-income elasticity [1]; None = fitted on the table (log-log OLS over cities).
    target_class : str
        footprint_gap: affluence class whose cities define the target footprint.
    target_footprint : float or None
        footprint_gap: explicit per-capita target [t per person].
    """

    method: str = "income"
    threshold_usd: float = defaults.UPPER_MIDDLE_INCOME_USD
    exchange_rate: float = defaults.CNY_PER_USD_2012
    elasticity: float | None = None
    target_class: str = "upper-middle"
    target_footprint: float | None = None


def read_rule(source: str, data: Any) -> SuperEmitterRule:
    """The ``[super_emitter]`` table."""
    r = _Reader(
        source,
        data,
        "super_emitter",
        (
            "rule",
            "measure",
            "per_capita_multiple",
            "total_multiple",
            "threshold",
            "calibrate_count",
            "share",
        ),
    )
    rule = r.string("rule", RULES[0], choices=RULES)
    measure = r.string("measure", "consumption_based_with_households", choices=MEASURES)
    count = r.number("calibrate_count", None, low=1, integer=True)
    base = SuperEmitterRule()
    threshold: float | None = base.threshold
    if r.has("threshold") and r.data["threshold"] == "calibrate":
        if rule != "threshold":
            r.fail("threshold", f"'calibrate' needs rule = 'threshold', got rule = {rule!r}")
        if count is None:
            r.fail(
                "calibrate_count",
                "missing: threshold = 'calibrate' needs calibrate_count (e.g. 32)",
            )
        threshold = None
    else:
        if count is not None:
            r.fail("calibrate_count", "only used with threshold = 'calibrate'")
        threshold = r.number("threshold", base.threshold, low=0, low_open=True)
    share = r.number("share", 0.3, low=0, high=1)
    if rule == "top_share" and share <= 0:
        r.fail("share", f"must be > 0 for rule 'top_share', got {share!r}")
    return SuperEmitterRule(
        rule=rule,
        measure=measure,
        per_capita_multiple=r.number(
            "per_capita_multiple", base.per_capita_multiple, low=0, low_open=True
        ),
        total_multiple=r.number("total_multiple", base.total_multiple, low=0),
        threshold=threshold,
        calibrate_count=count,
        share=share,
    )


def read_quota(source: str, data: Any) -> QuotaSpec:
    """The ``[quota]`` table."""
    q = _Reader(source, data, "quota", ("include_households", "budget_to_peak_gt", "budget_source"))
    base = QuotaSpec()
    budget = q.number("budget_to_peak_gt", None, low=0, low_open=True)
    if budget is not None and not q.has("budget_source"):
        q.fail("budget_source", "missing: say where budget_to_peak_gt comes from")
    return QuotaSpec(
        include_households=q.boolean("include_households", True),
        budget_to_peak=base.budget_to_peak if budget is None else budget * 1e9,
        budget_source=q.string("budget_source", base.budget_source),
    )


def read_living(source: str, data: Any) -> LivingStandardSpec:
    """The ``[living_standard]`` table."""
    ls = _Reader(
        source,
        data,
        "living_standard",
        (
            "method",
            "threshold_usd",
            "exchange_rate",
            "elasticity",
            "target_class",
            "target_footprint",
        ),
    )
    base = LivingStandardSpec()
    elasticity = None
    if ls.has("elasticity") and ls.data["elasticity"] != "fit":
        elasticity = ls.number("elasticity", None, low=0)
    return LivingStandardSpec(
        method=ls.string("method", base.method, choices=LIVING_STANDARD_METHODS),
        threshold_usd=ls.number("threshold_usd", base.threshold_usd, low=0, low_open=True),
        exchange_rate=ls.number("exchange_rate", base.exchange_rate, low=0, low_open=True),
        elasticity=elasticity,
        target_class=ls.string(
            "target_class", base.target_class, choices=AXIS_VALUES["affluence"][:4]
        ),
        target_footprint=ls.number("target_footprint", None, low=0, low_open=True),
    )


def read_typology(source: str, data: Any) -> TypologySpec:
    """The ``[typology]`` table."""
    r = _Reader(
        source,
        data,
        "typology",
        ("exchange_rate", "money_unit", "affluence_thresholds", "structure_threshold", "tau"),
    )
    thresholds = dict(DEFAULT_AFFLUENCE_THRESHOLDS)
    if r.has("affluence_thresholds"):
        v = r.data["affluence_thresholds"]
        names = ("low", "lower-middle", "upper-middle")
        if (
            not isinstance(v, list)
            or len(v) != 3
            or not all(isinstance(t, int | float) and not isinstance(t, bool) for t in v)
        ):
            r.fail(
                "affluence_thresholds",
                "expected 3 increasing numbers (USD per person, "
                f"upper bounds of {', '.join(names)}), got {v!r}",
            )
        if not (0 < v[0] < v[1] < v[2]):
            r.fail("affluence_thresholds", f"must be positive and increasing, got {v!r}")
        thresholds = dict(zip(names, map(float, v)))
    st = None
    if r.has("structure_threshold") and r.data["structure_threshold"] != "median":
        st = r.number("structure_threshold", None, low=0, high=1)
    return TypologySpec(
        exchange_rate=r.number("exchange_rate", defaults.CNY_PER_USD_2012, low=0, low_open=True),
        money_unit=r.string("money_unit", None),
        affluence_thresholds=thresholds,
        structure_threshold=st,
        tau=r.number("tau", 0.05, low=0),
    )
