"""Table registry: resolve a table name or path to a table, building and caching recipes.

``load_table(name_or_path)`` accepts

* a path to a table folder (read with :func:`mrio_city.io.folder.read_table`); a bare name
  that is also a registered recipe name always means the recipe (a same-named folder in the
  working directory is read only when given as a path, e.g. ``./china-cities-2012``, and a
  warning says so);
* a path to a recipe file (``*.toml``);
* the name of a recipe ``<name>.toml`` in a tables folder: the folders listed in the
  ``MRIO_CITY_TABLES`` environment variable (``os.pathsep``-separated, searched first), then the
  repository's ``tables/`` folder.

A recipe (:mod:`mrio_city.io.recipes`) is a TOML file, and it is data: nothing in it is
imported, evaluated or called.  It has ``kind = "generator"`` (``[generator] function`` = the
name of one of the package's own builders in :data:`GENERATORS`, with
``[generator.parameters]`` checked against that builder's schema: types, ranges, choices and a
size limit) or ``kind = "inline"`` (small tables held as arrays of numbers in a ``[table]``
section, plus optional ``[meta]``), and a ``description``.  Threat model and checks:
``docs/security.md``.

Generated tables are cached in the folder format under the cache folder (``cache_dir``, else
``$MRIO_CITY_CACHE``, else ``~/.cache/mrio-city/``), one sub-folder per recipe named
``<name>-<key>`` where the key hashes the parsed recipe and the package version (not the input
data files a generator may read: pass ``rebuild=True`` after changing them); the second load
reads the cache. Cache writes are atomic (a complete folder is renamed into place). Inline
recipes are built in memory every time (they are tiny) and never cached.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mrio_city._resources import shipped
from mrio_city.io.recipes import (
    Recipe,
    generator_of,
    generator_parameters,
    inline_arguments,
    load_recipe,
    recipe_reader,
)
from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import (
    MrioCityError,
    TableFormatError,
    TableNotFoundError,
    TableValidationError,
)
from mrio_city.model.labels import did_you_mean
from mrio_city.model.reader import path_inside
from mrio_city.model.table import MRIOTable, TableMetadata

__all__ = [
    "load_table",
    "list_tables",
    "table_reference",
    "tables_dirs",
    "default_cache_dir",
    "TABLES_ENV",
    "CACHE_ENV",
]

#: Environment variable with extra recipe folders (``os.pathsep``-separated, searched first).
TABLES_ENV = "MRIO_CITY_TABLES"
#: Environment variable overriding the cache folder of built tables.
CACHE_ENV = "MRIO_CITY_CACHE"


def tables_dirs() -> list[Path]:
    """Folders searched for recipes: ``$MRIO_CITY_TABLES`` entries, then the bundled ``tables/``."""
    dirs = [Path(p).expanduser() for p in os.environ.get(TABLES_ENV, "").split(os.pathsep) if p]
    dirs.append(shipped("tables"))
    return dirs


def default_cache_dir() -> Path:
    """Cache folder of built tables: ``$MRIO_CITY_CACHE`` or ``~/.cache/mrio-city``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "mrio-city"


def _recipe_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in tables_dirs():
        if d.is_dir():
            for f in sorted(d.glob("*.toml")):
                found.setdefault(f.stem, f)
    return found


def list_tables() -> dict[str, str]:
    """Known recipe names and their descriptions, sorted by name.

    Recipes that fail to parse are listed with a description starting ``'INVALID RECIPE: '``.
    """
    out: dict[str, str] = {}
    for name, path in sorted(_recipe_files().items()):
        try:
            out[name] = load_recipe(path).description
        except MrioCityError as exc:
            out[name] = f"INVALID RECIPE: {exc}"
    return out


def _build(recipe: Recipe, *, progress: bool) -> BaseTable:
    data = recipe.data
    path = recipe.path
    if recipe.kind == "generator":
        gen_reader = recipe_reader(path, data["generator"], "generator")
        gen = generator_of(gen_reader)
        kwargs = generator_parameters(path, gen_reader)
        try:
            return gen.build(**kwargs, name=recipe.name, progress=progress)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, MrioCityError):
                raise
            raise TableFormatError(
                f"recipe {path}: generator {gen.name} rejected its parameters: {exc}"
            ) from None
    spec = inline_arguments(path, recipe_reader(path, data["table"], "table"))
    meta = TableMetadata(
        name=recipe.name,
        description=recipe.description,
        provenance={"recipe": str(recipe.path), "recipe_key": recipe.key},
        **data.get("meta", {}),
    )
    try:
        return MRIOTable(**spec, meta=meta)
    except TableValidationError as exc:
        raise type(exc)(f"recipe {path}: {exc}") from None


def _read_folder(path: Path) -> BaseTable:
    from mrio_city.io.folder import read_table

    return read_table(path)


def _write_cache(table: BaseTable, final: Path) -> None:
    """Write ``table`` to ``final``; ``write_table`` renames a complete folder into place."""
    from mrio_city.io.folder import write_table

    write_table(table, final, overwrite=True)


@contextlib.contextmanager
def _cache_lock(final: Path) -> Iterator[bool]:
    """Hold the lock file of one cache entry; yields False when the cache is not writable.

    Builders of the same entry wait for each other (``fcntl.flock``; where locks are not
    available, they build side by side and the atomic rename keeps the entry whole), so one
    builds and the others read its result.  While
    the lock is held, temporary folders left by killed builds of this entry are removed.
    """
    lock_path = final.parent / f".{final.name}.lock"
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+b")  # noqa: SIM115 - closed in finally
    except OSError:
        yield False
        return
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            fcntl = None
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            except OSError:  # a file system without locks: build without waiting
                pass
        for stale in final.parent.glob(f".{final.name}.*"):
            if stale.suffix in (".tmp", ".old") and stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        yield True
    finally:
        handle.close()


def _read_cached(final: Path) -> BaseTable | None:
    if not final.is_dir():
        return None
    try:
        return _read_folder(final)
    except MrioCityError as exc:
        warnings.warn(f"cached table {final} is unreadable ({exc}); rebuilding it", stacklevel=4)
        return None


def _load_recipe_table(
    recipe: Recipe, *, cache_dir: str | os.PathLike[str] | None, rebuild: bool, progress: bool
) -> BaseTable:
    if recipe.kind == "inline":
        return _build(recipe, progress=progress)
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    final = root / f"{recipe.name}-{recipe.key[:16]}"
    if not rebuild and (cached := _read_cached(final)) is not None:
        return cached
    with _cache_lock(final) as writable:
        if not rebuild and writable and (cached := _read_cached(final)) is not None:
            return cached  # another process built it while this one waited for the lock
        table = _build(recipe, progress=progress)
        if not writable:
            warnings.warn(
                f"table cache {root} is not writable; {recipe.name!r} was built in memory and "
                "not cached",
                stacklevel=3,
            )
            return table
        try:
            _write_cache(table, final)
        except OSError as exc:  # read-only or full cache: the table in memory is still good
            warnings.warn(
                f"could not cache {recipe.name!r} in {root} ({exc.strerror or exc}); the table "
                "was built in memory and is returned uncached",
                stacklevel=3,
            )
    return table


def table_reference(ref: Any, *, root: str | os.PathLike[str], source: str) -> str | Path:
    """Resolve a table named inside a file (a scenario): a known name, or a path under ``root``.

    Parameters
    ----------
    ref : Any
        The value written in the file (e.g. ``scenario.table``).
    root : str or PathLike
        Folder the path must stay inside (the folder of the file that names it).
    source : str
        File and key for messages, e.g. ``'run.toml: scenario.table'``.

    Returns
    -------
    str or pathlib.Path
        The name (when it is a known table name) or the confined, resolved path.

    Raises
    ------
    TableNotFoundError
        If ``ref`` is not a string, is absolute or leaves ``root`` (``..``, symbolic links).
    """
    if isinstance(ref, str) and ref in _recipe_files() and not (Path(root) / ref).exists():
        return ref
    return path_inside(root, ref, what=source, error=TableNotFoundError)


def load_table(
    name_or_path: str | os.PathLike[str],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    rebuild: bool = False,
    progress: bool = False,
) -> BaseTable:
    """Load a table by folder path, recipe path or recipe name (see the module docstring).

    Parameters
    ----------
    name_or_path : str or PathLike
        A table folder, a ``*.toml`` recipe file, or a recipe name such as
        ``'china-309-synthetic'`` or ``'toy-cities'`` (see :func:`list_tables`).
    cache_dir : str or PathLike, optional
        Cache folder of built tables; default ``$MRIO_CITY_CACHE`` or ``~/.cache/mrio-city``.
    rebuild : bool, default=False
        Build a generated table again and overwrite its cache entry.
    progress : bool, default=False
        Show progress while building.

    Returns
    -------
    MRIOTable or StructuredMRIOTable

    Raises
    ------
    TableNotFoundError
        If nothing matches; the message lists the known table names.
    TableFormatError
        If a recipe or a table folder is malformed.
    """
    path = Path(name_or_path).expanduser()
    files = _recipe_files()
    name = str(name_or_path)
    bare = isinstance(name_or_path, str) and not any(s in name for s in ("/", "\\", os.sep))
    if name in files and bare:
        # a registered name wins over a same-named folder of the working directory
        if path.is_dir():
            warnings.warn(
                f"{path.resolve()} has the name of the registered table {name!r}; loading the "
                f"registered table (pass './{name}' to read that folder)",
                stacklevel=2,
            )
        return _load_recipe_table(
            load_recipe(files[name]), cache_dir=cache_dir, rebuild=rebuild, progress=progress
        )
    if path.is_dir():
        return _read_folder(path)
    if path.is_file():
        if path.suffix != ".toml":
            raise TableNotFoundError(
                f"table {str(name_or_path)!r}: {path} is a file, not a table folder or a .toml "
                "recipe"
            )
        return _load_recipe_table(
            load_recipe(path), cache_dir=cache_dir, rebuild=rebuild, progress=progress
        )
    if name.endswith(".toml") or any(sep in name for sep in {"/", "\\", os.sep, "~"}):
        raise TableNotFoundError(f"table {name!r}: {path} does not exist")
    if not files:
        raise TableNotFoundError(
            f"unknown table {name!r}: no table recipes found in "
            f"{', '.join(str(d) for d in tables_dirs())}; give a table folder instead"
        )
    raise TableNotFoundError(
        f"unknown table {name!r}{did_you_mean(name, files)}; known tables: "
        f"{', '.join(sorted(files))} (or give a table folder or a .toml recipe)"
    )
