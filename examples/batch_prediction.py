"""Predict [Fe/H] for a whole catalogue, streamed, resumable, with errors.

A fold ensemble (one GRU pipeline per cross-validation fold) gives each
star the mean prediction and the spread of the fold models. The model is
saved with its metadata (``rrlsk.persistence.save_model``), loaded back,
and run over a Parquet catalogue chunk by chunk with
``rrlsk.predict_catalogue``: memory is bounded by the chunk size, and a run
that is killed resumes where it stopped (run the call twice: the second
finds every star done). Stars that cannot be predicted get a status and a
reason instead of stopping the run.

Run ``python examples/batch_prediction.py`` (minutes on 2 CPU cores) or
``--tiny`` (seconds; also RRLSK_EXAMPLES_TINY=1).
"""

import argparse
import os
import tempfile
from pathlib import Path

import rrlsk
from rrlsk.catalogue import read_predictions
from rrlsk.datasets import make_gaia_rrab
from rrlsk.io import write_parquet
from rrlsk.persistence import load_model, model_info, save_model


def main(tiny: bool) -> None:
    X, y, _ = make_gaia_rrab(60 if tiny else 1000, random_state=3)
    catalogue, _, truth = make_gaia_rrab(50 if tiny else 20_000, random_state=4)

    pipe = rrlsk.make_pipeline("gru", n_points=40 if tiny else 100, epochs=2 if tiny else 60, random_state=0)
    ensemble = rrlsk.FoldEnsembleRegressor(pipe, cv=2 if tiny else 5, random_state=0)
    ensemble.fit(X, y, sample_weight=rrlsk.density_weights(y))

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model_path = save_model(ensemble, tmp / "gru_ensemble.joblib", y=y)
        print("saved:", model_info(model_path)["model"]["class"], "trained on",
              model_info(model_path)["training"]["n_stars"], "stars")

        write_parquet(catalogue, tmp / "catalogue.parquet")
        model = load_model(model_path)  # only ever load files you trust
        chunk_size = 20 if tiny else 5000
        first = rrlsk.predict_catalogue(model, tmp / "catalogue.parquet", tmp / "predictions",
                                        chunk_size=chunk_size, progress=not tiny)
        again = rrlsk.predict_catalogue(model, tmp / "catalogue.parquet", tmp / "predictions",
                                        chunk_size=chunk_size, progress=False)
        print(f"first run: {first.n_ok} ok, {first.n_skipped} skipped, {first.n_failed} failed "
              f"in {first.seconds['wall']:.1f} s; second run: {again.n_already_done} already done")

        table = read_predictions(tmp / "predictions").join(truth["feh"].rename("feh_label"))
        print(table.head())
        ok = table[table["status"] == "ok"]
        inside = ((ok["feh"] - ok["feh_label"]).abs() <= 2 * ok["feh_std"]).mean()
        print(f"{inside:.0%} of the labels lie within 2 fold-ensemble spreads of the prediction")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="run in seconds on a tiny sample")
    args = parser.parse_args()
    main(args.tiny or os.environ.get("RRLSK_EXAMPLES_TINY") == "1")
