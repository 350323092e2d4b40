"""Training throughput of the default GRU under each way of running it, side by side.

Every configuration trains the same :class:`rrlsk.regressors.GRURegressor`
(the paper's 20-16-8 GRU, rrlsk's training loop) on the same random
sequences for ``--epochs`` epochs (no early stopping, no inner split), each
in a fresh process so that the Keras backend and thread settings can differ,
the configurations alternating for ``--repeat`` rounds; the fastest round of
each is kept. Speed does not depend on the values, so the data are random.

The figure is CPU seconds per epoch (all threads of the process, the first
epoch, which traces or compiles, left out), the one that counts when the
cores are shared or busy with other fits; wall seconds per epoch are given
beside it. The ratio is against the first configuration of the run.

    nice -n 10 python benchmarks/training_speed.py --n 4801 --epochs 4 --repeat 2 --markdown docs/networks.md

Each run appends its rows to ``benchmarks/measured/training_speed.csv``
(date, load, configuration, seconds), so the measurements accumulate;
``--report --markdown PAGE`` writes the table of the latest run from that
record alone, without training.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECORD = HERE / "measured" / "training_speed.csv"

#: name -> (what it is, environment of its process, GRURegressor parameters, steps or None for --steps)
CONFIGS: dict[str, tuple[str, dict[str, str], dict, int | None]] = {
    "tf": ("TensorFlow backend, the defaults (batch 256, masking, no XLA)", {}, {}, None),
    "tf_jit": ("TensorFlow, `jit_compile=True` (XLA)", {}, {"jit_compile": True}, None),
    "tf_batch1024": ("TensorFlow, batches of 1,024", {}, {"batch_size": 1024}, None),
    "tf_1thread": ("TensorFlow, one intra-op thread", {"TF_NUM_INTRAOP_THREADS": "1"}, {}, None),
    "tf_50": ("TensorFlow, 50 grid points instead of 100", {}, {}, 50),
    "jax": ("JAX backend (`KERAS_BACKEND=jax`)", {"KERAS_BACKEND": "jax"}, {}, None),
    "jax_batch1024": ("JAX backend, batches of 1,024", {"KERAS_BACKEND": "jax"}, {"batch_size": 1024}, None),
    "jax_50": ("JAX backend, 50 grid points", {"KERAS_BACKEND": "jax"}, {}, 50),
}


def worker(config: str, n: int, steps: int, epochs: int) -> dict:
    """Train the configuration's GRU in this process; CPU and wall seconds per epoch after the first."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np

    from rrlsk.regressors import GRURegressor

    _, _, params, config_steps = CONFIGS[config]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, config_steps or steps, 2)).astype(np.float32)
    y = rng.normal(-1.5, 0.5, size=n).astype(np.float32)

    class EpochClock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.cpu, self.wall = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self._cpu, self._wall = time.process_time(), time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.cpu.append(time.process_time() - self._cpu)
            self.wall.append(time.perf_counter() - self._wall)

    clock = EpochClock()
    est = GRURegressor(epochs=epochs, validation_fraction=0.0, patience=None, lr_patience=None,
                       random_state=0, **params)
    add = type(est)._training_callbacks
    type(est)._training_callbacks = lambda self, monitored: [*add(self, monitored), clock]
    est.fit(X, y)
    return {"config": config, "backend": keras.backend.backend(), "steps": X.shape[1],
            "batch_size": est.batch_size, "cpu_per_epoch": float(np.mean(clock.cpu[1:])),
            "wall_per_epoch": float(np.mean(clock.wall[1:])), "first_epoch_cpu": clock.cpu[0]}


def run_config(config: str, n: int, steps: int, epochs: int) -> dict | str:
    """One configuration in a fresh process: its result, or why it failed."""
    env = {**os.environ, **CONFIGS[config][1]}
    cmd = [sys.executable, __file__, "--worker", config, "--n", str(n), "--steps", str(steps), "--epochs", str(epochs)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        return (done.stderr.strip().splitlines() or ["no output"])[-1]
    return json.loads(lines[-1])


def write_table(page: str | None) -> None:
    """Print the latest run of the record as a Markdown table; rewrite ``page``'s block with it."""
    import pandas as pd
    from _doc_tables import markdown_table, rewrite

    record = pd.read_csv(RECORD)
    latest = record[record["date"] == record["date"].iloc[-1]]
    reference = latest["cpu_per_epoch"].iloc[0]
    rows = [(f"`{r.config}`", CONFIGS[r.config][0] if r.config in CONFIGS else "", f"{r.cpu_per_epoch:.2f}",
             f"{r.cpu_per_epoch / reference:.2f}x", f"{r.wall_per_epoch:.2f}") for r in latest.itertuples()]
    table = markdown_table(("configuration", "what", "CPU s / epoch", "vs first", "wall s / epoch"), rows, "llrrr")
    first = latest.iloc[0]
    text = (f"{table}\n\nMeasured on {first.date} ({os.cpu_count()} cores, load average {first.load_start:.1f} at "
            f"the start and {first.load_end:.1f} at the end), written from `benchmarks/measured/training_speed.csv` by "
            f"`python benchmarks/training_speed.py --report --markdown PAGE`. GRU 20-16-8 on {first.n:,} random "
            f"sequences, batch and grid as named; CPU seconds of all threads per epoch after the first; the fastest "
            f"of the alternating rounds, each configuration in its own process.")
    print(text)
    if page:
        rewrite(page, "training_speed.py", {"configurations": text})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=4801, help="training stars (the paper split's 4,801)")
    parser.add_argument("--steps", type=int, default=100, help="grid points of the default input")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per fit (>= 2)")
    parser.add_argument("--repeat", type=int, default=2, help="alternating rounds; the fastest is kept")
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--markdown", help="rewrite this page's training_speed.py table")
    parser.add_argument("--report", action="store_true", help="only write the latest run's table from the record")
    parser.add_argument("--worker", choices=list(CONFIGS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.n, args.steps, args.epochs)), flush=True)
        return 0

    sys.path.insert(0, str(HERE))
    if args.report:
        write_table(args.markdown)
        return 0
    from _doc_tables import Run

    run = Run("training_speed.py", argv)
    results: dict[str, list] = {c: [] for c in args.configs}
    for round_ in range(args.repeat):
        for config in args.configs:
            result = run_config(config, args.n, args.steps, args.epochs)
            results[config].append(result)
            print(f"round {round_}: {config}: {result}", flush=True)
    run.finish()

    best = {}
    for config, runs in results.items():
        good = [r for r in runs if isinstance(r, dict)]
        best[config] = min(good, key=lambda r: r["cpu_per_epoch"]) if good else runs[-1]
    for config, r in best.items():
        if not isinstance(r, dict):
            print(f"{config} failed: {r}", flush=True)
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    new_file = not RECORD.exists()
    with RECORD.open("a") as record:
        if new_file:
            record.write("date,load_start,load_end,config,n,steps,batch_size,cpu_per_epoch,wall_per_epoch\n")
        for config, r in best.items():
            if isinstance(r, dict):
                record.write(f"{run.date},{run.load_start:.2f},{run.load_end:.2f},{config},{args.n},{r['steps']},"
                             f"{r['batch_size']},{r['cpu_per_epoch']:.3f},{r['wall_per_epoch']:.3f}\n")

    write_table(args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
