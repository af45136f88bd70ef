"""Chinese city names render in every chart: the CJK font is registered and no glyph is missing.

Each test turns warnings into errors, so matplotlib's "Glyph ... missing from font(s)" warning
fails it.  The city names are real prefecture names from the census table (hard-coded, so the
test runs without ../shared).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mrio_city._fonts import CJK_FAMILY, cjk_font_path, use_chart_font

CITIES = ["北京市", "石家庄市", "呼和浩特市", "乌鲁木齐市", "鄂尔多斯市", "克孜勒苏柯尔克孜自治州"]


@pytest.fixture
def strict_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _ink(path: Path) -> float:
    from matplotlib.image import imread

    image = imread(path)[..., :3]
    return float((image < 0.5).mean())


def test_font_file_ships_with_the_dependency():
    path = cjk_font_path()
    assert path.is_file() and path.stat().st_size > 1_000_000
    from matplotlib.ft2font import FT2Font

    font = FT2Font(str(path))
    assert font.family_name == CJK_FAMILY
    # every character of the names has a glyph in the font (0 = .notdef, i.e. tofu)
    assert all(font.get_char_index(ord(ch)) != 0 for ch in "".join(CITIES))


def test_use_chart_font_is_a_fallback_and_idempotent():
    import matplotlib

    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        assert use_chart_font() == CJK_FAMILY
        use_chart_font()
        assert list(matplotlib.rcParams["font.family"]) == ["DejaVu Sans", CJK_FAMILY]


def test_chinese_text_renders_without_missing_glyph(tmp_path, strict_warnings):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    use_chart_font()
    fig = Figure(figsize=(4, 3), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.barh(range(len(CITIES)), np.arange(1, 7), tick_label=CITIES)
    ax.set_title("人均碳足迹 [t CO2 per person] −1")
    fig.savefig(tmp_path / "zh.png")
    assert _ink(tmp_path / "zh.png") > 0.01


def test_without_the_font_matplotlib_would_warn(tmp_path):
    """Guards the test above: the same drawing with DejaVu Sans only does warn (so it can fail)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig = Figure(figsize=(3, 2), dpi=60)
        FigureCanvasAgg(fig)
        fig.add_subplot().set_title(CITIES[0])
        with pytest.warns(UserWarning, match="missing from font"):
            fig.savefig(tmp_path / "tofu.png")


def test_package_charts_draw_chinese_names(tmp_path, strict_warnings):
    from mrio_city.exports.footprint_charts import (
        plot_production_vs_consumption,
        plot_top_per_capita,
    )

    per_capita = pd.DataFrame(
        {
            "local": np.linspace(1.0, 6.0, len(CITIES)),
            "imported": np.linspace(2.0, 0.5, len(CITIES)),
        },
        index=pd.Index(CITIES, name="city"),
    )
    out = plot_top_per_capita(per_capita, tmp_path / "top.png", title="人均碳足迹最高的城市")
    assert _ink(out) > 0.005
    frame = pd.DataFrame(
        {
            "production_based": np.linspace(10.0, 60.0, len(CITIES)),
            "consumption_based": np.linspace(30.0, 20.0, len(CITIES)),
            "trade_type": ["生产型", "消费型"] * 3,
        },
        index=pd.Index(CITIES, name="city"),
    )
    out = plot_production_vs_consumption(frame, tmp_path / "pbf_cbf.png", title="生产与消费")
    assert _ink(out) > 0.005


def test_scenario_charts_draw_chinese_names(tmp_path, strict_warnings):
    from types import SimpleNamespace

    from mrio_city.exports.scenario_charts import plot_quota_by_type

    quota = pd.DataFrame({"供应链": [1e6, 2e6], "能源": [3e6, -1e6]}, index=["资源型", "综合型"])
    result = SimpleNamespace(
        quota_by_type=lambda: quota,
        stressor="CO2",
        scenario=SimpleNamespace(name="情景 A"),
        quota=5e6,
    )
    out = plot_quota_by_type(result, tmp_path / "quota.png")
    assert _ink(out) > 0.005
