"""Checks for lessons/07_making_it_fast.ipynb."""

import numpy as np
import tensorflow as tf

from helpers.exercises import Wrong, as_numpy, call_learner, exercise
from helpers.functions import _assign_to_nearest, _update_centroids, create_samples


def _reference(samples, centroids, n_iter):
    for _ in range(n_iter):
        labels = _assign_to_nearest(samples, centroids)
        centroids = _update_centroids(samples, labels, centroids.shape[0], centroids)
    return centroids.numpy()


def _is_tf_function(value):
    return hasattr(value, "get_concrete_function") and hasattr(value, "experimental_get_tracing_count")


@exercise(1, hints=(
    "@tf.function compiles a Python function into a graph. The question is how to loop so that one graph "
    "serves every n_iter.",
    "A Python loop over range(n_iter) is unrolled while tracing and needs a new trace for each n_iter; a loop"
    " over tf.range(n_iter) becomes one loop inside the graph (AutoGraph makes it a tf.while_loop).",
    "Each round of the loop is one Lloyd step (the lesson's lloyd_step, or assign_to_nearest then "
    "update_centroids) that replaces centroids; return the centroids after the loop.",
))
def q1(lloyd_iterations):
    if not _is_tf_function(lloyd_iterations):
        raise Wrong("lloyd_iterations is a plain Python function: decorate it with @tf.function so that "
                    "TensorFlow compiles it into a graph.")
    _, samples = create_samples(3, 100, 2, 30, 5)
    start = samples[:3]
    traces_before = None
    for n_iter in (0, 1, 4, 7):
        what = f"lloyd_iterations(samples, centroids, tf.constant({n_iter}))"
        result = as_numpy(call_learner(lloyd_iterations, samples, start, tf.constant(n_iter), what=what), what)
        if result.shape != (3, 2):
            raise Wrong(f"{what} returned shape {result.shape}; expected (3, 2), like centroids.")
        expected = _reference(samples, start, n_iter)
        if not np.allclose(result, expected, atol=1e-4):
            for m in range(0, 12):
                if np.allclose(result, _reference(samples, start, m), atol=1e-4):
                    raise Wrong(f"{what} gave the centroids after {m} iteration(s); expected {n_iter}.")
            raise Wrong(f"{what} gave {np.round(result, 3).tolist()}; expected {np.round(expected, 3).tolist()}.")
        if traces_before is None:
            traces_before = lloyd_iterations.experimental_get_tracing_count()
    retraced = lloyd_iterations.experimental_get_tracing_count() - traces_before
    if retraced:
        raise Wrong(f"lloyd_iterations was traced {retraced} more time(s) for new values of n_iter. Loop over "
                    "tf.range(n_iter) inside the function, so that one graph serves every n_iter.")
    _, other = create_samples(4, 50, 3, 30, 6)
    what = "lloyd_iterations on 200 samples with 3 features and 4 centroids"
    result = as_numpy(call_learner(lloyd_iterations, other, other[:4], tf.constant(3), what=what), what)
    if not np.allclose(result, _reference(other, other[:4], 3), atol=1e-4):
        raise Wrong(f"{what} gave wrong centroids: does the function assume 3 clusters or 2 features?")
    return "one compiled graph runs any number of iterations."


def _op_types(function, n, d, k):
    """The operation types in the graph of ``function``, or None when it cannot be traced."""
    try:
        graph = tf.function(function).get_concrete_function(
            tf.TensorSpec((n, d), tf.float32), tf.TensorSpec((n,), tf.int32), k
        ).graph
    except Exception:  # NumPy calls, .numpy(), Python branching on values
        return None
    return {op.type for op in graph.get_operations()}


@exercise(2, hints=(
    "A matrix with one row per sample and one column per cluster, holding a 1 where the sample belongs, turns"
    " 'add up per cluster' into a matrix product.",
    "tf.one_hot builds that (n, k) matrix from the labels; give it depth n_clusters, so that an empty cluster"
    " keeps its column, and the samples' dtype.",
    "The one-hot matrix transposed, (k, n), times the samples, (n, d), is (k, d): the sums (tf.matmul has "
    "transpose_a). Adding up the one-hot matrix over its rows counts the samples per cluster.",
))
def q2(cluster_sums_by_matmul):
    _, samples = create_samples(4, 30, 3, 40, 8)
    labels = tf.constant(np.arange(120) % 3, tf.int32)  # cluster 3 is empty on purpose
    what = "cluster_sums_by_matmul(samples, nearest_indices, 4) with cluster 3 empty"
    result = call_learner(cluster_sums_by_matmul, samples, labels, 4, what=what)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Wrong(f"{what} should return a pair (sums, counts); got {type(result).__name__}.")
    sums = as_numpy(result[0], "sums")
    counts = as_numpy(result[1], "counts")
    if sums.shape != (4, 3):
        raise Wrong(f"sums have shape {sums.shape}; expected (4, 3): one row per cluster, including the empty one "
                    "(use depth=n_clusters in tf.one_hot).")
    if counts.shape != (4,):
        raise Wrong(f"counts have shape {counts.shape}; expected (4,): one count per cluster.")
    expected_sums = tf.math.unsorted_segment_sum(samples, labels, 4).numpy()
    expected_counts = np.bincount(labels.numpy(), minlength=4)
    if not np.allclose(counts, expected_counts):
        raise Wrong(f"counts are {counts.tolist()}; expected {expected_counts.tolist()}.")
    if not np.allclose(sums, expected_sums, rtol=1e-5, atol=1e-3):
        j = int(np.argmax(np.abs(sums - expected_sums).max(axis=1)))
        raise Wrong(f"row {j} of sums is {np.round(sums[j], 3).tolist()}; the samples of cluster {j} add up to "
                    f"{np.round(expected_sums[j], 3).tolist()}.")
    ops = _op_types(cluster_sums_by_matmul, 120, 3, 4)
    if ops is None:
        raise Wrong("right numbers, but the function cannot run inside tf.function (NumPy, .numpy() or a "
                    "Python loop over values?). Use TensorFlow operations, so that it can be compiled.")
    if "UnsortedSegmentSum" in ops:
        raise Wrong("right numbers, but by tf.math.unsorted_segment_sum. This exercise asks for the one-hot "
                    "matrix product, which lets the sums reuse the fast matmul.")
    if not ops & {"MatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum"}:
        raise Wrong("right numbers, but with no matrix product: build the one-hot matrix and multiply.")
    return "cluster sums and counts by one matrix product."
