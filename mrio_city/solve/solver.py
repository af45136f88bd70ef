"""Leontief solver: choose a method, factorize ``I - A`` once, solve for many right-hand sides.

``factorize(table)`` returns a :class:`LeontiefSolver` whose ``.solve(rhs, trans="N")`` returns
``X = (I - A)^-1 rhs`` (``trans="N"``, e.g. output for a demand) or ``(I - A)^-T rhs``
(``trans="T"``, e.g. multipliers ``m^T = (I - A)^-T f^T``).  The Leontief inverse
``L = (I - A)^-1`` is never formed on the normal path.  Methods:

``'dense'``
    LAPACK LU (``scipy.linalg.lu_factor``) of the dense ``I - A``.
``'sparse'``
    SuperLU (``scipy.sparse.linalg.splu``) of the sparse ``I - A``; UMFPACK when
    ``scikit-umfpack`` is installed and ``method='umfpack'``.
``'block'``
    Matrix-free iteration on a structured table (trade shares x technology), preconditioned
    with the within-city blocks (small n_sectors x n_sectors blocks inverted exactly).  Default
    ``iteration='polynomial'``: Richardson steps cycling through fixed roots, the harmonic
    Ritz values of the preconditioned operator from one Arnoldi run made at factorization (the
    GMRES residual polynomial of a random vector, which is small on the whole spectrum and so
    serves every right-hand side); no inner products, no Krylov basis, and GMRES takes over
    if the roots ever fail to contract.  Alternatives: GMRES run in lockstep over all
    right-hand sides (``iteration='gmres'``), the block-Jacobi (preconditioned Neumann)
    iteration (``iteration='jacobi'``) and the plain Neumann series (``iteration='neumann'``).
    Every operator application is one GEMM per sector over all right-hand sides.  Stops at a
    relative residual ``tol`` (default 1e-10) per column, confirmed on the true residual;
    :class:`ConvergenceError` otherwise.  benchmarks/README.md records why the polynomial
    iteration is the default.

Each method lives in its own module: :mod:`mrio_city.solve.direct` (dense, sparse, umfpack),
:mod:`mrio_city.solve.block` with :mod:`~mrio_city.solve.iterative` and
:mod:`~mrio_city.solve.krylov` (block), on :mod:`mrio_city.solve.operator`; restricted systems
(nodes removed) in :mod:`mrio_city.solve.restricted`.

``'auto'``
    ``'block'`` for structured tables; for general tables ``'dense'`` below
    ``DENSE_AUTO_NODES`` nodes or above ``DENSE_AUTO_DENSITY`` density, else ``'sparse'``.
"""

from __future__ import annotations

import os
from typing import Literal

from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.solve.base import INVERSE_MAX_NODES, LeontiefSolver, factorization_count
from mrio_city.solve.block import ITERATIONS, KRYLOV_BUDGET, BlockSolver, polynomial_roots
from mrio_city.solve.direct import DenseLU, SparseLU, Umfpack, have_umfpack
from mrio_city.solve.spectral import check_spectral_radius

__all__ = [
    "LeontiefSolver",
    "factorize",
    "available_methods",
    "factorization_count",
    "polynomial_roots",
    "DENSE_AUTO_NODES",
    "DENSE_AUTO_DENSITY",
    "INVERSE_MAX_NODES",
    "KRYLOV_BUDGET",
]

#: 'auto' picks dense LU for general tables with at most this many nodes.
DENSE_AUTO_NODES = 2000
#: 'auto' picks dense LU for general tables denser than this.
DENSE_AUTO_DENSITY = 0.1


def available_methods() -> tuple[str, ...]:
    """Solver methods usable in this environment."""
    methods = ("dense", "sparse", "block")
    return methods + ("umfpack",) if have_umfpack() else methods


def factorize(
    table: BaseTable,
    *,
    method: Literal["auto", "dense", "sparse", "umfpack", "block"] = "auto",
    tol: float = 1e-10,
    maxiter: int = 2000,
    chunk: int = 512,
    iteration: Literal["polynomial", "gmres", "jacobi", "neumann"] = "polynomial",
    restart: int = 20,
    degree: int = 16,
    workers: int | None = None,
    precision: Literal["mixed", "double"] = "mixed",
) -> LeontiefSolver:
    """Factorize ``I - A`` of a table once; return a reusable :class:`LeontiefSolver`.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    method : {'auto', 'dense', 'sparse', 'umfpack', 'block'}, default='auto'
        See the module docstring.  'block' needs a structured table; 'dense', 'sparse' and
        'umfpack' materialize A of a structured table (sparse, or dense with a size warning).
    tol : float, default=1e-10
        Relative residual per right-hand side for the iterative 'block' method.
    maxiter : int, default=2000
        Iteration limit of the 'block' method.
    chunk : int, default=512
        Right-hand sides iterated together by the 'block' method (bounds memory; GMRES lowers
        it so that its Krylov basis stays within ``KRYLOV_BUDGET``).
    iteration : {'polynomial', 'gmres', 'jacobi', 'neumann'}, default='polynomial'
        Iteration of the 'block' method: the fixed-polynomial (Richardson) iteration,
        lockstep GMRES(restart), block-Jacobi or the plain Neumann series.
    restart : int, default=20
        GMRES restart length (also of the polynomial iteration's GMRES fallback).
    degree : int, default=16
        Arnoldi steps, hence at most this many roots, of the polynomial iteration (16
        applications of the operator to one vector, made once per factorization).
    workers : int, optional
        Threads of the 'block' method, each iterating its own right-hand sides with
        single-threaded BLAS (default: the number of CPUs, at most 4).
    precision : {'mixed', 'double'}, default='mixed'
        Products of the polynomial iteration: 'mixed' solves the correction equations with
        float32 products inside a float64 iterative refinement (the residual test stays in
        float64, so the answer meets ``tol`` either way); 'double' keeps every product in
        float64.  Other iterations always use float64.

    Returns
    -------
    LeontiefSolver

    Raises
    ------
    NonProductiveSystemError
        If I - A is singular, or the spectral radius of A is >= 1 (tables with negative
        intermediate flows).
    ValueError
        For an unknown method, or 'block' on a general table.
    """
    ensure_table(table)
    check_spectral_radius(table)  # negative flows: rho(A) < 1 before any work
    methods = ("auto", "dense", "sparse", "umfpack", "block")
    if method not in methods:
        raise ValueError(
            f"The 'method' parameter of factorize must be one of {methods}. Got {method!r} instead."
        )
    if method == "auto":
        if table.structured:
            method = "block"
        elif table.n_nodes <= DENSE_AUTO_NODES or table.density > DENSE_AUTO_DENSITY:
            method = "dense"
        else:
            method = "umfpack" if have_umfpack() else "sparse"
    if method == "block":
        if not table.structured:
            raise ValueError(
                f"method='block' needs a structured table (trade shares x technology); table "
                f"{table.name!r} is general: use 'dense' or 'sparse'"
            )
        if not tol > 0:
            raise ValueError(f"tol must be > 0, got {tol!r}")
        if iteration not in ITERATIONS:
            raise ValueError(f"iteration must be one of {ITERATIONS}, got {iteration!r}")
        if not (isinstance(degree, int) and degree >= 1):
            raise ValueError(f"degree must be a positive integer, got {degree!r}")
        if workers is None:
            workers = min(os.cpu_count() or 1, 4)
        if not (isinstance(workers, int) and workers >= 1):
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        if precision not in ("mixed", "double"):
            raise ValueError(f"precision must be 'mixed' or 'double', got {precision!r}")
        return BlockSolver(
            table,
            tol=tol,
            maxiter=maxiter,
            chunk=chunk,
            iteration=iteration,
            restart=restart,
            workers=workers,
            degree=degree,
            precision=precision,
        )
    if method == "dense":
        return DenseLU(table)
    if method == "umfpack":
        if not have_umfpack():
            raise ValueError("method='umfpack' needs scikit-umfpack; it is not installed")
        return Umfpack(table)
    return SparseLU(table)
