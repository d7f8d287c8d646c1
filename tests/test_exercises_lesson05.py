"""The checks of lesson 05 accept the right answer and reject the mistakes learners make."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.exercises import ____, Outcome
from helpers.exercises import lesson05 as ex
from helpers.functions import _assign_to_nearest, _update_centroids, assign_to_nearest, update_centroids

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


def test_q1_slow_case_still_moves_at_ten():
    # 9, 10 and 11 iterations must be told apart by the checker's own tolerance, or "expected 10" means nothing.
    samples, start = ex._slow_case()
    trajectory, settled = ex._trajectory(samples, start)
    assert settled is not None and settled > 11, settled
    for before, after in ((9, 10), (10, 11), (11, 12)):
        assert not np.allclose(trajectory[before], trajectory[after], atol=1e-4), (before, after)
    for n in range(settled + 1, settled + 4):  # past `settled`, more iterations change nothing at all
        assert np.array_equal(ex._trajectory(samples, start, at_most=n)[0][-1], trajectory[settled])


@pytest.mark.parametrize("n", [20, 13, 50])
def test_q1_loop_past_the_fixed_point_is_told_the_truth(n):
    # A 20-iteration loop ends where the centroids stopped moving; "after 12 iterations" would be false.
    samples, start = ex._slow_case()
    _, settled = ex._trajectory(samples, start)
    result = ex.q1.evaluate(iterations(n))
    assert result.outcome is Outcome.WRONG
    assert f"after {settled} or more iterations: from iteration {settled} on they no longer move" in result.message
    assert "expected exactly 10" in result.message
    assert f"after {settled} iterations;" not in result.message


@pytest.mark.parametrize("n", [9, 11])
def test_q1_loop_one_off_names_its_count(n):
    result = ex.q1.evaluate(iterations(n))
    assert result.outcome is Outcome.WRONG
    assert result.message.startswith(f"these are the centroids after {n} iterations; expected 10."), result.message


def segment_mean_update(samples, initial_centroids):  # wrong: unsorted_segment_mean gives the empty cluster 0
    centroids, k = initial_centroids, initial_centroids.shape[0]
    for _ in range(10):
        centroids = tf.math.unsorted_segment_mean(samples, assign_to_nearest(samples, centroids), k)
    return centroids


def test_q1_says_why_an_empty_cluster_sent_to_the_origin_is_wrong():
    # No NaN here, so the NaN advice cannot speak: the check must say that the empty centroid should have stayed.
    result = ex.q1.evaluate(segment_mean_update)
    assert result.outcome is Outcome.WRONG
    assert result.message.startswith("centroid 3 owns no sample from the first iteration on, so it should stay at "
                                     "[500, 500]; yours moved to"), result.message
    assert "gives an empty cluster 0, as tf.math.unsorted_segment_mean and divide_no_nan do, and it took samples " \
           "there." in result.message
    assert "keep its previous centroid (pass previous_centroids to update_centroids)" in result.message


def test_q1_an_empty_centroid_moved_elsewhere_is_named_without_the_origin_story():
    def moved_far(samples, initial_centroids):
        return tf.tensor_scatter_nd_update(iterations(10)(samples, initial_centroids), [[3]], [[400.0, 400.0]])

    result = ex.q1.evaluate(moved_far)
    assert result.outcome is Outcome.WRONG
    assert "centroid 3 owns no sample from the first iteration on" in result.message
    assert "unsorted_segment_mean" not in result.message, result.message


def by_hand_numpy(samples, initial_centroids):  # right: NumPy Lloyd steps, empty cluster kept in place
    x, c = np.asarray(samples, np.float64), np.array(initial_centroids, np.float64)
    for _ in range(10):
        labels = ((x[:, None, :] - c[None]) ** 2).sum(axis=2).argmin(axis=1)
        for j in range(len(c)):
            if np.any(labels == j):
                c[j] = x[labels == j].mean(axis=0)
    return c


def graph_loop(samples, initial_centroids):  # right: a tf.range loop inside tf.function
    @tf.function
    def run(samples, centroids):
        for _ in tf.range(10):
            centroids = _update_centroids(samples, _assign_to_nearest(samples, centroids), 4, centroids)
        return centroids

    return run(samples, initial_centroids)


def test_q1_more_right_answers():
    for answer in (by_hand_numpy, graph_loop):
        result = ex.q1.evaluate(answer)
        assert result.outcome is Outcome.CORRECT, result


def no_return(samples, initial_centroids):
    iterations(10)(samples, initial_centroids)


def previous_not_passed(samples, initial_centroids):  # previous_centroids left out: NaN for the empty cluster
    centroids = initial_centroids
    for _ in range(10):
        centroids = update_centroids(samples, assign_to_nearest(samples, centroids), 4)
    return centroids


@pytest.mark.parametrize(
    "wrong, message",
    [
        (no_return, "returned None: did you forget `return`?"),
        (previous_not_passed, "pass previous_centroids"),
        (lambda s, c: iterations(10)(s, c)[:3], "returned shape (3, 2)"),
    ],
)
def test_q1_rejects_more_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


# ----------------------------------------------------------------------- exercise 2


def converged(old, new, tol):
    return tf.reduce_sum(tf.square(new - old)) <= tol


@pytest.mark.parametrize(
    "right",
    [
        converged,
        lambda old, new, tol: bool(converged(old, new, tol)),
        lambda old, new, tol: float(tf.reduce_sum((new - old) ** 2)) <= tol,
        # unusual but right: NumPy in float64 (np.bool_), tf.less_equal, a not-greater-than
        lambda old, new, tol: np.sum((np.asarray(new, np.float64) - np.asarray(old, np.float64)) ** 2) <= tol,
        lambda old, new, tol: tf.less_equal(tf.reduce_sum(tf.math.squared_difference(new, old)), tol),
        lambda old, new, tol: tf.logical_not(tf.reduce_sum(tf.square(old - new)) > tol),
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
        (lambda old, new, tol: tf.reduce_sum(tf.square(new - old)), "returned 0; expected True or False"),
    ],
)
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda old, new, tol: tf.reduce_sum(tf.square(new - old)) < tol,
         "exactly tol) returned False; expected True."),
        (lambda old, new, tol: tf.reduce_all(tf.abs(new - old) <= tol), "returned False; expected True"),
        (lambda old, new, tol: tf.reduce_sum(tf.abs(new - old)) <= tol, "returned False; expected True"),
        (lambda old, new, tol: None, "returned None: did you forget `return`?"),
        (lambda old, new, tol: tf.cast(tf.reduce_sum(tf.square(new - old)) <= tol, tf.int32),
         "returned 1; expected True or False"),
    ],
)
def test_q2_rejects_more_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG
    assert message in result.message, result.message


def test_q2_strict_comparison_fails_on_tol_zero_alone():
    """Even an answer that special-cases tol=0.25 is caught by identical centroids with tol=0."""

    def strict_unless_quarter(old, new, tol):
        movement = tf.reduce_sum(tf.square(new - old))
        return movement <= tol if tol == 0.25 else movement < tol

    result = ex.q2.evaluate(strict_unless_quarter)
    assert result.outcome is Outcome.WRONG
    assert "has_converged(old, new, tol=0) with identical centroids (total squared movement 0, exactly tol)" in result.message
    assert "compare with <=, not <" in result.message


def test_q1_prints_centroids_without_float32_noise():
    result = ex.q1.evaluate(lambda s, c: iterations(10)(s, c) + 0.001)
    assert result.outcome is Outcome.WRONG
    numbers = result.message.split("is at ")[1]
    assert "9999" not in numbers and "0000" not in numbers, result.message


def test_q2_a_huge_string_answer_is_shortened_in_the_message():
    result = ex.q2.evaluate(lambda old, new, tol: "x" * 100_000)
    assert result.outcome is Outcome.WRONG
    assert len(result.message) < 500 and "(str); expected True or False" in result.message, result.message
