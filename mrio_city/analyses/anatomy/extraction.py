"""Hypothetical extraction (HEM): a city or a city-sector taken out of the supply chains.

For an extracted set S of nodes, ``A*`` is A with S's intermediate links removed and
``x* = (I - A*)^-1 y`` with ``y`` the table's total final demand (domestic and exports, kept for
every node, S included).  The variants (Miller & Blair 2009, section 12.2; Dietzenbacher & van
der Linden 1997, Journal of Regional Science 37: 235-257):

* ``'total'``: S's rows and columns zeroed (S neither buys from nor sells to the supply chains);
* ``'backward'``: S's columns zeroed (S buys no intermediate inputs: its backward linkages);
* ``'forward'``: S's rows zeroed (nobody buys S's output as an input: its forward linkages).

The emission change of producing city c when S is extracted is
``effect[S, c] = sum_{i in c} f_i (x_i - x*_i)``; the national change is its sum.  Every
extraction is one column of :func:`mrio_city.solve.solve_extracted` on the table's own solver
(for whole cities of a structured table: the masked iteration, about one ordinary solve).

Supply-chain role of a city r: ``backward_effect[r]`` and ``forward_effect[r]`` are the emissions
lost in *other* cities when r's backward or forward links are extracted; the indices divide each
by its mean over cities (Rasmussen-style normalization) and the role is ``'hub'`` (both > 1),
``'key buyer'`` (backward only), ``'key supplier'`` (forward only) or ``'peripheral'``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mrio_city._progress import progress_bar
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.errors import LabelMismatchError
from mrio_city.model.labels import CITY, did_you_mean
from mrio_city.solve import LeontiefSolver, factorize, solve_extracted

__all__ = ["LINKAGES", "extraction_effects", "supply_chain_roles"]

LINKAGES = ("total", "backward", "forward")


def _masks(table: BaseTable, units: Sequence[str | tuple[str, str]]) -> tuple[np.ndarray, list]:
    R, N = table.n_cities, table.n_sectors
    mask = np.zeros((R * N, len(units)), dtype=bool)
    labels = []
    for k, unit in enumerate(units):
        if isinstance(unit, tuple):
            city, sector = unit
            if city not in table.cities or sector not in table.sectors:
                raise LabelMismatchError(
                    f"table {table.name!r} has no city-sector ({city!r}, {sector!r})"
                )
            mask[table.cities.get_loc(city) * N + table.sectors.get_loc(sector), k] = True
            labels.append(f"{city} / {sector}")
        else:
            if unit not in table.cities:
                raise LabelMismatchError(
                    f"city {unit!r} is not a city of table {table.name!r}"
                    f"{did_you_mean(str(unit), [str(c) for c in table.cities])}"
                )
            c = table.cities.get_loc(unit)
            mask[c * N : (c + 1) * N, k] = True
            labels.append(str(unit))
    return mask, labels


def extraction_effects(
    table: BaseTable,
    solver: LeontiefSolver | None = None,
    *,
    extract: Sequence[str | tuple[str, str]] | None = None,
    linkage: str = "total",
    stressor: str | None = None,
    chunk: int = 64,
    progress: bool = False,
) -> pd.DataFrame:
    """Emission change of every producing city when each unit is extracted.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    solver : LeontiefSolver, optional
        Factorization of the whole table (made when absent).
    extract : sequence of city names or (city, sector) pairs, optional
        The units extracted one at a time; default every city.
    linkage : {'total', 'backward', 'forward'}, default='total'
    stressor : str, optional
        Default: the first stressor.
    chunk : int, default=64
        Extractions solved together.
    progress : bool, default=False

    Returns
    -------
    DataFrame (n_extracted, n_cities)
        ``effect[S, c]``: emissions of city c that disappear when S is extracted [unit]
        (index 'extracted', columns 'city'); ``attrs['national']`` holds the row sums.
    """
    ensure_table(table)
    if linkage not in LINKAGES:
        raise ValueError(f"linkage must be one of {LINKAGES}, got {linkage!r}")
    solver = solver if solver is not None else factorize(table)
    units = list(table.cities) if extract is None else list(extract)
    mask, labels = _masks(table, units)
    s = stressor if stressor is not None else table.stressors[0]
    f = table.direct_intensities[table.stressors.get_loc(s)]
    y = table.total_final_demand()
    R, N = table.n_cities, table.n_sectors
    base = (f * table.x).reshape(R, N).sum(axis=1)
    out = np.empty((len(units), R))
    for start in progress_bar(
        range(0, len(units), chunk), enabled=progress, desc=f"extraction ({linkage})", unit="block"
    ):
        cols = slice(start, min(start + chunk, len(units)))
        k = cols.stop - cols.start
        rhs = np.repeat(y[:, None], k, axis=1)
        x = solve_extracted(solver, rhs, mask[:, cols], linkage=linkage)
        out[cols] = base[None, :] - (f[:, None] * x).reshape(R, N, k).sum(axis=1).T
    df = pd.DataFrame(out, index=pd.Index(labels, name="extracted"), columns=table.cities.copy())
    df.columns.name = CITY
    df.attrs["units"] = {c: table.units[s] for c in df.columns}
    df.attrs["linkage"] = linkage
    df.attrs["national"] = df.sum(axis=1)
    return df


def supply_chain_roles(
    table: BaseTable,
    solver: LeontiefSolver | None = None,
    *,
    stressor: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Backward and forward extraction effects of every city on the others, and its role.

    Returns
    -------
    DataFrame (n_cities, 6)
        ``backward_effect``, ``forward_effect`` [unit]: emissions lost in the other cities
        when the city's backward or forward links are extracted; ``total_effect`` [unit]:
        national emissions lost (the city's own included) when all its links are extracted;
        ``backward_index``, ``forward_index`` [1] (each effect over its mean); ``role``.
    """
    solver = solver if solver is not None else factorize(table)
    cols = {}
    for linkage in LINKAGES:
        eff = extraction_effects(
            table, solver, linkage=linkage, stressor=stressor, progress=progress
        )
        national = eff.to_numpy().sum(axis=1)
        # on the other cities 'total' equals 'backward' (their output no longer depends on the
        # city's inputs either way), so the total variant is reported nationally, own included
        cols[f"{linkage}_effect"] = (
            national if linkage == "total" else national - np.diag(eff.to_numpy())
        )
    df = pd.DataFrame(cols, index=table.cities.copy())
    df.index.name = CITY
    for side in ("backward", "forward"):
        mean = df[f"{side}_effect"].mean()
        df[f"{side}_index"] = df[f"{side}_effect"] / mean if mean else np.nan
    hub = (df["backward_index"] > 1) & (df["forward_index"] > 1)
    df["role"] = np.select(
        [hub, df["backward_index"] > 1, df["forward_index"] > 1],
        ["hub", "key buyer", "key supplier"],
        default="peripheral",
    )
    unit = table.units[stressor if stressor is not None else table.stressors[0]]
    df.attrs["units"] = {
        "backward_effect": unit,
        "forward_effect": unit,
        "total_effect": unit,
        "backward_index": "1",
        "forward_index": "1",
    }
    return df
