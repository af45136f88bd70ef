"""Monte Carlo throughput and memory on the synthetic 309 x 42 table (issue 17 targets).

``python -m benchmarks.uncertainty [--draws 10000] [--a-draws 8] [--out FILE]`` measures, each
in its own subprocess (peak memory = the child's max RSS):

* ``fy``: ``--draws`` F/Y draws (intensities and final demand) written to parquet, building the
  solved blocks included (target: 10,000 draws in under 10 minutes on 2 cores);
* ``fy_small``: a tenth of the draws, for memory flat in the number of draws (peak RSS of both);
* ``a``: ``--a-draws`` technology/trade draws on a LocalCluster of 1 and of 2 workers
  (target: 2 workers at least 1.7x the draws per second of 1).  Both clusters are started and
  warmed up first (imports, the table scattered, one draw per worker), then timed runs
  alternate 1, 2, 1, 2, ... (``--repeats`` each) so both see the same machine load; the
  speed-up is the ratio of the median times, and the load average, the BLAS threads seen
  inside a worker's task and the draws per task are recorded with it.  Both clusters are the
  one ``run_montecarlo`` starts (``cluster.local_cluster``: quiet Dask settings).  On a loaded
  machine the wall-clock ratio follows the cores the other jobs leave, so each run also
  records the workers' CPU seconds (per draw with 1 and with 2 workers: their ratio is what
  two workers at once cost in shared cache and memory bandwidth), the client's CPU seconds
  (this process: client, progress bar, parquet and the LocalCluster's scheduler) and its
  serial seconds (before the first task starts and after the last ends), and projects the
  speed-up on two free cores: ``(serial_1 + cpu_1) / (serial_2 + cpu_2 / 2)``.

Results in ``benchmarks/results/uncertainty.json`` with the machine and BLAS threads.
"""

from __future__ import annotations

import argparse
import json
import statistics
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


_A_CHILD = """
import json, os, sys, tempfile, time
from dask.distributed import Client, get_task_stream
from mrio_city.analyses.uncertainty.draws import UncertaintySpec
from mrio_city.analyses.uncertainty import cluster, montecarlo as mc
from mrio_city.sources.synthetic import city_mrio
cities, draws, repeats = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
table = city_mrio(n_cities=cities, seed=2012)
spec = UncertaintySpec(seed=1, technology_cv=0.05, trade_cv=0.05)
def blas_threads():
    from threadpoolctl import threadpool_info
    import numpy as np
    from mrio_city.analyses.uncertainty import cluster as m
    seen = []
    def probe(*args):
        seen.append(sorted({p["num_threads"] for p in threadpool_info()
                            if p["user_api"] == "blas"}))
        return {}
    real, m._a_draw = m._a_draw, probe
    try:
        m._a_draws(None, None, [0], None)  # the limit the tasks run under
    finally:
        m._a_draw = real
    default = sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})
    return {"worker": default, "task": seen[0]}
clusters = {}
for w in (1, 2):
    c = cluster.local_cluster(w)  # the cluster run_montecarlo starts without --scheduler
    clusters[w] = c
    with tempfile.TemporaryDirectory() as tmp:  # warm-up: imports, scatter, one draw a worker
        mc.run_montecarlo(table, spec, w, tmp, scheduler=c.scheduler_address)
rec = {"seconds": {1: [], 2: []}, "cpu_seconds": {1: [], 2: []},
       "client_cpu_seconds": {1: [], 2: []}, "serial_seconds": {1: [], 2: []},
       "load_average": [list(os.getloadavg())]}
clients = {w: Client(c.scheduler_address) for w, c in clusters.items()}
rec["blas_threads_in_task"] = clients[1].submit(blas_threads, pure=False).result()
for r in range(repeats):
    for w in (1, 2):
        cpu0 = clients[w].run(time.process_time)  # each worker process's CPU seconds
        with get_task_stream(client=clients[w]) as stream:
            with tempfile.TemporaryDirectory() as tmp:
                own0, t0 = time.process_time(), time.time()
                mc.run_montecarlo(table, spec, draws, tmp, scheduler=clusters[w].scheduler_address)
                t1, own1 = time.time(), time.process_time()
        rec["seconds"][w].append(t1 - t0)
        # the client's CPU (this process: client, progress, parquet and the LocalCluster's
        # scheduler) and its serial wall time: before the first task and after the last
        rec["client_cpu_seconds"][w].append(own1 - own0)
        spans = [(ss["start"], ss["stop"]) for task in stream.data
                 for ss in task["startstops"] if ss["action"] == "compute"]
        rec["serial_seconds"][w].append(
            (min(a for a, _ in spans) - t0) + (t1 - max(b for _, b in spans)))
        cpu1 = clients[w].run(time.process_time)
        rec["cpu_seconds"][w].append(sum(cpu1[k] - cpu0[k] for k in cpu0))
        rec["load_average"].append(list(os.getloadavg()))
for cl in clients.values():
    cl.close()
for c in clusters.values():
    c.close()
print(json.dumps(rec))
"""


def _child(cities: int, draws: int, workers: int, a: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        args = [str(cities), str(draws), str(workers), "a" if a else "fy", tmp]
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, check=True
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def a_speedup(cities: int = 309, draws: int = 16, repeats: int = 3) -> dict:
    """A-changing draws on warmed-up LocalClusters of 1 and 2 workers, timed alternately."""
    out = subprocess.run(
        [sys.executable, "-c", _A_CHILD, str(cities), str(draws), str(repeats)],
        capture_output=True,
        text=True,
        check=True,
    )
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    t1, t2 = statistics.median(rec["seconds"]["1"]), statistics.median(rec["seconds"]["2"])
    c1, c2 = statistics.median(rec["cpu_seconds"]["1"]), statistics.median(rec["cpu_seconds"]["2"])
    s1 = statistics.median(rec["serial_seconds"]["1"])
    s2 = statistics.median(rec["serial_seconds"]["2"])
    return {
        "draws": draws,
        "repeats": repeats,
        "seconds_1_worker": rec["seconds"]["1"],
        "seconds_2_workers": rec["seconds"]["2"],
        "draws_per_second_1_worker": draws / t1,
        "draws_per_second_2_workers": draws / t2,
        "speedup_2_workers": t1 / t2,
        "cpu_seconds_1_worker": rec["cpu_seconds"]["1"],
        "cpu_seconds_2_workers": rec["cpu_seconds"]["2"],
        # CPU the workers got, in cores: 1 and 2 on a free machine
        "cores_used_1_worker": c1 / t1,
        "cores_used_2_workers": c2 / t2,
        # CPU per draw with 2 workers over 1 (1 = no parallel overhead): the speed-up two
        # free cores would give is 2 / this ratio
        "cpu_per_draw_ratio_2_to_1": c2 / c1,
        "client_cpu_seconds_1_worker": rec["client_cpu_seconds"]["1"],
        "client_cpu_seconds_2_workers": rec["client_cpu_seconds"]["2"],
        "serial_seconds_1_worker": rec["serial_seconds"]["1"],
        "serial_seconds_2_workers": rec["serial_seconds"]["2"],
        # on two free cores: the serial part as measured, the workers' CPU spread over w cores
        "projected_speedup_two_free_cores": (s1 + c1) / (s2 + c2 / 2),
        "load_average_during": rec["load_average"],
        "blas_threads_in_task": rec["blas_threads_in_task"],
        "draws_per_task": {w: max(1, min(32, draws // (16 * w))) for w in (1, 2)},
    }


def run(cities: int = 309, draws: int = 10_000, a_draws: int = 16, repeats: int = 3) -> dict:
    """Run the measurements and return the record."""
    rec = {
        "table": f"synthetic {cities} x 42",
        "machine": machine_info(),
    }
    if draws:
        rec["fy"] = _child(cities, draws, 1, False)
        rec["fy_small"] = _child(cities, max(draws // 10, 1), 1, False)
        rec["fy_draws_per_second"] = draws / rec["fy"]["seconds"]
        rec["fy_memory_ratio_10x_draws"] = (
            rec["fy"]["peak_rss_mib"] / rec["fy_small"]["peak_rss_mib"]
        )
    rec["a_speedup_2_workers"] = float("nan")
    if a_draws:  # 0 skips the LocalCluster runs (smoke test)
        rec["a"] = a_speedup(cities, a_draws, repeats)
        rec["a_speedup_2_workers"] = rec["a"]["speedup_2_workers"]
    return rec


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cities", type=int, default=309)
    p.add_argument("--draws", type=int, default=10_000)
    p.add_argument("--a-draws", type=int, default=16)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--update", action="store_true", help="keep the other measurements already in --out"
    )
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    rec = run(args.cities, args.draws, args.a_draws, args.repeats)
    if args.update and args.out.is_file():
        old = json.loads(args.out.read_text())
        rec = old | {k: v for k, v in rec.items() if not (k == "a_speedup_2_workers" and v != v)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rec, indent=2) + "\n")
    if "fy" in rec:
        print(
            f"{rec['table']}: {rec['fy']['draws']} F/Y draws in {rec['fy']['seconds']:.1f} s "
            f"({rec['fy_draws_per_second']:.0f}/s, peak {rec['fy']['peak_rss_mib']:.0f} MiB vs "
            f"{rec['fy_small']['peak_rss_mib']:.0f} MiB for a tenth)"
        )
    print(f"A draws: 2 workers {rec['a_speedup_2_workers']:.2f}x one")
    if "a" in rec:
        a = rec["a"]
        print(
            f"  CPU per draw 2 workers / 1: {a['cpu_per_draw_ratio_2_to_1']:.3f}; cores used "
            f"{a['cores_used_1_worker']:.2f} and {a['cores_used_2_workers']:.2f}; serial "
            f"{min(a['serial_seconds_2_workers']):.2f} s; projected on two free cores "
            f"{a['projected_speedup_two_free_cores']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
