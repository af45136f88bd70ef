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
