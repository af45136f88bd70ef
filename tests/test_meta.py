"""Meta-tests: public API lists, layering of imports, clean import of every module."""

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import mrio_city

PACKAGE = Path(mrio_city.__file__).parent

# Lower layers never import higher ones (ARCHITECTURE.md, docs/architecture.md):
# model -> solve -> accounts -> analyses / inventory -> scenarios -> sources / io / exports ->
# commands.  A module may import from its own layer or any layer below.  Private top-level helpers
# (_version, _progress, _resources) sit at the bottom.
LAYERS = {
    "_version": 0,
    "_progress": 0,
    "_resources": 0,
    "model": 1,
    "_fonts": 1,  # chart font helper: needs model.errors, used by scenarios and exports
    "testing": 1,
    "solve": 2,
    "accounts": 3,
    "analyses": 4,
    "inventory": 4,
    "scenarios": 5,
    "sources": 6,
    "io": 6,
    "exports": 6,
    "commands": 7,
    "__main__": 7,
}

# Imports that break the layers today, each with the issue that removes it.  Shrink, never grow.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def _modules():
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="mrio_city."):
        yield info.name


def _layer(name: str) -> int | None:
    parts = name.split(".")
    if parts[0] != "mrio_city" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1])


def _is_package(module: str) -> bool:
    return Path(importlib.import_module(module).__file__).name == "__init__.py"


def _imported(module: str, tree: ast.AST) -> list[tuple[str, int]]:
    """Every module a module imports, in every form, with its line.

    ``import mrio_city`` and ``from mrio_city import X`` name the package root, which is the
    public API of every layer at once; ``from mrio_city import model`` names a subpackage.
    Relative imports are resolved; ``importlib.import_module("mrio_city...")`` with a constant
    argument counts too.
    """
    package = module if _is_package(module) else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "mrio_city":
                # ``from mrio_city import X``: a subpackage X is that layer, anything else the root
                for alias in node.names:
                    name = alias.name
                    is_sub = name in LAYERS or (PACKAGE / name).is_dir()
                    out.append((f"mrio_city.{name}" if is_sub else "mrio_city", node.lineno))
            else:
                out.append((target, node.lineno))
        elif isinstance(node, ast.Import):
            out.extend((a.name, node.lineno) for a in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.append((node.args[0].value, node.lineno))
    return out


@pytest.mark.parametrize("module", sorted(_modules()))
def test_module_imports_cleanly(module):
    importlib.import_module(module)


def test_every_top_level_module_has_a_layer():
    names = {n.split(".")[1] for n in _modules()}
    assert names <= set(LAYERS), f"assign a layer in LAYERS to: {sorted(names - set(LAYERS))}"


@pytest.mark.parametrize("module", sorted(_modules()))
def test_imports_point_down(module):
    mod = importlib.import_module(module)
    own = _layer(module)
    tree = ast.parse(Path(mod.__file__).read_text())
    for target, line in _imported(module, tree):
        if not (target == "mrio_city" or target.startswith("mrio_city.")):
            continue
        if (module, target) in KNOWN_EXCEPTIONS:
            continue
        assert target != "mrio_city", (
            f"{module}:{line} imports the package root (the public API); import the module "
            "that defines the name instead"
        )
        layer = _layer(target)
        assert layer is not None, f"{module}:{line} imports {target}, which has no layer"
        assert layer <= own, f"{module}:{line} (layer {own}) imports {target} (layer {layer})"


def test_layer_check_sees_every_import_form():
    """The checker itself: each import form resolves to the module it names."""
    src = (
        "import mrio_city\n"
        "from mrio_city import accounts, __version__\n"
        "from ..solve import solver\n"
        "from . import labels\n"
        "import importlib\n"
        "importlib.import_module('mrio_city.commands.main')\n"
    )
    found = [t for t, _ in _imported("mrio_city.model.table", ast.parse(src))]
    assert found == [
        "mrio_city",
        "mrio_city.accounts",
        "mrio_city",
        "mrio_city.solve",
        "mrio_city.model",
        "importlib",
        "mrio_city.commands.main",
    ]


def test_known_exceptions_are_still_needed():
    for module, target in KNOWN_EXCEPTIONS:
        tree = ast.parse(Path(importlib.import_module(module).__file__).read_text())
        assert target in [t for t, _ in _imported(module, tree)], (
            f"{module} no longer imports {target}: remove it from KNOWN_EXCEPTIONS"
        )


def test_public_api_names_exist():
    for name in mrio_city.__all__:
        assert hasattr(mrio_city, name), name


def test_core_import_does_not_load_heavy_optional_libraries():
    code = (
        "import sys, mrio_city; "
        "print(','.join(m for m in ('matplotlib', 'openpyxl', 'dask', 'pymrio') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# Module size (issue 13 item 7): no module over ~500 lines; a module over MAX_MODULE_LINES fails,
# so it is split along a real seam before it grows further (scripts/sizes.py lists modules over
# 500 lines and functions over 60).
MAX_MODULE_LINES = 500


def test_no_module_is_too_long():
    long = {
        str(path.relative_to(PACKAGE.parent)): n
        for path in sorted(PACKAGE.rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, (
        f"modules over {MAX_MODULE_LINES} lines: {long}; split them along a real seam "
        "(python scripts/sizes.py lists the longest modules and functions)"
    )
