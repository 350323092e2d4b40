"""Compare networks and classical baselines on the same folds (Table A1).

Every model is cross-validated on the same binned stratified folds with the
same density weights for training and the same ``1 / feh_error**2``
weights for evaluation; ``rrlsk.evaluation.compare`` puts the reports side
by side as the paper's Table A1 (training and validation R^2, wRMSE, wMAE,
RMSE, MAE, mean +- std over folds).

Run ``python examples/compare_networks.py`` (tens of minutes on 2 CPU
cores; the convolutional nets want a GPU) or ``--tiny`` (seconds; also
RRLSK_EXAMPLES_TINY=1).
"""

import argparse
import os

import rrlsk
from rrlsk.datasets import make_gaia_rrab
from rrlsk.evaluation import compare, cross_validate_report
from rrlsk.metrics import evaluation_weights

NETWORKS = ["gru", "lstm", "bigru", "fcn", "resnet", "inception", "convgru"]
BASELINES = ["fourier_relation", "fourier_linear", "gradient_boosting"]


def main(tiny: bool) -> None:
    X, y, sample_info = make_gaia_rrab(80 if tiny else 2000, random_state=1)
    networks = ["gru", "fcn"] if tiny else NETWORKS
    baselines = ["fourier_relation"] if tiny else BASELINES
    cv = rrlsk.BinnedStratifiedKFold(n_splits=2 if tiny else 5, n_bins=5 if tiny else 10, random_state=0)
    train_weight = rrlsk.density_weights(y)
    eval_weight = evaluation_weights(sample_info["feh_error"])
    network_params = {"epochs": 2, "n_points": 40} if tiny else {"epochs": 200}

    reports = {}
    for name in networks + baselines:
        params = network_params if name in networks else {}
        pipe = rrlsk.make_pipeline(name, random_state=0, **params) if name in networks else rrlsk.make_pipeline(name)
        reports[name] = cross_validate_report(pipe, X, y, cv=cv, train_weight=train_weight,
                                              eval_weight=eval_weight)
        fit_time = reports[name].folds["fit_time"].mean()
        print(f"{name:>18}: validation wRMSE {reports[name].summary.loc['wrmse', ('validation', 'mean')]:.3f} dex"
              f" ({fit_time:.1f} s per fit)")
    print()
    print(compare(reports).to_markdown())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="run in seconds on a tiny sample")
    args = parser.parse_args()
    main(args.tiny or os.environ.get("RRLSK_EXAMPLES_TINY") == "1")
