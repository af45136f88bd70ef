"""Table recipes: TOML files naming one of the package's table builders, or small inline tables.

A recipe is data: nothing in it is imported, evaluated or called.  ``kind = "generator"``
names one of :data:`GENERATORS` (matched as a string) with parameters checked against that
builder's schema (types, ranges, choices, a size limit); ``kind = "inline"`` holds a small
table as arrays of numbers.  Every check goes through the shared reader
(:mod:`mrio_city.model.reader`), so errors name the recipe file and the key.
:mod:`mrio_city.io.registry` finds recipes by name, builds and caches them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import TableFormatError, TableNotFoundError
from mrio_city.model.reader import DocumentReader, found, number_problem
from mrio_city.model.schema import ARRAY_NDIM, LABEL_FIELDS

__all__ = [
    "Recipe",
    "load_recipe",
    "GENERATORS",
    "Generator",
    "Parameter",
    "MAX_RECIPE_BYTES",
    "MAX_SHARE_ENTRIES",
    "recipe_reader",
    "generator_of",
    "generator_parameters",
    "inline_arguments",
]


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
_LABEL_KEYS = LABEL_FIELDS
_ARRAY_NDIM = ARRAY_NDIM
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


def recipe_reader(path: Path, data: Any, key: str = "", allowed=None) -> DocumentReader:
    """The shared reader of one table of recipe ``path``, raising TableFormatError."""
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
    top = recipe_reader(path, data, "", _TOP_KEYS)
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
        generator_parameters(
            path, top.table("generator", ("function", "parameters"), required=True)
        )
    else:
        inline_arguments(path, top.table("table", _INLINE_KEYS, required=True))
        meta = top.table("meta", _META_KEYS)
        meta.number("year", None, low=1900, high=2200, integer=True)
        meta.string("currency")
        meta.string("money_unit")
    return Recipe(name=name, path=path, kind=kind, description=description.strip(), data=data)


def generator_of(reader: DocumentReader) -> Generator:
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


def generator_parameters(path: Path, gen_reader: DocumentReader) -> dict[str, Any]:
    """Validate ``[generator]`` against the generator's schema; return the parameters."""
    gen = generator_of(gen_reader)
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


def inline_arguments(path: Path, table: DocumentReader) -> dict[str, Any]:
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
