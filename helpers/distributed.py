"""k-means on more than one device or machine, with ``tf.distribute``.

Taught in ``lessons/11_more_than_one_machine.ipynb``. Lloyd's algorithm distributes well:
every replica reduces its own shard of the samples to (k, d) sums and k counts, one
all-reduce adds those up across replicas, and every replica then computes the same new
centroids. :func:`distributed_kmeans` runs that loop under any ``tf.distribute`` strategy:
``MirroredStrategy`` over devices of one process, or ``MultiWorkerMirroredStrategy`` over
processes (machines) that each run the same program.

Promises as ``helpers.functions.kmeans``: the data are centred by the float64 column mean
(itself one all-reduce of per-shard sums and counts) before the distance expansion; float32
shards are computed in float32, float64 shards in float64; sums and counts are all-reduced
in float64; bad input fails with a ValueError naming the value and the rule.

Devices of one process: :func:`logical_cpus` splits the CPU into logical devices, and must
run before TensorFlow's runtime starts. Importing ``helpers.functions`` starts it (its quiet
import runs one op), so call ``logical_cpus`` first. This module imports TensorFlow without
running any op.

Processes: :func:`run_workers` starts worker processes on 127.0.0.1 with ``TF_CONFIG`` and
free ports, waits for them with a time limit, and always stops them, also when the caller
is interrupted or a worker fails.
"""

from __future__ import annotations

import contextlib
import json
import math
import numbers
import os
import reprlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The quiet import of helpers._quiet without its first op (which would fix the devices).
from helpers._tf_import import _native_stderr_silenced, tf  # noqa: E402

__all__ = ["DistributedKMeansResult", "allreduce_bytes", "distributed_kmeans", "logical_cpus", "run_workers"]

_MAX_SQUARED_LENGTH = 1e37


# --------------------------------------------------------------------------- devices


def logical_cpus(n):
    """Split the CPU into ``n`` logical devices (``/cpu:0`` ... ``/cpu:{n-1}``) and start the runtime.

    Must run before any TensorFlow op, in particular before ``import helpers.functions``.
    Calling it again with the same ``n`` does nothing.

    Returns
    -------
    list of str: the logical device names.
    """
    n = _check_int("n", n, minimum=1)
    with _native_stderr_silenced():  # device probing prints CUDA notices on a machine without a GPU
        cpu = tf.config.list_physical_devices("CPU")[0]
        current = tf.config.get_logical_device_configuration(cpu)
    if current is None or len(current) != n:
        try:
            with _native_stderr_silenced():
                tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
        except RuntimeError:
            have = len(tf.config.list_logical_devices("CPU"))
            raise RuntimeError(
                f"logical_cpus({n}): TensorFlow's runtime already started with {have} CPU device(s); devices can "
                "only be split before the first op. Call logical_cpus first, before importing helpers.functions, "
                "in a fresh kernel (Kernel > Restart)."
            ) from None
    with _native_stderr_silenced():
        tf.constant(0.0)  # starts the runtime now, while its notices are hidden
    return [d.name for d in tf.config.list_logical_devices("CPU")]


# --------------------------------------------------------------------------- checks


# A value as a message shows it: at most a few dozen characters, never a million-entry list whole. Not
# helpers.functions._short: importing helpers.functions starts TensorFlow's runtime, and logical_cpus (which
# these checks guard) must run before that. reprlib is the standard library's bounded repr.
_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 40
_shown = _repr.repr


def _check_int(name, value, *, minimum=None, maximum=None):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}={_shown(value)} should be an integer; got {type(value).__name__}.")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value} should be >= {minimum}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value} should be <= {maximum}.")
    return value


def _check_shard(shard, index):
    if isinstance(shard, (tf.Tensor, tf.Variable)):
        shard = shard.numpy()
    try:
        shard = np.asarray(shard)
    except ValueError as error:
        raise ValueError(f"shard {index} should be a rectangular array; got a ragged sequence ({error}).") from None
    if shard.dtype.kind not in "iuf":
        raise TypeError(f"shard {index} should hold numbers (int or float); got dtype {shard.dtype}.")
    if shard.ndim != 2:
        raise ValueError(f"shard {index} should be a 2-D array (n_samples, n_features); got shape {shard.shape}.")
    if shard.shape[1] == 0:
        raise ValueError(f"shard {index} has 0 features (shape={shard.shape}); at least 1 is required.")
    if shard.dtype.kind == "f" and not np.isfinite(shard).all():
        raise ValueError(f"shard {index} contains NaN or infinite values; every value should be a finite number.")
    dtype = np.float32 if shard.dtype == np.float32 else np.float64
    if dtype == np.float32 and len(shard):
        longest = float(np.square(shard.astype(np.float64)).sum(axis=1).max())
        if not longest < _MAX_SQUARED_LENGTH:
            raise ValueError(f"shard {index} has a row whose squared length is {longest:.3g}; it should be below "
                             f"{_MAX_SQUARED_LENGTH:.0e}, or squared distances overflow float32. Rescale the data.")
    return shard.astype(dtype, copy=False)


# --------------------------------------------------------------------------- the algorithm


@dataclass(frozen=True, repr=False)
class DistributedKMeansResult:
    """What :func:`distributed_kmeans` found (the same on every worker).

    Attributes
    ----------
    centroids : np.ndarray of shape (k, d), float32 for float32 shards, else float64
    counts : np.ndarray of shape (k,), int64
        Samples nearest to each final centroid, over all shards.
    inertia : float
        Over all shards, for the final centroids (by the expansion on centred data).
    n_iter : int
    converged : bool
    n_replicas : int
    allreduce_seconds, compute_seconds : float
        Time spent in the all-reduces and in the replicas' own work (this worker's view).
    """

    centroids: np.ndarray
    counts: np.ndarray
    inertia: float
    n_iter: int
    converged: bool
    n_replicas: int
    allreduce_seconds: float
    compute_seconds: float

    def __repr__(self):
        k, d = self.centroids.shape
        return (f"DistributedKMeansResult(n_clusters={k}, n_features={d}, inertia={self.inertia:.6g}, "
                f"n_iter={self.n_iter}, converged={self.converged}, n_replicas={self.n_replicas})")


def _local_stats(shard, mean, centroids):
    """One replica's share of a Lloyd iteration: (k, d) sums and k counts (float64) and the inertia."""
    dtype = shard.dtype
    n_clusters = tf.shape(centroids)[0]
    x = tf.cast(tf.cast(shard, tf.float64) - mean, dtype)  # centred by the global float64 mean
    c = tf.cast(centroids, dtype)
    partial = tf.matmul(x, -2.0 * c, transpose_b=True) + tf.reduce_sum(tf.square(c), axis=1)
    labels = tf.argmin(partial, axis=1, output_type=tf.int32)
    nearest = tf.reduce_min(partial, axis=1)
    inertia = tf.reduce_sum(tf.maximum(tf.reduce_sum(tf.square(x), axis=1) + nearest, 0.0))
    sums = tf.cast(tf.math.unsorted_segment_sum(x, labels, n_clusters), tf.float64)
    counts = tf.math.unsorted_segment_sum(tf.ones_like(nearest, tf.float64), labels, n_clusters)
    # One flat vector, so that one all-reduce carries everything: k*d sums, k counts, the inertia.
    return tf.concat([tf.reshape(sums, [-1]), counts, [tf.cast(inertia, tf.float64)]], axis=0)


def _unpack(flat, n_clusters, n_features):
    flat = np.asarray(flat)
    kd = n_clusters * n_features
    return flat[:kd].reshape(n_clusters, n_features), flat[kd : kd + n_clusters], float(flat[-1])


def _local_moments(shard):
    x = tf.cast(shard, tf.float64)
    return tf.concat([tf.reduce_sum(x, axis=0), [tf.cast(tf.shape(x)[0], tf.float64)]], axis=0)


def _local_square_deviations(shard, mean):
    return tf.reduce_sum(tf.square(tf.cast(shard, tf.float64) - mean), axis=0)


def distributed_kmeans(strategy, shard_fn, init, *, max_iter=300, tol=1e-4):
    """Lloyd's k-means with one all-reduce of sums and counts per iteration.

    Taught in ``lessons/11_more_than_one_machine.ipynb``.

    Parameters
    ----------
    strategy : tf.distribute.Strategy
        ``MirroredStrategy`` (devices of this process), ``MultiWorkerMirroredStrategy``
        (every worker runs this same call), or the default strategy (one replica).
    shard_fn : callable(replica_id, n_replicas) -> array-like of shape (n_i, d)
        The samples of one replica; called once per local replica, on the worker that runs it.
        Shards may differ in size (even be empty) but not in d or dtype.
    init : array-like of shape (k, d)
        The same start on every worker.
    max_iter : int >= 1, keyword-only
    tol : float >= 0, keyword-only
        As ``kmeans``: stop when the centroids move less than ``tol`` times the mean feature
        variance (total squared distance).

    Returns
    -------
    DistributedKMeansResult
    """
    max_iter = _check_int("max_iter", max_iter, minimum=1)
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, numbers.Real) or not math.isfinite(tol) or tol < 0:
        raise ValueError(f"tol={_shown(tol)} should be a finite number >= 0; got {type(tol).__name__}.")
    if not callable(shard_fn):
        raise TypeError(f"shard_fn should be a function (replica_id, n_replicas) -> array; got "
                        f"{type(shard_fn).__name__}.")
    start = np.asarray(init.numpy() if hasattr(init, "numpy") else init)
    if start.dtype.kind not in "iuf" or start.ndim != 2 or not np.isfinite(start).all() or start.shape[0] < 1:
        raise ValueError(f"init should be a finite (n_clusters, n_features) array of numbers; got shape "
                         f"{start.shape}, dtype {start.dtype}.")
    n_replicas = strategy.num_replicas_in_sync
    seen = {}

    def value_fn(context):
        replica = context.replica_id_in_sync_group
        shard = _check_shard(shard_fn(replica, n_replicas), replica)
        if shard.shape[1] != start.shape[1]:
            raise ValueError(f"shard {replica} has n_features={shard.shape[1]} but init has "
                             f"n_features={start.shape[1]}; they should be equal.")
        seen[replica] = shard.dtype
        return tf.constant(shard)

    shards = strategy.experimental_distribute_values_from_function(value_fn)
    dtype = next(iter(seen.values()))
    if any(d != dtype for d in seen.values()):
        raise ValueError(f"shards hold different dtypes ({sorted({str(d) for d in seen.values()})}); they should "
                         "all be the same.")
    moments = tf.function(lambda s: strategy.run(_local_moments, args=(s,)))
    deviations = tf.function(lambda s, m: strategy.run(_local_square_deviations, args=(s, m)))
    total = strategy.reduce(tf.distribute.ReduceOp.SUM, moments(shards), axis=None).numpy()
    n_samples = float(total[-1])
    if n_samples < start.shape[0]:
        raise ValueError(f"n_clusters={start.shape[0]} should be <= n_samples={int(n_samples)} (all shards).")
    mean = tf.constant(total[:-1] / n_samples)
    square_deviations = strategy.reduce(tf.distribute.ReduceOp.SUM,
                                        deviations(shards, mean), axis=None)
    scaled_tol = tol * float(tf.reduce_mean(square_deviations)) / n_samples
    centroids = start.astype(np.float64) - mean.numpy()
    step = tf.function(lambda s, m, c: strategy.run(_local_stats, args=(s, m, c)))
    allreduce_seconds = compute_seconds = 0.0
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (n_iter is read after the loop)
        clock = time.perf_counter()
        local = step(shards, mean, tf.constant(centroids))
        [t.numpy() for t in strategy.experimental_local_results(local)]  # wait for the replicas' work
        compute_seconds += time.perf_counter() - clock
        clock = time.perf_counter()
        sums, counts, _ = _unpack(strategy.reduce(tf.distribute.ReduceOp.SUM, local, axis=None), *start.shape)
        allreduce_seconds += time.perf_counter() - clock
        updated = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1.0)[:, None], centroids)
        if dtype == np.float32:  # kmeans keeps float32 centroids between iterations
            updated = updated.astype(np.float32).astype(np.float64)
        shift = float(np.sum(np.square(updated - centroids)))
        centroids = updated
        if shift <= scaled_tol:
            converged = True
            break
    _, counts, inertia = _unpack(strategy.reduce(tf.distribute.ReduceOp.SUM, step(shards, mean,
                                                                                tf.constant(centroids)), axis=None),
                                 *start.shape)
    return DistributedKMeansResult(
        centroids=(centroids + mean.numpy()).astype(dtype),
        counts=np.rint(counts).astype(np.int64),
        inertia=float(inertia),
        n_iter=n_iter,
        converged=converged,
        n_replicas=n_replicas,
        allreduce_seconds=allreduce_seconds,
        compute_seconds=compute_seconds,
    )


def allreduce_bytes(n_clusters, n_features, n_replicas, *, itemsize=8):
    """Bytes each replica sends per iteration in a ring all-reduce of (k, d) sums and k counts:
    2 (r - 1) / r times the payload (scatter-reduce, then all-gather)."""
    payload = (n_clusters * n_features + n_clusters) * itemsize
    return 2 * (n_replicas - 1) / n_replicas * payload


# --------------------------------------------------------------------------- worker processes


def _free_ports(n):
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class WorkerError(RuntimeError):
    """A worker process failed or ran out of time; its output is in the message."""


def run_workers(shard_paths, init, *, max_iter=300, tol=1e-4, timeout=120.0):
    """Run :func:`distributed_kmeans` under ``MultiWorkerMirroredStrategy`` in one worker process
    per shard file, on 127.0.0.1, and return every worker's result.

    Each worker gets ``TF_CONFIG`` naming all workers (free ports) and its own index, reads only
    its own ``.npy`` file, and writes its result to a temporary folder. The processes are always
    stopped when this function returns or raises (also on KeyboardInterrupt): a worker still
    running then is terminated, and killed if it does not stop within 5 s. A worker whose parent
    process dies (a kernel killed from outside, which runs no ``finally``) exits by itself.

    Returns
    -------
    list of dict, one per worker: ``centroids``, ``counts``, ``inertia``, ``n_iter``, ``converged``,
    ``allreduce_seconds``, ``compute_seconds``, ``seconds`` (the worker's whole run, TensorFlow's
    start included).
    """
    paths = [str(Path(p).resolve()) for p in shard_paths]
    if len(paths) < 1:
        raise ValueError("shard_paths is empty; at least 1 file is required.")
    timeout = float(timeout)
    ports = _free_ports(len(paths))
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    processes = []
    with tempfile.TemporaryDirectory(prefix="kmeans-tf-workers-") as scratch:
        scratch = Path(scratch)
        np.save(scratch / "init.npy", np.asarray(init))
        try:
            for index, path in enumerate(paths):
                env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker",
                                                                                          "index": index}}))
                env["KMEANS_TF_PARENT_PID"] = str(os.getpid())
                env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                     env.get("PYTHONPATH", "")]).strip(os.pathsep)
                command = [sys.executable, "-m", "helpers.distributed", path, str(scratch / "init.npy"),
                           str(scratch / f"result-{index}.json"), str(max_iter), repr(float(tol))]
                log = open(scratch / f"log-{index}.txt", "w")  # noqa: SIM115 (closed with the process below)
                processes.append((subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                                   start_new_session=True), log))
            deadline = time.monotonic() + timeout
            while any(p.poll() is None for p, _ in processes):
                failed = [i for i, (p, _) in enumerate(processes) if p.poll() not in (None, 0)]
                if failed:
                    raise WorkerError(f"worker {failed[0]} exited with code {processes[failed[0]][0].returncode}:\n"
                                      + _tail(scratch / f"log-{failed[0]}.txt"))
                if time.monotonic() > deadline:
                    raise WorkerError(f"the workers did not finish within {timeout:.0f} s; stopped them.\n"
                                      + _tail(scratch / "log-0.txt"))
                time.sleep(0.05)
            failed = [i for i, (p, _) in enumerate(processes) if p.returncode != 0]
            if failed:
                raise WorkerError(f"worker {failed[0]} exited with code {processes[failed[0]][0].returncode}:\n"
                                  + _tail(scratch / f"log-{failed[0]}.txt"))
            results = []
            for index in range(len(paths)):
                result = json.loads((scratch / f"result-{index}.json").read_text())
                result["centroids"] = np.array(result["centroids"], dtype=result.pop("dtype"))
                result["counts"] = np.array(result["counts"], np.int64)
                results.append(result)
            return results
        finally:
            _stop(processes)


def _stop(processes):
    for process, _ in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process, log in processes:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _tail(path, lines=15):
    try:
        return "\n".join(Path(path).read_text().splitlines()[-lines:])
    except OSError:
        return "(no output)"


def _exit_with_parent():
    """A worker outlives nothing: if the process that started it dies (a killed kernel, say), it exits.

    On Linux the kernel itself delivers SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``):
    a Python thread could not do it, as TensorFlow's cluster set-up waits for its peers without
    releasing Python's lock. Elsewhere a thread watches the parent.
    """
    # The pid of the process that started us, as it told us: if it died before this line ran,
    # getppid() already names whoever adopted us, and comparing with it would never fire.
    parent = int(os.environ.get("KMEANS_TF_PARENT_PID") or os.getppid())
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        watched = libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        watched = False
    if os.getppid() != parent:  # it died already
        os._exit(3)
    if watched:
        return
    import threading

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def _worker_main(argv):
    """``python -m helpers.distributed SHARD INIT OUT MAX_ITER TOL``, with TF_CONFIG set."""
    began = time.perf_counter()
    shard_path, init_path, out_path, max_iter, tol = argv
    _exit_with_parent()
    with _native_stderr_silenced():
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    shard = np.load(shard_path)
    result = distributed_kmeans(strategy, lambda replica, n: shard, np.load(init_path), max_iter=int(max_iter),
                                tol=float(tol))
    Path(out_path).write_text(json.dumps({
        "centroids": result.centroids.tolist(), "dtype": str(result.centroids.dtype),
        "counts": result.counts.tolist(), "inertia": result.inertia, "n_iter": result.n_iter,
        "converged": result.converged, "n_replicas": result.n_replicas,
        "allreduce_seconds": result.allreduce_seconds, "compute_seconds": result.compute_seconds,
        "seconds": time.perf_counter() - began,
    }))


if __name__ == "__main__":
    _worker_main(sys.argv[1:])
