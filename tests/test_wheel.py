"""The wheel a user installs: built from the sources, installed into a fresh venv, run from an
empty folder.  It must carry the table recipes, concordances and the demo scenario.

Fast by design: the wheel is built without build isolation (the test venv's setuptools), and the
fresh venv is created from the base interpreter without pip; a ``.pth`` line makes this test
venv's site-packages (numpy, pandas, ...) visible after the venv's own, so nothing is
downloaded and only the wheel's ``mrio_city`` is importable from the fresh venv.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "mrio_city", "tables")


def _run(args, **kwargs):
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv python, venv bin folder, clean environment) with the freshly built wheel."""
    pytest.importorskip("setuptools", minversion="68")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    (src / "scenarios").mkdir()
    for path in (ROOT / "scenarios").glob("*"):
        if path.is_file():
            shutil.copy2(path, src / "scenarios" / path.name)
    dist = tmp / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "-w", str(dist), str(src)]
    )
    (wheel,) = dist.glob("mrio_city-*.whl")
    venv = tmp / "venv"
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", venv])
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    purelib = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).stdout.strip()
    # the test venv's packages after the fresh venv's own (a .pth line is appended to sys.path;
    # .pth files inside it, such as this checkout's editable install, are not processed)
    Path(purelib, "_mrio_city_test_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps"]
        + ["--no-index", str(wheel)]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MRIO_CITY", "PYTHON"))}
    env |= {
        "HOME": str(tmp / "home"),
        "XDG_CONFIG_HOME": str(tmp / "home" / ".config"),
        "MRIO_CITY_CACHE": str(tmp / "cache"),
        "MPLBACKEND": "Agg",
    }
    return python, bindir, env, tmp


def _cli(installed, *args):
    _, bindir, env, tmp = installed
    empty = tmp / "empty"
    empty.mkdir(exist_ok=True)
    return _run([bindir / "mrio-city", *args], cwd=empty, env=env)


def test_wheel_ships_the_data_inside_the_package(installed):
    python, _, env, tmp = installed
    code = (
        "import mrio_city, pathlib; from mrio_city._resources import shipped\n"
        "pkg = pathlib.Path(mrio_city.__file__).parent\n"
        "for parts in [('scenarios', 'super_emitters.toml'), ('tables', 'toy-cities.toml'),\n"
        "              ('tables', 'concordances', 'ceads47_to_nbs42.csv')]:\n"
        "    p = shipped(*parts); assert p.is_file() and pkg in p.parents, p\n"
        "print(pkg)"
    )
    pkg = Path(_run([python, "-c", code], cwd=tmp, env=env).stdout.strip())
    assert "site-packages" in pkg.parts  # the wheel's copy, not this checkout
    assert not str(pkg).startswith(str(ROOT))


def test_cli_from_an_empty_folder(installed):
    listing = _cli(installed, "tables").stdout
    for name in ("china-309-synthetic", "china-cities-2012", "toy-cities"):
        assert name in listing
    info = _cli(installed, "info", "toy-cities").stdout
    assert "CO2 industry [t CO2]" in info and "max column sum of A" in info
    _cli(installed, "footprints", "toy-cities", "--out", "results")
    _, _, _, tmp = installed
    assert (tmp / "empty" / "results" / "accounts.xlsx").stat().st_size > 0
