"""Regions of the China city build: population, GDP and industry structure of one year.

* **Population** (persons, resident): 2012 from the 2010 census; 2017 interpolated
  geometrically between the 2010 and 2020 censuses (urban share linearly); both scaled to the
  provinces' year-end resident population of the year (``population_source``).
* **GDP** (10^8 CNY here; the build rescales to national value added): 2012 by the priority of
  :func:`mrio_city.sources.crosswalk.reported_gdp` (yearbook first-published > CCSY > revised
  yearbook > census population x provincial GDP per person), scaled within each province to
  the provincial GDP.  2017 has no city GDP in the data: each unit keeps its 2012 share of its
  province's GDP, applied to the provincial 2017 GDP (``gdp_source`` says so, and
  ``gdp_estimated`` is True).
* **Industry structure** (``structure_source``): yearbook three-industry shares (Henan, Hubei,
  Zhejiang); else the CCSY tertiary share (observed) with the primary share from the unit's
  rural population share (census 2010) through the linear fit on the yearbook cities (fit
  reported; r = 0.76 on 46 cities) and the secondary share as the rest; else the primary share
  from that fit and the rest split in the national secondary:tertiary ratio; else the national
  shares.  (Industrial output over GDP was tried for the secondary share and rejected: mining
  cities such as 鄂尔多斯 have a high value-added ratio, so it put them below the median.)
  2017 carries the 2012 shares.  The prior is then balanced by RAS to
  city GDP and national industry value added (:func:`industry_value_added`).
* **Resource-based cities** (State Council 2013 list): ``resource_based_type`` (growing,
  mature, declining, regenerating, or empty), for the typology.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mrio_city.model.errors import DataSourceError
from mrio_city.sources import crosswalk
from mrio_city.sources.census import read_resource_based_cities
from mrio_city.sources.gras import gras
from mrio_city.sources.national_inputs import provincial_totals
from mrio_city.sources.regionalize.co2 import unit_co2_sources

__all__ = ["regions_of_year", "industry_value_added", "attributes"]

_SHARES = ("primary_prior", "secondary_prior", "tertiary_prior")


def _population(units: pd.DataFrame, prov: pd.DataFrame, year: int) -> pd.DataFrame:
    p10 = units["population_2010"].to_numpy(float)
    u10 = units["urban_2010"].to_numpy(float)
    if year == 2012:
        pop = p10
        urban_share = np.divide(u10, p10, out=np.zeros_like(p10), where=p10 > 0)
        source = "census_2010_scaled_to_province_2012"
    else:
        p20 = units["population_2020"].to_numpy(float)
        u20 = units["urban_2020"].to_numpy(float)
        t = (year - 2010) / 10.0
        ok = (p10 > 0) & (p20 > 0)
        pop = np.where(ok, p10 * (np.where(ok, p20, 1) / np.where(ok, p10, 1)) ** t, p10)
        s10 = np.divide(u10, p10, out=np.zeros_like(p10), where=p10 > 0)
        s20 = np.divide(u20, p20, out=s10.copy(), where=p20 > 0)
        urban_share = np.clip(s10 + t * (s20 - s10), 0.0, 1.0)
        source = f"census_2010_2020_interpolated_scaled_to_province_{year}"
    out = pd.DataFrame({"pop": pop, "urban_share": urban_share}, index=units.index)
    scale = prov["population"] / out["pop"].groupby(units["province"]).sum()
    out["pop"] *= units["province"].map(scale).to_numpy()
    out["source"] = source
    return out


def _unit_gdp_2012(units: pd.DataFrame, prov12: pd.DataFrame, pop12: pd.Series) -> pd.Series:
    pc = (prov12["gdp"] / prov12["population"]).reindex(units["province"]).to_numpy()
    est = units["gdp_reported"].fillna(pd.Series(pop12.to_numpy() * pc, index=units.index))
    return est * units["province"].map(prov12["gdp"] / est.groupby(units["province"]).sum())


def _structure(units: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Three-industry share prior per unit and its source; the regression used.

    Yearbook three-industry shares where published; else the primary share from the unit's
    rural population share (2010 census) through the linear fit on the yearbook cities
    (clipped to [0.005, 0.6]), with the CCSY tertiary share and the secondary share as the
    rest; without a CCSY tertiary share the rest is split in the national secondary:tertiary
    ratio later (:func:`industry_value_added`).
    """
    rural = units["rural_2010"] / units["population_2010"].where(units["population_2010"] > 0)
    pri_yb, tert = units["primary_share"], units["tertiary_share"]
    fit_rows = pri_yb.notna() & rural.notna()
    fit = {"n": int(fit_rows.sum()), "slope": np.nan, "intercept": np.nan, "r": np.nan}
    if fit_rows.sum() >= 5:
        slope, intercept = np.polyfit(rural[fit_rows], pri_yb[fit_rows], 1)
        fit.update(
            slope=float(slope),
            intercept=float(intercept),
            r=float(np.corrcoef(rural[fit_rows], pri_yb[fit_rows])[0, 1]),
        )
    pri_reg = (fit["intercept"] + fit["slope"] * rural).clip(0.005, 0.6)
    has_yb = pri_yb.notna() & tert.notna()
    src = np.select(
        [has_yb, tert.notna() & pri_reg.notna(), pri_reg.notna()],
        [
            "yearbook_three_industries",
            "ccsy_tertiary+primary_from_rural_share (primary imputed)",
            "primary_from_rural_share+national_ratio (imputed)",
        ],
        default="national_shares (imputed)",
    )
    out = pd.DataFrame(index=units.index)
    out["structure_source"] = src
    out["primary_prior"] = np.where(has_yb, pri_yb, pri_reg)
    out["tertiary_prior"] = tert
    out["tertiary_prior"] = out["tertiary_prior"].clip(upper=0.99 - out["primary_prior"])
    out["secondary_prior"] = 1 - out["primary_prior"] - out["tertiary_prior"]
    return out, fit


def regions_of_year(
    root, units: pd.DataFrame, year: int, vintage: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the regions (one row each, table order) and the units with the year's values.

    Parameters
    ----------
    root : path
        Real-data folder.
    units : DataFrame
        :func:`mrio_city.sources.crosswalk.city_units` of the year.
    year : {2012, 2017}
    vintage : str
        Provincial GDP vintage.

    Returns
    -------
    regions : DataFrame indexed by region name
        ``province``, ``city_code``, ``n_units``, ``population``, ``urban``, ``rural``
        [persons], ``gdp`` [10^8 CNY], ``retail_per_capita`` [10^8 CNY per person, 2012,
        NaN where unknown], ``longitude``, ``latitude``, the share priors, sources and flags.
    units : DataFrame
        ``units`` with ``population``, ``gdp``, ``co2_source``, ``co2_source_mt`` added.
    """
    prov = provincial_totals(root, year, vintage)
    prov12 = prov if year == 2012 else provincial_totals(root, 2012, vintage)
    units = units.copy()
    pop12 = _population(units, prov12, 2012)
    popy = pop12 if year == 2012 else _population(units, prov, year)
    units["population"] = popy["pop"].to_numpy()
    units["urban"] = units["population"] * popy["urban_share"].to_numpy()
    units["rural"] = units["population"] - units["urban"]
    gdp12 = _unit_gdp_2012(units, prov12, pop12["pop"])
    if year == 2012:
        units["gdp"] = gdp12
        units["gdp_flag"] = units["gdp_source"]
    else:
        share = gdp12 / gdp12.groupby(units["province"]).transform("sum")
        units["gdp"] = share * units["province"].map(prov["gdp"])
        units["gdp_flag"] = units["gdp_source"] + f" -> 2012 share x provincial {year} GDP"
    units["retail_2012"] = units["retail_sales"]
    units["pop_2012"] = pop12["pop"].to_numpy()
    units = units.join(unit_co2_sources(units))
    structure, fit = _structure(units)
    units = units.join(structure)
    try:
        rb = read_resource_based_cities(data_dir=root)
        rb_type = (
            rb.assign(code=rb["city_code"].astype(int))
            .groupby("code")["type"]
            .agg(lambda s: "; ".join(sorted(set(map(str, s)))))
        )
    except DataSourceError:  # the list only feeds an attribute
        rb_type = pd.Series(dtype=object)
    units["resource_based_type"] = (
        pd.Series(units.index.map(rb_type), index=units.index).astype(object).fillna("")
    )
    order = pd.unique(units["region"])
    grp = units.groupby("region", sort=False)
    host = units[units["reason"] == ""]
    host_by_region = host.reset_index().set_index("region")
    w = units["population"] + 1.0
    regions = pd.DataFrame(
        {
            "province": grp["province"].first(),
            "city_code": host_by_region["city_code"].astype(int),
            "n_units": grp.size(),
            "population": grp["population"].sum(),
            "urban": grp["urban"].sum(),
            "rural": grp["rural"].sum(),
            "gdp": grp["gdp"].sum(),
            "longitude": (units["longitude"] * w).groupby(units["region"]).sum()
            / w.groupby(units["region"]).sum(),
            "latitude": (units["latitude"] * w).groupby(units["region"]).sum()
            / w.groupby(units["region"]).sum(),
            "retail_per_capita": host_by_region["retail_2012"] / host_by_region["pop_2012"],
            "gdp_source": grp["gdp_flag"].agg(lambda s: "; ".join(sorted(set(s)))),
            "gdp_estimated": grp["gdp_source"].agg(
                lambda s: bool((s == crosswalk.GDP_ESTIMATED).any())
            )
            | (year != 2012),
            "population_source": popy["source"].iloc[0],
            "ceads_co2_mt": grp["ceads_co2_mt"].sum(min_count=1),
            "county_co2_mt": grp["county_co2_mt"].sum(min_count=1),
            "co2_source_mt": grp["co2_source_mt"].sum(min_count=1),
            "co2_source": grp["co2_source"].agg(
                lambda s: "+".join(sorted(set(s) - {"none"})) or "none"
            ),
            "county_factor": host_by_region["county_factor"],
            "structure_source": host_by_region["structure_source"],
            "resource_based_type": grp["resource_based_type"].agg(
                lambda s: "; ".join(sorted(set(s) - {""}))
            ),
        }
    ).loc[order]
    gdp_w = units["gdp"]
    for col in _SHARES:
        regions[col] = (units[col] * gdp_w).groupby(units["region"]).sum(min_count=1).loc[
            order
        ] / gdp_w.groupby(units["region"]).sum().loc[order]
    regions.attrs["structure_fit"] = fit
    return regions, units


def industry_value_added(regions: pd.DataFrame, national_groups: np.ndarray) -> np.ndarray:
    """Return value added by industry group (primary, secondary, tertiary) per region.

    The prior is each region's share prior (NaN parts filled from the national shares: without
    a tertiary share the non-primary rest keeps the national secondary:tertiary ratio) times its
    GDP, balanced by
    RAS to region GDP (rows) and national industry value added (columns).

    Parameters
    ----------
    regions : DataFrame
        :func:`regions_of_year` with ``gdp`` in the national table's money unit.
    national_groups : ndarray of shape (3,)
        National value added of the primary, secondary and tertiary groups [money].

    Returns
    -------
    ndarray of shape (R, 3) [money]
    """
    g = np.asarray(national_groups, float)
    nat = g / g.sum()
    pri = regions["primary_prior"].fillna(nat[0])
    rest = 1 - pri
    tau = regions["tertiary_prior"].fillna(rest * nat[2] / nat[1:].sum())
    sec = regions["secondary_prior"].fillna(rest - tau)
    shares = np.column_stack([pri, sec, tau]).clip(0.001, None)
    shares = shares / shares.sum(axis=1, keepdims=True)
    prior = shares * regions["gdp"].to_numpy()[:, None]
    return gras(prior, regions["gdp"].to_numpy(), g, what="city industry value added")


def attributes(
    regions: pd.DataFrame, va_groups: np.ndarray, co2: pd.DataFrame, household_imputed
) -> pd.DataFrame:
    """Return the table's ``city_attributes`` (one row per region, documented in the docs)."""
    gdp = regions["gdp"].to_numpy()
    attrs = pd.DataFrame(
        {
            "province": regions["province"],
            "kind": "city",
            "city_code": regions["city_code"],
            "longitude": regions["longitude"],
            "latitude": regions["latitude"],
            "n_census_units": regions["n_units"],
            "population_source": regions["population_source"],
            "gdp_source": regions["gdp_source"],
            "gdp_estimated": regions["gdp_estimated"].astype(bool),
            "primary_share": va_groups[:, 0] / gdp,
            "secondary_share": va_groups[:, 1] / gdp,
            "tertiary_share": va_groups[:, 2] / gdp,
            "structure_source": regions["structure_source"],
            "structure_imputed": regions["structure_source"].str.contains("imputed"),
            "resource_based_type": regions["resource_based_type"],
            "household_level_imputed": np.asarray(household_imputed, bool),
            "ceads_co2_mt": regions["ceads_co2_mt"],
            "county_co2_mt": regions["county_co2_mt"],
            "county_factor": regions["county_factor"],
        }
    )
    for col in co2.columns:
        attrs[col] = co2[col].to_numpy()
    attrs.index.name = "city"
    return attrs
