"""Inter-city trade: doubly-constrained gravity on local supply left over (docs/methods.md §4.2).

For each product i, what each city c supplies beyond its own local use,
``S_c = s_c - l_c^int - l_c^fd``, meets what each city d buys from elsewhere,
``D_d = (u_d^int - l_d^int) + (u_d^fd - l_d^fd)``, through a gravity prior
``S_c D_d dist_cd^-beta_i`` (zero diagonal) balanced by RAS to both margins.  A city's purchases
from other cities are split between its intermediate and final users in proportion to what each
still needs, so Chenery-Moses trade shares (columns sum to 1) are built separately for
intermediate use and final demand and every city's supply is used exactly.
"""

from __future__ import annotations

import numpy as np

from mrio_city._progress import progress_bar
from mrio_city.sources.gras import gras

__all__ = ["great_circle_km", "gravity_flows", "trade_shares"]


def great_circle_km(longitude, latitude) -> np.ndarray:
    """Return the (R, R) matrix of great-circle distances between points [km] (haversine)."""
    lon = np.radians(np.asarray(longitude, dtype=float))
    lat = np.radians(np.asarray(latitude, dtype=float))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def gravity_flows(
    supply, demand, local, distance_km, beta: float, *, min_distance_km: float = 25.0
) -> np.ndarray:
    """Return inter-regional flows of one product by a doubly-constrained gravity model.

    Off-diagonal prior ``T0[c, d] = S_c · D_d · max(dist_cd, min_distance)^-beta`` with
    ``S = supply - local`` and ``D = demand - local`` (what is left after local self-supply),
    balanced by RAS to row sums ``S`` and column sums ``D``; the diagonal is ``local``.

    Parameters
    ----------
    supply : array_like of shape (R,)
        Output available to domestic users in each region [money]; sums to ``demand``'s sum.
    demand : array_like of shape (R,)
        Domestic use (intermediate + final) of the product in each region [money].
    local : array_like of shape (R,)
        Self-supplied part of each region's use, ``0 <= local <= min(supply, demand)``.
    distance_km : array_like of shape (R, R)
        Distances between regions [km].
    beta : float
        Distance-decay exponent [1].
    min_distance_km : float, default=25
        Floor on distances (avoids explosive priors for touching centroids) [km].

    Returns
    -------
    ndarray of shape (R, R)
        ``T[c, d]``: supply of region c to users in region d [money]; rows sum to ``supply``,
        columns to ``demand``.
    """
    S = np.asarray(supply, float) - np.asarray(local, float)
    D = np.asarray(demand, float) - np.asarray(local, float)
    S = np.where(np.abs(S) < 1e-12 * np.abs(supply).max(), 0.0, S)
    D = np.where(np.abs(D) < 1e-12 * np.abs(demand).max(), 0.0, D)
    D = D * (S.sum() / D.sum()) if D.sum() > 0 else D
    prior = S[:, None] * D[None, :] * np.maximum(distance_km, min_distance_km) ** (-beta)
    np.fill_diagonal(prior, 0.0)
    flows = gras(prior, S, D, tol=1e-11, what="gravity trade flows")
    return flows + np.diag(np.asarray(local, float))


def _column_shares(flows_in: np.ndarray, local: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Shares of each user city's use by supplier: off-diagonal inflows + local diagonal."""
    t = flows_in.copy()
    np.fill_diagonal(t, local)
    pos = use > 0
    out = np.zeros_like(t)
    out[:, pos] = t[:, pos] / use[pos][None, :]
    idx = np.flatnonzero(~pos)
    out[idx, idx] = 1.0  # no (or negative) use: supplied locally
    out = np.maximum(out, 0.0)
    s = out.sum(axis=0, keepdims=True)
    return out / np.where(s > 0, s, 1.0)


def trade_shares(
    supply,
    intermediate_use,
    final_use,
    local_intermediate,
    local_final,
    distance_km,
    decay,
    *,
    min_distance_km: float = 25.0,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Return Chenery-Moses trade shares of intermediate use and of final demand.

    Parameters
    ----------
    supply : array_like of shape (R, n)
        City supply to domestic users [money].
    intermediate_use, final_use : array_like of shape (R, n)
        City intermediate use and final demand (summed over categories) by product [money].
    local_intermediate, local_final : array_like of shape (R, n)
        Their locally supplied parts [money].
    distance_km : array_like of shape (R, R)
    decay : array_like of shape (n,)
        Distance-decay exponent of each product [1].
    min_distance_km : float, default=25
    progress : bool, default=False
        Show a progress bar over products.

    Returns
    -------
    (t_intermediate, t_final) : ndarrays of shape (n, R, R)
        ``t[i, c, d]``: share of city d's intermediate (final) use of product i supplied by
        city c; columns sum to 1.
    """
    s = np.asarray(supply, float)
    ui, uf = np.asarray(intermediate_use, float), np.asarray(final_use, float)
    li, lf = np.asarray(local_intermediate, float), np.asarray(local_final, float)
    R, n = s.shape
    t_int = np.empty((n, R, R))
    t_fd = np.empty((n, R, R))
    for i in progress_bar(range(n), enabled=progress, desc="gravity trade", unit="sector"):
        need_i = np.maximum(ui[:, i] - li[:, i], 0.0)
        need_f = np.maximum(uf[:, i] - lf[:, i], 0.0)
        need = need_i + need_f
        left = np.maximum(s[:, i] - li[:, i] - lf[:, i], 0.0)
        if need.sum() > 0 and left.sum() > 0:
            flows = gravity_flows(
                left, need, np.zeros(R), distance_km, float(decay[i]),
                min_distance_km=min_distance_km,
            )  # fmt: skip
        else:
            flows = np.zeros((R, R))
        frac = np.divide(need_i, need, out=np.zeros(R), where=need > 0)
        t_int[i] = _column_shares(flows * frac[None, :], li[:, i], ui[:, i])
        t_fd[i] = _column_shares(flows * (1 - frac)[None, :], lf[:, i], uf[:, i])
    return t_int, t_fd
