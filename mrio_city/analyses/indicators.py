"""Lin/Cui footprint boundaries and low-carbon-city indicators (docs/methods.md §2).

Per city r and one stressor (``households=True`` adds households' direct emissions ``F_Y`` to
DE and to the consumption footprint; EEI/EEE are unaffected):

* ``DE``: direct (territorial) emissions, ``production_based[_with_households]``;
* Lin/Cui (``variant='lincui'``, default): ``EEI = U``
  (:func:`mrio_city.accounts.scopes.upstream_outside`,
  emissions embodied in *all* of r's purchases from other cities, used locally or re-exported)
  and ``EEE = DE + EEI - CF_C`` (closes the balance);
* MRIO final-demand attribution (``variant='final_demand'``): ``EEI``, ``EEE`` of
  :mod:`mrio_city.accounts.footprints` (docs/methods.md §1.3);

Boundaries (``boundary_set='ramaswami4'``; ``'trade4'`` replaces B4):

=====  ================================  =========================================
id     column                            formula
=====  ================================  =========================================
B1     ``territorial``                   ``CF_T = DE``
B2     ``community_supply_chain``        ``CF_P = DE + EEI``
B3     ``consumption_based``             ``CF_C = DE + EEI - EEE`` (= CBF, both variants)
B4     ``infrastructure_supply_chain``   ``CF_I = DE + S2 + U_key - S2_key``
B4'    ``net_transfer`` (trade4)         ``CF_TB = EEI - EEE``
=====  ================================  =========================================

``U_key`` is U restricted to purchases of the key infrastructure products (electricity/heat,
fuels, food, cement and building materials, iron and steel, water, transport; chosen by label,
``key_sectors``).  ``S2_key`` is the part of scope 2 S2 bought from key sectors: scope 2 is the
first tier of ``U_electricity``, so it is subtracted once to avoid counting it twice when
electricity is a key sector (docs/methods.md §2: ``DE + scope 2 + EEI of key sectors``).
``U_key`` is the Lin/Cui (purchases-based) quantity in both variants.

Indicators: ``production_intensity`` CPI = CF_P / GDP (``production_intensity_territorial`` =
CF_T / GDP); ``consumption_level`` CCL = CF_C / population; ``import_export_balance`` BIE =
EEI - EEE (> 0 net carbon consumer), ``import_export_ratio`` = EEI / EEE;
``trade_intensity_balance`` BTI = EEI / IM - EEE / EX with IM, EX gross monetary imports and
exports (:func:`gross_trade`).  The other variant's EEI, EEE and BTI are added as cross-check
columns with the suffix ``_final_demand`` or ``_lincui``.

Conventions: a term ``EEI / IM`` (or ``EEE / EX``) is 0 when both are 0 and NaN when only the
denominator is 0; ratios and per-GDP/per-capita values are NaN where the denominator is 0.
Every such case is listed in ``attrs['notes']``.  Columns needing GDP or population are left out
(with a note) when the table has none.  Zero or negative footprints are flagged in
``nonpositive_footprint`` and reported with a :class:`NegativeFootprintWarning`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from mrio_city.accounts.footprints import Accounts, compute_accounts
from mrio_city.accounts.purchases import purchases_by_city
from mrio_city.accounts.scopes import (
    _check_stressor,
    energy_sector_labels,
    scope2,
    upstream_outside_groups,
)
from mrio_city.analyses.indicator_catalogue import INDICATOR_SYMBOLS, indicator_unit
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.errors import LabelMismatchError, NegativeFootprintWarning
from mrio_city.model.labels import first_labels, sector_labels
from mrio_city.solve.solver import LeontiefSolver

__all__ = [
    "BOUNDARY_SETS",
    "VARIANTS",
    "KEY_SECTOR_PATTERNS",
    "key_sector_labels",
    "gross_trade",
    "urban_indicators",
]

BOUNDARY_SETS = ("ramaswami4", "trade4")
VARIANTS = ("lincui", "final_demand")

#: Default key infrastructure sectors for B4: labels containing any of these (case-insensitive).
KEY_SECTOR_PATTERNS = (
    "electricity",
    "heat",
    "petroleum",
    "refin",
    "coking",
    "fuel",
    "gas",
    "food",
    "agricultur",
    "cement",
    "nonmetal",
    "non-metal",
    "iron",
    "steel",
    "smelting",
    "metallurg",
    "water",
    "transport",
)


def key_sector_labels(
    table: BaseTable, key_sectors: Sequence[str] | str | None = None
) -> list[str]:
    """Return the key infrastructure sectors of boundary B4.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    key_sectors : sequence of str, optional
        Explicit sector labels; default: labels containing any of ``KEY_SECTOR_PATTERNS``.

    Returns
    -------
    list of str
        May be empty with the default (then ``CF_I = DE + S2``).

    Raises
    ------
    LabelMismatchError
        If an explicit label is not a sector of the table.
    """
    ensure_table(table)
    if key_sectors is None:
        return [
            str(s) for s in table.sectors if any(p in str(s).lower() for p in KEY_SECTOR_PATTERNS)
        ]
    return sector_labels(table, key_sectors, what="key_sectors")


def _import_rows(table: BaseTable, import_rows: Sequence[str] | str | None) -> list[str]:
    if import_rows == "auto":
        return [str(v) for v in table.value_added_labels if "import" in str(v).lower()]
    if import_rows is None:
        return []
    labels = [import_rows] if isinstance(import_rows, str) else [str(v) for v in import_rows]
    unknown = [v for v in labels if v not in table.value_added_labels]
    if unknown:
        raise LabelMismatchError(
            f"table {table.name!r}: import_rows {first_labels(unknown)} are not value-added rows; "
            f"the rows are {first_labels(list(table.value_added_labels))}"
        )
    return labels


def gross_trade(
    table: BaseTable, *, import_rows: Sequence[str] | str | None = "auto"
) -> pd.DataFrame:
    """Gross monetary imports and exports of every city (intermediate + final + international).

    ``T[s, d] = sum_i P[(s, i), d]`` is the city-to-city matrix of gross purchases
    (:func:`mrio_city.accounts.purchases.purchases_by_city`, built in chunks; for structured tables
    from
    trade shares x technology x output, nothing n x n is formed).

    * ``imports_from_cities[r] = sum_{s != r} T[s, r]``;
    * ``imports_international[r]`` = the value-added rows named in ``import_rows`` summed over
      r's sectors (the table model has no final-demand import rows);
    * ``exports_to_cities[r] = sum_{d != r} T[r, d]``;
    * ``exports_abroad[r]`` = all export/other final columns of r's nodes;
    * ``imports`` and ``exports``: the totals (IM and EX of BTI).

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    import_rows : sequence of str, 'auto' or None, default='auto'
        Value-added rows holding international imports; 'auto': rows whose label contains
        'import' (case-insensitive); None: none.

    Returns
    -------
    DataFrame of shape (n_cities, 6)
        Index 'city' [money unit of the table, in ``attrs['units']``].
    """
    ensure_table(table)
    R, N = table.n_cities, table.n_sectors
    T = np.zeros((R, R))
    step = max(1, min(R, 2**24 // max(table.n_nodes, 1)))
    for start in range(0, R, step):
        sel = np.arange(start, min(start + step, R))
        T[:, sel] = purchases_by_city(table, sel).reshape(R, N, sel.size).sum(axis=1)
    own = np.diag(T)
    rows = _import_rows(table, import_rows)
    if rows:
        pos = table.value_added_labels.get_indexer(rows)
        intl = table.value_added[pos].sum(axis=0).reshape(R, N).sum(axis=1)
    else:
        intl = np.zeros(R)
    abroad = table.exports.sum(axis=1).reshape(R, N).sum(axis=1)
    df = pd.DataFrame(
        {
            "imports_from_cities": T.sum(axis=0) - own,
            "imports_international": intl,
            "exports_to_cities": T.sum(axis=1) - own,
            "exports_abroad": abroad,
        },
        index=table.cities.copy(),
    )
    df["imports"] = df["imports_from_cities"] + df["imports_international"]
    df["exports"] = df["exports_to_cities"] + df["exports_abroad"]
    df.attrs["units"] = {c: table.meta.money_unit for c in df.columns}
    df.attrs["import_rows"] = rows
    return df


def _divide(
    num: pd.Series,
    den: pd.Series,
    *,
    name: str,
    notes: list[str],
    zero_over_zero: float | None = None,
) -> pd.Series:
    """Divide num by den with NaN (or ``zero_over_zero`` for 0/0) where den == 0, noted."""
    n = num.to_numpy(float)
    d = den.to_numpy(float)
    out = np.full(n.shape, np.nan)
    ok = d != 0
    np.divide(n, d, out=out, where=ok)
    if zero_over_zero is not None:
        out[~ok & (n == 0)] = zero_over_zero
    bad = ~ok & np.isnan(out)
    if bad.any():
        notes.append(
            f"{name}: undefined (denominator 0) for {int(bad.sum())} city(ies): "
            f"{first_labels(list(num.index[bad]))}"
        )
    return pd.Series(out, index=num.index)


def urban_indicators(
    table: BaseTable,
    accounts: Accounts | None = None,
    solver: LeontiefSolver | None = None,
    *,
    households: bool = True,
    boundary_set: Literal["ramaswami4", "trade4"] = "ramaswami4",
    variant: Literal["lincui", "final_demand"] = "lincui",
    stressor: str | None = None,
    energy_sectors: Sequence[str] | str | None = None,
    key_sectors: Sequence[str] | str | None = None,
    import_rows: Sequence[str] | str | None = "auto",
    method: Literal["auto", "masked", "woodbury", "direct"] = "auto",
    progress: bool = False,
) -> pd.DataFrame:
    """Four footprint boundaries and four low-carbon indicators of every city (Lin/Cui).

    See the module docstring for the formulas and conventions.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    accounts : Accounts, optional
        Accounts of this table (computed when absent).
    solver : LeontiefSolver, optional
        Default: ``accounts.solver``.
    households : bool, default=True
        Include households' direct emissions in DE and CF_C.
    boundary_set : {'ramaswami4', 'trade4'}, default='ramaswami4'
        B4 is the infrastructure footprint CF_I ('ramaswami4') or the net transfer CF_TB.
    variant : {'lincui', 'final_demand'}, default='lincui'
        Which EEI/EEE feed CF_P, CPI, BIE and BTI (the other is added for comparison).
    stressor : str, optional
        Default: the first stressor.
    energy_sectors : sequence of str, optional
        Energy-supply sectors of scope 2 (ramaswami4 only); default: labels containing
        'Electricity'.
    key_sectors : sequence of str, optional
        Key infrastructure sectors of CF_I; default: ``KEY_SECTOR_PATTERNS`` matches.
    import_rows : sequence of str, 'auto' or None, default='auto'
        International import rows for IM (:func:`gross_trade`).
    method : {'auto', 'masked', 'woodbury', 'direct'}, default='auto'
        How U is computed (:func:`mrio_city.accounts.scopes.upstream_outside`).
    progress : bool, default=False

    Returns
    -------
    DataFrame of shape (n_cities, n_columns)
        Index 'city'; ``attrs['units']`` (column -> unit: stressor unit, money unit, per-GDP
        and per-person units), ``attrs['symbols']``, ``attrs['notes']`` and the switches.

    Raises
    ------
    ValueError
        For an unknown ``boundary_set`` or ``variant``.
    LabelMismatchError
        For unknown stressor, energy or key sectors.

    Warns
    -----
    NegativeFootprintWarning
        When a boundary footprint is zero or negative for some city.
    """
    ensure_table(table)
    if boundary_set not in BOUNDARY_SETS:
        raise ValueError(
            f"The 'boundary_set' parameter of urban_indicators must be one of "
            f"{BOUNDARY_SETS}. Got {boundary_set!r} instead."
        )
    if variant not in VARIANTS:
        raise ValueError(
            f"The 'variant' parameter of urban_indicators must be one of "
            f"{VARIANTS}. Got {variant!r} instead."
        )
    s = _check_stressor(table, stressor)
    ramaswami = boundary_set == "ramaswami4"
    energy = energy_sector_labels(table, energy_sectors) if ramaswami else []
    key = key_sector_labels(table, key_sectors) if ramaswami else []
    trade = gross_trade(table, import_rows=import_rows)
    if accounts is None:
        accounts = compute_accounts(table, solver)
    solver = solver if solver is not None else accounts.solver
    groups: dict[str, list[str] | None] = {"all": None}
    if ramaswami and key:
        groups["key"] = key
    ups = upstream_outside_groups(table, groups, solver, method=method, progress=progress)
    notes: list[str] = []
    unit = table.units[s]
    money = table.meta.money_unit
    de = (accounts.production_based_with_households if households else accounts.production_based)[s]
    cbf = (
        accounts.consumption_based_with_households if households else accounts.consumption_based
    )[s]
    eei = {"lincui": ups["all"][s], "final_demand": accounts.embodied_in_imports[s]}
    eee = {"lincui": de + eei["lincui"] - cbf, "final_demand": accounts.embodied_in_exports[s]}
    other = "final_demand" if variant == "lincui" else "lincui"
    df = pd.DataFrame(index=table.cities.copy())
    df["direct_emissions"] = de
    df["embodied_in_imports"] = eei[variant]
    df["embodied_in_exports"] = eee[variant]
    df["territorial"] = de
    df["community_supply_chain"] = de + eei[variant]
    df["consumption_based"] = de + eei[variant] - eee[variant]
    if ramaswami:
        _infrastructure(df, table, s, energy, key, ups, notes)
    else:
        df["net_transfer"] = eei[variant] - eee[variant]
    df["gross_imports"] = trade["imports"]
    df["gross_exports"] = trade["exports"]
    _per_gdp_and_person(df, table, notes)
    df["import_export_balance"] = eei[variant] - eee[variant]
    df["import_export_ratio"] = _divide(
        eei[variant], eee[variant], name="import_export_ratio", notes=notes
    )
    for v in (variant, other):
        bti = _divide(
            eei[v], trade["imports"], name=f"EEI/IM ({v})", notes=notes, zero_over_zero=0.0
        ) - _divide(eee[v], trade["exports"], name=f"EEE/EX ({v})", notes=notes, zero_over_zero=0.0)
        col = "trade_intensity_balance" if v == variant else f"trade_intensity_balance_{v}"
        df[col] = bti
    df[f"embodied_in_imports_{other}"] = eei[other]
    df[f"embodied_in_exports_{other}"] = eee[other]
    _flag_nonpositive(df, table, ramaswami, notes)
    df.index.name = table.cities.name
    df.attrs.update(
        units={
            c: indicator_unit(c, stressor_unit=unit, money_unit=money)
            for c in df.columns
            if c != "nonpositive_footprint"
        },
        symbols={
            c: INDICATOR_SYMBOLS.get(c.replace(f"_{other}", ""), "")
            + (f" ({other})" if c.endswith(f"_{other}") else "")
            for c in df.columns
            if c != "nonpositive_footprint"
        },
        notes=notes,
        stressor=s,
        households=households,
        boundary_set=boundary_set,
        variant=variant,
        energy_sectors=energy,
        key_sectors=key,
        import_rows=trade.attrs["import_rows"],
    )
    return df


def _infrastructure(df, table, s, energy, key, ups, notes: list[str]) -> None:
    """B4 of 'ramaswami4': CF_I = DE + S2 + U_key - S2_key, with S2 and U_key beside it."""
    de = df["direct_emissions"]
    s2_all = scope2(table, energy_sectors=energy)[s]
    key_energy = [e for e in energy if e in key]
    s2_key = scope2(table, energy_sectors=key_energy)[s] if key_energy else 0.0 * s2_all
    u_key = ups["key"][s] if "key" in ups else 0.0 * s2_all
    df["infrastructure_supply_chain"] = de + s2_all + u_key - s2_key
    df["scope2"] = s2_all
    df["upstream_key_products"] = u_key
    if not key:
        notes.append("no key infrastructure sector matched: CF_I = DE + S2")


def _per_gdp_and_person(df, table, notes: list[str]) -> None:
    """CPI (per GDP, also of the territorial footprint) and CCL (per person), where known."""
    if table.gdp is not None:
        gdp = pd.Series(table.gdp, index=df.index)
        df["gdp"] = gdp
        df["production_intensity"] = _divide(
            df["community_supply_chain"], gdp, name="production_intensity", notes=notes
        )
        df["production_intensity_territorial"] = _divide(
            df["territorial"], gdp, name="production_intensity_territorial", notes=notes
        )
    else:
        notes.append(f"table {table.name!r} has no GDP: production_intensity (CPI) left out")
    if table.population is not None:
        pop = pd.Series(table.population, index=df.index)
        df["population"] = pop
        df["consumption_level"] = _divide(
            df["consumption_based"], pop, name="consumption_level", notes=notes
        )
    else:
        notes.append(f"table {table.name!r} has no population: consumption_level (CCL) left out")


def _flag_nonpositive(df, table, ramaswami: bool, notes: list[str]) -> None:
    """Flag (and warn about) cities with a zero or negative footprint boundary."""
    boundary_cols = ["territorial", "community_supply_chain", "consumption_based"]
    if ramaswami:
        boundary_cols.append("infrastructure_supply_chain")
    bad = (df[boundary_cols] <= 0).any(axis=1)
    df["nonpositive_footprint"] = bad
    if bad.any():
        msg = (
            f"table {table.name!r}: zero or negative footprint boundary (of "
            f"{', '.join(boundary_cols)}) for {int(bad.sum())} city(ies): "
            f"{first_labels(list(df.index[bad]))}; kept as computed and flagged in "
            "'nonpositive_footprint'"
        )
        notes.append(msg)
        warnings.warn(msg, NegativeFootprintWarning, stacklevel=3)
