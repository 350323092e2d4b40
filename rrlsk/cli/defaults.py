"""Library defaults that the options' help shows, repeated so that ``--help`` does not start TensorFlow.

The tests check each against the library value it repeats.
"""

from __future__ import annotations

__all__ = [
    "CATALOGUES",
    "DENSITY_THRESHOLD",
    "GAIA_FORMATS",
    "NETWORK_DEFAULTS",
    "NETWORK_DROPOUT",
    "N_POINTS",
    "RR_TYPES",
    "TRANSFORMER_LEARNING_RATE",
]

#: rrlsk.pipelines.CATALOGUES
CATALOGUES = ("spline", "spline_nomean", "raw")
#: rrlsk.weights.density_weights' default threshold, /dex
DENSITY_THRESHOLD = 0.5
#: rrlsk.regressors.TRAINING_DEFAULTS that the network options show
NETWORK_DEFAULTS = {"epochs": 400, "batch_size": 256, "learning_rate": 0.01, "patience": 40}
#: rrlsk.TransformerRegressor.default_learning_rate (the one network with its own)
TRANSFORMER_LEARNING_RATE = 0.001
#: The networks' default dropout rates, per layer, as --help shows them
NETWORK_DROPOUT = ("0.2/0.2/0.1 in the recurrent nets, 0.2/0.1 in convlstm and convgru, 0.1 in "
                   "transformer, 0 in fcn, resnet and inception")
#: rrlsk.make_pipeline's default n_points, phase points of the spline grid
N_POINTS = 100
#: The Gaia archive table formats of rrlsk.datasets.to_gaia_files
GAIA_FORMATS = ("csv", "ecsv", "votable", "fits")
#: The pulsation types that --type takes
RR_TYPES = ("RRab", "RRc")
