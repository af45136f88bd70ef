"""Drivers of spatial heterogeneity: GWR and MGWR (mgwr) against a global OLS.

``fit_gwr`` regresses a per-unit outcome (relative carbon deficit, per-capita footprint) on
drivers (GDP per capita, population density, industry shares, resource-based status, sink
share) with geographically weighted regression: one local regression per unit, weighting the
other units by an adaptive bisquare kernel over their projected coordinates, the bandwidth
(number of neighbours) chosen by AICc with a golden-section search (mgwr's ``Sel_BW``).
``multiscale=True`` fits MGWR, one bandwidth per driver (drivers and outcome standardised,
as MGWR requires for comparable bandwidths).  The global OLS (same design, intercept) is
fitted here with numpy and its AICc computed as in GWR4:

    AICc = n ln(2 pi sigma^2) + n + 2(k + 1) + 2(k + 1)(k + 2) / (n - k - 2),

with sigma^2 the ML residual variance and k the number of coefficients; R^2 is the usual
1 - RSS/TSS.  The test suite reproduces the GWR4 reference run on the Georgia data bundled
with libpysal (bandwidth, AICc, R^2 and the coefficient summary).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mrio_city.model.errors import EmptyTableError, LabelMismatchError, NonFiniteValueError
from mrio_city.model.labels import first_labels

from ._deps import require

__all__ = ["GWRFit", "ols_fit", "fit_gwr"]


@dataclass
class GWRFit:
    """Result of :func:`fit_gwr`.

    Attributes
    ----------
    bandwidth : float or list of float
        Adaptive bandwidth [number of nearest neighbours]; one per coefficient for MGWR.
    params : DataFrame
        Local coefficients, units x (``intercept``, drivers).
    local_r2 : Series
        Local R^2 of every unit (NaN for MGWR, which has none).
    diagnostics : DataFrame
        Rows ``OLS`` and ``GWR`` (or ``MGWR``): ``AICc``, ``R2``, ``adj_R2``, ``n``,
        ``bandwidth``.
    ols_params : Series
        Global OLS coefficients.
    summary : DataFrame
        Per coefficient: mean, std, min, lower quartile, median, upper quartile, max of the
        local estimates.
    """

    bandwidth: float | list[float]
    params: pd.DataFrame
    local_r2: pd.Series
    diagnostics: pd.DataFrame
    ols_params: pd.Series
    summary: pd.DataFrame
    tvalues: pd.DataFrame = field(default_factory=pd.DataFrame)

    def table(self) -> pd.DataFrame:
        """Per-unit export table: local coefficients, t-values and local R^2."""
        t = self.tvalues.add_prefix("t_")
        return pd.concat([self.params, t, self.local_r2.rename("local_R2")], axis=1)


def ols_fit(y: np.ndarray, X: np.ndarray) -> dict:
    """Global OLS with an intercept: coefficients, R^2, adjusted R^2 and AICc (GWR4 form).

    Parameters
    ----------
    y : ndarray, shape (n,)
    X : ndarray, shape (n, k - 1)
        Drivers without the intercept column.

    Returns
    -------
    dict
        ``params`` (k,), ``R2``, ``adj_R2``, ``AICc``, ``RSS``.
    """
    n = len(y)
    design = np.column_stack([np.ones(n), X])
    k = design.shape[1]
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    rss = float(resid @ resid)
    tss = float(((y - y.mean()) ** 2).sum())
    sigma2 = rss / n
    aicc = (
        n * math.log(2 * math.pi * sigma2) + n + 2 * (k + 1) + 2 * (k + 1) * (k + 2) / (n - k - 2)
    )
    r2 = 1 - rss / tss
    return {
        "params": beta,
        "R2": r2,
        "adj_R2": 1 - (1 - r2) * (n - 1) / (n - k),
        "AICc": aicc,
        "RSS": rss,
    }


def _summary(params: pd.DataFrame) -> pd.DataFrame:
    q = params.quantile([0.25, 0.5, 0.75])
    return pd.DataFrame(
        {
            "mean": params.mean(),
            "std": params.std(ddof=0),
            "min": params.min(),
            "lower_quartile": q.loc[0.25],
            "median": q.loc[0.5],
            "upper_quartile": q.loc[0.75],
            "max": params.max(),
        }
    )


def fit_gwr(
    frame: pd.DataFrame,
    outcome: str,
    drivers: list[str],
    coords: pd.DataFrame,
    *,
    multiscale: bool = False,
    kernel: str = "bisquare",
    fixed: bool = False,
    standardize: bool | None = None,
    bandwidth: float | None = None,
) -> GWRFit:
    """Fit GWR (or MGWR) with an AICc-chosen bandwidth and compare it with a global OLS.

    Parameters
    ----------
    frame : DataFrame
        One row per unit with the outcome and driver columns.
    outcome : str
        Column to explain (e.g. ``relative_deficit`` [1] or per-capita CBF [t CO2/person]).
    drivers : list of str
        Driver columns.
    coords : DataFrame
        Projected coordinates of every unit [m] (columns ``x``, ``y``; e.g. centroids in
        China Albers), indexed like ``frame``.
    multiscale : bool, default=False
        Fit MGWR (one bandwidth per coefficient) instead of GWR.
    kernel : {'bisquare', 'gaussian', 'exponential'}, default='bisquare'
    fixed : bool, default=False
        Fixed distance bandwidth [m] instead of adaptive nearest neighbours.
    standardize : bool, optional
        Standardise outcome and drivers (z-scores) before fitting.  Default: True for MGWR,
        False for GWR.

    Returns
    -------
    GWRFit

    Raises
    ------
    LabelMismatchError
        Missing columns, or coordinates missing for some units.
    NonFiniteValueError
        NaN or infinite values in the outcome, drivers or coordinates (units named).
    EmptyTableError
        Too few units for the adaptive bandwidth search (at most 40 + 2 x (drivers + 1)).
    """
    gwr_mod = require("mgwr.gwr", "GWR")
    sel_mod = require("mgwr.sel_bw", "GWR")
    missing = [c for c in [outcome, *drivers] if c not in frame.columns]
    if missing:
        raise LabelMismatchError(
            f"fit_gwr: no column(s) {missing}; the frame has "
            f"{first_labels(list(frame.columns), 12)}"
        )
    lost = [u for u in frame.index if u not in coords.index]
    if lost:
        raise LabelMismatchError(f"fit_gwr: no coordinates for {first_labels(lost)}")
    data = frame[[outcome, *drivers]].apply(pd.to_numeric, errors="coerce").astype(float)
    xy = coords.loc[frame.index, ["x", "y"]].astype(float)
    bad = ~np.isfinite(data.to_numpy()).all(axis=1) | ~np.isfinite(xy.to_numpy()).all(axis=1)
    if bad.any():
        raise NonFiniteValueError(
            f"fit_gwr: NaN or infinite outcome, driver or coordinate for "
            f"{first_labels(list(frame.index[bad]))} (drop or fill them first)"
        )
    smallest = 40 + 2 * (len(drivers) + 1)  # mgwr's lower end of the adaptive search
    if not (fixed or multiscale or bandwidth) and len(frame) <= smallest:
        raise EmptyTableError(
            f"fit_gwr: {len(frame)} units are too few to choose an adaptive bandwidth for "
            f"{len(drivers)} driver(s): the AICc search starts at {smallest} neighbours; give "
            "more units, fewer drivers or a bandwidth"
        )
    if standardize is None:
        standardize = multiscale
    y = data[outcome].to_numpy().reshape(-1, 1)
    X = data[drivers].to_numpy()
    if standardize:
        y = (y - y.mean()) / y.std()
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    points = [tuple(p) for p in xy.to_numpy()]
    names = ["intercept", *drivers]
    selector = sel_mod.Sel_BW(points, y, X, multi=multiscale, kernel=kernel, fixed=fixed)
    if bandwidth and multiscale:
        raise ValueError("fit_gwr: a given bandwidth applies to GWR only (multiscale=False)")
    if multiscale:
        bw = [float(b) for b in selector.search(multi_bw_min=[2])]
        results = gwr_mod.MGWR(points, y, X, selector, kernel=kernel, fixed=fixed).fit()
        local_r2 = pd.Series(np.nan, index=frame.index, name="local_R2")
        label = "MGWR"
    else:
        bw = float(bandwidth) if bandwidth else float(selector.search(criterion="AICc"))
        results = gwr_mod.GWR(points, y, X, bw, kernel=kernel, fixed=fixed).fit()
        local_r2 = pd.Series(np.asarray(results.localR2).ravel(), index=frame.index)
        label = "GWR"
    params = pd.DataFrame(results.params, index=frame.index, columns=names)
    tvalues = pd.DataFrame(results.tvalues, index=frame.index, columns=names)
    ols = ols_fit(y.ravel(), X)
    diagnostics = pd.DataFrame(
        {
            "AICc": [ols["AICc"], float(results.aicc)],
            "R2": [ols["R2"], float(results.R2)],
            "adj_R2": [ols["adj_R2"], float(results.adj_R2)],
            "n": [len(y), len(y)],
            "bandwidth": [np.nan, bw if not multiscale else np.nan],
        },
        index=["OLS", label],
    )
    return GWRFit(
        bandwidth=bw,
        params=params,
        local_r2=local_r2.rename("local_R2"),
        diagnostics=diagnostics,
        ols_params=pd.Series(ols["params"], index=names, name="OLS"),
        summary=_summary(params),
        tvalues=tvalues,
    )
