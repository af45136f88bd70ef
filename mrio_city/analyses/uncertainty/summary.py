"""Intervals (median, 5-95 %) of every quantity from the streamed draws."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from mrio_city.analyses.uncertainty.store import read_draws

__all__ = ["intervals"]


def intervals(
    out: str | os.PathLike[str],
    *,
    low: float = 0.05,
    high: float = 0.95,
    part: str = "draws",
    draws: int | None = None,
) -> pd.DataFrame:
    """Median and the ``low``-``high`` interval of each (quantity, city) over the draws.

    Parameters
    ----------
    out : path
        Output folder of :func:`~.montecarlo.run_montecarlo` (or of the scenario draws).
    low, high : float
        Quantiles of the interval.
    part : str, default='draws'
        Sub-folder of the parts ('draws': footprints; 'scenario': the scenario per draw).
    draws : int, optional
        Use draws 0 .. draws-1 only (a folder may hold more from an earlier run).

    Returns
    -------
    DataFrame
        Index (quantity, city); columns ``draws``, ``mean``, ``median``, ``p5``, ``p95``
        (named after ``low``/``high``), ``unit``.
    """
    df = read_draws(out, part=part)
    if draws is not None:
        df = df[df["draw"] < draws]
    g = df.groupby(["quantity", "city"], sort=False)["value"]
    lo, hi = f"p{round(low * 100):d}", f"p{round(high * 100):d}"
    res = pd.DataFrame(
        {
            "draws": g.size(),
            "mean": g.mean(),
            "median": g.median(),
            lo: g.quantile(low),
            hi: g.quantile(high),
        }
    )
    units = df.groupby(["quantity", "city"], sort=False)["unit"].first()
    res["unit"] = units
    res[lo] = np.minimum(res[lo], res["median"])
    return res
