"""Checks for lessons/03_assigning_to_nearest.ipynb."""

import numpy as np
import tensorflow as tf

from helpers.exercises import Wrong, as_numpy, call_learner, exercise, reference_squared_distances
from helpers.functions import choose_random_centroids, create_samples


def _cases():
    for k, d, seed in ((3, 2, 1), (4, 5, 2)):
        _, samples = create_samples(k, 40, d, 40, seed)
        yield samples, choose_random_centroids(samples, k, seed=seed)


@exercise(1, hint=(
    "Give samples an axis for the centroids and centroids an axis for the samples: "
    "samples[:, None, :] has shape (n, 1, d) and centroids[None, :, :] has shape (1, k, d), so "
    "their difference is (n, k, d). Square, tf.reduce_sum over the feature axis (the last), and "
    "tf.argmin over the centroid axis of the (n, k) result."
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


def _largest_intermediate(function, n, k, d):
    """Number of elements in the largest tensor ``function`` builds, or None if it cannot be traced."""
    try:
        graph = tf.function(function).get_concrete_function(
            tf.TensorSpec((n, d), tf.float32), tf.TensorSpec((k, d), tf.float32)
        ).graph
    except Exception:  # NumPy code, Python branching on values...: judged on its results alone
        return None
    sizes = [output.shape.num_elements() or 0 for op in graph.get_operations() for output in op.outputs]
    return max(sizes, default=0)


@exercise(2, hint=(
    "Three pieces: tf.reduce_sum(samples**2, axis=1, keepdims=True) is (n, 1); "
    "tf.reduce_sum(centroids**2, axis=1) is (k,); tf.matmul(samples, centroids, transpose_b=True) "
    "is (n, k). Broadcasting adds them into (n, k). Then clamp with tf.maximum(..., 0.0)."
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
    n, k, d = 1000, 7, 5
    largest = _largest_intermediate(distance_table, n, k, d)
    if largest is not None and largest >= n * k * d:
        raise Wrong(f"for n={n}, k={k}, d={d} your function builds a tensor of {largest:,} numbers, as large as "
                    f"(n, k, d). For 70,000 MNIST images and 10 centroids that is 2 GB; the expansion needs "
                    "only (n, k): use one tf.matmul.")
    return "squared distances by the expansion, never negative, with no (n, k, d) tensor."
