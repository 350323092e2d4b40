"""Every transformer over all 13,323 real Gaia DR2 RRab curves."""

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline

from rrlsk.preprocessing import (
    FourierFeatures,
    MeanMagSubtractor,
    PhaseFolder,
    SequenceEncoder,
    SequencePadder,
    SplineResampler,
    check_light_curves,
)

pytestmark = pytest.mark.realdata
PERIOD = 0.6  # fake period, d


@pytest.fixture(scope="module")
def dr2_table(dr2_curves):
    ids = np.fromiter(dr2_curves, dtype=np.int64)
    phases = [dr2_curves[i][0] for i in ids]
    return pd.DataFrame(
        {"time": [p * PERIOD for p in phases], "mag": [dr2_curves[i][1] for i in ids],
         "period": PERIOD, "epoch": 0.0},
        index=pd.Index(ids, name="source_id"),
    )


def test_all_dr2_curves_through_every_transformer(dr2_table):
    X = dr2_table
    report = check_light_curves(X, min_points=FourierFeatures().order * 2 + 1)
    assert report["ok"].all() or (report.loc[~report["ok"], "reason"] != "").all()
    X = X.loc[report["ok"]]
    assert len(X) == 13323  # every DR2 curve has >= 12 points

    folded = PhaseFolder().fit_transform(X)
    for i in (0, 5000, 13000):  # time = phase * P with epoch 0 gives back the phases
        np.testing.assert_allclose(np.sort(dr2_table["time"].iloc[i] / PERIOD), folded["phase"].iloc[i], atol=1e-9)
    aligned = PhaseFolder(align="maximum").fit_transform(X)
    assert np.isfinite(aligned["phase_shift"]).all()

    tensor = make_pipeline(SplineResampler(), MeanMagSubtractor(), SequenceEncoder()).fit_transform(folded)
    assert tensor.shape == (13323, 100, 2) and np.isfinite(tensor).all()
    # the smoothed curves stay within the data (no wild oscillation)
    lo = np.array([m.min() for m in X["mag"]])
    hi = np.array([m.max() for m in X["mag"]])
    smooth_mag = tensor[:, :, 0] + MeanMagSubtractor().fit_transform(SplineResampler().fit_transform(folded))[
        "mean_mag"].to_numpy()[:, None]
    overshoot = np.maximum(smooth_mag.max(1) - hi, lo - smooth_mag.min(1)) / (hi - lo)
    assert np.median(overshoot) < 0.05 and (overshoot > 0.5).mean() < 0.002

    raw = make_pipeline(MeanMagSubtractor(), SequencePadder()).fit_transform(folded)
    assert raw.shape == (13323, 97, 2) and np.isfinite(raw).all()

    feats = FourierFeatures().fit_transform(folded)
    assert np.isfinite(feats.to_numpy()).all()
    assert 0.5 < feats["amplitude"].median() < 1.0  # README: median peak-to-peak 0.73 mag
