"""Simulated vs real Gaia RRab G light curves, like with like.

Real: the 13,323 Gaia DR2 G curves of Dekany & Grebel (2022) in
``../shared/data/gaia_dr2_rrab_g_folded.tar.gz`` (one cycle kept, phase < 1).
Simulated: ``rrlsk.datasets.make_gaia_rrab`` (rejected transits removed),
each star cut to a random subset whose size is drawn from the real curves'
distribution of points per curve (DR2 has ~22 points per curve, DR3 more),
folded at its period and epoch. Both are fitted with the same 4-harmonic,
unweighted Fourier series (``rrlsk.datasets.light_curve_statistics``).

Writes medians and two-sample KS distances (stdout, and --json), the
figure ``docs/figures/realism.png`` and, with ``--markdown docs/realism.md``,
the page's table (between its ``<!-- realism.py: statistics -->`` markers),
headed by the command, date and load.

Usage::

    nice python benchmarks/realism.py [--n-sim 13323] [--seed 0] [--json out.json] [--markdown docs/realism.md]
"""

from __future__ import annotations

import argparse
import json
import tarfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from _doc_tables import Run, markdown_table, rewrite
from rrlsk.datasets import REALISM_STATISTICS, light_curve_statistics, make_gaia_rrab, subsample_epochs

ROOT = Path(__file__).resolve().parents[1]
TARBALL = ROOT.parent / "shared" / "data" / "gaia_dr2_rrab_g_folded.tar.gz"
FIGURE = ROOT / "docs" / "figures" / "realism.png"
LABELS = {
    "amplitude": "peak-to-peak G amplitude [mag]",
    "R21": "R21",
    "R31": "R31",
    "phi21": "phi21 (sine) [rad]",
    "phi31": "phi31 (sine) [rad]",
    "rms": "residual scatter about fit [mag]",
    "mean_mag": "mean G [mag]",
    "n_points": "points per curve",
}
#: decimals of each statistic in the page's table
DECIMALS = {"rms": 4, "mean_mag": 2}


def read_dr2(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat phases, magnitudes and offsets of the real DR2 curves (phase < 1)."""
    phases, mags = [], []
    with tarfile.open(path) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith("_bin.dat"):
                data = np.loadtxt(tar.extractfile(member), ndmin=2)
                keep = data[:, 0] < 1.0
                phases.append(data[keep, 0])
                mags.append(data[keep, 1])
    offsets = np.zeros(len(phases) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in phases], out=offsets[1:])
    return np.concatenate(phases), np.concatenate(mags), offsets


def compare(real: pd.DataFrame, sim: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name in (*REALISM_STATISTICS, "mean_mag", "n_points"):
        r, s = real[name].to_numpy(), sim[name].to_numpy()
        r, s = r[np.isfinite(r)], s[np.isfinite(s)]
        rows.append({"statistic": name, "median_real": np.median(r), "median_sim": np.median(s),
                     "rel_diff": np.median(s) / np.median(r) - 1.0, "ks": ks_2samp(r, s).statistic,
                     "iqr_real": np.subtract(*np.percentile(r, [75, 25])),
                     "iqr_sim": np.subtract(*np.percentile(s, [75, 25]))})
    return pd.DataFrame(rows).set_index("statistic")


def markdown(table: pd.DataFrame, run: Run, n_real: int, n_sim: int, seed: int) -> str:
    """The page's table: every statistic but the points per curve (drawn from the real ones)."""
    rows = []
    for name, row in table.drop(index="n_points").iterrows():
        f = f".{DECIMALS.get(name, 3)}f"
        label = LABELS[name].replace(" about fit", "")
        rows.append([label, format(row.median_real, f), format(row.median_sim, f), f"{100 * row.rel_diff:+.1f} %",
                     f"{row.ks:.3f}", format(row.iqr_real, f), format(row.iqr_sim, f)])
    header = ["statistic", "median real", "median simulated", "difference", "KS distance", "IQR real",
              "IQR simulated"]
    return markdown_table(header, rows) + f"\n\n{run.provenance()} {n_real:,} real curves, {n_sim:,} simulated stars, seed {seed}."


def figure(real: pd.DataFrame, sim: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = (*REALISM_STATISTICS, "mean_mag", "n_points")
    fig, axes = plt.subplots(2, 4, figsize=(15, 6.5))
    for ax, name in zip(axes.ravel(), names):
        both = np.concatenate([real[name], sim[name]])
        lo, hi = np.nanpercentile(both, [0.5, 99.5])
        bins = np.linspace(lo, hi, 50)
        ax.hist(real[name], bins=bins, density=True, histtype="stepfilled", alpha=0.4, label="Gaia DR2 (real)")
        ax.hist(sim[name], bins=bins, density=True, histtype="step", lw=1.8, label="rrlsk simulation")
        ax.axvline(np.nanmedian(real[name]), color="C0", ls="--", lw=1)
        ax.axvline(np.nanmedian(sim[name]), color="C1", ls="--", lw=1)
        ax.set_xlabel(LABELS[name])
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Simulated vs real Gaia G RRab curves (DR2-like sampling, 4-harmonic fits; dashed: medians)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-sim", type=int, default=13323)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--order", type=int, default=4)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-figure", action="store_true")
    parser.add_argument("--markdown", type=Path, help="rewrite the realism.py table of this page")
    args = parser.parse_args(argv)
    run = Run("realism.py", argv)

    start = time.perf_counter()
    phase, mag, offsets = read_dr2(TARBALL)
    real = light_curve_statistics(phase, mag, offsets, args.order)
    X, _, _ = make_gaia_rrab(args.n_sim, random_state=args.seed)
    counts = np.random.default_rng(args.seed).choice(np.diff(offsets), size=len(X))
    sim = light_curve_statistics(*subsample_epochs(X, counts, args.seed), args.order)
    table = compare(real, sim)
    pd.set_option("display.width", 120)
    print(f"real curves: {len(real)}, simulated: {len(sim)}, {time.perf_counter() - start:.1f} s")
    print(table.round(4).to_string())
    if args.json:
        args.json.write_text(json.dumps(table.reset_index().to_dict(orient="records"), indent=1))
    if not args.no_figure:
        figure(real, sim, FIGURE)
        print(f"figure: {FIGURE}")
    if args.markdown:
        run.finish()
        rewrite(args.markdown, "realism.py", {"statistics": markdown(table, run, len(real), len(sim), args.seed)})
    return table


if __name__ == "__main__":
    main()
