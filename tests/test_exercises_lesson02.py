"""The checks of lesson 02 accept the right answer and reject the mistakes learners make."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.exercises import ____, Outcome
from helpers.exercises import lesson02 as ex

# ----------------------------------------------------------------------- exercise 1


def seeded(samples, n_clusters, seed):
    shuffled = tf.random.experimental.stateless_shuffle(tf.range(tf.shape(samples)[0]), seed=(seed, 0))
    return tf.gather(samples, shuffled[:n_clusters])


def unseeded(samples, n_clusters, seed):
    return tf.gather(samples, tf.random.shuffle(tf.range(tf.shape(samples)[0]))[:n_clusters])


def op_seed_only(samples, n_clusters, seed):  # an op seed alone changes from call to call in TF2
    return tf.gather(samples, tf.random.shuffle(tf.range(tf.shape(samples)[0]), seed=seed)[:n_clusters])


def first_rows(samples, n_clusters, seed):
    return samples[:n_clusters]


def with_replacement(samples, n_clusters, seed):
    indices = tf.random.stateless_uniform((n_clusters,), seed=(seed, 0), maxval=samples.shape[0], dtype=tf.int32)
    return tf.gather(samples, indices)


def new_points(samples, n_clusters, seed):
    return tf.random.stateless_normal((n_clusters, samples.shape[1]), seed=(seed, 0))


def all_samples(samples, n_clusters, seed):
    return samples


def transposed(samples, n_clusters, seed):
    return tf.transpose(seeded(samples, n_clusters, seed))


def test_q1_accepts_the_right_answer():
    result = ex.q1.evaluate(seeded)
    assert result.outcome is Outcome.CORRECT, result


def test_q1_placeholder_is_not_attempted():
    assert ex.q1.evaluate(lambda s, k, seed: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q1.evaluate(lambda s, k, seed: tf.gather(s, ____)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (unseeded, "two calls with seed=7 gave different rows"),
        (op_seed_only, "two calls with seed=7 gave different rows"),
        (first_rows, "seeds 0 to 5 all gave the same rows"),
        (with_replacement, "more than once"),
        (new_points, "is not one of the samples"),
        (all_samples, "returned shape (60, 3); expected (4, 3)"),
        (transposed, "returned shape (3, 4); expected (4, 3)"),
    ],
)
def test_q1_rejects_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


# ----------------------------------------------------------------------- exercise 2


def uniform_box(samples, n_clusters, seed):
    low = tf.reduce_min(samples, axis=0)
    high = tf.reduce_max(samples, axis=0)
    unit = tf.random.stateless_uniform((n_clusters, samples.shape[1]), seed=(seed, 0))
    return low + unit * (high - low)


def global_range(samples, n_clusters, seed):  # the TF2 article's version: one range for all features
    return tf.random.stateless_uniform(
        (n_clusters, samples.shape[1]), seed=(seed, 0), minval=tf.reduce_min(samples), maxval=tf.reduce_max(samples)
    )


def uniform_unseeded(samples, n_clusters, seed):
    low, high = tf.reduce_min(samples, axis=0), tf.reduce_max(samples, axis=0)
    return low + tf.random.uniform((n_clusters, samples.shape[1])) * (high - low)


def normal_around_mean(samples, n_clusters, seed):
    mean, std = tf.reduce_mean(samples, axis=0), tf.math.reduce_std(samples, axis=0)
    return mean + std * tf.random.stateless_normal((n_clusters, samples.shape[1]), seed=(seed, 0))


def half_box(samples, n_clusters, seed):
    low, high = tf.reduce_min(samples, axis=0), tf.reduce_max(samples, axis=0)
    return low + tf.random.stateless_uniform((n_clusters, samples.shape[1]), seed=(seed, 0)) * (high - low) / 2


def resampled_rows(samples, n_clusters, seed):
    indices = tf.random.stateless_uniform((n_clusters,), seed=(seed, 0), maxval=samples.shape[0], dtype=tf.int32)
    return tf.gather(samples, indices)


def test_q2_accepts_the_right_answer():
    result = ex.q2.evaluate(uniform_box)
    assert result.outcome is Outcome.CORRECT, result


def test_q2_placeholder_is_not_attempted():
    assert ex.q2.evaluate(lambda s, k, seed: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q2.evaluate(____).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (global_range, "outside that feature's range"),
        (uniform_unseeded, "gave different points"),
        (normal_around_mean, "outside that feature's range"),
        (half_box, "cover 50% of the range"),
        (resampled_rows, "most of your centroids are samples"),
        (lambda s, k, seed: tf.transpose(uniform_box(s, k, seed)), "returned shape (2, 2000)"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


# ------------------------------------------------- more learner answers, both exercises


def global_seed_shuffle(samples, n_clusters, seed):  # global seed instead of a stateless op: repeats, but resets
    tf.random.set_seed(seed)
    return tf.gather(samples, tf.random.shuffle(tf.range(samples.shape[0]))[:n_clusters])


def numpy_permutation(samples, n_clusters, seed):  # right: NumPy's seeded Generator
    return np.asarray(samples)[np.random.default_rng(seed).permutation(samples.shape[0])[:n_clusters]]


def argsort_of_stateless_uniform(samples, n_clusters, seed):  # right: random keys, sorted
    keys = tf.random.stateless_uniform((samples.shape[0],), seed=(seed, 1))
    return tf.gather(samples, tf.argsort(keys)[:n_clusters])


def test_q1_more_right_answers():
    for right in (numpy_permutation, argsort_of_stateless_uniform):
        result = ex.q1.evaluate(right)
        assert result.outcome is Outcome.CORRECT, result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (global_seed_shuffle, "calls tf.random.set_seed"),
        (lambda s, k, seed: None, "returned None: did you forget `return`?"),
        (lambda s, k, seed: tf.gather(s, tf.random.experimental.stateless_shuffle(tf.range(60), seed=seed)[:k]),
         "a pair of two integers"),
        (lambda s, k, seed: tf.gather(s, tf.random.experimental.stateless_shuffle(tf.range(60), seed=(seed, 0))[:k + 1]),
         "returned shape (5, 3)"),
    ],
)
def test_q1_rejects_more_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


def global_seed_uniform(samples, n_clusters, seed):
    tf.random.set_seed(seed)
    low, high = tf.reduce_min(samples, axis=0), tf.reduce_max(samples, axis=0)
    return tf.random.uniform((n_clusters, samples.shape[1]), low, high)


def numpy_uniform(samples, n_clusters, seed):  # right: NumPy, float64, broadcast low/high
    x = np.asarray(samples)
    return np.random.default_rng(seed).uniform(x.min(axis=0), x.max(axis=0), (n_clusters, x.shape[1]))


def uniform_with_minval_maxval(samples, n_clusters, seed):  # right: minval/maxval vectors in one call
    low, high = tf.reduce_min(samples, axis=0), tf.reduce_max(samples, axis=0)
    return tf.random.stateless_uniform((n_clusters, samples.shape[1]), seed=(seed, 3), minval=low, maxval=high)


def test_q2_more_right_answers():
    for right in (numpy_uniform, uniform_with_minval_maxval):
        result = ex.q2.evaluate(right)
        assert result.outcome is Outcome.CORRECT, result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (global_seed_uniform, "calls tf.random.set_seed"),
        (lambda s, k, seed: None, "returned None: did you forget `return`?"),
        (lambda s, k, seed: tf.reduce_min(s, axis=0) + tf.random.stateless_uniform((k, 2), seed=(seed, 0))
         * (tf.reduce_max(s, axis=0) - tf.reduce_min(s, axis=0, keepdims=True)[:, :1]), "outside that feature's range"),
        (lambda s, k, seed: tf.random.stateless_uniform((k, 2), seed=(seed, 0), dtype=tf.float64)
         * (tf.reduce_max(s, axis=0) - tf.reduce_min(s, axis=0)), "float64 mixed with float32"),
    ],
)
def test_q2_rejects_more_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message
