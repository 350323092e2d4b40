"""Where chunks are predicted: in this process, or in loky worker processes (``n_jobs > 1``).

Both runners have the same interface: ``submit(X, check_kwargs, limits)``
returns an item whose ``result`` is :func:`rrlsk.catalogue.chunk.predict_chunk`'s
output, and ``shutdown(kill=False)``.
"""

from __future__ import annotations

import os
import threading
import time

from ..pretrained import is_pretrained_name
from .chunk import predict_chunk
from .model import load_fitted

__all__ = ["Inline", "Pool"]

_WORKER_MODEL = None


def _exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """Exit this worker process as soon as its parent is gone (even after SIGKILL)."""
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)


def _worker_init(model, parent: int) -> None:
    global _WORKER_MODEL
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="rrlsk-parent-watch").start()
    _WORKER_MODEL = load_fitted(model)


def _worker_predict(X, check_kwargs, limits):
    return predict_chunk(_WORKER_MODEL, X, check_kwargs, limits)


class Inline:
    """Same interface as the process pool, predicting in this process."""

    def __init__(self, model):
        self.model = load_fitted(model)

    def submit(self, X, check_kwargs, limits):
        return predict_chunk(self.model, X, check_kwargs, limits)

    @staticmethod
    def result(item):
        return item

    def shutdown(self, kill=False):
        pass


class Pool:
    """loky processes, each receiving the model (or its path) once, at start-up.

    loky pickles ``initargs`` with cloudpickle, so models holding locally
    defined functions travel too; the thread variables in ``env`` are set in
    each worker before the model is unpickled, so that the workers share the
    cores instead of each claiming all of them. Given a path, only the
    workers load the model: the parent never imports TensorFlow. Each
    worker watches its parent and exits when it is gone, so that killing
    the run (SIGKILL included) leaves no orphan processes.
    """

    def __init__(self, model, n_jobs: int):
        from joblib import cpu_count
        from joblib.externals.loky import ProcessPoolExecutor

        threads = str(max(1, cpu_count() // n_jobs))
        env = {name: threads for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS")}
        env["TF_NUM_INTEROP_THREADS"] = "1"
        if isinstance(model, (str, os.PathLike)) and not is_pretrained_name(model):
            model = os.path.abspath(model)  # the workers' working directory may differ
        self.executor = ProcessPoolExecutor(
            max_workers=n_jobs, initializer=_worker_init, initargs=(model, os.getpid()), env=env
        )

    def submit(self, X, check_kwargs, limits):
        return self.executor.submit(_worker_predict, X, check_kwargs, limits)

    @staticmethod
    def result(item):
        return item.result()

    def shutdown(self, kill=False):
        self.executor.shutdown(wait=True, kill_workers=kill)
