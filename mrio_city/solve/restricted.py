"""Restricted and extracted systems: ``I - A`` with some nodes taken out, per right-hand side.

Scopes' upstream-outside emissions (a city's purchases followed along supply chains that never
re-enter it) and hypothetical extraction (the economy without a city or a city-sector) both
solve the Leontief system with a set of nodes removed, a different set for each right-hand
side.  Two calls cover them, both through an existing solver (never a new factorization of the
whole table):

:func:`solve_restricted`
    column j: ``w_j = (I - A_{K_j,K_j})^-1 rhs_{K_j}`` on the kept nodes ``K_j`` and zero on the
    removed ones (rows and columns of the removed nodes gone).
:func:`solve_extracted`
    column j: ``x_j = (I - A*_j)^-1 rhs_j`` with ``A*_j`` the coefficients after extracting the
    removed nodes' links: ``'total'`` (their rows and columns zeroed), ``'backward'`` (their
    purchases, columns, zeroed) or ``'forward'`` (their intermediate sales, rows, zeroed).  The
    extracted nodes keep producing for final demand; all three reduce to a restricted solve
    plus products with A.

Methods of :func:`solve_restricted`:

``'masked'``
    Structured tables with the block solver, removals made of whole cities: the solver's own
    iteration on every column in lockstep, the removed cities zeroed after each operator
    application (the iteration on the restricted system itself; exact to the tolerance, checked
    on the true restricted residual).  Costs about one ordinary solve of the same columns.
``'woodbury'``
    Any solver: for a removal set S, ``w = L b + L E_S t`` with ``t = -(L_SS)^-1 (L b)_S`` (so
    ``w_S = 0``; ``L = (I - A)^-1`` is never formed), with ``b`` the rhs zeroed on S.  Costs
    ``|S|`` extra right-hand sides per distinct removal set.
``'direct'``
    One sparse LU of ``(I - A)_{K,K}`` per distinct removal set (the test oracle; small tables).
``'auto'``
    ``'masked'`` when it applies, else ``'woodbury'``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.sparse as sp

from mrio_city.solve.base import LeontiefSolver
from mrio_city.solve.block import BlockSolver
from mrio_city.solve.direct import sparse_factor
from mrio_city.solve.operator import operator_of

__all__ = ["RESTRICTED_METHODS", "LINKAGES", "solve_extracted", "solve_restricted"]

RESTRICTED_METHODS = ("auto", "masked", "woodbury", "direct")
LINKAGES = ("total", "backward", "forward")

#: Doubles held at once by the Woodbury route (2**24 doubles = 128 MiB).
_CHUNK_DOUBLES = 2**24


def _removal_mask(removed, n: int, k: int) -> np.ndarray:
    mask = np.asarray(removed)
    if mask.dtype != bool:
        raise TypeError(f"removed must be a boolean array, got dtype {mask.dtype}")
    if mask.shape == (n,):
        return np.broadcast_to(mask[:, None], (n, k))
    if mask.shape != (n, k):
        raise ValueError(f"removed must have shape ({n},) or ({n}, {k}), got {mask.shape}")
    return mask


def _whole_cities(solver: LeontiefSolver, mask: np.ndarray) -> np.ndarray | None:
    """(R, k) removed cities when every removal is made of whole cities, else None."""
    table = solver.table
    if not isinstance(solver, BlockSolver):
        return None
    blocks = mask.reshape(table.n_cities, table.n_sectors, mask.shape[1])
    cities = blocks.any(axis=1)
    return cities if np.array_equal(cities, blocks.all(axis=1)) else None


def solve_restricted(
    solver: LeontiefSolver,
    rhs: np.ndarray,
    removed: np.ndarray,
    *,
    trans: Literal["N", "T"] = "N",
    method: Literal["auto", "masked", "woodbury", "direct"] = "auto",
    tol: float | None = None,
) -> np.ndarray:
    """Solve ``I - A`` without the removed nodes, a removal set per right-hand side.

    Parameters
    ----------
    solver : LeontiefSolver
        Factorization of the whole table (:func:`~mrio_city.solve.solver.factorize`).
    rhs : ndarray of shape (n,) or (n, k)
        Right-hand sides; their entries on removed nodes are ignored.
    removed : bool ndarray of shape (n,) or (n, k)
        True where a node is taken out (for every column, or per column).
    trans : {'N', 'T'}, default='N'
        Solve with ``(I - A_{K,K})^T`` instead.
    method : {'auto', 'masked', 'woodbury', 'direct'}, default='auto'
        See the module docstring.
    tol : float, optional
        Relative residual of the 'masked' iteration (default: the solver's).

    Returns
    -------
    ndarray of the shape of ``rhs``
        Zero on the removed nodes of each column.
    """
    if method not in RESTRICTED_METHODS:
        raise ValueError(f"method must be one of {RESTRICTED_METHODS}, got {method!r}")
    if trans not in ("N", "T"):
        raise ValueError(f"trans must be 'N' or 'T', got {trans!r}")
    b = np.array(rhs, dtype=np.float64)
    flat = b.ndim == 1
    b = b.reshape(b.shape[0], -1)
    n, k = b.shape
    if n != solver.shape[0]:
        raise ValueError(f"rhs has {n} rows; the solver's table has {solver.shape[0]} nodes")
    mask = _removal_mask(removed, n, k)
    b[mask] = 0.0
    cities = _whole_cities(solver, mask) if method in ("auto", "masked") else None
    if method == "masked" and cities is None:
        raise ValueError(
            "method='masked' needs the block solver of a structured table and removals made of "
            "whole cities; use 'woodbury' or 'direct'"
        )
    if cities is not None:
        out = solver.solve_restricted_cities(b, cities, trans, tol=tol)
    elif method == "direct":
        out = _direct(solver, b, mask, trans)
    else:
        out = _woodbury(solver, b, mask, trans)
    out[mask] = 0.0
    return out[:, 0] if flat else out


def _patterns(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct removal sets (p, n) and, per column, the index of its set."""
    sets, which = np.unique(mask.T, axis=0, return_inverse=True)
    return sets, which.reshape(-1)


def _woodbury(solver: LeontiefSolver, b: np.ndarray, mask: np.ndarray, trans: str) -> np.ndarray:
    n, k = b.shape
    sets, which = _patterns(mask)
    out = np.empty_like(b)
    need = sets.sum(axis=1) + np.bincount(which, minlength=len(sets))  # columns per set
    budget = max(1, _CHUNK_DOUBLES // max(n, 1))
    start = 0
    while start < len(sets):  # chunks of removal sets within the memory budget
        stop, used = start + 1, int(need[start])
        while stop < len(sets) and used + need[stop] <= budget:
            used += int(need[stop])
            stop += 1
        _woodbury_chunk(solver, b, sets, which, range(start, stop), trans, out)
        start = stop
    return out


def _woodbury_chunk(solver, b, sets, which, chunk, trans, out) -> None:
    n = b.shape[0]
    cols = [np.flatnonzero(which == p) for p in chunk]
    nodes = [np.flatnonzero(sets[p]) for p in chunk]
    E = np.zeros((n, sum(s.size for s in nodes)))
    at = 0
    for s in nodes:
        E[s, np.arange(at, at + s.size)] = 1.0
        at += s.size
    rhs = np.hstack([b[:, c] for c in cols] + [E])
    X = solver.solve(rhs, trans=trans)
    at_b, at_e = 0, sum(c.size for c in cols)
    for c, s in zip(cols, nodes, strict=True):
        Xb = X[:, at_b : at_b + c.size]
        if s.size:
            XE = X[:, at_e : at_e + s.size]
            t = -np.linalg.solve(XE[s], Xb[s])  # (L_SS)^-1 (L b)_S
            Xb = Xb + XE @ t
        out[:, c] = Xb
        at_b += c.size
        at_e += s.size


def _direct(solver: LeontiefSolver, b: np.ndarray, mask: np.ndarray, trans: str) -> np.ndarray:
    table = solver.table
    A = sp.csc_matrix(table.technical_coefficients("sparse"))
    sets, which = _patterns(mask)
    out = np.zeros_like(b)
    for p, removed in enumerate(sets):
        keep = np.flatnonzero(~removed)
        cols = np.flatnonzero(which == p)
        if not keep.size:
            continue
        M = sp.identity(keep.size, format="csc") - A[keep][:, keep]
        lu = sparse_factor(M, what=f"table {table.name!r} with {removed.sum()} node(s) removed")
        sol = lu.solve(np.asfortranarray(b[np.ix_(keep, cols)]), trans=trans)
        out[np.ix_(keep, cols)] = sol.reshape(keep.size, cols.size)
    return out


def _apply_A(solver: LeontiefSolver, V: np.ndarray, trans: bool) -> np.ndarray:
    table = solver.table
    if table.structured:
        return operator_of(table).apply(V, trans=trans)
    A = table.technical_coefficients("sparse")
    return np.asarray((A.T if trans else A) @ V)


def solve_extracted(
    solver: LeontiefSolver,
    rhs: np.ndarray,
    removed: np.ndarray,
    *,
    linkage: Literal["total", "backward", "forward"] = "total",
    trans: Literal["N", "T"] = "N",
    method: Literal["auto", "masked", "woodbury", "direct"] = "auto",
    tol: float | None = None,
) -> np.ndarray:
    """Solve the system after extracting the removed nodes' links (hypothetical extraction).

    Column j solves ``(I - A*_j) x = rhs_j`` (or its transpose) where ``A*_j`` is A with the
    removed nodes' rows and columns (``'total'``), columns only (``'backward'``: they buy no
    intermediate inputs) or rows only (``'forward'``: nobody buys their output as an input)
    set to zero.

    Parameters
    ----------
    solver, rhs, removed, trans, method, tol
        As for :func:`solve_restricted`.
    linkage : {'total', 'backward', 'forward'}, default='total'

    Returns
    -------
    ndarray of the shape of ``rhs``
        On the removed nodes: ``rhs`` (total, forward) or ``rhs + (A x)`` over the kept nodes
        (backward).
    """
    if linkage not in LINKAGES:
        raise ValueError(f"linkage must be one of {LINKAGES}, got {linkage!r}")
    y = np.asarray(rhs, dtype=np.float64)
    flat = y.ndim == 1
    y = y.reshape(y.shape[0], -1)
    mask = _removal_mask(removed, *y.shape)
    tr = trans == "T"
    # (I - A*)^T = I - (A^T)*, with A^T's rows being A's columns: swap the one-sided linkages
    if tr and linkage != "total":
        linkage = "forward" if linkage == "backward" else "backward"
    b = y
    if linkage == "forward":  # x_K solves with the extracted nodes' own output y_S as a supply
        b = y + _apply_A(solver, np.where(mask, y, 0.0), tr)
    x = solve_restricted(solver, b, mask, trans=trans, method=method, tol=tol)
    own = np.where(mask, y, 0.0)
    if linkage == "backward":
        own = own + np.where(mask, _apply_A(solver, x, tr), 0.0)
    x = x + own
    return x[:, 0] if flat else x
