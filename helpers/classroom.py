"""Classroom kit: hand the lessons out without the answers, then see who is stuck.

Two commands (also ``make bundle`` and ``make grade RETURNED=folder``)::

    .venv/bin/python -m helpers.classroom bundle [--out build]
    .venv/bin/python -m helpers.classroom grade RETURNED_FOLDER [--out report] [--time-limit 120]

``bundle`` writes ``build/kmeans-tf-learner/`` and ``build/kmeans-tf-learner.zip``: the
lessons, ``helpers/``, ``requirements.txt``, the ``Makefile`` and a short README for
learners, and nothing of ``solutions/``.

``grade`` runs every returned ``.ipynb`` under the folder (any names: the lesson is
recognised by the checks it imports, the learner by the sub-folder it sits in, or else by
its file name), each in a fresh kernel in a scratch folder, with a time limit per
notebook. It reads each exercise's check line (correct / wrong / not attempted) and writes
``report/grades.csv`` and ``report/grades.md``: one row per learner and notebook, one
column per exercise. A notebook that is not valid JSON, raises, loops forever or deletes
files gets its row marked and the others go on. Returned files are never modified.

The check lines are printed by the notebook itself, so a learner who prints a fake
"✅ Exercise 1, correct" line fools this report: it is for seeing who is stuck, not for
marks that matter.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE_NAME = "kmeans-tf-learner"
CHECK_LINE = re.compile(r"^(✅|❌|⏳) Exercise (\d+), (correct|wrong|not attempted): ?(.*)$")
STATUS = {"correct": "passed", "wrong": "wrong", "not attempted": "not attempted"}
LESSON_IMPORT = re.compile(r"from helpers\.exercises import .*\blesson(\d\d)\b")

LEARNER_README = """# kmeans-tf: k-means clustering with TensorFlow 2 (learner's copy)

You need Python 3.11 or newer and `make`. In this folder run

    make lab

The first time it creates `.venv/` from `requirements.txt` (a few minutes), then opens
JupyterLab on lesson 01. Work through `lessons/01_...` to `lessons/09_...` in order.

Each lesson ends with exercises. Replace each `____` with your code and run the cell: the
check under it says *correct*, what is wrong, or *not attempted yet*. Stuck? Run the
`ex.qN.hint()` line. Save your notebooks and hand them back to your teacher as they ask.
"""


# ------------------------------------------------------------------------ bundle


def build_bundle(out: Path) -> Path:
    """Write the learner's folder and zip under ``out``; return the zip's path."""
    folder = out / BUNDLE_NAME
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "lessons", folder / "lessons", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(ROOT / "helpers", folder / "helpers", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("requirements.txt", "Makefile", "pyproject.toml"):  # requirements.txt installs helpers with -e .
        shutil.copy2(ROOT / name, folder / name)
    (folder / "README.md").write_text(LEARNER_README)
    archive = out / f"{BUNDLE_NAME}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, Path(BUNDLE_NAME) / path.relative_to(folder))
    return archive


# ------------------------------------------------------------------------- grade


@dataclass
class Row:
    learner: str
    file: str
    lesson: str = "?"
    exercises: dict = field(default_factory=dict)  # number -> (status, message)
    note: str = ""


def _learner_and_file(path: Path, folder: Path):
    relative = path.relative_to(folder)
    learner = relative.parts[0] if len(relative.parts) > 1 else path.stem
    return learner, relative.as_posix()


def _lesson_of(notebook) -> str:
    for cell in notebook.get("cells", []):
        source = "".join(cell.get("source", "")) if cell.get("cell_type") == "code" else ""
        found = LESSON_IMPORT.search(source)
        if found:
            return found.group(1)
    return "?"


def _exercise_numbers(lesson: str):
    """The exercises that lesson's checks define (q1, q2, ...), from helpers.exercises."""
    path = ROOT / "helpers" / "exercises" / f"lesson{lesson}.py"
    if not path.exists():
        return []
    return sorted(int(n) for n in re.findall(r"^def q(\d+)\(", path.read_text(), flags=re.M))


def _run_notebook(source: Path, limit: float) -> tuple[dict | None, str]:
    """Execute a copy of ``source`` in a scratch folder; (executed notebook or None, note)."""
    with tempfile.TemporaryDirectory(prefix="kmeans-tf-grade-") as scratch:
        work = Path(scratch) / "work"
        work.mkdir()
        copy = work / "notebook.ipynb"
        shutil.copyfile(source, copy)
        result = Path(scratch) / "executed.json"
        command = [sys.executable, "-m", "helpers.classroom", "_execute", str(copy), str(result), str(limit)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        process = subprocess.Popen(command, cwd=work, env=env, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            _, errors = process.communicate(timeout=limit + 30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the kernel too: it is in the same session
            process.communicate()
            return None, f"timed out after {limit:g} s"
        if not result.exists():
            last = (errors or "").strip().splitlines()[-1:] or ["no output"]
            return None, f"could not run: {last[0][:200]}"
        executed = json.loads(result.read_text())
        return executed["notebook"], executed["note"]


def _execute(path: str, result: str, limit: str) -> None:
    """Child process: run the notebook with nbclient, keep going after errors, save outputs."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    notebook = nbformat.read(path, as_version=4)
    note = ""
    client = NotebookClient(notebook, timeout=float(limit), kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    try:
        client.execute()
    except CellTimeoutError:
        note = f"timed out after {float(limit):g} s"
    except DeadKernelError:
        note = "the kernel died"
    Path(result).write_text(json.dumps({"notebook": notebook, "note": note}))


def _read_outputs(notebook: dict, row: Row) -> None:
    errors = []
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                for line in "".join(output.get("text", "")).splitlines():
                    found = CHECK_LINE.match(line.strip())
                    if found:
                        message = re.sub(r"\s*Need a nudge\? Run ex\.q\d+\.hint\(\)\.$", "", found.group(4))
                        row.exercises[int(found.group(2))] = (STATUS[found.group(3)], message)
            elif output.get("output_type") == "error" and output.get("ename") != "KeyboardInterrupt":
                errors.append(f"{output.get('ename')}: {output.get('evalue', '')}"[:200])
    if errors:
        row.note = "; ".join(filter(None, [row.note, f"a cell raised {errors[0]}"]))


def grade(folder: Path, limit: float = 120.0) -> list[Row]:
    rows = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        row = Row(*_learner_and_file(path, folder))
        rows.append(row)
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(notebook, dict) or "cells" not in notebook:
                raise ValueError("no cells")
        except (ValueError, UnicodeDecodeError) as error:
            row.note = f"not a valid notebook ({type(error).__name__})"
            continue
        row.lesson = _lesson_of(notebook)
        executed, note = _run_notebook(path, limit)
        row.note = note
        if executed is not None:
            _read_outputs(executed, row)
        for number in _exercise_numbers(row.lesson):
            row.exercises.setdefault(number, ("error", row.note or "its check did not run"))
    return rows


def write_report(rows: list[Row], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    numbers = sorted({n for row in rows for n in row.exercises}) or [1, 2]
    header = ["learner", "file", "lesson"]
    for n in numbers:
        header += [f"exercise {n}", f"exercise {n} message"]
    header.append("note")
    table = []
    for row in rows:
        line = [row.learner, row.file, row.lesson]
        for n in numbers:
            status, message = row.exercises.get(n, ("", ""))
            line += [status, message]
        table.append(line + [row.note])
    csv_path = out / "grades.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header] + table)
    md_path = out / "grades.md"
    short = ["learner", "file", "lesson"] + [f"exercise {n}" for n in numbers] + ["messages and notes"]
    lines = ["| " + " | ".join(short) + " |", "|" + "---|" * len(short)]
    for row in rows:
        statuses = [row.exercises.get(n, ("", ""))[0] for n in numbers]
        messages = [f"{n}: {row.exercises[n][1]}" for n in numbers
                    if n in row.exercises and row.exercises[n][0] in ("wrong", "error")]
        remarks = "; ".join(messages + ([row.note] if row.note else []))
        cells = [row.learner, row.file, row.lesson, *statuses, remarks[:300]]
        lines.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv_path, md_path


def main(argv=None):
    parser = argparse.ArgumentParser(description="Hand the lessons out, and grade what comes back.")
    commands = parser.add_subparsers(dest="command", required=True)
    bundle = commands.add_parser("bundle", help="build the learner's folder and zip (no solutions)")
    bundle.add_argument("--out", type=Path, default=ROOT / "build")
    marking = commands.add_parser("grade", help="run returned notebooks and tabulate their checks")
    marking.add_argument("folder", type=Path)
    marking.add_argument("--out", type=Path, default=Path("report"))
    marking.add_argument("--time-limit", type=float, default=120.0, help="seconds per notebook")
    child = commands.add_parser("_execute")
    child.add_argument("args", nargs=3)
    args = parser.parse_args(argv)
    if args.command == "bundle":
        archive = build_bundle(args.out)
        print(f"learner's bundle: {archive.parent / BUNDLE_NAME}/ and {archive}")
    elif args.command == "grade":
        if not args.folder.is_dir():
            parser.error(f"{args.folder} is not a folder of returned notebooks")
        rows = grade(args.folder, args.time_limit)
        csv_path, md_path = write_report(rows, args.out)
        print(md_path.read_text())
        print(f"{len(rows)} notebook(s); written {csv_path} and {md_path}")
    else:
        _execute(*args.args)


if __name__ == "__main__":
    main()
