"""CJK-capable chart font (private helper in a low layer, so every chart module may use it).

Chinese city names are the only names the real tables carry, so every chart must render them.
matplotlib's default font (DejaVu Sans) has no CJK glyphs and draws boxes ("tofu") with a
missing-glyph warning.  We depend on the PyPI package ``mplfonts``, which ships the
SIL Open Font Licence font Noto Sans CJK SC inside its wheel: nothing is downloaded at run
time and nothing is copied into matplotlib's own folders (we do *not* run ``mplfonts init``).

:func:`use_chart_font` registers that font file with matplotlib's font manager once per
process and appends its family to ``rcParams["font.family"]`` as a per-glyph fallback
(matplotlib >= 3.6): Latin text keeps the user's (default DejaVu Sans) font, and only
glyphs that font lacks are taken from Noto Sans CJK SC.  The call is idempotent and cheap
after the first time.  matplotlib is imported inside the function, so importing this module
costs nothing.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from mrio_city.model.errors import MissingDependencyError

__all__ = ["CJK_FAMILY", "cjk_font_path", "use_chart_font"]

#: Family name of the CJK font registered for charts (as matplotlib reads it from the file).
CJK_FAMILY = "Noto Sans CJK SC"
_FONT_FILE = "NotoSansCJKsc-Regular.otf"


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font file shipped by the ``mplfonts`` package.

    The package is located without importing it (its import pulls in helpers we do not use).

    Returns
    -------
    pathlib.Path
        The ``.otf`` file.

    Raises
    ------
    MissingDependencyError
        If ``mplfonts`` is not installed or its wheel lacks the font file.
    """
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            "charts need the CJK font package 'mplfonts' (a core dependency of mrio-city); "
            "reinstall with: pip install mrio-city  (or: pip install mplfonts)"
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "fonts" / _FONT_FILE
        if path.is_file():
            return path
    raise MissingDependencyError(
        f"the installed 'mplfonts' has no fonts/{_FONT_FILE} (looked in "
        f"{list(spec.submodule_search_locations)}); reinstall it: pip install --force-reinstall "
        "mplfonts"
    )


@lru_cache(maxsize=1)
def _register() -> str:
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def use_chart_font() -> str:
    """Make every matplotlib chart able to draw Chinese text; call before drawing.

    Registers Noto Sans CJK SC (from ``mplfonts``) with matplotlib once per process and
    appends it to ``rcParams["font.family"]`` as a fallback family when it is not there yet;
    the primary font is left as the user set it.

    Returns
    -------
    str
        The family name of the registered CJK font (``"Noto Sans CJK SC"``).

    Raises
    ------
    MissingDependencyError
        If the font package is missing.
    """
    import matplotlib

    family = _register()
    current = matplotlib.rcParams["font.family"]
    families = [current] if isinstance(current, str) else list(current)
    if family not in families:
        matplotlib.rcParams["font.family"] = [*families, family]
    return family
