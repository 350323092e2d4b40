"""Speed and agreement of the preprocessing chain: batched P-spline vs scipy.

Chain: PhaseFolder -> SplineResampler -> MeanMagSubtractor -> SequenceEncoder.
``pspline`` is the default batched method; ``exact`` the per-star loop over
``scipy.interpolate.make_smoothing_spline``. Measured in one run:

1. the real Gaia DR2 curves (../shared/data; time = phase * 0.6 d, epoch 0):
   curves/s of both chains and their agreement on the 100-point grid
   (per-star max |difference|, mag: median, 90th, 99th percentile) and how
   often a smoothed curve overshoots the data range by more than half of it;
2. accuracy against known truth on synthetic RRab curves;
3. ``--n-sim`` simulated stars (``rrlsk.datasets.make_gaia_rrab``): curves/s
   of the default chain on all of them, of the exact chain on a subset
   (extrapolated to all), and peak memory.

Run with ``nice python benchmarks/preprocessing.py`` (``--help`` for sizes);
``--markdown docs/preprocessing.md`` rewrites the page's tables (between its
``<!-- preprocessing.py: NAME -->`` markers), headed by the command, date and
load.
"""

from __future__ import annotations

import argparse
import resource
import tarfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.pipeline import make_pipeline

from _doc_tables import Run, markdown_table, rewrite
from rrlsk.preprocessing import MeanMagSubtractor, PhaseFolder, SequenceEncoder, SplineResampler

DR2 = Path(__file__).resolve().parents[2] / "shared" / "data" / "gaia_dr2_rrab_g_folded.tar.gz"
PERIOD = 0.6


def load_dr2(path: Path) -> pd.DataFrame:
    ids, times, mags = [], [], []
    with tarfile.open(path) as tar:
        for member in tar:
            if not member.isfile() or not member.name.endswith("_bin.dat"):
                continue
            data = np.loadtxt(tar.extractfile(member), ndmin=2)
            keep = data[:, 0] < 1.0
            ids.append(int(Path(member.name).name.split("_")[0]))
            times.append(data[keep, 0] * PERIOD)
            mags.append(data[keep, 1])
    return pd.DataFrame({"time": times, "mag": mags, "period": PERIOD, "epoch": 0.0},
                        index=pd.Index(ids, name="source_id"))


def run_chain(X: pd.DataFrame, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Fold -> spline -> mean -> encode; returns the tensor and the smoothed
    magnitudes (before mean subtraction) for the agreement figures."""
    smoothed = make_pipeline(PhaseFolder(), SplineResampler(method=method)).fit_transform(X)
    tensor = make_pipeline(MeanMagSubtractor(), SequenceEncoder()).fit_transform(smoothed)
    return tensor, np.stack(smoothed["mag"].to_list())


def timed(fn, *args):
    """Output, wall seconds and CPU seconds of this process (the machine is
    shared: CPU time is what the code costs, wall time what others left)."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - start, time.process_time() - cpu


def rates(n: int, wall: float, cpu: float) -> str:
    return f"{n / wall:,.0f} curves/s wall, {n / cpu:,.0f} curves/s per CPU second ({wall:.1f} s wall, {cpu:.1f} s CPU)"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def real_data(n_exact: int | None, figure: Path | None) -> dict:
    X = load_dr2(DR2)
    lengths = X["mag"].map(len)
    print(f"## Real Gaia DR2 curves: {len(X)} stars, {int(lengths.median())} points median")
    (_, fast_all), t_fast, c_fast = timed(run_chain, X, "pspline")
    subset = X if n_exact is None else X.iloc[:: max(1, len(X) // max(1, n_exact))]
    (_, exact), t_exact, c_exact = timed(run_chain, subset, "exact")
    print(f"full chain, pspline: {rates(len(X), t_fast, c_fast)}")
    print(f"full chain, exact:   {rates(len(subset), t_exact, c_exact)} on {len(subset)} stars")
    print(f"speed-up per CPU second: {(len(X) / c_fast) / (len(subset) / c_exact):.0f}x")

    fast = fast_all[X.index.get_indexer(subset.index)]
    diff = np.abs(fast - exact).max(axis=1)
    print(f"agreement (per-star max |pspline - exact| on the grid, mag) over {len(subset)} stars: "
          f"median {np.median(diff):.4f}, p90 {np.percentile(diff, 90):.4f}, "
          f"p99 {np.percentile(diff, 99):.4f}, max {diff.max():.3f}")
    lo = subset["mag"].map(np.min).to_numpy()
    hi = subset["mag"].map(np.max).to_numpy()
    over = {}
    for name, curves in (("pspline", fast), ("exact", exact)):
        excess = np.maximum(curves.max(1) - hi, lo - curves.min(1)) / (hi - lo)
        over[name] = (int((excess > 0.5).sum()), int((excess > 0.2).sum()))
        print(f"{name}: curves overshooting the data range by > 50% of it: {over[name][0]}, "
              f"by > 20%: {over[name][1]}")
    if figure is not None:
        plot_comparison(subset, fast, exact, diff, figure)
    return {"n": len(X), "n_exact": len(subset), "points": (int(lengths.min()), int(lengths.max()),
                                                              int(lengths.median())),
            "pspline": (len(X) / c_fast, len(X) / t_fast), "exact": (len(subset) / c_exact, len(subset) / t_exact),
            "overshoot": over, "diff": np.percentile(diff, [50, 90, 99, 100])}


def plot_comparison(X, fast, exact, diff, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    picks = np.argsort(diff)[[len(diff) // 2, int(0.9 * len(diff)), int(0.99 * len(diff)), len(diff) - 1]]
    grid = np.arange(fast.shape[1]) / fast.shape[1]
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.2), sharex=True)
    labels = ("median", "90th pct", "99th pct", "worst")
    folded = PhaseFolder().fit_transform(X.iloc[picks])
    for ax, i, label, (_, row) in zip(axes, picks, labels, folded.iterrows()):
        ax.plot(row["phase"], row["mag"], "k.", ms=4, label="DR2 points")
        ax.plot(grid, fast[i], "C0-", label="pspline (GCV)")
        ax.plot(grid, exact[i], "C1--", label="exact scipy (GCV)")
        ax.set_title(f"{label}: max diff {diff[i]:.3f} mag", fontsize=9)
        ax.invert_yaxis()
        ax.set_xlabel("phase")
    axes[0].set_ylabel("G (mag)")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"figure: {path}")


def synthetic_truth(reps: int = 30, seed: int = 0) -> list[tuple[int, float, float, float]]:
    amps = np.array([0.30, 0.15, 0.10, 0.06, 0.04, 0.025])
    phis = np.array([0.5, 2.0, 4.1, 6.0, 1.7, 3.3])
    k = np.arange(1, len(amps) + 1)

    def curve(x):
        return 15.0 + np.sum(amps * np.sin(2 * np.pi * np.multiply.outer(x, k) + phis), axis=-1)

    rng = np.random.default_rng(seed)
    grid = np.arange(100) / 100
    print("## Accuracy against the generating curve (6-harmonic RRab-like, 0.98 mag peak-to-peak)")
    print("rms over the grid, mag, mean of", reps, "random samplings: n points, noise sigma -> pspline | exact")
    rows = []
    for n, sigma in ((30, 0.03), (60, 0.0), (60, 0.02), (150, 0.01)):
        phase = [np.sort(rng.random(n)) for _ in range(reps)]
        mag = [curve(p) + sigma * rng.standard_normal(n) for p in phase]
        X = pd.DataFrame({"phase": phase, "mag": mag, "period": PERIOD})
        res = {}
        for method in ("pspline", "exact"):
            out = SplineResampler(method=method).fit_transform(X)
            res[method] = np.sqrt(np.mean((np.stack(out["mag"].to_list()) - curve(grid)) ** 2))
        print(f"n={n:4d} sigma={sigma:.2f}: {res['pspline']:.4f} | {res['exact']:.4f}")
        rows.append((n, sigma, res["pspline"], res["exact"]))
    return rows


def simulated(n_sim: int, n_exact: int, seed: int) -> dict:
    from rrlsk.datasets import make_gaia_rrab

    X, _, _ = make_gaia_rrab(n_sim, random_state=seed)
    lengths = X["mag"].map(len)
    print(f"## Simulated: {len(X):,} stars (make_gaia_rrab), {int(lengths.median())} points median, "
          f"{int(lengths.sum()):,} in all")
    rss_before = peak_rss_mib()
    (tensor, _), t_fast, c_fast = timed(run_chain, X, "pspline")
    rss_after = peak_rss_mib()
    subset = X.iloc[:n_exact]
    _, t_exact, c_exact = timed(run_chain, subset, "exact")
    print(f"full chain, pspline: {rates(len(X), t_fast, c_fast)}")
    print(f"full chain, exact:   {rates(len(subset), t_exact, c_exact)} on {len(subset):,} stars; "
          f"extrapolated to {len(X):,}: {len(X) / len(subset) * c_exact / 60:.0f} CPU min")
    print(f"speed-up per CPU second: {(len(X) / c_fast) / (len(subset) / c_exact):.0f}x; "
          f"output {tensor.shape} {tensor.dtype}")
    print(f"peak RSS of the process: {rss_after:,.0f} MiB (before the chain: {rss_before:,.0f} MiB, "
          "set by the simulation)")
    part = X.iloc[: min(len(X), 50_000)]
    tracemalloc.start()
    run_chain(part, "pspline")
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"chain's own peak allocation (tracemalloc) on {len(part):,} stars: {peak:,.0f} MiB "
          f"({peak / len(part) * 1024:.1f} KiB per star; input table not counted)")
    return {"n": len(X), "n_exact": len(subset), "points": (int(lengths.min()), int(lengths.max()),
                                                              int(lengths.median()), int(lengths.sum())),
            "pspline": (len(X) / c_fast, len(X) / t_fast, c_fast), "exact": (len(subset) / c_exact, len(subset) / t_exact,
                                                                            len(X) / len(subset) * c_exact),
            "n_traced": len(part), "traced_mib": peak, "peak_rss_mib": rss_after}


def tables(run: Run, dr2: dict | None, truth: list, sim: dict | None) -> dict[str, str]:
    """The page's tables, each headed by the command, date and load."""
    made = run.provenance()
    out = {}
    if dr2 is not None:
        lo, hi, med = dr2["points"]
        d = dr2["diff"]
        out["dr2"] = (
            f"{made} Real Gaia DR2 curves ({dr2['n']:,} stars, {lo}-{hi} points, median {med}; "
            f"time = phase * {PERIOD} d), the exact method on {dr2['n_exact']:,} of them:\n\n"
            + markdown_table(["", "pspline (default)", "exact (scipy loop)"], [
                ["fold-spline-mean-encode, curves per CPU second", f"{dr2['pspline'][0]:,.0f}", f"{dr2['exact'][0]:,.0f}"],
                ["same, wall clock on the loaded machine", f"{dr2['pspline'][1]:,.0f} /s", f"{dr2['exact'][1]:,.0f} /s"],
                ["curves overshooting the data range by > 50% / > 20% of it",
                 "{} / {}".format(*dr2["overshoot"]["pspline"]), "{} / {}".format(*dr2["overshoot"]["exact"])],
            ])
            + f"\n\nAgreement, per-star maximum of |pspline - exact| over the 100-point grid: "
            f"median {d[0]:.3f} mag, 90th percentile {d[1]:.3f} mag, 99th percentile {d[2]:.3f} mag, "
            f"worst {d[3]:.2f} mag."
        )
    out["truth"] = (
        f"{made} 6-harmonic RRab-like curve, 0.98 mag peak-to-peak; rms (mag) over the grid, "
        "mean of 30 random samplings, GCV for both:\n\n"
        + markdown_table(["points, noise", "pspline", "exact"],
                         [[f"{n}, {'noiseless' if s == 0 else f'{s:.2f} mag'}", f"{a:.3f}", f"{b:.3f}"]
                          for n, s, a, b in truth])
    )
    if sim is not None:
        lo, hi, med, total = sim["points"]
        out["simulated"] = (
            f"{made} Simulated Gaia DR3 sample, {sim['n']:,} stars from `rrlsk.datasets.make_gaia_rrab` "
            f"({lo}-{hi} points, median {med}, {total / 1e6:.1f} million in all):\n\n"
            + markdown_table(["", "pspline (default)", "exact (scipy loop)"], [
                ["fold-spline-mean-encode, curves per CPU second",
                 f"{sim['pspline'][0]:,.0f} (all {sim['n']:,}: {sim['pspline'][2]:.0f} CPU s)",
                 f"{sim['exact'][0]:,.0f} (on {sim['n_exact']:,} stars; {sim['exact'][2] / 60:.0f} CPU min "
                 f"extrapolated to {sim['n']:,})"],
                ["same, wall clock on the loaded machine", f"{sim['pspline'][1]:,.0f} /s", f"{sim['exact'][1]:,.0f} /s"],
            ])
            + f"\n\nThe chain's own peak allocation (tracemalloc, {sim['n_traced']:,} stars, input table "
            f"not counted) is {sim['traced_mib']:,.0f} MiB, {sim['traced_mib'] / sim['n_traced'] * 1024:.1f} KiB "
            f"per star; the process peak ({sim['peak_rss_mib'] / 1024:.1f} GiB) is set by the simulation."
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-sim", type=int, default=270_000, help="simulated stars (default 270,000)")
    parser.add_argument("--n-exact-sim", type=int, default=1_000, help="simulated stars for the exact loop")
    parser.add_argument("--n-exact-dr2", type=int, default=None,
                        help="DR2 stars for the exact loop (default: all 13,323)")
    parser.add_argument("--figure", type=Path, default=None, help="write the DR2 comparison figure here")
    parser.add_argument("--markdown", type=Path, help="rewrite the preprocessing.py tables of this page")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    run = Run("preprocessing.py", argv)
    dr2 = None
    if DR2.exists():
        dr2 = real_data(args.n_exact_dr2, args.figure)
    else:
        print(f"no real DR2 curves at {DR2}; skipped")
    truth = synthetic_truth(seed=args.seed)
    sim = simulated(args.n_sim, args.n_exact_sim, args.seed) if args.n_sim else None
    if args.markdown:
        run.finish()
        rewrite(args.markdown, "preprocessing.py", tables(run, dr2, truth, sim))


if __name__ == "__main__":
    main()
