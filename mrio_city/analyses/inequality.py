"""Inequality of per-capita carbon footprints across cities, weighted by population.

Pure functions on Series indexed by city: ``per_capita`` (y_c, t CO2/person) and
``population`` (P_c, persons); nothing here knows about MRIO tables.  Notation (docs/methods.md §6):
``E_c = P_c y_c``, shares ``p_c = P_c / sum P`` and ``e_c = E_c / sum E``, mean
``mu = sum E / sum P``.  Where ``population=None`` is allowed every city counts once, as in
PySAL's ``inequality`` package.  Zero and negative footprints are legal except in the
log-based Theil indices, which exclude them (never nudge them by an epsilon) with a
:class:`~mrio_city.model.errors.NegativeFootprintWarning` naming them.  Invalid inputs (empty,
duplicate or mismatched cities, NaN/inf, population <= 0, a non-positive mean where shares
are needed) raise ``TableValidationError`` or its subclasses from :mod:`mrio_city.model.errors`.
The quantile measures (deciles, top/bottom shares, P90 / P10) are in
:mod:`mrio_city.analyses.inequality_quantiles`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from mrio_city.analyses._inequality_core import (
    UNIT,
    _aligned,
    _gini_lorenz,
    _gini_mean_difference,
    _inputs,
    _lorenz_points,
    _positive_mean,
    _series,
    _split_positive,
    _theil_l,
    _theil_t,
)
from mrio_city.analyses.inequality_quantiles import p90_p10, top_bottom_shares

__all__ = [
    "ReferenceLevel",
    "GLOBAL_PER_CAPITA_2012",
    "US_PER_CAPITA_2012",
    "REFERENCE_LEVELS",
    "TheilDecomposition",
    "gini",
    "lorenz_curve",
    "theil_t",
    "theil_l",
    "theil_decomposition",
    "share_below",
    "inequality_summary",
]


@dataclass(frozen=True)
class ReferenceLevel:
    """A documented per-capita footprint benchmark: ``value`` in ``unit``, ``source``, ``year``."""

    value: float
    unit: str
    source: str
    year: int


#: World fossil + cement CO2 per person in 2012 (1.33 t C x 3.664), t CO2/person.
#: Source: Global Carbon Budget 2019 per-capita series (docs/methods.md §5.2).
GLOBAL_PER_CAPITA_2012 = 4.87
#: USA consumption-based CO2 per person in 2012 (1,578.0 Mt C x 3.664 / ~314 M), t CO2/person.
#: Source: Global Carbon Budget 2019 consumption-based emissions (docs/methods.md §5.2).
US_PER_CAPITA_2012 = 18.4

#: Named benchmarks (read-only), used by :func:`inequality_summary`; keys are row suffixes.
REFERENCE_LEVELS: Mapping[str, ReferenceLevel] = MappingProxyType(
    {
        "global_2012": ReferenceLevel(
            GLOBAL_PER_CAPITA_2012,
            UNIT,
            "Global Carbon Budget 2019, world fossil + cement per capita (docs/methods.md §5.2)",
            2012,
        ),
        "us_2012": ReferenceLevel(
            US_PER_CAPITA_2012,
            UNIT,
            "Global Carbon Budget 2019, USA consumption-based, population ~314 M "
            "(docs/methods.md §5.2)",
            2012,
        ),
    }
)


@dataclass(frozen=True, eq=False)
class TheilDecomposition:
    """Theil index split into between-group and within-group inequality.

    Attributes
    ----------
    kind : {"T", "L"}
        Theil T (GE(1)) or Theil L (GE(0), mean log deviation).
    total, between, within : float
        Dimensionless; ``between + within == total`` up to rounding.
    groups : pandas.DataFrame
        Index ``group``; columns ``n_cities``, ``population_share`` (p_g), ``emission_share``
        (e_g), ``mean_per_capita`` (mu_g, t CO2/person), ``within_index`` (T_g or L_g),
        ``between_contribution``, ``within_contribution`` (summing to between and within).
    excluded : tuple
        Cities left out because their footprint is zero or negative.
    """

    kind: Literal["T", "L"]
    total: float
    between: float
    within: float
    groups: pd.DataFrame
    excluded: tuple[Hashable, ...]


# ---------------------------------------------------------------------------- measures


def gini(
    per_capita: pd.Series,
    population: pd.Series | None = None,
    *,
    method: Literal["lorenz", "mean_difference"] = "lorenz",
) -> float:
    """Population-weighted Gini coefficient of per-capita footprints.

    With cities sorted by ascending y and L_c their cumulative emission share,
    ``G = 1 - sum_c p_c (L_{c-1} + L_c)`` (trapezoids, ``method="lorenz"``), which equals
    ``G = sum_c sum_d p_c p_d |y_c - y_d| / (2 mu)`` (``"mean_difference"``, O(n^2)).
    Zero and negative footprints are allowed; the mean must be positive.

    Parameters
    ----------
    per_capita, population : pandas.Series of shape (n_cities,)
        Footprint (t CO2/person), population (persons; None: cities weigh the same).
    method : {"lorenz", "mean_difference"}, default="lorenz"
        Which of the two equivalent formulas to evaluate.

    Returns
    -------
    float
        Gini coefficient, dimensionless (0 = equal; below 1 for non-negative footprints).

    Raises
    ------
    TableValidationError
        On invalid inputs (see the module docstring) or a non-positive mean.
    """
    if method not in ("lorenz", "mean_difference"):
        raise ValueError(
            "The 'method' parameter of gini must be one of "
            f"{{'lorenz', 'mean_difference'}}. Got {method!r} instead."
        )
    y, w, _ = _inputs(per_capita, population, "gini", required=False)
    _positive_mean(y, w, "gini")
    return _gini_lorenz(y, w) if method == "lorenz" else _gini_mean_difference(y, w)


def lorenz_curve(per_capita: pd.Series, population: pd.Series | None = None) -> pd.DataFrame:
    """Lorenz curve of per-capita footprints: cumulative population vs emission shares.

    Cities sorted by ascending y_c give the points ``(sum_{k<=c} p_k, sum_{k<=c} e_k)``
    after the origin (0, 0); the last point is (1, 1).  Ties keep their input order.

    Parameters
    ----------
    per_capita, population : pandas.Series of shape (n_cities,)
        Footprint (t CO2/person), population (persons; None: cities weigh the same).

    Returns
    -------
    pandas.DataFrame of shape (n_cities + 1, 3)
        Columns ``city`` (None at the origin), ``population_share``, ``emission_share``
        (cumulative, dimensionless).

    Raises
    ------
    TableValidationError
        On invalid inputs (see the module docstring) or a non-positive mean.
    """
    y, w, index = _inputs(per_capita, population, "lorenz_curve", required=False)
    _positive_mean(y, w, "lorenz_curve")
    order, x, lor = _lorenz_points(y, w)
    return pd.DataFrame(
        {
            "city": pd.Series([None, *index[order]], dtype=object),
            "population_share": x,
            "emission_share": lor,
        }
    )


def theil_t(per_capita: pd.Series, population: pd.Series | None = None) -> float:
    """Population-weighted Theil T index (GE(1)) of per-capita footprints.

    ``T = sum_c e_c ln(e_c / p_c) = sum_c p_c (y_c / mu) ln(y_c / mu)``.  Cities with
    y_c <= 0 are excluded (shares and mu recomputed without them) with a
    :class:`~mrio_city.model.errors.NegativeFootprintWarning` naming them.

    Parameters
    ----------
    per_capita, population : pandas.Series of shape (n_cities,)
        Footprint (t CO2/person), population (persons; None: cities weigh the same).

    Returns
    -------
    float
        Theil T, dimensionless (0 = equal).

    Raises
    ------
    TableValidationError
        On invalid inputs (see the module docstring), or if no footprint is positive.
    """
    y, w, index = _inputs(per_capita, population, "theil_t", required=False)
    y, w, _ = _split_positive(y, w, index, "theil_t")
    return _theil_t(y, w)


def theil_l(per_capita: pd.Series, population: pd.Series | None = None) -> float:
    """Population-weighted Theil L index (GE(0), mean log deviation) of per-capita footprints.

    ``L = sum_c p_c ln(mu / y_c) = sum_c p_c ln(p_c / e_c)``.  Cities with y_c <= 0 are
    excluded with a :class:`~mrio_city.model.errors.NegativeFootprintWarning` naming them.

    Parameters
    ----------
    per_capita, population : pandas.Series of shape (n_cities,)
        Footprint (t CO2/person), population (persons; None: cities weigh the same).

    Returns
    -------
    float
        Theil L, dimensionless (0 = equal).

    Raises
    ------
    TableValidationError
        On invalid inputs (see the module docstring), or if no footprint is positive.
    """
    y, w, index = _inputs(per_capita, population, "theil_l", required=False)
    y, w, _ = _split_positive(y, w, index, "theil_l")
    return _theil_l(y, w)


def theil_decomposition(
    per_capita: pd.Series,
    population: pd.Series | None,
    groups: pd.Series,
    *,
    kind: Literal["T", "L"] = "T",
) -> TheilDecomposition:
    """Split a Theil index into between-group and within-group inequality.

    With group shares p_g, e_g, group means mu_g and the index T_g / L_g inside group g:
    ``T = sum_g e_g ln(e_g / p_g) [between] + sum_g e_g T_g [within]`` and
    ``L = sum_g p_g ln(mu / mu_g) [between] + sum_g p_g L_g [within]`` (docs/methods.md §6).
    ``total`` is computed independently of the two parts.  Cities with y_c <= 0 are
    excluded from everything (warned, listed in ``excluded``).

    Parameters
    ----------
    per_capita, population : pandas.Series of shape (n_cities,)
        Footprint (t CO2/person), population (persons; None: cities weigh the same).
    groups : pandas.Series of shape (n_cities,)
        Group label of each city (province, region, type, ...), same cities.
    kind : {"T", "L"}, default="T"
        Which Theil index to decompose.

    Returns
    -------
    TheilDecomposition
        ``total``, ``between``, ``within`` (dimensionless), per-group table, exclusions.

    Raises
    ------
    TableValidationError
        On invalid inputs (also missing group labels), or if no footprint is positive.
    """
    func = "theil_decomposition"
    if kind not in ("T", "L"):
        raise ValueError(
            f"The 'kind' parameter of {func} must be one of {{'T', 'L'}}. Got {kind!r} instead."
        )
    y, w, index = _inputs(per_capita, population, func, required=False)
    labels_all = _aligned(
        _series(groups, name="groups", func=func, numeric=False), index, name="groups", func=func
    ).to_numpy()[y > 0]
    y, w, excluded = _split_positive(y, w, index, func)
    codes, labels = pd.factorize(labels_all)  # groups in order of first appearance
    kernel = _theil_t if kind == "T" else _theil_l
    pop_total, em_total, mu = w.sum(), np.dot(w, y), np.dot(w, y) / w.sum()
    rows = []
    for k in range(len(labels)):
        yg, wg = y[codes == k], w[codes == k]
        p_g, e_g, mu_g = wg.sum() / pop_total, np.dot(wg, yg) / em_total, np.dot(wg, yg) / wg.sum()
        index_g = kernel(yg, wg)
        if kind == "T":
            between, within = e_g * math.log(e_g / p_g), e_g * index_g
        else:
            between, within = p_g * math.log(mu / mu_g), p_g * index_g
        rows.append((len(yg), p_g, e_g, mu_g, index_g, between, within))
    table = pd.DataFrame(
        rows,
        index=pd.Index(labels, name="group"),
        columns=[
            "n_cities",
            "population_share",
            "emission_share",
            "mean_per_capita",
            "within_index",
            "between_contribution",
            "within_contribution",
        ],
    )
    return TheilDecomposition(
        kind=kind,
        total=kernel(y, w),
        between=math.fsum(table["between_contribution"]),
        within=math.fsum(table["within_contribution"]),
        groups=table,
        excluded=excluded,
    )


def share_below(
    per_capita: pd.Series, population: pd.Series, level: float | ReferenceLevel
) -> pd.Series:
    """Shares of cities, population and emissions with footprints strictly below ``level``.

    ``city_share = #{c: y_c < level} / n``, ``population_share = sum_{y_c < level} p_c``,
    ``emission_share = sum_{y_c < level} e_c``; the point (population_share, emission_share)
    lies on the Lorenz curve.

    Parameters
    ----------
    per_capita, population : pandas.Series of shape (n_cities,)
        Footprint (t CO2/person) and population (persons), indexed by city.
    level : float or ReferenceLevel
        Level in t CO2/person, e.g. ``REFERENCE_LEVELS["global_2012"]``.

    Returns
    -------
    pandas.Series
        ``city_share``, ``population_share``, ``emission_share`` (fractions; emission_share
        is NaN if total emissions are 0), named after the level.

    Raises
    ------
    TableValidationError
        On invalid inputs (see the module docstring); ValueError for a non-finite level.
    """
    value = level.value if isinstance(level, ReferenceLevel) else level
    if not np.isfinite(value):
        raise ValueError(f"share_below: level must be a finite number of {UNIT}, got {value!r}")
    y, w, _ = _inputs(per_capita, population, "share_below")
    below, total_e = y < value, np.dot(w, y)
    return pd.Series(
        {
            "city_share": float(below.mean()),
            "population_share": float(w[below].sum() / w.sum()),
            "emission_share": float(np.dot(w[below], y[below]) / total_e) if total_e else math.nan,
        },
        name=f"below {value:g} {UNIT}",
    )


def inequality_summary(
    per_capita: pd.Series,
    population: pd.Series,
    *,
    reference_levels: Mapping[str, ReferenceLevel | float] = REFERENCE_LEVELS,
) -> pd.DataFrame:
    """All scalar inequality measures in one tidy table.

    Rows (formulas of the single-measure functions): ``n_cities``, ``population``,
    ``mean_per_capita``, ``gini``, ``gini_unweighted`` (cities count once), ``theil_t``,
    ``theil_l``, ``n_excluded_from_theil`` (y <= 0; warned once, listed in
    ``attrs["excluded_from_theil"]``), ``top10_share``, ``bottom50_share``,
    ``top10_to_bottom50``, ``p10``, ``p90``, ``p90_p10``, and per reference level ``name``
    ``cities_below_<name>`` and ``population_below_<name>``.  Undefined ratios are NaN.

    Parameters
    ----------
    per_capita, population : pandas.Series of shape (n_cities,)
        Footprint (t CO2/person) and population (persons), indexed by city.
    reference_levels : mapping of str to ReferenceLevel or float, default=REFERENCE_LEVELS
        Levels (t CO2/person) for the "below" rows.

    Returns
    -------
    pandas.DataFrame
        Index ``measure``; columns ``value`` (float) and ``unit``.

    Raises
    ------
    TableValidationError
        On invalid inputs, a non-positive mean, or if no footprint is positive.
    """
    func = "inequality_summary"
    y, w, index = _inputs(per_capita, population, func)
    mu = _positive_mean(y, w, func)
    yp, wp, excluded = _split_positive(y, w, index, func)
    tb, pct = top_bottom_shares(per_capita, population), p90_p10(per_capita, population)
    gini_unweighted = _gini_lorenz(y, np.ones_like(y)) if y.mean() > 0 else math.nan
    rows: list[tuple[str, float, str]] = [
        ("n_cities", float(len(y)), "cities"),
        ("population", float(w.sum()), "persons"),
        ("mean_per_capita", mu, UNIT),
        ("gini", _gini_lorenz(y, w), "1"),
        ("gini_unweighted", gini_unweighted, "1"),
        ("theil_t", _theil_t(yp, wp), "1"),
        ("theil_l", _theil_l(yp, wp), "1"),
        ("n_excluded_from_theil", float(len(excluded)), "cities"),
        *[(k, v, "1") for k, v in tb.items()],
        ("p10", pct["p10"], UNIT),
        ("p90", pct["p90"], UNIT),
        ("p90_p10", pct["p90_p10"], "1"),
    ]
    for name, level in reference_levels.items():
        below = share_below(per_capita, population, level)
        rows += [
            (f"cities_below_{name}", below["city_share"], "1"),
            (f"population_below_{name}", below["population_share"], "1"),
        ]
    out = pd.DataFrame(rows, columns=["measure", "value", "unit"]).set_index("measure")
    out.attrs["excluded_from_theil"] = excluded
    return out
