"""One-region project tables from national IO tables: ``national_table(source, year)``.

* ``"nbs"``: the NBS table of the year (2012: 139 products, 2017: 149, 2018: 153), imports
  removed in proportion to domestic use (docs/methods.md §1.9), aggregated to the 42 NBS
  sectors by the shipped concordance; CO2 from the **CEADs national inventory** of the year
  (45 sectors mapped by ``ceads47_to_nbs42``; the Urban/Rural rows become households' direct
  emissions of the urban and rural household categories).  Money in 10^4 CNY.
* ``"wiod"``: the WIOD 2016 national table of China (56 sectors, non-competitive, million USD,
  2000-2014) with the **JRC (2019) WIOD CO2 accounts** of the same sectors (kt converted to t;
  industry only, no households' direct emissions).  The published numbers are rounded to
  whole millions, so published gross output misses ``Z 1 + Y 1`` by a few millions: the
  table's output is **derived** as ``Z 1 + final demand 1`` (the published output and the
  largest difference are recorded in ``meta.provenance``), which makes the identity exact.

The final-demand categories of the source are kept; exports are the export column(s).
"""

from __future__ import annotations

import os

import numpy as np

from mrio_city.model.errors import DataSourceError
from mrio_city.model.table import MRIOTable, TableMetadata

__all__ = ["national_table", "NATIONAL_SOURCES"]

#: Sources of :func:`national_table`.
NATIONAL_SOURCES = ("nbs", "wiod")
_NBS = {2012: (139, "nbs139_to_nbs42"), 2017: (149, "nbs149_to_nbs42"),
        2018: (153, "nbs153_to_nbs42")}  # fmt: skip


def national_table(source: str, year: int, data: str | os.PathLike[str] | None = None) -> MRIOTable:
    """Return a one-region table of China with its CO2 satellite from a national IO table.

    Parameters
    ----------
    source : {'nbs', 'wiod'}
        NBS table + CEADs national inventory, or WIOD national table + JRC CO2.
    year : int
        2012, 2017 or 2018 for 'nbs'; 2000-2014 for 'wiod'.
    data : str or PathLike, optional
        Real-data folder; default ``$MRIO_CITY_DATA`` or ``../shared/data/real``.

    Returns
    -------
    MRIOTable
        One city ('China'), the source's sectors and final-demand categories, stressor 'CO2'
        [t CO2]; ``meta.provenance`` names the files and the rounding treatment.

    Raises
    ------
    ValueError
        Unknown source, or a year the source does not cover.
    DataSourceError
        A file is missing or malformed.
    """
    if source not in NATIONAL_SOURCES:
        raise ValueError(
            f"national_table: source must be one of {NATIONAL_SOURCES}, got {source!r}"
        )
    if source == "nbs":
        return _nbs(int(year), data)
    return _wiod(int(year), data)


def _nbs(year: int, data) -> MRIOTable:
    from mrio_city.sources import apply_concordance, read_ceads_national, read_nbs_io

    if year not in _NBS:
        raise ValueError(f"national_table('nbs'): year must be one of {sorted(_NBS)}, got {year}")
    n, conc = _NBS[year]
    published = read_nbs_io(year, n, data_dir=data)
    dom = published.to_domestic()
    Z = apply_concordance(dom.Z, conc, axis="both")
    fd = apply_concordance(dom.final_demand, conc)
    export_cols = [c for c in ("exports", "other") if c in fd.columns]
    cats = [c for c in fd.columns if c not in export_cols]
    x = apply_concordance(dom.x, conc)
    va = apply_concordance(dom.value_added, conc, axis=1)
    imported = apply_concordance(dom.import_Z.sum(axis=0), conc)
    inv = read_ceads_national(year, data_dir=data)
    wide = inv.groupby("sector_code")["value"].sum()
    sectors = apply_concordance(
        wide.drop(["URBAN", "RURAL"]).to_frame().T, "ceads47_to_nbs42", axis=1
    ).iloc[0]
    F = sectors.reindex(Z.index, fill_value=0.0).to_numpy()[None, :] * 1e6
    F_Y = np.zeros((1, len(cats)))
    for label, row in (("rural_household", "RURAL"), ("urban_household", "URBAN")):
        if label in cats:
            F_Y[0, cats.index(label)] = wide[row] * 1e6
    return MRIOTable(
        Z.to_numpy(),
        fd[cats].to_numpy(),
        F,
        cities=["China"],
        sectors=list(Z.index),
        categories=cats,
        stressors=["CO2"],
        units={"CO2": "t CO2"},
        F_Y=F_Y,
        exports=fd[export_cols].to_numpy(),
        export_labels=export_cols,
        value_added=np.vstack([va.to_numpy(), imported.to_numpy()[None, :]]),
        value_added_labels=[*va.index, "imported_inputs"],
        x=x.to_numpy(),
        meta=TableMetadata(
            name=f"china-nbs-{year}",
            year=year,
            currency="CNY",
            money_unit="10^4 CNY",
            description=(
                f"China {year}, one region: NBS {n}-product table (imports removed, 42 sectors) "
                "with the CEADs national CO2 inventory."
            ),
            provenance={
                "generator": "mrio_city.sources.national:national_table",
                "inputs": [published.source, "ceads national inventory"],
                "concordances": [conc, "ceads47_to_nbs42"],
            },
        ),
    )


def _wiod(year: int, data) -> MRIOTable:
    from mrio_city.sources import read_wiod_co2, read_wiod_national

    if not 2000 <= year <= 2014:
        raise ValueError(f"national_table('wiod'): year must be in 2000-2014, got {year}")
    nat = read_wiod_national("CHN", year, data_dir=data)
    fd = nat.final_demand
    export_cols = [c for c in fd.columns if c.upper().startswith("EXP")]
    cats = [c for c in fd.columns if c not in export_cols]
    co2 = read_wiod_co2("CHN", data_dir=data)
    co2 = co2[co2["year"] == year].set_index("sector")["value"]
    missing = sorted(set(nat.sectors) - set(co2.index))
    if missing:
        raise DataSourceError(f"JRC WIOD CO2 accounts: no CHN {year} value for sectors {missing}")
    Z = nat.Z.to_numpy(float)
    x_derived = Z.sum(axis=1) + fd.to_numpy(float).sum(axis=1)
    if (x_derived < 0).any():
        raise DataSourceError(f"{nat.source}: Z 1 + Y 1 is negative for some sector in {year}")
    gap = np.abs(x_derived - nat.x.to_numpy(float))
    va = nat.value_added
    return MRIOTable(
        Z,
        fd[cats].to_numpy(float),
        co2.reindex(nat.sectors).to_numpy(float)[None, :] * 1e3,  # kt -> t
        cities=["China"],
        sectors=list(nat.sectors),
        categories=cats,
        stressors=["CO2"],
        units={"CO2": "t CO2"},
        exports=fd[export_cols].to_numpy(float),
        export_labels=export_cols,
        value_added=va.to_numpy(float),
        value_added_labels=list(va.index),
        x=x_derived,
        meta=TableMetadata(
            name=f"china-wiod-{year}",
            year=year,
            currency="USD",
            money_unit="million USD",
            description=(
                f"China {year}, one region: WIOD 2016 national table (56 sectors) with the JRC "
                "2019 CO2 accounts (industry only)."
            ),
            provenance={
                "generator": "mrio_city.sources.national:national_table",
                "inputs": [nat.source, "WIOD_CO2_emission_accounts_JRC2019_2000-2014.xlsx"],
                "rounding": (
                    "published values are whole millions; x derived as Z 1 + Y 1 (published "
                    f"output differs by at most {gap.max():.0f} million USD, "
                    f"{gap.sum() / max(nat.x.sum(), 1):.2e} of the total)"
                ),
                "published_output_total": float(nat.x.sum()),
            },
        ),
    )
