"""Footprints of the real WIOD long-run world table 2000 agree with pymrio to 1e-9.

Value added ('VA' row) is attached as the stressor, so the consumption-based account is the
value added embodied in each region's final demand and sums to world value added.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = (Path(__file__).resolve().parents[3] / "shared" / "data" / "real").resolve()

pytestmark = pytest.mark.skipif(
    not (DATA / "wiod-longrun" / "WIODlr_WIOT_2000.csv").is_file(),
    reason=f"real public data folder {DATA} is absent (it exists in CI)",
)


@pytest.fixture(scope="module")
def world():
    from mrio_city.sources.wiod import read_wiod_longrun

    return read_wiod_longrun(2000, data_dir=DATA)


def test_footprints_agree_with_pymrio(world):
    pymrio = pytest.importorskip("pymrio")
    from mrio_city.accounts.footprints import compute_accounts
    from mrio_city.model.table import MRIOTable
    from mrio_city.solve.solver import factorize

    regions, sectors = list(world.regions), list(world.sectors)
    categories = list(pd.unique(world.Y.columns.get_level_values(1)))
    va = world.value_added.loc[["VA"]]
    table = MRIOTable(
        world.Z.to_numpy(),
        world.Y.to_numpy(),
        va.to_numpy(),
        cities=regions,
        sectors=sectors,
        categories=categories,
        stressors=["value_added"],
        units={"value_added": world.unit},
        x=world.x.to_numpy(),
        output_rtol=1e-6,
    )
    ours = compute_accounts(table, factorize(table, method="dense"))

    idx = pd.MultiIndex.from_tuples(list(world.Z.index), names=["region", "sector"])
    Z = pd.DataFrame(world.Z.to_numpy(), index=idx, columns=idx)
    Y = pd.DataFrame(
        world.Y.to_numpy(),
        index=idx,
        columns=pd.MultiIndex.from_tuples(list(world.Y.columns), names=["region", "category"]),
    )
    F = pd.DataFrame(va.to_numpy(), index=pd.Index(["value_added"], name="stressor"), columns=idx)
    io = pymrio.IOSystem(Z=Z, Y=Y, name="wiodlr2000")
    io.value_added = pymrio.Extension(
        name="value_added", F=F, unit=pd.DataFrame({"unit": [world.unit]}, index=F.index)
    )
    io.calc_all()
    ext = io.value_added

    def theirs(frame):
        return frame.loc["value_added"].reindex(regions).to_numpy()

    ct = ours.city_table("value_added")
    for our_col, their in (
        ("consumption_based", ext.D_cba_reg),
        ("production_based", ext.D_pba_reg),
        ("embodied_in_imports", ext.D_imp_reg),
        ("embodied_in_exports", ext.D_exp_reg),
    ):
        np.testing.assert_allclose(
            ct[our_col].reindex(regions).to_numpy(),
            theirs(their),
            rtol=1e-9,
            atol=1e-9 * theirs(ext.D_cba_reg).max(),
            err_msg=our_col,
        )
    # closed world: footprints add up to world value added
    assert ct["consumption_based"].sum() == pytest.approx(va.to_numpy().sum(), rel=1e-9)
