"""The notebooks themselves: generated lessons up to date, no solutions leaked, clean JSON,
outputs stored (and compared by nbval), lesson code identical to the helpers, lint."""

import ast
import inspect
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from helpers import functions, notebooks

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = notebooks.solution_paths()
NAMES = [path.name for path in SOLUTIONS]


def read(path):
    return nbformat.read(path, as_version=4)


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_every_lesson_has_a_solution_and_back():
    assert NAMES, "no solution notebooks found"
    lessons = sorted(path.name for path in (ROOT / "lessons").glob("*.ipynb"))
    assert lessons == NAMES
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", name) for name in NAMES)
    numbers = [int(name[:2]) for name in NAMES]
    assert numbers == list(range(1, len(numbers) + 1)), "lessons are numbered 01, 02, ... with no gaps"


@pytest.mark.parametrize("name", NAMES)
def test_lesson_is_made_from_its_solution(name):
    """A lesson is never edited by hand: `make notebooks` makes it from the solution."""
    solution = read(ROOT / "solutions" / name)
    expected = notebooks.lesson_from_solution(solution, name)
    lesson = read(ROOT / "lessons" / name)
    assert [(c.cell_type, c.source) for c in lesson.cells] == [(c.cell_type, c.source) for c in expected.cells], (
        f"lessons/{name} is out of date: run `make notebooks`"
    )


@pytest.mark.parametrize("name", NAMES)
def test_no_solution_in_the_lesson(name):
    lesson_text = (ROOT / "lessons" / name).read_text()
    assert "BEGIN SOLUTION" not in lesson_text and "SOLUTION ONLY" not in lesson_text
    solution = read(ROOT / "solutions" / name)
    regions = re.findall(r"### BEGIN SOLUTION.*?\n(.*?)\n\s*### END SOLUTION",
                         "\n".join(c.source for c in code_cells(solution)), flags=re.S)
    assert regions, f"solutions/{name} has no exercise"
    lesson_sources = "\n".join(c.source for c in read(ROOT / "lessons" / name).cells)
    for region in regions:
        assert textwrap.dedent(region).strip() not in lesson_sources


@pytest.mark.parametrize("folder", ["lessons", "solutions"])
@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_clean_and_executed(folder, name):
    """Outputs are committed in both folders (so nbval compares them); metadata is minimal."""
    path = ROOT / folder / name
    notebook = read(path)
    nbformat.validate(notebook)
    assert notebook.metadata == {
        "kernelspec": notebooks.KERNELSPEC,
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }
    assert all(cell.metadata == {} for cell in notebook.cells), "stray cell metadata"
    counts = [cell.execution_count for cell in code_cells(notebook)]
    assert counts == list(range(1, len(counts) + 1)), f"{folder}/{name}: run `make notebooks` to store outputs"
    raw = path.read_text()
    for absolute in ("/work/", "/home/", "/root/", "/tmp/", "C:\\\\"):
        assert absolute not in raw, f"absolute path {absolute!r} in {folder}/{name}"
    for cell in code_cells(notebook):
        assert cell.outputs == notebooks.merged_streams(list(cell.outputs)), f"{folder}/{name}: split stream"
        for output in cell.outputs:
            assert output.output_type != "error", f"{folder}/{name} stores an error"
            if output.output_type == "stream" and output.name == "stderr":
                assert not re.search(r"oneDNN|cuda|absl|^[IWE]\d{4} ", output.text, flags=re.M), (
                    f"TensorFlow start-up lines in {folder}/{name}: {output.text[:200]}"
                )


def test_neighbouring_outputs_of_one_stream_are_merged():
    def stream(name, text):
        return nbformat.v4.new_output("stream", name=name, text=text)

    figure = nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"})
    outputs = [stream("stdout", "a\n"), stream("stdout", "b"), stream("stderr", "!\n"), stream("stdout", "c\n"),
               figure, stream("stdout", "d\n"), stream("stdout", "e\n")]
    merged = notebooks.merged_streams(outputs)
    assert outputs[0].text == "a\n"  # the outputs given are not changed
    assert [(o.output_type, o.get("text")) for o in merged] == [
        ("stream", "a\nb"), ("stream", "!\n"), ("stream", "c\n"), ("display_data", None), ("stream", "d\ne\n")]


@pytest.mark.parametrize("name", NAMES)
def test_lesson_has_the_course_rhythm(name):
    notebook = read(ROOT / "solutions" / name)
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert markdown[0].startswith("# ") and sum(s.count("\n# ") + s.startswith("# ") for s in markdown) == 1
    headings = [line for source in markdown for line in source.splitlines() if line.startswith("## ")]
    for required in ("## Setup", "## Exercises", "## Summary"):
        assert required in headings, f"{name} lacks {required}"
    assert headings.index("## Setup") == 0 and headings[-1] == "## Summary"
    checks = re.findall(r"ex\.q(\d+)\.check\(", "\n".join(c.source for c in code_cells(notebook)))
    assert len(set(checks)) >= 2, f"{name} should have at least two checked exercises"


@pytest.mark.parametrize("folder", ["lessons", "solutions"])
def test_every_relative_link_resolves(folder):
    for path in sorted((ROOT / folder).glob("*.ipynb")):
        for cell in read(path).cells:
            if cell.cell_type != "markdown":
                continue
            for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", cell.source):
                if not re.match(r"[a-z]+://", target):
                    assert (path.parent / target).exists(), f"{folder}/{path.name} links to missing {target}"


TWIN = re.compile(r"^# This is helpers\.functions\.(\w+), word for word")


class _Public(ast.NodeTransformer):
    """``_squared_distances`` in the helpers is ``squared_distances`` in a lesson."""

    def visit_Name(self, node):
        node.id = node.id.lstrip("_")
        return node


def _function_node(source):
    """Arguments and body (docstring left out) of the first function defined in ``source``."""
    tree = _Public().visit(ast.parse(textwrap.dedent(source)))
    node = next(node for node in tree.body if isinstance(node, ast.FunctionDef))
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:]  # a docstring may differ
    return ast.dump(node.args), [ast.dump(statement) for statement in body]


def test_lesson_functions_are_the_helpers_word_for_word():
    """A cell marked as a helper's twin defines exactly that helper's code."""
    twins = []
    for name in NAMES:
        for cell in code_cells(read(ROOT / "lessons" / name)):
            marker = TWIN.match(cell.source)
            if marker:
                helper = getattr(functions, marker.group(1))
                assert _function_node(cell.source) == _function_node(inspect.getsource(helper)), (
                    f"lessons/{name}: the cell marked as helpers.functions.{marker.group(1)} has drifted from it"
                )
                twins.append(marker.group(1))
    assert "_create_samples" in twins


def test_notebooks_and_python_are_lint_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format=concise", str(ROOT)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_lists_every_lesson():
    readme = (ROOT / "README.md").read_text()
    for path in SOLUTIONS:
        title = notebooks.title(read(path))
        assert f"[{title}](lessons/{path.name})" in readme, f"README.md should list [{title}](lessons/{path.name})"

