"""Table hashes, file hashes and run metadata."""

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from io_tables import make_general, make_structured

import mrio_city
from mrio_city import TableFormatError, ZeroOutputWarning
from mrio_city.io.folder import write_table
from mrio_city.io.provenance import file_sha256, run_metadata
from mrio_city.model.fingerprint import table_hash

HASH_SCRIPT = (
    "import sys; sys.path.insert(0, 'tests/io'); import warnings; warnings.simplefilter('ignore');"
    "from io_tables import make_general; from mrio_city.model.fingerprint import table_hash;"
    "print(table_hash(make_general()))"
)


def test_table_hash_is_stable_across_processes():
    here = table_hash(make_general())
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": root}
    out = subprocess.run(
        [sys.executable, "-c", HASH_SCRIPT],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == here
    assert len(here) == 64 and int(here, 16) >= 0


def test_table_hash_covers_numbers_and_labels_not_descriptions():
    t = make_general()
    h = table_hash(t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroOutputWarning)
        assert table_hash(t.replace(meta={"name": "renamed", "description": "x"})) == h
        F = t.F.copy()
        F[0, 0] = np.nextafter(F[0, 0], np.inf)  # one ulp
        assert table_hash(t.replace(F=F)) != h
        assert table_hash(t.replace(sectors=["Electricity", "Metals", "Retail"])) != h
        assert table_hash(t.replace(units={"CO2": "kt CO2", "CH4": "kg CH4"})) != h
        attrs = t.city_attributes.copy()
        attrs.loc["Huizhou", "province"] = "Fujian"
        assert table_hash(t.replace(city_attributes=attrs)) != h
        # explicit zeros in a sparse Z do not change the hash
        Z = sp.csr_matrix(t.Z)
        coo = Z.tocoo()
        Z2 = sp.csr_matrix(
            (np.append(coo.data, 0.0), (np.append(coo.row, 4), np.append(coo.col, 4))),
            shape=Z.shape,
        )
        assert Z2.nnz == Z.nnz + 1
        assert table_hash(t.replace(Z=Z)) == table_hash(t.replace(Z=Z2))
        assert table_hash(t.replace(Z=Z)) != h  # stored form is part of the identity


def test_structured_hash_depends_on_final_shares():
    assert table_hash(make_structured()) != table_hash(make_structured(separate_final=True))
    assert table_hash(make_structured(sparse_shares=True)) == table_hash(
        make_structured(sparse_shares=True)
    )


def test_file_sha256(tmp_path):
    p = tmp_path / "f.bin"
    data = os.urandom(3 * 1024 + 7)
    p.write_bytes(data)
    assert file_sha256(p, chunk_size=1024) == hashlib.sha256(data).hexdigest()


def test_run_metadata(tmp_path):
    t = make_general()
    meta = run_metadata(t, method="dense", chunk=64, scenario=tmp_path / "s.toml")
    json.dumps(meta)  # JSON-serializable
    assert meta["package_version"] == mrio_city.__version__
    assert meta["numpy_version"] == np.__version__
    assert meta["python_version"] == sys.version.split()[0]
    assert meta["table_name"] == "pearl-delta-test" and meta["table_year"] == 2017
    assert meta["table_hash"] == table_hash(t)
    assert meta["table_form"] == "general"
    assert meta["table_provenance"] == {"source": "tests/io/conftest.py", "seed": 7}
    assert meta["switches"] == {
        "method": "dense",
        "chunk": 64,
        "scenario": str(tmp_path / "s.toml"),
    }
    created = dt.datetime.fromisoformat(meta["created"])
    assert created.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.UTC) - created).total_seconds()) < 60
    assert isinstance(meta["blas"], str) and meta["blas"]
    bare = run_metadata()
    assert "table_hash" not in bare and bare["switches"] == {}


def test_write_table_is_atomic_when_writing_fails(tmp_path):
    t = make_general()
    attrs = t.city_attributes.rename(columns={"province": "gdp"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroOutputWarning)
        bad = t.replace(city_attributes=attrs)
    write_table(t, tmp_path / "t")
    before = sorted(p.name for p in (tmp_path / "t").iterdir())
    with pytest.raises(TableFormatError, match="city_attributes column 'gdp' clashes"):
        write_table(bad, tmp_path / "t", overwrite=True)
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["t"]
