"""pymrio baseline cases and table I/O cases (see :mod:`benchmarks.cases` for the protocol).

pymrio gets the same table as our methods: ``Z`` materialized dense from the structured table,
``Y`` with the cities' final demand columns plus an ``'abroad'`` pseudo-region holding the
exports, and one extension ``emissions`` with ``F`` and ``F_Y`` (zero for 'abroad').  Its
regional accounts compare with ours as ``D_cba_reg`` = consumption-based incl. households,
``D_pba_reg`` = production-based incl. households, ``D_imp_reg`` = embodied in imports,
``D_exp_reg`` = embodied in exports (to other cities and abroad), ``M`` = multipliers and
``D_cba_reg['abroad']`` = the total embodied in exports abroad.  pymrio has no city x city
matrix Q.
"""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path

import numpy as np

from benchmarks import _tables
from benchmarks.cases import Case, _rel_err, _scenario_table

__all__ = ["pymrio_frames", "PymrioAccounts", "PymrioScenario", "Save", "Load"]

# -- pymrio baseline -------------------------------------------------------------------------
ABROAD = "abroad"


def pymrio_frames(table, F=None, final_demand=None):
    """Z, Y (cities + an 'abroad' pseudo-region for exports), F, F_Y as pymrio DataFrames."""
    import pandas as pd

    nodes = pd.MultiIndex.from_arrays(
        [table.nodes.get_level_values(0), table.nodes.get_level_values(1)],
        names=["region", "sector"],
    )
    Ycols = pd.MultiIndex.from_tuples(
        [(c, k) for c in table.cities for k in table.categories]
        + [(ABROAD, str(e)) for e in table.export_labels],
        names=["region", "category"],
    )
    Ydata = np.hstack([table.final_demand_columns(), table.exports])
    F = table.F if F is None else F
    FY = np.hstack([table.F_Y, np.zeros((table.n_stressors, table.exports.shape[1]))])
    stress = pd.Index(table.stressors, name="stressor")
    return (
        nodes,
        pd.DataFrame(Ydata, index=nodes, columns=Ycols),
        pd.DataFrame(F, index=stress, columns=nodes),
        pd.DataFrame(FY, index=stress, columns=Ycols),
    )


class PymrioAccounts(Case):
    operation = "accounts"
    kind = "baseline"

    def setup(self):
        import pandas as pd

        super().setup()
        t = self.table
        nodes, self.Y, self.F, self.F_Y = pymrio_frames(t)
        self.Z = pd.DataFrame(t.intermediate_flows("dense"), index=nodes, columns=nodes)
        self.extra["adapter"] = "benchmarks.cases.pymrio_frames (own builder)"

    def reset(self):
        import pymrio

        self.result = None
        gc.collect()
        ext = {"name": "emissions", "F": self.F, "F_Y": self.F_Y}
        self.io = pymrio.IOSystem(Z=self.Z, Y=self.Y, name="bench", emissions=ext)

    def run(self):
        self.io.calc_all()
        e = self.io.emissions
        self.result = (e.D_cba_reg, e.D_pba_reg, e.D_imp_reg, e.D_exp_reg, e.M)

    def results(self):
        cba, pba, imp, exp, M = self.result
        cities = list(self.table.cities)
        return {
            "consumption_based_with_households": cba[cities].to_numpy(),
            "production_based_with_households": pba[cities].to_numpy(),
            "embodied_in_imports": imp[cities].to_numpy(),
            "embodied_in_exports": exp[cities].to_numpy(),
            "abroad_total": (
                cba[ABROAD].to_numpy() if ABROAD in cba.columns else np.zeros(len(M.index))
            ),
            "multipliers": M.to_numpy(),
        }


class PymrioScenario(PymrioAccounts):
    """pymrio's scenario path: coefficients A, L, S kept; new Y and S; calc_all()."""

    operation = "scenario"
    ref_group = "scenario"

    def setup(self):
        import pandas as pd
        import pymrio

        Case.setup(self)
        t = self.table
        nodes = pd.MultiIndex.from_arrays(
            [t.nodes.get_level_values(0), t.nodes.get_level_values(1)], names=["region", "sector"]
        )
        self.A = pd.DataFrame(t.technical_coefficients("dense"), index=nodes, columns=nodes)
        self.L = pymrio.calc_L(self.A)
        y2, f2 = _tables.scenario_inputs(t)
        # same new table as the other scenario cases (x2 from pymrio's dense L)
        t2 = _scenario_table(t, lambda b: self.L.to_numpy() @ b, y2, f2)
        _, self.Y, _, self.F_Y = pymrio_frames(t2)
        self.S = pd.DataFrame(f2, index=pd.Index(t.stressors, name="stressor"), columns=nodes)
        self.extra["path"] = "IOSystem(A, L, Y2) + Extension(S2, F_Y); calc_all()"

    def reset(self):
        import pymrio

        self.result = None
        gc.collect()
        ext = {"name": "emissions", "S": self.S, "F_Y": self.F_Y}
        self.io = pymrio.IOSystem(
            A=self.A, L=self.L, Y=self.Y, name="bench-scenario", emissions=ext
        )


# -- table I/O -------------------------------------------------------------------------------
def _table_arrays(t) -> dict[str, np.ndarray]:
    out = {"x": t.x, "F": t.F, "F_Y": t.F_Y, "exports": t.exports}
    if t.structured:
        out["technology"] = t.technology
        out["final_demand"] = t.final_demand
        sh = t.trade_shares
        out["trade_shares"] = (
            sh
            if isinstance(sh, np.ndarray)
            else np.concatenate([m.toarray().ravel() if m.shape[0] < 400 else m.data for m in sh])
        )
    return out


class Save(Case):
    operation = "save"

    def setup(self):
        super().setup()
        self.tmp = tempfile.TemporaryDirectory(prefix="mrio-bench-io-")
        self.path = Path(self.tmp.name) / "table"

    def reset(self):
        import shutil

        super().reset()
        shutil.rmtree(self.path, ignore_errors=True)

    def run(self):
        from mrio_city.io.folder import write_table

        write_table(self.table, self.path)
        self.result = self.path

    def results(self):
        from mrio_city.io.folder import read_table

        back = _table_arrays(read_table(self.result))
        self.extra["bytes_on_disk"] = sum(
            p.stat().st_size for p in self.path.rglob("*") if p.is_file()
        )
        return back

    def check(self, reference):
        res = self._injected()
        orig = _table_arrays(self.table)
        errors = {k: _rel_err(res[k], orig[k]) for k in orig}
        worst = max(errors.values())
        out = {
            "kind": "round-trip",
            "passed": bool(worst <= 1e-12),
            "max_rel_error": worst,
            "tolerance": 1e-12,
            "errors": errors,
        }
        if not out["passed"]:
            out["message"] = f"table changed on save/load: relative error {worst:.3g}"
        return out


class Load(Save):
    operation = "load"

    def setup(self):
        from mrio_city.io.folder import write_table

        super().setup()
        write_table(self.table, self.path)

    def reset(self):
        Case.reset(self)

    def run(self):
        from mrio_city.io.folder import read_table

        self.result = read_table(self.path)

    def results(self):
        self.extra["bytes_on_disk"] = sum(
            p.stat().st_size for p in self.path.rglob("*") if p.is_file()
        )
        return _table_arrays(self.result)
