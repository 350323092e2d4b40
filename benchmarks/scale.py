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
        from rrlsk.batch import predict_catalogue

        summary = predict_catalogue(
            model_path, data, output, chunk_size=chunk_size, n_jobs=2 if mode == "jobs2" else 1,
            rrlyrae=rrlyrae, progress=False,
        )
        result = {"n_stars": summary.n_written, "n_ok": summary.n_ok, "seconds": summary.seconds}
    else:
        from distributed import Client, LocalCluster

        from rrlsk.dask import predict_dask, read_parquet_dask

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
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, model_path, data, output, chunk, rrlyrae = args.child
        _child(mode, model_path, data, output, int(chunk), None if rrlyrae == "-" else rrlyrae)
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
