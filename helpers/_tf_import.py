"""Import TensorFlow with its start-up notices hidden, without running any op.

The environment set-up and the file-descriptor redirection of :mod:`helpers._quiet`, which
imports this module and then starts the runtime with one op. :mod:`helpers.distributed`
imports this module alone: logical CPU devices can only be configured before the first op.
"""

import contextlib
import os
import sys

# Set before the import: later it has no effect. It hides TensorFlow's INFO and WARNING
# log lines from then on. (oneDNN stays on, TensorFlow's default on x86: its matmul is
# about twice as fast as Eigen's here, and its notice is hidden by the redirection below.)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# XLA's CPU compiler in TensorFlow 2.21 hands matrix products to YNNPACK by default. That
# path segfaulted inside xla::cpu::EmitYnnSubgraph (the compiler, not our code) in about one
# full nbval run in twelve here, killing the kernel. An empty fusion type turns it off; XLA
# then emits the products itself (1000000×32, k=64: about 68 ms an iteration instead of 54).
# A value you set yourself in XLA_FLAGS is kept.
if "xla_cpu_experimental_ynn_fusion_type" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_experimental_ynn_fusion_type=").strip()


@contextlib.contextmanager
def _native_stderr_silenced():
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


with _native_stderr_silenced():
    import tensorflow as tf

__all__ = ["_native_stderr_silenced", "tf"]
