"""The solve layer: every Leontief solve of the package goes through here.

* :mod:`~mrio_city.solve.solver`: :func:`factorize` (method choice) returning a
  :class:`LeontiefSolver` (:mod:`~mrio_city.solve.base`);
* :mod:`~mrio_city.solve.direct`: dense LAPACK LU, sparse SuperLU / UMFPACK;
* :mod:`~mrio_city.solve.operator`: the structured operator (trade shares x technology, with
  the within-city blocks), matrix-free;
* :mod:`~mrio_city.solve.block`, :mod:`~mrio_city.solve.iterative`,
  :mod:`~mrio_city.solve.krylov`: the matrix-free solver and its pluggable iterations
  (polynomial, GMRES, block-Jacobi, Neumann);
* :mod:`~mrio_city.solve.restricted`: systems with some nodes removed (scopes' upstream
  outside a city, hypothetical extraction);
* :mod:`~mrio_city.solve.output`: gross output of a structured system (what a table built
  without ``x`` asks for).
"""

from mrio_city.model.structured import register_output_solver
from mrio_city.solve.base import LeontiefSolver, factorization_count
from mrio_city.solve.operator import StructuredOperator, operator_of
from mrio_city.solve.output import gross_output, solve_gross_output
from mrio_city.solve.restricted import solve_extracted, solve_restricted
from mrio_city.solve.solver import factorize

register_output_solver(solve_gross_output)

__all__ = [
    "LeontiefSolver",
    "StructuredOperator",
    "factorization_count",
    "factorize",
    "gross_output",
    "operator_of",
    "solve_extracted",
    "solve_restricted",
]
