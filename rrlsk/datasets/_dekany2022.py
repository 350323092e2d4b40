"""The real labelled Gaia DR2 RRab sample of Dékány & Grebel (2022).

4,013 fundamental-mode RR Lyrae stars with Gaia DR2 G-band light curves,
[Fe/H] labels from their OGLE-IV I-band light curves (Dékány, Grebel &
Pojmański 2021, on the high-resolution spectroscopic scale), fixed
cross-validation folds and the published G-band model's out-of-fold
predictions. The small table of labels, periods and folds ships with rrlsk
(``data/dekany2022_sample.csv``, MIT licence, ``data/LICENSE-dekany2022``);
the light curves are the authors' public archive ``lc_dev_g.tar.gz``, which
:func:`fetch_dekany2022` downloads and caches for online users.

Cite Dékány & Grebel (2022, ApJS 261, 33) with anything made from it.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "DEKANY2022_ARCHIVE_SHA256",
    "DEKANY2022_ARCHIVE_URL",
    "DEKANY2022_CITATION",
    "dekany2022_sample",
    "fetch_dekany2022",
    "load_dekany2022",
    "load_dekany2022_demo",
    "read_folded_curves",
]

#: The authors' archive of phase-folded G curves, at the commit it was published with.
DEKANY2022_ARCHIVE_URL = (
    "https://github.com/idekany/rrl_feh_nn/raw/b063e3e112cc536c6a29a8ad0ce7caa1a6472e0e/lc_dev_g.tar.gz"
)
#: SHA-256 of that archive (13,323 curves, 3,623,736 bytes).
DEKANY2022_ARCHIVE_SHA256 = "73bdea622e27d89a571a5029d8622cdaea21773a32ffffe7439c5e32760f9c0b"
#: The reference to cite with anything made from the sample or the models.
DEKANY2022_CITATION = (
    "Dékány, I. & Grebel, E. K. 2022, ApJS 261, 33, 'Photometric metallicity prediction of "
    "fundamental-mode RR Lyrae stars in the Gaia optical and Ks infrared wavebands by deep learning'"
)
#: Name of the shipped table, in ``rrlsk/datasets/data``.
SAMPLE_TABLE = "dekany2022_sample.csv"
#: Name of the shipped 300 real curves, in ``rrlsk/datasets/data``.
DEMO_TABLE = "dekany2022_demo.parquet"
#: File-name suffix of one curve in the archive: ``lc_dev_g/<source_id>_bin.dat``.
CURVE_SUFFIX = "_bin.dat"


def dekany2022_sample() -> pd.DataFrame:
    """The shipped table of the 4,013 labelled stars (no light curves).

    Returns
    -------
    pandas.DataFrame
        Index ``source_id`` (Gaia DR2, int64); columns ``fold`` (0-8, the
        published cross-validation fold; a tenth fold of 445 stars is kept
        back by the authors of this table), ``period`` (d; derived by
        inverting the published G models, see
        ``scripts/derive_dekany2022_periods.py``), ``feh_label`` ([Fe/H],
        dex, from OGLE-IV I-band curves on the spectroscopic scale) and
        ``dekany_oof`` (the published out-of-fold G-band prediction, dex).
    """
    with resources.files(__package__).joinpath("data", SAMPLE_TABLE).open("r") as fh:
        table = pd.read_csv(fh, comment="#", dtype={"source_id": np.int64, "fold": np.int64})
    return table.set_index("source_id")


def _parse_curve(text: bytes, name: str) -> tuple[np.ndarray, np.ndarray]:
    """One archive file -> (phase, mag) of one cycle (phase < 1), sorted by phase."""
    values = np.array(text.split(), dtype=float)
    if values.size == 0 or values.size % 2:
        raise ValueError(f"{name}: expected two columns (phase, G magnitude), got {values.size} numbers")
    phase, mag = values.reshape(-1, 2).T
    keep = phase < 1.0
    order = np.argsort(phase[keep], kind="stable")
    return phase[keep][order], mag[keep][order]


def _source_id(name: str) -> int | None:
    base = os.path.basename(name)
    if not base.endswith(CURVE_SUFFIX):
        return None
    stem = base[: -len(CURVE_SUFFIX)]
    return int(stem) if stem.isdigit() else None


def _archive_members(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        for file in sorted(path.rglob(f"*{CURVE_SUFFIX}")):
            yield str(file), file.read_bytes()
        return
    with tarfile.open(path) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(CURVE_SUFFIX):
                yield f"{path}:{member.name}", tar.extractfile(member).read()


def read_folded_curves(
    light_curves: str | os.PathLike, source_ids: Iterable[int] | None = None
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Read phase-folded curves of the authors' archive (``*_bin.dat`` files).

    Parameters
    ----------
    light_curves : str or path-like
        The archive ``lc_dev_g.tar.gz`` (any tar file of ``*_bin.dat``) or a
        folder holding the extracted files.
    source_ids : iterable of int, optional
        Read only these stars (default: every curve found).

    Returns
    -------
    dict
        ``{source_id: (phase, mag)}``: one cycle (phase in [0, 1), sorted)
        and G magnitudes (mag).

    Raises
    ------
    FileNotFoundError
        If ``light_curves`` does not exist.
    ValueError
        Naming the file, if a curve file is not two numeric columns.
    """
    path = Path(light_curves)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such archive or folder of *{CURVE_SUFFIX} light curves")
    wanted = None if source_ids is None else {int(i) for i in source_ids}
    curves = {}
    for name, text in _archive_members(path):
        source_id = _source_id(name)
        if source_id is None or (wanted is not None and source_id not in wanted):
            continue
        curves[source_id] = _parse_curve(text, name)
    return curves


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_dekany2022(*, show_progress: bool = False) -> Path:
    """Download the authors' archive of G curves once, into astropy's cache.

    Never needed: :func:`load_dekany2022` takes a local copy. A second call
    returns the cached file without a connection.

    Parameters
    ----------
    show_progress : bool, default False
        Show astropy's download progress bar.

    Returns
    -------
    pathlib.Path
        The cached ``lc_dev_g.tar.gz`` (SHA-256 checked).

    Raises
    ------
    OSError
        If the download fails or the file's checksum differs from
        :data:`DEKANY2022_ARCHIVE_SHA256`.
    """
    from astropy.utils.data import clear_download_cache, download_file

    path = Path(download_file(DEKANY2022_ARCHIVE_URL, cache=True, show_progress=show_progress, pkgname="rrlsk"))
    found = _sha256(path)
    if found != DEKANY2022_ARCHIVE_SHA256:
        clear_download_cache(DEKANY2022_ARCHIVE_URL, pkgname="rrlsk")
        raise OSError(
            f"{DEKANY2022_ARCHIVE_URL}: SHA-256 {found} differs from the published archive's "
            f"{DEKANY2022_ARCHIVE_SHA256}; the cached copy was removed"
        )
    return path


def _cached_archive() -> Path | None:
    from astropy.utils.data import download_file, is_url_in_cache

    if not is_url_in_cache(DEKANY2022_ARCHIVE_URL, pkgname="rrlsk"):
        return None
    return Path(download_file(DEKANY2022_ARCHIVE_URL, cache=True, pkgname="rrlsk"))


def load_dekany2022(light_curves: str | os.PathLike | None = None):
    """The 4,013 real labelled Gaia DR2 RRab stars as a light-curve table.

    Parameters
    ----------
    light_curves : str or path-like, optional
        The authors' archive ``lc_dev_g.tar.gz`` or its extracted folder.
        By default, the copy cached by :func:`fetch_dekany2022`.

    Returns
    -------
    X : pandas.DataFrame
        Light-curve table (index ``source_id``): ``time`` = phase x period
        (d, one cycle, epoch of the aligned phase zero at 0), ``mag`` (G,
        mag), ``period`` (d), ``epoch`` (0.0) and ``type`` (``"RRab"``). The
        curves are already folded and aligned on their first Fourier phase;
        they have no per-point errors (no ``mag_err`` column).
    y : pandas.Series
        ``feh``: the [Fe/H] labels, dex (SD 0.477).
    info : pandas.DataFrame
        ``fold`` (0-8), ``dekany_oof`` (the published out-of-fold
        prediction, dex) and ``n_epochs`` (observed points in the cycle);
        ``n_points``, its former name, is kept as a deprecated copy.

    Raises
    ------
    FileNotFoundError
        If no archive is given and none is cached, or if stars of the table
        have no curve in the archive (named).

    Examples
    --------
    >>> from rrlsk.datasets import dekany2022_sample
    >>> table = dekany2022_sample()
    >>> len(table), int(table["fold"].max())
    (4013, 8)
    """
    if light_curves is None:
        light_curves = _cached_archive()
        if light_curves is None:
            raise FileNotFoundError(
                "load_dekany2022: no light curves given and none cached; pass the archive "
                "lc_dev_g.tar.gz (or its folder), or download it once with "
                "rrlsk.datasets.fetch_dekany2022()"
            )
    table = dekany2022_sample()
    curves = read_folded_curves(light_curves, table.index)
    missing = table.index.difference(pd.Index(list(curves), dtype=np.int64))
    if len(missing):
        raise FileNotFoundError(
            f"{light_curves}: {len(missing)} labelled stars have no light curve, e.g. "
            f"source_id {', '.join(map(str, missing[:5]))}"
        )
    ids = table.index.to_numpy()
    period = table["period"].to_numpy(dtype=float)
    phases = [curves[i][0] for i in ids]
    index = pd.Index(ids, name="source_id")
    X = pd.DataFrame(
        {
            "time": [phase * p for phase, p in zip(phases, period)],
            "mag": [curves[i][1] for i in ids],
            "period": period,
            "epoch": 0.0,
            "type": "RRab",
        },
        index=index,
    )
    n_epochs = np.fromiter((len(p) for p in phases), dtype=np.int64, count=len(phases))
    y, info = _labels_and_info(table, index, n_epochs)
    return X, y, info


def _labels_and_info(table: pd.DataFrame, index: pd.Index, n_epochs: np.ndarray):
    y = pd.Series(table.loc[index, "feh_label"].to_numpy(dtype=float), index=index, name="feh")
    info = pd.DataFrame(
        {"fold": table.loc[index, "fold"].to_numpy(), "dekany_oof": table.loc[index, "dekany_oof"].to_numpy(dtype=float),
         "n_epochs": n_epochs, "n_points": n_epochs},  # n_points: deprecated alias of n_epochs
        index=index,
    )
    return y, info


def load_dekany2022_demo():
    """300 of the real labelled stars, shipped with rrlsk (no download).

    A fixed sample stratified on the label (``scripts/make_dekany2022_demo.py``),
    for examples and ``rrlsk demo``: real Gaia DR2 G curves as a user's
    Parquet file would hold them.

    Returns
    -------
    X : pandas.DataFrame
        Light-curve table as :func:`load_dekany2022` gives it.
    y : pandas.Series
        ``feh``: their [Fe/H] labels, dex.
    info : pandas.DataFrame
        ``fold``, ``dekany_oof`` and ``n_epochs`` (and its deprecated copy
        ``n_points``), as :func:`load_dekany2022`.

    Examples
    --------
    >>> from rrlsk.datasets import load_dekany2022_demo
    >>> X, y, info = load_dekany2022_demo()
    >>> X.shape, sorted(X.columns)
    ((300, 5), ['epoch', 'mag', 'period', 'time', 'type'])
    """
    from ..io import read_parquet

    with resources.as_file(resources.files(__package__).joinpath("data", DEMO_TABLE)) as path:
        X = read_parquet(path)
    n_epochs = np.fromiter((len(t) for t in X["time"]), dtype=np.int64, count=len(X))
    y, info = _labels_and_info(dekany2022_sample(), X.index, n_epochs)
    return X, y, info
