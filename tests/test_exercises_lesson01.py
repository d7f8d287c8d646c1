"""The checks of lesson 01 accept the right answer and reject the mistakes learners make."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.exercises import ____, Outcome
from helpers.exercises import lesson01 as ex
from helpers.functions import create_samples


def outcome(exercise, answer):
    return exercise.evaluate(answer)


# ----------------------------------------------------------------------- exercise 1


def blob_means(samples, n_samples_per_cluster):
    blocks = tf.reshape(samples, (-1, n_samples_per_cluster, samples.shape[1]))
    return tf.reduce_mean(blocks, axis=1)


def blob_means_placeholder(samples, n_samples_per_cluster):
    return ____


def mean_of_everything(samples, n_samples_per_cluster):
    return tf.reduce_mean(samples, axis=0)


def blocks_interleaved(samples, n_samples_per_cluster):  # reshape (m, k, d): rows i, i+k, ... grouped
    return tf.reduce_mean(tf.reshape(samples, (n_samples_per_cluster, -1, samples.shape[1])), axis=0)


def mean_over_features(samples, n_samples_per_cluster):
    return tf.reduce_mean(tf.reshape(samples, (-1, n_samples_per_cluster, samples.shape[1])), axis=2)


def hard_coded_500(samples, n_samples_per_cluster):
    return tf.reduce_mean(tf.reshape(samples, (-1, 500, samples.shape[1])), axis=1)


def true_centroids_instead(samples, n_samples_per_cluster):
    return tf.zeros((samples.shape[0] // n_samples_per_cluster, samples.shape[1]))


def test_q1_accepts_the_right_answer():
    result = outcome(ex.q1, blob_means)
    assert result.outcome is Outcome.CORRECT, result


def test_q1_placeholder_is_not_attempted():
    assert outcome(ex.q1, blob_means_placeholder).outcome is Outcome.NOT_ATTEMPTED
    assert outcome(ex.q1, ____).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (mean_of_everything, "returned shape (3,): the mean of all samples together"),
        (blocks_interleaved, "A blob is 25 consecutive rows"),
        (mean_over_features, "returned shape (4, 25); expected (4, 3)"),
        (hard_coded_500, "raised InvalidArgumentError"),
        (true_centroids_instead, "row 0 is"),
        ("not a function", "expected a function"),
    ],
)
def test_q1_rejects_wrong_answers(wrong, message):
    result = outcome(ex.q1, wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message
    assert "ex.q1.hint()" in result.message


# ----------------------------------------------------------------------- exercise 2


def uneven(sizes, n_features, embiggen_factor, seed, *, same_seed=False, numpy_centres=False,
           forget_append=False, no_centre=False, stddev=5.0):
    centroids, slices = [], []
    for i, size in enumerate(sizes):
        if numpy_centres:
            centroid = tf.constant(
                (np.random.random((1, n_features)) - 0.5) * embiggen_factor, tf.float32  # noqa: NPY002 (the mistake)
            )
        else:
            centroid = tf.random.stateless_uniform(
                (1, n_features), seed=(seed, 2 * i), minval=-embiggen_factor / 2, maxval=embiggen_factor / 2
            )
        noise_seed = (seed, 0) if same_seed else (seed, 2 * i + 1)
        noise = tf.random.stateless_normal((size, n_features), seed=noise_seed, stddev=stddev)
        centroids.append(centroid)
        if not (forget_append and i > 0):
            slices.append(noise if no_centre else centroid + noise)
    return tf.concat(centroids, 0), tf.concat(slices, 0)


def test_q2_accepts_the_right_answer():
    result = outcome(ex.q2, uneven)
    assert result.outcome is Outcome.CORRECT, result


def test_q2_placeholder_is_not_attempted():
    assert outcome(ex.q2, lambda *args: ____).outcome is Outcome.NOT_ATTEMPTED
    assert outcome(ex.q2, lambda *args: (____, ____)).outcome is Outcome.NOT_ATTEMPTED
    assert outcome(ex.q2, lambda *a: tf.concat([____], 0)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda *a: uneven(*a, same_seed=True), "exactly the same noise"),
        (lambda *a: uneven(*a, numpy_centres=True), "two calls"),
        (lambda *a: uneven(*a, forget_append=True), "Is every slice appended"),
        (lambda *a: uneven(*a, no_centre=True), "are not centred on centroids[0]"),
        (lambda *a: uneven(*a, stddev=1.0), "standard deviation 0.9"),
        (lambda s, d, e, seed: uneven(s, d, e, 0), "gave identical samples"),
        (lambda s, d, e, seed: uneven(s, d, e * 3, seed), "outside [-30, 30)"),
        (lambda s, d, e, seed: tuple(t.numpy().astype(np.float64) for t in uneven(s, d, e, seed)), "float32"),
        (lambda s, d, e, seed: create_samples(len(s), s[0], d, e, seed), "samples have shape (60, 2)"),
        (lambda s, d, e, seed: uneven(s, d, e, seed)[1], "should return a pair"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = outcome(ex.q2, wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


def blob_medians(samples, n_samples_per_cluster):
    blocks = np.asarray(samples).reshape(-1, n_samples_per_cluster, samples.shape[1])
    return np.median(blocks, axis=1)


def blob_means_numpy(samples, n_samples_per_cluster):  # right: NumPy, float64
    blocks = np.asarray(samples, np.float64).reshape(-1, n_samples_per_cluster, samples.shape[1])
    return blocks.mean(axis=1)


def blob_means_by_slices(samples, n_samples_per_cluster):  # right: a loop over slices, stacked
    m = n_samples_per_cluster
    return tf.stack([tf.reduce_mean(samples[i : i + m], axis=0) for i in range(0, samples.shape[0], m)])


def test_q1_more_right_answers():
    for right in (blob_means_numpy, blob_means_by_slices):
        result = outcome(ex.q1, right)
        assert result.outcome is Outcome.CORRECT, result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (blob_medians, "These are the medians of the blobs"),
        (lambda s, m: None, "returned None: did you forget `return`?"),
        (lambda s, m: tf.reduce_mean(tf.reshape(s, (-1, m, s.shape[1])), axis=1, keepdims=True), "returned shape (4, 1, 3)"),
        (lambda s, m: tf.transpose(blob_means(s, m)), "returned shape (3, 4)"),
    ],
)
def test_q1_rejects_more_wrong_answers(wrong, message):
    result = outcome(ex.q1, wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message
    assert "consecutive" not in result.message


def uneven_generator(sizes, n_features, embiggen_factor, seed):  # right: tf.random.Generator from the seed
    rng = tf.random.Generator.from_seed(seed)
    centroids = [rng.uniform((1, n_features), -embiggen_factor / 2, embiggen_factor / 2) for _ in sizes]
    samples = [c + rng.normal((size, n_features), stddev=5.0) for c, size in zip(centroids, sizes, strict=True)]
    return tf.concat(centroids, 0), tf.concat(samples, 0)


def uneven_numpy(sizes, n_features, embiggen_factor, seed):  # right: NumPy's seeded Generator, cast to float32
    rng = np.random.default_rng(seed)
    centroids = rng.uniform(-embiggen_factor / 2, embiggen_factor / 2, (len(sizes), n_features))
    samples = np.concatenate([c + rng.normal(0, 5.0, (size, n_features)) for c, size in zip(centroids, sizes, strict=True)])
    return centroids.astype(np.float32), samples.astype(np.float32)


def test_q2_more_right_answers():
    for right in (uneven_generator, uneven_numpy):
        result = outcome(ex.q2, right)
        assert result.outcome is Outcome.CORRECT, result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda *a: uneven(*a)[::-1], "look swapped"),
        (lambda *a: None, "returned None: did you forget `return`?"),
        (lambda s, d, e, seed: uneven(s, d, e, seed=(seed, 0)), "must be a flat pair such as (seed, 0)"),
        (lambda s, d, e, seed: (tf.random.stateless_uniform((len(s), d), seed=seed),
                                tf.random.stateless_normal((sum(s), d), seed=seed)), "a pair of two integers"),
    ],
)
def test_q2_rejects_more_wrong_answers(wrong, message):
    result = outcome(ex.q2, wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message
    assert "function_node" not in result.message


def test_check_prints_one_line(capsys):
    ex.q1.check(blob_means)
    ex.q1.check(blob_means_placeholder)
    ex.q1.hint()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("✅ Exercise 1, correct")
    assert lines[1].startswith("⏳ Exercise 1, not attempted")
    assert lines[2].startswith("💡 Hint 1 of 3 for Exercise 1")
