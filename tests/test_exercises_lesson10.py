"""The checks of lesson 10 accept the right answer and reject the mistakes learners make."""

import json
import re
from pathlib import Path

import pytest
import tensorflow as tf

from helpers.exercises import ____, Outcome
from helpers.exercises import lesson10 as ex
from helpers.functions import assign_to_nearest

ROOT = Path(__file__).resolve().parents[1]

# ----------------------------------------------------------------------- exercise 1


def lloyd(*, reset=True, mean_of_means=False, guard=True, passes=None):
    def run(batches, initial_centroids, n_passes):
        centroids = initial_centroids
        k = initial_centroids.shape[0]
        sums, counts = tf.zeros_like(centroids), tf.zeros([k, 1])
        for _ in range(n_passes if passes is None else passes):
            if reset:
                sums, counts = tf.zeros_like(centroids), tf.zeros([k, 1])
            means, seen = tf.zeros_like(centroids), tf.zeros([k, 1])
            for batch in batches:
                nearest = assign_to_nearest(batch, centroids)
                s = tf.math.unsorted_segment_sum(batch, nearest, k)
                c = tf.math.unsorted_segment_sum(tf.ones_like(batch[:, :1]), nearest, k)
                if mean_of_means:
                    means += tf.where(c > 0, s / tf.maximum(c, 1.0), 0.0)
                    seen += tf.cast(c > 0, tf.float32)
                else:
                    sums, counts = sums + s, counts + c
            if mean_of_means:
                centroids = tf.where(seen > 0, means / tf.maximum(seen, 1.0), centroids)
            elif guard:
                centroids = tf.where(counts > 0, sums / tf.maximum(counts, 1.0), centroids)
            else:
                centroids = sums / counts
        return centroids

    return run


def test_q1_accepts_the_right_answer():
    result = ex.q1.evaluate(lloyd())
    assert result.outcome is Outcome.CORRECT, result


def test_q1_placeholder_is_not_attempted():
    assert ex.q1.evaluate(____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q1.evaluate(lambda b, c, n: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q1.evaluate(lambda b, c, n: c + ____).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("wrong, message", [
    (lloyd(reset=False), "Set them to zero at the start of every pass"),
    (lloyd(mean_of_means=True), "averages of each batch's cluster means"),
    (lloyd(guard=False), "a cluster with no samples has no mean"),
    (lloyd(passes=1), "after 1 pass; expected 3"),
    (lloyd(passes=4), "after 4 passes; expected 3"),
    (lambda b, c, n: c, "after 0 passes"),
    (lambda b, c, n: tf.transpose(lloyd()(b, c, n)), "returned shape (2, 4)"),
    (lambda b, c, n: lloyd()(b, c, n) + 0.5, "centroid 0 is at"),
    (lambda b, c, n: None, "None"),
])
def test_q1_rejects_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG, result
    assert message in result.message, result.message


# ----------------------------------------------------------------------- exercise 2


def step(rule="right", update_counts=True):
    def run(centroids, counts, batch):
        k = centroids.shape[0]
        nearest = assign_to_nearest(batch, centroids)
        sums = tf.math.unsorted_segment_sum(batch, nearest, k)
        m = tf.math.unsorted_segment_sum(tf.ones_like(batch[:, 0]), nearest, k)
        new_counts = counts + m
        means = sums / tf.maximum(m, 1.0)[:, None]
        rate = {
            "right": m / tf.maximum(new_counts, 1.0),
            "fixed": tf.where(m > 0, 0.1, 0.0),  # a learning rate that ignores counts
            "old counts": m / counts,
            "per sample": tf.where(m > 0, 1.0 / tf.maximum(new_counts, 1.0), 0.0),
            "batch mean": tf.where(m > 0, 1.0, 0.0),
        }[rule]
        new = centroids + rate[:, None] * (means - centroids)
        return new, (new_counts if update_counts else counts)

    return run


def test_q2_accepts_the_right_answer():
    result = ex.q2.evaluate(step())
    assert result.outcome is Outcome.CORRECT, result


def test_q2_accepts_the_scikit_learn_form():
    """(c * n + sums) / (n + m), scikit-learn's way of writing the same update."""
    def sklearn_form(centroids, counts, batch):
        k = centroids.shape[0]
        nearest = assign_to_nearest(batch, centroids)
        sums = tf.math.unsorted_segment_sum(batch, nearest, k)
        m = tf.math.unsorted_segment_sum(tf.ones_like(batch[:, 0]), nearest, k)
        new_counts = counts + m
        moved = (centroids * counts[:, None] + sums) / tf.maximum(new_counts, 1.0)[:, None]
        return tf.where(m[:, None] > 0, moved, centroids), new_counts

    assert ex.q2.evaluate(sklearn_form).outcome is Outcome.CORRECT


def test_q2_placeholder_is_not_attempted():
    assert ex.q2.evaluate(lambda c, n, b: (____, ____)).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q2.evaluate(lambda c, n, b: (c + ____, n)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("wrong, message", [
    (step("fixed"), "the learning rate should come from its count"),
    (step("batch mean"), "jumped to their batch means"),
    (step("old counts"), "NaN or infinite"),
    (step("per sample"), "moves as if the batch had one member"),
    (step(update_counts=False), "new_counts equals the old counts"),
    (lambda c, n, b: step()(c, n, b)[0], "should return two things"),
    (lambda c, n, b: (step()(c, n, b)[0], tf.zeros(4)), "new_counts has shape (4,)"),
    (lambda c, n, b: (step()(c, n, b)[0] * 1.01, step()(c, n, b)[1]), "should be at"),
])
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG, result
    assert message in result.message, result.message


def test_q2_old_counts_after_the_first_batch_is_named():
    """From the second batch on (no count of 0), m / n overshoots without NaN: the message names it."""
    result = ex.q2.evaluate(lambda c, n, b: step("old counts")(c, n, b) if float(tf.reduce_min(n)) > 0
                            else step()(c, n, b))
    assert result.outcome is Outcome.WRONG
    assert "uses the count before this batch" in result.message or "NaN" in result.message, result.message


# ----------------------------------------------------------------------- hints


def _solution_lines():
    source = json.loads((ROOT / "solutions" / "10_data_that_does_not_fit.ipynb").read_text())
    lines = set()
    for cell in source["cells"]:
        text = "".join(cell["source"])
        for region in re.findall(r"### BEGIN SOLUTION[^\n]*\n(.*?)### END SOLUTION", text, re.S):
            for line in region.splitlines():
                code = re.sub(r"\s+#.*$", "", line).strip()
                for variant in (code, re.sub(r"^return\s+", "", code), re.sub(r"^[\w\[\], .]+?\s*=\s*", "", code, count=1)):
                    if len(re.sub(r"\s+", "", variant)) >= 12:
                        lines.add(re.sub(r"\s+", "", variant))
    return lines


@pytest.mark.parametrize("exercise", [ex.q1, ex.q2])
def test_hints_come_in_levels_without_a_line_of_the_answer(exercise, capsys):
    lines = _solution_lines()
    assert len(lines) >= 8  # the answers were found, so the comparison below means something
    assert len(exercise.hints) >= 2
    for text in exercise.hints:
        squashed = re.sub(r"\s+", "", text)
        assert not [line for line in lines if line in squashed]
    exercise.hint(2)
    assert "Hint 2 of" in capsys.readouterr().out
