"""asv benchmarks (``asv run``, ``asv continuous``): the runner's cases as asv classes.

Each class is one operation with ``params = (sizes, methods)``; ``setup`` builds the case and
raises ``NotImplementedError`` (asv's skip) where :func:`benchmarks.cases.skip_reason` says
the method cannot hold the size, and checks nothing (asv measures only).  The correctness
checks against the dense reference live in the self-contained runner
(``python -m benchmarks``), which also measures the baselines side by side.

Sizes default to the full suite; ``MRIO_BENCH_SIZES=tiny-5x6,12x10 asv run`` restricts them.
"""

from __future__ import annotations

import os

from benchmarks import _tables
from benchmarks.cases import make_case, methods_for, skip_reason

_SIZES = [s for s in os.environ.get("MRIO_BENCH_SIZES", "").split(",") if s] or list(
    _tables.FULL_SIZES
)


class _Base:
    operation = ""
    param_names = ["size", "method"]
    number = 1
    repeat = (1, 3, 60.0)
    rounds = 1
    warmup_time = 0.0
    timeout = 3600.0

    def setup(self, size, method):
        reason = skip_reason(self.operation, size, method)
        if reason is not None:
            raise NotImplementedError(reason)
        self.case = make_case(self.operation, size, method)
        self.case.setup()
        self.case.reset()

    def _run(self):
        self.case.run()


def _bench(operation: str, sizes=None):
    sizes = sizes or _SIZES

    class Bench(_Base):
        params = (sizes, list(methods_for(operation)))

        def time_run(self, size, method):
            self._run()

        def peakmem_run(self, size, method):
            self._run()

    Bench.operation = operation
    return Bench


class Factorize(_bench("factorize")):
    """Factorization of I - A."""


class Multipliers(_bench("multipliers")):
    """Multipliers m = f L by a transposed solve with an existing factorization."""


class Accounts(_bench("accounts")):
    """Full accounts from scratch (ours: factorize + compute_accounts; pymrio: calc_all)."""


class Scenario(_bench("scenario")):
    """One F/Y-only scenario re-evaluated with the baseline's factorization."""


class TableSave(_bench("save")):
    """mrio_city.io.folder.write_table."""


class TableLoad(_bench("load")):
    """mrio_city.io.folder.read_table."""


class SolverChoice(
    _bench("solver_choice", sizes=[s for s in _SIZES if s == "309x42"] or _SIZES[:1])
):
    """Block-Jacobi vs lockstep GMRES vs plain Neumann vs scipy GMRES per column."""
