"""Reading the world: Gaia DR3 epoch photometry and ``vari_rrlyrae`` (CSV,
ECSV, VOTable, FITS), the paper's sample selection, Parquet light-curve
tables, plain light-curve CSVs, streaming for batch prediction, and
optional archive download.

Gaia constants (zero point, column names, time system) live in
:mod:`rrlsk.io.gaia`. The Parquet layout's building blocks, for other
readers of it (:func:`rrlsk.catalogue.dask.read_parquet_dask`), are public
in :mod:`rrlsk.io.parquet`: ``parquet_layout``, ``columns_to_read`` and
``table_to_frame``.
"""

from . import gaia
from .archive import GaiaDR3Files, fetch_gaia_dr3
from .epoch_photometry import read_epoch_photometry
from .gaia import EPOCH_PHOTOMETRY_COLUMNS, G_ZEROPOINT, VARI_RRLYRAE_COLUMNS
from .labelled import read_labelled_light_curves
from .parquet import iter_parquet, read_parquet, write_parquet
from .plain_csv import PLAIN_CSV_ARRAYS, is_plain_csv, read_plain_csv
from .rrlyrae import pulsation_period, read_gaia_dr3, read_labels, read_vari_rrlyrae, star_type
from .selection import select_paper_sample
from .stream import iter_light_curves

__all__ = [
    "EPOCH_PHOTOMETRY_COLUMNS",
    "G_ZEROPOINT",
    "PLAIN_CSV_ARRAYS",
    "VARI_RRLYRAE_COLUMNS",
    "GaiaDR3Files",
    "fetch_gaia_dr3",
    "gaia",
    "iter_light_curves",
    "is_plain_csv",
    "iter_parquet",
    "pulsation_period",
    "read_epoch_photometry",
    "read_gaia_dr3",
    "read_labelled_light_curves",
    "read_labels",
    "read_parquet",
    "read_plain_csv",
    "read_vari_rrlyrae",
    "select_paper_sample",
    "star_type",
    "write_parquet",
]
