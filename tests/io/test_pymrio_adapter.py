"""pymrio adapter: exact round trips and the key acceptance test against pymrio's accounts."""

import warnings

import numpy as np
import pymrio
import pytest
import scipy.sparse as sp
from io_tables import make_general, make_structured

from mrio_city import (
    EfficiencyWarning,
    LabelMismatchError,
    MRIOTable,
    TableValidationError,
    compute_accounts,
)
from mrio_city.io.pymrio_adapter import from_pymrio, to_pymrio


@pytest.fixture(scope="module")
def test_io():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pymrio.load_test()


@pytest.fixture(scope="module")
def solved_io():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        io = pymrio.load_test()
        io.calc_all()
    return io


def test_from_pymrio_mapping(test_io):
    t = from_pymrio(test_io)
    assert isinstance(t, MRIOTable)
    assert list(t.cities) == ["reg1", "reg2", "reg3", "reg4", "reg5", "reg6"]
    assert list(t.sectors) == list(test_io.get_sectors())
    assert list(t.categories) == list(test_io.get_Y_categories())
    assert list(t.stressors) == ["Value Added", "emission_type1 | air", "emission_type2 | water"]
    assert t.units == {
        "Value Added": "Mill USD",
        "emission_type1 | air": "kg",
        "emission_type2 | water": "kg",
    }
    assert t.meta.money_unit == "Mill USD" and t.name == "testmrio"
    assert t.exports.shape == (48, 0)
    np.testing.assert_array_equal(t.Z, test_io.Z.to_numpy())
    np.testing.assert_array_equal(t.Y, test_io.Y.to_numpy())
    np.testing.assert_array_equal(t.F[1:], test_io.emissions.F.to_numpy())
    np.testing.assert_array_equal(t.F_Y[1:], test_io.emissions.F_Y.to_numpy())
    np.testing.assert_array_equal(t.F_Y[0], 0)  # factor inputs have no F_Y
    np.testing.assert_array_equal(t.value_added, test_io.factor_inputs.F.to_numpy())
    np.testing.assert_array_equal(t.population, test_io.population.to_numpy()[0])


def test_pymrio_round_trip_is_exact(test_io):
    io2 = to_pymrio(from_pymrio(test_io))
    for name in ("Z", "Y", "unit", "population"):
        a, b = getattr(test_io, name), getattr(io2, name)
        assert a.index.equals(b.index) and a.columns.equals(b.columns), name
        assert a.index.names == b.index.names and a.columns.names == b.columns.names, name
        if name == "unit":
            assert a.equals(b)
        else:
            np.testing.assert_array_equal(a.to_numpy(dtype=float), b.to_numpy(), err_msg=name)
    assert sorted(io2.get_extensions()) == sorted(test_io.get_extensions())
    for inst in test_io.get_extensions():
        a, b = getattr(test_io, inst), getattr(io2, inst)
        assert a.name == b.name
        assert a.unit.equals(b.unit)
        for part in ("F", "F_Y"):
            pa, pb = getattr(a, part), getattr(b, part)
            assert (pa is None) == (pb is None), (inst, part)
            if pa is not None:
                assert pa.index.equals(pb.index) and pa.columns.equals(pb.columns)
                np.testing.assert_array_equal(pa.to_numpy(dtype=float), pb.to_numpy())
    # and back again: the same table
    t = from_pymrio(test_io)
    t2 = from_pymrio(io2)
    for name in ("Z", "Y", "F", "F_Y", "x", "value_added", "population"):
        np.testing.assert_array_equal(getattr(t, name), getattr(t2, name), err_msg=name)
    assert t.units == t2.units and list(t.stressors) == list(t2.stressors)


ACCOUNT_PAIRS = [
    ("consumption_based_with_households", "D_cba_reg"),
    ("production_based_with_households", "D_pba_reg"),
    ("embodied_in_imports", "D_imp_reg"),
    ("embodied_in_exports", "D_exp_reg"),
]


@pytest.mark.parametrize("account,pymrio_name", ACCOUNT_PAIRS, ids=[p[1] for p in ACCOUNT_PAIRS])
def test_accounts_equal_pymrio(solved_io, test_io, account, pymrio_name):
    """Key acceptance test: per region and stressor, to relative 1e-9.

    pymrio (mriosystem.Extension.calc_system) adds F_Y summed per region to D_cba_reg and
    D_pba_reg only, never to D_imp_reg/D_exp_reg: exactly our *_with_households accounts and
    the plain embodied_in_imports/embodied_in_exports.  The test table has no export columns
    (its 'Export' Y category is a region's final demand, as in pymrio).
    """
    ours = getattr(compute_accounts(from_pymrio(test_io)), account)
    checked = 0
    for inst in ("emissions", "factor_inputs"):
        ref = getattr(getattr(solved_io, inst), pymrio_name)
        for row in ref.index:
            label = " | ".join(row) if isinstance(row, tuple) else row
            expected = ref.loc[row].to_numpy(dtype=float)
            got = ours[label].reindex(ref.columns).to_numpy()
            assert np.all(expected != 0)
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=0, err_msg=label)
            checked += 1
    assert checked == 3


def test_from_pymrio_selection_units_and_name(test_io):
    t = from_pymrio(
        test_io,
        stressors=[("emission_type2", "water")],
        units={"emission_type2 | water": "t"},
        name="subset",
    )
    assert list(t.stressors) == ["emission_type2 | water"]
    assert t.units == {"emission_type2 | water": "t"} and t.name == "subset"
    np.testing.assert_array_equal(t.F, test_io.emissions.F.to_numpy()[1:])


def test_from_pymrio_errors(test_io):
    with pytest.raises(TableValidationError, match="stressor 'CO2' is not a row of any"):
        from_pymrio(test_io, stressors=["CO2"])
    with pytest.raises(TableValidationError, match=r"units given for unknown stressor\(s\) 'x'"):
        from_pymrio(test_io, units={"x": "t"})
    with pytest.raises(TableValidationError, match="Z and Y are required .*Z=None"):
        from_pymrio(pymrio.IOSystem(Y=test_io.Y))
    io = test_io.copy()
    io.emissions.F = io.emissions.F.drop(columns=[("reg2", "food")])
    with pytest.raises(
        LabelMismatchError, match=r"extension 'Emissions' F columns .*\(reg2, food\)"
    ):
        from_pymrio(io)


def test_pymrio_structure_survives_the_table_folder(tmp_path, test_io):
    from mrio_city.io.folder import read_table, write_table

    t = from_pymrio(test_io)
    write_table(t, tmp_path / "t")
    assert "provenance_json" not in (tmp_path / "t" / "table.toml").read_text()
    io2 = to_pymrio(read_table(tmp_path / "t"))
    assert io2.emissions.F.index.equals(test_io.emissions.F.index)
    np.testing.assert_array_equal(io2.emissions.F_Y.to_numpy(), test_io.emissions.F_Y.to_numpy())
    np.testing.assert_array_equal(io2.Z.to_numpy(), test_io.Z.to_numpy())


def test_from_pymrio_rejects_y_regions_outside_z(test_io):
    io = test_io.copy()
    io.Y[("reg7", "Export")] = 1.0
    with pytest.raises(LabelMismatchError, match=r"Y columns .* unexpected \(reg7, Export\)"):
        from_pymrio(io)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_table_to_pymrio_and_back(sparse):
    t = make_general(sparse=sparse)
    io = to_pymrio(t)
    assert sorted(io.get_extensions()) == ["factor_inputs", "stressors"]
    assert list(io.get_Y_categories()) == ["households", "capital_formation", "exports", "other"]
    Z = t.Z.toarray() if sp.issparse(t.Z) else t.Z
    np.testing.assert_array_equal(io.Z.to_numpy(), Z)
    np.testing.assert_array_equal(io.stressors.F.to_numpy(), t.F)
    # exports sit block-diagonally as categories of the producing city
    Y4 = io.Y.to_numpy().reshape(3, 3, 3, 4)
    np.testing.assert_array_equal(Y4[0, :, 0, 2:], t.exports[:3])
    assert not Y4[0, :, 1:, 2:].any()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = from_pymrio(io, stressors=["CO2", "CH4"])
    np.testing.assert_array_equal(back.x, t.x)
    np.testing.assert_array_equal(back.F, t.F)
    assert back.units == t.units
    # pymrio accounts on the converted system: production-based equals ours exactly in total
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        io.calc_all()
    ours = compute_accounts(t).production_based_with_households
    np.testing.assert_allclose(
        io.stressors.D_pba_reg.T.loc[list(t.cities)].to_numpy(), ours.to_numpy(), rtol=1e-9
    )


def test_structured_to_pymrio_matches_materialized():
    s = make_structured(sparse_shares=True)
    io = to_pymrio(s)
    np.testing.assert_allclose(io.Z.to_numpy(), s.intermediate_flows("dense"), rtol=0, atol=0)
    g = from_pymrio(io, stressors=["CO2", "CH4"])
    np.testing.assert_allclose(g.x, s.x, rtol=1e-12)


def test_to_pymrio_warns_above_5000_nodes(monkeypatch):
    import mrio_city.model.base_table as table_module

    monkeypatch.setattr(table_module, "DENSE_WARN_NODES", 5)
    s = make_structured()
    with pytest.warns(EfficiencyWarning, match=r"materializing dense .* of shape \(9, 9\)"):
        to_pymrio(s)
