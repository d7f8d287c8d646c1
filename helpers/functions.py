"""The course's functions: the only copy of each, in the order the lessons build them.

Every public function checks its input and then calls a private one that does the maths.
The private one is what a lesson writes in the open; a test keeps the lesson's cell and
this file word for word the same.

=========================  ======================================================
function                   taught in
=========================  ======================================================
``create_samples``         lessons/01_generating_samples.ipynb
``plot_clusters``          lessons/01_generating_samples.ipynb
``choose_random_centroids`` lessons/02_choosing_random_centroids.ipynb
``assign_to_nearest``      lessons/03_assigning_to_nearest.ipynb
``update_centroids``       lessons/04_updating_centroids.ipynb
``inertia``                lessons/05_iterating_to_convergence.ipynb
``kmeans``                 lessons/05_iterating_to_convergence.ipynb
``kmeans_plusplus``        lessons/08_better_starts_and_choosing_k.ipynb
``load_digits``            lessons/06_any_dimension_digits.ipynb
``plot_images``            lessons/06_any_dimension_digits.ipynb
``cluster_purity``         lessons/06_any_dimension_digits.ipynb
=========================  ======================================================

Shapes use ``n`` samples, ``d`` features and ``k`` clusters.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np

from helpers._quiet import tf

__all__ = [
    "EmptyClusterWarning",
    "FewerClustersWarning",
    "KMeansResult",
    "assign_to_nearest",
    "choose_random_centroids",
    "cluster_purity",
    "create_samples",
    "inertia",
    "kmeans",
    "kmeans_plusplus",
    "load_digits",
    "plot_clusters",
    "plot_images",
    "update_centroids",
]

_MAX_SEED = 2**31 - 1


class EmptyClusterWarning(UserWarning):
    """A cluster had no samples assigned, so it kept its previous centroid."""


class FewerClustersWarning(UserWarning):
    """k-means found fewer distinct clusters than asked for (too few distinct points)."""


# --------------------------------------------------------------------------- checks


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


def _squared_lengths(samples):
    """||x||² of every row of a float32 (n, d) tensor (NaN for a row holding NaN)."""
    rows = _chunk_rows(*samples.shape)
    if rows >= samples.shape[0]:  # one chunk: the eager operations are quicker than a graph call
        return tf.reduce_sum(tf.square(samples), axis=1)
    return _squared_lengths_in_chunks(samples, tf.constant(rows))


@tf.function(reduce_retracing=True)
def _squared_lengths_in_chunks(samples, chunk_rows):
    """A chunk at a time: tf.square(samples) would make a temporary as large as X. Measured on
    2 cores, 70000×784: 34 ms as eager operations a chunk at a time, 10 ms compiled."""
    n_chunks = (tf.shape(samples)[0] + chunk_rows - 1) // chunk_rows

    def chunk_lengths(j, lengths):
        return j + 1, lengths.write(j, tf.reduce_sum(tf.square(_chunk(samples, j, chunk_rows)), axis=1))

    lengths = tf.TensorArray(tf.float32, size=n_chunks, infer_shape=False)
    return tf.while_loop(lambda j, _: j < n_chunks, chunk_lengths, (0, lengths))[1].concat()


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


# ------------------------------------------------------------------- lesson 01

# Input checks for the functions this file's lessons 01, 02 and 06 build (create_samples,
# cluster_colours, plot_clusters, choose_random_centroids, cluster_purity, plot_images): every
# message names the parameter the user passed, the first offending value as the user gave it,
# and the rule; it never formats a whole array, so it stays a line or two long.

_MAX_SHOWN = 60  # input check for every function below: characters of a value shown in a message
_INTEGER_TYPES = (int, np.integer)  # input check for every function below (bool is refused apart)
_REAL_TYPES = (int, float, np.integer, np.floating)  # input check for every function below


def _short(value):
    """input check for every function below: a value as an error message shows it, never
    more than about ``_MAX_SHOWN`` characters (a million-entry list is not printed)."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):  # arrays, tensors, pandas objects
        try:
            if tuple(value.shape) == ():  # NumPy scalars, 0-d arrays and tensors: the number itself
                return _short(np.asarray(value).item())
        except Exception:  # a 0-d object NumPy cannot read: described below
            pass
        return f"<{type(value).__name__} of shape {tuple(value.shape)} and dtype {value.dtype}>"
    if isinstance(value, _INTEGER_TYPES) and not isinstance(value, (bool, np.bool_)):
        value = int(value)
        if value.bit_length() > 128:
            return f"{'-' if value < 0 else ''}(an integer of about {int(value.bit_length() * 0.30103) + 1} digits)"
        return str(value)
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ should not hide the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 20] + f"... ({type(value).__name__})"


def _check_count(name, value, *, minimum=None, maximum=None):
    """input check for create_samples, choose_random_centroids, plot_images, cluster_colours:
    ``value`` as a Python int in [minimum, maximum], or a TypeError/ValueError naming it. Accepts
    Python and NumPy integers and 0-d integer arrays or tensors; rejects booleans and floats,
    even whole ones (``n_clusters=3.0`` is most likely a mistake)."""
    if isinstance(value, (tf.Tensor, tf.Variable)) and value.shape.rank == 0:
        value = value.numpy()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _INTEGER_TYPES):
        raise TypeError(f"{name}={_short(value)} should be an integer; got {type(value).__name__}.")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={_short(value)} should be >= {minimum}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={_short(value)} should be <= {maximum}.")
    return value


def _check_real(name, value, *, minimum=None, maximum=None, above=None):
    """input check for create_samples and plot_images: a finite Python float in range."""
    if isinstance(value, (tf.Tensor, tf.Variable)) and value.shape.rank == 0:
        value = value.numpy()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _REAL_TYPES):
        raise TypeError(f"{name}={_short(value)} should be a number; got {type(value).__name__}.")
    try:
        value = float(value)
    except OverflowError:  # a Python int beyond float64
        limit = "a finite float (below 1.8e308)" if maximum is None else f"<= {maximum:g}"
        raise ValueError(f"{name}={_short(value)} should be {limit}.") from None
    if not np.isfinite(value):
        raise ValueError(f"{name}={value} should be finite.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value} should be >= {minimum}.")
    if above is not None and not value > above:
        raise ValueError(f"{name}={value} should be > {above}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value:g} should be <= {maximum:g}.")
    return value


def _numeric_array(name, values, *, allow_bool=False, keep_big_integers=False):
    """input check for plot_clusters, plot_images, cluster_purity, choose_random_centroids:
    ``values`` (a list, NumPy array, tensor or anything with ``__array__``, such as a pandas
    object) as a NumPy array of real numbers, or a TypeError/ValueError naming ``name``.

    None, scipy.sparse matrices, strings and other non-arrays are refused by name, not as
    "dtype object". An object array (Python ints too large for 64 bits, pandas' NA, mixed
    types) is refused at its first entry that is not a real number, or converted.
    """
    if values is None:
        raise TypeError(f"{name} should be an array of numbers; got None.")
    if type(values).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"{name} should be an array of numbers; got a scipy.sparse {type(values).__name__} of shape "
            f"{values.shape}. Pass {name}.toarray() if it fits in memory."
        )
    if isinstance(values, (str, bytes, dict, set, frozenset)):
        raise TypeError(f"{name} should be an array of numbers; got {type(values).__name__} {_short(values)}.")
    if isinstance(values, (tf.Tensor, tf.Variable)):
        values = values.numpy()
    try:
        array = np.asarray(values)
    except (ValueError, TypeError) as error:  # ragged nested lists, objects NumPy cannot read
        raise ValueError(
            f"{name} should be a rectangular array of numbers; got a {type(values).__name__} that NumPy "
            f"cannot read as one ({str(error)[:120]})."
        ) from None
    if array.dtype.kind == "O":
        flat = array.ravel()
        for index, entry in enumerate(flat):
            if isinstance(entry, (bool, np.bool_)) or not isinstance(entry, _REAL_TYPES):
                where = tuple(int(i) for i in np.unravel_index(index, array.shape)) if array.ndim > 1 else index
                raise TypeError(
                    f"{name} should hold numbers; got {_short(entry)} ({type(entry).__name__}) at index {where}."
                )
        if keep_big_integers and all(isinstance(entry, _INTEGER_TYPES) for entry in flat):
            return array  # Python ints that fit no 64-bit type: the label checks name the first
        try:
            array = array.astype(np.float64)
        except OverflowError:
            raise ValueError(f"{name} holds an integer too large for float64 (above 1.8e308).") from None
    if array.dtype.kind == "b" and allow_bool:
        return array
    if array.dtype.kind not in "iuf":
        kind = {"b": "booleans", "c": "complex numbers", "U": "strings", "S": "bytes", "M": "dates",
                "m": "time differences", "V": "records"}.get(array.dtype.kind, f"dtype {array.dtype}")
        raise TypeError(f"{name} should hold real numbers (int or float); got {kind} (dtype {array.dtype}).")
    return array


def _check_finite(name, array):
    """input check for plot_clusters and plot_images: the first NaN or infinite entry, named."""
    if array.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(array.ravel()))
        if bad.size:
            where = np.unravel_index(bad[0], array.shape)
            value = array[where]
            what = "NaN" if np.isnan(value) else "infinite"
            raise ValueError(
                f"{name} contains {bad.size} NaN or infinite value(s), the first {what} ({value}) at index "
                f"{tuple(int(i) for i in where)}; every value should be a finite number."
            )
    return array


def _check_span(name, array, axis=None):
    """input check for plot_clusters and plot_images: max - min of the values (along ``axis``)
    is finite, or no axis, colour scale or grid can be made from them."""
    with np.errstate(over="ignore"):
        span = np.ptp(array, axis=axis)
    if not np.all(np.isfinite(span)):
        raise ValueError(
            f"{name} spans more than float64 holds (its largest minus its smallest value overflows, from "
            f"{array.min():.3g} to {array.max():.3g}); rescale it, for example divide it by its largest value."
        )


_MAX_LABEL = 2**63 - 1  # input check for plot_clusters and cluster_purity: labels fit in int64


def _check_label_vector(name, values, *, n_samples=None, n_samples_name="n_samples"):
    """input check for plot_clusters and cluster_purity: a 1-D vector of whole numbers in
    [0, 2**63 - 1] as an int64 array, or a ValueError/TypeError that names ``name`` and shows the
    first offending value as the user gave it (2**63 as 9223372036854775808, inf as inf)."""
    rule = f"{name} should hold integers >= 0"
    if isinstance(values, (list, tuple)) and all(
        isinstance(entry, _INTEGER_TYPES) and not isinstance(entry, (bool, np.bool_)) for entry in values
    ):  # Python ints as they are: NumPy would turn [0, 2**63] into floats
        for index, entry in enumerate(values):
            if entry < 0:
                raise ValueError(f"{rule}; got {_short(entry)} at index {index}.")
            if entry > _MAX_LABEL:
                raise ValueError(f"{rule} and <= 2**63 - 1 (int64); got {_short(entry)} at index {index}.")
        values = np.array(values, dtype=np.int64)
    array = _numeric_array(name, values, allow_bool=True, keep_big_integers=True)
    if array.ndim != 1 or (n_samples is None and array.size == 0):
        raise ValueError(f"{name} should be a non-empty 1-D array of integers; got shape {array.shape}.")
    if n_samples is not None and array.shape != (n_samples,):
        raise ValueError(f"{name} should have shape ({n_samples},), one label per row of {n_samples_name}; "
                         f"got shape {array.shape}.")
    if array.dtype.kind == "b":
        return array.astype(np.int64)
    if array.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(array))
        if bad.size:
            what = "NaN" if np.isnan(array[bad[0]]) else f"an infinite value ({float(array[bad[0]])})"
            raise ValueError(f"{rule}; got dtype {array.dtype} with {what} at index {bad[0]}.")
        bad = np.flatnonzero(array != np.floor(array))
        if bad.size:
            raise ValueError(f"{rule}; got dtype {array.dtype} with {float(array[bad[0]])!r} at index {bad[0]}, "
                             "which is not a whole number.")
        bad = np.flatnonzero(array < 0)
        if bad.size:
            raise ValueError(f"{rule}; got {float(array[bad[0]])!r} at index {bad[0]}.")
        bad = np.flatnonzero(array >= 2.0**63)
        if bad.size:
            raise ValueError(f"{rule} and <= 2**63 - 1 (int64); got {float(array[bad[0]])!r} at index {bad[0]}.")
        return array.astype(np.int64)
    if array.dtype.kind == "O":  # Python ints beyond 64 bits (see _numeric_array)
        for index, entry in enumerate(array):
            if entry < 0:
                raise ValueError(f"{rule}; got {_short(entry)} at index {index}.")
            if entry > _MAX_LABEL:
                raise ValueError(f"{rule} and <= 2**63 - 1 (int64); got {_short(entry)} at index {index}.")
        return array.astype(np.int64)
    if array.dtype.kind == "u":
        bad = np.flatnonzero(array > _MAX_LABEL)
        if bad.size:
            raise ValueError(f"{rule} and <= 2**63 - 1 (int64); got {int(array[bad[0]])} at index {bad[0]}.")
    else:
        bad = np.flatnonzero(array < 0)
        if bad.size:
            raise ValueError(f"{rule}; got {int(array[bad[0]])} at index {bad[0]}.")
    return array.astype(np.int64)


_MAX_CREATED_VALUES = 2**27  # input check for create_samples: 134,217,728 float32 values, 512 MiB
_MAX_CREATED_CLUSTERS = 10_000  # input check for create_samples: one loop step (about 1 ms) per cluster
_MAX_EMBIGGEN_FACTOR = 1e12  # input check for create_samples: see its docstring


def create_samples(n_clusters, n_samples_per_cluster, n_features, embiggen_factor, seed):
    """Blobs of normally distributed samples around random centres.

    Taught in ``lessons/01_generating_samples.ipynb``.

    Parameters
    ----------
    n_clusters : int in [1, 10000]
        Number of blobs ``k`` (one step of a Python loop each).
    n_samples_per_cluster : int >= 1
        Samples in each blob ``m``.
    n_features : int >= 1
        Dimensions ``d``. At most ``2**27`` (134,217,728) values are made:
        ``k * m * d <= 2**27`` (512 MiB of float32), checked before anything is allocated.
    embiggen_factor : float in [0, 1e12]
        Width of the box the centres are drawn from: each coordinate is uniform in
        ``[-embiggen_factor / 2, embiggen_factor / 2)``. Larger spreads the blobs apart.
        The bound keeps every sample finite in float32 and every row's squared length
        far below float32's largest value (3.4e38), so the samples are valid input to
        every other function here. (Beyond about 1e8 float32 can no longer resolve the
        noise of standard deviation 5 around a centre: blobs shrink to a few points.)
    seed : int in [0, 2**31 - 1]
        The same seed gives the same tensors, in any process.

    Returns
    -------
    centroids : tf.Tensor of shape (k, d), float32
        The true centres.
    samples : tf.Tensor of shape (k * m, d), float32
        Rows ``i*m`` to ``(i+1)*m - 1`` are the blob around ``centroids[i]``
        (standard deviation 5 in every feature).

    Examples
    --------
    >>> centroids, samples = create_samples(3, 500, 2, 70, seed=700)
    >>> centroids.shape, samples.shape
    (TensorShape([3, 2]), TensorShape([1500, 2]))
    """
    n_clusters = _check_count("n_clusters", n_clusters, minimum=1, maximum=_MAX_CREATED_CLUSTERS)
    n_samples_per_cluster = _check_count("n_samples_per_cluster", n_samples_per_cluster, minimum=1)
    n_features = _check_count("n_features", n_features, minimum=1)
    total = n_clusters * n_samples_per_cluster * n_features  # exact: Python ints
    if total > _MAX_CREATED_VALUES:
        shown = _short(total) if total.bit_length() > 1000 else format(total, ".3g")
        raise ValueError(
            f"n_clusters * n_samples_per_cluster * n_features = {n_clusters} * {_short(n_samples_per_cluster)} * "
            f"{_short(n_features)} = {shown} values; at most 2**27 = {_MAX_CREATED_VALUES} (512 MiB of float32) "
            "are made. Ask for fewer samples or features."
        )
    embiggen_factor = _check_real("embiggen_factor", embiggen_factor, minimum=0, maximum=_MAX_EMBIGGEN_FACTOR)
    seed = _check_count("seed", seed, minimum=0, maximum=_MAX_SEED)
    return _create_samples(n_clusters, n_samples_per_cluster, n_features, embiggen_factor, seed)


def _create_samples(n_clusters, n_samples_per_cluster, n_features, embiggen_factor, seed):
    centroids = []
    slices = []
    for i in range(n_clusters):
        # Stateless random ops: the same (seed, i) always gives the same numbers,
        # and each cluster gets its own numbers because i differs.
        centroid = tf.random.stateless_uniform(
            (1, n_features), seed=(seed, 2 * i),
            minval=-embiggen_factor / 2, maxval=embiggen_factor / 2,
        )
        noise = tf.random.stateless_normal(
            (n_samples_per_cluster, n_features), seed=(seed, 2 * i + 1), stddev=5.0
        )
        centroids.append(centroid)
        slices.append(centroid + noise)
    return tf.concat(centroids, axis=0), tf.concat(slices, axis=0)


# Okabe & Ito's palette, safe for the common kinds of colour blindness (black left out:
# the centroid crosses are drawn in black and white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
_MAX_COLOURS = 2**20  # input check for cluster_colours: a list longer than this is never useful


def cluster_colours(n_clusters):
    """``n_clusters`` colours: Okabe-Ito up to 8, then matplotlib's ``tab20`` (repeating).

    Colour ``j`` is ``_colour(j, n_clusters)``; ``n_clusters`` is an int in [0, 2**20].
    """
    n_clusters = _check_count("n_clusters", n_clusters, minimum=0, maximum=_MAX_COLOURS)
    return [_colour(j, n_clusters) for j in range(n_clusters)]


def _colour(group, n_groups):
    """The colour of cluster ``group`` (an int >= 0) when ``n_groups`` clusters are drawn."""
    if n_groups <= len(PALETTE):
        return PALETTE[group]
    import matplotlib

    return matplotlib.colormaps["tab20"](int(group) % 20)


_MANY_GROUPS = 64  # plot_clusters: above this many distinct labels, one scatter call for all


def plot_clusters(
    all_samples, centroids, n_samples_per_cluster=None, *, labels=None, ax=None, title=None, regions=False
):
    """Scatter the samples, coloured by cluster, with each centroid as a large cross.

    Taught in ``lessons/01_generating_samples.ipynb``.

    Parameters
    ----------
    all_samples : array-like of shape (n, d), n >= 1, d >= 2, finite
        Only the first two features are drawn.
    centroids : array-like of shape (k, d), k >= 1, finite, or None
        Drawn as black-and-white crosses; None draws none.
    n_samples_per_cluster : int >= 1, optional
        Colour consecutive blocks of this many samples alike, as ``create_samples``
        lays them out (block ``i`` belongs to centroid ``i``).
    labels : array-like of shape (n,), optional, keyword-only
        Colour each sample by its cluster index instead (wins over the blocks): whole
        numbers in [0, 2**63 - 1]. Cluster ``j`` has the colour of ``centroids[j]``. Only
        the labels present are drawn, so a label of 10**9 costs no more than a label of 9.
    ax : matplotlib Axes, optional, keyword-only
        Where to draw; a new figure when None.
    title : str, optional, keyword-only
    regions : bool, keyword-only
        Shade the region each centroid owns (every point nearer to it than to any other
        centroid), in the centroid's colour. Needs exactly 2 features. The regions are
        computed in float64 from differences (no expansion), so they are exact to float64
        rounding wherever the data lie, 10**6 from the origin as well as at it.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.axes
    import matplotlib.pyplot as plt

    samples = _check_finite("all_samples", _numeric_array("all_samples", all_samples).astype(np.float64))
    if samples.ndim != 2 or samples.shape[1] < 2 or samples.shape[0] < 1:
        raise ValueError(
            f"all_samples should have shape (n_samples, >= 2 features) with n_samples >= 1; got {samples.shape}."
        )
    centres = None
    if centroids is not None:
        centres = _check_finite("centroids", _numeric_array("centroids", centroids).astype(np.float64))
        if centres.ndim != 2 or centres.shape[1] != samples.shape[1] or centres.shape[0] < 1:
            raise ValueError(
                f"centroids should have shape (n_clusters >= 1, {samples.shape[1]}) to match all_samples; "
                f"got {centres.shape}. Pass centroids=None to draw none."
            )
    if centres is None:
        _check_span("all_samples", samples, axis=0)
    else:
        _check_span("all_samples (with centroids)", np.concatenate([samples, centres]), axis=0)
    if n_samples_per_cluster is not None:  # checked even where labels win over it
        per = _check_count("n_samples_per_cluster", n_samples_per_cluster, minimum=1)
    if labels is not None:
        groups = _check_label_vector("labels", labels, n_samples=samples.shape[0], n_samples_name="all_samples")
    elif n_samples_per_cluster is not None:
        groups = np.arange(samples.shape[0]) // min(per, samples.shape[0])
    else:
        groups = np.zeros(samples.shape[0], dtype=np.int64)
    if ax is not None and not isinstance(ax, matplotlib.axes.Axes):
        raise TypeError(f"ax should be a matplotlib Axes (or None for a new figure); got {_short(ax)}.")
    if not isinstance(regions, (bool, np.bool_)):
        raise TypeError(f"regions should be True or False; got {_short(regions)}.")
    if regions and (centres is None or samples.shape[1] != 2):
        raise ValueError(
            f"regions=True needs centroids and exactly 2 features; got centroids="
            f"{'None' if centres is None else centres.shape} and all_samples of shape {samples.shape}."
        )
    present = np.unique(groups)  # only the labels there are: a label of 10**9 does not loop 10**9 times
    n_groups = max(int(present[-1]) + 1, 0 if centres is None else len(centres))

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    if regions:
        _shade_regions(ax, samples, centres, [_colour(j, n_groups) for j in range(len(centres))])
    if len(present) <= _MANY_GROUPS:
        for group in present:
            members = samples[groups == group]
            ax.scatter(members[:, 0], members[:, 1], s=10, alpha=0.6, color=_colour(group, n_groups),
                       label=f"cluster {group}", edgecolors="none")
    else:  # one call, not one per cluster: 10**5 distinct labels draw in a second
        import matplotlib.colors

        palette = np.array([matplotlib.colors.to_rgba(_colour(j, n_groups)) for j in range(20)])
        ax.scatter(samples[:, 0], samples[:, 1], s=10, alpha=0.6, c=palette[groups % 20],
                   label=f"{len(present)} clusters", edgecolors="none")
    if centres is not None:
        ax.scatter(centres[:, 0], centres[:, 1], marker="X", s=260, c="white",
                   edgecolors="black", linewidths=2, zorder=3, label="centroids")
    ax.set_xlabel("feature 0")
    ax.set_ylabel("feature 1")
    if title is not None:
        ax.set_title(str(title))
    return ax


def _shade_regions(ax, samples, centres, colours, resolution=300):
    """Shade each centroid's region on a ``resolution``² grid over the samples and centres.

    The owner of every grid point is the argmin of its squared distances to the centres,
    computed in float64 from the differences (x - c)² + (y - c)², never by the expansion
    ||x||² - 2x·c + ||c||²: that cancels far from the origin (68% of the grid was wrong at
    10⁴ in float32). Memory is (grid, a block of centres), never (grid, k) for a large k.
    """
    from matplotlib.colors import ListedColormap

    points = np.concatenate([samples[:, :2], centres[:, :2]]).astype(np.float64)
    low, high = points.min(axis=0), points.max(axis=0)
    # A margin of 5% of the span. An axis where all points (nearly) agree gets the other axis's
    # span, or a millionth of its size (float64 still tells the edges apart), or 1 at 0.
    span, size = high - low, 1e-6 * np.abs(points).max(axis=0)
    wide = max(span.max(), size.max()) or 1.0
    margin = 0.05 * np.where(span > size, span, wide)
    low, high = low - margin, high + margin
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    # Divided by a power of two, which is exact: the squares neither overflow (data near 1e300)
    # nor underflow (near 1e-300), and the argmin is the one of the unscaled differences.
    scale = 2.0 ** np.frexp(np.abs(np.concatenate([low, high])).max())[1]
    grid_x, grid_y = (axis.ravel() / scale for axis in np.meshgrid(xs, ys))
    centres = centres[:, :2].astype(np.float64) / scale
    owner = np.zeros(grid_x.size, dtype=np.int64)
    nearest = np.full(grid_x.size, np.inf)
    block = max(1, 2**22 // grid_x.size)  # centres per step: a (grid, block) array of 4M floats at most
    for start in range(0, len(centres), block):
        part = centres[start:start + block]
        distances = (grid_x[:, None] - part[None, :, 0]) ** 2 + (grid_y[:, None] - part[None, :, 1]) ** 2
        best = distances.argmin(axis=1)
        closer = distances[np.arange(grid_x.size), best] < nearest  # strict: the first centre wins a tie
        owner[closer] = start + best[closer]
        nearest[closer] = distances[np.arange(grid_x.size), best][closer]
    ax.imshow(
        owner.reshape(resolution, resolution), extent=(low[0], high[0], low[1], high[1]), origin="lower",
        cmap=ListedColormap(colours), vmin=-0.5, vmax=len(colours) - 0.5, alpha=0.18, aspect="auto",
        interpolation="nearest",
    )
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])


# ------------------------------------------------------------------- lesson 02


def choose_random_centroids(samples, n_clusters, seed=None):
    """Pick ``n_clusters`` different rows of ``samples`` as the first guess of the centroids.

    Taught in ``lessons/02_choosing_random_centroids.ipynb``.

    Parameters
    ----------
    samples : array-like of shape (n, d)
    n_clusters : int, 1 <= k <= n
    seed : int in [0, 2**31 - 1] or None
        An int gives the same rows on every call; None gives new rows each call.

    Returns
    -------
    tf.Tensor of shape (k, d), float32
        Rows of ``samples`` at ``k`` distinct random positions.

    Examples
    --------
    >>> choose_random_centroids([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], 2, seed=1).shape
    TensorShape([2, 2])
    """
    if not (isinstance(samples, tf.Tensor) and samples.dtype.is_floating):  # the tensor path is checked in place
        samples = _numeric_array("samples", samples)
    samples = _check_matrix("samples", samples)
    n_clusters = _check_count("n_clusters", n_clusters, minimum=1)
    if n_clusters > samples.shape[0]:
        raise ValueError(f"n_clusters={n_clusters} should be <= n_samples={samples.shape[0]}.")
    seed = None if seed is None else _check_count("seed", seed, minimum=0, maximum=_MAX_SEED)
    return _choose_random_centroids(samples, n_clusters, seed)


def _choose_random_centroids(samples, n_clusters, seed=None):
    indices = tf.range(tf.shape(samples)[0])
    if seed is None:
        shuffled = tf.random.shuffle(indices)
    else:
        shuffled = tf.random.experimental.stateless_shuffle(indices, seed=(seed, 0))
    return tf.gather(samples, shuffled[:n_clusters])


# ------------------------------------------------------------------- lesson 03


def assign_to_nearest(samples, centroids):
    """Index of the nearest centroid for every sample.

    Taught in ``lessons/03_assigning_to_nearest.ipynb``. Squared distances come from
    ``||x||² - 2 x·c + ||c||²`` with one matrix product, so memory is (n, k), never
    (n, k, d).

    Parameters
    ----------
    samples : array-like of shape (n, d)
    centroids : array-like of shape (k, d)

    Returns
    -------
    tf.Tensor of shape (n,), int32
        ``result[i]`` is the row of ``centroids`` nearest to ``samples[i]``
        (the first one on a tie).

    Examples
    --------
    >>> assign_to_nearest([[0.0], [9.0]], [[10.0], [1.0]]).numpy()
    array([1, 0], dtype=int32)
    """
    samples = _check_matrix("samples", samples)
    centroids = _check_centroids(centroids, samples)
    return _assign_to_nearest(samples, centroids)


def _squared_distances(samples, centroids):
    samples_sq = tf.reduce_sum(tf.square(samples), axis=1, keepdims=True)  # (n, 1)
    centroids_sq = tf.reduce_sum(tf.square(centroids), axis=1)  # (k,)
    cross = tf.matmul(samples, centroids, transpose_b=True)  # (n, k)
    # Round-off can make the expansion slightly negative; a squared distance is >= 0.
    return tf.maximum(samples_sq - 2.0 * cross + centroids_sq, 0.0)


def _assign_to_nearest(samples, centroids):
    distances = _squared_distances(samples, centroids)  # (n, k)
    return tf.argmin(distances, axis=1, output_type=tf.int32)


# ------------------------------------------------------------------- lesson 04


def update_centroids(samples, nearest_indices, n_clusters, previous_centroids=None):
    """Move every centroid to the mean of the samples assigned to it.

    Taught in ``lessons/04_updating_centroids.ipynb``.

    Parameters
    ----------
    samples : array-like of shape (n, d)
    nearest_indices : array-like of shape (n,), ints in [0, k)
        The cluster of each sample, as ``assign_to_nearest`` returns.
    n_clusters : int >= 1
    previous_centroids : array-like of shape (k, d), optional
        Where an empty cluster stays. An empty cluster has no mean; without
        ``previous_centroids`` it raises ValueError instead of returning NaN.

    Returns
    -------
    tf.Tensor of shape (k, d), float32

    Warns
    -----
    EmptyClusterWarning
        When a cluster has no samples and keeps its previous centroid.

    Examples
    --------
    >>> update_centroids([[0.0], [2.0], [10.0]], [0, 0, 1], 2).numpy()
    array([[ 1.],
           [10.]], dtype=float32)
    """
    samples = _check_matrix("samples", samples)
    n_clusters = _check_int("n_clusters", n_clusters, minimum=1)
    labels = _check_labels(nearest_indices, samples.shape[0], n_clusters)
    empty = np.flatnonzero(np.bincount(labels, minlength=n_clusters) == 0).tolist()
    if previous_centroids is None:
        if empty:
            raise ValueError(
                f"cluster(s) {empty} have no samples assigned, so they have no mean; pass "
                "previous_centroids to keep them where they were."
            )
        previous = tf.zeros((n_clusters, samples.shape[1]))
    else:
        previous = _check_centroids(previous_centroids, samples, name="previous_centroids")
        if previous.shape[0] != n_clusters:
            raise ValueError(
                f"previous_centroids has {previous.shape[0]} rows; it should have n_clusters={n_clusters}."
            )
        if empty:
            warnings.warn(
                f"cluster(s) {empty} have no samples assigned; they keep their previous centroids.",
                EmptyClusterWarning,
                stacklevel=2,
            )
    return _update_centroids(samples, tf.constant(labels, tf.int32), n_clusters, previous)


def _update_centroids(samples, nearest_indices, n_clusters, previous_centroids):
    sums = tf.math.unsorted_segment_sum(samples, nearest_indices, n_clusters)  # (k, d)
    ones = tf.ones_like(samples[:, :1])  # (n, 1)
    counts = tf.math.unsorted_segment_sum(ones, nearest_indices, n_clusters)  # (k, 1)
    means = sums / tf.maximum(counts, 1.0)  # no 0 / 0 = NaN for an empty cluster
    return tf.where(counts > 0, means, previous_centroids)


# ------------------------------------------------------------------- lesson 05


def inertia(samples, centroids, labels=None):
    """Sum of squared distances from every sample to its centroid.

    Taught in ``lessons/05_iterating_to_convergence.ipynb``.

    Parameters
    ----------
    samples : array-like of shape (n, d)
    centroids : array-like of shape (k, d)
    labels : array-like of shape (n,), optional
        The cluster of each sample; the nearest centroid when None.

    Returns
    -------
    float

    Examples
    --------
    >>> inertia([[0.0], [2.0]], [[1.0]])
    2.0
    """
    samples = _check_matrix("samples", samples)
    centroids = _check_centroids(centroids, samples)
    if labels is None:
        labels = _assign_to_nearest(samples, centroids)
    else:
        labels = tf.constant(_check_labels(labels, samples.shape[0], centroids.shape[0]), tf.int32)
    return float(_inertia(samples, centroids, labels))


def _inertia(samples, centroids, labels):
    differences = samples - tf.gather(centroids, labels)  # exact, unlike the expansion
    return tf.reduce_sum(tf.square(differences))


@dataclass(frozen=True, repr=False)
class KMeansResult:
    """What :func:`kmeans` found.

    Attributes
    ----------
    centroids : np.ndarray of shape (k, d), float32
    labels : np.ndarray of shape (n,), int32
        The nearest centroid of each sample.
    inertia : float
        Sum of squared distances of the samples to their centroids.
    n_iter : int
        Lloyd iterations run (of the best start, when ``n_init > 1``).
    converged : bool
        True when the labels stopped changing or the centroids moved less than ``tol``
        before ``max_iter``.
    inertia_history : np.ndarray of shape (n_iter,), float64
        Inertia of the assignment made in each iteration, before its update.
    centroid_history : np.ndarray of shape (n_iter + 1, k, d), float32
        The starting centroids, then the centroids after each iteration.
    """

    centroids: np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int
    converged: bool
    inertia_history: np.ndarray
    centroid_history: np.ndarray

    def __repr__(self):
        k, d = self.centroids.shape
        return (
            f"KMeansResult(n_clusters={k}, n_features={d}, inertia={self.inertia:.6g}, "
            f"n_iter={self.n_iter}, converged={self.converged})"
        )


def kmeans(samples, n_clusters, *, init="k-means++", n_init="auto", max_iter=300, tol=1e-4, seed=None):
    """Lloyd's k-means: assign, update, repeat until nothing changes.

    Taught in ``lessons/05_iterating_to_convergence.ipynb``; starts in
    ``lessons/08_better_starts_and_choosing_k.ipynb``. Follows scikit-learn's
    ``KMeans(algorithm="lloyd")`` step for step, so from the same explicit ``init`` both
    give the same result.

    Parameters
    ----------
    samples : array-like of shape (n, d)
    n_clusters : int, 1 <= k <= n
    init : {"k-means++", "random"} or array-like of shape (k, d), keyword-only
        "k-means++" spreads the starts out (greedy, like scikit-learn); "random" picks
        ``k`` distinct samples; an array is used as it is.
    n_init : int >= 1 or "auto", keyword-only
        Runs from different starts; the lowest inertia wins. "auto" means 1 for
        "k-means++" or an array, 10 for "random" (scikit-learn's rule).
    max_iter : int >= 1, keyword-only
    tol : float >= 0, keyword-only
        Stop when the centroids move less than this in total squared distance, relative
        to the mean variance of the features (as scikit-learn does). Stop in any case
        when no label changes.
    seed : int in [0, 2**31 - 1] or None, keyword-only
        The same seed gives the same result.

    Returns
    -------
    KMeansResult

    Warns
    -----
    EmptyClusterWarning
        A cluster was empty during some iteration and kept its centroid.
    FewerClustersWarning
        Fewer distinct clusters than ``n_clusters`` were found.

    Examples
    --------
    >>> _, samples = create_samples(3, 100, 2, 70, seed=700)
    >>> kmeans(samples, 3, seed=0).centroids.shape
    (3, 2)
    """
    samples, samples_sq = _check_matrix("samples", samples, squared_lengths=True)
    n_samples = samples.shape[0]
    if isinstance(init, str):
        if init not in ("k-means++", "random"):
            raise ValueError(f"init={init!r} should be 'k-means++', 'random' or an array of shape (k, d).")
        n_clusters = _check_n_clusters(n_clusters, n_samples)
        start = None
    else:
        start = _check_centroids(init, samples, name="init")
        n_clusters = _check_n_clusters(n_clusters, n_samples)
        if start.shape[0] != n_clusters:
            raise ValueError(f"init has {start.shape[0]} rows; it should have n_clusters={n_clusters}.")
    if isinstance(n_init, str):
        if n_init != "auto":
            raise ValueError(f"n_init={n_init!r} should be 'auto' or an integer >= 1.")
        n_init = 10 if isinstance(init, str) and init == "random" else 1
    n_init = _check_int("n_init", n_init, minimum=1)
    if start is not None and n_init != 1:
        warnings.warn(f"init is an array, so n_init={n_init} runs would all be the same; running once.",
                      stacklevel=2)
        n_init = 1
    max_iter = _check_int("max_iter", max_iter, minimum=1)
    tol = _check_number("tol", tol, minimum=0)
    seed = _check_seed(seed, allow_none=True)

    scaled_tol = tol * _mean_feature_variance(samples) if tol > 0 else 0.0
    run_seeds = np.random.default_rng(seed).integers(0, _MAX_SEED, size=n_init)
    best = None
    for run_seed in run_seeds:
        if start is not None:
            centroids = start
        elif init == "random":  # init is a str here
            centroids = _choose_random_centroids(samples, n_clusters, int(run_seed))
        else:
            centroids = _kmeans_plusplus(samples, n_clusters, int(run_seed))
        result = _lloyd(samples, samples_sq, centroids, tf.constant(max_iter), tf.constant(scaled_tol, tf.float32),
                        tf.constant(_chunk_rows(*samples.shape)))
        if best is None or float(result[2]) < float(best[2]):
            best = result
    labels, centroids, total, n_iter, converged, had_empty, inertias, history = best
    labels = labels.numpy()
    n_iter = int(n_iter)
    if bool(had_empty):
        warnings.warn("a cluster was empty during k-means; it kept its previous centroid.",
                      EmptyClusterWarning, stacklevel=2)
    n_distinct = len(np.unique(labels))
    if n_distinct < n_clusters:
        warnings.warn(
            f"Number of distinct clusters ({n_distinct}) found smaller than n_clusters ({n_clusters}). "
            "Possibly due to duplicate points in samples.",
            FewerClustersWarning,
            stacklevel=2,
        )
    return KMeansResult(
        centroids=centroids.numpy(),
        labels=labels,
        inertia=float(total),
        n_iter=n_iter,
        converged=bool(converged),
        inertia_history=inertias.numpy()[:n_iter].astype(np.float64),
        centroid_history=history.numpy()[: n_iter + 1],
    )


# Rows per chunk in the Lloyd loop: about 4 MiB of samples and at most 8192 rows, so that a
# chunk is still in the CPU cache when its labels are turned into sums. Measured on 2 cores,
# ms per iteration of a 10-iteration fit: 1000000×32, k=64: 4096 rows 72, 8192 rows 58,
# 16384 rows 57, 32768 rows 63; 70000×784, k=10: 669 rows 34, 1337 rows (the 4 MiB rule) 30,
# 2674 rows 34, 5348 rows 34.
_CHUNK_BYTES = 4 * 2**20
_MAX_CHUNK_ROWS = 8192
_CLUSTER_MULTIPLE = 16  # k <= 16 is padded to 16, a larger k to a multiple of 2 * 16


def _mean_feature_variance(samples):
    """Mean over features of each feature's variance, in float64, a chunk at a time."""
    array = samples.numpy()
    total = np.zeros(array.shape[1])
    total_sq = np.zeros(array.shape[1])
    for chunk in np.array_split(array, max(1, array.nbytes // _CHUNK_BYTES)):
        chunk = chunk.astype(np.float64)
        total += chunk.sum(axis=0)
        total_sq += np.square(chunk).sum(axis=0)
    mean = total / len(array)
    return float(np.mean(np.maximum(total_sq / len(array) - mean**2, 0.0)))


def _chunk_rows(n_samples, n_features):
    return int(min(n_samples, _MAX_CHUNK_ROWS, max(256, _CHUNK_BYTES // (4 * n_features))))


def _chunk(tensor, j, chunk_rows):
    """Chunk j of the samples, or of anything with one row per sample."""
    return tensor[j * chunk_rows : (j + 1) * chunk_rows]


@tf.function(jit_compile=True)
def _nearest_in_chunk(chunk, chunk_sq, minus_twice, centroids_sq):
    """One chunk of samples: the label of each row, the chunk's share of the inertia, and the
    sums and counts of each cluster, compiled by XLA into one kernel.

    XLA turns ``unsorted_segment_sum`` into one tight loop over the chunk; without XLA the
    same op was the slowest part of an iteration. ``minus_twice`` has a multiple of 16 rows
    (``_lloyd`` pads it).
    """
    n_clusters = tf.shape(minus_twice)[0]
    partial = tf.matmul(chunk, minus_twice, transpose_b=True) + centroids_sq  # (rows, k), no ||x||²
    nearest, labels = _row_minimum(partial)
    inertia = tf.reduce_sum(tf.maximum(chunk_sq + nearest, 0.0))
    sums = tf.math.unsorted_segment_sum(chunk, labels, n_clusters)
    counts = tf.math.unsorted_segment_sum(tf.ones_like(nearest), labels, n_clusters)
    return labels, inertia, sums, counts


def _row_minimum(partial):
    """Each row's minimum and the first column holding it (``tf.argmin``'s rule), inside an
    XLA kernel; the number of columns must be divisible by 4.

    It computes what the plain way does, ``tf.reduce_min`` and then the lowest column equal
    to it, but first halves the columns twice by pairwise comparisons of neighbours. On a
    tie the left one of a pair stays; it covers the lower columns, so the first index
    survives. Why bother: XLA's CPU compiler splits a row reduction over more than 32
    columns in two, and then writes the whole (rows, k) comparison of the plain way to
    memory; a quarter as many columns avoids most of that traffic. Measured on 2 cores, ms
    per pass over 1000000×32 with k=64: tf.argmin 80, the plain way 57, this 46. It was as
    fast for k=16 and 32 and faster for 96 to 256, but slower for k=48 (twice) and 80, odd
    multiples of 16; so ``_lloyd`` pads a k above 16 to a multiple of 32.
    """
    n_columns = tf.shape(partial)[1]
    columns = tf.broadcast_to(tf.range(n_columns), tf.shape(partial))
    for _ in range(2):
        half = tf.shape(partial)[1] // 2
        pairs, column_pairs = tf.reshape(partial, [-1, half, 2]), tf.reshape(columns, [-1, half, 2])
        right = pairs[..., 1] < pairs[..., 0]  # strictly: on a tie the left, lower column stays
        partial = tf.where(right, pairs[..., 1], pairs[..., 0])
        columns = tf.where(right, column_pairs[..., 1], column_pairs[..., 0])
    nearest = tf.reduce_min(partial, axis=1)
    return nearest, tf.reduce_min(tf.where(partial == nearest[:, None], columns, n_columns), axis=1)


@tf.function(reduce_retracing=True)
def _lloyd(samples, samples_sq, centroids, max_iter, tol, chunk_rows):
    """The compiled Lloyd loop: scikit-learn's ``_kmeans_single_lloyd`` in TF2.

    Each iteration reads the samples once, chunk by chunk: distances by one matmul
    (||x||² left out: it does not change the argmin), the nearest centroid, and the sums
    of each cluster while the chunk is still in cache (``_nearest_in_chunk``). ``samples_sq``
    holds ||x||² of each sample, from ``_check_matrix``.
    """
    n_samples = tf.shape(samples)[0]
    n_clusters = tf.shape(centroids)[0]
    n_chunks = (n_samples + chunk_rows - 1) // chunk_rows

    def rows_of(tensor, j):
        return _chunk(tensor, j, chunk_rows)

    # XLA compiles the chunk kernel anew for every shape (about 80 ms here). Padding k up to a
    # multiple of 16 with centroids at infinite distance, never nearest, lets one kernel serve
    # k = 1..16 (an elbow plot, say); measured no slower for k = 10 on 70000×784. Above 16,
    # a multiple of 32: _row_minimum is slow on an odd multiple of 16.
    multiple = tf.where(n_clusters <= _CLUSTER_MULTIPLE, _CLUSTER_MULTIPLE, 2 * _CLUSTER_MULTIPLE)
    padding = -n_clusters % multiple

    def distance_terms(centroids):
        """-2c (exact: its product equals -2 (x·c) bit for bit, one pass fewer) and ||c||², once a
        pass, padded with rows that no sample is nearest to."""
        minus_twice = tf.pad(-2.0 * centroids, [[0, padding], [0, 0]])
        centroids_sq = tf.pad(tf.reduce_sum(tf.square(centroids), axis=1), [[0, padding]], constant_values=np.inf)
        return minus_twice, centroids_sq

    def one_pass(centroids):
        """Labels, per-cluster sums and counts, and the inertia, for the given centroids."""
        terms = distance_terms(centroids)

        def chunk_step(j, sums, counts, total, labels):
            chunk_labels, chunk_inertia, chunk_sums, chunk_counts = _nearest_in_chunk(
                rows_of(samples, j), rows_of(samples_sq, j), *terms)
            return (
                j + 1,
                sums + chunk_sums,
                counts + chunk_counts,
                total + chunk_inertia,
                labels.write(j, chunk_labels),
            )

        padded = n_clusters + padding
        start = (0, tf.zeros([padded, tf.shape(samples)[1]]), tf.zeros([padded]), tf.constant(0.0),
                 tf.TensorArray(tf.int32, size=n_chunks, infer_shape=False))
        _, sums, counts, total, labels = tf.while_loop(lambda j, *_: j < n_chunks, chunk_step, start)
        labels = labels.concat()
        labels.set_shape(samples.shape[:1])  # (n,), as the loop needs it to be known
        return labels, sums[:n_clusters], counts[:n_clusters, None], total

    def final_pass(centroids, labels=None):
        """The inertia from exact differences, chunk by chunk, and the labels of the centroids:
        the given ones, or else found anew."""
        terms = distance_terms(centroids)

        def chunk_step(j, total, found):
            chunk = rows_of(samples, j)
            if labels is None:
                chunk_labels = _nearest_in_chunk(chunk, rows_of(samples_sq, j), *terms)[0]
                found = found.write(j, chunk_labels)
            else:
                chunk_labels = rows_of(labels, j)
            total += tf.reduce_sum(tf.square(chunk - tf.gather(centroids, chunk_labels)))
            return j + 1, total, found

        start = (0, tf.constant(0.0), tf.TensorArray(tf.int32, size=n_chunks, infer_shape=False))
        _, total, found = tf.while_loop(lambda j, *_: j < n_chunks, chunk_step, start)
        return (found.concat() if labels is None else labels), total

    inertias = tf.TensorArray(tf.float32, size=max_iter)
    history = tf.TensorArray(tf.float32, size=max_iter + 1, element_shape=centroids.shape)
    history = history.write(0, centroids)

    def step(i, centroids, labels_old, done, strict, had_empty, inertias, history):
        labels, sums, counts, total = one_pass(centroids)
        inertias = inertias.write(i, total)
        updated = tf.where(counts > 0, sums / tf.maximum(counts, 1.0), centroids)
        # The loop needs the shape it started with; for k = 1, broadcasting against counts of
        # unknown length would leave (None, d).
        updated = tf.ensure_shape(updated, centroids.shape)
        history = history.write(i + 1, updated)
        strict = tf.reduce_all(tf.equal(labels, labels_old))
        shift = tf.reduce_sum(tf.square(updated - centroids))
        done = strict | (shift <= tol)
        had_empty = had_empty | tf.reduce_any(counts == 0)
        return i + 1, updated, labels, done, strict, had_empty, inertias, history

    state = (
        tf.constant(0),
        centroids,
        tf.fill(tf.shape(samples)[:1], -1),
        tf.constant(False),
        tf.constant(False),
        tf.constant(False),
        inertias,
        history,
    )
    n_iter, centroids, labels, done, strict, had_empty, inertias, history = tf.while_loop(
        lambda i, _c, _l, done, *rest: (i < max_iter) & ~done, step, state
    )
    # After a strict convergence the last labels hold: the centroids, means of the same labels
    # as the iteration before, did not move. scikit-learn skips the search then, too.
    labels, total = tf.cond(strict, lambda: final_pass(centroids, labels), lambda: final_pass(centroids))
    return labels, centroids, total, n_iter, done, had_empty, inertias.stack(), history.stack()


def kmeans_plusplus(samples, n_clusters, seed=None):
    """Spread-out first centroids: greedy k-means++, as scikit-learn's default start.

    Taught in ``lessons/08_better_starts_and_choosing_k.ipynb``.

    Parameters
    ----------
    samples : array-like of shape (n, d)
    n_clusters : int, 1 <= k <= n
    seed : int in [0, 2**31 - 1] or None
        The same seed gives the same centroids; None gives new ones each call.

    Returns
    -------
    tf.Tensor of shape (k, d), float32
        Rows of ``samples``.

    Examples
    --------
    >>> kmeans_plusplus([[0.0], [0.1], [50.0], [50.1]], 2, seed=0).shape
    TensorShape([2, 1])
    """
    samples = _check_matrix("samples", samples)
    n_clusters = _check_n_clusters(n_clusters, samples.shape[0])
    seed = _check_seed(seed, allow_none=True)
    if seed is None:
        seed = int(np.random.default_rng().integers(0, _MAX_SEED))
    return _kmeans_plusplus(samples, n_clusters, seed)


def _kmeans_plusplus(samples, n_clusters, seed):
    """Greedy k-means++ (Arthur & Vassilvitskii 2007), as scikit-learn runs it.

    The first centre is a uniformly random sample. Each next one is the best of
    ``2 + log(k)`` candidates drawn with probability proportional to their squared
    distance to the nearest centre chosen so far.
    """
    n_samples = tf.shape(samples)[0]
    n_trials = 2 + int(np.log(n_clusters))
    first = tf.random.stateless_uniform((), seed=(seed, 0), maxval=n_samples, dtype=tf.int32)
    centres = [samples[first]]
    closest = _squared_distances(samples, samples[first][None, :])[:, 0]  # (n,)
    for c in range(1, n_clusters):
        cumulative = tf.cumsum(closest)
        draws = tf.random.stateless_uniform((n_trials,), seed=(seed, c)) * cumulative[-1]
        candidates = tf.minimum(tf.searchsorted(cumulative, draws), n_samples - 1)
        to_candidates = _squared_distances(samples, tf.gather(samples, candidates))  # (n, trials)
        new_closest = tf.minimum(closest[:, None], to_candidates)
        best = tf.argmin(tf.reduce_sum(new_closest, axis=0))
        closest = new_closest[:, best]
        centres.append(samples[candidates[best]])
    return tf.stack(centres)


# ------------------------------------------------------------------- lesson 06


def cluster_purity(cluster_labels, true_labels):
    """Share of samples whose true class is the most common class of their cluster.

    Taught in ``lessons/06_any_dimension_digits.ipynb``. 1.0 when every cluster holds one
    class only; cluster numbers need not match class numbers.

    Parameters
    ----------
    cluster_labels : array-like of shape (n,), n >= 1, integers >= 0
    true_labels : array-like of shape (n,), integers >= 0
        Integers up to 2**63 - 1, of any integer dtype (or whole floats, or booleans).
        Only which labels are equal matters: they are renumbered 0, 1, ... first
        (``np.unique``), so labels such as 70000 or 2**40 cost no more than 0 to 9. The
        lesson's dense (clusters × classes) table is used while it has at most
        ``max(4 n, 1024)`` cells; beyond, only the (cluster, class) pairs that occur are
        counted. Memory grows with n, never with the largest label.

    Returns
    -------
    float in (0, 1]

    Examples
    --------
    >>> cluster_purity([0, 0, 1, 1], [7, 7, 7, 3])
    0.75
    """
    clusters = _check_label_vector("cluster_labels", cluster_labels)
    truth = _check_label_vector("true_labels", true_labels)
    if clusters.shape != truth.shape:
        raise ValueError(f"cluster_labels has {clusters.size} entries but true_labels has {truth.size}; "
                         "they should be equal.")
    n = clusters.size
    clusters = np.unique(clusters, return_inverse=True)[1].reshape(-1)  # 0 .. (distinct clusters - 1)
    truth = np.unique(truth, return_inverse=True)[1].reshape(-1)
    n_clusters, n_classes = int(clusters.max()) + 1, int(truth.max()) + 1
    if n_clusters * n_classes <= max(4 * n, 1024) and n < 2**29:  # the lesson's dense table: small here
        return float(_cluster_purity(tf.constant(clusters, tf.int32), tf.constant(truth, tf.int32)))
    return _cluster_purity_sparse(clusters, truth, n_classes)


def _cluster_purity(cluster_labels, true_labels):
    n_classes = tf.reduce_max(true_labels) + 1
    n_clusters = tf.reduce_max(cluster_labels) + 1
    pairs = cluster_labels * n_classes + true_labels  # one number per (cluster, class) pair
    table = tf.math.bincount(pairs, minlength=n_clusters * n_classes)
    table = tf.reshape(table, (n_clusters, n_classes))  # (clusters, classes): the contingency table
    return tf.reduce_sum(tf.reduce_max(table, axis=1)) / tf.size(true_labels)


def _cluster_purity_sparse(clusters, truth, n_classes):
    """The purity from the (cluster, class) pairs that occur, for labels renumbered from 0:
    memory grows with n, where the dense table would be (clusters × classes)."""
    pairs, counts = np.unique(clusters.astype(np.int64) * n_classes + truth, return_counts=True)
    owners = pairs // n_classes  # sorted, so each cluster's pairs are neighbours
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    return float(np.maximum.reduceat(counts, starts).sum() / clusters.size)


_MAX_IMAGES = 500  # input check for plot_images: one axes each; 400 took 8 s on a loaded 2-core machine
_MAX_FIGURE_INCHES = 200  # input check for plot_images: 20,000 pixels at 100 dpi, below matplotlib's 2**16


def plot_images(images, titles=None, *, shape=(8, 8), n_columns=10, size=1.2, cmap="gray_r"):
    """Draw flattened images (such as digits or centroids of digits) in a grid.

    Taught in ``lessons/06_any_dimension_digits.ipynb``.

    Parameters
    ----------
    images : array-like of shape (m, h*w), 1 <= m <= 500, finite
        One flattened image per row.
    titles : sequence of m str, optional
        One per image (numbers are shown as text).
    shape : (h, w), two ints >= 1, keyword-only
    n_columns : int >= 1, keyword-only
    size : float > 0, keyword-only
        Inches per image; the whole figure is at most 200 inches wide and high.
    cmap : str, matplotlib Colormap or None, keyword-only
        Dark ink on a light background by default; None is matplotlib's default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.colors
    import matplotlib.pyplot as plt

    if (not isinstance(shape, (tuple, list)) and not (isinstance(shape, np.ndarray) and shape.ndim == 1)) or len(
        shape
    ) != 2:
        raise TypeError(f"shape should be a pair (height, width) of ints; got {_short(shape)}.")
    height = _check_count("shape[0] (height)", shape[0], minimum=1)
    width = _check_count("shape[1] (width)", shape[1], minimum=1)
    pictures = _check_finite("images", _numeric_array("images", images))
    if pictures.ndim != 2 or pictures.shape[1] != height * width:
        raise ValueError(
            f"images should have shape (m, {_short(height * width)}) for shape=({height}, {width}); got "
            f"{pictures.shape}. One image per row: images.reshape(len(images), -1)."
        )
    if not 1 <= len(pictures) <= _MAX_IMAGES:
        raise ValueError(f"images has {len(pictures)} rows; between 1 and {_MAX_IMAGES} images can be drawn "
                         "(pass a slice such as images[:100]).")
    _check_span("images", pictures)
    n_columns = _check_count("n_columns", n_columns, minimum=1)
    size = _check_real("size", size, above=0, maximum=_MAX_FIGURE_INCHES)
    if titles is not None:
        if isinstance(titles, (str, bytes)) or np.ndim(titles) != 1 or not hasattr(titles, "__getitem__"):
            raise TypeError(f"titles should be a list of {len(pictures)} strings, one per image; got {_short(titles)}.")
        if len(titles) != len(pictures):
            raise ValueError(
                f"titles has {len(titles)} entries; it should have one per image (images has {len(pictures)} rows)."
            )
        titles = [str(titles[index]) for index in range(len(pictures))]
    if isinstance(cmap, str):
        if cmap not in matplotlib.colormaps:
            raise ValueError(f"cmap={_short(cmap)} is not a matplotlib colormap name; try 'gray_r' or 'viridis'.")
    elif cmap is not None and not isinstance(cmap, matplotlib.colors.Colormap):
        raise TypeError(f"cmap should be a colormap name or a matplotlib Colormap; got {_short(cmap)}.")
    n_rows = max(1, -(-len(pictures) // n_columns))
    columns = min(n_columns, len(pictures))
    figure_size = (size * columns, size * n_rows * 1.15)
    if max(figure_size) > _MAX_FIGURE_INCHES:
        raise ValueError(
            f"plot_images would make a figure of {figure_size[0]:.4g} x {figure_size[1]:.4g} inches "
            f"({columns} columns, {n_rows} rows of size={size:g}); at most {_MAX_FIGURE_INCHES} each way is drawn. "
            "Use a smaller size, fewer images, or another n_columns."
        )
    fig, axes = plt.subplots(n_rows, columns, figsize=figure_size, squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < len(pictures):
            ax.imshow(pictures[index].reshape(height, width), cmap=cmap, interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[index], fontsize=9)
    return fig


def load_digits():
    """The 1797 real 8×8 handwritten digits that scikit-learn ships (no download).

    Taught in ``lessons/06_any_dimension_digits.ipynb``.

    Returns
    -------
    samples : np.ndarray of shape (1797, 64), float32
        Pixel intensities scaled from 0..16 to 0..1; row ``i`` reshaped to (8, 8) is the image.
    labels : np.ndarray of shape (1797,), int32
        The digit 0-9 each image shows.
    """
    from sklearn.datasets import load_digits as _sklearn_load_digits

    digits = _sklearn_load_digits()
    return (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int32)
