"""mrio-city benchmark suite: solver speed and memory against pymrio and dense numpy.

Run ``python -m benchmarks`` (``make bench``) for the full suite, ``python -m benchmarks --smoke``
for a seconds-long check, ``python -m benchmarks compare A B`` to flag regressions; the same
cases run under asv (``asv run``, classes in :mod:`benchmarks.bench_engine`).  See
``benchmarks/README.md``.
"""
