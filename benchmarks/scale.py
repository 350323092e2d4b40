"""Whole-catalogue prediction speed and memory: one process, n_jobs=2, Dask.

Simulates N Gaia-like RRab stars (``rrlsk.datasets.make_gaia_rrab``), writes
them as one Parquet file, trains the default GRU pipeline briefly on a few
thousand of them (accuracy is not the point), then times the full predict
pass three ways, each in a fresh child process whose process tree's peak
RSS is sampled:

- ``single``: ``predict_catalogue(n_jobs=1)``
- ``jobs2``:  ``predict_catalogue(n_jobs=2)`` (two loky workers)
- ``dask``:   2-worker ``LocalCluster``: ``read_parquet_dask`` ->
  ``predict_dask`` -> ``to_parquet``

It also splits one chunk's cost into reading, checks, preprocessing (fold,
spline, mean, encode) and the network, for DR3-like curves and for
DR4-like ones (twice the time span and epochs), and times a subset read from Gaia
archive epoch-photometry files (one file per star, as DataLink serves
them, joined with a ``vari_rrlyrae`` table).

``--stages`` instead profiles the catalogue pass stage by stage, in CPU
microseconds per star (read, checks, domain and plausibility flags, fold,
spline, mean, encode, network, write, and the whole ``predict_catalogue``
pass with its stars per wall second), for this working tree and for the
committed ``--baseline`` revision side by side: the same Parquet file and
the same model (trained by the baseline, whose pickles every later revision
reads), each revision in its own process (the baseline's from a temporary
``git worktree``), alternately for ``--repeats`` rounds, the minimum kept.
The run fails unless the two revisions' predictions agree to 1e-6 dex and
their ``status``, ``reason`` and ``outside_training_domain`` columns are
identical. A few stars are spoiled on purpose (NaN magnitudes, too few
points), so that the bad-star path runs too.

Each mode runs ``--repeats`` times, the modes interleaved (single, jobs2,
dask, gaia, single, ...), so that a change of machine load hits every mode
alike; the tables give the median and the range. ``--markdown PAGE``
rewrites the tables between the ``<!-- scale.py: NAME -->`` and
``<!-- /scale.py -->`` markers of PAGE (docs/scaling.md), with the command,
the date and the machine load, so the page's figures are never copied by
hand.

Usage::

    nice -n 10 python benchmarks/scale.py --n-stars 100000 --repeats 3 --markdown docs/scaling.md
    python benchmarks/scale.py --n-stars 5000 --n-train 500 --chunk-size 1000
    nice -n 5 python benchmarks/scale.py --stages --n-stars 50000 --n-train 400 --epochs 2 --repeats 2 \
        --markdown docs/scaling.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _doc_tables import Run, markdown_table, rewrite  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
#: The catalogue pass before its chunks overlapped in threads and its 1,024-star network calls:
#: ``--baseline``'s default.
BASELINE = "085f26a"
#: Stages of the catalogue pass profiled by ``--stages``, in order.
STAGES = ("read", "checks", "flags", "fold", "spline", "mean", "encode", "network", "write")
STAGE_NAMES = {
    "read": "read Parquet", "checks": "checks (the catalogue's and every step's)",
    "flags": "domain and plausibility flags", "fold": "fold", "spline": "spline", "mean": "mean",
    "encode": "encode", "network": "network (GRU forward)", "write": "write the part",
}
#: Largest |new - old| [Fe/H] accepted between the revisions, dex.
FEH_TOLERANCE = 1e-6
#: Stars spoiled per 10,000 in ``--stages`` (half with NaN magnitudes, half with 5 points).
SPOILED_PER_10K = 10


def _tree_rss(process) -> int:
    """RSS of a process and all its descendants, bytes."""
    import psutil

    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _run_child(args: list[str]) -> dict:
    """Run this script in child mode; return its JSON result plus peak tree RSS."""
    import psutil

    child = subprocess.Popen([sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, text=True)
    handle = psutil.Process(child.pid)
    peak = [0]

    def sample():
        while child.poll() is None:
            try:
                peak[0] = max(peak[0], _tree_rss(handle))
            except psutil.Error:
                pass
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = child.communicate()
    sampler.join()
    if child.returncode:
        raise RuntimeError(f"child {args} exited with {child.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_gb"] = peak[0] / 1e9
    return result


def _child(mode: str, model_path: str, data: str, output: str, chunk_size: int, rrlyrae: str | None) -> None:
    """Child process: one full predict pass; prints a JSON line.

    The model goes by path: with workers, only they load it (and TensorFlow).
    """
    start = time.perf_counter()
    if mode in ("single", "jobs2", "gaia"):
        from rrlsk.catalogue import predict_catalogue

        summary = predict_catalogue(
            model_path, data, output, chunk_size=chunk_size, n_jobs=2 if mode == "jobs2" else 1,
            rrlyrae=rrlyrae, progress=False,
        )
        result = {"n_stars": summary.n_written, "n_ok": summary.n_ok, "seconds": summary.seconds}
    else:
        from distributed import Client, LocalCluster

        from rrlsk.catalogue import predict_dask, read_parquet_dask

        # Workers inherit this: one TF thread each, as the loky workers get.
        os.environ.update(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1", OMP_NUM_THREADS="1")
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None), Client():
            started = time.perf_counter()
            ddf = read_parquet_dask(data, partition_size=chunk_size)
            predict_dask(model_path, ddf).to_parquet(output)
            predicted = time.perf_counter()
        import pandas as pd

        table = pd.read_parquet(output, columns=["status"])
        result = {
            "n_stars": len(table),
            "n_ok": int((table["status"] == "ok").sum()),
            "seconds": {"cluster_start": started - start, "predict": predicted - started},
        }
    result["wall"] = time.perf_counter() - start
    print(json.dumps(result))


def _simulate_to_parquet(n_stars: int, path: Path, random_state: int, row_group_size: int, block: int = 30_000):
    """Simulate ``n_stars`` in blocks (bounded memory) and write one Parquet file."""
    import pandas as pd

    from rrlsk.datasets import make_gaia_rrab
    from rrlsk.io import write_parquet

    blocks = []
    for i, start in enumerate(range(0, n_stars, block)):
        X, _, _ = make_gaia_rrab(min(block, n_stars - start), random_state=(random_state, i))
        X.index = pd.Index(X.index.to_numpy() + i * block * 2**20, name="source_id")  # ids stay unique
        blocks.append(X)
    write_parquet(pd.concat(blocks), path, row_group_size=row_group_size)


def _breakdown(model, data: Path, chunk_size: int) -> dict:
    """Seconds per star for reading, checks, preprocessing and the network, on one chunk."""
    from rrlsk.io import iter_parquet
    from rrlsk.preprocessing import check_light_curves

    t0 = time.perf_counter()
    X = next(iter(iter_parquet(data, chunk_size)))
    model.predict(X.iloc[:64])  # warm up: first calls trace and compile
    t1 = time.perf_counter()
    check_light_curves(X)
    t2 = time.perf_counter()
    encoded = model[:-1].transform(X)
    t3 = time.perf_counter()
    model[-1].predict(encoded)
    t4 = time.perf_counter()
    n = len(X)
    return {
        "n_stars": n,
        "read": (t1 - t0) / n,
        "check": (t2 - t1) / n,
        "preprocess": (t3 - t2) / n,
        "network": (t4 - t3) / n,
    }


def _spoil(path: Path, random_state: int) -> int:
    """Spoil :data:`SPOILED_PER_10K` stars per 10,000 of the Parquet file in place; returns how many."""
    import numpy as np

    from rrlsk.io import read_parquet, write_parquet

    X = read_parquet(path)
    rng = np.random.default_rng(random_state)
    picked = rng.choice(len(X), size=max(2, len(X) * SPOILED_PER_10K // 10_000), replace=False)
    half = len(picked) // 2
    for column in ("time", "mag", "mag_err"):
        cells = X[column].to_numpy().copy()
        for i in picked[half:]:
            cells[i] = cells[i][:5]
        if column == "mag":
            for i in picked[:half]:
                cells[i] = np.where(np.arange(len(cells[i])) == 0, np.nan, cells[i])
        X[column] = cells
    write_parquet(X, path, row_group_size=10_000)
    return len(picked)


def _train_worker(n_train: int, epochs: int, random_state: int, model_path: str) -> None:
    """Child process: train the GRU pipeline on simulated stars and dump it (run with the baseline's code)."""
    import joblib

    import rrlsk

    X, y, _ = rrlsk.datasets.make_gaia_rrab(n_train, random_state=random_state + 2)
    joblib.dump(rrlsk.make_pipeline("gru", epochs=epochs, random_state=random_state).fit(X, y), model_path)


def _stage_worker(model_path: str, data: str, output: str, chunk_size: int, result_path: str) -> None:
    """Child process: the whole pass, then each stage of it, in CPU seconds; writes JSON to ``result_path``.

    Uses only what every compared revision has: ``predict_catalogue``, the
    catalogue's table check (``check_table``) and part writer
    (``write_part``; ``rrlsk.batch``'s ``_check`` and ``_write_part``
    before ``rrlsk.catalogue``), the pipeline steps' ``_validate`` (their table
    checks) and ``_transform``, and :func:`rrlsk.domain.plausibility`. The
    pass gets the model by path, as ``rrlsk predict`` does, with TensorFlow
    imported but not started, so that each revision's ``predict_catalogue``
    sets up TensorFlow its own way (this tree: its intra-op threads); it
    pays unpickling the model and the network's first-call compilation.
    The stages then load the model once more, predict the first chunk
    untimed (the new network's compilation) and find everything warm.
    """
    import numpy as np
    import pandas as pd
    import tensorflow  # noqa: F401 - imported, not started: not part of the pass's time

    import rrlsk
    try:
        from rrlsk.catalogue import load_fitted, predict_catalogue
        from rrlsk.catalogue.chunk import check_table
        from rrlsk.catalogue.store import write_part
    except ImportError:  # a revision before rrlsk.catalogue (the baseline's tree)
        from rrlsk.batch import _check as check_table
        from rrlsk.batch import _write_part as write_part
        from rrlsk.batch import load_fitted, predict_catalogue
    from rrlsk.domain import find_training_domain, per_star_scalars, plausibility
    from rrlsk.io import iter_parquet

    shutil.rmtree(output, ignore_errors=True)
    wall, cpu = time.perf_counter(), time.process_time()
    summary = predict_catalogue(model_path, data, output, chunk_size=chunk_size, progress=False)
    result = {"pass_wall": time.perf_counter() - wall, "pass_cpu": time.process_time() - cpu,
              "n_stars": summary.n_written, "module": rrlsk.__file__}
    model = load_fitted(model_path)
    first = next(iter(iter_parquet(data, chunk_size)))
    model.predict(first.iloc[np.flatnonzero(check_table(first, {}, model)["ok"].to_numpy())])  # compiles, untimed
    seconds = dict.fromkeys(STAGES, 0.0)

    def timed(stage, fn, *args):
        start = time.process_time()
        out = fn(*args)
        seconds[stage] += time.process_time() - start
        return out

    reader = iter(iter_parquet(data, chunk_size))
    parts = iter(sorted(Path(output).glob("part-*.parquet")))
    while (X := timed("read", next, reader, None)) is not None:
        report = timed("checks", check_table, X, {}, model)
        Z = X = X.iloc[np.flatnonzero(report["ok"].to_numpy())]
        for name, step in model.steps[:-1]:
            if name in STAGES:
                timed("checks", step._validate, Z)
                Z = timed(name, step._transform, Z)
        feh = timed("network", model[-1].predict, Z)
        timed("flags", lambda: plausibility(X, feh, domain=find_training_domain(model),
                                            scalars=per_star_scalars(model, X)))
        table = pd.read_parquet(next(parts)).set_index("source_id")
        timed("write", write_part, Path(output) / "_timed.parquet", table)
    result["cpu"] = seconds
    Path(result_path).write_text(json.dumps(result))


def _read_output(output: Path):
    """The prediction parts of a pass, sorted by ``source_id`` (read without rrlsk)."""
    import pandas as pd

    parts = sorted(output.glob("part-*.parquet"))
    return pd.concat([pd.read_parquet(p) for p in parts]).sort_values("source_id", kind="stable").reset_index(drop=True)


def _compare(old, new) -> dict:
    """Agreement of two passes' predictions; raises unless within :data:`FEH_TOLERANCE` and the flags equal."""
    import numpy as np

    for column in ("source_id", "status", "reason", "outside_training_domain"):
        if not old[column].equals(new[column]):
            differ = np.flatnonzero(old[column].to_numpy() != new[column].to_numpy())[:5]
            raise AssertionError(f"{column} differs between the revisions, e.g. rows {differ.tolist()}: "
                                 f"{old.loc[differ, column].tolist()} -> {new.loc[differ, column].tolist()}")
    a, b = old["feh"].to_numpy(), new["feh"].to_numpy()
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        raise AssertionError("[Fe/H] is NaN for different stars in the two revisions")
    worst = float(np.nanmax(np.abs(a - b), initial=0.0))
    if worst > FEH_TOLERANCE:
        raise AssertionError(f"[Fe/H] differs by up to {worst:.2e} dex between the revisions (> {FEH_TOLERANCE})")
    return {"max_feh_diff": worst, "statuses": old["status"].value_counts().to_dict()}


def _stages(args, work: Path, data: Path) -> dict:
    """Per-stage CPU time of this tree against ``args.baseline``, alternately in child processes."""
    import numpy as np

    commit = subprocess.run(["git", "rev-parse", "--short", args.baseline], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout.strip()
    result = {"baseline": commit, "rounds": args.repeats, "n_stars": args.n_stars, "chunk_size": args.chunk_size}
    tree = work / "baseline-tree"
    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, capture_output=True)
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=REPO, check=True, capture_output=True)
    roots = {"old": tree, "new": REPO}
    try:
        model_path = work / f"gru-{commit}-{args.n_train}-{args.epochs}.joblib"
        env = {**os.environ, "PYTHONPATH": str(tree)}
        subprocess.run([sys.executable, __file__, "--train-worker", str(args.n_train), str(args.epochs),
                        str(args.random_state), str(model_path)], check=True, env=env)
        runs: dict = {"old": [], "new": []}
        for round_ in range(args.repeats):
            for which, root in roots.items():
                out, res = work / f"stages-{which}", work / f"stages-{which}.json"
                subprocess.run([sys.executable, __file__, "--stage-worker", str(model_path), str(data), str(out),
                                str(args.chunk_size), str(res)], check=True, env={**os.environ, "PYTHONPATH": str(root)})
                run = json.loads(res.read_text())
                if not run["module"].startswith(str(root)):
                    raise AssertionError(f"{which} imported {run['module']}, not from {root}")
                runs[which].append(run)
                print(f"stages {which} #{round_ + 1}: pass {run['n_stars'] / run['pass_wall']:,.0f} stars/s wall, "
                      f"{run['pass_cpu'] / run['n_stars'] * 1e6:.0f} CPU us/star", flush=True)
        result["agreement"] = _compare(_read_output(work / "stages-old"), _read_output(work / "stages-new"))
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False)
    for which, rs in runs.items():
        n = rs[0]["n_stars"]
        result[which] = {stage: min(r["cpu"][stage] for r in rs) / n * 1e6 for stage in STAGES}
        result[which]["pass_cpu"] = min(r["pass_cpu"] for r in rs) / n * 1e6
        result[which]["stars_per_s"] = max(n / r["pass_wall"] for r in rs)
        result[which]["stars_per_s_all"] = [n / r["pass_wall"] for r in rs]
    result["n_written"] = runs["new"][0]["n_stars"]
    print(json.dumps(result, indent=1))
    return result


def _stages_table(res: dict, run: Run) -> str:
    """Markdown of :func:`_stages`: CPU us per star before and after, and the whole pass."""
    old, new = res["old"], res["new"]
    rows = [[STAGE_NAMES[s], f"{old[s]:.1f}", f"{new[s]:.1f}", f"{old[s] / new[s]:.1f}x"] for s in STAGES]
    total_old, total_new = sum(old[s] for s in STAGES), sum(new[s] for s in STAGES)
    rows.append(["sum of the stages", f"{total_old:.1f}", f"{total_new:.1f}", f"{total_old / total_new:.1f}x"])
    rows.append(["whole pass (`predict_catalogue`), CPU", f"{old['pass_cpu']:.1f}", f"{new['pass_cpu']:.1f}",
                 f"{old['pass_cpu'] / new['pass_cpu']:.1f}x"])
    rows.append(["whole pass, stars per wall second", f"{old['stars_per_s']:,.0f}", f"{new['stars_per_s']:,.0f}",
                 f"{new['stars_per_s'] / old['stars_per_s']:.1f}x"])
    agreement = res["agreement"]
    statuses = ", ".join(f"{n:,} {status}" for status, n in sorted(agreement["statuses"].items()))
    return (
        markdown_table(["stage", "before (CPU us / star)", "after (CPU us / star)", "speed-up"], rows, "lrrr")
        + f"\n\n{run.provenance()} Before: commit {res['baseline']}; after: this tree. "
        f"{res['n_written']:,} simulated DR3-like stars (`make_gaia_rrab`, a few spoiled: NaN magnitudes, "
        f"5 points) in one Parquet file, `chunk_size={res['chunk_size']}`; the default GRU pipeline "
        f"(barely trained by the baseline: speed does not depend on accuracy). Each revision ran in its own "
        f"process, alternately, {res['rounds']} rounds; each cell is the minimum (stars per second: the "
        f"maximum). The whole pass gets the model by path, as `rrlsk predict` does (TensorFlow imported, not "
        f"started), and includes unpickling it and the network's first-call compilation; the stages are then "
        f"timed one after the other over the same file, warm. `checks` sums the catalogue's "
        f"bad-star check and the table checks of the four preprocessing steps. Outputs: {statuses}; statuses, "
        f"reasons and `outside_training_domain` identical, [Fe/H] within {agreement['max_feh_diff']:.1e} dex."
    )


MODE_NAMES = {
    "single": "one process (`n_jobs=1`)",
    "jobs2": "`n_jobs=2` (loky)",
    "dask": "2-worker Dask `LocalCluster`",
    "gaia": "Gaia archive CSV files, one per star, `n_jobs=1`",
}


def _spread(values: list[float], fmt: str) -> str:
    """``median (min-max)``, or the one value."""
    import numpy as np

    if len(values) == 1:
        return format(values[0], fmt)
    return f"{format(float(np.median(values)), fmt)} ({format(min(values), fmt)}-{format(max(values), fmt)})"


def _tables(results: dict, run: Run) -> dict[str, str]:
    """The page's Markdown tables, each followed by how it was made."""
    made = run.provenance() + " Other jobs shared the machine, so the walls are upper bounds."
    rows = [
        [MODE_NAMES[mode], f"{runs[0]['n_stars']:,}", _spread([r["wall"] for r in runs], ".1f"),
         _spread([r["stars_per_s"] for r in runs], ",.0f"), _spread([r["peak_rss_gb"] for r in runs], ".2f")]
        for mode, runs in results["modes"].items()
    ]
    repeats = max(len(runs) for runs in results["modes"].values())
    modes = markdown_table(["mode", "stars", "wall (s)", "stars / s", "peak RSS (GB)"], rows, "lrrrr")
    modes += "\n\n" + made + (f" Each mode ran {repeats} times, the modes interleaved; "
                                  "each cell is the median (min-max)." if repeats > 1 else "")
    steps = [("read", "read Parquet"), ("check", "`check_light_curves`"),
             ("preprocess", "preprocessing (fold, spline, mean, encode)"), ("network", "network (GRU forward)")]
    dr3, dr4 = results["breakdown_s_per_star"], results["breakdown_dr4_s_per_star"]
    total = sum(dr3[key] for key, _ in steps)
    brows = [[name, f"{dr3[key] * 1e6:.0f} us ({100 * dr3[key] / total:.0f} %)", f"{dr4[key] * 1e6:.0f} us"]
             for key, name in steps]
    breakdown = (markdown_table(["step", f"DR3-like ({results['n_epochs_median']:.0f} epochs)",
                                 f"DR4-like ({results['n_epochs_median_dr4']:.0f} epochs)"], brows, "lrr")
                 + f"\n\n{made} One {dr3['n_stars']:,}-star chunk after warm-up, wall time per star.")
    return {"modes": modes, "breakdown": breakdown}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-stars", type=int, default=270_000)
    parser.add_argument("--n-train", type=int, default=3_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--chunk-size", type=int, default=20_000)
    parser.add_argument("--gaia-subset", type=int, default=10_000, help="stars written as Gaia archive files")
    parser.add_argument("--gaia-format", default="csv", help="format of those files (one per star, as DataLink)")
    parser.add_argument("--modes", default="single,jobs2,dask")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rrlsk-scale"))
    parser.add_argument("--repeats", type=int, default=1, help="runs of each mode, interleaved")
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument("--markdown", type=Path, help="rewrite the scale.py tables of this page")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--stages", action="store_true",
                        help="profile the pass stage by stage against --baseline instead of the modes")
    parser.add_argument("--baseline", default=BASELINE, help=f"revision --stages compares with (default {BASELINE})")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    parser.add_argument("--train-worker", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--stage-worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, model_path, data, output, chunk, rrlyrae = args.child
        _child(mode, model_path, data, output, int(chunk), None if rrlyrae == "-" else rrlyrae)
        return {}
    if args.train_worker:
        n_train, epochs, random_state, model_path = args.train_worker
        _train_worker(int(n_train), int(epochs), int(random_state), model_path)
        return {}
    if args.stage_worker:
        model_path, data, output, chunk, result_path = args.stage_worker
        _stage_worker(model_path, data, output, int(chunk), result_path)
        return {}

    import joblib
    import pandas as pd

    import rrlsk
    from rrlsk.io import write_parquet

    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"curves-{args.n_stars}-{args.random_state}.parquet"
    run = Run("scale.py", argv)
    results: dict = {"n_stars": args.n_stars, "chunk_size": args.chunk_size, "cpu_count": os.cpu_count(),
                     "date": run.date, "load_start": run.load_start}

    if args.stages:
        data = work / f"curves-{args.n_stars}-{args.random_state}-spoiled.parquet"
        if not data.exists():
            _simulate_to_parquet(args.n_stars, data, args.random_state, min(args.chunk_size, 10_000))
            _spoil(data, args.random_state)
        stages = _stages(args, work, data)
        run.finish()
        if args.json:
            args.json.write_text(json.dumps(stages, indent=1))
        if args.markdown:
            rewrite(args.markdown, "scale.py", {"stages": _stages_table(stages, run)}, partial=True)
        return stages
    if not data.exists():
        t0 = time.perf_counter()
        _simulate_to_parquet(args.n_stars, data, args.random_state, min(args.chunk_size, 10_000))
        results["simulate_and_write_s"] = time.perf_counter() - t0
    results["n_epochs_median"] = float(
        pd.read_parquet(data, columns=["mag"])["mag"].map(len).median()
    )
    # Training stars and the Gaia-file subset: a separate simulated sample.
    n_extra = max(args.n_train, args.gaia_subset)
    X, y, info = rrlsk.datasets.make_gaia_rrab(n_extra, random_state=args.random_state + 2)
    X_train, y_train = X.iloc[: args.n_train], y.iloc[: args.n_train]
    X_gaia, info_gaia = X.iloc[: args.gaia_subset], info.iloc[: args.gaia_subset]
    del X, y, info

    t0 = time.perf_counter()
    model = rrlsk.make_pipeline("gru", epochs=args.epochs, random_state=args.random_state).fit(X_train, y_train)
    results["train_s"] = time.perf_counter() - t0
    model_path = work / "gru.joblib"
    joblib.dump(model, model_path)
    results["breakdown_s_per_star"] = _breakdown(model, data, args.chunk_size)
    # Gaia DR4-like: twice the time span and about twice the epochs per star.
    dr3 = rrlsk.datasets.RRabPopulation()
    start, stop = dr3.time_range
    dr4 = rrlsk.datasets.RRabPopulation(
        epochs_median=2 * dr3.epochs_median,
        epochs_range=(2 * dr3.epochs_range[0], 2 * dr3.epochs_range[1]),
        time_range=(start, start + 2 * (stop - start)),
    )
    X4, _, _ = rrlsk.datasets.make_gaia_rrab(args.chunk_size, random_state=args.random_state + 1, population=dr4)
    data4 = work / f"curves-dr4-{args.chunk_size}.parquet"
    write_parquet(X4, data4, row_group_size=min(args.chunk_size, 10_000))
    results["n_epochs_median_dr4"] = float(X4["mag"].map(len).median())
    results["breakdown_dr4_s_per_star"] = _breakdown(model, data4, args.chunk_size)
    del X4

    gaia_paths = None
    if args.gaia_subset:
        gaia_dir = work / f"gaia-{args.gaia_subset}-{args.gaia_format}"
        shutil.rmtree(gaia_dir, ignore_errors=True)
        gaia_paths = rrlsk.datasets.to_gaia_files(X_gaia, info_gaia, gaia_dir, format=args.gaia_format,
                                                  per_star=True)
    modes = args.modes.split(",") + (["gaia"] if gaia_paths else [])
    results["modes"] = {mode: [] for mode in modes}
    for round_ in range(args.repeats):
        for mode in modes:
            output = work / f"pred-{mode}"
            shutil.rmtree(output, ignore_errors=True)
            source, rrlyrae = (data, "-") if mode != "gaia" else (
                gaia_paths["epoch_photometry"], gaia_paths["vari_rrlyrae"])
            timing = _run_child([mode, str(model_path), str(source), str(output), str(args.chunk_size), str(rrlyrae)])
            timing["stars_per_s"] = timing["n_stars"] / timing["wall"]
            results["modes"][mode].append(timing)
            print(f"{mode:>7} #{round_ + 1}: {timing['n_stars']} stars in {timing['wall']:.1f} s "
                  f"({timing['stars_per_s']:.0f}/s), peak RSS {timing['peak_rss_gb']:.2f} GB", flush=True)
    run.finish()
    results["load_end"] = run.load_end

    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)
    if args.markdown:
        rewrite(args.markdown, "scale.py", _tables(results, run))
    return results


if __name__ == "__main__":
    main()
