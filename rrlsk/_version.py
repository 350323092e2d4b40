"""The rrlsk version string (single source of truth, read by pyproject.toml)."""

__version__ = "0.2.0"
