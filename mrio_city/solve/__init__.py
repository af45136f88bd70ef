"""The solve layer: every Leontief solve of the package goes through :func:`factorize`.

Direct factorizations (dense LAPACK, sparse SuperLU) and matrix-free iterations on structured
tables (fixed-polynomial, GMRES, block-Jacobi) sit behind one solver object.
"""

from mrio_city.solve.solver import LeontiefSolver, factorize

__all__ = ["LeontiefSolver", "factorize"]
