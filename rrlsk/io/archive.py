"""Download Gaia DR3 ``vari_rrlyrae`` rows and epoch photometry (needs the
``archive`` extra: ``pip install 'rrlsk[archive]'``, i.e. astroquery).

Work is split into batches of source_ids; each batch is written to the cache
as soon as it arrives (atomically), and a batch already in the cache is never
fetched again, so an interrupted download resumes where it stopped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .._atomic import write_atomic
from ._tables import PathLike
from .gaia import EPOCH_PHOTOMETRY_COLUMNS

__all__ = ["GaiaDR3Files", "fetch_gaia_dr3"]

#: ADQL table of the DR3 RR Lyrae catalogue.
VARI_RRLYRAE_TABLE = "gaiadr3.vari_rrlyrae"


class GaiaDR3Files(NamedTuple):
    """Cached files of :func:`fetch_gaia_dr3`, one per batch (VOTable).

    Pass them to :func:`rrlsk.io.read_gaia_dr3` as
    ``read_gaia_dr3(files.epoch_photometry, files.vari_rrlyrae, ...)``.

    Parameters
    ----------
    epoch_photometry : list of pathlib.Path
        The epoch-photometry VOTables.
    vari_rrlyrae : list of pathlib.Path
        The ``vari_rrlyrae`` VOTables.
    n_fetched : int
        Batches downloaded by this call (the others were cached).
    """

    epoch_photometry: list[Path]
    vari_rrlyrae: list[Path]
    n_fetched: int  # batches downloaded by this call (the others were cached)


def _gaia():
    try:
        from astroquery.gaia import Gaia
    except ImportError as err:
        raise ImportError(
            "fetch_gaia_dr3 needs astroquery; install it with: pip install 'rrlsk[archive]'"
        ) from err
    return Gaia


def _batch_name(ids: np.ndarray) -> str:
    digest = hashlib.sha1(",".join(map(str, ids.tolist())).encode()).hexdigest()[:16]
    return f"batch-{digest}.xml"


def _write_votable(table, path: Path) -> None:
    write_atomic(path, lambda tmp: table.write(tmp, format="votable", overwrite=True))


def _photometry_table(datalink: dict):
    from astropy.table import Table, vstack

    tables = [t.to_table() if hasattr(t, "to_table") else t
              for value in datalink.values() for t in (value if isinstance(value, list) else [value])]
    if not tables:
        return Table(names=[n for n, _ in EPOCH_PHOTOMETRY_COLUMNS],
                     dtype=[np.dtype("U2") if d == "str" else np.dtype(d) for _, d in EPOCH_PHOTOMETRY_COLUMNS])
    return vstack(tables, metadata_conflicts="silent")


def fetch_gaia_dr3(
    source_ids: Iterable[int],
    cache_dir: PathLike,
    *,
    batch_size: int = 500,
    data_release: str = "Gaia DR3",
    valid_data: bool = False,
) -> GaiaDR3Files:
    """Fetch ``vari_rrlyrae`` rows and DataLink epoch photometry into a cache.

    For each batch of source_ids: one ADQL query
    ``SELECT * FROM gaiadr3.vari_rrlyrae WHERE source_id IN (...)`` through
    ``Gaia.launch_job_async``, and one
    ``Gaia.load_data(ids, retrieval_type="EPOCH_PHOTOMETRY",
    data_release=data_release, format="votable")`` call.

    Parameters
    ----------
    source_ids : iterable of int
        Gaia DR3 source_ids (duplicates are ignored; batches are formed from
        the sorted ids, so the same ids give the same batches).
    cache_dir : path
        Directory for ``vari_rrlyrae/batch-<hash>.xml`` and
        ``epoch_photometry/batch-<hash>.xml``; created if needed.
    batch_size : int, default 500
        Stars per archive request (DataLink accepts at most 5000).
    data_release : str, default "Gaia DR3"
        Data release DataLink serves the epoch photometry from.
    valid_data : bool, default False
        Ask DataLink for valid transits only; by default all transits come and
        the readers drop the rejected ones (and count them).

    Returns
    -------
    GaiaDR3Files
        The cached files of all batches, and how many batches were fetched.

    Raises
    ------
    ImportError
        Without astroquery.
    ValueError
        For no source_ids, non-integer ids or a bad ``batch_size``.
    """
    try:
        ids = np.unique(np.asarray(list(source_ids), dtype=np.int64))
    except (TypeError, ValueError, OverflowError) as err:
        raise ValueError(f"fetch_gaia_dr3: source_ids must be integers: {err}") from err
    if ids.size == 0:
        raise ValueError("fetch_gaia_dr3: no source_ids given")
    if not 1 <= int(batch_size) <= 5000:
        raise ValueError(f"fetch_gaia_dr3: batch_size must be in [1, 5000], got {batch_size!r}")
    cache = Path(cache_dir)
    (cache / "vari_rrlyrae").mkdir(parents=True, exist_ok=True)
    (cache / "epoch_photometry").mkdir(parents=True, exist_ok=True)

    files = GaiaDR3Files([], [], 0)
    fetched = 0
    for start in range(0, ids.size, int(batch_size)):
        batch = ids[start:start + int(batch_size)]
        name = _batch_name(batch)
        catalogue, photometry = cache / "vari_rrlyrae" / name, cache / "epoch_photometry" / name
        if not (catalogue.exists() and photometry.exists()):
            gaia = _gaia()
            fetched += 1
            if not catalogue.exists():
                query = (f"SELECT * FROM {VARI_RRLYRAE_TABLE} "
                         f"WHERE source_id IN ({', '.join(map(str, batch.tolist()))})")
                _write_votable(gaia.launch_job_async(query).get_results(), catalogue)
            if not photometry.exists():
                datalink = gaia.load_data(
                    ids=batch.tolist(),
                    data_release=data_release,
                    retrieval_type="EPOCH_PHOTOMETRY",
                    data_structure="INDIVIDUAL",
                    format="votable",
                    valid_data=valid_data,
                )
                _write_votable(_photometry_table(datalink), photometry)
        files.vari_rrlyrae.append(catalogue)
        files.epoch_photometry.append(photometry)
    return files._replace(n_fetched=fetched)
