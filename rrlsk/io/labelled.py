"""A labelled training set from whatever the user has on disk: an rrlsk
Parquet file with its labels, or a folder of Gaia DR3 tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._tables import PathLike, format_ids
from .parquet import read_parquet
from .rrlyrae import read_gaia_dr3, read_labels

__all__ = ["read_labelled_light_curves"]


def read_labelled_light_curves(
    source: PathLike, *, labels: PathLike | None = None
) -> tuple[pd.DataFrame, pd.Series, pd.Series | None]:
    """Read light curves and their [Fe/H] labels for training or validation.

    Parameters
    ----------
    source : str or path
        An rrlsk Parquet file (``.parquet``) with a ``feh`` column and
        optionally ``feh_error`` (dex), as written by
        :func:`rrlsk.io.write_parquet` (``rrlsk simulate``, ``rrlsk
        select``); or a folder of Gaia tables (``epoch_photometry``,
        ``vari_rrlyrae``, optionally ``labels``) as read by
        :func:`rrlsk.io.read_gaia_dr3`.
    labels : str or path, optional
        Table with ``source_id``, [Fe/H] and its error (dex), any format of
        :func:`rrlsk.io.read_labels`. It replaces the labels of ``source``;
        for a Parquet file only the stars in both are kept.

    Returns
    -------
    X : pandas.DataFrame
        Light-curve table of the labelled stars (index ``source_id``).
    y : pandas.Series
        [Fe/H] (dex), named ``feh``, indexed like ``X``.
    feh_error : pandas.Series or None
        1-sigma label errors (dex), indexed like ``X``; None when the
        Parquet file has no ``feh_error`` column.

    Raises
    ------
    FileNotFoundError
        ``source`` does not exist.
    ValueError
        Naming the file: ``source`` is neither a ``.parquet`` file nor a
        folder; ``labels`` shares no ``source_id`` with it; it has no
        ``feh`` column; or some stars have no ``feh``, or a ``feh_error``
        that is not a positive number (naming the stars).

    See Also
    --------
    rrlsk.io.read_gaia_dr3 : The folder reader, with every option.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from rrlsk.datasets import make_gaia_rrab
    >>> from rrlsk.io import read_labelled_light_curves, write_parquet
    >>> X, y, info = make_gaia_rrab(5, random_state=0)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "stars.parquet"
    >>> write_parquet(X.join(info[["feh", "feh_error"]]), path)
    >>> X, y, feh_error = read_labelled_light_curves(path)
    >>> len(X), y.name, feh_error is not None
    (5, 'feh', True)
    """
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if path.is_dir():
        X, y, info = read_gaia_dr3(path, labels=labels)
        return X, y, info["feh_error"]
    if path.suffix.lower() != ".parquet":
        raise ValueError(f"{path}: expected an rrlsk Parquet file (.parquet) or a folder of Gaia tables")
    X = read_parquet(path)
    if labels is not None:
        table = read_labels(labels)
        X = X.drop(columns=[c for c in table.columns if c in X.columns]).join(table, how="inner")
        if X.empty:
            raise ValueError(f"{labels}: no source_id in common with {path}")
    if "feh" not in X.columns:
        raise ValueError(f"{path}: no feh column; pass --labels FILE (labels=FILE in Python) "
                         "with source_id, feh, feh_error")
    where = labels if labels is not None else path
    missing = X.index[X["feh"].isna()]
    if len(missing):
        raise ValueError(f"{where}: no feh for {format_ids(missing)}")
    feh_error = X["feh_error"].astype(float) if "feh_error" in X.columns else None
    if feh_error is not None:
        bad = X.index[~(feh_error > 0)]  # NaN too
        if len(bad):
            raise ValueError(f"{where}: feh_error must be a positive number of dex (the label's 1-sigma error), "
                             f"not for {format_ids(bad)}")
    return X, X["feh"].astype(float).rename("feh"), feh_error
