"""The checks of lesson 08 accept the right answer and reject the mistakes learners make."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.exercises import ____, Outcome
from helpers.exercises import lesson08 as ex
from helpers.functions import _squared_distances

# ----------------------------------------------------------------------- exercise 1


def plusplus(samples, n_clusters, seed, *, weight=lambda d2: d2, stateless=True, greedy_farthest=False):
    n = samples.shape[0]
    first = tf.random.stateless_uniform((), seed=(seed, 0), maxval=n, dtype=tf.int32)
    chosen = [first]
    for c in range(1, n_clusters):
        d2 = tf.reduce_min(_squared_distances(samples, tf.gather(samples, chosen)), axis=1)
        if greedy_farthest:
            index = tf.argmax(d2, output_type=tf.int32)
        elif stateless:
            logits = tf.math.log(weight(d2))[None, :]
            index = tf.random.stateless_categorical(logits, 1, seed=(seed, c), dtype=tf.int32)[0, 0]
        else:
            index = tf.random.categorical(tf.math.log(weight(d2))[None, :], 1, dtype=tf.int32)[0, 0]
        chosen.append(index)
    return tf.gather(samples, chosen)


def uniform_start(samples, n_clusters, seed):
    shuffled = tf.random.experimental.stateless_shuffle(tf.range(samples.shape[0]), seed=(seed, 0))
    return tf.gather(samples, shuffled[:n_clusters])


def test_q1_accepts_the_right_answer():
    result = ex.q1.evaluate(plusplus)
    assert result.outcome is Outcome.CORRECT, result


def test_q1_placeholder_is_not_attempted():
    assert ex.q1.evaluate(lambda s, k, seed: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q1.evaluate(lambda s, k, seed: tf.gather(s, [____])).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (uniform_start, "put both centres in the same group"),
        (lambda s, k, seed: plusplus(s, k, seed, greedy_farthest=True), "the farthest one"),
        (lambda s, k, seed: plusplus(s, k, seed, stateless=False), "gave different centres"),
        (lambda s, k, seed: plusplus(s, k, 0), "the first centre was only ever one of"),
        (lambda s, k, seed: plusplus(s, k, seed) + 1.0, "which is not one of the samples"),
        (lambda s, k, seed: plusplus(s, k + 1, seed), "returned shape (3, 2)"),
    ],
)
def test_q1_rejects_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


# ----------------------------------------------------------------------- exercise 2


def silhouette(samples, labels, *, squared=False, include_self=False, mean_of_others=False):
    d2 = _squared_distances(samples, samples)
    distances = d2 if squared else tf.sqrt(d2)
    k = int(tf.reduce_max(labels)) + 1
    per_cluster = tf.transpose(tf.math.unsorted_segment_sum(tf.transpose(distances), labels, k))  # (n, k)
    sizes = tf.cast(tf.math.bincount(labels, minlength=k), tf.float32)  # (k,)
    own_size = tf.gather(sizes, labels)
    own_total = tf.gather(per_cluster, labels, batch_dims=1)
    a = own_total / (own_size if include_self else tf.maximum(own_size - 1.0, 1.0))
    if mean_of_others:
        b = (tf.reduce_sum(per_cluster, axis=1) - own_total) / (tf.cast(tf.size(labels), tf.float32) - own_size)
    else:
        means = per_cluster / sizes
        b = tf.reduce_min(tf.where(tf.one_hot(labels, k) > 0, np.inf, means), axis=1)
    s = (b - a) / tf.maximum(a, b)
    return tf.reduce_mean(tf.where(own_size > 1, s, 0.0))


def silhouette_nan_singletons(samples, labels):
    d = tf.sqrt(_squared_distances(samples, samples))
    k = int(tf.reduce_max(labels)) + 1
    per_cluster = tf.transpose(tf.math.unsorted_segment_sum(tf.transpose(d), labels, k))
    sizes = tf.cast(tf.math.bincount(labels, minlength=k), tf.float32)
    own_size = tf.gather(sizes, labels)
    a = tf.gather(per_cluster, labels, batch_dims=1) / (own_size - 1.0)
    b = tf.reduce_min(tf.where(tf.one_hot(labels, k) > 0, np.inf, per_cluster / sizes), axis=1)
    return tf.reduce_mean((b - a) / tf.maximum(a, b))


def test_q2_accepts_the_right_answer():
    result = ex.q2.evaluate(silhouette)
    assert result.outcome is Outcome.CORRECT, result


def test_q2_agrees_with_scikit_learn():
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(3)
    samples = rng.normal(size=(50, 4)).astype(np.float32)
    labels = rng.integers(0, 4, size=50)
    ours = float(silhouette(tf.constant(samples), tf.constant(labels, tf.int32)))
    assert ours == pytest.approx(silhouette_score(samples, labels), abs=1e-4)


def test_q2_placeholder_is_not_attempted():
    assert ex.q2.evaluate(lambda s, l: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q2.evaluate(lambda s, l: tf.reduce_mean(____)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda s, l: silhouette(s, l, squared=True), "expected"),
        (lambda s, l: silhouette(s, l, include_self=True), "expected"),
        (lambda s, l: silhouette(s, l, mean_of_others=True), "expected"),
        (silhouette_nan_singletons, "NaN for a sample alone in its cluster"),
        (lambda s, l: tf.fill([s.shape[0]], silhouette(s, l)), "returned shape (60,)"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message
