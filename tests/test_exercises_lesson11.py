"""The checks of lesson 11 accept the right answer and reject the mistakes learners make."""

import json
import re
from pathlib import Path

import pytest
import tensorflow as tf

from helpers.exercises import ____, Outcome
from helpers.exercises import lesson11 as ex
from helpers.functions import assign_to_nearest

ROOT = Path(__file__).resolve().parents[1]

# ----------------------------------------------------------------------- exercise 1


def local_stats(kind="right"):
    def run(shard, centroids):
        k = centroids.shape[0]
        nearest = assign_to_nearest(shard, centroids)
        sums = tf.math.unsorted_segment_sum(shard, nearest, k)
        counts = tf.math.unsorted_segment_sum(tf.ones_like(shard[:, 0]), nearest, k)
        if kind == "means":  # all-reducing means instead of sums
            return sums / tf.maximum(counts, 1.0)[:, None], counts
        if kind == "nan means":
            return sums / counts[:, None], counts
        if kind == "column counts":
            return sums, counts[:, None]
        if kind == "no counts":
            return sums, tf.ones_like(counts)
        if kind == "transposed":
            return tf.transpose(sums), counts
        return sums, counts

    return run


def test_q1_accepts_the_right_answer():
    result = ex.q1.evaluate(local_stats())
    assert result.outcome is Outcome.CORRECT, result
    assert ex.q1.evaluate(local_stats("column counts")).outcome is Outcome.CORRECT  # (k, 1) counts are fine too


def test_q1_placeholder_is_not_attempted():
    assert ex.q1.evaluate(lambda s, c: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q1.evaluate(lambda s, c: (____, ____)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("wrong, message", [
    (local_stats("means"), "these are the cluster means of the shard, not their sums"),
    (local_stats("nan means"), "sums holds NaN"),
    (local_stats("no counts"), "counts is [1.0, 1.0, 1.0, 1.0]"),
    (local_stats("transposed"), "sums has shape (2, 4)"),
    (lambda s, c: local_stats()(s, c)[0], "should return two things"),
    (lambda s, c: (local_stats()(s, c)[0] * 2.0, local_stats()(s, c)[1]), "sums differs"),
])
def test_q1_rejects_wrong_answers(wrong, message):
    result = ex.q1.evaluate(wrong)
    assert result.outcome is Outcome.WRONG, result
    assert message in result.message, result.message


# ----------------------------------------------------------------------- exercise 2


def combine(kind="right"):
    def run(shard_sums, shard_counts, centroids):
        if kind in ("mean of means", "plain mean of means"):  # all-reducing means instead of sums
            means = shard_sums / tf.maximum(shard_counts, 1.0)[..., None]
            if kind == "plain mean of means":
                return tf.reduce_mean(means, axis=0)
            seen = tf.reduce_sum(tf.cast(shard_counts > 0, tf.float32), axis=0)
            summed = tf.reduce_sum(means * tf.cast(shard_counts > 0, tf.float32)[..., None], axis=0)
            return tf.where(seen[:, None] > 0, summed / tf.maximum(seen, 1.0)[:, None], centroids)
        sums = tf.reduce_sum(shard_sums, axis=0)
        counts = tf.reduce_sum(shard_counts, axis=0)[:, None]
        if kind == "no guard":
            return sums / counts
        if kind == "zero for empty":
            return sums / tf.maximum(counts, 1.0)
        return tf.where(counts > 0, sums / tf.maximum(counts, 1.0), centroids)

    return run


def test_q2_accepts_the_right_answer():
    result = ex.q2.evaluate(combine())
    assert result.outcome is Outcome.CORRECT, result


def test_q2_placeholder_is_not_attempted():
    assert ex.q2.evaluate(lambda s, n, c: ____).outcome is Outcome.NOT_ATTEMPTED
    assert ex.q2.evaluate(lambda s, n, c: tf.reduce_sum(s, axis=____)).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("wrong, message", [
    (combine("mean of means"), "averages of each shard's means"),
    (combine("plain mean of means"), "centroid"),
    (combine("no guard"), "gave NaN"),
    (combine("zero for empty"), "centroid 3 is at [0.0, 0.0]"),
    (lambda s, n, c: tf.reduce_sum(s, axis=0), "centroid 2 is at"),
    (lambda s, n, c: tf.transpose(combine()(s, n, c)), "returned shape (2, 4)"),
])
def test_q2_rejects_wrong_answers(wrong, message):
    result = ex.q2.evaluate(wrong)
    assert result.outcome is Outcome.WRONG, result
    assert message in result.message, result.message


# ----------------------------------------------------------------------- hints


def _solution_lines():
    source = json.loads((ROOT / "solutions" / "11_more_than_one_machine.ipynb").read_text())
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
    assert len(lines) >= 5
    assert len(exercise.hints) >= 2
    for text in exercise.hints:
        squashed = re.sub(r"\s+", "", text)
        assert not [line for line in lines if line in squashed]
    exercise.hint(2)
    assert "Hint 2 of" in capsys.readouterr().out
