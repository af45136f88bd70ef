"""The result of a scenario evaluation: headline numbers and tables for reports."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mrio_city.scenarios.spec import Scenario

__all__ = ["ScenarioResult", "SUMMARY_UNITS"]

#: Unit of every summary key ('{unit}' = the stressor unit).
SUMMARY_UNITS: dict[str, str] = {
    "super_emitters": "cities",
    "threshold_per_capita": "{unit} per person",
    "threshold_total": "{unit}",
    "count_calibrated": "bool",
    "baseline_total": "{unit}",
    "scenario_total": "{unit}",
    "quota": "{unit}",
    "quota_gt": "Gt",
    "budget_to_peak": "{unit}",
    "share_of_budget": "1",
    "reallocated": "{unit}",
    "population_reaching": "persons",
    "population_share_reaching": "1",
    "population_below": "persons",
    "population_already_above": "persons",
    "elasticity": "1",
    "elasticity_std_error": "1",
    "elasticity_r_squared": "1",
    "attribution_residual": "{unit}",
    "seconds": "s",
}


@dataclass(frozen=True, eq=False)
class ScenarioResult:
    """Outcome of :func:`run_scenario`; all emissions in ``unit`` (t CO2 for CO2).

    Attributes
    ----------
    scenario : Scenario
    table_name, stressor, unit : str
    include_households : bool
        Whether totals (and the quota) include households' direct emissions.
    target_year : int
        Year the quota refers to (levers are the changes made by then).
    rule : str
        The identification rule in words, with its numbers.
    super_emitters : DataFrame
        Index 'city': per-capita and total footprint, characteristics (population, GDP per
        capita, secondary share, resource-based status, upstream-supplier share), axes,
        city_type, pathway, quota_attributed.
    threshold, threshold_total : float
        Per-capita [t per person] and total [t] thresholds of the rule.
    threshold_source : {'rule', 'calibrated'}
        'calibrated' when the count was an input (``calibrate_count``).
    baseline_total, scenario_total, quota : float
        Total emissions before and after, and their difference [t].
    quota_by_lever : DataFrame
        Index 'lever' (label): lever_type, cities, quota [t].
    quota_by_city : Series
        Quota attributed to each super-emitter's pathway [t].
    quota_by_consumer : DataFrame
        Index consumer city (+ 'exports abroad'): production_side (intensity changes through
        the solved flows), final_demand, technology, quota [t].
    attribution : DataFrame
        One row per applied change: city, pathway, city_type, lever, lever_type, quota [t].
    attribution_residual : float
        ``quota - sum of attributed parts`` (solver tolerance) [t].
    cities : DataFrame
        Every city before and after.
    reallocation : DataFrame
        Non-super-emitter cities in service order (:func:`.living_standard.allocate_quota`).
    reallocation_totals : dict
    elasticity : ElasticityFit or None
    budget_to_peak : float or None
        Carbon budget to peak [t per year]; ``share_of_budget = quota / budget_to_peak``.
    budget_source : str
    refactorized, factorizations, solver_id, seconds
        Evaluation facts.
    """

    scenario: Scenario
    table_name: str
    stressor: str
    unit: str
    include_households: bool
    target_year: int
    rule: str
    super_emitters: pd.DataFrame
    threshold: float
    threshold_total: float
    threshold_source: str
    baseline_total: float
    scenario_total: float
    quota: float
    quota_by_lever: pd.DataFrame
    quota_by_city: pd.Series
    quota_by_consumer: pd.DataFrame
    attribution: pd.DataFrame
    attribution_residual: float
    cities: pd.DataFrame
    reallocation: pd.DataFrame
    reallocation_totals: Mapping[str, float]
    elasticity: Any
    budget_to_peak: float | None
    budget_source: str
    share_of_budget: float
    refactorized: bool
    factorizations: int
    solver_id: int
    seconds: float
    extras: Mapping[str, Any] = field(default_factory=dict)

    # -- construction (from run.py's internal state) -----------------------------------------
    @classmethod
    def build(cls, *, run, totals, attribution, consumers, reallocation, **kw) -> ScenarioResult:
        """Assemble a result (internal: called by :func:`run_scenario`)."""
        unit, sc = run.unit, run.scenario
        by_lever = attribution.groupby("lever", sort=False).agg(
            lever_type=("lever_type", "first"), cities=("city", "nunique"), quota=("quota", "sum")
        )
        by_lever.attrs["units"] = {"quota": unit, "cities": "cities"}
        by_city = attribution.groupby("city", sort=False)["quota"].sum().rename("quota")
        by_city.attrs["units"] = {by_city.name: unit}
        quota = totals["quota"]
        budget = sc.quota.budget_to_peak
        ev = kw.pop("evaluation")
        return cls(
            scenario=sc,
            table_name=run.baseline.table.name,
            stressor=run.stressor,
            unit=unit,
            include_households=sc.quota.include_households,
            target_year=sc.target_year,
            rule=run.selection.description,
            super_emitters=_super_emitter_table(run, by_city),
            threshold=run.selection.threshold,
            threshold_total=run.selection.total_threshold,
            threshold_source=run.selection.source,
            baseline_total=totals["baseline_total"],
            scenario_total=totals["scenario_total"],
            quota=quota,
            quota_by_lever=by_lever,
            quota_by_city=by_city,
            quota_by_consumer=consumers,
            attribution=attribution,
            attribution_residual=quota - float(attribution["quota"].sum()),
            cities=_city_table(run, totals, by_city),
            reallocation=reallocation,
            budget_to_peak=budget,
            budget_source=sc.quota.budget_source,
            share_of_budget=quota / budget if budget else math.nan,
            **ev,
            **kw,
        )

    # -- views -------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Headline numbers (JSON-serializable); units in :data:`SUMMARY_UNITS`."""
        rt = self.reallocation_totals
        out = {
            "scenario": self.scenario.name,
            "table": self.table_name,
            "stressor": self.stressor,
            "unit": self.unit,
            "target_year": self.target_year,
            "households_included": self.include_households,
            "rule": self.rule,
            "super_emitters": int(len(self.super_emitters)),
            "threshold_per_capita": self.threshold,
            "threshold_total": self.threshold_total,
            "count_calibrated": self.threshold_source == "calibrated",
            "baseline_total": self.baseline_total,
            "scenario_total": self.scenario_total,
            "quota": self.quota,
            "quota_gt": self.quota / 1e9,
            "budget_to_peak": self.budget_to_peak,
            "budget_source": self.budget_source,
            "share_of_budget": self.share_of_budget,
            "living_standard_method": self.scenario.living_standard.method,
            "reallocated": rt["reallocated"],
            "population_reaching": rt["population_reaching"],
            "population_share_reaching": rt["population_share_reaching"],
            "population_below": rt["population_below"],
            "population_already_above": rt["population_already_above"],
        }
        if self.elasticity is not None:
            fit = self.elasticity.as_dict()
            out.update({k: fit[k] for k in ("elasticity", "elasticity_std_error")})
            out["elasticity_r_squared"] = fit["elasticity_r_squared"]
        out.update(
            refactorized=self.refactorized,
            factorizations=self.factorizations,
            attribution_residual=self.attribution_residual,
            seconds=self.seconds,
        )
        return out

    def summary_units(self) -> dict[str, str]:
        """Unit of each :meth:`summary` key ('' for text and flags)."""
        return {k: SUMMARY_UNITS.get(k, "").format(unit=self.unit) for k in self.summary() if k}

    def summary_text(self) -> str:
        """Readable summary for the terminal and ``summary.txt``."""
        s = self.summary()
        hh = "incl." if self.include_households else "excl."
        share = (
            f"{s['share_of_budget']:.1%} of the budget to peak "
            f"({(self.budget_to_peak or 0) / 1e9:.2f} Gt/yr: {self.budget_source})"
            if self.budget_to_peak
            else "no budget to peak given"
        )
        flag = " [COUNT CALIBRATED: an input, not a result]" if s["count_calibrated"] else ""
        lines = [
            f"scenario {s['scenario']!r} on {s['table']} ({self.stressor}, target year "
            f"{self.target_year}, totals {hh} households' direct emissions)",
            f"super-emitters: {s['super_emitters']} cities; rule: {self.rule}{flag}",
            f"quota created: {s['quota_gt']:.3f} Gt ({s['quota']:,.0f} {self.unit}) = {share}",
            self._living_line(s),
            f"evaluation: {s['seconds']:.3f} s, refactorized: {s['refactorized']}",
        ]
        if len(self.quota_by_lever):
            lines.append("quota by lever [Mt]:")
            for label, row in self.quota_by_lever.iterrows():
                lines.append(f"  {label:<50} {row['quota'] / 1e6:12,.2f}")
        return "\n".join(lines)

    def _living_line(self, s: Mapping[str, Any]) -> str:
        line = (
            f"living standard ({s['living_standard_method']}): "
            f"{s['population_reaching'] / 1e6:,.1f} million people reach it = "
            f"{s['population_share_reaching']:.1%} of the population "
            f"({s['population_below'] / 1e6:,.1f} million below; cities already above not counted)"
        )
        if "elasticity" in s:
            line += (
                f"; footprint-income elasticity {s['elasticity']:.2f} "
                f"(s.e. {s['elasticity_std_error']:.2f}, R2 {s['elasticity_r_squared']:.2f})"
            )
        return line

    def sheets(self) -> dict[str, pd.DataFrame]:
        """Result frames for a workbook or CSV files (units in ``attrs``)."""
        summ = self.summary()
        units = self.summary_units()
        s = pd.DataFrame(
            {"value": [summ[k] for k in summ], "unit": [units.get(k, "") for k in summ]},
            index=pd.Index(list(summ), name="key"),
        )
        return {
            "summary": s,
            "super_emitters": self.super_emitters,
            "quota_by_lever": self.quota_by_lever,
            "quota_by_type": self.quota_by_type(),
            "quota_by_consumer": self.quota_by_consumer,
            "attribution": self.attribution,
            "cities": self.cities,
            "reallocation": self.reallocation,
        }

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
        df.attrs["units"] = dict.fromkeys(df.columns, self.unit)
        return df


def _super_emitter_table(run, by_city: pd.Series) -> pd.DataFrame:
    supers, unit = run.selection.cities, run.unit
    se = run.chars.loc[supers].copy()
    se.insert(0, "per_capita", run.per_capita[supers])
    se.insert(1, "footprint", run.footprint[supers])
    se["city_type"] = run.city_type[supers]
    se["pathway"] = run.pathway[supers]
    se["quota_attributed"] = by_city.reindex(supers).fillna(0.0)
    se.index.name = "city"
    se.attrs["units"] = {
        "per_capita": f"{unit} per person",
        "footprint": unit,
        "population": "persons",
        "gdp_per_capita_usd": "USD per person",
        "secondary_share": "1",
        "upstream_supplier_share": "1",
        "quota_attributed": unit,
    }
    return se


def _city_table(run, totals, by_city: pd.Series) -> pd.DataFrame:
    t, unit = run.baseline.table, run.unit
    cities = pd.DataFrame(
        {
            "population": run.chars["population"],
            "gdp_per_capita_usd": run.chars["gdp_per_capita_usd"],
            "super_emitter": t.cities.isin(run.selection.cities),
            "city_type": run.city_type,
            "pathway": run.pathway,
            "production_based_baseline": totals["pbf0"],
            "production_based_scenario": totals["pbf1"],
            "consumption_based_baseline": totals["cbf0"],
            "consumption_based_scenario": totals["cbf1"],
            "per_capita_baseline": run.per_capita,
            "per_capita_scenario": totals["per_capita_scenario"],
        },
        index=t.cities.copy(),
    )
    cities["quota_attributed"] = by_city.reindex(t.cities).fillna(0.0).to_numpy()
    cities.attrs["units"] = {
        c: unit for c in cities.columns if c.startswith(("production", "consumption", "quota"))
    }
    cities.attrs["units"].update(
        population="persons",
        gdp_per_capita_usd="USD per person",
        per_capita_baseline=f"{unit} per person",
        per_capita_scenario=f"{unit} per person",
    )
    cities.attrs["households_included"] = run.scenario.quota.include_households
    return cities
