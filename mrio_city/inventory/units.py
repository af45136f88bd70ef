"""Explicit unit conversion for energy data, with pint.

Energy statistics come in many units: ``10^4 t`` (万吨) of coal, ``10^8 m^3`` (亿立方米) of gas,
``10^8 kWh`` (亿千瓦时) of electricity, ``TJ``, ``tce``.  Every quantity of an energy table is
converted with one pint registry; a unit pint cannot read, or one of the wrong kind (a volume where
a mass is needed), is an error that names the unit.

Accepted spellings beyond pint's own: ``m3`` (= ``m^3``), ``kt`` (kilotonne, not pint's knot),
``tce`` / ``kgce`` (tonne / kg of standard coal equivalent, 29.3076 GJ / t, GB/T 2589-2020),
and the Chinese statistical units 吨, 万吨, 亿吨, 立方米, 万立方米, 亿立方米, 千瓦时, 万千瓦时,
亿千瓦时, 吉焦, 万吉焦, 太焦, 吨标准煤, 万吨标准煤.
"""

from __future__ import annotations

import functools
import re

from mrio_city.model.errors import UnitError

__all__ = ["registry", "parse_unit", "conversion_factor", "dimension_name"]


#: Chinese statistical units -> pint expressions.
CHINESE_UNITS: dict[str, str] = {
    "吨": "t",
    "万吨": "10^4 t",
    "亿吨": "10^8 t",
    "立方米": "m^3",
    "万立方米": "10^4 m^3",
    "亿立方米": "10^8 m^3",
    "千瓦时": "kWh",
    "万千瓦时": "10^4 kWh",
    "亿千瓦时": "10^8 kWh",
    "吉焦": "GJ",
    "万吉焦": "10^4 GJ",
    "百万千焦": "GJ",
    "太焦": "TJ",
    "吨标准煤": "tce",
    "万吨标准煤": "10^4 tce",
}

_DIMENSIONS = {"mass": "t", "volume": "m^3", "energy": "J"}


@functools.cache
def registry():
    """Return the package's pint ``UnitRegistry`` (created once, with ``tce``/``kgce``)."""
    import pint

    ureg = pint.UnitRegistry(cache_folder=None)
    ureg.define("tonne_coal_equivalent = 29.3076 * gigajoule = tce")
    ureg.define("kilogram_coal_equivalent = 29.3076 * megajoule = kgce")
    return ureg


def _normalize(text: str) -> str:
    t = str(text).strip()
    if t in CHINESE_UNITS:
        return CHINESE_UNITS[t]
    t = re.sub(r"(?<![A-Za-z])kt(?![A-Za-z])", "kilotonne", t)
    t = re.sub(r"(?<=[A-Za-z])([23])(?![\d.])", r"^\1", t)  # m3 -> m^3, km2 -> km^2
    return t


@functools.cache
def _parse(text: str):
    ureg = registry()
    normalized = _normalize(text)
    if not normalized:
        raise UnitError("empty unit")
    try:
        q = ureg.Quantity(normalized)
    except Exception as exc:  # pint raises several types (UndefinedUnitError, syntax errors)
        raise UnitError(f"unknown unit {text!r} ({exc})") from exc
    if not isinstance(q, ureg.Quantity) or not float(q.magnitude) > 0:
        raise UnitError(f"unit {text!r} must be a positive quantity, got {q!r}")
    return q


def parse_unit(text: str):
    """Read a unit text as a pint quantity (e.g. ``'10^4 t'`` -> ``10000 metric_ton``).

    Parameters
    ----------
    text : str
        Unit text, pint syntax or one of the spellings in the module docstring.

    Returns
    -------
    pint.Quantity
        The size of one unit.

    Raises
    ------
    UnitError
        If pint cannot read it.
    """
    return _parse(str(text))


def dimension_name(text: str) -> str:
    """Return 'mass', 'volume', 'energy' or pint's dimensionality text for a unit."""
    dim = parse_unit(text).dimensionality
    for name, unit in _DIMENSIONS.items():
        if parse_unit(unit).dimensionality == dim:
            return name
    return str(dim)


def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Return how many ``to_unit`` make one ``from_unit`` (``x [to] = x [from] * factor``).

    Raises
    ------
    UnitError
        If either unit is unknown or they measure different things.
    """
    a, b = parse_unit(from_unit), parse_unit(to_unit)
    if a.dimensionality != b.dimensionality:
        raise UnitError(
            f"cannot convert {from_unit!r} ({dimension_name(from_unit)}) to {to_unit!r} "
            f"({dimension_name(to_unit)})"
        )
    return float((a / b).to("dimensionless").magnitude)
