"""Atomic file and folder writes: no reader ever sees a half-written output.

Writers write to a temporary path in the destination's folder (same file system, so the final
rename is atomic) and move it onto the destination only when writing succeeded; on any error
the temporary file or folder is removed and an existing destination is left untouched.

Examples
--------
>>> with atomic_path("out/accounts.csv") as tmp:  # doctest: +SKIP
...     frame.to_csv(tmp)
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_dir"]


def _mkdir_unique(parent: Path, prefix: str, suffix: str) -> Path:
    """Create a new empty folder in ``parent`` with the user's umask.

    ``tempfile.mkdtemp`` would make it 0700, and the renamed output folder would keep that mode.
    """
    for _ in range(100):
        path = parent / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            os.mkdir(path)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"cannot create a temporary folder in {parent}")


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary file path beside ``path``; move it onto ``path`` on success.

    The temporary file has the same suffix as ``path`` (writers such as openpyxl and
    ``numpy.savez`` look at it) and lives in the same folder, so the final ``os.replace`` is
    atomic.  The parent folder is created if missing.  If the ``with`` block raises, the
    temporary file is removed, ``path`` is left as it was and the exception propagates.

    Parameters
    ----------
    path : str or PathLike
        Final destination of the file.

    Yields
    ------
    pathlib.Path
        Path to write to (does not exist yet when yielded).
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{final.stem}.", suffix=f".tmp{final.suffix}", dir=final.parent
    )
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # writers create the file themselves
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"atomic write of {final}: the writer did not create {tmp}")
        os.replace(tmp, final)
    except BaseException:
        _remove(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; rename it to ``path`` on success.

    An existing folder at ``path`` is first renamed to a backup beside it, then the new folder
    is renamed into place and the backup removed; if that rename fails the backup is restored.
    If the ``with`` block raises, the temporary folder is removed and ``path`` is untouched.

    Parameters
    ----------
    path : str or PathLike
        Final destination folder.  An existing *file* at ``path`` is an error
        (``FileExistsError``), raised before anything is written.

    Yields
    ------
    pathlib.Path
        An empty, existing temporary folder to fill.
    """
    final = Path(path)
    if final.exists() and not final.is_dir():
        raise FileExistsError(f"{final} exists and is not a folder")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = _mkdir_unique(final.parent, f".{final.name}.", ".tmp")
    try:
        yield tmp
    except BaseException:
        _remove(tmp)
        raise
    backup: Path | None = None
    try:
        for attempt in range(5):
            if final.exists():
                backup = _mkdir_unique(final.parent, f".{final.name}.", ".old")
                try:
                    os.replace(final, backup)  # replaces the empty placeholder folder
                except FileNotFoundError:  # a concurrent writer moved it away first
                    backup.rmdir()
                    backup = None
            try:
                os.replace(tmp, final)
                break
            except OSError as exc:
                # a concurrent writer renamed its folder into place between our two renames
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or attempt == 4:
                    raise
                if backup is not None:
                    _remove(backup)
                    backup = None
    except BaseException:
        if backup is not None and not final.exists():
            os.replace(backup, final)
            backup = None
        _remove(tmp)
        raise
    finally:
        if backup is not None:
            _remove(backup)
