"""Quick start: the scikit-learn contract of rrlsk in one script.

A simulated Gaia DR3 RRab sample with known [Fe/H] -> the paper's GRU
pipeline (fold -> spline -> mean -> encode -> GRU) -> GridSearchCV over
dropout, learning rate and batch size with the binned stratified splitter
and density weights -> joblib save and load -> predictions on stars the
model never saw.

Run ``python examples/quickstart.py`` (a few minutes on 2 CPU cores) or
``python examples/quickstart.py --tiny`` (seconds; also RRLSK_EXAMPLES_TINY=1).
"""

import argparse
import os
import tempfile
from pathlib import Path

import joblib
from sklearn.model_selection import GridSearchCV, train_test_split

import rrlsk
from rrlsk.datasets import make_gaia_rrab
from rrlsk.metrics import rmse, scorers


def main(tiny: bool) -> None:
    # 1. Data: a light-curve table X (one row per star, index source_id) and
    #    [Fe/H] labels y (dex). With real data: rrlsk.io.read_gaia_dr3(...).
    X, y, sample_info = make_gaia_rrab(80 if tiny else 1000, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)

    # 2. The paper's pipeline; every step is a scikit-learn estimator.
    pipe = rrlsk.make_pipeline("gru", n_points=40 if tiny else 100, epochs=2 if tiny else 60,
                               random_state=0)
    print([name for name, _ in pipe.steps])

    # 3. Grid search, stratified on binned [Fe/H], density-weighted training.
    grid = {"gru__dropout": [0.1, 0.2],
            "gru__learning_rate": [1e-3, 1e-2],
            "gru__batch_size": [128, 256]}
    if tiny:
        grid = {"gru__dropout": [0.1, 0.2]}
    cv = rrlsk.BinnedStratifiedKFold(n_splits=2 if tiny else 5, n_bins=5 if tiny else 10,
                                     random_state=0)
    search = GridSearchCV(pipe, grid, cv=cv, scoring=scorers(), refit="rmse")
    search.fit(X_train, y_train, gru__sample_weight=rrlsk.density_weights(y_train))
    print("best parameters:", search.best_params_)
    print(f"cross-validated RMSE: {-search.best_score_:.3f} dex")

    # 4. Save with joblib, load (in a fresh process too) and predict.
    #    A joblib file runs code when loaded: load only files you trust.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gru.joblib"
        joblib.dump(search.best_estimator_, path)
        model = joblib.load(path)
    feh = model.predict(X_test)
    print(f"{len(feh)} held-out stars: RMSE {rmse(y_test, feh):.3f} dex")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="run in seconds on a tiny sample")
    args = parser.parse_args()
    main(args.tiny or os.environ.get("RRLSK_EXAMPLES_TINY") == "1")
