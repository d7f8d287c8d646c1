"""Checks for lessons/08_better_starts_and_choosing_k.ipynb."""

import numpy as np
import tensorflow as tf

from helpers.exercises import Wrong, as_numpy, call_learner, exercise, row_finder


def _two_groups():
    """40 samples tight around (0, 0) and 40 around (100, 0), with distinct rows."""
    noise = tf.random.stateless_normal((80, 2), seed=(8, 8)).numpy()
    centres = np.repeat([[0.0, 0.0], [100.0, 0.0]], 40, axis=0)
    return tf.constant(centres + noise, tf.float32)


@exercise(1, hints=(
    "k-means++ picks the first centre uniformly among the samples, then each next one at random, with "
    "probability proportional to D²: the squared distance from a sample to the nearest centre chosen so far "
    "(all of them, not only the last).",
    "For D², compute the squared distance from every sample to every chosen centre and keep the smallest per "
    "sample (reduce_min over the centres' axis). D itself, or D² to the last centre only, is not it.",
    "tf.random.stateless_categorical draws an index from logits, that is log-probabilities: logits equal to "
    "log(D²) draw in proportion to D². Give every draw its own seed pair built from seed.",
))
def q1(simple_kmeans_plusplus):
    samples = _two_groups()
    index_of = row_finder(samples)
    picks = []
    for seed in range(20):
        what = f"simple_kmeans_plusplus(samples, 2, seed={seed})"
        centres = as_numpy(call_learner(simple_kmeans_plusplus, samples, 2, seed, what=what), what)
        if centres.shape != (2, 2):
            raise Wrong(f"{what} returned shape {centres.shape}; expected (2, 2): n_clusters rows of samples.")
        indices = []
        for row in centres:
            if index_of(row) is None:
                raise Wrong(f"{what} returned {np.round(row, 2).tolist()}, which is not one of the samples: "
                            "k-means++ picks its centres among the samples.")
            indices.append(index_of(row))
        picks.append(indices)
        again = as_numpy(call_learner(simple_kmeans_plusplus, samples, 2, seed, what=what), what)
        if not np.array_equal(again, centres):
            raise Wrong(f"two calls of {what} gave different centres: use stateless random ops with the seed.")
    picks = np.array(picks)
    same_group = np.sum((picks[:, 0] < 40) == (picks[:, 1] < 40))
    if same_group > 1:
        raise Wrong(f"with two groups 100 apart, {same_group} of 20 seeds put both centres in the same group. "
                    "After the first centre, draw the next with probability proportional to the squared "
                    "distance to the nearest centre chosen so far.")
    if len(set(picks[:, 0])) < 5:
        raise Wrong(f"over 20 seeds the first centre was only ever one of {sorted(set(picks[:, 0].tolist()))}: "
                    "the first centre should be a uniformly random sample.")
    if len(set(picks[:, 1])) < 5:
        raise Wrong("the second centre is nearly always the same sample, the farthest one. k-means++ does not "
                    "take the farthest sample: it draws at random, in proportion to the squared distance.")
    return "spread-out random starts: D² sampling, repeatable with the seed."


def _reference_silhouette(samples, labels):
    samples = np.asarray(samples, np.float64)
    distances = np.sqrt(((samples[:, None, :] - samples[None, :, :]) ** 2).sum(axis=2))  # small data only
    clusters = np.unique(labels)
    values = np.zeros(len(samples))
    for i in range(len(samples)):
        own = labels == labels[i]
        if own.sum() == 1:
            continue  # a sample alone in its cluster has silhouette 0
        a = distances[i, own].sum() / (own.sum() - 1)
        b = min(distances[i, labels == c].mean() for c in clusters if c != labels[i])
        values[i] = (b - a) / max(a, b)
    return values.mean()


@exercise(2, hints=(
    "For each sample: a = mean distance to the other samples of its own cluster, b = the smallest mean "
    "distance to the samples of one other cluster, s = (b - a) / max(a, b); the score is the mean of s. "
    "Distances are plain Euclidean, not squared.",
    "Start from the (n, n) table of distances between all samples (square root of the clamped expansion). "
    "Adding its columns per cluster (unsorted_segment_sum on the transposed table) gives each sample's total "
    "distance to every cluster, (n, k).",
    "Divide a's total by the cluster's size minus one (the sample itself is in it, at distance 0); for b, "
    "hide the own cluster (tf.where with a one-hot mask, infinity there) before the minimum. A sample alone "
    "in its cluster has s = 0.",
))
def q2(silhouette):
    rng = np.random.default_rng(8)
    cases = [
        (rng.normal(size=(60, 2)) + np.repeat([[0, 0], [5, 5], [0, 6]], 20, axis=0), np.repeat([0, 1, 2], 20)),
        (rng.normal(size=(45, 3)), np.r_[np.zeros(20, int), np.ones(24, int), [2]]),  # a singleton cluster
    ]
    for samples, labels in cases:
        samples = samples.astype(np.float32)
        what = f"silhouette(samples, labels) on {len(samples)} samples in {len(np.unique(labels))} clusters"
        value = as_numpy(call_learner(silhouette, tf.constant(samples), tf.constant(labels, tf.int32), what=what), what)
        if value.shape != ():
            raise Wrong(f"{what} returned shape {value.shape}; expected one number, the mean over all samples.")
        value = float(value)
        expected = _reference_silhouette(samples, labels)
        if abs(value - expected) <= 1e-4:
            continue
        if not np.isfinite(value):
            raise Wrong(f"{what} returned {value}: NaN for a sample alone in its cluster? Its silhouette is 0.")
        raise Wrong(f"{what} returned {value:.4f}; expected {expected:.4f}. Check: plain (not squared) distances; "
                    "a divides by the cluster size minus one; b takes the nearest other cluster.")
    return "the mean silhouette, as scikit-learn defines it."
