"""The classroom kit: a bundle without solutions, and a grader that survives bad notebooks."""

import csv
import hashlib
import zipfile
from pathlib import Path

import nbformat

from helpers import classroom

ROOT = Path(__file__).resolve().parents[1]
LESSON = "01_generating_samples.ipynb"


def test_bundle_holds_the_lessons_and_nothing_of_the_solutions(tmp_path):
    archive = classroom.build_bundle(tmp_path)
    with zipfile.ZipFile(archive) as bundle:
        names = bundle.namelist()
        text = "\n".join(bundle.read(name).decode("utf-8", "replace") for name in names if name.endswith(".ipynb"))
    top = classroom.BUNDLE_NAME
    for required in ("README.md", "requirements.txt", "Makefile", "helpers/functions.py",
                     "helpers/exercises/lesson01.py", f"lessons/{LESSON}"):
        assert f"{top}/{required}" in names
    lessons = sorted(path.name for path in (ROOT / "lessons").glob("*.ipynb"))
    assert sorted(Path(n).name for n in names if n.startswith(f"{top}/lessons/")) == lessons
    assert not [n for n in names if "solutions" in n or "/tests/" in n or "__pycache__" in n]
    assert "BEGIN SOLUTION" not in text and "SOLUTION ONLY" not in text
    solution = nbformat.read(ROOT / "solutions" / LESSON, as_version=4)
    answer = next(c.source for c in solution.cells if "def blob_means" in c.source)
    assert "tf.reshape(samples, (-1, n_samples_per_cluster, n_features))" in answer
    assert "tf.reshape(samples, (-1, n_samples_per_cluster, n_features))" not in text
    assert (tmp_path / top / "lessons" / LESSON).exists()


def _returned_folder(folder: Path) -> Path:
    lesson = nbformat.read(ROOT / "lessons" / LESSON, as_version=4)
    solution = nbformat.read(ROOT / "solutions" / LESSON, as_version=4)
    (folder / "alice").mkdir(parents=True)
    nbformat.write(solution, folder / "alice" / "final version (2).ipynb")  # solved, renamed
    (folder / "bob").mkdir()
    nbformat.write(lesson, folder / "bob" / "lesson.ipynb")  # untouched
    half = nbformat.read(ROOT / "lessons" / LESSON, as_version=4)
    answer = next(c.source for c in solution.cells if "def blob_means" in c.source)
    worked = "\n".join(line for line in answer.split("\n") if "### " not in line)
    for cell in half.cells:
        if "def blob_means" in cell.source:
            cell.source = worked
        if "def create_uneven_samples" in cell.source:  # a wrong answer: one blob only
            cell.source = cell.source.replace("return ____  # your code here",
                                              "return create_samples(1, sum(sizes), n_features, embiggen_factor, seed)")
    half.cells.insert(2, nbformat.v4.new_code_cell("from helpers.functions import create_samples"))
    half.cells.append(nbformat.v4.new_code_cell("import os\nos.remove('notebook.ipynb')\nraise RuntimeError('boom')"))
    nbformat.write(half, folder / "carol.ipynb")
    (folder / "dave.ipynb").write_text("{ this is not json")
    looping = nbformat.read(ROOT / "lessons" / LESSON, as_version=4)
    looping.cells.insert(4, nbformat.v4.new_code_cell("while True:\n    pass"))
    nbformat.write(looping, folder / "erin.ipynb")
    return folder


def test_grading_a_folder_of_returned_notebooks(tmp_path):
    returned = _returned_folder(tmp_path / "returned")
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in returned.rglob("*") if p.is_file()}
    rows = classroom.grade(returned, limit=15)
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in returned.rglob("*") if p.is_file()}
    assert before == after, "the grader must never modify or delete the returned files"

    by_learner = {row.learner: row for row in rows}
    assert sorted(by_learner) == ["alice", "bob", "carol", "dave", "erin"]
    status = {name: {n: s for n, (s, _) in row.exercises.items()} for name, row in by_learner.items()}
    assert status["alice"] == {1: "passed", 2: "passed"}
    assert status["bob"] == {1: "not attempted", 2: "not attempted"}
    assert status["carol"] == {1: "passed", 2: "wrong"}
    assert "centroids have shape (1, 2); expected (3, 2)" in by_learner["carol"].exercises[2][1]
    assert "RuntimeError: boom" in by_learner["carol"].note
    assert by_learner["dave"].note.startswith("not a valid notebook") and status["dave"] == {}
    assert by_learner["erin"].note == "timed out after 15 s"
    assert all(row.lesson == "01" for name, row in by_learner.items() if name != "dave")

    csv_path, md_path = classroom.write_report(rows, tmp_path / "report")
    with csv_path.open() as handle:
        table = list(csv.DictReader(handle))
    assert [line["learner"] for line in table] == ["alice", "bob", "carol", "dave", "erin"]
    assert table[2]["exercise 2"] == "wrong" and table[0]["exercise 1"] == "passed"
    assert "| carol | carol.ipynb | 01 | passed | wrong |" in md_path.read_text()


def test_readme_names_both_teacher_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make bundle" in readme and "make grade RETURNED=" in readme
