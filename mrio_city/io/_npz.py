"""Reading ``.npz`` files of untrusted origin: headers checked before any array is allocated.

``numpy.load`` trusts the ``.npy`` header of every member: a header declaring an 8 TB array
raises ``MemoryError`` (or allocates), a truncated archive raises ``zipfile.BadZipFile``.  Here
every member's header is read first and its dtype and shape checked against what the caller
declared (from the table's labels), and the archive's declared uncompressed sizes are checked
too, so a hostile or damaged file is a :class:`TableFormatError` naming it, before any work.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from mrio_city.model.errors import TableFormatError

__all__ = ["read_npz"]

#: Bytes of the .npy header and zip bookkeeping tolerated beyond an array's own bytes.
_HEADER_SLACK = 1 << 16
_NUMERIC_KINDS = "fiub"
#: What damaged archives raise in zipfile and zlib.
_BROKEN = (zipfile.BadZipFile, zlib.error, struct.error, NotImplementedError, OSError, EOFError)


def _header(fp, fail: Callable[[str], TableFormatError], key: str):
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(fp, max_header_size=10_000)
        if version == (2, 0):
            return np.lib.format.read_array_header_2_0(fp, max_header_size=10_000)
        raise fail(f"array {key!r}: unsupported .npy format version {version}")
    except (ValueError, OSError, EOFError) as exc:
        raise fail(f"array {key!r}: unreadable .npy header ({exc})") from None


def read_npz(
    path: Path,
    *,
    fail: Callable[[str], TableFormatError],
    shapes: Mapping[str, tuple[int, ...] | None],
    max_items: int,
) -> dict[str, np.ndarray]:
    """Read the members of an ``.npz`` archive after checking their headers.

    Parameters
    ----------
    path : Path
        The archive (already confined to its table folder by the caller).
    fail : callable
        ``fail(what)`` returns the error to raise (it names the folder and the file).
    shapes : mapping
        Expected shape of each known key; ``None`` for keys whose length is only bounded.
        Members not in ``shapes`` are ignored without being read.
    max_items : int
        Largest number of elements any member may declare (from the table's dimensions).

    Returns
    -------
    dict
        Key -> array, for the members present among ``shapes``.

    Raises
    ------
    TableFormatError
        For a truncated or non-zip file, a non-numeric or object dtype, a shape that differs
        from the declared one, a member larger than the table's dimensions allow.
    """
    out: dict[str, np.ndarray] = {}
    try:
        archive = zipfile.ZipFile(path)
    except _BROKEN as exc:
        raise fail(f"not a readable .npz file ({exc})") from None
    with archive:
        for info in archive.infolist():
            key = info.filename.removesuffix(".npy")
            if key not in shapes:
                continue
            want = shapes[key]
            limit = (np.prod(want, dtype=np.int64) if want is not None else max_items) * 8
            if info.file_size > int(limit) + _HEADER_SLACK:
                raise fail(
                    f"array {key!r} declares {info.file_size:,} bytes, more than its declared "
                    f"shape allows ({int(limit):,} bytes)"
                )
            try:
                with archive.open(info) as fp:
                    shape, fortran, dtype = _header(fp, fail, key)
                    if dtype.hasobject or dtype.kind not in _NUMERIC_KINDS + "US":
                        raise fail(f"array {key!r}: dtype {dtype} is not numeric")
                    if want is not None and tuple(shape) != tuple(want):
                        raise fail(
                            f"array {key!r} has shape {tuple(shape)}, expected {tuple(want)}"
                        )
                    items = int(np.prod(shape, dtype=np.int64))
                    if items > max_items:
                        raise fail(
                            f"array {key!r} declares {items:,} values, more than the table's "
                            f"dimensions allow ({max_items:,})"
                        )
                    if items * dtype.itemsize > info.file_size:
                        raise fail(
                            f"array {key!r}: header declares {items * dtype.itemsize:,} bytes "
                            f"but the member holds {info.file_size:,} (truncated)"
                        )
                    arr = np.empty(shape[::-1] if fortran else shape, dtype=dtype)
                    view = memoryview(arr.reshape(-1).view(np.uint8))
                    got = 0
                    while got < view.nbytes:
                        n = fp.readinto(view[got:])
                        if not n:
                            break
                        got += n
            except TableFormatError:
                raise
            except (*_BROKEN, ValueError) as exc:
                raise fail(f"array {key!r}: not readable ({exc})") from None
            if got != arr.nbytes:
                raise fail(f"array {key!r}: truncated ({got:,} of {arr.nbytes:,} bytes)")
            out[key] = arr.T if fortran else arr
    return out
