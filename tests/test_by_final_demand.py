"""consumption_based_by_final_demand: a dense numpy oracle, and the sums to the accounts."""

from __future__ import annotations

import numpy as np
import pytest

from mrio_city import MRIOTable
from mrio_city.accounts import compute_accounts, consumption_based_by_final_demand


def _three_categories():
    """A 2-city x 2-sector table with 2 categories and international exports."""
    Z = np.array([[10, 20, 5, 5], [15, 5, 10, 0], [5, 0, 20, 10], [0, 10, 15, 5]], float)
    Y = np.array([[30, 10, 15, 5], [40, 10, 10, 10], [5, 10, 40, 10], [5, 5, 30, 30]], float)
    ex = np.array([[7.0], [3.0], [0.0], [12.0]])
    return MRIOTable(
        Z,
        Y,
        [[50, 10, 20, 5]],
        cities=["A", "B"],
        sectors=["s1", "s2"],
        categories=["households", "capital"],
        stressors=["CO2"],
        exports=ex,
        export_labels=["international_exports"],
    )


def test_matches_dense_oracle_and_sums_to_the_accounts():
    t = _three_categories()
    out = consumption_based_by_final_demand(t)
    A = t.Z / t.x[None, :]
    f = t.F[0] / t.x
    m = np.linalg.solve((np.eye(4) - A).T, f)  # dense oracle on a 4 x 4 table
    expected = (m @ t.Y).reshape(2, 2)
    np.testing.assert_allclose(out[["households", "capital"]].to_numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(
        out["exports_abroad"].to_numpy(), (m * t.exports[:, 0]).reshape(2, 2).sum(1), rtol=1e-12
    )
    ct = compute_accounts(t).city_table("CO2")
    np.testing.assert_allclose(
        out[["households", "capital"]].sum(axis=1), ct["consumption_based"], rtol=1e-12
    )
    # demand side: by exporting city; the accounts' column is by emitting city; same total
    assert out["exports_abroad"].sum() == pytest.approx(
        ct["embodied_in_exports_abroad"].sum(), rel=1e-12
    )
    assert out.sum().sum() == pytest.approx(t.F.sum(), rel=1e-12)


def test_structured_table_equals_its_general_form():
    from mrio_city.sources.synthetic import city_mrio

    s = city_mrio(n_cities=6, n_sectors=4, seed=3)
    assert s.structured
    g = s.to_general("dense")
    a = consumption_based_by_final_demand(s)
    b = consumption_based_by_final_demand(g)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9)
    acc = compute_accounts(s)
    cbf = acc.city_table(s.stressors[0])["consumption_based"]
    again = consumption_based_by_final_demand(s, multipliers=acc.multipliers)
    np.testing.assert_allclose(again.drop(columns="exports_abroad").sum(axis=1), cbf, rtol=1e-9)
