"""Checks for lessons/05_iterating_to_convergence.ipynb."""

import warnings

import numpy as np
import tensorflow as tf

from helpers.exercises import Wrong, as_numpy, call_learner, exercise, nums
from helpers.functions import _assign_to_nearest, _update_centroids, create_samples


def _slow_case():
    """Overlapping blobs that take more than 11 iterations, and a start whose 4th centroid owns nothing."""
    _, samples = create_samples(3, 200, 2, 30, 11)
    start = tf.concat([samples[:3], tf.constant([[500.0, 500.0]])], axis=0)
    return samples, start


def _trajectory(samples, centroids, at_most=50):
    """The centroids after 0, 1, 2, ... iterations, up to the first that repeats the one before (or at_most).

    Once an iteration returns exactly the centroids it was given, the labels repeat too, so every later
    iteration returns the same centroids again: the last entry is where the loop stays for ever.
    Returns (trajectory, settled): settled is the first iteration count from which nothing moves, or None
    when the centroids still moved after at_most iterations.
    """
    trajectory = [centroids.numpy()]
    for n in range(1, at_most + 1):
        labels = _assign_to_nearest(samples, centroids)
        centroids = _update_centroids(samples, labels, centroids.shape[0], centroids)
        if np.array_equal(centroids.numpy(), trajectory[-1]):
            return trajectory, n - 1
        trajectory.append(centroids.numpy())
    return trajectory, None


def _empty_to_origin(samples, centroids, n):
    """n iterations whose update gives an empty cluster 0, as tf.math.unsorted_segment_mean and divide_no_nan do."""
    k = centroids.shape[0]
    for _ in range(n):
        labels = _assign_to_nearest(samples, centroids)
        sums = tf.math.unsorted_segment_sum(samples, labels, k)
        counts = tf.math.unsorted_segment_sum(tf.ones_like(samples[:, :1]), labels, k)
        centroids = tf.math.divide_no_nan(sums, counts)
    return centroids.numpy()


@exercise(1, hints=(
    "One iteration of k-means is assign, then update; ten iterations repeat that ten times, each starting "
    "from the centroids the one before produced.",
    "Use the lesson's assign_to_nearest and update_centroids in a Python loop over range(10), replacing your "
    "centroids variable every round.",
    "One centroid here owns no sample: update_centroids keeps it in place when you also hand it the current "
    "centroids as previous_centroids; without them it becomes NaN.",
))
def q1(ten_iterations):
    samples, start = _slow_case()
    what = "ten_iterations(samples, initial_centroids) with 4 centroids, the 4th far from every sample"
    with warnings.catch_warnings():  # EmptyClusterWarning is expected here; the check speaks instead
        warnings.simplefilter("ignore")
        try:
            result = as_numpy(call_learner(ten_iterations, samples, start, what=what), what)
        except Wrong as wrong:
            if "NaN" not in str(wrong):
                raise
            raise Wrong(f"{wrong} A centroid is NaN: is it empty? An empty cluster has no mean; keep its "
                        "previous centroid (pass previous_centroids to update_centroids).") from None
    if result.shape != tuple(start.shape):
        raise Wrong(f"{what} returned shape {result.shape}; expected {tuple(start.shape)}, like initial_centroids.")
    nan = np.flatnonzero(~np.isfinite(result).all(axis=1))
    if nan.size:
        raise Wrong(f"centroid {int(nan[0])} is NaN: is it empty? It owns no sample; keep its previous centroid "
                    "(pass previous_centroids to update_centroids).")
    trajectory, settled = _trajectory(samples, start)
    ten = trajectory[min(10, len(trajectory) - 1)]  # the slow case still moves at 10 (tests/test_exercises_lesson05)
    if np.allclose(result, ten, atol=1e-4):
        return "the centroids after exactly ten iterations, the empty cluster kept in place."
    for n, expected in enumerate(trajectory):
        if np.allclose(result, expected, atol=1e-4):
            hint = " Is each iteration fed the centroids of the one before?" if n == 1 else ""
            if n == settled:  # any loop of n or more iterations ends here: say so, not "after n"
                raise Wrong(f"these are the centroids after {n} or more iterations: from iteration {n} on they no "
                            "longer move; expected exactly 10.")
            raise Wrong(f"these are the centroids after {n} iteration{'s' * (n != 1)}; expected 10.{hint}")
    first = start.numpy()
    for j in range(len(first)):  # a cluster empty all along keeps its centroid; one that moved was replaced
        if all(np.array_equal(step[j], first[j]) for step in trajectory) and not np.allclose(result[j], first[j]):
            origin = (" Your ten iterations are those whose update gives an empty cluster 0, as "
                      "tf.math.unsorted_segment_mean and divide_no_nan do"
                      + (", and it took samples there." if result[j].any() else ".")
                      ) if np.allclose(result, _empty_to_origin(samples, start, 10), atol=1e-4) else ""
            raise Wrong(f"centroid {j} owns no sample from the first iteration on, so it should stay at "
                        f"{nums(np.round(first[j], 3))}; yours moved to {nums(np.round(result[j], 3))}.{origin} An "
                        "empty cluster has no mean: keep its previous centroid (pass previous_centroids to "
                        "update_centroids).")
    j = int(np.argmax(np.abs(result - ten).max(axis=1)))
    raise Wrong(f"centroid {j} is at {nums(np.round(result[j], 3))}; after ten iterations of assign and update "
                f"it should be at {nums(np.round(ten[j], 3))}.")


@exercise(2, hints=(
    "Converged means the centroids hardly moved: measure the movement of all centroids together as one number"
    " and compare it with tol.",
    "The movement is the total squared difference between new and old centroids: square element by element, "
    "then add up everything (no axis).",
    "The rule is 'at most tol': a movement exactly equal to tol, 0 included, counts as converged, so the "
    "comparison includes equality. Return the comparison itself, one boolean.",
))
def q2(has_converged):
    k, d, tol = 4, 3, 1e-4
    # Whole-number centroids: the moves below (0.5, 0.25, 0.125) and their squares are exact in float32 and
    # float64, so "exactly tol" really is exactly tol whatever order the learner adds in.
    base = tf.round(tf.random.stateless_normal((k, d), seed=(5, 5), stddev=10.0))

    def moved(rows, amount):
        shift = np.zeros((k, d), np.float32)
        shift[rows, 0] = amount
        return base + shift

    cases = [
        ("identical centroids", base, tol, True),
        ("every centroid moved by 1e-4 in one feature (total squared movement 4e-8)", moved([0, 1, 2, 3], 1e-4), tol,
         True),
        ("one centroid moved by 0.009 (squared: 8.1e-5)", moved([0], 0.009), tol, True),
        ("one centroid moved by 0.02 (squared: 4e-4)", moved([2], 0.02), tol, False),
        ("every centroid moved by 0.006 (squared 3.6e-5 each, 1.44e-4 in total)", moved([0, 1, 2, 3], 0.006), tol,
         False),
        ("every centroid moved by 3", moved([0, 1, 2, 3], 3.0), tol, False),
        ("one centroid moved by 0.5 (total squared movement 0.25, exactly tol)", moved([1], 0.5), 0.25, True),
        ("every centroid moved by 0.25 (total squared movement 4 × 0.0625 = 0.25, exactly tol)",
         moved([0, 1, 2, 3], 0.25), 0.25, True),
        ("one centroid moved by 0.5 and one by 0.125 (total squared movement 0.265625, just above tol)",
         moved([0], 0.5) + moved([3], 0.125) - base, 0.25, False),
        ("identical centroids (total squared movement 0, exactly tol)", base, 0.0, True),
    ]
    for description, new, case_tol, expected in cases:
        what = f"has_converged(old, new, tol={case_tol:g}) with {description}"
        answer = call_learner(has_converged, base, new, case_tol, what=what)
        value = as_numpy(answer, what)
        if value.shape != ():
            raise Wrong(f"{what} returned shape {value.shape}; expected one True or False for all the centroids.")
        if value.dtype.kind != "b":
            raise Wrong(f"{what} returned {nums(value)}; expected True or False (a comparison with tol).")
        if bool(value) != expected:
            boundary = (" The movement here equals tol exactly, and 'at most tol' includes it: compare with <=, "
                        "not <.") if "exactly tol" in description else ""
            raise Wrong(f"{what} returned {bool(value)}; expected {expected}. Converged means the total squared "
                        f"movement of all centroids together is at most tol.{boundary}")
    return "converged when the total squared movement is at most tol (tol itself included), never by exact equality."
