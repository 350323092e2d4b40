"""Convert the published Dékány & Grebel (2022) ensembles into rrlsk's shipped form.

Reads, from the authors' public files (``../shared/data/dekany2022`` by
default), each band's ``model.json`` (checked: the "bilstm2p" network rrlsk
rebuilds) and its ten Keras 2 HDF5 weight files (``weights_0.h5`` ...,
arrays found through the layers' ``weight_names`` attributes; the LSTM gate
order is the same in Keras 2 and 3), and writes

- ``rrlsk/pretrained/data/dekany2022_g.npz`` and ``dekany2022_ks.npz``
  (:mod:`rrlsk.pretrained._weights`: plain float32 arrays and a JSON
  description, identical bytes on every run),
- ``rrlsk/pretrained/data/LICENSE-dekany2022`` (their MIT licence).

Each description records the training domain
(:class:`rrlsk.domain.TrainingDomain`): for G, recorded from the 4,013
labelled stars of :func:`rrlsk.datasets.load_dekany2022` (the G curves
archive is needed: ``../shared/data/gaia_dr2_rrab_g_folded.tar.gz`` by
default); for Ks, whose training curves are not public, the period and
[Fe/H] limits of the training selection in the parameter file ``kfeh.par``
(and its type, RRab: both ensembles are fundamental-mode models).

Cite Dékány & Grebel (2022, ApJS 261, 33) with anything made from them.

Run from anywhere::

    python scripts/convert_dekany2022_weights.py [--source DIR] [--light-curves TARBALL] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
from pathlib import Path

import h5py
import numpy as np

from rrlsk.domain import TrainingDomain
from rrlsk.pretrained._weights import FORMAT, LSTM_PARTS, member_keys, write_ensemble

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
N_MEMBERS = 10
#: band -> (folder, parameter file, output file, input recipe)
BANDS = {
    "G": ("g_model", "gfeh.par", "dekany2022_g.npz", {"kind": "points", "n_steps": 80, "max_phase": 1.0}),
    "Ks": ("ks_model", "kfeh.par", "dekany2022_ks.npz", {"kind": "binned", "n_steps": 60, "max_phase": 1.2}),
}
#: Layer classes of the published "bilstm2p" model, in order.
ARCHITECTURE = ["InputLayer", "TFOpLambda", "TFOpLambda", "TFOpLambda", "Bidirectional", "Dropout",
                "Bidirectional", "Dropout", "Dense"]


def sha256(path: Path) -> str:
    """SHA-256 of a file, hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_architecture(model_json: Path) -> int:
    """Check that ``model.json`` is the network rrlsk rebuilds; return its LSTM units."""
    config = json.loads(model_json.read_text())["config"]
    layers = config["layers"]
    found = [layer["class_name"] for layer in layers]
    if found != ARCHITECTURE:
        raise ValueError(f"{model_json}: layers {found}, expected {ARCHITECTURE}")
    if layers[1]["inbound_nodes"][0][3] != {"y": -1} or layers[3]["inbound_nodes"][0][3]["axis"] != -1:
        raise ValueError(f"{model_json}: the mask is not 'any channel != -1'")
    units = set()
    for layer, returns in ((layers[4], True), (layers[6], False)):
        lstm = layer["config"]["layer"]
        cfg = lstm["config"]
        if (lstm["class_name"], layer["config"]["merge_mode"], cfg["return_sequences"], cfg["activation"],
                cfg["recurrent_activation"], cfg["use_bias"]) != ("LSTM", "concat", returns, "tanh", "sigmoid", True):
            raise ValueError(f"{model_json}: {layer['name']} is not the expected bidirectional LSTM")
        units.add(cfg["units"])
    if [layers[i]["config"]["rate"] for i in (5, 7)] != [0.1, 0.1] or layers[8]["name"] != "head" \
            or layers[8]["config"]["units"] != 1 or layers[8]["config"]["activation"] != "linear":
        raise ValueError(f"{model_json}: dropout or head differ from bilstm2p")
    if len(units) != 1:
        raise ValueError(f"{model_json}: the two recurrent layers differ in units {sorted(units)}")
    return units.pop()


def read_member(path: Path, k: int) -> dict[str, np.ndarray]:
    """One published HDF5 weight file -> arrays named by :func:`member_keys`."""
    arrays = {}
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]]
        bidirectional = [n for n in names if n.startswith("bidirectional")]
        if len(bidirectional) != 2 or "head" not in names:
            raise ValueError(f"{path}: layers {names}, expected two bidirectional layers and 'head'")
        for j, layer in enumerate(bidirectional, start=1):
            group = f[layer]
            weight_names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            for direction in ("forward", "backward"):
                for part in LSTM_PARTS:
                    (name,) = [n for n in weight_names
                               if f"/{direction}_" in n and n.rsplit("/", 1)[1] == f"{part}:0"]
                    arrays[f"m{k}.bilstm{j}.{direction}.{part}"] = np.asarray(group[name])
        group = f["head"]
        for name in group.attrs["weight_names"]:
            name = name.decode() if isinstance(name, bytes) else name
            arrays[f"m{k}.head.{name.rsplit('/', 1)[1].split(':')[0]}"] = np.asarray(group[name])
    missing = set(member_keys(k)) - set(arrays)
    if missing:
        raise ValueError(f"{path}: arrays {sorted(missing)} not found")
    return arrays


def domain_record(domain: TrainingDomain) -> dict:
    """The JSON form of a fitted training domain (read back by ``rrlsk.pretrained.dekany2022``)."""
    return {
        "quantiles": list(domain.quantiles),
        "ranges": {name: list(bounds) for name, bounds in domain.ranges_.items()},
        "label_range": None if domain.label_range_ is None else list(domain.label_range_),
        "n_stars": domain.n_stars_,
        "types": domain.types_,
    }


def g_domain(light_curves: Path) -> tuple[dict, str]:
    """Training domain of the G ensemble, from the 4,013 labelled stars."""
    from rrlsk.datasets import load_dekany2022

    X, y, _ = load_dekany2022(light_curves)
    record = domain_record(TrainingDomain().fit(X, y))
    return record, f"recorded from the {len(X)} labelled stars of rrlsk.datasets.load_dekany2022"


def selection_domain(par_file: Path) -> tuple[dict, str]:
    """Training domain from the ``#--subset`` training selection of a parameter file (period, [Fe/H])."""
    text = par_file.read_text()
    lines = text[text.index("#--subset"):].splitlines()
    block = lines[: next((i for i, line in enumerate(lines) if not line.strip()), len(lines))]
    selection = " ".join(line.lstrip("#").strip() for line in block).removeprefix("--subset").strip()

    def bounds(column: str) -> list[float]:
        low = re.search(rf"\b{column}>(-?[\d.]+)", selection)
        high = re.search(rf"\b{column}<(-?[\d.]+)", selection)
        if low is None or high is None:
            raise ValueError(f"{par_file}: no {column} limits in the training selection {selection!r}")
        return [float(low.group(1)), float(high.group(1))]

    record = {"quantiles": [0.0, 1.0], "ranges": {"period": bounds("period")}, "label_range": bounds("FeH"),
              "n_stars": None, "types": ["RRab"]}
    return record, (f"the training selection (period, FeH) of {par_file.name}, RRab stars; the training curves "
                    "are not public")


def convert(source: Path, light_curves: Path, out: Path) -> None:
    """Write both ensembles and the licence into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for band, (folder, par, target, recipe) in BANDS.items():
        model_dir = source / folder
        units = check_architecture(model_dir / "model.json")
        files = [model_dir / f"weights_{k}.h5" for k in range(N_MEMBERS)]
        members = [read_member(path, k) for k, path in enumerate(files)]
        domain, how = g_domain(light_curves) if band == "G" else selection_domain(model_dir / par)
        metadata = {
            "format": FORMAT,
            "band": band,
            "units": units,
            "n_members": N_MEMBERS,
            "input": recipe,
            "citation": "Dékány, I. & Grebel, E. K. 2022, ApJS 261, 33",
            "licence": "MIT, (c) 2022 István Dékány (LICENSE-dekany2022)",
            "source": {f"{folder}/{p.name}": sha256(p) for p in [model_dir / "model.json", *files]},
            "training_domain": domain,
            "training_domain_from": how,
        }
        write_ensemble(out / target, members, metadata)
        print(f"wrote {out / target} ({band}: {N_MEMBERS} members, {units} units; domain: {how})")
    shutil.copyfile(source / "LICENSE", out / "LICENSE-dekany2022")
    print(f"wrote {out / 'LICENSE-dekany2022'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SHARED / "dekany2022",
                        help="folder of the published files (g_model/, ks_model/, LICENSE)")
    parser.add_argument("--light-curves", type=Path, default=SHARED / "gaia_dr2_rrab_g_folded.tar.gz",
                        help="the G curves archive lc_dev_g.tar.gz (or its folder), for the G training domain")
    parser.add_argument("--out", type=Path, default=ROOT / "rrlsk" / "pretrained" / "data")
    args = parser.parse_args()
    convert(args.source, args.light_curves, args.out)


if __name__ == "__main__":
    main()
