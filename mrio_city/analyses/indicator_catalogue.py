"""The catalogue of the columns of :func:`~mrio_city.analyses.indicators.urban_indicators`.

Every indicator column is described once (:data:`INDICATORS`: symbol of docs/methods.md §2,
unit pattern, meaning); the units of the indicator frame, the README of ``indicators.xlsx``,
the symbols of the long CSV file and the table of ``docs/analyses.md``
(:func:`markdown_table`) come from here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "INDICATOR_SYMBOLS",
    "INDICATORS",
    "IndicatorSpec",
    "indicator_unit",
    "markdown_table",
]


@dataclass(frozen=True)
class IndicatorSpec:
    """Description of one column of :func:`~mrio_city.analyses.indicators.urban_indicators`.

    Attributes
    ----------
    name : str
        Column name (also the ``indicator`` value in ``indicators_long.csv``).
    symbol : str
        Symbol of docs/methods.md §2 (B1-B4 boundaries, CPI, CCL, BIE, BTI, ...).
    description : str
        One line: what the number means.
    unit : str
        Unit pattern: ``{stressor_unit}`` and ``{money_unit}`` are filled in by
        :func:`indicator_unit`.
    """

    name: str
    symbol: str
    description: str
    unit: str


_S, _M = "{stressor_unit}", "{money_unit}"

#: Every column of :func:`~mrio_city.analyses.indicators.urban_indicators`, described once
#: (symbols, units, meaning); the units of the frame, the README of ``indicators.xlsx`` and the
#: symbols of the long CSV file come from here.  ``tests/test_catalogue.py`` fails when a
#: column is missing.
INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("direct_emissions", "DE", "direct (territorial) emissions", _S),
    IndicatorSpec("embodied_in_imports", "EEI", "emissions embodied in imports", _S),
    IndicatorSpec("embodied_in_exports", "EEE", "emissions embodied in exports", _S),
    IndicatorSpec("territorial", "B1 CF_T", "territorial footprint, CF_T = DE", _S),
    IndicatorSpec(
        "community_supply_chain", "B2 CF_P", "community supply-chain footprint, DE + EEI", _S
    ),
    IndicatorSpec(
        "consumption_based",
        "B3 CF_C",
        "consumption-based footprint, DE + EEI - EEE (= CBF in both variants)",
        _S,
    ),
    IndicatorSpec(
        "infrastructure_supply_chain",
        "B4 CF_I",
        "infrastructure supply-chain footprint, DE + S2 + U_key - S2_key (ramaswami4)",
        _S,
    ),
    IndicatorSpec("net_transfer", "B4 CF_TB", "net transfer footprint, EEI - EEE (trade4)", _S),
    IndicatorSpec("scope2", "S2", "scope 2: emissions of the purchased energy", _S),
    IndicatorSpec(
        "upstream_key_products",
        "sum_g EEI_g (U_key)",
        "upstream emissions of purchases of key infrastructure products",
        _S,
    ),
    IndicatorSpec("gross_imports", "IM", "gross monetary imports from other cities", _M),
    IndicatorSpec("gross_exports", "EX", "gross monetary exports", _M),
    IndicatorSpec("gdp", "GDP", "gross domestic product", _M),
    IndicatorSpec("population", "P", "resident population", "persons"),
    IndicatorSpec(
        "production_intensity", "CPI", "production carbon intensity, CF_P / GDP", f"{_S} per {_M}"
    ),
    IndicatorSpec(
        "production_intensity_territorial",
        "CPI_T",
        "territorial carbon intensity, CF_T / GDP",
        f"{_S} per {_M}",
    ),
    IndicatorSpec(
        "consumption_level", "CCL", "consumption carbon level, CF_C / P", f"{_S} per person"
    ),
    IndicatorSpec("import_export_balance", "BIE", "EEI - EEE (> 0: net carbon consumer)", _S),
    IndicatorSpec("import_export_ratio", "EEI/EEE", "EEI / EEE", "1"),
    IndicatorSpec(
        "trade_intensity_balance",
        "BTI",
        "EEI / IM - EEE / EX (> 0: imports more carbon-intensive than exports)",
        f"{_S} per {_M}",
    ),
)

_INDICATORS = {i.name: i for i in INDICATORS}

#: Symbol (docs/methods.md §2) of each column of
#: :func:`~mrio_city.analyses.indicators.urban_indicators` (from :data:`INDICATORS`).
INDICATOR_SYMBOLS: dict[str, str] = {i.name: i.symbol for i in INDICATORS}


def markdown_table() -> str:
    """The indicator catalogue as a Markdown table (the one in ``docs/analyses.md``)."""
    lines = ["| column | symbol | unit | meaning |", "|---|---|---|---|"]
    for i in INDICATORS:
        unit = i.unit.replace("{stressor_unit}", "stressor unit").replace(
            "{money_unit}", "money unit"
        )
        lines.append(f"| `{i.name}` | {i.symbol} | {unit} | {i.description} |")
    return "\n".join(lines)


def indicator_unit(name: str, *, stressor_unit: str, money_unit: str) -> str:
    """Unit of indicator column ``name`` (a cross-check column ``<name>_<variant>`` too).

    Raises
    ------
    KeyError
        If ``name`` is not in :data:`INDICATORS`.
    """
    base = name
    for suffix in ("_lincui", "_final_demand"):
        if name.endswith(suffix) and name[: -len(suffix)] in _INDICATORS:
            base = name[: -len(suffix)]
    return _INDICATORS[base].unit.format(stressor_unit=stressor_unit, money_unit=money_unit)
