"""Input checks shared by the public functions in ``helpers.functions``.

This module owns the validation every public function runs before its maths: integers and
numbers within bounds (``_check_int``, ``_check_number``, ``_check_seed``), arrays of numbers
(``_as_array``), the (n, d) matrices of samples and centroids (``_check_matrix``,
``_check_centroids``), ``n_clusters`` against ``n_samples`` and vectors of cluster labels
(``_check_labels``). Each raises ``TypeError`` or ``ValueError`` with a message that names the
value received and the rule it broke, as scikit-learn does.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from helpers._engine import _squared_lengths
from helpers._quiet import tf



_MAX_SEED = 2**31 - 1


def _check_int(name, value, *, minimum=None, maximum=None):
    """Return ``value`` as a Python int, or raise naming the value and the rule."""
    if isinstance(value, tf.Tensor) and value.shape.rank == 0:
        value = value.numpy()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}={value!r} should be an integer; got {type(value).__name__}.")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value} should be >= {minimum}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value} should be <= {maximum}.")
    return value


def _check_seed(seed, *, allow_none):
    if seed is None and allow_none:
        return None
    return _check_int("seed", seed, minimum=0, maximum=_MAX_SEED)


def _check_number(name, value, *, minimum=None):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} should be a number; got {type(value).__name__}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}={value} should be finite.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value} should be >= {minimum}.")
    return value


def _as_array(name, values):
    """NumPy view of a list, array or tensor; raises TypeError for non-numbers."""
    if isinstance(values, (tf.Tensor, tf.Variable)):
        values = values.numpy()
    try:
        array = np.asarray(values)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} should be a rectangular array; got a ragged sequence ({error}).") from None
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} should hold numbers (int or float); got dtype {array.dtype}.")
    return array


# Squared distances are sums of squares in float32 (largest finite value 3.4e38): rows whose
# squared length reaches this would overflow them, and k-means would return inf and NaN.
_MAX_SQUARED_LENGTH = 1e37


def _check_matrix(name, values, *, squared_lengths=False):
    """Return ``values`` as a finite float32 tensor of shape (n, d) with n, d >= 1, whose rows'
    squared lengths are below ``_MAX_SQUARED_LENGTH`` (so that no distance overflows).

    With ``squared_lengths=True``, return ``(tensor, lengths)``: the (n,) squared lengths of
    the rows, which the check computes anyway and ``kmeans`` needs (one read of X, not two).
    """
    if isinstance(values, tf.Tensor) and values.dtype == tf.float32 and values.shape.rank == 2 and all(
        values.shape
    ):  # the common case, checked in one pass without copying large data (NaN and inf fail it too)
        lengths = _squared_lengths(values)
        if tf.reduce_max(lengths) < _MAX_SQUARED_LENGTH:
            return (values, lengths) if squared_lengths else values
    array = _as_array(name, values)
    if array.ndim != 2:
        raise ValueError(
            f"{name} should be a 2-D array of shape (n_samples, n_features); got {array.ndim}-D "
            f"shape {array.shape}. One feature? Reshape with x.reshape(-1, 1)."
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} has 0 rows (shape={array.shape}); at least 1 is required.")
    if array.shape[1] == 0:
        raise ValueError(f"{name} has 0 features (shape={array.shape}); at least 1 is required.")
    array = array.astype(np.float32, copy=False)
    finite = np.isfinite(array)
    if not finite.all():
        n_nan = int(np.isnan(array).sum())
        n_inf = array.size - int(finite.sum()) - n_nan
        raise ValueError(
            f"{name} contains {n_nan} NaN and {n_inf} infinite value(s) (as float32); "
            "every value should be a finite number."
        )
    tensor = tf.convert_to_tensor(array)
    lengths = _squared_lengths(tensor)
    longest = float(tf.reduce_max(lengths))
    if not longest < _MAX_SQUARED_LENGTH:
        raise ValueError(
            f"{name} has a row whose squared length is {longest:.3g} in float32; it should be below "
            f"{_MAX_SQUARED_LENGTH:.0e}, or squared distances overflow. Largest value: "
            f"{float(np.abs(array).max()):.3g}. Rescale the data, for example divide it by its largest value."
        )
    return (tensor, lengths) if squared_lengths else tensor


def _check_n_clusters(n_clusters, n_samples):
    n_clusters = _check_int("n_clusters", n_clusters, minimum=1)
    if n_clusters > n_samples:
        raise ValueError(f"n_clusters={n_clusters} should be <= n_samples={n_samples}.")
    return n_clusters


def _check_centroids(centroids, samples, name="centroids"):
    centroids = _check_matrix(name, centroids)
    if centroids.shape[1] != samples.shape[1]:
        raise ValueError(
            f"{name} have n_features={centroids.shape[1]} but samples have "
            f"n_features={samples.shape[1]}; they should be equal."
        )
    return centroids


def _check_labels(nearest_indices, n_samples, n_clusters):
    labels = _as_array("nearest_indices", nearest_indices)
    if labels.shape != (n_samples,):
        raise ValueError(
            f"nearest_indices should have shape (n_samples,) = ({n_samples},); got {labels.shape}."
        )
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
            raise TypeError("nearest_indices should hold whole numbers (cluster indices); got fractions or NaN.")
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= n_clusters):
        bad = labels[(labels < 0) | (labels >= n_clusters)][0]
        raise ValueError(f"nearest_indices contains {bad}; every index should be in [0, n_clusters={n_clusters}).")
    return labels
