"""Time reading epoch photometry of many stars: Parquet vs Gaia DataLink CSV.

Synthetic DataLink rows (G band, ~60 transits per star, 5% rejected) are
written once to a temporary directory as one Parquet light-curve table, one
multi-star CSV, a directory of per-star CSV files and one multi-star VOTable; each is then read with
rrlsk.io and timed (best of ``--repeat``).

Usage::

    nice python benchmarks/io_read.py --stars 10000 --transits 60
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from astropy.table import Table

from rrlsk.io import iter_light_curves, read_epoch_photometry, read_parquet, write_parquet
from rrlsk.io.gaia import EPOCH_PHOTOMETRY_COLUMNS, G_ZEROPOINT


def synthetic_transits(n_stars: int, n_transits: int, seed: int = 0) -> pd.DataFrame:
    """DataLink EPOCH_PHOTOMETRY rows for ``n_stars`` RRab-like stars."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(n_transits, n_stars).clip(5)
    sid = np.repeat(4111834567779557376 + np.arange(n_stars, dtype=np.int64) * 4096, counts)
    n = sid.size
    period = np.repeat(rng.uniform(0.45, 0.75, n_stars), counts)
    t = rng.uniform(1700.0, 2700.0, n)
    mag = 16.0 + 0.4 * np.sin(2 * np.pi * t / period) + rng.normal(0, 0.01, n)
    snr = rng.uniform(100, 1000, n).astype(np.float32)
    flux = 10 ** (-0.4 * (mag - G_ZEROPOINT))
    frame = pd.DataFrame({
        "source_id": sid,
        "transit_id": np.int64(10**16) + np.arange(n, dtype=np.int64),
        "band": "G",
        "time": t,
        "mag": mag,
        "flux": flux,
        "flux_error": flux / snr,
        "flux_over_error": snr,
        "rejected_by_photometry": rng.random(n) < 0.03,
        "rejected_by_variability": rng.random(n) < 0.02,
        "other_flags": np.zeros(n, dtype=np.int64),
        "solution_id": np.int64(375316653866487564),
    })
    return frame[[name for name, _ in EPOCH_PHOTOMETRY_COLUMNS]]


def best_of(repeat: int, func) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stars", type=int, default=10_000)
    parser.add_argument("--transits", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    transits = synthetic_transits(args.stars, args.transits)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        multi = tmp / "epoch_photometry.csv"
        transits.to_csv(multi, index=False, float_format="%.17g")
        per_star = tmp / "per_star"
        per_star.mkdir()
        for sid, rows in transits.groupby("source_id", sort=False):
            rows.to_csv(per_star / f"EPOCH_PHOTOMETRY-Gaia DR3 {sid}.csv", index=False, float_format="%.17g")
        vot = tmp / "epoch_photometry.xml"
        Table.from_pandas(transits).write(vot, format="votable")
        X = read_epoch_photometry(multi)
        parquet = tmp / "light_curves.parquet"
        write_parquet(X, parquet)

        n_values = int(X["mag"].map(len).sum())
        print(f"{len(X)} stars, {len(transits)} transits ({n_values} kept); "
              f"CSV {multi.stat().st_size / 2**20:.1f} MiB, Parquet {parquet.stat().st_size / 2**20:.1f} MiB")
        cases = {
            "read_parquet": lambda: read_parquet(parquet),
            "iter_parquet (chunks of 2000)": lambda: sum(1 for _ in iter_light_curves(parquet, 2000)),
            "write_parquet": lambda: write_parquet(X, tmp / "again.parquet"),
            "read_epoch_photometry, one CSV": lambda: read_epoch_photometry(multi),
            "read_epoch_photometry, per-star CSV directory": lambda: read_epoch_photometry(per_star),
            "iter_light_curves, per-star CSV directory (2000)": lambda: sum(1 for _ in iter_light_curves(per_star, 2000)),
            "read_epoch_photometry, one VOTable": lambda: read_epoch_photometry(vot),
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            for name, func in cases.items():
                seconds = best_of(args.repeat, func)
                print(f"{name:50s} {seconds:8.3f} s  {len(X) / seconds:10.0f} stars/s")


if __name__ == "__main__":
    main()
