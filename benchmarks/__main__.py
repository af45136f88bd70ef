"""Command line of the benchmark suite (no asv needed).

``python -m benchmarks [--smoke] [--sizes ...] [--only ...] [--repeats N] [--out DIR]``
runs the suite and prints a table; ``python -m benchmarks compare A B [--threshold 1.10]``
compares two runs (JSON files, or commits recorded in ``history.jsonl``) and exits 1 on a
regression; ``python -m benchmarks report RUN [RUN ...]`` redraws ``latest.md``,
``latest.json`` and ``scaling.png`` from recorded runs (merging runs of one commit).
Exit code of a run: 0 when every case that ran passed its check, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks import _tables
from benchmarks.cases import OPERATIONS


def _run_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark mrio-city against pymrio and dense numpy (every case in its own "
        "process). Subcommands: 'compare A B', 'report RUN...' (see their -h).",
    )
    p.add_argument(
        "--smoke",
        action="store_true",
        help=f"smallest sizes {_tables.SMOKE_SIZES}, 3 repeats, pymrio only on the "
        "tiny table (seconds)",
    )
    p.add_argument(
        "--sizes",
        nargs="+",
        choices=list(_tables.SIZES),
        metavar="SIZE",
        help=f"table sizes (default full: {_tables.FULL_SIZES}); known: {list(_tables.SIZES)}",
    )
    p.add_argument(
        "--operations",
        nargs="+",
        choices=OPERATIONS,
        metavar="OP",
        help=f"restrict to operations {OPERATIONS}",
    )
    p.add_argument(
        "--only",
        nargs="+",
        metavar="TEXT",
        help="keep cases whose id 'operation/size/method' contains TEXT",
    )
    p.add_argument(
        "--repeats", type=int, help="timed repeats per case (default: 7 small, 5 medium, 3 big)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds per case process (default 3600, smoke 300)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default benchmarks/results, smoke: "
        "benchmarks/results/tmp/smoke, git-ignored)",
    )
    p.add_argument("--no-history", action="store_true", help="do not append to history.jsonl")
    p.add_argument("--no-chart", action="store_true", help="do not draw scaling.png")
    p.add_argument(
        "--inject-error",
        nargs=2,
        action="append",
        metavar=("CASE_ID", "REL"),
        default=[],
        help="testing the checks: scale one quantity of CASE_ID's "
        "result by (1 + REL); that case must then fail",
    )
    p.add_argument("--quiet", action="store_true", help="no per-case progress lines")
    iso = p.add_mutually_exclusive_group()
    iso.add_argument(
        "--isolate",
        dest="isolate",
        action="store_true",
        default=None,
        help="every case in its own process (default of the full suite)",
    )
    iso.add_argument(
        "--no-isolate",
        dest="isolate",
        action="store_false",
        help="all cases of a size in one process (default of --smoke; memory "
        "figures are then shared)",
    )
    return p


def _compare_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks compare",
        description="Flag cases of run B slower/bigger than in run A beyond a threshold "
        "(exit code 1 on regression).",
    )
    p.add_argument(
        "a",
        help="old run: a JSON record, or a commit (prefix) in the history, "
        "or -k for the k-th last history entry",
    )
    p.add_argument("b", help="new run (same forms)")
    p.add_argument(
        "--threshold",
        type=float,
        default=1.10,
        help="ratio new/old that counts as a regression (default 1.10)",
    )
    p.add_argument(
        "--normalize",
        choices=["scipy_lu", "numpy_inv", "pymrio"],
        help="compare times as ratios to this baseline of the same run",
    )
    p.add_argument("--history", type=Path, help="history.jsonl to look commits up in")
    return p


def _report(argv: list[str]) -> int:
    """``report RUN [RUN ...] [--out DIR]``: markdown + chart (+ merged latest.json) again."""
    from benchmarks.report import load_record, markdown, merge_records, write_outputs
    from benchmarks.runner import RESULTS_DIR

    p = argparse.ArgumentParser(
        prog="python -m benchmarks report",
        description="Redraw latest.md/latest.json/scaling.png from recorded runs (several runs "
        "of one commit are merged, e.g. a suite run in parts); history.jsonl is not touched.",
    )
    p.add_argument("runs", nargs="+", help="JSON records, commits or -k history entries")
    p.add_argument("--out", type=Path, default=RESULTS_DIR)
    p.add_argument("--history", type=Path)
    p.add_argument(
        "--allow-mixed",
        action="store_true",
        help="merge runs of different commits (each case keeps its commit)",
    )
    args = p.parse_args(argv)
    try:
        runs = [load_record(r, args.history) for r in args.runs]
        record = merge_records(runs, allow_mixed=args.allow_mixed)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    paths = write_outputs(record, args.out, history=False)
    print(markdown(record))
    print("written: " + ", ".join(str(p) for p in paths.values()))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "compare":
        from benchmarks.report import compare, load_record

        args = _compare_parser().parse_args(argv[1:])
        try:
            a = load_record(args.a, args.history)
            b = load_record(args.b, args.history)
        except FileNotFoundError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        lines, regressed = compare(a, b, threshold=args.threshold, normalize=args.normalize)
        print("\n".join(lines))
        return 1 if regressed else 0

    if argv and argv[0] == "report":
        return _report(argv[1:])
    args = _run_parser().parse_args(argv)
    from benchmarks.report import markdown, write_outputs
    from benchmarks.runner import RESULTS_DIR, plan, run_suite

    if args.smoke:
        sizes = args.sizes or list(_tables.SMOKE_SIZES)
        specs = plan(
            sizes,
            operations=args.operations,
            only=args.only,
            repeats=args.repeats or 3,
            pymrio_max_nodes=100,
            solver_choice_sizes=("12x10",),
        )
        out = args.out or RESULTS_DIR / "tmp" / "smoke"
        timeout = args.timeout or 300.0
    else:
        specs = plan(
            args.sizes or list(_tables.FULL_SIZES),
            operations=args.operations,
            only=args.only,
            repeats=args.repeats,
        )
        out = args.out or RESULTS_DIR
        timeout = args.timeout or 3600.0
    if not specs:
        print("error: no benchmark case matches the selection", file=sys.stderr)
        return 2
    inject = {cid: float(rel) for cid, rel in args.inject_error}
    unknown = set(inject) - {s["id"] for s in specs}
    if unknown:
        print(
            f"error: --inject-error names case(s) not in this run: {sorted(unknown)}",
            file=sys.stderr,
        )
        return 2
    record = run_suite(
        specs,
        suite="smoke" if args.smoke else "full",
        timeout=timeout,
        inject_error=inject,
        quiet=args.quiet,
        isolate=args.isolate if args.isolate is not None else not args.smoke,
    )
    paths = write_outputs(record, out, history=not args.no_history, chart=not args.no_chart)
    print(markdown(record))
    print("written: " + ", ".join(str(p) for p in paths.values()))
    bad = [c["id"] for c in record["cases"] if c["status"] in ("failed", "error", "timeout")]
    if bad:
        print(f"{len(bad)} case(s) did not pass: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
