"""Optional progress bars (private helper): quiet in the library unless a caller asks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


def progress_bar(
    iterable: Iterable[T], *, enabled: bool, desc: str, unit: str, total: int | None = None
) -> Iterable[T]:
    """Return ``iterable`` wrapped in a tqdm bar when ``enabled``, else unchanged.

    tqdm is imported only when a bar is shown, so quiet library calls never pay for it.

    Parameters
    ----------
    iterable : iterable
    enabled : bool
        Show the bar (callers pass their ``progress`` argument).
    desc, unit : str
        The bar's label and the name of one step.
    total : int, optional
        Number of steps, when ``iterable`` has no length.
    """
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit)
