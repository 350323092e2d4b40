"""The real labelled sample of Dékány & Grebel (2022): shipped table, loader, download."""

import io
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rrlsk.datasets import _dekany2022, dekany2022_sample, load_dekany2022, read_folded_curves
from rrlsk.metrics import mae, r2, rmse
from rrlsk.preprocessing import PhaseFolder, check_light_curves

from conftest import DR2_TARBALL, SHARED_DATA


def test_shipped_table_is_the_published_sample():
    table = dekany2022_sample()
    assert len(table) == 4013 and table.index.is_unique and table.index.dtype == np.int64
    assert table["fold"].value_counts().sort_index().tolist() == [446] * 8 + [445]
    assert 0.33 < table["period"].min() and table["period"].max() < 0.92
    assert table["feh_label"].std() == pytest.approx(0.477, abs=5e-4)
    # the published out-of-fold result, the number to beat
    y, oof = table["feh_label"], table["dekany_oof"]
    assert (round(mae(y, oof), 4), round(rmse(y, oof), 4), round(r2(y, oof), 3)) == (0.1351, 0.1783, 0.860)


@pytest.mark.skipif(not (SHARED_DATA / "dekany2022").exists(), reason="../shared/data absent")
def test_shipped_table_equals_the_shared_one():
    shared = pd.read_csv(SHARED_DATA / "dekany2022" / "gaia_dr2_dev_sample.csv", index_col="source_id")
    pd.testing.assert_frame_equal(dekany2022_sample(), shared, check_exact=False, rtol=0, atol=5e-7)


def _write_archive(path: Path, curves: dict) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for source_id, text in curves.items():
            data = text.encode()
            member = tarfile.TarInfo(f"lc_dev_g/{source_id}_bin.dat")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def test_read_folded_curves_keeps_one_sorted_cycle(tmp_path):
    # as published: every point twice (phase and phase + 1), up to phase 1.2
    text = "0.5 16.2\n0.1 16.0\n0.9 16.4\n1.1 16.0\n"
    _write_archive(tmp_path / "lc.tar.gz", {11: text, 12: text})
    curves = read_folded_curves(tmp_path / "lc.tar.gz", source_ids=[12])
    assert list(curves) == [12]
    np.testing.assert_array_equal(curves[12][0], [0.1, 0.5, 0.9])
    np.testing.assert_array_equal(curves[12][1], [16.0, 16.2, 16.4])
    # an extracted folder reads the same
    (tmp_path / "lc_dev_g").mkdir()
    (tmp_path / "lc_dev_g" / "12_bin.dat").write_text(text)
    folder = read_folded_curves(tmp_path / "lc_dev_g")
    np.testing.assert_array_equal(folder[12][1], curves[12][1])


def test_damaged_curve_file_is_named(tmp_path):
    _write_archive(tmp_path / "lc.tar.gz", {7: "0.1 16.0\n0.2\n"})
    with pytest.raises(ValueError, match=r"lc.tar.gz:lc_dev_g/7_bin.dat: expected two columns"):
        read_folded_curves(tmp_path / "lc.tar.gz")
    with pytest.raises(FileNotFoundError, match="nope.tar.gz"):
        read_folded_curves(tmp_path / "nope.tar.gz")


def test_missing_stars_are_named(tmp_path):
    _write_archive(tmp_path / "lc.tar.gz", {1: "0.1 16.0\n0.6 16.3\n"})
    with pytest.raises(FileNotFoundError, match="4013 labelled stars have no light curve, e.g. source_id"):
        load_dekany2022(tmp_path / "lc.tar.gz")


def test_without_archive_or_cache_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(_dekany2022, "_cached_archive", lambda: None)
    with pytest.raises(FileNotFoundError, match=r"fetch_dekany2022\(\)"):
        load_dekany2022()


def test_fetch_checks_the_checksum(tmp_path, monkeypatch):
    """The download goes through astropy's cache; a wrong file is refused and evicted."""
    import astropy.utils.data as data

    recorded = tmp_path / "lc_dev_g.tar.gz"
    _write_archive(recorded, {1: "0.1 16.0\n"})
    cleared = []
    monkeypatch.setattr(data, "download_file", lambda url, **kw: str(recorded))
    monkeypatch.setattr(data, "clear_download_cache", lambda url, **kw: cleared.append(url))
    with pytest.raises(OSError, match="differs from the published archive"):
        _dekany2022.fetch_dekany2022()
    assert cleared == [_dekany2022.DEKANY2022_ARCHIVE_URL]
    monkeypatch.setattr(_dekany2022, "DEKANY2022_ARCHIVE_SHA256", _dekany2022._sha256(recorded))
    assert _dekany2022.fetch_dekany2022() == recorded


@pytest.mark.realdata
@pytest.mark.skipif(not DR2_TARBALL.exists(), reason="../shared/data absent")
def test_load_dekany2022_real_sample():
    X, y, info = load_dekany2022(DR2_TARBALL)
    assert X.shape == (4013, 5) and "mag_err" not in X  # no per-point errors: normal input
    assert list(info.columns) == ["fold", "dekany_oof", "n_epochs", "n_points"]  # n_points: deprecated copy
    assert info["n_epochs"].median() == 34 and info["n_epochs"].min() >= 21
    assert (X["type"] == "RRab").all() and (X["epoch"] == 0).all()
    assert check_light_curves(X)["ok"].all()
    # time = phase x period at epoch 0: folding gives back the published phases
    first = X.iloc[0]
    folded = PhaseFolder().fit_transform(X.iloc[:1])
    np.testing.assert_allclose(folded["phase"].iloc[0], first["time"] / first["period"], atol=1e-12)
    assert y.name == "feh" and round(mae(y, info["dekany_oof"]), 4) == 0.1351


def test_shipped_demo_curves_are_real_labelled_stars():
    from rrlsk.datasets import load_dekany2022_demo

    X, y, info = load_dekany2022_demo()
    assert len(X) == 300 and X.index.is_unique and set(X.index) <= set(dekany2022_sample().index)
    assert check_light_curves(X)["ok"].all() and info["n_epochs"].min() >= 21
    # stratified on the label: every tenth of the label distribution holds 30 stars
    deciles = np.quantile(dekany2022_sample()["feh_label"], np.linspace(0, 1, 11))
    counts = np.histogram(y, deciles)[0]
    assert counts.min() >= 28 and counts.max() <= 32
