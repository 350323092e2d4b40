"""rrlsk.io readers: Gaia DR3 epoch photometry, vari_rrlyrae, labels,
the paper's selection, and streaming."""

import gzip
import warnings

import numpy as np
import pandas as pd
import pytest
from astropy.table import Table

from rrlsk import io as rio
from rrlsk.io.gaia import EPOCH_PHOTOMETRY_COLUMNS, G_ZEROPOINT

IDS = np.array([5978423987417346304, 5358310424375618304, 5341271082206872704,
                5844089608021904768, 5992931321712867200], dtype=np.int64)
ALL_REJECTED = IDS[4]  # every G transit of this star is rejected


def make_transits(seed=0, n_g=20):
    """A 5-star DataLink EPOCH_PHOTOMETRY table (G, BP, RP rows, shuffled)
    with rejected transits and NaN magnitudes."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, sid in enumerate(IDS):
        for band, n in (("G", n_g + k), ("BP", 5), ("RP", 5)):
            rows.append(pd.DataFrame({"source_id": sid, "band": band, "n": np.arange(n)}))
    frame = pd.concat(rows, ignore_index=True)
    n = len(frame)
    frame["transit_id"] = (np.int64(10**16) + rng.permutation(n).astype(np.int64) * 7919)
    frame["time"] = rng.uniform(1700.0, 2700.0, n)
    frame["mag"] = 15.0 + rng.normal(0.0, 0.3, n)
    frame["flux"] = 10 ** (-0.4 * (frame["mag"] - G_ZEROPOINT))
    frame["flux_over_error"] = rng.uniform(50, 500, n).astype(np.float32)
    frame["flux_error"] = frame["flux"] / frame["flux_over_error"].astype(np.float64)
    frame["rejected_by_photometry"] = rng.random(n) < 0.1
    frame["rejected_by_variability"] = rng.random(n) < 0.1
    frame.loc[frame["source_id"] == ALL_REJECTED, "rejected_by_variability"] = True
    nan = (rng.random(n) < 0.1) & ~frame["rejected_by_photometry"] & ~frame["rejected_by_variability"]
    frame.loc[nan, "mag"] = np.nan
    frame["other_flags"] = rng.integers(0, 2**20, n)
    frame["solution_id"] = np.int64(375316653866487564)
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    table = Table.from_pandas(frame[[name for name, _ in EPOCH_PHOTOMETRY_COLUMNS]])
    for name, dtype in EPOCH_PHOTOMETRY_COLUMNS:
        if dtype != "str":
            table[name] = table[name].astype(dtype)
    table["time"].unit, table["mag"].unit = "d", "mag"
    return table


def expected(table):
    """The light-curve table computed star by star (the slow obvious way)."""
    frame = table.to_pandas()
    good = (frame["band"] == "G") & ~frame["rejected_by_photometry"] & ~frame["rejected_by_variability"]
    good &= frame["mag"].notna()
    out = {}
    for sid, rows in frame[good].groupby("source_id"):
        rows = rows.sort_values("time")
        out[sid] = (rows["time"].to_numpy(), rows["mag"].to_numpy(),
                    2.5 / np.log(10) / rows["flux_over_error"].to_numpy().astype(np.float64))
    return out


def assert_matches(X, table):
    truth = expected(table)
    assert X.index.name == "source_id" and X.index.dtype == np.int64
    assert list(X.index) == sorted(truth)
    assert list(X.columns) == ["time", "mag", "mag_err"]
    for sid, (time, mag, mag_err) in truth.items():
        np.testing.assert_array_equal(X.at[sid, "time"], time)
        np.testing.assert_array_equal(X.at[sid, "mag"], mag)
        np.testing.assert_allclose(X.at[sid, "mag_err"], mag_err, rtol=1e-15)
        assert X.at[sid, "time"].dtype == np.float64


def write(table, path):
    fmt = {".csv": "ascii.csv", ".ecsv": "ascii.ecsv", ".xml": "votable", ".fits": "fits"}
    if path.name.endswith(".gz"):
        plain = write(table, path.with_name(path.name[:-3]))
        path.write_bytes(gzip.compress(plain.read_bytes()))
        plain.unlink()
        return path
    table.write(path, format=fmt[path.suffix], overwrite=True)
    return path


@pytest.fixture(scope="module")
def transits():
    return make_transits()


@pytest.mark.parametrize("name", ["ep.csv", "ep.csv.gz", "ep.ecsv", "ep.xml", "ep.fits"])
def test_every_format_reads_the_same_numbers(tmp_path, transits, name):
    with pytest.warns(UserWarning, match=str(ALL_REJECTED)):
        X = rio.read_epoch_photometry(write(transits, tmp_path / name))
    assert_matches(X, transits)
    frame = transits.to_pandas()
    g = frame[frame["band"] == "G"]
    rejected = g["rejected_by_photometry"] | g["rejected_by_variability"]
    assert X.attrs["n_dropped"] == {"rejected": int(rejected.sum()), "nan": int((~rejected & g["mag"].isna()).sum())}


def test_votable_fits_and_csv_directory_agree(tmp_path, transits):
    write(transits, tmp_path / "all.xml")
    write(transits, tmp_path / "all.fits")
    per_star = tmp_path / "per_star"
    per_star.mkdir()
    for sid in IDS:
        write(transits[transits["source_id"] == sid], per_star / f"EPOCH_PHOTOMETRY-Gaia DR3 {sid}.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tables = [rio.read_epoch_photometry(p) for p in (tmp_path / "all.xml", tmp_path / "all.fits", per_star)]
        tables.append(rio.read_epoch_photometry(transits))
        tables.append(rio.read_epoch_photometry(transits.to_pandas()))
    for X in tables[1:]:
        pd.testing.assert_frame_equal(X, tables[0])
        assert X.attrs == tables[0].attrs
    assert_matches(tables[0], transits)


def test_counts_and_drop_rejected_false(tmp_path, transits):
    path = write(transits, tmp_path / "ep.xml")
    with pytest.warns(UserWarning):
        X, counts = rio.read_epoch_photometry(path, return_counts=True)
    frame = transits.to_pandas()
    g = frame[frame["band"] == "G"]
    assert list(counts.index) == sorted(IDS)
    np.testing.assert_array_equal(counts["n_band"], g.groupby("source_id").size().loc[sorted(IDS)])
    assert counts.at[ALL_REJECTED, "n_kept"] == 0 and ALL_REJECTED not in X.index
    assert (counts["n_kept"] == counts["n_band"] - counts["n_rejected"] - counts["n_nan"]).all()
    np.testing.assert_array_equal(counts["n_kept"].drop(ALL_REJECTED), X["mag"].map(len))
    kept = rio.read_epoch_photometry(path, drop_rejected=False)
    assert kept.attrs["n_dropped"]["rejected"] == 0
    assert kept["mag"].map(len).sum() == g["mag"].notna().sum()
    assert all(np.all(np.diff(t) >= 0) for t in kept["time"])


def test_upper_case_columns_and_band_rp(tmp_path, transits):
    upper = transits.copy()
    upper.rename_columns(upper.colnames, [c.upper() for c in upper.colnames])
    with pytest.warns(UserWarning):
        X = rio.read_epoch_photometry(write(upper, tmp_path / "up.xml"))
    assert_matches(X, transits)
    lower = transits.to_pandas()
    for flag in ("rejected_by_photometry", "rejected_by_variability"):
        lower[flag] = np.where(lower[flag], "true", "false")
    lower.to_csv(tmp_path / "lower.csv", index=False, float_format="%.17g")
    with pytest.warns(UserWarning):
        assert_matches(rio.read_epoch_photometry(tmp_path / "lower.csv"), transits)
    rp = rio.read_epoch_photometry(transits, band="rp", drop_rejected=False)
    assert rp["mag"].map(len).sum() == np.sum((transits["band"] == "RP") & np.isfinite(transits["mag"]))


def test_mag_from_flux_when_mag_column_absent(transits):
    table = transits.copy()
    table.remove_column("mag")
    with pytest.warns(UserWarning):
        X = rio.read_epoch_photometry(table)
    frame = transits.to_pandas()
    sid = IDS[0]
    rows = frame[(frame["source_id"] == sid) & (frame["band"] == "G")
                 & ~frame["rejected_by_photometry"] & ~frame["rejected_by_variability"]].sort_values("time")
    # mag recomputed from flux: also present where the archive's mag was NaN
    np.testing.assert_allclose(X.at[sid, "mag"], -2.5 * np.log10(rows["flux"]) + G_ZEROPOINT, atol=1e-12)


def test_bad_input_errors_name_file_and_problem(tmp_path, transits):
    bad = transits.copy()
    bad.remove_column("time")
    path = write(bad, tmp_path / "no_time.xml")
    with pytest.raises(ValueError, match=r"no_time\.xml.*time"):
        rio.read_epoch_photometry(path)
    with pytest.raises(ValueError, match=r"unknown table format '\.txt'"):
        (tmp_path / "x.txt").write_text("a,b\n")
        rio.read_epoch_photometry(tmp_path / "x.txt")
    no_g = transits[transits["band"] != "G"]
    with pytest.raises(ValueError, match=r"no_g\.csv: no G-band transits"):
        rio.read_epoch_photometry(write(no_g, tmp_path / "no_g.csv"))
    (tmp_path / "broken.fits").write_bytes(b"SIMPLE  = not really a fits file")
    with pytest.raises(ValueError, match=r"broken\.fits: cannot read as fits"):
        rio.read_epoch_photometry(tmp_path / "broken.fits")
    twice = tmp_path / "twice"
    twice.mkdir()
    write(transits, twice / "a.csv")
    write(transits[transits["source_id"] == IDS[1]], twice / "b.csv")
    with pytest.raises(ValueError, match=f"duplicated G-band transit_id for 1 star.*{IDS[1]}"):
        rio.read_epoch_photometry(twice)
    flags = transits.copy()
    flags["rejected_by_photometry"] = flags["rejected_by_photometry"].astype(int) * 3
    with pytest.raises(ValueError, match="rejected_by_photometry.*non-boolean"):
        rio.read_epoch_photometry(flags)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        rio.read_epoch_photometry(tmp_path / "nowhere.csv")


def test_csv_group_error_names_the_bad_file(tmp_path, transits):
    folder = tmp_path / "d"
    folder.mkdir()
    for sid in IDS[:3]:
        write(transits[transits["source_id"] == sid], folder / f"{sid}.csv")
    good = (folder / f"{IDS[0]}.csv").read_text().splitlines()
    (folder / "zz_bad.csv").write_text(good[0] + "\n" + good[1] + ",extra,fields\n")
    with pytest.raises(ValueError, match=r"zz_bad\.csv"):
        rio.read_epoch_photometry(folder)


# -- vari_rrlyrae, labels, read_gaia_dr3, selection ---------------------------

def make_rrlyrae():
    return pd.DataFrame({
        "SOURCE_ID": IDS,
        "PF": [0.415071, 0.407642, 0.327778, 0.459576, 0.390948],
        "EPOCH_G": [1700.1, 1700.2, 1700.3, np.nan, 1700.5],
        "peak_to_peak_g": [0.61, 1.5, 0.74, 0.47, 0.77],
        "num_clean_epochs_g": [53, 56, 40, 54, 63],
        "phi31_g_error": [0.05, 0.05, 0.05, 0.2, 0.05],
        "metallicity": [-0.14, -0.22, 0.09, -0.38, -0.26],
        "metallicity_error": [0.39, 0.39, 0.38, 0.5, 0.39],
        "best_classification": ["RRab", "RRab", "RRab", "RRab", "RRc"],
    })


def test_read_vari_rrlyrae_any_case_and_errors(tmp_path):
    path = tmp_path / "rr.ecsv"
    Table.from_pandas(make_rrlyrae()).write(path)
    rr = rio.read_vari_rrlyrae(path)
    assert rr.index.name == "source_id" and list(rr.index) == list(IDS)
    assert rr.at[IDS[0], "pf"] == 0.415071 and "epoch_g" in rr
    bad = make_rrlyrae().assign(PF=[0.4, -1.0, 0.3, 0.4, 0.5])
    with pytest.raises(ValueError, match=f"pf <= 0 for 1 star.*{IDS[1]}"):
        rio.read_vari_rrlyrae(bad)
    with pytest.raises(ValueError, match=f"duplicated rows.*{IDS[0]}"):
        rio.read_vari_rrlyrae(pd.concat([make_rrlyrae(), make_rrlyrae().iloc[:1]]))


def test_vari_rrlyrae_votable_with_array_column(tmp_path, transits):
    table = Table.from_pandas(make_rrlyrae())
    table["fund_freq1_harmonic_ampl_g"] = np.arange(20.0).reshape(5, 4)
    table.write(tmp_path / "rr.xml", format="votable")
    rr = rio.read_vari_rrlyrae(tmp_path / "rr.xml")
    np.testing.assert_array_equal(rr.at[IDS[2], "fund_freq1_harmonic_ampl_g"], [8.0, 9.0, 10.0, 11.0])
    with pytest.warns(UserWarning):
        _, _, info = rio.read_gaia_dr3(transits, tmp_path / "rr.xml")
    assert "fund_freq1_harmonic_ampl_g" not in info and "pf" in info


def test_warnings_list_at_most_twenty_ids():
    from rrlsk.io._tables import format_ids

    assert format_ids([1, 2]) == "2 star(s): source_id 1, 2"
    assert format_ids(range(25)).endswith("19, ... (5 more)")


def test_read_gaia_dr3_defaults_to_gaia_metallicity(transits):
    with pytest.warns(UserWarning) as record:
        X, y, info = rio.read_gaia_dr3(transits, make_rrlyrae())
    messages = " ".join(str(w.message) for w in record)
    assert f"no valid G photometry: 1 star(s): source_id {ALL_REJECTED}" in messages
    assert f"no period (pf or p1_o) or epoch_g: 1 star(s): source_id {IDS[3]}" in messages
    assert list(X.index) == sorted(IDS[:3]) and list(y.index) == list(X.index)
    assert y.name == "feh"
    rr = make_rrlyrae().set_index("SOURCE_ID")
    np.testing.assert_array_equal(y, rr.loc[X.index, "metallicity"])
    np.testing.assert_array_equal(X["period"], rr.loc[X.index, "PF"])
    np.testing.assert_array_equal(X["epoch"], rr.loc[X.index, "EPOCH_G"])
    assert {"feh", "feh_error", "period", "epoch", "n_kept", "peak_to_peak_g", "best_classification"} <= set(info)
    np.testing.assert_array_equal(info["feh_error"], rr.loc[X.index, "metallicity_error"])
    assert info.attrs["excluded"]["no [Fe/H] label or error"] == []
    assert_matches(X[["time", "mag", "mag_err"]], transits[np.isin(transits["source_id"], X.index)])


def test_read_gaia_dr3_with_label_table(tmp_path, transits):
    labels = pd.DataFrame({"source_id": IDS[[0, 2, 4]], "FeH": [-1.5, -0.7, -2.0], "e_FeH": [0.1, 0.2, 0.3]})
    path = tmp_path / "labels.csv"
    labels.to_csv(path, index=False)
    with pytest.warns(UserWarning) as record:
        X, y, info = rio.read_gaia_dr3(transits, make_rrlyrae(), path, feh_column="feh", feh_error_column="E_FEH")
    assert f"no [Fe/H] label or error: 1 star(s): source_id {IDS[1]}" in " ".join(str(w.message) for w in record)
    assert list(y.index) == sorted(IDS[[0, 2]])
    assert y.loc[IDS[0]] == -1.5 and info.at[IDS[2], "feh_error"] == 0.2
    with pytest.raises(ValueError, match="cannot find the \\[Fe/H\\] column"):
        rio.read_gaia_dr3(transits, make_rrlyrae(), labels.rename(columns={"FeH": "z"}))


def test_select_paper_sample_counts_each_cut():
    selected, cuts = rio.select_paper_sample(make_rrlyrae())
    assert list(selected.index) == [IDS[0]]
    assert cuts["cut"].tolist()[0] == "input"
    assert cuts["n_removed"].tolist() == [0, 1, 0, 1, 1, 1, 0]
    assert cuts["n_remaining"].tolist() == [5, 4, 4, 3, 2, 1, 1]
    none, cuts = rio.select_paper_sample(make_rrlyrae(), classification=None, max_feh_error=None,
                                         max_amplitude=None, min_epochs=None, max_phi31_error=None)
    assert len(none) == 5 and cuts["cut"].tolist() == ["input", "period (pf or p1_o) > 0"]
    labels = pd.DataFrame({"source_id": IDS, "feh": -1.0, "feh_error": [0.5, 0.1, 0.1, 0.1, 0.1]})
    selected, _ = rio.select_paper_sample(make_rrlyrae(), labels, max_amplitude=None, min_epochs=None)
    assert list(selected.index) == list(IDS[1:3]) and selected.at[IDS[1], "feh"] == -1.0


# -- streaming ------------------------------------------------------------------

def test_iter_light_curves_from_directory_joins_timing(tmp_path, transits):
    folder = tmp_path / "per_star"
    folder.mkdir()
    for sid in IDS:
        write(transits[transits["source_id"] == sid], folder / f"{sid}.ecsv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        whole = rio.read_epoch_photometry(folder)
        chunks = list(rio.iter_light_curves(folder, chunk_size=2))
        with pytest.warns(UserWarning, match=f"no period \\(pf or p1_o\\) or epoch_g.*{IDS[3]}"):
            timed = list(rio.iter_light_curves(folder, chunk_size=3, rrlyrae=make_rrlyrae()))
    assert [len(c) for c in chunks] == [2, 2]
    pd.testing.assert_frame_equal(pd.concat(chunks), whole, check_flags=False)
    timed = pd.concat(timed)
    assert list(timed.index) == sorted(IDS[:3])
    np.testing.assert_array_equal(timed["period"], make_rrlyrae().set_index("SOURCE_ID").loc[timed.index, "PF"])

    path = tmp_path / "lc.parquet"
    rio.write_parquet(whole, path)
    from_parquet = list(rio.iter_light_curves(path, chunk_size=3))
    assert [len(c) for c in from_parquet] == [3, 1]
    pd.testing.assert_frame_equal(pd.concat(from_parquet), whole)


def test_iter_light_curves_refuses_star_split_across_groups(tmp_path, transits):
    folder = tmp_path / "split"
    folder.mkdir()
    g = transits[transits["band"] == "G"]
    first = g[g["source_id"] == IDS[0]]
    write(first[:10], folder / "a.csv")
    write(first[10:], folder / "b.csv")
    with pytest.raises(ValueError, match=f"{IDS[0]} lie in files read in different groups"):
        list(rio.iter_light_curves(folder, chunk_size=1))


# -- the simulator's Gaia files read back ---------------------------------------

@pytest.mark.parametrize("fmt, per_star", [("votable", False), ("csv", True), ("ecsv", False), ("fits", False)])
def test_simulated_gaia_files_read_back(tmp_path, fmt, per_star):
    from rrlsk.datasets import make_gaia_rrab, to_gaia_files

    X, y, info = make_gaia_rrab(12, random_state=3, keep_rejected=True)
    paths = to_gaia_files(X, info, tmp_path, format=fmt, per_star=per_star)
    X2, y2, info2 = rio.read_gaia_dr3(paths["epoch_photometry"], paths["vari_rrlyrae"], labels=paths["labels"])
    assert list(X2.index) == list(X.index)
    pd.testing.assert_series_equal(y2, y, check_dtype=False)
    np.testing.assert_array_equal(info2["feh_error"], info["feh_error"])
    np.testing.assert_array_equal(X2["period"], X["period"])
    np.testing.assert_array_equal(X2["epoch"], X["epoch"])
    for sid in X.index:
        keep = ~X.at[sid, "rejected"]
        np.testing.assert_array_equal(X2.at[sid, "time"], X.at[sid, "time"][keep])
        np.testing.assert_array_equal(X2.at[sid, "mag"], X.at[sid, "mag"][keep])
        np.testing.assert_allclose(X2.at[sid, "mag_err"], X.at[sid, "mag_err"][keep], rtol=1e-15)
    assert X2.attrs["n_dropped"]["rejected"] == sum(r.sum() for r in X["rejected"])
    X3, y3, _ = rio.read_gaia_dr3(tmp_path)  # the folder layout: labels found too
    pd.testing.assert_frame_equal(X3, X2)
    pd.testing.assert_series_equal(y3, y2)


def test_read_gaia_dr3_folder_layout_errors(tmp_path):
    with pytest.raises(ValueError, match="expected a folder holding epoch_photometry and vari_rrlyrae"):
        rio.read_gaia_dr3(tmp_path)


# ---------------------------------------------------------------- inputs as users have them


def test_parquet_written_by_pandas_reads_like_rrlsk_parquet(tmp_path):
    from rrlsk.datasets import make_gaia_rrab

    X, _, _ = make_gaia_rrab(5, random_state=0)
    X.reset_index().to_parquet(tmp_path / "column.parquet")
    X.to_parquet(tmp_path / "index.parquet")
    text = X.copy()
    text.index = pd.Index([f"Gaia DR3 {i}" for i in X.index], name="source_id")
    text.to_parquet(tmp_path / "text_ids.parquet")
    for name in ("column", "index", "text_ids"):
        pd.testing.assert_frame_equal(rio.read_parquet(tmp_path / f"{name}.parquet"), X)
    X.reset_index(drop=True).to_parquet(tmp_path / "no_id.parquet")
    with pytest.raises(ValueError, match="no_id.parquet: no source_id column or index"):
        rio.read_parquet(tmp_path / "no_id.parquet")


def test_several_parquet_files_and_a_folder_of_them_stream(tmp_path):
    from rrlsk.datasets import make_gaia_rrab

    X, _, _ = make_gaia_rrab(7, random_state=0)
    (tmp_path / "folder").mkdir()
    rio.write_parquet(X.iloc[:4], tmp_path / "folder" / "a.parquet")
    X.iloc[4:].reset_index().to_parquet(tmp_path / "folder" / "b.parquet")
    for source in (tmp_path / "folder", sorted((tmp_path / "folder").iterdir())):
        got = pd.concat(rio.iter_light_curves(source, 3))
        assert got.index.tolist() == X.index.tolist()
    (tmp_path / "folder" / "c.csv").write_text("source_id\n1\n")
    with pytest.raises(ValueError, match="mix Parquet files"):
        list(rio.iter_light_curves([tmp_path / "folder" / "a.parquet", tmp_path / "folder" / "c.csv"], 3))


def test_source_ids_given_as_text_are_read_as_numbers(tmp_path, transits):
    frame = transits.to_pandas()
    frame["source_id"] = [f"Gaia DR3 {i}" for i in frame["source_id"]]
    frame.to_csv(tmp_path / "ep.csv", index=False)
    X = rio.read_epoch_photometry(tmp_path / "ep.csv", drop_rejected=False)
    assert X.index.dtype == np.int64 and set(X.index) <= set(IDS.tolist())
    labels = pd.DataFrame({"source_id": ["Gaia DR3 5978423987417346304", " 5358310424375618304 "],
                           "feh": [-1.0, -1.5], "feh_error": [0.1, 0.2]})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    assert rio.read_labels(tmp_path / "labels.csv").index.tolist() == IDS[:2].tolist()
    labels["source_id"] = ["Gaia DR3 x1", "oops"]
    labels.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match=r"bad.csv: source_id \['Gaia DR3 x1', 'oops'\] is not a number"):
        rio.read_labels(tmp_path / "bad.csv")


def test_unreadable_files_are_named(tmp_path, transits):
    frame = transits.to_pandas()
    frame.to_csv(tmp_path / "ep.csv", index=False)
    data = (tmp_path / "ep.csv").read_bytes()
    (tmp_path / "latin.csv").write_bytes(data.replace(b",G,", b",G\xe9,", 1))
    with pytest.raises(ValueError, match=r"latin.csv: column 'band', data row \d+: .* not UTF-8"):
        rio.read_epoch_photometry(tmp_path / "latin.csv")
    (tmp_path / "cut.csv.gz").write_bytes(gzip.compress(data)[:300])
    with pytest.raises(ValueError, match=r"cut.csv.gz: cannot read \(EOFError.*truncated or corrupt"):
        rio.read_epoch_photometry(tmp_path / "cut.csv.gz")
    from rrlsk.datasets import make_gaia_rrab

    X, _, _ = make_gaia_rrab(3, random_state=0)
    rio.write_parquet(X, tmp_path / "x.parquet")
    whole = (tmp_path / "x.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(whole[: len(whole) // 2])
    for read in (rio.read_parquet, lambda p: list(rio.iter_parquet(p, 2))):
        with pytest.raises(ValueError, match="cut.parquet: cannot read as Parquet .* truncated or corrupt"):
            read(tmp_path / "cut.parquet")


def test_source_ids_are_exact_integers_or_refused_naming_file_and_row(tmp_path):
    ids = np.arange(10, dtype=np.int64) + 4_000_000_000_000_000_000  # 512 apart in float64
    frame = pd.DataFrame({"source_id": ids.astype(np.float64), "period": 0.5})
    frame.to_parquet(tmp_path / "merged.parquet")
    with pytest.raises(ValueError, match=r"merged.parquet: source_id is stored as a floating-point number.*"
                                         r"data row 1 \(4e\+18\)"):
        rio.read_parquet(tmp_path / "merged.parquet")
    frame["source_id"] = np.r_[1.0, 2.0, 3.0, ids[3:]]
    frame.to_parquet(tmp_path / "merged.parquet")
    with pytest.raises(ValueError, match=r"merged.parquet: source_id is stored as a floating-point.*: data row 4 "):
        list(rio.iter_parquet(tmp_path / "merged.parquet", 3))
    pd.DataFrame({"source_id": [1.0, np.nan], "period": 0.5}).to_parquet(tmp_path / "nan.parquet")
    with pytest.raises(ValueError, match=r"nan.parquet: source_id is missing: data row 2"):
        rio.read_parquet(tmp_path / "nan.parquet")
    small = pd.DataFrame({"source_id": [1.0, 2.0], "period": 0.5})
    small.to_parquet(tmp_path / "small.parquet")
    assert rio.read_parquet(tmp_path / "small.parquet").index.tolist() == [1, 2]
    big = pd.DataFrame({"source_id": np.array([5, 2**63 + 5], dtype=np.uint64), "period": 0.5})
    big.to_parquet(tmp_path / "uint.parquet")
    with pytest.raises(ValueError, match=r"uint.parquet: source_id is larger than .* data row 2 \(9223372036854775813\)"):
        rio.read_parquet(tmp_path / "uint.parquet")
    labels = pd.DataFrame({"source_id": ["12", "Gaia DR3 99999999999999999999"[:28]], "feh": [-1.0, -1.5],
                           "feh_error": [0.1, 0.2]})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(ValueError, match=r"labels.csv: source_id is larger than .* data row 2"):
        rio.read_labels(tmp_path / "labels.csv")
