"""Hints come in levels and never hand over a line of a worked answer in solutions/."""

import importlib
import json
import re
from pathlib import Path

import pytest

from helpers.exercises import Exercise

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(path.stem[-2:] for path in (ROOT / "helpers" / "exercises").glob("lesson[0-9][0-9].py"))
MIN_CHARS = 12  # shorter lines ("return x", "k = 3", brackets) are not an answer on their own


def _squash(text):
    return re.sub(r"\s+", "", text)


def _code_lines(region):
    """The worked answer's lines, comments dropped, whitespace removed; also each line's right-hand side."""
    lines = set()
    for line in region.splitlines():
        code = re.sub(r"\s+#.*$", "", line).strip()
        if not code or code.startswith(("#", "@")):  # a decorator names the tool the exercise asks for
            continue
        for variant in (code, re.sub(r"^(return|yield)\s+", "", code), re.sub(r"^[\w\[\], .]+?\s*=\s*", "", code, count=1)):
            variant = _squash(variant)
            if len(variant) >= MIN_CHARS:
                lines.add(variant)
    return lines


def solution_lines():
    """Every line between ### BEGIN SOLUTION and ### END SOLUTION in solutions/*.ipynb, read now."""
    found = {}
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for region in re.findall(r"### BEGIN SOLUTION[^\n]*\n(.*?)### END SOLUTION", source, re.S):
                for line in _code_lines(region):
                    found.setdefault(line, path.name)
    return found


def leaks(hints, lines):
    """(hint level, solution line) for every hint that contains a worked-answer line."""
    return [(level, line) for level, text in enumerate(hints, 1) for line in lines if line in _squash(text)]


def all_exercises():
    for lesson in LESSONS:
        module = importlib.import_module(f"helpers.exercises.lesson{lesson}")
        for name in sorted(vars(module)):
            if re.fullmatch(r"q\d+", name) and isinstance(getattr(module, name), Exercise):
                yield f"lesson{lesson}.{name}", getattr(module, name)


EXERCISES = dict(all_exercises())


def test_solutions_have_answer_lines_to_compare_with():
    lines = solution_lines()
    assert len(lines) >= 50, "the solution regions were not found: the leak test would pass on nothing"


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_no_hint_contains_a_line_of_a_worked_answer(name):
    found = leaks(EXERCISES[name].hints, solution_lines())
    assert not found, f"{name} hint {found[0][0]} contains the worked-answer line {found[0][1]!r}"


def test_the_leak_test_catches_a_leaked_hint():
    lines = solution_lines()
    leaked = ("Reshape, then:  return tf.reduce_mean( blocks, axis=1 )",)  # lesson 01's answer, spaced out
    assert leaks(leaked, lines)
    leaked_rhs = ("Use tf.random.experimental.stateless_shuffle(tf.range(n_samples), seed=(seed, 0)).",)
    assert leaks(leaked_rhs, lines)
    assert not leaks(("Reshape to (k, m, d), then average over the middle axis.",), lines)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_hints_come_in_levels_and_repeat_on_request(name, capsys):
    exercise = Exercise(0, lambda answer: "", EXERCISES[name].hints)  # a fresh copy: no shared counter
    count = len(exercise.hints)
    assert count >= 2, f"{name} should have at least two levels of hints"
    assert len(set(exercise.hints)) == count
    for level in range(1, count + 2):  # one call past the last
        exercise.hint()
        shown = capsys.readouterr().out
        assert f"Hint {min(level, count)} of {count}" in shown
        assert exercise.hints[min(level, count) - 1] in shown
    exercise.hint(1)
    assert exercise.hints[0] in capsys.readouterr().out
    exercise.hint(count + 1)
    assert f"hints 1 to {count}" in capsys.readouterr().out
