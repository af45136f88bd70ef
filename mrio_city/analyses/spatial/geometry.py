"""City polygons as GeoDataFrames, joined to per-city results by census code.

Boundaries come from the census table of 369 prefecture-level units (WKT polygons in lon/lat,
WGS84; read by :func:`mrio_city.sources.geography.read_city_boundaries`).  County polygons do
**not** exist in the bundled data (the county census files carry no boundaries), so county
results are tables, not maps.

Areas and distances use :data:`CHINA_ALBERS`, an Albers equal-area conic for China (standard
parallels 25 N and 47 N, central meridian 105 E, WGS84 ellipsoid): the projection used for
national maps of China by the Chinese Academy of Sciences' data centres and in most
land-use studies of China.  Areas are exact in an equal-area projection; distances are
true along the standard parallels and within about 1-2 % across mainland China.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import pandas as pd

from mrio_city.model.errors import DataSourceError, LabelMismatchError, MrioCityWarning
from mrio_city.model.labels import first_labels

from ._deps import require

__all__ = [
    "CHINA_ALBERS",
    "WGS84",
    "boundaries_from_wkt",
    "to_equal_area",
    "area_km2",
    "match_labels",
    "join_values",
]

#: Albers equal-area conic for China (PROJ string): areas in m^2, distances in m.
CHINA_ALBERS = (
    "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 "
    "+ellps=WGS84 +datum=WGS84 +units=m +no_defs"
)
#: Geographic coordinates of the census boundaries.
WGS84 = "EPSG:4326"

_REST = "rest of "


def boundaries_from_wkt(
    frame: pd.DataFrame,
    *,
    geometry_column: str = "coord",
    source: str = "boundaries",
):
    """Turn a frame with a WKT polygon column (lon/lat degrees) into a GeoDataFrame.

    Parameters
    ----------
    frame : DataFrame
        One row per unit; the index is kept (e.g. the 6-digit census code).
    geometry_column : str, default='coord'
        Column holding WKT ``POLYGON`` / ``MULTIPOLYGON`` text in WGS84 lon/lat.
    source : str
        File name used in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows and columns, ``geometry`` instead of the WKT column, CRS EPSG:4326.

    Raises
    ------
    DataSourceError
        A missing column, an empty or unparsable WKT (row named) or a non-polygon geometry.
    MissingDependencyError
        If geopandas/shapely are not installed.
    """
    gpd = require("geopandas", "city boundaries")
    shapely = require("shapely", "city boundaries")
    if geometry_column not in frame.columns:
        raise DataSourceError(f"{source}: no column '{geometry_column}' with WKT boundaries")
    texts = frame[geometry_column]
    geoms = []
    for label, text in texts.items():
        try:
            geom = shapely.from_wkt(str(text)) if isinstance(text, str) and text else None
        except shapely.errors.GEOSException as exc:
            raise DataSourceError(
                f"{source}, unit {label!r}, column '{geometry_column}': unreadable WKT ({exc})"
            ) from None
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise DataSourceError(
                f"{source}, unit {label!r}, column '{geometry_column}': expected a POLYGON or "
                f"MULTIPOLYGON, found {str(text)[:40]!r}"
            )
        geoms.append(geom if geom.is_valid else shapely.make_valid(geom))
    data = frame.drop(columns=[geometry_column])
    return gpd.GeoDataFrame(data, geometry=geoms, crs=WGS84)


def to_equal_area(geo):
    """Project a GeoDataFrame to :data:`CHINA_ALBERS` (metres, equal area)."""
    return geo.to_crs(CHINA_ALBERS)


def area_km2(geo) -> pd.Series:
    """Area of every unit [km^2], computed in the China Albers equal-area projection."""
    return to_equal_area(geo).geometry.area / 1e6


def match_labels(geo, labels: Iterable[object]) -> pd.Series:
    """Census code(s) of every result label: code, census name, or 'rest of <province>'.

    Real tables label cities by their census name (``石家庄市``) and lump the remaining units
    of a province into ``rest of <province>``; other results carry the 6-digit code.  A label
    is matched, in this order, as a census code of ``geo``'s index, a unique census name
    (column ``city``), or ``rest of <province name>`` (every unit of that province not
    matched by another label).

    Parameters
    ----------
    geo : GeoDataFrame
        Census units indexed by 6-digit code with columns ``city`` and ``province``.
    labels : iterable
        Result labels (city codes or names).

    Returns
    -------
    Series
        Index: census code of each matched unit; values: the result label it belongs to.
        Labels that match nothing are absent (see :func:`join_values` for the checks).

    Raises
    ------
    LabelMismatchError
        If a name is ambiguous (two census units share it).
    """
    labels = [str(x) for x in labels]
    codes = pd.Index(geo.index.astype(str))
    names = geo["city"].astype(str)
    names.index = codes
    owner: dict[str, str] = {}
    rest: list[str] = []
    for label in labels:
        if label in codes:
            owner[label] = label
        elif label.startswith(_REST):
            rest.append(label)
        else:
            hit = names.index[names == label]
            if len(hit) > 1:
                raise LabelMismatchError(
                    f"city name {label!r} is ambiguous: census codes {list(hit)}; "
                    "label results by 6-digit census code instead"
                )
            if len(hit) == 1:
                owner[hit[0]] = label
    provinces = geo["province"].astype(str)
    provinces.index = codes
    for label in rest:
        province = label[len(_REST) :]
        for code in codes[(provinces == province).to_numpy()]:
            owner.setdefault(code, label)
    return pd.Series(owner, name="label", dtype=object).rename_axis("city_code")


def join_values(
    geo,
    values: pd.DataFrame | pd.Series,
    *,
    what: str = "results",
    keep_unmatched: bool = False,
):
    """Join per-city values to city polygons; units of one result label are merged.

    Parameters
    ----------
    geo : GeoDataFrame
        Census units (see :func:`match_labels`).
    values : DataFrame or Series
        Indexed by result label (code or census name or ``rest of <province>``).
    what : str
        Name of the results, for messages.
    keep_unmatched : bool, default=False
        Also return the census units no label matched (values NaN, index their census
        name), so that maps show them as "no data" instead of leaving holes.

    Returns
    -------
    GeoDataFrame
        One row per matched result label (index ``city``), its geometry the union of its
        census units, columns ``city_codes`` (';'-joined), ``province`` and the value columns.

    Raises
    ------
    LabelMismatchError
        If no label matches a census unit (names the first labels of each side).

    Warns
    -----
    MrioCityWarning
        If some labels match no census unit (named; they are left out of the map).
    """
    frame = values.to_frame() if isinstance(values, pd.Series) else values.copy()
    frame.index = frame.index.astype(str)
    owner = match_labels(geo, frame.index)
    if owner.empty:
        raise LabelMismatchError(
            f"{what}: no label matches a census city code or name (labels: "
            f"{first_labels(list(frame.index))}; census names: "
            f"{first_labels(list(geo['city']))}); use the table's census names or codes"
        )
    matched = set(owner)
    missing = [x for x in frame.index if x not in matched]
    if missing:
        warnings.warn(
            f"{what}: {len(missing)} label(s) match no census unit and are not mapped: "
            f"{first_labels(missing)}",
            MrioCityWarning,
            stacklevel=2,
        )
    units = geo.copy()
    units.index = units.index.astype(str)
    units = units.loc[owner.index]
    units["city"] = owner.to_numpy()
    units["city_codes"] = units.index
    merged = units[["city", "city_codes", "province", "geometry"]].dissolve(
        by="city",
        aggfunc={"city_codes": lambda s: ";".join(sorted(s)), "province": "first"},
    )
    out = merged.join(frame, how="left")
    order = [x for x in frame.index if x in out.index]
    out = out.loc[order]
    if keep_unmatched:
        rest = geo.loc[[c for c in geo.index.astype(str) if c not in set(owner.index)]]
        if len(rest):
            extra = rest[["city", "province", "geometry"]].copy()
            extra["city_codes"] = extra.index.astype(str)
            extra = extra.set_index("city")
            out = pd.concat([out, extra[["geometry", "city_codes", "province"]]])
    out.index.name = "city"
    return out
