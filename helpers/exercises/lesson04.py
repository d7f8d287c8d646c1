"""Checks for lessons/04_updating_centroids.ipynb."""

import numpy as np
import tensorflow as tf

from helpers.exercises import Wrong, as_numpy, call_learner, exercise, num, row_finder
from helpers.functions import assign_to_nearest, create_samples


def _with_empty_clusters(seed, n_far):
    """Three blobs, their three true centres, plus ``n_far`` centroids far away that own no sample."""
    centres, samples = create_samples(3, 30, 2, 40, seed)
    far = [[300.0 + 50 * i, -300.0] for i in range(n_far)]
    centroids = tf.concat([centres, tf.constant(far, tf.float32)], axis=0)
    labels = assign_to_nearest(samples, centroids)
    return samples, centroids, labels


def _point(vector):
    return "(" + ", ".join(f"{value:.2f}" for value in vector) + ")"


def _own_squared_distances(samples, centroids, labels):
    samples = np.asarray(samples, np.float64)
    own = np.asarray(centroids, np.float64)[np.asarray(labels)]
    return ((samples - own) ** 2).sum(axis=1)


def _given_labels():
    """The first case's samples and centroids with labels that are NOT the nearest: every third sample per cluster."""
    samples, centroids, nearest = _with_empty_clusters(seed=1, n_far=1)
    labels = tf.constant(np.arange(samples.shape[0]) % 3, tf.int32)  # cluster 3 still empty
    assert np.mean(labels.numpy() != nearest.numpy()) > 0.5
    return samples, centroids, labels, nearest


@exercise(1, hints=(
    "A cluster's spread is the mean, over the samples labelled with it, of each sample's squared distance to "
    "that cluster's centroid. Compute one number per sample, then group the numbers by label.",
    "tf.gather(centroids, nearest_indices) gives every sample the centroid of its label, (n, d); square the "
    "difference and sum over the features: (n,). Use the labels you are given, not new ones.",
    "tf.math.unsorted_segment_sum adds those numbers per cluster; add up ones the same way to count the "
    "samples. An empty cluster has count 0: divide with a guard (tf.math.divide_no_nan, or by a count of at "
    "least 1).",
))
def q1(cluster_spread):
    samples, centroids, nearest, k = *_with_empty_clusters(seed=1, n_far=1), 4
    cases = [("with 4 clusters, cluster 3 empty", samples, nearest, None)]
    _, _, mixed, _ = _given_labels()
    cases.append(("with 4 clusters, cluster 3 empty, and labels that are not the nearest centroids", samples, mixed,
                  nearest))
    for description, samples, labels, nearest_labels in cases:
        what = f"cluster_spread(samples, nearest_indices, centroids) {description}"
        spread = as_numpy(call_learner(cluster_spread, samples, labels, centroids, what=what), what)
        if spread.shape == (k, samples.shape[1]):
            raise Wrong(f"{what} returned shape {spread.shape}: one value per cluster and feature. Expected ({k},): "
                        "add up the squared differences over the features too.")
        if spread.shape != (k,):
            raise Wrong(f"{what} returned shape {spread.shape}; expected ({k},): one number per cluster.")
        counts = np.bincount(labels.numpy(), minlength=k)
        nan = np.flatnonzero(~np.isfinite(spread))
        if nan.size:
            j = int(nan[0])
            if counts[j] == 0:
                raise Wrong(f"cluster {j} is {num(spread[j])}: it is empty, 0 samples, so 0 / 0. Guard the division "
                            "and report 0.")
            raise Wrong(f"cluster {j} ({counts[j]} samples) is {num(spread[j])}; every cluster with samples has a "
                        "finite spread. Is something divided by zero or a square root taken of a negative number?")
        expected = _spread(samples, centroids, labels.numpy(), k)
        if np.allclose(spread, expected, rtol=1e-4, atol=1e-3):
            continue
        if nearest_labels is not None and np.allclose(spread, _spread(samples, centroids, nearest_labels.numpy(), k),
                                                      rtol=1e-4, atol=1e-3):
            raise Wrong(f"{what}: you gave each sample its nearest centroid's label instead of the label passed in "
                        "nearest_indices. Use the labels you are given: the spread belongs to that labelling.")
        own = _own_squared_distances(samples, centroids, labels.numpy())
        sums = np.bincount(labels.numpy(), weights=own, minlength=k)
        if np.allclose(spread, sums, rtol=1e-4, atol=1e-3):
            raise Wrong("these are the sums of squared distances; divide each by its cluster's number of samples.")
        if np.allclose(spread, sums / len(own), rtol=1e-4, atol=1e-3):
            raise Wrong(f"you divided every sum by all {len(own)} samples; divide by each cluster's own count.")
        if np.allclose(spread, _spread_about_means(samples, labels.numpy(), k), rtol=1e-4, atol=1e-3):
            raise Wrong(f"{what}: these are the spreads around each cluster's own mean (the centroids an update "
                        "would give), not around the centroids passed in. Measure each sample's squared distance "
                        "to centroids[j], the centroid of its label.")
        if np.allclose(spread**2, expected, rtol=1e-3, atol=1e-3) or np.allclose(
            spread, np.bincount(labels.numpy(), weights=np.sqrt(own), minlength=k) / np.maximum(counts, 1), rtol=1e-4
        ):
            raise Wrong("these are distances, not squared distances: leave out the square root.")
        j = int(np.argmax(np.abs(spread - expected)))
        raise Wrong(f"{what}: cluster {j} ({counts[j]} samples) has spread {num(spread[j])}; the mean squared "
                    f"distance of its samples to centroid {j} is {num(expected[j])}.")
    return "the mean squared distance per cluster for the labels given, and 0 for the empty one."


def _spread_about_means(samples, labels, k):
    """Each cluster's mean squared distance to the mean of its own samples (0 when empty)."""
    samples = np.asarray(samples, np.float64)
    counts = np.maximum(np.bincount(labels, minlength=k), 1)
    means = np.stack([np.bincount(labels, weights=column, minlength=k) for column in samples.T], axis=1)
    return _spread(samples, means / counts[:, None], labels, k)


def _spread(samples, centroids, labels, k):
    own = _own_squared_distances(samples, centroids, labels)
    return np.bincount(labels, weights=own, minlength=k) / np.maximum(np.bincount(labels, minlength=k), 1)


def _q2_cases():
    for n_far in (1, 2):
        yield _with_empty_clusters(seed=2, n_far=n_far)
    # Labels that are not the nearest (each sample given the next blob's cluster), so the sample
    # farthest from its own centroid is not the one farthest from its nearest (58, not 67).
    samples, centroids, nearest = _with_empty_clusters(seed=2, n_far=1)
    yield samples, centroids, (nearest + 1) % 3


@exercise(2, hints=(
    "Three steps: find the clusters that own no sample, rank the samples by their distance to their own "
    "centroid, and write the farthest samples into the empty clusters' rows.",
    "Count the samples per cluster (unsorted_segment_sum of ones, or tf.math.bincount with minlength=k); "
    "tf.where on a count of 0 lists the empty clusters. Each sample's squared distance to its own centroid is"
    " as in exercise 1.",
    "tf.argsort with direction='DESCENDING' puts the farthest sample first; take as many as there are empty "
    "clusters. tf.tensor_scatter_nd_update writes rows into a tensor; its indices need shape (number of rows,"
    " 1).",
))
def q2(relocate_empty):
    for samples, centroids, labels in _q2_cases():
        k = centroids.shape[0]
        empty = sorted(set(range(k)) - set(labels.numpy().tolist()))
        what = f"relocate_empty(samples, centroids, nearest_indices) with {k} clusters, {empty} empty"
        moved = as_numpy(call_learner(relocate_empty, samples, centroids, labels, what=what), what)
        if moved.shape != tuple(centroids.shape):
            raise Wrong(f"{what} returned shape {moved.shape}; expected {tuple(centroids.shape)}: all the centroids.")
        if not np.all(np.isfinite(moved)):
            j = int(np.flatnonzero(~np.isfinite(moved).all(axis=1))[0])
            raise Wrong(f"centroid {j} is NaN: is it empty? An empty cluster has no mean; move it to a sample.")
        old = centroids.numpy()
        for j in range(3):
            if not np.allclose(moved[j], old[j]):
                raise Wrong(f"centroid {j} owns samples, so it should stay where it is; it moved from "
                            f"{_point(old[j])} to {_point(moved[j])}.")
        own = _own_squared_distances(samples, centroids, labels.numpy())
        order = np.argsort(-own, kind="stable")
        index_of = row_finder(samples)
        picked = []
        for rank, j in enumerate(empty):
            if np.allclose(moved[j], old[j]):
                raise Wrong(f"centroid {j} owns no sample but did not move: move it to the sample farthest "
                            "from its own centroid.")
            index = index_of(moved[j])
            if index is None:
                origin = (" The origin is where tf.math.unsorted_segment_mean (or divide_no_nan) puts a cluster "
                          "with no sample: an empty cluster has no mean to move to.") if not moved[j].any() else ""
                raise Wrong(f"centroid {j} owns no sample and moved to {_point(moved[j])}, which is not one of the "
                            f"samples: move it onto the sample farthest from its own centroid.{origin}")
            if index in picked:
                raise Wrong(f"centroids {empty[picked.index(index)]} and {j} both moved to sample {index}: give each "
                            "empty cluster a different sample, the farthest first.")
            if index != order[rank]:
                raise Wrong(f"centroid {j} moved to sample {index}, {np.sqrt(own[index]):.1f} from its centroid; "
                            f"the {'farthest' if rank == 0 else 'next farthest'} sample is {order[rank]}, "
                            f"{np.sqrt(own[order[rank]]):.1f} from its centroid.")
            picked.append(index)
    return "empty clusters move to the farthest samples, one each; the others stay."
