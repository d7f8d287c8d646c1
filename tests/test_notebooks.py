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



# ------------------------------------------------------------------ cells written by make notebooks


def sources(notebook):
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


@pytest.mark.parametrize("folder", ["lessons", "solutions"])
@pytest.mark.parametrize("name", NAMES)
def test_generated_cells_are_in_place(folder, name):
    """Badges after the title, then the Colab cell, the versions cell right after the Setup
    cell, the navigation last: each once, each exactly what make notebooks writes."""
    notebook = read(ROOT / folder / name)
    config = notebooks.settings()
    cells = notebook.cells
    for marker in notebooks.GENERATED:
        assert sum(cell.source.startswith(marker) for cell in cells) == 1, f"{folder}/{name}: {marker} not once"
    assert cells[0].source.startswith("# ")
    assert cells[1].source == notebooks.badges_cell(f"{folder}/{name}", config).source, f"{folder}/{name}: badges"
    assert cells[2].source == notebooks.colab_cell(config).source and cells[2].outputs == [], (
        f"{folder}/{name}: the Colab cell is out of date or printed something outside Colab"
    )
    setup = notebooks.setup_cell_index(cells)
    assert not notebooks.is_generated(cells[setup]) and cells[setup + 1].source == notebooks.versions_cell().source
    assert cells[-1].source.startswith(notebooks.NAVIGATION)


def test_badges_open_the_notebook_they_sit_in():
    config = {"repository": "https://github.com/some-school/kmeans-course", "ref": "v2", "version": "1.0.0"}
    source = notebooks.badges_cell("lessons/03_x.ipynb", config).source
    assert "(https://colab.research.google.com/github/some-school/kmeans-course/blob/v2/lessons/03_x.ipynb)" in source
    assert "(https://mybinder.org/v2/gh/some-school/kmeans-course/v2?urlpath=lab/tree/lessons/03_x.ipynb)" in source
    lesson_badges = read(ROOT / "lessons" / NAMES[0]).cells[1].source
    assert f"lessons/{NAMES[0]})" in lesson_badges and "solutions/" not in lesson_badges


def test_generated_cells_follow_the_one_repository_setting():
    """Nothing about the repository is typed into a notebook: change the setting, and every
    badge and Colab cell follows."""
    name = NAMES[0]
    titles = {path.name: notebooks.title(read(path)) for path in SOLUTIONS}
    other = {"repository": "https://github.com/some-school/kmeans-course", "ref": "autumn-2027", "version": "9.9.9"}
    solution = notebooks.with_generated_cells(read(ROOT / "solutions" / name), ROOT / "solutions" / name, titles, other)
    lesson = notebooks.lesson_from_solution(solution, name)
    for notebook in (solution, lesson):
        text = "\n".join(cell.source for cell in notebook.cells)
        assert notebooks.settings()["repository"] not in text
        assert "git+https://github.com/some-school/kmeans-course@autumn-2027" in text
        assert "github/some-school/kmeans-course/blob/autumn-2027/" in text


def test_generating_again_changes_nothing_and_finds_moved_cells():
    """make notebooks after others edited a solution (generated cells moved, duplicated or
    missing) writes each generated cell once, in its place."""
    name = NAMES[0]
    path = ROOT / "solutions" / name
    titles = {p.name: notebooks.title(read(p)) for p in SOLUTIONS}
    stored = read(path)
    again = notebooks.with_generated_cells(read(path), path, titles)
    assert sources(again) == sources(stored)

    shuffled = read(path)
    generated = [cell for cell in shuffled.cells if notebooks.is_generated(cell)]
    others = [cell for cell in shuffled.cells if not notebooks.is_generated(cell)]
    shuffled.cells = [others[0], generated[2], *others[1:4], generated[0], generated[0], *others[4:]]  # no navigation
    assert sources(notebooks.with_generated_cells(shuffled, path, titles)) == sources(stored)


def test_a_notebook_without_a_setup_cell_is_refused():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 10 · Title"),
                                               nbformat.v4.new_markdown_cell("## Setup\n\nNo code here.")])
    with pytest.raises(notebooks.NotebookFormatError, match="no code cell under '## Setup'"):
        notebooks.with_generated_cells(notebook, ROOT / "solutions" / NAMES[0], {NAMES[0]: "x"})


@pytest.mark.parametrize("repository", ["git@github.com:kmeans-tf/kmeans-tf.git", "https://github.com/kmeans-tf/kmeans-tf.git",
                                        "https://gitlab.com/kmeans-tf/kmeans-tf", "https://github.com/kmeans-tf/", ""])
def test_a_repository_colab_cannot_open_is_refused(tmp_path, repository):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f'[project]\nversion = "1.0.0"\n[tool.kmeans-tf]\nrepository = "{repository}"\nref = "main"\n')
    with pytest.raises(notebooks.NotebookFormatError, match="repository"):
        notebooks.settings(pyproject)
