"""The checks of lesson 07 accept the right answer and reject the mistakes learners make."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.exercises import ____, Outcome
from helpers.exercises import lesson07 as ex
from helpers.functions import _assign_to_nearest, _update_centroids

# ----------------------------------------------------------------------- exercise 1


def make(n_offset=0, compiled=True):
    def lloyd_iterations(samples, centroids, n_iter):
        k = centroids.shape[0]
        for _ in tf.range(n_iter + n_offset):
            labels = _assign_to_nearest(samples, centroids)
            centroids = _update_centroids(samples, labels, k, centroids)
        return centroids

    return tf.function(lloyd_iterations) if compiled else lloyd_iterations


def test_q1_accepts_the_right_answer():
    result = ex.q1.evaluate(make())
    assert result.outcome is Outcome.CORRECT, result


def test_q1_placeholder_is_not_attempted():
    assert ex.q1.evaluate(tf.function(lambda s, c, n: ____)).outcome is Outcome.NOT_ATTEMPTED


def fixed_three(samples, centroids, n_iter):
    for _ in tf.range(n_iter):
        labels = _assign_to_nearest(samples, centroids)
        centroids = _update_centroids(samples, labels, 3, centroids)
    return centroids


@pytest.mark.parametrize(
    "wrong, message",
    [
        (make(compiled=False), "plain Python function"),
        (make(n_offset=1), "after 1 iteration(s); expected 0"),
        (tf.function(fixed_three), "raised ValueError"),
        (tf.function(lambda s, c, n: c + tf.cast(n, tf.float32)), "gave [["),
        (tf.function(lambda s, c, n: tf.transpose(c)), "returned shape (2, 3)"),
    ],
)
def test_q1_rejects_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


def test_q1_rejects_a_loop_that_needs_a_static_n_iter():
    @tf.function
    def static(samples, centroids, n_iter):
        n = tf.get_static_value(n_iter)
        for _ in range(n if n is not None else 0):
            centroids = _update_centroids(samples, _assign_to_nearest(samples, centroids), centroids.shape[0], centroids)
        return centroids

    result = ex.q1.evaluate(static)
    assert result.outcome is Outcome.WRONG
    assert "iteration(s)" in result.message or "traced" in result.message


def while_loop_version():  # right: an explicit tf.while_loop
    @tf.function
    def lloyd_iterations(samples, centroids, n_iter):
        k = centroids.shape[0]

        def body(i, c):
            return i + 1, _update_centroids(samples, _assign_to_nearest(samples, c), k, c)

        return tf.while_loop(lambda i, c: i < n_iter, body, (tf.constant(0), centroids))[1]

    return lloyd_iterations


def with_input_signature():  # right: a fixed signature, relaxed shapes
    @tf.function(input_signature=[tf.TensorSpec((None, None), tf.float32), tf.TensorSpec((None, None), tf.float32),
                                  tf.TensorSpec((), tf.int32)])
    def lloyd_iterations(samples, centroids, n_iter):
        for _ in tf.range(n_iter):
            centroids = _update_centroids(samples, _assign_to_nearest(samples, centroids), tf.shape(centroids)[0],
                                          centroids)
        return centroids

    return lloyd_iterations


def test_q1_more_right_answers():
    for right in (while_loop_version(), with_input_signature()):
        result = ex.q1.evaluate(right)
        assert result.outcome is Outcome.CORRECT, result


@tf.function
def no_return(samples, centroids, n_iter):
    for _ in tf.range(n_iter):
        centroids = _update_centroids(samples, _assign_to_nearest(samples, centroids), centroids.shape[0], centroids)


@tf.function
def always_ten(samples, centroids, n_iter):
    for _ in tf.range(10):
        centroids = _update_centroids(samples, _assign_to_nearest(samples, centroids), centroids.shape[0], centroids)
    return centroids


@pytest.mark.parametrize(
    "wrong, message",
    [
        (no_return, "returned None: did you forget `return`?"),
        (always_ten, "or more iterations (they stop changing there); expected 0"),
    ],
)
def test_q1_rejects_more_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


# ----------------------------------------------------------------------- exercise 2


def by_matmul(samples, labels, k):
    one_hot = tf.one_hot(labels, k)
    return tf.matmul(one_hot, samples, transpose_a=True), tf.reduce_sum(one_hot, axis=0)


def by_segments(samples, labels, k):
    return tf.math.unsorted_segment_sum(samples, labels, k), tf.math.bincount(labels, minlength=k)


def depth_from_labels(samples, labels, k):
    one_hot = tf.one_hot(labels, tf.reduce_max(labels) + 1)
    return tf.matmul(one_hot, samples, transpose_a=True), tf.reduce_sum(one_hot, axis=0)


def counts_over_features(samples, labels, k):
    one_hot = tf.one_hot(labels, k)
    return tf.matmul(one_hot, samples, transpose_a=True), tf.reduce_sum(one_hot, axis=1)


def no_transpose(samples, labels, k):
    return tf.matmul(tf.one_hot(labels, k), samples), tf.zeros(k)


def python_loop(samples, labels, k):
    s = samples.numpy()
    ids = labels.numpy()
    return np.stack([s[ids == j].sum(axis=0) for j in range(k)]), np.bincount(ids, minlength=k)


def test_q2_accepts_right_answers():
    assert ex.q2.evaluate(by_matmul).outcome is Outcome.CORRECT
    result = ex.q2.evaluate(lambda s, l, k: tuple(by_matmul(s, l, k))[::-1][::-1])
    assert result.outcome is Outcome.CORRECT, result


def test_q2_placeholder_is_not_attempted():
    assert ex.q2.evaluate(lambda s, l, k: (____, ____)).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q2.evaluate(lambda s, l, k: tf.matmul(____, s)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (by_segments, "by tf.math.unsorted_segment_sum"),
        (depth_from_labels, "sums have shape (3, 3); expected (4, 3)"),
        (counts_over_features, "counts have shape (120,)"),
        (no_transpose, "raised InvalidArgumentError"),
        (python_loop, "with no matrix product that TensorFlow ran"),
        (lambda s, l, k: (tf.zeros((k, 3)) + tf.math.unsorted_segment_sum(s, l, k), tf.math.bincount(l, minlength=k)), "by tf.math.unsorted_segment_sum"),
        (lambda s, l, k: by_matmul(s, l, k)[0], "should return a pair"),
        (lambda s, l, k: (tf.reduce_sum(tf.one_hot(l, k)[:, :, None] * s[:, None, :], axis=0), tf.math.bincount(l, minlength=k)), "with no matrix product that TensorFlow ran"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


def by_matmul_then_numpy(samples, labels, k):  # right: one-hot product, then .numpy() (no tracing needed)
    sums, counts = by_matmul(samples, labels, k)
    return sums.numpy(), counts.numpy()


def by_einsum(samples, labels, k):  # right: einsum is a matrix product too; counts by bincount
    one_hot = tf.one_hot(labels, k, dtype=samples.dtype)
    return tf.einsum("nk,nd->kd", one_hot, samples), tf.math.bincount(labels, minlength=k)


@tf.function
def by_matmul_compiled(samples, labels, k):  # right, and compiled
    return by_matmul(samples, labels, k)


def test_q2_more_right_answers():
    for right in (by_matmul_then_numpy, by_einsum, by_matmul_compiled):
        result = ex.q2.evaluate(right)
        assert result.outcome is Outcome.CORRECT, result


def segments_plus_unused_matmul(samples, labels, k):  # dodges the op check with a matmul that does nothing
    tf.matmul(tf.one_hot(labels, k), samples, transpose_a=True)
    return tf.math.unsorted_segment_sum(samples, labels, k), tf.math.bincount(labels, minlength=k)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda s, l, k: by_matmul(s, l, k)[::-1], "look swapped"),
        (lambda s, l, k: None, "returned None: did you forget `return`?"),
        (segments_plus_unused_matmul, "unsorted_segment_sum is still in there"),
        (lambda s, l, k: (tf.matmul(tf.one_hot(l, k), s, transpose_a=True), tf.math.bincount(l)), "counts have shape (3,)"),
        (lambda s, l, k: by_matmul(tf.cast(s, tf.float64), l, k), "float64 mixed with float32"),
    ],
)
def test_q2_rejects_more_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


def test_q2_says_plainly_when_ops_cannot_be_watched(monkeypatch):
    monkeypatch.setattr(ex, "op_callbacks", lambda: None)
    result = ex.q2.evaluate(by_segments)
    assert result.outcome is Outcome.CORRECT
    assert "was NOT checked" in result.message and "by one matrix product" not in result.message
