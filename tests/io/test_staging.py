"""Output folders: checked first, staged, committed whole with a manifest, cleaned after kills."""

import json
import os
import random
import signal
import stat
import time

import pytest

from mrio_city.commands.main import main
from mrio_city.io.provenance import file_sha256
from mrio_city.io.staging import (
    MANIFEST,
    STAGING_PREFIX,
    check_output_dir,
    read_manifest,
    recover_output_dir,
    staged_output,
    verify_manifest,
)
from mrio_city.model.errors import OutputFolderError


def _write(run, name, text):
    path = run.path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_check_output_dir_refuses_files_and_files_above(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputFolderError, match=r"exists and is a file, not a folder"):
        check_output_dir(tmp_path / "f")
    with pytest.raises(OutputFolderError, match=r"cannot be created: .*f is a file"):
        check_output_dir(tmp_path / "f" / "sub" / "out")
    assert check_output_dir(tmp_path / "new" / "out").is_dir()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_check_output_dir_refuses_a_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputFolderError, match="is not writable|cannot be created"):
            check_output_dir(ro / "out")
    finally:
        ro.chmod(0o700)


def test_cli_checks_out_before_loading_the_table(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    # the table does not exist either: the output folder is checked first
    code = main(["inequality", str(tmp_path / "no-such-table"), "--out", str(tmp_path / "f")])
    assert code == 2
    err = capsys.readouterr().err
    assert f"output folder {tmp_path / 'f'} exists and is a file" in err


def test_commit_moves_the_set_and_writes_the_manifest_last(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the user's own file")
    with staged_output(out, command="test") as run:
        assert run.path.parent == out and run.path.name.startswith(STAGING_PREFIX)
        _write(run, "a.csv", "1")
        _write(run, "sub/b.csv", "22")
        run.record(inputs={"table": "t"}, parameters={"k": 1.5})
        assert not (out / "a.csv").exists()  # nothing under the final names before the end
    assert (out / "a.csv").read_text() == "1" and (out / "sub" / "b.csv").read_text() == "22"
    manifest = read_manifest(out)
    assert [f["path"] for f in manifest["files"]] == ["a.csv", "sub/b.csv"]
    assert manifest["files"][0] == {
        "path": "a.csv",
        "size": 1,
        "sha256": file_sha256(out / "a.csv"),
    }
    assert manifest["inputs"] == {"table": "t"} and manifest["parameters"] == {"k": 1.5}
    assert manifest["command"] == "test" and manifest["package_version"]
    assert verify_manifest(out) == []
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", MANIFEST, "notes.txt", "sub"]
    # a second run replaces the set: files it does not write again go, the user's stay
    with staged_output(out) as run:
        _write(run, "a.csv", "333")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", MANIFEST, "notes.txt", "sub"]
    assert not (out / "sub" / "b.csv").exists()
    assert [f["path"] for f in read_manifest(out)["files"]] == ["a.csv"]


def test_a_failed_run_keeps_the_previous_set(tmp_path):
    out = tmp_path / "out"
    with staged_output(out) as run:
        _write(run, "a.csv", "old")
    before = (out / MANIFEST).read_text()
    with pytest.raises(RuntimeError, match="boom"), staged_output(out) as run:
        _write(run, "a.csv", "new")
        raise RuntimeError("boom")
    assert (out / "a.csv").read_text() == "old" and (out / MANIFEST).read_text() == before
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", MANIFEST]
    with pytest.raises(RuntimeError), staged_output(tmp_path / "fresh"):
        raise RuntimeError("no trace")
    assert not (tmp_path / "fresh").exists()


def test_the_next_run_finishes_an_interrupted_commit(tmp_path, monkeypatch):
    import mrio_city.io.staging as staging

    out = tmp_path / "out"
    calls = []
    real = os.replace

    def dies_after_first_move(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed between two renames
        return real(src, dst)

    monkeypatch.setattr(staging.os, "replace", dies_after_first_move)
    with pytest.raises(KeyboardInterrupt), staged_output(out) as run:
        _write(run, "a.csv", "1")
        _write(run, "b.csv", "2")
    monkeypatch.setattr(staging.os, "replace", real)
    assert read_manifest(out) is None  # no manifest while the set is mixed
    leftovers = list(out.glob(f"{STAGING_PREFIX}*"))
    assert len(leftovers) == 1
    assert recover_output_dir(out) == leftovers
    assert verify_manifest(out) == []
    assert (out / "b.csv").read_text() == "2" and not list(out.glob(f"{STAGING_PREFIX}*"))


def test_abandoned_staging_is_removed_but_a_live_one_is_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = out / f"{STAGING_PREFIX}20260101T000000-1-abc"
    dead.mkdir()
    (dead / "half.xlsx").write_text("x")
    with staged_output(out) as run:  # cleans the dead folder first
        assert not dead.exists()
        assert recover_output_dir(out) == []  # its own folder is locked: left alone
        assert run.path.exists()
        _write(run, "a.csv", "1")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", MANIFEST]


def test_outputs_get_the_users_umask_and_tmpdir_stays_clean(tmp_path, monkeypatch):
    import tempfile

    from mrio_city.testing import toy_cities

    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    monkeypatch.setenv("MRIO_CITY_CACHE", str(tmp_path / "cache"))
    old = os.umask(0o022)
    try:
        from mrio_city.io.folder import write_table

        write_table(toy_cities(), tmp_path / "toy")
        out = tmp_path / "out"
        assert (
            main(["inequality", str(tmp_path / "toy"), "--out", str(out), "--group", "none"]) == 0
        )
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "toy").stat().st_mode) == 0o755
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert modes and all(m == 0o644 for m in modes.values()), modes
    assert "lorenz.png" in modes and "inequality.xlsx" in modes
    assert list(tmpdir.iterdir()) == []  # openpyxl's scratch files stayed inside --out
    assert verify_manifest(out) == []


def _child(table, out):  # pragma: no cover - runs in a forked process
    import sys

    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    sys.stderr = sys.stdout
    os._exit(main(["footprints", str(table), "--out", str(out)]))


def _check_set(out):
    """Under the final names: a manifest-verified set, or nothing but staging folders."""
    names = {p.name for p in out.iterdir()} if out.exists() else set()
    staging = {n for n in names if n.startswith(STAGING_PREFIX)}
    if MANIFEST in names:
        assert verify_manifest(out) == []
        listed = {f["path"].split("/")[0] for f in read_manifest(out)["files"]}
        assert names - staging - {MANIFEST} == listed
    else:
        journals = [s for s in staging if (out / s / ".commit.json").exists()]
        assert names - staging == set() or journals, names  # mixed only mid-commit


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_kill_at_random_points_never_leaves_a_partial_set(tmp_path):
    from mrio_city.io.folder import write_table
    from mrio_city.sources.synthetic import city_mrio

    write_table(city_mrio(n_cities=12, n_sectors=6, seed=3), tmp_path / "t")
    out = tmp_path / "out"
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        _child(tmp_path / "t", out)
    assert os.waitpid(pid, 0)[1] == 0
    duration = time.perf_counter() - t0
    first = read_manifest(out)
    rng = random.Random(20261204)
    for _ in range(10):
        pid = os.fork()
        if pid == 0:
            _child(tmp_path / "t", out)
        time.sleep(rng.uniform(0, duration))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        _check_set(out)
    pid = os.fork()
    if pid == 0:
        _child(tmp_path / "t", out)
    assert os.waitpid(pid, 0)[1] == 0  # the next run succeeds and cleans up
    assert verify_manifest(out) == []
    assert not list(out.glob(f"{STAGING_PREFIX}*"))
    last = read_manifest(out)
    assert [f["path"] for f in last["files"]] == [f["path"] for f in first["files"]]
    assert json.dumps(last["inputs"]) == json.dumps(first["inputs"])


def test_a_full_disk_is_a_named_error_and_leaves_nothing(tmp_path):
    import errno

    out = tmp_path / "out"
    with pytest.raises(OutputFolderError, match=r"out: no space left while writing"):
        with staged_output(out) as run:
            _write(run, "a.csv", "1")
            raise OSError(errno.ENOSPC, "No space left on device", str(run.path / "b.xlsx"))
    assert not out.exists()


def test_a_manifest_temp_file_of_a_killed_commit_is_removed(tmp_path):
    from mrio_city.io.staging import staged_output

    out = tmp_path / "out"
    out.mkdir()
    stale = out / f".{MANIFEST}.0badcafe.tmp"  # a commit killed inside _write_json_atomic
    stale.write_text("{")
    with staged_output(out, command="test") as run:
        (run.path / "a.csv").write_text("x\n1\n")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", MANIFEST]
    assert verify_manifest(out) == []
