from pathlib import Path

import pytest

from mrio_city.model.errors import DataSourceError
from mrio_city.model.reader import cell_name
from mrio_city.sources import _paths, default_data_dir, read_nbs_io
from mrio_city.sources._paths import data_dir_origin, user_config_path


def test_default_data_dir_prefers_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("MRIO_CITY_DATA", str(tmp_path))
    assert default_data_dir() == tmp_path.resolve()


def _no_env_no_config(monkeypatch, tmp_path):
    monkeypatch.delenv("MRIO_CITY_DATA", raising=False)
    monkeypatch.setenv("MRIO_CITY_CONFIG", str(tmp_path / "absent" / "config.toml"))


def test_default_data_dir_in_a_checkout_is_beside_the_repository(monkeypatch, tmp_path):
    _no_env_no_config(monkeypatch, tmp_path)
    monkeypatch.chdir(tmp_path)  # the working folder does not matter
    root = Path(__file__).resolve().parents[2]
    assert default_data_dir() == (root.parent / "shared" / "data" / "real").resolve()
    assert data_dir_origin()[1] == "source checkout"


def test_config_file_data_dir_comes_after_the_environment(monkeypatch, tmp_path):
    _no_env_no_config(monkeypatch, tmp_path)
    config = tmp_path / "conf" / "config.toml"
    config.parent.mkdir()
    config.write_text('data_dir = "../mydata"\n', encoding="utf-8")
    monkeypatch.setenv("MRIO_CITY_CONFIG", str(config))
    assert default_data_dir() == (tmp_path / "mydata").resolve()  # relative to the file
    monkeypatch.setenv("MRIO_CITY_DATA", str(tmp_path / "env"))
    assert default_data_dir() == (tmp_path / "env").resolve()


def test_config_file_in_xdg_config_home(monkeypatch, tmp_path):
    _no_env_no_config(monkeypatch, tmp_path)
    monkeypatch.delenv("MRIO_CITY_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "mrio-city").mkdir()
    (tmp_path / "mrio-city" / "config.toml").write_text(f"data_dir = '{tmp_path}'\n")
    assert data_dir_origin() == (tmp_path.resolve(), f"data_dir in {user_config_path()}")


def test_bad_config_file_is_a_named_error(monkeypatch, tmp_path):
    _no_env_no_config(monkeypatch, tmp_path)
    config = tmp_path / "config.toml"
    config.write_text("data_dir = 3\n")
    monkeypatch.setenv("MRIO_CITY_CONFIG", str(config))
    with pytest.raises(DataSourceError, match=r"config.toml, key 'data_dir': expected a folder"):
        default_data_dir()
    config.write_text("data_dir = \n")
    with pytest.raises(DataSourceError, match="invalid TOML"):
        default_data_dir()


def test_installed_package_without_configuration_names_all_three(monkeypatch, tmp_path):
    _no_env_no_config(monkeypatch, tmp_path)
    monkeypatch.setattr(_paths, "checkout_root", lambda: None)
    with pytest.raises(DataSourceError) as err:
        default_data_dir()
    msg = str(err.value)
    assert "MRIO_CITY_DATA" in msg and "data_dir" in msg and "config.toml" in msg
    assert "../shared/data/real beside the repository" in msg and "--data" in msg


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
    assert cell_name(row, col) == cell  # the one A1 namer (model.reader), used by sources too
