"""Where ``Exercise.check`` reports each verdict for a grader; for a learner it does nothing.

``make grade`` (``helpers/classroom``) loads a fresh copy of the checkers after the learner's
cells have run, sets ``RECORDER`` on that copy only, and calls the teacher's checks: each
verdict then reaches the grader through its own channel, not through what the notebook
prints. Learners never need this module.
"""

RECORDER = None  # a callable (exercise, result) set by the grader on its own copy of the checkers


def record(exercise, result) -> None:
    """Hand ``result`` (a ``Result``) of ``exercise`` to the grader, when one is listening."""
    if RECORDER is not None:
        RECORDER(exercise, result)
