"""The learner's bundle: ``build/kmeans-tf-learner/`` and ``build/kmeans-tf-learner.zip``.

It holds the lessons, the course code learners import (``helpers/`` without the teacher's
tools), ``requirements.txt``, a small Makefile of its own (``make lab``, ``make help``,
``make clean``) and a README for learners whose sections the lessons link to. Nothing of
``solutions/``, ``tests/``, ``helpers/classroom``, ``helpers/notebooks.py`` or
``helpers/benchmark.py``.
"""

# ruff: noqa: E501  (the learner's Makefile below keeps its long lines as make needs them)
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUNDLE_NAME = "kmeans-tf-learner"
TEACHER_TOOLS = ("classroom", "benchmark.py", "notebooks.py")

LEARNER_MAKEFILE = """\
# kmeans-tf, the learner's copy: `make lab` opens the course.
# It first creates .venv from requirements.txt when it is missing or older than that file.
# Nothing is installed outside .venv and no kernel is registered globally.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888

.PHONY: lab help clean
.DEFAULT_GOAL := help

help:
\t@echo "make lab     open the lessons in JupyterLab (localhost, token login)"
\t@echo "make clean   remove .venv (the next make lab creates it again)"

$(STAMP): requirements.txt
\t@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"kmeans-tf needs Python 3.11 or newer; {sys.executable} is {v.major}.{v.minor}. Run: make PYTHON=python3.12 lab")'
\t$(PYTHON) -m venv $(VENV)
\t$(BIN)/python -m pip install --quiet -r requirements.txt
\ttouch $(STAMP)

# Jupyter refuses to run as root unless told; containers often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)
\t$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) --ServerApp.root_dir=. $(ALLOW_ROOT) lessons/01_generating_samples.ipynb

clean:
\trm -rf $(VENV)
"""


def _lesson_list() -> str:
    lines = []
    for path in sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        title = next((line[2:].strip() for cell in cells if cell["cell_type"] == "markdown"
                      for line in "".join(cell["source"]).splitlines() if line.startswith("# ")), path.stem)
        lines.append(f"{len(lines) + 1}. [{title}](lessons/{path.name})")
    return "\n".join(lines)


def learner_readme() -> str:
    return f"""# kmeans-tf: k-means clustering with TensorFlow 2 (learner's copy)

You need Python 3.11 or newer and `make`. In this folder run

    make lab

The first time it creates `.venv/` from `requirements.txt` (a few minutes), then opens
JupyterLab on lesson 01. `make help` lists the two commands there are.

## Lessons

Work through them in order:

{_lesson_list()}

## Exercises

Each lesson ends with exercises. Replace each `____` with your code and run the cell: the
check under it says *correct*, what is wrong, or *not attempted yet*. Stuck? Run the
`ex.qN.hint()` line. Save your notebooks and hand them back to your teacher as they ask;
your teacher runs them again from the top, so make sure they run from a fresh kernel
(Kernel → Restart Kernel and Run All Cells).
"""


def build_bundle(out: Path) -> Path:
    """Write the learner's folder and zip under ``out``; return the zip's path."""
    folder = out / BUNDLE_NAME
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "lessons", folder / "lessons", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(ROOT / "helpers", folder / "helpers",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", *TEACHER_TOOLS))
    for name in ("requirements.txt", "pyproject.toml"):  # requirements.txt installs helpers with -e .
        shutil.copy2(ROOT / name, folder / name)
    (folder / "Makefile").write_text(LEARNER_MAKEFILE)
    (folder / "README.md").write_text(learner_readme())
    archive = out / f"{BUNDLE_NAME}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, Path(BUNDLE_NAME) / path.relative_to(folder))
    return archive
