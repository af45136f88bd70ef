"""Carbon sinks of land and relative carbon deficits.

Sink of a unit (city, county) [t CO2 per year]:

    sink_u = 44/12 * sum_k area_{u,k} [ha] * coefficient_k [t C per ha per year]

over land-use classes k (forest, grassland, wetland, water, cropland, unused, built-up).
Coefficient sets ship in the repository's ``tables/sinks/`` with a citation per class
(:func:`read_sink_coefficients`); users may give their own in the same format.

Deficits, with E the unit's emissions [t CO2 per year] (production- or consumption-based):

- absolute deficit ``D = E - S`` [t CO2 per year] (negative: the land absorbs more than
  the unit emits);
- relative deficit ``R = (E - S) / E`` [1]: the share of emissions not offset by the unit's
  own land sink (1: no sink at all; 0: carbon neutral; < 0: net sink).  This is the
  normalisation of the carbon-balance literature (deficit over emissions; e.g. the
  "carbon compensation" studies of Chinese provinces and cities); the npj Urban
  Sustainability study that motivated it could not be consulted offline, so the definition
  here is ours and stated as such (docs/spatial.md);
- sink share ``S / E`` [1] (= 1 - R), used as a GWR driver.

Land-use areas come from the user as CSV: columns ``unit, class, area`` and optionally
``area_unit`` (``ha`` default, or ``km2``); see ``tables/sinks/README.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from mrio_city._resources import shipped
from mrio_city.model.errors import (
    DuplicateLabelError,
    LabelMismatchError,
    NegativeValueError,
    NonFiniteValueError,
    TableFormatError,
)
from mrio_city.model.labels import first_labels

__all__ = [
    "C_TO_CO2",
    "SHIPPED_COEFFICIENTS",
    "read_sink_coefficients",
    "read_land_use",
    "carbon_sinks",
    "carbon_deficits",
]

#: Mass ratio CO2 / C (44/12).
C_TO_CO2 = 44.0 / 12.0
#: Name of the default coefficient set shipped in ``tables/sinks/``.
SHIPPED_COEFFICIENTS = "china-land-use-literature"
_AREA_UNITS = {"ha": 1.0, "km2": 100.0}


def _csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"{str(path)!r} does not exist")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise TableFormatError(f"{path.name}: not a readable UTF-8 CSV file ({exc})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise TableFormatError(
            f"{path.name}: missing column(s) {missing}; it has {list(frame.columns)}"
        )
    return frame


def _numbers(frame: pd.DataFrame, column: str, fname: str) -> pd.Series:
    values = pd.to_numeric(frame[column].str.strip(), errors="coerce")
    bad = ~np.isfinite(values.to_numpy(float))
    if bad.any():
        i = int(np.argmax(bad))
        raise NonFiniteValueError(
            f"{fname}, row {i + 2}, column '{column}': expected a number, "
            f"found {frame[column].iloc[i]!r}"
        )
    return values.astype(float)


def read_sink_coefficients(name_or_path: str | os.PathLike[str] = SHIPPED_COEFFICIENTS):
    """Read a coefficient set: a shipped name or a CSV path.

    Parameters
    ----------
    name_or_path : str or PathLike, default='china-land-use-literature'
        Name of a set in ``tables/sinks/`` or the path of a CSV with columns ``class``,
        ``coefficient`` [t C per ha per year] and ``source`` (optional ``unit``, which must
        then read ``t C per ha per year`` or ``t CO2 per ha per year``).

    Returns
    -------
    DataFrame
        Indexed by ``class``: ``coefficient`` [t C per ha per year], ``co2_per_ha``
        [t CO2 per ha per year], ``source``.

    Raises
    ------
    FileNotFoundError, TableFormatError, NonFiniteValueError, DuplicateLabelError
    """
    text = str(name_or_path)
    path = Path(text)
    if not path.suffix:
        path = shipped("tables", "sinks", f"{text}.csv")
        if not path.is_file():
            names = sorted(p.stem for p in shipped("tables", "sinks").glob("*.csv"))
            raise FileNotFoundError(f"no shipped sink coefficient set {text!r}; shipped: {names}")
    frame = _csv(path, ["class", "coefficient", "source"])
    coef = _numbers(frame, "coefficient", path.name)
    if "unit" in frame.columns:
        units = set(frame["unit"].str.strip())
        if units == {"t CO2 per ha per year"}:
            coef = coef / C_TO_CO2
        elif units != {"t C per ha per year"}:
            raise TableFormatError(
                f"{path.name}, column 'unit': expected 't C per ha per year' or "
                f"'t CO2 per ha per year', found {sorted(units)}"
            )
    classes = frame["class"].str.strip()
    if classes.duplicated().any():
        raise DuplicateLabelError(
            f"{path.name}: class(es) listed twice: "
            f"{first_labels(list(classes[classes.duplicated()]))}"
        )
    out = pd.DataFrame(
        {
            "coefficient": coef.to_numpy(),
            "co2_per_ha": coef.to_numpy() * C_TO_CO2,
            "source": frame["source"].to_numpy(),
        },
        index=pd.Index(classes, name="class"),
    )
    out.attrs["source"] = path.name
    return out


def read_land_use(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a land-use CSV (``unit, class, area[, area_unit]``) into a unit x class table.

    Parameters
    ----------
    path : str or PathLike
        CSV file; ``area`` non-negative, ``area_unit`` ``ha`` (default) or ``km2``.

    Returns
    -------
    DataFrame
        Areas [ha], one row per unit, one column per class (0 where not given).

    Raises
    ------
    FileNotFoundError, TableFormatError, NonFiniteValueError, NegativeValueError,
    DuplicateLabelError
        With file, row and column named.
    """
    path = Path(path)
    frame = _csv(path, ["unit", "class", "area"])
    area = _numbers(frame, "area", path.name)
    if (area < 0).any():
        i = int(np.argmax((area < 0).to_numpy()))
        raise NegativeValueError(
            f"{path.name}, row {i + 2}, column 'area': negative area {area[i]}"
        )
    if "area_unit" in frame.columns:
        units = frame["area_unit"].str.strip().replace("", "ha")
        wrong = ~units.isin(list(_AREA_UNITS))
        if wrong.any():
            i = int(np.argmax(wrong.to_numpy()))
            raise TableFormatError(
                f"{path.name}, row {i + 2}, column 'area_unit': expected one of "
                f"{list(_AREA_UNITS)}, found {units.iloc[i]!r}"
            )
        area = area * units.map(_AREA_UNITS).astype(float)
    keys = frame[["unit", "class"]].apply(lambda s: s.str.strip())
    dup = keys.duplicated()
    if dup.any():
        i = int(np.argmax(dup.to_numpy()))
        raise DuplicateLabelError(
            f"{path.name}, row {i + 2}: unit {keys['unit'].iloc[i]!r} and class "
            f"{keys['class'].iloc[i]!r} given twice"
        )
    table = pd.DataFrame({"unit": keys["unit"], "class": keys["class"], "area": area})
    wide = table.pivot(index="unit", columns="class", values="area").fillna(0.0)
    wide = wide.loc[list(dict.fromkeys(table["unit"]))]
    wide.attrs["units"] = dict.fromkeys(wide.columns, "ha")
    wide.attrs["source"] = path.name
    return wide


def carbon_sinks(land_use: pd.DataFrame, coefficients: pd.DataFrame) -> pd.Series:
    """Annual carbon sink of every unit [t CO2 per year] from its land-use areas.

    Parameters
    ----------
    land_use : DataFrame
        Areas [ha], units x classes (from :func:`read_land_use`).
    coefficients : DataFrame
        From :func:`read_sink_coefficients`.

    Returns
    -------
    Series
        ``sink`` of every unit [t CO2 per year].

    Raises
    ------
    LabelMismatchError
        A land-use class has no coefficient (the classes of the set are listed).
    """
    unknown = [c for c in land_use.columns if c not in coefficients.index]
    if unknown:
        raise LabelMismatchError(
            f"land-use class(es) {unknown} have no coefficient in "
            f"{coefficients.attrs.get('source', 'the coefficient set')}; its classes: "
            f"{list(coefficients.index)}"
        )
    rate = coefficients.loc[list(land_use.columns), "co2_per_ha"].to_numpy()
    return pd.Series(land_use.to_numpy(float) @ rate, index=land_use.index, name="sink")


def carbon_deficits(emissions: pd.Series, sinks: pd.Series) -> pd.DataFrame:
    """Absolute and relative carbon deficits of units with both emissions and sinks.

    Parameters
    ----------
    emissions : Series
        Emissions of every unit [t CO2 per year] (production- or consumption-based).
    sinks : Series
        Sinks [t CO2 per year] (e.g. :func:`carbon_sinks`).

    Returns
    -------
    DataFrame
        For units present in both: ``emissions``, ``sink`` [t CO2 per year],
        ``absolute_deficit`` = E - S [t CO2 per year], ``relative_deficit`` = (E - S) / E
        [1] and ``sink_share`` = S / E [1].

    Raises
    ------
    LabelMismatchError
        No unit in common (names both sides).
    NonFiniteValueError
        Emissions that are zero or not finite for a unit with a sink (relative deficit
        undefined).
    """
    common = [u for u in emissions.index if u in set(sinks.index)]
    if not common:
        raise LabelMismatchError(
            f"no unit has both emissions and a sink (emissions: "
            f"{first_labels(list(emissions.index))}; sinks: {first_labels(list(sinks.index))})"
        )
    e = pd.to_numeric(emissions.loc[common], errors="coerce").astype(float)
    s = sinks.loc[common].astype(float)
    bad = ~np.isfinite(e.to_numpy()) | (e.to_numpy() <= 0)
    if bad.any():
        raise NonFiniteValueError(
            f"emissions must be positive and finite for a relative deficit: "
            f"{first_labels(list(e.index[bad]))}"
        )
    out = pd.DataFrame({"emissions": e, "sink": s})
    out["absolute_deficit"] = e - s
    out["relative_deficit"] = (e - s) / e
    out["sink_share"] = s / e
    out.attrs["units"] = {
        "emissions": "t CO2 per year",
        "sink": "t CO2 per year",
        "absolute_deficit": "t CO2 per year",
        "relative_deficit": "1",
        "sink_share": "1",
    }
    return out
