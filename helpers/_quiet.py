"""Import TensorFlow without its start-up log lines.

At import and at the first operation TensorFlow's C++ runtime writes notices straight to
the process's standard error (file descriptor 2): the oneDNN notice, CPU features, and on
a machine without a GPU "Could not find cuda drivers" and "failed call to cuInit". Some are
written before TensorFlow reads ``TF_CPP_MIN_LOG_LEVEL``, so that setting alone cannot
hide them. A notebook would store them as an error-coloured output of its first cell.

Here file descriptor 2 points at ``os.devnull`` while TensorFlow is imported and its
runtime is started, and is restored afterwards. Python exceptions are unaffected: they
propagate and are shown as usual. Later messages (real warnings) still appear.
"""

from helpers._tf_import import _native_stderr_silenced, tf

with _native_stderr_silenced():
    tf.constant(0.0)  # starts the runtime (device probing) while the notices are hidden

__all__ = ["tf"]
