"""fetch_gaia_dr3 against recorded archive replies (no network)."""

import ast
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from astropy.io import votable
from astropy.table import Table

from rrlsk import io as rio
from rrlsk.io import archive
from rrlsk.io.gaia import EPOCH_PHOTOMETRY_COLUMNS

IDS = [4111834567779557376 + 1000 * k for k in range(5)]


def photometry(sid, n=12):
    """One star's DataLink reply: G and BP transits, two G ones rejected."""
    rng = np.random.default_rng(sid % 1000)
    bands = ["G"] * n + ["BP"] * 3
    m = len(bands)
    table = Table(
        {
            "source_id": np.full(m, sid, dtype=np.int64),
            "transit_id": np.arange(m, dtype=np.int64) + 10**16,
            "band": bands,
            "time": rng.uniform(1700, 2700, m),
            "mag": rng.normal(16, 0.3, m),
            "flux": rng.uniform(1e3, 2e3, m),
            "flux_error": rng.uniform(1, 2, m),
            "flux_over_error": rng.uniform(100, 200, m).astype(np.float32),
            "rejected_by_photometry": np.arange(m) < 2,
            "rejected_by_variability": np.zeros(m, dtype=bool),
            "other_flags": np.zeros(m, dtype=np.int64),
            "solution_id": np.full(m, 375316653866487564, dtype=np.int64),
        }
    )
    assert table.colnames == [name for name, _ in EPOCH_PHOTOMETRY_COLUMNS]
    return table


class FakeGaia:
    """Stands in for ``astroquery.gaia.Gaia``: replies are VOTable files
    written here and parsed the way astroquery parses them."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.queries, self.loads = [], []

    def launch_job_async(self, query, **kwargs):
        self.queries.append(query)
        ids = [int(s) for s in query.split("IN (")[1].rstrip(")").split(",")]
        reply = Table({"SOURCE_ID": np.array(ids, dtype=np.int64),
                       "PF": np.full(len(ids), 0.55), "EPOCH_G": np.full(len(ids), 1700.25),
                       "METALLICITY": np.full(len(ids), -1.25), "METALLICITY_ERROR": np.full(len(ids), 0.2)})
        path = self.folder / f"job{len(self.queries)}.vot"
        reply.write(path, format="votable", overwrite=True)

        class Job:
            def get_results(self):
                return Table.read(path, format="votable")

        return Job()

    def load_data(self, ids, **kwargs):
        self.loads.append((list(ids), kwargs))
        assert kwargs["retrieval_type"] == "EPOCH_PHOTOMETRY" and kwargs["format"] == "votable"
        assert kwargs["data_release"] == "Gaia DR3"
        reply = {}
        for sid in ids:
            if sid == IDS[-1]:
                continue  # a star without epoch photometry
            name = f"EPOCH_PHOTOMETRY-Gaia DR3 {sid}.xml"
            photometry(sid).write(self.folder / name, format="votable", overwrite=True)
            reply[name] = list(votable.parse(self.folder / name).iter_tables())
        return reply


@pytest.fixture
def fake(tmp_path, monkeypatch):
    gaia = FakeGaia(tmp_path)
    monkeypatch.setattr(archive, "_gaia", lambda: gaia)
    return gaia


def test_fetch_then_read_and_resume(tmp_path, fake):
    cache = tmp_path / "cache"
    files = rio.fetch_gaia_dr3(IDS[::-1] + IDS[:1], cache, batch_size=2)
    assert files.n_fetched == 3 and len(files.epoch_photometry) == 3
    assert len(fake.queries) == 3 and [ids for ids, _ in fake.loads] == [IDS[:2], IDS[2:4], IDS[4:]]
    assert "FROM gaiadr3.vari_rrlyrae WHERE source_id IN" in fake.queries[0]

    with pytest.warns(UserWarning, match=f"no valid G photometry: 1 star.*{IDS[-1]}"):
        X, y, info = rio.read_gaia_dr3(files.epoch_photometry, files.vari_rrlyrae)
    assert list(X.index) == IDS[:4]
    assert (X["period"] == 0.55).all() and (X["epoch"] == 1700.25).all() and (y == -1.25).all()
    assert (info["n_kept"] == 10).all() and (info["n_rejected"] == 2).all()
    reply = photometry(IDS[0])
    g = np.flatnonzero(np.asarray(reply["band"]) == "G")[2:]
    order = np.argsort(np.asarray(reply["time"])[g])
    np.testing.assert_array_equal(X.at[IDS[0], "time"], np.asarray(reply["time"])[g][order])
    np.testing.assert_array_equal(X.at[IDS[0], "mag"], np.asarray(reply["mag"])[g][order])
    with pytest.warns(UserWarning):
        from_folder = rio.read_gaia_dr3(cache)  # the cache is a Gaia folder
    pd.testing.assert_frame_equal(from_folder[0], X)

    again = rio.fetch_gaia_dr3(IDS, cache, batch_size=2)
    assert again.n_fetched == 0 and len(fake.queries) == 3 and len(fake.loads) == 3
    assert again == files._replace(n_fetched=0)

    files.epoch_photometry[1].unlink()  # an interrupted batch
    resumed = rio.fetch_gaia_dr3(IDS, cache, batch_size=2)
    assert resumed.n_fetched == 1 and len(fake.queries) == 3 and fake.loads[-1][0] == IDS[2:4]
    assert not list(cache.rglob("*.part"))


def test_fetch_argument_errors(tmp_path, fake):
    with pytest.raises(ValueError, match="no source_ids"):
        rio.fetch_gaia_dr3([], tmp_path)
    with pytest.raises(ValueError, match="must be integers"):
        rio.fetch_gaia_dr3(["abc"], tmp_path)
    with pytest.raises(ValueError, match="batch_size"):
        rio.fetch_gaia_dr3(IDS, tmp_path, batch_size=0)


def test_missing_astroquery_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "astroquery.gaia", None)
    with pytest.raises(ImportError, match=r"pip install 'rrlsk\[archive\]'"):
        rio.fetch_gaia_dr3(IDS, tmp_path)


def test_keywords_exist_in_installed_astroquery():
    """The keywords passed to Gaia match astroquery's GaiaClass (read from its
    source, because importing astroquery.gaia contacts the archive)."""
    spec = importlib.util.find_spec("astroquery")
    if spec is None:
        pytest.skip("astroquery not installed")
    source = Path(spec.submodule_search_locations[0]) / "gaia" / "core.py"
    tree = ast.parse(source.read_text())
    methods = {node.name: {a.arg for a in node.args.args + node.args.kwonlyargs}
               for cls in tree.body if isinstance(cls, ast.ClassDef) and cls.name == "GaiaClass"
               for node in cls.body if isinstance(node, ast.FunctionDef)}
    assert {"ids", "data_release", "retrieval_type", "data_structure", "format", "valid_data"} <= methods["load_data"]
    assert "query" in methods["launch_job_async"]
