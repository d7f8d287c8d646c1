"""The ways to open the course besides `make`: plain `pip install -r requirements.txt`
(also what Binder and a JupyterHub image run), and Colab's install cell. Two tests here
build a fresh virtual environment; they are marked `slow` (the one that installs TensorFlow
takes minutes even with a warm pip cache) and run in `make test` like every other test."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import nbformat
import pytest

from helpers import notebooks, versions

ROOT = Path(__file__).resolve().parents[1]
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)  # the Python this .venv was made from
PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>\S+)\s+#\s*\S")


def requirement_lines():
    return [line for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def pins():
    """{"tensorflow": "2.21.0", ...} from requirements.txt."""
    found = {}
    for line in requirement_lines():
        match = PIN.match(line)
        if match:
            found[match["name"].lower()] = match["version"]
    return found


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


# ------------------------------------------------------------------ the files themselves


def test_requirements_pin_everything_and_install_the_course_last():
    lines = requirement_lines()
    *packages, last = lines
    for line in packages:
        assert PIN.match(line), f"requirements.txt: {line!r} should be name==version followed by a # comment"
    assert re.fullmatch(r"-e \.\s+#\s*\S.*", last), f"the last line should install the course itself (-e .); got {last!r}"
    assert ".pth" not in (ROOT / "Makefile").read_text().replace("kmeans_tf.pth  # the .pth file older", ""), (
        "the Makefile should need no .pth trick: requirements.txt installs helpers"
    )


def test_pyproject_pins_the_lessons_packages_as_requirements_does():
    """`pip install kmeans-tf@git+...` (Colab) gets the same versions as requirements.txt."""
    project = pyproject()["project"]
    required = pins()
    for dependency in project["dependencies"]:
        name, version = dependency.split("==")
        assert required.get(name.lower()) == version, (
            f"pyproject.toml pins {dependency}; requirements.txt has {name}=={required.get(name.lower())}"
        )
    assert {"tensorflow", "numpy", "matplotlib", "scikit-learn"} <= {d.split("==")[0] for d in project["dependencies"]}


def test_the_versions_lessons_warn_about_are_the_pins():
    required = pins()
    assert versions.TESTED == {name: required[name] for name in versions.TESTED}


def test_binder_python_is_one_the_course_supports():
    runtime = (ROOT / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), f"repo2docker reads 'python-X.Y' from runtime.txt; got {runtime!r}"
    minor = int(runtime.split(".")[1])
    assert pyproject()["project"]["requires-python"] == ">=3.11" and minor >= 11
    assert "v >= (3, 11)" in (ROOT / "Makefile").read_text()


def test_the_package_holds_helpers_only():
    find = pyproject()["tool"]["setuptools"]["packages"]["find"]
    assert find["include"] == ["helpers", "helpers.*"]


def test_readme_links_follow_the_repository_setting():
    """The README's badges and nbgitpuller link point where [tool.kmeans-tf] says (make
    notebooks rewrites them), one Colab badge per lesson, and it names the TensorFlow pinned."""
    readme = (ROOT / "README.md").read_text()
    config = notebooks.settings()
    assert notebooks.with_readme_badges(readme, config) == readme, "README.md links are out of date: run `make notebooks`"
    owner_name = config["repository"].removeprefix("https://github.com/")
    lesson01 = "lessons/01_generating_samples.ipynb"
    assert f"(https://mybinder.org/v2/gh/{owner_name}/{config['ref']}?urlpath=lab/tree/{lesson01})" in readme
    for path in notebooks.solution_paths():
        assert f"(https://colab.research.google.com/github/{owner_name}/blob/{config['ref']}/lessons/{path.name})" in readme
    assert f"/hub/user-redirect/git-pull?{notebooks.nbgitpuller_query(config)}\n" in readme
    assert f"**TensorFlow {versions.TESTED['tensorflow']}**" in readme
    assert f"pip install \"kmeans-tf @ git+{config['repository']}@{config['ref']}\"" in readme


# ------------------------------------------------------------------ helpers.versions


def test_versions_line_names_each_package_and_nothing_about_the_machine(capsys):
    versions.show()
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert re.fullmatch(r"Python \d+\.\d+\.\d+\S* · TensorFlow \S+ · NumPy \S+ · scikit-learn \S+ · matplotlib \S+", first)
    for machine_specific in ("/", "\\", "x86", "CPU", "GPU"):
        assert machine_specific not in first


def test_versions_warn_in_one_line_only_for_tensorflow_and_numpy(capsys):
    tested = {"Python": "3.12.1", "TensorFlow": "2.21.0", "NumPy": "2.4.6", "scikit-learn": "1.9.1", "matplotlib": "3.11.2"}
    versions.show(tested)
    assert capsys.readouterr().out == "Python 3.12.1 · TensorFlow 2.21.0 · NumPy 2.4.6 · scikit-learn 1.9.1 · matplotlib 3.11.2\n"

    versions.show({**tested, "scikit-learn": "1.5.0", "matplotlib": "3.8.0"})  # reported, not warned about
    assert len(capsys.readouterr().out.splitlines()) == 1

    versions.show({**tested, "TensorFlow": "2.18.0", "NumPy": "not installed"})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert "TensorFlow 2.18.0 (tested: 2.21.0)" in lines[1] and "NumPy not installed (tested: 2.4.6)" in lines[1]


def test_version_prefers_the_module_already_loaded(monkeypatch):
    fake = type(sys)("numpy")
    fake.__version__ = "1.26.4"
    monkeypatch.setitem(sys.modules, "numpy", fake)
    assert versions.version("numpy", "numpy") == "1.26.4"  # what the kernel really runs with
    assert versions.version("no_such_module_here", "no-such-distribution-here") == "not installed"


# ------------------------------------------------------------------ fresh environments


def copy_of_the_course(target: Path) -> Path:
    """The course as a fresh clone has it: the files git tracks or would track (with their
    current contents), no .venv, no build outputs."""
    target.mkdir(parents=True)
    if (ROOT / ".git").exists():
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\0")
        for name in filter(None, listed):
            source = ROOT / name
            if source.is_file():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)
    else:
        shutil.copytree(ROOT, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
            ".venv", "build", "report", "__pycache__", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints"))
    return target


def git_repository(folder: Path, branch: str) -> str:
    """Commit ``folder`` as a git repository on ``branch``; return its URL, file://localhost/...
    (pip's requirement parser refuses ``git+file:///...``, a URL without a host)."""
    git = ["git", "-c", "user.name=kmeans-tf test", "-c", "user.email=test@localhost", "-c", "init.defaultBranch=" + branch]
    subprocess.run([*git, "init", "-q"], cwd=folder, check=True)
    subprocess.run([*git, "add", "-A"], cwd=folder, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "the course"], cwd=folder, check=True)
    return "file://localhost" + folder.resolve().as_posix()


def clean_env(**extra):
    """This process's environment without what would make a subprocess see this .venv."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, **extra}


def new_venv(folder: Path) -> Path:
    subprocess.run([BASE_PYTHON, "-m", "venv", str(folder)], check=True, timeout=300)
    return folder / "bin" / "python"


def colab_cell_source(notebook_path):
    cells = [cell for cell in nbformat.read(notebook_path, as_version=4).cells if cell.source.startswith(notebooks.COLAB)]
    assert len(cells) == 1
    return cells[0].source


def test_colab_cell_does_nothing_outside_colab(tmp_path):
    """Run alone in a fresh Python: no output, no error, nothing installed or imported but sys."""
    source = colab_cell_source(ROOT / "lessons" / "01_generating_samples.ipynb")
    probe = source + "\nimport sys as _s\nprint(sorted(m for m in ('subprocess', 'importlib.metadata', 'helpers') if m in _s.modules))"
    result = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n" and result.stderr == ""


@pytest.mark.slow
def test_colab_cell_installs_the_course_from_its_repository(tmp_path):
    """The Colab cell, as make notebooks writes it but pointed at a local clone, run where
    ``google.colab`` is imported: it installs kmeans-tf from the repository at the ref, says
    how long that took, and installs nothing the second time. (PIP_NO_DEPS=1 keeps
    TensorFlow out of this throwaway venv: the next test installs the pinned packages;
    here the metadata shows they are required.)"""
    config = notebooks.settings()
    clone = copy_of_the_course(tmp_path / "clone")
    url = git_repository(clone, config["ref"])
    source = notebooks.colab_source(url, config["ref"], config["version"])
    assert source == colab_cell_source(ROOT / "lessons" / "01_generating_samples.ipynb").replace(config["repository"], url)

    python = new_venv(tmp_path / "colab")
    script = tmp_path / "cell.py"
    script.write_text(textwrap.dedent("""
        import sys, types
        sys.modules["google.colab"] = types.ModuleType("google.colab")
        if "--numpy-loaded" in sys.argv:  # as when Colab imported its own NumPy before this cell
            sys.modules["numpy"] = types.SimpleNamespace(__version__="1.0.0")
    """) + source + textwrap.dedent("""
        import importlib.metadata, helpers
        print("helpers from", helpers.__file__)
        print("requires", sorted(importlib.metadata.requires("kmeans-tf")))
    """))
    env = clean_env(PIP_NO_DEPS="1")
    first = subprocess.run([python, str(script), "--numpy-loaded"], capture_output=True, text=True, cwd=tmp_path,
                           env=env, timeout=600)
    assert first.returncode == 0, first.stdout + first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == (f"Installing kmeans-tf @ git+{url}@{config['ref']} (kmeans-tf {config['version']}) "
                        f"with the packages it pins, TensorFlow {versions.TESTED['tensorflow']} among them.")
    assert re.fullmatch(r"Installed in \d+ s\.", lines[2])
    assert lines[3].startswith("Colab had already loaded numpy 1.0.0: choose Runtime > Restart session")
    installed_at = Path(lines[4].removeprefix("helpers from "))
    assert installed_at.is_relative_to(tmp_path / "colab") and installed_at.name == "__init__.py"
    assert (installed_at.parent / "functions.py").read_bytes() == (ROOT / "helpers" / "functions.py").read_bytes()
    assert lines[5] == "requires " + str(sorted(pyproject()["project"]["dependencies"]))
    assert len(lines) == 6, first.stdout

    again = subprocess.run([python, str(script)], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert [line.split()[0] for line in again.stdout.splitlines()] == ["helpers", "requires"], again.stdout


@pytest.mark.slow
def test_pip_install_requirements_alone_runs_lesson_01_from_lessons(tmp_path):
    """As Binder and a JupyterHub image do: a new venv, `pip install -r requirements.txt` in
    a fresh copy of the course, nothing else (no make, no .pth); then lesson 01 end to end in
    a kernel started in lessons/, with the same outputs as stored."""
    course = copy_of_the_course(tmp_path / "kmeans-tf")
    python = new_venv(tmp_path / "venv")
    install = subprocess.run([python, "-m", "pip", "install", "--quiet", "-r", "requirements.txt"],
                             cwd=course, capture_output=True, text=True, timeout=900, env=clean_env())
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]

    lesson = course / "lessons" / "01_generating_samples.ipynb"
    runner = tmp_path / "run_lesson.py"
    runner.write_text(textwrap.dedent(f"""
        import nbformat
        from nbclient import NotebookClient

        notebook = nbformat.read({str(lesson)!r}, as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell(
            "import os, sys, helpers\\nprint(os.getcwd()); print(sys.prefix); print(helpers.__file__)"))
        NotebookClient(notebook, timeout=300, kernel_name="python3",
                       resources={{"metadata": {{"path": {str(lesson.parent)!r}}}}}).execute()
        nbformat.write(notebook, {str(tmp_path / "executed.ipynb")!r})
    """))
    run = subprocess.run([python, str(runner)], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                         env=clean_env())
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    executed = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    *cells, probe = [cell for cell in executed.cells if cell.cell_type == "code"]
    cwd, prefix, helpers_file = probe.outputs[0].text.split()
    assert Path(cwd) == lesson.parent, "the kernel should start in lessons/"
    assert Path(prefix) == tmp_path / "venv", "the kernel should be the new venv's Python"
    assert Path(helpers_file) == course / "helpers" / "__init__.py", "helpers should come from the editable install"

    stored = [cell for cell in nbformat.read(ROOT / "lessons" / lesson.name, as_version=4).cells if cell.cell_type == "code"]
    assert len(cells) == len(stored)

    def text(cell):
        return [(o.output_type, o.get("name"), o.get("text", "")) for o in notebooks.merged_streams(cell.outputs)
                if o.output_type in ("stream", "error")]

    for number, (fresh, old) in enumerate(zip(cells, stored, strict=True), start=1):
        assert text(fresh) == text(old), f"code cell {number} of lesson 01 printed something else in the new venv"
