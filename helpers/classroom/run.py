"""Run one returned notebook and grade it: ``python -m helpers.classroom.run JOB.json RESULT.json``.

The grader starts one such process per notebook, so that nothing a notebook does can stop
the others. This process stays outside the sandbox; only the kernel runs inside it
(``sandbox.py``), talking to this process over Unix sockets in a folder of its own.

1. A fresh kernel, in a fresh scratch folder with its own read-only copy of the course code.
2. The learner's code cells, one after the other, from cleared outputs, until the notebook's
   time limit (for all its cells together), an error-free end, or a dead kernel. What they
   print is counted, never read as a result; check-like lines from cells with no check call
   are flagged.
3. On a time-out the kernel is interrupted; the cell that was running is named.
4. Two cells of the grader's (``inkernel.py``): one removes and names hooks the notebook
   left, one (holding a secret made now) runs the teacher's checks on fresh checkers and
   publishes each verdict under a MIME type holding the secret. Only those count; an
   exercise with no such verdict is "not graded", with the reason.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

from helpers.classroom import sandbox

CHECK_LIKE = re.compile(r"(✅|❌|⏳)?\s*Exercise \d+, (correct|wrong|not attempted)")
INKERNEL = Path(__file__).with_name("inkernel.py")
STARTUP_SECONDS = 120.0  # a loaded machine can take a minute to import what the kernel needs
MEMORY_WORDS = ("MemoryError", "ResourceExhaustedError", "bad_alloc", "Cannot allocate memory", "out of memory")


class KernelDied(Exception):
    pass


class Kernel:
    """A kernel in its sandbox, and a client that runs code in it and gathers what it sends back."""

    def __init__(self, job: dict, scratch: Path):
        self.job = job
        connection_dir = scratch / "conn"
        connection_dir.mkdir()
        (scratch / "work").mkdir()
        self.connection_file = connection_dir / "kernel.json"
        write_connection_file(str(self.connection_file), transport="ipc", ip=str(connection_dir / "k"),
                              key=secrets.token_hex(16).encode())
        command = sandbox.kernel_command(scratch, Path(job["course"]), self.connection_file,
                                         int(job["memory_gb"] * 2**30), [Path(p) for p in job["hidden"]],
                                         use_bwrap=job["bwrap"])
        env = {key: value for key, value in os.environ.items() if not key.startswith(("JPY_", "JUPYTER_"))}
        env.update(PYTHONPATH=job["course"], HOME=str(scratch / "work"), MPLBACKEND="Agg",
                   PYTHONDONTWRITEBYTECODE="1", IPYTHONDIR=str(scratch / "work" / ".ipython"),
                   MALLOC_ARENA_MAX="2")
        self.stderr_path = scratch / "kernel-stderr.txt"
        self.process = subprocess.Popen(command, cwd=scratch / "work", env=env, start_new_session=True,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=self.stderr_path.open("wb"))
        self.client = BlockingKernelClient(connection_file=str(self.connection_file))
        self.client.load_connection_file()
        self.client.start_channels()

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if not self.alive():
                raise KernelDied(self.stderr_tail())
            msg_id = self.client.kernel_info()
            end = min(deadline, time.monotonic() + 5)
            while time.monotonic() < end:
                try:
                    reply = self.client.get_shell_msg(timeout=0.5)
                except Exception:
                    if not self.alive():
                        raise KernelDied(self.stderr_tail()) from None
                    continue
                if reply["parent_header"].get("msg_id") == msg_id:
                    # drain iopub start-up chatter
                    while True:
                        try:
                            self.client.get_iopub_msg(timeout=0.2)
                        except Exception:
                            return
        raise TimeoutError("the kernel did not start")

    def execute(self, code: str, deadline: float, keep_data: bool = False) -> dict:
        """Run ``code``; {"error": (ename, evalue) | None, "streams": str (capped), "data": [dict], "timeout": bool}."""
        msg_id = self.client.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
        outcome = {"error": None, "streams": "", "data": [], "timeout": False, "printed": 0}
        replied = idle = False
        while not (replied and idle):
            if time.monotonic() > deadline:
                outcome["timeout"] = True
                return outcome
            try:
                msg = self.client.get_iopub_msg(timeout=0.2)
            except Exception:
                msg = None
            if msg is not None and msg["parent_header"].get("msg_id") == msg_id:
                kind, content = msg["msg_type"], msg["content"]
                if kind == "stream":
                    outcome["printed"] += len(content.get("text", ""))
                    if len(outcome["streams"]) < 100_000:  # enough to spot fake check lines
                        outcome["streams"] += content.get("text", "")[:100_000]
                elif kind == "error" and outcome["error"] is None:
                    outcome["error"] = (content.get("ename", "?"), content.get("evalue", "")[:300])
                elif kind in ("display_data", "execute_result") and keep_data:  # the grader's cells only
                    outcome["data"].append(content.get("data", {}))
                elif kind == "status" and content.get("execution_state") == "idle":
                    idle = True
            while not replied:
                try:
                    reply = self.client.get_shell_msg(timeout=0)
                except Exception:
                    break
                if reply["parent_header"].get("msg_id") == msg_id:
                    replied = True
            if msg is None and not self.alive():
                raise KernelDied(self.stderr_tail())
        return outcome

    def interrupt(self) -> None:
        """Ask the kernel to interrupt its cell (a message: the kernel is not our child inside bwrap)."""
        message = self.client.session.msg("interrupt_request", content={})
        self.client.control_channel.send(message)

    def stderr_tail(self) -> str:
        try:
            return self.stderr_path.read_bytes()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self) -> None:
        try:
            self.client.stop_channels()
        except Exception:
            pass
        if self.alive():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # bwrap and, through its pid namespace, all inside
            except ProcessLookupError:
                pass
        self.process.wait()


def _first_line(source: str) -> str:
    line = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return line if len(line) <= 50 else line[:49] + "…"


def _cell_name(cell: dict) -> str:
    return f"cell {cell['index'] + 1} (`{_first_line(cell['source'])}`)"


def run_job(job: dict) -> dict:
    started = time.monotonic()
    result = {"exercises": {}, "flags": [], "notes": [], "seconds": 0.0}
    checks = job["checks"]
    scratch = Path(tempfile.mkdtemp(prefix="nb-", dir=job["scratch_root"]))
    course = scratch / "course"
    shutil.copytree(job["course_snapshot"], course)
    job = {**job, "course": str(course)}
    kernel = None
    not_graded = None  # the reason every exercise without a verdict gets
    try:
        kernel = Kernel(job, scratch)
        try:
            kernel.wait_ready(time.monotonic() + STARTUP_SECONDS)
        except KernelDied as died:
            memory = any(word in str(died) for word in MEMORY_WORDS)
            raise KernelDied("the kernel did not start" + (" (memory limit hit)" if memory else "")) from None
        deadline = time.monotonic() + job["time_limit"]
        errors = []
        for position, cell in enumerate(job["cells"]):
            try:
                outcome = kernel.execute(cell["source"], deadline)
            except KernelDied as died:
                memory = any(word in str(died) for word in MEMORY_WORDS)
                cause = f"memory limit of {job['memory_gb']:g} GB hit" if memory else "the kernel died"
                not_graded = f"{cause} in {_cell_name(cell)}"
                result["notes"].append(not_graded)
                break
            if outcome["timeout"]:
                left = len(job["cells"]) - position - 1
                note = f"time limit of {job['time_limit']:g} s hit in {_cell_name(cell)}"
                result["notes"].append(note + (f"; the {left} code cell(s) after it did not run" if left else ""))
                kernel.interrupt()
                settle = kernel.execute("pass", time.monotonic() + 10)
                if settle["timeout"]:
                    not_graded = note + " and the kernel could not be interrupted"
                    result["notes"][-1] = not_graded  # said once, not once per exercise and again as a note
                    break
                break
            if outcome["error"]:
                ename, evalue = outcome["error"]
                if ename == "MemoryError" or "ResourceExhaustedError" in ename or "OOM when allocating" in evalue:
                    errors.append(f"memory limit of {job['memory_gb']:g} GB hit in {_cell_name(cell)} ({ename})")
                else:
                    errors.append(f"{_cell_name(cell)} raised {ename}: {evalue}"[:300])
            if CHECK_LIKE.search(outcome["streams"]) and not re.search(r"\bex\.q\d+\.check\(", cell["source"]):
                result["flags"].append(f"{_cell_name(cell)} printed a check-like line without calling a check")
        if errors:
            result["notes"].append(errors[0] + (f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""))
        if not_graded is None:
            not_graded = _grade_in_kernel(kernel, job, checks, result)
    except KernelDied as died:
        not_graded = str(died) if str(died).startswith("the kernel") else "the kernel died"
        result["notes"].append(not_graded)
    except Exception as error:  # the grader's own failure: say so, never a verdict
        not_graded = f"the grader failed: {type(error).__name__}: {error}"[:300]
        result["notes"].append(not_graded)
    finally:
        if kernel is not None:
            kernel.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    for number, _ in checks:
        result["exercises"].setdefault(str(number), ["not graded", not_graded or "its check did not run"])
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def _grade_in_kernel(kernel: Kernel, job: dict, checks, result: dict) -> str | None:
    """Run the grader's two cells; fill result's exercises and flags; the reason for any left ungraded."""
    deadline = time.monotonic() + job["check_limit"]
    disarm = kernel.execute(INKERNEL.read_text() + "\n_kmeans_tf_disarm()\n", deadline)
    if disarm["timeout"] or disarm["error"]:
        reason = "timed out" if disarm["timeout"] else f"raised {disarm['error'][0]}: {disarm['error'][1]}"
        result["flags"].append(f"the grader's first cell {reason}: something in the notebook interfered")
        return f"the grader's first cell {reason}"
    token = secrets.token_hex(16)  # made now: no learner cell has run since
    call = f"_kmeans_tf_grade({token!r}, {job['lesson']!r}, {json.dumps(checks)}, {job['course']!r})\n"
    graded = kernel.execute(call, deadline, keep_data=True)
    mime = f"application/vnd.kmeans-tf.grade-{token}+json"
    payloads = [data[mime] for data in graded["data"] if mime in data]
    verdicts = {}
    for payload in payloads:
        if payload.get("kind") == "flags":
            result["flags"] += payload.get("flags", [])
        elif payload.get("kind") == "verdict":
            number = str(payload.get("number"))
            if number in verdicts:
                result["flags"].append(f"exercise {number} got two verdicts through the grader's channel: forged")
                verdicts[number] = ["not graded", "conflicting verdicts (see flags)"]
            else:
                verdicts[number] = [payload.get("status", "?"), payload.get("message", "")]
    if [p.get("kind") for p in payloads].count("done") != 1 and not graded["timeout"]:
        result["flags"].append("the grader's cell did not finish as written: something in the notebook interfered")
    result["exercises"].update(verdicts)
    if graded["timeout"]:
        kernel.interrupt()
        return f"its check hit the grader's time limit of {job['check_limit']:g} s"
    if graded["error"]:
        return f"the grader's cell raised {graded['error'][0]}: {graded['error'][1]}"[:300]
    return None


def main(argv=None) -> None:
    job_path, result_path = (argv or sys.argv[1:])[:2]
    job = json.loads(Path(job_path).read_text())
    result = run_job(job)
    Path(result_path).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
