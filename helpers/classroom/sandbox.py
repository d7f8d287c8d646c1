"""How a learner's kernel is started: in a bubblewrap sandbox when one works, with a memory bound.

Inside the sandbox (``bwrap``, Debian package ``bubblewrap``) the kernel has no capabilities
(so it cannot unmount what hides a folder, even as root), sees the whole file system
read-only, an empty ``/tmp``, no network, its own process namespace (everything it starts
dies with it), and none of: the teacher's checkout (only its ``.venv``, read-only),
the returned folder, the report folder, or other notebooks' scratch folders. It may write
only in its own scratch ``work/`` folder; its copy of the course code is bound read-only.

Memory: ``RLIMIT_DATA`` (private writable memory: heap, anonymous maps, thread stacks),
set in the kernel's own process before it starts. ``RLIMIT_AS`` is no use for TensorFlow:
its address space is about 2 GB before any work and its import hung under a 1.5 GB
``RLIMIT_AS`` here, while under ``RLIMIT_DATA`` a too-large NumPy array raised
``MemoryError`` and a too-large tensor ``ResourceExhaustedError``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Sets the memory bound, then becomes the kernel: `python -c LIMIT_THEN_KERNEL BYTES -f CONNECTION_FILE`.
LIMIT_THEN_KERNEL = (
    "import resource, sys\n"
    "limit = int(sys.argv.pop(1))\n"
    "resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))\n"
    "from ipykernel import kernelapp\n"
    "sys.argv[0] = 'ipykernel_launcher'\n"
    "kernelapp.launch_new_instance()\n"
)


@lru_cache(maxsize=1)
def bubblewrap() -> tuple[str | None, str]:
    """(path to a working bwrap or None, why not)."""
    path = shutil.which("bwrap")
    if path is None:
        return None, "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    probe = [path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
             "--unshare-net", "--unshare-pid", "--cap-drop", "ALL", "--die-with-parent", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"bwrap could not run: {error}"
    if done.returncode != 0:
        return None, f"bwrap is installed but cannot make a sandbox here: {done.stderr.strip()[:200]}"
    return path, ""


def kernel_command(scratch: Path, course: Path, connection_file: Path, memory_bytes: int,
                   hidden: list[Path], use_bwrap: bool = True) -> list[str]:
    """The command that starts a learner's kernel for the notebook whose scratch folder is ``scratch``.

    ``hidden`` are folders the kernel must not see (the returned folder, the report folder,
    the run's scratch root); the teacher's checkout is always hidden but for its ``.venv``.
    """
    python = [sys.executable, "-c", LIMIT_THEN_KERNEL, str(memory_bytes), "-f", str(connection_file)]
    path, _ = bubblewrap() if use_bwrap else (None, "")
    if path is None:
        return python
    command = [path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    covered = [folder.resolve() for folder in [ROOT, *hidden] if folder.is_dir()]
    for folder in covered:  # an empty folder in place of each, made read-only below
        command += ["--tmpfs", str(folder)]
    prefix = Path(sys.prefix).resolve()
    if prefix.is_relative_to(ROOT):  # the venv lives in the checkout: show it again, read-only
        command += ["--ro-bind", str(prefix), str(prefix)]
    command += ["--ro-bind", str(course), str(course),
                "--bind", str(scratch / "work"), str(scratch / "work"),
                "--bind", str(connection_file.parent), str(connection_file.parent),
                "--chdir", str(scratch / "work"),
                *[argument for folder in covered for argument in ("--remount-ro", str(folder))],
                "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                # As root, bwrap keeps every capability unless told: a kernel could then umount
                # what hides the checkout. Without any, mounts stay as set here.
                "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--"]
    return command + python
