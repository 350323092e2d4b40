"""Training and prediction speed of every rrlsk network on CPU.

For each network at the paper's size: seconds per training epoch through the
rrlsk regressor and through the same model in a plain ``keras.Model.fit``
loop (same data, batch size and epochs; the difference is the wrapper's
overhead), trainable parameters, and prediction throughput.

    nice -n 10 python benchmarks/networks.py --n 4801 --steps 100 --epochs 3

``--markdown PAGE`` also rewrites the table between PAGE's
``<!-- networks.py: speed -->`` and ``<!-- /networks.py -->`` lines, with
the command, date, machine load and software versions of the run::

    nice -n 10 python benchmarks/networks.py --n 4801 --steps 100 --epochs 3 --repeat 1 --markdown docs/networks.md

``--converge NET`` instead trains NET with its default schedule on a simulated
6,002-star Gaia sample (``rrlsk.datasets.make_gaia_rrab``, the paper's
preprocessing, 80/20 split) and reports epochs run, wall time and held-out
RMSE/R2:

    nice -n 10 python benchmarks/networks.py --converge gru

Timing data are random (speed does not depend on the values). Seconds per
epoch exclude the first epoch (graph tracing); the fit totals include it and
model building. Each path runs ``--repeat`` times, alternating, and the
fastest run is kept, which filters out load from other processes.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from rrlsk import regressors  # noqa: E402

from _doc_tables import Run, markdown_table, rewrite  # noqa: E402  (this folder is on sys.path)

NETS = {
    "FCN": regressors.FCNRegressor,
    "ResNet": regressors.ResNetRegressor,
    "InceptionTime": regressors.InceptionTimeRegressor,
    "LSTM": regressors.LSTMRegressor,
    "GRU": regressors.GRURegressor,
    "BiLSTM": regressors.BiLSTMRegressor,
    "BiGRU": regressors.BiGRURegressor,
    "ConvLSTM": regressors.ConvLSTMRegressor,
    "ConvGRU": regressors.ConvGRURegressor,
    "Transformer": regressors.TransformerRegressor,
}


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of each epoch."""

    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def plain_keras(est, X, y, epochs: int) -> tuple[float, list[float]]:
    """Fit ``est``'s network in a plain Keras loop; return total seconds and epoch times."""
    keras.utils.set_random_seed(0)
    start = time.perf_counter()
    model = est._build_network(None if est.masks_padding else X.shape[1], X.shape[2])
    model.compile(optimizer=keras.optimizers.Adam(est.learning_rate), loss="mse", jit_compile=est.jit_compile)
    timer = EpochTimer()
    model.fit(X, y, batch_size=est.batch_size, epochs=epochs, shuffle=True, verbose=0, callbacks=[timer])
    return time.perf_counter() - start, timer.times


def through_rrlsk(est, X, y) -> tuple[float, float, list[float]]:
    """Fit ``est`` itself; total seconds, seconds inside ``keras.Model.fit`` and epoch times.

    An epoch timer is added to the regressor's callbacks and ``Model.fit`` is
    timed, so the time rrlsk spends outside Keras' loop (checks, inner split,
    building and compiling the model) is measured within the same run,
    whatever the load of the machine.
    """
    timer = EpochTimer()
    add_timer = type(est)._training_callbacks
    keras_fit = keras.Model.fit
    inside = []

    def timed_fit(model, *args, **kwargs):
        start = time.perf_counter()
        try:
            return keras_fit(model, *args, **kwargs)
        finally:
            inside.append(time.perf_counter() - start)

    type(est)._training_callbacks = lambda self, monitored: [*add_timer(self, monitored), timer]
    keras.Model.fit = timed_fit
    try:
        start = time.perf_counter()
        est.fit(X, y)
        return time.perf_counter() - start, sum(inside), timer.times
    finally:
        type(est)._training_callbacks = add_timer
        keras.Model.fit = keras_fit


def converge(name: str, n_stars: int) -> None:
    """Train ``name`` with its default schedule on simulated stars; report time and accuracy."""
    from sklearn.metrics import r2_score, root_mean_squared_error
    from sklearn.model_selection import train_test_split

    from rrlsk.datasets import make_gaia_rrab
    from rrlsk.pipelines import make_pipeline

    X, y, _ = make_gaia_rrab(n_stars, random_state=0)
    encoded = make_pipeline(name.lower())[:-1].fit_transform(X)
    X_tr, X_te, y_tr, y_te = train_test_split(encoded, y.to_numpy(), test_size=0.2, random_state=0)
    est = NETS[name](random_state=0, verbose=2)  # one line per epoch: a learning curve even if stopped
    start = time.perf_counter()
    est.fit(X_tr, y_tr)
    seconds = time.perf_counter() - start
    pred = est.predict(X_te)
    print(f"{name}: {len(est.history_['loss'])} epochs (best {est.best_epoch_}) in {seconds:.0f} s "
          f"({seconds / len(est.history_['loss']):.2f} s/epoch); held-out RMSE "
          f"{root_mean_squared_error(y_te, pred):.3f} dex, R2 {r2_score(y_te, pred):.3f}, "
          f"median |residual| {np.median(np.abs(y_te - pred)):.3f} dex "
          f"(label std {np.std(y_te):.3f} dex); final lr {est.history_['learning_rate'][-1]:.2g}")


#: --jit choice -> the regressors' ``jit_compile``
JIT = {"auto": "auto", "on": True, "off": False}

HEADER = ("net", "params", "rrlsk s/epoch", "keras s/epoch", "rrlsk fit s ({epochs} ep.)", "outside Model.fit s",
          "keras fit s ({epochs} ep.)", "predict seq/s")


def timing_data(n: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Random sequences (value, non-negative error) and labels: speed does not depend on the values."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, steps, 2)).astype(np.float32)
    X[..., 1] = np.abs(X[..., 1])
    y = rng.normal(-1.5, 0.5, size=n).astype(np.float32)
    return X, y


def warm_up(X: np.ndarray, y: np.ndarray) -> None:
    """Pay the one-time process costs (TensorFlow start-up, first graph) before timing."""
    regressors.GRURegressor(units=(2,), dropout=0.0, epochs=1, validation_fraction=0.0).fit(X[:64], y[:64])


def measure(name: str, X: np.ndarray, y: np.ndarray, epochs: int, repeat: int, jit) -> dict:
    """Time one network through rrlsk and through plain Keras.

    Parameters
    ----------
    name : str
        A key of :data:`NETS`.
    X, y : ndarray
        Training sequences and labels (:func:`timing_data`).
    epochs : int
        Epochs per fit (>= 2; the first, graph tracing, is left out of the per-epoch times).
    repeat : int
        Alternating repetitions of both paths; the fastest is kept.
    jit : bool or "auto"
        The regressor's ``jit_compile``.

    Returns
    -------
    dict
        ``params``, ``batch_size``, ``epoch_rrlsk``, ``epoch_keras``, ``fit_rrlsk``, ``outside_fit``,
        ``fit_keras`` (seconds) and ``predict_per_s`` (sequences per second).
    """
    est = NETS[name](epochs=epochs, validation_fraction=0.0, patience=None, lr_patience=None,
                     jit_compile=jit, random_state=0)
    plain, wrapped = [], []
    for _ in range(repeat):  # alternate, so that load from other processes hits both
        plain.append(plain_keras(est, X, y, epochs))
        wrapped.append(through_rrlsk(est, X, y))
    total, inside, _ = min(wrapped, key=lambda run: run[0])
    est.predict(X[:256])  # trace once
    start = time.perf_counter()
    est.predict(X)
    return {
        "params": sum(int(np.prod(w.shape)) for w in est.model_.trainable_weights),
        "batch_size": est.batch_size,
        "epoch_rrlsk": min(float(np.mean(times[1:])) for *_, times in wrapped),
        "epoch_keras": min(float(np.mean(times[1:])) for _, times in plain),
        "fit_rrlsk": total,
        "outside_fit": total - inside,
        "fit_keras": min(t for t, _ in plain),
        "predict_per_s": len(X) / (time.perf_counter() - start),
    }


def table_row(name: str, r: dict) -> list[str]:
    """One row of the speed table."""
    return [name, f"{r['params']:,}", f"{r['epoch_rrlsk']:.2f}", f"{r['epoch_keras']:.2f}", f"{r['fit_rrlsk']:.1f}",
            f"{r['outside_fit']:.2f}", f"{r['fit_keras']:.1f}", f"{r['predict_per_s']:,.0f}"]


def speed_table(results: dict[str, dict], epochs: int) -> str:
    """Markdown table of :func:`measure`'s results, one row per network, in ``results``' order."""
    header = [h.format(epochs=epochs) for h in HEADER]
    return markdown_table(header, [table_row(name, r) for name, r in results.items()], "lrrrrrrr")


def software() -> str:
    """Keras, its backend and their versions, as the table's provenance states them."""
    backend = keras.backend.backend()
    version = getattr(__import__(backend), "__version__", "version unknown")
    return f"Keras {keras.__version__} with {backend} {version}, on CPU"


def markdown_block(results: dict[str, dict], run: Run, args: argparse.Namespace) -> str:
    """The page's block: provenance, what was timed, the table.

    Parameters
    ----------
    results : dict
        Network name -> :func:`measure`'s result.
    run : Run
        This invocation, finished.
    args : argparse.Namespace
        The parsed command line.

    Returns
    -------
    str
        The Markdown that goes between the page's ``networks.py`` markers.
    """
    batches = "/".join(str(b) for b in sorted({r["batch_size"] for r in results.values()}))
    return (
        f"{run.provenance()} {software()}; {args.n:,} random sequences of {args.steps} steps, batch {batches}, "
        f"`jit_compile={JIT[args.jit]!r}`, fastest of {args.repeat} alternating run(s) per path.\n\n"
        + speed_table(results, args.epochs)
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=4801, help="training sequences (paper: 4801)")
    parser.add_argument("--steps", type=int, default=100, help="steps per sequence")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per timing (>= 2)")
    parser.add_argument("--nets", nargs="*", default=list(NETS), choices=list(NETS))
    parser.add_argument("--repeat", type=int, default=2, help="alternating repetitions; the minimum is kept")
    parser.add_argument("--jit", choices=["auto", "on", "off"], default="auto", help="XLA jit_compile")
    parser.add_argument("--converge", choices=list(NETS), help="convergence run of one net instead")
    parser.add_argument("--stars", type=int, default=6002, help="simulated stars for --converge")
    parser.add_argument("--markdown", type=Path, metavar="PAGE", help="rewrite PAGE's networks.py speed table")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.converge:
        converge(args.converge, args.stars)
        return
    run = Run("networks.py", argv)
    jit = JIT[args.jit]
    X, y = timing_data(args.n, args.steps)
    print(f"backend={keras.backend.backend()} keras={keras.__version__} n={args.n} steps={args.steps} "
          f"epochs={args.epochs} jit={args.jit} threads={os.cpu_count()}")
    warm_up(X, y)
    print(speed_table({}, args.epochs))
    results = {}
    for name in args.nets:
        results[name] = measure(name, X, y, args.epochs, args.repeat, jit)
        print(speed_table({name: results[name]}, args.epochs).splitlines()[-1], flush=True)
    if args.markdown:
        run.finish()
        rewrite(args.markdown, "networks.py", {"speed": markdown_block(results, run, args)})


if __name__ == "__main__":
    main()
