"""Where chunks are predicted: in this process's threads, or in loky worker processes (``n_jobs > 1``).

Both runners have the same interface: ``submit(X, check_kwargs, limits)``
returns an item whose ``result`` is :func:`rrlsk.catalogue.chunk.predict_chunk`'s
output, ``capacity`` (chunks kept in flight), and ``shutdown(kill=False)``.
"""

from __future__ import annotations

import os
import sys
import threading
import time

from ..pretrained import is_pretrained_name
from .chunk import predict_chunk
from .model import load_fitted

__all__ = ["Pool", "Threads"]

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


def _share_cores(n_threads: int) -> None:
    """Give TensorFlow ``cores // n_threads`` intra-op threads, if it has not started yet in this process.

    The rule of :class:`Pool`'s workers, for chunks in flight in threads.
    For the GRU's compiled pass on 2 cores, one intra-op thread costs 0.65
    of the CPU time per star of two (they synchronise at every op of the
    100 recurrent steps), and leaves the other core to the next chunk's
    preprocessing. Nothing is changed when ``TF_NUM_INTRAOP_THREADS`` is
    set, or when TensorFlow already runs (its threads are fixed at its
    start); without TensorFlow imported only that variable is set, so a
    model without TensorFlow never imports it.
    """
    if "TF_NUM_INTRAOP_THREADS" in os.environ:
        return
    from joblib import cpu_count

    threads = max(1, cpu_count() // n_threads)
    tf = sys.modules.get("tensorflow")
    if tf is None:
        os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow has started: its threads stay as they are
        pass


class Threads:
    """Same interface as the process pool, predicting in this process, ``n_threads`` chunks at a time.

    One model, shared by the threads. A chunk's checks, preprocessing and
    flags are Python, NumPy and numba code that mostly holds the GIL, while
    the network's forward pass (TensorFlow) releases it: with two threads,
    the next chunk is checked and preprocessed while the network predicts
    the current one, so that both cores work; two chunks at the network
    run its compiled calls side by side
    (:func:`rrlsk.regressors._inference._predict_batches`). Each chunk's
    result does not depend on the others. Before the model is
    loaded, TensorFlow gets the cores' share of one chunk in flight
    (:func:`_share_cores`).

    Parameters
    ----------
    model : fitted estimator, path or str
        As :func:`rrlsk.catalogue.load_fitted` takes it.
    n_threads : int
        Chunks predicted at a time (1: one after the other, in a thread).
    """

    def __init__(self, model, n_threads: int):
        from concurrent.futures import ThreadPoolExecutor

        _share_cores(n_threads)
        self.model = load_fitted(model)
        self.capacity = n_threads
        self.executor = ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix="rrlsk-chunk")

    def submit(self, X, check_kwargs, limits):
        return self.executor.submit(predict_chunk, self.model, X, check_kwargs, limits)

    @staticmethod
    def result(item):
        return item.result()

    def shutdown(self, kill=False):
        self.executor.shutdown(wait=True, cancel_futures=kill)


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
        self.capacity = n_jobs
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
