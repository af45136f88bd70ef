"""The catalogue of accounts: every result of :class:`Accounts` described once.

Each :class:`AccountSpec` holds the field name of :class:`mrio_city.accounts.footprints.Accounts`,
its abbreviation, a human title, a one-line description, the unit (as a pattern of the table's
stressor and money units) and the formula.  Everything else is derived from this tuple: the
workbook sheets and their README (:mod:`mrio_city.exports.accounts`), the columns of the
``cities`` sheet (:attr:`AccountSpec.column`), the ``account`` column of ``accounts.csv``
(:meth:`Accounts.to_long`), the terminal summary and the table in ``docs/accounts.md``
(:func:`markdown_table`).  ``tests/test_catalogue.py`` fails when a field of :class:`Accounts`
is missing here, or an entry here is not a field.

Optional accounts (:attr:`AccountSpec.optional`, e.g. the income-based footprint) are computed
on request (``compute_accounts(table, income=True)``; ``mrio-city footprints --accounts
income``); their field is ``None`` otherwise, and every output derived from the catalogue
includes exactly the accounts that are present (:func:`present`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AccountSpec",
    "ACCOUNTS",
    "CITY_ACCOUNTS",
    "OPTIONAL_ACCOUNTS",
    "account_spec",
    "present",
    "unit_of",
    "markdown_table",
]

#: Shape of an account: one value per city and stressor, a city-to-city matrix per stressor,
#: one value per node and stressor, or one value per stressor.
Kind = Literal["city", "city_matrix", "node", "stressor"]


@dataclass(frozen=True)
class AccountSpec:
    """Description of one account.

    Attributes
    ----------
    name : str
        Field of :class:`Accounts` and value of the ``account`` column in CSV files.
    abbreviation : str
        Short name used in tables and charts (PBF, CBF, EEI, EEE, ...).
    title : str
        Human column header / sheet title, e.g. 'Consumption-based footprint'.
    sheet : str
        Sheet name in ``accounts.xlsx`` (at most 31 characters).
    description : str
        One line: what the number means.
    unit : str
        Unit pattern: ``{stressor_unit}``, ``{money_unit}`` are filled in by :func:`unit_of`.
    formula : str
        How it is computed (symbols of the module docstring of ``footprints``).
    kind : {'city', 'city_matrix', 'node', 'stressor'}
        Shape of the result.
    optional : str or None
        None for accounts always computed; otherwise the name of the selection that computes
        it (``compute_accounts(..., income=True)``, ``--accounts income``): the field is
        ``None`` unless asked for.
    column : str or None
        Header of the account's column in the ``cities`` sheet and the terminal summary (the
        per-city accounts shown side by side); None: not shown there.
    """

    name: str
    abbreviation: str
    title: str
    sheet: str
    description: str
    unit: str
    formula: str
    kind: Kind = "city"
    optional: str | None = None
    column: str | None = None


_S = "{stressor_unit}"

#: Every account, in report order.
ACCOUNTS: tuple[AccountSpec, ...] = (
    AccountSpec(
        "production_based",
        "PBF",
        "Production-based footprint",
        "production_based",
        "territorial industrial emissions of the city (excl. households' direct)",
        _S,
        "PBF[r] = sum_i F_i^r",
    ),
    AccountSpec(
        "production_based_with_households",
        "PBF+HH",
        "Production-based footprint incl. households",
        "production_incl_households",
        "PBF incl. households' direct emissions",
        _S,
        "PBF[r] + F_Y[r]",
        column="PBF",
    ),
    AccountSpec(
        "consumption_based",
        "CBF",
        "Consumption-based footprint",
        "consumption_based",
        "emissions anywhere in the table driven by the city's final demand "
        "(excl. households' direct)",
        _S,
        "CBF[s] = sum_r Q[r, s]",
    ),
    AccountSpec(
        "consumption_based_with_households",
        "CBF+HH",
        "Consumption-based footprint incl. households",
        "consumption_incl_households",
        "CBF incl. households' direct emissions",
        _S,
        "CBF[s] + F_Y[s]",
        column="CBF",
    ),
    AccountSpec(
        "income_based",
        "IBF",
        "Income-based footprint",
        "income_based",
        "emissions anywhere in the table enabled downstream by the city's primary inputs "
        "(Ghosh; excl. households' direct, which no primary input enables)",
        _S,
        "IBF[r] = sum_{i in r} nu_i (L e)_i, nu = 1 - 1^T A (= v_i sum_j G_ij e_j / x_j)",
        optional="income",
        column="IBF",
    ),
    AccountSpec(
        "embodied_in_exports",
        "EEE",
        "Embodied in exports",
        "embodied_in_exports",
        "emitted in the city for final demand of other cities and abroad",
        _S,
        "EEE[r] = sum_{s != r} Q[r, s] + Q[r, EX]",
        column="EEE",
    ),
    AccountSpec(
        "embodied_in_exports_abroad",
        "EEE abroad",
        "Embodied in exports abroad",
        "embodied_in_exports_abroad",
        "part of EEE for final demand outside the table's cities",
        _S,
        "Q[r, EX]",
    ),
    AccountSpec(
        "embodied_in_imports",
        "EEI",
        "Embodied in imports",
        "embodied_in_imports",
        "emitted in other cities for the city's final demand",
        _S,
        "EEI[s] = sum_{r != s} Q[r, s]",
        column="EEI",
    ),
    AccountSpec(
        "local",
        "local",
        "Local",
        "local",
        "emitted in the city for its own final demand",
        _S,
        "Q[r, r]",
    ),
    AccountSpec(
        "households",
        "HH",
        "Households' direct emissions",
        "households",
        "households' direct emissions (fuel burnt by residents)",
        _S,
        "F_Y[r] summed over final-demand categories",
    ),
    AccountSpec(
        "flows",
        "Q",
        "City-to-city embodied emissions",
        "flows",
        "emitted in the producer city (rows) for final demand of the consumer city (columns)",
        _S,
        "Q[r, s] = sum_{i in r} f_i^r (L Y^s)_i^r",
        "city_matrix",
    ),
    AccountSpec(
        "enabling",
        "E",
        "City-to-city enabled emissions",
        "enabling",
        "emitted in the emitting city (columns) enabled by the primary inputs of the city "
        "(rows); row sums IBF, column sums PBF",
        _S,
        "E[r, s] = sum_{i in r} sum_{j in s} nu_i L_ij e_j",
        "city_matrix",
        optional="income",
    ),
    AccountSpec(
        "multipliers",
        "m",
        "Multipliers",
        "multipliers",
        "total (direct and upstream) emissions per money unit of final demand for each city-sector",
        f"{_S} per {{money_unit}}",
        "m = f (I - A)^-1, from the transposed solve (I - A)^T m^T = f^T",
        "node",
    ),
    AccountSpec(
        "supply_chain_share",
        "ISC-FD",
        "Inter-city supply-chain share",
        "supply_chain_share",
        "share of consumption-based emissions that cross city borders",
        "1",
        "sum_{r != s} Q[r, s] / sum Q",
        "stressor",
    ),
)

#: The per-city accounts (one value per city and stressor), in report order.
CITY_ACCOUNTS: tuple[AccountSpec, ...] = tuple(a for a in ACCOUNTS if a.kind == "city")

#: Selections of optional accounts (``compute_accounts(..., income=True)``; ``--accounts``).
OPTIONAL_ACCOUNTS: tuple[str, ...] = tuple(
    dict.fromkeys(a.optional for a in ACCOUNTS if a.optional is not None)
)

_BY_NAME = {a.name: a for a in ACCOUNTS}


def account_spec(name: str) -> AccountSpec:
    """Return the :class:`AccountSpec` of account ``name``.

    Raises
    ------
    KeyError
        If ``name`` is not an account; the message lists the accounts.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not an account; accounts: {', '.join(_BY_NAME)}") from None


def present(accounts, kind: Kind | None = None) -> tuple[AccountSpec, ...]:
    """The accounts of the catalogue that ``accounts`` holds, in report order.

    Parameters
    ----------
    accounts : Accounts
        Result of :func:`mrio_city.accounts.footprints.compute_accounts`; optional accounts not
        asked for are ``None`` there and left out.
    kind : {'city', 'city_matrix', 'node', 'stressor'}, optional
        Only accounts of this shape.
    """
    return tuple(
        a
        for a in ACCOUNTS
        if (kind is None or a.kind == kind) and getattr(accounts, a.name, None) is not None
    )


def unit_of(name: str, *, stressor_unit: str, money_unit: str = "money") -> str:
    """The unit of account ``name`` for a stressor in ``stressor_unit``.

    Examples
    --------
    >>> unit_of("multipliers", stressor_unit="t CO2", money_unit="10^4 CNY")
    't CO2 per 10^4 CNY'
    """
    return account_spec(name).unit.format(stressor_unit=stressor_unit, money_unit=money_unit)


def markdown_table() -> str:
    """The catalogue as a Markdown table (the one in ``docs/accounts.md``)."""
    lines = [
        "| account | abbreviation | sheet | unit | computed | description | formula |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in ACCOUNTS:
        unit = a.unit.replace("{stressor_unit}", "stressor unit").replace(
            "{money_unit}", "money unit"
        )
        when = "always" if a.optional is None else f"on request (`{a.optional}=True`)"
        lines.append(
            f"| `{a.name}` | {a.abbreviation} | `{a.sheet}` | {unit} | {when} | {a.description} | "
            f"`{a.formula}` |"
        )
    return "\n".join(lines)
