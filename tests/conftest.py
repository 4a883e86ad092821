"""Shared test settings: the hypothesis profile (each test module states its tolerances once)."""

import os

from hypothesis import settings

# CI: deterministic examples and no per-example deadline (2 shared cores are slow).
settings.register_profile("ci", deadline=None, derandomize=True, max_examples=100)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
