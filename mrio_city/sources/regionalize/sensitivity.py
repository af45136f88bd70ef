"""Sensitivity of the China city table's headline numbers to the regionalization choices.

:func:`headline_numbers` computes, for one built table, the numbers compared with Zheng et al.
(2023): the inter-city supply-chain share in both definitions of docs/methods.md §1.7 (ISC-FD,
with and without households' direct emissions in the denominator, and the chain definition), the ten
highest per-capita footprints, the mean footprint of the ten cities with the highest GDP per
person, the population-weighted Gini of per-capita footprints, and the share of cities (and of
people) below the 2012 global average.  :func:`sensitivity_table` rebuilds the table for each
variant of :data:`DEFAULT_VARIANTS` (delta 0.1-0.4 for FLQ and AFLQ, CHARM, gravity decay x0.5
and x1.5, households by GDP elasticity) and returns one row per variant.  Nothing here is tuned
to reproduce a published number: the published values are a comparison row.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "headline_numbers",
    "sensitivity_table",
    "DEFAULT_VARIANTS",
    "GLOBAL_PER_CAPITA_2012",
    "US_PER_CAPITA_2012",
    "PUBLISHED",
]

#: Global mean CO2 per person, 2012 [t CO2] (docs/methods.md §5.2, GCB 2019).
GLOBAL_PER_CAPITA_2012 = 4.87
#: US consumption-based CO2 per person, 2012 [t CO2] (docs/methods.md §5.2).
US_PER_CAPITA_2012 = 18.4
#: Published findings of Zheng et al. (2023, Sci. Bull. 68:2456) for 309 cities, 2012.
PUBLISHED = {
    "isc_fd": 0.80,
    "share_cities_below_global": 0.5,
    "top10_richest_mean_t": US_PER_CAPITA_2012,
}

#: Variants: label -> build parameters (changes from the defaults).
DEFAULT_VARIANTS: dict[str, dict[str, Any]] = {
    "default (AFLQ, delta 0.15)": {},
    "AFLQ delta 0.1": {"delta": 0.1},
    "AFLQ delta 0.2": {"delta": 0.2},
    "AFLQ delta 0.3": {"delta": 0.3},
    "AFLQ delta 0.4": {"delta": 0.4},
    "FLQ delta 0.1": {"intermediate_method": "flq", "delta": 0.1},
    "FLQ delta 0.2": {"intermediate_method": "flq", "delta": 0.2},
    "FLQ delta 0.3": {"intermediate_method": "flq", "delta": 0.3},
    "FLQ delta 0.4": {"intermediate_method": "flq", "delta": 0.4},
    "CHARM (intermediate)": {"intermediate_method": "charm"},
    "gravity decay x0.5": {"decay_scale": 0.5},
    "gravity decay x1.5": {"decay_scale": 1.5},
    "households by GDP^0.5": {"household_proxy": "gdp_elasticity"},
}


def headline_numbers(table, accounts=None, *, stressor: str = "CO2") -> dict[str, Any]:
    """Return the headline numbers of one China city table.

    Parameters
    ----------
    table : StructuredMRIOTable
        A built city table with population and GDP.
    accounts : Accounts, optional
        :func:`mrio_city.accounts.compute_accounts` of the table (computed when absent).
    stressor : str, default='CO2'
        Stressor in t; per-capita values in t per person.

    Returns
    -------
    dict
        ``isc_fd`` (Q off-diagonal / Q total), ``isc_fd_with_households`` (households' direct
        emissions added to the denominator), ``isc_chain`` (1 - local-only chains / industrial
        emissions), ``mean_per_capita_t``, ``gini``, ``share_cities_below_global``,
        ``share_population_below_global``, ``top10_richest_mean_t`` (the ten highest GDP per
        person), ``top10_per_capita`` (list of (city, t per person)).
    """
    from mrio_city.accounts import compute_accounts
    from mrio_city.analyses.inequality import gini
    from mrio_city.solve.operator import operator_of

    acc = accounts if accounts is not None else compute_accounts(table)
    k = list(table.stressors).index(stressor)
    Q = acc.flows.xs(stressor, level=0).to_numpy()
    local = np.trace(Q)
    hh = table.household_emissions_by_city()[k]
    R, N = table.n_cities, table.n_sectors
    y_local = table.final_demand.sum(axis=2) * np.stack(
        [np.diagonal(np.asarray(table.final_trade_shares[i]) if isinstance(
            table.final_trade_shares, np.ndarray) else table.final_trade_shares[i].toarray())
         for i in range(N)], axis=1,
    )  # fmt: skip
    x_local = operator_of(table).apply_local_inverse(y_local.reshape(R * N, 1))[:, 0]
    chain_local = float(table.direct_intensities[k] @ x_local)
    cbf = acc.consumption_based_with_households[stressor].to_numpy()
    pop = np.asarray(table.population, float)
    pc = pd.Series(cbf / pop, index=table.cities)
    gdp_pc = pd.Series(np.asarray(table.gdp, float) / pop, index=table.cities)
    richest = gdp_pc.sort_values(ascending=False).index[:10]
    top = pc.sort_values(ascending=False).head(10)
    below = pc < GLOBAL_PER_CAPITA_2012
    return {
        "isc_fd": float((Q.sum() - local) / Q.sum()),
        "isc_fd_with_households": float((Q.sum() - local) / (Q.sum() + hh.sum())),
        "isc_chain": float(1 - chain_local / table.F[k].sum()),
        "mean_per_capita_t": float(cbf.sum() / pop.sum()),
        "gini": float(gini(pc, pd.Series(pop, index=table.cities))),
        "share_cities_below_global": float(below.mean()),
        "share_population_below_global": float(pop[below.to_numpy()].sum() / pop.sum()),
        "top10_richest_mean_t": float(pc[richest].mean()),
        "top10_per_capita": [(str(c), round(float(v), 2)) for c, v in top.items()],
    }


def sensitivity_table(
    year: int = 2012,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    variants: Mapping[str, Mapping[str, Any]] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Rebuild the China city table for each variant and return its headline numbers.

    Parameters
    ----------
    year : {2012, 2017}
    data_dir : str or PathLike, optional
        Real-data folder.
    variants : mapping, optional
        Label -> keyword arguments of :func:`~mrio_city.sources.regionalize.build_china_cities`;
        default :data:`DEFAULT_VARIANTS`.
    progress : bool, default=False
        Show a progress bar over variants.

    Returns
    -------
    DataFrame
        One row per variant (index ``variant``) with the columns of :func:`headline_numbers`
        (``top10_per_capita`` as text), plus a ``published`` row for 2012.
    """
    from mrio_city._progress import progress_bar
    from mrio_city.sources.regionalize.build import build_china_cities

    chosen = dict(DEFAULT_VARIANTS if variants is None else variants)
    rows = {}
    for label in progress_bar(list(chosen), enabled=progress, desc="sensitivity", unit="table"):
        table = build_china_cities(year, data_dir=data_dir, **chosen[label])
        h = headline_numbers(table)
        h["top10_per_capita"] = ", ".join(f"{c} {v:.1f}" for c, v in h["top10_per_capita"])
        rows[label] = h
    out = pd.DataFrame.from_dict(rows, orient="index")
    if year == 2012:
        out.loc["published (Zheng et al. 2023, 309 cities)"] = pd.Series(PUBLISHED)
    out.index.name = "variant"
    return out


def format_markdown(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> str:
    """Render a sensitivity table as a Markdown table (percentages for shares)."""
    cols = list(columns or [c for c in frame.columns if c != "top10_per_capita"])
    lines = ["| variant | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for label, row in frame.iterrows():
        cells = []
        for c in cols:
            v = row.get(c)
            if v is None or (isinstance(v, float) and np.isnan(v)):
                cells.append("")
            elif c.startswith(("isc", "share")):
                cells.append(f"{100 * v:.1f} %")
            else:
                cells.append(f"{v:.2f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
