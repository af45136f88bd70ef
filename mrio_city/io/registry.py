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

A recipe is a TOML file, and it is data: nothing in it is imported, evaluated or called.  It
has ``kind = "generator"`` (``[generator] function`` = the name of one of the package's own
builders in :data:`GENERATORS`, with ``[generator.parameters]`` checked against that
builder's schema: types, ranges, choices and a size limit) or ``kind = "inline"`` (small
tables held as arrays of numbers in a ``[table]`` section, plus optional ``[meta]``), and a
``description``.  Threat model and checks: ``docs/security.md``.

Generated tables are cached in the folder format under the cache folder (``cache_dir``, else
``$MRIO_CITY_CACHE``, else ``~/.cache/mrio-city/``), one sub-folder per recipe named
``<name>-<key>`` where the key hashes the parsed recipe and the package version (not the input
data files a generator may read: pass ``rebuild=True`` after changing them); the second load
reads the cache. Cache writes are atomic (a complete folder is renamed into place). Inline
recipes are built in memory every time (they are tiny) and never cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tomllib
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mrio_city._resources import shipped
from mrio_city.model.errors import (
    MrioCityError,
    TableFormatError,
    TableNotFoundError,
    TableValidationError,
)
from mrio_city.model.labels import did_you_mean
from mrio_city.model.reader import DocumentReader, found, number_problem, path_inside
from mrio_city.model.table import BaseTable, MRIOTable, TableMetadata

__all__ = [
    "load_table",
    "list_tables",
    "load_recipe",
    "table_reference",
    "tables_dirs",
    "default_cache_dir",
    "Recipe",
    "GENERATORS",
    "Generator",
    "Parameter",
    "TABLES_ENV",
    "CACHE_ENV",
]

#: Environment variable with extra recipe folders (``os.pathsep``-separated, searched first).
TABLES_ENV = "MRIO_CITY_TABLES"
#: Environment variable overriding the cache folder of built tables.
CACHE_ENV = "MRIO_CITY_CACHE"


@dataclass(frozen=True)
class Parameter:
    """One parameter a recipe may give a generator: its type and allowed values.

    Attributes
    ----------
    kind : {'integer', 'number', 'string', 'number_map'}
        TOML type: an integer, a number (integer or float), a string, or a table mapping
        labels to numbers.
    low, high : float, optional
        Inclusive range of a number (of every value of a number map).
    choices : tuple, optional
        Allowed values of a string or integer.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Generator:
    """A table builder of the package that recipes may name (:data:`GENERATORS`).

    Attributes
    ----------
    name : str
        The name recipes use (``[generator] function = "<name>"``).
    build : callable
        Called as ``build(name=..., progress=..., **parameters)``; imports the package's
        builder itself (nothing named by a file is imported).
    parameters : mapping of str to Parameter
        Every parameter a recipe may set; any other key is an error.
    limit : callable, optional
        Cross-parameter check of the validated parameters: returns a message when the
        combination is too large or inconsistent, else None.
    aliases : tuple of str
        Older spellings accepted for ``function`` (exact strings, never imported).
    """

    name: str
    build: Callable[..., BaseTable]
    parameters: Mapping[str, Parameter]
    limit: Callable[[Mapping[str, Any]], str | None] | None = None
    aliases: tuple[str, ...] = ()


def _city_mrio(**kwargs: Any) -> BaseTable:
    from mrio_city.sources import synthetic as synth

    return synth.city_mrio(**kwargs)


def _china_cities(**kwargs: Any) -> BaseTable:
    from mrio_city.sources import regionalize

    return regionalize.build_china_cities(**kwargs)


#: Largest number of trade-share entries (sectors x cities x partners) a synthetic recipe may
#: ask for: 5e7 float64 values = 400 MB (the 309 x 42 default needs 4e6; 2,800 counties x 42
#: sectors with 20 partners 2.5e6).
MAX_SHARE_ENTRIES = 50_000_000


def _city_mrio_limit(p: Mapping[str, Any]) -> str | None:
    cities, sectors = p.get("n_cities", 309), p.get("n_sectors", 42)
    partners = p.get("n_partners")
    width = cities if partners is None else min(partners + 1, cities)
    entries = sectors * cities * width
    if entries > MAX_SHARE_ENTRIES:
        return (
            f"n_sectors x n_cities x trade partners = {entries:,} trade shares is above the "
            f"limit of {MAX_SHARE_ENTRIES:,} (set n_partners for large tables)"
        )
    return None


#: The builders a recipe may name, by name.  Nothing else is ever built from a recipe: a
#: recipe is data (a name from this registry and parameters checked against its schema).
GENERATORS: dict[str, Generator] = {
    g.name: g
    for g in (
        Generator(
            "city_mrio",
            _city_mrio,
            {
                "n_cities": Parameter("integer", 1, 20_000),
                "n_sectors": Parameter("integer", 1, 200),
                "seed": Parameter("integer", 0, 2**32 - 1),
                "n_provinces": Parameter("integer", 1, 31),
                "n_partners": Parameter("integer", 1, 1_000),
            },
            limit=_city_mrio_limit,
            aliases=("mrio_city.sources.synthetic:city_mrio",),
        ),
        Generator(
            "china_cities",
            _china_cities,
            {
                "year": Parameter("integer", choices=(2012, 2017)),
                "intermediate_method": Parameter("string", choices=("aflq", "flq", "charm")),
                "delta": Parameter("number", 0.0, 1.0),
                "distance_decay": Parameter("number_map", 0.0, 10.0),
                "decay_scale": Parameter("number", 0.0, 10.0),
                "household_proxy": Parameter("string", choices=("retail_sales", "gdp_elasticity")),
                "income_elasticity": Parameter("number", 0.0, 5.0),
                "provincial_gdp_vintage": Parameter(
                    "string", choices=("vintage2018", "vintage2024", "vintage2025")
                ),
            },
            aliases=("mrio_city.sources.regionalize:build_china_cities",),
        ),
    )
}
#: Largest recipe file read (bytes): inline tables are meant to be small.
MAX_RECIPE_BYTES = 16 * 2**20
_TOP_KEYS = ("name", "kind", "description", "generator", "table", "meta")
_LABEL_KEYS = (
    "cities",
    "sectors",
    "categories",
    "stressors",
    "export_labels",
    "value_added_labels",
)
_ARRAY_NDIM = {
    "Z": 2,
    "Y": 2,
    "F": 2,
    "F_Y": 2,
    "exports": 2,
    "value_added": 2,
    "x": 1,
    "population": 1,
    "gdp": 1,
}
_INLINE_KEYS = (*_ARRAY_NDIM, *_LABEL_KEYS, "units")
_INLINE_REQUIRED = ("Z", "Y", "F", "cities", "sectors", "categories", "stressors")
_META_KEYS = ("year", "currency", "money_unit")


@dataclass(frozen=True)
class Recipe:
    """A parsed table recipe.

    Attributes
    ----------
    name : str
        Table name (the file stem).
    path : Path
        The recipe file.
    kind : {'generator', 'inline'}
    description : str
    data : dict
        The whole parsed TOML document.
    """

    name: str
    path: Path
    kind: str
    description: str
    data: dict[str, Any]

    @property
    def key(self) -> str:
        """Cache key: sha256 of the parsed recipe and the package version (hex)."""
        from mrio_city._version import __version__

        doc = json.dumps({"recipe": self.data, "version": __version__}, sort_keys=True, default=str)
        return hashlib.sha256(doc.encode()).hexdigest()


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


def _reader(path: Path, data: Any, key: str = "", allowed=None) -> DocumentReader:
    return DocumentReader(f"recipe {path}", data, key, allowed, error=TableFormatError)


def load_recipe(path: str | os.PathLike[str]) -> Recipe:
    """Parse and check a recipe file (it is data: nothing in it is imported or called).

    Raises
    ------
    TableFormatError
        Naming the file and the key when the TOML is invalid, a key is missing, unknown or of
        the wrong type, the generator is not one of :data:`GENERATORS` or a parameter is
        outside its range.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TableNotFoundError(f"recipe {path}: cannot be read ({exc.strerror})") from None
    if size > MAX_RECIPE_BYTES:
        raise TableFormatError(
            f"recipe {path}: {size:,} bytes is above the {MAX_RECIPE_BYTES:,}-byte limit of a "
            "recipe; store large tables as a table folder"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TableFormatError(f"recipe {path}: invalid TOML: {exc}") from None
    top = _reader(path, data, "", _TOP_KEYS)
    name = top.string("name", path.stem)
    if name != path.stem:
        raise TableFormatError(
            f"recipe {path}: key 'name' = {name!r} must equal the file name {path.stem!r}"
        )
    kind = data.get("kind")
    if kind not in ("generator", "inline"):
        raise TableFormatError(
            f"recipe {path}: key 'kind' must be 'generator' or 'inline', got {kind!r}"
        )
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise TableFormatError(f"recipe {path}: key 'description' (a non-empty string) missing")
    if kind == "generator":
        _check_generator(path, top.table("generator", ("function", "parameters"), required=True))
    else:
        _check_inline(path, top.table("table", _INLINE_KEYS, required=True))
        meta = top.table("meta", _META_KEYS)
        meta.number("year", None, low=1900, high=2200, integer=True)
        meta.string("currency")
        meta.string("money_unit")
    return Recipe(name=name, path=path, kind=kind, description=description.strip(), data=data)


def _generator(reader: DocumentReader) -> Generator:
    """The registered generator a recipe names (matched as a string, never imported)."""
    function = reader.data.get("function")
    for gen in GENERATORS.values():
        if function == gen.name or function in gen.aliases:
            return gen
    reader.fail(
        "function",
        f"expected the name of a table generator of the package, one of {sorted(GENERATORS)}, "
        f"got {function!r} (recipes name a generator; they cannot name code)",
    )


def _check_generator(path: Path, gen_reader: DocumentReader) -> dict[str, Any]:
    """Validate ``[generator]`` against the generator's schema; return the parameters."""
    gen = _generator(gen_reader)
    params = gen_reader.table("parameters", tuple(gen.parameters))
    out: dict[str, Any] = {}
    for key, spec in gen.parameters.items():
        if not params.has(key):
            continue
        if spec.kind in ("integer", "number"):
            value = params.number(key, low=spec.low, high=spec.high, integer=spec.kind == "integer")
            if spec.choices is not None and value not in spec.choices:
                params.fail(key, f"{value!r} is not one of {', '.join(map(repr, spec.choices))}")
        elif spec.kind == "string":
            value = params.string(key, choices=spec.choices)
        else:  # number_map
            sub = params.table(key)
            value = {k: sub.number(k, low=spec.low, high=spec.high) for k in sub.data}
        out[key] = value
    if gen.limit is not None:
        problem = gen.limit(out)
        if problem:
            params.fail(None, problem)
    return out


def _number_array(reader: DocumentReader, key: str, ndim: int) -> np.ndarray:
    """A rectangular array of numbers (never text or booleans) of ``ndim`` dimensions."""
    value = reader.data[key]
    rows = value if ndim == 2 else [value]
    if not isinstance(value, list) or not all(isinstance(r, list) for r in rows):
        reader.fail(key, f"expected a {ndim}-dimensional array of numbers, got {found(value)}")
    width = len(rows[0]) if rows else 0
    for i, row in enumerate(rows):
        if len(row) != width:
            reader.fail(key, f"row {i} has {len(row)} values, expected {width} (as row 0)")
        for j, v in enumerate(row):
            problem = number_problem(v)
            if problem:
                at = f"[{i}][{j}]" if ndim == 2 else f"[{j}]"
                reader.fail(f"{key}{at}", problem)
    return np.array(value, dtype=np.float64).reshape((len(rows), width) if ndim == 2 else -1)


def _check_inline(path: Path, table: DocumentReader) -> dict[str, Any]:
    """Validate ``[table]`` of an inline recipe; return the constructor arguments."""
    table.require(*_INLINE_REQUIRED)
    out: dict[str, Any] = {}
    for key in _LABEL_KEYS:
        if table.has(key):
            out[key] = list(table.string_list(key))
    if table.has("units"):
        out["units"] = table.string_map("units")
    for key, ndim in _ARRAY_NDIM.items():
        if table.has(key):
            out[key] = _number_array(table, key, ndim)
    return out


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
        gen_reader = _reader(path, data["generator"], "generator")
        gen = _generator(gen_reader)
        kwargs = _check_generator(path, gen_reader)
        try:
            return gen.build(**kwargs, name=recipe.name, progress=progress)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, MrioCityError):
                raise
            raise TableFormatError(
                f"recipe {path}: generator {gen.name} rejected its parameters: {exc}"
            ) from None
    spec = _check_inline(path, _reader(path, data["table"], "table"))
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
