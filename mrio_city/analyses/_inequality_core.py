"""Input checks and numeric kernels of :mod:`mrio_city.analyses.inequality` (docs/methods.md §6).

The checks turn ``per_capita`` and ``population`` Series into aligned arrays or raise the
package's named errors; the kernels compute on arrays ``y`` (t CO2/person) and weights ``w``
(persons).  Private to the inequality measures.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mrio_city.model.errors import (
    DuplicateLabelError,
    LabelMismatchError,
    NegativeFootprintWarning,
    NegativeValueError,
    NonFiniteValueError,
    TableValidationError,
)

#: Unit of per-capita footprints and of every per-capita value of the measures.
UNIT = "t CO2/person"

_SHOWN = 5  # labels listed in an error or warning message before "..."


# ---------------------------------------------------------------------------- validation


def _fmt(labels) -> str:
    labels = list(labels)
    shown = ", ".join(repr(x) for x in labels[:_SHOWN])
    more = f", ... ({len(labels)} in total)" if len(labels) > _SHOWN else ""
    return f"[{shown}{more}]"


def _series(values, *, name: str, func: str, numeric: bool = True) -> pd.Series:
    if not isinstance(values, pd.Series):
        raise TypeError(
            f"{func}: {name} must be a pandas Series indexed by city, got {type(values).__name__}"
        )
    if len(values) == 0:
        raise TableValidationError(f"{func}: {name} is empty; at least one city is required")
    if values.index.has_duplicates:
        dup = values.index[values.index.duplicated()].unique()
        raise DuplicateLabelError(f"{func}: {name} has duplicate cities {_fmt(dup)}")
    if not numeric:
        if (missing := values.isna().to_numpy()).any():
            raise TableValidationError(
                f"{func}: {name} has missing labels for cities {_fmt(values.index[missing])}"
            )
        return values
    try:
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise TableValidationError(
            f"{func}: {name} must be numeric, got dtype {values.dtype}"
        ) from exc
    if (bad := ~np.isfinite(arr)).any():
        raise NonFiniteValueError(
            f"{func}: {name} has NaN or infinite values for cities {_fmt(values.index[bad])}"
        )
    return pd.Series(arr, index=values.index, name=values.name)


def _aligned(other: pd.Series, index: pd.Index, *, name: str, func: str) -> pd.Series:
    missing = index.difference(other.index, sort=False)
    unexpected = other.index.difference(index, sort=False)
    if len(missing) or len(unexpected):
        raise LabelMismatchError(
            f"{func}: the cities of {name} differ from those of per_capita: "
            f"missing {_fmt(missing)}, unexpected {_fmt(unexpected)}; "
            f"give {name} exactly the index of per_capita"
        )
    return other.reindex(index)


def _inputs(per_capita, population, func: str, *, required: bool = True):
    """Validate; return (y, w, index) with w the population weights (ones when None)."""
    y = _series(per_capita, name="per_capita", func=func)
    if population is None:
        if required:
            raise TypeError(f"{func}: population is required (persons, indexed by city)")
        return y.to_numpy(), np.ones(len(y)), y.index
    pop = _aligned(
        _series(population, name="population", func=func), y.index, name="population", func=func
    )
    w = pop.to_numpy()
    if (w <= 0).any():
        raise NegativeValueError(
            f"{func}: population must be positive (persons); got zero or negative values "
            f"for cities {_fmt(y.index[w <= 0])}"
        )
    return y.to_numpy(), w, y.index


def _positive_mean(y: np.ndarray, w: np.ndarray, func: str) -> float:
    mu = float(np.dot(w, y) / w.sum())
    if not mu > 0:
        raise TableValidationError(
            f"{func}: the population-weighted mean footprint is "
            f"{mu:g} {UNIT}; the measure needs a positive mean"
        )
    return mu


def _split_positive(y, w, index, func: str):
    """Keep cities with y > 0 (log measures); return (y, w, excluded labels); warn."""
    if not (keep := y > 0).any():
        raise TableValidationError(
            f"{func}: no city has a positive per-capita footprint; log-based measures are undefined"
        )
    excluded = tuple(index[~keep])
    if excluded:
        n = len(excluded)
        warnings.warn(
            f"{func}: excluded {n} cit{'y' if n == 1 else 'ies'} with zero or negative "
            f"per-capita footprint from log-based measures: {_fmt(excluded)}",
            NegativeFootprintWarning,
            stacklevel=3,
        )
    return y[keep], w[keep], excluded


# ---------------------------------------------------------------------------- kernels


def _lorenz_points(y: np.ndarray, w: np.ndarray):
    """Return (order, x, L) with the origin prepended to x and L."""
    order = np.argsort(y, kind="stable")
    cum_w = np.cumsum(w[order])
    cum_e = np.cumsum(w[order] * y[order])
    x = np.concatenate(([0.0], cum_w / cum_w[-1]))
    return order, x, np.concatenate(([0.0], cum_e / cum_e[-1]))


def _gini_lorenz(y: np.ndarray, w: np.ndarray) -> float:
    return float(gini_rows(y[None, :], w)[0])


def _gini_mean_difference(y: np.ndarray, w: np.ndarray) -> float:
    p = w / w.sum()
    block = max(1, 2_000_000 // len(y))  # bound the (block x n) temporary
    total = 0.0
    for start in range(0, len(y), block):
        sl = slice(start, start + block)
        total += float(p[sl] @ np.abs(y[sl, None] - y[None, :]) @ p)
    return total / (2.0 * float(p @ y))


def _theil_t(y: np.ndarray, w: np.ndarray) -> float:
    return float(theil_t_rows(y[None, :], w)[0])


def gini_rows(per_capita: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Population-weighted Gini of each row of ``per_capita``.

    Parameters
    ----------
    per_capita : ndarray (D, R)
        Per-capita footprints of D draws [t per person].
    population : ndarray (R,)
        Persons (positive).

    Returns
    -------
    ndarray (D,)
        Gini coefficients [1]; NaN where the weighted mean is not positive.
    """
    y = np.asarray(per_capita, dtype=float)
    w = np.asarray(population, dtype=float)
    order = np.argsort(y, axis=1, kind="stable")
    ws = w[order]  # (D, R) weights in each draw's order
    e = np.take_along_axis(y, order, axis=1) * ws
    p = ws / w.sum()
    total = e.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        lor = np.cumsum(e, axis=1) / total
    prev = np.concatenate([np.zeros((len(y), 1)), lor[:, :-1]], axis=1)
    out = 1.0 - np.sum(p * (prev + lor), axis=1)
    return np.where(total[:, 0] > 0, out, np.nan)


def theil_t_rows(per_capita: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Population-weighted Theil T of each row, over the cities with a positive footprint.

    Parameters
    ----------
    per_capita : ndarray (D, R)
        Per-capita footprints [t per person].
    population : ndarray (R,)
        Persons (positive).

    Returns
    -------
    ndarray (D,)
        Theil T [1]; NaN for a draw without any positive footprint.
    """
    y = np.asarray(per_capita, dtype=float)
    keep = y > 0
    w = np.where(keep, np.asarray(population, dtype=float)[None, :], 0.0)
    wsum = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = w / wsum
        mu = np.sum(p * np.where(keep, y, 0.0), axis=1, keepdims=True)
        r = np.where(keep, y, 1.0) / mu
        out = np.sum(np.where(keep, p * r * np.log(r), 0.0), axis=1)
    return np.where(wsum[:, 0] > 0, out, np.nan)


def _theil_l(y: np.ndarray, w: np.ndarray) -> float:
    p = w / w.sum()
    return float(np.sum(p * np.log(np.dot(p, y) / y)))


def _percentile(y: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(y, kind="stable")
    cum = np.cumsum(w[order])
    pos = int(np.searchsorted(cum, q / 100.0 * cum[-1], side="left"))
    return float(y[order][min(pos, len(y) - 1)])
