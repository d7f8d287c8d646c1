"""The checks of lesson 06 accept the right answer and reject the mistakes learners make."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.exercises import ____, Outcome
from helpers.exercises import lesson06 as ex

# ----------------------------------------------------------------------- exercise 1


def _distances(samples, centroids):
    samples_sq = tf.reduce_sum(samples**2, axis=1, keepdims=True)
    cross = tf.matmul(samples, centroids, transpose_b=True)
    return tf.maximum(samples_sq - 2.0 * cross + tf.reduce_sum(centroids**2, axis=1), 0.0)


def nearest_sample(samples, centroids):
    return tf.argmin(_distances(samples, centroids), axis=0)


def test_q1_accepts_the_right_answer():
    result = ex.q1.evaluate(nearest_sample)
    assert result.outcome is Outcome.CORRECT, result


def test_q1_placeholder_is_not_attempted():
    assert ex.q1.evaluate(lambda s, c: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q1.evaluate(lambda s, c: tf.argmin(____, axis=0)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda s, c: tf.argmin(_distances(s, c), axis=1), "returned shape (400,): one value per sample"),
        (lambda s, c: tf.argmax(_distances(s, c), axis=0), "is nearer"),
        (lambda s, c: tf.reduce_min(_distances(s, c), axis=0), "expected integer indices"),
        (lambda s, c: tf.argmin(_distances(s, c)[:, ::-1], axis=0), "is nearer"),
        (lambda s, c: np.arange(c.shape[0]), "is nearer"),
    ],
)
def test_q1_rejects_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


def nearest_sample_numpy(samples, centroids):  # right: NumPy broadcast (small data), int64 indices
    s, c = np.asarray(samples, np.float64), np.asarray(centroids, np.float64)
    return ((s[:, None, :] - c[None, :, :]) ** 2).sum(axis=2).argmin(axis=0)


def nearest_sample_transposed_table(samples, centroids):  # right: a (k, n) table, argmin over axis 1, int32
    table = tf.transpose(_distances(samples, centroids))
    return tf.argmin(table, axis=1, output_type=tf.int32)


def test_q1_more_right_answers():
    for right in (nearest_sample_numpy, nearest_sample_transposed_table):
        result = ex.q1.evaluate(right)
        assert result.outcome is Outcome.CORRECT, result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda s, c: None, "returned None: did you forget `return`?"),
        (lambda s, c: tf.argmin(_distances(tf.constant(s, tf.float64), c), axis=0), "float64 mixed with float32"),
    ],
)
def test_q1_rejects_more_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


# ----------------------------------------------------------------------- exercise 2


def standardize(samples):
    mean = tf.reduce_mean(samples, axis=0)
    std = tf.math.reduce_std(samples, axis=0)
    return tf.math.divide_no_nan(samples - mean, std)


def standardize_sample_std(samples):  # NumPy, with the n - 1 standard deviation: also fine
    std = samples.std(axis=0, ddof=1)
    return np.where(std > 0, (samples - samples.mean(axis=0)) / np.where(std > 0, std, 1), 0.0)


def test_q2_accepts_right_answers():
    for right in (standardize, standardize_sample_std):
        result = ex.q2.evaluate(right)
        assert result.outcome is Outcome.CORRECT, result


def test_q2_placeholder_is_not_attempted():
    assert ex.q2.evaluate(lambda s: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q2.evaluate(lambda s: (s - ____) / ____).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda s: (s - tf.reduce_mean(s, axis=0)) / tf.math.reduce_std(s, axis=0), "its standard deviation is 0"),
        (lambda s: tf.keras.utils.normalize(s, axis=1), "has mean"),  # the TF2 article's normalisation: per row
        (lambda s: (s - tf.reduce_mean(s)) / tf.math.reduce_std(s), "has mean"),
        (lambda s: tf.math.divide_no_nan(s - tf.reduce_mean(s, axis=0), tf.math.reduce_variance(s, axis=0)), "has standard deviation"),
        (lambda s: tf.math.divide_no_nan(s, tf.math.reduce_std(s, axis=0)), "has mean"),
        (lambda s: tf.transpose(standardize(s)), "returned shape (64, 300)"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


def leaves_constant_unchanged(samples):  # dodges 0 / 0 by keeping constant features as they were
    mean = tf.reduce_mean(samples, axis=0)
    std = tf.math.reduce_std(samples, axis=0)
    return tf.where(std > 0, (samples - mean) / tf.where(std > 0, std, 1.0), samples)


def leaves_constant_unchanged_numpy(samples):
    std = samples.std(axis=0)
    return np.where(std > 0, (samples - samples.mean(axis=0)) / np.where(std > 0, std, 1.0), samples)


def with_epsilon(samples):  # right: a small epsilon in the divisor; (x - mean) is exactly 0 where std is 0
    return (samples - tf.reduce_mean(samples, axis=0)) / (tf.math.reduce_std(samples, axis=0) + 1e-12)


def scikit_learn_scaler(samples):  # right: StandardScaler, float64, scale 1 for constant features
    from sklearn.preprocessing import StandardScaler

    return StandardScaler().fit_transform(np.asarray(samples, np.float64))


def test_q2_more_right_answers():
    for right in (with_epsilon, scikit_learn_scaler):
        result = ex.q2.evaluate(right)
        assert result.outcome is Outcome.CORRECT, result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (leaves_constant_unchanged, "whose constant pixels are all 1: feature 0 is 1 in every sample"),
        (leaves_constant_unchanged_numpy, "Leaving a constant feature unchanged only looks right when it is 0"),
        (lambda s: tf.math.divide_no_nan(s - tf.reduce_mean(s, axis=1, keepdims=True),
                                         tf.math.reduce_std(s, axis=1, keepdims=True)), "has mean"),
        (lambda s: None, "returned None: did you forget `return`?"),
        (lambda s: (s - tf.reduce_mean(s, axis=0)) / tf.math.reduce_std(s, axis=1), "do not broadcast"),
    ],
)
def test_q2_rejects_more_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message
