"""Run the super-emitter scenario, then variants of it, reusing one baseline.

    python scenarios/compare_pathways.py [--table china-309-synthetic]

The baseline (table, factorization, accounts) is built once; each variant is one re-solve.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import mrio_city
from mrio_city.scenarios import Baseline, Scenario, run_scenario

HERE = Path(__file__).resolve().parent

VARIANTS = {
    "as written": {},
    "no supplier lever": {"pathways.affluent_consumer.levers[1].gap_closed": 0.0},
    "full convergence (2060)": {
        "pathways.industrial.levers[0].gap_closed": 1.0,
        "pathways.industrial.levers[1].gap_closed": 1.0,
        "pathways.affluent_consumer.levers[0].gap_closed": 1.0,
        "pathways.affluent_consumer.levers[1].gap_closed": 1.0,
    },
    "US-level threshold rule": {"super_emitter.rule": "threshold"},
    "stricter multiples (3 x median)": {
        "super_emitter.per_capita_multiple": 3.0,
        "super_emitter.total_multiple": 3.0,
    },
    "excluding households": {"quota.include_households": False},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(HERE / "super_emitters.toml"))
    parser.add_argument("--table", default=None, help="default: the file's scenario.table")
    args = parser.parse_args()
    scenario = Scenario.from_file(args.file)
    table = mrio_city.load_table(args.table or scenario.table or "china-309-synthetic")
    t0 = time.perf_counter()
    baseline = Baseline(table, progress=True)
    print(f"baseline of {table.name}: {time.perf_counter() - t0:.1f} s")
    for name, values in VARIANTS.items():
        result = run_scenario(scenario.with_values(values, table=table), baseline=baseline)
        s = result.summary()
        print(
            f"{name:<30} {s['super_emitters']:>3} super-emitters, quota {s['quota_gt']:.3f} Gt "
            f"({s['share_of_budget']:.1%} of the budget to peak), "
            f"{s['population_share_reaching']:.1%} of people reach upper-middle income, "
            f"{s['seconds']:.2f} s"
        )


if __name__ == "__main__":
    main()
