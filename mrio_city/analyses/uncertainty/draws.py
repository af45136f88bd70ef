"""What is uncertain, how it is drawn, and the reproducible random stream of every draw.

All perturbations are multiplicative lognormal factors with mean 1 and a coefficient of variation
(CV) ``c``: ``factor = exp(sigma z - sigma^2 / 2)``, ``sigma^2 = ln(1 + c^2)``, ``z ~ N(0, 1)``.

* ``intensity_cv_sector`` (one factor per sector, shared by every city: the systematic error of
  emission factors) and ``intensity_cv_node`` (one per city-sector: activity data and the
  regionalization of emissions to cities) multiply the direct emissions F, hence the
  intensities f, of industry.
* ``demand_cv``: one factor per city and final-demand category on its final demand Y.
* ``technology_cv`` and ``trade_cv``: one factor per technology coefficient (city, input,
  sector) and per trade share (product, supplier, user; columns renormalized to sum to 1).  These
  change A: every such draw needs its own factorization.

Default CVs (used when the file does not set them, and shown in every result): sector intensity
0.05, from the 95 % intervals of the IPCC 2006 default CO2 emission factors (e.g. other
bituminous coal 94.6 t/TJ, 89.5-99.7: +-5.4 % at 95 %, CV about 0.03; wider for oil products and
gas process emissions); city-sector intensity 0.10, reflecting the 2012 gap between the sum of
China's provincial and the national energy statistics (about 1.4 Gt CO2 or 18 %, Guan et al.
2012, Nature Climate Change 2: 672-675) spread over regions; final demand 0.05; technology and
trade 0 (off unless asked: their uncertainty in a regionalized table is a modelling choice, see
the table's sensitivity analysis).  They are assumptions stated with their reasons, not fitted:
results list the CVs used, and the intervals scale with them.

Reproducibility: draw d uses ``numpy.random.SeedSequence(seed, spawn_key=(d,))``, which is
exactly the d-th child of ``SeedSequence(seed).spawn(...)``, so any draw can be recomputed alone
and batches can be split among workers in any way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import ScenarioSpecError
from mrio_city.model.reader import DocumentReader

__all__ = ["DEFAULT_CVS", "Draw", "UncertaintySpec", "draw"]

#: Default coefficients of variation [1] (reasons in the module docstring).
DEFAULT_CVS = {
    "intensity_cv_sector": 0.05,
    "intensity_cv_node": 0.10,
    "demand_cv": 0.05,
    "technology_cv": 0.0,
    "trade_cv": 0.0,
}
_MAX_CV = 2.0


@dataclass(frozen=True)
class UncertaintySpec:
    """Coefficients of variation [1] of each uncertain input, and the run's seed.

    Attributes
    ----------
    seed : int
        Root of every draw's random stream.
    intensity_cv_sector : float or mapping of sector -> float
    intensity_cv_node, demand_cv, technology_cv, trade_cv : float
    """

    seed: int = 2012
    intensity_cv_sector: float | Mapping[str, float] = DEFAULT_CVS["intensity_cv_sector"]
    intensity_cv_node: float = DEFAULT_CVS["intensity_cv_node"]
    demand_cv: float = DEFAULT_CVS["demand_cv"]
    technology_cv: float = DEFAULT_CVS["technology_cv"]
    trade_cv: float = DEFAULT_CVS["trade_cv"]
    source: str = field(default="defaults", compare=False)

    @property
    def changes_A(self) -> bool:  # noqa: N802 (A is the matrix)
        """True when technology or trade shares are drawn (a factorization per draw)."""
        return self.technology_cv > 0 or self.trade_cv > 0

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for metadata."""
        return {k: v for k, v in asdict(self).items() if k != "source"}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "mapping") -> UncertaintySpec:
        """Build from a TOML ``[uncertainty]`` table; every value checked with the key named.

        Raises
        ------
        ScenarioSpecError
            Unknown keys, non-numbers, negative or too large CVs (above 2), non-integer seeds.
        """
        r = DocumentReader(
            source, data, "uncertainty", ("seed", *DEFAULT_CVS), error=ScenarioSpecError
        )
        out: dict[str, Any] = {"source": source}
        if r.has("seed"):
            out["seed"] = r.number("seed", low=0, integer=True)
        for key in DEFAULT_CVS:
            if key == "intensity_cv_sector" and isinstance(data.get(key), Mapping):
                sub = r.table(key)
                out[key] = {str(k): sub.number(k, low=0, high=_MAX_CV) for k in sub.data}
            elif r.has(key):
                out[key] = r.number(key, low=0, high=_MAX_CV)
        return cls(**out)


def _lognormal(rng: np.random.Generator, cv, size, dtype=np.float64) -> np.ndarray:
    cv = np.asarray(cv, dtype=float)
    sigma = np.sqrt(np.log1p(cv**2)).astype(dtype)
    z = rng.standard_normal(size, dtype=dtype)
    z *= sigma
    z -= sigma**2 / 2
    return np.exp(z, out=z)


@dataclass(frozen=True)
class Draw:
    """Multiplicative factors of one draw (None where an input is not drawn)."""

    index: int
    intensity: np.ndarray  # (n_nodes,)
    demand: np.ndarray  # (n_cities, n_categories)
    technology: np.ndarray | None = None  # (n_cities, n_sectors, n_sectors), float32
    trade: np.ndarray | None = None  # (n_sectors, n_cities, n_cities), float32


def _sector_cvs(spec: UncertaintySpec, table: BaseTable) -> np.ndarray:
    cv = spec.intensity_cv_sector
    if not isinstance(cv, Mapping):
        return np.full(table.n_sectors, float(cv))
    unknown = sorted(set(cv) - set(table.sectors))
    if unknown:
        raise ScenarioSpecError(
            f"{spec.source}: uncertainty.intensity_cv_sector names sector(s) {unknown[:5]} that "
            f"table {table.name!r} does not have"
        )
    default = DEFAULT_CVS["intensity_cv_sector"]
    return np.array([cv.get(s, default) for s in table.sectors])


def draw(spec: UncertaintySpec, table: BaseTable, index: int) -> Draw:
    """The factors of draw ``index`` (its own random stream: any draw can be recomputed alone)."""
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(index,)))
    R, N, K = table.n_cities, table.n_sectors, table.n_categories
    sector = _lognormal(rng, _sector_cvs(spec, table), N)
    node = _lognormal(rng, spec.intensity_cv_node, R * N)
    intensity = node * np.tile(sector, R)
    demand = _lognormal(rng, spec.demand_cv, (R, K))
    technology = trade = None
    # one factor per coefficient: millions at 309 x 42, drawn in float32 (half the time and
    # memory of float64; a factor's relative rounding, 6e-8, is far below any CV)
    if spec.technology_cv > 0:
        technology = _lognormal(rng, spec.technology_cv, (R, N, N), np.float32)
    if spec.trade_cv > 0:
        trade = _lognormal(rng, spec.trade_cv, (N, R, R), np.float32)
    return Draw(index, intensity, demand, technology, trade)
