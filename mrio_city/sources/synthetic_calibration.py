"""Calibration data of the SYNTHETIC city table (:mod:`mrio_city.sources.synthetic`).

China's 2012 totals the table is scaled to, the final-demand categories and expenditure shares,
and the approximate sector and province tables the generator draws around (for realism only:
no number here is a city observation).  Sources and choices: ``docs/synthetic-table.md``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "POPULATION_2012",
    "GDP_2012",
    "CO2_INDUSTRY_2012",
    "HOUSEHOLD_CO2_SHARE",
    "CATEGORIES",
    "EXPENDITURE_SHARES",
    "URBAN_TO_RURAL_PER_CAPITA",
    "D0_KM",
    "HOME_PROVINCE",
    "LON",
    "LAT",
    "SECTORS",
    "PRIORITY",
    "GROUPS",
    "AFFINITY",
    "CAPACITY_ELASTICITY",
    "PROVINCES",
    "PROVINCE_ORDER",
]

#: China's 2012 resident population [persons] (NBS, 1,354.04 million; rounded).
POPULATION_2012 = 1_354_000_000
#: China's 2012 GDP [10^4 CNY] (NBS first release 51.9 trillion, revised ~53.9 trillion CNY).
GDP_2012 = 5.39e9
#: China's 2012 industrial (territorial, fossil + cement) CO2 [t CO2], about 9.7 Gt.
CO2_INDUSTRY_2012 = 9.7e9
#: Households' direct CO2 as a share of the total (industry + households) [1].
HOUSEHOLD_CO2_SHARE = 0.045
#: Final-demand categories of every city.
CATEGORIES = ["rural_households", "urban_households", "government", "capital_formation"]
#: Shares of GDP in the synthetic table [1]: China 2012 expenditure GDP components (household
#: consumption ~36.0 %, government ~13.5 %, gross capital formation ~47.0 %, exports ~24.5 % of
#: GDP) divided by their sum (121 %) because the table has no international imports; households
#: split rural ~22 % / urban ~78 % on average.
EXPENDITURE_SHARES = {
    "households": 36.0 / 121.0,
    "government": 13.5 / 121.0,
    "capital_formation": 47.0 / 121.0,
    "international_exports": 24.5 / 121.0,
}
URBAN_TO_RURAL_PER_CAPITA = 2.8  # urban/rural per-capita consumption ratio, ~2012
D0_KM = 25.0  # effective within-city distance of the gravity kernel [km]
HOME_PROVINCE = 3.0  # gravity boost of suppliers in the same province
LON, LAT = (73.5, 134.8), (18.2, 53.5)  # China's extent (clip) [degrees]

# fmt: off
# Sector groups: A agriculture, M mining, FL light and other manufacturing, FH heavy/process
# manufacturing, FE equipment, E utilities, C construction, S services.
# Columns: name, group, column sum of domestic coefficients, gravity beta, own-city share floor,
# base CO2 intensity [t CO2 / 10^4 CNY], supplier weight, demand profiles [% of category]:
# rural households, urban households, government, capital formation, international exports.
SECTORS: list[tuple[str, str, float, float, float, float, float, tuple[float, ...]]] = [
    ("Agriculture", "A", .42, 1.3, .30, .08, 1.0, (18, 5, .5, 2, 1)),
    ("Coal mining", "M", .55, 1.2, .10, .50, 1.0, (0, 0, 0, 0, .2)),
    ("Oil and gas extraction", "M", .42, .8, .05, .35, .8, (0, 0, 0, 0, .2)),
    ("Metal ore mining", "M", .58, 1.2, .10, .25, .6, (0, 0, 0, 0, .1)),
    ("Non-metal ore mining", "M", .58, 1.6, .20, .30, .3, (0, 0, 0, 0, .2)),
    ("Food and tobacco", "FL", .72, 1.1, .20, .12, .8, (22, 17, 0, 1, 3)),
    ("Textiles", "FL", .78, 1.0, .10, .15, .6, (1, 1, 0, 0, 5)),
    ("Apparel, footwear and leather", "FL", .74, 1.0, .10, .04, .3, (6, 7, 0, 0, 9)),
    ("Wood products and furniture", "FL", .75, 1.1, .10, .08, .3, (1, 1.5, 0, .5, 2)),
    ("Paper, printing and stationery", "FL", .74, 1.1, .10, .30, .5, (1, 1.5, .5, 0, 1.5)),
    ("Petroleum refining and coking", "FH", .70, 1.0, .10, .90, 1.0, (1, 2, 0, 0, 1)),
    ("Chemicals", "FH", .76, 1.0, .10, .60, 1.5, (2, 2, .5, 0, 7)),
    ("Non-metallic mineral products", "FH", .72, 2.0, .40, 2.6, .8, (.3, .3, 0, 0, 2)),
    ("Metal smelting and rolling", "FH", .78, 1.2, .10, 1.5, 2.0, (0, 0, 0, 0, 4)),
    ("Metal products", "FE", .77, 1.1, .10, .06, .6, (.3, .5, 0, 1, 4)),
    ("General equipment", "FE", .76, 1.0, .10, .04, .8, (0, 0, 0, 7, 6)),
    ("Special equipment", "FE", .75, 1.0, .10, .04, .4, (0, 0, 0, 6, 3)),
    ("Transport equipment", "FE", .77, .9, .10, .03, .6, (1, 4, 0, 7, 4)),
    ("Electrical machinery", "FE", .78, .9, .10, .02, .7, (2, 3, 0, 4, 10)),
    ("Electronics and computers", "FE", .70, .8, .05, .01, .8, (2, 3, 0, 3, 28)),
    ("Instruments", "FE", .72, .9, .05, .015, .2, (.1, .2, 0, .6, 2)),
    ("Other manufacturing", "FL", .72, 1.0, .10, .05, .2, (.3, .5, 0, .3, 3)),
    ("Scrap and waste", "FL", .45, 1.5, .30, .02, .2, (0, 0, 0, 0, 0)),
    ("Repair of machinery", "FE", .62, 1.5, .50, .03, .1, (0, 0, 0, 0, 0)),
    ("Electricity and heat", "E", .72, 1.6, .40, 13.0, 1.2, (3, 2, 0, 0, .1)),
    ("Gas supply", "E", .74, 2.5, .85, .40, .2, (.2, .8, 0, 0, 0)),
    ("Water supply", "E", .56, 3.0, .95, .05, .1, (.3, .5, 0, 0, 0)),
    ("Construction", "C", .77, 3.0, .90, .03, .1, (0, 0, 0, 60, .5)),
    ("Wholesale and retail", "S", .42, 2.0, .80, .03, 1.2, (6, 7, 0, 1, 3)),
    ("Transport, storage and post", "S", .58, 1.2, .60, .60, 1.2, (3, 3, 1, .5, 4)),
    ("Accommodation and catering", "S", .60, 2.5, .85, .06, .4, (5, 7, 0, 0, 1)),
    ("Information and software", "S", .45, 1.0, .50, .01, .4, (2, 4, 1, 1, 1)),
    ("Finance", "S", .40, 1.2, .60, .005, 1.0, (2, 5, 0, 0, .3)),
    ("Real estate", "S", .40, 3.0, .95, .008, .3, (9, 11, 0, 4, 0)),
    ("Leasing and business services", "S", .62, 1.2, .60, .02, .8, (.3, 1, 0, .5, 3)),
    ("Research and technical services", "S", .58, 1.2, .60, .02, .3, (0, .2, 4, 1, .5)),
    ("Water conservancy and environment", "S", .50, 3.0, .90, .03, .1, (0, 0, 5, 0, 0)),
    ("Resident and other services", "S", .48, 3.0, .90, .04, .2, (4, 4, .5, 0, 0)),
    ("Education", "S", .40, 3.0, .90, .03, .1, (3, 4, 22, 0, 0)),
    ("Health and social work", "S", .60, 3.0, .90, .03, .1, (6, 5, 18, 0, 0)),
    ("Culture, sports and entertainment", "S", .55, 2.5, .85, .02, .1, (1, 2, 2, 0, .2)),
    ("Public administration", "S", .45, 3.0, .95, .03, .05, (.2, .3, 45, 0, 0)),
]
# Sector positions (0-based) kept first when n_sectors < 42; electricity and heat always first.
PRIORITY = [24, 0, 27, 13, 29, 28, 11, 12, 1, 5, 33, 32, 19, 41, 17, 10, 38, 39, 6, 15, 30, 2,
             18, 3, 14, 16, 7, 9, 31, 34, 25, 26, 8, 4, 35, 37, 40, 36, 20, 21, 23, 22]
GROUPS = ["A", "M", "FL", "FH", "FE", "E", "C", "S"]
# Input affinity of supplier group (row) to user group (column), order of GROUPS.
AFFINITY = np.array([
    [3.0, .10, 3.0, .20, .05, .05, .10, .50],
    [.10, 1.0, .20, 3.0, .20, 4.0, .50, .05],
    [.80, .30, 2.0, .50, .50, .10, .50, .80],
    [1.5, 1.0, 1.0, 3.0, 2.5, .50, 3.0, .40],
    [.30, 1.0, .50, .80, 3.0, .80, 1.5, .50],
    [.50, 1.5, .80, 1.5, .60, 1.0, .30, .40],
    [.05, .10, .05, .05, .05, .20, .50, .30],
    [.80, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.5],
])
# Income elasticity of supply capacity by group.
CAPACITY_ELASTICITY = {"A": -0.5, "M": 0.0, "FL": 0.6, "FH": 0.5, "FE": 1.0, "E": 0.6,
                        "C": 1.0, "S": 1.1}

# Provinces (approximate 2012 values, for realism only): name, centroid longitude and latitude
# [deg], scatter [deg], coastal, prefecture-level units, population [million], GDP per capita
# [10^3 CNY], probability that a city is resource-based, hydro factor of power CO2 intensity.
PROVINCES: list[tuple[str, float, float, float, bool, int, float, float, float, float]] = [
    ("Beijing", 116.4, 39.9, .4, False, 1, 20.7, 87.5, .0, 1.0),
    ("Tianjin", 117.3, 39.1, .4, True, 1, 14.1, 93.2, .0, 1.0),
    ("Hebei", 115.2, 38.6, 1.5, True, 11, 72.9, 36.6, .4, 1.0),
    ("Shanxi", 112.3, 37.6, 1.2, False, 11, 36.1, 33.6, .9, 1.0),
    ("Inner Mongolia", 113.0, 42.0, 4.0, False, 12, 24.9, 63.9, .7, 1.0),
    ("Liaoning", 122.6, 41.4, 1.3, True, 14, 43.9, 56.6, .4, 1.0),
    ("Jilin", 125.8, 43.6, 1.3, False, 9, 27.5, 43.4, .4, 1.0),
    ("Heilongjiang", 127.8, 46.6, 2.0, False, 13, 38.3, 35.7, .6, 1.0),
    ("Shanghai", 121.5, 31.2, .3, True, 1, 23.8, 85.4, .0, 1.0),
    ("Jiangsu", 119.5, 32.8, 1.0, True, 13, 79.2, 68.3, .1, 1.0),
    ("Zhejiang", 120.2, 29.3, 1.0, True, 11, 54.8, 63.4, .05, 0.9),
    ("Anhui", 117.2, 31.8, 1.2, False, 16, 59.9, 28.8, .4, 1.0),
    ("Fujian", 118.2, 26.0, 1.1, True, 9, 37.5, 52.8, .2, 0.8),
    ("Jiangxi", 115.7, 27.6, 1.2, False, 11, 45.0, 28.8, .4, 0.9),
    ("Shandong", 118.2, 36.3, 1.3, True, 17, 96.9, 51.8, .3, 1.0),
    ("Henan", 113.6, 34.0, 1.3, False, 17, 94.1, 31.5, .4, 1.0),
    ("Hubei", 112.5, 30.9, 1.5, False, 13, 57.8, 38.6, .2, 0.6),
    ("Hunan", 111.8, 27.6, 1.3, False, 14, 66.4, 33.5, .3, 0.8),
    ("Guangdong", 113.4, 23.2, 1.3, True, 21, 105.9, 54.1, .05, 0.9),
    ("Guangxi", 108.6, 23.5, 1.5, True, 14, 46.8, 28.0, .3, 0.7),
    ("Hainan", 109.8, 19.3, .5, True, 3, 8.9, 32.4, .1, 1.0),
    ("Chongqing", 107.2, 29.8, .6, False, 1, 29.5, 38.9, .2, 0.8),
    ("Sichuan", 104.2, 30.3, 2.0, False, 21, 80.8, 29.6, .3, 0.5),
    ("Guizhou", 106.7, 26.7, 1.2, False, 9, 34.8, 19.7, .5, 0.8),
    ("Yunnan", 101.8, 24.9, 2.0, False, 16, 46.6, 22.2, .3, 0.4),
    ("Tibet", 89.5, 30.5, 3.5, False, 7, 3.1, 22.9, .1, 0.3),
    ("Shaanxi", 108.6, 35.0, 1.5, False, 10, 37.5, 38.6, .6, 1.0),
    ("Gansu", 102.5, 36.8, 2.8, False, 14, 25.8, 21.9, .5, 0.8),
    ("Qinghai", 97.5, 35.7, 2.5, False, 8, 5.7, 33.2, .5, 0.4),
    ("Ningxia", 106.2, 37.3, .8, False, 5, 6.5, 36.4, .6, 1.0),
    ("Xinjiang", 85.5, 42.5, 4.0, False, 14, 22.3, 33.8, .6, 1.0),
]
# Provinces kept first when n_provinces < 31 (coastal and inland interleaved).
PROVINCE_ORDER = [18, 15, 14, 22, 9, 3, 0, 4, 10, 16, 8, 2, 17, 11, 5, 24, 12, 26, 13, 7, 19,
                   23, 21, 6, 27, 1, 30, 20, 29, 28, 25]
# fmt: on
