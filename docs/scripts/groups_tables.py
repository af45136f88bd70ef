"""Reproduce the tables of docs/groups.md: python docs/scripts/groups_tables.py [TABLE ...]."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

import mrio_city as mc
from mrio_city.model.aggregate import aggregate
from mrio_city.sources.groupings import city_grouping, sector_grouping


def principles(table, acc) -> pd.DataFrame:
    """The three responsibility principles for the five most populous agglomerations [Mt]."""
    mapping = city_grouping(table, "agglomeration")
    groups = acc.by_group(mapping, grouping="agglomeration")
    M = pd.DataFrame(mapping)
    if isinstance(mapping, pd.Series):
        M = mapping.rename("group").rename_axis("city").reset_index()
    pop = pd.Series(table.population, index=table.cities)
    rows = []
    for g, cities in M.groupby("group")["city"]:
        rows.append(
            {
                "agglomeration": g,
                "cities": len(cities),
                "population [M]": pop[cities].sum() / 1e6,
                "production-based [Mt]": groups.accounts["production_based"].loc[g, "CO2"] / 1e6,
                "consumption-based [Mt]": groups.accounts["consumption_based"].loc[g, "CO2"]
                / 1e6,
                "income-based [Mt]": groups.accounts["income_based"].loc[g, "CO2"] / 1e6,
            }
        )
    df = pd.DataFrame(rows).sort_values("population [M]", ascending=False).head(5)
    return df


def bias(table, acc) -> pd.DataFrame:
    prov = table.city_attributes["province"]
    full = acc.by_group(prov, grouping="province")
    rows = []
    for cities, sectors in ((None, "17"), (None, "6"), (prov, None), (prov, "17"), (prov, "6")):
        sec = sector_grouping(table, sectors) if sectors else None
        agg = aggregate(table, cities, sec)
        a = mc.compute_accounts(agg)
        if cities is None:
            got = a.consumption_based["CO2"].groupby(prov).sum()
        else:
            got = a.consumption_based["CO2"]
        want = full.accounts["consumption_based"]["CO2"].loc[got.index]
        rel = (got - want).abs() / want.abs()
        rows.append(
            {
                "cities": "province" if cities is not None else "city",
                "sectors": sectors or "42",
                "size": f"{agg.n_cities} x {agg.n_sectors}",
                "inter-region share": float(a.supply_chain_share["CO2"]),
                "median |CBF bias| by province": float(rel.median()),
                "max |CBF bias| by province": float(rel.max()),
            }
        )
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame, fmt: str) -> str:
    """A pipe table without the optional tabulate package."""
    cells = [[format(v, fmt) if isinstance(v, float) else str(v) for v in row] for row in
             df.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells])


def main(names):
    for name in names:
        table = mc.load_table(name)
        acc = mc.compute_accounts(table, income=True)
        print(f"## {name}\n")
        print(markdown(principles(table, acc), ",.1f"))
        print()
        print(f"full table: inter-city share {float(acc.supply_chain_share['CO2']):.3f}, "
              f"between provinces "
              f"{float(acc.by_group(table.city_attributes['province']).supply_chain_share.iloc[0, 1]):.3f}")
        print(markdown(bias(table, acc), ".3f"))
        print()


if __name__ == "__main__":
    main(sys.argv[1:] or ["china-309-synthetic"])
