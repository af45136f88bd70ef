"""Reading and writing tables and results.

Tables
    * :func:`read_table` / :func:`write_table`: the table folder format (``table.toml`` +
      ``.npz`` + CSV; exact round trip, sparse and structured tables kept as they are);
    * :func:`read_excel_table` / :func:`write_excel_table`: a documented one-workbook layout;
    * :func:`from_pymrio` / :func:`to_pymrio`: pymrio ``IOSystem`` conversion.

Results are written by :mod:`mrio_city.exports` (workbooks, CSV, charts); a run's output
folder is staged and committed with a manifest by :mod:`mrio_city.io.staging`.

Every writer is atomic (:func:`atomic_path`, :func:`atomic_dir`): an output is complete or
absent.  Cells of .xlsx files are written and read through :mod:`mrio_city.io.xlsx` (text is
never a formula).  The formats are specified in ``docs/table-format.md``.  pymrio and
openpyxl are only imported by the functions that need them.
"""

from mrio_city.io.atomic import atomic_dir, atomic_path
from mrio_city.io.excel_table import read_excel_table, write_excel_table
from mrio_city.io.folder import read_table, write_table
from mrio_city.io.pymrio_adapter import from_pymrio, to_pymrio

__all__ = [
    "atomic_dir",
    "atomic_path",
    "from_pymrio",
    "read_excel_table",
    "read_table",
    "to_pymrio",
    "write_excel_table",
    "write_table",
]
