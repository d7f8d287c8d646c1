"""Checks for lessons/02_choosing_random_centroids.ipynb."""

import numpy as np
import tensorflow as tf

from helpers.exercises import Wrong, as_numpy, call_learner, exercise, num, nums, row_finder


def _distinct_samples(n=60, d=3):
    """n different rows (every value distinct), as a float32 tensor."""
    return tf.random.stateless_normal((n, d), seed=(2, 2), stddev=10.0)


def _move_global_random_state():
    """Draw from TensorFlow's global generator, as other code in a notebook would."""
    tf.random.uniform((3,))
    tf.random.shuffle(tf.range(5))


def _resets_global_seed(function, *args):
    """True when calling ``function`` makes TensorFlow's global random ops repeat (tf.random.set_seed inside)."""
    draws = []
    for _ in range(2):
        _move_global_random_state()
        call_learner(function, *args)
        draws.append(tf.random.uniform((4,)).numpy())
    return np.array_equal(draws[0], draws[1])


_RESETS = ("your function calls tf.random.set_seed (or otherwise resets TensorFlow's global seed): after each "
           "call every random op in the notebook repeats the same numbers. Leave the global seed alone and use a "
           "stateless op with a seed pair built from `seed`.")


@exercise(1, hints=(
    "Choosing k different samples is the same as shuffling the row numbers 0 to n-1 and keeping the first k.",
    "A stateless op depends only on its seed, not on what ran before it: "
    "tf.random.experimental.stateless_shuffle shuffles a tensor given a seed pair.",
    "Shuffle tf.range of the number of samples, keep the first n_clusters indices with a slice, and tf.gather"
    " those rows of samples.",
))
def q1(choose_seeded_centroids):
    samples = _distinct_samples()
    index_of = row_finder(samples)
    n, d = samples.shape

    def chosen_indices(k, seed):
        what = f"choose_seeded_centroids(samples, {k}, seed={seed}) on {n} samples"
        result = as_numpy(call_learner(choose_seeded_centroids, samples, k, seed, what=what), what)
        if result.shape != (k, d):
            raise Wrong(f"{what} returned shape {result.shape}; expected ({k}, {d}): "
                        "n_clusters rows, each one sample.")
        indices = []
        for i, row in enumerate(result):
            if index_of(row) is None:
                raise Wrong(f"{what}: row {i}, {nums(np.round(row, 3))}, is not one of the samples. "
                            "The first guess should be real samples: gather rows of samples.")
            indices.append(index_of(row))
        repeated = sorted({i for i in indices if indices.count(i) > 1})
        if repeated:
            raise Wrong(f"{what} picked sample {repeated[0]} more than once. Two identical guesses "
                        "make one centroid useless: shuffle the indices instead of drawing each one.")
        return indices

    first = chosen_indices(4, 7)
    chosen_indices(n, 7)  # all rows: only a true shuffle passes
    _move_global_random_state()
    if chosen_indices(4, 7) != first:
        raise Wrong("two calls with seed=7 gave different rows. The same seed should give the same "
                    "guess every time, whatever ran in between: use a stateless random op.")
    picks = {tuple(chosen_indices(4, seed)) for seed in range(6)}
    if len(picks) == 1:
        raise Wrong("seeds 0 to 5 all gave the same rows: does your function use its seed?")
    if _resets_global_seed(choose_seeded_centroids, samples, 4, 7):
        raise Wrong(_RESETS)
    return "the same seed gives the same distinct samples; another seed, others."


@exercise(2, hints=(
    "The box is one range per feature: the smallest and the largest value of that feature over all samples.",
    "Reduce over the samples' axis (axis=0) with tf.reduce_min and tf.reduce_max: two vectors of shape (d,).",
    "tf.random.stateless_uniform with shape (n_clusters, d) and a seed pair gives numbers in [0, 1); stretch "
    "them by the width of the box and shift them by its low corner.",
))
def q2(choose_uniform_centroids):
    # Features on very different scales: feature 0 in [-3, 4], feature 1 in [100, 160].
    unit = tf.random.stateless_uniform((300, 2), seed=(5, 5)).numpy()
    samples = tf.constant(unit * [7.0, 60.0] + [-3.0, 100.0], tf.float32)
    low, high = samples.numpy().min(axis=0), samples.numpy().max(axis=0)
    k, seed = 2000, 11
    what = f"choose_uniform_centroids(samples, {k}, seed={seed})"
    result = as_numpy(call_learner(choose_uniform_centroids, samples, k, seed, what=what), what)
    if result.shape != (k, 2):
        raise Wrong(f"{what} returned shape {result.shape}; expected ({k}, 2): one row per centroid.")
    if not np.all(np.isfinite(result)):
        raise Wrong(f"{what} returned NaN or infinite values.")
    for feature in range(2):
        values = result[:, feature]
        tolerance = 1e-4 * (high[feature] - low[feature])
        outside = np.flatnonzero((values < low[feature] - tolerance) | (values > high[feature] + tolerance))
        if outside.size:
            i = int(outside[0])
            raise Wrong(f"feature {feature} of centroid {i} is {num(values[i], 4)}, outside that feature's range "
                        f"[{num(low[feature], 4)}, {num(high[feature], 4)}] in the samples. Take the minimum and "
                        "maximum of each feature (axis=0), not of all values together.")
        share_low = np.mean(values < (low[feature] + high[feature]) / 2)
        covered = (values.max() - values.min()) / (high[feature] - low[feature])
        if not (0.4 < share_low < 0.6 and covered > 0.95):
            raise Wrong(f"feature {feature}: your {k} centroids cover {covered:.0%} of the range, with "
                        f"{share_low:.0%} in its lower half. Uniform points fill the whole box evenly.")
    index_of = row_finder(samples)
    if np.mean([index_of(row) is not None for row in result]) > 0.5:
        raise Wrong("most of your centroids are samples. This exercise wants new points anywhere in the box.")
    _move_global_random_state()
    again = as_numpy(call_learner(choose_uniform_centroids, samples, k, seed, what=what), what)
    if not np.array_equal(again, result):
        raise Wrong(f"two calls of {what} gave different points: use a stateless random op with the seed.")
    other = as_numpy(call_learner(choose_uniform_centroids, samples, k, seed + 1), "the result")
    if np.array_equal(other, result):
        raise Wrong(f"seed={seed} and seed={seed + 1} gave the same points: is the seed used?")
    if _resets_global_seed(choose_uniform_centroids, samples, k, seed):
        raise Wrong(_RESETS)
    return "uniform points in each feature's range, repeatable with the seed."
