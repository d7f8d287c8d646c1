"""The checks of lesson 04 accept the right answer and reject the mistakes learners make."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.exercises import ____, Outcome
from helpers.exercises import lesson04 as ex

# ----------------------------------------------------------------------- exercise 1


def _own(samples, labels, centroids):
    return tf.reduce_sum((samples - tf.gather(centroids, labels)) ** 2, axis=1)


def _counts(samples, labels, k):
    return tf.math.unsorted_segment_sum(tf.ones_like(samples[:, 0]), labels, k)


def spread(samples, labels, centroids):
    k = centroids.shape[0]
    sums = tf.math.unsorted_segment_sum(_own(samples, labels, centroids), labels, k)
    return tf.math.divide_no_nan(sums, _counts(samples, labels, k))


def spread_nan(samples, labels, centroids):
    k = centroids.shape[0]
    return tf.math.unsorted_segment_sum(_own(samples, labels, centroids), labels, k) / _counts(samples, labels, k)


def spread_partition(samples, labels, centroids):  # the tutorial's dynamic_partition: reduce_mean([]) is NaN
    parts = tf.dynamic_partition(_own(samples, labels, centroids), labels, centroids.shape[0])
    return tf.stack([tf.reduce_mean(part) for part in parts])


def spread_sums(samples, labels, centroids):
    return tf.math.unsorted_segment_sum(_own(samples, labels, centroids), labels, centroids.shape[0])


def spread_over_all(samples, labels, centroids):
    return spread_sums(samples, labels, centroids) / samples.shape[0]


def spread_per_feature(samples, labels, centroids):
    k = centroids.shape[0]
    sums = tf.math.unsorted_segment_sum((samples - tf.gather(centroids, labels)) ** 2, labels, k)
    return tf.math.divide_no_nan(sums, _counts(samples, labels, k)[:, None])


def spread_not_squared(samples, labels, centroids):
    k = centroids.shape[0]
    sums = tf.math.unsorted_segment_sum(tf.sqrt(_own(samples, labels, centroids)), labels, k)
    return tf.math.divide_no_nan(sums, _counts(samples, labels, k))


def test_q1_accepts_the_right_answer():
    result = ex.q1.evaluate(spread)
    assert result.outcome is Outcome.CORRECT, result


def test_q1_placeholder_is_not_attempted():
    assert ex.q1.evaluate(lambda s, l, c: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q1.evaluate(lambda s, l, c: tf.math.divide_no_nan(____, 2.0)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (spread_nan, "cluster 3 is nan: it is empty, 0 samples"),
        (spread_partition, "cluster 3 is nan: it is empty"),
        (spread_sums, "these are the sums"),
        (spread_over_all, "divided every sum by all 90 samples"),
        (spread_per_feature, "returned shape (4, 2): one value per cluster and feature"),
        (spread_not_squared, "not squared distances"),
    ],
)
def test_q1_rejects_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


# Exercise 1 asks for the mean squared distance of each cluster's samples to its centroid, and 0 (not NaN) for
# an empty cluster. tf.math.unsorted_segment_mean of each sample's squared distance is exactly that: a mean per
# segment, and 0 for a segment with no element. The text's "use unsorted_segment_sum" points away from a Python
# loop, not away from its sibling, so these answers are right and must pass (the empty cluster 3 is in the case).
def spread_segment_mean(samples, labels, centroids):
    return tf.math.unsorted_segment_mean(_own(samples, labels, centroids), labels, centroids.shape[0])


def spread_segment_mean_per_feature(samples, labels, centroids):  # mean per feature, then summed: the same
    squares = (samples - tf.gather(centroids, labels)) ** 2
    return tf.reduce_sum(tf.math.unsorted_segment_mean(squares, labels, centroids.shape[0]), axis=1)


def test_q1_accepts_unsorted_segment_mean():
    samples, centroids, labels = ex._with_empty_clusters(seed=1, n_far=1)
    assert float(spread_segment_mean(samples, labels, centroids)[3]) == 0.0  # the empty cluster: 0, not NaN
    for right in (spread_segment_mean, spread_segment_mean_per_feature):
        result = ex.q1.evaluate(right)
        assert result.outcome is Outcome.CORRECT, result


def spread_about_means(samples, labels, centroids):  # wrong: around each cluster's mean, not the centroid given
    k = centroids.shape[0]
    means = tf.math.unsorted_segment_mean(samples, labels, k)
    return tf.math.unsorted_segment_mean(_own(samples, labels, means), labels, k)


def test_q1_rejects_the_spread_about_the_cluster_means():
    result = ex.q1.evaluate(spread_about_means)
    assert result.outcome is Outcome.WRONG
    assert "around each cluster's own mean (the centroids an update would give), not around the centroids passed " \
           "in" in result.message, result.message


# ----------------------------------------------------------------------- exercise 2


def relocate(samples, centroids, labels, *, distance=None, pick=None):
    k = centroids.shape[0]
    counts = tf.math.unsorted_segment_sum(tf.ones_like(samples[:, 0]), labels, k)
    empty = tf.where(counts == 0)[:, 0]
    own = _own(samples, labels, centroids) if distance is None else distance(samples)
    farthest = tf.argsort(own, direction="DESCENDING", stable=True)
    chosen = farthest[: tf.size(empty)] if pick is None else pick(farthest, tf.size(empty))
    return tf.tensor_scatter_nd_update(centroids, empty[:, None], tf.gather(samples, chosen))


def keep_previous(samples, centroids, labels):
    return centroids


def to_origin(samples, centroids, labels):  # where unsorted_segment_mean puts an empty cluster
    counts = tf.math.unsorted_segment_sum(tf.ones_like(samples[:, 0]), labels, centroids.shape[0])
    return tf.where(counts[:, None] > 0, centroids, 0.0)


def all_to_the_farthest(samples, centroids, labels):
    return relocate(samples, centroids, labels, pick=lambda order, n: tf.repeat(order[:1], n))


def farthest_from_origin(samples, centroids, labels):
    return relocate(samples, centroids, labels, distance=lambda s: tf.reduce_sum(s**2, axis=1))


def nearest_instead(samples, centroids, labels):
    return relocate(samples, centroids, labels, pick=lambda order, n: tf.reverse(order, [0])[:n])


def distance_to_nearest_centroid(samples, centroids, labels):
    """Ranks by the distance to the nearest centroid, not to the sample's own: the same only while labels are nearest."""
    nearest = tf.reduce_min(tf.reduce_sum((samples[:, None, :] - centroids[None, :, :]) ** 2, axis=2), axis=1)
    return relocate(samples, centroids, labels, distance=lambda s: nearest)


def moves_everyone(samples, centroids, labels):
    moved = relocate(samples, centroids, labels)
    return moved + tf.constant(np.r_[np.ones((3, 2)), np.zeros((moved.shape[0] - 3, 2))], tf.float32)


def test_q2_accepts_the_right_answer():
    result = ex.q2.evaluate(relocate)
    assert result.outcome is Outcome.CORRECT, result


def test_q2_placeholder_is_not_attempted():
    assert ex.q2.evaluate(lambda s, c, l: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q2.evaluate(lambda s, c, l: tf.tensor_scatter_nd_update(c, ____, ____)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (keep_previous, "owns no sample but did not move"),
        (to_origin, "centroid 3 owns no sample and moved to (0.00, 0.00), which is not one of the samples: move it "
                    "onto the sample farthest from its own centroid. The origin is where "
                    "tf.math.unsorted_segment_mean"),
        (all_to_the_farthest, "both moved to sample"),
        (farthest_from_origin, "the farthest sample is"),
        (nearest_instead, "the farthest sample is"),
        (distance_to_nearest_centroid, "the farthest sample is"),
        (moves_everyone, "centroid 0 owns samples, so it should stay"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


# ------------------------------------------------- more learner answers, both exercises


def relabels_by_nearest(samples, labels, centroids):  # ignores the labels it is given
    distances = tf.reduce_sum((samples[:, None, :] - centroids[None, :, :]) ** 2, axis=2)
    return spread(samples, tf.argmin(distances, axis=1, output_type=tf.int32), centroids)


def bincount_without_minlength(samples, labels, centroids):  # counts of length max(label) + 1 = 3
    sums = tf.math.unsorted_segment_sum(_own(samples, labels, centroids), labels, 3)
    return tf.math.divide_no_nan(sums, tf.cast(tf.math.bincount(labels), tf.float32))


def mean_over_features(samples, labels, centroids):  # reduce_mean over the features instead of the sum
    k = centroids.shape[0]
    own = tf.reduce_mean((samples - tf.gather(centroids, labels)) ** 2, axis=1)
    return tf.math.divide_no_nan(tf.math.unsorted_segment_sum(own, labels, k), _counts(samples, labels, k))


def spread_forgot_return(samples, labels, centroids):
    spread(samples, labels, centroids)


def spread_numpy(samples, labels, centroids):  # right: NumPy, float64, bincount with minlength
    s, c, lab = np.asarray(samples, np.float64), np.asarray(centroids, np.float64), np.asarray(labels)
    own = ((s - c[lab]) ** 2).sum(axis=1)
    counts = np.bincount(lab, minlength=len(c))
    return np.bincount(lab, weights=own, minlength=len(c)) / np.maximum(counts, 1)


def spread_loop(samples, labels, centroids):  # right: a Python loop over the clusters with boolean masks
    values = []
    for j in range(centroids.shape[0]):
        members = tf.boolean_mask(samples, labels == j)
        if members.shape[0] == 0:
            values.append(0.0)
        else:
            values.append(float(tf.reduce_mean(tf.reduce_sum((members - centroids[j]) ** 2, axis=1))))
    return values


def test_q1_more_right_answers():
    for answer in (spread_numpy, spread_loop):
        result = ex.q1.evaluate(answer)
        assert result.outcome is Outcome.CORRECT, result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (relabels_by_nearest, "instead of the label passed in nearest_indices"),
        (bincount_without_minlength, "returned shape (3,)"),
        (mean_over_features, "has spread"),
        (spread_forgot_return, "returned None: did you forget `return`?"),
    ],
)
def test_q1_rejects_more_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


def test_q1_given_labels_are_not_the_nearest():
    samples, centroids, labels, nearest = ex._given_labels()
    assert not np.array_equal(labels.numpy(), nearest.numpy())
    assert not np.allclose(ex._spread(samples, centroids, labels.numpy(), 4),
                           ex._spread(samples, centroids, nearest.numpy(), 4), rtol=1e-3)


def relocate_numpy(samples, centroids, labels):  # right: NumPy throughout, returns an array
    s, c, lab = np.asarray(samples), np.array(centroids), np.asarray(labels)
    empty = np.flatnonzero(np.bincount(lab, minlength=len(c)) == 0)
    own = ((s - c[lab]) ** 2).sum(axis=1)
    c[empty] = s[np.argsort(-own, kind="stable")[: len(empty)]]
    return c


def relocate_loop(samples, centroids, labels):  # right: one empty cluster at a time, with tf.Variable
    moved = tf.Variable(centroids)
    own = _own(samples, labels, centroids).numpy()
    order = np.argsort(-own, kind="stable")
    counts = np.bincount(labels.numpy(), minlength=centroids.shape[0])
    for rank, j in enumerate(np.flatnonzero(counts == 0)):
        moved[j].assign(samples[int(order[rank])])
    return moved


def relocate_forgot_return(samples, centroids, labels):
    relocate(samples, centroids, labels)


def relocate_int64_mix(samples, centroids, labels):  # tf.where's int64 indices added to an int32 count
    counts = tf.math.bincount(labels, minlength=centroids.shape[0])
    empty = tf.where(counts == 0)[:, 0] + tf.constant(0, tf.int32)
    return tf.tensor_scatter_nd_update(centroids, empty[:, None], samples[:1])


def test_q2_more_right_answers():
    for answer in (relocate_numpy, relocate_loop):
        result = ex.q2.evaluate(answer)
        assert result.outcome is Outcome.CORRECT, result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (relocate_forgot_return, "returned None: did you forget `return`?"),
        (relocate_int64_mix, "int64 mixed with int32"),
        (lambda s, c, lab: c.numpy().T, "returned shape (2, 4)"),
    ],
)
def test_q2_rejects_more_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message
    assert "function_node" not in result.message
