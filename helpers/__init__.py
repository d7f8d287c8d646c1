"""kmeans-tf: the course's shared code.

- ``helpers.functions``: the only copy of every function the lessons build.
- ``helpers.exercises``: the checks and hints behind each lesson's exercises.
- ``helpers.notebooks``: makes the lessons learners open from the solution notebooks.

Importing ``helpers.functions`` imports TensorFlow with its start-up log lines silenced,
which is why each lesson's Setup cell imports it before ``tensorflow``.
"""
