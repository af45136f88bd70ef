"""Dense reference answers every case is checked against (untimed, own subprocess).

The reference is LAPACK LU (``scipy.linalg.lu_factor``) of the dense ``I - A`` materialized from
the table, with plain numpy arithmetic for the accounts: independent of the solver, accounts
and scenario code under test.  It exists only where a dense n x n fits (see
:data:`MAX_REFERENCE_NODES`); larger sizes are checked by identities and residuals.

Keys of the saved ``.npz``: ``base/<quantity>`` and ``scenario/<quantity>`` with quantities
``production_based``, ``consumption_based``, ``embodied_in_exports``, ``embodied_in_imports``,
``embodied_in_exports_abroad``, ``..._with_households``, ``flows`` (S, R, R), ``multipliers``
(S, n), ``output`` (n), ``abroad_total`` (S,); plus ``residual`` (relative residual of the
reference's solve).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks import _tables
from benchmarks.cases import account_arrays

__all__ = ["MAX_REFERENCE_NODES", "compute_reference", "save_reference", "load_reference"]

#: Sizes above this many nodes get no dense reference (memory of dense LU).
MAX_REFERENCE_NODES = 20_000


def _accounts(lu, A, Yc, ex, f, hh, shape) -> dict[str, np.ndarray]:
    import scipy.linalg as la

    S, R, N = shape
    X = la.lu_solve(lu, np.column_stack([Yc, ex]), check_finite=False)
    x = X.sum(axis=1)
    f3 = f.reshape(S, R, N)
    Q = np.einsum("srn,rnd->srd", f3, X[:, :R].reshape(R, N, R), optimize=True)
    Q_ex = np.einsum("srn,rn->sr", f3, X[:, R].reshape(R, N))
    pbf = (f * x[None, :]).reshape(S, R, N).sum(axis=2)
    m = la.lu_solve(lu, np.ascontiguousarray(f.T), trans=1, check_finite=False).T
    out = account_arrays(Q, Q_ex, pbf, hh, m)
    out["output"] = x
    out["abroad_total"] = Q_ex.sum(axis=1)
    return out


def compute_reference(size: str) -> dict[str, np.ndarray]:
    """Reference accounts of the baseline and of the suite's scenario for a size."""
    import scipy.linalg as la

    t = _tables.get_table(size)
    if t.n_nodes > MAX_REFERENCE_NODES:
        raise ValueError(
            f"size {size!r} has {t.n_nodes} nodes > {MAX_REFERENCE_NODES}: no dense reference"
        )
    A = t.technical_coefficients("dense")
    M = np.eye(t.n_nodes) - A
    lu = la.lu_factor(M, check_finite=False)
    shape = (t.n_stressors, t.n_cities, t.n_sectors)
    Yc = t.final_demand_by_city()
    ex = t.exports.sum(axis=1)
    hh = t.household_emissions_by_city()
    base = _accounts(lu, A, Yc, ex, t.direct_intensities, hh, shape)
    r = M @ base["output"] - t.total_final_demand()
    residual = float(np.linalg.norm(r) / np.linalg.norm(t.total_final_demand()))
    y2, f2 = _tables.scenario_inputs(t)
    x2 = la.lu_solve(lu, _tables.demand_totals(t, y2), check_finite=False)
    t2 = t.replace(final_demand=y2, F=f2 * x2[None, :], x=x2)
    scen = _accounts(lu, A, t2.final_demand_by_city(), ex, f2, hh, shape)
    out = {f"base/{k}": v for k, v in base.items()}
    out.update({f"scenario/{k}": v for k, v in scen.items()})
    out["residual"] = np.array(residual)
    return out


def save_reference(size: str, path: str | Path) -> dict[str, float]:
    """Compute and save the reference; return a short summary for the record."""
    ref = compute_reference(size)
    np.savez(path, **ref)
    return {"method": "scipy LU (LAPACK getrf) of dense I - A", "residual": float(ref["residual"])}


def load_reference(path: str | Path | None) -> dict[str, np.ndarray] | None:
    """Load a saved reference (None when there is none)."""
    if path is None or not Path(path).exists():
        return None
    with np.load(path) as z:
        return {k: z[k] for k in z.files}
