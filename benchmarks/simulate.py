"""Speed of the vectorised simulator.

Times ``rrlsk.datasets.make_gaia_rrab`` for the paper's 6,002 stars and for
the whole Gaia DR3 RR Lyrae catalogue (~270,000 stars), and
``to_gaia_files`` for a small sample.

Usage::

    nice python benchmarks/simulate.py [--sizes 6002 270000]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np

from rrlsk.datasets import make_gaia_rrab, to_gaia_files


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[6002, 270_000])
    parser.add_argument("--files", type=int, default=1000, help="stars written by to_gaia_files (0: skip)")
    args = parser.parse_args(argv)
    for n in args.sizes:
        start = time.perf_counter()
        X, y, info = make_gaia_rrab(n, random_state=0)
        elapsed = time.perf_counter() - start
        n_points = int(info["n_epochs"].sum())
        print(f"make_gaia_rrab({n}): {elapsed:.2f} s, {n_points} transits, "
              f"{n / elapsed:,.0f} stars/s, label-truth RMS {np.sqrt(np.mean((y - info.feh_true) ** 2)):.3f} dex")
    if args.files:
        X, y, info = make_gaia_rrab(args.files, random_state=0, keep_rejected=True)
        for fmt in ("csv", "ecsv", "votable", "fits"):
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                to_gaia_files(X, info, tmp, format=fmt)
                print(f"to_gaia_files({args.files} stars, {fmt}): {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
