"""Reading a scenario file's pathways and their levers (into :mod:`.spec_parts` dataclasses).

:func:`read_pathway` checks the ``[pathways.NAME]`` table (its ``when`` against the typology
axes) and each lever (type, cities, strength) through the shared reader, raising
:class:`~mrio_city.model.errors.ScenarioSpecError` naming the file and the key path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mrio_city.model.errors import ScenarioSpecError
from mrio_city.model.reader import did_you_mean, typename
from mrio_city.scenarios._reader import _Reader
from mrio_city.scenarios.catalogue import COMMON_KEYS, LEVERS, lever_label
from mrio_city.scenarios.spec_parts import AXIS_VALUES, LEVER_TYPES, LeverSpec, PathwaySpec

__all__ = ["read_pathway"]


def read_pathway(source: str, name: str, body: Any) -> PathwaySpec:
    """The ``[pathways.NAME]`` table ``name`` and its levers."""
    path = f"pathways.{name}"
    r = _Reader(source, body, path, ("when", "levers"))
    when: dict[str, tuple[str, ...]] = {}
    if r.has("when"):
        w = _Reader(source, body["when"], f"{path}.when", tuple(AXIS_VALUES))
        for axis, allowed in AXIS_VALUES.items():
            vals = w.strings(axis)
            if vals is None:
                continue
            for v in vals:
                if v not in allowed:
                    w.fail(
                        axis,
                        f"{v!r} is not one of {', '.join(map(repr, allowed))}"
                        f"{did_you_mean(v, allowed)}",
                    )
            when[axis] = vals
    levers_raw = body.get("levers", [])
    if not isinstance(levers_raw, list):
        r.fail("levers", f"expected an array of tables, got {typename(levers_raw)}")
    kinds = [
        (lv.get("type"), str(lv.get("cities", "self"))) if isinstance(lv, Mapping) else None
        for lv in levers_raw
    ]
    levers = tuple(
        _read_lever(source, f"{path}.levers[{i}]", name, i, lv, kinds.count(kinds[i]) > 1)
        for i, lv in enumerate(levers_raw)
    )
    return PathwaySpec(name=name, when=when, levers=levers)


def _lever_kind(source: str, path: str, data: Any) -> str:
    if not isinstance(data, Mapping):
        raise ScenarioSpecError(f"{source}: {path}: expected a table, got {typename(data)}")
    kind = data.get("type")
    if kind is None:
        raise ScenarioSpecError(
            f"{source}: {path}.type: missing (one of {', '.join(map(repr, LEVER_TYPES))})"
        )
    if not isinstance(kind, str) or kind not in LEVER_TYPES:
        raise ScenarioSpecError(
            f"{source}: {path}.type: {kind!r} is not one of "
            f"{', '.join(map(repr, LEVER_TYPES))}"
            f"{did_you_mean(str(kind), list(LEVER_TYPES))}"
        )
    return kind


def _lever_cities(r: _Reader, kind: str) -> str | tuple[str, ...]:
    cities: str | tuple[str, ...] = "self"
    if r.has("cities"):
        v = r.data["cities"]
        if isinstance(v, str):
            if v not in ("self", "suppliers"):
                r.fail(
                    "cities", f"expected 'self', 'suppliers' or an array of city names, got {v!r}"
                )
            cities = v
        else:
            cities = r.strings("cities")
    if r.has("top_suppliers") and cities != "suppliers":
        r.fail("top_suppliers", "only used with cities = 'suppliers'")
    if LEVERS[kind].side != "production" and cities == "suppliers":
        r.fail(
            "cities",
            f"'suppliers' is only available for intensity and electricity levers, not {kind!r}",
        )
    return cities


def _lever_strength(r: _Reader, kind: str) -> tuple[float | None, float | None, Any, float]:
    cut = r.number("cut", None, low=0, high=1)
    pct = r.number("to_percentile", None, low=0, high=100) if r.has("to_percentile") else None
    bench = None
    if r.has("to_benchmark"):
        bench = r.data["to_benchmark"]
        if bench != "threshold":
            bench = r.number("to_benchmark", None, low=0, low_open=True)
    given = [
        k
        for k, v in (("cut", cut), ("to_percentile", pct), ("to_benchmark", bench))
        if v is not None
    ]
    if len(given) != 1:
        options = ["cut"] + [k for k in ("to_percentile", "to_benchmark") if k in LEVER_TYPES[kind]]
        what = "missing" if not given else f"got {' and '.join(given)}"
        r.fail(None, f"give exactly one of {', '.join(options)} ({what})")
    gap = r.number("gap_closed", 1.0, low=0, high=1)
    if r.has("gap_closed") and cut is not None:
        r.fail("gap_closed", "only used with to_percentile or to_benchmark (a cut is a cut)")
    return cut, pct, bench, gap


def _read_lever(
    source: str, path: str, pathway: str, i: int, data: Any, repeated: bool = False
) -> LeverSpec:
    kind = _lever_kind(source, path, data)
    r = _Reader(source, data, path, COMMON_KEYS + LEVER_TYPES[kind])
    cities = _lever_cities(r, kind)
    top = r.number("top_suppliers", 10, low=1, integer=True)
    cut, pct, bench, gap = _lever_strength(r, kind)
    shift = r.strings("shift_to") if kind == "final_demand" else None
    if shift is not None and bench is not None:
        r.fail("shift_to", "cannot be combined with to_benchmark")
    label = r.string("label", lever_label(pathway, kind, cities, i, repeated))
    return LeverSpec(
        type=kind,
        path=path,
        label=label,
        cities=cities,
        top_suppliers=top,
        sectors=r.strings("sectors", single="sector"),
        input_sectors=(
            r.strings("input_sectors", single="input_sector") if kind == "technology" else None
        ),
        categories=r.strings("categories") if kind == "final_demand" else None,
        shift_to=shift,
        cut=cut,
        to_percentile=pct,
        to_benchmark=bench,
        gap_closed=gap,
        households_direct=r.boolean("households_direct", True),
    )
