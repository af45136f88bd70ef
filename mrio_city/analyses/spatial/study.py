"""The spatial study of a table: Gi* hotspots, GWR drivers, sink deficits and county shares.

:func:`spatial_study` computes, from a table whose cities are census units and the census
boundary polygons, everything ``mrio-city spatial`` reports; it writes nothing (the writer is
:func:`mrio_city.exports.spatial.write_spatial`).  Steps:

1. per-city outcomes and drivers (:func:`.drivers.city_frame`) joined to the polygons, plus
   ``population_density`` [persons per km^2] over the equal-area polygon area;
2. Getis-Ord Gi* hotspots of production- and consumption-based emission densities
   [t CO2 per km^2] on queen contiguity (:mod:`.hotspots`), and the share of cities and of
   area that are hotspots under each allocation;
3. GWR of ``cbf_per_capita`` on the drivers the table carries (non-constant, no NaN) against
   a global OLS (:func:`.gwr.fit_gwr`, adaptive bisquare, AICc bandwidth);
4. with land use and sink coefficients, carbon sinks and relative deficits of production-based
   emissions (:mod:`.sinks`);
5. with the county census and census city codes on the table, city PBF and CBF downscaled to
   counties by 2010 population (:func:`.downscale.downscale`, totals conserved exactly).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = [
    "SpatialStudy",
    "spatial_study",
    "county_footprints",
    "per_capita_from_counties",
    "ALLOCATIONS",
    "OUTCOME",
]

#: The two emission allocations compared by the hotspot analysis [t CO2].
ALLOCATIONS = ("production_based", "consumption_based")
#: Outcome explained by the GWR [t CO2 per person].
OUTCOME = "cbf_per_capita"
_DRIVERS = ("gdp_per_capita", "population_density", "secondary_share", "resource_based")


@dataclass
class SpatialStudy:
    """Result of :func:`spatial_study`.

    Attributes
    ----------
    geo : GeoDataFrame
        One row per city of the table: polygons, the columns of
        :func:`~mrio_city.analyses.spatial.drivers.city_frame`, ``population_density``
        [persons per km^2] and ``<allocation>_class`` (Gi* 'hotspot', 'coldspot' or
        'not significant').
    units : dict of str to str
        Unit of every numeric column of ``geo``.
    hotspot_shares : DataFrame
        :func:`~mrio_city.analyses.spatial.hotspots.hotspot_shares` of the two allocations.
    drivers : list of str
        Drivers of the GWR (columns of ``geo``).
    gwr : GWRFit
        The GWR fit and its OLS comparison.
    local : GeoDataFrame
        Cities of the fit with ``coef_<driver>``, ``coef_intercept`` and ``local_R2``.
    deficits : DataFrame or None
        :func:`~mrio_city.analyses.spatial.sinks.carbon_deficits`, when land use was given.
    counties : DataFrame or None
        :func:`county_footprints`, when the county census was given and the table carries
        census city codes.
    """

    geo: object
    units: dict[str, str]
    hotspot_shares: pd.DataFrame
    drivers: list[str]
    gwr: object
    local: object
    deficits: pd.DataFrame | None = None
    counties: pd.DataFrame | None = None
    outcome: str = OUTCOME
    allocations: tuple[str, ...] = field(default=ALLOCATIONS)

    def parameters(self) -> dict[str, object]:
        """The choices of the study, for the run metadata."""
        return {
            "gwr_outcome": self.outcome,
            "gwr_drivers": list(self.drivers),
            "gwr_bandwidth": self.gwr.bandwidth,
        }

    def report(self) -> str:
        """Hotspot shares and GWR diagnostics as text (three decimals)."""
        fmt = lambda v: f"{v:,.3f}"  # noqa: E731
        return "\n".join(
            [
                self.hotspot_shares.to_string(float_format=fmt),
                self.gwr.diagnostics.to_string(float_format=fmt),
            ]
        )


def spatial_study(
    table,
    boundaries,
    *,
    accounts=None,
    land_use: pd.DataFrame | None = None,
    sink_coefficients: pd.DataFrame | None = None,
    county_census: pd.DataFrame | None = None,
    what: str = "table",
    progress: bool = False,
) -> SpatialStudy:
    """Compute the spatial study of a table (see the module docstring for the steps).

    Parameters
    ----------
    table : BaseTable
        A table whose city labels are census names or codes.
    boundaries : GeoDataFrame
        Census city polygons (:func:`mrio_city.sources.geography.read_city_boundaries`).
    accounts : Accounts, optional
        The table's accounts; computed when not given.
    land_use, sink_coefficients : DataFrame, optional
        :func:`~mrio_city.analyses.spatial.sinks.read_land_use` and
        :func:`~mrio_city.analyses.spatial.sinks.read_sink_coefficients`; both or neither.
    county_census : DataFrame, optional
        :func:`mrio_city.sources.geography.read_county_census`, for the county shares.
    what : str, default='table'
        Name of the table in error messages.
    progress : bool, default=False
        Progress bar while the accounts are computed.

    Returns
    -------
    SpatialStudy

    Raises
    ------
    LabelMismatchError
        If no city label matches a census unit (from the join).
    """
    from .drivers import city_frame
    from .geometry import area_km2, join_values
    from .hotspots import contiguity_weights, gi_star, hotspot_shares

    if (land_use is None) != (sink_coefficients is None):
        raise ValueError("spatial_study: give land_use and sink_coefficients together")
    if accounts is None:
        from mrio_city.accounts.footprints import compute_accounts

        accounts = compute_accounts(table, progress=progress)
    frame = city_frame(table, accounts)
    units = dict(frame.attrs["units"])
    geo = join_values(boundaries, frame, what=what)
    area = area_km2(geo)
    geo["population_density"] = geo["population"] / area
    units["population_density"] = "persons per km2"
    w = contiguity_weights(geo)
    allocations = geo[list(ALLOCATIONS)]
    shares = hotspot_shares(geo, allocations, w=w)
    for name in ALLOCATIONS:
        geo[f"{name}_class"] = gi_star(allocations[name] / area, w)["class"]
    data = pd.DataFrame(geo.drop(columns="geometry"))
    deficits = None
    if land_use is not None:
        from .sinks import carbon_deficits, carbon_sinks

        sinks = carbon_sinks(land_use, sink_coefficients)
        deficits = carbon_deficits(data["production_based"], sinks)
    counties = None
    if county_census is not None and "city_code" in data.columns:
        counties = county_footprints(data, county_census)
    drivers, fit, local = _gwr(geo, data)
    return SpatialStudy(
        geo=geo,
        units=units,
        hotspot_shares=shares,
        drivers=drivers,
        gwr=fit,
        local=local,
        deficits=deficits,
        counties=counties,
    )


def _gwr(geo, data: pd.DataFrame):
    """GWR of the outcome on the usable drivers, at the equal-area centroids."""
    from .geometry import to_equal_area
    from .gwr import fit_gwr

    drivers = [
        c for c in _DRIVERS if c in geo.columns and geo[c].notna().all() and geo[c].nunique() > 1
    ]
    centroids = to_equal_area(geo).geometry.centroid
    coords = pd.DataFrame({"x": centroids.x, "y": centroids.y}, index=geo.index)
    ok = data[[OUTCOME, *drivers]].notna().all(axis=1)
    fit = fit_gwr(data[ok], OUTCOME, drivers, coords[ok])
    local = geo[ok].join(fit.params.add_prefix("coef_")).join(fit.local_r2)
    return drivers, fit, local


def county_footprints(data: pd.DataFrame, census: pd.DataFrame) -> pd.DataFrame:
    """City PBF and CBF downscaled to counties by 2010 census population.

    Parameters
    ----------
    data : DataFrame
        Per-city ``city_code`` (census code), ``production_based`` and ``consumption_based``
        [t CO2].
    census : DataFrame
        :func:`mrio_city.sources.geography.read_county_census` (index county code,
        ``name_2010``, ``pop_2010`` [persons]).

    Returns
    -------
    DataFrame
        Index ``county_code``; ``city_code``, ``county``, ``population_2010`` [persons],
        ``production_based [t CO2]`` and ``consumption_based [t CO2]``; each city's total is
        conserved over its counties.
    """
    from .downscale import county_parents, downscale

    pop = census["pop_2010"].dropna()
    codes = data["city_code"].dropna().astype(float).astype(int).astype(str).str.zfill(6)
    parent = county_parents(pop.index, codes)
    covered = codes[codes.isin(set(parent))]
    frame = pd.DataFrame(index=parent.index)
    frame["city_code"] = parent
    frame["county"] = census.loc[parent.index, "name_2010"]
    frame["population_2010"] = pop.loc[parent.index]
    for account in ALLOCATIONS:
        totals = pd.Series(data.loc[covered.index, account].to_numpy(), index=covered.to_numpy())
        frame[f"{account} [t CO2]"] = downscale(
            totals, pop.loc[parent.index], parent, zero_proxy="equal", what="pop_2010"
        )
    return frame.dropna(subset=["production_based [t CO2]"]).rename_axis("county_code")


def per_capita_from_counties(
    county_co2: pd.DataFrame, boundaries, *, year: int = 2012
) -> pd.Series:
    """CO2 per person of every census city: its counties' CO2 over its 2010 population.

    Parameters
    ----------
    county_co2 : DataFrame
        :func:`mrio_city.sources.read_county_co2` (long: ``county_code``, ``year``, ``value``
        [Mt CO2]).
    boundaries : GeoDataFrame
        :func:`mrio_city.sources.geography.read_city_boundaries` (index census city code,
        ``popu_2010`` [persons]).
    year : int, default=2012

    Returns
    -------
    Series
        ``t CO2 per person`` by census city code; cities without counties in the CO2 set or
        without a population are left out.
    """
    from .downscale import county_parents

    rows = county_co2[county_co2["year"] == year]
    parent = county_parents(pd.Index(rows["county_code"].unique()), boundaries.index)
    rows = rows[rows["county_code"].isin(parent.index)]
    city = rows["county_code"].map(parent)
    per_city = rows.groupby(city.to_numpy())["value"].sum() * 1e6  # Mt -> t
    return (per_city / boundaries["popu_2010"].reindex(per_city.index)).dropna()
