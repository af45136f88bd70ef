"""Files shipped with the package: table recipes, concordances, factor sets, scenario files.

In a source checkout they live in the repository's top-level ``tables/`` and ``scenarios/``
folders (what users open); in an installed wheel the same folders are shipped inside the package
as ``mrio_city/_shipped/tables`` and ``mrio_city/_shipped/scenarios``.  :func:`shipped` finds
them in either place, so no module computes paths from ``__file__`` on its own.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_ROOTS = (_PACKAGE / "_shipped", _PACKAGE.parent)


def shipped(*parts: str) -> Path:
    """Return the path of a shipped file or folder, e.g. ``shipped("tables", "concordances")``.

    Parameters
    ----------
    *parts : str
        Path components below the shipped root; the first is ``"tables"`` or ``"scenarios"``.

    Returns
    -------
    pathlib.Path
        The path inside the installed package if it exists there, else inside the source
        checkout.  The path may not exist (callers that need it raise their own named error).
    """
    if not parts or parts[0] not in ("tables", "scenarios"):
        raise ValueError(f"shipped files live under 'tables' or 'scenarios', not {parts!r}")
    for root in _ROOTS:
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    return _ROOTS[-1].joinpath(*parts)


def checkout_root() -> Path | None:
    """Return the repository folder when the package runs from a source checkout, else None.

    A checkout (or an editable install of one) has ``pyproject.toml`` beside the package
    folder; an installed wheel does not.
    """
    root = _PACKAGE.parent
    return root if (root / "pyproject.toml").is_file() and (root / "tables").is_dir() else None
