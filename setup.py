"""Build hook: ship the repository's ``tables/`` and ``scenarios/*.toml`` inside the wheel.

The package finds them with :func:`mrio_city._resources.shipped`, which looks in
``mrio_city/_shipped/`` (an installed wheel) before the repository root (a checkout or an
editable install).  Everything else is configured in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: Repository folder -> glob of the files shipped from it.
SHIPPED = {"tables": "**/*", "scenarios": "*.toml"}


class BuildPyWithShippedData(build_py):
    """``build_py`` that also copies the shipped folders to ``mrio_city/_shipped``."""

    def run(self):
        """Build the package, then copy the shipped folders (not for editable installs)."""
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the repository folders directly
        target = Path(self.build_lib) / "mrio_city" / "_shipped"
        for folder, pattern in SHIPPED.items():
            for source in sorted((ROOT / folder).glob(pattern)):
                if source.is_file() and "__pycache__" not in source.parts:
                    destination = target / source.relative_to(ROOT)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, destination)


setup(cmdclass={"build_py": BuildPyWithShippedData})
