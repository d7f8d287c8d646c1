"""Teacher tools, apart from what learners import: hand the lessons out, grade what comes back.

    .venv/bin/python -m helpers.classroom bundle [--out build]        # also `make bundle`
    .venv/bin/python -m helpers.classroom grade FOLDER [--out report]  # also `make grade RETURNED=FOLDER`

``bundle.py`` builds the learner's folder and zip; ``grade.py`` finds and reads returned
notebooks and writes the report; ``run.py`` runs one notebook in ``sandbox.py``'s sandbox
and appends the checks of ``inkernel.py``. None of this is in the learner's bundle.
"""
