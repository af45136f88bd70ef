"""Table adapters for scenarios: product-level final demand and its sourcing, for both forms.

Scenarios change final demand at the product level ``y[d, i, k]`` (city d's category k buying
product i from any city) and keep each purchase's sourcing (which city supplies it) fixed:

* structured tables: ``Y[(c, i), (d, k)] = tY_i[c, d] y[d, i, k]`` (the table's own form);
* general tables: ``w[c | d, i, k] = Y[(c, i), (d, k)] / y[d, i, k]`` from the baseline Y; where
  ``y[d, i, k] = 0`` new demand is sourced locally (c = d).

Technology changes are factors ``g[d, i, j]`` on the coefficients of city d's sector j buying
product i (from any city): ``b_ij[d] *= g`` (structured) or ``A[(c, i), (d, j)] *= g``
(general).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from mrio_city.model.base_table import BaseTable
from mrio_city.model.table import MRIOTable


class DemandAdapter:
    """Product-level view of a table's final demand and technology (see module docstring)."""

    def __init__(self, table: BaseTable):
        self.table = table
        R, N, K = table.n_cities, table.n_sectors, table.n_categories
        self.R, self.N, self.K = R, N, K
        if table.structured:
            self.demand = np.array(table.final_demand, dtype=float)
            self._weights = None
        else:
            Y4 = np.asarray(table.Y, dtype=float).reshape(R, N, R, K)  # c, i, d, k
            y = Y4.sum(axis=0).transpose(1, 0, 2)  # d, i, k
            self.demand = y
            w = np.zeros_like(Y4)
            ydik = y.transpose(1, 0, 2)[None]  # 1, i, d, k
            np.divide(Y4, ydik, out=w, where=ydik != 0)
            zero = np.argwhere(y == 0)  # d, i, k
            w[zero[:, 0], zero[:, 1], zero[:, 0], zero[:, 2]] = 1.0
            self._weights = w

    # -- final demand -------------------------------------------------------------------------
    def spread(self, dy: np.ndarray) -> np.ndarray:
        """Node-level total final demand of product-level demand ``dy`` (R, N, K) -> (n,)."""
        R, N = self.R, self.N
        t = self.table
        if self._weights is not None:
            return np.einsum("cidk,dik->ci", self._weights, dy).reshape(R * N)
        ytot = dy.sum(axis=2)  # d, i
        out = np.empty((R, N))
        sh = t.final_trade_shares
        for i in range(N):
            out[:, i] = sh[i] @ ytot[:, i]
        return out.reshape(R * N)

    def effective_multipliers(self, m: np.ndarray) -> np.ndarray:
        """``E[d, i, k] = sum_c m[(c, i)] w[c | d, i, k]``: footprint per unit of y[d, i, k]."""
        R, N, K = self.R, self.N, self.K
        m2 = m.reshape(R, N)
        if self._weights is not None:
            return np.einsum("ci,cidk->dik", m2, self._weights)
        sh = self.table.final_trade_shares
        out = np.empty((R, N))
        for i in range(N):
            out[:, i] = sh[i].T @ m2[:, i]
        return np.repeat(out[:, :, None], K, axis=2)

    # -- technology ---------------------------------------------------------------------------
    def technology_effect(self, m: np.ndarray, d: int, dg: np.ndarray, x: np.ndarray) -> float:
        """``m . (dA x)`` for a change ``dg`` (N, N) of the factors of city d's coefficients."""
        t = self.table
        R, N = self.R, self.N
        xd = x.reshape(R, N)[d]
        m2 = m.reshape(R, N)
        if t.structured:
            v = (t.technology[d] * dg) @ xd  # (N,) input i of city d
            sh = t.trade_shares
            col = np.array(
                [
                    sh[i][:, d] if isinstance(sh, np.ndarray) else sh[i][:, [d]].toarray().ravel()
                    for i in range(N)
                ]
            )  # i, c
            return float(np.sum(col * m2.T, axis=1) @ v)
        A = t.technical_coefficients("sparse")[:, d * N : (d + 1) * N].tocoo()
        i = A.row % N
        vals = A.data * dg[i, A.col] * xd[A.col]
        return float(np.sum(m[A.row] * vals))

    def modified_table(
        self,
        *,
        technology_factors: np.ndarray,
        demand: np.ndarray,
        F: np.ndarray | None = None,
        x=None,
    ) -> BaseTable:
        """A table with scaled coefficients and new product-level demand.

        With ``x=None`` gross output is solved from the new system (structured: block-Jacobi
        in the table constructor; general: the returned table has ``A`` as its coefficients
        and ``x = 1`` with balancing exports, usable only for factorization).
        """
        t = self.table
        R, N, K = self.R, self.N, self.K
        if t.structured:
            return t.replace(
                technology=t.technology * technology_factors,
                final_demand=demand,
                **({} if F is None else {"F": F}),
                **({} if x is None else {"x": x}),
            )
        A = t.technical_coefficients("sparse").tocoo()
        c_i = A.row % N
        d, j = A.col // N, A.col % N
        A1 = sp.csc_matrix((A.data * technology_factors[d, c_i, j], (A.row, A.col)), shape=A.shape)
        if x is None:  # factorization proxy: A1 exactly, x = 1
            n = t.n_nodes
            rows = np.asarray(A1.sum(axis=1)).ravel()
            return MRIOTable(
                A1,
                np.zeros((n, R * K)),
                np.zeros((t.n_stressors, n)),
                cities=t.cities,
                sectors=t.sectors,
                categories=t.categories,
                stressors=t.stressors,
                units=t.units,
                exports=(1.0 - rows)[:, None],
                x=np.ones(n),
                name=f"{t.name} (scenario technology)",
            )
        Y = self._materialize(demand)
        return t.replace(
            Z=sp.csc_matrix(A1 @ sp.diags(x)),
            Y=Y,
            **({} if F is None else {"F": F}),
            x=x,
            output_rtol=1e-6,
        )

    def _materialize(self, demand: np.ndarray) -> np.ndarray:
        R, N, K = self.R, self.N, self.K
        Y4 = self._weights * demand.transpose(1, 0, 2)[None]  # c, i, d, k
        return Y4.reshape(R * N, R * K)

    def materialize_demand(self, demand: np.ndarray) -> dict:
        """Constructor arguments carrying new product-level demand (for ``table.replace``)."""
        if self.table.structured:
            return {"final_demand": demand}
        return {"Y": self._materialize(demand)}
