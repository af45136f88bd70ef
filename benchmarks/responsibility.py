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

import argparse
import json
import statistics
import time
from pathlib import Path

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


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cities", type=int, default=309)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    rec = run(args.cities, args.repeats)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rec, indent=2) + "\n")
    med = rec["median_seconds"]
    print(
        f"{rec['table']}: consumption {med['consumption']:.2f} s, income {med['income']:.2f} s, "
        f"ratio {rec['ratio_income_to_consumption']:.2f} (check ok: {rec['check_ok']})"
    )
    return 0 if rec["check_ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
