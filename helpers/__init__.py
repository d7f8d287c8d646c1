"""kmeans-tf: the course's shared code.

- ``helpers.functions``: the only copy of every function the lessons build, in lesson order.
- ``helpers._engine``: the compiled engine behind ``kmeans`` (Lloyd loop, chunk kernel, k-means++).
- ``helpers._checks``: the input checks the public functions run before their maths.
- ``helpers.exercises``: the checks and hints behind each lesson's exercises (``lessonNN``).
- ``helpers.explorer``: the interactive k-means explorer of lessons 05 and 08.
- ``helpers.notebooks``: makes the lessons learners open from the solution notebooks.
- ``helpers.benchmark``: ``make benchmark``, the course's k-means against scikit-learn.
- ``helpers.classroom``: ``make bundle`` and ``make grade``, for teachers.

Importing ``helpers.functions`` imports TensorFlow with its start-up log lines silenced
(``helpers._quiet``), which is why each lesson's Setup cell imports it before ``tensorflow``.
"""
