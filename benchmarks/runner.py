"""Run the suite: every case in its own subprocess, one JSON record per run.

Per size the runner (1) builds the table once in a subprocess and pickles it into a temporary
cache, (2) computes the dense reference in another subprocess (sizes up to
:data:`benchmarks.reference.MAX_REFERENCE_NODES` nodes), (3) runs every case in a fresh
subprocess (untimed setup, ``repeats`` timed runs, check), so each case's peak memory
(``ru_maxrss`` of its child) is its own.  Baselines run in the same run as our methods, and
ratios are taken between cases of this run only (shared, noisy machines).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import _tables
from benchmarks.cases import BASELINES, OPERATIONS, methods_for, skip_reason
from benchmarks.reference import MAX_REFERENCE_NODES

__all__ = [
    "plan",
    "run_suite",
    "machine_info",
    "git_info",
    "default_repeats",
    "TARGETS",
    "RESULTS_DIR",
    "SCHEMA",
]

SCHEMA = 1
ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE")
#: The issue's targets: (name, numerator case, denominator case or None, metric, limit).
TARGETS = (
    (
        "accounts 309x42: time vs pymrio calc_all",
        "accounts/309x42/block",
        "accounts/309x42/pymrio",
        "time",
        1 / 100,
    ),
    (
        "accounts 309x42: peak memory vs pymrio calc_all",
        "accounts/309x42/block",
        "accounts/309x42/pymrio",
        "memory",
        1 / 30,
    ),
    (
        # not above the peak recorded before issue 13 (commit 48d3b37, benchmarks/README.md)
        "accounts 309x42: peak memory [GiB], at most 48d3b37's 249 MiB",
        "accounts/309x42/block",
        None,
        "memory_gib",
        249 / 1024,
    ),
    (
        "county 2800x42 accounts: time [s]",
        "accounts/county-2800x42/block",
        None,
        "time_s",
        40.0,
    ),
    (
        "county 2800x42 accounts: peak memory [GiB], at most 48d3b37's 1.16 GiB",
        "accounts/county-2800x42/block",
        None,
        "memory_gib",
        1.16,
    ),
    (
        "F/Y scenario 309x42 (scenario evaluation): time vs fresh pymrio calc_all",
        "scenario/309x42/block_totals",
        "accounts/309x42/pymrio",
        "time",
        1 / 500,
    ),
    *(
        (f"{op} 309x42: time [s]", f"{op}/309x42/{method}", None, "time_s", 3.0)
        for op, method in (
            ("scopes", "block"),
            ("indicators", "block"),
            ("inequality", "block"),
            ("scenario", "block"),
        )
    ),
)


def default_repeats(n_nodes: int, method: str) -> int:
    """Repeats per case: 3 for big cases, more for small ones."""
    if n_nodes <= 2000:
        return 7
    if n_nodes <= 5000 and method != "pymrio":
        return 5
    return 3


def plan(
    sizes,
    *,
    operations=None,
    only=None,
    repeats=None,
    pymrio_max_nodes=None,
    solver_choice_sizes=("309x42",),
) -> list[dict]:
    """The list of case specs of a run, in execution order (grouped by size).

    Parameters
    ----------
    sizes : sequence of str
        Size keys of :data:`benchmarks._tables.SIZES`.
    operations : sequence of str, optional
        Restrict to these operations.
    only : sequence of str, optional
        Keep cases whose id ('operation/size/method') contains one of these substrings.
    repeats : int, optional
        Override :func:`default_repeats`.
    pymrio_max_nodes : int, optional
        Skip pymrio above this many nodes (smoke mode).
    solver_choice_sizes : sequence of str
        Sizes that get the ``solver_choice`` case.
    """
    specs = []
    for size in sizes:
        spec = _tables.SIZES[size]
        for op in operations or OPERATIONS:
            if op == "solver_choice" and size not in solver_choice_sizes:
                continue
            for method in methods_for(op):
                cid = f"{op}/{size}/{method}"
                if only and not any(o in cid for o in only):
                    continue
                reason = skip_reason(op, size, method)
                if (
                    reason is None
                    and method == "pymrio"
                    and pymrio_max_nodes is not None
                    and spec.n_nodes > pymrio_max_nodes
                ):
                    reason = f"smoke mode: pymrio only up to {pymrio_max_nodes} nodes"
                specs.append(
                    {
                        "id": cid,
                        "operation": op,
                        "size": size,
                        "method": method,
                        "kind": "baseline" if method in BASELINES else "ours",
                        "n_nodes": spec.n_nodes,
                        "repeats": repeats or default_repeats(spec.n_nodes, method),
                        "skip": reason,
                    }
                )
    return specs


def _run_child(spec: dict, workdir: Path, timeout: float) -> dict:
    fd, spath = tempfile.mkstemp(suffix=".json", dir=workdir)
    os.close(fd)
    opath = spath.replace(".json", ".out.json")
    Path(spath).write_text(json.dumps(spec))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks._child", spath, opath],
            cwd=ROOT,
            env=env,
            timeout=timeout,
            capture_output=True,
            text=True,
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "reason": f"no result within {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    if not Path(opath).exists():
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        return {
            "status": "error",
            "reason": f"child exited with code {proc.returncode} "
            f"without a result (killed for memory?): {' | '.join(tail)}",
        }
    out = json.loads(Path(opath).read_text())
    out["child_wall_seconds"] = wall
    return out


def machine_info() -> dict:
    """Cores, memory, CPU model, BLAS (threadpoolctl) and thread environment variables."""
    import numpy  # noqa: F401  (loads numpy's BLAS so threadpoolctl can see it)
    import scipy.linalg  # noqa: F401  (and scipy's, which the cases use too)

    info: dict = {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "load_average": list(os.getloadavg()),
    }
    try:
        with open("/proc/meminfo") as fh:
            kb = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
        info["memory_bytes"] = kb * 1024
    except (OSError, StopIteration):
        info["memory_bytes"] = None
    model = platform.processor() or None
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.lower().startswith(("model name", "cpu model", "hardware")):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["cpu_model"] = model
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [
            {
                k: d.get(k)
                for k in (
                    "user_api",
                    "internal_api",
                    "version",
                    "num_threads",
                    "threading_layer",
                    "architecture",
                )
            }
            for d in threadpool_info()
        ]
    except ImportError:
        info["threadpools"] = []
    info["env"] = {k: os.environ.get(k) for k in ENV_VARS}
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for dist in ("numpy", "scipy", "pandas", "pymrio", "mrio-city", "numba"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = None
    info["versions"] = versions
    return info


def git_info() -> dict:
    """Commit of HEAD and whether the working tree is dirty."""

    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)

    head = git("rev-parse", "HEAD")
    status = git("status", "--porcelain")
    return {
        "commit": head.stdout.strip() if head.returncode == 0 else None,
        "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None,
    }


def _summarize(case: dict) -> None:
    times = case.get("times") or []
    if times and case.get("status") in ("ok", "failed"):
        case["time_median"] = statistics.median(times)
        case["time_min"] = min(times)
        case["time_max"] = max(times)


def _ratios(cases: list[dict]) -> None:
    by_id = {c["id"]: c for c in cases}
    for c in cases:
        if c.get("status") != "ok":
            continue
        ratios = {}
        for base in BASELINES:
            if base == c["method"]:
                continue
            same = by_id.get(f"{c['operation']}/{c['size']}/{base}")
            ref = same if same and same.get("status") == "ok" else None
            if ref is None and base == "pymrio":  # pymrio has no separate step: full calc_all
                acc = by_id.get(f"accounts/{c['size']}/pymrio")
                ref = acc if acc and acc.get("status") == "ok" else None
            if ref is None or c["operation"] in ("save", "load"):
                continue
            ratios[base] = {
                "against": ref["id"],
                "time": c["time_median"] / ref["time_median"],
                "memory": c["peak_memory_bytes"] / ref["peak_memory_bytes"],
            }
        c["ratios"] = ratios


def _targets(cases: list[dict]) -> list[dict]:
    by_id = {c["id"]: c for c in cases}
    out = []
    for name, num, den, metric, limit in TARGETS:
        a, b = by_id.get(num), by_id.get(den) if den else None
        row = {
            "name": name,
            "case": num,
            "against": den,
            "limit": limit,
            "value": None,
            "met": None,
        }
        if a is None or a.get("status") != "ok" or (den and (b is None or b.get("status") != "ok")):
            row["note"] = "not measured in this run"
            out.append(row)
            continue
        if metric == "time":
            row["value"] = a["time_median"] / b["time_median"]
        elif metric == "memory":
            row["value"] = a["peak_memory_bytes"] / b["peak_memory_bytes"]
        elif metric == "time_s":
            row["value"] = a["time_median"]
        else:
            row["value"] = a["peak_memory_bytes"] / 2**30
        row["met"] = bool(row["value"] <= limit)
        out.append(row)
    return out


def _log(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def _run_group(
    size: str,
    todo: list[dict],
    info: dict,
    work: Path,
    timeout: float,
    inject_error: dict[str, float],
    quiet: bool,
) -> list[dict]:
    """All cases of a size in one process (smoke mode; memory figures are shared)."""
    run = [s for s in todo if s["skip"] is None]
    child = {
        "task": "group",
        "size": size,
        "cases": [
            {
                "task": "case",
                **{k: v for k, v in s.items() if k != "skip"},
                "inject_error": inject_error.get(s["id"], 0.0),
            }
            for s in run
        ],
    }
    out = _run_child(child, work, timeout * max(1, len(run)))
    info["build"] = out.get("build", {"status": out.get("status"), "reason": out.get("reason")})
    info["reference"] = out.get("reference", {"status": "none"})
    results = iter(out.get("cases", []))
    cases = []
    for s in todo:
        case = {k: v for k, v in s.items() if k != "skip"}
        case["isolated"] = False
        if s["skip"] is not None:
            case.update(status="skipped", reason=s["skip"])
        else:
            case.update(next(results, {"status": "error", "reason": out.get("reason")}))
        _summarize(case)
        cases.append(case)
        _log(_one_line(case), quiet)
    return cases


def run_suite(
    specs: list[dict],
    *,
    suite: str,
    timeout: float = 3600.0,
    inject_error: dict[str, float] | None = None,
    quiet: bool = False,
    isolate: bool = True,
) -> dict:
    """Run planned cases (see :func:`plan`); return the run record (not yet written).

    With ``isolate=False`` (smoke mode) all cases of a size share one process: much faster,
    but peak memory is then the process's running maximum, not the case's own.
    """
    started = _dt.datetime.now(_dt.UTC)
    record = {
        "schema": SCHEMA,
        "suite": suite,
        "isolated": isolate,
        **git_info(),
        "date": started.isoformat(timespec="seconds"),
        "machine": machine_info(),
        "table_source": _tables.table_source(),
        "sizes": {},
        "cases": [],
    }
    inject_error = inject_error or {}
    with tempfile.TemporaryDirectory(prefix="mrio-bench-") as tmp:
        work = Path(tmp)
        cache = work / "tables"
        cache.mkdir()
        for size in dict.fromkeys(s["size"] for s in specs):
            sspec = _tables.SIZES[size]
            info = {
                "n_cities": sspec.n_cities,
                "n_sectors": sspec.n_sectors,
                "n_partners": sspec.n_partners,
                "n_nodes": sspec.n_nodes,
            }
            todo = [s for s in specs if s["size"] == size]
            if not any(s["skip"] is None for s in todo):
                record["sizes"][size] = info
                for s in todo:
                    case = {k: v for k, v in s.items() if k != "skip"}
                    record["cases"].append({**case, "status": "skipped", "reason": s["skip"]})
                continue
            if not isolate:
                _log(f"[{size}] all cases in one process (smoke) ...", quiet)
                record["cases"] += _run_group(size, todo, info, work, timeout, inject_error, quiet)
                record["sizes"][size] = info
                continue
            _log(f"[{size}] building table ...", quiet)
            built = _run_child(
                {"task": "build", "size": size, "cache_dir": str(cache)}, work, timeout
            )
            info["build"] = built
            ref_path = None
            if sspec.n_nodes <= MAX_REFERENCE_NODES and built.get("status") == "ok":
                _log(f"[{size}] dense reference ...", quiet)
                ref_path = str(work / f"{size}.ref.npz")
                ref = _run_child(
                    {
                        "task": "reference",
                        "size": size,
                        "cache_dir": str(cache),
                        "reference_path": ref_path,
                    },
                    work,
                    timeout,
                )
                info["reference"] = ref
                if ref.get("status") != "ok":
                    ref_path = None
            else:
                info["reference"] = {
                    "status": "none",
                    "method": (
                        f"no dense reference above {MAX_REFERENCE_NODES} nodes: cases are checked "
                        "by accounting identities (CBF = PBF - EEE + EEI; sum CBF + EEE abroad = "
                        "sum PBF; PBF = F summed; m . sum_s Y^s = sum CBF) and solver residuals"
                    ),
                }
            record["sizes"][size] = info
            for s in todo:
                case = {k: v for k, v in s.items() if k != "skip"}
                if s["skip"] is not None:
                    case.update(status="skipped", reason=s["skip"])
                elif built.get("status") != "ok":
                    case.update(status="error", reason=f"table build failed: {built.get('reason')}")
                else:
                    child = {
                        "task": "case",
                        **case,
                        "cache_dir": str(cache),
                        "reference_path": ref_path,
                        "inject_error": inject_error.get(s["id"], 0.0),
                    }
                    case["load_average_before"] = os.getloadavg()[0]
                    case.update(_run_child(child, work, timeout))
                _summarize(case)
                record["cases"].append(case)
                _log(_one_line(case), quiet)
    _ratios(record["cases"])
    record["targets"] = _targets(record["cases"])
    record["load_average_end"] = list(os.getloadavg())
    record["duration_seconds"] = (_dt.datetime.now(_dt.UTC) - started).total_seconds()
    return record


def _one_line(c: dict) -> str:
    if c.get("status") == "skipped":
        return f"  {c['id']:<42} skipped: {c.get('reason')}"
    if "time_median" not in c:
        return f"  {c['id']:<42} {c.get('status')}: {c.get('reason')}"
    mem = c.get("peak_memory_bytes") or 0
    err = (c.get("check") or {}).get("max_rel_error")
    errs = f"{err:.1e}" if isinstance(err, float) else "-"
    return (
        f"  {c['id']:<42} {c['time_median']:10.4f} s  {mem / 2**20:9.0f} MiB  "
        f"err {errs}  {c['status']}" + (f": {c['reason']}" if c.get("reason") else "")
    )
