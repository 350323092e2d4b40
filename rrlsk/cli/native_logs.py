"""Hiding the start-up log lines that TensorFlow's native runtime writes to stderr."""

from __future__ import annotations

import os
import re
import sys
import threading
from contextlib import contextmanager

__all__ = ["NATIVE_LOG_LINE", "without_native_logs"]

#: Lines that TensorFlow's C++ runtime writes to stderr at start-up whatever
#: TF_CPP_MIN_LOG_LEVEL says (absl log lines such as "I0000 00:00:... port.cc:153]
#: oneDNN custom operations are on", the second line of its CPU-instructions
#: notice, and absl's note before its initialisation).
NATIVE_LOG_LINE = re.compile(rb"^([IWE]\d{4} \d\d:\d\d:\d\d|WARNING: All log messages before absl::InitializeLog"
                             rb"|To enable the following instructions: )")


@contextmanager
def without_native_logs(enabled: bool):
    """Drop :data:`NATIVE_LOG_LINE` lines from file descriptor 2 inside the block.

    Native libraries (and worker processes, which inherit the descriptor)
    write to fd 2 directly, below Python: the descriptor is pointed at a
    pipe whose other end forwards every other line to the real stderr.
    """
    if not enabled:
        yield
        return
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    real = os.dup(2)
    os.dup2(write_end, 2)
    os.close(write_end)
    forward = os.dup(real)  # the pump's own copy, made before the block can end and close `real`

    def pump():
        with os.fdopen(read_end, "rb") as source, os.fdopen(forward, "wb", buffering=0) as sink:
            for line in source:
                if not NATIVE_LOG_LINE.match(line):
                    sink.write(line)

    thread = threading.Thread(target=pump, daemon=True, name="rrlsk-stderr-filter")
    thread.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(real, 2)  # closes this process's write end of the pipe: the pump sees its end
        os.close(real)
        thread.join(timeout=2.0)
