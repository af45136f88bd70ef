"""Writer of the spatial study: maps, hotspot and GWR tables, deficits, county shares.

Files in ``out_dir`` (each written atomically, through :func:`~mrio_city.exports.csvfiles.
write_csv`, :mod:`mrio_city.exports.maps` and :func:`~mrio_city.exports.files.
write_metadata_json`):

* ``map_cbf_per_capita.png`` and ``.html`` (offline): per-capita consumption-based footprint;
* ``hotspot_shares.csv`` and ``hotspots_<allocation>.png``: Gi* hotspots of production- and
  consumption-based emission densities;
* ``gwr_local.csv`` (local coefficients, t-values, local R^2), ``gwr_diagnostics.csv`` (GWR
  against OLS), ``gwr_coefficients.csv`` (summary of the local estimates beside OLS) and one
  map per local coefficient and of the local R^2 (``gwr_coef_<driver>.png``,
  ``gwr_local_R2.png``);
* ``deficits.csv`` with land use, ``counties.csv`` with the county census;
* ``metadata.json``: the run metadata under ``parts.spatial``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mrio_city.analyses.spatial.study import SpatialStudy

__all__ = ["write_spatial", "write_co2_per_capita_maps"]

_HOTSPOT_COLOURS = {"hotspot": "#c0392b", "coldspot": "#2471a3", "not significant": "#e5e5e5"}


def write_spatial(
    study: SpatialStudy,
    out_dir: str | os.PathLike[str],
    *,
    table=None,
    names: Mapping[str, str] | None = None,
    note: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write the files of a spatial study (see the module docstring).

    Parameters
    ----------
    study : SpatialStudy
        :func:`mrio_city.analyses.spatial.study.spatial_study`.
    out_dir : path-like
        Output folder (created if missing).
    table : BaseTable, optional
        The study's table, for the run metadata (name, hash) and the maps' note.
    names : mapping of str to str, optional
        City label -> name shown on hover in the HTML map.
    note : str, optional
        Source line under the static maps (default ``'table <name>'``).
    metadata : mapping, optional
        More switches for the run metadata (e.g. the land-use file).

    Returns
    -------
    list of pathlib.Path
        The files written, ``metadata.json`` last.
    """
    from mrio_city.exports.files import write_metadata_json
    from mrio_city.io.provenance import run_metadata

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if note is None:
        note = f"table {getattr(table, 'name', None) or 'unnamed'}"
    written = _footprint_maps(study, out, names=names, note=note)
    written += _hotspots(study, out, note=note)
    written += _tables(study, out)
    written += _gwr_maps(study, out)
    meta = run_metadata(table, analysis="spatial", **(metadata or {}), **study.parameters())
    written.append(write_metadata_json(out, meta, part="spatial"))
    return written


def _footprint_maps(study: SpatialStudy, out: Path, *, names, note: str) -> list[Path]:
    from mrio_city.exports.maps import plot_choropleth, write_choropleth_html

    unit = study.units[study.outcome]
    return [
        plot_choropleth(
            study.geo,
            study.outcome,
            out / f"map_{study.outcome}.png",
            unit=unit,
            title="人均消费碳足迹 consumption-based footprint per person",
            note=note,
        ),
        write_choropleth_html(
            study.geo,
            study.outcome,
            out / f"map_{study.outcome}.html",
            unit=unit,
            title="Consumption-based CO2 footprint per person",
            names=dict(names) if names is not None else None,
        ),
    ]


def _hotspots(study: SpatialStudy, out: Path, *, note: str) -> list[Path]:
    from mrio_city.exports.csvfiles import write_csv
    from mrio_city.exports.maps import plot_categories

    written = [
        write_csv(out / "hotspot_shares.csv", study.hotspot_shares.reset_index(), index=False)
    ]
    for name in study.allocations:
        written.append(
            plot_categories(
                study.geo,
                f"{name}_class",
                out / f"hotspots_{name}.png",
                colors=_HOTSPOT_COLOURS,
                title=f"Gi* hotspots of {name.replace('_', '-')} CO2 per km2",
                legend_title="Getis-Ord Gi*, p < 0.05 (number of cities)",
                note=note,
            )
        )
    return written


def _tables(study: SpatialStudy, out: Path) -> list[Path]:
    from mrio_city.exports.csvfiles import write_csv

    written = []
    if study.deficits is not None:
        written.append(write_csv(out / "deficits.csv", study.deficits.reset_index(), index=False))
    if study.counties is not None:
        written.append(write_csv(out / "counties.csv", study.counties.reset_index(), index=False))
    fit = study.gwr
    frames = {
        "gwr_local.csv": fit.table().rename_axis("city"),
        "gwr_diagnostics.csv": fit.diagnostics.rename_axis("model"),
        "gwr_coefficients.csv": fit.summary.assign(OLS=fit.ols_params).rename_axis("coefficient"),
    }
    for name, frame in frames.items():
        written.append(write_csv(out / name, frame.reset_index(), index=False))
    return written


def _gwr_maps(study: SpatialStudy, out: Path) -> list[Path]:
    from mrio_city.exports.maps import plot_choropleth

    written = []
    outcome_unit = study.units[study.outcome]
    for name in [*study.drivers, "local_R2"]:
        r2 = name == "local_R2"
        column = name if r2 else f"coef_{name}"
        written.append(
            plot_choropleth(
                study.local,
                column,
                out / f"gwr_{column}.png",
                unit="1" if r2 else f"{outcome_unit} per ({study.units.get(name, '')})",
                scheme="quantiles",
                cmap=_coefficient_cmap(study.local[column], name),
                title=f"GWR local {'R2' if r2 else 'coefficient of ' + name}",
                note=(
                    f"outcome {study.outcome}; adaptive bisquare, "
                    f"{study.gwr.bandwidth:g} neighbours"
                ),
            )
        )
    return written


def _coefficient_cmap(values, name: str) -> str:
    """Sequential colours for R2 or one-signed coefficients, diverging when signs differ."""
    if name == "local_R2":
        return "viridis"
    if (values > 0).all():
        return "Reds"
    if (values < 0).all():
        return "Blues_r"
    return "RdBu_r"


def write_co2_per_capita_maps(
    per_capita, boundaries, out_dir: str | os.PathLike[str], *, labels: str = "zh"
) -> list[Path]:
    """The demo's maps of CO2 per person, 2012: ``co2_per_capita_2012.png`` and ``.html``.

    Parameters
    ----------
    per_capita : Series
        t CO2 per person by census city code
        (:func:`mrio_city.analyses.spatial.study.per_capita_from_counties`).
    boundaries : GeoDataFrame
        The census city polygons (units without a value are drawn as "no data").
    out_dir : path-like
        Output folder.
    labels : {'zh', 'pinyin', 'code'}, default='zh'
        How the HTML map names the cities on hover.

    Returns
    -------
    list of pathlib.Path
        The PNG and the HTML file.
    """
    import warnings

    import pandas as pd

    from mrio_city.analyses.spatial.geometry import join_values
    from mrio_city.exports.maps import plot_choropleth, write_choropleth_html
    from mrio_city.model.names import display_names

    out = Path(out_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mapped = join_values(
            boundaries,
            per_capita.rename("co2_per_capita"),
            what="county CO2",
            keep_unmatched=True,
        )
    options = {
        "unit": "t CO2 per person",
        "title": "2012 年城市人均 CO2 排放 CO2 emissions per person, 2012",
    }
    note = "CO2: Chen et al. (2020) county inventory summed to cities; population: census 2010"
    codes = [str(c) for c in mapped.index]  # the units are labelled by census code here
    zh = boundaries["city"].reindex(codes).fillna(pd.Series(codes, index=codes))
    names = dict(zip(codes, display_names(zh.tolist(), labels, codes=codes)))
    return [
        plot_choropleth(
            mapped, "co2_per_capita", out / "co2_per_capita_2012.png", note=note, **options
        ),
        write_choropleth_html(
            mapped, "co2_per_capita", out / "co2_per_capita_2012.html", names=names, **options
        ),
    ]
