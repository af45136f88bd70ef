"""The draws folder of a Monte Carlo run: whole parquet parts, resume and the run record.

Each part is written to a temporary file and renamed (:func:`write_part`), so a run that dies
leaves only whole parts; :func:`completed_draws` lists the draws already written and
:func:`claim_folder` refuses a folder holding draws of a run with another :func:`run_record`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mrio_city.analyses.uncertainty.draws import UncertaintySpec
from mrio_city.model.base_table import BaseTable
from mrio_city.model.errors import OutputFolderError
from mrio_city.model.fingerprint import table_hash

__all__ = [
    "DRAW_STREAMS",
    "claim_folder",
    "draws_to_do",
    "completed_draws",
    "read_draws",
    "remove_stale_parts",
    "run_record",
    "write_part",
]

_PART = re.compile(r"part-(\d+)-(\d+)\.parquet$")


def write_part(folder: Path, indices: Sequence[int], frame: pd.DataFrame) -> Path:
    """Write the draws ``indices`` as one whole part (a temporary file in ``folder``, renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"part-{min(indices):07d}-{max(indices):07d}.parquet"
    tmp = folder / f".{final.name}.{os.getpid()}.tmp"
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, final)
    return final


def completed_draws(out: str | os.PathLike[str], part: str = "draws") -> set[int]:
    """Draws already written under ``out/<part>`` (whole parts only)."""
    folder = Path(out) / part
    done: set[int] = set()
    if folder.is_dir():
        for path in folder.glob("part-*.parquet"):
            done.update(pd.read_parquet(path, columns=["draw"])["draw"].unique().tolist())
    return done


def read_draws(
    out: str | os.PathLike[str], quantity: str | None = None, part: str = "draws"
) -> pd.DataFrame:
    """The long table of every written draw under ``out/<part>`` (optionally one quantity)."""
    folder = Path(out) / part
    filters = [("quantity", "==", quantity)] if quantity else None
    return pd.read_parquet(folder, filters=filters)


def remove_stale_parts(folder: Path) -> Path:
    """Delete a killed run's half-written parts (temporary files) in ``folder``; return it."""
    for stale in folder.glob(".part-*.tmp") if folder.is_dir() else []:
        stale.unlink()
    return folder


#: Version of the draw streams: a seed gives the same draws only within one version.
#: 2: technology and trade factors drawn in float32 (A-changing draws differ from version 1).
DRAW_STREAMS = 2
#: The run record beside the parts of a draws folder.
RUN_RECORD = "_run.json"  # pyarrow skips "_" files when reading the folder


def run_record(table: BaseTable, spec: UncertaintySpec, stressor: str, **more: Any) -> dict:
    """What identifies a Monte Carlo run: the draws of equal records are interchangeable.

    Parameters
    ----------
    table : MRIOTable or StructuredMRIOTable
    spec : UncertaintySpec
        Its settings, the seed included (not its source).
    stressor : str
    **more
        Further identity (JSON values), e.g. the scenario's document for scenario draws.

    Returns
    -------
    dict
        ``draw_streams``, ``table_hash``, ``uncertainty``, ``stressor`` and ``more``.
    """
    record = {
        "draw_streams": DRAW_STREAMS,
        "table_hash": table_hash(table),
        "uncertainty": spec.as_dict(),
        "stressor": str(stressor),
    }
    record.update(more)
    return json.loads(json.dumps(record, sort_keys=True, default=str))  # as stored


def claim_folder(folder: Path, record: Mapping[str, Any]) -> Path:
    """Make ``folder`` this run's: record a new one, check a resumed one; return it.

    Raises
    ------
    OutputFolderError
        When the folder holds draws of a run with another record (naming what differs), or
        draws with no record at all (written before records were kept).
    """
    path = folder / RUN_RECORD
    has_parts = folder.is_dir() and any(folder.glob("part-*.parquet"))
    if path.is_file():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise OutputFolderError(f"{path}: unreadable run record ({exc})") from exc
        if old != record:
            keys = sorted(k for k in set(old) | set(record) if old.get(k) != record.get(k))
            raise OutputFolderError(
                f"{folder}: holds draws of another run ({', '.join(keys)} differ); resume only "
                "with the same table and settings, or use a new --out"
            )
        return folder
    if has_parts:
        raise OutputFolderError(
            f"{folder}: holds draws without a run record ({RUN_RECORD}), so they cannot be "
            "checked against this run; use a new --out or delete the folder"
        )
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{RUN_RECORD}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return folder


def draws_to_do(
    out: str | os.PathLike[str], part: str, record: Mapping[str, Any], draws: int
) -> tuple[Path, list[int]]:
    """Open ``out/<part>`` for a run of ``draws`` draws: the folder and the draws still to do.

    A killed run's temporary files are removed (:func:`remove_stale_parts`), the folder is
    claimed for this run (:func:`claim_folder`: raises for another run's draws), and the
    draws already written whole (:func:`completed_draws`) are left out.
    """
    folder = claim_folder(remove_stale_parts(Path(out) / part), record)
    return folder, sorted(set(range(draws)) - completed_draws(out, part))
