"""Production-layer (tier) decomposition of every city's consumption-based footprint.

With ``L = sum_{k<K} A^k + A^K L`` the footprint of city s splits exactly into tiers:

``CBF_s = sum_{k<K} f A^k Y^s + f L A^K Y^s``

Tier 0 is emitted by the producers that deliver the final products, tier 1 by their direct
suppliers, and so on; the last column (``tier K+``) is everything deeper, from one solve of
the row vector ``g_K = f A^K`` through the table's solver, ``tier K+ = (g_K L) Y^s``.  Columns
sum to the consumption-based footprint (without households' direct emissions).  Cost: K
transposed products of one vector with A and one transposed solve of one right-hand side; the
cities enter only through the final products ``g_k Y^s``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mrio_city._progress import progress_bar
from mrio_city.analyses.anatomy._matrix import Coefficients
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.labels import CITY
from mrio_city.solve import LeontiefSolver, factorize

__all__ = ["tier_decomposition"]


def tier_decomposition(
    table: BaseTable,
    solver: LeontiefSolver | None = None,
    *,
    tiers: int = 6,
    stressor: str | None = None,
    chunk: int = 96,
    progress: bool = False,
) -> pd.DataFrame:
    """Tier decomposition of every city's consumption-based footprint.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    solver : LeontiefSolver, optional
        Factorization of the table (made when absent); used once, for the deeper tiers.
    tiers : int, default=6
        Number of explicit tiers K (0 .. K-1); the remainder forms ``tier K+``.
    stressor : str, optional
        Default: the first stressor.
    chunk : int, default=96
        Cities whose final demand is formed together (memory ``n_nodes * chunk`` floats).
    progress : bool, default=False

    Returns
    -------
    DataFrame (n_cities, tiers + 1)
        Index 'city', columns ``tier 0`` .. ``tier K-1``, ``tier K+`` [stressor unit]; row sums
        are the consumption-based footprints.
    """
    ensure_table(table)
    if tiers < 1:
        raise ValueError(f"tiers must be at least 1, got {tiers}")
    solver = solver if solver is not None else factorize(table)
    s = stressor if stressor is not None else table.stressors[0]
    f = table.direct_intensities[table.stressors.get_loc(s)]
    A = Coefficients(table)
    R = table.n_cities
    G = np.empty((tiers + 1, table.n_nodes))  # g_k = f A^k, then g_K L in the last row
    g = np.ascontiguousarray(f, dtype=float)
    for k in range(tiers):
        G[k] = g
        g = A.apply(g[:, None], trans=True)[:, 0]
    G[tiers] = solver.solve(g, trans="T")
    out = np.zeros((R, tiers + 1))
    for start in progress_bar(range(0, R, chunk), enabled=progress, desc="tiers", unit="block"):
        sel = slice(start, min(start + chunk, R))
        out[sel] = (G @ table.final_demand_by_city(sel)).T
    columns = [f"tier {k}" for k in range(tiers)] + [f"tier {tiers}+"]
    df = pd.DataFrame(out, index=table.cities.copy(), columns=columns)
    df.index.name = CITY
    df.attrs["units"] = {c: table.units[s] for c in columns}
    df.attrs["stressor"] = s
    return df
