"""Outputs of a run (history line, markdown summary, scaling chart) and run-to-run comparison."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

__all__ = ["write_outputs", "markdown", "plot_scaling", "load_record", "compare", "merge_records"]


def _atomic_write_text(path: Path, text: str) -> None:
    from mrio_city.io.atomic import atomic_path

    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)


def write_outputs(
    record: dict, out_dir: str | os.PathLike, *, history: bool = True, chart: bool = True
) -> dict[str, Path]:
    """Append the record to ``history.jsonl``; write ``latest.json``, ``latest.md``,
    ``scaling.png`` in ``out_dir``.  Returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    if history:
        paths["history"] = out / "history.jsonl"
        with open(paths["history"], "a") as fh:  # append-only log: one complete line per run
            fh.write(json.dumps(record, default=float, sort_keys=True) + "\n")
    paths["json"] = out / "latest.json"
    _atomic_write_text(paths["json"], json.dumps(record, default=float, indent=1) + "\n")
    paths["markdown"] = out / "latest.md"
    _atomic_write_text(paths["markdown"], markdown(record))
    if chart:
        paths["chart"] = out / "scaling.png"
        plot_scaling(record, paths["chart"])
    return paths


def _fmt_t(s) -> str:
    if s is None:
        return "-"
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def _fmt_mem(b) -> str:
    return "-" if b is None else f"{b / 2**20:,.0f} MiB"


def _fmt_load(la) -> str:
    return "?" if not la else f"{la[0]:.2f}"


def _fmt_ratio(r) -> str:
    if r is None:
        return "-"
    return f"1/{1 / r:,.0f}" if r < 0.5 else f"{r:.2f}x"


def markdown(record: dict) -> str:
    """The run as a markdown summary (targets, then one table per size)."""
    m = record["machine"]
    blas = "; ".join(
        f"{t.get('internal_api')} {t.get('version')} ({t.get('num_threads')} thr)"
        for t in m.get("threadpools", [])
    )
    lines = [
        f"# mrio-city benchmarks ({record.get('suite')})",
        "",
        f"- commit `{record.get('commit')}`{' (dirty tree)' if record.get('dirty') else ''}"
        + (
            f" (merged from {len(record['parts'])} runs of commits "
            + ", ".join(c[:7] for c in record.get("commits", []))
            + ")"
            if record.get("parts")
            else ""
        )
        + ", "
        f"{record['date']}, table source: {record.get('table_source')}",
        f"- machine: {m.get('cores')} cores, {(m.get('memory_bytes') or 0) / 2**30:.1f} GiB, "
        f"{m.get('cpu_model')}; BLAS: {blas or 'unknown'}; numba (compiled county share "
        f"products): {m.get('versions', {}).get('numba') or 'not installed'}; env: "
        + ", ".join(f"{k}={v}" for k, v in m.get("env", {}).items()),
        f"- load average (1 min) at start {_fmt_load(m.get('load_average'))}, at end "
        f"{_fmt_load(record.get('load_average_end'))} on {m.get('cores')} cores (the machine "
        "is shared: other work inflates absolute times; ratios are side by side)",
        f"- run took {record.get('duration_seconds', 0) / 60:.1f} min; times are medians "
        "over repeats; "
        + (
            "each case in its own process (peak memory = its ru_maxrss)"
            if record.get("isolated", True)
            else "all cases of a size in one process (smoke: peak memory only indicative)"
        )
        + "; ratios are to baselines measured in this run.",
        "",
    ]
    if record.get("targets"):
        lines += ["## Targets", "", "| target | value | limit | met |", "|---|---|---|---|"]
        for t in record["targets"]:
            v = t["value"]
            if v is None:
                vs = t.get("note", "-")
            elif "GiB" in t["name"]:
                vs = f"{v:.3f}"
            elif "[s]" in t["name"]:
                vs = f"{v:.3g} s"
            else:
                vs = f"{_fmt_ratio(v)} ({v:.4g})"
            if "[s]" in t["name"] or "GiB" in t["name"]:
                lim = f"{t['limit']:.3g}"
            else:
                lim = f"1/{1 / t['limit']:.0f}"
            met = {True: "yes", False: "**no**", None: "-"}[t["met"]]
            lines.append(f"| {t['name']} | {vs} | {lim} | {met} |")
        lines.append("")
    for size, info in record["sizes"].items():
        ref = info.get("reference", {})
        lines += [
            f"## {size} ({info['n_nodes']:,} nodes)",
            "",
            f"Check: {ref.get('method', 'dense reference')}"
            + (f", reference residual {ref['residual']:.1e}" if "residual" in ref else ""),
            "",
            "| case | method | median | min | max | peak mem | time / pymrio | "
            "mem / pymrio | time / numpy inv | time / scipy LU | max rel err | status |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for c in record["cases"]:
            if c["size"] != size:
                continue
            r = c.get("ratios", {})
            err = (c.get("check") or {}).get("max_rel_error")
            status = c["status"] if c["status"] == "ok" else f"**{c['status']}**"
            if c.get("reason"):
                status += f": {c['reason']}"
            lines.append(
                f"| {c['operation']} | {c['method']} | {_fmt_t(c.get('time_median'))} | "
                f"{_fmt_t(c.get('time_min'))} | {_fmt_t(c.get('time_max'))} | "
                f"{_fmt_mem(c.get('peak_memory_bytes'))} | "
                f"{_fmt_ratio(r.get('pymrio', {}).get('time'))} | "
                f"{_fmt_ratio(r.get('pymrio', {}).get('memory'))} | "
                f"{_fmt_ratio(r.get('numpy_inv', {}).get('time'))} | "
                f"{_fmt_ratio(r.get('scipy_lu', {}).get('time'))} | "
                f"{'-' if err is None else f'{err:.1e}'} | {status} |"
            )
        lines.append("")
    return "\n".join(lines)


def plot_scaling(record: dict, path: str | os.PathLike, operation: str = "accounts") -> Path:
    """Log-log chart of median time and peak memory against nodes, one line per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mrio_city.io.atomic import atomic_path

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(12, 5))
    series: dict[tuple[str, str], list] = {}
    for c in record["cases"]:
        if c["status"] == "ok" and c["operation"] in (operation, "scenario"):
            series.setdefault((c["operation"], c["method"]), []).append(c)
    styles = {
        "block": "C0",
        "dense": "C1",
        "sparse": "C2",
        "pymrio": "C3",
        "numpy_inv": "C4",
        "scipy_lu": "C5",
    }
    for (op, method), cs in sorted(series.items()):
        if op == "scenario" and method not in ("block", "pymrio"):
            continue
        cs = sorted(cs, key=lambda c: c["n_nodes"])
        n = [c["n_nodes"] for c in cs]
        kw = dict(
            color=styles.get(method, "k"),
            marker="o" if op == operation else "s",
            linestyle="-" if op == operation else "--",
            label=f"{op}: {method}",
        )
        ax_t.plot(n, [c["time_median"] for c in cs], **kw)
        ax_m.plot(n, [c["peak_memory_bytes"] / 2**20 for c in cs], **kw)
    for ax, ylab in ((ax_t, "median wall time [s]"), (ax_m, "peak memory of the process [MiB]")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("table size [nodes = cities x sectors]")
        ax.set_ylabel(ylab)
        ax.grid(True, which="both", alpha=0.3)
    if series:
        ax_t.legend(fontsize=8)
    commit = (record.get("commit") or "unknown")[:10]
    fig.suptitle(
        f"mrio-city {operation} (solid) and F/Y scenario (dashed) vs size - "
        f"commit {commit}{' (dirty)' if record.get('dirty') else ''}, "
        f"{record['date'][:10]}"
    )
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return Path(path)


def merge_records(records: list[dict], *, allow_mixed: bool = False) -> dict:
    """One summary record from several runs of the same commit (e.g. a suite run in parts).

    Cases keep the ratios measured side by side within their own run; a case present in
    several runs is taken from the last.  Targets are re-evaluated from the merged cases.

    With ``allow_mixed`` runs of different commits are merged too (a suite run in parts while
    the branch moved); every case then carries its run's ``commit`` and the record lists
    ``commits``.

    Raises
    ------
    ValueError
        When the runs are of different commits and ``allow_mixed`` is False.
    """
    from benchmarks.runner import _targets

    commits = {r.get("commit") for r in records}
    if len(commits) > 1 and not allow_mixed:
        raise ValueError(f"cannot merge runs of different commits: {sorted(map(str, commits))}")
    merged = json.loads(json.dumps(records[-1]))
    cases: dict[str, dict] = {}
    sizes: dict[str, dict] = {}
    for r in records:
        for c in r["cases"]:
            cases[c["id"]] = {**c, "run_date": r["date"], "commit": r.get("commit")}
        sizes.update(r["sizes"])
    merged["cases"] = list(cases.values())
    merged["sizes"] = sizes
    merged["dirty"] = any(r.get("dirty") for r in records)
    merged["commits"] = list(dict.fromkeys(str(r.get("commit")) for r in records))
    merged["parts"] = [
        {
            "date": r["date"],
            "duration_seconds": r.get("duration_seconds"),
            "load_average": r["machine"].get("load_average"),
            "load_average_end": r.get("load_average_end"),
            "cases": len(r["cases"]),
        }
        for r in records
    ]
    merged["duration_seconds"] = sum(r.get("duration_seconds") or 0 for r in records)
    merged["targets"] = _targets(merged["cases"])
    return merged


def load_record(ref: str, history: str | os.PathLike | None = None) -> dict:
    """A run record from a JSON file, or the latest history entry whose commit starts with
    ``ref`` (or the run at ``HEAD~k``-style index ``-k`` of the history).

    Raises
    ------
    FileNotFoundError
        When ``ref`` is neither a file nor found in the history.
    """
    p = Path(ref)
    if p.is_file():
        text = p.read_text().strip()
        if p.suffix == ".jsonl":
            return json.loads(text.splitlines()[-1])
        return json.loads(text)
    hist = (
        Path(history) if history else Path(__file__).resolve().parent / "results" / "history.jsonl"
    )
    if not hist.exists():
        raise FileNotFoundError(f"{ref!r} is not a file and history {str(hist)!r} does not exist")
    runs = [json.loads(line) for line in hist.read_text().splitlines() if line.strip()]
    if ref.lstrip("-").isdigit() and ref.startswith("-") and runs:
        k = int(ref)
        if -len(runs) <= k < 0:
            return runs[k]
    found = [r for r in runs if (r.get("commit") or "").startswith(ref)]
    if not found:
        raise FileNotFoundError(
            f"no run of commit {ref!r} in {str(hist)!r} ({len(runs)} runs recorded)"
        )
    return found[-1]


def compare(
    a: dict, b: dict, *, threshold: float = 1.10, normalize: str | None = None
) -> tuple[list[str], bool]:
    """Flag cases of run ``b`` slower or bigger than in run ``a`` by more than ``threshold``.

    Parameters
    ----------
    a, b : dict
        Run records (old, new).
    threshold : float, default=1.10
        Ratio new/old beyond which a case regresses (time median and peak memory).
    normalize : str, optional
        A baseline method ('scipy_lu', 'numpy_inv', 'pymrio'): compare each case's time as a
        ratio to that baseline measured in its own run (robust to a slower machine).

    Returns
    -------
    (report lines, whether any case regressed)
    """
    ca = {c["id"]: c for c in a["cases"]}
    lines = [
        f"comparing {(a.get('commit') or '?')[:10]} ({a['date']}) -> "
        f"{(b.get('commit') or '?')[:10]} ({b['date']}), threshold {threshold:.2f}"
        + (f", times normalized by {normalize}" if normalize else "")
    ]
    regressed = False
    for c in b["cases"]:
        old = ca.get(c["id"])
        if old is None or old.get("status") != "ok":
            continue
        if c.get("status") != "ok":
            regressed = True
            lines.append(f"REGRESSION {c['id']}: was ok, now {c['status']}: {c.get('reason')}")
            continue
        t_old, t_new = old["time_median"], c["time_median"]
        if normalize:
            ro = old.get("ratios", {}).get(normalize, {}).get("time")
            rn = c.get("ratios", {}).get(normalize, {}).get("time")
            if ro is None or rn is None:
                continue
            t_old, t_new = ro, rn
        tr = t_new / t_old if t_old > 0 else math.inf
        mr = c["peak_memory_bytes"] / old["peak_memory_bytes"]
        flags = []
        if tr > threshold:
            flags.append(f"time x{tr:.2f}")
        if mr > threshold:
            flags.append(f"memory x{mr:.2f}")
        tag = "REGRESSION" if flags else ("faster    " if tr < 1 / threshold else "ok        ")
        regressed |= bool(flags)
        lines.append(
            f"{tag} {c['id']:<42} time x{tr:.3f}  memory x{mr:.3f}"
            + (f"  ({', '.join(flags)})" if flags else "")
        )
    lines.append("regressions found" if regressed else "no regression beyond the threshold")
    return lines, regressed
