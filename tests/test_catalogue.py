"""The account catalogue is the one list of accounts: everything else follows it."""

import dataclasses
from pathlib import Path

import openpyxl

from mrio_city.accounts import catalogue
from mrio_city.accounts.footprints import ACCOUNT_NAMES, Accounts, compute_accounts
from mrio_city.exports.accounts import (
    ACCOUNT_SHEETS,
    accounts_long_frames,
    accounts_sheets,
    write_accounts_excel,
)
from mrio_city.testing import toy_cities

#: Fields of Accounts that are not accounts (bookkeeping of the computation).
NOT_ACCOUNTS = {
    "table_name",
    "units",
    "identity_residual",
    "solver",
    "income_identity_residual",
}
DOCS = Path(__file__).resolve().parents[1] / "docs" / "accounts.md"


def test_every_account_field_is_in_the_catalogue_and_back():
    fields = [f.name for f in dataclasses.fields(Accounts) if f.name not in NOT_ACCOUNTS]
    names = [a.name for a in catalogue.ACCOUNTS]
    assert sorted(fields) == sorted(names), (
        "Accounts and the catalogue disagree: add the account to "
        "mrio_city/accounts/catalogue.py (or the field to Accounts)"
    )
    assert fields == names  # same order: report order is field order


def test_derived_lists_follow_the_catalogue():
    city = [a.name for a in catalogue.CITY_ACCOUNTS]
    assert list(ACCOUNT_NAMES) == [a.name for a in catalogue.CITY_ACCOUNTS if not a.optional]
    assert list(ACCOUNT_SHEETS) == city
    sheets = [a.sheet for a in catalogue.ACCOUNTS]
    assert len(set(sheets)) == len(sheets) and all(len(s) <= 31 for s in sheets)


def test_workbook_and_csv_have_a_sheet_and_rows_for_every_account(tmp_path):
    table = toy_cities()
    accounts = compute_accounts(table, **dict.fromkeys(catalogue.OPTIONAL_ACCOUNTS, True))
    sheets = accounts_sheets(accounts, table)
    for a in catalogue.ACCOUNTS:
        if a.kind == "city_matrix":
            assert all(f"{a.sheet} {s}" in sheets for s in accounts.units)
        else:
            assert a.sheet in sheets, a.name
    assert set(accounts.to_long()["account"]) == {a.name for a in catalogue.CITY_ACCOUNTS}
    columns = {a.column for a in catalogue.CITY_ACCOUNTS if a.column}
    assert columns <= set(sheets["cities"].columns)
    long = accounts_long_frames(accounts)
    for a in catalogue.ACCOUNTS:
        if a.kind == "city_matrix":
            assert f"{a.sheet}.csv" in long, a.name
    path = write_accounts_excel(accounts, tmp_path / "a.xlsx", table=table)
    wb = openpyxl.load_workbook(path, read_only=True)
    readme = "\n".join(str(r[0]) for r in wb["README"].iter_rows(values_only=True))
    wb.close()
    for a in catalogue.ACCOUNTS:
        assert a.description in readme, a.name


def test_optional_accounts_appear_only_when_computed():
    table = toy_cities()
    plain = compute_accounts(table)
    optional = [a for a in catalogue.ACCOUNTS if a.optional]
    assert optional, "the catalogue has optional accounts (income-based)"
    for a in optional:
        assert getattr(plain, a.name) is None
    sheets = accounts_sheets(plain, table)
    assert not any(s.startswith(a.sheet) for s in sheets for a in optional)
    assert not {a.name for a in optional} & set(plain.to_long()["account"])
    assert "IBF" not in sheets["cities"].columns
    assert set(accounts_long_frames(plain)) == {"accounts.csv", "flows.csv", "multipliers.csv"}
    full = compute_accounts(table, income=True)
    assert [a.name for a in catalogue.present(full)] == [a.name for a in catalogue.ACCOUNTS]
    # the always-computed accounts do not change when the optional ones are asked for
    for name in ACCOUNT_NAMES:
        assert getattr(full, name).equals(getattr(plain, name)), name


def test_docs_table_is_generated_from_the_catalogue():
    assert catalogue.markdown_table() in DOCS.read_text(encoding="utf-8"), (
        "docs/accounts.md is out of date: paste "
        "`python -c 'from mrio_city.accounts.catalogue import markdown_table; "
        "print(markdown_table())'`"
    )


def test_units_follow_the_catalogue():
    assert catalogue.unit_of("production_based", stressor_unit="t CO2") == "t CO2"
    assert catalogue.unit_of("supply_chain_share", stressor_unit="t CO2") == "1"
    table = toy_cities()
    accounts = compute_accounts(table)
    m = accounts_sheets(accounts, table)["multipliers"]
    assert m.attrs["units"] == {"CO2": "t CO2 per money"}


def test_every_indicator_column_is_in_the_indicator_catalogue():
    import warnings

    from mrio_city.analyses.indicator_catalogue import INDICATORS
    from mrio_city.analyses.indicators import urban_indicators
    from mrio_city.sources.synthetic import city_mrio

    table = city_mrio(n_cities=6, n_sectors=8, seed=1)
    accounts = compute_accounts(table)
    seen = set()
    for boundary_set in ("ramaswami4", "trade4"):
        for variant in ("lincui", "final_demand"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ind = urban_indicators(table, accounts, boundary_set=boundary_set, variant=variant)
            columns = [c for c in ind.columns if c != "nonpositive_footprint"]
            assert set(ind.attrs["units"]) == set(columns)  # a unit for every column
            for c in columns:
                seen.add(c.removesuffix("_lincui").removesuffix("_final_demand"))
    assert seen == {i.name for i in INDICATORS}


def test_docs_indicator_table_is_generated_from_the_catalogue():
    from mrio_city.analyses.indicator_catalogue import markdown_table

    text = (DOCS.parent / "analyses.md").read_text(encoding="utf-8")
    assert markdown_table() in text, "docs/analyses.md: paste indicator_catalogue.markdown_table()"
