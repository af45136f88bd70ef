"""The lever catalogue: every lever type described once.

The scenario reader (allowed keys), report labels, the CLI help and the docs table are derived
from :data:`LEVERS`; nothing else spells out a lever type.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LeverKind", "LEVERS", "COMMON_KEYS", "lever_label", "catalogue_markdown"]


@dataclass(frozen=True)
class LeverKind:
    """One lever type.

    Attributes
    ----------
    name : str
        Value of ``type`` in a scenario file.
    title : str
        Human name used in labels and reports.
    description : str
        What the lever changes.
    unit : str
        Unit of its strength.
    applied : str
        How it is applied (formula, composition with other levers).
    keys : tuple of str
        Keys it accepts besides :data:`COMMON_KEYS`.
    side : str
        'production' (intensities, applied once per city-sector), 'demand' or 'technology'.
    """

    name: str
    title: str
    description: str
    unit: str
    applied: str
    keys: tuple[str, ...]
    side: str


#: Keys every lever accepts.
COMMON_KEYS = ("type", "label", "cities", "top_suppliers")

_INTENSITY_KEYS = ("sector", "sectors", "cut", "to_percentile", "gap_closed")

LEVERS: dict[str, LeverKind] = {
    k.name: k
    for k in (
        LeverKind(
            "intensity",
            "production intensity",
            "direct emission intensity f of the selected city-sectors",
            "cut: fraction [1]; to_percentile: percentile [0-100]; gap_closed: fraction [1]",
            "target f* = f0 (1 - cut), or f0 - gap_closed max(0, f0 - P) with P the percentile "
            "of the baseline intensity of the sector across producing cities; every city-sector "
            "takes the lowest target any lever asks for, once (no compounding)",
            _INTENSITY_KEYS,
            "production",
        ),
        LeverKind(
            "electricity",
            "power-sector intensity",
            "intensity lever on the power sector(s) (labels containing 'electric' by default)",
            "as intensity",
            "as intensity",
            _INTENSITY_KEYS,
            "production",
        ),
        LeverKind(
            "final_demand",
            "final demand",
            "product-level final demand of the city (and its households' direct emissions)",
            "cut: fraction [1]; to_benchmark: t per person or 'threshold'; "
            "gap_closed: fraction [1]",
            "y (1 - cut), or y (1 - gap_closed (1 - min(1, b / pc))) with pc the baseline "
            "per-capita footprint; shift_to moves the removed spending to other sectors",
            (
                "sector",
                "sectors",
                "categories",
                "cut",
                "to_benchmark",
                "gap_closed",
                "shift_to",
                "households_direct",
            ),
            "demand",
        ),
        LeverKind(
            "technology",
            "input coefficients",
            "technical coefficients b_ij of the city's using sectors j for input products i",
            "cut: fraction [1]",
            "b_ij (1 - cut); I - A is factorized again",
            ("sector", "sectors", "input_sector", "input_sectors", "cut"),
            "technology",
        ),
    )
}


def lever_label(pathway: str, kind: str, cities: object, index: int, repeated: bool) -> str:
    """Human label of a lever without an explicit ``label``.

    ``'industrial: production intensity'``; ``'supply_chain: supplier production intensity'``
    for ``cities = "suppliers"``; a ``' #2'`` suffix when the pathway repeats a type.
    """
    title = LEVERS[kind].title
    if cities == "suppliers":
        title = f"supplier {title}"
    elif isinstance(cities, tuple):
        title = f"{title} of {', '.join(cities)}"
    return f"{pathway}: {title}" + (f" #{index + 1}" if repeated else "")


def catalogue_markdown() -> str:
    """The catalogue as a Markdown table (docs and ``mrio-city run --help``)."""
    lines = ["| type | changes | strength | how applied |", "|---|---|---|---|"]
    for k in LEVERS.values():
        lines.append(f"| `{k.name}` | {k.description} | {k.unit} | {k.applied} |")
    return "\n".join(lines)
