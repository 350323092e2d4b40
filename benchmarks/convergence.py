"""How fast the networks converge on a CPU: validation MAE against epochs and CPU seconds.

On the simulated paper sample (``make_paper_sample(6002, random_state=0)``,
photometric labels; SIMULATED data) and the paper's 80/20 split (4,801
training and 1,201 validation stars, binned stratified on [Fe/H]), each
configuration trains one network with density weights and early stopping
on an inner 10 % of its training stars; after every epoch the held-out 20 %
is predicted and its MAE, RMSE and R2 are logged beside the epoch's CPU
seconds (``time.process_time``, all threads). Each finished configuration
is cached at once in ``benchmarks/measured/convergence/<config>.json``
(small, committed; with its date and the load average at its start and
end), so a stopped run resumes, on any machine. ``--plot`` and
``--markdown`` read only those records and train nothing: ``--plot`` draws
their curves into ``docs/figures/convergence.png``, ``--markdown PAGE``
rewrites the table between PAGE's ``<!-- convergence.py: configurations -->``
and ``<!-- /convergence.py -->`` lines, with the command that wrote it and
each record's own date and load.

Usage::

    nice python benchmarks/convergence.py                         # every configuration
    nice python benchmarks/convergence.py --configs gru_new fcn_new
    python benchmarks/convergence.py --plot                       # figure + table from the cache
    python benchmarks/convergence.py --markdown docs/networks.md docs/results.md --configs gru_old_50 gru_new_50 gru_cosine_50 gru_meta_50
    python benchmarks/convergence.py --tiny                       # seconds, for a smoke test
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error  # noqa: E402

import rrlsk  # noqa: E402
from rrlsk.datasets import make_paper_sample  # noqa: E402
from rrlsk.model_selection import BinnedStratifiedKFold  # noqa: E402
from rrlsk.pipelines import NETWORKS, make_pipeline  # noqa: E402

from _doc_tables import Run, markdown_table, rewrite  # noqa: E402  (this folder is on sys.path)

#: rrlsk 0.1.0's training loop: raw targets and inputs, Adam 0.01 halved on plateaus.
OLD = {"standardize": False, "lr_schedule": "plateau", "learning_rate": 0.01, "batch_size": 256}

#: Per-star scalars of the meta-input configurations (Dekany & Grebel 2022).
META = ("period", "amplitude", "A1", "R21", "R31", "phi21", "phi31")

#: name -> (network, points per curve, constructor parameters; "meta" goes to make_pipeline)
CONFIGS = {
    "gru_old": ("gru", 100, {**OLD}),
    "gru_old_50": ("gru", 50, {**OLD}),
    "gru_paper": ("gru", 100, {**rrlsk.regressors.PAPER_SCHEDULE, "epochs": 400, "patience": 40}),
    "gru_new": ("gru", 100, {}),
    "gru_new_50": ("gru", 50, {}),
    "gru_cosine_50": ("gru", 50, {"lr_schedule": "cosine", "warmup_epochs": 5, "epochs": 200}),
    "gru_bs64_50": ("gru", 50, {"batch_size": 64, "learning_rate": 0.005}),
    "gru_new_50_jax": ("gru", 50, {}),
    "gru_bs1024_50": ("gru", 50, {"batch_size": 1024, "learning_rate": 0.02}),
    "gru_bs1024_50_jax": ("gru", 50, {"batch_size": 1024, "learning_rate": 0.02}),
    "fcn_old": ("fcn", 100, {**OLD}),
    "fcn_new": ("fcn", 100, {}),
    "gru_meta_50": ("gru", 50, {"meta": META}),
}

#: The paper's GRU on real Gaia DR3 with its own labels (Monti et al. 2024): validation figures, quoted.
PAPER_GRU = {"mae": 0.0565, "rmse": 0.0765, "r2": 0.9401}

#: The configuration docs/results.md sets beside the paper: the default loop at 50 points.
COMPARED = "gru_new_50"

#: Epochs at which docs/results.md reads each learning curve.
CHECKPOINTS = (30, 60, 100, 150)

#: name -> what the configuration changes, as the documentation's table says it
DESCRIPTIONS = {
    "gru_old": "0.1.0 loop: raw target and inputs, plateau halving",
    "gru_old_50": "0.1.0 loop: raw target and inputs, plateau halving",
    "gru_paper": "the paper's schedule: raw target and inputs, constant learning rate 0.01, patience 40",
    "gru_new": "default loop: standardised target and inputs, plateau halving",
    "gru_new_50": "default loop: standardised target and inputs, plateau halving",
    "gru_cosine_50": "cosine decay over 200 epochs, 5 warm-up",
    "gru_bs64_50": "default loop, 64-star batches, learning rate 0.005",
    "gru_new_50_jax": "default loop on the JAX backend (`KERAS_BACKEND=jax`)",
    "gru_bs1024_50": "default loop, 1,024-star batches, learning rate 0.02",
    "gru_bs1024_50_jax": "the same on the JAX backend (`KERAS_BACKEND=jax`)",
    "fcn_old": "FCN, 0.1.0 loop: raw target and inputs, plateau halving",
    "fcn_new": "FCN, default loop: standardised target and inputs, plateau halving",
    "gru_meta_50": "default loop + 7 Fourier scalars (`meta=`)",
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--epochs", type=int, default=400, help="epoch cap of every fit (default 400)")
    parser.add_argument("--n-stars", type=int, default=6002)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/measured/convergence"))
    parser.add_argument("--plot", action="store_true", help="draw the figure and print the table from the cache")
    parser.add_argument("--markdown", type=Path, nargs="+", metavar="PAGE", default=[],
                        help="rewrite the convergence.py tables each PAGE has, from the cache (no training)")
    parser.add_argument("--tiny", action="store_true", help="300 stars, 3 epochs: a smoke test")
    args = parser.parse_args(argv)
    if args.tiny:
        args.n_stars, args.epochs = 300, 3
    return args


class HeldOutCurve(keras.callbacks.Callback):
    """After each epoch: MAE, RMSE, R2 (dex) on the held-out stars and cumulative CPU seconds."""

    def __init__(self, estimator, X, y):
        super().__init__()
        self.estimator, self.X, self.y = estimator, X, y
        self.rows: list[dict] = []

    def on_train_begin(self, logs=None):
        self.start = time.process_time()
        self.X_scaled = self.estimator._standardize_inputs(self.X)

    def on_epoch_end(self, epoch, logs=None):
        cpu = time.process_time() - self.start
        est = self.estimator
        pred = self.model.predict(self.X_scaled, batch_size=4096, verbose=0)[:, 0] * est.target_scale_ + est.target_mean_
        self.rows.append({
            "epoch": epoch + 1,
            "cpu_s": cpu,
            "mae": mean_absolute_error(self.y, pred),
            "rmse": root_mean_squared_error(self.y, pred),
            "r2": r2_score(self.y, pred),
            "val_loss": float(logs.get("val_loss", np.nan)) * est.target_scale_**2,
            "learning_rate": float(logs.get("learning_rate", np.nan)),
        })
        self.start += time.process_time() - self.start - cpu  # do not count the held-out prediction


def split_paper_sample(n_stars: int):
    """The tensor inputs, labels, weights and the paper-like 80/20 split."""
    X, y, info = make_paper_sample(n_stars, labels="photometric", random_state=0)
    y = np.asarray(y, dtype=np.float64)
    train, val = next(BinnedStratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(X, y))
    weights = rrlsk.density_weights(y, info["feh_error"].to_numpy())
    return X, y, weights, train, val


#: Configurations that only mean something on another Keras backend (set before Python starts).
BACKENDS = {"gru_new_50_jax": "jax", "gru_bs1024_50_jax": "jax"}


def run_config(name: str, data, args) -> dict:
    network, n_points, params = CONFIGS[name]
    backend = BACKENDS.get(name, "tensorflow")
    if keras.backend.backend() != backend:
        raise SystemExit(f"{name} runs on the {backend} backend: KERAS_BACKEND={backend} python benchmarks/convergence.py ...")
    X, y, weights, train, val = data
    pipe = make_pipeline(network, n_points=n_points, random_state=0, **{"epochs": args.epochs, **params})
    params = {k: v for k, v in params.items() if k != "meta"}
    pre, est = pipe[:-1], pipe[-1]
    T_train = pre.fit_transform(X.iloc[train])
    T_val = pre.transform(X.iloc[val])
    curve = HeldOutCurve(est, T_val, y[val])
    original = est._training_callbacks
    est._training_callbacks = lambda monitored: [*original(monitored), curve]
    date, load_start = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    est.fit(T_train, y[train], sample_weight=weights[train])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    del est._training_callbacks
    pred = est.predict(T_val)
    return {
        "config": name,
        "network": network,
        "n_points": n_points,
        "meta": list(CONFIGS[name][2].get("meta", ())),
        "params": {k: v for k, v in est.get_params().items() if not k.startswith("_")},
        "epochs_run": len(est.history_["loss"]),
        "best_epoch": est.best_epoch_,
        "hit_cap": len(est.history_["loss"]) >= est.epochs,
        "cpu_s": cpu,
        "wall_s": wall,
        "backend": keras.backend.backend(),
        "date": date,
        "cores": os.cpu_count(),
        "load_start": load_start,
        "load": os.getloadavg()[0],
        "label_sd": float(np.std(y[val])),
        "mae": mean_absolute_error(y[val], pred),
        "rmse": root_mean_squared_error(y[val], pred),
        "r2": r2_score(y[val], pred),
        "curve": curve.rows,
    }


def mae_at(record: dict, epoch: int) -> str:
    """Held-out MAE after ``epoch`` epochs, formatted; "-" when the fit stopped before."""
    return next((f"{row['mae']:.3f}" for row in record["curve"] if row["epoch"] == epoch), "-")


def describe(record: dict) -> str:
    """The first column of every table: the configuration's name and what it changes."""
    name = record["config"]
    return f"`{name}`" + (f": {DESCRIPTIONS[name]}" if name in DESCRIPTIONS else "")


def table(results: list[dict]) -> str:
    """Markdown table of the cached results, one row per configuration.

    Parameters
    ----------
    results : list of dict
        Records as :func:`run_config` returns and caches them.

    Returns
    -------
    str
        The table; "cap" after the best epoch marks a fit stopped by its epoch cap.
    """
    header = ["configuration", "points", "epochs run (best)", "CPU-min", "val MAE (dex)", "RMSE", "R2",
              "MAE at 60 epochs"]
    rows = []
    for r in results:
        cap = ", cap" if r["hit_cap"] else ""
        rows.append([
            describe(r), r["n_points"], f"{r['epochs_run']} ({r['best_epoch']}{cap})", f"{r['cpu_s'] / 60:.1f}",
            f"{r['mae']:.4f}", f"{r['rmse']:.4f}", f"{r['r2']:.3f}", mae_at(r, 60),
        ])
    return markdown_table(header, rows, "lrlrrrrr")


def checkpoint_table(results: list[dict]) -> str:
    """Held-out MAE of each configuration at :data:`CHECKPOINTS` epochs and at the end of its fit."""
    header = ["configuration", *(f"at {e} epochs" if i == 0 else f"at {e}" for i, e in enumerate(CHECKPOINTS)),
              "end (epochs, CPU-min)"]
    rows = [
        [describe(r), *(mae_at(r, e) for e in CHECKPOINTS),
         f"{r['mae']:.4f} ({r['epochs_run']}, {'cap' if r['hit_cap'] else 'early-stopped'}; {r['cpu_s'] / 60:.1f})"]
        for r in results
    ]
    return markdown_table(header, rows, "l" + "r" * len(CHECKPOINTS) + "l")


def paper_table(results: list[dict]) -> str:
    """Like with like: the paper's GRU beside :data:`COMPARED`, MAE relative to the label spread.

    The paper's label SD is implied by its RMSE and R2 (``RMSE / sqrt(1 - R2)``).
    """
    header = ["", "label SD (dex)", "MAE (dex)", "MAE / label SD", "RMSE (dex)", "R2"]
    sd = PAPER_GRU["rmse"] / (1 - PAPER_GRU["r2"]) ** 0.5
    rows = [["paper's GRU, real Gaia DR3 (their labels)", f"about {sd:.2f}", f"{PAPER_GRU['mae']:.4f}",
             f"{PAPER_GRU['mae'] / sd:.2f}", f"{PAPER_GRU['rmse']:.4f}", f"{PAPER_GRU['r2']:.4f}"]]
    rows += [[f"rrlsk default GRU, simulated, {r['n_points']} points (`{r['config']}`)", f"{r['label_sd']:.3f}",
              f"{r['mae']:.4f}", f"{r['mae'] / r['label_sd']:.2f}", f"{r['rmse']:.4f}", f"{r['r2']:.3f}"]
             for r in results if r["config"] == COMPARED]
    return markdown_table(header, rows, "lrrrrr")


def record_provenance(r: dict) -> str:
    """When and under what load one cached configuration ran, as far as its record says.

    Parameters
    ----------
    r : dict
        One cached record. Records written before the date, the cores and
        the start load were stored hold only the load at the end; the date
        then reads "date not recorded" rather than a guess.

    Returns
    -------
    str
        The configuration's name, its date and load, e.g. "`gru_old_50` date not
        recorded (load average 4.6 at the end)".
    """
    date = f"on {r['date']}" if "date" in r else "date not recorded"
    cores = f"{r['cores']} cores, " if "cores" in r else ""
    start = f"{r['load_start']:.1f} at the start and " if "load_start" in r else ""
    load = f"load average {start}{r['load']:.1f} at the end" if "load" in r else "load not recorded"
    return f"`{r['config']}` {date} ({cores}{load})"


def markdown_blocks(results: list[dict], run: Run, cache: Path) -> dict[str, str]:
    """The pages' blocks, each with what wrote it and when each record ran.

    Parameters
    ----------
    results : list of dict
        The cached records, in table order.
    run : Run
        This invocation (command, date, load), finished.
    cache : Path
        The folder the records were read from.

    Returns
    -------
    dict
        Block name -> the Markdown that goes between its ``convergence.py``
        markers: ``configurations`` (docs/networks.md), ``checkpoints`` and
        ``paper`` (docs/results.md).
    """
    sds = sorted({f"{r['label_sd']:.2f}" for r in results})
    made = (f"{run.provenance()} It read the records in `{cache}` (no training); each configuration ran at its "
            f"own time: {'; '.join(record_provenance(r) for r in results)}. SIMULATED photometric labels, "
            f"held-out SD {' / '.join(sds)} dex")
    return {
        "configurations": f"{table(results)}\n\n{made}; \"cap\": the fit reached its epoch cap.",
        "checkpoints": f"{checkpoint_table(results)}\n\n{made}; validation MAE (dex).",
        "paper": (f"{paper_table(results)}\n\n{made}. The paper's row is quoted from Monti et al. (2024), its "
                  "label SD implied by RMSE / sqrt(1 - R2)."),
    }


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for r in results:
        epochs = [row["epoch"] for row in r["curve"]]
        cpu = [row["cpu_s"] / 60 for row in r["curve"]]
        mae = [row["mae"] for row in r["curve"]]
        axes[0].plot(epochs, mae, label=r["config"], lw=1)
        axes[1].plot(cpu, mae, label=r["config"], lw=1)
    for ax in axes:
        ax.axhline(PAPER_GRU["mae"], color="k", ls=":", lw=1, label="paper's GRU (real data, other labels)")
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0].set_xlabel("epoch")
    axes[1].set_xlabel("CPU minutes (2 cores)")
    axes[0].set_ylabel("validation MAE (dex), simulated sample")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run = Run("convergence.py", argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if not (args.plot or args.markdown):
        data = None
        for name in args.configs:
            cache = args.out / f"{name}.json"
            if cache.exists():
                print(f"{name}: cached")
                continue
            data = data or split_paper_sample(args.n_stars)
            result = run_config(name, data, args)
            cache.write_text(json.dumps(result, indent=1))
            print(f"{name}: MAE {result['mae']:.4f} R2 {result['r2']:.3f} after {result['epochs_run']} epochs, "
                  f"{result['cpu_s'] / 60:.1f} CPU-min", flush=True)
    results = [json.loads((args.out / f"{n}.json").read_text()) for n in args.configs if (args.out / f"{n}.json").exists()]
    print(table(results))
    if args.plot:
        plot(results, Path("docs/figures/convergence.png"))
    if args.markdown:
        run.finish()
        blocks = markdown_blocks(results, run, args.out)
        for page in args.markdown:
            rewrite(page, "convergence.py", blocks, partial=True)


if __name__ == "__main__":
    main()
