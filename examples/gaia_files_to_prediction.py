"""From Gaia DR3 archive files to [Fe/H] predictions.

The road a user with real data takes, on simulated files so that it runs
anywhere and the truth is known:

1. ``rrlsk.datasets.to_gaia_files`` writes the tables the Gaia archive
   serves: DataLink EPOCH_PHOTOMETRY, ``vari_rrlyrae`` and a labels table
   (replace this step by ``rrlsk.io.fetch_gaia_dr3`` or your own downloads);
2. ``rrlsk.io.read_gaia_dr3`` reads light curves, periods, epochs and labels;
3. ``rrlsk.io.select_paper_sample`` applies the paper's cuts (sigma[Fe/H]
   <= 0.4 dex, AmpG <= 1.4 mag, N_ep >= 50, sigma(phi31) <= 0.1) and counts
   the stars each cut removes;
4. the GRU pipeline is trained on the selected stars with density weights;
5. ``rrlsk.predict_catalogue`` predicts, straight from the epoch-photometry
   files, the stars of a second file set that the model never saw.

Run ``python examples/gaia_files_to_prediction.py`` (minutes on 2 CPU
cores) or ``--tiny`` (seconds; also RRLSK_EXAMPLES_TINY=1).
"""

import argparse
import os
import tempfile
from pathlib import Path

import rrlsk
from rrlsk.catalogue import read_predictions
from rrlsk.datasets import make_gaia_rrab, to_gaia_files
from rrlsk.io import read_gaia_dr3, select_paper_sample
from rrlsk.metrics import rmse


def main(tiny: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # 1. Gaia-format files: a training field and a new field to predict.
        X, _, info = make_gaia_rrab(300 if tiny else 3000, random_state=5)
        train_files = to_gaia_files(X, info, tmp / "train", format="csv")
        X_new, _, info_new = make_gaia_rrab(40 if tiny else 1000, random_state=6)
        new_files = to_gaia_files(X_new, info_new, tmp / "new", format="votable")

        # 2. Read: X (light curves), y ([Fe/H], dex), sample_info (labels + catalogue).
        X, y, sample_info = read_gaia_dr3(train_files["epoch_photometry"], train_files["vari_rrlyrae"],
                                          labels=train_files["labels"])

        # 3. The paper's selection, with the count after each cut.
        selected, cuts = select_paper_sample(sample_info, feh_error_column="feh_error")
        print(cuts.to_string(index=False))
        X, y = X.loc[selected.index], y.loc[selected.index]

        # 4. Train the paper's GRU pipeline with density weights.
        model = rrlsk.make_pipeline("gru", n_points=40 if tiny else 100, epochs=2 if tiny else 60,
                                    random_state=0)
        model.fit(X, y, gru__sample_weight=rrlsk.density_weights(y))

        # 5. Predict the new field straight from its archive files.
        summary = rrlsk.predict_catalogue(model, new_files["epoch_photometry"], tmp / "predictions",
                                          rrlyrae=new_files["vari_rrlyrae"], progress=False)
        table = read_predictions(tmp / "predictions").join(info_new["feh"].rename("feh_label"))
        print(table.head())
        ok = table[table["status"] == "ok"]
        print(f"{summary.n_ok} stars predicted, {summary.n_skipped} skipped; "
              f"RMSE against their labels {rmse(ok['feh_label'], ok['feh']):.3f} dex")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="run in seconds on a tiny sample")
    args = parser.parse_args()
    main(args.tiny or os.environ.get("RRLSK_EXAMPLES_TINY") == "1")
