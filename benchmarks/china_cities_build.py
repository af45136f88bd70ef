"""Build time of the real China city tables (2012 and 2017), target < 30 s each on 2 cores.

``python -m benchmarks.china_cities_build [--repeats 3] [--years 2012 2017]`` builds each year's
table ``repeats`` times from cold (the in-process cache of parsed inputs is cleared; progress bar on
the first run) and reports the median, min
and max wall time, next to the time of reading the inputs alone (the same run's floor: every
reader of the build, no regionalization), so the ratio build / inputs says how much of the time
is the method itself.  BLAS threads and the machine's load are recorded.  Results go to
``benchmarks/results/china_cities_build.json`` (and are printed).  Needs ../shared/data/real.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

TARGET_SECONDS = 30.0


def _read_inputs(year: int, data_dir) -> None:
    from mrio_city.sources import crosswalk, national_inputs

    national_inputs.national_inputs(data_dir, year)
    crosswalk.read_city_units(data_dir, year)
    national_inputs.provincial_co2(data_dir, year)
    national_inputs.provincial_totals(data_dir, year)


def _blas_threads() -> list[dict]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [
        {"api": i.get("internal_api"), "threads": i.get("num_threads")} for i in threadpool_info()
    ]


def main(argv: list[str] | None = None) -> int:
    from mrio_city.sources._paths import default_data_dir
    from mrio_city.sources.regionalize import build_china_cities
    from mrio_city.sources.regionalize.build import _read_inputs as _read_inputs_cached

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--years", type=int, nargs="+", default=[2012, 2017])
    p.add_argument("--data", default=None)
    args = p.parse_args(argv)
    data = Path(args.data) if args.data else default_data_dir()
    if not (data / "nbs-china-io").is_dir():
        print(f"real data folder {data} not found; nothing to measure")
        return 0
    record = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "blas": _blas_threads(),
        "target_seconds": TARGET_SECONDS,
        "years": {},
    }
    for year in args.years:
        builds, reads = [], []
        for k in range(args.repeats):
            t0 = time.perf_counter()
            _read_inputs(year, data)
            reads.append(time.perf_counter() - t0)
            _read_inputs_cached.cache_clear()  # cold build: inputs read again every repeat
            t0 = time.perf_counter()
            table = build_china_cities(year, data_dir=data, progress=k == 0)
            builds.append(time.perf_counter() - t0)
        med = statistics.median(builds)
        record["years"][str(year)] = {
            "n_cities": table.n_cities,
            "build_seconds": builds,
            "build_median": med,
            "inputs_median": statistics.median(reads),
            "ratio_build_to_inputs": med / statistics.median(reads),
            "meets_target": med < TARGET_SECONDS,
        }
        print(
            f"{year}: {table.n_cities} cities, build median {med:.1f} s (min {min(builds):.1f}, "
            f"max {max(builds):.1f}); reading inputs alone {statistics.median(reads):.1f} s; "
            f"target < {TARGET_SECONDS:.0f} s: {'met' if med < TARGET_SECONDS else 'MISSED'}"
        )
    out = Path(__file__).parent / "results" / "china_cities_build.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2), encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
