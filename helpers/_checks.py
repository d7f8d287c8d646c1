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

from helpers._engine import column_stats, working_dtype
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


def _check_number(name, value, *, minimum=None, maximum=None):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} should be a number; got {type(value).__name__}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}={value} should be finite.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value} should be >= {minimum}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value} should be <= {maximum}.")
    return value


def _as_array(name, values):
    """NumPy view of a list, array or tensor; raises TypeError for non-numbers."""
    if values is None:
        raise TypeError(f"{name} should be an array of numbers; got None.")
    if isinstance(values, (tf.Tensor, tf.Variable)):
        values = values.numpy()
    try:
        array = np.asarray(values)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} should be a rectangular array; got a ragged sequence ({error}).") from None
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} should hold numbers (int or float); got dtype {array.dtype}.")
    return array


def _check_matrix(name, values, *, with_stats=False):
    """Return ``values`` as a finite tensor of shape (n, d) with n, d >= 1, in the dtype k-means
    works in (``helpers._engine.working_dtype``): float64 stays float64, float32 stays float32,
    integers become float64 (exact up to 2**53), converted once and never through float32.

    With ``with_stats=True``, return ``(tensor, stats)``: the column sums (float64), minima and
    maxima, which the check computes anyway (a NaN or inf makes a sum non-finite) and which
    place the data's frame (``helpers._engine.frame_of``). A float32 or float64 tensor is
    checked without a copy.
    """
    stats = None
    if not (isinstance(values, tf.Tensor) and values.dtype in (tf.float32, tf.float64)
            and values.shape.rank == 2 and all(values.shape)):
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
        if array.dtype.kind in "iu":
            _check_integers_fit_float64(name, array)
        array = array.astype(working_dtype(array.dtype).as_numpy_dtype, copy=False)
        values = tf.convert_to_tensor(array)
        if array.size < 2**18:  # small: NumPy's reductions cost less than launching TensorFlow's
            stats = _column_stats_numpy(array)
    if stats is None:  # a tensor was given
        small = values.shape[0] * values.shape[1] < 2**18
        stats = _column_stats_numpy(values.numpy()) if small else column_stats(values)
    if not np.isfinite(stats[0]).all():
        array = values.numpy()
        n_nan = int(np.isnan(array).sum())
        n_inf = int(np.isinf(array).sum())
        if n_nan or n_inf:
            raise ValueError(
                f"{name} contains {n_nan} NaN and {n_inf} infinite value(s); every value should be a finite number."
            )
        raise ValueError(
            f"{name} holds values up to {float(np.abs(array).max()):.3g}, whose sum overflows float64; "
            "rescale the data, for example divide it by its largest value."
        )
    return (values, stats) if with_stats else values


def _check_integers_fit_float64(name, array):
    """k-means works on integers in float64, which holds every integer up to 2**53 and rounds
    larger ones (nanosecond timestamps, about 1.7e18, to multiples of 256). Raise when that
    rounding is coarse against a column's spread (more than 1e-9 of it), where it would merge
    or reorder samples; it is harmless where the spread is large."""
    if array.size == 0 or (int(array.max()) <= 2**53 and int(array.min()) >= -(2**53)):
        return
    for column in range(array.shape[1]):
        low, high = int(array[:, column].min()), int(array[:, column].max())  # Python ints: exact
        largest = max(abs(low), abs(high))
        rounding = 2.0 ** (largest.bit_length() - 54) if largest > 2**53 else 0.0  # half of float64's spacing
        spread = high - low
        if spread > 0 and rounding > 1e-9 * spread:
            raise ValueError(
                f"{name} column {column} holds integers up to {largest:.3g} with a spread of only {spread:,}: "
                f"float64, in which k-means works, rounds integers this large to multiples of {2 * rounding:.0f}. "
                f"Subtract a reference value first, for example {name} - {name}.min(axis=0)."
            )


def _column_stats_numpy(array):
    """``helpers._engine.column_stats`` of a small NumPy array: float64 column sums, minima and
    maxima. A few columns are reduced one by one: NumPy reduces an (n, 2) array along its rows
    ten times slower than its two columns apart."""
    if array.shape[1] <= 8:
        columns = [array[:, j] for j in range(array.shape[1])]
        return tuple(np.array([reduce(column) for column in columns], np.float64)
                     for reduce in (lambda c: c.sum(dtype=np.float64), np.min, np.max))
    return (array.sum(axis=0, dtype=np.float64), array.min(axis=0).astype(np.float64),
            array.max(axis=0).astype(np.float64))


def _check_n_clusters(n_clusters, n_samples):
    n_clusters = _check_int("n_clusters", n_clusters, minimum=1)
    if n_clusters > n_samples:
        raise ValueError(f"n_clusters={n_clusters} should be <= n_samples={n_samples}.")
    return n_clusters


def _check_centroids(centroids, samples, name="centroids"):
    """Return ``centroids`` as a finite float64 NumPy array of shape (k, d) with the samples' d
    (exact for float32, float64 and integers up to 2**53: the frame is subtracted in float64)."""
    array = _as_array(name, centroids)
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(
            f"{name} should be a 2-D array of shape (n_clusters >= 1, n_features); got shape {array.shape}."
        )
    centroids = array.astype(np.float64)
    if not np.isfinite(centroids).all():
        n_nan = int(np.isnan(centroids).sum())
        raise ValueError(f"{name} contains {n_nan} NaN and {int(np.isinf(centroids).sum())} infinite value(s); "
                         "every value should be a finite number.")
    if centroids.shape[1] != samples.shape[1]:
        raise ValueError(
            f"{name} {'have' if name.endswith('s') else 'has'} n_features={centroids.shape[1]} but samples have "
            f"n_features={samples.shape[1]}; they should be equal."
        )
    return centroids


def _check_labels(values, n_samples, n_clusters, name="nearest_indices"):
    """``values`` as int64 cluster indices in [0, n_clusters); errors name the parameter ``name``."""
    labels = _as_array(name, values)
    if labels.shape != (n_samples,):
        raise ValueError(
            f"{name} should have shape (n_samples,) = ({n_samples},); got {labels.shape}."
        )
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
            raise TypeError(f"{name} should hold whole numbers (cluster indices); got fractions or NaN.")
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= n_clusters):
        bad = labels[(labels < 0) | (labels >= n_clusters)][0]
        raise ValueError(f"{name} contains {bad}; every index should be in [0, n_clusters={n_clusters}).")
    return labels
