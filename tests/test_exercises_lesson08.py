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


def last_centre_only(samples, n_clusters, seed, *, mask_chosen=False):  # D² to the last centre, not the nearest
    n = samples.shape[0]
    chosen = [tf.random.stateless_uniform((), seed=(seed, 0), maxval=n, dtype=tf.int32)]
    for c in range(1, n_clusters):
        d2 = tf.reduce_sum((samples - tf.gather(samples, chosen[-1])) ** 2, axis=1)
        if mask_chosen:  # dodges "picked twice"
            d2 = tf.where(tf.reduce_sum(tf.one_hot(chosen, n), axis=0) > 0, 0.0, d2)
        logits = tf.math.log(d2)[None, :]
        chosen.append(tf.random.stateless_categorical(logits, 1, seed=(seed, c), dtype=tf.int32)[0, 0])
    return tf.gather(samples, chosen)


# Exercise 1 asks for D² sampling whose rows depend on the seed alone ("the same seed must give the same rows");
# "(stateless random ops)" names the TensorFlow way to get that. A NumPy Generator made afresh from the seed in
# every call holds no state between calls either: the same seed gives the same rows, and the draws follow D².
# It does what is asked, so it passes; the checker judges the rows it returns, not the library that drew them.
# What would make it wrong is caught the same way as in TensorFlow: an unseeded generator, or drawing by D.
def numpy_generator(samples, n_clusters, seed, *, seeded=True, weight=lambda d2: d2):
    x = np.asarray(samples, np.float64)
    rng = np.random.default_rng(seed if seeded else None)
    chosen = [int(rng.integers(len(x)))]
    for _ in range(1, n_clusters):
        d2 = weight(((x[:, None, :] - x[chosen][None, :, :]) ** 2).sum(axis=2).min(axis=1))
        chosen.append(int(rng.choice(len(x), p=d2 / d2.sum())))
    return x[chosen].astype(np.float32)


def tf_generator(samples, n_clusters, seed):  # right: tf.random.Generator.from_seed, inverse-CDF draw
    rng = tf.random.Generator.from_seed(seed)
    n = samples.shape[0]
    chosen = [int(rng.uniform((), maxval=n, dtype=tf.int32))]
    for _ in range(1, n_clusters):
        d2 = tf.reduce_min(_squared_distances(samples, tf.gather(samples, chosen)), axis=1)
        cumulative = tf.cumsum(d2) / tf.reduce_sum(d2)
        chosen.append(int(tf.searchsorted(cumulative, rng.uniform((1,)))[0]))
    return tf.gather(samples, chosen)


def test_q1_accepts_unusual_right_answers():
    for right in (numpy_generator, tf_generator):
        result = ex.q1.evaluate(right)
        assert result.outcome is Outcome.CORRECT, result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda s, k, seed: numpy_generator(s, k, seed, seeded=False), "gave different centres"),
        (lambda s, k, seed: numpy_generator(s, k, seed, weight=np.sqrt), "in proportion to D (not squared)"),
    ],
)
def test_q1_rejects_numpy_answers_that_break_the_rule(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


def test_q1_false_failure_probability_is_what_it_says():
    """The Poisson-binomial tails are exact: compare with a direct sum for a small case."""
    distribution = ex._tail_probabilities([0.5, 0.5, 0.5])
    assert np.allclose(distribution, [0.125, 0.375, 0.375, 0.125])
    assert ex._unlikely(0, [0.999] * 3, "low")  # 1e-9 < ALPHA
    assert not ex._unlikely(2, [0.999] * 3, "low")


@pytest.mark.parametrize(
    "wrong, message",
    [
        (uniform_start, "the second landed in the small far group"),
        (lambda s, k, seed: plusplus(s, k, seed, greedy_farthest=True), "the farthest one"),
        (lambda s, k, seed: plusplus(s, k, seed, stateless=False), "gave different centres"),
        (lambda s, k, seed: plusplus(s, k, 0), "the first centre was only ever one of"),
        (lambda s, k, seed: plusplus(s, k, seed) + 1.0, "which is not one of the samples"),
        (lambda s, k, seed: plusplus(s, k + 1, seed), "returned shape (4, 2)"),
        (lambda s, k, seed: plusplus(s, k, seed, weight=tf.sqrt), "in proportion to D (not squared) gives about"),
        (last_centre_only, "Is D² measured to every centre chosen so far"),
        (lambda s, k, seed: last_centre_only(s, k, seed, mask_chosen=True), "with D² to the last chosen centre only"),
        (lambda s, k, seed: plusplus(s, k, seed, weight=tf.exp), "are the logits log(D²)"),
        (lambda s, k, seed: None, "returned None: did you forget `return`?"),
    ],
)
def test_q1_rejects_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


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


def silhouette_sqrt_of_round_off(samples, labels):
    """Stands for sqrt of an unclamped expansion: the 1e-9 makes the self-distance negative on every CPU."""
    d2 = _squared_distances(samples, samples) - 1e-9
    return tf.reduce_mean(tf.sqrt(d2)) * 0.0 + silhouette(samples, labels) + tf.reduce_mean(tf.sqrt(d2)) * 0.0


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
        (silhouette_nan_singletons, "NaN for the sample alone in its cluster"),
        (lambda s, l: tf.fill([s.shape[0]], silhouette(s, l)), "returned shape (60,)"),
        (silhouette_sqrt_of_round_off, "clamp the squared distances at 0 before tf.sqrt"),
        (lambda s, l: None, "returned None: did you forget `return`?"),
        (lambda s, l: silhouette(s, tf.cast(l, tf.int64)) + tf.constant(0, tf.int32), "convert with tf.cast(x, tf.float32)"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


def test_q2_nan_without_singleton_is_not_blamed_on_one():
    result = ex.q2.evaluate(silhouette_sqrt_of_round_off)
    assert "alone in its cluster" not in result.message


def silhouette_numpy(samples, labels):  # right: NumPy loops, float64, a plain float
    x, lab = np.asarray(samples, np.float64), np.asarray(labels)
    distances = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
    values = []
    for i in range(len(x)):
        own = lab == lab[i]
        if own.sum() == 1:
            values.append(0.0)
            continue
        a = distances[i, own].sum() / (own.sum() - 1)
        b = min(distances[i, lab == c].mean() for c in set(lab.tolist()) - {lab[i]})
        values.append((b - a) / max(a, b))
    return float(np.mean(values))


def silhouette_scikit_learn(samples, labels):  # right: scikit-learn's own score
    from sklearn.metrics import silhouette_score

    return silhouette_score(np.asarray(samples), np.asarray(labels))


def test_q2_accepts_unusual_right_answers():
    for right in (silhouette_numpy, silhouette_scikit_learn):
        result = ex.q2.evaluate(right)
        assert result.outcome is Outcome.CORRECT, result
