"""Readers of real public data sets and sector concordances (layer 5: sources).

Every reader takes ``data_dir`` (default :func:`default_data_dir`: the environment
variable ``MRIO_CITY_DATA``, else ``data_dir`` in the user configuration file, else
``../shared/data/real`` beside a source checkout), never copies data into the repository,
returns labelled pandas objects with units, and raises
:class:`mrio_city.model.errors.DataSourceError` naming the file, sheet and cell/row when a
file is missing or laid out unexpectedly.  See ``docs/data-sources.md``.

Input-output tables
    read_nbs_io, available_nbs_tables, read_wiod_longrun, read_wiod_national,
    NationalIOTable, WorldIOTable
Emissions
    read_ceads_provinces, read_ceads_national, read_ceads_cities, read_county_co2,
    read_wiod_co2
Population, GDP, typology
    read_census_cities, read_provincial_gdp, read_city_gdp, read_yearbook_city_gdp,
    read_resource_based_cities
Concordances
    load_concordance, list_concordances, concordance_matrix, apply_concordance
One-region project tables
    national_table (NBS + CEADs national, WIOD + JRC)
"""

from ._paths import default_data_dir
from .ceads import (
    CEADS_FUELS,
    CEADS_SECTORS,
    read_ceads_cities,
    read_ceads_national,
    read_ceads_provinces,
    read_county_co2,
)
from .census import read_census_cities, read_resource_based_cities
from .concordance import (
    apply_concordance,
    concordance_matrix,
    list_concordances,
    load_concordance,
)
from .gdp import (
    CITY_GDP_QC_FLAGS,
    GDP_VINTAGES,
    read_city_gdp,
    read_provincial_gdp,
    read_yearbook_city_gdp,
)
from .iotables import NationalIOTable, WorldIOTable
from .national import national_table
from .nbs import available_nbs_tables, read_nbs_io
from .wiod import read_wiod_co2, read_wiod_longrun, read_wiod_national

__all__ = [
    "default_data_dir",
    "NationalIOTable",
    "WorldIOTable",
    "read_nbs_io",
    "available_nbs_tables",
    "read_wiod_longrun",
    "read_wiod_national",
    "read_wiod_co2",
    "read_ceads_provinces",
    "read_ceads_national",
    "read_ceads_cities",
    "read_county_co2",
    "CEADS_SECTORS",
    "CEADS_FUELS",
    "read_census_cities",
    "read_resource_based_cities",
    "read_provincial_gdp",
    "read_city_gdp",
    "read_yearbook_city_gdp",
    "GDP_VINTAGES",
    "CITY_GDP_QC_FLAGS",
    "load_concordance",
    "list_concordances",
    "concordance_matrix",
    "apply_concordance",
    "national_table",
]
