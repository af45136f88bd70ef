"""Helpers of the spatial tests: a small lattice of square 'cities' with Chinese names."""

from __future__ import annotations

import pandas as pd

NAMES = ["甲市", "乙市", "丙市", "丁市", "戊市", "己市", "庚市", "辛市", "壬市"]


def lattice_frame(nrow: int = 3, ncol: int = 3, *, x0: float = 110.0, y0: float = 30.0):
    """WKT squares of 0.5 degree, row-major from the south-west; codes 100100, 100200, ..."""
    rows = []
    for i in range(nrow):
        for j in range(ncol):
            k = i * ncol + j
            x, y = x0 + 0.5 * j, y0 + 0.5 * i
            wkt = f"POLYGON (({x} {y}, {x + 0.5} {y}, {x + 0.5} {y + 0.5}, {x} {y + 0.5}, {x} {y}))"
            name = NAMES[k] if k < len(NAMES) else f"城{k}市"
            province = "东省" if j < ncol - 1 else "西省"
            rows.append((f"{100 + k:04d}00", name, province, wkt))
    frame = pd.DataFrame(rows, columns=["city_code", "city", "province", "coord"])
    return frame.set_index("city_code")


def census_data_dir(folder, nrow: int = 5, ncol: int = 5):
    """A data folder with the lattice as census cities and two counties in each city.

    Writes ``china-census-cities`` (the lattice's WKT squares, census population) and
    ``china-census-counties`` (counties ``<city>01`` and ``<city>02`` with 2010 populations
    in the ratio 1 : 3) in the layout of the real files; returns the folder.
    """
    from pathlib import Path

    from mrio_city.sources.geography import BOUNDARY_FILE, COUNTY_FILE

    folder = Path(folder)
    cities = lattice_frame(nrow, ncol).reset_index()
    cities["province_code"] = "010000"
    cities["popu_2010"] = 1e6
    cities["popu_2020"] = 1.1e6
    (folder / "china-census-cities").mkdir(parents=True)
    cities.to_csv(folder / "china-census-cities" / BOUNDARY_FILE, index=False)
    rows = []
    for code, name in zip(cities["city_code"], cities["city"], strict=True):
        for k, pop in ((1, 2.5e5), (2, 7.5e5)):
            rows.append(
                {
                    "code": code[:4] + f"{k:02d}",
                    "province_code": "010000",
                    "city_code": code,
                    "name_2010": f"{name}{k}县",
                    "name_2020": f"{name}{k}县",
                    **{f"{v}_{y}": pop for y in (2010, 2020) for v in ("pop", "urban", "rural")},
                }
            )
    (folder / "china-census-counties").mkdir()
    pd.DataFrame(rows).to_csv(folder / "china-census-counties" / COUNTY_FILE, index=False)
    return folder


def census_table(nrow: int = 5, ncol: int = 5, *, seed: int = 3):
    """A random 2-sector table whose cities are the lattice's census cities (by name).

    City attributes: ``city_code`` (the census code, as an integer like the real table's)
    and a varying ``secondary_share``; population and GDP from :func:`random_table`; no exports, so
    consumption- and production-based totals are the same emissions.
    """
    import numpy as np

    from mrio_city import MRIOTable
    from mrio_city.testing import random_table

    frame = lattice_frame(nrow, ncol)
    base = random_table(nrow * ncol, 2, seed=seed, n_categories=1, with_exports=False)
    names = list(frame["city"])
    rng = np.random.default_rng(seed)
    attributes = pd.DataFrame(
        {
            "city_code": [int(c) for c in frame.index],
            "secondary_share": rng.uniform(0.2, 0.6, size=len(names)),
        },
        index=pd.Index(names, name="city"),
    )
    return MRIOTable(
        base.Z,
        base.Y,
        base.F,
        cities=names,
        sectors=list(base.sectors),
        categories=list(base.categories),
        stressors=list(base.stressors),
        units={"CO2": "t CO2"},
        F_Y=base.F_Y,
        value_added=base.value_added,
        value_added_labels=["value_added"],
        population=base.population,
        gdp=base.gdp,
        city_attributes=attributes,
        name="lattice-cities",
    )
