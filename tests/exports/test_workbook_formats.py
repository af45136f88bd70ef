"""Workbooks an economist can use: opened with openpyxl, headers, units and formats asserted."""

import warnings

import openpyxl
import pytest

from mrio_city import compute_accounts
from mrio_city.exports.accounts import write_accounts
from mrio_city.exports.reports import indicators_report, inequality_report
from mrio_city.exports.workbook import INT_FORMAT, MT_FORMAT, SHARE_FORMAT
from mrio_city.sources.synthetic import city_mrio


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    table = city_mrio(n_cities=12, n_sectors=6, seed=1)
    accounts = compute_accounts(table)
    out = tmp_path_factory.mktemp("books")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_accounts(accounts, out / "acc", table=table)
        inequality_report(table, accounts, group="province", out_dir=out / "ineq")
        indicators_report(table, accounts, out_dir=out / "ind")
    return {
        "accounts": out / "acc" / "accounts.xlsx",
        "inequality": out / "ineq" / "inequality.xlsx",
        "indicators": out / "ind" / "indicators.xlsx",
    }


def _columns(ws):
    """Header -> list of (value, number_format) of the cells below it."""
    rows = list(ws.iter_rows())
    headers = [c.value for c in rows[0]]
    return headers, {
        h: [(c.value, c.number_format) for c in col]
        for h, col in zip(headers, zip(*rows[1:], strict=True), strict=True)
    }


def check_workbook(path):
    """Rules every results workbook follows (issue 15 item 2)."""
    wb = openpyxl.load_workbook(path)
    try:
        assert wb.sheetnames[0] == "README" and wb.sheetnames[-1] == "metadata"
        readme = "\n".join(str(r[0]) for r in wb["README"].iter_rows(values_only=True))
        for name in wb.sheetnames[1:]:
            assert f"  {name}" in readme, f"{path.name}: README does not explain {name!r}"
        for ws in wb.worksheets[1:-1]:
            headers, columns = _columns(ws)
            assert all(h for h in headers), f"{ws.title}: empty header"
            assert "index" not in headers and "level_0" not in headers, ws.title
            long_form = "unit" in headers
            for h, cells in columns.items():
                numbers = [
                    (v, f)
                    for v, f in cells
                    if isinstance(v, int | float) and not isinstance(v, bool)
                ]
                if not numbers:
                    continue
                formats = {f for _, f in numbers}
                if not (long_form and h == "value"):  # key/value sheets: format per row
                    assert len(formats) == 1, f"{ws.title}!{h}: formats {formats}"
                assert not any("E" in f for f in formats) or len(formats) == 1, (ws.title, h)
                assert "General" not in formats, f"{ws.title}!{h}: unformatted numbers"
                if not long_form and h not in ("code", "city_code", "point", "decile"):
                    assert "[" in h, f"{ws.title}!{h}: numbers without a unit in the header"
        meta = {r[0]: r[1] for r in wb["metadata"].iter_rows(min_row=2, values_only=True)}
        assert meta["package_version"] and meta["table_name"] and len(meta["table_hash"]) == 64
    finally:
        wb.close()
    return wb


@pytest.mark.parametrize("name", ["accounts", "inequality", "indicators"])
def test_workbook_rules(workbooks, name):
    check_workbook(workbooks[name])
    assert (workbooks[name].parent / "metadata.json").is_file()


def test_accounts_cities_sheet_comes_first_with_units_and_formats(workbooks):
    wb = openpyxl.load_workbook(workbooks["accounts"])
    assert wb.sheetnames[:2] == ["README", "cities"]
    headers, cols = _columns(wb["cities"])
    assert headers[:3] == ["city", "name", "province"]
    for h in (
        "population [persons]",
        "PBF [Mt CO2]",
        "CBF [Mt CO2]",
        "EEI [Mt CO2]",
        "EEE [Mt CO2]",
        "net [Mt CO2]",
        "PBF per capita [t CO2 per person]",
        "CBF per capita [t CO2 per person]",
    ):
        assert h in headers, h
    assert {f for _, f in cols["population [persons]"]} == {INT_FORMAT}
    assert {f for _, f in cols["PBF [Mt CO2]"]} == {MT_FORMAT}
    assert {f for _, f in cols["CBF per capita [t CO2 per person]"]} == {"#,##0.00"}
    # tonnes around 1e7 are whole numbers, not three decimals
    _, cols = _columns(wb["production_based"])
    assert {f for _, f in cols["CO2 [t CO2]"]} == {INT_FORMAT}
    wb.close()


def test_inequality_summary_formats_follow_each_rows_unit(workbooks):
    wb = openpyxl.load_workbook(workbooks["inequality"])
    rows = {r[0].value: r for r in wb["summary"].iter_rows(min_row=2)}
    assert [c.value for c in wb["summary"][1]] == ["measure", "value", "unit"]
    assert rows["n_cities"][1].number_format == INT_FORMAT
    assert rows["population"][1].number_format == INT_FORMAT
    assert rows["top10_share"][1].number_format == SHARE_FORMAT
    assert rows["cities_below_global_average_2012"][1].number_format == SHARE_FORMAT
    assert rows["gini"][1].number_format == "0.0000"
    assert not any(" " in str(k) for k in rows), "summary keys are identifiers"
    _, cols = _columns(wb["theil_groups"])
    assert {f for _, f in cols["n_cities [cities]"]} == {INT_FORMAT}
    assert {f for _, f in cols["population_share [1]"]} == {SHARE_FORMAT}
    wb.close()
