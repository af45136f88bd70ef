"""GPC-style scopes 1/2/3 and upstream supply chains outside each city (docs/methods.md §3.1).

Notation as in :mod:`mrio_city.accounts.footprints`; ``-r`` means "every node outside city r",
``E`` the energy-supply sectors (electricity and heat) and ``P[(s, i), r]`` the gross purchases
of city r from node (s, i), intermediate and final: ``P[(s, i), r] = sum_j z[(s,i),(r,j)] +
sum_k y[(s,i),(r,k)]`` [money]
(:func:`~mrio_city.accounts.purchases.purchases_by_city`).

* ``scope1[r] = sum_i F_i^r + F_Y^r``: territorial, industry and households
  (``households=False`` drops ``F_Y``);
* ``scope2[r] = sum_{s != r} sum_{e in E} f_e^s P[(s, e), r]``: direct generation emissions of
  electricity/heat bought from outside the city, monetary allocation (``basis='gross'``, the
  default of :func:`scope2`); the scopes table (:func:`compute_scopes`) uses ``basis='net'``:
  only power the city uses (not resold by its grid) and only its net imports, so no city gets
  more than the CO2 of the power sold to it;
* ``U[r] = f^{-r} (I - A^{-r,-r})^-1 d_r`` with ``d_r = A^{-r,r} x^r + Y^{-r,r} = P[-r, r]``:
  all upstream emissions outside r of everything r buys from outside, along supply chains that
  never re-enter r (``upstream_outside``);
* ``scope3_consumption = EEI - scope2`` (may be negative: EEI counts imports for local final
  demand only, scope 2 counts power used to make exports too; flagged per city) and
  ``scope3_production = U - scope2`` (never negative: U starts with the direct emissions of
  everything bought from outside, power included);
* ``total_community_supply_chain = scope1 + U`` (TCSC, close to boundary B2 of §2).

Computing U without inverses
----------------------------
Every method is a restricted solve of the solve layer
(:func:`mrio_city.solve.restricted.solve_restricted`, column r with city r removed); this module
only builds the right-hand sides and weighs the answers with the intensities.

Removing city r from ``M = I - A`` is a rank-``n_sectors`` change of the full system, so U
follows from the table's own factorization (Sherman-Morrison-Woodbury).  With ``L = M^-1``
(never formed), ``E_r`` the ``n x n_sectors`` unit columns of city r and ``d_r`` zero on r::

    w = L d_r + L E_r t,   t = -(L_rr)^-1 (L d_r)_r     (so that w_r = 0)
    U[r] = f w = f (L d_r) - (f L E_r) (L_rr)^-1 (L d_r)_r

``w`` restricted to ``-r`` solves ``(I - A^{-r,-r}) w = d_r`` exactly.  One multi-RHS solve with
the table's :class:`~mrio_city.solve.solver.LeontiefSolver` gives ``L d_r`` and ``L E_r`` for a
chunk of cities; ``L_rr`` is the city's own ``n_sectors x n_sectors`` block of ``L E_r``.

Cost for all cities: ``n_nodes + n_groups * n_cities`` right-hand sides through the existing
factorization (about ``n_sectors`` times the consumption accounts) plus ``n_cities`` small dense
``n_sectors x n_sectors`` solves; memory is bounded by ``chunk``.

Structured tables avoid the ``n_nodes`` extra right-hand sides (``method='masked'``, the
default for them): the restricted system ``(I - A^{-r,-r}) w = d_r`` of every city r is solved
directly by the solver's matrix-free polynomial iteration, all cities in lockstep, with column
r's vector held at zero on city r's block after every operator application.  The iteration on
vectors that vanish on block r is the iteration on the restricted system, so the result is
exact to the tolerance (checked on the true restricted residual; GMRES takes over if the
roots, made for the whole table, ever fail to contract), at the cost of the consumption
accounts (``n_groups * n_cities`` right-hand sides).

The direct method (``method='direct'``, the test oracle) materializes sparse A and performs
``n_cities`` sparse LU factorizations of size ``n_nodes - n_sectors``: roughly
``n_cities / 3`` times the work of the Woodbury route with a dense LU, and far more fill-in
with a sparse one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city._progress import progress_bar
from mrio_city.accounts.footprints import Accounts, compute_accounts
from mrio_city.accounts.purchases import _sector_positions, _share_columns, purchases_by_city
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.errors import LabelMismatchError
from mrio_city.model.labels import first_labels
from mrio_city.solve.base import LeontiefSolver
from mrio_city.solve.restricted import solve_restricted
from mrio_city.solve.solver import factorize

__all__ = [
    "SCOPE_COLUMNS",
    "DEFAULT_ENERGY_PATTERN",
    "energy_sector_labels",
    "scope2",
    "upstream_outside",
    "upstream_outside_groups",
    "compute_scopes",
]

#: Sectors whose label contains this text (case-insensitive) are energy supply by default.
DEFAULT_ENERGY_PATTERN = "electricity"

#: Columns of :func:`compute_scopes`, with their meaning.
SCOPE_COLUMNS: dict[str, str] = {
    "scope1": "territorial emissions, industry (+ households' direct unless excluded)",
    "scope2": "direct generation emissions of electricity/heat bought from other cities",
    "scope3_consumption": "EEI (final-demand attribution) minus scope 2",
    "scope3_consumption_negative": (
        "flag: EEI < scope 2 (legitimate: EEI counts only imports for local final demand, "
        "scope 2 all purchased power incl. power used to make exports)"
    ),
    "scope3_production": "upstream outside the city (U) minus scope 2",
    "upstream_outside": "U: upstream emissions outside the city of all its purchases",
    "total_community_supply_chain": "TCSC = scope 1 + U",
}

#: Doubles kept in memory per chunk of right-hand sides (2**24 doubles = 128 MiB).
_CHUNK_DOUBLES = 2**24


def energy_sector_labels(
    table: BaseTable, energy_sectors: Sequence[str] | str | None = None
) -> list[str]:
    """Return the energy-supply (electricity/heat) sectors used for scope 2.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    energy_sectors : sequence of str, optional
        Explicit sector labels.  Default: every sector whose label contains 'Electricity'
        (case-insensitive).

    Returns
    -------
    list of str

    Raises
    ------
    LabelMismatchError
        If an explicit label is not a sector, or no sector matches the default pattern.
    """
    ensure_table(table)
    if energy_sectors is not None:
        pos = _sector_positions(table, energy_sectors, what="energy_sectors")
        if pos.size == 0:
            raise LabelMismatchError(
                f"table {table.name!r}: energy_sectors is empty; name at least one sector"
            )
        return [str(table.sectors[p]) for p in pos]
    found = [str(s) for s in table.sectors if DEFAULT_ENERGY_PATTERN in str(s).lower()]
    if not found:
        raise LabelMismatchError(
            f"table {table.name!r}: no energy-supply sector found: no sector label contains "
            f"'Electricity'; name them (Python: energy_sectors=[...]; command line: "
            f"--energy-sectors) (sectors: "
            f"{first_labels(list(table.sectors), limit=10)})"
        )
    return found


def _energy_resale(table: BaseTable, sel: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """Purchases by the energy sectors of cities ``sel`` (grid resale), shape (n, k) [money]."""
    R, N = table.n_cities, table.n_sectors
    k = sel.size
    if table.structured:
        x3 = table.x.reshape(R, N)[sel][:, energy]  # (k, |E|)
        use = np.einsum("die,de->di", table.technology[sel][:, :, energy], x3)  # (k, N)
        out = np.empty((R, N, k))
        for i in range(N):
            out[:, i, :] = _share_columns(table.trade_shares, i, sel) * use[None, :, i]
        return out.reshape(R * N, k)
    cols = sel[:, None] * N + energy[None, :]  # (k, |E|)
    Z = sp.csc_matrix(table.Z) if sp.issparse(table.Z) else table.Z
    out = np.zeros((table.n_nodes, k))
    for j in range(k):
        block = Z[:, cols[j]]
        out[:, j] = np.asarray(block.sum(axis=1)).ravel()
    return out


def scope2(
    table: BaseTable,
    *,
    energy_sectors: Sequence[str] | str | None = None,
    basis: Literal["net", "gross"] = "gross",
) -> pd.DataFrame:
    """Scope-2 emissions of each city: electricity/heat bought from other cities.

    * ``basis='gross'`` (default here; docs/methods.md §3.1):
      ``scope2[r] = sum_{s != r} sum_{e in E} f_e^s P[(s, e), r]`` (monetary allocation;
      in-city power plants stay in scope 1);
    * ``basis='net'`` (the default of :func:`compute_scopes`): only electricity the city
      **uses** (purchases of its own energy sectors, i.e. resale through the grid, are left
      out) and only its **net** imports:
      ``scope2[r] = k_r sum_{s != r} sum_e f_e^s P'[(s, e), r]`` with P' the purchases without
      resale and ``k_r = max(0, B_r - S_r) / B_r``, B_r the energy bought from other cities and
      S_r the energy sold to them (both without resale) [money].  A net exporter of power has
      no scope 2, as with the physical definition ``net imported electricity x grid factor``;
      a city never gets more than the CO2 of the power sold to it.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    energy_sectors : sequence of str, optional
        Energy-supply sectors E; default: labels containing 'Electricity'.
    basis : {'net', 'gross'}, default='gross'

    Returns
    -------
    DataFrame of shape (n_cities, n_stressors)
        Index 'city', columns 'stressor' [stressor unit]; ``attrs['energy_sectors']``,
        ``attrs['basis']`` and, for 'net', ``attrs['net_import_share']`` (k_r).
    """
    ensure_table(table)
    if basis not in ("net", "gross"):
        raise ValueError(f"The 'basis' parameter of scope2 must be 'net' or 'gross'. Got {basis!r}")
    energy = energy_sector_labels(table, energy_sectors)
    R, N, S = table.n_cities, table.n_sectors, table.n_stressors
    pos = np.asarray(table.sectors.get_indexer(energy), dtype=np.intp)
    mask = np.zeros(N)
    mask[pos] = 1.0
    node_mask = np.tile(mask, R)
    fE = table.direct_intensities * node_mask[None, :]  # (S, n)
    out = np.zeros((S, R))
    bought = np.zeros(R)
    sold = np.zeros(R)
    step = max(1, min(R, _CHUNK_DOUBLES // max(table.n_nodes, 1)))
    for start in range(0, R, step):
        sel = np.arange(start, min(start + step, R))
        P = purchases_by_city(table, sel, include_own=False)
        if basis == "net":
            resale = _energy_resale(table, sel, pos).reshape(R, N, sel.size)
            resale[sel, :, np.arange(sel.size)] = 0.0
            P = P - resale.reshape(R * N, sel.size)
            PE = (P * node_mask[:, None]).reshape(R, N, sel.size).sum(axis=1)  # (R, k)
            bought[sel] = PE.sum(axis=0)
            sold += PE.sum(axis=1)
        out[:, sel] = fE @ P
    share = np.ones(R)
    if basis == "net":
        share = np.divide(np.maximum(bought - sold, 0.0), bought, out=np.zeros(R), where=bought > 0)
        out = out * share[None, :]
    df = pd.DataFrame(out.T, index=table.cities.copy(), columns=table.stressors.copy())
    df.attrs["units"] = dict(table.units)
    df.attrs["energy_sectors"] = energy
    df.attrs["basis"] = basis
    if basis == "net":
        df.attrs["net_import_share"] = pd.Series(share, index=table.cities.copy())
    return df


def _group_masks(
    table: BaseTable, groups: Mapping[str, Sequence[str] | None]
) -> dict[str, np.ndarray]:
    masks = {}
    for name, products in groups.items():
        m = np.ones(table.n_sectors)
        if products is not None:
            m[:] = 0.0
            m[_sector_positions(table, products, what=f"products of group {name!r}")] = 1.0
        masks[name] = np.tile(m, table.n_cities)
    return masks


def _upstream_restricted(
    table, solver, masks, method, chunk, progress, tol
) -> dict[str, np.ndarray]:
    """``U_g[r] = f w`` with ``w = (I - A^{-r,-r})^-1 (d_r * 1_g)``: restricted solves."""
    R, N, S = table.n_cities, table.n_sectors, table.n_stressors
    G = len(masks)
    f = table.direct_intensities
    out = {name: np.zeros((S, R)) for name in masks}
    if chunk is None:
        per_city = G + (N if method == "woodbury" else 0)  # Woodbury adds N columns a city
        chunk = max(1, min(R, _CHUNK_DOUBLES // max(table.n_nodes * per_city, 1)))
    if method == "direct":
        chunk = 1  # one sparse LU per city whatever the chunk
    for start in progress_bar(
        range(0, R, chunk), enabled=progress, desc="upstream outside cities", unit="chunk"
    ):
        sel = np.arange(start, min(start + chunk, R))
        D = purchases_by_city(table, sel, include_own=False)  # (n, k), zero on own block
        rhs = np.hstack([D * m[:, None] for m in masks.values()])
        removed = np.zeros((R, N, G * sel.size), dtype=bool)  # column j removes its city
        removed[np.tile(sel, G), :, np.arange(G * sel.size)] = True
        W = solve_restricted(
            solver, rhs, removed.reshape(table.n_nodes, -1), method=method, tol=tol
        )
        values = f @ W  # (S, G * k)
        for g, name in enumerate(masks):
            out[name][:, sel] = values[:, g * sel.size : (g + 1) * sel.size]
    return out


def upstream_outside_groups(
    table: BaseTable,
    groups: Mapping[str, Sequence[str] | None],
    solver: LeontiefSolver | None = None,
    *,
    method: Literal["auto", "masked", "woodbury", "direct"] = "auto",
    chunk: int | None = None,
    progress: bool = False,
    tol: float | None = None,
) -> dict[str, pd.DataFrame]:
    """Upstream emissions outside each city of its purchases of several product groups.

    ``U_g[r] = f^{-r} (I - A^{-r,-r})^-1 (d_r * 1_g)`` where ``1_g`` keeps the purchased
    products (sectors) of group g; ``None`` keeps all products.  All groups share one pass
    (see the module docstring for the method and its cost).

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    groups : mapping of str to sequence of str or None
        Group name -> purchased sector labels (None: every product).
    solver : LeontiefSolver, optional
        Factorization of this table (made when absent); used by the 'woodbury' method, and
        its polynomial roots (a 'block' solver's) by the 'masked' method.
    method : {'auto', 'masked', 'woodbury', 'direct'}, default='auto'
        'masked' (structured tables only; the 'auto' choice for them): the matrix-free
        polynomial iteration on every city's restricted system, in lockstep.  'woodbury'
        (the 'auto' choice for general tables): rank-n_sectors corrections of the table's
        factorization.  'direct': one sparse LU per city of I - A with the city removed
        (small tables, test oracle).
    chunk : int, optional
        Cities per multi-RHS solve (default: about 128 MiB of right-hand sides).
    progress : bool, default=False
        Show a progress bar (tqdm).
    tol : float, optional
        Relative residual of the 'masked' iteration (default: the solver's, 1e-10 unless
        factorized otherwise).

    Returns
    -------
    dict of str to DataFrame of shape (n_cities, n_stressors)
        Index 'city', columns 'stressor' [stressor unit].
    """
    ensure_table(table)
    methods = ("auto", "masked", "woodbury", "direct")
    if method not in methods:
        raise ValueError(
            f"The 'method' parameter of upstream_outside must be one of "
            f"{methods}. Got {method!r} instead."
        )
    if method == "auto":
        method = "masked" if table.structured else "woodbury"
    if method == "masked" and not table.structured:
        raise ValueError(
            f"method='masked' needs a structured table; table {table.name!r} is general: use "
            "'woodbury' or 'direct'"
        )
    if chunk is not None and (not isinstance(chunk, int | np.integer) or chunk < 1):
        raise ValueError(
            f"The 'chunk' parameter of upstream_outside must be a positive "
            f"integer. Got {chunk!r} instead."
        )
    masks = _group_masks(table, groups)
    if method == "masked" and not (solver is not None and solver.method == "block"):
        solver = factorize(table, method="block")  # the masked iteration is the block solver's
    solver = solver if solver is not None else factorize(table)
    values = _upstream_restricted(table, solver, masks, method, chunk, progress, tol)
    frames = {}
    for name, arr in values.items():
        df = pd.DataFrame(arr.T, index=table.cities.copy(), columns=table.stressors.copy())
        df.attrs["units"] = dict(table.units)
        df.attrs["products"] = None if groups[name] is None else list(groups[name])
        frames[name] = df
    return frames


def upstream_outside(
    table: BaseTable,
    solver: LeontiefSolver | None = None,
    *,
    products: Sequence[str] | None = None,
    method: Literal["auto", "masked", "woodbury", "direct"] = "auto",
    chunk: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Upstream emissions outside each city of everything it buys from other cities (U).

    ``U[r] = f^{-r} (I - A^{-r,-r})^-1 (A^{-r,r} x^r + Y^{-r,r})``: supply chains that start
    with r's purchases from other cities (intermediate and final) and never re-enter r.
    Computed without inverses (module docstring); it is ``EEI^LC`` of the Lin/Cui boundaries.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    solver : LeontiefSolver, optional
        Factorization of this table, reused (made when absent).
    products : sequence of str, optional
        Count only purchases of these sectors' products (default: all).
    method : {'auto', 'masked', 'woodbury', 'direct'}, default='auto'
        See :func:`upstream_outside_groups`.
    chunk : int, optional
        Cities per multi-RHS solve.
    progress : bool, default=False

    Returns
    -------
    DataFrame of shape (n_cities, n_stressors)
        Index 'city', columns 'stressor' [stressor unit].

    Examples
    --------
    >>> from mrio_city.testing import toy_cities
    >>> upstream_outside(toy_cities())["CO2"].round(6).tolist()
    [6.912752, 24.727273]
    """
    return upstream_outside_groups(
        table, {"all": products}, solver, method=method, chunk=chunk, progress=progress
    )["all"]


def compute_scopes(
    table: BaseTable,
    accounts: Accounts | None = None,
    solver: LeontiefSolver | None = None,
    *,
    stressor: str | None = None,
    energy_sectors: Sequence[str] | str | None = None,
    households: bool = True,
    method: Literal["auto", "masked", "woodbury", "direct"] = "auto",
    upstream: pd.DataFrame | None = None,
    progress: bool = False,
    scope2_basis: Literal["net", "gross"] = "net",
) -> pd.DataFrame:
    """Scopes 1, 2 and 3, upstream outside (U) and TCSC of every city for one stressor.

    See the module docstring for the formulas (docs/methods.md §3.1).

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    accounts : Accounts, optional
        Accounts of this table (computed when absent); EEI comes from here.
    solver : LeontiefSolver, optional
        Default: ``accounts.solver`` or a new factorization.
    stressor : str, optional
        Default: the first stressor.
    energy_sectors : sequence of str, optional
        Energy-supply sectors for scope 2; default: labels containing 'Electricity'.
    households : bool, default=True
        Include households' direct emissions ``F_Y`` in scope 1 (and hence in TCSC).
    method : {'auto', 'masked', 'woodbury', 'direct'}, default='auto'
        How U is computed (:func:`upstream_outside`).
    upstream : DataFrame, optional
        Precomputed :func:`upstream_outside` result (city x stressor) to reuse.
    progress : bool, default=False
    scope2_basis : {'net', 'gross'}, default='net'
        :func:`scope2` basis.  ``scope3_production = U - scope2`` is never negative (U starts
        with the direct emissions of everything bought, power included); ``scope3_consumption
        = EEI - scope2`` can be, and ``scope3_consumption_negative`` flags those cities.

    Returns
    -------
    DataFrame of shape (n_cities, 6)
        Index 'city'; columns of ``SCOPE_COLUMNS`` [stressor unit, in ``attrs['units']``].
    """
    ensure_table(table)
    s = _check_stressor(table, stressor)
    energy = energy_sector_labels(table, energy_sectors)
    if accounts is None:
        accounts = compute_accounts(table, solver)
    solver = solver if solver is not None else accounts.solver
    if upstream is None:
        upstream = upstream_outside(table, solver, method=method, progress=progress)
    s1 = (accounts.production_based_with_households if households else accounts.production_based)[s]
    s2 = scope2(table, energy_sectors=energy, basis=scope2_basis)[s]
    U = upstream[s]
    df = pd.DataFrame(
        {
            "scope1": s1,
            "scope2": s2,
            "scope3_consumption": accounts.embodied_in_imports[s] - s2,
            "scope3_consumption_negative": (accounts.embodied_in_imports[s] - s2) < 0,
            "scope3_production": U - s2,
            "upstream_outside": U,
            "total_community_supply_chain": s1 + U,
        }
    )
    df.index.name = table.cities.name
    unit = table.units[s]
    df.attrs.update(
        units={c: unit for c in df.columns if c != "scope3_consumption_negative"},
        stressor=s,
        energy_sectors=energy,
        households=households,
        scope2_basis=scope2_basis,
    )
    return df


def _check_stressor(table: BaseTable, stressor: str | None) -> str:
    s = table.stressors[0] if stressor is None else str(stressor)
    if s not in table.stressors:
        raise LabelMismatchError(
            f"table {table.name!r}: stressor {s!r} is not a stressor of the table; have "
            f"{first_labels(list(table.stressors))}"
        )
    return s
