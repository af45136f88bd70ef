"""Progress reporting (private helper): quiet in the library unless a caller asks.

When asked (``enabled=True``), progress goes to standard error in one of two forms:

* a tqdm bar when standard error is a terminal;
* otherwise (a log file, a pipe, CI) plain single lines: one when the work starts, then
  ``desc: 3/12 blocks (25%), 4.1 s`` at most every :data:`LOG_INTERVAL` seconds, and one when
  it ends; no carriage returns, nothing a log reader has to clean up.

The command line turns progress on by default and off with ``--quiet``; library functions take
``progress=False`` by default.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

#: Seconds between two progress lines when standard error is not a terminal.
LOG_INTERVAL = 10.0


def _is_terminal() -> bool:
    stream = sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class _NullCounter:
    """Counter that shows nothing."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _NullCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plural(unit: str, n: int) -> str:
    """``unit`` for ``n`` of them: 'block'/'blocks', 'city'/'cities'."""
    if n == 1:
        return unit
    if unit.endswith("y") and unit[-2:-1] not in ("a", "e", "i", "o", "u"):
        return unit[:-1] + "ies"
    return unit + "s"


class _LogCounter(_NullCounter):
    """Counter that writes single progress lines (for logs and pipes)."""

    def __init__(self, total: int | None, desc: str, unit: str) -> None:
        self.total, self.desc, self.unit = total, desc, unit
        self.n = 0
        self.start = self.last = time.perf_counter()
        self.closed = False
        of = f" ({total} {_plural(unit, total)})" if total else ""
        print(f"{desc}: started{of}", file=sys.stderr, flush=True)

    def _line(self, now: float, done: bool = False) -> None:
        of = f"/{self.total}" if self.total else ""
        pct = f" ({self.n / self.total:.0%})" if self.total else ""
        end = ", done" if done else ""
        print(
            f"{self.desc}: {self.n}{of} {_plural(self.unit, self.n)}{pct}, "
            f"{now - self.start:.1f} s{end}",
            file=sys.stderr,
            flush=True,
        )
        self.last = now

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.perf_counter()
        if now - self.last >= LOG_INTERVAL and (self.total is None or self.n < self.total):
            self._line(now)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._line(time.perf_counter(), done=True)


def progress_counter(
    total: int | None, *, enabled: bool, desc: str, unit: str, leave: bool = True
) -> Any:
    """Return a progress counter with ``update(n)``, ``close()`` and the context protocol.

    Parameters
    ----------
    total : int or None
        Number of steps, when known.
    enabled : bool
        Show progress at all (callers pass their ``progress`` argument).
    desc, unit : str
        The label and the name of one step.
    leave : bool, default=True
        Keep the terminal bar on screen when done (log lines always stay).
    """
    if not enabled:
        return _NullCounter()
    if _is_terminal():
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit=unit, leave=leave)
    return _LogCounter(total, desc, unit)


def progress_bar(
    iterable: Iterable[T], *, enabled: bool, desc: str, unit: str, total: int | None = None
) -> Iterable[T]:
    """Return ``iterable`` reporting progress when ``enabled``, else unchanged.

    A tqdm bar in a terminal, single log lines otherwise (see the module docstring); tqdm is
    imported only when a bar is shown, so quiet library calls never pay for it.

    Parameters
    ----------
    iterable : iterable
    enabled : bool
        Show progress (callers pass their ``progress`` argument).
    desc, unit : str
        The label and the name of one step.
    total : int, optional
        Number of steps, when ``iterable`` has no length.
    """
    if not enabled:
        return iterable
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    return _counted(iterable, progress_counter(total, enabled=True, desc=desc, unit=unit))


def _counted(iterable: Iterable[T], counter: Any) -> Iterator[T]:
    with counter:
        for item in iterable:
            yield item
            counter.update(1)
