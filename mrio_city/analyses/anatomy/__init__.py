"""Supply-chain anatomy: where footprints come from, what a city's links carry, why they change.

* :mod:`~mrio_city.analyses.anatomy.tiers`: production-layer (tier) decomposition of every
  city's footprint, ``f A^k Y^s``;
* :mod:`~mrio_city.analyses.anatomy.paths`: structural path analysis (top-N paths with exact
  pruning by the total multipliers), no dense inverse;
* :mod:`~mrio_city.analyses.anatomy.extraction`: hypothetical extraction of a city or a
  city-sector (total, backward, forward linkages) and a supply-chain role score;
* :mod:`~mrio_city.analyses.anatomy.decomposition`: structural decomposition of the change of
  city footprints between two tables (average over all orderings, exactly additive).

Every system is solved through :mod:`mrio_city.solve`; formulas in ``docs/anatomy.md``.
"""
