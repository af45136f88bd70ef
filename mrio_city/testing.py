"""Small tables for tests, examples and doctests: docs/methods.md §11 toys and seeded random tables.

Every random table is deterministic for its seed and productive by construction.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from mrio_city.model.structured import StructuredMRIOTable
from mrio_city.model.table import MRIOTable

__all__ = ["toy_cities", "miller_blair", "random_table", "random_structured_table"]


def toy_cities() -> MRIOTable:
    """The 2-city x 2-sector toy MRIO of docs/methods.md §11.2 (money, t CO2, 'A'/'B', 's1'/'s2').

    Sector 's1' plays the power sector in the scope-2 example.
    """
    Z = np.array([[10, 20, 5, 5], [15, 5, 10, 0], [5, 0, 20, 10], [0, 10, 15, 5]], float)
    Y = np.array([[40, 20], [50, 20], [15, 50], [10, 60]], float)
    return MRIOTable(
        Z,
        Y,
        np.array([[50, 10, 20, 5]], float),
        cities=["A", "B"],
        sectors=["s1", "s2"],
        categories=["final_demand"],
        stressors=["CO2"],
        units={"CO2": "t CO2"},
        F_Y=np.array([[8, 4]], float),
        population=np.array([10.0, 5.0]),
        gdp=np.array([135.0, 130.0]),  # = value added
        meta={
            "name": "toy-cities",
            "year": 2012,
            "money_unit": "money",
            "description": "docs/methods.md §11.2 toy table (2 cities x 2 sectors)",
        },
    )


def miller_blair() -> MRIOTable:
    """Miller & Blair's 2-sector example (docs/methods.md §11.1) as a one-city table; F = output."""
    Z = np.array([[150, 500], [200, 100]], float)
    x = np.array([1000, 2000], float)
    Y = (x - Z.sum(axis=1))[:, None]
    return MRIOTable(
        Z,
        Y,
        x[None, :],
        cities=["economy"],
        sectors=["1", "2"],
        categories=["final_demand"],
        stressors=["output"],
        units={"output": "money"},
        name="miller-blair",
    )


def random_table(
    n_cities: int = 3,
    n_sectors: int = 4,
    *,
    seed: int = 0,
    n_categories: int = 2,
    n_stressors: int = 1,
    sparse: bool = False,
    density: float = 1.0,
    with_exports: bool = True,
    negative_demand: bool = True,
) -> MRIOTable:
    """A seeded random productive general table (column sums of A in [0.2, 0.8]).

    Parameters
    ----------
    sparse : bool
        Store Z as scipy.sparse CSR.
    density : float
        Share of non-zero inter-city blocks' entries (within-city blocks stay dense).
    negative_demand : bool
        Make one final-demand column per city hold small negative entries (inventory changes).
    """
    rng = np.random.default_rng(seed)
    R, N, K = n_cities, n_sectors, n_categories
    n = R * N
    A = rng.random((n, n))
    mask = rng.random((n, n)) < density
    same_city = np.kron(np.eye(R), np.ones((N, N))).astype(bool)
    A *= mask | same_city
    A *= rng.uniform(0.2, 0.8, size=n)[None, :] / np.maximum(A.sum(axis=0), 1e-12)[None, :]
    Y = rng.random((n, R * K)) * 50 + 1
    if negative_demand and K > 1:
        Y[:, K - 1 :: K] = rng.normal(0, 2, size=(n, R))
    exports = rng.random((n, 1)) * 20 if with_exports else None
    y = Y.sum(axis=1) + (exports.sum(axis=1) if exports is not None else 0)
    x = np.linalg.solve(np.eye(n) - A, y)
    if (x <= 0).any():  # keep the table valid whatever the seed
        Y[:, K - 1 :: K] = np.abs(Y[:, K - 1 :: K])
        y = Y.sum(axis=1) + (exports.sum(axis=1) if exports is not None else 0)
        x = np.linalg.solve(np.eye(n) - A, y)
    Z = A * x[None, :]
    F = rng.lognormal(0, 1, size=(n_stressors, n)) * x[None, :] * 0.01
    F_Y = rng.random((n_stressors, R * K))
    return MRIOTable(
        sp.csr_matrix(Z) if sparse else Z,
        Y,
        F,
        cities=[f"city{c}" for c in range(R)],
        sectors=[f"sector{i}" for i in range(N)],
        categories=[f"cat{k}" for k in range(K)],
        stressors=["CO2"] + [f"stressor{s}" for s in range(1, n_stressors)],
        F_Y=F_Y,
        exports=exports,
        export_labels=["exports"] if exports is not None else None,
        value_added=(x - Z.sum(axis=0))[None, :],
        value_added_labels=["value_added"],
        population=rng.integers(1, 100, size=R).astype(float) * 1e4,
        gdp=rng.random(R) * 1e5,
        name=f"random-{seed}",
    )


def random_structured_table(
    n_cities: int = 5,
    n_sectors: int = 4,
    *,
    seed: int = 0,
    n_categories: int = 2,
    n_stressors: int = 1,
    sparse_shares: bool = False,
    local_share: float = 0.6,
) -> StructuredMRIOTable:
    """A seeded random productive structured table (trade shares x technology)."""
    rng = np.random.default_rng(seed)
    R, N, K = n_cities, n_sectors, n_categories
    T = rng.random((N, R, R)) ** 3
    T += np.eye(R)[None] * local_share * R
    if sparse_shares:
        T *= (rng.random((N, R, R)) < 0.5) | np.eye(R, dtype=bool)[None]
    T /= T.sum(axis=1, keepdims=True)
    B = rng.random((R, N, N))
    B *= rng.uniform(0.2, 0.8, size=(R, 1, N)) / B.sum(axis=1, keepdims=True)
    y = rng.random((R, N, K)) * 100 + 1
    shares = [sp.csr_matrix(T[i]) for i in range(N)] if sparse_shares else T
    F = rng.lognormal(0, 1, size=(n_stressors, R * N))
    return StructuredMRIOTable(
        shares,
        B,
        y,
        F,
        cities=[f"city{c}" for c in range(R)],
        sectors=[f"sector{i}" for i in range(N)],
        categories=[f"cat{k}" for k in range(K)],
        stressors=["CO2"] + [f"stressor{s}" for s in range(1, n_stressors)],
        exports=rng.random((R * N, 1)) * 10,
        export_labels=["exports"],
        population=rng.integers(1, 100, size=R).astype(float) * 1e4,
        gdp=rng.random(R) * 1e5,
        name=f"random-structured-{seed}",
    )
