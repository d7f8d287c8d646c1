"""TensorFlow and NumPy errors reach the learner as one line of advice plus the error's type."""

import numpy as np
import pytest
import tensorflow as tf

from helpers.exercises import Exercise, Outcome, Wrong, advice_for, call_learner, is_whole, num, nums


def _error(action):
    try:
        action()
    except Exception as error:  # the error a learner's code would raise
        return error
    raise AssertionError("expected an error")


CASES = [
    (lambda: tf.ones(120) - tf.ones((120, 3)), "InvalidArgumentError", "keepdims=True"),
    (lambda: np.ones(120) - np.ones((120, 3)), "ValueError", "shapes (120,) and (120, 3) do not broadcast"),
    (lambda: tf.matmul(tf.ones((120, 3)), tf.ones((4, 3))), "InvalidArgumentError", "transpose_b=True"),
    (lambda: tf.ones(3) - tf.constant(np.ones(3)), "InvalidArgumentError", "tf.cast(x, tf.float32)"),
    (lambda: tf.constant([1], tf.int64) + tf.constant([1], tf.int32), "InvalidArgumentError",
     "int64 mixed with int32"),
    (lambda: tf.random.stateless_uniform((3,), seed=7), "InvalidArgumentError", "a pair of two integers"),
    (lambda: tf.random.experimental.stateless_shuffle(tf.range(4), seed=(1, 2, 3)), "InvalidArgumentError",
     "a pair of two integers"),
    (lambda: bool(tf.constant([1, 2]) > 0), "ValueError", "tf.reduce_all"),
    (lambda: tf.gather(tf.ones((3, 2)), [5]), "InvalidArgumentError", "an index outside the tensor"),
    (lambda: tf.constant([1, 2]) * 0.5, "TypeError", "tf.cast(x, tf.float32)"),
    (lambda: tf.function(lambda x: x - tf.ones((4, 3)))(tf.ones((120, 3))), "ValueError", "120 and 4"),
]


@pytest.mark.parametrize("action, kind, advice", CASES)
def test_errors_become_one_line_of_advice(action, kind, advice):
    text = advice_for(_error(action))
    assert text.startswith(kind)
    assert advice in text
    assert "\n" not in text
    for noise in ("function_node", "/job:", "device:CPU", "[Op:", "in user code", "File \""):
        assert noise not in text


def test_unknown_errors_keep_their_type_and_text():
    assert advice_for(KeyError("centroids")) == "KeyError: 'centroids'"


def test_call_learner_reports_advice_and_a_missing_return():
    with pytest.raises(Wrong, match=r"f\(\.\.\.\) raised InvalidArgumentError: shapes \(120,\) and \(120, 3\)"):
        call_learner(lambda: tf.ones(120) - tf.ones((120, 3)), what="f(...)")
    with pytest.raises(Wrong, match="returned None: did you forget `return`"):
        call_learner(lambda: None, what="f(...)")


def test_a_wrong_outcome_carries_the_advice_and_no_traceback():
    def judge(answer):
        call_learner(answer, what="distance_table(samples, centroids)")
        return "fine"

    result = Exercise(9, judge, ("idea", "closer")).evaluate(lambda: tf.matmul(tf.ones((5, 2)), tf.ones((3, 2))))
    assert result.outcome is Outcome.WRONG
    assert "transpose_b=True" in result.message and "function_node" not in result.message


@pytest.mark.parametrize(
    "value, shown",
    [(12.157999992370605, "12.158"), (np.float32(0.2), "0.2"), (5.0, "5"), (np.int64(7), "7"), (float("nan"), "nan"),
     (-0.000123456, "-0.00012346"), (1e-8, "1e-08")],
)
def test_numbers_are_printed_with_sensible_digits(value, shown):
    assert num(value) == shown


def test_lists_of_numbers():
    assert nums(np.array([12.157999992370605, 3.0], np.float64)) == "[12.158, 3]"
    assert nums(np.array([[1.5, 2.0]], np.float32)) == "[[1.5, 2]]"


@pytest.mark.parametrize("value, whole", [(5, True), (5.0, True), (np.int64(5), True), (np.float32(5), True),
                                          (5.5, False), (True, False), (float("inf"), False), ("5", False)])
def test_whole_numbers(value, whole):
    assert is_whole(value) is whole


def test_a_huge_value_is_shortened_wherever_a_message_shows_it():
    assert len(num("x" * 100_000)) < 100 and num("x" * 100_000).endswith("(str)")
    assert nums(np.zeros(10**6)) == "<ndarray of shape (1000000,) and dtype float64>"
    assert nums([[1.5, 2.0], [3.0, 4.25]]) == "[[1.5, 2], [3, 4.25]]"  # small ones are still listed
    exercise = Exercise(1, lambda answer: "", hints=("one",))
    for level in ("y" * 100_000, [0] * 10**6):
        text = exercise.hint_text(level)
        assert len(text) < 500 and f"({type(level).__name__})) is not one of them" in text, text
