"""Scenario specifications: dataclasses, TOML reading and validation with key paths.

A scenario file (TOML, see ``docs/scenarios.md``) is read by :meth:`Scenario.from_file` into
frozen dataclasses.  Every key is checked, and every error is a
:class:`~mrio_city.model.errors.ScenarioSpecError` naming the file and the key path, e.g.::

    super_emitters.toml: pathways.industrial.levers[1].sector: 'Steeel' is not a sector of
    china-309-synthetic; did you mean 'Steel'?

The parts (rule, typology, pathways and levers, quota, living standard) and their readers are
in :mod:`mrio_city.scenarios.spec_parts` (import them from there; the pathways and levers
are read by :mod:`mrio_city.scenarios.spec_levers`).  Unknown keys are rejected
with a did-you-mean.  Labels (sectors, cities, categories, the
stressor) are checked against a table by :meth:`Scenario.validate` (called by
:func:`mrio_city.scenarios.run_scenario` before any work).
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import ScenarioSpecError
from mrio_city.model.reader import did_you_mean
from mrio_city.scenarios import defaults
from mrio_city.scenarios._reader import _get_path, _Reader, set_key_path
from mrio_city.scenarios.spec_levers import read_pathway
from mrio_city.scenarios.spec_parts import (
    LivingStandardSpec,
    PathwaySpec,
    QuotaSpec,
    SuperEmitterRule,
    TypologySpec,
    read_living,
    read_quota,
    read_rule,
    read_typology,
)

__all__ = ["Scenario"]


@dataclass(frozen=True)
class Scenario:
    """A super-emitter mitigation scenario (see ``docs/scenarios.md``).

    Build with :meth:`from_file` or :meth:`from_dict`; ``raw`` keeps the parsed document so
    parameter sweeps can change any key path (:func:`set_key_path`).  ``table`` is only the
    name the file suggests to the command line (which resolves it); the library functions take
    a table or a :class:`~mrio_city.scenarios.run.Baseline`.
    """

    name: str
    description: str
    table: str | None
    stressor: str | None
    target_year: int
    super_emitter: SuperEmitterRule
    typology: TypologySpec
    pathways: tuple[PathwaySpec, ...]
    quota: QuotaSpec
    living_standard: LivingStandardSpec
    source: str = "<dict>"
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, table: BaseTable | None = None) -> Scenario:
        """Read and validate a TOML scenario file.

        Parameters
        ----------
        path : str or PathLike
        table : MRIOTable or StructuredMRIOTable, optional
            Check sectors, cities, categories and the stressor against this table too.

        Returns
        -------
        Scenario

        Raises
        ------
        ScenarioSpecError
            Naming the file and key path; also for TOML syntax errors.
        FileNotFoundError
            If the file does not exist.
        """
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"scenario file {str(p)!r} does not exist")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioSpecError(f"{p.name}: invalid TOML: {exc}") from None
        return cls.from_dict(data, source=p.name, table=table)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, source: str = "<dict>", table: BaseTable | None = None
    ) -> Scenario:
        """Validate a parsed scenario document (same layout as the TOML file).

        Parameters
        ----------
        data : mapping
        source : str, default='<dict>'
            Name used in error messages (the file name).
        table : MRIOTable or StructuredMRIOTable, optional
            Also validate labels against this table.

        Returns
        -------
        Scenario
        """
        top = _Reader(
            source,
            data,
            "",
            ("scenario", "super_emitter", "typology", "pathways", "quota", "living_standard"),
        )
        sc = _Reader(
            source,
            data.get("scenario", {}),
            "scenario",
            ("name", "description", "table", "stressor", "target_year"),
        )
        if not top.has("pathways"):
            top.fail("pathways", "missing: give at least one [pathways.NAME] table")
        pw = data["pathways"]
        if not isinstance(pw, Mapping) or not pw:
            top.fail("pathways", f"expected a non-empty table of pathways, got {pw!r}")
        year = defaults.DEFAULTS["scenario.target_year"].value
        scenario = cls(
            name=sc.string("name", Path(source).stem if source != "<dict>" else "scenario"),
            description=sc.string("description", ""),
            table=sc.string("table", None),
            stressor=sc.string("stressor", None),
            target_year=int(sc.number("target_year", year, low=1900, integer=True)),
            super_emitter=read_rule(source, data.get("super_emitter", {})),
            typology=read_typology(source, data.get("typology", {})),
            pathways=tuple(read_pathway(source, name, body) for name, body in pw.items()),
            quota=read_quota(source, data.get("quota", {})),
            living_standard=read_living(source, data.get("living_standard", {})),
            source=source,
            raw=copy.deepcopy(dict(data)),
        )
        if table is not None:
            scenario.validate(table)
        return scenario

    # -- validation against a table ----------------------------------------------------------
    def validate(self, table: BaseTable) -> Scenario:
        """Check labels against a table; return self.

        Raises
        ------
        ScenarioSpecError
            For a sector, city, category or stressor the table does not have.
        """
        src = self.source

        def check(values, labels, path: str, what: str) -> None:
            for v in values or ():
                if v not in labels:
                    raise ScenarioSpecError(
                        f"{src}: {path}: {v!r} is not a {what} of {table.name}"
                        f"{did_you_mean(v, list(labels))}"
                    )

        check(
            [self.stressor] if self.stressor else [],
            table.stressors,
            "scenario.stressor",
            "stressor",
        )
        sectors, cities, cats = list(table.sectors), list(table.cities), list(table.categories)
        for pw in self.pathways:
            for lv in pw.levers:
                one = (
                    lv.sectors is not None
                    and len(lv.sectors) == 1
                    and _wrote_single(self.raw, lv.path, "sector")
                )
                check(lv.sectors, sectors, f"{lv.path}.{'sector' if one else 'sectors'}", "sector")
                one_in = lv.input_sectors is not None and _wrote_single(
                    self.raw, lv.path, "input_sector"
                )
                check(
                    lv.input_sectors,
                    sectors,
                    f"{lv.path}.{'input_sector' if one_in else 'input_sectors'}",
                    "sector",
                )
                check(lv.shift_to, sectors, f"{lv.path}.shift_to", "sector")
                check(lv.categories, cats, f"{lv.path}.categories", "final-demand category")
                if isinstance(lv.cities, tuple):
                    check(lv.cities, cities, f"{lv.path}.cities", "city")
                if (
                    lv.type == "electricity"
                    and lv.sectors is None
                    and not any("electric" in str(s).lower() for s in sectors)
                ):
                    raise ScenarioSpecError(
                        f"{src}: {lv.path}: table {table.name} has no sector whose label "
                        "contains 'Electricity'; name the power sector(s) with 'sectors'"
                    )
        return self

    # -- helpers ------------------------------------------------------------------------------
    def with_values(self, values: Mapping[str, Any], *, table: BaseTable | None = None) -> Scenario:
        """Return a new scenario with key paths of the document replaced (for sweeps).

        Parameters
        ----------
        values : mapping of str to value
            Dotted key paths such as ``'super_emitter.threshold'`` or
            ``'pathways.industrial.levers[0].cut'`` -> new value.
        table : optional
            Validate against this table.
        """
        data = copy.deepcopy(dict(self.raw))
        for key, value in values.items():
            set_key_path(data, key, value, source=self.source)
        return Scenario.from_dict(data, source=self.source, table=table)


def _wrote_single(raw: Mapping[str, Any], lever_path: str, key: str) -> bool:
    try:
        node = _get_path(raw, lever_path)
    except (KeyError, IndexError, TypeError):
        return False
    return isinstance(node, Mapping) and key in node
