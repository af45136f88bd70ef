"""Benchmark cases: one operation on one table size with one method, plus its correctness check.

A case has an untimed ``setup()`` (build inputs once), an untimed ``reset()`` before every
repeat, the timed ``run()``, and ``results()``/``check()`` run after timing.  The runner
(:mod:`benchmarks.runner`) executes every case in its own subprocess; the asv classes in
:mod:`benchmarks.bench_engine` wrap the same cases.

Operations and methods
----------------------
``factorize``    factorization of ``I - A`` (our 'block', 'dense', 'sparse'; numpy ``inv``;
                 scipy ``lu_factor``)
``multipliers``  ``m = f L`` by a transposed solve with an existing factorization
``accounts``     full accounts from scratch (factorization + PBF, CBF, EEE, EEI, Q, m);
                 pymrio: a fresh ``IOSystem(Z, Y, extension).calc_all()`` with its regional
                 accounts ``D_cba_reg``, ``D_pba_reg``, ``D_imp_reg``, ``D_exp_reg``
``scenario``     one F/Y-only scenario (new final demand and intensities) re-evaluated with
                 the baseline's factorization (pymrio: coefficients A, L kept, the documented
                 ``reset_to_coefficients`` path: new Y and S, ``calc_all()``)
``save``/``load`` table folder I/O (:mod:`mrio_city.io.folder`)
``solver_choice`` solve of the accounts' right-hand sides (one per city) by the engine's
                 polynomial, GMRES and block-Jacobi iterations, plain Neumann and scipy GMRES
                 per column (see :mod:`benchmarks.solver_choice`)

Checks: results are compared with the dense reference of :mod:`benchmarks.reference` (max
relative error ``max|a - ref| / max|ref|`` per quantity, tolerance ``REL_TOL``).  Without a
reference (county scale) the check is accounting identities (``CBF = PBF - EEE + EEI``;
``sum CBF + sum EEE_abroad = sum PBF``; ``PBF`` equals the table's F summed per city;
``m . sum_s Y^s = sum CBF``) and solver residuals.  A case whose check fails is marked failed and
its timing does not count.
"""

from __future__ import annotations

import gc
import importlib.util

import numpy as np

from benchmarks import _tables

__all__ = [
    "OPERATIONS",
    "OUR_METHODS",
    "BASELINES",
    "REL_TOL",
    "IDENTITY_TOL",
    "make_case",
    "skip_reason",
    "methods_for",
    "account_arrays",
]

OUR_METHODS = ("block", "dense", "sparse")
BASELINES = ("pymrio", "numpy_inv", "scipy_lu")
OPERATIONS = (
    "factorize",
    "multipliers",
    "accounts",
    "scenario",
    "scopes",
    "indicators",
    "inequality",
    "save",
    "load",
    "solver_choice",
)
SOLVER_CHOICES = ("block_polynomial", "block_gmres", "block_jacobi", "neumann", "gmres")
#: Max relative error against the dense reference for a case to pass.
REL_TOL = 1e-6
#: Max relative violation of an accounting identity / solver residual (no-reference sizes).
IDENTITY_TOL = 1e-7
#: Limits (bytes) used to skip methods that cannot hold a size on a 24 GiB machine.
MEMORY_LIMIT = 20 * 2**30
#: pymrio's calc_all peak is about 7 dense n x n float64 matrices (measured: 9 GiB at 309x42).
PYMRIO_MATRICES = 7
DENSE_MATRICES = 3
#: SuperLU on a materialized A with more nonzeros than this is skipped (fill-in of a near-dense
#: pattern: minutes and gigabytes, never the method for such tables).
SPARSE_MAX_NNZ = 20_000_000


def methods_for(operation: str) -> tuple[str, ...]:
    """Methods benchmarked for an operation (ours first, then baselines)."""
    if operation in ("factorize", "multipliers"):
        return OUR_METHODS + ("numpy_inv", "scipy_lu")
    if operation == "accounts":
        return OUR_METHODS + BASELINES
    if operation == "scenario":
        return OUR_METHODS + ("block_totals",) + BASELINES
    if operation in ("save", "load"):
        return ("folder",)
    if operation == "solver_choice":
        return SOLVER_CHOICES
    if operation in ("scopes", "indicators", "inequality"):
        return ("block",)
    raise KeyError(f"unknown operation {operation!r}; known: {OPERATIONS}")


def _gib(b: float) -> str:
    return f"{b / 2**30:.1f} GiB"


def skip_reason(operation: str, size: str, method: str) -> str | None:
    """Why a case cannot run on this size (None when it can).  Decided before any work."""
    spec = _tables.SIZES[size]
    n = spec.n_nodes
    dense_bytes = 8.0 * n * n
    if method in ("dense", "numpy_inv", "scipy_lu") and DENSE_MATRICES * dense_bytes > MEMORY_LIMIT:
        return (
            f"dense n x n (n={n}) needs about {_gib(DENSE_MATRICES * dense_bytes)} "
            f"> {_gib(MEMORY_LIMIT)}"
        )
    if method == "pymrio" and PYMRIO_MATRICES * dense_bytes > MEMORY_LIMIT:
        return (
            f"pymrio calc_all holds about {PYMRIO_MATRICES} dense n x n matrices (n={n}): "
            f"estimated {_gib(PYMRIO_MATRICES * dense_bytes)} > {_gib(MEMORY_LIMIT)}"
        )
    if method == "pymrio" and importlib.util.find_spec("pymrio") is None:
        return "pymrio is not installed"
    if method == "sparse" and spec.a_nonzeros() > SPARSE_MAX_NNZ:
        return (
            f"materialized A has {spec.a_nonzeros() / 1e6:.0f}M nonzeros "
            f"(> {SPARSE_MAX_NNZ / 1e6:.0f}M): SuperLU fill-in of this near-dense pattern "
            "would take minutes and gigabytes"
        )
    if operation in ("save", "load") and importlib.util.find_spec("mrio_city.io.folder") is None:
        return "mrio_city.io.folder (write_table/read_table) does not exist yet"
    if operation == "solver_choice" and method == "gmres" and n > 20_000:
        return "GMRES per column is only run on the 309-city table and smaller"
    return None


# -- shared account arithmetic -------------------------------------------------------------
def account_arrays(
    Q: np.ndarray, Q_ex: np.ndarray, pbf: np.ndarray, hh: np.ndarray, m: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Accounts (stressor x city arrays) from flows Q (S, R, R) and exports-abroad Q_ex (S, R)."""
    local = np.einsum("srr->sr", Q)
    cbf = Q.sum(axis=1)
    out = {
        "production_based": pbf,
        "consumption_based": cbf,
        "embodied_in_exports": Q.sum(axis=2) - local + Q_ex,
        "embodied_in_imports": cbf - local,
        "embodied_in_exports_abroad": Q_ex,
        "production_based_with_households": pbf + hh,
        "consumption_based_with_households": cbf + hh,
        "flows": Q,
    }
    if m is not None:
        out["multipliers"] = m
    return out


def _from_accounts(acc, table) -> dict[str, np.ndarray]:
    S, R = table.n_stressors, table.n_cities
    names = (
        "production_based",
        "consumption_based",
        "embodied_in_exports",
        "embodied_in_imports",
        "embodied_in_exports_abroad",
        "production_based_with_households",
        "consumption_based_with_households",
    )
    out = {k: getattr(acc, k).to_numpy().T.copy() for k in names}
    out["flows"] = acc.flows.to_numpy().reshape(S, R, R)
    out["multipliers"] = acc.multipliers.to_numpy()
    return out


def _rel_err(a: np.ndarray, ref: np.ndarray) -> float:
    a, ref = np.asarray(a, float), np.asarray(ref, float)
    if a.shape != ref.shape:
        return float("inf")
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    if not np.all(np.isfinite(a)):
        return float("inf")
    return float(np.abs(a - ref).max() / scale) if scale > 0 else float(np.abs(a).max())


def _identities(res: dict[str, np.ndarray], table) -> dict[str, float]:
    """Relative violations of the accounting identities that ``res`` allows (no reference).

    ``CBF = PBF - EEE + EEI`` when EEE and EEI are there; ``sum CBF + abroad = sum PBF`` with
    the emissions embodied in exports abroad per city or, for totals-only evaluations, as a
    total per stressor; ``PBF = F`` summed per city and ``m . sum_s Y^s = sum CBF`` when the
    table the results belong to is given.
    """
    pbf, cbf = res["production_based"], res["consumption_based"]
    scale = max(float(np.abs(pbf).max()), 1e-300)
    out = {}
    if "embodied_in_exports" in res and "embodied_in_imports" in res:
        eee, eei = res["embodied_in_exports"], res["embodied_in_imports"]
        out["cbf_eq_pbf_minus_eee_plus_eei"] = float(np.abs(cbf - (pbf - eee + eei)).max() / scale)
    if "embodied_in_exports_abroad" in res:
        abroad = res["embodied_in_exports_abroad"].sum(axis=1)
    else:
        abroad = res.get("embodied_in_exports_abroad_total")
    if abroad is not None:
        out["sum_cbf_plus_abroad_eq_sum_pbf"] = float(
            np.abs(cbf.sum(axis=1) + abroad - pbf.sum(axis=1)).max()
            / max(float(np.abs(pbf.sum(axis=1)).max()), 1e-300)
        )
    if table is None:
        return out
    S, R, N = table.n_stressors, table.n_cities, table.n_sectors
    F_city = table.F.reshape(S, R, N).sum(axis=2)
    if F_city.shape == pbf.shape:
        out["pbf_eq_table_F"] = float(np.abs(pbf - F_city).max() / scale)
    if "multipliers" in res:
        ydom = table.final_demand_by_city().sum(axis=1)
        lhs = res["multipliers"] @ ydom
        rhs = cbf.sum(axis=1)
        out["multipliers_dot_demand_eq_sum_cbf"] = float(
            np.abs(lhs - rhs).max() / max(float(np.abs(rhs).max()), 1e-300)
        )
    return out


def _residuals(table, solver) -> dict[str, float]:
    """Relative residuals of the forward and transposed solve (matrix-free: apply_A)."""
    y = table.total_final_demand()
    x = solver.solve(y)
    r = (
        y - (x - table.apply_A(x[:, None])[:, 0])
        if table.structured
        else y - (x - table.technical_coefficients("sparse") @ x)
    )
    f = table.direct_intensities.T
    m = solver.solve(np.ascontiguousarray(f), trans="T")
    rt = f - (
        m
        - (
            table.apply_A(m, trans=True)
            if table.structured
            else table.technical_coefficients("sparse").T @ m
        )
    )
    return {
        "residual_forward": float(np.linalg.norm(r) / max(np.linalg.norm(y), 1e-300)),
        "residual_transposed": float(np.linalg.norm(rt) / max(np.linalg.norm(f), 1e-300)),
    }


# -- base ----------------------------------------------------------------------------------
class Case:
    """One benchmark case; subclasses implement setup/run/results."""

    operation = ""
    kind = "ours"
    #: reference group compared against ('base' or 'scenario')
    ref_group = "base"

    def __init__(self, size: str, method: str, *, inject_error: float = 0.0):
        self.size = size
        self.method = method
        self.inject_error = float(inject_error)
        self.table = None
        self.result = None
        self.extra: dict = {}

    @property
    def id(self) -> str:
        return f"{self.operation}/{self.size}/{self.method}"

    def setup(self) -> None:
        self.table = _tables.get_table(self.size)

    def reset(self) -> None:
        self.result = None
        gc.collect()

    def run(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def results(self) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _injected(self) -> dict[str, np.ndarray]:
        res = {k: np.asarray(v, float) for k, v in self.results().items()}
        if self.inject_error:
            key = "consumption_based" if "consumption_based" in res else next(iter(res))
            res[key] = res[key] * (1.0 + self.inject_error)
            self.extra["injected_error"] = {"quantity": key, "relative": self.inject_error}
        return res

    def solver_for_residual(self):
        return None

    def check(self, reference: dict[str, np.ndarray] | None) -> dict:
        """Compare with the dense reference, or check identities and residuals without one."""
        res = self._injected()
        errors: dict[str, float] = {}
        if reference is not None:
            for key, val in res.items():
                rk = f"{self.ref_group}/{key}"
                if rk in reference:
                    errors[key] = _rel_err(val, reference[rk])
            kind = "dense-reference"
            tol = REL_TOL
            if not errors:
                return {
                    "kind": kind,
                    "passed": False,
                    "max_rel_error": None,
                    "message": "no quantity comparable with the reference",
                }
        else:
            kind = "identities+residual"
            tol = IDENTITY_TOL
            if "consumption_based" in res:
                errors.update(_identities(res, self.table_for_identities()))
            solver = self.solver_for_residual()
            if solver is not None:
                errors.update(_residuals(self.table, solver))
            if not errors:
                return {
                    "kind": "none",
                    "passed": True,
                    "max_rel_error": None,
                    "message": "no reference and no identity applies to this operation",
                }
        worst = max(errors.values())
        passed = bool(np.isfinite(worst) and worst <= tol)
        out = {
            "kind": kind,
            "passed": passed,
            "max_rel_error": worst,
            "tolerance": tol,
            "errors": errors,
        }
        if not passed:
            bad = max(errors, key=lambda k: errors[k])
            out["message"] = f"{bad}: relative error {errors[bad]:.3g} > tolerance {tol:g} ({kind})"
        return out

    def table_for_identities(self):
        return self.table


# -- our engine ----------------------------------------------------------------------------
class _Ours(Case):
    def _factorize(self):
        from mrio_city.solve.solver import factorize

        return factorize(self.table, method=self.method)


class Factorize(_Ours):
    operation = "factorize"

    def run(self):
        self.result = self._factorize()

    def results(self):
        return {"output": self.result.solve(self.table.total_final_demand())}

    def solver_for_residual(self):
        return self.result


class Multipliers(_Ours):
    operation = "multipliers"

    def setup(self):
        super().setup()
        self.solver = self._factorize()

    def run(self):
        from mrio_city.accounts.footprints import multipliers

        self.result = multipliers(self.table, self.solver)

    def results(self):
        return {"multipliers": self.result.to_numpy()}

    def solver_for_residual(self):
        return self.solver


class Accounts(_Ours):
    operation = "accounts"

    def run(self):
        from mrio_city.accounts.footprints import compute_accounts

        self.result = compute_accounts(self.table, self._factorize())

    def results(self):
        if self.result.solver.method == "block":
            self.extra["iterations"] = list(self.result.solver.iterations)
        return _from_accounts(self.result, self.table)

    def solver_for_residual(self):
        return self.result.solver


def _scenario_table(table, solve, y2, f2):
    x2 = solve(_tables.demand_totals(table, y2))
    return table.replace(final_demand=y2, F=f2 * x2[None, :], x=x2)


class Scenario(_Ours):
    operation = "scenario"
    ref_group = "scenario"

    def setup(self):
        super().setup()
        self.solver = self._factorize()
        self.y2, self.f2 = _tables.scenario_inputs(self.table)

    def run(self):
        from mrio_city.accounts.footprints import compute_accounts

        t2 = _scenario_table(self.table, self.solver.solve, self.y2, self.f2)
        self.result = (t2, compute_accounts(t2, self.solver))

    def results(self):
        t2, acc = self.result
        return _from_accounts(acc, t2)

    def table_for_identities(self):
        return self.result[0]

    def solver_for_residual(self):
        return self.solver


class ScenarioTotals(Scenario):
    """An F/Y-only scenario evaluated the way ``mrio_city.scenarios`` does it.

    With technology unchanged, the baseline factorization gives the new output and the new
    multipliers with two single right-hand-side solves, ``x2 = L y2`` and ``m2 = f2 L``;
    per-city production-based accounts are ``f2 x2`` summed by city and consumption-based ones
    ``m2 . Y2^s`` (one transposed trade-share product), households' direct emissions unchanged.
    The city x city matrix is not recomputed: this is the quota/footprint evaluation a scenario
    sweep repeats, checked against the same dense reference as the full re-accounting.
    """

    def _factorize(self):
        from mrio_city.solve.solver import factorize

        return factorize(self.table, method="block")

    def run(self):
        from mrio_city.model.shares import apply_shares

        t = self.table
        R, N, S = t.n_cities, t.n_sectors, t.n_stressors
        x2 = self.solver.solve(_tables.demand_totals(t, self.y2))
        m2 = self.solver.solve(np.ascontiguousarray(self.f2.T), trans="T")  # (n, S)
        pbf = (self.f2 * x2[None, :]).reshape(S, R, N).sum(axis=2)
        # m2 . Y2^s = sum_i (T_i^T m2[:, i])[s] * y2_i[s]: one transposed share product
        shares = t.shares_operand(t.final_trade_shares)
        mt = apply_shares(shares, m2.reshape(R, N, S), trans=True)
        cbf = np.einsum("rns,rn->sr", mt.reshape(R, N, S), self.y2.sum(axis=2))
        self.result = (pbf, cbf, t.household_emissions_by_city(), m2)

    def results(self):
        pbf, cbf, hh, m2 = self.result
        return {
            "production_based": pbf,
            "consumption_based": cbf,
            "production_based_with_households": pbf + hh,
            "consumption_based_with_households": cbf + hh,
            # m2 . exports: closes sum CBF + abroad = sum PBF (forward against transposed)
            "embodied_in_exports_abroad_total": m2.T @ self.table.exports.sum(axis=1),
        }

    def table_for_identities(self):
        return None  # the scenario's F is not a table here: PBF = F is f2 x2 by construction


# -- dense numpy baselines -------------------------------------------------------------------
class _Dense(Case):
    kind = "baseline"

    def setup(self):
        super().setup()
        t = self.table
        self.A = t.technical_coefficients("dense")
        self.f = np.ascontiguousarray(t.direct_intensities)
        self.Yc = t.final_demand_by_city()
        self.ex = t.exports.sum(axis=1)
        self.y = t.total_final_demand()
        self.hh = t.household_emissions_by_city()
        self.shape = (t.n_stressors, t.n_cities, t.n_sectors)

    def _factor(self):
        import scipy.linalg as la

        M = np.eye(self.A.shape[0]) - self.A
        if self.method == "numpy_inv":
            return np.linalg.inv(M)
        return la.lu_factor(M, overwrite_a=True, check_finite=False)

    def _solve(self, fac, rhs, trans=False):
        import scipy.linalg as la

        if self.method == "numpy_inv":
            return (rhs.T @ fac).T if trans else fac @ rhs
        return la.lu_solve(fac, rhs, trans=1 if trans else 0, check_finite=False)

    def _accounts(self, fac, Yc, f):
        S, R, N = self.shape
        X = self._solve(fac, Yc)
        x_ex = self._solve(fac, self.ex)
        f3 = f.reshape(S, R, N)
        Q = np.einsum("srn,rnd->srd", f3, X.reshape(R, N, -1), optimize=True)
        Q_ex = np.einsum("srn,rn->sr", f3, x_ex.reshape(R, N))
        x = X.sum(axis=1) + x_ex
        pbf = (f * x[None, :]).reshape(S, R, N).sum(axis=2)
        m = self._solve(fac, np.ascontiguousarray(f.T), trans=True).T
        return account_arrays(Q, Q_ex, pbf, self.hh, m)


class DenseFactorize(_Dense):
    operation = "factorize"

    def run(self):
        self.result = self._factor()

    def results(self):
        return {"output": self._solve(self.result, self.y)}


class DenseMultipliers(_Dense):
    operation = "multipliers"

    def setup(self):
        super().setup()
        self.fac = self._factor()

    def run(self):
        self.result = self._solve(self.fac, np.ascontiguousarray(self.f.T), trans=True).T

    def results(self):
        return {"multipliers": self.result}


class DenseAccounts(_Dense):
    operation = "accounts"

    def run(self):
        self.result = self._accounts(self._factor(), self.Yc, self.f)

    def results(self):
        return self.result


class DenseScenario(_Dense):
    operation = "scenario"
    ref_group = "scenario"

    def setup(self):
        super().setup()
        self.fac = self._factor()
        y2, self.f2 = _tables.scenario_inputs(self.table)
        # the new demand by destination city, as a numpy user would hold it
        t2 = _scenario_table(self.table, lambda b: self._solve(self.fac, b), y2, self.f2)
        self.Yc2 = t2.final_demand_by_city()

    def run(self):
        self.result = self._accounts(self.fac, self.Yc2, self.f2)

    def results(self):
        return self.result


_CLASSES = {
    ("factorize", "ours"): Factorize,
    ("multipliers", "ours"): Multipliers,
    ("accounts", "ours"): Accounts,
    ("scenario", "ours"): Scenario,
    ("factorize", "dense"): DenseFactorize,
    ("multipliers", "dense"): DenseMultipliers,
    ("accounts", "dense"): DenseAccounts,
    ("scenario", "dense"): DenseScenario,
}


def make_case(operation: str, size: str, method: str, *, inject_error: float = 0.0) -> Case:
    """Return the (not yet set up) case for an operation, size and method.

    Raises
    ------
    KeyError
        For an unknown operation/method/size combination.
    """
    if size not in _tables.SIZES:
        raise KeyError(f"unknown size {size!r}; known: {list(_tables.SIZES)}")
    if method not in methods_for(operation):
        raise KeyError(
            f"method {method!r} is not benchmarked for {operation!r}; have {methods_for(operation)}"
        )
    if operation in ("scopes", "indicators", "inequality"):
        from benchmarks.cases_analyses import AnalysisCase

        return AnalysisCase(operation, size, method, inject_error=inject_error)
    if operation == "solver_choice":
        from benchmarks.solver_choice import SolverChoice

        return SolverChoice(size, method, inject_error=inject_error)
    if method in ("pymrio", "folder"):
        from benchmarks import cases_pymrio_io as ext

        cls = {
            "accounts": ext.PymrioAccounts,
            "scenario": ext.PymrioScenario,
            "save": ext.Save,
            "load": ext.Load,
        }[operation]
        return cls(size, method, inject_error=inject_error)
    if method == "block_totals":
        return ScenarioTotals(size, method, inject_error=inject_error)
    group = "ours" if method in OUR_METHODS else "dense"
    return _CLASSES[(operation, group)](size, method, inject_error=inject_error)
