"""Sphinx configuration for the rrlsk documentation.

Build with one command from the repository root::

    python -m sphinx -W -b html docs docs/_build/html

Markdown pages are read by myst-parser; the API reference (api.rst) is
generated from the numpydoc docstrings by autodoc.
"""

import os
import re

import rrlsk

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

project = "rrlsk"
author = "rrlsk developers"
copyright = "2024-2026, rrlsk developers"
release = rrlsk.__version__
version = release

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
# numpydoc validates every rendered docstring (a failure is a warning, and
# the docs build runs with -W); all checks but these:
numpydoc_validation_checks = {
    "all",
    "ES01",  # extended summary: optional, a one-line summary often says it all
    "SA01",  # See Also: optional
    "EX01",  # Examples: optional (those that exist run as doctests)
    # constants documented by "#:" comments: numpydoc reads the comment as a
    # docstring closed on its last line (GL02) that may span lines (SS06)
    "GL02",
    "SS06",
}
numpydoc_validation_exclude = {
    # documents only the fields whose defaults differ from RRabPopulation's,
    # whose docstring describes every field
    r"^rrlsk\.datasets\.RRcPopulation$",
    # the capabilities of the network regressors: class attributes documented
    # by "#:" comments, but numpydoc validates their values' docstrings (str,
    # bool, float, mappingproxy); likewise the registry view NETWORKS
    r"^rrlsk\.regressors\.\w+\.(model_name|masks_padding|default_learning_rate|network_defaults)$",
    r"^rrlsk\.pipelines\.NETWORKS$",
    # a typing.Protocol: its inherited __init__(*args, **kwargs) takes nothing to document
    r"^rrlsk\.photometry\.NoiseLaw$",
}
numpydoc_validation_overrides = {
    # the fields of a NamedTuple carry the generated "Alias for field number N"
    "SS03": [r"^Alias for field number \d+$"],
}


html_theme = "pydata_sphinx_theme"
html_title = f"rrlsk {release}"
html_theme_options = {"navigation_with_keys": False}


# scikit-learn generates set_fit_request & co. on every estimator class; their
# docstrings point into scikit-learn's own docs, so they are left out here.
_SKLEARN_GENERATED = re.compile(r"^set_\w+_request$")


def _skip_generated(app, what, name, obj, skip, options):
    return True if _SKLEARN_GENERATED.match(name) else None


def setup(app):
    app.connect("autodoc-skip-member", _skip_generated)
