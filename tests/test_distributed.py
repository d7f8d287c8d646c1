"""helpers.distributed: Lloyd under tf.distribute gives the single-process kmeans from the same
start, over two logical CPUs and over two worker processes; bad input fails clearly; worker
processes are always stopped.

Tolerance: centroids within 1e-5 of the data's largest absolute value (float32 round-off:
the sums are added in another order, and in float64), the same iterations and cluster sizes.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from helpers import distributed as dist
from helpers.functions import kmeans

ROOT = Path(__file__).resolve().parents[1]


def blobs(n=3000, d=3, k=4, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, (k, d))
    return (centres[rng.integers(0, k, n)] + rng.normal(0, 2.0, (n, d))).astype(dtype)


def assert_same_as_kmeans(result, samples, init):
    memory = kmeans(samples, len(init), init=init, tol=0)
    assert np.abs(np.asarray(result["centroids"]) - memory.centroids).max() <= 1e-5 * np.abs(samples).max()
    assert result["n_iter"] == memory.n_iter
    assert list(result["counts"]) == np.bincount(memory.labels, minlength=len(init)).tolist()


def test_one_replica_is_the_in_memory_kmeans():
    x = blobs(seed=1)
    result = dist.distributed_kmeans(tf.distribute.get_strategy(), lambda replica, n: x, x[:4], tol=0)
    assert result.n_replicas == 1 and result.centroids.dtype == np.float32
    assert_same_as_kmeans({"centroids": result.centroids, "n_iter": result.n_iter, "counts": result.counts}, x, x[:4])


def test_float64_shards_stay_float64_and_follow_numpy():
    x = blobs(1000, 2, 3, seed=2, dtype=np.float64)
    result = dist.distributed_kmeans(tf.distribute.get_strategy(), lambda replica, n: x, x[:3], max_iter=5, tol=0)
    assert result.centroids.dtype == np.float64
    c = x[:3].copy()
    for _ in range(result.n_iter):
        labels = ((x[:, None] - c[None]) ** 2).sum(axis=2).argmin(axis=1)
        c = np.array([x[labels == j].mean(axis=0) if (labels == j).any() else c[j] for j in range(3)])
    np.testing.assert_allclose(result.centroids, c, atol=1e-10)


MIRRORED = textwrap.dedent("""
    import json, sys
    import numpy as np
    from helpers import distributed as dist
    devices = dist.logical_cpus(2)  # before helpers.functions starts the runtime
    from helpers.functions import kmeans  # noqa: F401  (imported after, as a lesson does)
    import tensorflow as tf
    rng = np.random.default_rng(0)
    centres = rng.uniform(-10, 10, (4, 3))
    x = (centres[rng.integers(0, 4, 3000)] + rng.normal(0, 2.0, (3000, 3))).astype(np.float32)
    shards = [x[:700], x[700:]]  # uneven on purpose
    strategy = tf.distribute.MirroredStrategy(devices)
    result = dist.distributed_kmeans(strategy, lambda replica, n: shards[replica], x[:4], tol=0)
    print(json.dumps({"devices": devices, "n_replicas": result.n_replicas, "centroids": result.centroids.tolist(),
                      "n_iter": result.n_iter, "counts": result.counts.tolist()}))
""")


def test_mirrored_strategy_over_two_logical_cpus():
    """In a fresh process: the devices must be split before TensorFlow's runtime starts."""
    done = subprocess.run([sys.executable, "-c", MIRRORED], cwd=ROOT, capture_output=True, text=True, timeout=240,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.strip() == "", done.stderr[-2000:]  # no TensorFlow start-up noise
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["n_replicas"] == 2 and len(result["devices"]) == 2
    rng = np.random.default_rng(0)
    centres = rng.uniform(-10, 10, (4, 3))
    x = (centres[rng.integers(0, 4, 3000)] + rng.normal(0, 2.0, (3000, 3))).astype(np.float32)
    assert_same_as_kmeans(result, x, x[:4])


def test_two_worker_processes_give_the_single_process_result(tmp_path):
    x = blobs(3000, 3, 4, seed=3)
    paths = [tmp_path / "a.npy", tmp_path / "b.npy"]
    np.save(paths[0], x[:1800])
    np.save(paths[1], x[1800:])
    results = dist.run_workers(paths, x[:4], tol=0, timeout=300)
    assert len(results) == 2
    np.testing.assert_array_equal(results[0]["centroids"], results[1]["centroids"])  # the same on every worker
    assert results[0]["n_replicas"] == 2
    for result in results:
        assert_same_as_kmeans(result, x, x[:4])


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_workers_are_stopped_when_they_run_out_of_time(tmp_path, monkeypatch):
    started = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        process = real_popen(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(dist.subprocess, "Popen", recording_popen)
    x = blobs(200, 2, 2, seed=4)
    for name in ("a.npy", "b.npy"):
        np.save(tmp_path / name, x)
    with pytest.raises(dist.WorkerError, match="did not finish within 1 s"):
        dist.run_workers([tmp_path / "a.npy", tmp_path / "b.npy"], x[:2], timeout=1)
    assert len(started) == 2
    assert all(p.returncode is not None for p in started) and not any(_alive(p.pid) for p in started)


def test_a_failing_worker_stops_the_others_and_says_why(tmp_path):
    x = blobs(200, 2, 2, seed=5)
    np.save(tmp_path / "a.npy", x)
    bad = x.copy()
    bad[3, 1] = np.nan
    np.save(tmp_path / "b.npy", bad)
    with pytest.raises(dist.WorkerError, match="NaN") as raised:
        dist.run_workers([tmp_path / "a.npy", tmp_path / "b.npy"], x[:2], timeout=300)
    assert "worker" in str(raised.value)


def test_logical_cpus_after_the_runtime_started_says_what_to_do():
    assert tf.config.list_logical_devices("CPU")  # the runtime runs (conftest imported helpers.functions)
    with pytest.raises(RuntimeError, match="before importing helpers.functions"):
        dist.logical_cpus(3)


@pytest.mark.parametrize("shard_fn, init, kwargs, error, message", [
    (lambda r, n: np.array([[1.0, np.nan], [0.0, 0.0]]), np.zeros((1, 2)), {}, ValueError, "contains NaN"),
    (lambda r, n: np.zeros((4, 3)), np.zeros((1, 2)), {}, ValueError, "n_features=3 but init has n_features=2"),
    (lambda r, n: np.zeros(4), np.zeros((1, 1)), {}, ValueError, "should be a 2-D array"),
    (lambda r, n: np.array([["a"]]), np.zeros((1, 1)), {}, TypeError, "should hold numbers"),
    (lambda r, n: np.zeros((2, 2)), np.zeros((3, 2)), {}, ValueError, "n_clusters=3 should be <= n_samples=2"),
    (lambda r, n: np.zeros((4, 2)), np.zeros((2,)), {}, ValueError, "init should be a finite (n_clusters, n_features)"),
    (lambda r, n: np.zeros((4, 2)), np.zeros((1, 2)), {"max_iter": 0}, ValueError, "max_iter=0 should be >= 1"),
    (lambda r, n: np.zeros((4, 2)), np.zeros((1, 2)), {"tol": -1}, ValueError, "tol=-1 should be a finite number"),
    ("not a function", np.zeros((1, 2)), {}, TypeError, "shard_fn should be a function"),
])
def test_bad_input_fails_clearly(shard_fn, init, kwargs, error, message):
    with pytest.raises(error) as raised:
        dist.distributed_kmeans(tf.distribute.get_strategy(), shard_fn, init, **kwargs)
    assert message in str(raised.value)


def test_allreduce_bytes():
    # k=10, d=784, float64: (7840 + 10) * 8 bytes of payload; a ring sends 2 (r-1)/r of it
    assert dist.allreduce_bytes(10, 784, 2) == pytest.approx(7850 * 8)
    assert dist.allreduce_bytes(10, 784, 1) == 0
    assert dist.allreduce_bytes(10, 784, 1000) == pytest.approx(2 * 999 / 1000 * 7850 * 8)


def _running(pid):
    """Alive and not a zombie (an orphan's exit is reaped by whoever adopted it, maybe late)."""
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return _alive(pid)
    return "\nState:\tZ" not in state


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to see process states")
def test_a_worker_whose_parent_dies_exits_by_itself(tmp_path):
    """A kernel killed from outside runs no `finally`; its workers must not wait for ever."""
    x = blobs(100, 2, 2, seed=6)
    np.save(tmp_path / "a.npy", x)
    np.save(tmp_path / "init.npy", x[:2])
    tf_config = json.dumps({"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}, "task": {"type": "worker",
                                                                                             "index": 0}})
    launcher = textwrap.dedent(f"""
        import os, subprocess, sys
        worker = subprocess.Popen([sys.executable, "-m", "helpers.distributed", {str(tmp_path / "a.npy")!r},
                                   {str(tmp_path / "init.npy")!r}, {str(tmp_path / "out.json")!r}, "5", "0.0"],
                                  env=dict(os.environ, TF_CONFIG={tf_config!r}, KMEANS_TF_PARENT_PID=str(os.getpid())),
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        print(worker.pid, flush=True)
        os._exit(0)  # the parent dies without stopping its worker (the peer never comes)
    """)
    done = subprocess.run([sys.executable, "-c", launcher], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    pid = int(done.stdout.strip())
    import time

    deadline = time.monotonic() + 180
    try:
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _running(pid), "the orphaned worker is still running"
    finally:
        if _running(pid):
            os.kill(pid, 9)


@pytest.mark.parametrize("kwargs, error, rule", [
    ({"max_iter": [0] * 10**6}, TypeError, "should be an integer; got list."),
    ({"max_iter": "9" * 100_000}, TypeError, "should be an integer; got str."),
    ({"tol": [0.0] * 10**6}, ValueError, "should be a finite number >= 0; got list."),
    ({"tol": "1" * 100_000}, ValueError, "should be a finite number >= 0; got str."),
])
def test_a_huge_value_is_shortened_in_the_message(kwargs, error, rule):
    with pytest.raises(error) as raised:
        dist.distributed_kmeans(tf.distribute.get_strategy(), lambda r, n: np.zeros((4, 2)), np.zeros((1, 2)),
                                **kwargs)
    message = str(raised.value)
    assert len(message) < 500 and message.endswith(rule) and message.startswith(f"{next(iter(kwargs))}="), message


def test_a_bad_logical_cpus_argument_leaves_the_runtime_unstarted():
    # The message's shortening must not import helpers.functions (that starts the runtime): after a wrong
    # argument, logical_cpus with a right one still works. A fresh process, as the runtime here already runs.
    code = ("from helpers import distributed as d\n"
            "try:\n    d.logical_cpus('2' * 100_000)\nexcept TypeError as error:\n    print(len(str(error)))\n"
            "print(len(d.logical_cpus(2)))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    length, devices = done.stdout.split()
    assert int(length) < 500 and devices == "2"
