"""List modules over a line limit and functions over a length limit (issue 13 item 7).

Usage: ``python scripts/sizes.py [--module-lines 500] [--function-lines 60] [PATH ...]``
(default path: ``mrio_city``).  Lengths are physical lines, decorators and docstrings included.
The meta-test ``tests/test_meta.py::test_no_module_is_too_long`` holds the module limit.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path


def function_lengths(path: Path) -> list[tuple[str, int, int]]:
    """``(qualified name, first line, number of lines)`` of every function in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                    out.append((name, first, child.end_lineno - first + 1))
                visit(child, f"{name}.")

    visit(tree, "")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["mrio_city"])
    parser.add_argument("--module-lines", type=int, default=500)
    parser.add_argument("--function-lines", type=int, default=60)
    args = parser.parse_args(argv)
    files = sorted(
        f for p in map(Path, args.paths) for f in ([p] if p.is_file() else p.rglob("*.py"))
    )
    modules = [(len(f.read_text(encoding="utf-8").splitlines()), f) for f in files]
    long_modules = sorted((m for m in modules if m[0] > args.module_lines), reverse=True)
    print(f"modules over {args.module_lines} lines: {len(long_modules)} of {len(files)}")
    for n, f in long_modules:
        print(f"  {n:5d}  {f}")
    funcs = [(n, f"{f}:{line} {name}") for f in files for name, line, n in function_lengths(f)]
    long_funcs = sorted((x for x in funcs if x[0] > args.function_lines), reverse=True)
    print(f"functions over {args.function_lines} lines: {len(long_funcs)} of {len(funcs)}")
    for n, where in long_funcs:
        print(f"  {n:5d}  {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
