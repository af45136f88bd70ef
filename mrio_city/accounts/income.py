"""Income-based (downstream, Ghosh) carbon accounts: emissions enabled by primary inputs.

The third responsibility principle beside production- and consumption-based accounting
(Marques et al. 2012, Ecological Economics 84: 57-65; for Chinese regions Liang et al. 2017,
Environmental Science & Technology 51(19): 10855-10864): emissions are credited to the primary
inputs (labour, capital, imports, net taxes) whose supply enables them downstream.

Notation: ``B = diag(x)^-1 Z`` allocation coefficients, ``G = (I - B)^-1`` the Ghosh inverse,
``v = x - Z^T 1`` primary inputs [money], ``e`` direct industrial emissions per node [unit].
The income-based emissions of node i are ``v_i sum_j G_ij e_j / x_j``.  Because
``G = diag(x)^-1 L diag(x)``, this equals ``nu_i (L e)_i`` with ``nu = 1 - 1^T A`` the primary
input coefficients, so no Ghosh system is built: one factorization of ``I - A`` serves it.

Per city pair, the *enabling matrix*

``E[r, s] = sum_{i in r} sum_{j in s} nu_i L_ij e_j``

is the emission in city s enabled by the primary inputs of city r.  It comes from the transposed
solves ``W = (I - A)^-T N`` with ``N[:, r] = nu`` restricted to the nodes of r (one column per
city, whatever the number of stressors), then ``E_k[r, s] = sum_{j in s} W[j, r] e_kj``.

Identities: ``sum_r income_based[r] = nu^T L e = 1^T (I - A) L e = 1^T e = sum production_based``
(industry emissions, without households' direct emissions, which no primary input enables);
``income_based[r] = sum_s E[r, s]`` and ``production_based[s] = sum_r E[r, s]``.

Primary inputs are ``x - Z^T 1``: value added plus imports from outside the table's cities and
any balancing rows, whether or not the table lists them as value-added rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio_city._progress import progress_bar
from mrio_city.model.base_table import BaseTable, ensure_table
from mrio_city.model.labels import CITY, STRESSOR
from mrio_city.solve.solver import LeontiefSolver, factorize

__all__ = [
    "IncomeAccounts",
    "income_based_accounts",
    "primary_input_coefficients",
    "enabled_by",
]

#: Index names of the enabling matrix.
PRIMARY_INPUT_CITY = "primary_input_city"
EMITTING_CITY = "emitting_city"


@dataclass(frozen=True, eq=False)
class IncomeAccounts:
    """Income-based accounts of one table (formulas in the module docstring).

    Attributes
    ----------
    income_based : DataFrame of shape (n_cities, n_stressors)
        Emissions enabled by each city's primary inputs [stressor unit], index 'city'.
    enabling : DataFrame of shape (n_stressors * n_cities, n_cities)
        ``E[r, s]``: index ('stressor', 'primary_input_city'), columns 'emitting_city'
        [stressor unit].  A city's row is what its primary inputs enable (where the emissions
        occur); its column is what enabled its own emissions (``enabled_by``).
    primary_inputs : Series of shape (n_cities,)
        ``sum_{i in r} nu_i x_i`` [money unit of the table].
    identity_residual : float
        ``|sum income_based - sum production_based| / |sum production_based|`` (max over
        stressors) [1].
    """

    table_name: str
    units: dict[str, str]
    income_based: pd.DataFrame
    enabling: pd.DataFrame
    primary_inputs: pd.Series
    identity_residual: float

    def enabled_by(self, city: str, stressor: str | None = None) -> pd.Series:
        """Emissions of ``city`` by the city whose primary inputs enabled them [unit]."""
        return enabled_by(self.enabling, city, stressor)


def enabled_by(enabling: pd.DataFrame, city: str, stressor: str | None = None) -> pd.Series:
    """Column ``city`` of an enabling matrix: its emissions by enabling city [stressor unit].

    Parameters
    ----------
    enabling : DataFrame
        Index ('stressor', 'primary_input_city'), columns 'emitting_city'.
    city : str
        Emitting city.
    stressor : str, optional
        Default: the first stressor.

    Raises
    ------
    KeyError
        When ``city`` or ``stressor`` is not in the matrix (the message names it).
    """
    stressors = enabling.index.get_level_values(0).unique()
    s = stressor if stressor is not None else stressors[0]
    if s not in stressors:
        raise KeyError(f"stressor {s!r} not in the enabling matrix; have {list(stressors)}")
    if city not in enabling.columns:
        raise KeyError(f"city {city!r} is not a city of the enabling matrix")
    return enabling.loc[s][city].rename(f"enabled_by:{city}")


def primary_input_coefficients(table: BaseTable) -> np.ndarray:
    """Primary inputs per unit of output, ``nu = 1 - 1^T A`` (n_nodes,) [money/money].

    Zero-output nodes get 1 (their column of A is empty); they carry neither output nor
    emissions, so they add nothing to any account.
    """
    ensure_table(table)
    if table.structured:  # A^T 1 through the operator, nothing n x n formed
        colsum = table.apply_A(np.ones((table.n_nodes, 1)), trans=True)[:, 0]
    else:
        colsum = np.asarray(table.intermediate_flows().sum(axis=0)).ravel() * table.inverse_output
    return 1.0 - colsum


def income_based_accounts(
    table: BaseTable,
    solver: LeontiefSolver | None = None,
    *,
    chunk: int = 96,
    progress: bool = False,
) -> IncomeAccounts:
    """Compute income-based (downstream) emissions per city and the enabling matrix.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    solver : LeontiefSolver, optional
        A factorization of this table (the one the other accounts use); made when absent.
    chunk : int, default=96
        Primary-input cities solved together (memory ``n_nodes * chunk`` floats).
    progress : bool, default=False
        Show a progress bar over chunks.

    Returns
    -------
    IncomeAccounts
    """
    ensure_table(table)
    solver = solver if solver is not None else factorize(table)
    R, N, S = table.n_cities, table.n_sectors, table.n_stressors
    nu = primary_input_coefficients(table).reshape(R, N)
    e = np.asarray(table.F, dtype=float).reshape(S, R, N)
    E = np.zeros((S, R, R))
    for start in progress_bar(
        range(0, R, chunk), enabled=progress, desc="income-based accounts", unit="block"
    ):
        stop = min(start + chunk, R)
        rhs = np.zeros((R, N, stop - start))
        for k, r in enumerate(range(start, stop)):
            rhs[r, :, k] = nu[r]
        W = solver.solve(rhs.reshape(R * N, -1), trans="T").reshape(R, N, -1)
        # E[k, r, s] = sum_j in s W[(s, j), r] e_k[(s, j)]
        E[:, start:stop, :] = np.einsum("snr,ksn->krs", W, e, optimize=True)
    ibf = E.sum(axis=2)  # (S, R)
    pbf = e.sum(axis=2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        resid = np.abs(ibf.sum(axis=1) - pbf) / np.where(pbf != 0, np.abs(pbf), 1.0)
    income = pd.DataFrame(ibf.T, index=table.cities.copy(), columns=table.stressors.copy())
    income.index.name = CITY
    income.attrs["units"] = dict(table.units)
    income.attrs["account"] = "income_based"
    enabling = pd.DataFrame(
        E.reshape(S * R, R),
        index=pd.MultiIndex.from_product(
            [table.stressors, table.cities], names=[STRESSOR, PRIMARY_INPUT_CITY]
        ),
        columns=pd.Index(table.cities, name=EMITTING_CITY),
    )
    enabling.attrs["units"] = dict(table.units)
    primary = pd.Series(
        (nu * table.x.reshape(R, N)).sum(axis=1),
        index=table.cities.copy(),
        name="primary_inputs",
    )
    primary.attrs["units"] = {primary.name: table.meta.money_unit}
    return IncomeAccounts(
        table_name=table.name,
        units=dict(table.units),
        income_based=income,
        enabling=enabling,
        primary_inputs=primary,
        identity_residual=float(resid.max()) if resid.size else 0.0,
    )
