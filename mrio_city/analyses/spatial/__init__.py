"""Spatial layer: geometry, downscaling, hotspots, carbon sinks and GWR drivers.

Modules: :mod:`.geometry` (city polygons as GeoDataFrames, joins by census code, the
equal-area projection for China), :mod:`.downscale` (city totals to counties or grid cells by
proxies, with exact conservation), :mod:`.hotspots` (Getis-Ord Gi*), :mod:`.sinks` (land-use
carbon sinks and relative carbon deficits) and :mod:`.gwr` (GWR / MGWR against global OLS).

The geo libraries (geopandas, shapely 2, mapclassify, libpysal, esda, mgwr, rasterio) are the
optional extra ``mrio-city[spatial]``; they are imported inside the functions that need them,
so importing this package costs nothing and a missing library is named in the error.
See docs/spatial.md.
"""
