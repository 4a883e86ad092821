"""The version of netopt, importable from every layer (``netopt.__version__`` re-exports it)."""

__version__ = "0.1.0"
