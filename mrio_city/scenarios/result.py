"""The result of a scenario evaluation: headline numbers, tables for reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mrio_city.scenarios.spec import Scenario

__all__ = ["ScenarioResult"]


@dataclass(frozen=True, eq=False)
class ScenarioResult:
    """Outcome of :func:`run_scenario`; all emissions in ``unit`` (t CO2 for CO2).

    Attributes
    ----------
    scenario : Scenario
    table_name, stressor, unit : str
    include_households : bool
        Whether totals (and the quota) include households' direct emissions.
    super_emitters : DataFrame
        Index 'city': per_capita [t per person], footprint [t], population, gdp_per_capita_usd,
        affluence, structure, role, city_type ('affluence/structure/role'), pathway.
    threshold : float
        Per-capita threshold used [t per person]; ``threshold_source`` says how it was set.
    baseline_total, scenario_total, quota : float
        Total emissions before and after, and their difference [t].
    quota_by_lever : DataFrame
        Index 'lever' (label): lever_type, cities, quota [t].
    quota_by_city : Series
        Quota attributed to each super-emitter's pathway [t].
    attribution : DataFrame
        One row per applied change: city, pathway, lever, lever_type, quota [t].
    attribution_residual : float
        ``quota - sum of attributed parts`` (solver tolerance) [t].
    cities : DataFrame
        Every city: baseline and scenario production- and consumption-based emissions (incl.
        households iff ``include_households``), per-capita measure before/after, super-emitter
        flag, city type and pathway.
    reallocation : DataFrame
        Non-super-emitter cities in service order (see :func:`.selection.reallocate_quota`).
    reallocation_totals : dict
    projected_quota : float or None
        Projected quota to peak [t]; ``share_of_projected_quota = quota / projected_quota``.
    refactorized : bool
        True when technology changed and ``I - A`` was factorized again.
    factorizations : int
        Factorizations made during this evaluation.
    solver_id : int
        Id of the solver that produced the scenario outputs.
    seconds : float
        Wall time of the evaluation (excluding the baseline) [s].
    """

    scenario: Scenario
    table_name: str
    stressor: str
    unit: str
    include_households: bool
    super_emitters: pd.DataFrame
    threshold: float
    threshold_source: str
    baseline_total: float
    scenario_total: float
    quota: float
    quota_by_lever: pd.DataFrame
    quota_by_city: pd.Series
    attribution: pd.DataFrame
    attribution_residual: float
    cities: pd.DataFrame
    reallocation: pd.DataFrame
    reallocation_totals: Mapping[str, float]
    projected_quota: float | None
    share_of_projected_quota: float
    refactorized: bool
    factorizations: int
    solver_id: int
    seconds: float
    extras: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Headline numbers (JSON-serializable); emissions in the stressor's unit and in Gt."""
        rt = self.reallocation_totals
        return {
            "scenario": self.scenario.name,
            "table": self.table_name,
            "stressor": self.stressor,
            "unit": self.unit,
            "households_included": self.include_households,
            "super_emitters": int(len(self.super_emitters)),
            "threshold_per_capita": self.threshold,
            "threshold_source": self.threshold_source,
            "baseline_total": self.baseline_total,
            "scenario_total": self.scenario_total,
            "quota": self.quota,
            "quota_gt": self.quota / 1e9,
            "projected_quota_to_peak": self.projected_quota,
            "share_of_projected_quota": self.share_of_projected_quota,
            "reallocated": rt["reallocated"],
            "target_per_capita": rt["target_per_capita"],
            "population_lifted": rt["population_lifted"],
            "population_share_lifted": rt["population_share_lifted"],
            "population_share_at_target": rt["population_share_at_target"],
            "refactorized": self.refactorized,
            "factorizations": self.factorizations,
            "attribution_residual": self.attribution_residual,
            "seconds": self.seconds,
        }

    def summary_text(self) -> str:
        """Readable summary for the terminal and ``summary.txt``."""
        s = self.summary()
        hh = "incl." if self.include_households else "excl."
        share = (
            f"{s['share_of_projected_quota']:.1%} of the projected quota to peak "
            f"({(self.projected_quota or 0) / 1e9:.2f} Gt)"
            if self.projected_quota
            else "no projected quota given"
        )
        lines = [
            f"scenario {s['scenario']!r} on {s['table']} ({self.stressor}, totals {hh} "
            "households' direct emissions)",
            f"super-emitters: {s['super_emitters']} cities with per-capita footprint > "
            f"{s['threshold_per_capita']:.3g} {self.unit}/person ({s['threshold_source']})",
            f"quota created: {s['quota_gt']:.3f} Gt ({s['quota']:,.0f} {self.unit}) = {share}",
            f"reallocated: {s['reallocated'] / 1e9:.3f} Gt to "
            f"{(self.reallocation['received'] > 0).sum()} cities; population lifted to the "
            f"target: {s['population_lifted'] / 1e6:,.1f} million = "
            f"{s['population_share_lifted']:.1%} of the population "
            f"({s['population_share_at_target']:.1%} incl. cities already at the target)",
            f"evaluation: {s['seconds']:.3f} s, refactorized: {s['refactorized']}",
        ]
        if len(self.quota_by_lever):
            lines.append("quota by lever [Mt]:")
            for label, row in self.quota_by_lever.iterrows():
                lines.append(f"  {label:<40} {row['quota'] / 1e6:12,.2f}")
        return "\n".join(lines)

    def sheets(self) -> dict[str, pd.DataFrame]:
        """Result frames for a workbook or CSV files (units in ``attrs``)."""
        s = pd.DataFrame([self.summary()]).T.rename(columns={0: "value"})
        s.index.name = "key"
        by_type = self.quota_by_type()
        out = {
            "summary": s,
            "super_emitters": self.super_emitters,
            "quota_by_lever": self.quota_by_lever,
            "quota_by_type": by_type,
            "attribution": self.attribution,
            "cities": self.cities,
            "reallocation": self.reallocation,
        }
        return out

    def quota_by_type(self) -> pd.DataFrame:
        """Quota by city type (rows) and lever type (columns) [t]."""
        if self.attribution.empty:
            df = pd.DataFrame(dtype=float)
        else:
            df = self.attribution.pivot_table(
                index="city_type",
                columns="lever_type",
                values="quota",
                aggfunc="sum",
                fill_value=0.0,
            )
        df.attrs["unit"] = self.unit
        return df
