"""The shared shape of the single-purpose benchmark scripts: options -> run -> JSON record.

``anatomy`` and ``responsibility`` each define ``run(**options) -> dict`` and a summary of the
record; :func:`script_main` parses their options (and ``--out``),
runs, writes the record as indented JSON and prints the summary.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["script_main", "timed", "write_record"]


def timed(fn: Callable[[], Any], repeats: int) -> tuple[Any, list[float]]:
    """Call ``fn`` ``repeats`` times; return its last result and the wall times [s]."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times


def write_record(path: Path, record: Mapping[str, Any]) -> Path:
    """Write a benchmark record as indented JSON (folder created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def script_main(
    argv: list[str] | None,
    *,
    description: str,
    results: Path,
    options: Mapping[str, tuple[str, int]],
    run: Callable[..., dict],
    summary: Callable[[dict], tuple[str, int]],
) -> int:
    """Parse ``--<flag>`` integer options and ``--out``, run, write the record, print a summary.

    Parameters
    ----------
    argv : list of str or None
        Command-line arguments (None: ``sys.argv``).
    description : str
        The script's one-line description.
    results : Path
        Default of ``--out``.
    options : mapping
        Flag (without ``--``) -> (keyword argument of ``run``, default), all integers.
    run : callable
        Called with the options; returns the JSON-serializable record.
    summary : callable
        Record -> (text printed, exit code).

    Returns
    -------
    int
        The exit code ``summary`` gives.
    """
    p = argparse.ArgumentParser(description=description)
    for flag, (_, default) in options.items():
        p.add_argument(f"--{flag}", type=int, default=default)
    p.add_argument("--out", type=Path, default=results)
    args = p.parse_args(argv)
    kwargs = {name: getattr(args, flag.replace("-", "_")) for flag, (name, _) in options.items()}
    record = run(**kwargs)
    write_record(args.out, record)
    text, code = summary(record)
    print(text)
    return code
