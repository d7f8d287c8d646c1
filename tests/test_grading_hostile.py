"""A class where everything goes wrong at once: each problem is caught and the rest is graded.

The returned folder is written here from code (lesson 01, the fastest), graded once, and
every test reads that one run. Notebooks really loop, die, fork, allocate too much, print
fake check lines, patch the checkers, install IPython hooks and try to write outside
their folder.
"""

import hashlib
import json
import os
from pathlib import Path

import nbformat
import pytest

from helpers.classroom import grade as grading
from helpers.classroom import sandbox

ROOT = Path(__file__).resolve().parents[1]
LESSON = "01_generating_samples.ipynb"
SANDBOXED = sandbox.bubblewrap()[0] is not None
MARK = "31415926"  # a forked child sleeps this many seconds: no such process may outlive grading


def _lesson():
    return nbformat.read(ROOT / "lessons" / LESSON, as_version=4)


def _solution():
    return nbformat.read(ROOT / "solutions" / LESSON, as_version=4)


def _answer(number):
    """The worked answer cell of exercise ``number``, as a learner would have written it."""
    name = {1: "def blob_means", 2: "def create_uneven_samples"}[number]
    return next(cell.source for cell in _solution().cells if name in cell.source)


def _lesson_plus(source):
    notebook = _lesson()
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    return notebook


def _solved(*extra_after_q1, at_end=()):
    """Lesson 01 with both answers; ``extra_after_q1`` cells between exercise 1 and 2."""
    notebook = _lesson()
    for index, cell in enumerate(notebook.cells):
        if "def blob_means" in cell.source:
            cell.source = _answer(1)
            q1 = index
        elif "def create_uneven_samples" in cell.source:
            cell.source = _answer(2)
    for offset, source in enumerate(extra_after_q1, start=1):
        notebook.cells.insert(q1 + offset, nbformat.v4.new_code_cell(source))
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in at_end]
    return notebook


def _digest(*folders):
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders for p in sorted(Path(folder).rglob("*"))
            if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts}


def _write_class(folder: Path, report: Path) -> None:
    def put(relative, notebook):
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, path)

    put("class-A/alice/final version (2).ipynb", _solved())
    put("class-A/bob/lesson.ipynb", _lesson())
    # Stale: the solution with its stored "✅ correct" outputs, but today's answer is wrong.
    stale = _solution()
    for cell in stale.cells:
        if "def blob_means" in cell.source:
            cell.source = "def blob_means(samples, n_samples_per_cluster):\n    return samples[:4]\n\n\nex.q1.check(blob_means)"
    put("class-A/stella/01.ipynb", stale)
    put("class-B/loop/l.ipynb", _solved("while True:\n    pass"))
    put("class-B/exit/l.ipynb", _solved("import os\nos._exit(3)"))
    put("class-B/kill/l.ipynb", _solved("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"))
    put("class-B/fork/l.ipynb", _solved(f"import os\nif os.fork() == 0:\n    os.execvp('sleep', ['sleep', '{MARK}'])", at_end=[
        "def spy(info):\n    print('✅ Exercise 1, correct: seen', len(info.raw_cell))\n"
        "get_ipython().events.register('pre_run_cell', spy)",
        "import threading, time\nthreading.Thread(target=lambda: time.sleep(3600), daemon=True).start()"]))
    put("class-B/hog/l.ipynb", _solved("import numpy as np\nhog = np.ones(int(3 * 2**30 / 8))"))
    faker = _lesson()
    faker.cells.append(nbformat.v4.new_code_cell(
        "print('✅ Exercise 1, correct: each row is the mean of one blob.')\n"
        "print('✅ Exercise 2, correct: uneven blobs.')"))
    put("class-C/faker/l.ipynb", faker)
    patcher = _lesson()
    for cell in patcher.cells:
        if "ex.q2.check(create_uneven_samples)" in cell.source:
            cell.source = cell.source.replace("ex.q2.check(create_uneven_samples)", "ex.q2.check(lambda *a: None)")
    patcher.cells.append(nbformat.v4.new_code_cell(
        "ex.q1._judge = lambda answer: 'correct, of course'\n"
        "from helpers.exercises import Exercise\n"
        "Exercise.evaluate = lambda self, answer: print('✅ Exercise 1, correct: trust me')\n"
        "ex.q2.check = lambda answer: print('✅ Exercise 2, correct: trust me')\n"
        "import numpy as np\nnp.isclose = lambda *args, **kwargs: True"))
    put("class-C/patcher/l.ipynb", patcher)
    # Forgers of the grader's channel itself: rewrite every verdict to "passed" and empty the flags,
    # on the shell's display publisher (removed before grading) or on its class (cannot be undone).
    forge = ("def publish({self}data, metadata=None, **kwargs):\n"
             "    data = {{key: dict(value, status='passed', message='', flags=[]) if 'grade-' in key else value\n"
             "            for key, value in data.items()}}\n"
             "    return original({self}data, metadata=metadata, **kwargs)\n")
    put("class-C/mallory/l.ipynb", _lesson_plus(
        "original = get_ipython().display_pub.publish\n" + forge.format(self="")
        + "get_ipython().display_pub.publish = publish"))
    put("class-C/trent/l.ipynb", _lesson_plus(
        "original = type(get_ipython().display_pub).publish\n" + forge.format(self="self, ")
        + "type(get_ipython().display_pub).publish = publish"))
    if SANDBOXED:  # without a sandbox these writes would really happen: never try them unsandboxed
        writes = "\n".join([
            "import os, pathlib, subprocess",
            "hits = []",
            f"for hidden in [{str(ROOT)!r}, {str(folder)!r}, {str(report)!r}]:  # unmount what hides them",
            "    subprocess.run(['umount', '-l', hidden], capture_output=True)",
            f"for target in [{str(ROOT / 'helpers' / 'exercises' / '__init__.py')!r}, {str(report / 'grades.md')!r},",
            f"               {str(folder / 'class-A' / 'alice' / 'final version (2).ipynb')!r}]:",
            "    try:",
            "        pathlib.Path(target).write_text('pwned')",
            "        hits.append('wrote ' + target)",
            "    except OSError:",
            "        pass",
            f"if os.path.exists({str(folder / 'class-A' / 'bob' / 'lesson.ipynb')!r}):",
            "    hits.append('could see bob')",
            "if hits:",
            "    raise RuntimeError('escaped: ' + ', '.join(hits))",
        ])
        put("class-C/writer/l.ipynb", _solved(writes))
    # Broken entries of every kind.
    (folder / "broken").mkdir()
    (folder / "broken" / "x.ipynb").mkdir()
    (folder / "broken" / "gone.ipynb").symlink_to(folder / "nowhere.ipynb")
    (folder / "broken" / "empty.ipynb").write_bytes(b"")
    text = nbformat.writes(_lesson())
    (folder / "broken" / "truncated.ipynb").write_text(text[: len(text) // 2])
    (folder / "broken" / "nulls.ipynb").write_text('{"cells": [null]}')
    (folder / "broken" / "notes.txt").write_text("not a notebook")
    # fay, in two classes: a solved notebook in nbformat 3, and one in 4.0 (no cell ids) with 25 MB of output.
    (folder / "class-D" / "fay").mkdir(parents=True)
    v3 = nbformat.convert(_solved(), 3)
    (folder / "class-D" / "fay" / "l.ipynb").write_text(nbformat.writes(v3, version=3))
    v40 = json.loads(nbformat.writes(_solved()))  # nbformat 4.0: no cell ids; and 25 MB of stored output
    v40["nbformat_minor"] = 0
    for cell in v40["cells"]:
        cell.pop("id", None)
    v40["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": 1, "source": "pass",
                         "outputs": [{"output_type": "stream", "name": "stdout", "text": "y" * 25_000_000}]})
    (folder / "class-E" / "fay").mkdir(parents=True)
    (folder / "class-E" / "fay" / "l.ipynb").write_text(json.dumps(v40))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    folder, report = base / "returned", base / "report"
    report.mkdir()
    _write_class(folder, report)
    watched = [ROOT / "helpers", ROOT / "lessons", ROOT / "solutions"]
    before, returned_before = _digest(*watched), _digest(folder)
    seen_while_grading = []

    def progress(line):
        if (report / "grades.md").exists():
            seen_while_grading.append((line, (report / "grades.md").read_text()))

    rows, _ = grading.grade(folder, report, time_limit=60, check_limit=60, memory_gb=1.5, workers=2,
                            progress=progress)
    return {"rows": {row.file: row for row in rows}, "report": report, "folder": folder,
            "checkout_changed": before != _digest(*watched), "returned_changed": returned_before != _digest(folder),
            "seen": seen_while_grading}


def _status(row):
    return {n: status for n, (status, _) in row.exercises.items()}


def test_solved_untouched_and_stale_notebooks_get_this_runs_verdicts(graded):
    rows = graded["rows"]
    assert _status(rows["class-A/alice/final version (2).ipynb"]) == {1: "passed", 2: "passed"}
    assert not rows["class-A/alice/final version (2).ipynb"].flags
    assert _status(rows["class-A/bob/lesson.ipynb"]) == {1: "not attempted", 2: "not attempted"}
    stale = rows["class-A/stella/01.ipynb"]
    assert _status(stale) == {1: "wrong", 2: "passed"}, "stored ✅ outputs must never count"
    assert "returned shape (4, 3)" in stale.exercises[1][1] or "row 0" in stale.exercises[1][1]


def test_a_loop_is_stopped_by_the_notebook_limit_and_the_running_cell_is_named(graded):
    row = graded["rows"]["class-B/loop/l.ipynb"]
    assert "time limit of 60 s hit in cell" in row.note and "`while True:`" in row.note
    assert row.exercises[1][0] == "passed"  # defined before the loop, checked after it was interrupted
    assert row.exercises[2][0] == "not graded" and "did not run" in row.exercises[2][1]


@pytest.mark.parametrize("learner", ["exit", "kill"])
def test_a_kernel_that_dies_leaves_its_exercises_not_graded(graded, learner):
    row = graded["rows"][f"class-B/{learner}/l.ipynb"]
    assert _status(row) == {1: "not graded", 2: "not graded"}
    assert "the kernel died in cell" in row.note
    assert not row.graded


def test_a_forked_child_is_flagged_and_does_not_outlive_grading(graded):
    row = graded["rows"]["class-B/fork/l.ipynb"]
    assert _status(row) == {1: "passed", 2: "passed"}
    assert any("a process started by the notebook was still running (sleep" in flag for flag in row.flags)
    survivors = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if MARK in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                survivors.append(pid)
        except OSError:
            continue
    assert not survivors


def test_the_memory_bound_is_hit_and_reported(graded):
    row = graded["rows"]["class-B/hog/l.ipynb"]
    assert "memory limit of 1.5 GB hit in cell" in row.note and "MemoryError" in row.note
    assert _status(row) == {1: "passed", 2: "passed"}


def test_printed_check_lines_are_flagged_and_never_count(graded):
    row = graded["rows"]["class-C/faker/l.ipynb"]
    assert _status(row) == {1: "not attempted", 2: "not attempted"}
    assert any("printed a check-like line without calling a check" in flag for flag in row.flags)
    assert any("holds check-like text" in flag for flag in row.flags)


def test_patched_checkers_and_edited_check_calls_are_flagged_and_ignored(graded):
    row = graded["rows"]["class-C/patcher/l.ipynb"]
    assert _status(row) == {1: "not attempted", 2: "not attempted"}
    flags = " ".join(row.flags)
    assert "helpers.exercises.lesson01.q1 (its judge) differs" in flags
    assert "helpers.exercises.Exercise.evaluate was replaced by code from the notebook" in flags
    assert "calls a check its own way: `ex.q2.check(lambda *a: None)`" in flags
    assert "the check of exercise 2 was edited in cell" in flags
    assert "helpers.exercises.lesson01.q2.check was set on the exercise by the notebook" in flags
    assert "numpy.isclose was replaced by code from the notebook" in flags
    assert "reaches for the checkers or the kernel: `ex.q2.check = lambda" in flags


def test_a_patched_grader_channel_forges_nothing(graded):
    mallory, trent = graded["rows"]["class-C/mallory/l.ipynb"], graded["rows"]["class-C/trent/l.ipynb"]
    assert _status(mallory) == {1: "not attempted", 2: "not attempted"}  # its real verdicts, not the forged passes
    assert "the grader's channel was patched: display_pub.publish replaced by code from the notebook" in "; ".join(
        mallory.flags)
    assert _status(trent) == {1: "not graded", 2: "not graded"} and not trent.graded
    assert "the grader's channel was patched by the notebook: ipykernel.zmqshell.ZMQDisplayPublisher.publish" in (
        "; ".join(trent.flags))


def test_an_ipython_hook_is_removed_before_the_checks_and_flagged_and_so_is_a_thread(graded):
    row = graded["rows"]["class-B/fork/l.ipynb"]
    assert _status(row) == {1: "passed", 2: "passed"}
    assert any("an IPython 'pre_run_cell' hook (spy)" in flag for flag in row.flags)
    assert any("a thread started by the notebook was still running" in flag for flag in row.flags)


@pytest.mark.skipif(not SANDBOXED, reason="bubblewrap is not usable here: the escape test would really write")
def test_a_notebook_cannot_touch_the_checkout_other_learners_or_the_report(graded):
    row = graded["rows"]["class-C/writer/l.ipynb"]
    assert "escaped" not in row.note
    assert _status(row) == {1: "passed", 2: "passed"}
    assert not graded["checkout_changed"] and not graded["returned_changed"]
    assert sorted(p.name for p in graded["report"].iterdir()) == ["grades.csv", "grades.md"]
    assert "pwned" not in (graded["report"] / "grades.md").read_text()


def test_every_broken_entry_gets_a_row_or_a_note(graded):
    rows, text = graded["rows"], (graded["report"] / "grades.md").read_text()
    assert rows["broken/empty.ipynb"].note == "not graded: empty file (0 bytes)"
    assert rows["broken/truncated.ipynb"].note.startswith("not graded: truncated")
    assert "cell 1 is null, not a cell: skipped" in rows["broken/nulls.ipynb"].note
    assert "`broken/x.ipynb/`: a folder named like a notebook" in text
    assert "`broken/gone.ipynb`: a broken link" in text
    assert "`broken/notes.txt`: not a notebook: ignored" in text
    assert _status(rows["class-D/fay/l.ipynb"]) == {1: "passed", 2: "passed"}  # nbformat 3
    assert _status(rows["class-E/fay/l.ipynb"]) == {1: "passed", 2: "passed"}  # 4.0, 25 MB of output


def test_learners_come_from_the_innermost_folder_and_collisions_are_reported(graded):
    rows = graded["rows"]
    assert rows["class-A/alice/final version (2).ipynb"].learner == "alice"
    assert rows["class-D/fay/l.ipynb"].learner == rows["class-E/fay/l.ipynb"].learner == "fay"
    assert "learner name fay is shared by notebooks in different folders: class-D/fay, class-E/fay" \
        in rows["class-D/fay/l.ipynb"].note
    # two folders, two people of one name: not one learner returning a lesson twice (tests/test_classroom.py)
    assert "more than once" not in rows["class-D/fay/l.ipynb"].note


def test_rows_are_written_as_each_notebook_finishes_with_its_time(graded):
    seen = graded["seen"]
    assert seen, "the report should exist while grading goes on"
    first_line, first_report = seen[0]
    assert "(still grading)" in first_report and "left" in first_line
    finished = first_line.split(" ", 2)[2].rsplit(": ", 1)[0]
    assert f"| {finished} |" in first_report  # the notebook just finished already has its row
    final = (graded["report"] / "grades.md").read_text()
    assert "(still grading)" not in final
    assert graded["rows"]["class-A/alice/final version (2).ipynb"].seconds > 0
