"""Every solve goes through mrio_city/solve/: nothing else factorizes or iterates."""

import ast
from pathlib import Path

import mrio_city

PACKAGE = Path(mrio_city.__file__).parent

#: Modules of the solve layer that only the solve layer itself may import.
PRIVATE_MODULES = {"mrio_city.solve.iterative", "mrio_city.solve.krylov", "mrio_city.solve.direct"}
#: Names that factorize or iterate, wherever they come from.
SOLVING_NAMES = {
    "splu",
    "spilu",
    "spsolve",
    "factorized",
    "lu_factor",
    "lu_solve",
    "cho_factor",
    "gmres",
    "bicgstab",
    "polynomial_iteration",
    "gmres_lockstep",
    "block_jacobi",
    "neumann",
    "harmonic_ritz_roots",
}
#: ``numpy.linalg`` functions that solve or invert a square system.
LINEAR_SOLVES = {"solve", "inv", "tensorsolve", "tensorinv"}
#: Whole libraries of solvers.
SOLVER_LIBRARIES = {"scipy.linalg", "scipy.sparse.linalg", "numpy.linalg"}
#: Exceptions, each with its reason.  Shrink, never grow.
ALLOWED = {
    # the random test-table generator solves a tiny dense system with numpy, independently of
    # the solve layer on purpose: its tables are what the solve layer is tested on
    ("mrio_city/testing.py", "linalg.solve"),
}


def _offences(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name in SOLVER_LIBRARIES]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module in PRIVATE_MODULES or module in SOLVER_LIBRARIES:
                found.append((module, node.lineno))
            if module in ("scipy", "numpy") and any(a.name == "linalg" for a in node.names):
                found.append((f"{module}.linalg", node.lineno))
            found += [(a.name, node.lineno) for a in node.names if a.name in SOLVING_NAMES]
        elif isinstance(node, ast.Attribute):
            if node.attr in SOLVING_NAMES:
                found.append((node.attr, node.lineno))
            elif isinstance(node.value, ast.Attribute) and node.value.attr == "linalg":
                if node.attr in LINEAR_SOLVES:  # regressions (lstsq) and errors are not solves
                    found.append((f"linalg.{node.attr}", node.lineno))
    return found


def test_nothing_outside_the_solve_layer_factorizes_or_iterates():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if rel.startswith("mrio_city/solve/"):
            continue
        for what, line in _offences(path):
            if (rel, what) not in ALLOWED:
                problems.append(f"{rel}:{line}: {what}")
    assert not problems, "solves outside mrio_city/solve/:\n" + "\n".join(problems)


def test_the_check_sees_every_form(tmp_path):
    src = (
        "import scipy.sparse.linalg as spla\n"
        "from scipy.linalg import lu_factor\n"
        "from scipy import linalg\n"
        "from mrio_city.solve.iterative import polynomial_iteration\n"
        "x = spla.splu(M)\n"
        "y = np.linalg.solve(M, b)\n"
        "z = np.linalg.LinAlgError\n"
        "beta = np.linalg.lstsq(X, y)\n"
    )
    path = tmp_path / "probe.py"
    path.write_text(src)
    found = {what for what, _ in _offences(path)}
    assert found == {
        "scipy.sparse.linalg",
        "scipy.linalg",
        "lu_factor",
        "mrio_city.solve.iterative",
        "polynomial_iteration",
        "splu",
        "linalg.solve",
    }
