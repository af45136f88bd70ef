"""Tests of mrio_city.exports.charts.plot_lorenz: PNG written atomically, inputs checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mrio_city.analyses import inequality as iq
from mrio_city.exports.charts import plot_lorenz
from mrio_city.model.errors import LabelMismatchError, NonFiniteValueError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def curve() -> pd.DataFrame:
    index = ["c1", "c2", "c3", "c4"]
    y = pd.Series([2.0, 4.0, 6.0, 12.0], index=index)
    pop = pd.Series([4.0, 3.0, 2.0, 1.0], index=index)
    return iq.lorenz_curve(y, pop)


def test_writes_a_png_and_returns_its_path(tmp_path, curve):
    target = tmp_path / "out" / "lorenz.png"  # folder does not exist yet
    result = plot_lorenz(
        curve,
        path=target,
        reference_points={"below 4.87 t": (0.7, 20 / 44)},
        title="docs/methods.md §11.4 example",
    )
    assert result == target
    data = target.read_bytes()
    assert len(data) > 10_000 and data.startswith(PNG_SIGNATURE)
    from matplotlib.image import imread

    image = imread(target)
    assert image.shape[:2] == (900, 900)  # 6 in x 150 dpi
    assert image[..., :3].std() > 0.05  # something was drawn, not a blank canvas
    assert sorted(p.name for p in target.parent.iterdir()) == ["lorenz.png"]  # no temp left


def test_replaces_an_existing_file(tmp_path, curve):
    target = tmp_path / "lorenz.png"
    target.write_bytes(b"old")
    plot_lorenz(curve, path=str(target))
    assert target.read_bytes().startswith(PNG_SIGNATURE)


def test_failed_write_leaves_existing_file_untouched(tmp_path, curve, monkeypatch):
    from matplotlib.figure import Figure

    target = tmp_path / "lorenz.png"
    target.write_bytes(b"old")

    def broken_savefig(self, fname, *args, **kwargs):
        Path(fname).write_bytes(b"partial")  # a half-written file, then failure
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        plot_lorenz(curve, path=target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["lorenz.png"]


def test_rejects_a_frame_without_share_columns(tmp_path, curve):
    with pytest.raises(
        LabelMismatchError,
        match=r"plot_lorenz: curve has no column\(s\) "
        r"\['emission_share'\]",
    ):
        plot_lorenz(curve.drop(columns="emission_share"), path=tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_rejects_non_finite_curve_and_reference_points(tmp_path, curve):
    bad = curve.copy()
    bad.loc[2, "emission_share"] = np.nan
    with pytest.raises(NonFiniteValueError, match=r"5 points, 1 non-finite"):
        plot_lorenz(bad, path=tmp_path / "x.png")
    with pytest.raises(NonFiniteValueError, match=r"reference point 'global' must be a pair"):
        plot_lorenz(curve, path=tmp_path / "x.png", reference_points={"global": (0.5, np.inf)})
    assert not (tmp_path / "x.png").exists()


def test_importing_the_module_does_not_load_matplotlib():
    code = "import sys, mrio_city.exports.charts; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
