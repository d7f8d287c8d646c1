"""The checks of lesson 09 accept the right answer and reject the mistakes learners make."""

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


@pytest.mark.parametrize("settings", [(0.2, 5), (0.15, 5), [0.25, 4]])
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
        ((0.2, 2.5), "min_samples=2.5 should be a whole number"),
        (0.2, "should be a pair (eps, min_samples)"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message
