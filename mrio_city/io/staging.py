"""Output folders of a run: checked first, staged, committed whole with a manifest last.

A command that writes results into ``--out DIR`` does::

    with staged_output(DIR, command="footprints") as run:   # checks DIR before any work
        ... compute ...
        write_accounts(accounts, run.path, table=table)      # writers fill the staging folder
        run.record(inputs={...}, parameters={...})
    # here every file is in DIR under its final name, and DIR/manifest.json lists them

The guarantees:

* **Checked before computing.**  :func:`check_output_dir` refuses, with a named
  :class:`~mrio_city.model.errors.OutputFolderError`, an ``--out`` that is a file, sits under a
  file, cannot be created or is not writable.  Creating the staging folder is the final test.
* **Staged inside the target.**  Writers write into ``DIR/mrio-city-incomplete-<time>-<pid>``
  (same file system, so every move is a rename; a clearly named folder, not hidden).  Temporary
  files of libraries that use :mod:`tempfile` (openpyxl's write-only sheets) go inside it too,
  never to TMPDIR.
* **Committed whole, manifest last.**  At the end the run writes a commit journal in the
  staging folder, removes the previous ``DIR/manifest.json`` and the files it listed that this
  run does not produce, renames every staged file to its final name, and writes
  ``DIR/manifest.json`` (files, sizes, sha256, package version, inputs, parameters) last.
  A ``manifest.json`` therefore always describes a complete set whose sizes and hashes match.
* **Interrupted runs.**  Killed before the commit: the previous complete set is untouched and
  the staging folder remains, clearly named.  Killed during the commit (a few renames): there is
  no manifest, and the staging folder holds the journal.  The next run into ``DIR`` (or
  :func:`recover_output_dir`) removes abandoned staging folders and finishes an interrupted
  commit before it starts.  A live run's staging folder is never touched: it is locked.
* **Ordinary permissions.**  Folders are made with :func:`os.mkdir` and files by their writers,
  so both get the user's umask (no 0700/0600 from :mod:`tempfile`).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mrio_city.model.errors import OutputFolderError

__all__ = [
    "MANIFEST",
    "STAGING_PREFIX",
    "check_output_dir",
    "staged_output",
    "maybe_staged",
    "StagedOutput",
    "recover_output_dir",
    "read_manifest",
    "verify_manifest",
]

#: File name of the manifest, written last into the output folder.
MANIFEST = "manifest.json"
#: Name prefix of staging folders (an incomplete run's files).
STAGING_PREFIX = "mrio-city-incomplete-"
_LOCK = ".lock"
_JOURNAL = ".commit.json"
_TMP = ".tmp"
_FORMAT = "mrio-city-output-manifest"


def check_output_dir(out: str | os.PathLike[str]) -> Path:
    """Check that ``out`` can receive outputs; create it if missing.  Return it as a Path.

    Raises
    ------
    OutputFolderError
        If ``out`` is an existing file, lies under a file, cannot be created or is not
        writable; the message names the path and the reason.
    """
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise OutputFolderError(f"output folder {path} exists and is a file, not a folder")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputFolderError(
                    f"output folder {path} cannot be created: {parent} is a file"
                )
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFolderError(
            f"output folder {path} cannot be created ({exc.strerror or exc})"
        ) from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputFolderError(f"output folder {path} is not writable")
    return path


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _sha256(path: Path) -> str:
    from mrio_city.io.provenance import file_sha256

    return file_sha256(path)


def _write_json_atomic(path: Path, obj: Any) -> None:
    """Write JSON to ``path`` through a temporary file beside it (fsync'd, then renamed)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8") as fh:
            fh.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def read_manifest(out: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of output folder ``out``, or None when it has none (or it is unreadable)."""
    path = Path(out) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return None
    return data


def verify_manifest(out: str | os.PathLike[str]) -> list[str]:
    """Problems of the set in ``out`` against its manifest (empty list: complete and intact).

    Raises
    ------
    OutputFolderError
        If ``out`` has no manifest.
    """
    manifest = read_manifest(out)
    if manifest is None:
        raise OutputFolderError(f"output folder {out} has no {MANIFEST}: not a complete set")
    problems = []
    for entry in manifest["files"]:
        path = Path(out) / entry["path"]
        if not path.is_file():
            problems.append(f"{entry['path']}: missing")
        elif path.stat().st_size != entry["size"]:
            problems.append(f"{entry['path']}: size {path.stat().st_size} != {entry['size']}")
        elif _sha256(path) != entry["sha256"]:
            problems.append(f"{entry['path']}: sha256 differs")
    return problems


def _try_lock(path: Path):
    """Open and exclusively lock ``path`` without waiting; return the handle or None if held."""
    try:
        fh = open(path, "a+")  # noqa: SIM115 - held for the life of the run
    except OSError:
        return None
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, staging folders are kept
        fh.close()
        return None
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        return None
    return fh


def _move_files(out: Path, staging: Path, journal: Mapping[str, Any]) -> None:
    """Carry out (or finish) a commit described by ``journal``: idempotent."""
    with contextlib.suppress(FileNotFoundError):
        (out / MANIFEST).unlink()
    for rel in journal["stale"]:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
            (out / rel).unlink()
    for entry in journal["manifest"]["files"]:
        src, dst = staging / entry["path"], out / entry["path"]
        if src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
    _write_json_atomic(out / MANIFEST, journal["manifest"])
    for tmp in out.glob(f".{MANIFEST}.*.tmp"):  # of a commit killed while writing its manifest
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def recover_output_dir(out: str | os.PathLike[str]) -> list[Path]:
    """Clean up after interrupted runs in ``out``: finish their commits or remove their files.

    A staging folder whose run is still alive (locked) is left alone.  One with a commit
    journal has its commit finished (the files renamed into place, the manifest written);
    one without is removed.

    Returns
    -------
    list of pathlib.Path
        The staging folders handled.
    """
    out = Path(out)
    handled = []
    if not out.is_dir():
        return handled
    for staging in sorted(out.glob(f"{STAGING_PREFIX}*")):
        if not staging.is_dir() or staging.is_symlink():
            continue
        lock = _try_lock(staging / _LOCK)
        if lock is None and (staging / _LOCK).exists():
            continue  # a live run owns it
        try:
            journal_path = staging / _JOURNAL
            journal = None
            with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
                journal = json.loads(journal_path.read_text(encoding="utf-8"))
            if journal is not None:
                _move_files(out, staging, journal)
            shutil.rmtree(staging, ignore_errors=True)
            handled.append(staging)
        finally:
            if lock is not None:
                lock.close()
    return handled


class StagedOutput:
    """The staging folder of one run (see the module docstring); made by :func:`staged_output`.

    Attributes
    ----------
    out : pathlib.Path
        The final output folder.
    path : pathlib.Path
        The staging folder to write into (same layout as the final folder).
    """

    def __init__(self, out: Path, path: Path, command: str | None) -> None:
        self.out = out
        self.path = path
        self.command = command
        self.inputs: dict[str, Any] = {}
        self.parameters: dict[str, Any] = {}

    def record(
        self,
        *,
        inputs: Mapping[str, Any] | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        """Add inputs (e.g. table name and hash, scenario file) and parameters to the manifest."""
        from mrio_city.io.provenance import jsonable

        self.inputs.update(jsonable(dict(inputs or {})))
        self.parameters.update(jsonable(dict(parameters or {})))

    def record_table(self, table, *, source: str | None = None) -> None:
        """Record a table input: name, year, content hash and the name or path given."""
        from mrio_city.model.fingerprint import table_hash

        entry = {"name": table.name, "year": table.meta.year, "sha256": table_hash(table)}
        if source is not None:
            entry["source"] = str(source)
        tables = self.inputs.setdefault("tables", [])
        if entry not in tables:
            tables.append(entry)

    def final(self, path: str | os.PathLike[str]) -> Path:
        """The final path of a file written at ``path`` inside the staging folder."""
        p = Path(path)
        try:
            return self.out / p.relative_to(self.path)
        except ValueError:
            return p

    def _files(self) -> list[dict[str, Any]]:
        files = []
        for root, dirs, names in os.walk(self.path):
            dirs[:] = sorted(d for d in dirs if d != _TMP)
            for name in sorted(names):
                p = Path(root) / name
                rel = p.relative_to(self.path)
                if rel.as_posix() in (_LOCK, _JOURNAL, MANIFEST):
                    continue
                files.append(
                    {"path": rel.as_posix(), "size": p.stat().st_size, "sha256": _sha256(p)}
                )
        return files

    def commit(self) -> dict[str, Any]:
        """Move the staged files into place and write the manifest last; return the manifest."""
        from mrio_city._version import __version__

        files = self._files()
        manifest = {
            "format": _FORMAT,
            "format_version": 1,
            "package": "mrio-city",
            "package_version": __version__,
            "command": self.command,
            "created": _now(),
            "inputs": self.inputs,
            "parameters": self.parameters,
            "files": files,
        }
        old = read_manifest(self.out)
        new_paths = {f["path"] for f in files}
        stale = (
            []
            if old is None
            else [
                f["path"]
                for f in old.get("files", [])
                if isinstance(f, dict) and f.get("path") not in new_paths and _inside(f.get("path"))
            ]
        )
        journal = {"manifest": manifest, "stale": stale}
        _write_json_atomic(self.path / _JOURNAL, journal)
        _move_files(self.out, self.path, journal)
        return manifest


def _inside(rel: Any) -> bool:
    """A manifest path that stays inside the output folder (never remove anything else)."""
    if not isinstance(rel, str) or not rel:
        return False
    p = Path(rel)
    return not p.is_absolute() and ".." not in p.parts


def _make_staging(out: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    for _ in range(100):
        path = out / f"{STAGING_PREFIX}{stamp}-{os.getpid()}-{secrets.token_hex(3)}"
        try:
            os.mkdir(path)  # the user's umask, unlike tempfile.mkdtemp (0700)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputFolderError(
                f"output folder {out} is not writable ({exc.strerror or exc})"
            ) from exc
        return path
    raise OutputFolderError(f"output folder {out}: cannot create a staging folder")


@contextlib.contextmanager
def _tempdir_inside(path: Path) -> Iterator[None]:
    """Point :mod:`tempfile` at ``path`` for the duration (libraries' scratch files)."""
    path.mkdir(exist_ok=True)
    saved = tempfile.tempdir
    tempfile.tempdir = str(path)
    try:
        yield
    finally:
        tempfile.tempdir = saved


def maybe_staged(out: str | os.PathLike[str] | None, *, command: str | None = None):
    """:func:`staged_output` for ``out``, or a context yielding None when ``out`` is None."""
    if out is None:
        return contextlib.nullcontext(None)
    return staged_output(out, command=command)


@contextlib.contextmanager
def staged_output(
    out: str | os.PathLike[str], *, command: str | None = None
) -> Iterator[StagedOutput]:
    """Check ``out``, stage a run's outputs inside it, and commit them whole at the end.

    Parameters
    ----------
    out : str or PathLike
        The output folder (created if missing).
    command : str, optional
        Name of the command, recorded in the manifest.

    Yields
    ------
    StagedOutput
        Write into ``.path``; call ``.record(inputs=..., parameters=...)`` for the manifest.

    Raises
    ------
    OutputFolderError
        Before anything runs, if ``out`` cannot receive outputs.
    """
    existed = Path(out).is_dir()
    final = check_output_dir(out)
    recover_output_dir(final)
    staging = _make_staging(final)
    lock = _try_lock(staging / _LOCK)
    run = StagedOutput(final, staging, command)
    try:
        try:
            with _tempdir_inside(staging / _TMP):
                yield run
        except OSError as exc:  # a full disk while writing: name the folder, exit code 2
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise OutputFolderError(
                    f"output folder {final}: no space left while writing ({exc.strerror})"
                ) from exc
            raise
        shutil.rmtree(staging / _TMP, ignore_errors=True)
        try:
            run.commit()
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EROFS):
                raise OutputFolderError(
                    f"output folder {final}: cannot finish writing ({exc.strerror})"
                ) from exc
            raise
        shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        if not (staging / _JOURNAL).exists():  # nothing moved yet: drop the staged files
            shutil.rmtree(staging, ignore_errors=True)
            if not existed:  # a failed run leaves no trace of an output folder it made
                with contextlib.suppress(OSError):
                    final.rmdir()  # only when empty
        raise
    finally:
        if lock is not None:
            lock.close()
