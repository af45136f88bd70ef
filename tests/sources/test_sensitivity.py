"""Headline numbers of a city table: ISC in both definitions on a dense oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mrio_city.sources.regionalize.sensitivity import format_markdown, headline_numbers


def test_headline_numbers_match_a_dense_oracle():
    from mrio_city.sources.synthetic import city_mrio

    t = city_mrio(n_cities=5, n_sectors=3, seed=4)
    h = headline_numbers(t)
    g = t.to_general("dense")
    A = g.Z / g.x[None, :]
    f = g.F[0] / g.x
    L = np.linalg.inv(np.eye(g.n_nodes) - A)  # 15 x 15 oracle
    Y = g.Y.reshape(g.n_nodes, t.n_cities, t.n_categories).sum(axis=2)
    Q = np.array([[f[r * 3 : r * 3 + 3] @ (L @ Y[:, s])[r * 3 : r * 3 + 3] for s in range(5)]
                  for r in range(5)])  # fmt: skip
    assert h["isc_fd"] == pytest.approx(1 - np.trace(Q) / Q.sum(), rel=1e-9)
    # chain definition: local blocks only
    local = 0.0
    for r in range(5):
        sl = slice(3 * r, 3 * r + 3)
        local += f[sl] @ np.linalg.solve(np.eye(3) - A[sl, sl], Y[sl, r])
    assert h["isc_chain"] == pytest.approx(1 - local / g.F[0].sum(), rel=1e-9)
    assert 0 <= h["share_cities_below_global"] <= 1 and len(h["top10_per_capita"]) == 5
    text = format_markdown(pd.DataFrame([h], index=["x"]))
    assert text.startswith("| variant | isc_fd") and "%" in text
