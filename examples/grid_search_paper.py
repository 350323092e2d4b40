"""The paper's model selection: GridSearchCV over its grid, weights routed.

Monti et al. (2024), Section 4.1: for each network, a grid search over
dropout (0.1, 0.2, 0.4, 0.6) x learning rate (0.001, 0.01, 0.1) x batch size
(32 ... 512), repeated stratified k-fold on binned [Fe/H], training with
density weights, scoring with the weighted metrics (``1 / feh_error**2``).
scikit-learn's metadata routing sends each weight array to its place:
``train_weight`` to the network's ``fit``, ``eval_weight`` to the scorers.

Run ``python examples/grid_search_paper.py`` (the full grid is 60
candidates x 10 fits: hours on CPU, use a GPU) or ``--tiny`` (seconds; also
RRLSK_EXAMPLES_TINY=1).
"""

import argparse
import os

import pandas as pd
import sklearn
from sklearn.model_selection import GridSearchCV

import rrlsk
from rrlsk.datasets import make_gaia_rrab
from rrlsk.metrics import evaluation_weights, route_weights, scorers
from rrlsk.model_selection import paper_param_grid


def main(tiny: bool) -> None:
    X, y, sample_info = make_gaia_rrab(80 if tiny else 6000, random_state=2)
    sklearn.set_config(enable_metadata_routing=True)

    pipe = route_weights(rrlsk.make_pipeline("gru", n_points=40 if tiny else 100,
                                             epochs=2 if tiny else 400, random_state=0))
    grid = paper_param_grid("gru")
    if tiny:
        grid = {"gru__dropout": [0.1, 0.2], "gru__learning_rate": [0.01], "gru__batch_size": [256]}
        cv = rrlsk.BinnedStratifiedKFold(n_splits=2, n_bins=5, random_state=0)
    else:
        cv = rrlsk.RepeatedBinnedStratifiedKFold(n_splits=5, n_repeats=2, n_bins=10, random_state=0)

    search = GridSearchCV(pipe, grid, cv=cv, scoring=scorers(eval_weight=True), refit="wrmse")
    search.fit(X, y, train_weight=rrlsk.density_weights(y),
               eval_weight=evaluation_weights(sample_info["feh_error"]))

    results = pd.DataFrame(search.cv_results_)
    columns = ["param_gru__dropout", "param_gru__learning_rate", "param_gru__batch_size",
               "mean_test_wrmse", "std_test_wrmse", "mean_test_r2"]
    table = results.sort_values("rank_test_wrmse")[columns].copy()
    table["mean_test_wrmse"] *= -1  # the scorers negate errors so that larger is better
    print(table.head(10).to_string(index=False))
    print("best:", search.best_params_, f"wRMSE {-search.best_score_:.3f} dex")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="run in seconds on a tiny sample")
    args = parser.parse_args()
    main(args.tiny or os.environ.get("RRLSK_EXAMPLES_TINY") == "1")
