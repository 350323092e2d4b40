"""``rrlsk info``: what a saved model or a registered pretrained model is."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from .common import note_if_shadowed, print_table, say

__all__ = ["calibration_line", "cmd_info"]


def _info_pretrained(name: str, as_json: bool) -> int:
    """``rrlsk info NAME`` for a registered pretrained model (reads no weights)."""
    from ..pretrained import describe

    info = describe(name)
    if as_json:
        say(json.dumps(info, indent=2, sort_keys=True))
        return 0
    say(f"pretrained  {info['name']}")
    for key, label in (("summary", "model"), ("band", "band"), ("training_data", "training"),
                       ("licence", "licence"), ("citation", "cite"), ("files", "files"), ("notes", "notes")):
        say(f"{label:<11} {info[key]}")
    return 0


def cmd_info(args) -> int:
    """Run ``rrlsk info``."""
    from ..persistence import model_info
    from ..pretrained import closest_name, is_pretrained_name

    if is_pretrained_name(args.model):
        note_if_shadowed(args.model)
        return _info_pretrained(args.model, args.json)
    close = None if Path(args.model).exists() else closest_name(args.model)
    if close:
        raise ValueError(f"{args.model}: no such model file; did you mean the pretrained model {close!r}?")
    info = model_info(args.model)
    if args.json:
        say(json.dumps(info, indent=2, sort_keys=True))
        return 0
    info = _escaped(info)  # what a file says is shown, never run by the terminal
    model = info["model"]
    say(f"file        {args.model}")
    say(f"saved       {info['saved_at']}")
    say("versions    " + ", ".join(f"{k} {v}" for k, v in sorted(info["versions"].items()) if v))
    say(f"model       {model['class']}")
    if model.get("steps"):
        say("steps       " + " -> ".join(name for name, _ in model["steps"]))
    training = info.get("training")
    if training:
        say(
            f"training    {training.get('n_stars', '?')} stars, [Fe/H] {_number(training.get('feh_min'), '.2f')} .. "
            f"{_number(training.get('feh_max'), '.2f')} dex (mean {_number(training.get('feh_mean'), '.2f')}, std "
            f"{_number(training.get('feh_std'), '.2f')})"
        )
    calibration = (info.get("user") or {}).get("calibration")
    if calibration:
        say("calibration " + calibration_line(calibration))
    elif model["class"] == "CalibratedRegressor":
        say("calibration calibrated (details not recorded: not saved by rrlsk train --calibrate)")
    else:
        say("calibration none: predictions carry no uncertainty (feh_std NaN); see rrlsk train --calibrate")
    if info.get("cv"):
        import pandas as pd

        say("cross-validation:")
        print_table(pd.DataFrame(info["cv"]).T)
    params = model.get("params", {})
    if params:
        say("parameters:")
        width = max(map(len, params))
        for key, value in params.items():
            say(f"  {key:<{width}}  {value}")
    if info.get("user"):
        say("notes       " + json.dumps(info["user"], sort_keys=True))
    return 0


def _escaped(value):
    """Metadata read from a file, its text with control and format characters escaped (``\\x1b``).

    Parameters
    ----------
    value : object
        JSON-like metadata: dicts, lists, text, numbers.

    Returns
    -------
    object
        The same structure; a terminal shows its text, never obeys it.
    """
    if isinstance(value, str):
        return "".join(repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Cf") else c for c in value)
    if isinstance(value, dict):
        return {_escaped(key): _escaped(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escaped(item) for item in value]
    return value


def _number(value, spec: str) -> str:
    """``value`` formatted by ``spec`` when it is a number, else as it is (``?`` when missing)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format(value, spec)
    return "?" if value is None else str(value)


def calibration_line(calibration: dict) -> str:
    """One line on a calibrated model: the ``calibration`` metadata that ``rrlsk train --calibrate`` saves."""
    target = "true [Fe/H] (label errors removed)" if calibration.get("label_errors") else "labels"
    interval = calibration.get("interval", "prediction")
    inverted = (f"classical intervals ([Fe/H] = (prediction - {_number(calibration.get('intercept'), '.3f')}) / "
                f"{_number(calibration.get('slope'), '.3f')}), " if interval == "classical" else "")
    return (inverted + f"{calibration.get('spread', '?')} spread of {calibration.get('fold_models', '?')} fold models, "
            f"calibrated on {calibration.get('n_calibration', '?')} held-out stars"
            + (f" and {calibration['n_degraded']} degraded copies" if calibration.get("n_degraded") else "")
            + f" against the {target}; {interval} intervals, difficulty target "
            f"{calibration.get('difficulty_target', 'abs')}; median 68 % std "
            f"{_number(calibration.get('median_std'), '.3f')} dex")
