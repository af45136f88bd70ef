"""Chart font: Chinese names render in every chart (public face of ``mrio_city._fonts``).

Call :func:`use_chart_font` before drawing your own matplotlib charts of mrio-city results;
every chart the package draws already does.  The implementation lives in the private,
low-layer module ``mrio_city._fonts`` so that chart code in lower layers (scenario charts)
can use it too.
"""

from __future__ import annotations

from mrio_city._fonts import CJK_FAMILY, cjk_font_path, use_chart_font

__all__ = ["CJK_FAMILY", "cjk_font_path", "use_chart_font"]
