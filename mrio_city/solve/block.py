"""The matrix-free solver of structured tables (method ``'block'``).

Iterates on the structured operator (:mod:`mrio_city.solve.operator`), preconditioned with the
exact within-city blocks; the iteration is pluggable (:data:`ITERATIONS`): the fixed-polynomial
iteration (default), lockstep GMRES, block-Jacobi or the plain Neumann series.  Right-hand sides
are iterated in chunks, each chunk's columns in lockstep (every operator application one GEMM
per sector), chunks spread over worker threads with single-threaded BLAS.  Forward solves of
many columns on dense trade shares in mixed precision (the accounts) run the fused iteration
of :mod:`mrio_city.solve.fused` instead: the threads share every product (its cities and
sectors), so each GEMM has all the chunk's columns.

Restricted systems (whole cities removed per column, :mod:`mrio_city.solve.restricted`) run
through the same machinery: the removed cities are zeroed after every operator application.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from mrio_city.model.base_table import BaseTable
from mrio_city.solve.base import LeontiefSolver
from mrio_city.solve.fused import fused_mixed_polynomial_iteration
from mrio_city.solve.iterative import (
    block_jacobi,
    mixed_polynomial_iteration,
    neumann,
    polynomial_iteration,
)
from mrio_city.solve.krylov import gmres_lockstep, harmonic_ritz_roots
from mrio_city.solve.operator import StructuredOperator, operator_of

__all__ = ["ITERATIONS", "KRYLOV_BUDGET", "BlockSolver", "polynomial_roots"]

#: Iterations of the block method.
ITERATIONS = ("polynomial", "gmres", "jacobi", "neumann")

#: Fewest right-hand sides of a solve that the fused iteration takes (dense shares, mixed
#: precision, unrestricted, not transposed); fewer go column-parallel through the general one.
FUSED_MIN_COLUMNS = 16

#: Right-hand sides per solve the accounts hand to a fused solver: at 309 x 42 two solves of
#: 155 columns, whose arrays take 24 bytes per node and column (rhs included): 48 MB
#: (measured in benchmarks/README.md "Fused iteration").
FUSED_COLUMNS_PER_SOLVE = 160

#: Memory budget of the GMRES Krylov basis per chunk of right-hand sides (bytes).
KRYLOV_BUDGET = 1 << 30


class BlockSolver(LeontiefSolver):
    """Matrix-free iterative solver of a structured table (see the module docstring).

    Extra attributes: ``iteration``, ``workers``, ``roots`` (the polynomial iteration's),
    ``operator`` (:class:`~mrio_city.solve.operator.StructuredOperator`) and ``iterations``
    (operator applications of every chunk solved so far).
    """

    def __init__(
        self,
        table: BaseTable,
        *,
        tol: float,
        maxiter: int,
        chunk: int,
        iteration: str,
        restart: int,
        workers: int,
        degree: int = 16,
        precision: str = "mixed",
    ):
        self.operator = operator_of(table)
        self.precision = precision
        self._maxiter = maxiter
        self.iteration = iteration
        self._restart = restart
        if iteration == "gmres":
            per_column = (restart + 1) * table.n_nodes * 8
            chunk = max(1, min(chunk, KRYLOV_BUDGET // per_column))
        self._chunk = chunk
        self.workers = workers
        _ = self.operator._technology_local_inverse  # the "factorization": R small blocks
        self.roots = None
        if iteration == "polynomial":  # ... and, for the polynomial iteration, its roots
            self.roots = operator_roots(self.operator, degree, single=precision == "mixed")
            if precision == "mixed":
                _ = self.operator.single  # and the float32 copy of the operator
        super().__init__("block", table, nnz=self.operator.n_stored, tol=tol)
        if self._fused:
            self.columns_per_solve = FUSED_COLUMNS_PER_SOLVE

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f" iteration={self.iteration!r}>"

    def _solve(self, rhs, trans):
        return self.solve_restricted_cities(rhs, None, trans)

    def _solve_into(self, rhs, trans):
        return self.solve_restricted_cities(rhs, None, trans, out=rhs)

    def solve_restricted_cities(
        self,
        rhs: np.ndarray,
        removed: np.ndarray | None,
        trans: str = "N",
        *,
        tol=None,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Solve with the cities ``removed[:, j]`` (bool, (R, k)) taken out of column j.

        Column j of the answer is ``(I - A_{K,K})^-1 rhs_K`` on the kept nodes K and zero on
        the removed cities (``rhs`` must be zero there).  ``removed=None`` is the whole system.
        ``out`` (may be ``rhs`` itself) receives the answer: each part of the columns is
        written when its iteration has finished with its own columns of ``rhs``.
        """
        k = rhs.shape[1]
        parts = [slice(a, min(a + self._chunk, k)) for a in range(0, k, self._chunk)]
        if removed is None and trans == "N" and self._fused and k >= FUSED_MIN_COLUMNS:
            return self._solve_fused(rhs, parts, tol or self.tol, out)
        if self.workers > 1 and k >= 8 * self.workers:
            # split further so that every worker thread has columns to iterate
            size = -(-k // max(self.workers, len(parts)))
            parts = [slice(a, min(a + size, k)) for a in range(0, k, size)]
        out = np.empty_like(rhs) if out is None else out

        def run(sl):  # each part's answer goes straight into `out`, then is freed
            mask = None if removed is None else removed[:, sl]
            out[:, sl] = self._solve_part(rhs[:, sl], trans, mask, tol or self.tol)

        if self.workers == 1 and len(parts) > 1:
            for sl in parts:  # one worker asked for: BLAS keeps its own threads
                run(sl)
            return out
        if len(parts) == 1:
            # a few columns (multipliers, one scenario): single-threaded BLAS.  Threaded BLAS
            # on vectors of a few thousand numbers only wakes and waits for its threads: on a
            # shared machine each axpy then took 20 ms instead of 20 us (issue 13 profile).
            with threadpool_limits(limits=1, user_api="blas"):
                run(parts[0])
            return out
        # columns are independent: each thread iterates its own columns with single-threaded
        # BLAS, so the memory-bound vector updates run in parallel too
        from concurrent.futures import ThreadPoolExecutor

        with threadpool_limits(limits=1, user_api="blas"):
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                list(pool.map(run, parts))
        return out

    @property
    def _fused(self) -> bool:
        """Whether unrestricted forward solves use the fused iteration (:mod:`.fused`)."""
        return (
            self.iteration == "polynomial"
            and self.precision == "mixed"
            and self.operator._shares is not None  # dense trade shares
        )

    def _solve_fused(self, rhs, parts, tol, out):
        """Each part's columns in one fused iteration, its products shared by the workers."""
        out = np.empty_like(rhs) if out is None else out
        what = f"(I - A) X = rhs for table {self.table_name!r}"
        with threadpool_limits(limits=1, user_api="blas"):
            for sl in parts:
                it, _ = fused_mixed_polynomial_iteration(
                    self.operator,
                    rhs[:, sl],
                    out[:, sl],
                    roots=self.roots,
                    tol=tol,
                    maxiter=self._maxiter,
                    kernels=self._kernels(False, None),
                    workers=self.workers,
                    restart=self._restart,
                    what=what,
                )
                self.iterations.append(it)
        return out

    def _kernels(self, tr: bool, removed: np.ndarray | None) -> dict[str, Callable]:
        """The products an iteration needs, transposed with ``tr``, restricted by ``removed``."""
        op = self.operator

        def restricted(product):
            if removed is None:
                return product
            return lambda v: op.zero_cities(product(v), removed)

        fused = removed is None and not tr and op.can_step
        return {
            "minv": lambda v: op.apply_local_inverse(v, trans=tr),
            "off": restricted(lambda v: op.apply_offdiagonal(v, trans=tr)),
            "off_minv": restricted(lambda v: op.apply_offdiagonal_preconditioned(v, trans=tr)),
            "off_minv_single": restricted(
                lambda v: op.single.apply_offdiagonal_preconditioned(v, trans=tr)
            ),
            "A": restricted(lambda v: op.apply(v, trans=tr)),
            # the products and vector updates of a float32 step in one pass (county scale)
            "step_single": op.single.step_preconditioned if fused else None,
            "step_double": op.step_preconditioned if fused else None,
        }

    def _solve_part(self, rhs, trans, removed, tol):
        tr = trans == "T"
        what = f"(I - A{'^T' if tr else ''}) X = rhs for table {self.table_name!r}"
        if removed is not None:
            what = "restricted " + what
        if self.iteration != "polynomial":  # the polynomial iterations copy rhs themselves
            rhs = np.ascontiguousarray(rhs)
        common = {"tol": tol, "maxiter": self._maxiter, "what": what}
        x, it = _ITERATE[self.iteration](self, rhs, self._kernels(tr, removed), common)
        self.iterations.append(it)
        return x


def _polynomial(solver, rhs, kern, common):
    if solver.precision == "mixed":
        x, it, _ = mixed_polynomial_iteration(
            rhs,
            kern["minv"],
            kern["off_minv"],
            kern["off_minv_single"],
            roots=solver.roots,
            restart=solver._restart,
            step_single=kern["step_single"],
            step_double=kern["step_double"],
            **common,
        )
        return x, it
    x, it, _ = polynomial_iteration(
        rhs, kern["minv"], kern["off_minv"], roots=solver.roots, restart=solver._restart, **common
    )
    return x, it


def _gmres(solver, rhs, kern, common):
    x, it, _ = gmres_lockstep(
        rhs,
        kern["minv"],
        kern["off"],
        restart=solver._restart,
        apply_off_minv=kern["off_minv"],
        **common,
    )
    return x, it


def _jacobi(solver, rhs, kern, common):
    x, it, _ = block_jacobi(rhs, kern["minv"], kern["off"], **common)
    return x, it


def _neumann(solver, rhs, kern, common):
    x, it, _ = neumann(rhs, kern["A"], **common)
    return x, it


_ITERATE: dict[str, Callable] = {
    "polynomial": _polynomial,
    "gmres": _gmres,
    "jacobi": _jacobi,
    "neumann": _neumann,
}


def operator_roots(
    operator: StructuredOperator, degree: int = 16, *, single: bool = False
) -> np.ndarray:
    """Roots of the polynomial iteration of a structured operator (:func:`polynomial_roots`).

    With ``single`` the Arnoldi run's products use the float32 twin (made here if needed;
    the mixed-precision iteration uses it anyway): half the time of the 16 one-column
    products, which read every trade share.  The roots then move by about 1e-8 (6e-9 at
    309 x 42), far below what matters to a polynomial that only has to be small on the
    spectrum; answers are judged on the float64 residual either way.
    """
    start = np.random.default_rng(0).standard_normal(operator.n_nodes)
    if single:
        twin = operator.single

        def product(v):
            return v - twin.apply_offdiagonal_preconditioned(v.astype(np.float32))

    else:

        def product(v):
            return v - operator.apply_offdiagonal_preconditioned(v)

    with threadpool_limits(limits=1, user_api="blas"):  # one column: threads only wait
        return harmonic_ritz_roots(product, start, degree)


def polynomial_roots(table: BaseTable, degree: int = 16) -> np.ndarray:
    """Roots of the block method's polynomial iteration for a structured table.

    The harmonic Ritz values of the block-Jacobi preconditioned operator
    ``K = I - A_off M^-1`` (``M`` the within-city blocks) from ``degree`` Arnoldi steps on a
    fixed random start vector, so the result is deterministic.  ``K^T`` has the same
    spectrum (``A_off^T M^-T`` is similar to ``A_off M^-1``), so the same roots serve
    transposed solves.  Restricted systems (cities removed) use them too: their spectral
    radius is at most the whole system's (Perron-Frobenius), and the iteration checks its
    true residual and hands over to GMRES if the roots do not contract there.

    Parameters
    ----------
    table : StructuredMRIOTable
    degree : int, default=16
        Arnoldi steps (one operator application to one vector each).

    Returns
    -------
    ndarray of complex, shape (d,), d <= degree
        Leja-ordered roots (dimensionless), conjugate pairs adjacent.
    """
    return operator_roots(operator_of(table), degree)
