"""Accounts of groups of cities (provinces, agglomerations, size classes, types), summed exactly.

Nothing is re-solved: a grouping is a membership matrix ``M`` (n_cities x n_groups, 0/1) and

* every per-city account of a group is the sum over its member cities
  (``group_account = M^T city_account``);
* the group x group embodied-flow matrix is ``Q_g = M^T Q M`` (Q the producer x consumer city
  matrix of :class:`~mrio_city.accounts.footprints.Accounts`);
* between-group embodied trade counts only flows that cross a group boundary:
  ``imports_between_groups[g] = sum_{h != g} Q_g[h, g]`` and
  ``exports_between_groups[g] = sum_{h != g} Q_g[g, h] + Q_EX[g]``; trade among the member
  cities of a group is internal to it;
* the inter-group supply-chain share ``(sum Q_g - trace Q_g) / sum Q_g`` sits next to the
  inter-city one ``(sum Q - trace Q) / sum Q``;
* with income-based accounts (``compute_accounts(..., income=True)``) the group sums include
  ``income_based`` and the group x group enabling matrix is ``E_g = M^T E M``.

A city may belong to several groups (two national agglomeration plans share cities) or to none.
Cities in no group form the group ``outside_label`` so that a partition of the cities results
and ``Q_g`` sums to the national total; with overlapping memberships each group's own accounts
stay exact but sums across groups count shared cities more than once (``overlapping`` says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio_city.model.errors import LabelMismatchError
from mrio_city.model.labels import CITY, STRESSOR

__all__ = ["GroupAccounts", "group_accounts", "membership_matrix"]

GROUP = "group"


@dataclass(frozen=True, eq=False)
class GroupAccounts:
    """Accounts of city groups (formulas in the module docstring).

    Attributes
    ----------
    accounts : dict of str to DataFrame (n_groups, n_stressors)
        Every per-city account of the city accounts, summed over each group's cities [unit].
    flows : DataFrame of shape (n_stressors * n_groups, n_groups)
        ``Q_g``: index ('stressor', 'producer_group'), columns 'consumer_group' [unit].
    enabling : DataFrame of shape (n_stressors * n_groups, n_groups) or None
        ``E_g``: index ('stressor', 'primary_input_group'), columns 'emitting_group' [unit];
        None when the city accounts hold no income-based accounts.
    imports_between_groups, exports_between_groups : DataFrame (n_groups, n_stressors)
        Embodied trade across group boundaries only [unit].
    supply_chain_share : DataFrame (n_stressors, 2)
        Columns 'between_cities' and 'between_groups' [1].
    members : Series
        Group of each city (a city in several groups appears once per group).
    n_cities : Series
        Member cities per group.
    overlapping : bool
        True when some city belongs to more than one group.
    """

    grouping: str
    units: dict[str, str]
    accounts: dict[str, pd.DataFrame]
    flows: pd.DataFrame
    imports_between_groups: pd.DataFrame
    exports_between_groups: pd.DataFrame
    supply_chain_share: pd.DataFrame
    members: pd.Series
    n_cities: pd.Series
    overlapping: bool
    enabling: pd.DataFrame | None = None

    def table(self, stressor: str | None = None) -> pd.DataFrame:
        """All group accounts for one stressor as columns, plus member counts (index 'group')."""
        s = stressor if stressor is not None else next(iter(self.units))
        df = pd.DataFrame({name: acc[s] for name, acc in self.accounts.items()})
        df["imports_between_groups"] = self.imports_between_groups[s]
        df["exports_between_groups"] = self.exports_between_groups[s]
        df.insert(0, "n_cities", self.n_cities)
        df.attrs["units"] = {c: self.units[s] for c in df.columns} | {"n_cities": "cities"}
        return df


def membership_matrix(
    cities: pd.Index,
    mapping: Mapping[str, object] | pd.Series | pd.DataFrame,
    *,
    outside_label: str | None = "(outside)",
    what: str = "grouping",
) -> tuple[np.ndarray, pd.Index, pd.Series]:
    """Turn a city -> group mapping into a 0/1 membership matrix.

    Parameters
    ----------
    cities : Index
        The table's cities, in order.
    mapping : mapping, Series or DataFrame
        City -> group (a dict or Series; NaN/None means no group), or a long DataFrame with
        columns 'city' and 'group' (a city may appear in several groups).
    outside_label : str or None, default='(outside)'
        Group of the cities in no group; None drops them.
    what : str
        Name of the grouping, used in errors.

    Returns
    -------
    membership : ndarray (n_cities, n_groups)
    groups : Index of group labels (first-appearance order, ``outside_label`` last)
    members : Series (city -> group), one row per membership

    Raises
    ------
    LabelMismatchError
        When the mapping names cities the table does not have.
    """
    if isinstance(mapping, pd.DataFrame):
        missing_cols = {"city", "group"} - set(mapping.columns)
        if missing_cols:
            raise LabelMismatchError(
                f"{what}: a grouping table needs columns 'city' and 'group'; missing "
                f"{sorted(missing_cols)}"
            )
        pairs = mapping[["city", "group"]].dropna()
    else:
        series = pd.Series(mapping, dtype=object) if not isinstance(mapping, pd.Series) else mapping
        pairs = series.dropna().rename("group").rename_axis("city").reset_index()
    pairs = pairs.astype({"city": str, "group": str}).drop_duplicates()
    unknown = sorted(set(pairs["city"]) - set(cities))
    if unknown:
        raise LabelMismatchError(
            f"{what}: {len(unknown)} city label(s) are not cities of the table: {unknown[:8]}"
            + (" ..." if len(unknown) > 8 else "")
        )
    groups = list(dict.fromkeys(pairs["group"]))
    outside = sorted(set(cities) - set(pairs["city"]), key=cities.get_loc)
    if outside and outside_label is not None:
        if outside_label in groups:
            raise LabelMismatchError(f"{what}: a group is named {outside_label!r}, reserved")
        groups.append(outside_label)
        pairs = pd.concat(
            [pairs, pd.DataFrame({"city": outside, "group": outside_label})], ignore_index=True
        )
    gpos = {g: k for k, g in enumerate(groups)}
    M = np.zeros((len(cities), len(groups)))
    M[cities.get_indexer(pairs["city"]), [gpos[g] for g in pairs["group"]]] = 1.0
    members = pd.Series(pairs["group"].to_numpy(), index=pd.Index(pairs["city"], name=CITY))
    return M, pd.Index(groups, name=GROUP), members.rename(GROUP)


def group_accounts(
    accounts,
    mapping: Mapping[str, object] | pd.Series | pd.DataFrame,
    *,
    outside_label: str | None = "(outside)",
    grouping: str = "grouping",
) -> GroupAccounts:
    """Sum city accounts into groups and build the group x group embodied-flow matrix.

    Parameters
    ----------
    accounts : Accounts
        City accounts from :func:`~mrio_city.accounts.footprints.compute_accounts`.
    mapping : mapping, Series or DataFrame
        City -> group (see :func:`membership_matrix`).
    outside_label : str or None, default='(outside)'
        Group of the cities in no group; None leaves them out of every group.
    grouping : str
        Name of the grouping (e.g. 'province'), kept in the result and used in errors.

    Returns
    -------
    GroupAccounts
    """
    cities = accounts.production_based.index
    M, groups, members = membership_matrix(
        cities, mapping, outside_label=outside_label, what=grouping
    )
    stressors = accounts.production_based.columns
    summed = {}
    for name in accounts.account_names():
        df = pd.DataFrame(M.T @ getattr(accounts, name).to_numpy(), index=groups, columns=stressors)
        df.attrs["units"] = dict(accounts.units)
        df.attrs["account"] = name
        summed[name] = df
    S, R = len(stressors), len(cities)
    Q = accounts.flows.to_numpy().reshape(S, R, R)
    Qg = np.einsum("rg,srt,th->sgh", M, Q, M, optimize=True)
    q_ex = M.T @ accounts.embodied_in_exports_abroad.to_numpy()  # (G, S)
    diag = np.einsum("sgg->sg", Qg)
    imports_between = (Qg.sum(axis=1) - diag).T
    exports_between = (Qg.sum(axis=2) - diag).T + q_ex
    total_q, total_g = Q.sum(axis=(1, 2)), Qg.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = pd.DataFrame(
            {
                "between_cities": (total_q - np.einsum("srr->s", Q)) / total_q,
                "between_groups": (total_g - diag.sum(axis=1)) / total_g,
            },
            index=stressors,
        )
    share.attrs["units"] = dict.fromkeys(share.columns, "1")
    flows = _group_matrix(Qg, stressors, groups, "producer_group", "consumer_group", accounts)
    enabling = None
    if accounts.enabling is not None:
        E = accounts.enabling.to_numpy().reshape(S, R, R)
        Eg = np.einsum("rg,srt,th->sgh", M, E, M, optimize=True)
        enabling = _group_matrix(
            Eg, stressors, groups, "primary_input_group", "emitting_group", accounts
        )
    frame = lambda a: pd.DataFrame(a, index=groups, columns=stressors)  # noqa: E731
    return GroupAccounts(
        grouping=grouping,
        units=dict(accounts.units),
        accounts=summed,
        flows=flows,
        imports_between_groups=frame(imports_between),
        exports_between_groups=frame(exports_between),
        supply_chain_share=share,
        members=members,
        n_cities=pd.Series(M.sum(axis=0).astype(int), index=groups, name="n_cities"),
        overlapping=bool((M.sum(axis=1) > 1).any()),
        enabling=enabling,
    )


def _group_matrix(values, stressors, groups, rows: str, columns: str, accounts) -> pd.DataFrame:
    """A (stressor, group) x group frame of a group x group matrix, with units."""
    S, G = len(stressors), len(groups)
    frame = pd.DataFrame(
        values.reshape(S * G, G),
        index=pd.MultiIndex.from_product([stressors, groups], names=[STRESSOR, rows]),
        columns=pd.Index(groups, name=columns),
    )
    frame.attrs["units"] = dict(accounts.units)
    return frame
