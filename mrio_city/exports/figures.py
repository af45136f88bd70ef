"""The one way charts are made and saved: an Agg figure, written atomically as PNG.

matplotlib is imported inside the functions and used through its object-oriented API (no
pyplot, no global backend change), so importing a chart module is cheap.  The PNG is written to
a temporary file in the destination folder and renamed (:func:`mrio_city.io.atomic.atomic_path`),
so it gets the user's ordinary file permissions (umask), like every other output.
"""

from __future__ import annotations

import os
from pathlib import Path

from mrio_city._fonts import use_chart_font
from mrio_city.io.atomic import atomic_path

__all__ = ["new_figure", "save_figure"]


def new_figure(width: float, height: float, *, dpi: int = 150, layout: str | None = "constrained"):
    """A matplotlib ``Figure`` with an Agg canvas and constrained layout.

    Parameters
    ----------
    width, height : float
        Size in inches.
    dpi : int, default=150
    layout : str or None, default='constrained'
        Matplotlib layout engine; None where the caller places the axes itself (maps).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    use_chart_font()  # Chinese names render (Noto Sans CJK SC as a per-glyph fallback)
    fig = Figure(figsize=(width, height), dpi=dpi, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path: str | os.PathLike[str], *, format: str = "png") -> Path:
    """Write ``fig`` at ``path`` atomically (folder created if missing); PNG unless ``format``."""
    final = Path(path)
    with atomic_path(final) as tmp:
        fig.savefig(tmp, format=format)
    return final
