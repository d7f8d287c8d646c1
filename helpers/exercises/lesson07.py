"""Checks for lessons/07_making_it_fast.ipynb."""

import numpy as np
import tensorflow as tf

from helpers.exercises import Wrong, as_numpy, call_learner, exercise, nums, op_callbacks, watch_ops
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
                    after = (f"{m} or more iterations (they stop changing there)"
                             if np.allclose(_reference(samples, start, m + 1), _reference(samples, start, m), atol=1e-6)
                             else f"{m} iteration(s)")
                    raise Wrong(f"{what} gave the centroids after {after}; expected {n_iter}.")
            raise Wrong(f"{what} gave {nums(np.round(result, 3))}; expected {nums(np.round(expected, 3))}.")
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


_MATMULS = {"MatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum", "_MklMatMul"}


def _op_types(function, samples, labels, k):
    """The TensorFlow op types ``function`` runs or traces on these inputs, or None where they cannot be watched."""
    if op_callbacks() is None:
        return None
    function = getattr(function, "python_function", function)  # a @tf.function: its Python code, traced afresh
    with watch_ops() as seen:
        call_learner(function, samples, labels, k)
    return seen.types


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
    if sums.shape == (4,) and counts.shape == (4, 3):
        raise Wrong(f"{what} returned shapes (4,) and (4, 3): sums and counts look swapped. Return the pair in the "
                    "order (sums, counts).")
    if sums.shape != (4, 3):
        raise Wrong(f"sums have shape {sums.shape}; expected (4, 3): one row per cluster, including the empty one "
                    "(use depth=n_clusters in tf.one_hot).")
    if counts.shape != (4,):
        raise Wrong(f"counts have shape {counts.shape}; expected (4,): one count per cluster.")
    expected_sums = tf.math.unsorted_segment_sum(samples, labels, 4).numpy()
    expected_counts = np.bincount(labels.numpy(), minlength=4)
    if not np.allclose(counts, expected_counts):
        raise Wrong(f"counts are {nums(counts)}; expected {nums(expected_counts)}.")
    if not np.allclose(sums, expected_sums, rtol=1e-5, atol=1e-3):
        j = int(np.argmax(np.abs(sums - expected_sums).max(axis=1)))
        raise Wrong(f"row {j} of sums is {nums(np.round(sums[j], 3))}; the samples of cluster {j} add up to "
                    f"{nums(np.round(expected_sums[j], 3))}.")
    ops = _op_types(cluster_sums_by_matmul, samples, labels, 4)
    if ops is None:
        return ("right sums and counts. Whether they come from a matrix product was NOT checked: this TensorFlow "
                "offers no way to watch the operations a function runs.")
    if not ops & _MATMULS and "UnsortedSegmentSum" in ops:
        raise Wrong("right numbers, but by tf.math.unsorted_segment_sum. This exercise asks for the one-hot "
                    "matrix product, which lets the sums reuse the fast matmul.")
    if not ops & _MATMULS:
        raise Wrong("right numbers, but with no matrix product that TensorFlow ran (NumPy code is not watched): "
                    "build the one-hot matrix with tf.one_hot and multiply with tf.matmul.")
    if "UnsortedSegmentSum" in ops:
        raise Wrong("right numbers, but tf.math.unsorted_segment_sum is still in there. This exercise asks for the "
                    "sums by the one-hot matrix product alone.")
    return "cluster sums and counts by one matrix product."
