"""Local supply of intermediate inputs: FLQ, AFLQ (location quotients) and CHARM (cross-hauling).

* FLQ (Flegg and Webber 1997): ``FLQ_ij = lambda * SLQ_i / SLQ_j`` (``FLQ_ii = lambda * SLQ_i``)
  with ``lambda = [log2(1 + x^r / x^n)]^delta``; intra-regional coefficient
  ``a_ij^r = a_ij^n * min(1, FLQ_ij)`` (docs/methods.md §4.2 step 2).
* AFLQ (Flegg and Webber 2000): ``AFLQ_ij = FLQ_ij * log2(1 + SLQ_j)`` when ``SLQ_j > 1`` (a
  specialised purchasing sector buys more of its inputs locally), else ``FLQ_ij``.
* CHARM (Kronenberg 2009, Int. Regional Science Review 32:40-64): the national heterogeneity of
  product i, ``h_i = (e_i + m_i - |e_i - m_i|) / (x_i + z_i + d_i)`` (cross-hauling of the
  nation's foreign trade over its total output and use), gives a region's cross-hauling
  ``q_i = h_i (s_i + u_i)`` on its supply s and use u; with the net balance ``b_i = s_i - u_i``
  the region's imports are ``m_i = (q_i - b_i) / 2`` (bounded by ``max(0, -b_i)`` and ``u_i``),
  so its local share of use is ``1 - m_i / u_i``.

The default parameter comes from tests against Chinese survey-based provincial tables: the
evaluation of LQ, CIQ, FLQ and AFLQ on the 2007 provincial tables against the national table
(Studies in Regional Science 44(4):423, 2014; J-STAGE ``srs/44/4/44_423``) found AFLQ the best
of them in every province and put the suitable delta at 0.05-0.075 for FLQ and 0.15 for AFLQ;
Flegg, Huang and Tohmo (Hubei 2007, 42 sectors) found that CHARM with national heterogeneity
does not reproduce Hubei's trade because regional technology and final demand differ from the
national ones, so CHARM is offered for comparison, not as the default for intermediate use.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "flq_quotients",
    "flq_coefficients",
    "charm_heterogeneity",
    "charm_local_shares",
    "local_intermediate_use",
    "INTERMEDIATE_METHODS",
    "DEFAULT_METHOD",
    "DEFAULT_DELTA",
]

#: Methods for the local share of intermediate use.
INTERMEDIATE_METHODS = ("aflq", "flq", "charm")
#: Default method and exponent: AFLQ with delta = 0.15 (Chinese provincial tests, see module).
DEFAULT_METHOD = "aflq"
DEFAULT_DELTA = 0.15


def flq_quotients(
    regional_output, reference_output, *, delta: float = 0.3, augmented: bool = False
) -> np.ndarray:
    """Return Flegg's location quotients ``FLQ_ij = λ · SLQ_i / SLQ_j`` (``FLQ_ii = λ · SLQ_i``).

    ``SLQ_i = (x_i^r / x^r) / (x_i^n / x^n)``, ``λ = [log2(1 + x^r / x^n)]^δ``; a sector with no
    regional output has SLQ 0 (its row is 0; its column, never used, is set to 1).  With
    ``augmented`` the AFLQ: column j is multiplied by ``log2(1 + SLQ_j)`` where ``SLQ_j > 1``.

    Parameters
    ----------
    regional_output : array_like of shape (n_sectors,) or (n_regions, n_sectors)
        Gross output of the region(s) by sector [money].
    reference_output : array_like of shape (n_sectors,)
        Gross output of the reference economy (the nation) [money].
    delta : float, default=0.3
        FLQ exponent δ in [0, 1) (0.3 reproduces docs/methods.md §11.3; the build's default is
        :data:`DEFAULT_DELTA`).
    augmented : bool, default=False
        Return the AFLQ (Flegg and Webber 2000).

    Returns
    -------
    ndarray of shape (n_sectors, n_sectors) or (n_regions, n_sectors, n_sectors) [1]
    """
    xr = np.asarray(regional_output, dtype=float)
    xn = np.asarray(reference_output, dtype=float)
    if not 0.0 <= delta < 1.0:
        raise ValueError(f"flq_quotients: delta must be in [0, 1), got {delta!r}")
    if xn.ndim != 1 or xr.shape[-1] != xn.size or (xn <= 0).any() or (xr < 0).any():
        raise ValueError(
            f"flq_quotients: regional_output {xr.shape} and reference_output {xn.shape} must "
            "share the sector axis; reference output must be > 0 and regional output >= 0"
        )
    single = xr.ndim == 1
    xr = np.atleast_2d(xr)
    slq = (xr / xr.sum(axis=1, keepdims=True)) / (xn / xn.sum())
    lam = np.log2(1.0 + xr.sum(axis=1) / xn.sum()) ** delta
    ratio = np.divide(
        slq[:, :, None],
        slq[:, None, :],
        out=np.ones(slq.shape + (xn.size,)),
        where=slq[:, None, :] > 0,
    )
    idx = np.arange(xn.size)
    ratio[:, idx, idx] = slq
    out = lam[:, None, None] * ratio
    if augmented:
        out = out * np.where(slq > 1.0, np.log2(1.0 + slq), 1.0)[:, None, :]
    return out[0] if single else out


def flq_coefficients(
    reference_coefficients,
    regional_output,
    reference_output,
    *,
    delta: float = 0.3,
    augmented: bool = False,
) -> np.ndarray:
    """Return intra-regional input coefficients ``a_ij^r = a_ij^n · min(1, FLQ_ij)``.

    Parameters
    ----------
    reference_coefficients : array_like of shape (n_sectors, n_sectors)
        Domestic technical coefficients of the reference economy [money/money].
    regional_output, reference_output, delta, augmented
        As for :func:`flq_quotients`.

    Returns
    -------
    ndarray of shape (n_sectors, n_sectors) or (n_regions, n_sectors, n_sectors) [money/money]

    Examples
    --------
    docs/methods.md §11.3:

    >>> a = flq_coefficients([[.1, .05, .2], [.15, .1, .05], [.05, .2, .1]],
    ...                      [30, 10, 60], [200, 300, 500])
    >>> np.round(a[0], 6).tolist()
    [0.082715, 0.05, 0.137859]
    """
    A = np.asarray(reference_coefficients, dtype=float)
    q = flq_quotients(regional_output, reference_output, delta=delta, augmented=augmented)
    if A.shape != q.shape[-2:]:
        raise ValueError(
            f"flq_coefficients: reference_coefficients has shape {A.shape}, expected {q.shape[-2:]}"
        )
    return A * np.minimum(1.0, q)


def charm_heterogeneity(output, use, exports, imports) -> np.ndarray:
    """Return CHARM's national product heterogeneity ``h_i`` (Kronenberg 2009) [1].

    ``h_i = (e_i + m_i - |e_i - m_i|) / (x_i + z_i + d_i)``: the nation's cross-hauled foreign
    trade of product i over its output plus total (intermediate + final domestic) use.

    Parameters
    ----------
    output : array_like of shape (n,)
        National gross output x [money].
    use : array_like of shape (n,)
        National intermediate + final domestic use z + d, imported products included [money].
    exports, imports : array_like of shape (n,)
        National exports e and imports m [money], both >= 0.

    Returns
    -------
    ndarray of shape (n,)
        In [0, 1].
    """
    x, u = np.asarray(output, float), np.asarray(use, float)
    e, m = np.maximum(np.asarray(exports, float), 0), np.maximum(np.asarray(imports, float), 0)
    q = e + m - np.abs(e - m)
    denom = x + u
    return np.divide(q, denom, out=np.zeros_like(q), where=denom > 0)


def charm_local_shares(supply, use, heterogeneity) -> np.ndarray:
    """Return each region's CHARM share of its use of each product that is supplied locally [1].

    ``q = h (s + u)``, ``b = s - u``, imports ``m = clip((q - b) / 2, max(0, -b), u)``; the
    local share is ``1 - m / u`` (1 where ``u <= 0``).

    Parameters
    ----------
    supply : array_like of shape (R, n)
        Regional output available to domestic users s [money].
    use : array_like of shape (R, n)
        Regional domestic use u (intermediate + final) [money].
    heterogeneity : array_like of shape (n,)
        :func:`charm_heterogeneity`.

    Returns
    -------
    ndarray of shape (R, n) in [0, 1]
    """
    s, u = np.asarray(supply, float), np.asarray(use, float)
    h = np.asarray(heterogeneity, float)[None, :]
    b = s - u
    m = np.clip((h * (s + u) - b) / 2.0, np.maximum(0.0, -b), np.maximum(u, 0.0))
    return np.where(u > 0, 1.0 - m / np.where(u > 0, u, 1.0), 1.0)


def local_intermediate_use(
    coefficients,
    output,
    national_output,
    supply,
    use,
    heterogeneity,
    *,
    method: str = DEFAULT_METHOD,
    delta: float = DEFAULT_DELTA,
) -> np.ndarray:
    """Return each city's intermediate use of each product supplied by the city itself [money].

    Parameters
    ----------
    coefficients : array_like of shape (n, n)
        National domestic input coefficients B [money/money].
    output : array_like of shape (R, n)
        City gross output x [money].
    national_output : array_like of shape (n,)
        National gross output [money].
    supply, use : array_like of shape (R, n)
        City supply to domestic users and domestic use (for CHARM) [money].
    heterogeneity : array_like of shape (n,)
        CHARM heterogeneity (used by ``method='charm'`` only).
    method : {'aflq', 'flq', 'charm'}
        Location-quotient formula, or CHARM's pool share applied to intermediate use.
    delta : float
        FLQ/AFLQ exponent.

    Returns
    -------
    ndarray of shape (R, n)
        Between 0 and min(intermediate use, supply).
    """
    if method not in INTERMEDIATE_METHODS:
        raise ValueError(
            f"intermediate method must be one of {INTERMEDIATE_METHODS}, got {method!r}"
        )
    B = np.asarray(coefficients, float)
    x = np.asarray(output, float)
    inter = x @ B.T
    if method == "charm":
        local = inter * charm_local_shares(supply, use, heterogeneity)
    else:
        a_loc = flq_coefficients(B, x, national_output, delta=delta, augmented=method == "aflq")
        local = np.einsum("rij,rj->ri", a_loc, x)
    return np.clip(local, 0.0, np.minimum(inter, np.maximum(supply, 0.0)))
