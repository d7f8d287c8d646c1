"""The checks of lesson 03 accept the right answer and reject the mistakes learners make."""

import numpy as np
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


# ------------------------------------------------- more learner answers, both exercises


def l1_distance(samples, centroids):  # |x - c| summed: the nearest by another measure
    return tf.argmin(tf.reduce_sum(tf.abs(samples[:, None, :] - centroids[None, :, :]), axis=2), axis=1)


def kept_dims(samples, centroids):  # keepdims=True on the feature sum: labels of shape (n, 1)
    distances = tf.reduce_sum((samples[:, None, :] - centroids[None, :, :]) ** 2, axis=2, keepdims=True)
    return tf.argmin(distances, axis=1)


def forgot_return(samples, centroids):
    tf.argmin(tf.reduce_sum((samples[:, None, :] - centroids[None, :, :]) ** 2, axis=2), axis=1)


def numpy_argmin(samples, centroids):  # right: NumPy all the way, int64 labels
    s, c = np.asarray(samples), np.asarray(centroids)
    return ((s[:, None, :] - c[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)


def with_norm(samples, centroids):  # right: true distances (sqrt) do not change the argmin
    return tf.argmin(tf.norm(samples[:, None, :] - centroids[None, :, :], axis=2), axis=1, output_type=tf.int32)


def test_q1_more_right_answers():
    for answer in (numpy_argmin, with_norm):
        result = ex.q1.evaluate(answer)
        assert result.outcome is Outcome.CORRECT, result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (l1_distance, "Every label should be the nearest centroid"),
        (kept_dims, "expected (120,)"),
        (forgot_return, "returned None: did you forget `return`?"),
    ],
)
def test_q1_rejects_more_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


def numpy_broadcast(samples, centroids):  # escapes tracing: NumPy builds the (n, k, d) array
    s, c = np.asarray(samples), np.asarray(centroids)
    return ((s[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)


def tf_then_numpy(samples, centroids):  # TensorFlow builds (n, k, d), then one .numpy() stops tracing
    table = tf.reduce_sum((samples[:, None, :] - centroids[None, :, :]) ** 2, axis=2).numpy()
    return tf.constant(table)


def numpy_first_then_tf(samples, centroids):  # NumPy inputs, TensorFlow broadcast
    s, c = samples.numpy(), centroids.numpy()
    return tf.reduce_sum(tf.square(tf.constant(s)[:, None, :] - c[None, :, :]), axis=2)


@tf.function
def compiled_broadcast(samples, centroids):
    return tf.reduce_sum((samples[:, None, :] - centroids[None, :, :]) ** 2, axis=2)


def numpy_expansion(samples, centroids):  # right: the expansion in NumPy, clamped, returned as an array
    s, c = np.asarray(samples, np.float64), np.asarray(centroids, np.float64)
    table = (s**2).sum(axis=1, keepdims=True) - 2 * s @ c.T + (c**2).sum(axis=1)
    return np.maximum(table, 0.0)


def einsum_expansion(samples, centroids):  # right: einsum for the cross term
    cross = tf.einsum("nd,kd->nk", samples, centroids)
    table = tf.reduce_sum(samples**2, 1)[:, None] - 2 * cross + tf.reduce_sum(centroids**2, 1)[None, :]
    return tf.nn.relu(table)


@tf.function
def compiled_expansion(samples, centroids):  # right, and already compiled
    return expansion(samples, centroids)


def test_q2_more_right_answers():
    for answer in (numpy_expansion, einsum_expansion, compiled_expansion):
        result = ex.q2.evaluate(answer)
        assert result.outcome is Outcome.CORRECT, result
        assert "built no TensorFlow tensor or NumPy array as large as (n, k, d)" in result.message


@pytest.mark.parametrize(
    "wrong, message",
    [
        (numpy_broadcast, "made NumPy hold"),
        (tf_then_numpy, "builds a TensorFlow tensor of 8,192,000 numbers"),
        (numpy_first_then_tf, "builds a TensorFlow tensor of 8,192,000 numbers"),
        (compiled_broadcast, "builds a TensorFlow tensor of 8,192,000 numbers"),
        (lambda s, c: None, "returned None: did you forget `return`?"),
        (lambda s, c: tf.matmul(s, c, transpose_b=True), "the squared distance from sample"),
    ],
)
def test_q2_rejects_more_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


def test_q2_says_plainly_when_the_tensor_watch_is_unavailable(monkeypatch):
    monkeypatch.setattr(ex, "op_callbacks", lambda: None)  # as in a TensorFlow without the hook
    result = ex.q2.evaluate(numpy_broadcast)
    assert result.outcome is Outcome.CORRECT
    assert "was NOT checked" in result.message
    assert "no (n, k, d)" not in result.message


def test_errors_reach_the_learner_as_advice_without_device_text():
    result = ex.q2.evaluate(no_transpose_b)
    assert "transpose_b=True" in result.message
    assert "function_node" not in result.message and "/device:" not in result.message
    result = ex.q1.evaluate(wrong_way_round)
    assert "do not broadcast" in result.message and "function_node" not in result.message
