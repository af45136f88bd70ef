"""The 42 sectors of China's IO tables as used by the city build: groups, decay, tradability."""

from __future__ import annotations

import numpy as np

__all__ = ["SECTORS", "DISTANCE_DECAY", "NON_TRADABLE", "GROUPS", "GROUP_OF"]

#: (label, industry group, distance decay beta, tradable).
#: beta [I]: higher for bulky or non-tradable products (construction, utilities, services), lower
#: for high-value manufactures; the same values drive the synthetic table.
#: tradable [I]: False for products that are consumed where they are produced (construction,
#: piped gas and water, retail and catering, real estate, personal, public and social services);
#: the usual split of the regional-economics literature (e.g. Jensen and Kletzer 2005, Brookings
#: Trade Forum, services tradability by geographic concentration) adapted to the NBS sectors.
# fmt: off
_SECTOR_TABLE: tuple[tuple[str, str, float, bool], ...] = (
    ("Agriculture", "primary", 1.3, True), ("Coal mining", "secondary", 1.2, True),
    ("Oil and gas extraction", "secondary", 0.8, True),
    ("Metal ore mining", "secondary", 1.2, True),
    ("Non-metal ore mining", "secondary", 1.6, True),
    ("Food and tobacco", "secondary", 1.1, True), ("Textiles", "secondary", 1.0, True),
    ("Apparel, footwear and leather", "secondary", 1.0, True),
    ("Wood products and furniture", "secondary", 1.1, True),
    ("Paper, printing and stationery", "secondary", 1.1, True),
    ("Petroleum refining and coking", "secondary", 1.0, True),
    ("Chemicals", "secondary", 1.0, True),
    ("Non-metallic mineral products", "secondary", 2.0, True),
    ("Metal smelting and rolling", "secondary", 1.2, True),
    ("Metal products", "secondary", 1.1, True), ("General equipment", "secondary", 1.0, True),
    ("Special equipment", "secondary", 1.0, True),
    ("Transport equipment", "secondary", 0.9, True),
    ("Electrical machinery", "secondary", 0.9, True),
    ("Electronics and computers", "secondary", 0.8, True),
    ("Instruments", "secondary", 0.9, True), ("Other manufacturing", "secondary", 1.0, True),
    ("Scrap and waste", "secondary", 1.5, True),
    ("Repair of machinery", "secondary", 1.5, True),
    ("Electricity and heat", "secondary", 1.6, True),
    ("Gas supply", "secondary", 2.5, False), ("Water supply", "secondary", 3.0, False),
    ("Construction", "secondary", 3.0, False),
    ("Wholesale and retail", "tertiary", 2.0, False),
    ("Transport, storage and post", "tertiary", 1.2, True),
    ("Accommodation and catering", "tertiary", 2.5, False),
    ("Information and software", "tertiary", 1.0, True), ("Finance", "tertiary", 1.2, True),
    ("Real estate", "tertiary", 3.0, False),
    ("Leasing and business services", "tertiary", 1.2, True),
    ("Research and technical services", "tertiary", 1.2, True),
    ("Water conservancy and environment", "tertiary", 3.0, False),
    ("Resident and other services", "tertiary", 3.0, False),
    ("Education", "tertiary", 3.0, False), ("Health and social work", "tertiary", 3.0, False),
    ("Culture, sports and entertainment", "tertiary", 2.5, False),
    ("Public administration", "tertiary", 3.0, False),
)
# fmt: on
#: Sector labels of the built table (42, in NBS order 01-42).
SECTORS: tuple[str, ...] = tuple(s[0] for s in _SECTOR_TABLE)
#: Default sector-specific distance-decay exponents of the gravity model [1].
DISTANCE_DECAY: dict[str, float] = {s[0]: s[2] for s in _SECTOR_TABLE}
#: Sectors whose final demand is met locally up to the city's own supply.
NON_TRADABLE: frozenset[str] = frozenset(s[0] for s in _SECTOR_TABLE if not s[3])
#: Industry groups, and the group index of each sector.
GROUPS = ("primary", "secondary", "tertiary")
GROUP_OF = np.array([GROUPS.index(s[1]) for s in _SECTOR_TABLE])
