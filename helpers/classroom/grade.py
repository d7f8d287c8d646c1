"""Grade a folder of returned notebooks: ``python -m helpers.classroom grade FOLDER [--out report]``.

Every entry under the folder gets a row or a note, whatever it is. Every notebook is read
before any runs (a notebook that deletes another learner's file cannot stop it being
graded), then run by ``run.py`` in its own process and sandbox, several at a time. Its
row is written to ``grades.csv`` and ``grades.md`` as soon as it is done, so the report
survives a crash of anything, the grader included. Verdicts come only from the checks the
grader itself ran in this run (see ``run.py`` and ``inkernel.py``); outputs saved in the
returned file are never read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from helpers.classroom import sandbox

ROOT = Path(__file__).resolve().parents[2]
TEACHER_TOOLS = ("classroom", "benchmark.py", "notebooks.py")
LESSON_IMPORT = re.compile(r"from helpers\.exercises import .*\blesson(\d\d)\b")
CHECK_CALL = re.compile(r"^\s*ex\.q(\d+)\.check\((.*)\)\s*$")
ANY_CHECK_CALL = re.compile(r"\bq(\d+)\.check\(")
CHECK_TEXT = re.compile(r"✅|❌|⏳|Exercise \d+, (correct|wrong|not attempted)")
TAMPER_TEXT = re.compile(r"_judge|_grading|RECORDER|\.evaluate\s*=|\bExercise\.\w+\s*=|\bex(\.\w+)+\s*=(?!=)"
                         r"|\.events\.register|pre_run_cell|input_transformers|ast_transformers|sys\.settrace"
                         r"|sys\.modules\[[^]]*\]\s*=|sys\.meta_path|kmeans_tf")
MAX_BYTES = 200 * 2**20


# ----------------------------------------------------------------- the teacher's lessons


def teacher_lessons(root: Path = ROOT) -> dict:
    """{"01": {"title": ..., "checks": [[1, "blob_means"], ...], "lines": {1: (cell id, line)}}} from lessons/."""
    lessons = {}
    for path in sorted((root / "lessons").glob("[0-9][0-9]_*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        entry = {"title": "", "checks": [], "lines": {}, "file": path.name}
        for cell in notebook["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and not entry["title"]:
                entry["title"] = next((line for line in source.splitlines() if line.startswith("# ")), "")
            if cell["cell_type"] != "code":
                continue
            for line in source.splitlines():
                found = CHECK_CALL.match(line)
                if found:
                    number = int(found.group(1))
                    entry["checks"].append([number, found.group(2).strip()])
                    entry["lines"][number] = (cell.get("id"), line.strip())
        lessons[path.name[:2]] = entry
    return lessons


# -------------------------------------------------------------- reading what came back


class Unreadable(Exception):
    """The file is not a notebook the grader can run; the message says why."""


def read_notebook(path: Path) -> tuple[list[dict], list[str]]:
    """Code and markdown cells of any nbformat (3, 4.0 to 4.5) as [{index, type, source, id}], and problems."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise Unreadable(f"too large to be a returned lesson ({size / 2**20:.0f} MB > {MAX_BYTES // 2**20} MB)")
    data = path.read_bytes()
    if not data.strip():
        raise Unreadable("empty file (0 bytes)" if not data else f"only white space ({len(data)} bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Unreadable(f"not UTF-8 text (byte {error.start} of {len(data)})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            raise Unreadable(f"truncated: its JSON stops at byte {len(data)} before the notebook ends") from None
        raise Unreadable(f"not valid JSON at line {error.lineno}, column {error.colno} ({error.msg})") from None
    if not isinstance(raw, dict):
        raise Unreadable(f"not a notebook: its JSON is a {type(raw).__name__}, not an object")
    if isinstance(raw.get("worksheets"), list):  # nbformat 3
        cells = [cell for sheet in raw["worksheets"] if isinstance(sheet, dict)
                 for cell in (sheet.get("cells") if isinstance(sheet.get("cells"), list) else [])]
    elif isinstance(raw.get("cells"), list):
        cells = raw["cells"]
    else:
        raise Unreadable("not a notebook: no list of cells")
    problems, result = [], []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            problems.append(f"cell {index + 1} is {json.dumps(cell)[:20]}, not a cell: skipped")
            continue
        kind = cell.get("cell_type")
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if kind not in ("code", "markdown", "raw", "heading") or not isinstance(source, str):
            problems.append(f"cell {index + 1} has no readable source or type: skipped")
            continue
        result.append({"index": index, "type": "markdown" if kind == "heading" else kind, "source": source,
                       "id": cell.get("id")})
    return result, problems


def lesson_of(cells: list[dict], name: str, lessons: dict) -> str:
    for cell in cells:
        found = LESSON_IMPORT.search(cell["source"]) if cell["type"] == "code" else None
        if found and found.group(1) in lessons:
            return found.group(1)
    for number, entry in lessons.items():
        if entry["title"] and any(entry["title"] in cell["source"] for cell in cells if cell["type"] == "markdown"):
            return number
    found = re.match(r"(\d\d)_", name)
    return found.group(1) if found and found.group(1) in lessons else "?"


def no_code(cells: list[dict], lesson: dict) -> str | None:
    """Why a notebook with no code to run is not graded (its check lines found in other cells named), or None."""
    code = [cell for cell in cells if cell["type"] == "code"]
    if any(cell["source"].strip() for cell in code):
        return None
    kinds: dict[str, int] = {}
    for cell in cells:
        kinds[cell["type"]] = kinds.get(cell["type"], 0) + 1
    held = ", ".join(f"{count} {kind} cell(s)" for kind, count in kinds.items() if kind != "code") or "no cell"
    blank = f" and {len(code)} empty code cell(s)" if code else ""
    reason = f"no code to run: the notebook holds {held}{blank}, so the checks of lesson {lesson['file'][:2]} were " \
             "not run"
    moved = [f"exercise {number} in {cell['type']} cell {cell['index'] + 1}"
             for number, (_, line) in sorted(lesson["lines"].items()) for cell in cells
             if cell["type"] != "code" and line in (text.strip() for text in cell["source"].splitlines())]
    if moved:
        reason += f" (check lines found as text: {', '.join(moved[:3])}{', ...' if len(moved) > 3 else ''}:" \
                  " were its code cells turned into markdown?)"
    return reason


def static_flags(cells: list[dict], lesson: dict) -> list[str]:
    """Edited check lines, check-like text and code that reaches for the checkers, found by reading the cells."""
    flags = []
    code = [cell for cell in cells if cell["type"] == "code"]
    for number, (cell_id, line) in lesson["lines"].items():
        same = [cell for cell in code if cell_id and cell["id"] == cell_id]
        holders = [cell for cell in code if line in (text.strip() for text in cell["source"].splitlines())]
        if same and not holders:
            flags.append(f"the check of exercise {number} was edited in cell {same[0]['index'] + 1}")
        elif not holders:
            flags.append(f"the check line of exercise {number} (`{line}`) is missing or edited")
    expected = {line for _, line in lesson["lines"].values()}
    for cell in code:
        for text in cell["source"].splitlines():
            stripped = text.strip()
            if stripped.startswith("#"):
                continue
            if ANY_CHECK_CALL.search(stripped) and stripped not in expected:
                flags.append(f"cell {cell['index'] + 1} calls a check its own way: `{stripped[:80]}`")
            elif CHECK_TEXT.search(stripped):
                flags.append(f"cell {cell['index'] + 1} holds check-like text: `{stripped[:80]}`")
            if TAMPER_TEXT.search(stripped):
                flags.append(f"cell {cell['index'] + 1} reaches for the checkers or the kernel: `{stripped[:80]}`")
    return flags


# --------------------------------------------------------------------------- rows


@dataclass
class Row:
    learner: str
    file: str
    lesson: str = "?"
    exercises: dict = field(default_factory=dict)  # number -> (status, message)
    flags: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seconds: float | None = None
    graded: bool = False  # every exercise got a verdict from this run

    @property
    def note(self) -> str:
        return "; ".join(self.notes)


def learner_of(path: Path, folder: Path) -> str:
    """The innermost folder that is not the returned folder itself, or else the file's name."""
    relative = path.relative_to(folder)
    return relative.parts[-2] if len(relative.parts) > 1 else path.stem


def attribution_notes(rows: list[Row]) -> None:
    """Note a learner name found in two folders, and a lesson returned twice from one learner's folder.

    Two learners of the same name in different folders (class-A/sam, class-B/sam) are two
    people: each is told the name is shared, not that they returned a lesson twice.
    """
    places: dict[str, set] = {}
    for row in rows:
        places.setdefault(row.learner, set()).add(Path(row.file).parent.as_posix())
    seen: dict[tuple, list] = {}
    for row in rows:
        if len(places[row.learner]) > 1:
            shared = ", ".join(sorted(places[row.learner]))
            row.notes.append(f"learner name {row.learner} is shared by notebooks in different folders: {shared}")
        if row.lesson != "?":
            seen.setdefault((row.learner, Path(row.file).parent.as_posix(), row.lesson), []).append(row)
    for (learner, _, lesson), same in seen.items():
        if len(same) > 1:
            for row in same:
                others = ", ".join(other.file for other in same if other is not row)
                row.notes.append(f"{learner} returned lesson {lesson} more than once (also {others})")


def discover(folder: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """(notebook files to grade, [(entry, note)] for everything else), without following links."""
    notebooks, notes = [], []

    def walk(directory: Path):
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as error:
            notes.append((directory.relative_to(folder).as_posix() or ".", f"could not be listed: {error.strerror}"))
            return
        if not entries and directory != folder:
            notes.append((directory.relative_to(folder).as_posix() + "/", "empty folder"))
        for entry in entries:
            path = Path(entry.path)
            name = path.relative_to(folder).as_posix()
            if entry.is_symlink():
                target = os.readlink(path)
                state = "a broken link" if not path.exists() else "a link"
                notes.append((name, f"{state} (to {target}): links are not followed"))
            elif entry.is_dir(follow_symlinks=False):
                if entry.name == ".ipynb_checkpoints":
                    notes.append((name + "/", "Jupyter's autosave copies: skipped"))
                    continue
                if entry.name.endswith(".ipynb"):
                    notes.append((name + "/", "a folder named like a notebook: looked inside it"))
                walk(path)
            elif entry.is_file(follow_symlinks=False):
                if entry.name.endswith(".ipynb"):
                    notebooks.append(path)
                else:
                    notes.append((name, "not a notebook: ignored"))
            else:
                notes.append((name, "not a file or folder (a socket, pipe or device): ignored"))

    walk(folder)
    return notebooks, notes


# ------------------------------------------------------------------------ report


STATUSES = ("passed", "wrong", "not attempted", "not graded")


class GradingInterrupted(KeyboardInterrupt):
    """Ctrl-C during grading: the report was written with what was graded; ``rows`` and ``report`` as grade's."""

    def __init__(self, rows, report):
        super().__init__("grading interrupted")
        self.rows, self.report = rows, report


class Report:
    """grades.csv and grades.md, rewritten whole (through a temporary file) after every row."""

    def __init__(self, out: Path, folder: Path, numbers: list[int], settings: list[str], notes):
        self.out, self.folder, self.numbers, self.settings, self.notes = out, folder, numbers, settings, notes
        self.rows: list[Row] = []
        self.expected = 0
        self.interrupted = False
        self.lock = threading.Lock()

    def add(self, row: Row) -> None:
        with self.lock:
            self.rows.append(row)
            self.write()

    def _replace(self, path: Path, text: str) -> None:
        temporary = path.with_name(f".{path.name}.writing")
        with temporary.open("w", encoding="utf-8", newline="") as handle:  # csv's \r\n kept as written
            handle.write(text)
        os.replace(temporary, path)

    def write(self) -> None:
        rows = sorted(self.rows, key=lambda row: (row.learner, row.file))
        header = ["learner", "file", "lesson"]
        for n in self.numbers:
            header += [f"exercise {n}", f"exercise {n} message"]
        header += ["seconds", "flags", "notes"]
        lines = []
        for row in rows:
            line = [row.learner, row.file, row.lesson]
            for n in self.numbers:
                line += list(row.exercises.get(n, ("", "")))
            line += ["" if row.seconds is None else f"{row.seconds:.1f}", "; ".join(row.flags), row.note]
            lines.append(line)
        table = io.StringIO(newline="")
        csv.writer(table).writerows([header] + lines)
        self._replace(self.out / "grades.csv", table.getvalue())
        self._replace(self.out / "grades.md", self.markdown(rows))

    def markdown(self, rows: list[Row]) -> str:
        def cell(text: str) -> str:
            # control and format characters (a right-to-left override in a file name) shown as escapes
            text = text.replace("\n", " ")
            text = "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)
            return text.replace("|", "\\|")

        done = len(rows)
        state = f"{done} of {self.expected} notebook(s) done" + ("" if done >= self.expected else " (still grading)")
        if self.interrupted:
            finished = sum(INTERRUPTED not in row.notes for row in rows)
            state = f"INTERRUPTED (Ctrl-C): {finished} of {self.expected} notebook(s) done"
        graded = sum(row.graded for row in rows)
        flagged = sum(bool(row.flags) for row in rows)
        out = [f"# Grades for {self.folder.name}/", "", f"{state}; {graded} fully graded; {flagged} flagged.", ""]
        short = ["learner", "file", "lesson"] + [f"ex. {n}" for n in self.numbers] + ["time (s)", "flags", "notes"]
        out += ["| " + " | ".join(short) + " |", "|" + "---|" * len(short)]
        for row in rows:
            statuses = [row.exercises.get(n, ("", ""))[0] for n in self.numbers]
            said: dict[str, list] = {}  # one message for several exercises is written once
            for n in self.numbers:
                if n in row.exercises and row.exercises[n][0] in ("wrong", "not graded") \
                        and row.exercises[n][1] not in row.notes:
                    said.setdefault(row.exercises[n][1], []).append(str(n))
            messages = [f"{', '.join(numbers)}: {message}" for message, numbers in said.items()]
            flags = ("⚠ " + "; ".join(row.flags)) if row.flags else ""
            seconds = "" if row.seconds is None else f"{row.seconds:.0f}"
            values = [row.learner, row.file, row.lesson, *statuses, seconds, flags[:400],
                      "; ".join(messages + row.notes)[:400]]
            out.append("| " + " | ".join(cell(value) for value in values) + " |")
        if self.notes:
            out += ["", "Other entries:", ""] + [f"- `{name}`: {note}" for name, note in self.notes]
        out += ["", "How it ran: " + "; ".join(self.settings) + "."]
        return "\n".join(out) + "\n"


# ------------------------------------------------------------------------- grading


def _snapshot_course(run_dir: Path) -> Path:
    """The course code each kernel gets a copy of, taken once: helpers/ without the teacher's tools."""
    snapshot = run_dir / "course"
    shutil.copytree(ROOT / "helpers", snapshot / "helpers",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", *TEACHER_TOOLS))
    return snapshot


def _digest(folders) -> dict:
    digests = {}
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
                digests[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


INTERRUPTED = "not graded: grading was interrupted (Ctrl-C) before it finished"


def _stop_runners(running: dict) -> None:
    """SIGINT to each runner's group (its ``finally`` stops the kernel and removes its scratch), then SIGKILL."""
    for process in list(running.values()):
        try:
            os.killpg(process.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
    end = time.monotonic() + 10
    for process in list(running.values()):
        try:
            process.wait(timeout=max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _run_one(job: dict, run_dir: Path, index: int, running: dict | None = None, stopping=None) -> dict:
    job_path, result_path = run_dir / f"job-{index}.json", run_dir / f"result-{index}.json"
    job_path.write_text(json.dumps(job))
    limit = job["time_limit"] + job["check_limit"] + 240  # start-up and clean-up on a loaded machine
    process = subprocess.Popen([sys.executable, "-m", "helpers.classroom.run", str(job_path), str(result_path)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    if running is not None:
        running[index] = process
        if stopping is not None and stopping.is_set():  # Ctrl-C came as it started: _stop_runners may miss it
            os.killpg(process.pid, signal.SIGINT)
    try:
        _, errors = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return {"failed": f"the grader's runner did not finish within {limit:g} s"}
    if not result_path.exists():
        tail = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        return {"failed": f"the grader's runner failed: {tail[0][:200]}"}
    return json.loads(result_path.read_text())


def grade(folder: Path, out: Path, *, time_limit: float = 120.0, check_limit: float = 60.0,
          memory_gb: float = 4.0, workers: int | None = None, use_bwrap: bool = True,
          progress=None, root: Path = ROOT) -> tuple[list[Row], Report]:
    """Grade every notebook under ``folder``; rows are written to ``out`` as they finish."""
    folder, out = folder.resolve(), out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    workers = workers or os.cpu_count() or 1
    lessons = teacher_lessons(root)
    numbers = sorted({n for entry in lessons.values() for n, _ in entry["checks"]}) or [1, 2]
    notebooks, notes = discover(folder)
    if out.is_relative_to(folder):
        notes = [(name, note) for name, note in notes if not (folder / name.rstrip("/")).resolve().is_relative_to(out)]
        notebooks = [path for path in notebooks if not path.resolve().is_relative_to(out)]
    bwrap, why_not = sandbox.bubblewrap() if use_bwrap else (None, "sandbox turned off (--no-sandbox)")
    if bwrap:
        settings = ["each kernel in a bubblewrap sandbox (read-only system, no network, only its own scratch folder)"]
    else:
        settings = [f"NOT SANDBOXED: {why_not}; notebooks could read and write the teacher's files"]
        if progress:
            progress(f"WARNING: {settings[0]}")
    settings += [f"time limit {time_limit:g} s per notebook and {check_limit:g} s for the grader's checks",
                 f"memory limit {memory_gb:g} GB per notebook", f"{workers} at a time"]
    report = Report(out, folder, numbers, settings, notes)

    # Read everything first: a notebook that deletes another's file cannot stop it being graded.
    rows, jobs = [], []
    for path in notebooks:
        relative = path.relative_to(folder)
        row = Row(learner_of(path, folder), relative.as_posix())
        rows.append(row)
        try:
            cells, problems = read_notebook(path)
        except (Unreadable, OSError) as error:
            row.notes.append(f"not graded: {error}")
            continue
        row.notes += problems
        row.lesson = lesson_of(cells, path.name, lessons)
        if row.lesson == "?":
            row.notes.append("not graded: its lesson was not recognised "
                             "(no `from helpers.exercises import ... lessonNN`)")
            continue
        lesson = lessons[row.lesson]
        empty = no_code(cells, lesson)
        if empty:  # nothing to run: one clear reason, not a kernel's flags about an `ex` that never existed
            row.notes.append(empty)
            row.exercises = {n: ("not graded", empty) for n, _ in lesson["checks"]}
            continue
        row.flags += static_flags(cells, lesson)
        code = [{"index": c["index"], "source": c["source"]} for c in cells if c["type"] == "code"]
        jobs.append((row, {"cells": code, "lesson": row.lesson, "checks": lesson["checks"],
                           "time_limit": time_limit, "check_limit": check_limit, "memory_gb": memory_gb,
                           "bwrap": bool(bwrap)}))
    attribution_notes(rows)
    report.expected = len(rows)
    report.write()  # at once: the other entries, and how it runs
    for row in rows:
        if not any(row is job_row for job_row, _ in jobs):
            report.add(row)

    watched = [root / "helpers", root / "lessons", folder]
    before = _digest(watched)
    started = time.monotonic()
    done, spent = [0], []
    with tempfile.TemporaryDirectory(prefix="kmeans-tf-grading-") as run_dir_name:
        run_dir = Path(run_dir_name)
        snapshot = _snapshot_course(run_dir)
        (run_dir / "scratch").mkdir()
        hidden = [str(folder), str(out), str(run_dir)]
        stopping, running, interrupted = threading.Event(), {}, False

        def work(index_and_job):
            index, (row, job) = index_and_job
            job = {**job, "course_snapshot": str(snapshot), "scratch_root": str(run_dir / "scratch"),
                   "hidden": hidden}
            if stopping.is_set():
                return
            result = _run_one(job, run_dir, index, running, stopping)
            running.pop(index, None)
            if stopping.is_set():
                return
            if "failed" in result:
                row.notes.append(result["failed"])
                row.exercises = {n: ("not graded", result["failed"]) for n, _ in job["checks"]}
            else:
                row.exercises = {int(n): tuple(value) for n, value in result["exercises"].items()}
                row.flags += result["flags"]
                row.notes += result["notes"]
                row.seconds = result["seconds"]
            row.graded = all(status != "not graded" for status, _ in row.exercises.values())
            report.add(row)
            with report.lock:
                done[0] += 1
                if progress:
                    spent.append(row.seconds or time.monotonic() - started)
                    left = sum(spent) / len(spent) * (len(jobs) - done[0]) / min(workers, len(jobs))
                    bar = "#" * (20 * done[0] // len(jobs))
                    progress(f"[{bar:.<20}] {done[0]}/{len(jobs)} {row.file}: {row.seconds or 0:.0f} s"
                             f" · about {_duration(left)} left")

        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            list(pool.map(work, enumerate(jobs)))
        except KeyboardInterrupt:
            # Ctrl-C: stop every runner (its kernel goes with it), keep what was graded, say what was not.
            stopping.set()
            if progress:
                progress("interrupted: stopping the notebooks still running; the report keeps what was graded")
            _stop_runners(running)
            pool.shutdown(wait=True, cancel_futures=True)
            with report.lock:
                for row, _ in jobs:
                    if not any(row is done_row for done_row in report.rows):
                        row.notes.append(INTERRUPTED)
                        report.rows.append(row)
                report.interrupted = True
                report.write()
            interrupted = True
        else:
            pool.shutdown(wait=True)
    if interrupted:
        raise GradingInterrupted(rows, report)
    after = _digest(watched)
    changed = sorted(set(before) ^ set(after) | {p for p in before if after.get(p) not in (None, before[p])})
    if changed:
        report.settings.append("FILES CHANGED DURING GRADING: " + ", ".join(changed[:10]))
        report.write()
    return rows, report


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def check_out_folder(out: Path, folder: Path) -> str | None:
    """Why the report cannot be written to ``out``, or None."""
    for name in ("grades.csv", "grades.md"):
        target = out / name
        if target.is_symlink() or (target.exists() and not target.is_file()):
            return f"{target} exists and is not a plain file: move it away and run again"
    if out.exists() and not out.is_dir():
        return f"{out} is a file, not a folder for the report"
    if folder.resolve() == out.resolve():
        return "the report folder must not be the returned folder"
    return None
