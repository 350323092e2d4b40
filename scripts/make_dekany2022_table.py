"""Write the table of the real labelled sample that ships with rrlsk.

Reads ``gaia_dr2_dev_sample.csv`` of the Dékány & Grebel (2022) data
(``../shared/data/dekany2022/`` by default, or the folder given as the first
argument) and writes ``rrlsk/datasets/data/dekany2022_sample.csv`` with a
provenance header, and the data's MIT licence beside it. The light curves
themselves do not ship (see ``rrlsk.datasets.fetch_dekany2022``).

Run from the repository root::

    python scripts/make_dekany2022_table.py [SOURCE_FOLDER]
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "dekany2022"
TARGET = ROOT / "rrlsk" / "datasets" / "data"
COLUMNS = ["source_id", "fold", "period", "feh_label", "dekany_oof"]
HEADER = """\
# The real labelled Gaia DR2 RRab sample of Dekany & Grebel (2022, ApJS 261, 33), MIT licence
# (c) 2022 Istvan Dekany (LICENSE-dekany2022). 4,013 stars; light curves: lc_dev_g.tar.gz of
# their public repository (rrlsk.datasets.fetch_dekany2022).
# source_id: Gaia DR2 source_id
# fold: 0-8, the cross-validation fold of the published G model (one more fold is kept back)
# period: pulsation period, d; derived by inverting the published G models at their published
#   predictions (scripts/derive_dekany2022_periods.py)
# feh_label: [Fe/H], dex, from OGLE-IV I-band light curves (Dekany, Grebel & Pojmanski 2021),
#   high-resolution spectroscopic scale
# dekany_oof: the published out-of-fold G-band prediction of this star, dex
"""


def main() -> None:
    table = pd.read_csv(SOURCE / "gaia_dr2_dev_sample.csv")
    if list(table.columns) != COLUMNS:
        raise SystemExit(f"{SOURCE}: expected columns {COLUMNS}, found {list(table.columns)}")
    if table["source_id"].duplicated().any() or len(table) != 4013:
        raise SystemExit(f"{SOURCE}: expected 4,013 distinct stars, found {len(table)}")
    if not np.isfinite(table[["period", "feh_label", "dekany_oof"]].to_numpy()).all():
        raise SystemExit(f"{SOURCE}: non-finite values")
    TARGET.mkdir(parents=True, exist_ok=True)
    with open(TARGET / "dekany2022_sample.csv", "w", newline="") as fh:
        fh.write(HEADER)
        table.to_csv(fh, index=False, float_format="%.6f")
    shutil.copyfile(SOURCE / "LICENSE", TARGET / "LICENSE-dekany2022")
    print(f"wrote {TARGET / 'dekany2022_sample.csv'} ({len(table)} stars) and LICENSE-dekany2022")


if __name__ == "__main__":
    main()
