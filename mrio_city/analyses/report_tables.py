"""The tables behind the inequality and indicator reports (computing only; no files).

:func:`inequality_tables` and :func:`indicator_tables` collect, for every city, the numbers the
reports of :mod:`mrio_city.exports.reports` write: per-capita footprints, inequality measures,
Lorenz curve, deciles, Theil decomposition; Lin/Cui indicators, scopes and the typology.  Every
frame carries its units in ``attrs['units']``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from mrio_city.accounts.footprints import Accounts
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.errors import LabelMismatchError, TableValidationError
from mrio_city.model.labels import CITY, first_labels

__all__ = [
    "per_capita_footprints",
    "inequality_tables",
    "indicator_tables",
    "REFERENCE_NAMES",
    "reference_label",
]

#: Unit of the reference levels (global average, US) drawn on charts.
_REFERENCE_UNIT = "t CO2"

#: Key (used in measure names such as ``cities_below_<key>``) and human label of each
#: default reference level of :data:`mrio_city.analyses.inequality.REFERENCE_LEVELS`.
REFERENCE_NAMES: dict[str, tuple[str, str]] = {
    "global_2012": ("global_average_2012", "global average 2012"),
    "us_2012": ("us_2012", "US 2012"),
}


def _stressor(accounts: Accounts, stressor: str | None) -> str:
    cols = list(accounts.production_based.columns)
    s = cols[0] if stressor is None else str(stressor)
    if s not in cols:
        raise LabelMismatchError(
            f"stressor {s!r} is not in the accounts of table "
            f"{accounts.table_name!r}; have {first_labels(cols)}"
        )
    return s


def per_capita_footprints(
    table: BaseTable, accounts: Accounts, *, stressor: str | None = None, households: bool = True
) -> pd.DataFrame:
    """Per-capita consumption-based footprint of every city, split into local and imported.

    ``per_capita = CBF / P``, ``local = (Q[r, r] + F_Y^r) / P`` (households' direct emissions
    only when ``households``), ``imported = EEI / P``; so ``local + imported = per_capita``.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
        Must carry a population.
    accounts : Accounts
    stressor : str, optional
        Default: the first stressor.
    households : bool, default=True
        Include households' direct emissions.

    Returns
    -------
    DataFrame of shape (n_cities, 6 or 7)
        Index 'city'; population [persons], consumption_based [stressor unit], per_capita,
        local, imported [stressor unit per person], nonpositive_footprint (bool), and the
        group columns of ``table.city_attributes`` named 'province' when present.

    Raises
    ------
    TableValidationError
        If the table has no population, or a population is zero.
    """
    ensure_table(table)
    s = _stressor(accounts, stressor)
    if table.population is None:
        raise TableValidationError(
            f"table {table.name!r} has no population: per-capita footprints and their "
            "inequality need the resident population of every city"
        )
    pop = pd.Series(np.asarray(table.population, float), index=table.cities.copy())
    zero = pop <= 0
    if zero.any():
        raise TableValidationError(
            f"table {table.name!r}: population is 0 for {int(zero.sum())} city(ies): "
            f"{first_labels(list(pop.index[zero]))}; per-capita footprints are undefined"
        )
    cbf = (
        accounts.consumption_based_with_households if households else accounts.consumption_based
    )[s]
    local = accounts.local[s] + (accounts.households[s] if households else 0.0)
    unit = accounts.units[s]
    df = pd.DataFrame(
        {
            "population": pop,
            "consumption_based": cbf,
            "per_capita": cbf / pop,
            "local": local / pop,
            "imported": accounts.embodied_in_imports[s] / pop,
        }
    )
    df["nonpositive_footprint"] = (cbf <= 0).to_numpy()
    if table.city_attributes is not None and "province" in table.city_attributes.columns:
        df["province"] = table.city_attributes["province"].reindex(df.index).astype(str)
    df.index.name = CITY
    pc = f"{unit} per person"
    df.attrs.update(
        units={
            "population": "persons",
            "consumption_based": unit,
            "per_capita": pc,
            "local": pc,
            "imported": pc,
        },
        stressor=s,
        households=households,
    )
    return df


def _references(unit: str, references: Mapping[str, float] | None) -> dict[str, float]:
    from mrio_city.analyses.inequality import REFERENCE_LEVELS

    if references is not None:
        return {str(k): float(v) for k, v in references.items()}
    if unit != _REFERENCE_UNIT:
        return {}
    return {REFERENCE_NAMES.get(k, (k,))[0]: float(v.value) for k, v in REFERENCE_LEVELS.items()}


def reference_label(key: str) -> str:
    """Human label of a reference level key (``global_average_2012``: 'global average 2012').

    Other keys: underscores become spaces.
    """
    labels = {slug: label for slug, label in REFERENCE_NAMES.values()}
    return labels.get(key, key.replace("_", " "))


def inequality_tables(
    table: BaseTable,
    accounts: Accounts,
    *,
    group: str | None = "province",
    stressor: str | None = None,
    households: bool = True,
    references: Mapping[str, float] | None = None,
) -> dict[str, pd.DataFrame]:
    """Inequality tables of per-capita footprints across cities.

    Parameters
    ----------
    table, accounts
        The table (with population) and its accounts.
    group : str or None, default='province'
        Column of ``table.city_attributes`` to decompose Theil T and L by; None: no
        decomposition.
    stressor : str, optional
    households : bool, default=True
    references : mapping of str to float, optional
        Per-capita reference levels [stressor unit per person]; default: global average and US
        2012 (:data:`mrio_city.analyses.inequality.REFERENCE_LEVELS`) when the unit is t CO2.

    Returns
    -------
    dict of str to DataFrame
        ``summary`` (measure, value, unit), ``per_capita``, ``lorenz``, ``deciles`` and, with a
        group, ``theil_groups`` (one row per group and index).
    """
    from mrio_city.analyses import inequality as ineq
    from mrio_city.analyses.inequality_quantiles import decile_table

    pc = per_capita_footprints(table, accounts, stressor=stressor, households=households)
    unit = pc.attrs["units"]["per_capita"]
    refs = _references(accounts.units[pc.attrs["stressor"]], references)
    y, w = pc["per_capita"], pc["population"]
    summary = ineq.inequality_summary(y, w, reference_levels=refs)
    summary["unit"] = summary["unit"].replace({ineq.UNIT: unit})
    extra = [("cities_above_" + k, float((y > v).sum()), "cities") for k, v in refs.items()]
    extra.append(("nonpositive_footprints", float(pc["nonpositive_footprint"].sum()), "cities"))
    tables = {"per_capita": pc}
    group_units = {  # columns shared by the Theil group and decile tables
        "n_cities": "cities",
        "population_share": "1",
        "emission_share": "1",
        "mean_per_capita": unit,
    }
    if group is not None:
        attrs = table.city_attributes
        if attrs is None or group not in attrs.columns:
            have = [] if attrs is None else list(attrs.columns)
            raise LabelMismatchError(
                f"table {table.name!r} has no city attribute {group!r} to group cities by; "
                f"city attributes: {first_labels(have) or 'none'} (use group=None; on the "
                "command line --group none)"
            )
        groups = attrs[group].reindex(pc.index).astype(str)
        parts = []
        for kind in ("T", "L"):
            dec = ineq.theil_decomposition(y, w, groups, kind=kind)
            extra += [
                (f"theil_{kind.lower()}_between_{group}", dec.between, "1"),
                (f"theil_{kind.lower()}_within_{group}", dec.within, "1"),
                (
                    f"theil_{kind.lower()}_between_share",
                    dec.between / dec.total if dec.total else float("nan"),
                    "1",
                ),
            ]
            g = dec.groups.copy()
            g.insert(0, "theil_index", f"theil_{kind.lower()}")
            parts.append(g)
        theil = pd.concat(parts)
        theil.index.name = group
        theil.attrs["units"] = {
            **group_units,
            "within_index": "1",
            "between_contribution": "1",
            "within_contribution": "1",
        }
        tables["theil_groups"] = theil
    more = pd.DataFrame(extra, columns=["measure", "value", "unit"]).set_index("measure")
    summary = pd.concat([summary, more])
    summary.attrs = {}
    tables = {"summary": summary, **tables}
    lorenz = ineq.lorenz_curve(y, w)
    lorenz.index.name = "point"
    lorenz.attrs["units"] = {"population_share": "1", "emission_share": "1"}
    tables["lorenz"] = lorenz
    deciles = decile_table(y, w)
    deciles.attrs["units"] = {**group_units, "min_per_capita": unit, "max_per_capita": unit}
    tables["deciles"] = deciles
    for frame in tables.values():
        frame.attrs["references"] = refs
    return tables


def indicator_tables(
    table: BaseTable,
    accounts: Accounts,
    *,
    boundary_set: Literal["ramaswami4", "trade4"] = "ramaswami4",
    variant: Literal["lincui", "final_demand"] = "lincui",
    households: bool = True,
    stressor: str | None = None,
    energy_sectors: Sequence[str] | str | None = None,
    key_sectors: Sequence[str] | str | None = None,
    tau: float = 0.05,
    progress: bool = False,
) -> dict[str, pd.DataFrame]:
    """Indicator, scope and typology tables of every city (one pass for U).

    Returns
    -------
    dict of str to DataFrame
        ``indicators`` (:func:`mrio_city.analyses.indicators.urban_indicators`), ``scopes``
        (:func:`mrio_city.accounts.scopes.compute_scopes`; left out when
        ``boundary_set='trade4'`` and no energy sector is found), ``typology``
        (:func:`mrio_city.analyses.typology.classify_cities`) and ``type_summary``.
    """
    from mrio_city.accounts.scopes import compute_scopes, energy_sector_labels
    from mrio_city.analyses.indicators import urban_indicators
    from mrio_city.analyses.typology import classify_cities, summarize_types

    ensure_table(table)
    s = _stressor(accounts, stressor)
    ind = urban_indicators(
        table,
        accounts,
        households=households,
        boundary_set=boundary_set,
        variant=variant,
        stressor=s,
        energy_sectors=energy_sectors,
        key_sectors=key_sectors,
        progress=progress,
    )
    notes = list(ind.attrs["notes"])
    out = {"indicators": ind}
    u_col = "embodied_in_imports" if variant == "lincui" else "embodied_in_imports_lincui"
    try:
        energy = energy_sector_labels(table, energy_sectors)
    except LabelMismatchError as exc:
        if boundary_set == "ramaswami4":
            raise
        notes.append(f"scopes left out: {exc}")
    else:
        upstream = pd.DataFrame({s: ind[u_col]})
        out["scopes"] = compute_scopes(
            table,
            accounts,
            stressor=s,
            energy_sectors=energy,
            households=households,
            upstream=upstream,
        )
    classes = classify_cities(table, accounts, stressor=s, households=households, tau=tau)
    notes += classes.attrs["notes"]
    out["typology"] = classes
    out["type_summary"] = summarize_types(classes)
    for frame in out.values():
        frame.attrs["notes"] = notes
    return out
