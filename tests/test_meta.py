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

# Lower layers never import higher ones (ARCHITECTURE.md): table model -> solver -> accounts ->
# analyses -> io / cli.  A module may import from its own layer or any layer below.
LAYERS = {
    "errors": 0,
    "labels": 0,
    "_checks": 0,
    "_blockiter": 0,
    "_progress": 0,
    "table": 1,
    "structured": 1,
    "solver": 2,
    "accounts": 3,
    "scopes": 3,
    "indicators": 4,
    "inequality": 4,
    "typology": 4,
    "scenarios": 4,
    "synth": 4,
    "testing": 4,
    "io": 5,
    "provenance": 5,
    "sources": 5,
    "exports": 5,
    "reports": 5,
    "registry": 5,
    "commands": 6,
    "cli": 6,
}


def _modules():
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="mrio_city."):
        yield info.name


def _layer(name: str) -> int | None:
    parts = name.split(".")
    if parts[0] != "mrio_city" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1])


@pytest.mark.parametrize("module", sorted(_modules()))
def test_module_imports_cleanly(module):
    importlib.import_module(module)


def test_every_top_level_module_has_a_layer():
    names = {n.split(".")[1] for n in _modules()}
    assert names <= set(LAYERS), f"assign a layer in LAYERS to: {sorted(names - set(LAYERS))}"


@pytest.mark.parametrize("module", sorted(_modules()))
def test_imports_point_down(module):
    mod = importlib.import_module(module)
    path = Path(mod.__file__)
    own = _layer(module)
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [node.module]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        for target in targets:
            layer = _layer(target)
            if layer is not None and own is not None:
                assert layer <= own, f"{module} (layer {own}) imports {target} (layer {layer})"


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
