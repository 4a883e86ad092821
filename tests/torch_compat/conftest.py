"""The probe scripts are programs, not test modules: keep pytest (and its doctest
collection) out of ``scripts/``."""

collect_ignore = ["scripts"]
