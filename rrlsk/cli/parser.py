"""The ``rrlsk`` argument parser: every command, its options and their help."""

from __future__ import annotations

import argparse

from ..pretrained import names as pretrained_names
from .arguments import fraction, model_list, model_name, models_help, positive_float, positive_int
from .cv import cmd_cv, cmd_report
from .defaults import (CATALOGUES, DENSITY_THRESHOLD, GAIA_FORMATS, N_POINTS, NETWORK_DEFAULTS, NETWORK_DROPOUT,
                       RR_TYPES, TRANSFORMER_LEARNING_RATE)
from .demo import DEMO_DEFAULT, DEMO_QUICK, cmd_demo
from .info import cmd_info
from .predict import cmd_predict
from .sample import cmd_select, cmd_simulate
from .train import cmd_train

__all__ = ["build_parser"]

class _Formatter(argparse.HelpFormatter):
    """Shows ``(default: ...)`` where there is a default to show; a list as typed (``gru,svr``)."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if "default" in text or default is None or default is False or default == argparse.SUPPRESS \
                or not action.option_strings:
            return text
        if isinstance(default, (list, tuple)):
            return f"{text} (default: {','.join(map(str, default))})".replace("%", "%%")
        return f"{text} (default: %(default)s)"


def _add_network_options(parser) -> None:
    group = parser.add_argument_group("network training (ignored by classical baselines)")
    group.add_argument("--epochs", type=positive_int, default=None,
                       help=f"maximum training epochs per fit; early stopping usually ends sooner "
                       f"(default: {NETWORK_DEFAULTS['epochs']})")
    group.add_argument("--batch-size", type=positive_int, default=None,
                       help=f"mini-batch size, stars (default: {NETWORK_DEFAULTS['batch_size']})")
    group.add_argument("--learning-rate", type=positive_float, default=None,
                       help=f"initial Adam learning rate (default: {NETWORK_DEFAULTS['learning_rate']:g}; "
                       f"{TRANSFORMER_LEARNING_RATE:g} for transformer)")
    group.add_argument("--dropout", type=fraction, default=None,
                       help="one dropout rate in (0, 1) for every layer (default: per layer, "
                       f"{NETWORK_DROPOUT})")
    group.add_argument("--patience", type=positive_int, default=None,
                       help="early-stopping patience, epochs without improvement "
                       f"(default: {NETWORK_DEFAULTS['patience']})")


def _add_data_options(parser) -> None:
    parser.add_argument("data", help="labelled light curves: an rrlsk Parquet file with feh, "
                        "feh_error columns (from 'rrlsk simulate' or 'rrlsk select'), a folder "
                        "of Gaia tables, or a plain CSV with one row per observation (source_id, time, "
                        "mag, optionally mag_err) and per-star period, epoch, feh, feh_error repeated "
                        "on each of a star's rows")
    parser.add_argument("--labels", default=None,
                        help="table of source_id, [Fe/H] and its error (dex) replacing the data's labels")
    _add_label_column_options(parser)
    parser.add_argument("--catalogue", choices=CATALOGUES, default="spline",
                        help="preprocessing: spline-resampled and mean-subtracted (paper's best), "
                        "spline without mean subtraction, or raw padded curves")
    parser.add_argument("--n-points", type=positive_int, default=None,
                        help=f"phase points of the resampled curve (default: {N_POINTS})")
    parser.add_argument("--weights", choices=("density", "density_error", "none"), default="density",
                        help="training sample weights: inverse [Fe/H] density (paper), the same "
                        "divided by feh_error^2, or none")
    parser.add_argument("--density-threshold", type=positive_float, default=DENSITY_THRESHOLD,
                        help="density weights: the [Fe/H] density, /dex, below which the tails get the "
                        "weight of its edge; lower it for small training sets")
    parser.add_argument("--random-state", type=int, default=0,
                        help="seed for splits and network initialisation")
    _add_type_option(parser, "pulsation type of the stars: sets the phase alignment of the preprocessing")


def _add_label_column_options(parser) -> None:
    parser.add_argument("--feh-column", default=None,
                        help="the [Fe/H] column of --labels (or of the data), any case (default: the first "
                        "of feh, [fe/h], fe_h, feh_phot, metallicity)")
    parser.add_argument("--feh-error-column", default=None,
                        help="the column of its error, dex (default: the first of feh_error, e_feh, "
                        "feh_err, sigma_feh, e_[fe/h], e_fe_h, metallicity_error)")


def _add_type_option(parser, help_text: str) -> None:
    parser.add_argument("--type", choices=RR_TYPES, default="RRab", help=help_text)


def _add_cv_options(parser, splits: int = 5) -> None:
    parser.add_argument("--splits", type=positive_int, default=splits, help="number of CV folds")
    parser.add_argument("--repeats", type=positive_int, default=1, help="CV repetitions with new shuffles")
    parser.add_argument("--n-bins", type=positive_int, default=10,
                        help="[Fe/H] bins for stratification")


def build_parser() -> argparse.ArgumentParser:
    """The ``rrlsk`` argument parser (all sub-commands).

    Returns
    -------
    argparse.ArgumentParser
        Parses the arguments of :func:`main` (without the program name);
        each sub-command sets ``func``, the function that runs it.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    common.add_argument("--quiet", action="store_true", help="no progress bars")
    common.add_argument("--verbose", action="store_true",
                        help="let TensorFlow's start-up log lines through (hidden by default)")

    parser = argparse.ArgumentParser(
        prog="rrlsk",
        description="Photometric [Fe/H] of RRab stars from Gaia G light curves "
        "(Monti et al. 2024). Run 'rrlsk <command> --help' for a command's options.",
        formatter_class=_Formatter,
    )
    from .._version import __version__

    parser.add_argument("--version", action="version", version=f"rrlsk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>")

    def add(name, func, help_text, description=None):
        p = sub.add_parser(name, parents=[common], help=help_text,
                           description=description or help_text, formatter_class=_Formatter)
        p.set_defaults(func=func)
        return p

    p = add("demo", cmd_demo, "simulate a sample, cross-validate the GRU and a baseline, save, plot, predict",
            "The whole method on a simulated Gaia DR3 RRab sample with known [Fe/H] "
            "(spectroscopic-like labels): "
            "default GRU pipeline with density weights, 5-fold binned stratified CV "
            "(Table A1) next to the classical Fourier-parameter relation, the final "
            "model saved, figures, and predictions on held-out simulated stars.")
    p.add_argument("--out", default="rrlsk-demo", help="output folder")
    p.add_argument("--n-stars", type=positive_int, default=None,
                   help=f"simulated training stars (default {DEMO_DEFAULT['n_stars']}; "
                   f"{DEMO_QUICK['n_stars']} with --quick)")
    p.add_argument("--n-holdout", type=positive_int, default=None,
                   help=f"more simulated stars, held out and predicted at the end (default "
                   f"{DEMO_DEFAULT['n_holdout']}; {DEMO_QUICK['n_holdout']} with --quick)")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help=f"maximum GRU training epochs per fit, early stopping may end sooner (default "
                   f"{DEMO_DEFAULT['epochs']}; {DEMO_QUICK['epochs']} with --quick)")
    p.add_argument("--quick", action="store_true",
                   help=f"tiny run ({DEMO_QUICK['splits']} folds, {DEMO_QUICK['n_points']} phase points) that "
                   "checks the installation in about a minute")
    p.add_argument("--random-state", type=int, default=0, help="seed of simulation, splits and networks")

    p = add("simulate", cmd_simulate, "write a simulated Gaia-like RRab sample with known [Fe/H]",
            "Simulated Gaia DR3 RRab stars (rrlsk.datasets.make_gaia_rrab): an rrlsk Parquet "
            "file with feh and feh_error columns, or the Gaia archive tables epoch_photometry, "
            "vari_rrlyrae and labels in a folder.")
    p.add_argument("out", help="output: a .parquet file, or a folder for Gaia archive tables")
    p.add_argument("--n-stars", type=positive_int, default=1000, help="number of stars")
    p.add_argument("--format", choices=("parquet", *GAIA_FORMATS), default="parquet",
                   help="rrlsk Parquet, or Gaia archive tables in this format")
    p.add_argument("--per-star", action="store_true",
                   help="Gaia formats: one epoch-photometry file per star, as DataLink delivers them")
    p.add_argument("--labels", choices=("photometric", "spectroscopic"), default="photometric",
                   help="label model: the paper's photometric [Fe/H] (P-phi31 relation on the noisy "
                   "curve) or true [Fe/H] plus spectroscopic-like noise")
    p.add_argument("--random-state", type=int, default=0, help="seed")
    _add_type_option(p, "simulate fundamental-mode (RRab) or first-overtone (RRc) stars")

    p = add("select", cmd_select, "apply the paper's sample selection to Gaia DR3 tables",
            "Keep the RRab stars with a period, sigma[Fe/H] <= 0.4 dex, AmpG <= 1.4 mag, "
            "N_ep >= 50 and sigma(phi31) <= 0.1 rad (Monti et al. 2024, Sect. 3), print the "
            "count after each cut, and write their light curves and labels as rrlsk Parquet.")
    p.add_argument("source", help="folder of Gaia tables (epoch_photometry, vari_rrlyrae, optionally "
                   "labels; as written by 'rrlsk simulate --format ...'), or the epoch-photometry "
                   "file(s) folder when --rrlyrae is given")
    p.add_argument("--rrlyrae", default=None, help="vari_rrlyrae table, when SOURCE is epoch photometry only")
    p.add_argument("--labels", default=None,
                   help="labels table: source_id, [Fe/H], its error, dex (default: the folder's "
                   "labels file, else Gaia's metallicity and metallicity_error)")
    _add_label_column_options(p)
    p.add_argument("--max-feh-error", type=positive_float, default=0.4, help="largest sigma[Fe/H], dex")
    p.add_argument("--max-amplitude", type=positive_float, default=1.4, help="largest G peak-to-peak amplitude, mag")
    p.add_argument("--min-epochs", type=positive_int, default=50, help="fewest clean G epochs")
    p.add_argument("--max-phi31-error", type=positive_float, default=0.1, help="largest sigma(phi31), rad")
    _add_type_option(p, "keep stars of this best_classification")
    p.add_argument("--out", required=True, help="output .parquet file of the selected light curves")

    p = add("train", cmd_train, "train a network or baseline (optionally grid-searched) and save it")
    _add_data_options(p)
    p.add_argument("--model", type=model_name, default="gru", help=models_help() + " (any case)")
    p.add_argument("--grid", default=None,
                   help="grid search before the final fit: 'paper' (dropout x learning rate x batch "
                   "size, 60 candidates) or e.g. 'dropout=0.1,0.2;batch_size=128,256'")
    _add_cv_options(p)
    p.add_argument("--n-jobs", type=int, default=1, help="parallel grid-search fits (-1: all cores)")
    group = p.add_argument_group("uncertainties (docs/accuracy.md)")
    group.add_argument("--calibrate", action="store_true",
                       help="train a fold ensemble (--splits models) with per-star uncertainties, "
                       "conformally calibrated on held-out stars")
    group.add_argument("--calibration-size", type=fraction, default=0.25,
                       help="share of the stars held out for the calibration")
    group.add_argument("--degraded-copies", type=positive_int, default=None, metavar="N",
                       help="with --calibrate: also learn and calibrate the uncertainties on N sparser, "
                       "fainter copies of each star (20 or more of its epochs, up to 3 mag fainter), "
                       "for catalogues beyond the training stars' cuts (docs/accuracy.md); without it, "
                       "one copy of each star teaches only the difficulty model, where the data have mag_err")
    group.add_argument("--interval", choices=("auto", "prediction", "classical"), default="auto",
                       help="with --calibrate: 'prediction' intervals around the model's [Fe/H] (smallest "
                       "error per star), or 'classical': the [Fe/H] inverted through its line against the "
                       "labels, unbiased and covered at every [Fe/H], for metallicity distributions and "
                       "gradients; 'auto': classical with --label-errors, else prediction (docs/accuracy.md)")
    group.add_argument("--difficulty-target", choices=("auto", "abs", "variance"), default="auto",
                       help="with --calibrate: what the difficulty model learns, quantiles of the absolute "
                       "residual ('abs'), or with --label-errors each star's squared residual less its own "
                       "label variance ('variance'; with --interval classical, docs/accuracy.md); 'auto': "
                       "variance with --label-errors, else abs")
    group.add_argument("--label-errors", action="store_true",
                       help="feh_error is independent noise of the labels (spectroscopic [Fe/H]): "
                       "calibrate intervals for the true [Fe/H]; not for photometric labels")
    _add_network_options(p)
    p.add_argument("--out", required=True, help="model file to write (.joblib)")

    p = add("cv", cmd_cv, "cross-validate one or several models: Table A1")
    _add_data_options(p)
    p.add_argument("--models", type=model_list, default=["gru"],
                   help="comma-separated model names; " + models_help())
    _add_cv_options(p)
    _add_network_options(p)
    p.add_argument("--out", default="rrlsk-cv", help="run folder for reports (read by 'rrlsk report')")

    p = add("predict", cmd_predict, "predict [Fe/H] with a saved model, streamed and resumable")
    p.add_argument("model", nargs="?", default=None,
                   help="model file from 'rrlsk train', 'rrlsk demo', rrlsk.persistence.save_model "
                   "or joblib.dump (a PerTypeRegressor for mixed types); loading runs code, so use "
                   "trusted files only. Or a pretrained model's name (" + ", ".join(pretrained_names())
                   + "; write ./NAME for a file of that name). Omit it to give --model-rrab/--model-rrc instead")
    p.add_argument("source", nargs="+",
                   help="light curves: rrlsk Parquet file(s)/folder, Gaia epoch-photometry files, or a "
                   "plain CSV with one row per observation: source_id, time (d), mag, optionally mag_err, "
                   "and period, epoch (d) repeated on each of a star's rows (or --rrlyrae)")
    p.add_argument("--out", required=True, help="output folder of Parquet parts (rerun to resume)")
    p.add_argument("--csv", default=None, help="combined table (default: OUT/predictions.csv)")
    p.add_argument("--rrlyrae", default=None,
                   help="vari_rrlyrae file with period and epoch, for Gaia epoch-photometry sources")
    p.add_argument("--model-rrab", default=None, help="model file for the RRab stars (by the type column)")
    p.add_argument("--model-rrc", default=None,
                   help="model file for the RRc stars; stars of a type without a model are written as skipped")
    p.add_argument("--chunk-size", type=positive_int, default=20_000, help="stars per chunk")
    p.add_argument("--n-jobs", type=int, default=1, help="worker processes (-1: all cores)")
    p.add_argument("--n-threads", type=positive_int, default=2,
                   help="with --n-jobs 1: chunks in flight in this process (the next one is preprocessed "
                        "while the network predicts the current one); 1: one after the other")
    p.add_argument("--show", type=int, default=5, help="rows of the result to print")

    p = add("report", cmd_report, "tables and figures from a run folder of 'rrlsk demo' or 'rrlsk cv'")
    p.add_argument("run", help="run folder")

    p = add("info", cmd_info, "what a saved model is: versions, training data, parameters, CV metrics")
    p.add_argument("model", help="model file (read without unpickling: safe on any file), or a pretrained "
                   "model's name (" + ", ".join(pretrained_names()) + ")")
    p.add_argument("--json", action="store_true", help="print the metadata as JSON")
    return parser
