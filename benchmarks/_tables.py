"""Benchmark tables: the sizes of the suite and where their tables come from.

Tables come from :func:`mrio_city.sources.synthetic.city_mrio` (the project's synthetic
Chinese-like city
MRIO) when it is importable, else from :func:`standin_city_mrio`, a small local generator of the
same shape (trade shares x technology, 4 final demand categories, one stressor 'CO2', an
electricity sector, exports abroad).  Every record says which one was used (``table_source``).

Sizes are keyed by name; ``n_partners`` makes the trade shares sparse (each city buys from its
``n_partners`` nearest partners), as at county scale.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = [
    "SizeSpec",
    "SIZES",
    "FULL_SIZES",
    "SMOKE_SIZES",
    "get_table",
    "table_source",
    "standin_city_mrio",
    "scenario_inputs",
    "demand_totals",
]


@dataclass(frozen=True)
class SizeSpec:
    """One table size of the suite."""

    key: str
    n_cities: int
    n_sectors: int
    n_partners: int | None = None
    seed: int = 2012

    @property
    def n_nodes(self) -> int:
        """Number of city-sector nodes n = n_cities * n_sectors."""
        return self.n_cities * self.n_sectors

    @property
    def dense_shares(self) -> bool:
        """Whether every city trades with every other city (dense trade shares)."""
        return self.n_partners is None or self.n_partners >= self.n_cities - 1

    def a_nonzeros(self) -> int:
        """Nonzeros of the materialized A: n_sectors^2 per trading city pair."""
        pairs = self.n_cities**2 if self.dense_shares else self.n_cities * (self.n_partners + 1)
        return int(pairs * self.n_sectors**2)


SIZES: dict[str, SizeSpec] = {
    s.key: s
    for s in (
        SizeSpec("tiny-5x6", 5, 6),
        SizeSpec("12x10", 12, 10),
        SizeSpec("31x42", 31, 42),
        SizeSpec("100x42", 100, 42),
        SizeSpec("309x42", 309, 42),
        SizeSpec("county-2800x42", 2800, 42, n_partners=30),
    )
}
#: Sizes of ``make bench`` (``python -m benchmarks``).
FULL_SIZES = ("31x42", "100x42", "309x42", "county-2800x42")
#: Sizes of ``python -m benchmarks --smoke`` (seconds; runs in ``make test``).
SMOKE_SIZES = ("tiny-5x6", "12x10")

ELECTRICITY = "Electricity and heat supply"


def table_source() -> str:
    """'synth' when :mod:`mrio_city.sources.synthetic` provides ``city_mrio``, else 'stand-in'."""
    try:
        from mrio_city.sources.synthetic import city_mrio  # noqa: F401
    except ImportError:
        return "stand-in"
    return "synth"


@functools.lru_cache(maxsize=2)
def get_table(key: str):
    """Build the table of size ``key`` (cached per process).

    Raises
    ------
    KeyError
        For an unknown size key.
    """
    if key not in SIZES:
        raise KeyError(f"unknown benchmark size {key!r}; known sizes: {list(SIZES)}")
    s = SIZES[key]
    if table_source() == "synth":
        from mrio_city.sources.synthetic import city_mrio

        return city_mrio(
            n_cities=s.n_cities, n_sectors=s.n_sectors, seed=s.seed, n_partners=s.n_partners
        )
    return standin_city_mrio(s.n_cities, s.n_sectors, s.seed, n_partners=s.n_partners)


def standin_city_mrio(
    n_cities: int, n_sectors: int, seed: int = 2012, *, n_partners: int | None = None
):
    """A seeded structured city MRIO of the same shape as ``mrio_city.sources.synthetic.city_mrio``.

    Gravity trade (city size / distance^2) around a local supply share of 40-80 %, technology
    column sums 0.3-0.7, four final demand categories, exports abroad, one stressor 'CO2' with
    a carbon-intensive first sector (electricity and heat), households' direct emissions.
    """
    from mrio_city.model.structured import StructuredMRIOTable

    rng = np.random.default_rng(seed)
    R, N, K = n_cities, n_sectors, 4
    xy = rng.random((R, 2))
    size = rng.lognormal(0.0, 1.0, R)
    local = rng.uniform(0.4, 0.8, (N, R))
    if n_partners is None or n_partners >= R - 1:
        d2 = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2) + 1e-3
        w = size[:, None] / d2
        np.fill_diagonal(w, 0.0)
        noise = rng.uniform(0.5, 1.5, (N, R, R))
        T = w[None] * noise
        T *= (1 - local)[:, None, :] / T.sum(axis=1, keepdims=True)
        T[:, np.arange(R), np.arange(R)] = local
        shares = T
    else:
        from scipy.spatial import cKDTree

        _, nbr = cKDTree(xy).query(xy, k=n_partners + 1)  # first neighbour is the city itself
        sup = nbr[:, 1:]  # (R user, P) suppliers of each user city
        d2 = ((xy[sup] - xy[:, None, :]) ** 2).sum(axis=2) + 1e-3
        base = size[sup] / d2  # (R, P)
        shares = []
        for i in range(N):
            w = base * rng.uniform(0.5, 1.5, base.shape)
            w *= (1 - local[i])[:, None] / w.sum(axis=1, keepdims=True)
            rows = np.concatenate([sup.ravel(), np.arange(R)])
            cols = np.concatenate([np.repeat(np.arange(R), n_partners), np.arange(R)])
            vals = np.concatenate([w.ravel(), local[i]])
            shares.append(sp.csr_matrix((vals, (rows, cols)), shape=(R, R)))
    B = rng.random((R, N, N)) ** 2
    B *= rng.uniform(0.3, 0.7, (R, 1, N)) / B.sum(axis=1, keepdims=True)
    y = rng.lognormal(0.0, 0.5, (R, N, K)) * size[:, None, None] * 100.0
    exports = rng.lognormal(0.0, 0.5, (R * N, 1)) * np.repeat(size, N)[:, None] * 20.0
    sectors = [ELECTRICITY] + [f"Sector {j:02d}" for j in range(1, N)]
    cities = [f"City {c:04d}" for c in range(R)]
    cats = ["rural_households", "urban_households", "government", "capital_formation"]
    common = dict(
        cities=cities,
        sectors=sectors,
        categories=cats,
        stressors=["CO2"],
        units={"CO2": "t CO2"},
        exports=exports,
        export_labels=["exports"],
        population=size * 1e6,
        gdp=size * 1e7,
        name=f"standin-{R}x{N}" + (f"-p{n_partners}" if n_partners else ""),
    )
    table = StructuredMRIOTable(shares, B, y, np.zeros((1, R * N)), **common)
    f = rng.lognormal(-1.0, 1.0, (R, N))
    f[:, 0] *= 30.0
    F = (f.ravel() * table.x)[None, :]
    F_Y = rng.lognormal(0.0, 0.5, (1, R * K)) * np.repeat(size, K)[None, :] * 10.0
    return table.replace(F=F, F_Y=F_Y, x=table.x)


def scenario_inputs(table) -> tuple[np.ndarray, np.ndarray]:
    """The F/Y-only scenario of the suite: new final demand and new direct intensities.

    Demand of urban households and government for every product grows 5-15 % (seeded per
    city and product); the first sector (electricity and heat) emits 20 % less per unit
    output everywhere.  Technology and trade are unchanged, so the baseline factorization
    serves the scenario.

    Returns
    -------
    (final_demand (n_cities, n_sectors, n_categories) [money], intensities (n_stressors, n))
    """
    rng = np.random.default_rng(7)
    y = np.array(table.final_demand, dtype=float, copy=True)
    growth = 1.0 + rng.uniform(0.05, 0.15, y.shape[:2])
    for k, cat in enumerate(table.categories):
        if cat in ("urban_households", "government") or k == 0:
            y[:, :, k] *= growth
    f = np.array(table.direct_intensities, dtype=float, copy=True)
    f.reshape(f.shape[0], table.n_cities, table.n_sectors)[:, :, 0] *= 0.8
    return y, f


def demand_totals(table, final_demand: np.ndarray) -> np.ndarray:
    """Total final demand per node for new ``final_demand`` (same trade shares) + exports."""
    ytot = final_demand.sum(axis=2)  # (R destination, N)
    sh = table.final_trade_shares
    if isinstance(sh, np.ndarray):
        out = np.einsum("icd,di->ci", sh, ytot, optimize=True)
    else:
        out = np.column_stack([sh[i] @ ytot[:, i] for i in range(table.n_sectors)])
    return out.reshape(-1) + table.exports.sum(axis=1)
