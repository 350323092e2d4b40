"""Write the 300 real light curves that ship with rrlsk for ``rrlsk demo``.

A fixed random sample (seed 2022) of 300 of the 4,013 labelled Gaia DR2
RRab stars of Dékány & Grebel (2022, ApJS 261, 33; MIT licence, (c) 2022
István Dékány, ``rrlsk/datasets/data/LICENSE-dekany2022``), stratified on
the [Fe/H] label (ten quantile bins, 30 stars each), as a Parquet
light-curve table (``rrlsk/datasets/data/dekany2022_demo.parquet``: time =
phase x period, mag, period, epoch 0, type RRab). Their labels, folds and
the published out-of-fold predictions are in the shipped table
(``rrlsk.datasets.dekany2022_sample``).

Run from the repository root, with the authors' archive (by default the
copy in ``../shared/data``)::

    python scripts/make_dekany2022_demo.py [lc_dev_g.tar.gz]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from rrlsk.datasets import load_dekany2022
from rrlsk.io import write_parquet

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "gaia_dr2_rrab_g_folded.tar.gz"
TARGET = ROOT / "rrlsk" / "datasets" / "data" / "dekany2022_demo.parquet"
N_STARS, N_BINS, SEED = 300, 10, 2022


def main() -> None:
    X, y, _ = load_dekany2022(ARCHIVE)
    rng = np.random.default_rng(SEED)
    bins = pd.qcut(y, N_BINS, labels=False)
    chosen = np.concatenate([
        rng.choice(np.flatnonzero(bins.to_numpy() == b), N_STARS // N_BINS, replace=False) for b in range(N_BINS)
    ])
    demo = X.iloc[np.sort(chosen)]
    demo.attrs = {"source": "Dekany & Grebel 2022, ApJS 261, 33 (MIT licence)", "band": "G"}
    write_parquet(demo, TARGET)
    print(f"wrote {TARGET} ({len(demo)} stars, {TARGET.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
