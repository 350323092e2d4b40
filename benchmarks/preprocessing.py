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
   (extrapolated to all), and peak memory;
4. ``stages``: CPU microseconds per star of each stage of the default chain
   (the checks every step runs, fold, spline, mean, encode, and the whole
   ``Pipeline.transform``) on ``--n-stages`` simulated stars and on the real
   DR2 curves, for this working tree and for the committed ``--baseline``
   revision side by side: each is timed in its own process (the baseline's
   from a temporary ``git worktree``), alternately for ``--rounds`` rounds
   (the minimum is kept), on the same pickled tables; their outputs must
   agree to 1e-9 mag.

Run with ``nice python benchmarks/preprocessing.py`` (``--help`` for sizes,
``--parts`` to choose); ``--markdown PAGE`` rewrites those of the page's
tables (between its ``<!-- preprocessing.py: NAME -->`` markers) that this
run made: ``dr2``, ``truth`` and ``simulated`` live in
``docs/preprocessing.md``, ``stages`` in ``docs/scaling.md``.
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.pipeline import make_pipeline

from _doc_tables import Run, markdown_table, rewrite
from rrlsk.preprocessing import MeanMagSubtractor, PhaseFolder, SequenceEncoder, SplineResampler

REPO = Path(__file__).resolve().parents[1]
DR2 = REPO.parent / "shared" / "data" / "gaia_dr2_rrab_g_folded.tar.gz"
PERIOD = 0.6
#: The chain before the second round of issue 25 (item 3: the spline as one
#: compiled pass per star, the compiled phase sort, flatten/split without
#: per-star loops): ``--baseline``'s default. The first round's baseline,
#: before the vectorisation, was e3ca27d.
BASELINE = "b0fd546"
#: Stages of the default chain, in order; ``checks`` sums the table checks of every step.
STAGES = ("checks", "fold", "spline", "mean", "encode")
#: |new - old| of the smoothed curves and mean magnitudes counted as identical, mag.
AGREEMENT = 1e-9
#: Largest |new - old| accepted, mag: a star whose GCV score is nearly flat in
#: lam moves by rounding alone (re-associating one matrix product of the
#: baseline moves 4 of 20,000 simulated stars by up to 4e-8 mag).
TOLERANCE = 1e-6


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


def stage_worker(table: Path, out: Path) -> None:
    """Time each stage of the default chain on a pickled table (run in a child process).

    Uses only what every revision compared has: a fitted ``Pipeline`` whose
    steps' ``_validate`` (the table checks) and ``_transform`` are timed in
    turn, then the whole ``Pipeline.transform``. Writes the CPU seconds and
    the outputs to ``out`` (npz).
    """
    import rrlsk

    X = pd.read_pickle(table)
    pipe = make_pipeline(PhaseFolder(), SplineResampler(), MeanMagSubtractor(), SequenceEncoder()).fit(X)
    pipe.transform(X.iloc[:8])  # warm-up: compiled kernels are loaded on first use
    cpu = dict.fromkeys(STAGES, 0.0)
    Z, kept = X, {}
    for stage, (_, step) in zip(STAGES[1:], pipe.steps):
        start = time.process_time()
        step._validate(Z)
        cpu["checks"] += time.process_time() - start
        start = time.process_time()
        Z = step._transform(Z)
        cpu[stage] = time.process_time() - start
        if stage in ("spline", "mean"):
            kept[stage] = np.stack(Z["mag"].to_list())
        if stage == "mean":
            kept["mean_mag"] = Z["mean_mag"].to_numpy()
    start = time.process_time()
    tensor = pipe.transform(X)
    cpu["total"] = time.process_time() - start
    np.savez(out, cpu=np.array([cpu[k] for k in (*STAGES, "total")]), tensor=tensor,
             **kept,
             module=np.array(rrlsk.__file__))


def stages(n_stages: int, baseline: str, rounds: int, seed: int) -> dict:
    """Per-stage CPU time of this tree against ``baseline``, alternately in child processes."""
    from rrlsk.datasets import make_gaia_rrab, read_folded_curves

    X_sim, _, _ = make_gaia_rrab(n_stages, random_state=seed)
    curves = read_folded_curves(DR2) if DR2.exists() else {}
    X_dr2 = pd.DataFrame({"time": [c[0] * PERIOD for c in curves.values()], "mag": [c[1] for c in curves.values()],
                          "period": PERIOD, "epoch": 0.0}, index=pd.Index(list(curves), name="source_id"))
    samples = {"simulated": X_sim, "dr2": X_dr2} if len(X_dr2) else {"simulated": X_sim}
    commit = subprocess.run(["git", "rev-parse", "--short", baseline], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout.strip()
    result = {"baseline": commit, "rounds": rounds}
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=REPO, check=True,
                       capture_output=True)
        try:
            for name, X in samples.items():
                X.to_pickle(Path(tmp) / f"{name}.pkl")
                runs = {"old": [], "new": []}
                for _ in range(rounds):
                    for which, root in (("old", tree), ("new", REPO)):
                        out = Path(tmp) / f"{name}-{which}.npz"
                        subprocess.run([sys.executable, __file__, "--stage-worker", str(Path(tmp) / f"{name}.pkl"),
                                        str(out)], check=True, env={**os.environ, "PYTHONPATH": str(root)})
                        with np.load(out) as data:
                            runs[which].append({k: data[k] for k in data.files})
                old, new = runs["old"][0], runs["new"][0]
                assert str(old["module"]).startswith(str(tree)), f"baseline imported {old['module']}"
                diff = {k: float(np.abs(new[k].astype(np.float64) - old[k]).max(initial=0.0))
                        for k in ("spline", "mean", "mean_mag", "tensor")}
                per_star = np.maximum(np.abs(new["spline"] - old["spline"]).max(axis=1, initial=0.0),
                                      np.abs(new["mean_mag"] - old["mean_mag"]))
                diff["n_over"] = int((per_star > AGREEMENT).sum())
                us = {which: np.min([r["cpu"] for r in rs], axis=0) / len(X) * 1e6 for which, rs in runs.items()}
                lengths = X["mag"].map(len)
                result[name] = {"n": len(X), "median_points": int(lengths.median()), "diff": diff, **us}
                print(f"## Stages, {name}: {len(X):,} stars, {int(lengths.median())} points median; "
                      f"CPU us per star, baseline {commit} -> this tree (min of {rounds} rounds)")
                for stage, a, b in zip((*STAGES, "total"), us["old"], us["new"]):
                    print(f"{stage:8s} {a:8.1f} -> {b:8.1f} us  ({a / b:.1f}x)")
                print(f"agreement, max |new - old|: " + ", ".join(f"{k} {v:.1e}" for k, v in diff.items() if k != "n_over")
                      + f"; stars over {AGREEMENT:.0e} mag: {diff['n_over']}")
                if max(diff["spline"], diff["mean"], diff["mean_mag"]) > TOLERANCE:
                    raise AssertionError(f"{name}: outputs differ from {commit}'s by more than {TOLERANCE} mag: {diff}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False)
    return result


def stages_table(made: str, res: dict) -> str:
    """Markdown of :func:`stages`: us per star and curves per CPU second, before and after."""
    names = [k for k in ("simulated", "dr2") if k in res]
    header = ["stage"] + [f"{k}: {label}" for k in names for label in ("before (us)", "after (us)", "speed-up")]
    rows = []
    for i, stage in enumerate((*STAGES, "total")):
        label = "whole chain (`Pipeline.transform`)" if stage == "total" else stage
        rows.append([label] + [cell for k in names for cell in (
            f"{res[k]['old'][i]:.1f}", f"{res[k]['new'][i]:.1f}", f"{res[k]['old'][i] / res[k]['new'][i]:.1f}x")])
    rows.append(["curves per CPU second"] + [cell for k in names for cell in (
        f"{1e6 / res[k]['old'][-1]:,.0f}", f"{1e6 / res[k]['new'][-1]:,.0f}", "")])
    about = {"simulated": "simulated DR3-like stars (`make_gaia_rrab`)", "dr2": "real Gaia DR2 curves"}
    samples = "; ".join(f"{about[k]}: {res[k]['n']:,} stars, median {res[k]['median_points']} points" for k in names)
    worst = max(max(res[k]["diff"][d] for d in ("spline", "mean", "mean_mag")) for k in names)
    over = ", ".join(f"{res[k]['diff']['n_over']} of the {res[k]['n']:,} {k}" for k in names)
    return (
        markdown_table(header, rows, "l" + "rrr" * len(names))
        + f"\n\n{made} CPU microseconds per star (`time.process_time`), the minimum of {res['rounds']} "
        f"alternating rounds, each revision in its own process on the same tables ({samples}); "
        f"before: commit {res['baseline']}; after one warm-up call (the compiled spline kernels load "
        f"on first use). `checks` sums the table checks of the four steps. Outputs: the smoothed curves and "
        f"mean magnitudes agree to {AGREEMENT:.0e} mag except for {over} stars, largest |after - before| "
        f"{worst:.1e} mag: stars whose GCV score is nearly flat in lam, which move that much by rounding "
        f"alone (re-associating one matrix product of the old code moves 4 of 20,000 simulated stars by "
        f"up to 4e-8 mag)."
    )


def tables(run: Run, dr2: dict | None, truth: list | None, sim: dict | None,
           stage_times: dict | None = None) -> dict[str, str]:
    """The page's tables, each headed by the command, date and load."""
    made = run.provenance()
    out = {}
    if stage_times is not None:
        out["stages"] = stages_table(made, stage_times)
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
    if truth is not None:
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
    parser.add_argument("--parts", nargs="+", choices=("dr2", "truth", "simulated", "stages"),
                        default=["dr2", "truth", "simulated"], help="what to measure (default: the first three)")
    parser.add_argument("--n-sim", type=int, default=270_000, help="simulated stars (default 270,000)")
    parser.add_argument("--n-exact-sim", type=int, default=1_000, help="simulated stars for the exact loop")
    parser.add_argument("--n-exact-dr2", type=int, default=None,
                        help="DR2 stars for the exact loop (default: all 13,323)")
    parser.add_argument("--n-stages", type=int, default=50_000, help="simulated stars for the stage timings")
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision the stages are compared with "
                        f"(default {BASELINE}, before the compiled per-star spline)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of the stage timings")
    parser.add_argument("--figure", type=Path, default=None, help="write the DR2 comparison figure here")
    parser.add_argument("--markdown", type=Path, help="rewrite the preprocessing.py tables of this page")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stage-worker", nargs=2, type=Path, metavar=("TABLE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage_worker:
        stage_worker(*args.stage_worker)
        return
    run = Run("preprocessing.py", argv)
    dr2 = truth = sim = stage_times = None
    if "dr2" in args.parts:
        if DR2.exists():
            dr2 = real_data(args.n_exact_dr2, args.figure)
        else:
            print(f"no real DR2 curves at {DR2}; skipped")
    if "truth" in args.parts:
        truth = synthetic_truth(seed=args.seed)
    if "simulated" in args.parts and args.n_sim:
        sim = simulated(args.n_sim, args.n_exact_sim, args.seed)
    if "stages" in args.parts:
        stage_times = stages(args.n_stages, args.baseline, args.rounds, args.seed)
    if args.markdown:
        run.finish()
        rewrite(args.markdown, "preprocessing.py", tables(run, dr2, truth, sim, stage_times), partial=True)


if __name__ == "__main__":
    main()
