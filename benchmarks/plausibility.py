"""How often rrlsk.domain flags good stars, how often it catches input mistakes, and its cost.

All stars are simulated (rrlsk.datasets.make_gaia_rrab, photometric labels):
a training-domain record is fitted on ``--train`` stars; ``--test`` fresh
stars (another seed) are checked as they are (false flags) and with each
classic input mistake applied to every star (catches). The cost is the time
of :func:`rrlsk.domain.plausibility` next to that of
:func:`rrlsk.preprocessing.check_light_curves` on the same fresh stars
(best of ``--repeat``), a side-by-side ratio on one machine.

Usage::

    nice python benchmarks/plausibility.py --train 1000 --test 5000 --out benchmarks/plausibility.json
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from rrlsk.datasets import make_gaia_rrab
from rrlsk.domain import TrainingDomain, plausibility
from rrlsk.io.gaia import G_ZEROPOINT, TIME_OFFSET_JD
from rrlsk.preprocessing import check_light_curves


def mistakes(X):
    """name -> a copy of ``X`` with that mistake applied to every star."""
    rng = np.random.default_rng(0)

    def each(column, change):
        Y = X.copy()
        Y[column] = [change(v) for v in Y[column]]
        return Y

    def outlier(mag):
        mag = mag.copy()
        mag[rng.integers(len(mag))] += 50.0
        return mag

    return {
        "period in hours": X.assign(period=X["period"] * 24),
        "fluxes in the mag column": each("mag", lambda m: 10 ** (-0.4 * (m - G_ZEROPOINT))),
        "one +50 mag outlier": each("mag", outlier),
        "constant curve": each("mag", lambda m: np.full_like(m, 15.0)),
        "pure noise (0.3 mag)": each("mag", lambda m: rng.normal(17.0, 0.3, len(m))),
        "times in JD": each("time", lambda t: t + TIME_OFFSET_JD),
    }


def best_time(func, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=1000)
    parser.add_argument("--test", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=None, help="JSON file for the results")
    args = parser.parse_args()

    X, y, _ = make_gaia_rrab(args.train, random_state=1)
    domain = TrainingDomain().fit(X, y)
    fresh, y_fresh, _ = make_gaia_rrab(args.test, random_state=2)
    flags = plausibility(fresh, y_fresh, domain=domain)
    result = {
        "data": "simulated (rrlsk.datasets.make_gaia_rrab, photometric labels)",
        "train_stars": args.train,
        "test_stars": args.test,
        "false_flag_rate": float(flags["flagged"].mean()),
        "outside_training_domain_rate": float(flags["outside_training_domain"].mean()),
        "catch_rate": {name: float(plausibility(bad, y_fresh, domain=domain)["flagged"].mean())
                       for name, bad in mistakes(fresh).items()},
    }
    t_plaus = best_time(lambda: plausibility(fresh, y_fresh, domain=domain), args.repeat)
    t_check = best_time(lambda: check_light_curves(fresh), args.repeat)
    result["seconds_per_1000_stars"] = {"plausibility": 1000 * t_plaus / args.test,
                                        "check_light_curves": 1000 * t_check / args.test}
    result["ratio_plausibility_to_checks"] = t_plaus / t_check
    result["load_average_1min"] = os.getloadavg()[0]
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
