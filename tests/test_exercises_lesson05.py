"""The checks of lesson 05 accept the right answer and reject the mistakes learners make."""

import pytest
import tensorflow as tf

from helpers.exercises import ____, Outcome
from helpers.exercises import lesson05 as ex
from helpers.functions import assign_to_nearest, update_centroids

# ----------------------------------------------------------------------- exercise 1


def iterations(n, *, guard=True, feed_back=True):
    def run(samples, initial_centroids):
        centroids = initial_centroids
        k = initial_centroids.shape[0]
        for _ in range(n):
            current = centroids if feed_back else initial_centroids
            nearest = assign_to_nearest(samples, current)
            if guard:
                centroids = update_centroids(samples, nearest, k, previous_centroids=current)
            else:  # the MNIST answer's total / count
                sums = tf.math.unsorted_segment_sum(samples, nearest, k)
                counts = tf.math.unsorted_segment_sum(tf.ones_like(samples[:, :1]), nearest, k)
                centroids = sums / counts
        return centroids

    return run


def test_q1_accepts_the_right_answer():
    result = ex.q1.evaluate(iterations(10))
    assert result.outcome is Outcome.CORRECT, result


def test_q1_placeholder_is_not_attempted():
    assert ex.q1.evaluate(lambda s, c: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q1.evaluate(lambda s, c: update_centroids(s, ____, 4)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (iterations(10, guard=False), "is NaN: is it empty?"),
        (iterations(10, feed_back=False), "after 1 iteration; expected 10. Is each iteration fed"),
        (iterations(9), "after 9 iterations; expected 10"),
        (iterations(11), "after 11 iterations; expected 10"),
        (lambda s, c: c, "after 0 iterations"),
        (lambda s, c: tf.transpose(iterations(10)(s, c)), "returned shape (2, 4)"),
    ],
)
def test_q1_rejects_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


# ----------------------------------------------------------------------- exercise 2


def converged(old, new, tol):
    return tf.reduce_sum(tf.square(new - old)) <= tol


@pytest.mark.parametrize(
    "right",
    [
        converged,
        lambda old, new, tol: bool(converged(old, new, tol)),
        lambda old, new, tol: float(tf.reduce_sum((new - old) ** 2)) <= tol,
    ],
)
def test_q2_accepts_right_answers(right):
    result = ex.q2.evaluate(right)
    assert result.outcome is Outcome.CORRECT, result


def test_q2_placeholder_is_not_attempted():
    assert ex.q2.evaluate(lambda old, new, tol: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q2.evaluate(lambda old, new, tol: ____ <= tol).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda old, new, tol: tf.reduce_all(old == new), "moved by 1e-4 in one feature (total squared movement 4e-8) returned False"),
        (lambda old, new, tol: tf.reduce_mean(tf.square(new - old)) <= tol, "returned True; expected False"),
        (lambda old, new, tol: tf.reduce_max(tf.reduce_sum(tf.square(new - old), axis=1)) <= tol, "returned True; expected False"),
        (lambda old, new, tol: tf.norm(new - old) <= tol, "(total squared movement 4e-8) returned False; expected True"),
        (lambda old, new, tol: tf.reduce_sum(tf.square(new - old), axis=1) <= tol, "returned shape (4,)"),
        (lambda old, new, tol: tf.reduce_sum(tf.square(new - old)) > tol, "identical centroids returned False"),
        (lambda old, new, tol: tf.reduce_sum(tf.square(new - old)), "returned 0.0; expected True or False"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message
