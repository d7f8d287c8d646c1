"""The checks of lesson 09 accept the right answer and reject the mistakes learners make."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.exercises import ____, Outcome
from helpers.exercises import lesson09 as ex
from helpers.functions import assign_to_nearest

# ----------------------------------------------------------------------- exercise 1


def quantize(image, palette):
    pixels = tf.reshape(image, (-1, 3))
    return tf.reshape(tf.gather(palette, assign_to_nearest(pixels, palette)), tf.shape(image))


def test_q1_accepts_the_right_answer():
    result = ex.q1.evaluate(quantize)
    assert result.outcome is Outcome.CORRECT, result


def test_q1_placeholder_is_not_attempted():
    assert ex.q1.evaluate(lambda image, palette: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q1.evaluate(lambda image, palette: tf.reshape(____, image.shape)).outcome is Outcome.NOT_ATTEMPTED


def farthest(image, palette):
    pixels = tf.reshape(image, (-1, 3))
    distances = tf.reduce_sum((pixels[:, None, :] - palette[None, :, :]) ** 2, axis=2)
    return tf.reshape(tf.gather(palette, tf.argmax(distances, axis=1)), image.shape)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda image, palette: tf.reshape(assign_to_nearest(tf.reshape(image, (-1, 3)), palette), image.shape[:2]), "one label per pixel"),
        (lambda image, palette: tf.gather(palette, assign_to_nearest(tf.reshape(image, (-1, 3)), palette)), "the pixels as a list"),
        (farthest, "but the nearest palette colour is"),
        (lambda image, palette: image, "which is not a palette colour"),
        (lambda image, palette: tf.transpose(quantize(image, palette), (1, 0, 2)), "returned shape (17, 12, 3)"),
    ],
)
def test_q1_rejects_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


# ----------------------------------------------------------------------- exercise 2


@pytest.mark.parametrize(
    "settings", [(0.2, 5), (0.15, 5), [0.25, 4], (0.2, 5.0), (np.float32(0.2), np.int64(5)), (tf.constant(0.2).numpy(), 5)]
)
def test_q2_accepts_right_answers(settings):
    result = ex.q2.evaluate(settings)
    assert result.outcome is Outcome.CORRECT, result


def test_q2_placeholder_is_not_attempted():
    assert ex.q2.evaluate((____, ____)).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q2.evaluate((0.2, ____)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        ((0.03, 5), "of the samples noise"),
        ((0.6, 5), "found 1 cluster"),
        ((0.2, 60), "of the samples noise"),
        ((-0.2, 5), "eps=-0.2 should be a positive number"),
        ((0.2, 2.5), "min_samples=2.5 should be a whole number >= 1 (5 and 5.0 both do)"),
        (0.2, "should be a pair (eps, min_samples)"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


@pytest.mark.parametrize(
    "wrong, message",
    [
        ((5, 0.2), "looks swapped"),
        ((np.float32(0.03), 5), "DBSCAN(eps=0.03, min_samples=5)"),
        ((True, 5), "eps=True should be a positive number"),
        ((0.2, 0), "min_samples=0 should be a whole number"),
        ((float("nan"), 5), "eps=nan should be a positive number"),
    ],
)
def test_q2_rejects_more_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


def quantize_numpy(image, palette):  # right: NumPy, float64 distances, fancy indexing
    pixels = np.asarray(image, np.float64).reshape(-1, 3)
    labels = ((pixels[:, None, :] - np.asarray(palette)[None]) ** 2).sum(axis=2).argmin(axis=1)
    return np.asarray(palette)[labels].reshape(np.shape(image))


def quantize_by_expansion(image, palette):  # right: the lesson 03 expansion on the pixels, tf.gather
    pixels = tf.reshape(image, (-1, 3))
    table = -2.0 * tf.matmul(pixels, palette, transpose_b=True) + tf.reduce_sum(palette**2, axis=1)
    return tf.reshape(tf.gather(palette, tf.argmin(table, axis=1)), tf.shape(image))


def test_q1_more_right_answers():
    for right in (quantize_numpy, quantize_by_expansion):
        result = ex.q1.evaluate(right)
        assert result.outcome is Outcome.CORRECT, result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda image, palette: None, "returned None: did you forget `return`?"),
        (lambda image, palette: tf.gather(palette, assign_to_nearest(image, palette)), "raised"),
        (lambda image, palette: tf.reshape(tf.gather(palette, assign_to_nearest(tf.reshape(image, (-1, 3)), palette)),
                                           (17, 12, 3)), "returned shape (17, 12, 3)"),
        (lambda image, palette: tf.reshape(tf.gather(palette, assign_to_nearest(tf.reshape(image, (-1, 3)),
                                                                                palette[:, ::-1])), image.shape),
         "but the nearest palette colour is"),  # channels reversed (BGR) when labelling
    ],
)
def test_q1_rejects_more_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


@pytest.mark.parametrize("wrong", [[0.2] * 10**6, ("e" * 100_000, 5), (0.2, "5" * 100_000)])
def test_q2_a_huge_answer_is_shortened_in_the_message(wrong):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert len(result.message) < 500 and ("(str)" in result.message or "(list)" in result.message), result.message
