"""Make the lessons from the solution notebooks, and store fresh outputs in both.

``solutions/NN_name.ipynb`` is the only hand-edited copy of a lesson (as nbgrader's
``source/``). ``lessons/NN_name.ipynb`` is made from it:

- In a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` become one
  starter line at the same indentation: the text after ``### BEGIN SOLUTION:`` (for
  example ``return ____``), or ``____`` when there is none, followed by
  ``  # your code here``.
- A cell whose first line is ``# SOLUTION ONLY`` (code) or ``<!-- SOLUTION ONLY -->``
  (markdown) is left out of the lesson.

Some cells are written here, in both copies, and rewritten on every build (each starts
with a marker line, so a build first removes the old ones wherever they are):

- after the title cell, the "Open in Colab" and Binder badges of that very notebook;
- then a code cell that, only in Google Colab, installs the course from its repository
  (``pip install "kmeans-tf @ git+<repository>@<ref>"``) and prints how long that took;
  anywhere else it does nothing and prints nothing;
- right after the Setup cell (the first code cell under ``## Setup``), a cell printing the
  versions the lesson runs with (``helpers.versions.show()``);
- at the end, the previous / all lessons / next links.

The repository and ref come from ``[tool.kmeans-tf]`` in ``pyproject.toml``: the one place
to change them.

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
import tomllib
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
BADGES = "<!-- BADGES: written by helpers/notebooks.py from [tool.kmeans-tf] in pyproject.toml -->"
COLAB = "# COLAB: written by helpers/notebooks.py."
VERSIONS = "# VERSIONS: written by helpers/notebooks.py."
GENERATED = (NAVIGATION, BADGES, COLAB, VERSIONS)
GITHUB = re.compile(r"https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)")
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
        if cell.source.startswith(BADGES):  # the lesson's badges open the lesson
            cell.source = cell.source.replace(f"/{SOLUTIONS.name}/", f"/{LESSONS.name}/")
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


def settings(pyproject: Path = ROOT / "pyproject.toml"):
    """``[tool.kmeans-tf]`` of pyproject.toml (repository, ref) and the course's version."""
    data = tomllib.loads(pyproject.read_text())
    found = {**data.get("tool", {}).get("kmeans-tf", {}), "version": data["project"]["version"]}
    for key in ("repository", "ref"):
        if not isinstance(found.get(key), str) or not found[key].strip():
            raise NotebookFormatError(f"{pyproject}: [tool.kmeans-tf] needs {key} = \"...\"; got {found.get(key)!r}")
    if not GITHUB.fullmatch(found["repository"]) or found["repository"].endswith(".git"):
        raise NotebookFormatError(
            f"[tool.kmeans-tf] repository = {found['repository']!r} should be a GitHub page such as "
            "'https://github.com/owner/name' (no .git, no trailing slash): Colab and Binder open GitHub repositories"
        )
    return found


def is_generated(cell) -> bool:
    return cell.source.startswith(GENERATED)


def badges_cell(notebook_path: str, config=None):
    """Open this notebook (``lessons/NN_x.ipynb``, relative to the repository) in Colab or Binder."""
    config = config or settings()
    repo = GITHUB.fullmatch(config["repository"])
    owner, name, ref = repo["owner"], repo["name"], config["ref"]
    colab = f"https://colab.research.google.com/github/{owner}/{name}/blob/{ref}/{notebook_path}"
    binder = f"https://mybinder.org/v2/gh/{owner}/{name}/{ref}?urlpath=lab/tree/{notebook_path}"
    return nbformat.v4.new_markdown_cell(
        f"{BADGES}\n"
        f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) "
        f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder})"
    )


COLAB_TEMPLATE = r"""MARKER
# In Google Colab this installs the course and the packages it pins; anywhere else it does nothing.
import sys

if "google.colab" in sys.modules:
    import importlib.metadata
    import subprocess
    import time

    COURSE = "REQUIREMENT"

    def _installed(distribution):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    if _installed("kmeans-tf") != "VERSION":
        print(f"Installing {COURSE} (kmeans-tf VERSION) with the packages it pins, TensorFlow TENSORFLOW among them.")
        print("TensorFlow is a large download: this takes a while. The time it took is printed below.")
        _start = time.perf_counter()
        _pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", COURSE],
                              capture_output=True, text=True)
        if _pip.returncode != 0:
            raise RuntimeError(f"pip could not install the course:\n{_pip.stdout[-1500:]}{_pip.stderr[-1500:]}")
        importlib.invalidate_caches()
        print(f"Installed in {time.perf_counter() - _start:.0f} s.")
    # A package Colab imported before the install keeps its old version until the session restarts.
    _stale = [f"{module} {sys.modules[module].__version__}" for module in ("numpy", "tensorflow", "matplotlib")
              if module in sys.modules and sys.modules[module].__version__ != _installed(module)]
    if _stale:
        print(f"Colab had already loaded {', '.join(_stale)}: choose Runtime > Restart session, then run the "
              "notebook again from the top (this cell will not install anything the second time).")"""


def colab_source(repository: str, ref: str, version: str) -> str:
    """The first code cell: in Colab, install the course from ``repository`` at ``ref``
    (``version`` is the one it should find installed); elsewhere do nothing."""
    from helpers.versions import TESTED

    for name, value in (("repository", repository), ("ref", ref), ("version", version)):
        if not re.fullmatch(r"[\w.:/@+~-]+", value):
            raise NotebookFormatError(f"[tool.kmeans-tf] {name} = {value!r} has characters a pip URL cannot hold")
    return (COLAB_TEMPLATE.replace("MARKER", COLAB).replace("REQUIREMENT", f"kmeans-tf @ git+{repository}@{ref}")
            .replace("VERSION", version).replace("TENSORFLOW", TESTED["tensorflow"]))


def colab_cell(config=None):
    config = config or settings()
    return nbformat.v4.new_code_cell(colab_source(config["repository"], config["ref"], config["version"]))


def versions_cell():
    return nbformat.v4.new_code_cell(
        f"{VERSIONS} The versions this lesson runs with (helpers/versions.py).\n"
        "import helpers.versions\n\nhelpers.versions.show()"
    )


def navigation_cell(path, titles):
    """The previous / all lessons / next links."""
    names = sorted(titles)
    at = names.index(path.name)
    links = []
    if at > 0:
        links.append(f"[← {titles[names[at - 1]]}]({names[at - 1]})")
    links.append("[All lessons](../README.md#lessons)")
    if at + 1 < len(names):
        links.append(f"[{titles[names[at + 1]]} →]({names[at + 1]})")
    return nbformat.v4.new_markdown_cell(f"{NAVIGATION}\n\n---\n\n" + " | ".join(links))


def setup_cell_index(cells, where="notebook"):
    """Index of the first code cell after the markdown cell with the ``## Setup`` heading."""
    heading = next((i for i, cell in enumerate(cells)
                    if cell.cell_type == "markdown" and "## Setup" in cell.source.splitlines()), None)
    if heading is None:
        raise NotebookFormatError(f"{where}: no markdown cell with the heading '## Setup'")
    code = next((i for i in range(heading + 1, len(cells)) if cells[i].cell_type == "code"), None)
    if code is None:
        raise NotebookFormatError(f"{where}: no code cell under '## Setup'")
    return code


def with_generated_cells(notebook, path, titles, config=None):
    """Write (or rewrite) the badges, the Colab cell, the versions cell and the navigation
    links of the notebook at ``path`` (in ``solutions/`` or ``lessons/``). Idempotent: the
    cells a previous build wrote are removed first, wherever they are."""
    config = config or settings()
    title(notebook)  # the first cell must be the title
    cells = [cell for cell in notebook.cells if not is_generated(cell)]
    setup = setup_cell_index(cells, path.name)
    notebook.cells = [
        cells[0], badges_cell(f"{path.parent.name}/{path.name}", config), colab_cell(config),
        *cells[1:setup + 1], versions_cell(), *cells[setup + 1:],
        navigation_cell(path, titles),
    ]
    return notebook


COLAB_URL = re.compile(r"https://colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/[^/\s)]+/")
BINDER_URL = re.compile(r"https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/[^?\s)]+")
PULLER_URL = re.compile(r"/hub/user-redirect/git-pull\?repo=[^&\s]+&branch=[^&\s]+&")


def nbgitpuller_query(config=None, lesson="01_generating_samples.ipynb"):
    """The query of a JupyterHub link that pulls the course into ~/kmeans-tf and opens ``lesson``."""
    from urllib.parse import urlencode

    config = config or settings()
    return urlencode({"repo": config["repository"], "branch": config["ref"],
                      "urlpath": f"lab/tree/{GITHUB.fullmatch(config['repository'])['name']}/lessons/{lesson}"})


def with_readme_badges(text, config=None):
    """README.md's Colab and Binder links, pointed at ``[tool.kmeans-tf]``'s repository and ref."""
    config = config or settings()
    repo = GITHUB.fullmatch(config["repository"])
    owner, name, ref = repo["owner"], repo["name"], config["ref"]
    text = COLAB_URL.sub(f"https://colab.research.google.com/github/{owner}/{name}/blob/{ref}/", text)
    text = BINDER_URL.sub(f"https://mybinder.org/v2/gh/{owner}/{name}/{ref}", text)
    puller = nbgitpuller_query(config).split("&urlpath=")[0]
    return PULLER_URL.sub(lambda _: f"/hub/user-redirect/git-pull?{puller}&", text)


def solution_paths():
    return sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))


def build(names=None, run=True):
    paths = solution_paths()
    titles = {path.name: title(nbformat.read(path, as_version=4)) for path in paths}
    config = settings()
    readme = ROOT / "README.md"
    if readme.exists() and with_readme_badges(readme.read_text(), config) != readme.read_text():
        readme.write_text(with_readme_badges(readme.read_text(), config))
    for solution_path in paths:
        if names and not any(name in solution_path.stem for name in names):
            continue
        solution = with_generated_cells(nbformat.read(solution_path, as_version=4), solution_path, titles, config)
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
