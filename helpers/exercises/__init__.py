"""Checks and hints for the lessons' exercises, one module per lesson.

In a lesson::

    from helpers.exercises import lesson02 as ex
    ex.q1.check(my_answer)   # says correct, what is wrong, or "not attempted yet"
    ex.q1.hint()             # the next hint: the first names the idea, later ones come closer
    ex.q1.hint(2)            # hint 2 again

A starter cell holds the placeholder ``____``. Every operation on it gives it back, so a
lesson runs end to end while its exercises are unattempted, and ``check`` reports "not
attempted yet" when the placeholder was used or returned.

Checkers judge by invariants or by a reference computed when they run (every label is
the argmin of its distances, every centroid the mean of its samples), never by answers
typed into this package. The worked answers live only in ``solutions/``, and no hint
holds a line of them (tests/test_hints.py).

An error raised by the learner's code reaches the learner as one line of advice plus the
error's type (``advice_for``), never TensorFlow's ``{{function_node ...}}`` device text.
"""

from __future__ import annotations

import enum
import math
import numbers
import re
from dataclasses import dataclass

import numpy as np

from helpers.functions import _short as _shown  # a learner's value in a message: a few dozen characters at most

__all__ = [
    "____", "Exercise", "Outcome", "Result", "Wrong", "advice_for", "call_learner", "contains_placeholder",
    "num", "nums",
]


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
    """Call the learner's ``function``; an exception becomes a ``Wrong`` with advice, ``None`` a reminder."""
    if not callable(function):
        raise Wrong(f"expected a function; got {type(function).__name__} {_short(function)}.")
    name = what or f"{getattr(function, '__name__', 'your function')}(...)"
    try:
        result = function(*args)
    except Wrong:
        raise
    except Exception as error:  # the learner's bug, reported instead of a stack trace
        if "_Placeholder" in str(error):  # e.g. "unsupported type _Placeholder"
            _Placeholder.used = True
        raise Wrong(f"{name} raised {advice_for(error)}") from None
    if contains_placeholder(result):
        _Placeholder.used = True
    elif result is None:
        raise Wrong(f"{name} returned None: did you forget `return`?")
    return result


def _short(value, limit=120):
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ----------------------------------------------------------------------------- error advice

def _dims(text):
    parts = [part.strip() for part in text.split(",") if part.strip()]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _clean(text):
    """TensorFlow's message without {{function_node ...}}, device names, [Op:...], node tails or tracebacks."""
    text = str(text)
    if text.lstrip().startswith("in user code:"):  # tf.function's traceback: the last line is the error
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        text = lines[-1] if lines else text
    text = re.sub(r"\{\{function_node [^}]*\}\}", "", text)
    text = re.sub(r"\{\{node [^}]*\}\}", "", text)
    text = re.sub(r"\s*\[Op:[^\]]*\]", "", text)
    text = re.sub(r"\s*name: [\w/.:-]*\s*$", "", text)
    text = re.sub(r"/job:\w+/replica:\d+/task:\d+/device:\w+:\d+", "", text)
    text = re.sub(r"\s+for '[^']*' with input shapes: .*", "", text)
    text = " ".join(text.split())
    return text.strip(" :;,.") or type(text).__name__


_TF_DTYPES = r"(?:DT_)?(half|float|double|bfloat16|int8|int16|int32|int64|uint8|bool|string|float16|float32|float64)"


def _dtype_name(name):
    name = name.lower()
    return {"float": "float32", "double": "float64", "half": "float16"}.get(name, name)


def advice_for(error) -> str:
    """One line for the learner: what the error usually means here, then its type and cleaned text."""
    kind = type(error).__name__
    text = str(error)
    clean = _short(_clean(text), 160)

    def said(advice):
        return f"{kind} ({advice}): {clean}"

    found = re.search(r"Incompatible shapes: \[([\d,]*)\] vs\. \[([\d,]*)\]", text) or re.search(
        r"operands could not be broadcast together with shapes \(([\d,]*)\) \(([\d,]*)\)", text
    ) or re.search(r"Dimensions must be equal, but are (\d+) and (\d+)", text)
    if found and "Dimensions must be equal" not in found.group(0):
        a, b = _dims(found.group(1)), _dims(found.group(2))
        return (f"{kind}: shapes {a} and {b} do not broadcast together. A reduction drops its axis unless you "
                "pass keepdims=True (or add one with [:, None]); check which axis each operand should have.")
    if found:
        return (f"{kind}: two operands have {found.group(1)} and {found.group(2)} along an axis that must match. "
                "Print the shapes of both operands; a reduction without keepdims=True, or a missing transpose, "
                "is the usual cause.")
    found = re.search(r"Matrix size-incompatible: In\[0\]: \[([\d,]*)\], In\[1\]: \[([\d,]*)\]", text) or re.search(
        r"matmul: Input operand 1 has a mismatch in its core dimension", text)
    if found:
        shapes = f" ({_dims(found.group(1))} @ {_dims(found.group(2))})" if found.groups() else ""
        return (f"{kind}: a matrix product whose inner sizes differ{shapes}: (a, b) @ (b, c) needs the same b. "
                "tf.matmul(x, y, transpose_b=True) multiplies by y's transpose.")
    if re.search(r"seed", text, re.I) and re.search(r"shape|\[2\]|pair|must have|2 elements|length", text, re.I):
        return (f"{kind}: a stateless random op needs its seed as a pair of two integers, such as "
                "seed=(seed, 0); a single number or a longer tuple will not do.")
    found = (
        re.search(r"expected to be a(?:n)? " + _TF_DTYPES + r" tensor but is a(?:n)? " + _TF_DTYPES, text)
        or re.search(r"Tensor conversion requested dtype " + _TF_DTYPES + r" for Tensor with dtype " + _TF_DTYPES, text)
    )
    if found:
        want, got = _dtype_name(found.group(1)), _dtype_name(found.group(2))
        if {want, got} == {"int32", "int64"}:
            return (f"{kind}: int64 mixed with int32. tf.argmin and tf.where give int64; pass output_type=tf.int32 "
                    f"to argmin, or tf.cast(x, tf.int32).")
        if {want, got} <= {"float32", "float64", "float16"}:
            return (f"{kind}: float64 mixed with float32. NumPy makes float64, TensorFlow float32: convert one "
                    f"side with tf.cast(x, tf.float32) or tf.constant(x, tf.float32).")
        return f"{kind}: an operation got {got} where it needs {want}: convert with tf.cast(x, tf.{want})."
    found = re.search(r"Value passed to parameter '\w+' has DataType " + _TF_DTYPES, text)
    if found:
        return (f"{kind}: this operation does not accept {_dtype_name(found.group(1))} values: "
                "tf.cast them to the dtype it needs (usually tf.float32 for maths, tf.int32 for indices).")
    if "non-rectangular Python sequence" in text:
        return (f"{kind}: a list or tuple whose items differ in length cannot become a tensor. Check what you "
                "passed: a seed, for one, must be a flat pair such as (seed, 0), not ((seed, 0), i).")
    found = re.search(r"Cannot convert (\S+) to EagerTensor of dtype (\w+)", text)
    if found:
        return (f"{kind}: {found.group(1)} cannot join a {found.group(2)} tensor. Convert the tensor first, "
                f"for example tf.cast(x, tf.float32), so that both sides have the same dtype.")
    if re.search(r"truth value of an array .* is ambiguous|using a `tf.Tensor` as a Python `bool`", text):
        return (f"{kind}: `if` (or `and`/`or`) on an array or tensor of several values. Reduce it to one value "
                "first (tf.reduce_all, tf.reduce_any, or a sum compared with a number).")
    if re.search(r"indices\[[^\]]*\] = -?\d+ is not in \[0, \d+\)|out of bounds|out of range", text, re.I):
        return f"{kind}: an index outside the tensor: {clean}. Check which axis you index and that labels are < k."
    if isinstance(error, ZeroDivisionError):
        return f"{kind}: a division by zero: guard it, for example with tf.maximum(count, 1) or tf.math.divide_no_nan."
    return f"{kind}: {clean}"


# ----------------------------------------------------------------------------- numbers in messages


def num(value, digits=5) -> str:
    """A number as a learner reads it: 12.158, not 12.157999992370605; whole numbers without .0."""
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        return _shown(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}"


def nums(values, digits=5) -> str:
    """A list or array of numbers, each as ``num`` writes it."""
    array = np.asarray(values)
    if array.size > 64:  # a learner's million-entry answer is described, not listed
        return _shown(array)
    values = array.tolist()
    if isinstance(values, list):
        return "[" + ", ".join(nums(item, digits) for item in values) + "]"
    return num(values, digits)


def is_whole(value) -> bool:
    """True for 5, np.int64(5) and 5.0; False for 5.5, True/False and non-numbers."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, numbers.Real) and math.isfinite(value) and float(value) == int(value)


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
    """One exercise: a judge that inspects an answer, and hints in levels.

    ``judge(answer)`` returns a short success message or raises ``Wrong``. A lesson
    module names its exercises ``q1``, ``q2``, ... so that ``ex.q1.hint()`` works.
    ``hints`` go from the idea (first) to close to the answer (last), never the answer itself.
    """

    def __init__(self, number, judge, hints):
        self.number = number
        self.name = f"Exercise {number}"
        self._judge = judge
        self.hints = (hints,) if isinstance(hints, str) else tuple(hints)
        if not self.hints:
            raise ValueError(f"{self.name} needs at least one hint.")
        self._hints_given = 0

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

    def hint(self, level=None) -> None:
        """Print the next hint (each call comes closer), or hint number ``level`` (1 is the first)."""
        print(self.hint_text(level))

    def hint_text(self, level=None) -> str:
        """The text ``hint(level)`` prints; without ``level`` it moves on to the next hint."""
        count = len(self.hints)
        if level is None:
            self._hints_given = min(self._hints_given + 1, count)
            level = self._hints_given
        elif is_whole(level) and 1 <= int(level) <= count:
            level = int(level)
            self._hints_given = max(self._hints_given, level)
        else:
            return f"💡 {self.name} has hints 1 to {count}; hint({_shown(level)}) is not one of them."
        more = (f" (Run ex.q{self.number}.hint() again for hint {level + 1}.)" if level < count
                else " (That is the last hint.)")
        return f"💡 Hint {level} of {count} for {self.name}: {self.hints[level - 1]}{more}"

    def _not_attempted(self):
        return Result(
            self.name,
            Outcome.NOT_ATTEMPTED,
            "replace every ____ with your code, then run the cell again.",
        )


def exercise(number, hints):
    """Decorator: turn ``judge(answer)`` into ``Exercise(number, judge, hints)``."""

    def wrap(judge):
        return Exercise(number, judge, hints)

    return wrap


def op_callbacks():
    """TensorFlow's op-callback module (what tf.debugging's numeric checks use), or None where it is missing."""
    try:
        from tensorflow.python.framework import op_callbacks as module
    except ImportError:
        return None
    return module if hasattr(module, "add_op_callback") else None


class watch_ops:  # noqa: N801 (used as a context manager, like a function)
    """Within ``with watch_ops() as seen:``, every TensorFlow op run eagerly or traced into a graph is noted.

    ``seen.types`` holds the op types, ``seen.sizes`` the number of elements of each output whose size is
    known. Code in NumPy or other libraries is not seen. Raises RuntimeError where TensorFlow has no hook.
    """

    def __enter__(self):
        self._module = op_callbacks()
        if self._module is None:
            raise RuntimeError("this TensorFlow has no op callbacks")
        self.types, self.sizes = set(), []

        def callback(op_type, inputs, attrs, outputs, op_name=None, graph=None):
            self.types.add(op_type)
            for output in outputs or ():
                size = getattr(getattr(output, "shape", None), "num_elements", lambda: None)()
                if size is not None:
                    self.sizes.append(size)

        self._callback = callback
        self._module.add_op_callback(callback)
        return self

    def __exit__(self, *exc):
        self._module.remove_op_callback(self._callback)
        return False


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
    if value is None:
        raise Wrong(f"{what} is None: did you forget `return`?")
    try:
        if hasattr(value, "numpy"):
            value = value.numpy()
        array = np.asarray(value)
    except Exception as error:
        raise Wrong(f"{what} could not be read as an array ({advice_for(error)}).") from None
    if array.dtype == object:
        raise Wrong(f"{what} should be an array of numbers; got {type(value).__name__} {_short(value)}.")
    return array
