"""How fast is ``helpers.functions.kmeans``? Ratios against scikit-learn, in one run.

Run it with ``make benchmark`` (or ``.venv/bin/python -m helpers.benchmark``; add
``--quick`` to skip the two large data sets). For every data set it runs, each in a fresh
process so that memory is measured cleanly:

- ``helpers.functions.kmeans`` (the compiled Lloyd loop),
- scikit-learn's ``KMeans(algorithm="lloyd")``,

from the same explicit start, for the same number of iterations (``tol=0``, so both stop
only when no label changes or at ``max_iter``), and two floors: the time to read X once
(``np.sum``), which no iteration can beat, and the time of the distance product X·Cᵀ
(2·n·d·k flops) at this machine's peak matrix-multiply rate, measured first on a large
``tf.matmul``. It prints milliseconds per iteration (the whole fit divided by its
iterations, so start-up costs count too), the ratios, both inertias (they must agree) and
the peak memory the first fit added on top of its data (for kmeans that includes tracing
and XLA's compiling; later fits add almost nothing).

A second table is the user's view: a fit with default arguments, ``kmeans(X, k, seed=s)``
against ``KMeans(k, random_state=s).fit(X)`` (k-means++ start, ``tol=1e-4``), end to end:
the median over ``--seeds`` seeds of the time to result, of the inertia and of the
iterations, from the second call on, and seed by seed how often the course's inertia is
lower, the same or higher; the first call of a fresh process (tracing and XLA's compiling)
is shown apart.
Times are the best of ``--repeat`` fits after that warm-up fit, in each of ``--processes``
fresh processes per method, taken in turns (floor, scikit-learn, kmeans, scikit-learn,
kmeans, ...): on a shared machine a few seconds of someone else's load can slow one process
by a third, and the best of two such processes rarely both suffer. Memory is the largest of
the processes'.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time

DATASETS = {
    # name: (n_samples, n_features, n_clusters, max_iter)
    "blobs 1500×2, k=3": (1_500, 2, 3, 100),
    "digits 1797×64, k=10": (1_797, 64, 10, 100),
    "MNIST-shaped 70000×784, k=10": (70_000, 784, 10, 20),
    "large 1000000×32, k=64": (1_000_000, 32, 64, 20),
}
QUICK = ["blobs 1500×2, k=3", "digits 1797×64, k=10"]


def make_data(name):
    """The data set and its start, the same in every process."""
    import numpy as np

    from helpers.functions import create_samples, load_digits

    n, d, k, _ = DATASETS[name]
    if name.startswith("blobs"):
        samples = create_samples(3, 500, 2, 70, 700)[1].numpy()
    elif name.startswith("digits"):
        samples = load_digits()[0]
    else:  # uniform in [0, 1)^d, like pixel intensities; no clusters, so Lloyd runs to max_iter
        samples = np.random.default_rng(0).random((n, d), dtype=np.float32)
    rng = np.random.default_rng(1)
    start = samples[rng.choice(len(samples), size=k, replace=False)]
    return np.ascontiguousarray(samples, dtype=np.float32), start


def _rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _release_free_memory():
    """Hand memory that Python and NumPy have freed back to the system (glibc's malloc_trim)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:  # not glibc: the baseline may then include freed memory
        pass


class PeakMemory:
    """Peak resident memory above the level at entry, sampled every millisecond (Linux)."""

    def __enter__(self):
        _release_free_memory()  # so that memory freed before entry does not hide what the fit adds
        self.base = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.wait(0.001):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def added(self):
        return self.peak - self.base


def measure(name, method, repeat):
    """Run one method on one data set in this process; return its numbers as a dict."""
    import numpy as np

    samples, start = make_data(name)
    _, _, k, max_iter = DATASETS[name]
    if method == "floor":
        times = []
        for _ in range(repeat + 1):
            began = time.perf_counter()
            np.sum(samples)
            times.append(time.perf_counter() - began)
        return {"ms": 1000 * min(times[1:]), "n_iter": 1, "inertia": None, "memory": 0}

    if method in ("tf-default", "sklearn-default"):
        return measure_default(samples, k, method, repeat)
    if method == "tf":
        import tensorflow as tf

        from helpers.functions import kmeans

        data = tf.constant(samples)
        float(tf.reduce_sum(data[:1]))  # lets TensorFlow free its staging copy before memory is measured

        def fit():
            result = kmeans(data, k, init=start, max_iter=max_iter, tol=0)
            return result.n_iter, result.inertia
    else:
        import warnings

        from sklearn.cluster import KMeans

        def fit():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter is expected
                model = KMeans(k, init=start, n_init=1, max_iter=max_iter, tol=0, algorithm="lloyd").fit(samples)
            return model.n_iter_, float(model.inertia_)

    with PeakMemory() as memory:
        n_iter, inertia = fit()  # warm-up: tracing, thread pools
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        n_iter, inertia = fit()
        times.append(time.perf_counter() - began)
    return {"ms": 1000 * min(times) / n_iter, "n_iter": n_iter, "inertia": inertia, "memory": memory.added}


def measure_default(samples, k, method, seeds):
    """Default-argument fits, end to end, for seeds 0..seeds-1 after a first call (seed 1000)."""
    import warnings

    import numpy as np

    if method == "tf-default":
        from helpers.functions import kmeans

        def fit(seed):
            result = kmeans(samples, k, seed=seed)
            return result.n_iter, result.inertia
    else:
        from sklearn.cluster import KMeans

        def fit(seed):
            model = KMeans(k, random_state=seed).fit(samples)
            return model.n_iter_, float(model.inertia_)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter is expected on uniform data
        began = time.perf_counter()
        fit(1000)
        first = time.perf_counter() - began
        times, iterations, inertias = [], [], []
        for seed in range(seeds):
            began = time.perf_counter()
            n_iter, inertia = fit(seed)
            times.append(time.perf_counter() - began)
            iterations.append(n_iter)
            inertias.append(inertia)
    return {"ms": 1000 * float(np.median(times)), "first_ms": 1000 * first, "n_iter": float(np.median(iterations)),
            "inertia": float(np.median(inertias)), "inertias": inertias, "memory": 0}


def peak_matmul_rate():
    """This machine's float32 matrix-multiply rate in flop/s: the best of a few 2048×2048
    products in TensorFlow (what the distance product of an iteration could at best reach)."""
    import tensorflow as tf

    a = tf.random.stateless_uniform((2048, 2048), seed=(0, 0))
    float(tf.reduce_sum(tf.matmul(a, a)))  # warm-up: thread pools, oneDNN's kernel choice
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        float(tf.matmul(a, a)[0, 0])
        best = min(best, time.perf_counter() - began)
    return 2 * 2048**3 / best


def run_child(name, method, repeat):
    output = subprocess.run(
        [sys.executable, "-m", "helpers.benchmark", "--child", name, method, "--repeat", str(repeat)],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def best_of(runs):
    """One method's numbers over several processes: the fastest time, the largest memory."""
    assert len({(run["n_iter"], run["inertia"]) for run in runs}) == 1, f"processes disagree: {runs}"
    best = {**runs[0], "ms": min(run["ms"] for run in runs), "memory": max(run["memory"] for run in runs)}
    if "first_ms" in runs[0]:
        best["first_ms"] = min(run["first_ms"] for run in runs)
    return best


def describe_cpu():
    """The CPU model and its vector extensions, from /proc/cpuinfo (Linux), e.g.
    "AMD EPYC 7B13 (AVX2, no AVX-512)"."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            text = cpuinfo.read()
    except OSError:
        return platform.processor() or platform.machine()
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")),
                 platform.machine())
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    extensions = ["AVX2" if "avx2" in flags else "no AVX2", "AVX-512" if "avx512f" in flags else "no AVX-512"]
    return f"{model} ({', '.join(extensions)})"


def describe_machine():
    import numpy as np
    import sklearn
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    device = f"{len(gpus)} GPU(s): {', '.join(g.name for g in gpus)}" if gpus else "CPU only"
    return (f"{describe_cpu()}, {os.cpu_count()} cores, {device}; Python "
            f"{platform.python_version()}, TensorFlow {tf.__version__}, scikit-learn {sklearn.__version__}, "
            f"NumPy {np.__version__}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="k-means speed: helpers.functions.kmeans against scikit-learn.")
    parser.add_argument("--quick", action="store_true", help="only the two small data sets")
    parser.add_argument("--repeat", type=int, default=3, help="timed fits per process (best is kept)")
    parser.add_argument("--processes", type=int, default=2, help="fresh processes per method (best is kept)")
    parser.add_argument("--seeds", type=int, default=None,
                        help="seeds of the default fits (the median is kept); default 15 for the small data sets "
                             "(a fit takes milliseconds and its iterations vary with the start), 10 for the large ones "
                             "(their inertias differ from scikit-learn's by hundredths of a percent, seed by seed)")
    parser.add_argument("--child", nargs=2, metavar=("DATASET", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        import helpers.functions  # noqa: F401  (quiet TensorFlow start-up in the child)

        print(json.dumps(measure(*args.child, args.repeat)))
        return

    import helpers.functions  # noqa: F401

    print(f"k-means on {describe_machine()}\n")  # Markdown
    rate = peak_matmul_rate()
    names = QUICK if args.quick else list(DATASETS)
    print(f"**Per Lloyd iteration**, ms (best of {args.repeat} fits in each of {args.processes} processes); "
          f"compute floor: the distance product at the measured peak matmul rate, {rate / 1e9:.0f} GFLOP/s\n")
    print("| data | X | floor: one read of X | floor: X·Cᵀ at peak | scikit-learn | kmeans (TF) | TF / sklearn "
          "| TF / read floor | TF / compute floor | inertia sklearn | inertia TF | iterations "
          "| peak memory added: sklearn, TF |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        n, d, k, _ = DATASETS[name]
        runs = {"floor": [], "sklearn": [], "tf": []}
        for _ in range(args.processes):
            for method, results in runs.items():
                results.append(run_child(name, method, args.repeat))
        floor, sk, ours = (best_of(results) for results in runs.values())
        compute = 1000 * 2 * n * d * k / rate
        agree = abs(ours["inertia"] - sk["inertia"]) <= 1e-4 * abs(sk["inertia"])
        iterations = ours["n_iter"] if ours["n_iter"] == sk["n_iter"] else f"{ours['n_iter']} vs {sk['n_iter']}"
        print(
            f"| {name} | {n * d * 4 / 2**20:,.1f} MiB | {floor['ms']:.2f} | {compute:.2g} | {sk['ms']:.2f} "
            f"| {ours['ms']:.2f} | {ours['ms'] / sk['ms']:.3g}× | {ours['ms'] / floor['ms']:.1f}× "
            f"| {ours['ms'] / compute:.1f}× | {sk['inertia']:.6g} "
            f"| {ours['inertia']:.6g}{'' if agree else ' (differs!)'} | {iterations} "
            f"| {sk['memory'] / 2**20:,.0f} MiB, {ours['memory'] / 2**20:,.0f} MiB |",
            flush=True,
        )
    print(f"\n**Default fit, end to end**: `kmeans(X, k, seed=s)` against `KMeans(k, random_state=s).fit(X)`, "
          f"median over seeds {seed_range(args.seeds, names)} from the second call on (best of {args.processes} "
          "processes); "
          "the first call of a fresh process (tracing, XLA's compiling) apart\n")
    print("| data | scikit-learn, ms | kmeans (TF), ms | TF / sklearn | inertia sklearn | inertia TF | TF / sklearn "
          "inertia | seeds where TF's inertia is lower, the same, higher | iterations sklearn, TF "
          "| first call: sklearn, TF |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        runs = {"sklearn-default": [], "tf-default": []}
        for _ in range(args.processes):
            for method, results in runs.items():
                results.append(run_child(name, method, seeds_for(args.seeds, name)))
        sk, ours = (best_of(results) for results in runs.values())
        print(
            f"| {name} | {sk['ms']:.1f} | {ours['ms']:.1f} | {ours['ms'] / sk['ms']:.3g}× | {sk['inertia']:.6g} "
            f"| {ours['inertia']:.6g} | {ours['inertia'] / sk['inertia']:.4f} "
            f"| {paired(ours['inertias'], sk['inertias'])} | {sk['n_iter']:g}, {ours['n_iter']:g} "
            f"| {sk['first_ms'] / 1000:.2f} s, {ours['first_ms'] / 1000:.2f} s |",
            flush=True,
        )
    print_minibatch(args.quick)


def paired(ours, theirs):
    """Seed by seed, how often our inertia is lower, the same (to 1e-5 relative: float32's
    round-off in a sum), or higher than scikit-learn's, as "lower, same, higher of n"."""
    same = [abs(a - b) <= 1e-5 * abs(b) for a, b in zip(ours, theirs, strict=True)]
    lower = sum(a < b and not s for a, b, s in zip(ours, theirs, same, strict=True))
    return f"{lower}, {sum(same)}, {len(same) - lower - sum(same)} of {len(same)}"


def seeds_for(seeds, name):
    """Seeds of the default fits on data set ``name``: ``seeds`` when given."""
    return seeds or (15 if name in QUICK else 10)


def seed_range(seeds, names):
    ranges = {f"0..{seeds_for(seeds, name) - 1}": name in QUICK for name in names}
    if len(ranges) == 1:
        return next(iter(ranges))
    return ", ".join(f"{r} ({'small' if small else 'large'} sets)" for r, small in ranges.items())


def print_minibatch(quick):
    """Lesson 10's mini-batch k-means against scikit-learn's MiniBatchKMeans: time to 1.01 × full Lloyd's inertia."""
    import tempfile

    from helpers.streaming import minibatch_benchmark_row

    size = {"n_samples": 50_000, "n_clusters": 16} if quick else {}
    with tempfile.TemporaryDirectory(prefix="kmeans-tf-benchmark-") as folder:
        row = minibatch_benchmark_row(folder, **size)
    print("\n**Mini-batch k-means** (lesson 10): seconds to reach 1.01 × the inertia of full Lloyd from the same "
          "start, data in `.npy` shards on disk (ours reads random rows from the files; scikit-learn's "
          "`partial_fit` gets random rows from memory, on one thread)\n")
    print("| data | full Lloyd inertia | scikit-learn MiniBatchKMeans, s (steps) | minibatch_kmeans (TF), s (steps) "
          "| TF / sklearn |")
    print("|---|---|---|---|---|")

    def seconds(value, steps):
        return "not reached" if value is None else f"{value:.3g} ({steps})"

    ratio = "–" if row["ratio"] is None else f"{row['ratio']:.3g}×"
    print(f"| {row['data']} | {row['lloyd_inertia']:.6g} | {seconds(row['sklearn_seconds'], row['sklearn_steps'])} "
          f"| {seconds(row['ours_seconds'], row['ours_steps'])} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
