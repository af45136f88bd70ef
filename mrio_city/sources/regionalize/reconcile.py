"""CO2 reconciliation of the China city tables: city vs province vs national inventories.

:func:`reconciliation` collects, for one build, the national total of every inventory in the
data (the table's own, the CEADs provinces it is built on, the CEADs national inventory, WIOD's
JRC accounts, the sums of the CEADs city and county inventories) and the same per province;
:func:`format_reconciliation` prints it with the cause of each difference (``mrio-city info``).
"""

from __future__ import annotations

import pandas as pd

from mrio_city.model.errors import DataSourceError

__all__ = ["reconciliation", "format_reconciliation", "CAUSES"]

#: Why each inventory differs from the table (which equals the CEADs provincial sum).
CAUSES = {
    "ceads_provinces_sum": "the chosen inventory: the table equals it (industry + households; "
    "Scope 1 incl. cement process)",
    "ceads_national": "national energy balance; the provinces' energy statistics add up to more "
    "than the national balance (the 'gigatonne gap', Guan et al. 2012, Nature Climate Change "
    "2:672); households' direct CO2 also differ (see the two households rows)",
    "wiod_jrc": "industry only (no households' direct CO2), IEA energy balances on the residence "
    "principle (residents' transport abroad and bunkers in, non-residents' out); compare with "
    "the table's industry-only total",
    "ceads_cities_sum": "city inventories from city energy statistics; they do not add up to the "
    "provinces (matched cities reach 101 % of their provinces in 2012), boundary changes and "
    "cities missing in the year",
    "county_sum": "county CO2 (Chen et al. 2020) downscaled from an earlier CEADs provincial "
    "vintage with night-time lights; no Tibet",
    "tibet": "Tibet has no CEADs provincial inventory, so its cities carry no direct CO2",
}


def reconciliation(root, year, regions, units, records, inventory) -> dict:
    """National and provincial CO2 totals of every inventory next to the table's own [Mt CO2].

    Parameters
    ----------
    root : path
        Real-data folder.
    year : int
    regions, units : DataFrame
        :func:`mrio_city.sources.regionalize.cities.regions_of_year`.
    records : DataFrame
        Per-city CO2 records of :func:`mrio_city.sources.regionalize.co2.city_co2`.
    inventory : DataFrame
        :func:`mrio_city.sources.national_inputs.provincial_co2` [Mt CO2].

    Returns
    -------
    dict
        ``unit``, ``national`` (table, CEADs provinces, CEADs national, their household rows,
        WIOD/JRC (NaN when the year is not covered), sums of the CEADs city and county
        inventories), ``co2_sources`` (cities per source) and ``provinces`` (per province:
        CEADs province, table, CEADs city and county sums).
    """
    from mrio_city.sources import read_ceads_national, read_wiod_co2

    table_mt = float(records["co2_table_mt"].sum())
    national = {"table": table_mt, "ceads_provinces_sum": float(inventory.to_numpy().sum())}
    nat = read_ceads_national(year, include_totals=True, data_dir=root)
    tot = nat[(nat["sector_code"] == "TOTAL") & (nat["fuel"] == "Scope 1 Total")]["value"]
    national["ceads_national"] = float(tot.sum())
    hh = nat[nat["sector_code"].isin(["URBAN", "RURAL"]) & (nat["fuel"] == "Scope 1 Total")]
    national["ceads_national_households"] = float(hh["value"].sum())
    national["ceads_provinces_households"] = float(inventory[["URBAN", "RURAL"]].to_numpy().sum())
    try:
        wiod = read_wiod_co2("CHN", data_dir=root)
        w = wiod[wiod["year"] == year]["value"].sum() / 1e3
        national["wiod_jrc"] = float(w) if w > 0 else float("nan")
    except DataSourceError:
        national["wiod_jrc"] = float("nan")
    national["ceads_cities_sum"] = float(units["ceads_co2_mt"].sum())
    national["county_sum"] = float(units["county_co2_mt"].sum())
    sources = records["co2_source"].value_counts().to_dict()
    prov = pd.DataFrame(
        {
            "ceads_province": inventory.sum(axis=1),
            "table": records["co2_table_mt"].groupby(regions["province"]).sum(),
            "ceads_cities": units["ceads_co2_mt"].groupby(units["province"]).sum(min_count=1),
            "county_sum": units["county_co2_mt"].groupby(units["province"]).sum(min_count=1),
        }
    )
    return {
        "unit": "Mt CO2",
        "national": national,
        "co2_sources": {str(k): int(v) for k, v in sources.items()},
        "provinces": {str(p): {k: float(v) for k, v in row.items()} for p, row in prov.iterrows()},
    }


def format_reconciliation(rec: dict, *, top: int = 8) -> str:
    """Return the reconciliation as text lines: national totals with causes, then provinces.

    Parameters
    ----------
    rec : dict
        :func:`reconciliation` (as stored in ``meta.provenance['reconciliation']``).
    top : int, default=8
        Provinces listed, largest gap between CEADs city sum and CEADs province first.
    """
    nat = rec["national"]
    table = nat["table"]
    lines = [f"CO2 reconciliation [{rec.get('unit', 'Mt CO2')}] (table = {table:,.1f}):"]
    industry = table - nat.get("ceads_provinces_households", 0.0)
    for key in ("ceads_provinces_sum", "ceads_national", "wiod_jrc", "ceads_cities_sum",
                "county_sum"):  # fmt: skip
        value = nat.get(key)
        if value is None or value != value:  # missing or NaN
            lines.append(f"  {key:<22} not available for this year; {CAUSES[key]}")
            continue
        ref = industry if key == "wiod_jrc" else table
        lines.append(
            f"  {key:<22} {value:>9,.1f}  table/inventory {ref / value:6.3f}  {CAUSES[key]}"
        )
    lines.append(
        f"  households' direct: CEADs provinces {nat.get('ceads_provinces_households', 0):,.1f}, "
        f"CEADs national {nat.get('ceads_national_households', 0):,.1f}"
    )
    lines.append(f"  {CAUSES['tibet']}")
    lines.append(
        "  cities by CO2 source: "
        + ", ".join(f"{k} {v}" for k, v in sorted(rec.get("co2_sources", {}).items()))
    )
    prov = pd.DataFrame(rec.get("provinces", {})).T
    if not prov.empty:
        prov["cities_over_province"] = prov["ceads_cities"] / prov["ceads_province"]
        prov["county_over_province"] = prov["county_sum"] / prov["ceads_province"]
        gap = (prov["cities_over_province"] - 1).abs().sort_values(ascending=False)
        lines.append(
            "  provinces (table = CEADs province; CEADs city and county sums over the province):"
        )
        for p in gap.index[:top]:
            r = prov.loc[p]
            lines.append(
                f"    {p:<10} province {r['ceads_province']:8.1f}  cities/province "
                f"{r['cities_over_province']:6.3f}  counties/province "
                f"{r['county_over_province']:6.3f}"
            )
    return "\n".join(lines)
