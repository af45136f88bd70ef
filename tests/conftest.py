"""Shared test configuration: deterministic hypothesis profile, non-interactive plots."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

from hypothesis import settings  # noqa: E402

settings.register_profile(
    "deterministic", derandomize=True, database=None, deadline=None, max_examples=25
)
settings.load_profile("deterministic")
