"""Old home of catalogue prediction: a re-export of :mod:`rrlsk.catalogue`.

Kept so that code and pickles naming ``rrlsk.batch`` keep working; new code
imports from :mod:`rrlsk.catalogue`. It names what it named before the
Dask scale-out came (whose old home is :mod:`rrlsk.dask`).
"""

from __future__ import annotations

from . import catalogue as _catalogue
from .catalogue import *  # noqa: F403  (the names of __all__, as rrlsk.catalogue defines them)

__all__ = [name for name in _catalogue.__all__ if name not in _catalogue.dask.__all__]
