"""The networks' batched prediction (rrlsk.regressors._inference) and the cores it is given."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

pytest.importorskip("keras")
from rrlsk import regressors as R  # noqa: E402
from rrlsk.regressors import _inference  # noqa: E402


def test_threads_share_one_network_and_get_their_own_rows():
    """Two threads predicting through one network's compiled pass at once (its first call included) each get
    what one alone gets."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 20, 2)).astype(np.float32)
    est = R.GRURegressor(units=(4,), dropout=(0.0,), epochs=1, batch_size=16, random_state=0).fit(X, rng.normal(size=64))
    network, inputs = est.model_, [rng.normal(size=(50, 20, 2)).astype(np.float32) for _ in range(2)]
    together = [None, None]

    def predict(i):
        together[i] = _inference._predict_batches(network, inputs[i], 8)

    threads = [threading.Thread(target=predict, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    alone = [_inference._predict_batches(network, x, 8) for x in inputs]  # 7 compiled calls each, the last padded
    for got, expected in zip(together, alone):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_allclose(alone[0], network.predict_on_batch(inputs[0]), rtol=0, atol=1e-6)


def test_catalogue_threads_share_the_cores_before_tensorflow_starts():
    """Without TensorFlow imported only the variable is set (nothing imports it); a value set by the user stays."""
    code = (
        "import os, sys; from joblib import cpu_count; from rrlsk.catalogue.workers import _share_cores\n"
        "os.environ.pop('TF_NUM_INTRAOP_THREADS', None); _share_cores(2)\n"
        "assert os.environ['TF_NUM_INTRAOP_THREADS'] == str(max(1, cpu_count() // 2))\n"
        "assert 'tensorflow' not in sys.modules\n"
        "os.environ['TF_NUM_INTRAOP_THREADS'] = '3'; _share_cores(1)\n"
        "assert os.environ['TF_NUM_INTRAOP_THREADS'] == '3'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_NUM_INTRAOP_THREADS"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
