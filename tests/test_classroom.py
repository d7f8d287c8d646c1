"""The teacher's tools without a kernel: the learner's bundle, reading what comes back, the report.

Grading real notebooks (loops, dead kernels, forged passes, escapes) is in
tests/test_grading_hostile.py.
"""

import json
import os
import re
import stat
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest

from helpers.classroom import __main__ as cli
from helpers.classroom import bundle as bundling
from helpers.classroom import grade as grading
from helpers.classroom import sandbox

ROOT = Path(__file__).resolve().parents[1]
LESSON = "01_generating_samples.ipynb"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    archive = bundling.build_bundle(out)
    return archive, out / bundling.BUNDLE_NAME


def test_bundle_holds_the_lessons_and_nothing_of_the_solutions_or_the_teachers_tools(bundle):
    archive, folder = bundle
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        text = "\n".join(opened.read(name).decode("utf-8", "replace") for name in names if name.endswith(".ipynb"))
    top = bundling.BUNDLE_NAME
    # pyproject.toml too: requirements.txt ends with `-e .`, which installs helpers from it.
    for required in ("README.md", "requirements.txt", "pyproject.toml", "Makefile", "helpers/functions.py",
                     "helpers/exercises/lesson01.py", "helpers/exercises/_grading.py", f"lessons/{LESSON}"):
        assert f"{top}/{required}" in names
    lessons = sorted(path.name for path in (ROOT / "lessons").glob("*.ipynb"))
    assert sorted(Path(n).name for n in names if n.startswith(f"{top}/lessons/")) == lessons
    for teacher_only in ("solutions", "/tests/", "__pycache__", "helpers/classroom", "helpers/notebooks.py",
                         "helpers/benchmark.py"):
        assert not [n for n in names if teacher_only in n], teacher_only
    assert "BEGIN SOLUTION" not in text and "SOLUTION ONLY" not in text
    solution = nbformat.read(ROOT / "solutions" / LESSON, as_version=4)
    answer = next(c.source for c in solution.cells if "def blob_means" in c.source)
    assert "tf.reshape(samples, (-1, n_samples_per_cluster, n_features))" in answer
    assert "tf.reshape(samples, (-1, n_samples_per_cluster, n_features))" not in text
    imported = set(re.findall(r"from (helpers[\w.]*) import|import (helpers[\w.]*)", text))
    for module in {a or b for a, b in imported}:
        path = folder / Path(*module.split("."))
        assert path.with_suffix(".py").exists() or (path / "__init__.py").exists(), module


def _slug(heading: str) -> str:
    """GitHub's and JupyterLab's anchor for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_in_the_bundle_resolves_inside_it(bundle):
    _, folder = bundle
    documents = [(path, path.read_text()) for path in folder.glob("*.md")]
    for path in sorted((folder / "lessons").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        documents.append((path, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")))
    checked = 0
    for path, text in documents:
        for target in re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'href="([^"]+)"', text):
            if re.match(r"https?://|mailto:", target):
                continue
            file_part, _, anchor = target.partition("#")
            resolved = (path.parent / file_part).resolve() if file_part else path
            assert resolved.is_relative_to(folder.resolve()), f"{path.name}: {target} leaves the bundle"
            assert resolved.exists(), f"{path.name}: {target} does not exist in the bundle"
            if anchor and resolved.suffix == ".md":
                headings = [_slug(line.lstrip("#")) for line in resolved.read_text().splitlines() if line.startswith("#")]
                assert anchor in headings, f"{path.name}: {target}: no such section in {resolved.name}"
            checked += 1
    assert checked >= 2 * 9, "every lesson links to the README and a neighbour"


def test_the_bundles_makefile_lists_what_a_learner_needs_and_make_lab_runs_jupyter(bundle, tmp_path):
    _, folder = bundle
    shown = subprocess.run(["make", "-s", "help"], cwd=folder, capture_output=True, text=True, check=True).stdout
    assert [line.split()[1] for line in shown.splitlines()] == ["lab", "clean"]
    assert "test" not in shown and "grade" not in shown and "bundle" not in shown
    # `make lab` once the venv exists: a stand-in jupyter records how it was called (no network here).
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    jupyter = venv / "bin" / "jupyter"
    jupyter.write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path / 'called'}\n")
    jupyter.chmod(jupyter.stat().st_mode | stat.S_IEXEC)
    (venv / ".installed").touch()
    os.utime(venv / ".installed", (2**31, 2**31))  # newer than requirements.txt
    subprocess.run(["make", "-s", "lab", f"VENV={venv}"], cwd=folder, check=True, capture_output=True)
    called = (tmp_path / "called").read_text()
    assert called.startswith("lab --ip=127.0.0.1") and "lessons/01_generating_samples.ipynb" in called


# ---------------------------------------------------------------- reading returned files


def _write(path: Path, text) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty file (0 bytes)"),
    (b"  \n", "only white space (3 bytes)"),
    (b'{"cells": [{"cell_type": "code", "source": "x = ', "truncated: its JSON stops at byte"),
    (b'{"cells": [], }', "not valid JSON at line 1, column 15"),
    (b"[1, 2]", "not a notebook: its JSON is a list"),
    (b'{"metadata": {}}', "not a notebook: no list of cells"),
    (b"\xff\xfe{}", "not UTF-8 text"),
])
def test_unreadable_files_say_why(tmp_path, content, message):
    path = _write(tmp_path / "x.ipynb", content)
    with pytest.raises(grading.Unreadable) as error:
        grading.read_notebook(path)
    assert str(error.value).startswith(message)


def test_every_nbformat_is_read_and_bad_cells_are_skipped(tmp_path):
    lesson = nbformat.read(ROOT / "lessons" / LESSON, as_version=4)
    v3 = _write(tmp_path / "v3.ipynb", nbformat.writes(nbformat.convert(
        nbformat.reads(nbformat.writes(lesson), as_version=4), 3), version=3))
    cells, problems = grading.read_notebook(v3)
    assert not problems and any("ex.q1.check(blob_means)" in c["source"] for c in cells)
    assert grading.lesson_of(cells, "v3.ipynb", grading.teacher_lessons()) == "01"
    for minor in range(6):
        raw = json.loads(nbformat.writes(lesson))
        raw["nbformat_minor"] = minor
        if minor < 5:
            for cell in raw["cells"]:
                cell.pop("id", None)
        cells, problems = grading.read_notebook(_write(tmp_path / f"v4{minor}.ipynb", json.dumps(raw)))
        assert not problems and len(cells) == len(lesson.cells)
    cells, problems = grading.read_notebook(_write(tmp_path / "n.ipynb", '{"cells": [null, {"cell_type": "code", "source": 3}]}'))
    assert cells == [] and problems == ["cell 1 is null, not a cell: skipped",
                                        "cell 2 has no readable source or type: skipped"]


def test_learner_is_the_innermost_folder_below_the_returned_one(tmp_path):
    assert grading.learner_of(tmp_path / "class-A" / "fay" / "l.ipynb", tmp_path) == "fay"
    assert grading.learner_of(tmp_path / "fay" / "l.ipynb", tmp_path) == "fay"
    assert grading.learner_of(tmp_path / "carol.ipynb", tmp_path) == "carol"


def test_discover_notes_every_entry_that_is_not_a_notebook(tmp_path):
    _write(tmp_path / "a" / "l.ipynb", "{}")
    (tmp_path / "x.ipynb").mkdir()
    _write(tmp_path / "x.ipynb" / "inside.ipynb", "{}")
    (tmp_path / "gone.ipynb").symlink_to(tmp_path / "nowhere")
    (tmp_path / "link.ipynb").symlink_to(tmp_path / "a" / "l.ipynb")
    _write(tmp_path / "a" / ".ipynb_checkpoints" / "l-checkpoint.ipynb", "{}")
    _write(tmp_path / "data.csv", "1,2")
    (tmp_path / "empty").mkdir()
    notebooks, notes = grading.discover(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in notebooks] == ["a/l.ipynb", "x.ipynb/inside.ipynb"]
    notes = dict(notes)
    assert notes["gone.ipynb"].startswith("a broken link")
    assert notes["link.ipynb"].startswith("a link")
    assert notes["x.ipynb/"] == "a folder named like a notebook: looked inside it"
    assert notes["a/.ipynb_checkpoints/"].startswith("Jupyter's autosave copies")
    assert notes["data.csv"] == "not a notebook: ignored" and notes["empty/"] == "empty folder"


def test_static_flags_find_edited_checks_and_check_like_text():
    lessons = grading.teacher_lessons()
    lesson = nbformat.read(ROOT / "lessons" / LESSON, as_version=4)
    cells = [{"index": i, "type": c.cell_type, "source": c.source, "id": c.get("id")} for i, c in enumerate(lesson.cells)]
    assert grading.static_flags(cells, lessons["01"]) == []
    assert lessons["01"]["checks"] == [[1, "blob_means"], [2, "create_uneven_samples"]]
    check_cell = next(cell["index"] for cell in cells if "ex.q1.check(blob_means)" in cell["source"])
    for cell in cells:
        cell["source"] = cell["source"].replace("ex.q1.check(blob_means)", "ex.q1.check(lambda *a: None)")
    cells.append({"index": 99, "type": "code", "source": "print('✅ Exercise 2, correct')", "id": None})
    flags = grading.static_flags(cells, lessons["01"])
    assert any(flag.startswith(f"the check of exercise 1 was edited in cell {check_cell + 1}") for flag in flags)
    assert any("calls a check its own way: `ex.q1.check(lambda *a: None)`" in flag for flag in flags)
    assert any(flag.startswith("cell 100 holds check-like text") for flag in flags)


def test_a_notebook_without_code_is_not_run_and_says_so(tmp_path, monkeypatch):
    # Only markdown: no kernel is started (a kernel would flag "the name ex was not ... any more", which is false:
    # nothing ever ran), and every exercise is "not graded" for that one reason.
    lesson = nbformat.read(ROOT / "lessons" / LESSON, as_version=4)
    markdown_only = nbformat.v4.new_notebook(cells=[cell for cell in lesson.cells if cell.cell_type == "markdown"])
    _write(tmp_path / "r" / "fay" / "notes.ipynb", nbformat.writes(markdown_only))
    turned = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(cell.source) for cell in lesson.cells])
    turned.cells.append(nbformat.v4.new_code_cell("  \n"))
    _write(tmp_path / "r" / "sam" / "l.ipynb", nbformat.writes(turned))
    _write(tmp_path / "r" / "kim" / "01_generating_samples.ipynb", '{"cells": [null]}')  # no cell at all

    def no_kernel(*args, **kwargs):
        raise AssertionError("a notebook without code was run")

    monkeypatch.setattr(grading, "_run_one", no_kernel)
    rows, _ = grading.grade(tmp_path / "r", tmp_path / "out", use_bwrap=False)
    rows = {row.learner: row for row in rows}
    markdown = len(markdown_only.cells)
    reason = f"no code to run: the notebook holds {markdown} markdown cell(s), so the checks of lesson 01 were not run"
    assert rows["fay"].lesson == "01" and rows["fay"].notes == [reason]
    assert rows["fay"].exercises == {1: ("not graded", reason), 2: ("not graded", reason)}
    assert rows["fay"].flags == [] and not rows["fay"].graded
    sam = rows["sam"].note
    assert sam.startswith(f"no code to run: the notebook holds {len(lesson.cells)} markdown cell(s) and 1 empty code "
                          "cell(s), so the checks of lesson 01 were not run (check lines found as text: exercise 1 "
                          "in markdown cell "), sam
    assert sam.endswith("were its code cells turned into markdown?)") and rows["sam"].flags == []
    assert rows["kim"].notes == ["cell 1 is null, not a cell: skipped",
                                 "no code to run: the notebook holds no cell, so the checks of lesson 01 were not run"]
    report = (tmp_path / "out" / "grades.md").read_text()
    assert f"| fay | fay/notes.ipynb | 01 | not graded | not graded |  |  | {reason} |" in report
    assert "the name ex was not" not in report


@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")  # the scan probes pytest.mark.func
def test_the_kernel_flags_a_rebound_ex_but_not_one_that_was_never_imported():
    # inkernel.py runs in the learner's kernel; here its tampering scan runs with a stand-in for get_ipython().
    import types

    from helpers.exercises import lesson01, lesson02

    namespace, code = {}, (ROOT / "helpers" / "classroom" / "inkernel.py").read_text()
    user_ns = {}
    namespace["get_ipython"] = lambda: types.SimpleNamespace(user_ns=user_ns)
    exec(compile(code, "inkernel.py", "exec"), namespace)

    def ex_flags():
        return [flag for flag in namespace["_kmeans_tf_tampering"]("<no notebook cell>", "01") if "name ex" in flag]

    assert ex_flags() == []  # the import cell never ran: nothing was replaced, the verdicts say what is undefined
    user_ns["ex"] = lesson01
    assert ex_flags() == []
    for rebound in (lesson02, types.SimpleNamespace(__name__="helpers.exercises.lesson01"), None):
        user_ns["ex"] = rebound
        assert ex_flags() == ["the name ex was not helpers.exercises.lesson01 any more"], rebound


# ------------------------------------------------------------------ the command line


def test_grades_md_being_a_folder_stops_before_grading(tmp_path, capsys):
    returned = tmp_path / "returned"
    _write(returned / "a.ipynb", nbformat.writes(nbformat.read(ROOT / "lessons" / LESSON, as_version=4)))
    (tmp_path / "report" / "grades.md").mkdir(parents=True)
    assert cli.main(["grade", str(returned), "--out", str(tmp_path / "report")]) == 2
    assert "grades.md exists and is not a plain file" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == ["grades.md"]


def test_exit_status_says_whether_every_notebook_was_graded(tmp_path, capsys):
    only_notes = tmp_path / "a"
    _write(only_notes / "notes.txt", "hello")
    assert cli.main(["grade", str(only_notes), "--out", str(tmp_path / "ra")]) == 0
    broken = tmp_path / "b"
    _write(broken / "fay" / "empty.ipynb", b"")
    assert cli.main(["grade", str(broken), "--out", str(tmp_path / "rb")]) == 1
    report = (tmp_path / "rb" / "grades.md").read_text()
    assert "| fay | fay/empty.ipynb | ? |  |  |  |  | not graded: empty file (0 bytes) |" in report


def test_without_a_sandbox_the_report_says_so(tmp_path):
    _write(tmp_path / "r" / "empty.ipynb", b"")
    (tmp_path / "out").mkdir()
    lines = []
    grading.grade(tmp_path / "r", tmp_path / "out", use_bwrap=False, progress=lines.append)
    assert "NOT SANDBOXED" in (tmp_path / "out" / "grades.md").read_text()
    assert lines == ["WARNING: NOT SANDBOXED: sandbox turned off (--no-sandbox); "
                     "notebooks could read and write the teacher's files"]
    command = sandbox.kernel_command(tmp_path, tmp_path / "course", tmp_path / "c" / "k.json", 2**30, [],
                                     use_bwrap=False)
    assert "bwrap" not in command[0] and "RLIMIT_DATA" in command[2]


def test_readme_for_teachers_names_the_commands_and_the_limits():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## For teachers"):]
    assert "make bundle" in section and "make grade RETURNED=" in section
    for option in ("--time-limit", "--memory-gb", "--workers", "bubblewrap"):
        assert option in section


def test_the_grading_hook_hands_each_verdict_to_a_listening_grader_only(capsys):
    from helpers.exercises import _grading, lesson01

    seen = []
    _grading.RECORDER = lambda exercise, result: seen.append((exercise.number, result.outcome.value))
    try:
        lesson01.q1.check(lambda samples, per: samples[:1])
    finally:
        _grading.RECORDER = None
    lesson01.q1.check(lambda samples, per: samples[:1])  # nobody listening: printed only
    assert seen == [(1, "wrong")]
    assert capsys.readouterr().out.count("❌ Exercise 1, wrong") == 2


def test_two_learners_of_one_name_are_told_apart_from_one_learner_returning_twice():
    rows = [grading.Row("sam", "class-A/sam/l.ipynb", "01"), grading.Row("sam", "class-B/sam/l.ipynb", "01"),
            grading.Row("fay", "fay/a.ipynb", "01"), grading.Row("fay", "fay/b.ipynb", "01"),
            grading.Row("fay", "fay/c.ipynb", "02")]
    grading.attribution_notes(rows)
    shared = "learner name sam is shared by notebooks in different folders: class-A/sam, class-B/sam"
    assert rows[0].notes == [shared] and rows[1].notes == [shared]
    assert rows[2].notes == ["fay returned lesson 01 more than once (also fay/b.ipynb)"]
    assert rows[3].notes == ["fay returned lesson 01 more than once (also fay/a.ipynb)"]
    assert rows[4].notes == []


def test_ctrl_c_keeps_what_was_graded_and_names_what_was_not(tmp_path, monkeypatch):
    lesson = (ROOT / "lessons" / LESSON).read_bytes()
    for name in ("a", "b", "c"):
        _write(tmp_path / "r" / f"{name}.ipynb", lesson)
    started = []

    def fake_run_one(job, run_dir, index, running=None, stopping=None):  # a, then Ctrl-C while b runs
        started.append(index)
        if len(started) == 2:
            raise KeyboardInterrupt
        if len(started) == 3:  # c started before the Ctrl-C reached the grader: it is stopped with the rest
            assert stopping.wait(10)
        return {"exercises": {"1": ["passed", ""], "2": ["wrong", "no"]}, "flags": [], "notes": [], "seconds": 1.0}

    monkeypatch.setattr(grading, "_run_one", fake_run_one)
    with pytest.raises(grading.GradingInterrupted) as stop:
        grading.grade(tmp_path / "r", tmp_path / "out", workers=1, use_bwrap=False)
    assert started[:2] == [0, 1]
    report = (tmp_path / "out" / "grades.md").read_text()
    assert "INTERRUPTED (Ctrl-C): 1 of 3 notebook(s) done" in report
    assert "| a | a.ipynb | 01 | passed | wrong | 1 |" in report
    for name in ("b", "c"):
        assert f"| {name} | {name}.ipynb | 01 |  |  |  |  | {grading.INTERRUPTED} |" in report
    assert not any(row.graded for row in stop.value.rows if row.learner != "a")


def test_the_report_shows_hostile_names_as_escapes_and_says_a_shared_reason_once(tmp_path):
    report = grading.Report(tmp_path, tmp_path / "returned", [1, 2], ["test"], [])
    row = grading.Row("a|b", "a|b/fay\u202egnp.ipynb\n", "01", seconds=3.0)
    row.exercises = {1: ("not graded", "the kernel died in cell 4"), 2: ("not graded", "the kernel died in cell 4")}
    report.expected = 1
    report.add(row)
    text = (tmp_path / "grades.md").read_text()
    assert "| a\\|b | a\\|b/fay\\u202egnp.ipynb  | 01 | not graded | not graded | 3 |  | 1, 2: the kernel died in cell 4 |" \
        in text
    assert "\u202e" not in text
    assert stat.S_IMODE((tmp_path / "grades.csv").stat().st_mode) == stat.S_IMODE((tmp_path / "grades.md").stat().st_mode)
