"""Sweep the super-emitter threshold and see how the quota and the people lifted respond.

    python scenarios/sweep_threshold.py                          # 309-city table, local Dask
    python scenarios/sweep_threshold.py --scheduler inprocess    # no Dask
    python scenarios/sweep_threshold.py --scheduler tcp://host:8786 --values 8,10,12,14,16

Writes sweep_threshold.csv and sweep_threshold.png to --out (default results/).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from mrio_city.scenarios import Scenario, sweep
from mrio_city.scenarios.charts import plot_sweep

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(HERE / "super_emitters.toml"))
    parser.add_argument("--values", default="10,12,14,16,18,20", help="t CO2 per person")
    parser.add_argument("--scheduler", default="local")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="results")
    args = parser.parse_args()

    scenario = Scenario.from_file(args.file)
    values = [float(v) for v in args.values.split(",")]
    scheduler = None if args.scheduler == "inprocess" else args.scheduler
    t0 = time.perf_counter()
    result = sweep(
        scenario,
        {"super_emitter.threshold": values},
        scheduler=scheduler,
        n_workers=args.workers,
        progress=True,
    )
    print(f"{len(values)} points on {result.scheduler} in {time.perf_counter() - t0:.1f} s")
    wide = result.wide()
    wide["quota [Gt]"] = wide["quota"] / 1e9
    cols = [
        "super_emitter.threshold",
        "super_emitters",
        "quota [Gt]",
        "share_of_projected_quota",
        "population_share_lifted",
    ]
    print(wide[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result.table.to_csv(out / "sweep_threshold.csv", index=False)
    plot_sweep(result, out / "sweep_threshold.png")
    print(f"wrote {out / 'sweep_threshold.csv'} and {out / 'sweep_threshold.png'}")


if __name__ == "__main__":
    main()
