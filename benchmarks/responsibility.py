"""Income-based (Ghosh) accounts against consumption-based accounts, same table, same run.

``python -m benchmarks.responsibility [--cities 309] [--repeats 5] [--out FILE]`` times, with one
shared factorization of the 309-city x 42-sector synthetic table:

* ``consumption``: :func:`mrio_city.compute_accounts` (CBF, PBF, EEI, EEE, Q, multipliers);
* ``income``: :func:`mrio_city.accounts.income.income_based_accounts` (income-based accounts and
  the enabling matrix; one transposed solve per city).

Medians of ``repeats`` alternating runs; the ratio income / consumption is the figure of merit
(issue 20 target: at most 2).  The check: sum income-based = sum production-based (1e-9).
Results go to ``benchmarks/results/responsibility.json`` with the machine and BLAS threads.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from benchmarks._script import script_main
from benchmarks.runner import machine_info

RESULTS = Path(__file__).resolve().parent / "results" / "responsibility.json"


def run(n_cities: int = 309, repeats: int = 5) -> dict:
    """Time both accounts on a synthetic table and return the record."""
    from mrio_city import compute_accounts, factorize
    from mrio_city.accounts.income import income_based_accounts
    from mrio_city.sources.synthetic import city_mrio

    table = city_mrio(n_cities=n_cities, seed=2012)
    solver = factorize(table)
    times: dict[str, list[float]] = {"consumption": [], "income": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        acc = compute_accounts(table, solver)
        times["consumption"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        income = income_based_accounts(table, solver)
        times["income"].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    pbf = float(acc.production_based.to_numpy().sum())
    ibf = float(income.income_based.to_numpy().sum())
    return {
        "table": f"synthetic {n_cities} x {table.n_sectors}",
        "repeats": repeats,
        "seconds": times,
        "median_seconds": med,
        "ratio_income_to_consumption": med["income"] / med["consumption"],
        "check_sum_income_minus_pbf_rel": abs(ibf - pbf) / abs(pbf),
        "check_ok": abs(ibf - pbf) <= 1e-9 * abs(pbf),
        "machine": machine_info(),
    }


def _summary(rec: dict) -> tuple[str, int]:
    med = rec["median_seconds"]
    text = (
        f"{rec['table']}: consumption {med['consumption']:.2f} s, income {med['income']:.2f} s, "
        f"ratio {rec['ratio_income_to_consumption']:.2f} (check ok: {rec['check_ok']})"
    )
    return text, 0 if rec["check_ok"] else 1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    return script_main(
        argv,
        description=__doc__.splitlines()[0],
        results=RESULTS,
        options={"cities": ("n_cities", 309), "repeats": ("repeats", 5)},
        run=run,
        summary=_summary,
    )


if __name__ == "__main__":
    raise SystemExit(main())
