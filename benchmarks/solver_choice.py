"""Why the polynomial iteration: the accounts' solve by matrix-free iterations on one table.

All of them solve ``(I - A) X = Y`` for the accounts' right-hand sides (one column of domestic
final demand per city, n x R) on a structured table, using only the table's operators (no
materialized A), to the same relative residual ``TOL`` per column:

``block_polynomial``
    the engine's default (``factorize(method='block')``, ``iteration='polynomial'``):
    Richardson steps cycling through the harmonic Ritz values of one 16-step Arnoldi run (the
    GMRES polynomial of a random vector), preconditioned by the exactly inverted within-city
    blocks; no inner products and no Krylov basis, one batched BLAS-3 product per step.
``block_gmres``
    ``iteration='gmres'``: GMRES run in lockstep over all columns, the same preconditioner;
    every operator application is a batched BLAS-3 product over all columns, plus a modified
    Gram-Schmidt over a basis kept per column.
``block_jacobi``
    the engine's ``iteration='jacobi'``: block-Jacobi (within-city blocks inverted exactly,
    inter-city trade iterated), batched BLAS-3 over all columns.
``neumann``
    plain Neumann / Jacobi series ``X_{k+1} = Y + A X_k`` (all columns at once, BLAS-3).
``gmres``
    ``scipy.sparse.linalg.gmres`` one column at a time on a ``LinearOperator`` of ``I - A``
    (the textbook Krylov choice; each product is matrix-vector, BLAS-2), no preconditioner.

The check compares the flows ``Q`` built from ``X`` with the dense reference.
"""

from __future__ import annotations

import numpy as np

from benchmarks.cases import Case

__all__ = ["SolverChoice", "TOL", "neumann", "gmres_columns"]

#: Relative residual per column for all methods (the engine's default tolerance).
TOL = 1e-10


def neumann(table, Y: np.ndarray, *, tol: float = TOL, maxiter: int = 10_000):
    """Plain Neumann series ``X = sum_k A^k Y`` to a relative residual ``tol`` per column."""
    scale = np.linalg.norm(Y, axis=0)
    scale[scale == 0] = 1.0
    X = Y.copy()
    AX = table.apply_A(X)
    for it in range(1, maxiter + 1):
        r = Y + AX - X  # residual of X: Y - (I - A) X
        rel = float(np.max(np.linalg.norm(r, axis=0) / scale))
        if rel <= tol:
            return X, it, rel
        X = Y + AX
        AX = table.apply_A(X)
    raise RuntimeError(f"Neumann series did not reach {tol:g} in {maxiter} iterations")


def gmres_columns(table, Y: np.ndarray, *, tol: float = TOL):
    """scipy GMRES (restart 50) per column on the matrix-free operator ``I - A``."""
    import scipy.sparse.linalg as spla

    n = table.n_nodes
    op = spla.LinearOperator(
        (n, n), matvec=lambda v: v - table.apply_A(v.reshape(-1, 1))[:, 0], dtype=float
    )
    X = np.empty_like(Y)
    matvecs = 0
    for j in range(Y.shape[1]):
        count = [0]

        def cb(_, count=count):
            count[0] += 1

        x, info = spla.gmres(
            op,
            Y[:, j],
            rtol=tol,
            atol=0.0,
            restart=50,
            maxiter=1000,
            callback=cb,
            callback_type="pr_norm",
        )
        if info != 0:
            raise RuntimeError(f"GMRES did not converge for column {j} (info={info})")
        X[:, j] = x
        matvecs += count[0]
    return X, matvecs, None


class SolverChoice(Case):
    """One of the solvers on the accounts' right-hand sides (see module docstring)."""

    operation = "solver_choice"

    def setup(self):
        super().setup()
        if not self.table.structured:
            raise NotImplementedError("solver_choice needs a structured table")
        self.Y = self.table.final_demand_by_city()

    def run(self):
        t = self.table
        if self.method.startswith("block_"):
            from mrio_city.solve.solver import factorize

            it = self.method.removeprefix("block_")
            s = factorize(t, method="block", tol=TOL, iteration=it)
            X = s.solve(self.Y)
            self.result = (X, sum(s.iterations))
        elif self.method == "neumann":
            X, it, _ = neumann(t, self.Y)
            self.result = (X, it)
        else:
            X, it, _ = gmres_columns(t, self.Y)
            self.result = (X, it)

    def results(self):
        X, it = self.result
        t = self.table
        S, R, N = t.n_stressors, t.n_cities, t.n_sectors
        self.extra["iterations" if self.method != "gmres" else "gmres_iterations_total"] = it
        resid = self.Y - (X - t.apply_A(X))
        self.extra["max_relative_residual"] = float(
            np.max(np.linalg.norm(resid, axis=0) / np.linalg.norm(self.Y, axis=0))
        )
        f3 = t.direct_intensities.reshape(S, R, N)
        Q = np.einsum("srn,rnd->srd", f3, X.reshape(R, N, R), optimize=True)
        return {"flows": Q}
