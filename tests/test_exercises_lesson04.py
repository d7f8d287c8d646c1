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
        (spread_nan, "cluster 3 is nan: is it empty? It is empty"),
        (spread_partition, "cluster 3 is nan: is it empty?"),
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
        (to_origin, "centroid 3 moved to (0.00, 0.00), which is not one of the samples"),
        (all_to_the_farthest, "both moved to sample"),
        (farthest_from_origin, "the farthest sample is"),
        (nearest_instead, "the farthest sample is"),
        (moves_everyone, "centroid 0 owns samples, so it should stay"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message
