"""Subprocess entry of the runner: ``python -m benchmarks._child SPEC.json OUT.json``.

Tasks: ``build`` (build a size's table and pickle it into the run's cache), ``reference``
(dense reference answers, see :mod:`benchmarks.reference`), ``case`` (setup, ``repeats``
timed runs, check) and ``group`` (smoke mode: all of a size's cases in one process, so peak
memory is shared and only indicative).  Peak memory is this process's own ``ru_maxrss``;
``run_peak_memory`` is the high-water mark of the timed runs alone (``/proc/self/clear_refs``
reset after setup, Linux).
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import resource
import sys
import time
import traceback
from pathlib import Path


def _maxrss_bytes() -> int:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(r) * (1 if sys.platform == "darwin" else 1024)


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _vm_hwm_bytes() -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _install_cache(cache_dir: str | None) -> None:
    """Make ``_tables.get_table`` read pickled tables from the run's cache."""
    if not cache_dir:
        return
    from benchmarks import _tables

    original = _tables.get_table

    def cached(key: str):
        p = Path(cache_dir) / f"{key}.pkl"
        if p.exists():
            with open(p, "rb") as fh:
                return pickle.load(fh)
        return original(key)

    cached.cache_clear = original.cache_clear  # type: ignore[attr-defined]
    _tables.get_table = cached


def _task_build(spec: dict) -> dict:
    from benchmarks import _tables

    t0 = time.perf_counter()
    table = _tables.get_table(spec["size"])
    seconds = time.perf_counter() - t0
    path = Path(spec["cache_dir"]) / f"{spec['size']}.pkl"
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(table, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return {
        "status": "ok",
        "build_seconds": seconds,
        "table_name": table.name,
        "n_nodes": table.n_nodes,
        "n_stored": int(getattr(table, "n_stored", 0)),
        "source": _tables.table_source(),
        "peak_memory_bytes": _maxrss_bytes(),
    }


def _task_reference(spec: dict) -> dict:
    from benchmarks.reference import save_reference

    t0 = time.perf_counter()
    summary = save_reference(spec["size"], spec["reference_path"])
    return {
        "status": "ok",
        "seconds": time.perf_counter() - t0,
        **summary,
        "peak_memory_bytes": _maxrss_bytes(),
    }


def _task_case(spec: dict, reference=None) -> dict:
    import warnings

    from benchmarks.cases import make_case
    from benchmarks.reference import load_reference

    warnings.simplefilter("ignore")  # EfficiencyWarning on purpose-built dense baselines
    case = make_case(
        spec["operation"], spec["size"], spec["method"], inject_error=spec.get("inject_error", 0.0)
    )
    t0 = time.perf_counter()
    try:
        case.setup()
    except NotImplementedError as exc:
        return {"status": "skipped", "reason": str(exc)}
    setup_seconds = time.perf_counter() - t0
    setup_memory = _maxrss_bytes()
    gc.collect()
    gc.freeze()  # setup's objects are permanent: the per-repeat gc.collect stays cheap
    hwm = _reset_hwm()
    times = []
    for _ in range(int(spec["repeats"])):
        case.reset()
        t = time.perf_counter()
        case.run()
        times.append(time.perf_counter() - t)
    run_peak = _vm_hwm_bytes() if hwm else None
    peak = _maxrss_bytes()
    if reference is None:
        reference = load_reference(spec.get("reference_path"))
    gc.unfreeze()
    check = case.check(reference)
    return {
        "status": "ok" if check["passed"] else "failed",
        "reason": None if check["passed"] else check.get("message"),
        "times": times,
        "setup_seconds": setup_seconds,
        "setup_memory_bytes": setup_memory,
        "peak_memory_bytes": peak,
        "run_peak_memory_bytes": run_peak,
        "check": check,
        "extra": case.extra,
    }


def _task_group(spec: dict) -> dict:
    """Smoke mode: build, reference and all cases of one size in this one process."""
    from benchmarks import _tables
    from benchmarks.reference import MAX_REFERENCE_NODES, compute_reference

    t0 = time.perf_counter()
    table = _tables.get_table(spec["size"])
    out: dict = {
        "status": "ok",
        "build": {
            "status": "ok",
            "build_seconds": time.perf_counter() - t0,
            "table_name": table.name,
            "n_nodes": table.n_nodes,
            "source": _tables.table_source(),
        },
    }
    reference = None
    if table.n_nodes <= MAX_REFERENCE_NODES:
        reference = compute_reference(spec["size"])
        out["reference"] = {
            "status": "ok",
            "method": "scipy LU (LAPACK getrf) of dense I - A",
            "residual": float(reference["residual"]),
        }
    results = []
    for case in spec["cases"]:
        try:
            results.append(_task_case(case, reference))
        except Exception as exc:  # one broken case does not hide the others
            results.append(
                {
                    "status": "error",
                    "reason": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(limit=8),
                }
            )
    out["cases"] = results
    return out


def main(argv: list[str]) -> int:
    spec_path, out_path = argv
    spec = json.loads(Path(spec_path).read_text())
    _install_cache(spec.get("cache_dir"))
    task = {
        "build": _task_build,
        "reference": _task_reference,
        "case": _task_case,
        "group": _task_group,
    }[spec["task"]]
    try:
        out = task(spec)
    except Exception as exc:  # reported to the runner, which marks the case 'error'
        out = {
            "status": "error",
            "reason": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(limit=8),
            "peak_memory_bytes": _maxrss_bytes(),
        }
    Path(out_path).write_text(json.dumps(out, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
