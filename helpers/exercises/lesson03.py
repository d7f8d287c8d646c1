"""Checks for lessons/03_assigning_to_nearest.ipynb."""

import numpy as np
import tensorflow as tf

from helpers.exercises import (
    Wrong, as_numpy, call_learner, exercise, op_callbacks, reference_squared_distances, watch_ops,
)
from helpers.functions import choose_random_centroids, create_samples


def _cases():
    for k, d, seed in ((3, 2, 1), (4, 5, 2)):
        _, samples = create_samples(k, 40, d, 40, seed)
        yield samples, choose_random_centroids(samples, k, seed=seed)


@exercise(1, hints=(
    "Broadcasting pairs every sample with every centroid when each gets a new axis for the other: samples as "
    "(n, 1, d), centroids as (1, k, d).",
    "Their difference is (n, k, d). Square it and add up over the features, the last axis: an (n, k) table of"
    " squared distances.",
    "Row i of that table belongs to sample i: the index of its smallest entry (tf.argmin over the centroid "
    "axis, 1) is the label.",
))
def q1(nearest_by_broadcasting):
    for samples, centroids in _cases():
        n, k = samples.shape[0], centroids.shape[0]
        what = f"nearest_by_broadcasting(samples, centroids) with n={n} samples and k={k} centroids"
        labels = as_numpy(call_learner(nearest_by_broadcasting, samples, centroids, what=what), what)
        if labels.shape == (k,):
            raise Wrong(f"{what} returned shape {labels.shape}: one value per centroid. Expected ({n},), one "
                        "label per sample: take argmin over the centroid axis.")
        if labels.shape != (n,):
            raise Wrong(f"{what} returned shape {labels.shape}; expected ({n},): one label per sample.")
        if labels.dtype.kind not in "iu":
            raise Wrong(f"labels have dtype {labels.dtype}; expected integers, the index of a centroid.")
        if labels.min() < 0 or labels.max() >= k:
            raise Wrong(f"label {labels.max() if labels.max() >= k else labels.min()} is not the index of "
                        f"one of the {k} centroids.")
        distances = reference_squared_distances(samples, centroids)
        chosen = distances[np.arange(n), labels]
        best = distances.min(axis=1)
        wrong = np.flatnonzero(chosen > best + 1e-4 * (1 + best))
        if wrong.size:
            i = int(wrong[0])
            raise Wrong(f"sample {i} is {np.sqrt(chosen[i]):.2f} from centroid {labels[i]}, its label, but only "
                        f"{np.sqrt(best[i]):.2f} from centroid {int(distances[i].argmin())}. Every label should "
                        "be the nearest centroid: smallest distance (argmin), summed over the features.")
    return "every sample is labelled with its nearest centroid."


def _watch_sizes(function, samples, centroids):
    """Run ``function`` once, watching what it builds.

    Returns (largest TensorFlow tensor in elements, peak bytes NumPy allocated), or None when the
    TensorFlow watch is unavailable. Every TensorFlow op the call runs or traces passes TensorFlow's
    op callback (eager code, code after ``.numpy()``, graphs it traces); NumPy reports its arrays to
    ``tracemalloc``. Code in other libraries is seen by neither.
    """
    import tracemalloc

    if op_callbacks() is None:  # a TensorFlow without the op-callback hook: say so instead of guessing
        return None
    function = getattr(function, "python_function", function)  # a @tf.function: its Python code, traced afresh
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        with watch_ops() as seen:
            call_learner(function, samples, centroids, what="distance_table(samples, centroids)")
        numpy_peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        if started:
            tracemalloc.stop()
    return max(seen.sizes, default=0), numpy_peak


@exercise(2, hints=(
    "Expand the square: ||x - c||² = ||x||² - 2 x·c + ||c||². Each piece can be had for all pairs at once "
    "without an (n, k, d) tensor.",
    "||x||² is one sum over the features per sample, kept as a column (n, 1) with keepdims=True; ||c||² is "
    "one value per centroid, (k,); all the x·c together are one matrix product, (n, k).",
    "The product needs the centroids' transpose (tf.matmul has transpose_b). Broadcasting adds (n, 1), (n, k)"
    " and (k,) into (n, k). Round-off can leave tiny negative values: clamp at zero with tf.maximum.",
))
def q2(distance_table):
    for samples, centroids in _cases():
        n, k = samples.shape[0], centroids.shape[0]
        what = f"distance_table(samples, centroids) with n={n}, k={k}"
        table = as_numpy(call_learner(distance_table, samples, centroids, what=what), what).astype(np.float64)
        if table.shape == (k, n) and k != n:
            raise Wrong(f"{what} returned shape {table.shape}: transposed. Expected ({n}, {k}): "
                        "row i holds the distances from sample i to every centroid.")
        if table.shape != (n, k):
            raise Wrong(f"{what} returned shape {table.shape}; expected ({n}, {k}).")
        expected = reference_squared_distances(samples, centroids)
        scale = 1e-4 * expected.max()
        if not np.allclose(table, expected, rtol=1e-4, atol=scale):
            samples_sq = (np.asarray(samples, np.float64) ** 2).sum(axis=1, keepdims=True)
            if np.allclose(table**2, expected, rtol=1e-3, atol=scale):
                raise Wrong("these are distances, not squared distances: leave out the square root "
                            "(argmin does not need it, and sqrt of a tiny negative round-off is NaN).")
            if np.allclose(table + samples_sq, expected, rtol=1e-4, atol=scale):
                raise Wrong("every row is short by that sample's ||x||². argmin would not mind, but this "
                            "table should hold the whole squared distance: add the (n, 1) column of ||x||².")
            i, j = np.unravel_index(np.argmax(np.abs(table - expected)), expected.shape)
            raise Wrong(f"entry [{i}, {j}] is {table[i, j]:.3f}; the squared distance from sample {i} to "
                        f"centroid {j} is {expected[i, j]:.3f}.")
    far = tf.constant(1000.0 + 0.01 * tf.random.stateless_normal((200, 2), seed=(3, 3)))
    table = as_numpy(call_learner(distance_table, far, far[:5], what="distance_table(far, far[:5])"), "the table")
    if table.min() < 0:
        raise Wrong(f"on samples near (1000, 1000) the table holds {table.min():.4f}. In float32 the expansion "
                    "cancels badly far from the origin and can dip below zero; clamp with tf.maximum(..., 0.0).")
    n, k, d = 2000, 64, 64
    wide = tf.random.stateless_normal((n, d), seed=(4, 4))
    watched = _watch_sizes(distance_table, wide, wide[:k])
    if watched is None:
        return ("right squared distances, never negative. Whether it avoids an (n, k, d) tensor was NOT checked: "
                "this TensorFlow offers no way to watch the tensors a function builds.")
    largest, numpy_peak = watched
    big = n * k * d
    if largest >= big:
        raise Wrong(f"for n={n}, k={k}, d={d} your function builds a TensorFlow tensor of {largest:,} numbers, as "
                    f"large as (n, k, d). For 70,000 MNIST images (784 features) and 10 centroids that is 2 GB; the "
                    "expansion needs only (n, k) numbers.")
    if numpy_peak >= big:  # 1 byte per number: any dtype, bool and int8 included
        raise Wrong(f"for n={n}, k={k}, d={d} your function made NumPy hold {numpy_peak / 1e6:.0f} MB at once, "
                    f"as much as an (n, k, d) array ({big:,} numbers). Leaving TensorFlow for NumPy does not make "
                    "the broadcast smaller; the expansion needs only (n, k) numbers.")
    return (f"squared distances by the expansion, never negative; on n={n}, k={k}, d={d} it built no TensorFlow "
            "tensor or NumPy array as large as (n, k, d).")
