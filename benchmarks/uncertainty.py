"""Monte Carlo throughput and memory on the synthetic 309 x 42 table (issue 17 targets).

``python -m benchmarks.uncertainty [--draws 10000] [--a-draws 8] [--out FILE]`` measures, each
in its own subprocess (peak memory = the child's max RSS):

* ``fy``: ``--draws`` F/Y draws (intensities and final demand) written to parquet, building the
  solved blocks included (target: 10,000 draws in under 10 minutes on 2 cores);
* ``fy_small``: a tenth of the draws, for memory flat in the number of draws (peak RSS of both);
* ``a1``/``a2``: ``--a-draws`` technology/trade draws on a LocalCluster of 1 and 2 workers
  (target: 2 workers at least 1.7x the draws per second of 1).

Results in ``benchmarks/results/uncertainty.json`` with the machine and BLAS threads.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.runner import machine_info

RESULTS = Path(__file__).resolve().parent / "results" / "uncertainty.json"

_CHILD = """
import json, resource, sys, time
from mrio_city.analyses.uncertainty.draws import UncertaintySpec
from mrio_city.analyses.uncertainty.montecarlo import run_montecarlo
from mrio_city.sources.synthetic import city_mrio
cities, draws, workers, a, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), \\
    sys.argv[4] == "a", sys.argv[5]
table = city_mrio(n_cities=cities, seed=2012)
spec = UncertaintySpec(seed=1, technology_cv=0.05 if a else 0.0, trade_cv=0.05 if a else 0.0)
t0 = time.perf_counter()
run_montecarlo(table, spec, draws, out, workers=workers)
sec = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": sec, "peak_rss_mib": rss, "draws": draws}))
"""


def _child(cities: int, draws: int, workers: int, a: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        args = [str(cities), str(draws), str(workers), "a" if a else "fy", tmp]
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, check=True
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(cities: int = 309, draws: int = 10_000, a_draws: int = 8) -> dict:
    """Run the four measurements and return the record."""
    rec = {
        "table": f"synthetic {cities} x 42",
        "fy": _child(cities, draws, 1, False),
        "fy_small": _child(cities, max(draws // 10, 1), 1, False),
        "machine": machine_info(),
    }
    rec["fy_draws_per_second"] = draws / rec["fy"]["seconds"]
    rec["a_speedup_2_workers"] = float("nan")
    if a_draws:  # 0 skips the two LocalCluster runs (smoke test)
        rec["a1"] = _child(cities, a_draws, 1, True)
        rec["a2"] = _child(cities, a_draws, 2, True)
        rec["a_speedup_2_workers"] = rec["a1"]["seconds"] / rec["a2"]["seconds"]
    rec["fy_memory_ratio_10x_draws"] = rec["fy"]["peak_rss_mib"] / rec["fy_small"]["peak_rss_mib"]
    return rec


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cities", type=int, default=309)
    p.add_argument("--draws", type=int, default=10_000)
    p.add_argument("--a-draws", type=int, default=8)
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    rec = run(args.cities, args.draws, args.a_draws)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rec, indent=2) + "\n")
    print(
        f"{rec['table']}: {args.draws} F/Y draws in {rec['fy']['seconds']:.1f} s "
        f"({rec['fy_draws_per_second']:.0f}/s, peak {rec['fy']['peak_rss_mib']:.0f} MiB vs "
        f"{rec['fy_small']['peak_rss_mib']:.0f} MiB for a tenth); A draws: 2 workers "
        f"{rec['a_speedup_2_workers']:.2f}x one"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
