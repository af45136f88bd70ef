"""Atomic writers, result workbooks and CSV files."""

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest

from mrio_city.exports.accounts import ACCOUNT_SHEETS, write_accounts_csv, write_accounts_excel
from mrio_city.exports.csvfiles import write_csv
from mrio_city.exports.workbook import (
    read_workbook_sheets,
    sanitize_sheet_names,
    write_workbook,
)
from mrio_city.io.atomic import atomic_dir, atomic_path


# -- atomic --------------------------------------------------------------------------------
def test_atomic_path_replaces_on_success(tmp_path):
    target = tmp_path / "sub" / "out.csv"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp.suffix == ".csv"
        assert not tmp.exists()
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.csv"]


def test_atomic_path_leaves_no_partial_file_and_keeps_old(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="writer failed"), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer failed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_atomic_path_requires_the_writer_to_create_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="did not create"), atomic_path(tmp_path / "a.x"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_atomic_dir_replaces_existing_folder(tmp_path):
    target = tmp_path / "table"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with atomic_dir(target) as tmp:
        assert tmp.is_dir() and tmp.parent == tmp_path
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["table"]


def test_atomic_dir_failure_keeps_existing_folder(tmp_path):
    target = tmp_path / "table"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(ValueError, match="boom"), atomic_dir(target) as tmp:
        (tmp / "new.txt").write_text("half")
        raise ValueError("boom")
    assert sorted(p.name for p in target.iterdir()) == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["table"]


def test_atomic_dir_refuses_a_file(tmp_path):
    (tmp_path / "table").write_text("x")
    with pytest.raises(FileExistsError, match="is not a folder"), atomic_dir(tmp_path / "table"):
        pass


# -- workbook ------------------------------------------------------------------------------
def _frames():
    a = pd.DataFrame(
        {"CO2": [1234567.891, 0.000123, -5.5], "CH4": [1.0, 2.0, math.nan]},
        index=pd.Index(["Beijing", "Tianjin", "Hebei"], name="city"),
    )
    a.attrs["units"] = {"CO2": "t CO2", "CH4": "kg CH4"}
    b = pd.DataFrame(
        [[1, 2], [3, 4]],
        index=pd.MultiIndex.from_tuples([("A", "s1"), ("A", "s2")], names=["city", "sector"]),
        columns=pd.MultiIndex.from_tuples([("CO2", "x"), ("CO2", "y")]),
    )
    b.attrs["units"] = {"CO2": "t CO2"}
    c = pd.DataFrame({"gini": [0.3]}, index=["all"])
    c.attrs["units"] = {"gini": "1"}
    return {"accounts: per city?": a, "nodes": b, "x" * 40: c}


def test_write_workbook_layout(tmp_path):
    path = write_workbook(
        tmp_path / "out.xlsx",
        _frames(),
        metadata={"table_name": "t", "switches": {"method": "dense"}, "cities": ["a", "b"]},
        readme="line one\nline two",
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["README", "accounts_ per city_", "nodes", "x" * 31, "metadata"]
    ws = wb["accounts_ per city_"]
    assert [c.value for c in ws[1]] == ["city", "CO2 [t CO2]", "CH4 [kg CH4]"]
    assert ws.freeze_panes == "B2"
    assert all(c.font.b for c in ws[1])
    # one format per column, chosen by the column's typical magnitude (median 5.5)
    assert ws["B2"].number_format == "#,##0.00" and ws["B2"].value == 1234567.891
    assert ws["B3"].number_format == "#,##0.00" and ws["B3"].value == 0.000123
    assert ws["C4"].value is None  # NaN -> empty cell
    assert ws.column_dimensions["B"].width >= len("1,234,567.89")
    ws = wb["nodes"]
    assert [c.value for c in ws[1]] == ["city", "sector", "CO2 | x [t CO2]", "CO2 | y [t CO2]"]
    assert ws.freeze_panes == "C2"
    assert ws["C2"].number_format == "#,##0"
    assert [c.value for c in wb["x" * 31][1]] == ["key", "gini [1]"]
    readme = [r[0].value for r in wb["README"].iter_rows()]
    assert readme[:4] == ["line one", "line two", None, "Sheets:"]
    assert "  nodes" in readme and any((line or "").startswith("  metadata: ") for line in readme)
    meta = dict((r[0].value, r[1].value) for r in wb["metadata"].iter_rows(min_row=2))
    assert meta["table_name"] == "t"
    assert meta["switches.method"] == "dense"
    assert meta["cities"] == '["a", "b"]'
    assert meta["created"].endswith("+00:00")
    # pandas reads the same sheets and headers
    frames = pd.read_excel(path, sheet_name=None)
    assert list(frames["nodes"].columns) == ["city", "sector", "CO2 | x [t CO2]", "CO2 | y [t CO2]"]
    back = read_workbook_sheets(path)
    np.testing.assert_array_equal(
        back["accounts_ per city_"]["CO2 [t CO2]"], [1234567.891, 0.000123, -5.5]
    )


def test_sanitize_sheet_names():
    names = sanitize_sheet_names(["a/b", "A_B", "'q'", "", "History", "y" * 40, "y" * 35])
    assert names == ["a_b", "A_B~2", "q", "Sheet", "History~2", "y" * 31, "y" * 29 + "~2"]


def test_write_workbook_is_atomic(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(TypeError, match="sheet 'bad': expected a DataFrame"):
        write_workbook(target, {"bad": [1, 2]}, metadata={})
    big = pd.DataFrame(index=range(3), columns=range(16_385))
    with pytest.raises(ValueError, match="sheet 'big': frame of shape"):
        write_workbook(target, {"big": big}, metadata={})
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


# -- accounts ------------------------------------------------------------------------------
def test_accounts_excel_and_csv_hold_the_same_numbers(tmp_path, accounts, general_table):
    xlsx = write_accounts_excel(
        accounts, tmp_path / "acc.xlsx", table=general_table, metadata={"method": "auto"}
    )
    files = write_accounts_csv(accounts, tmp_path / "csv")
    assert [p.name for p in files] == [
        "accounts.csv",
        "flows.csv",
        "multipliers.csv",
        "supply_chain_share.csv",
        "cities.csv",
    ]
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    assert wb.sheetnames == (
        [
            "README",
            "cities",
            *(ACCOUNT_SHEETS[name] for name in accounts.account_names()),
            "flows CO2",
            "flows CH4",
            "multipliers",
            "supply_chain_share",
            "metadata",
        ]
    )
    wb.close()
    sheets = read_workbook_sheets(xlsx)
    long = pd.read_csv(tmp_path / "csv" / "accounts.csv", float_precision="round_trip")
    assert list(long.columns) == ["account", "city", "stressor", "unit", "value"]
    assert len(long) == 9 * 3 * 2
    for account in accounts.account_names():
        frame = sheets[ACCOUNT_SHEETS[account]]
        assert list(frame.columns) == ["city", "CO2 [t CO2]", "CH4 [kg CH4]"]
        for s, unit in (("CO2", "t CO2"), ("CH4", "kg CH4")):
            rows = long[(long.account == account) & (long.stressor == s)]
            assert (rows.unit == unit).all()
            np.testing.assert_array_equal(rows.value.to_numpy(), frame[f"{s} [{unit}]"].to_numpy())
            np.testing.assert_array_equal(
                rows.value.to_numpy(), getattr(accounts, account)[s].to_numpy()
            )
    flows = pd.read_csv(tmp_path / "csv" / "flows.csv", float_precision="round_trip")
    assert list(flows.columns) == ["stressor", "producer", "consumer", "unit", "value"]
    q = accounts.flows.loc["CH4"]
    sheet = sheets["flows CH4"].set_index("producer")
    assert list(sheet.columns) == [f"{c} [kg CH4]" for c in q.columns]
    np.testing.assert_array_equal(sheet.to_numpy(), q.to_numpy())
    ch4 = flows[flows.stressor == "CH4"].pivot(index="producer", columns="consumer", values="value")
    np.testing.assert_array_equal(ch4.loc[q.index, q.columns].to_numpy(), q.to_numpy())
    mult = pd.read_csv(tmp_path / "csv" / "multipliers.csv", float_precision="round_trip")
    assert list(mult.columns) == ["stressor", "city", "sector", "unit", "value"]
    msheet = sheets["multipliers"]
    assert list(msheet.columns) == [
        "city",
        "sector",
        "CO2 [t CO2 per 10^4 CNY]",
        "CH4 [kg CH4 per 10^4 CNY]",
    ]
    np.testing.assert_array_equal(
        mult[mult.stressor == "CO2"].value.to_numpy(), msheet["CO2 [t CO2 per 10^4 CNY]"].to_numpy()
    )
    np.testing.assert_array_equal(
        msheet["CH4 [kg CH4 per 10^4 CNY]"].to_numpy(), accounts.multipliers.loc["CH4"].to_numpy()
    )
    meta = dict(zip(sheets["metadata"]["key"], sheets["metadata"]["value"]))
    assert meta["table_name"] == "pearl-delta-test"
    assert meta["method"] == "auto"
    assert len(meta["table_hash"]) == 64
    share = pd.read_csv(tmp_path / "csv" / "supply_chain_share.csv", float_precision="round_trip")
    np.testing.assert_array_equal(share.value, sheets["supply_chain_share"].iloc[:, 1])


def test_write_csv_round_trips_exactly(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        rng.normal(size=(4, 2)) * 1e-7,
        columns=["CO2", "CH4"],
        index=pd.Index(list("abcd"), name="city"),
    )
    frame.attrs["units"] = {"CO2": "t CO2", "CH4": "kg"}
    path = write_csv(tmp_path / "f.csv", frame)
    back = pd.read_csv(path, index_col="city", float_precision="round_trip")
    np.testing.assert_array_equal(back.to_numpy(), frame.to_numpy())
    write_csv(tmp_path / "u.csv", frame, units_in_header=True)
    assert (tmp_path / "u.csv").read_text().splitlines()[0] == "city,CO2 [t CO2],CH4 [kg]"
    with pytest.raises(TypeError, match="expected a DataFrame, got list"):
        write_csv(tmp_path / "g.csv", [1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv", "u.csv"]


def test_workbook_floats_round_trip_to_the_last_bit(tmp_path):
    values = [0.1 + 0.2, 1 / 3, 13.983702007591875, 5e-324, 1.7976931348623157e308, -2.5e-9]
    frame = pd.DataFrame({"v": values, "inf": [math.inf, -math.inf, 1.0, 2.0, 3.0, 4.0]})
    path = write_workbook(tmp_path / "f.xlsx", {"f": frame}, metadata={})
    back = pd.read_excel(path, sheet_name="f")
    assert back["v"].tolist() == values  # exact, not approximately
    ws = openpyxl.load_workbook(path)["f"]
    assert ws["A1"].value == "v"  # a default RangeIndex is not written
    assert ws["A2"].value == 0.1 + 0.2 and ws["A2"].data_type == "n"
    assert ws["B2"].value == "inf" and ws["B3"].value == "-inf"


def test_writers_leave_no_partial_file_when_saving_fails(tmp_path, monkeypatch, accounts):
    """The writer itself dies half-way: the old file stays, no temp file is left behind."""
    import openpyxl.workbook.workbook as wbmod

    def half_save(self, filename):
        with open(filename, "wb") as fh:
            fh.write(b"PK\x03\x04 half a workbook")
        raise OSError("disk full")

    def half_csv(self, path, *args, **kwargs):
        with open(path, "w") as fh:
            fh.write("city,CO2\nA,")
        raise OSError("disk full")

    (tmp_path / "acc.xlsx").write_bytes(b"old")
    monkeypatch.setattr(wbmod.Workbook, "save", half_save)
    monkeypatch.setattr(pd.DataFrame, "to_csv", half_csv)
    with pytest.raises(OSError, match="disk full"):
        write_accounts_excel(accounts, tmp_path / "acc.xlsx")
    with pytest.raises(OSError, match="disk full"):
        write_workbook(tmp_path / "new.xlsx", {"a": pd.DataFrame({"x": [1.0]})}, metadata={})
    with pytest.raises(OSError, match="disk full"):
        write_accounts_csv(accounts, tmp_path)
    assert (tmp_path / "acc.xlsx").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acc.xlsx"]
