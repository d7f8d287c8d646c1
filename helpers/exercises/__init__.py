"""Checks and hints for the lessons' exercises, one module per lesson.

In a lesson::

    from helpers.exercises import lesson02 as ex
    ex.q1.check(my_answer)   # says correct, what is wrong, or "not attempted yet"
    ex.q1.hint()             # a nudge, never the answer

A starter cell holds the placeholder ``____``. Every operation on it gives it back, so a
lesson runs end to end while its exercises are unattempted, and ``check`` reports "not
attempted yet" when the placeholder was used or returned.

Checkers judge by invariants or by a reference computed when they run (every label is
the argmin of its distances, every centroid the mean of its samples), never by answers
typed into this package. The worked answers live only in ``solutions/``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

__all__ = ["____", "Exercise", "Outcome", "Result", "Wrong", "call_learner", "contains_placeholder"]


class _Placeholder:
    """``____``: stands where the learner's code goes; remembers whether it was used."""

    used = False

    def _use(self, *args, **kwargs):
        _Placeholder.used = True
        return self

    __call__ = __getitem__ = __neg__ = __pos__ = __abs__ = _use
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _use
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _use
    __pow__ = __rpow__ = __matmul__ = __rmatmul__ = _use
    __lt__ = __le__ = __gt__ = __ge__ = _use

    def __eq__(self, other):
        _Placeholder.used = True
        return self

    __hash__ = object.__hash__

    def __bool__(self):
        _Placeholder.used = True
        return False

    def __len__(self):
        _Placeholder.used = True
        return 0

    def __iter__(self):
        _Placeholder.used = True
        return iter(())

    def __index__(self):
        _Placeholder.used = True
        return 0

    __int__ = __index__

    def __float__(self):
        _Placeholder.used = True
        return 0.0

    def __getattr__(self, name):
        if name.startswith("_"):  # let libraries probing for __array__ etc. see "not there"
            raise AttributeError(name)
        _Placeholder.used = True
        return self

    def __repr__(self):
        return "____"


____ = _Placeholder()


def contains_placeholder(value) -> bool:
    """True when ``value`` is the placeholder or holds it (in a tuple, list or dict)."""
    if value is ____:
        return True
    if isinstance(value, (tuple, list)):
        return any(contains_placeholder(item) for item in value)
    if isinstance(value, dict):
        return any(contains_placeholder(item) for item in value.values())
    return False


class Wrong(Exception):
    """Raised by a judge: the message says precisely what is wrong."""


def call_learner(function, *args, what=None):
    """Call the learner's ``function``; an exception becomes a ``Wrong`` that names it."""
    if not callable(function):
        raise Wrong(f"expected a function; got {type(function).__name__} {_short(function)}.")
    name = what or f"{getattr(function, '__name__', 'your function')}(...)"
    try:
        result = function(*args)
    except Exception as error:  # the learner's bug, reported instead of a stack trace
        if "_Placeholder" in str(error):  # e.g. "unsupported type _Placeholder"
            _Placeholder.used = True
        raise Wrong(f"{name} raised {type(error).__name__}: {_short(error, 300)}") from error
    if contains_placeholder(result):
        _Placeholder.used = True
    return result


def _short(value, limit=120):
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Outcome(enum.Enum):
    CORRECT = "correct"
    WRONG = "wrong"
    NOT_ATTEMPTED = "not attempted"


_ICONS = {Outcome.CORRECT: "✅", Outcome.WRONG: "❌", Outcome.NOT_ATTEMPTED: "⏳"}


@dataclass(frozen=True)
class Result:
    exercise: str
    outcome: Outcome
    message: str

    def __str__(self):
        return f"{_ICONS[self.outcome]} {self.exercise}, {self.outcome.value}: {self.message}"


class Exercise:
    """One exercise: a judge that inspects an answer, and a hint.

    ``judge(answer)`` returns a short success message or raises ``Wrong``. A lesson
    module names its exercises ``q1``, ``q2``, ... so that ``ex.q1.hint()`` works.
    """

    def __init__(self, number, judge, hint):
        self.number = number
        self.name = f"Exercise {number}"
        self._judge = judge
        self._hint = hint

    def evaluate(self, answer) -> Result:
        """Judge ``answer`` and return the Result (for tests and graders; prints nothing)."""
        _Placeholder.used = False
        if contains_placeholder(answer):
            return self._not_attempted()
        try:
            message = self._judge(answer)
        except Wrong as wrong:
            if _Placeholder.used:
                return self._not_attempted()
            return Result(self.name, Outcome.WRONG, f"{wrong} Need a nudge? Run ex.q{self.number}.hint().")
        if _Placeholder.used:
            return self._not_attempted()
        return Result(self.name, Outcome.CORRECT, message)

    def check(self, answer) -> None:
        """Print whether ``answer`` is correct, what is wrong with it, or that it is not attempted."""
        result = self.evaluate(answer)
        # Grading hook: `make grade` (helpers/classroom) receives each verdict here, on its own fresh
        # copy of the checkers, through a channel that printing cannot forge. No-op for learners.
        from helpers.exercises import _grading

        _grading.record(self, result)
        print(result)

    def hint(self) -> None:
        print(f"💡 Hint for {self.name}: {self._hint}")

    def _not_attempted(self):
        return Result(
            self.name,
            Outcome.NOT_ATTEMPTED,
            "replace every ____ with your code, then run the cell again.",
        )


def exercise(number, hint):
    """Decorator: turn ``judge(answer)`` into ``Exercise(number, judge, hint)``."""

    def wrap(judge):
        return Exercise(number, judge, hint)

    return wrap


def reference_squared_distances(samples, centroids):
    """(n, k) squared distances in float64 by plain broadcasting: exact, for small checker data only."""
    samples = np.asarray(samples, np.float64)
    centroids = np.asarray(centroids, np.float64)
    return ((samples[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)


def row_finder(samples):
    """A function that gives the index of a row of ``samples`` (compared as float32), or None."""
    rows = {row.tobytes(): i for i, row in enumerate(np.asarray(samples, np.float32))}
    return lambda row: rows.get(np.asarray(row, np.float32).tobytes())


def describe_shape(value):
    """Shape of an array-like as a tuple, or a readable reason why it has none."""
    try:
        return tuple(np.shape(np.asarray(value)))
    except Exception:  # ragged or odd objects
        return f"an object of type {type(value).__name__}"


def as_numpy(value, what):
    """``value`` as a NumPy array, or Wrong saying what it was instead."""
    try:
        if hasattr(value, "numpy"):
            value = value.numpy()
        array = np.asarray(value)
    except Exception as error:
        raise Wrong(f"{what} could not be read as an array ({type(error).__name__}: {_short(error)}).") from None
    if array.dtype == object:
        raise Wrong(f"{what} should be an array of numbers; got {type(value).__name__} {_short(value)}.")
    return array
