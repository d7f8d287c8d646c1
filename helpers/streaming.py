"""k-means on data that does not fit in memory: exact Lloyd over a stream, and mini-batch.

Taught in ``lessons/10_data_that_does_not_fit.ipynb``. The data lives on disk as ``.npy``
shards (one 2-D array per file, rows are samples). Nothing here ever holds all of it:

- :func:`streaming_kmeans` is Lloyd's algorithm with one pass over the files per
  iteration. A ``tf.data.Dataset`` reads them a batch at a time; each batch adds its
  per-cluster sums and counts to a (k, d) total; the centroids are those totals divided.
  From the same start it gives the centroids of the in-memory
  :func:`helpers.functions.kmeans` (to float32 round-off).
- :func:`minibatch_kmeans` is Sculley's mini-batch k-means (2010), as scikit-learn's
  ``MiniBatchKMeans`` runs it: each step reads a small random batch and moves each centroid
  towards its batch members with a learning rate of 1 / (samples it has seen so far);
  near-empty centroids jump to random batch samples; it stops when a smoothed batch
  inertia stops improving.

Precision, as ``kmeans``: a first pass computes the float64 column mean, and every batch is
centred by it before the distance expansion ||x||² - 2x·c + ||c||² (which loses every digit
in float32 for data far from the origin). float32 files are computed in float32, float64
files in float64; integer and float16 files in float64 (scikit-learn's rule). Sums and counts
are accumulated in float64. Centroids come back in the computing dtype.

Memory: batches are read with ordinary file reads into fresh buffers, never memory-mapped
as a whole, so the process holds a few batches, not the file (the operating system's page
cache may keep the file, but that is shared and given back on demand).
:func:`peak_memory_growth` measures it.
"""

from __future__ import annotations

import mmap
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers._checks import _check_int, _check_number
from helpers.functions import EmptyClusterWarning, _short, kmeans_plusplus
from helpers._quiet import tf

__all__ = [
    "MiniBatchResult",
    "NpyShards",
    "StreamingKMeansResult",
    "column_stats",
    "minibatch_kmeans",
    "open_shards",
    "peak_memory_growth",
    "streaming_inertia",
    "streaming_kmeans",
    "write_blobs",
    "write_shards",
]

_MAX_SEED = 2**31 - 1
# Squared distances in float32 overflow (3.4e38) for rows this long, as in helpers.functions.
_MAX_SQUARED_LENGTH = 1e37


# --------------------------------------------------------------------------- checks


def _compute_dtype(dtype):
    """float32 stays float32 and float64 stays float64; anything else numeric becomes float64."""
    return np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)


# --------------------------------------------------------------------------- shards on disk


@dataclass(frozen=True)
class _Shard:
    path: Path
    offset: int  # bytes before the first row (the .npy header)
    n_rows: int


class NpyShards:
    """A data set stored as ``.npy`` files, each a C-ordered 2-D array with the same columns
    and dtype. Only the headers are read here; rows are read on demand.

    Attributes
    ----------
    n_samples, n_features : int
    dtype : np.dtype
        As stored in the files.
    compute_dtype : np.dtype
        float32 for float32 files, float64 for everything else.
    nbytes : int
        Bytes of data in all files together (headers left out).
    """

    def __init__(self, paths):
        paths = [Path(p) for p in paths]
        if not paths:
            raise ValueError("no .npy shard given; at least 1 file is required.")
        shards, dtype, n_features = [], None, None
        for path in paths:
            if not path.is_file():
                raise ValueError(f"shard {path.name!r} is not a file.")
            with open(path, "rb") as f:
                try:
                    version = np.lib.format.read_magic(f)
                    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                        np.lib.format.read_array_header_2_0
                    shape, fortran, file_dtype = reader(f)
                except ValueError as error:
                    raise ValueError(f"shard {path.name!r} is not a .npy file ({error}).") from None
                offset = f.tell()
            if file_dtype.kind not in "iuf" or file_dtype.hasobject:
                raise TypeError(f"shard {path.name!r} holds dtype {file_dtype}; it should hold numbers (int or float).")
            if len(shape) != 2:
                raise ValueError(
                    f"shard {path.name!r} holds a {len(shape)}-D array of shape {shape}; every shard should be "
                    "2-D, (n_samples, n_features). One feature? Save x.reshape(-1, 1).")
            if fortran and shape[0] > 1 and shape[1] > 1:
                raise ValueError(f"shard {path.name!r} is stored in Fortran order; save np.ascontiguousarray(x) "
                                 "so that each row is contiguous on disk.")
            if shape[1] == 0:
                raise ValueError(f"shard {path.name!r} has 0 features (shape={shape}); at least 1 is required.")
            if dtype is None:
                dtype, n_features = file_dtype, shape[1]
            if file_dtype != dtype:
                raise ValueError(f"shard {path.name!r} holds {file_dtype} but {paths[0].name!r} holds {dtype}; "
                                 "every shard should have the same dtype.")
            if shape[1] != n_features:
                raise ValueError(f"shard {path.name!r} has n_features={shape[1]} but {paths[0].name!r} has "
                                 f"n_features={n_features}; they should be equal.")
            expected = offset + shape[0] * shape[1] * file_dtype.itemsize
            if path.stat().st_size < expected:
                raise ValueError(f"shard {path.name!r} is truncated: {path.stat().st_size} bytes, its header "
                                 f"promises {expected}.")
            shards.append(_Shard(path, offset, shape[0]))
        self._shards = tuple(shards)
        self.dtype = np.dtype(dtype)
        self.compute_dtype = _compute_dtype(self.dtype)
        self.n_features = int(n_features)
        self.n_samples = sum(s.n_rows for s in shards)
        if self.n_samples == 0:
            raise ValueError(f"the shards hold 0 rows (n_features={self.n_features}); at least 1 is required.")
        self.nbytes = self.n_samples * self.n_features * self.dtype.itemsize
        self._starts = np.cumsum([0] + [s.n_rows for s in shards])

    @property
    def paths(self):
        return [s.path for s in self._shards]

    def __len__(self):
        return len(self._shards)

    def __repr__(self):
        return (f"NpyShards({len(self)} files, n_samples={self.n_samples}, n_features={self.n_features}, "
                f"dtype={self.dtype}, {self.nbytes / 2**20:.1f} MiB)")

    def batches(self, batch_rows):
        """Consecutive batches of at most ``batch_rows`` rows (a shard's last batch may be shorter),
        each a fresh NumPy array read from the file."""
        batch_rows = _check_int("batch_rows", batch_rows, minimum=1)
        row_bytes = self.n_features * self.dtype.itemsize
        for shard in self._shards:
            with open(shard.path, "rb", buffering=0) as f:
                f.seek(shard.offset)
                for start in range(0, shard.n_rows, batch_rows):
                    rows = min(batch_rows, shard.n_rows - start)
                    batch = np.empty((rows, self.n_features), self.dtype)
                    view = memoryview(batch.reshape(-1).view(np.uint8))
                    got = 0
                    while got < rows * row_bytes:  # readinto may return less than asked for
                        n = f.readinto(view[got:])
                        if not n:
                            raise ValueError(f"shard {shard.path.name!r} ended early, at row {start}.")
                        got += n
                    yield batch

    def dataset(self, batch_rows=8192):
        """A ``tf.data.Dataset`` of (rows, d) batches in the stored dtype, read from the files."""
        batch_rows = _check_int("batch_rows", batch_rows, minimum=1)
        spec = tf.TensorSpec((None, self.n_features), tf.as_dtype(self.dtype))
        return tf.data.Dataset.from_generator(lambda: self.batches(batch_rows), output_signature=spec).prefetch(1)

    def rows(self, indices):
        """The rows with these global indices (any order, repeats allowed), as a fresh array.

        Read through a memory map whose pages are handed back to the system after each call
        (``madvise(MADV_DONTNEED)``), so random reads do not make the file resident in this process.
        """
        indices = np.asarray(indices, np.int64)
        out = np.empty((len(indices), self.n_features), self.dtype)
        if len(indices) == 0:
            return out
        if indices.min() < 0 or indices.max() >= self.n_samples:
            raise ValueError(f"row indices should be in [0, n_samples={self.n_samples}).")
        which = np.searchsorted(self._starts, indices, side="right") - 1
        for s in np.unique(which):
            shard = self._shards[s]
            where = np.flatnonzero(which == s)
            with open(shard.path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                data = np.frombuffer(mm, self.dtype, count=shard.n_rows * self.n_features, offset=shard.offset)
                out[where] = data.reshape(shard.n_rows, self.n_features)[indices[where] - self._starts[s]]
                del data
                if hasattr(mm, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
                    mm.madvise(mmap.MADV_DONTNEED)
        return out


def open_shards(source):
    """``NpyShards`` from a folder (its ``*.npy`` files, sorted by name), one path, a list of
    paths, or ``NpyShards`` itself."""
    if isinstance(source, NpyShards):
        return source
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            paths = sorted(path.glob("*.npy"))
            if not paths:
                raise ValueError(f"folder {path.name!r} holds no .npy file; at least 1 is required.")
            return NpyShards(paths)
        return NpyShards([path])
    if isinstance(source, (list, tuple)):
        return NpyShards(source)
    raise TypeError(f"source should be a folder, a .npy path, a list of paths or NpyShards; got "
                    f"{type(source).__name__}.")


def write_shards(folder, samples, n_shards=1):
    """Write an in-memory (n, d) array as ``n_shards`` files ``part-00000.npy``, ... in ``folder``."""
    samples = np.asarray(samples)
    n_shards = _check_int("n_shards", n_shards, minimum=1)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, part in enumerate(np.array_split(samples, n_shards)):
        paths.append(folder / f"part-{i:05d}.npy")
        np.save(paths[-1], np.ascontiguousarray(part))
    return NpyShards(paths)


def write_blobs(folder, n_shards, rows_per_shard, n_features, n_clusters, *, spread=1.0, box=10.0, offset=0.0,
                dtype=np.float32, seed=0):
    """Write a blob data set shard by shard, never holding more than one shard in memory.

    The ``n_clusters`` centres are uniform in ``offset ± box`` (the same for every shard); each
    row belongs to a random centre (rows come in random order) plus normal noise of standard
    deviation ``spread``.

    Returns
    -------
    (centres, NpyShards) : the (k, d) float64 true centres and the files written.
    """
    n_shards = _check_int("n_shards", n_shards, minimum=1)
    rows_per_shard = _check_int("rows_per_shard", rows_per_shard, minimum=1)
    n_features = _check_int("n_features", n_features, minimum=1)
    n_clusters = _check_int("n_clusters", n_clusters, minimum=1)
    seed = _check_int("seed", seed, minimum=0, maximum=_MAX_SEED)
    rng = np.random.default_rng(seed)
    centres = offset + rng.uniform(-box, box, size=(n_clusters, n_features))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n_shards):
        shard_rng = np.random.default_rng([seed, i])
        labels = shard_rng.integers(0, n_clusters, rows_per_shard)
        rows = centres[labels] + shard_rng.normal(0.0, spread, size=(rows_per_shard, n_features))
        paths.append(folder / f"part-{i:05d}.npy")
        np.save(paths[-1], rows.astype(dtype))
        del rows, labels
    return centres, NpyShards(paths)


# --------------------------------------------------------------------------- first pass


def column_stats(source, *, batch_rows=8192):
    """One float64 pass over the data: column mean and mean feature variance, checking every value.

    Returns
    -------
    (mean, mean_variance) : (d,) float64 array, float

    Raises
    ------
    ValueError
        A value is NaN or infinite, or a row is so long that its squared distances overflow float32.
    """
    shards = open_shards(source)
    shift = None  # sums of (x - shift), shift = the first row: exact enough for the variance, one pass
    total = total_sq = np.zeros(shards.n_features)
    row = 0
    for batch in shards.batches(batch_rows):
        _check_batch(batch, row, shards)
        if shift is None:
            shift = batch[0].astype(np.float64)
        shifted = batch.astype(np.float64) - shift
        total = total + shifted.sum(axis=0)
        total_sq = total_sq + np.square(shifted).sum(axis=0)
        row += len(batch)
    mean_shifted = total / shards.n_samples
    variance = np.maximum(total_sq / shards.n_samples - mean_shifted**2, 0.0)
    return shift + mean_shifted, float(np.mean(variance))


def _check_batch(batch, row, shards):
    if batch.dtype.kind == "f":
        finite = np.isfinite(batch)
        if not finite.all():
            bad = int(np.flatnonzero(~finite.all(axis=1))[0]) + row
            n_nan = int(np.isnan(batch).sum())
            raise ValueError(f"the data contains NaN or infinite values ({n_nan} NaN in rows {row}..."
                             f"{row + len(batch) - 1}; first bad row {bad}); every value should be a finite number.")
    if shards.compute_dtype == np.float32 and len(batch):
        lengths = np.square(batch.astype(np.float64)).sum(axis=1)
        if not lengths.max() < _MAX_SQUARED_LENGTH:
            raise ValueError(f"row {row + int(lengths.argmax())} has squared length {lengths.max():.3g}; it should "
                             f"be below {_MAX_SQUARED_LENGTH:.0e}, or squared distances overflow float32. Rescale the "
                             "data.")


def _check_start(init, n_clusters, shards, name="init"):
    """An explicit start as a (k, d) float64 array, checked."""
    if isinstance(init, (tf.Tensor, tf.Variable)):
        init = init.numpy()
    try:
        start = np.asarray(init)
    except ValueError as error:
        raise ValueError(f"{name} should be a rectangular array; got a ragged sequence ({error}).") from None
    if start.dtype.kind not in "iuf":
        raise TypeError(f"{name} should hold numbers (int or float); got dtype {start.dtype}.")
    if start.ndim != 2:
        raise ValueError(f"{name} should be a 2-D array of shape (n_clusters, n_features); got shape {start.shape}.")
    if start.shape[1] != shards.n_features:
        raise ValueError(f"{name} has n_features={start.shape[1]} but the data has n_features={shards.n_features}; "
                         "they should be equal.")
    if start.shape[0] != n_clusters:
        raise ValueError(f"{name} has {start.shape[0]} rows; it should have n_clusters={n_clusters}.")
    if not np.isfinite(start).all():
        raise ValueError(f"{name} contains NaN or infinite values; every value should be a finite number.")
    return start.astype(np.float64)


def _check_n_clusters(n_clusters, shards):
    n_clusters = _check_int("n_clusters", n_clusters, minimum=1)
    if n_clusters > shards.n_samples:
        raise ValueError(f"n_clusters={n_clusters} should be <= n_samples={shards.n_samples}.")
    return n_clusters


def _start(init, n_clusters, shards, mean, init_size, rng):
    """Centred float64 starting centroids: the given array, or k-means++ on ``init_size`` random rows."""
    if isinstance(init, str):
        if init != "k-means++":
            raise ValueError(f"init={_short(init)} should be 'k-means++' or an array of shape "
                             "(n_clusters, n_features).")
        size = min(max(init_size, n_clusters), shards.n_samples)
        sample = shards.rows(np.sort(rng.choice(shards.n_samples, size, replace=False)))
        centred = (sample.astype(np.float64) - mean).astype(shards.compute_dtype)
        chosen = kmeans_plusplus(centred, n_clusters, seed=int(rng.integers(0, _MAX_SEED)))
        return np.asarray(chosen, np.float64)
    return _check_start(init, n_clusters, shards) - mean


# --------------------------------------------------------------------------- exact Lloyd over a stream


@dataclass(frozen=True, repr=False)
class StreamingKMeansResult:
    """What :func:`streaming_kmeans` found.

    Attributes
    ----------
    centroids : np.ndarray of shape (k, d), float32 for float32 files, else float64
    counts : np.ndarray of shape (k,), int64
        Samples nearest to each final centroid.
    inertia : float
        Sum of squared distances of every sample to its nearest final centroid (exact differences).
    n_iter : int
    converged : bool
    inertia_history : np.ndarray of shape (n_iter,), float64
        Inertia of each iteration's assignment, before its update.
    centroid_history : np.ndarray of shape (n_iter + 1, k, d)
        The start, then the centroids after each iteration.
    seconds : np.ndarray of shape (n_iter + 1,), float64
        Time since the call when the start and each iteration's centroids were ready.
    """

    centroids: np.ndarray
    counts: np.ndarray
    inertia: float
    n_iter: int
    converged: bool
    inertia_history: np.ndarray
    centroid_history: np.ndarray
    seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __repr__(self):
        k, d = self.centroids.shape
        return (f"StreamingKMeansResult(n_clusters={k}, n_features={d}, inertia={self.inertia:.6g}, "
                f"n_iter={self.n_iter}, converged={self.converged})")


@tf.function(reduce_retracing=True)
def _lloyd_pass(dataset, mean, centroids, compute_dtype_probe):
    """One pass: per-cluster sums (float64), counts (float64) and the inertia by the expansion.

    ``mean`` (d,) float64; ``centroids`` (k, d) float64, centred; ``compute_dtype_probe`` a
    scalar of the computing dtype (float32 or float64).
    """
    dtype = compute_dtype_probe.dtype
    n_clusters = tf.shape(centroids)[0]
    c = tf.cast(centroids, dtype)
    minus_twice = -2.0 * c
    c_sq = tf.reduce_sum(tf.square(c), axis=1)

    def add(state, batch):
        sums, counts, total = state
        x = tf.cast(tf.cast(batch, tf.float64) - mean, dtype)  # centred in float64, then computed in dtype
        partial = tf.matmul(x, minus_twice, transpose_b=True) + c_sq  # (rows, k): ||x - c||² - ||x||²
        labels = tf.argmin(partial, axis=1, output_type=tf.int32)
        nearest = tf.reduce_min(partial, axis=1)
        batch_inertia = tf.reduce_sum(tf.maximum(tf.reduce_sum(tf.square(x), axis=1) + nearest, 0.0))
        sums += tf.cast(tf.math.unsorted_segment_sum(x, labels, n_clusters), tf.float64)
        counts += tf.math.unsorted_segment_sum(tf.ones_like(nearest, tf.float64), labels, n_clusters)
        return sums, counts, total + tf.cast(batch_inertia, tf.float64)

    start = (tf.zeros_like(centroids), tf.zeros([n_clusters], tf.float64), tf.constant(0.0, tf.float64))
    return dataset.reduce(start, add)


@tf.function(reduce_retracing=True)
def _exact_pass(dataset, mean, centroids, compute_dtype_probe):
    """Counts per nearest centroid and the inertia from exact differences (not the expansion)."""
    dtype = compute_dtype_probe.dtype
    n_clusters = tf.shape(centroids)[0]
    c = tf.cast(centroids, dtype)
    minus_twice = -2.0 * c
    c_sq = tf.reduce_sum(tf.square(c), axis=1)

    def add(state, batch):
        counts, total = state
        x = tf.cast(tf.cast(batch, tf.float64) - mean, dtype)
        labels = tf.argmin(tf.matmul(x, minus_twice, transpose_b=True) + c_sq, axis=1, output_type=tf.int32)
        batch_inertia = tf.reduce_sum(tf.square(x - tf.gather(c, labels)))
        counts += tf.math.unsorted_segment_sum(tf.ones_like(labels, tf.float64), labels, n_clusters)
        return counts, total + tf.cast(batch_inertia, tf.float64)

    return dataset.reduce((tf.zeros([n_clusters], tf.float64), tf.constant(0.0, tf.float64)), add)


def _probe(shards):
    return tf.constant(0, tf.as_dtype(shards.compute_dtype))


def streaming_inertia(source, centroids, *, batch_rows=8192, mean=None):
    """Inertia of ``centroids`` over data on disk, one pass, exact differences.

    Parameters
    ----------
    source : folder, path, list of paths or NpyShards
    centroids : array-like of shape (k, d)
    mean : (d,) float64 array, optional
        The column mean, if known (else computed in a first pass).

    Returns
    -------
    float
    """
    shards = open_shards(source)
    start = _check_start(centroids, np.shape(centroids)[0] if np.ndim(centroids) == 2 else -1, shards,
                         name="centroids")
    if mean is None:
        mean, _ = column_stats(shards)
    _, total = _exact_pass(shards.dataset(batch_rows), tf.constant(mean), tf.constant(start - mean),
                           _probe(shards))
    return float(total)


def streaming_kmeans(source, n_clusters, *, init="k-means++", max_iter=300, tol=1e-4, batch_rows=8192,
                     init_size=None, seed=None):
    """Lloyd's k-means over data on disk: one pass over the files per iteration.

    Taught in ``lessons/10_data_that_does_not_fit.ipynb``. Each pass streams the files
    through a ``tf.data.Dataset`` and reduces every batch to (k, d) sums and k counts; the
    new centroids are sums / counts (an empty cluster keeps its centroid). Memory holds a
    few batches and the (k, d) totals, whatever the size of the files.

    Parameters
    ----------
    source : folder of ``.npy`` files, a path, a list of paths, or NpyShards
    n_clusters : int, 1 <= k <= n
    init : "k-means++" or array-like of shape (k, d), keyword-only
        "k-means++" runs on ``init_size`` random rows (scikit-learn's MiniBatchKMeans does the same).
    max_iter : int >= 1, keyword-only
    tol : float >= 0, keyword-only
        Stop when the centroids move less than this in total squared distance, relative to the
        mean feature variance (``kmeans``'s rule), or not at all.
    batch_rows : int >= 1, keyword-only
        Rows per batch read from disk.
    init_size : int >= 1 or None, keyword-only
        Rows for "k-means++"; default ``max(3 * 1024, 3 * k)``, at most n.
    seed : int in [0, 2**31 - 1] or None, keyword-only

    Returns
    -------
    StreamingKMeansResult

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     shards = write_shards(folder, [[0.0], [0.2], [9.8], [10.0]], n_shards=2)
    ...     result = streaming_kmeans(shards, 2, init=[[0.0], [1.0]])
    >>> result.centroids.round(6).tolist(), result.centroids.dtype  # a list of floats is float64
    ([[0.1], [9.9]], dtype('float64'))
    """
    clock = time.perf_counter()
    shards = open_shards(source)
    n_clusters = _check_n_clusters(n_clusters, shards)
    max_iter = _check_int("max_iter", max_iter, minimum=1)
    tol = _check_number("tol", tol, minimum=0)
    batch_rows = _check_int("batch_rows", batch_rows, minimum=1)
    init_size = _check_int("init_size", init_size, minimum=1) if init_size is not None else max(3072, 3 * n_clusters)
    seed = _check_int("seed", seed, minimum=0, maximum=_MAX_SEED) if seed is not None else None
    if not isinstance(init, str):
        _check_start(init, n_clusters, shards)  # bad input fails before the long first pass
    mean, variance = column_stats(shards)
    centroids = _start(init, n_clusters, shards, mean, init_size, np.random.default_rng(seed))
    return _streaming_lloyd(shards, centroids, mean, tol * variance, max_iter, batch_rows, clock)


def _streaming_lloyd(shards, centroids, mean, scaled_tol, max_iter, batch_rows, clock):
    dataset = shards.dataset(batch_rows)
    mean_t, probe = tf.constant(mean), _probe(shards)
    history, inertias, seconds = [centroids], [], [time.perf_counter() - clock]
    converged = had_empty = False
    for _ in range(max_iter):
        sums, counts, total = (t.numpy() for t in _lloyd_pass(dataset, mean_t, tf.constant(centroids), probe))
        inertias.append(float(total))
        empty = counts == 0
        had_empty |= bool(empty.any())
        updated = np.where(empty[:, None], centroids, sums / np.maximum(counts, 1.0)[:, None])
        if shards.compute_dtype == np.float32:  # kmeans keeps float32 centroids between iterations
            updated = updated.astype(np.float32).astype(np.float64)
        shift = float(np.sum(np.square(updated - centroids)))
        centroids = updated
        history.append(centroids)
        seconds.append(time.perf_counter() - clock)
        if shift <= scaled_tol:
            converged = True
            break
    if had_empty:
        warnings.warn("a cluster was empty during streaming k-means; it kept its previous centroid.",
                      EmptyClusterWarning, stacklevel=3)
    counts, total = _exact_pass(dataset, mean_t, tf.constant(centroids), probe)
    dtype = shards.compute_dtype
    return StreamingKMeansResult(
        centroids=(centroids + mean).astype(dtype),
        counts=np.rint(counts.numpy()).astype(np.int64),
        inertia=float(total),
        n_iter=len(inertias),
        converged=converged,
        inertia_history=np.array(inertias),
        centroid_history=(np.stack(history) + mean).astype(dtype),
        seconds=np.array(seconds),
    )


# --------------------------------------------------------------------------- mini-batch k-means


@dataclass(frozen=True, repr=False)
class MiniBatchResult:
    """What :func:`minibatch_kmeans` found.

    Attributes
    ----------
    centroids : np.ndarray of shape (k, d)
    counts : np.ndarray of shape (k,), float64
        Samples each centroid has absorbed (its learning rate is 1 / count), after reassignments.
    inertia : float or None
        Inertia of the final centroids over all the data (one extra pass), or None when not asked for.
    n_steps : int
    converged : bool
        True when the smoothed inertia stopped improving (or the centroids stopped moving) before
        the step limit.
    n_reassigned : int
        Centroids moved to a random sample because they had absorbed too few.
    ewa_inertia : np.ndarray of shape (n_steps,)
        The smoothed inertia per sample after each step (NaN for the first step, which is skipped).
    snapshot_steps, snapshot_seconds, snapshot_centroids
        Every ``snapshot_every`` steps (and at the start and the end): the step, the time since
        the call, and the centroids then.
    """

    centroids: np.ndarray
    counts: np.ndarray
    inertia: float | None
    n_steps: int
    converged: bool
    n_reassigned: int
    ewa_inertia: np.ndarray
    snapshot_steps: np.ndarray
    snapshot_seconds: np.ndarray
    snapshot_centroids: np.ndarray

    def __repr__(self):
        k, d = self.centroids.shape
        inertia = "None" if self.inertia is None else f"{self.inertia:.6g}"
        return (f"MiniBatchResult(n_clusters={k}, n_features={d}, inertia={inertia}, n_steps={self.n_steps}, "
                f"converged={self.converged})")


@tf.function(reduce_retracing=True)
def _minibatch_step(batch, centroids, counts):
    """One Sculley step on a centred batch: labels, the new centroids and counts, the batch inertia.

    Each centroid moves to the mean of everything it has absorbed so far:
    c <- (c * n + sum of its batch members) / (n + m), i.e. a step of m / (n + m) towards its
    batch mean: a learning rate that shrinks as the centroid has seen more.
    """
    n_clusters = tf.shape(centroids)[0]
    c = tf.cast(centroids, batch.dtype)
    partial = tf.matmul(batch, -2.0 * c, transpose_b=True) + tf.reduce_sum(tf.square(c), axis=1)
    labels = tf.argmin(partial, axis=1, output_type=tf.int32)
    nearest = tf.reduce_min(partial, axis=1)
    batch_inertia = tf.reduce_sum(tf.maximum(tf.reduce_sum(tf.square(batch), axis=1) + nearest, 0.0))
    sums = tf.cast(tf.math.unsorted_segment_sum(batch, labels, n_clusters), tf.float64)
    batch_counts = tf.math.unsorted_segment_sum(tf.ones_like(labels, tf.float64), labels, n_clusters)
    new_counts = counts + batch_counts
    moved = (centroids * counts[:, None] + sums) / tf.maximum(new_counts, 1.0)[:, None]
    new_centroids = tf.where(batch_counts[:, None] > 0, moved, centroids)
    return new_centroids, new_counts, tf.cast(batch_inertia, tf.float64)


def minibatch_kmeans(source, n_clusters, *, init="k-means++", batch_size=1024, max_iter=100, max_no_improvement=10,
                     reassignment_ratio=0.01, tol=0.0, init_size=None, seed=None, snapshot_every=None,
                     final_inertia=True):
    """Mini-batch k-means (Sculley 2010) over data on disk, as scikit-learn's ``MiniBatchKMeans``.

    Taught in ``lessons/10_data_that_does_not_fit.ipynb``. Each step reads ``batch_size``
    random rows (with replacement), assigns them, and moves each centroid to the running
    mean of all the samples it has absorbed: a per-centroid learning rate of 1 / count.
    When any centroid has absorbed nothing, or every ``10 * k`` samples, centroids whose count
    is below ``reassignment_ratio`` times the largest jump to random rows of the batch. It
    stops after ``max_iter`` passes' worth of steps, or when an exponentially weighted
    average of the batch inertia has not improved for ``max_no_improvement`` steps in a row.

    Parameters
    ----------
    source : folder of ``.npy`` files, a path, a list of paths, or NpyShards
    n_clusters : int, 1 <= k <= n
    init : "k-means++" or array-like of shape (k, d), keyword-only
    batch_size : int >= 1, keyword-only
    max_iter : int >= 1, keyword-only
        In passes over the data: at most ``max_iter * n // batch_size`` steps (at least 1).
    max_no_improvement : int >= 1 or None, keyword-only
        None turns the smoothed-inertia stop off.
    reassignment_ratio : float in [0, 1], keyword-only
    tol : float >= 0, keyword-only
        Stop when the centroids move at most this (total squared distance, relative to the mean
        feature variance) in one step; 0 turns it off (scikit-learn's default).
    init_size : int >= 1 or None, keyword-only
        Rows for "k-means++"; default ``3 * batch_size`` (at least k, at most n).
    seed : int in [0, 2**31 - 1] or None, keyword-only
        The same seed gives the same result.
    snapshot_every : int >= 1 or None, keyword-only
        Keep the centroids and the time every this many steps (for inertia-against-time plots).
    final_inertia : bool, keyword-only
        Compute the inertia of the final centroids over all the data (one more pass).

    Returns
    -------
    MiniBatchResult
    """
    clock = time.perf_counter()
    shards = open_shards(source)
    n_clusters = _check_n_clusters(n_clusters, shards)
    batch_size = _check_int("batch_size", batch_size, minimum=1)
    max_iter = _check_int("max_iter", max_iter, minimum=1)
    if max_no_improvement is not None:
        max_no_improvement = _check_int("max_no_improvement", max_no_improvement, minimum=1)
    reassignment_ratio = _check_number("reassignment_ratio", reassignment_ratio, minimum=0, maximum=1)
    tol = _check_number("tol", tol, minimum=0)
    init_size = (_check_int("init_size", init_size, minimum=1) if init_size is not None
                 else 3 * batch_size)
    seed = _check_int("seed", seed, minimum=0, maximum=_MAX_SEED) if seed is not None else None
    if snapshot_every is not None:
        snapshot_every = _check_int("snapshot_every", snapshot_every, minimum=1)
    if not isinstance(init, str):
        _check_start(init, n_clusters, shards)
    rng = np.random.default_rng(seed)
    mean, variance = column_stats(shards)
    centroids = _start(init, n_clusters, shards, mean, init_size, rng)
    dtype = shards.compute_dtype
    counts = np.zeros(n_clusters)
    n = shards.n_samples
    n_steps = max(1, max_iter * n // batch_size)
    alpha = min(batch_size * 2.0 / (n + 1), 1.0)
    ewa = ewa_min = None
    no_improvement = n_reassigned = since_reassign = 0
    ewas, snaps = [], [(0, time.perf_counter() - clock, centroids)]
    converged = False
    mean_t = mean
    for step in range(n_steps):
        rows = shards.rows(np.sort(rng.integers(0, n, batch_size)))
        batch = (rows.astype(np.float64) - mean_t).astype(dtype)
        new, new_counts, batch_inertia = _minibatch_step(tf.constant(batch), tf.constant(centroids),
                                                         tf.constant(counts))
        new, counts = new.numpy(), new_counts.numpy()
        # Reassign centroids that absorbed too little (scikit-learn's rule and its "dirty hack"
        # of giving them the smallest remaining count, so that they are not reassigned at once).
        since_reassign += batch_size
        if reassignment_ratio > 0 and ((counts == 0).any() or since_reassign >= 10 * n_clusters):
            since_reassign = 0
            to_reassign = counts < reassignment_ratio * counts.max()
            if to_reassign.sum() > 0.5 * batch_size:
                to_reassign[np.argsort(counts)[int(0.5 * batch_size):]] = False
            if to_reassign.any() and not to_reassign.all():
                picks = rng.choice(batch_size, size=int(to_reassign.sum()), replace=False)
                new[to_reassign] = batch[picks]
                counts[to_reassign] = counts[~to_reassign].min()
                n_reassigned += int(to_reassign.sum())
        shift = float(np.sum(np.square(new - centroids)))
        centroids = new
        if snapshot_every is not None and (step + 1) % snapshot_every == 0:
            snaps.append((step + 1, time.perf_counter() - clock, centroids))
        # Stopping: scikit-learn's exponentially weighted average of the batch inertia per sample.
        per_sample = float(batch_inertia) / batch_size
        if step == 0:
            ewas.append(np.nan)
            continue
        ewa = per_sample if ewa is None else ewa * (1 - alpha) + per_sample * alpha
        ewas.append(ewa)
        if tol > 0 and shift <= tol * variance:
            converged = True
            break
        if ewa_min is None or ewa < ewa_min:
            no_improvement, ewa_min = 0, ewa
        else:
            no_improvement += 1
        if max_no_improvement is not None and no_improvement >= max_no_improvement:
            converged = True
            break
    n_done = len(ewas)
    if snapshot_every is not None and snaps[-1][0] != n_done:
        snaps.append((n_done, time.perf_counter() - clock, centroids))
    inertia = None
    if final_inertia:
        _, total = _exact_pass(shards.dataset(8192), tf.constant(mean), tf.constant(centroids), _probe(shards))
        inertia = float(total)
    return MiniBatchResult(
        centroids=(centroids + mean).astype(dtype),
        counts=counts,
        inertia=inertia,
        n_steps=n_done,
        converged=converged,
        n_reassigned=n_reassigned,
        ewa_inertia=np.array(ewas),
        snapshot_steps=np.array([s[0] for s in snaps]),
        snapshot_seconds=np.array([s[1] for s in snaps]),
        snapshot_centroids=(np.stack([s[2] for s in snaps]) + mean).astype(dtype),
    )


# --------------------------------------------------------------------------- memory


def peak_memory_growth(function, *args, **kwargs):
    """Run ``function(*args, **kwargs)``; return ``(result, growth)``: how many bytes the peak
    resident memory of this process rose above its resident memory at the start, or None when
    it cannot be measured here.

    Linux only: writing "5" to ``/proc/self/clear_refs`` resets the peak (``VmHWM``) to the
    current resident size, which ``/proc/self/status`` reports with it. Resident memory counts
    everything this process holds: NumPy arrays, TensorFlow's tensors, Python objects.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = _status_kib("VmRSS")
    except OSError:
        return function(*args, **kwargs), None
    result = function(*args, **kwargs)
    return result, (_status_kib("VmHWM") - before) * 1024


def _status_kib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise OSError(f"{key} not in /proc/self/status")


# --------------------------------------------------------------------------- benchmark row


def minibatch_benchmark_row(folder, *, n_samples=1_000_000, n_features=32, n_clusters=64, batch_size=1024,
                            target=1.01, check_every=20, seed=0):
    """Time for :func:`minibatch_kmeans` and scikit-learn's ``MiniBatchKMeans`` to reach the same inertia.

    Writes blobs of ``n_samples × n_features`` (float32) to ``folder``, runs full streaming Lloyd
    from ``n_clusters`` random samples to get the reference inertia, then times both mini-batch
    methods from that start with ``batch_size`` rows per step: ours reading random rows from the
    files (its clock includes its float64 first pass, and it stops by its own rule),
    scikit-learn's ``partial_fit`` on random rows of the data in memory (one thread, see
    lesson 10). Every ``check_every`` steps the inertia of the current centroids over all the data
    is computed off the clock; the time recorded is the first at which it is at most ``target``
    times Lloyd's. Steps stop at 20 passes' worth of samples.

    Returns
    -------
    dict with ``data``, ``lloyd_inertia``, ``ours_seconds``, ``sklearn_seconds`` (None when the target
    was not reached), ``ours_steps``, ``sklearn_steps``, and ``ratio`` (ours / scikit-learn's seconds).
    """
    from sklearn.cluster import MiniBatchKMeans
    from threadpoolctl import threadpool_limits

    n_shards = -(-n_samples // 2**18)  # shards of at most 2**18 rows, all the same size
    rows_per_shard = max(1, n_samples // n_shards)
    _, shards = write_blobs(folder, n_shards, rows_per_shard, n_features, n_clusters, spread=4.0, seed=seed)
    rng = np.random.default_rng(seed)
    start = shards.rows(np.sort(rng.choice(shards.n_samples, n_clusters, replace=False))).astype(np.float64)
    lloyd = streaming_kmeans(shards, n_clusters, init=start, tol=1e-4)
    mean, _ = column_stats(shards)
    goal = target * lloyd.inertia
    max_steps = 20 * shards.n_samples // batch_size

    def reached(centroids):
        return streaming_inertia(shards, centroids, mean=mean) <= goal

    # Ours: one run with snapshots; their inertias are computed afterwards, off the clock.
    ours_seconds = ours_steps = None
    run = minibatch_kmeans(shards, n_clusters, init=start, batch_size=batch_size, max_iter=20, seed=seed,
                           snapshot_every=check_every, final_inertia=False)
    for steps, seconds, centroids in zip(run.snapshot_steps, run.snapshot_seconds, run.snapshot_centroids,
                                         strict=True):
        if reached(centroids):
            ours_seconds, ours_steps = float(seconds), int(steps)
            break

    data = np.concatenate([np.load(p) for p in shards.paths])
    model = MiniBatchKMeans(n_clusters=n_clusters, init=start.astype(np.float32), n_init=1, batch_size=batch_size,
                            random_state=seed)
    sklearn_seconds = sklearn_steps = None
    elapsed = 0.0
    with threadpool_limits(limits=1):
        for step in range(1, max_steps + 1):
            clock = time.perf_counter()
            model.partial_fit(data[rng.integers(0, len(data), batch_size)])
            elapsed += time.perf_counter() - clock
            if step % check_every == 0 and reached(model.cluster_centers_):
                sklearn_seconds, sklearn_steps = elapsed, step
                break
    return {
        "data": f"blobs {shards.n_samples}×{n_features}, k={n_clusters}, batches of {batch_size}",
        "lloyd_inertia": lloyd.inertia,
        "ours_seconds": ours_seconds,
        "ours_steps": ours_steps,
        "sklearn_seconds": sklearn_seconds,
        "sklearn_steps": sklearn_steps,
        "ratio": (ours_seconds / sklearn_seconds) if ours_seconds and sklearn_seconds else None,
    }
