"""City typology along four axes (docs/methods.md §3.3 rule 1 and §5.4).

:func:`classify_cities` returns one row per city with

* ``trade_type``: ``'production-led'`` if PBF > CBF (equivalently EEE > EEI, the MRIO
  final-demand accounts), ``'consumption-led'`` if PBF < CBF, ``'trade-balanced'`` when
  ``|PBF - CBF| / PBF < tau`` (default 0.05; ``tau=0`` switches the band off);
* ``supply_chain_role``: ``'net producer'`` (EEE > EEI), ``'net consumer'`` (EEI > EEE) or
  ``'balanced'`` (equal), without a band;
* ``affluence``: GDP per capita in USD (GDP in the table's money unit, parsed from
  ``meta.money_unit`` such as ``'10^4 CNY'``, divided by ``exchange_rate`` currency units per USD,
  default 6.31 CNY/USD for 2012) classed with the World Bank FY2014 thresholds: low <= 1,035;
  lower-middle <= 4,085; upper-middle <= 12,615; high above;
* ``structure``: ``'industrial'`` if the secondary-industry share of GDP
  (``city_attributes['secondary_share']``) is at least the median over the table's cities
  (unweighted; or ``structure_threshold``), else ``'service-oriented'``.

An axis whose input is missing (no GDP/population, an unreadable money unit, no
``secondary_share``) is ``'unknown'`` and explained in ``attrs['notes']``.  The signature of
:func:`classify_cities` is stable: scenario code relies on it.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from mrio_city.accounts.footprints import Accounts
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.errors import LabelMismatchError, MrioCityWarning, NegativeFootprintWarning
from mrio_city.model.labels import first_labels

__all__ = [
    "WORLD_BANK_FY2014_USD",
    "CNY_PER_USD_2012",
    "TRADE_TYPES",
    "AXES",
    "parse_money_unit",
    "classify_cities",
    "summarize_types",
]

#: Upper bounds (USD per person, GNI Atlas 2012) of the World Bank FY2014 income groups.
WORLD_BANK_FY2014_USD: dict[str, float] = {
    "low": 1035.0,
    "lower-middle": 4085.0,
    "upper-middle": 12615.0,
    "high": math.inf,
}
#: 2012 average exchange rate used for GDP per capita in USD [CNY per USD].
CNY_PER_USD_2012 = 6.31
TRADE_TYPES = ("production-led", "consumption-led", "trade-balanced")
#: Categorical columns of :func:`classify_cities` (the typology axes).
AXES = ("trade_type", "supply_chain_role", "affluence", "structure")

_SCALE_WORDS = {
    "thousand": 1e3,
    "k": 1e3,
    "ten thousand": 1e4,
    "wan": 1e4,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "hundred million": 1e8,
    "yi": 1e8,
    "billion": 1e9,
    "bn": 1e9,
}
_CURRENCY_WORDS = {
    "cny": "CNY",
    "rmb": "CNY",
    "yuan": "CNY",
    "usd": "USD",
    "us$": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "eur": "EUR",
}
_NUMBER = re.compile(
    r"^\s*(?P<num>\d+(?:\.\d*)?)(?:\s*(?:\^|\*\*)\s*(?P<pow>-?\d+)|e(?P<exp>[+-]?\d+))?\s*"
)


def parse_money_unit(unit: str, *, currency: str | None = None) -> tuple[float, str]:
    """Read a money unit such as ``'10^4 CNY'`` as (scale, currency).

    Accepted forms: an optional scale (``10^4``, ``10**4``, ``1e4``, ``10000``, or the words
    thousand / ten thousand / million / hundred million / billion), then a currency (``CNY``,
    ``RMB``, ``yuan``, ``USD``, or any 3-letter code); ``万元`` (10^4 CNY), ``亿元`` (10^8 CNY) and
    ``元`` (CNY) too.  Without a currency in the text, ``currency`` is used.

    Parameters
    ----------
    unit : str
        The money unit text (e.g. ``table.meta.money_unit``).
    currency : str, optional
        Currency when the text names none (e.g. ``table.meta.currency``).

    Returns
    -------
    tuple of (float, str)
        Currency units per money unit, and the currency code.

    Raises
    ------
    ValueError
        If the text cannot be read.

    Examples
    --------
    >>> parse_money_unit("10^4 CNY")
    (10000.0, 'CNY')
    """
    text = str(unit).strip()
    chinese = {"万元": (1e4, "CNY"), "亿元": (1e8, "CNY"), "元": (1.0, "CNY")}
    if text in chinese:
        return chinese[text]
    scale = 1.0
    rest = text
    m = _NUMBER.match(text)
    if m and m.group("num"):
        num = float(m.group("num"))
        if m.group("pow") is not None:
            scale = num ** int(m.group("pow"))
        elif m.group("exp") is not None:
            scale = num * 10.0 ** int(m.group("exp"))
        else:
            scale = num
        rest = text[m.end() :]
    words = rest.strip().lower().replace("×", " ").split()
    code = None
    i = 0
    while i < len(words):
        two = " ".join(words[i : i + 2])
        if two in _SCALE_WORDS:
            scale *= _SCALE_WORDS[two]
            i += 2
            continue
        w = words[i]
        if w in _SCALE_WORDS and code is None:
            scale *= _SCALE_WORDS[w]
        elif w in _CURRENCY_WORDS:
            code = _CURRENCY_WORDS[w]
        elif re.fullmatch(r"[a-z]{3}", w) and code is None:
            code = w.upper()
        else:
            raise ValueError(
                f"cannot read the money unit {unit!r}: unexpected {w!r}; write it "
                "like '10^4 CNY', '1e4 CNY', 'million USD'"
            )
        i += 1
    code = code or (str(currency).upper() if currency else None)
    if code is None:
        raise ValueError(
            f"cannot read the money unit {unit!r}: no currency; write it like '10^4 CNY'"
        )
    if not scale > 0:
        raise ValueError(f"cannot read the money unit {unit!r}: scale must be > 0")
    return float(scale), code


def _affluence(usd: np.ndarray, thresholds: Mapping[str, float]) -> list[str]:
    names = list(thresholds)
    bounds = np.array([thresholds[k] for k in names], float)
    if np.any(np.diff(bounds) <= 0):
        raise ValueError(
            f"The 'thresholds' parameter of classify_cities must have increasing "
            f"upper bounds. Got {dict(thresholds)!r} instead."
        )
    out = []
    for v in usd:
        if not np.isfinite(v):
            out.append("unknown")
        else:
            out.append(names[min(int(np.searchsorted(bounds, v, side="left")), len(names) - 1)])
    return out


def classify_cities(
    table: BaseTable,
    accounts: Accounts,
    *,
    stressor: str | None = None,
    households: bool = True,
    tau: float = 0.05,
    exchange_rate: float = CNY_PER_USD_2012,
    money_unit: str | None = None,
    thresholds: Mapping[str, float] | None = None,
    secondary_share_column: str = "secondary_share",
    structure_threshold: float | None = None,
) -> pd.DataFrame:
    """Classify every city: trade type, supply-chain role, affluence and structure.

    See the module docstring for the rules (docs/methods.md §3.3, §5.4).  Stable signature.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    accounts : Accounts
        Accounts of this table (:func:`mrio_city.accounts.footprints.compute_accounts`).
    stressor : str, optional
        Default: the first stressor.
    households : bool, default=True
        Use PBF and CBF including households' direct emissions (the difference PBF - CBF and
        hence the types do not depend on it; the reported values and the band do).
    tau : float, default=0.05
        Trade-balanced band ``|PBF - CBF| / PBF < tau``; 0 switches it off.
    exchange_rate : float, default=6.31
        Units of the table's currency per USD (ignored when the currency is USD).
    money_unit : str, optional
        Override ``table.meta.money_unit`` (e.g. ``'10^4 CNY'``).
    thresholds : mapping of str to float, optional
        Income classes -> upper bound in USD per person, increasing; default
        ``WORLD_BANK_FY2014_USD``.
    secondary_share_column : str, default='secondary_share'
        Column of ``table.city_attributes`` with the secondary-industry share of GDP.
    structure_threshold : float, optional
        Share at or above which a city is 'industrial'; default the median over cities.

    Returns
    -------
    DataFrame of shape (n_cities, 14)
        Index 'city'; columns production_based, consumption_based, embodied_in_exports,
        embodied_in_imports [stressor unit], relative_gap [1] ((PBF - CBF) / PBF),
        trade_type, supply_chain_role, population [persons], gdp_per_capita_usd
        [USD per person], affluence, secondary_share [1], structure,
        nonpositive_footprint (PBF or CBF <= 0) and production_led (bool).
        ``attrs['units']``, ``attrs['notes']`` and the switches.

    Raises
    ------
    LabelMismatchError
        Unknown stressor, or accounts of another table's cities.
    ValueError
        Negative ``tau``, non-positive ``exchange_rate`` or non-increasing thresholds.

    Warns
    -----
    NegativeFootprintWarning
        When PBF or CBF is zero or negative for some city (kept and flagged).
    MrioCityWarning
        When the money unit cannot be read (affluence is then 'unknown').
    """
    ensure_table(table)
    s = _check_classify_inputs(table, accounts, stressor, tau, exchange_rate)
    notes: list[str] = []
    pbf = (accounts.production_based_with_households if households else accounts.production_based)[
        s
    ]
    cbf = (
        accounts.consumption_based_with_households if households else accounts.consumption_based
    )[s]
    df = _trade_types(pbf, cbf, accounts, s, tau, notes)
    df.index = table.cities.copy()
    pop = table.population
    df["population"] = pop if pop is not None else np.nan
    usd, unit_text = _gdp_per_capita_usd(table, money_unit, exchange_rate, notes)
    df["gdp_per_capita_usd"] = usd
    df["affluence"] = _affluence(usd, thresholds or WORLD_BANK_FY2014_USD)
    share, structure, cut = _structure(
        table, df.index, secondary_share_column, structure_threshold, notes
    )
    df["secondary_share"] = share
    df["structure"] = structure
    bad = (pbf <= 0) | (cbf <= 0)
    df["nonpositive_footprint"] = bad.to_numpy()
    df["production_led"] = df["trade_type"] == "production-led"
    if bad.any():
        msg = (
            f"table {table.name!r}: zero or negative PBF or CBF for {int(bad.sum())} "
            f"city(ies): {first_labels(list(df.index[bad.to_numpy()]))}; kept and flagged "
            "in 'nonpositive_footprint'"
        )
        notes.append(msg)
        warnings.warn(msg, NegativeFootprintWarning, stacklevel=2)
    unit = accounts.units[s]
    df.index.name = table.cities.name
    df.attrs.update(
        units={
            "production_based": unit,
            "consumption_based": unit,
            "embodied_in_exports": unit,
            "embodied_in_imports": unit,
            "relative_gap": "1",
            "population": "persons",
            "gdp_per_capita_usd": "USD per person",
            "secondary_share": "1",
        },
        notes=notes,
        stressor=s,
        households=households,
        tau=tau,
        exchange_rate=exchange_rate,
        money_unit=unit_text,
        structure_threshold=cut,
        thresholds=dict(thresholds or WORLD_BANK_FY2014_USD),
    )
    return df


def _check_classify_inputs(table, accounts, stressor, tau, exchange_rate) -> str:
    """Check the switches and that the accounts are this table's; return the stressor."""
    if not (isinstance(tau, int | float) and tau >= 0):
        raise ValueError(
            f"The 'tau' parameter of classify_cities must be a float >= 0. Got {tau!r} instead."
        )
    if not (isinstance(exchange_rate, int | float) and exchange_rate > 0):
        raise ValueError(
            f"The 'exchange_rate' parameter of classify_cities must be a float "
            f"> 0. Got {exchange_rate!r} instead."
        )
    s = table.stressors[0] if stressor is None else str(stressor)
    if s not in accounts.production_based.columns:
        raise LabelMismatchError(
            f"classify_cities: stressor {s!r} is not in the accounts of table "
            f"{accounts.table_name!r}; have {first_labels(list(accounts.production_based.columns))}"
        )
    if not accounts.production_based.index.equals(table.cities):
        raise LabelMismatchError(
            f"classify_cities: the accounts (table {accounts.table_name!r}) do not cover the "
            f"cities of table {table.name!r}"
        )
    return s


def _trade_types(pbf, cbf, accounts, s: str, tau: float, notes: list[str]) -> pd.DataFrame:
    """Trade type (by the sign of PBF - CBF and the band tau) and supply-chain role."""
    eee = accounts.embodied_in_exports[s]
    eei = accounts.embodied_in_imports[s]
    diff = (pbf - cbf).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(pbf.to_numpy() > 0, diff / pbf.to_numpy(), np.nan)
    trade_type = np.where(diff > 0, "production-led", "consumption-led").astype(object)
    balanced = np.isfinite(gap) & (np.abs(gap) < tau)
    trade_type[balanced] = "trade-balanced"
    if tau > 0 and (pbf.to_numpy() <= 0).any():
        notes.append(
            "trade-balanced band undefined where PBF <= 0 (relative_gap NaN); those "
            "cities are typed by the sign of PBF - CBF"
        )
    role = np.where(
        eee > eei, "net producer", np.where(eee < eei, "net consumer", "balanced")
    ).astype(object)
    return pd.DataFrame(
        {
            "production_based": pbf,
            "consumption_based": cbf,
            "embodied_in_exports": eee,
            "embodied_in_imports": eei,
            "relative_gap": gap,
            "trade_type": trade_type,
            "supply_chain_role": role,
        },
        index=pbf.index,
    )


def _gdp_per_capita_usd(table, money_unit, exchange_rate, notes: list[str]):
    """GDP per person in USD (NaN where unknown) and the money unit read."""
    pop = table.population
    usd = np.full(table.n_cities, np.nan)
    unit_text = money_unit if money_unit is not None else table.meta.money_unit
    if table.gdp is None or pop is None:
        notes.append(
            f"table {table.name!r} has no "
            f"{'GDP' if table.gdp is None else 'population'}: affluence 'unknown'"
        )
        return usd, unit_text
    try:
        scale, currency = parse_money_unit(unit_text, currency=table.meta.currency)
    except ValueError as exc:
        msg = (
            f"table {table.name!r}: {exc}; affluence set to 'unknown' (pass "
            "money_unit=... to classify_cities)"
        )
        notes.append(msg)
        warnings.warn(msg, MrioCityWarning, stacklevel=3)
        return usd, unit_text
    rate = 1.0 if currency == "USD" else float(exchange_rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        usd = np.where(pop > 0, table.gdp * scale / rate / pop, np.nan)
    if (pop <= 0).any():
        notes.append("affluence 'unknown' where population is 0")
    return usd, unit_text


def _structure(table, index, column: str, threshold, notes: list[str]):
    """Secondary-industry share [1], 'industrial' / 'service-oriented' / 'unknown', cut."""
    attrs = table.city_attributes
    if attrs is None or column not in attrs.columns:
        notes.append(f"table {table.name!r} has no city attribute {column!r}: structure 'unknown'")
        return np.nan, "unknown", float("nan")
    share = pd.to_numeric(attrs[column], errors="coerce").reindex(index)
    cut = float(share.median()) if threshold is None else float(threshold)
    structure = np.where(
        share.isna(), "unknown", np.where(share >= cut, "industrial", "service-oriented")
    )
    if share.isna().any():
        notes.append(
            f"{column} missing for {int(share.isna().sum())} city(ies): structure 'unknown'"
        )
    return share.to_numpy(float), structure.astype(object), cut


def summarize_types(classes: pd.DataFrame, *, axes: tuple[str, ...] = AXES) -> pd.DataFrame:
    """Count cities and population per class on each typology axis.

    Parameters
    ----------
    classes : DataFrame
        Result of :func:`classify_cities`.
    axes : tuple of str, default=AXES
        Categorical columns to summarize.

    Returns
    -------
    DataFrame
        Columns axis, type, cities, city_share [1], population [persons], population_share [1]
        (NaN population shares when the table has no population).
    """
    missing = [a for a in axes if a not in classes.columns]
    if missing:
        raise LabelMismatchError(
            f"summarize_types: columns {first_labels(missing)} are not in "
            "the classification; pass the result of classify_cities"
        )
    n = len(classes)
    pop = classes["population"] if "population" in classes.columns else None
    total_pop = float(pop.sum()) if pop is not None and pop.notna().all() else np.nan
    rows = []
    for axis in axes:
        for value, group in classes.groupby(axis, sort=True):
            p = float(pop.loc[group.index].sum()) if np.isfinite(total_pop) else np.nan
            rows.append(
                {
                    "axis": axis,
                    "type": value,
                    "cities": len(group),
                    "city_share": len(group) / n if n else np.nan,
                    "population": p,
                    "population_share": p / total_pop if total_pop else np.nan,
                }
            )
    out = pd.DataFrame(
        rows, columns=["axis", "type", "cities", "city_share", "population", "population_share"]
    )
    out.attrs["units"] = {
        "cities": "count",
        "city_share": "1",
        "population": "persons",
        "population_share": "1",
    }
    return out
