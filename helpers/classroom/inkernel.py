"""Code the grader runs inside a learner's kernel, after the learner's cells (never imported).

``helpers.classroom.run`` sends this file's text as two cells of its own, appended after the
learner's cells: ``_kmeans_tf_disarm()``, which removes and names what the notebook left
behind to watch or rewrite later cells (IPython hooks, input and AST transformers, trace
functions), then ``_kmeans_tf_grade(...)``, whose call carries a secret made for this run
only after the learner's cells had finished. The grade cell

- names checkers, NumPy, TensorFlow or builtins replaced by code written in the notebook,
  and threads or processes the notebook left running;
- loads a fresh copy of the checkers from the read-only course copy (``COURSE``), so
  ``ex.q1._judge = ...`` or a patched ``Exercise.check`` in the notebook changes nothing,
  and compares the notebook's copy with it;
- runs the teacher's check calls with that copy, whose ``_grading.RECORDER`` catches each
  verdict, and publishes every verdict as display data under a MIME type that holds the
  secret. What the notebook prints is never read.
"""

# ruff: noqa: F821  (get_ipython exists in the kernel)
import contextlib
import importlib
import os
import sys
import threading
import types

_KMEANS_TF_STATUS = {"correct": "passed", "wrong": "wrong", "not attempted": "not attempted"}


def _kmeans_tf_cell_dir():
    """The folder (or ``<...>`` prefix) that code compiled from notebook cells names as its file."""
    name = sys._getframe(1).f_code.co_filename
    return name.split("-")[0] if name.startswith("<ipython-input") else os.path.dirname(name)


def _kmeans_tf_written_in_notebook(value, cell_dir, depth=0):
    """True when ``value`` is a function, method or callable object defined in a notebook cell."""
    if depth > 2:
        return False
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, types.MethodType):
        value = value.__func__
    if hasattr(value, "func") and callable(getattr(value, "func", None)):  # functools.partial
        return _kmeans_tf_written_in_notebook(value.func, cell_dir, depth + 1)
    code = getattr(value, "__code__", None)
    if isinstance(code, types.CodeType):
        name = code.co_filename
        return name.startswith(cell_dir)
    kind = type(value)
    return kind.__module__ == "__main__" and not isinstance(value, type)


def _kmeans_tf_name(value):
    return getattr(value, "__qualname__", None) or getattr(value, "__name__", None) or type(value).__name__


def _kmeans_tf_disarm():
    """Remove what the notebook left to watch or rewrite later cells; remember what it was."""
    cell_dir = _kmeans_tf_cell_dir()
    shell = get_ipython()
    found = []
    for event, callbacks in list(getattr(shell.events, "callbacks", {}).items()):
        for callback in list(callbacks):
            if _kmeans_tf_written_in_notebook(callback, cell_dir):
                callbacks.remove(callback)
                found.append(f"an IPython '{event}' hook ({_kmeans_tf_name(callback)})")
    for attribute in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
        transformers = getattr(shell, attribute, [])
        for transformer in list(transformers):
            if _kmeans_tf_written_in_notebook(transformer, cell_dir) or type(transformer).__module__ == "__main__":
                transformers.remove(transformer)
                found.append(f"an IPython {attribute} entry ({_kmeans_tf_name(transformer)})")
    if sys.gettrace() is not None:
        sys.settrace(None)
        found.append("a trace function (sys.settrace)")
    if sys.getprofile() is not None:
        sys.setprofile(None)
        found.append("a profile function (sys.setprofile)")
    # The objects a verdict passes through on its way out: the notebook may have replaced their
    # methods (``get_ipython().display_pub.publish = forge`` rewrote verdicts and emptied flags).
    # A replacement on the object itself is removed; one on its class cannot be undone here, so
    # this cell fails and the grader reports the notebook as interfering, with nothing graded.
    kernel = getattr(shell, "kernel", None)
    channel = {"shell": shell, "display_pub": shell.display_pub, "displayhook": shell.displayhook,
               "kernel": kernel, "session": getattr(kernel, "session", None),
               "iopub_socket": getattr(kernel, "iopub_socket", None),
               "iopub_thread": getattr(kernel, "iopub_thread", None),
               "iopub_thread.socket": getattr(getattr(kernel, "iopub_thread", None), "socket", None)}
    patched_classes = []
    for label, target in channel.items():
        if target is None:
            continue
        for attribute, value in list(getattr(target, "__dict__", {}).items()):
            if _kmeans_tf_written_in_notebook(value, cell_dir):
                delattr(target, attribute)
                found.append(f"the grader's channel was patched: {label}.{attribute} replaced by code from the notebook"
                             " (removed before grading)")
        for klass in type(target).__mro__:
            for attribute, value in list(vars(klass).items()):
                if _kmeans_tf_written_in_notebook(value, cell_dir):
                    patched_classes.append(f"{klass.__module__}.{klass.__qualname__}.{attribute}")
    get_ipython().user_ns["_kmeans_tf_disarmed"] = found
    if patched_classes:
        raise RuntimeError("the grader's channel was patched by the notebook: " + ", ".join(patched_classes))


def _kmeans_tf_tampering(cell_dir, lesson):
    """What in the kernel was replaced by notebook code: [str, ...]."""
    found = []
    main = vars(sys.modules["__main__"])
    for name, module in list(sys.modules.items()):
        if not isinstance(module, types.ModuleType) or vars(module) is main:
            continue
        try:
            items = list(vars(module).items())
        except TypeError:
            continue
        for attribute, value in items:
            try:
                if _kmeans_tf_written_in_notebook(value, cell_dir):
                    found.append(f"{name}.{attribute} was replaced by code from the notebook")
                elif isinstance(value, type) and value.__module__ == name and name.startswith("helpers"):
                    for member, inner in list(vars(value).items()):
                        if _kmeans_tf_written_in_notebook(inner, cell_dir):
                            found.append(f"{name}.{attribute}.{member} was replaced by code from the notebook")
            except Exception:  # an attribute that cannot even be inspected is not ours to judge
                continue
    for thread in threading.enumerate():
        target = getattr(thread, "_target", None)
        if _kmeans_tf_written_in_notebook(target, cell_dir) or type(thread).__module__ == "__main__":
            found.append(f"a thread started by the notebook was still running ({thread.name})")
    try:
        children = []
        for task in os.listdir(f"/proc/{os.getpid()}/task"):
            with open(f"/proc/{os.getpid()}/task/{task}/children") as handle:
                children += handle.read().split()
        for pid in children:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
            found.append(f"a process started by the notebook was still running ({command[:60]})")
    except OSError:
        pass
    for finder in sys.meta_path:
        if type(finder).__module__ == "__main__" or _kmeans_tf_written_in_notebook(finder, cell_dir):
            found.append(f"an import finder from the notebook was installed ({_kmeans_tf_name(finder)})")
    # No ``ex`` at all means its import never ran (the verdicts say which answers were not defined): nothing was
    # replaced. An ``ex`` that is something else was rebound by the notebook.
    namespace = get_ipython().user_ns
    if "ex" in namespace and not (isinstance(namespace["ex"], types.ModuleType)
                                  and namespace["ex"].__name__ == f"helpers.exercises.lesson{lesson}"):
        found.append(f"the name ex was not helpers.exercises.lesson{lesson} any more")
    return found


def _kmeans_tf_fresh_checkers(course, lesson):
    """Import the checkers anew from the read-only course copy.

    Returns the fresh lesson module, its ``_grading``, and the notebook's and the fresh ``helpers.*`` modules.
    """
    learners = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "helpers"}
    for name in learners:
        del sys.modules[name]
    sys.path.insert(0, course)
    importlib.invalidate_caches()
    try:
        fresh = importlib.import_module(f"helpers.exercises.lesson{lesson}")
        grading = importlib.import_module("helpers.exercises._grading")
    finally:
        sys.path.remove(course)
    fresh_modules = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "helpers"}
    outside = [name for name, module in fresh_modules.items()
               if not str(getattr(module, "__file__", "") or "").startswith(course)]
    if outside:
        raise RuntimeError(f"the checkers' fresh copy did not come from the course copy: {', '.join(outside)}")
    # The learner's starter cells hold the placeholder ____ of the copy they imported: the fresh
    # checkers must recognise that one (its class is compared with the course's like the rest).
    base, old = fresh_modules.get("helpers.exercises"), learners.get("helpers.exercises")
    placeholder = getattr(old, "____", None)
    if placeholder is not None and type(placeholder).__name__ == type(getattr(base, "____", None)).__name__:
        base.____, base._Placeholder = placeholder, type(placeholder)
    return fresh, grading, learners, fresh_modules


def _kmeans_tf_compare(learners, fresh_modules):
    """Functions of the notebook's helpers.* modules whose code differs from the fresh copy's."""
    found = []

    def code_of(value):
        value = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
        return getattr(value, "__code__", None)

    for name, fresh in fresh_modules.items():
        old = learners.get(name)
        if old is None:
            continue
        for attribute, value in vars(fresh).items():
            before = vars(old).get(attribute)
            if isinstance(value, types.FunctionType):
                if code_of(before) != value.__code__:
                    found.append(f"{name}.{attribute} differs from the course's")
            elif isinstance(value, type) and value.__module__ == name:
                if not isinstance(before, type):
                    found.append(f"{name}.{attribute} is not the course's class any more")
                    continue
                for member, inner in vars(value).items():
                    if code_of(inner) is not None and code_of(vars(before).get(member)) != code_of(inner):
                        found.append(f"{name}.{attribute}.{member} differs from the course's")
            elif type(value).__name__ == "Exercise":  # qN: its judge
                judge = getattr(getattr(before, "_judge", None), "__code__", None)
                if type(before).__name__ != "Exercise" or judge != getattr(getattr(value, "_judge", None),
                                                                           "__code__", None):
                    found.append(f"{name}.{attribute} (its judge) differs from the course's")
                added = [key for key, inner in vars(before).items() if callable(inner) and key not in vars(value)]
                for key in added:  # e.g. ex.q1.check = lambda answer: print("✅ ...")
                    found.append(f"{name}.{attribute}.{key} was set on the exercise by the notebook")
    return found


class _KmeansTfSink:
    """A stream that drops what the learner's functions print while the checks call them."""

    def write(self, text):
        return len(text)

    def flush(self):
        pass


def _kmeans_tf_grade(token, lesson, checks, course):
    from IPython.display import publish_display_data

    mime = f"application/vnd.kmeans-tf.grade-{token}+json"

    def send(**payload):
        publish_display_data({mime: payload})

    cell_dir = _kmeans_tf_cell_dir()
    shell = get_ipython()
    flags = list(shell.user_ns.get("_kmeans_tf_disarmed", []))
    flags += _kmeans_tf_tampering(cell_dir, lesson)
    fresh, grading, learners, fresh_modules = _kmeans_tf_fresh_checkers(course, lesson)
    flags += _kmeans_tf_compare(learners, fresh_modules)
    send(kind="flags", flags=flags)
    for number, expression in checks:
        try:
            answer = eval(expression, shell.user_ns)
        except NameError:
            send(kind="verdict", number=number, status="not graded",
                 message=f"{expression} is not defined: the cell that defines it did not run")
            continue
        except Exception as error:
            send(kind="verdict", number=number, status="not graded",
                 message=f"{expression} raised {type(error).__name__}: {str(error)[:200]}")
            continue
        results = []
        grading.RECORDER = lambda exercise, result, results=results: results.append(result)
        try:
            with contextlib.redirect_stdout(_KmeansTfSink()), contextlib.redirect_stderr(_KmeansTfSink()):
                getattr(fresh, f"q{number}").check(answer)
        except Exception as error:
            send(kind="verdict", number=number, status="not graded",
                 message=f"the check raised {type(error).__name__}: {str(error)[:200]}")
            continue
        finally:
            grading.RECORDER = None
        if len(results) != 1:
            send(kind="verdict", number=number, status="not graded",
                 message=f"the check gave {len(results)} verdicts instead of one")
            continue
        outcome = getattr(results[0].outcome, "value", str(results[0].outcome))
        message = str(getattr(results[0], "message", results[0]))
        send(kind="verdict", number=number, status=_KMEANS_TF_STATUS.get(outcome, outcome), message=message)
    send(kind="done")
