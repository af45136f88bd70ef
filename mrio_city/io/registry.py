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

A recipe is a TOML file with ``kind = "generator"`` (``[generator] function`` = a short name
of :data:`GENERATORS` or ``"mrio_city.<module>:<function>"``, never code outside the package,
with its ``[generator.parameters]``; ``name`` and ``progress`` are passed when accepted) or
``kind = "inline"`` (small tables held as arrays in a ``[table]`` section, plus optional
``[meta]``), and a ``description``.  Generated tables are cached in the folder format under the
cache folder (``cache_dir``, else ``$MRIO_CITY_CACHE``, else ``~/.cache/mrio-city/``), one
sub-folder per recipe named ``<name>-<key>`` where the key hashes the parsed recipe and the
package version (not the input data files a generator may read: pass ``rebuild=True`` after
changing them); the second load reads the cache.  Cache writes are atomic (a complete folder
is renamed into place).  Inline recipes are built in memory every time (they are tiny) and
never cached.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
import re
import tomllib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mrio_city._resources import shipped
from mrio_city.model.errors import MrioCityError, TableFormatError, TableNotFoundError
from mrio_city.model.table import BaseTable, MRIOTable, TableMetadata

__all__ = [
    "load_table",
    "list_tables",
    "load_recipe",
    "tables_dirs",
    "default_cache_dir",
    "Recipe",
    "GENERATORS",
    "TABLES_ENV",
    "CACHE_ENV",
]

#: Environment variable with extra recipe folders (``os.pathsep``-separated, searched first).
TABLES_ENV = "MRIO_CITY_TABLES"
#: Environment variable overriding the cache folder of built tables.
CACHE_ENV = "MRIO_CITY_CACHE"


def _city_mrio(**kwargs: Any) -> BaseTable:
    from mrio_city.sources import synthetic as synth

    return synth.city_mrio(**kwargs)


#: Short generator names a recipe may use (``[generator] function = "city_mrio"``).  Other
#: generators are named ``"mrio_city.<module>:<function>"``; nothing outside the package is
#: ever imported.
GENERATORS: dict[str, Callable[..., BaseTable]] = {"city_mrio": _city_mrio}
_DOTTED = re.compile(r"mrio_city(\.[A-Za-z_]\w*)+:[A-Za-z_]\w*")
_INLINE_KEYS = {
    "Z",
    "Y",
    "F",
    "cities",
    "sectors",
    "categories",
    "stressors",
    "units",
    "F_Y",
    "exports",
    "export_labels",
    "value_added",
    "value_added_labels",
    "x",
    "population",
    "gdp",
}
_ARRAY_KEYS = {"Z", "Y", "F", "F_Y", "exports", "value_added", "x", "population", "gdp"}
_META_KEYS = {"year", "currency", "money_unit"}


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


def load_recipe(path: str | os.PathLike[str]) -> Recipe:
    """Parse and check a recipe file.

    Raises
    ------
    TableFormatError
        Naming the file and the key when the TOML is invalid or a key is missing or wrong.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TableFormatError(f"recipe {path}: invalid TOML: {exc}") from None
    name = data.get("name", path.stem)
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
        gen = data.get("generator")
        function = gen.get("function") if isinstance(gen, dict) else None
        generator = _resolve_generator(path, function)
        params = gen.get("parameters", {})
        if not isinstance(params, dict):
            raise TableFormatError(f"recipe {path}: 'generator.parameters' must be a table")
        allowed = set(inspect.signature(generator).parameters) - {"name", "progress"}
        unknown = sorted(set(params) - allowed)
        if unknown:
            raise TableFormatError(
                f"recipe {path}: generator.parameters has unknown key(s) {unknown}; "
                f"{function} accepts {sorted(allowed)}"
            )
    else:
        table = data.get("table")
        if not isinstance(table, dict):
            raise TableFormatError(f"recipe {path}: section [table] missing")
        unknown = sorted(set(table) - _INLINE_KEYS)
        missing = sorted(
            {"Z", "Y", "F", "cities", "sectors", "categories", "stressors"} - set(table)
        )
        if unknown or missing:
            raise TableFormatError(
                f"recipe {path}: [table] has unknown key(s) {unknown} and misses {missing}; "
                f"allowed: {sorted(_INLINE_KEYS)}"
            )
        unknown_meta = sorted(set(data.get("meta", {})) - _META_KEYS)
        if unknown_meta:
            raise TableFormatError(
                f"recipe {path}: [meta] has unknown key(s) {unknown_meta}; allowed: "
                f"{sorted(_META_KEYS)}"
            )
    return Recipe(name=name, path=path, kind=kind, description=description.strip(), data=data)


def _resolve_generator(path: Path, function: object) -> Callable[..., BaseTable]:
    """The generator callable named by a recipe (its real function, for the signature)."""
    if function in GENERATORS:
        from mrio_city.sources import synthetic as synth

        return {"city_mrio": synth.city_mrio}[function]
    if not isinstance(function, str) or not _DOTTED.fullmatch(function):
        raise TableFormatError(
            f"recipe {path}: key 'generator.function' must be one of {sorted(GENERATORS)} or "
            f"'mrio_city.<module>:<function>', got {function!r}"
        )
    module, _, attr = function.partition(":")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise TableFormatError(
            f"recipe {path}: key 'generator.function' = {function!r} cannot be loaded: {exc}"
        ) from None
    if not callable(obj):
        raise TableFormatError(f"recipe {path}: generator.function {function!r} is not callable")
    return obj


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
    if recipe.kind == "generator":
        gen = data["generator"]
        function = gen["function"]
        real = _resolve_generator(recipe.path, function)
        generator = GENERATORS.get(function, real)  # short names look the function up late
        accepted = inspect.signature(real).parameters
        extra = {"name": recipe.name, "progress": progress}
        kwargs = {**gen.get("parameters", {}), **{k: v for k, v in extra.items() if k in accepted}}
        try:
            return generator(**kwargs)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, MrioCityError):
                raise
            raise TableFormatError(
                f"recipe {recipe.path}: generator {function} rejected its parameters: {exc}"
            ) from None
    spec = dict(data["table"])
    for key in _ARRAY_KEYS & set(spec):
        spec[key] = np.asarray(spec[key], dtype=np.float64)
    meta = TableMetadata(
        name=recipe.name,
        description=recipe.description,
        provenance={"recipe": str(recipe.path), "recipe_key": recipe.key},
        **data.get("meta", {}),
    )
    return MRIOTable(**spec, meta=meta)


def _read_folder(path: Path) -> BaseTable:
    from mrio_city.io.folder import read_table

    return read_table(path)


def _write_cache(table: BaseTable, final: Path) -> None:
    """Write ``table`` to ``final``; ``write_table`` renames a complete folder into place."""
    from mrio_city.io.folder import write_table

    write_table(table, final, overwrite=True)


def _load_recipe_table(
    recipe: Recipe, *, cache_dir: str | os.PathLike[str] | None, rebuild: bool, progress: bool
) -> BaseTable:
    if recipe.kind == "inline":
        return _build(recipe, progress=progress)
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    final = root / f"{recipe.name}-{recipe.key[:16]}"
    if final.is_dir() and not rebuild:
        try:
            return _read_folder(final)
        except MrioCityError as exc:
            warnings.warn(
                f"cached table {final} is unreadable ({exc}); rebuilding it", stacklevel=3
            )
    table = _build(recipe, progress=progress)
    _write_cache(table, final)
    return table


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
    known = ", ".join(sorted(files)) or "(none)"
    raise TableNotFoundError(
        f"unknown table {name!r}: not a table folder, a recipe file or a known table name; "
        f"known names: {known}"
    )
