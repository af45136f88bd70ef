"""Regionalized China city MRIO 2012: FLQ and GRAS oracles, and checks on the real build."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mrio_city.model.errors import ConvergenceError, TableValidationError
from mrio_city.sources.gras import gras
from mrio_city.sources.regionalize import (
    flq_coefficients,
    flq_quotients,
    gravity_flows,
    great_circle_km,
)

DATA = (Path(__file__).resolve().parents[3] / "shared" / "data" / "real").resolve()
needs_data = pytest.mark.skipif(
    not (DATA / "nbs-china-io").is_dir(),
    reason=f"real public data folder {DATA} is absent (it exists in CI)",
)


# -- FLQ: docs/methods.md §11.3 ---------------------------------------------------------------
X_REGION = [30.0, 10.0, 60.0]
X_NATION = [200.0, 300.0, 500.0]
A_NATION = [[0.10, 0.05, 0.20], [0.15, 0.10, 0.05], [0.05, 0.20, 0.10]]


def test_flq_quotients_match_methods_11_3():
    expected = [
        [0.827152, 2.481456, 0.689293],
        [0.122541, 0.183812, 0.153176],
        [0.441148, 1.985165, 0.661722],
    ]
    np.testing.assert_allclose(flq_quotients(X_REGION, X_NATION, delta=0.3), expected, atol=1e-6)
    # lambda(0.3) = 0.551435 and SLQ = [1.5, 1/3, 1.2] are the diagonal / lambda
    diag = np.diagonal(flq_quotients(X_REGION, X_NATION))
    np.testing.assert_allclose(diag / 0.551435, [1.5, 1 / 3, 1.2], rtol=1e-6)


def test_flq_coefficients_match_methods_11_3():
    expected = [
        [0.082715, 0.05, 0.137859],
        [0.018381, 0.018381, 0.007659],
        [0.022057, 0.20, 0.066172],
    ]
    np.testing.assert_allclose(flq_coefficients(A_NATION, X_REGION, X_NATION), expected, atol=1e-6)


def test_flq_vectorized_over_regions_and_bad_input():
    xr = np.array([X_REGION, [100.0, 150.0, 250.0]])
    out = flq_coefficients(A_NATION, xr, X_NATION)
    assert out.shape == (2, 3, 3)
    np.testing.assert_allclose(out[0], flq_coefficients(A_NATION, X_REGION, X_NATION))
    with pytest.raises(ValueError, match="delta must be in"):
        flq_quotients(X_REGION, X_NATION, delta=1.0)
    with pytest.raises(ValueError, match="share the sector axis"):
        flq_quotients([1.0, 2.0], X_NATION)


# -- GRAS --------------------------------------------------------------------------------------
def test_gras_meets_targets_and_preserves_signs():
    prior = np.array([[7.0, -3.0, 1.0, 0.0], [2.0, 5.0, -1.0, 4.0], [-2.0, 1.0, 6.0, 3.0]])
    rows = np.array([6.0, 11.0, 9.0])
    cols = np.array([8.0, 2.0, 7.0, 9.0])
    z = gras(prior, rows, cols, tol=1e-12)
    np.testing.assert_allclose(z.sum(axis=1), rows, atol=1e-9)
    np.testing.assert_allclose(z.sum(axis=0), cols, atol=1e-9)
    assert (np.sign(z) == np.sign(prior)).all()
    assert z[0, 3] == 0.0


def test_gras_equals_ras_on_a_nonnegative_prior():
    rng = np.random.default_rng(7)
    prior = rng.random((6, 5))
    rows, cols = rng.random(6) + 1, rng.random(5) + 1
    cols *= rows.sum() / cols.sum()
    z = gras(prior, rows, cols, tol=1e-13)
    r = np.ones(6)  # textbook RAS
    for _ in range(5000):
        r = rows / (prior @ (s := cols / (prior.T @ r)))
    np.testing.assert_allclose(z, r[:, None] * prior * s[None, :], rtol=1e-8)


def test_gras_rejects_inconsistent_targets():
    with pytest.raises(TableValidationError, match="must be equal"):
        gras([[1.0, 1.0]], [2.0], [1.0, 2.0])
    with pytest.raises(TableValidationError, match="all zero in the prior"):
        gras([[1.0, 0.0], [0.0, 0.0]], [1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ConvergenceError, match="not converged"):
        gras([[1.0, 1.0], [1.0, 0.0]], [1.0, 3.0], [3.0, 1.0], maxiter=200)


def test_gravity_flows_margins_and_decay():
    lon, lat = np.array([116.4, 121.5, 113.3, 104.1]), np.array([39.9, 31.2, 23.1, 30.7])
    dist = great_circle_km(lon, lat)
    assert 1050 < dist[0, 1] < 1090  # Beijing - Shanghai ~1,070 km
    supply = np.array([10.0, 20.0, 15.0, 5.0])
    demand = np.array([12.0, 18.0, 10.0, 10.0])
    local = np.minimum(supply, demand) * 0.4
    T = gravity_flows(supply, demand, local, dist, beta=2.0)
    np.testing.assert_allclose(T.sum(axis=1), supply, rtol=1e-9)
    np.testing.assert_allclose(T.sum(axis=0), demand, rtol=1e-9)
    np.testing.assert_allclose(np.diag(T), local)
    T0 = gravity_flows(supply, demand, local, dist, beta=0.0)
    # stronger decay shifts Beijing's purchases towards its nearer partner (Shanghai vs Guangzhou)
    assert T[1, 0] / T[2, 0] > T0[1, 0] / T0[2, 0]


# -- the real build ----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def built(tmp_path_factory):
    if not (DATA / "nbs-china-io").is_dir():
        pytest.skip(f"real public data folder {DATA} is absent (it exists in CI)")
    from mrio_city.sources.regionalize import build_china_cities

    report = tmp_path_factory.mktemp("china-cities")
    t0 = time.perf_counter()
    table = build_china_cities(2012, data_dir=DATA, report_dir=report)
    return table, time.perf_counter() - t0, report


@pytest.fixture(scope="session")
def built_2017():
    if not (DATA / "nbs-china-io").is_dir():
        pytest.skip(f"real public data folder {DATA} is absent (it exists in CI)")
    from mrio_city.sources.regionalize import build_china_cities

    return build_china_cities(2017, data_dir=DATA, progress=True)  # the bar path runs too


@pytest.fixture(scope="session")
def accounts(built):
    from mrio_city.accounts.footprints import compute_accounts

    return compute_accounts(built[0])


def _national(year=2012, data_dir=DATA):
    """National domestic 42-sector totals straight from the public readers (the oracle)."""
    from mrio_city.sources import apply_concordance, read_nbs_io

    n, conc = {2012: (139, "nbs139_to_nbs42"), 2017: (149, "nbs149_to_nbs42")}[year]
    dom = read_nbs_io(year, n, data_dir=data_dir).to_domestic()
    fd = apply_concordance(dom.final_demand, conc)
    cats = ["rural_household", "urban_household", "government", "gfcf", "inventory_change"]
    return {
        "x": apply_concordance(dom.x, conc).to_numpy(),
        "Y": fd[cats].to_numpy(),
        "va": dom.value_added.to_numpy(),
    }


def _inventory_total(year=2012):
    """Sum of the 30 provincial CEADs Scope-1 totals (incl. households), read independently."""
    book = pd.read_excel(
        DATA / "ceads-emissions" / f"Emission_Inventories_for_30_Provinces_{year}.xlsx",
        sheet_name=None,
        header=None,
        engine="openpyxl",  # an independent reader of the workbook
    )
    return sum(float(df.iat[3, 22]) for name, df in book.items() if name != "NOTE") * 1e6


def _tables(built, built_2017):
    return {2012: built[0], 2017: built_2017}


@needs_data
def test_build_time_and_provenance(built):
    from mrio_city.sources.regionalize import DEFAULT_DELTA

    table, seconds, report = built
    assert seconds < 120
    prov = table.meta.provenance
    assert set(prov["inputs"]) >= {"national_io", "ceads_provinces", "ceads_cities", "county_co2"}
    assert all(len(v["sha256"]) == 64 for v in prov["inputs"].values())
    assert prov["parameters"]["delta"] == DEFAULT_DELTA and prov["package_version"]
    units = pd.read_csv(report / "china-cities-2012-units.csv")
    assert len(units) == prov["checks"]["n_census_units"] + 1  # + defunct 巢湖
    merged = units[~units["is_city"]]
    assert (merged["reason"].fillna("") != "").all()
    assert set(merged["region"]) - {"(dropped)"} <= set(table.cities)


@needs_data
@pytest.mark.realdata
@pytest.mark.parametrize("year", [2012, 2017])
def test_national_totals_co2_and_coverage(built, built_2017, year):
    table = _tables(built, built_2017)[year]
    nat = _national(year)
    R, N = table.n_cities, table.n_sectors
    assert R >= 300
    np.testing.assert_allclose(table.x.reshape(R, N).sum(0), nat["x"], rtol=1e-3)
    np.testing.assert_allclose(
        table.final_demand.sum(0), nat["Y"], rtol=1e-3, atol=1e-3 * np.abs(nat["Y"]).max()
    )
    np.testing.assert_allclose(table.value_added[:4].sum(), nat["va"].sum(), rtol=1e-3)
    total = table.F.sum() + table.F_Y.sum()
    assert total == pytest.approx(_inventory_total(year), rel=1e-3)
    # the table's own identity: x = A x + Y 1 + exports 1 (checked again independently)
    ax = table.apply_A(table.x[:, None])[:, 0]
    np.testing.assert_allclose(ax + table.total_final_demand(), table.x, rtol=1e-6)
    # spectral radius of A < 1: power iteration on A (column sums bound it too)
    v = np.ones(table.n_nodes)
    for _ in range(30):
        w = table.apply_A(v[:, None])[:, 0]
        rho, v = np.linalg.norm(w) / np.linalg.norm(v), w / np.linalg.norm(w)
    assert rho < 1.0 and table.technology.sum(axis=1).max() < 1.0


@needs_data
@pytest.mark.realdata
@pytest.mark.parametrize("year", [2012, 2017])
def test_every_city_co2_equals_its_recorded_source(built, built_2017, year):
    """Oracle: CEADs city totals and county sums read here, times the recorded factors."""
    from mrio_city.sources import read_ceads_cities, read_county_co2

    table = _tables(built, built_2017)[year]
    attrs = table.city_attributes
    R = table.n_cities
    co2 = (table.F.reshape(R, -1).sum(1) + table.F_Y.reshape(R, -1).sum(1)) / 1e6
    co2 = pd.Series(co2, index=table.cities)
    ceads = read_ceads_cities(data_dir=DATA)
    ceads = ceads[ceads["year"] == year].set_index("city")["value"]
    county = read_county_co2(data_dir=DATA)
    county = county[county["year"] == year]
    county_by_city = county.groupby(county["county_code"].str[:4])["value"].sum()
    inv = attrs["has_co2_inventory"]
    # single-unit cities measured by CEADs: table CO2 = CEADs total x provincial factor
    one = inv & (attrs["co2_source"] == "ceads_city") & (attrs["n_census_units"] == 1)
    names = {"北京市": "北京", "天津市": "天津", "上海市": "上海", "重庆市": "重庆"}
    checked = 0
    for city in attrs.index[one]:
        key = names.get(city)
        if key is None:
            matches = [n for n in ceads.index if n.endswith(city.removesuffix("市"))]
            key = matches[0] if len(matches) == 1 else None
        if key is None or city == "济南市":  # 济南 carries 莱芜 too
            continue
        expected = ceads[key] * attrs.loc[city, "co2_province_factor"]
        assert co2[city] == pytest.approx(expected, rel=1e-3), city
        checked += 1
    assert checked > 100
    # county-sum cities: county totals (code prefix) x harmonisation x provincial factor
    cty = inv & (attrs["co2_source"] == "county_sum") & (attrs["n_census_units"] == 1)
    checked = 0
    for city in attrs.index[cty]:
        prefix = f"{int(attrs.loc[city, 'city_code']):06d}"[:4]
        if prefix not in county_by_city.index or prefix.endswith("90"):
            continue  # province-administered county units are matched by their own code
        a = attrs.loc[city]
        expected = county_by_city[prefix] * a["county_factor"] * a["co2_province_factor"]
        assert co2[city] == pytest.approx(expected, rel=1e-3), city
        checked += 1
    assert checked > 20
    # every city: table CO2 = recorded source x recorded factor; province factor = P / sum
    rec = attrs.loc[inv, "co2_source_mt"] * attrs.loc[inv, "co2_province_factor"]
    np.testing.assert_allclose(co2[inv], rec, rtol=1e-3)
    assert (co2[~inv] == 0).all() and set(attrs.loc[~inv, "province"]) == {"西藏自治区"}


@needs_data
def test_provincial_sector_co2_follows_the_shipped_ceads_concordance(built):
    """Oracle: read_ceads_provinces (fuels + Process) pushed through ceads47_to_nbs42."""
    from mrio_city.sources import apply_concordance, read_ceads_provinces

    table, _, _ = built
    R, N = table.n_cities, table.n_sectors
    prov = table.city_attributes["province"].to_numpy()
    F = pd.DataFrame(table.F.reshape(R, N), index=prov).groupby(level=0).sum()
    long = read_ceads_provinces(2012, data_dir=DATA)
    wide = long.pivot_table(index="province", columns="sector_code", values="value", aggfunc="sum")
    mapped = apply_concordance(wide.drop(columns=["URBAN", "RURAL"]), "ceads47_to_nbs42", axis=1)
    cols = [int(c) - 1 for c in mapped.columns]  # NBS codes 01..42 -> sector positions
    assert 23 not in cols  # NBS 24, repair, receives no CEADs sector
    np.testing.assert_allclose(
        F.loc[mapped.index].to_numpy()[:, cols], mapped.to_numpy() * 1e6, rtol=1e-6, atol=1e-3
    )
    assert (F.to_numpy()[:, 23] == 0).all() and F.loc["西藏自治区"].sum() == 0
    # households' direct CO2: provincial Urban / Rural rows split over the province's regions
    FY = pd.DataFrame(table.F_Y.reshape(R, -1), index=prov).groupby(level=0).sum()
    cats = list(table.categories)
    np.testing.assert_allclose(
        FY.loc[wide.index, cats.index("urban_households")], wide["URBAN"] * 1e6, rtol=1e-9
    )
    np.testing.assert_allclose(
        FY.loc[wide.index, cats.index("rural_households")], wide["RURAL"] * 1e6, rtol=1e-9
    )


@needs_data
@pytest.mark.realdata
@pytest.mark.parametrize("year", [2012, 2017])
def test_final_demand_is_regionalized_on_its_own(built, built_2017, year):
    from mrio_city.sources.regionalize import NON_TRADABLE

    table = _tables(built, built_2017)[year]
    assert table.technology.sum(axis=1).max() < 1.0 and (table.technology >= 0).all()
    t_int = np.asarray(table.trade_shares)
    t_fd = np.asarray(table.final_trade_shares)
    np.testing.assert_allclose(t_fd.sum(axis=1), 1.0, atol=1e-9)
    loc_int = np.stack([np.diagonal(t_int[i]) for i in range(table.n_sectors)], axis=1)
    loc_fd = np.stack([np.diagonal(t_fd[i]) for i in range(table.n_sectors)], axis=1)
    y = np.maximum(table.final_demand.sum(axis=2), 0.0)  # (R, N)
    inter = table.x.reshape(table.n_cities, -1) @ table.technology[0].T
    nt = np.array([s in NON_TRADABLE for s in table.sectors])
    fd_nt = (y * loc_fd)[:, nt].sum() / y[:, nt].sum()
    int_nt = (inter * loc_int)[:, nt].sum() / inter[:, nt].sum()
    assert fd_nt > 0.85  # non-tradables mostly supplied locally
    assert fd_nt > int_nt + 0.1  # final demand has its own, higher local share
    assert not np.allclose(loc_fd, loc_int, atol=0.05)
    # and every supplier's deliveries add up to its supply (rows of the trade block)
    R, N = table.n_cities, table.n_sectors
    supplied = np.einsum("icd,di->ci", t_int, inter) + np.einsum(
        "icd,di->ci", t_fd, table.final_demand.sum(axis=2)
    )
    supply = table.x.reshape(R, N) - table.exports.reshape(R, N, -1).sum(axis=2)
    np.testing.assert_allclose(supplied, supply, rtol=1e-6, atol=1e-6 * supply.max())


@needs_data
@pytest.mark.slow
def test_accounting_identities(built, accounts):
    table, _, _ = built
    ct = accounts.city_table("CO2")
    lhs = ct["consumption_based"]
    rhs = ct["production_based"] - ct["embodied_in_exports"] + ct["embodied_in_imports"]
    np.testing.assert_allclose(lhs, rhs, atol=1e-6 * ct["production_based"].abs().max())
    total = ct["consumption_based"].sum() + ct["embodied_in_exports_abroad"].sum()
    assert total == pytest.approx(ct["production_based"].sum(), rel=1e-6)
    assert ct["production_based"].sum() == pytest.approx(table.F.sum(), rel=1e-9)
    assert 0.5 < float(accounts.supply_chain_share.iloc[0]) < 1.0


@needs_data
@pytest.mark.slow
def test_by_final_demand_sums_to_consumption_based(built, accounts):
    from mrio_city.accounts import consumption_based_by_final_demand

    table, _, _ = built
    out = consumption_based_by_final_demand(table, multipliers=accounts.multipliers)
    cbf = accounts.city_table("CO2")["consumption_based"]
    cats = list(map(str, table.categories))
    np.testing.assert_allclose(out[cats].sum(axis=1), cbf, rtol=1e-9, atol=1e-6 * cbf.max())
    total = out.to_numpy().sum()
    assert total == pytest.approx(table.F.sum(), rel=1e-6)
    # capital formation drives the largest share of Chinese city footprints (docs/methods.md §1.8)
    assert out[cats].sum().idxmax() == "capital_formation"


@needs_data
def test_reconciliation_is_recorded_and_printed(built):
    import tomllib

    import tomli_w

    from mrio_city.sources.regionalize.reconcile import format_reconciliation

    table, _, _ = built
    rec = table.meta.provenance["reconciliation"]
    nat = rec["national"]
    assert nat["table"] == pytest.approx(nat["ceads_provinces_sum"], rel=1e-9)
    assert nat["ceads_national"] == pytest.approx(9080.5, abs=0.1)  # CEADs national 2012
    assert nat["wiod_jrc"] == pytest.approx(9511.1, abs=0.1)  # JRC CHN 2012, industry only
    assert sum(rec["co2_sources"].values()) == table.n_cities
    # the provenance survives the folder format's TOML (no None anywhere)
    again = tomllib.loads(tomli_w.dumps({"provenance": dict(table.meta.provenance)}))
    assert again["provenance"]["reconciliation"]["national"]["table"] == pytest.approx(nat["table"])
    text = format_reconciliation(rec)  # what `mrio-city info` prints
    assert "CO2 reconciliation" in text and "gigatonne gap" in text and "Tibet" in text


@needs_data
def test_industry_structure_from_real_data(built):
    table, _, _ = built
    a = table.city_attributes
    np.testing.assert_allclose(a[["primary_share", "secondary_share", "tertiary_share"]].sum(1), 1)
    # coal and steel cities are industrial, not "service-oriented" (primary from rural share)
    for city in ("鄂尔多斯市", "包头市", "乌海市"):
        assert a.loc[city, "secondary_share"] > a["secondary_share"].median(), city
        assert a.loc[city, "primary_share"] < 0.1 and a.loc[city, "resource_based_type"]
    # yearbook shares are kept where published (Zhengzhou: Henan yearbook 2012)
    assert a.loc["郑州市", "structure_source"] == "yearbook_three_industries"
    assert a["structure_imputed"].sum() == (a["structure_source"].str.contains("imputed")).sum()
