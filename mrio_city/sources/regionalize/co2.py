"""City CO2: each city's total from its own inventory, reconciled to the provincial inventory.

Per census unit the source is the CEADs city inventory when it has a total for the year, else
the sum of its counties in the county CO2 data set (Chen et al. 2020) times the province's
ratio of CEADs city totals to county sums over the units that have both (the two inventories
differ in level; the ratio puts county sums on the CEADs city level), else no figure.  A
region's source value ``v_r`` is the sum over its units.  Within each province with a CEADs
provincial inventory (Tibet has none) every region's total CO2 (industry + households' direct)
is ``T_r = P_total * v_r / sum(v)``; regions without any figure get ``v_r`` = GDP x the
province's CO2 per GDP of the regions that have one (flagged ``gdp_estimate``).  Households'
direct CO2 is the provincial Urban/Rural rows split by urban/rural population, industry takes the
rest, and the city x sector matrix is balanced by RAS to those city totals and the provincial
sector totals (prior: city output x provincial intensity).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mrio_city.model.errors import DataSourceError
from mrio_city.sources.gras import gras

__all__ = ["unit_co2_sources", "city_co2"]


def unit_co2_sources(units: pd.DataFrame) -> pd.DataFrame:
    """Return each unit's CO2 source, its value and the county harmonisation factor.

    Parameters
    ----------
    units : DataFrame
        :func:`mrio_city.sources.crosswalk.city_units` (``ceads_co2_mt``, ``county_co2_mt``,
        ``province``).

    Returns
    -------
    DataFrame indexed like ``units``
        ``co2_source`` ('ceads_city', 'county_sum' or 'none'), ``co2_source_mt`` [Mt CO2,
        NaN for 'none'] and ``county_factor`` [1] (CEADs city / county sum of the province,
        national ratio where no unit of the province has both).
    """
    ce, co = units["ceads_co2_mt"], units["county_co2_mt"]
    both = ce.notna() & co.notna()
    national = ce[both].sum() / co[both].sum() if both.any() else 1.0
    by_prov = (
        ce[both].groupby(units["province"][both]).sum()
        / co[both].groupby(units["province"][both]).sum()
    )
    factor = units["province"].map(by_prov).fillna(national)
    source = np.where(ce.notna(), "ceads_city", np.where(co.notna(), "county_sum", "none"))
    value = np.where(ce.notna(), ce, co * factor)
    return pd.DataFrame(
        {"co2_source": source, "co2_source_mt": value, "county_factor": factor},
        index=units.index,
    )


def city_co2(
    regions: pd.DataFrame,
    output: np.ndarray,
    inventory: pd.DataFrame,
    sector_codes,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Return industrial CO2 by city and sector, households' direct CO2, and per-city records.

    Parameters
    ----------
    regions : DataFrame (R rows, in table order)
        ``province``, ``gdp``, ``urban``, ``rural`` [persons], ``co2_source_mt`` [Mt, NaN
        when none], ``co2_source``.
    output : ndarray of shape (R, n)
        City gross output [money] (prior of the sector split).
    inventory : DataFrame
        :func:`mrio_city.sources.national_inputs.provincial_co2` [Mt CO2].
    sector_codes : sequence of str
        The n sector columns of ``inventory``.

    Returns
    -------
    F : ndarray of shape (R, n) [t CO2]
    F_Y : ndarray of shape (R, 2) [t CO2], columns rural, urban households
    records : DataFrame indexed like ``regions``
        ``co2_source`` (with 'gdp_estimate' filled in), ``co2_source_mt``,
        ``co2_province_factor`` (T_r / v_r, the reconciliation to the provincial inventory),
        ``co2_table_mt`` (F + F_Y, Mt), ``has_co2_inventory``.
    """
    R, n = output.shape
    F = np.zeros((R, n))
    F_Y = np.zeros((R, 2))
    src = regions["co2_source"].to_numpy(dtype=object).copy()
    val = regions["co2_source_mt"].to_numpy(float).copy()
    factor = np.full(R, np.nan)
    prov = regions["province"].to_numpy()
    gdp = regions["gdp"].to_numpy(float)
    for p, vals in inventory.iterrows():
        rows = np.flatnonzero(prov == p)
        if rows.size == 0:
            continue
        fp = vals[list(sector_codes)].to_numpy(float) * 1e6
        hh = {"RURAL": vals["RURAL"] * 1e6, "URBAN": vals["URBAN"] * 1e6}
        total = fp.sum() + hh["RURAL"] + hh["URBAN"]
        v = val[rows]
        known = np.isfinite(v)
        if known.any():
            missing = ~known
            intensity = v[known].sum() / gdp[rows][known].sum()
            v = np.where(known, v, gdp[rows] * intensity)
        else:
            missing = np.ones(rows.size, bool)
            v = gdp[rows] / gdp[rows].sum()
        src[rows[missing]] = "gdp_estimate"
        val[rows] = v
        target = total * v / v.sum()
        factor[rows] = target / (v * 1e6)
        for k, (col, row) in enumerate((("rural", "RURAL"), ("urban", "URBAN"))):
            pop = regions[col].to_numpy(float)[rows]
            F_Y[rows, k] = hh[row] * pop / pop.sum()
        industry = target - F_Y[rows].sum(axis=1)
        over = industry < 0
        if over.any():
            # households' direct CO2 above the city's total: the excess moves to the other
            # cities' households (provincial Urban/Rural totals kept) and out of their industry
            hh_rows = F_Y[rows]
            excess = -industry[over]
            hh_rows[over] *= (1 - excess / hh_rows[over].sum(axis=1))[:, None]
            w = np.where(over, 0.0, hh_rows.sum(axis=1))
            moved = excess.sum() * w / w.sum()
            hh_rows[~over] *= (1 + moved[~over] / hh_rows[~over].sum(axis=1))[:, None]
            F_Y[rows] = hh_rows
            industry = target - hh_rows.sum(axis=1)
            if (industry < -1e-9 * total).any():
                raise DataSourceError(
                    f"CO2 of {p}: households' direct emissions exceed the CO2 of its cities"
                )
            industry = np.maximum(industry, 0.0)
        xp = output[rows].sum(axis=0)
        prior = output[rows] * np.divide(fp, xp, out=np.zeros(n), where=xp > 0)[None, :]
        F[rows] = gras(prior, industry, fp, what=f"CO2 of {p} by city and sector")
    table_mt = (F.sum(axis=1) + F_Y.sum(axis=1)) / 1e6
    records = pd.DataFrame(
        {
            "co2_source": src,
            "co2_source_mt": val,
            "co2_province_factor": factor,
            "co2_table_mt": table_mt,
            "has_co2_inventory": regions["province"].isin(list(inventory.index)).to_numpy(),
        },
        index=regions.index,
    )
    records.loc[~records["has_co2_inventory"], "co2_source"] = "none (no provincial inventory)"
    return F, F_Y, records
