from pathlib import Path

import pytest

from mrio_city.model.errors import DataSourceError
from mrio_city.sources import default_data_dir, read_nbs_io
from mrio_city.sources._paths import excel_cell


def test_default_data_dir_prefers_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("MRIO_CITY_DATA", str(tmp_path))
    assert default_data_dir() == tmp_path.resolve()


def test_default_data_dir_falls_back_to_shared_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("MRIO_CITY_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_data_dir() == (tmp_path / ".." / "shared" / "data" / "real").resolve()


def test_missing_file_names_full_path_and_expected_content(tmp_path):
    with pytest.raises(DataSourceError) as err:
        read_nbs_io(2012, 139, data_dir=tmp_path)
    msg = str(err.value)
    assert str(Path(tmp_path) / "nbs-china-io" / "csv" / "china_2012_139.csv") in msg
    assert "china_<year>_<n sectors>.csv" in msg
    assert "MRIO_CITY_DATA" in msg


@pytest.mark.parametrize(
    ("row", "col", "cell"), [(0, 0, "A1"), (2, 0, "A3"), (0, 25, "Z1"), (9, 26, "AA10")]
)
def test_excel_cell_names(row, col, cell):
    assert excel_cell(row, col) == cell
