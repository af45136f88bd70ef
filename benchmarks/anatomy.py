"""Supply-chain anatomy timings on the synthetic 309 x 42 table (issue 18 targets).

``python -m benchmarks.anatomy [--cities 309] [--repeats 3] [--out FILE]`` times, after one
untimed factorization and accounts (their multipliers feed the path search):

* ``paths``: top-20 structural paths of one city (target < 1 s);
* ``tiers``: tier decomposition of every city (target < 5 s);
* ``extraction``: total-linkage hypothetical extraction of every city (target < 2 min, timed
  once: it is the long one);
* ``decomposition``: structural decomposition between two synthetic years (seeds 2012 and 2017,
  same cities and sectors; target < 1 min, timed once).

Each result is checked (tiers sum to the footprints, decomposition effects add up to the change,
extraction's national effect of a city is positive) before its time counts.  Medians of
``repeats``; results in ``benchmarks/results/anatomy.json`` with the machine and BLAS threads.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np

from benchmarks._script import script_main
from benchmarks._script import timed as _timed
from benchmarks.runner import machine_info

RESULTS = Path(__file__).resolve().parent / "results" / "anatomy.json"
TARGETS = {"paths": 1.0, "tiers": 5.0, "extraction": 120.0, "decomposition": 60.0}


def run(n_cities: int = 309, repeats: int = 3) -> dict:
    """Time the four analyses and return the record."""
    from mrio_city import compute_accounts, factorize
    from mrio_city.analyses.anatomy.decomposition import structural_decomposition
    from mrio_city.analyses.anatomy.extraction import extraction_effects
    from mrio_city.analyses.anatomy.paths import structural_paths
    from mrio_city.analyses.anatomy.tiers import tier_decomposition
    from mrio_city.sources.synthetic import city_mrio

    table = city_mrio(n_cities=n_cities, seed=2012)
    later = city_mrio(n_cities=n_cities, seed=2017)
    solver = factorize(table)
    acc = compute_accounts(table, solver)
    m = acc.multipliers.iloc[0].to_numpy()
    city = table.cities[0]
    checks, times = {}, {}
    res, times["paths"] = _timed(
        lambda: structural_paths(table, city, top=20, multipliers=m), repeats
    )
    checks["paths"] = len(res.paths) == 20
    tiers, times["tiers"] = _timed(lambda: tier_decomposition(table, solver), repeats)
    cbf = acc.consumption_based.iloc[:, 0].to_numpy()
    checks["tiers"] = bool(np.allclose(tiers.sum(axis=1).to_numpy(), cbf, rtol=1e-6))
    eff, times["extraction"] = _timed(lambda: extraction_effects(table, solver), 1)
    checks["extraction"] = bool((eff.attrs["national"] > 0).all())
    sda, times["decomposition"] = _timed(lambda: structural_decomposition(table, later), 1)
    checks["decomposition"] = sda.residual < 1e-9
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "table": f"synthetic {n_cities} x {table.n_sectors}",
        "seconds": times,
        "median_seconds": med,
        "targets_seconds": TARGETS,
        "met": {k: checks[k] and med[k] <= TARGETS[k] for k in med},
        "checks": checks,
        "machine": machine_info(),
    }


def _summary(rec: dict) -> tuple[str, int]:
    lines = [
        f"{k:<14} {v:8.2f} s  (target {TARGETS[k]:g} s, check ok: {rec['checks'][k]})"
        for k, v in rec["median_seconds"].items()
    ]
    return "\n".join(lines), 0 if all(rec["checks"].values()) else 1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    return script_main(
        argv,
        description=__doc__.splitlines()[0],
        results=RESULTS,
        options={"cities": ("n_cities", 309), "repeats": ("repeats", 3)},
        run=run,
        summary=_summary,
    )


if __name__ == "__main__":
    raise SystemExit(main())
