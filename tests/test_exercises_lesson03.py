"""The checks of lesson 03 accept the right answer and reject the mistakes learners make."""

import pytest
import tensorflow as tf

from helpers.exercises import ____, Outcome
from helpers.exercises import lesson03 as ex

# ----------------------------------------------------------------------- exercise 1


def broadcast(samples, centroids):
    differences = samples[:, None, :] - centroids[None, :, :]  # (n, k, d)
    return tf.argmin(tf.reduce_sum(differences**2, axis=2), axis=1)


def argmin_wrong_axis(samples, centroids):
    differences = samples[:, None, :] - centroids[None, :, :]
    return tf.argmin(tf.reduce_sum(differences**2, axis=2), axis=0)


def seed_layout_with_mnist_axis(samples, centroids):  # (k, n, d) from the TF1 tutorial, argmin as in the MNIST answer
    differences = tf.expand_dims(samples, 0) - tf.expand_dims(centroids, 1)
    return tf.argmin(tf.reduce_sum(differences**2, axis=2), axis=1)


def wrong_way_round(samples, centroids):  # (1, n, d) against (1, k, d): shapes do not broadcast
    differences = samples[None, :, :] - centroids[None, :, :]
    return tf.argmin(tf.reduce_sum(differences**2, axis=2), axis=1)


def argmax(samples, centroids):
    differences = samples[:, None, :] - centroids[None, :, :]
    return tf.argmax(tf.reduce_sum(differences**2, axis=2), axis=1)


def summed_over_centroids(samples, centroids):
    differences = samples[:, None, :] - centroids[None, :, :]
    return tf.argmin(tf.reduce_sum(differences**2, axis=1), axis=1)


def as_floats(samples, centroids):
    return tf.cast(broadcast(samples, centroids), tf.float32)


def test_q1_accepts_the_right_answer():
    assert ex.q1.evaluate(broadcast).outcome is Outcome.CORRECT
    assert ex.q1.evaluate(seed_layout_and_right_axis).outcome is Outcome.CORRECT


def seed_layout_and_right_axis(samples, centroids):
    differences = tf.expand_dims(samples, 0) - tf.expand_dims(centroids, 1)  # (k, n, d)
    return tf.argmin(tf.reduce_sum(differences**2, axis=2), axis=0, output_type=tf.int32)


def test_q1_placeholder_is_not_attempted():
    assert ex.q1.evaluate(lambda s, c: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q1.evaluate(lambda s, c: tf.argmin(____, axis=1)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (argmin_wrong_axis, "returned shape (3,): one value per centroid"),
        (seed_layout_with_mnist_axis, "returned shape (3,): one value per centroid"),
        (wrong_way_round, "raised InvalidArgumentError"),
        (argmax, "Every label should be the nearest centroid"),
        (summed_over_centroids, "Every label should be the nearest centroid"),
        (as_floats, "expected integers"),
    ],
)
def test_q1_rejects_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


# ----------------------------------------------------------------------- exercise 2


def expansion(samples, centroids):
    samples_sq = tf.reduce_sum(samples**2, axis=1, keepdims=True)
    centroids_sq = tf.reduce_sum(centroids**2, axis=1)
    cross = tf.matmul(samples, centroids, transpose_b=True)
    return tf.maximum(samples_sq - 2.0 * cross + centroids_sq, 0.0)


def unclamped(samples, centroids):
    samples_sq = tf.reduce_sum(samples**2, axis=1, keepdims=True)
    return samples_sq - 2.0 * tf.matmul(samples, centroids, transpose_b=True) + tf.reduce_sum(centroids**2, axis=1)


def broadcast_table(samples, centroids):
    return tf.reduce_sum((samples[:, None, :] - centroids[None, :, :]) ** 2, axis=2)


def without_samples_sq(samples, centroids):
    return tf.reduce_sum(centroids**2, axis=1) - 2.0 * tf.matmul(samples, centroids, transpose_b=True)


def with_sqrt(samples, centroids):
    return tf.sqrt(expansion(samples, centroids))


def transposed(samples, centroids):
    return tf.transpose(expansion(samples, centroids))


def no_transpose_b(samples, centroids):
    return tf.matmul(samples, centroids)


def test_q2_accepts_the_right_answer():
    result = ex.q2.evaluate(expansion)
    assert result.outcome is Outcome.CORRECT, result


def test_q2_placeholder_is_not_attempted():
    assert ex.q2.evaluate(lambda s, c: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q2.evaluate(lambda s, c: tf.maximum(____, 0.0)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (unclamped, "clamp with tf.maximum"),
        (broadcast_table, "as large as (n, k, d)"),
        (without_samples_sq, "short by that sample's ||x||²"),
        (with_sqrt, "not squared distances"),
        (transposed, "transposed"),
        (no_transpose_b, "raised InvalidArgumentError"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message
