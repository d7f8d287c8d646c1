"""Make the lessons from the solution notebooks, and store fresh outputs in both.

``solutions/NN_name.ipynb`` is the only hand-edited copy of a lesson (as nbgrader's
``source/``). ``lessons/NN_name.ipynb`` is made from it:

- In a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` become one
  starter line at the same indentation: the text after ``### BEGIN SOLUTION:`` (for
  example ``return ____``), or ``____`` when there is none, followed by
  ``  # your code here``.
- A cell whose first line is ``# SOLUTION ONLY`` (code) or ``<!-- SOLUTION ONLY -->``
  (markdown) is left out of the lesson.

Run ``make notebooks`` (``python -m helpers.notebooks``) after editing a solution: it
rewrites the lessons, executes every notebook in a fresh kernel, and stores the outputs,
which nbval then compares on every ``make test``. ``tests/test_notebooks.py`` fails when
a lesson is not what this module makes from its solution.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
SOLUTIONS = ROOT / "solutions"

BEGIN = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION(?::\s*(?P<starter>.*?))?\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
SOLUTION_ONLY = ("# SOLUTION ONLY", "<!-- SOLUTION ONLY -->")
STARTER_NOTE = "  # your code here"
NAVIGATION = "<!-- NAVIGATION: written by helpers/notebooks.py -->"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class NotebookFormatError(ValueError):
    """A solution notebook breaks the BEGIN/END SOLUTION rules."""


def strip_solutions(source: str, where: str = "cell") -> str:
    """The learner's version of one code cell's source."""
    out = []
    inside = False
    for number, line in enumerate(source.split("\n"), start=1):
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise NotebookFormatError(f"{where}, line {number}: BEGIN SOLUTION inside another one.")
            inside = True
            starter = begin.group("starter") or "____"
            out.append(f"{begin.group('indent')}{starter}{STARTER_NOTE}")
        elif END.match(line):
            if not inside:
                raise NotebookFormatError(f"{where}, line {number}: END SOLUTION without BEGIN SOLUTION.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise NotebookFormatError(f"{where}: BEGIN SOLUTION is never closed by END SOLUTION.")
    return "\n".join(out)


def is_solution_only(cell) -> bool:
    return cell.source.lstrip().startswith(SOLUTION_ONLY)


def clean(notebook):
    """One kernelspec, no stray metadata, stable cell ids: small, reviewable diffs."""
    notebook.metadata = nbformat.from_dict(
        {"kernelspec": KERNELSPEC, "language_info": {"name": "python", "pygments_lexer": "ipython3"}}
    )
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index:02d}"
        cell.metadata = nbformat.from_dict({})
        if cell.cell_type == "code":  # a stored widget view shows only an error until the cell runs again
            cell.outputs = merged_streams([o for o in cell.outputs if WIDGET_VIEW not in o.get("data", {})])
    return notebook


def merged_streams(outputs):
    """Neighbouring outputs of the same stream as one: the kernel cuts printed text into
    messages by timing, so without this a fresh run moves the cuts and the diff shows it."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else {}
        if output.get("output_type") == "stream" == previous.get("output_type") and output.name == previous.name:
            # a new output: the ones given stay as they were
            merged[-1] = nbformat.from_dict({**previous, "text": previous.text + output.text})
        else:
            merged.append(output)
    return merged


def lesson_from_solution(solution, name="notebook"):
    """The lesson notebook made from a solution notebook (outputs dropped)."""
    lesson = copy.deepcopy(solution)
    cells = []
    for index, cell in enumerate(lesson.cells):
        if is_solution_only(cell):
            continue
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, f"{name}, cell {index}")
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    lesson.cells = cells
    return clean(lesson)


def execute(notebook, folder: Path, timeout=120):
    """Run every cell in a fresh kernel of this Python, storing the outputs."""
    from nbclient import NotebookClient

    NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return clean(notebook)


def title(notebook):
    """The H1 title in the first cell, without the leading '# '."""
    first = notebook.cells[0].source.split("\n")[0]
    if not first.startswith("# "):
        raise NotebookFormatError(f"the first cell should start with an H1 title ('# ...'); got {first!r}")
    return first[2:].strip()


def with_navigation(notebook, path, titles):
    """Put the previous / all lessons / next links in the last cell, rewritten every build."""
    names = sorted(titles)
    at = names.index(path.name)
    links = []
    if at > 0:
        links.append(f"[← {titles[names[at - 1]]}]({names[at - 1]})")
    links.append("[All lessons](../README.md#lessons)")
    if at + 1 < len(names):
        links.append(f"[{titles[names[at + 1]]} →]({names[at + 1]})")
    cell = nbformat.v4.new_markdown_cell(f"{NAVIGATION}\n\n---\n\n" + " | ".join(links))
    if notebook.cells and notebook.cells[-1].source.startswith(NAVIGATION):
        notebook.cells[-1] = cell
    else:
        notebook.cells.append(cell)
    return notebook


def solution_paths():
    return sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))


def build(names=None, run=True):
    paths = solution_paths()
    titles = {path.name: title(nbformat.read(path, as_version=4)) for path in paths}
    for solution_path in paths:
        if names and not any(name in solution_path.stem for name in names):
            continue
        solution = with_navigation(nbformat.read(solution_path, as_version=4), solution_path, titles)
        lesson = lesson_from_solution(solution, solution_path.name)
        lesson_path = LESSONS / solution_path.name
        for notebook, path in ((solution, solution_path), (lesson, lesson_path)):
            if run:
                print(f"running {path.relative_to(ROOT)}", file=sys.stderr)
                execute(notebook, path.parent)
            else:
                clean(notebook)
            nbformat.write(notebook, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only notebooks whose name contains one of these")
    parser.add_argument("--no-run", action="store_true", help="rewrite sources only; keep no outputs")
    args = parser.parse_args(argv)
    build(args.names, run=not args.no_run)


if __name__ == "__main__":
    main()
