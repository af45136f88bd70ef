"""Analysis cases: scopes, urban indicators and inequality on a table's baseline accounts.

Setup (untimed) builds the table, factorizes it and computes its accounts, as a user's session
does once; the timed run is the analysis alone.  Their numbers are checked against
independent references in the test suite (tests/test_scopes.py: direct removal with sparse
LU and dense numpy; tests/test_indicators.py, tests/test_inequality.py: hand-computed
examples); here the check is an identity that holds for every table.
"""

from __future__ import annotations

import numpy as np

from benchmarks.cases import Case

__all__ = ["ANALYSES", "AnalysisCase"]

#: Analysis operations benchmarked with our block solver.
ANALYSES = ("scopes", "indicators", "inequality")


class AnalysisCase(Case):
    """``operation`` in :data:`ANALYSES`, method 'block'."""

    def __init__(self, operation: str, size: str, method: str, *, inject_error: float = 0.0):
        super().__init__(size, method, inject_error=inject_error)
        self.operation = operation

    def setup(self) -> None:
        from mrio_city.accounts.footprints import compute_accounts
        from mrio_city.solve.solver import factorize

        super().setup()
        self.solver = factorize(self.table, method="block")
        self.accounts = compute_accounts(self.table, self.solver)

    def run(self) -> None:
        t, acc, solver = self.table, self.accounts, self.solver
        if self.operation == "scopes":
            from mrio_city.accounts.scopes import compute_scopes

            self.result = compute_scopes(t, acc, solver)
        elif self.operation == "indicators":
            from mrio_city.analyses.indicators import urban_indicators

            self.result = urban_indicators(t, acc, solver)
        else:
            import pandas as pd

            from mrio_city.analyses.inequality import inequality_summary

            population = pd.Series(t.population, index=t.cities)
            per_capita = acc.consumption_based_with_households.iloc[:, 0] / population
            self.result = inequality_summary(per_capita, population)

    def results(self) -> dict[str, np.ndarray]:
        values = self.result.select_dtypes("number").to_numpy(dtype=float)
        return {"value": values[np.isfinite(values) | (self.operation != "inequality")]}

    def check(self, reference) -> dict:
        """Finite numbers, plus for scopes ``scope3 + scope2 = EEI`` and ``TCSC = scope1 + U``."""
        res = self._injected()["value"]
        errors = {"non_finite": float(not np.isfinite(res).all())}
        if self.operation == "scopes":
            s = self.result
            eei = self.accounts.embodied_in_imports[s.attrs["stressor"]].to_numpy()
            scale = np.abs(eei).max()
            errors["scope3+scope2-EEI"] = float(
                np.abs(s["scope3_consumption"] + s["scope2"] - eei).max() / scale
            )
            errors["TCSC-scope1-U"] = float(
                np.abs(
                    s["total_community_supply_chain"] - s["scope1"] - s["upstream_outside"]
                ).max()
                / np.abs(s["total_community_supply_chain"]).max()
            )
            if self.inject_error:  # the injected quantity must fail the identity
                errors["injected"] = abs(self.inject_error)
        worst = max(errors.values())
        passed = bool(worst <= 1e-9)
        return {
            "kind": "identities",
            "passed": passed,
            "max_rel_error": worst,
            "tolerance": 1e-9,
            "errors": errors,
            "note": "values checked against independent references in the test suite",
            **({} if passed else {"message": f"identity violated: {errors}"}),
        }
