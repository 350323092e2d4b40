"""Real stars: rrlsk's models on the 4,013 labelled Gaia DR2 RRab stars of
Dékány & Grebel (2022), on their own folds, beside their published model.

Every recipe is trained on eight of the sample's nine folds and predicts the
ninth, nine times, so each of the 4,013 stars gets one out-of-fold
prediction from a model that never saw it; the published G-band BiLSTM's
out-of-fold predictions of the same stars (``dekany_oof``) are scored the
same way. Each finished (recipe, fold) cell is written at once to
``benchmarks/measured/real_data/RECIPE/foldK.csv`` (predictions),
``foldK.json`` (epochs, seconds, load, versions) and, for networks,
``foldK.joblib`` (the fitted fold model), so an interrupted run
resumes; a recipe enters the tables only when all nine folds are done.

    nice -n 5 python benchmarks/real_data.py run gru svr          # train missing cells
    python benchmarks/real_data.py report --markdown docs/real_data.md

The labels are photometric [Fe/H] (from OGLE-IV I-band curves, on the
spectroscopic scale; SD 0.477 dex): every figure here is agreement with
those labels, on real stars.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import rrlsk  # noqa: E402
from rrlsk.datasets import load_dekany2022  # noqa: E402

HERE = Path(__file__).resolve().parent
MEASURED = HERE / "measured" / "real_data"
SHARED_ARCHIVE = HERE.parents[1] / "shared" / "data" / "gaia_dr2_rrab_g_folded.tar.gz"
FOLDS = tuple(range(9))
SEED = 0
#: How the shipped model (scripts/make_rrlsk_gaia_g.py) aligns phases: the published curves'
#: convention (first Fourier phase zero) found from the data, so that any epoch works.
SHIPPED_ALIGN = {"fold__align": "first_phase", "fold__order": 4}


def _network(name: str, *, weights: bool = False, seed: int = SEED, **params) -> Callable:
    """A recipe: a network pipeline with the library's defaults, optionally density weights."""

    def fit(X, y):
        pipe = rrlsk.make_pipeline(name, random_state=seed, **params)
        kwargs = {f"{name}__sample_weight": rrlsk.density_weights(y)} if weights else {}
        pipe.fit(X, y, **kwargs)
        return pipe, {"epochs": int(len(pipe[-1].history_["loss"]))}

    return fit


def _raw_pipeline(name: str, *, seed: int = SEED, **params):
    """A masking recurrent network on the observed points, the published models' input.

    No spline: each star's folded points (one cycle, phase order) minus
    their mean magnitude, with time = phase x period, padded with the mask
    value to the longest training curve (Dékány & Grebel 2022 feed the same
    two channels, cut at 80 points). A different view of the same curves
    from the spline catalogue's.
    """
    pipe = rrlsk.make_pipeline(name, catalogue="raw", random_state=seed, **params)
    return pipe.set_params(mean=rrlsk.preprocessing.MeanMagSubtractor())


def _raw_points(name: str, *, seed: int = SEED) -> Callable:
    """A recipe: :func:`_raw_pipeline` fitted on the real training folds."""

    def fit(X, y):
        pipe = _raw_pipeline(name, seed=seed).fit(X, y)
        return pipe, {"epochs": int(len(pipe[-1].history_["loss"]))}

    return fit


def _fine_tuned(simulated: str, *, seed: int = SEED) -> Callable:
    """A recipe: a network trained on the simulator (:func:`simulator_model`), trained further on real curves.

    Its weights start where training on 6,002 simulated stars ended; the
    learning rate is reset to its initial value, the standardisation of
    inputs and target is learned again from the real training folds, and
    early stopping watches the real inner validation split. Phases are
    aligned on the first Fourier phase, as in the pre-training. ``seed``
    sets the dropout masks, the shuffling and the inner validation split of
    the fine-tuning (the pre-trained weights are the same for every seed).
    """

    def fit(X, y):
        import keras

        # Unpickling draws the dropout layers' seed states from the global generators: seed them
        # first, or the fine-tuning depends on what the process ran before (gru_pretrained's cells
        # were made before this line: fold 5 twice in two processes gave MAE 0.1303 and 0.1310).
        keras.utils.set_random_seed(seed)
        pipe = simulator_model(simulated)  # a fresh copy per fold: no fold sees another's fine-tuning
        network = pipe[-1]
        network.random_state = seed
        network.warm_start = True  # scikeras keeps the built network instead of a new one
        network.model_.optimizer.learning_rate.assign(network.learning_rate)
        pipe.fit(X, y)
        return pipe, {"epochs": int(len(network.history_["loss"]))}

    return fit


def _baseline(name: str, **params) -> Callable:
    def fit(X, y):
        return rrlsk.make_pipeline(name, **params).fit(X, y), {}

    return fit


#: recipe name -> (what it is, fit(X, y) -> (fitted model, details))
RECIPES: dict[str, tuple[str, Callable]] = {
    "gru": ("GRU, spline catalogue, no weights (library default), seed 0", _network("gru")),
    "gru_s1": ("the same GRU, seed 1", _network("gru", seed=1)),
    "gru_s2": ("the same GRU, seed 2", _network("gru", seed=2)),
    "gru_density": ("GRU with the paper's density weights", _network("gru", weights=True)),
    "gru_meta": (
        "GRU with period, amplitude, phi31, R21 beside the sequence",
        _network("gru", meta=("period", "amplitude", "phi31", "R21")),
    ),
    "lstm": ("LSTM, spline catalogue", _network("lstm")),
    "bilstm": ("BiLSTM, spline catalogue", _network("bilstm")),
    "inception": ("InceptionTime, spline catalogue", _network("inception")),
    "gru_pretrained": (
        "GRU pre-trained on 6,002 simulated stars (sim_gru), then trained on the real folds",
        _fine_tuned("sim_gru"),
    ),
    "gru_raw_pretrained": (
        "raw-points GRU pre-trained on 6,002 simulated stars (sim_gru_raw), then trained on the real folds",
        _fine_tuned("sim_gru_raw"),
    ),
    "gru_pretrained_s1": ("the pre-trained spline GRU fine-tuned with seed 1", _fine_tuned("sim_gru", seed=1)),
    "gru_raw_pretrained_s1": ("the pre-trained raw-points GRU fine-tuned with seed 1",
                              _fine_tuned("sim_gru_raw", seed=1)),
    "gru_raw": ("GRU on the observed points minus their mean (no spline), the published input", _raw_points("gru")),
    "bilstm_raw": ("BiLSTM on the observed points minus their mean (no spline)", _raw_points("bilstm")),
    "minirocket": ("MiniRocket features + ridge", _baseline("minirocket")),
    "svr": ("SVR on Fourier parameters and period", _baseline("svr")),
    "gradient_boosting": ("gradient boosting on Fourier parameters", _baseline("gradient_boosting")),
    "fourier_linear": ("linear model on Fourier parameters", _baseline("fourier_linear")),
}

#: models trained on the simulator only (rrlsk.datasets.make_paper_sample, spectroscopic-like
#: labels, phases aligned on the first Fourier phase as the real curves are), scored on every
#: real star: name -> (what it is, unfitted pipeline)
SIMULATED: dict[str, tuple[str, Callable]] = {
    "sim_gru": ("GRU trained on 6,002 simulated stars only",
                lambda: rrlsk.make_pipeline("gru", align="first_phase", random_state=SEED)),
    "sim_gru_raw": ("raw-points GRU trained on 6,002 simulated stars only",
                    lambda: _raw_pipeline("gru", align="first_phase")),
    "sim_gradient_boosting": ("gradient boosting trained on 6,002 simulated stars only",
                              lambda: rrlsk.make_pipeline("gradient_boosting", align="first_phase")),
}
SIM_STARS = 6002

#: ensembles scored from finished cells: name -> (what it is, member recipes)
ENSEMBLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "gru+gru_density": ("mean of the GRU and the density-weighted GRU", ("gru", "gru_density")),
    "gru_x3": ("mean of three GRU seeds", ("gru", "gru_s1", "gru_s2")),
    # two views of each curve: the spline grid and the observed points (declared before either
    # raw-points cell existed; the published BiLSTM's out-of-fold predictions averaged with
    # gru_pretrained's score MAE 0.1242, a hint that the views err differently)
    "gru_pretrained+gru_raw": ("mean of the pre-trained spline GRU and the raw-points GRU",
                               ("gru_pretrained", "gru_raw")),
    "gru_pretrained+bilstm_raw": ("mean of the pre-trained spline GRU and the raw-points BiLSTM",
                                  ("gru_pretrained", "bilstm_raw")),
    # declared after folds 0-1 of gru_raw_pretrained were seen (0.1173 and 0.1260 on them)
    "gru_pretrained+gru_raw_pretrained": ("mean of the two pre-trained GRUs, spline and raw points",
                                          ("gru_pretrained", "gru_raw_pretrained")),
    # declared 2026-12-08 before any cell of the seed-1 fine-tunings existed
    "pretrained_x2": ("mean of the two pre-trained GRUs (spline, raw points), two fine-tuning seeds each",
                      ("gru_pretrained", "gru_pretrained_s1", "gru_raw_pretrained", "gru_raw_pretrained_s1")),
    "gru_pretrained_x2": ("mean of the pre-trained spline GRU fine-tuned with seeds 0 and 1",
                          ("gru_pretrained", "gru_pretrained_s1")),
    "views": ("mean of the pre-trained spline GRU, the raw-points GRU and the raw-points BiLSTM",
              ("gru_pretrained", "gru_raw", "bilstm_raw")),
}


def simulator_model(recipe: str):
    """The fitted model of a ``SIMULATED`` recipe: trained once on the simulator, then read from its cache.

    The cache is ``measured/real_data/RECIPE/model.joblib``; the same seed
    retrains the same network on CPU.
    """
    path = MEASURED / recipe / "model.joblib"
    if path.exists():
        return rrlsk.load_model(path)
    X_sim, y_sim, _ = rrlsk.datasets.make_paper_sample(SIM_STARS, labels="spectroscopic", random_state=SEED)
    load_start = os.getloadavg()[0]
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    model = SIMULATED[recipe][1]().fit(X_sim, y_sim)
    record = {
        "recipe": recipe, "n_train_simulated": len(y_sim), "wall_s": round(time.perf_counter() - start_wall, 1),
        "cpu_s": round(time.process_time() - start_cpu, 1), "load_start": round(load_start, 2),
        "load_end": round(os.getloadavg()[0], 2), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": os.cpu_count(), "rrlsk": rrlsk.__version__,
    }
    if hasattr(model[-1], "history_"):
        record["epochs"] = len(model[-1].history_["loss"])
    path.parent.mkdir(parents=True, exist_ok=True)
    rrlsk.save_model(model, path, y=y_sim, metadata=record)
    path.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"{recipe} trained on the simulator and cached: {record}", flush=True)
    return rrlsk.load_model(path)


def _cell(recipe: str, fold: int) -> Path:
    return MEASURED / recipe / f"fold{fold}.csv"


def run_cell(recipe: str, fold: int, X, y, info) -> None:
    """Train ``recipe`` on every fold but ``fold``, predict ``fold``, write the cell."""
    _, fit = RECIPES[recipe]
    test = (info["fold"] == fold).to_numpy()
    load_start = os.getloadavg()[0]
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    model, details = fit(X[~test], y[~test])
    prediction = np.asarray(model.predict(X[test]), dtype=float)
    seconds, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    path = _cell(recipe, fold)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"source_id": X.index[test], "prediction": prediction}).to_csv(
        path.with_suffix(".tmp"), index=False, float_format="%.6f"
    )
    record = {
        "recipe": recipe, "fold": fold, "n_train": int((~test).sum()), "n_test": int(test.sum()),
        "wall_s": round(seconds, 1), "cpu_s": round(cpu, 1), **details,
        "load_start": round(load_start, 2), "load_end": round(os.getloadavg()[0], 2),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count(),
        "rrlsk": rrlsk.__version__,
    }
    path.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    if details:  # a network: keep the fold model (the fold ensemble of the shipped model is made of them)
        rrlsk.save_model(model, path.with_suffix(".joblib"), y=y[~test], metadata=record)
    path.with_suffix(".tmp").replace(path)  # the cell exists only once complete
    mae = float(np.mean(np.abs(prediction - y[test].to_numpy())))
    print(f"{recipe} fold {fold}: MAE {mae:.4f}, {seconds:.0f} s, {details}", flush=True)


def run_simulated(recipe: str, X, y, info) -> None:
    """Predict every real star with the simulator's model of ``recipe``, one cell per fold."""
    model = simulator_model(recipe)
    sidecar = MEASURED / recipe / "model.json"  # how the model was trained (older caches have none)
    record = json.loads(sidecar.read_text()) if sidecar.exists() else {"recipe": recipe}
    prediction = np.asarray(model.predict(X), dtype=float)
    for fold in FOLDS:  # one model for all: every real star is new to it
        path = _cell(recipe, fold)
        test = (info["fold"] == fold).to_numpy()
        pd.DataFrame({"source_id": X.index[test], "prediction": prediction[test]}).to_csv(
            path.with_suffix(".tmp"), index=False, float_format="%.6f")
        path.with_suffix(".json").write_text(json.dumps({**record, "fold": fold}, indent=1) + "\n")
        path.with_suffix(".tmp").replace(path)
    print(f"{recipe}: MAE {np.mean(np.abs(prediction - y.to_numpy())):.4f} on all real stars", flush=True)


def members(recipe: str) -> tuple[str, ...]:
    """The recipes whose predictions ``recipe`` averages (itself for a single recipe)."""
    return ENSEMBLES[recipe][1] if recipe in ENSEMBLES else (recipe,)


def oof_predictions(recipe: str, index: pd.Index) -> pd.Series | None:
    """The recipe's out-of-fold predictions of every star, or None if a fold is missing."""
    columns = []
    for member in members(recipe):
        if not all(_cell(member, k).exists() for k in FOLDS):
            return None
        cells = pd.concat([pd.read_csv(_cell(member, k), index_col="source_id") for k in FOLDS])
        columns.append(cells["prediction"].reindex(index))
    return pd.concat(columns, axis=1).mean(axis=1)


def fold_models(recipe: str, prepare: Callable = lambda pipe: pipe) -> list | None:
    """The recipe's nine kept fold models, in fold order, or None if one is missing.

    Fold ``k``'s model never saw fold ``k``. For an ensemble it is the mean
    of the members' fold-``k`` models, a fitted
    :class:`sklearn.ensemble.VotingRegressor`, so the ensemble keeps the
    members' folds. ``prepare`` is applied to every member's fitted
    pipeline first (e.g. another phase alignment).
    """
    from sklearn.base import clone
    from sklearn.ensemble import VotingRegressor
    from sklearn.utils import Bunch

    paths = {name: [MEASURED / name / f"fold{k}.joblib" for k in FOLDS] for name in members(recipe)}
    if not all(path.exists() for column in paths.values() for path in column):
        return None
    loaded = {name: [prepare(rrlsk.load_model(path)) for path in column] for name, column in paths.items()}
    if recipe not in ENSEMBLES:
        return loaded[recipe]
    means = []
    for k in range(len(FOLDS)):
        named = [(name, column[k]) for name, column in loaded.items()]
        mean = VotingRegressor([(name, clone(model)) for name, model in named])  # the unfitted recipe, for clone
        mean.estimators_ = [model for _, model in named]
        mean.named_estimators_ = Bunch(**dict(named))
        means.append(mean)
    return means


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="train the missing cells of RECIPES")
    run.add_argument("recipes", nargs="+", choices=sorted([*RECIPES, *SIMULATED]))
    run.add_argument("--folds", type=int, nargs="+", default=list(FOLDS))
    run.add_argument("--light-curves", default=str(SHARED_ARCHIVE), help="lc_dev_g.tar.gz or its folder")
    report = sub.add_parser("report", help="score the finished recipes")
    report.add_argument("--light-curves", default=str(SHARED_ARCHIVE))
    report.add_argument("--markdown", help="rewrite this page's real_data.py tables")
    args = parser.parse_args(argv)

    X, y, info = load_dekany2022(args.light_curves)
    if args.command == "run":
        for recipe in args.recipes:
            if recipe in SIMULATED:
                if not all(_cell(recipe, k).exists() for k in FOLDS):
                    run_simulated(recipe, X, y, info)
                continue
            for fold in args.folds:
                if not _cell(recipe, fold).exists():
                    run_cell(recipe, fold, X, y, info)
        return 0
    from _real_data_report import write_report  # noqa: E402  (this folder is on sys.path)

    print(write_report(X, y, info, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
