"""Old home of the Dask scale-out: a re-export of :mod:`rrlsk.catalogue.dask`.

Kept so that code naming ``rrlsk.dask`` keeps working; new code imports
from :mod:`rrlsk.catalogue`.
"""

from __future__ import annotations

from .catalogue.dask import dask_backend, predict_dask, read_parquet_dask

__all__ = ["dask_backend", "predict_dask", "read_parquet_dask"]
