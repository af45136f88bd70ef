"""Small tables for the io tests (built here so the tests do not depend on other fixtures)."""

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio_city import MRIOTable, StructuredMRIOTable, ZeroOutputWarning
from mrio_city.model.schema import LABEL_FIELDS  # noqa: F401  (the label fields a round trip keeps)

CITIES = ["Shenzhen", "Dongguan", "Huizhou"]
SECTORS = ["Electricity", "Metals", "Services"]
CATEGORIES = ["households", "capital_formation"]
STRESSORS = ["CO2", "CH4"]
UNITS = {"CO2": "t CO2", "CH4": "kg CH4"}


def _attrs():
    return pd.DataFrame(
        {
            "province": ["Guangdong", "Guangdong", "Guangdong"],
            "longitude": [114.06, 113.75, 114.42],
            "latitude": [22.54, 23.02, 23.11],
            "secondary_share": [0.37, 0.53, 0.51],
        },
        index=pd.Index(CITIES, name="city"),
    )


def general_arrays(seed=7, zero_node=4):
    """Arrays of a 3-city x 3-sector table with negative Y/VA and one zero-output node."""
    rng = np.random.default_rng(seed)
    n, R, K = 9, 3, 2
    Z = rng.uniform(0, 10, (n, n)) * (rng.uniform(size=(n, n)) < 0.6)
    Y = rng.uniform(20, 80, (n, R * K))
    Y[1, 3] = -4.25  # destocking
    exports = rng.uniform(0, 30, (n, 2))
    exports[2, 1] = -1.5
    Z[zero_node, :] = 0
    Z[:, zero_node] = 0
    Y[zero_node, :] = 0
    exports[zero_node, :] = 0
    x = Z.sum(axis=1) + Y.sum(axis=1) + exports.sum(axis=1)
    F = rng.uniform(0, 50, (2, n)) / 3.0
    F[:, zero_node] = 0
    F_Y = rng.uniform(0, 5, (2, R * K))
    va = np.vstack([x - Z.sum(axis=0) - 1.0, np.full(n, 1.0)])
    va[:, zero_node] = 0
    va[1, 0] = -0.75  # net taxes can be negative
    return dict(Z=Z, Y=Y, F=F, F_Y=F_Y, exports=exports, value_added=va)


def make_general(sparse=False, seed=7):
    a = general_arrays(seed)
    Z = sp.csr_matrix(a["Z"]) if sparse else a["Z"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroOutputWarning)
        return MRIOTable(
            Z,
            a["Y"],
            a["F"],
            cities=CITIES,
            sectors=SECTORS,
            categories=CATEGORIES,
            stressors=STRESSORS,
            units=UNITS,
            F_Y=a["F_Y"],
            exports=a["exports"],
            export_labels=["exports", "other"],
            value_added=a["value_added"],
            value_added_labels=["compensation", "net_taxes"],
            population=np.array([17.56, 10.48, 6.05]),
            gdp=np.array([3.07e7, 1.09e7, 5.0e6]),
            city_attributes=_attrs(),
            meta={
                "name": "pearl-delta-test",
                "year": 2017,
                "currency": "CNY",
                "money_unit": "10^4 CNY",
                "description": "synthetic io test table",
                "provenance": {"source": "tests/io/conftest.py", "seed": seed},
            },
        )


def make_structured(sparse_shares=False, separate_final=False, seed=11):
    rng = np.random.default_rng(seed)
    R, N, K = 3, 3, 2
    shares = rng.uniform(0, 1, (N, R, R))
    shares[0, 2, :] = 0  # sector 0 is never supplied by city 2
    shares /= shares.sum(axis=1, keepdims=True)
    tech = rng.uniform(0, 0.25, (R, N, N))
    fd = rng.uniform(10, 50, (R, N, K))
    fd[0, 1, 1] = -2.0
    final = None
    if separate_final:
        final = rng.uniform(0, 1, (N, R, R))
        final /= final.sum(axis=1, keepdims=True)
    if sparse_shares:
        shares = [sp.csr_matrix(s) for s in shares]
        if final is not None:
            final = [sp.csr_matrix(s) for s in final]
    n = R * N
    return StructuredMRIOTable(
        shares,
        tech,
        fd,
        rng.uniform(0, 20, (2, n)),
        cities=CITIES,
        sectors=SECTORS,
        categories=CATEGORIES,
        stressors=STRESSORS,
        units=UNITS,
        final_trade_shares=final,
        F_Y=rng.uniform(0, 3, (2, R * K)),
        exports=rng.uniform(0, 10, (n, 1)),
        export_labels=["exports"],
        value_added=rng.uniform(-1, 30, (1, n)),
        value_added_labels=["value_added"],
        population=np.array([1.0, 2.0, 3.5]),
        city_attributes=_attrs(),
        meta={"name": "structured-test", "year": 2012},
    )
