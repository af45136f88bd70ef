"""Sweep the super-emitter rule's multiples and see how the count and the quota respond.

    python scenarios/sweep_threshold.py                          # in process or local Dask (auto)
    python scenarios/sweep_threshold.py --scheduler inprocess    # no Dask
    python scenarios/sweep_threshold.py --scheduler tcp://host:8786 --values 1.5,2,2.5,3

Writes sweep_threshold.csv and sweep_threshold.png to --out (default results/).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import mrio_city
from mrio_city.exports.scenario_charts import plot_sweep
from mrio_city.scenarios import Scenario, sweep

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(HERE / "super_emitters.toml"))
    parser.add_argument("--values", default="1.5,2,2.5,3", help="multiples of the median")
    parser.add_argument("--table", default="china-309-synthetic")
    parser.add_argument("--scheduler", default="auto")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="results")
    args = parser.parse_args()

    scenario = Scenario.from_file(args.file)
    values = [float(v) for v in args.values.split(",")]
    scheduler = None if args.scheduler == "inprocess" else args.scheduler
    table = mrio_city.load_table(args.table)
    t0 = time.perf_counter()
    result = sweep(
        scenario,
        {"super_emitter.per_capita_multiple": values},
        table,
        scheduler=scheduler,
        n_workers=args.workers,
        progress=True,
    )
    print(f"{len(values)} points on {result.scheduler} in {time.perf_counter() - t0:.1f} s")
    print(result.decision)
    wide = result.wide()
    wide["quota [Gt]"] = wide["quota"] / 1e9
    cols = [
        "super_emitter.per_capita_multiple",
        "super_emitters",
        "quota [Gt]",
        "share_of_budget",
        "population_share_reaching",
    ]
    print(wide[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result.table.to_csv(out / "sweep_threshold.csv", index=False)
    plot_sweep(result, out / "sweep_threshold.png")
    print(f"wrote {out / 'sweep_threshold.csv'} and {out / 'sweep_threshold.png'}")


if __name__ == "__main__":
    main()
