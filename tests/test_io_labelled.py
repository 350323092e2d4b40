"""read_labelled_light_curves: a labelled training set from a Parquet file or a Gaia folder."""

import numpy as np
import pandas as pd
import pytest

from rrlsk.datasets import make_gaia_rrab, to_gaia_files
from rrlsk.io import read_labelled_light_curves, write_parquet


@pytest.fixture(scope="module")
def sample():
    X, y, info = make_gaia_rrab(12, labels="spectroscopic", random_state=4)
    return X, info


def write(tmp_path, X, name="stars.parquet"):
    path = tmp_path / name
    write_parquet(X, path)
    return path


def test_parquet_with_labels(tmp_path, sample):
    X, info = sample
    path = write(tmp_path, X.join(info[["feh", "feh_error"]]))
    Xr, y, feh_error = read_labelled_light_curves(path)
    assert list(Xr.index) == list(X.index)
    assert y.name == "feh" and y.dtype == np.float64
    np.testing.assert_array_equal(y, info["feh"])
    np.testing.assert_array_equal(feh_error, info["feh_error"])


def test_parquet_without_feh_error_has_no_errors(tmp_path, sample):
    X, info = sample
    _, y, feh_error = read_labelled_light_curves(write(tmp_path, X.join(info[["feh"]])))
    assert feh_error is None and len(y) == len(X)


def test_label_table_replaces_labels_and_keeps_common_stars(tmp_path, sample):
    X, info = sample
    path = write(tmp_path, X.join(info[["feh", "feh_error"]]))
    labels = pd.DataFrame({"source_id": X.index[:5], "feh": -1.0, "feh_error": 0.2})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    Xr, y, feh_error = read_labelled_light_curves(path, labels=tmp_path / "labels.csv")
    assert list(Xr.index) == list(X.index[:5])
    assert (y == -1.0).all() and (feh_error == 0.2).all()


def test_gaia_folder(tmp_path, sample):
    X, info = sample
    to_gaia_files(X, info, tmp_path / "gaia", format="csv")
    Xr, y, feh_error = read_labelled_light_curves(tmp_path / "gaia")
    assert set(Xr.index) == set(X.index)
    np.testing.assert_allclose(y.loc[X.index], info["feh"], atol=1e-6)
    np.testing.assert_allclose(feh_error.loc[X.index], info["feh_error"], atol=1e-6)


def test_errors_name_the_file_and_the_problem(tmp_path, sample):
    X, info = sample
    with pytest.raises(FileNotFoundError, match="nope.parquet: no such file or folder"):
        read_labelled_light_curves(tmp_path / "nope.parquet")
    (tmp_path / "curves.txt").write_text("1 2 3\n")
    with pytest.raises(ValueError, match="curves.txt: expected an rrlsk Parquet file"):
        read_labelled_light_curves(tmp_path / "curves.txt")
    with pytest.raises(ValueError, match="nolabels.parquet: no feh column; pass --labels"):
        read_labelled_light_curves(write(tmp_path, X, "nolabels.parquet"))
    partly = X.join(info[["feh"]]).assign(feh=lambda t: t["feh"].where(np.arange(len(t)) % 4 > 0))
    with pytest.raises(ValueError, match=rf"partly.parquet: no feh for 3 star\(s\): source_id {X.index[0]}, "):
        read_labelled_light_curves(write(tmp_path, partly, "partly.parquet"))
    pd.DataFrame({"source_id": [1, 2], "feh": -1.0, "feh_error": 0.1}).to_csv(tmp_path / "other.csv", index=False)
    with pytest.raises(ValueError, match="other.csv: no source_id in common with"):
        read_labelled_light_curves(write(tmp_path, X, "x.parquet"), labels=tmp_path / "other.csv")


def test_bad_label_values_name_the_file_and_the_stars(tmp_path, sample):
    X, info = sample
    labels = info[["feh", "feh_error"]].reset_index().astype({"feh": object})
    labels.loc[1, "feh"] = "-1.5 dex"
    labels.to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(ValueError, match=rf"labels.csv: column 'feh' is not a number for source_id {X.index[1]} "
                                         r"\('-1.5 dex'\); give \[Fe/H\] and its error as plain numbers in dex"):
        read_labelled_light_curves(write(tmp_path, X), labels=tmp_path / "labels.csv")
    errors = X.join(info[["feh", "feh_error"]]).assign(
        feh_error=lambda t: t["feh_error"].where(np.arange(len(t)) != 3, -0.1))
    with pytest.raises(ValueError, match=rf"errors.parquet: feh_error must be a positive number of dex .*, not for "
                                         rf"1 star\(s\): source_id {X.index[3]}"):
        read_labelled_light_curves(write(tmp_path, errors, "errors.parquet"))
