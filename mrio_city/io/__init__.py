"""Reading and writing tables and results.

Tables
    * :func:`read_table` / :func:`write_table`: the table folder format (``table.toml`` +
      ``.npz`` + CSV; exact round trip, sparse and structured tables kept as they are);
    * :func:`read_excel_table` / :func:`write_excel_table`: a documented one-workbook layout;
    * :func:`from_pymrio` / :func:`to_pymrio`: pymrio ``IOSystem`` conversion.

Results
    * :func:`write_workbook`: DataFrames to an Excel workbook (units in headers, metadata
      sheet); :func:`read_workbook_sheets` reads one back;
    * :func:`write_accounts_excel`, :func:`write_accounts_csv`: city accounts;
    * :func:`write_csv`: one frame to CSV.

Every writer is atomic (:func:`atomic_path`, :func:`atomic_dir`): an output is complete or
absent.  The formats are specified in ``docs/table-format.md``.  pymrio and openpyxl are only
imported by the functions that need them.
"""

from mrio_city.io.atomic import atomic_dir, atomic_path
from mrio_city.io.csvfiles import write_accounts_csv, write_csv
from mrio_city.io.excel import read_workbook_sheets, write_accounts_excel, write_workbook
from mrio_city.io.excel_table import read_excel_table, write_excel_table
from mrio_city.io.folder import read_table, write_table
from mrio_city.io.pymrio_adapter import from_pymrio, to_pymrio

__all__ = [
    "atomic_dir",
    "atomic_path",
    "from_pymrio",
    "read_excel_table",
    "read_table",
    "read_workbook_sheets",
    "to_pymrio",
    "write_accounts_csv",
    "write_accounts_excel",
    "write_csv",
    "write_excel_table",
    "write_table",
    "write_workbook",
]
