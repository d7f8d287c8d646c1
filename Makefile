# kmeans-tf: `make lab` opens the course, `make test` runs every test.
# Both create .venv from requirements.txt first when it is missing or older than that file.
# Nothing is installed outside .venv and no kernel is registered globally.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888

.PHONY: lab test notebooks benchmark bundle grade clean help
.DEFAULT_GOAL := help

help:
	@echo "make lab        open the course in JupyterLab (localhost, token login)"
	@echo "make test       run every test: helpers, checkers, lint, and every notebook under nbval"
	@echo "make notebooks  rebuild lessons/ from solutions/ and store fresh outputs in both"
	@echo "make benchmark  time helpers.functions.kmeans against scikit-learn (a few minutes)"
	@echo "make bundle     build the learner's folder and zip (no solutions, no teacher tools) in build/"
	@echo "make grade RETURNED=folder   grade returned notebooks in sandboxes: report/grades.csv and .md"
	@echo "                (GRADE_OPTIONS='--time-limit 120 --memory-gb 4 --workers N'; see README)"
	@echo "make clean      remove .venv"

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"kmeans-tf needs Python 3.11 or newer; {sys.executable} is {v.major}.{v.minor}. Run: make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV)
	@# requirements.txt ends with `-e .`: the course's `helpers` package, importable from any folder.
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/lib/python3*/site-packages/kmeans_tf.pth  # the .pth file older versions of this Makefile wrote
	touch $(STAMP)

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) --ServerApp.root_dir=. $(ALLOW_ROOT) lessons/01_generating_samples.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest

notebooks: $(STAMP)
	$(BIN)/python -m helpers.notebooks

benchmark: $(STAMP)
	$(BIN)/python -m helpers.benchmark

bundle: $(STAMP)
	$(BIN)/python -m helpers.classroom bundle

# Exit status 1 when a notebook could not be fully graded (its row says why), 2 on a usage error.
RETURNED ?=
GRADE_OPTIONS ?=
grade: $(STAMP)
	@test -n "$(RETURNED)" || { echo "usage: make grade RETURNED=path/to/returned/notebooks [GRADE_OPTIONS=...]"; exit 2; }
	$(BIN)/python -m helpers.classroom grade "$(RETURNED)" --out report $(GRADE_OPTIONS)

clean:
	rm -rf $(VENV)
