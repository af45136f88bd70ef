"""The docs/methods.md §11.2 toy MRIO (2 cities x 2 sectors) as the analysis tests build it.

Unlike :func:`mrio_city.testing.toy_cities` it carries no units, population, GDP or metadata
unless asked (``toy(population=..., gdp=...)``), and its one final-demand category is 'fd'.
"""

import numpy as np

from mrio_city import MRIOTable


def toy(**extra):
    """The toy table; ``extra`` goes to :class:`~mrio_city.MRIOTable` (e.g. population, gdp)."""
    Z = np.array([[10, 20, 5, 5], [15, 5, 10, 0], [5, 0, 20, 10], [0, 10, 15, 5]], float)
    Y = np.array([[40, 20], [50, 20], [15, 50], [10, 60]], float)
    F = np.array([[50, 10, 20, 5]], float)
    return MRIOTable(
        Z,
        Y,
        F,
        cities=["A", "B"],
        sectors=["s1", "s2"],
        categories=["fd"],
        stressors=["CO2"],
        F_Y=[[8, 4]],
        **extra,
    )
