"""national_table: one-region project tables from NBS + CEADs and WIOD + JRC (real data)."""

from __future__ import annotations

import numpy as np
import pytest

from mrio_city.sources import national_table

pytestmark = pytest.mark.realdata


def test_nbs_table_keeps_national_totals_and_ceads_national_co2(data_dir):
    from mrio_city.sources import apply_concordance, read_ceads_national, read_nbs_io

    t = national_table("nbs", 2012, data_dir)
    dom = read_nbs_io(2012, 139, data_dir=data_dir).to_domestic()
    np.testing.assert_allclose(t.x, apply_concordance(dom.x, "nbs139_to_nbs42"), rtol=1e-12)
    assert t.value_added[:4].sum() == pytest.approx(dom.value_added.to_numpy().sum(), rel=1e-12)
    assert list(t.categories) == [
        "rural_household", "urban_household", "government", "gfcf", "inventory_change",
    ]  # fmt: skip
    inv = read_ceads_national(2012, include_totals=True, data_dir=data_dir)
    total = inv[(inv["sector_code"] == "TOTAL") & (inv["fuel"] == "Scope 1 Total")]["value"]
    assert (t.F.sum() + t.F_Y.sum()) / 1e6 == pytest.approx(float(total.iloc[0]), rel=1e-9)
    assert t.F_Y.sum() > 0 and t.n_cities == 1


def test_wiod_table_derives_output_from_rounded_flows(data_dir):
    from mrio_city.accounts import compute_accounts

    t = national_table("wiod", 2012, data_dir)
    assert t.n_sectors == 56 and t.meta.money_unit == "million USD"
    assert t.F.sum() / 1e9 == pytest.approx(9.511, rel=1e-3)  # JRC CHN 2012, Mt -> Gt
    np.testing.assert_allclose(
        t.Z.sum(axis=1) + t.Y.sum(axis=1) + t.exports.sum(axis=1), t.x, rtol=1e-12
    )
    assert abs(t.x.sum() / t.meta.provenance["published_output_total"] - 1) < 1e-4
    acc = compute_accounts(t)
    ct = acc.city_table("CO2")
    total = ct["consumption_based"].sum() + ct["embodied_in_exports_abroad"].sum()
    assert total == pytest.approx(ct["production_based"].sum(), rel=1e-9)


def test_bad_source_and_year():
    with pytest.raises(ValueError, match="source must be one of"):
        national_table("eora", 2012)
    with pytest.raises(ValueError, match="year must be one of"):
        national_table("nbs", 2013)
    with pytest.raises(ValueError, match="2000-2014"):
        national_table("wiod", 2017)
