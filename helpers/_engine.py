"""The compiled k-means engine behind ``helpers.functions``.

This module owns what a learner need not read to follow the lessons:

- where the maths happens (``Frame``, ``frame_of``): the data centred on a shift next to
  its float64 column mean and, only when its spread is tiny or huge, scaled by a power of
  two, so that the expansion ||x||² − 2x·c + ||c||² keeps its precision far from the
  origin and no square flushes to zero or overflows;
- the working dtype (``working_dtype``): float64 stays float64, float32 stays float32,
  integers become float64 (as in scikit-learn);
- the column sums, minima and maxima and the squared lengths of the rows, a chunk at a time;
- the Lloyd loop on large data (``lloyd``): compiled blocks of iterations (``_lloyd_block``)
  that read the samples a chunk at a time through one XLA kernel (``_nearest_in_chunk`` with
  its row minimum ``_row_minimum``), relocate an emptied cluster as scikit-learn does, and
  return to Python every fraction of a second so that Ctrl-C stops a long fit;
- the whole fit on small data (``is_small``, ``lloyd_small``): k-means++, the Lloyd
  iterations and the final labels in one XLA kernel (``_small_kernel``), so that a fit of the
  lessons' blobs or digits pays TensorFlow's fixed cost of a call once;
- greedy k-means++ (``kmeans_plusplus_indices``), compiled, its random numbers drawn by NumPy
  (``plusplus_draws``).

The lessons build the same maths in the open (``helpers.functions``); this is the fast and
careful version of it.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass

import numpy as np

from helpers._quiet import tf

# Rows per chunk in the Lloyd loop: about 4 MiB of float32 samples and at most 8192 rows, so
# that a chunk is still in the CPU cache when its labels are turned into sums. Measured on 2
# cores, ms per iteration of a 10-iteration fit: 1000000×32, k=64: 4096 rows 72, 8192 rows 58,
# 16384 rows 57, 32768 rows 63; 70000×784, k=10: 669 rows 34, 1337 rows (the 4 MiB rule) 30,
# 2674 rows 34, 5348 rows 34.
_CHUNK_BYTES = 4 * 2**20
_MAX_CHUNK_ROWS = 8192
_CLUSTER_MULTIPLE = 16  # k <= 16 is padded to 16, a larger k to a multiple of 2 * 16

# A compiled block of Lloyd iterations (or of k-means++ centres) aims to take about this
# long, so that Python, and with it Ctrl-C, gets control back a few times a second.
_BLOCK_SECONDS = 0.2
_MAX_BLOCK = 256  # iterations in one block at most (its history is kept until it returns)

# Scaling by a power of two is exact; it is applied only when the spread of the centred data
# leaves this window of exponents, where squares could lose precision to subnormals or
# overflow (float32: 2**±30 keeps every square and every sum over a billion rows in range).
_EXPONENT_WINDOW = {tf.float32: 30, tf.float64: 200}
# How far, in powers of two of the samples' spread, a centroid may lie before the scale
# follows the centroids instead of the samples (so that its squared length stays finite).
_FAR_CENTROIDS = {tf.float32: 60, tf.float64: 480}


def _traced_once_per_dtype(signature, jit_compile=False):
    """A decorator: ``tf.function`` with an input signature of unknown sizes, one per dtype of the
    first argument. A new k, n or d then reuses the graph instead of tracing anew (about a
    second each here); only XLA's kernel is compiled again for new shapes. With
    ``jit_compile``, XLA compiles the whole function, once for each shape of its inputs."""

    def decorate(function):
        graphs = {}

        def call(*args, **options):  # options: Python values, one graph for each
            key = (args[0].dtype, *sorted(options.items()))
            if key not in graphs:
                def graph(*args):  # the options bound, and no longer parameters of the graph
                    return function(*args, **options)

                # A signature of the tensors alone: with the options left in it, every call first
                # failed to bind (building an error message that prints the tensors) and retried.
                parameters = [p for name, p in inspect.signature(function).parameters.items() if name not in options]
                graph.__signature__ = inspect.Signature(parameters)
                graph.__name__ = function.__name__
                graphs[key] = tf.function(graph, input_signature=signature(key[0]), autograph=False,
                                          jit_compile=jit_compile).get_concrete_function()
            return graphs[key](*args)

        call.python_function = function
        call.__doc__, call.__name__ = function.__doc__, function.__name__
        return call

    return decorate


def _spec(shape, dtype):
    return tf.TensorSpec(shape, dtype)


def working_dtype(dtype):
    """The dtype k-means computes in for data of ``dtype``: float64 for float64 and wider
    floats and for integers (exact up to 2**53, as scikit-learn), float32 for float32 and
    narrower floats."""
    dtype = np.dtype(dtype)
    return tf.float32 if dtype.kind == "f" and dtype.itemsize <= 4 else tf.float64


def _chunk_rows(n_samples, n_features, itemsize=4):
    return int(min(n_samples, _MAX_CHUNK_ROWS, max(256, _CHUNK_BYTES // (itemsize * n_features))))


def _rows_for(samples):
    return _chunk_rows(samples.shape[0], samples.shape[1], samples.dtype.size)


def _chunk(tensor, j, chunk_rows):
    """Chunk j of the samples, or of anything with one row per sample."""
    return tensor[j * chunk_rows : (j + 1) * chunk_rows]


def _n_chunks(samples, chunk_rows):
    return (tf.shape(samples)[0] + chunk_rows - 1) // chunk_rows


# ------------------------------------------------------------ column statistics, frame


def column_stats(samples):
    """Column sums (float64), minima and maxima of an (n, d) tensor, as NumPy arrays, a chunk at
    a time (NaN or inf anywhere makes a sum non-finite)."""
    rows = _rows_for(samples)
    if rows >= samples.shape[0]:  # one chunk: eager operations are quicker than a graph call
        stats = _column_stats_of(samples)
    else:
        stats = _column_stats_in_chunks(samples, tf.constant(rows))
    return tuple(s.numpy().astype(np.float64) for s in stats)


def _column_stats_of(chunk):
    return (tf.reduce_sum(tf.cast(chunk, tf.float64), axis=0), tf.reduce_min(chunk, axis=0),
            tf.reduce_max(chunk, axis=0))


@_traced_once_per_dtype(lambda dtype: [_spec([None, None], dtype), _spec([], tf.int32)])
def _column_stats_in_chunks(samples, chunk_rows):
    n_features = tf.shape(samples)[1]

    def body(j, total, low, high):
        chunk_total, chunk_low, chunk_high = _column_stats_of(_chunk(samples, j, chunk_rows))
        return j + 1, total + chunk_total, tf.minimum(low, chunk_low), tf.maximum(high, chunk_high)

    infinity = tf.constant(np.inf, samples.dtype)
    start = (0, tf.zeros([n_features], tf.float64), tf.fill([n_features], infinity), tf.fill([n_features], -infinity))
    return tf.while_loop(lambda j, *_: j < _n_chunks(samples, chunk_rows), body, start)[1:]


def _squared_lengths(samples):
    """||x||² of every row of an (n, d) tensor, in its dtype (NaN for a row holding NaN)."""
    rows = _rows_for(samples)
    if rows >= samples.shape[0]:  # one chunk: the eager operations are quicker than a graph call
        return tf.reduce_sum(tf.square(samples), axis=1)
    return _squared_lengths_in_chunks(samples, tf.constant(rows))


@_traced_once_per_dtype(lambda dtype: [_spec([None, None], dtype), _spec([], tf.int32)])
def _squared_lengths_in_chunks(samples, chunk_rows):
    """A chunk at a time: tf.square(samples) would make a temporary as large as X. Measured on
    2 cores, 70000×784: 34 ms as eager operations a chunk at a time, 10 ms compiled."""

    def chunk_lengths(j, lengths):
        return j + 1, lengths.write(j, tf.reduce_sum(tf.square(_chunk(samples, j, chunk_rows)), axis=1))

    lengths = tf.TensorArray(samples.dtype, size=_n_chunks(samples, chunk_rows), infer_shape=False)
    return tf.while_loop(lambda j, _: j < _n_chunks(samples, chunk_rows), chunk_lengths, (0, lengths))[1].concat()


@dataclass(frozen=True)
class Frame:
    """Where the maths happens: a value ``x`` is worked on as ``(x - shift) * 2**-exponent``.

    ``shift`` is 0 when every feature's mean is within the data's largest deviation from the
    mean of the origin (centring would gain little there and cost a copy of X). Otherwise it
    is the samples' float64 column mean rounded to a multiple of 2**q, where 2**q is
    about a thousandth of the samples' largest deviation from the mean, and then to the
    working dtype. So the shift is as good as the mean for centring (the expansion's
    round-off scales with the squared distances from the shift, not from the origin), and on
    data that lie on a grid coarser than 2**q (integers, pixels in sixteenths, float32 values
    far from the origin) ``x - shift`` is exact: ties stay ties. The power of two is exact.
    """

    shift: np.ndarray  # (d,) float64, each value exact in ``dtype``
    exponent: int
    dtype: tf.DType

    @property
    def scale(self):
        return math.ldexp(1.0, -self.exponent)

    def samples_into(self, samples):
        """The (n, d) samples tensor, moved into the frame (one pass, in the working dtype)."""
        centred = samples - tf.constant(self.shift, self.dtype) if self.shift.any() else samples
        return centred * tf.constant(self.scale, self.dtype) if self.exponent else centred

    def into(self, values):
        """Small float64 arrays (centroids) into the frame: the shift is subtracted in float64."""
        array = (np.asarray(values, np.float64) - self.shift) * self.scale
        return tf.constant(array.astype(self.dtype.as_numpy_dtype))

    def out(self, values):
        """Values in the frame back in the data's units, as a NumPy array of the working dtype."""
        array = np.asarray(values, np.float64) * math.ldexp(1.0, self.exponent) + self.shift
        return array.astype(self.dtype.as_numpy_dtype)

    def mean_of(self, stats, n_samples):
        """The samples' float64 column mean (from ``column_stats``) in the frame."""
        return (stats[0] / n_samples - self.shift) * self.scale

    def squared(self, values):
        """Squared distances (an inertia) in the frame back in the data's squared units."""
        return np.asarray(values, np.float64) * math.ldexp(1.0, 2 * self.exponent)


def frame_of(name, samples, stats, *others):
    """The ``Frame`` for ``samples`` (a tensor) with its ``column_stats``, and small float64
    arrays ``others`` (centroids) that must fit in it. Raises ValueError when squared
    distances would overflow float64 (values beyond about 1e150)."""
    n_samples, n_features = samples.shape
    dtype = samples.dtype
    total, low, high = stats
    mean = total / n_samples
    reach = float(np.max(np.maximum(high - mean, mean - low)))
    if np.all(np.abs(mean) <= reach):
        # The mean already lies within the data's spread of the origin: centring would cut the
        # expansion's round-off by a small factor only, and cost a copy of X (210 MiB for
        # 70000×784). So no shift, as for data the course generates (blobs, digits, pixels).
        shift = np.zeros_like(mean)
    elif reach > 0:
        grid = math.ldexp(1.0, math.floor(math.log2(reach)) - 10)
        shift = np.round(mean / grid) * grid
    else:  # every row the same: shift onto it exactly
        shift = low.copy()
    shift = shift.astype(dtype.as_numpy_dtype).astype(np.float64)
    reach = float(np.max(np.maximum(high - shift, shift - low)))
    exponent = math.ceil(math.log2(reach)) if reach > 0 else 0
    if abs(exponent) <= _EXPONENT_WINDOW[dtype]:
        exponent = 0
    far = max((float(np.max(np.abs(np.asarray(o, np.float64) - shift))) for o in others), default=0.0)
    if far > 0 and math.log2(far) - exponent > _FAR_CENTROIDS[dtype]:
        exponent = math.ceil(math.log2(far)) - _FAR_CENTROIDS[dtype]
    largest = max(reach, far)
    # The largest squared distance, summed over every sample, must stay below float64's 1.8e308.
    if largest > 0 and 2 * math.log2(2 * largest) + math.log2(n_samples * n_features) > 1020:
        raise ValueError(
            f"{name} spread over {largest:.3g} from their mean; squared distances (up to about "
            f"{n_features} x {2 * largest:.3g}²) would overflow float64. Rescale the data, for example "
            "divide it by its largest value."
        )
    return Frame(shift, exponent, dtype)


# ------------------------------------------------------------------------- Lloyd


# Small data (``is_small``): the whole fit is one XLA kernel, compiled once for each shape of
# the data and each padded k (0.2 to 0.5 s here), then a fraction of a millisecond a call.
# Measured on 2 cores, digits 1797×64, k=10: 0.1 ms per iteration as TensorFlow's graph,
# 0.012 ms in one XLA kernel; and TensorFlow's fixed cost of a call, 0.4 ms or more, is paid
# once per fit instead of once per step.
_SMALL_SAMPLES = 2**18  # n * d below this
_SMALL_DISTANCES = 2**24  # and n * padded k at most this: the (n, k) distances stay under 64 MiB


def padded_clusters(n_clusters):
    """k padded as ``_padding`` pads it, for a Python int: 16 up to 16, else a multiple of 32."""
    return _CLUSTER_MULTIPLE if n_clusters <= _CLUSTER_MULTIPLE else -(-n_clusters // 32) * 32


def is_small(samples, n_clusters):
    """Whether ``samples`` (n, d) with k clusters take the small-data path: one XLA kernel
    for the whole fit, the samples in one piece."""
    n_samples, n_features = samples.shape
    return n_samples * n_features < _SMALL_SAMPLES and n_samples * padded_clusters(n_clusters) <= _SMALL_DISTANCES


@tf.function(jit_compile=True, autograph=False)
def _nearest_in_chunk(chunk, chunk_sq, minus_twice, centroids_sq):
    """One chunk of samples: the label of each row, the chunk's share of the inertia (float64),
    and the sums and counts of each cluster, compiled by XLA into one kernel.

    XLA turns ``unsorted_segment_sum`` into one tight loop over the chunk; without XLA the
    same op was the slowest part of an iteration. ``minus_twice`` has a multiple of 16 rows
    (``_padding``).
    """
    partial = tf.matmul(chunk, minus_twice, transpose_b=True) + centroids_sq  # (rows, k), no ||x||²
    return _assign_and_sum(chunk, chunk_sq, partial, tf.shape(minus_twice)[0], _row_minimum)


def _assign_and_sum(chunk, chunk_sq, partial, n_clusters, row_minimum):
    """From the (rows, k) distances less ||x||² (``partial``): each row's label by
    ``row_minimum``, the chunk's inertia (float64), and each cluster's sums and counts."""
    nearest, labels = row_minimum(partial)
    inertia = tf.reduce_sum(tf.cast(tf.maximum(chunk_sq + nearest, 0.0), tf.float64))
    sums = tf.math.unsorted_segment_sum(chunk, labels, n_clusters)
    counts = tf.math.unsorted_segment_sum(tf.ones_like(nearest), labels, n_clusters)
    return labels, inertia, sums, counts


def _plain_row_minimum(partial):
    """Each row's minimum and its first column (``tf.argmin``): ``_row_minimum`` without the
    pairwise halving, which pays off on large data only and costs compile time."""
    return tf.reduce_min(partial, axis=1), tf.argmin(partial, axis=1, output_type=tf.int32)


def _row_minimum(partial):
    """Each row's minimum and the first column holding it (``tf.argmin``'s rule), inside an
    XLA kernel; the number of columns must be divisible by 4.

    It computes what the plain way does, ``tf.reduce_min`` and then the lowest column equal
    to it, but first halves the columns twice by pairwise comparisons of neighbours. On a
    tie the left one of a pair stays; it covers the lower columns, so the first index
    survives. Why bother: XLA's CPU compiler splits a row reduction over more than 32
    columns in two, and then writes the whole (rows, k) comparison of the plain way to
    memory; a quarter as many columns avoids most of that traffic. Measured on 2 cores, ms
    per pass over 1000000×32 with k=64: tf.argmin 80, the plain way 57, this 46. It was as
    fast for k=16 and 32 and faster for 96 to 256, but slower for k=48 (twice) and 80, odd
    multiples of 16; so ``_padding`` pads a k above 16 to a multiple of 32.
    """
    n_columns = tf.shape(partial)[1]
    columns = tf.broadcast_to(tf.range(n_columns), tf.shape(partial))
    for _ in range(2):
        half = tf.shape(partial)[1] // 2
        pairs, column_pairs = tf.reshape(partial, [-1, half, 2]), tf.reshape(columns, [-1, half, 2])
        right = pairs[..., 1] < pairs[..., 0]  # strictly: on a tie the left, lower column stays
        partial = tf.where(right, pairs[..., 1], pairs[..., 0])
        columns = tf.where(right, column_pairs[..., 1], column_pairs[..., 0])
    nearest = tf.reduce_min(partial, axis=1)
    return nearest, tf.reduce_min(tf.where(partial == nearest[:, None], columns, n_columns), axis=1)


def _padding(n_clusters):
    """XLA compiles the chunk kernel anew for every shape (about 80 ms here). Padding k up to a
    multiple of 16 with centroids at infinite distance, never nearest, lets one kernel serve
    k = 1..16 (an elbow plot, say); measured no slower for k = 10 on 70000×784. Above 16, a
    multiple of 32: ``_row_minimum`` is slow on an odd multiple of 16."""
    multiple = tf.where(n_clusters <= _CLUSTER_MULTIPLE, _CLUSTER_MULTIPLE, 2 * _CLUSTER_MULTIPLE)
    return -n_clusters % multiple


def _distance_terms(centroids, padding):
    """-2c (exact: its product equals -2 (x·c) bit for bit, one pass fewer) and ||c||², padded
    with rows that no sample is nearest to."""
    minus_twice = tf.pad(-2.0 * centroids, [[0, padding], [0, 0]])
    centroids_sq = tf.pad(tf.reduce_sum(tf.square(centroids), axis=1), [[0, padding]], constant_values=np.inf)
    return minus_twice, centroids_sq


def _one_pass(samples, samples_sq, centroids, chunk_rows):
    """Labels, per-cluster sums and counts, and the inertia (float64) for the given centroids:
    one read of the samples, a chunk at a time."""
    n_clusters = tf.shape(centroids)[0]
    padding = _padding(n_clusters)
    terms = _distance_terms(centroids, padding)
    n_chunks = _n_chunks(samples, chunk_rows)

    def chunk_step(j, sums, counts, total, labels):
        chunk_labels, chunk_inertia, chunk_sums, chunk_counts = _nearest_in_chunk(
            _chunk(samples, j, chunk_rows), _chunk(samples_sq, j, chunk_rows), *terms)
        return j + 1, sums + chunk_sums, counts + chunk_counts, total + chunk_inertia, labels.write(j, chunk_labels)

    padded = n_clusters + padding
    start = (0, tf.zeros([padded, tf.shape(samples)[1]], samples.dtype), tf.zeros([padded], samples.dtype),
             tf.constant(0.0, tf.float64), tf.TensorArray(tf.int32, size=n_chunks, infer_shape=False))
    _, sums, counts, total, labels = tf.while_loop(lambda j, *_: j < n_chunks, chunk_step, start)
    labels = labels.concat()
    labels.set_shape(samples.shape[:1])  # (n,), as the loop needs it to be known
    return labels, sums[:n_clusters], counts[:n_clusters, None], total


def _distances_to_own_centroid(samples, centroids, labels, chunk_rows):
    """||x - c(x)||² of every sample to the centroid it is labelled with, from exact differences."""

    def chunk_step(j, found):
        chunk = _chunk(samples, j, chunk_rows)
        own = tf.gather(centroids, _chunk(labels, j, chunk_rows))
        return j + 1, found.write(j, tf.reduce_sum(tf.square(chunk - own), axis=1))

    found = tf.TensorArray(samples.dtype, size=_n_chunks(samples, chunk_rows), infer_shape=False)
    return tf.while_loop(lambda j, _: j < _n_chunks(samples, chunk_rows), chunk_step, (0, found))[1].concat()


def _relocate_empty(samples, centroids, labels, sums, counts, chunk_rows):
    """scikit-learn's ``_relocate_empty_clusters_dense``: each empty cluster takes one of the
    samples farthest from their own centroid (the farthest goes to the lowest-numbered empty
    cluster), which leaves the cluster it was in. Returns the new sums and counts and an
    (m, 2) tensor of (empty cluster, sample) pairs, m = 0 when no cluster was empty."""
    empty = tf.cast(tf.where(counts[:, 0] == 0)[:, 0], tf.int32)
    n_empty = tf.size(empty)

    def relocate():
        distances = _distances_to_own_centroid(samples, centroids, labels, chunk_rows)
        far = tf.math.top_k(distances, k=n_empty).indices  # descending; a tie goes to the lower index
        far_rows = tf.gather(samples, far)
        ones = tf.ones([n_empty, 1], counts.dtype)
        old = tf.gather(labels, far)[:, None]
        new_sums = tf.tensor_scatter_nd_update(tf.tensor_scatter_nd_add(sums, old, -far_rows), empty[:, None], far_rows)
        new_counts = tf.tensor_scatter_nd_update(tf.tensor_scatter_nd_add(counts, old, -ones), empty[:, None], ones)
        return new_sums, new_counts, tf.stack([empty, far], axis=1)

    return tf.cond(n_empty > 0, relocate, lambda: (sums, counts, tf.zeros([0, 2], tf.int32)))


@_traced_once_per_dtype(lambda dtype: [
    _spec([None, None], dtype), _spec([None], dtype), _spec([None, None], dtype), _spec([None], tf.int32),
    _spec([], tf.int32), _spec([], tf.int32), _spec([], dtype), _spec([], tf.int32)])
def _lloyd_block(samples, samples_sq, centroids, labels_old, first, n_steps, tol, chunk_rows):
    """Up to ``n_steps`` Lloyd iterations (numbered from ``first``) from ``centroids``:
    scikit-learn's ``_kmeans_single_lloyd`` in TF2, a block at a time.

    Each iteration reads the samples once, chunk by chunk: distances by one matmul (||x||²
    left out: it does not change the argmin), the nearest centroid, and the sums of each
    cluster while the chunk is still in cache (``_nearest_in_chunk``). A cluster left empty
    takes a far sample (``_relocate_empty``); one that stays empty keeps its centroid.
    ``samples_sq`` holds ||x||² of each sample. The block stops early when no label changed
    or the centroids moved (squared, in total) no more than ``tol``.

    Returns the centroids, the labels of the last assignment, the iterations run, whether it
    converged (and strictly: no label changed), each iteration's inertia (float64), the
    centroids after each iteration, and (iteration, cluster, sample) for each relocation.
    """

    def step(i, centroids, labels_old, done, strict, inertias, history, moves):
        labels, sums, counts, total = _one_pass(samples, samples_sq, centroids, chunk_rows)
        sums, counts, moved = _relocate_empty(samples, centroids, labels, sums, counts, chunk_rows)
        updated = tf.where(counts > 0, sums / tf.maximum(counts, 1.0), centroids)
        # The loop needs the shape it started with; for k = 1, broadcasting against counts of
        # unknown length would leave (None, d).
        updated = tf.ensure_shape(updated, centroids.shape)
        strict = tf.reduce_all(tf.equal(labels, labels_old))
        done = strict | (tf.reduce_sum(tf.square(updated - centroids)) <= tol)
        when = tf.fill([tf.shape(moved)[0], 1], first + i)
        return (i + 1, updated, labels, done, strict, inertias.write(i, total), history.write(i, updated),
                moves.write(i, tf.concat([when, moved], axis=1)))

    state = (
        tf.constant(0),
        centroids,
        labels_old,
        tf.constant(False),
        tf.constant(False),
        tf.TensorArray(tf.float64, size=0, dynamic_size=True),
        tf.TensorArray(samples.dtype, size=0, dynamic_size=True, element_shape=centroids.shape),
        tf.TensorArray(tf.int32, size=0, dynamic_size=True, infer_shape=False, element_shape=[None, 3]),
    )
    n_done, centroids, labels, done, strict, inertias, history, moves = tf.while_loop(
        lambda i, _c, _l, done, *rest: (i < n_steps) & ~done, step, state
    )
    return centroids, labels, n_done, done, strict, inertias.stack(), history.stack(), moves.concat()


@_traced_once_per_dtype(lambda dtype: [
    _spec([None, None], dtype), _spec([None], dtype), _spec([None, None], dtype), _spec([None], tf.int32),
    _spec([], tf.bool), _spec([], tf.int32)])
def _final_pass(samples, samples_sq, centroids, labels, labels_hold, chunk_rows):
    """The labels of the final centroids (``labels`` when ``labels_hold``, else found anew) and
    the inertia from exact differences (float64), a chunk at a time."""
    padding = _padding(tf.shape(centroids)[0])
    terms = _distance_terms(centroids, padding)
    n_chunks = _n_chunks(samples, chunk_rows)

    def chunk_step(j, total, found):
        chunk = _chunk(samples, j, chunk_rows)
        chunk_labels = tf.cond(
            labels_hold,
            lambda: _chunk(labels, j, chunk_rows),
            lambda: _nearest_in_chunk(chunk, _chunk(samples_sq, j, chunk_rows), *terms)[0],
        )
        total += tf.cast(tf.reduce_sum(tf.square(chunk - tf.gather(centroids, chunk_labels))), tf.float64)
        return j + 1, total, found.write(j, chunk_labels)

    start = (0, tf.constant(0.0, tf.float64), tf.TensorArray(tf.int32, size=n_chunks, infer_shape=False))
    _, total, found = tf.while_loop(lambda j, *_: j < n_chunks, chunk_step, start)
    return found.concat(), total


def _relocate_in_kernel(samples, centroids, labels, sums, counts, active):
    """``_relocate_empty`` for the small-data kernel, where shapes are fixed: each empty
    (active) cluster, in order, takes the next of the samples farthest from their own centroid
    (a stable descending sort: on a tie the lower index first, as ``tf.math.top_k``). Returns
    the new sums and counts and, for each of the padded k clusters, the sample it moved to or -1."""
    empty = (counts == 0) & active

    def relocate():
        distances = tf.reduce_sum(tf.square(samples - tf.gather(centroids, labels)), axis=1)
        order = tf.argsort(distances, direction="DESCENDING", stable=True)
        rank = tf.cumsum(tf.cast(empty, tf.int32)) - 1  # the j-th empty cluster takes the j-th farthest
        far = tf.gather(order, tf.clip_by_value(rank, 0, tf.shape(samples)[0] - 1))
        rows = tf.where(empty[:, None], tf.gather(samples, far), tf.zeros([], samples.dtype))
        taken = tf.cast(empty, counts.dtype)
        old = tf.gather(labels, far)
        n_padded = tf.shape(counts)[0]
        new_sums = tf.where(empty[:, None], rows, sums - tf.math.unsorted_segment_sum(rows, old, n_padded))
        new_counts = tf.where(empty, tf.ones([], counts.dtype),
                              counts - tf.math.unsorted_segment_sum(taken, old, n_padded))
        return new_sums, new_counts, tf.where(empty, far, -1)

    return tf.cond(tf.reduce_any(empty), relocate, lambda: (sums, counts, tf.fill(tf.shape(empty), -1)))


def _small_kernel(samples, centroids, labels_old, numbers, tols, block, padded, plusplus):
    """The small-data fit in one XLA kernel: k-means++ (when ``plusplus``; else ``centroids``
    is the start), up to ``n_steps`` <= ``block`` Lloyd iterations, then the final labels and
    the inertia. The same steps as ``_lloyd_block`` and ``_final_pass`` with the samples in one
    piece and k padded to ``padded`` clusters that are never nearest.

    ``numbers`` holds (k, n_steps, the first k-means++ centre); ``tols`` (float64) holds
    tol, relative to the mean variance of the features as in scikit-learn, the squared
    length of the samples' mean and, with ``plusplus``, k-means++'s draws (``plusplus_draws``,
    ``padded`` rows of ``_n_trials(padded)``). TensorFlow's fixed cost of a call grows with each input and
    output (about 15 and 10 microseconds here), hence the packing. Returns the results
    as three tensors (each output costs time): the whole numbers (iterations run, converged,
    strictly; the labels of the last assignment; the final labels; for each iteration and
    cluster, the sample it moved to or -1), the inertia of each iteration and then of the
    final labels, and the start and the centroids after each iteration.
    """
    n_clusters, n_steps, first = numbers[0], numbers[1], numbers[2]
    active = tf.range(padded) < n_clusters
    samples_sq = tf.reduce_sum(tf.square(samples), axis=1)
    # scikit-learn's np.mean(np.var(X, axis=0)): the mean squared length less that of the mean
    # (``tols[1]``, from the float64 column sums), over d; in float64.
    mean_square = tf.reduce_mean(tf.cast(samples_sq, tf.float64))
    variance = tf.maximum(mean_square - tols[1], 0.0) / tf.cast(tf.shape(samples)[1], tf.float64)
    tol = tf.cast(tols[0] * variance, samples.dtype)
    if plusplus:
        draws = tf.reshape(tols[2:], [padded, _n_trials(padded)])
        chosen = _plusplus_in_kernel(samples, samples_sq, n_clusters, first, draws, padded)
        centroids = tf.where(active[:, None], tf.gather(samples, chosen), tf.zeros([], samples.dtype))

    def distances(centroids):  # as _nearest_in_chunk: (n, padded k), ||x||² left out
        centroids_sq = tf.where(active, tf.reduce_sum(tf.square(centroids), axis=1), tf.constant(np.inf, samples.dtype))
        return tf.matmul(samples, -2.0 * centroids, transpose_b=True) + centroids_sq

    def nearest(centroids):  # _nearest_in_chunk's maths, the same first column on a tie
        return _assign_and_sum(samples, samples_sq, distances(centroids), padded, _plain_row_minimum)

    def step(i, centroids, labels_old, done, strict, inertias, history, moves):
        labels, total, sums, counts = nearest(centroids)
        sums, counts, moved = _relocate_in_kernel(samples, centroids, labels, sums, counts, active)
        updated = tf.where(counts[:, None] > 0, sums / tf.maximum(counts, 1.0)[:, None], centroids)
        strict = tf.reduce_all(tf.equal(labels, labels_old))
        done = strict | (tf.reduce_sum(tf.square(updated - centroids)) <= tol)
        return (i + 1, updated, labels, done, strict, inertias.write(i, total), history.write(i + 1, updated),
                moves.write(i, moved))

    state = (0, centroids, labels_old, False, False, tf.TensorArray(tf.float64, size=block + 1),
             tf.TensorArray(samples.dtype, size=block + 1).write(0, centroids), tf.TensorArray(tf.int32, size=block))
    n_done, centroids, labels, done, strict, inertias, history, moves = tf.while_loop(
        lambda i, _c, _l, done, *rest: (i < n_steps) & ~done, step, state)
    # After a strict convergence the last labels hold (``lloyd``).
    final = tf.cond(strict, lambda: labels, lambda: _plain_row_minimum(distances(centroids))[1])
    total = tf.reduce_sum(tf.cast(tf.reduce_sum(tf.square(samples - tf.gather(centroids, final)), axis=1), tf.float64))
    status = tf.stack([n_done, tf.cast(done, tf.int32), tf.cast(strict, tf.int32)])
    whole_numbers = tf.concat([status, labels, final, tf.reshape(moves.stack(), [-1])], axis=0)
    return whole_numbers, inertias.write(block, total).stack(), history.stack()


def _small_signature(dtype):
    return [_spec([None, None], dtype), _spec([None, None], dtype), _spec([None], tf.int32), _spec([3], tf.int32),
            _spec([None], tf.float64)]


_small_fit = _traced_once_per_dtype(_small_signature, jit_compile=True)(_small_kernel)


def _small_block(n_samples, n_features, padded):
    """Iterations per call on small data, a power of two: 64, fewer when a history of 64
    iterations (64 x padded k x d) would pass 16 MiB or an iteration is long."""
    block = 64
    while block > 1 and (block * padded * n_features > 2**22 or block * n_samples * padded * n_features > 2**31):
        block //= 2
    return block


_NO_LABELS = {}  # n -> a tensor of n times -1: the labels before the first iteration


def lloyd_small(samples, centroids, n_clusters, *, seed, max_iter, tol, mean):
    """``lloyd`` (and k-means++ before it, when ``centroids`` is None, with ``seed``) for data
    that ``is_small``, with ``tol`` relative to the features' mean variance (``mean``: the
    samples' float64 column mean, in the frame): one XLA kernel a call, each call up to
    ``_small_block`` iterations, so Ctrl-C still gets a chance between calls."""
    n_samples, n_features = samples.shape
    padded = padded_clusters(n_clusters)
    block = _small_block(n_samples, n_features, padded)
    plusplus = centroids is None
    # With k-means++ the kernel ignores the centroids given: the samples serve, with no new tensor.
    centroids = samples if plusplus else tf.pad(centroids, [[0, padded - n_clusters], [0, 0]])
    first, tols = 0, [tol, float(np.sum(np.square(mean)))]
    if plusplus:
        first, draws = _plusplus_inputs(seed, padded, _n_trials(padded), n_samples)
        tols = np.concatenate([tols, draws.ravel()])
    tols = tf.constant(tols, tf.float64)
    if n_samples not in _NO_LABELS:
        _NO_LABELS.clear()
        _NO_LABELS[n_samples] = tf.fill([n_samples], -1)
    labels = _NO_LABELS[n_samples]
    inertias, history, moves = [], [], []
    n_iter = 0
    while True:
        n_steps = min(block, max_iter - n_iter)
        numbers = tf.constant([n_clusters, n_steps, first], tf.int32)
        whole_numbers, block_inertias, block_history = _small_fit(
            samples, centroids, labels, numbers, tols, block=block, padded=padded, plusplus=plusplus)
        whole_numbers, block_inertias, block_history = (whole_numbers.numpy(), block_inertias.numpy(),
                                                        block_history.numpy())
        n_done, done = whole_numbers[:2].tolist()
        last, final = whole_numbers[3 : 3 + n_samples], whole_numbers[3 + n_samples : 3 + 2 * n_samples]
        block_moves = whole_numbers[3 + 2 * n_samples :].reshape(block, padded)[:n_done, :n_clusters]
        inertias.append(block_inertias[:n_done])
        history.append(block_history[int(n_iter > 0) : n_done + 1, :n_clusters])
        if block_moves.max(initial=-1) >= 0:
            steps, clusters = np.nonzero(block_moves >= 0)
            moves.append(np.stack([steps + n_iter + 1, clusters, block_moves[steps, clusters]], axis=1))
        n_iter += n_done
        if done or n_iter >= max_iter:
            break
        plusplus = False
        centroids, labels = tf.constant(block_history[n_done]), tf.constant(last)
    return LloydRun(block_history[n_done, :n_clusters], final, float(block_inertias[block]), n_iter, bool(done),
                    np.concatenate(inertias), np.concatenate(history),
                    np.concatenate(moves).astype(np.int32) if moves else np.zeros((0, 3), np.int32))


@dataclass
class LloydRun:
    """One Lloyd run, in the frame: tensors and NumPy arrays as ``lloyd`` returns them."""

    centroids: tf.Tensor | np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int
    converged: bool
    inertias: np.ndarray  # (n_iter,) float64
    history: np.ndarray  # (n_iter + 1, k, d)
    moves: np.ndarray  # (m, 3) int: iteration (from 1), empty cluster, sample it moved to


def _first_block(n_samples, n_features, n_clusters):
    """Iterations in the first block: one on large data (its time sizes the next blocks), more
    on small data, where a call's fixed cost matters more than Ctrl-C."""
    work = n_samples * n_features * max(n_clusters, _CLUSTER_MULTIPLE)
    return int(max(1, min(64, 2e7 // work)))


def _next_block(block, seconds, n_done):
    per_step = seconds / max(n_done, 1)
    return int(max(1, min(2 * block, _MAX_BLOCK, _BLOCK_SECONDS // max(per_step, 1e-9))))


def lloyd(samples, samples_sq, centroids, *, max_iter, tol):
    """Lloyd's k-means from ``centroids`` (all in the frame), in compiled blocks of iterations
    that each take about ``_BLOCK_SECONDS``: between blocks Python runs, so Ctrl-C
    (KeyboardInterrupt) stops the fit within about a second. The history kept is what the
    fit ran, nothing sized by ``max_iter``."""
    n_samples, n_features = samples.shape
    chunk_rows = tf.constant(_rows_for(samples))
    tol = tf.constant(tol, samples.dtype)
    labels = tf.fill([n_samples], -1)
    inertias, history, moves = [], [centroids.numpy()[None]], []
    n_iter, done, strict = 0, False, False
    block = _first_block(n_samples, n_features, centroids.shape[0])
    while n_iter < max_iter and not done:
        began = time.perf_counter()
        centroids, labels, n_done, done, strict, block_inertias, block_history, block_moves = _lloyd_block(
            samples, samples_sq, centroids, labels, tf.constant(n_iter + 1), tf.constant(min(block, max_iter - n_iter)),
            tol, chunk_rows)
        n_done, done, strict = int(n_done), bool(done), bool(strict)
        block = _next_block(block, time.perf_counter() - began, n_done)
        n_iter += n_done
        inertias.append(block_inertias.numpy())
        history.append(block_history.numpy())
        moves.append(block_moves.numpy())
    # After a strict convergence the last labels hold: the centroids, means of the same labels
    # as the iteration before, did not move. scikit-learn skips the search then, too.
    labels, total = _final_pass(samples, samples_sq, centroids, labels, tf.constant(strict), chunk_rows)
    return LloydRun(centroids, labels.numpy(), float(total), n_iter, done, np.concatenate(inertias),
                    np.concatenate(history), np.concatenate(moves))


# ------------------------------------------------------------------------ k-means++


# The most candidates a k-means++ centre can have: 2 + int(ln k) for any k below 2**31.
_MAX_TRIALS = 23


def plusplus_draws(seed, n_centres):
    """The uniform numbers in [0, 1) that k-means++ with ``seed`` uses, (``n_centres``,
    ``_MAX_TRIALS``) float64: row c for centre c (its first ``2 + int(ln k)`` columns), and
    for the first centre (row 0) the sample at ``first_centre``.

    Made by NumPy's PCG64 on the host, not by TensorFlow inside the kernel: its numbers are the
    same on any machine, the same for every k (the rows of a smaller k are the first rows of a
    larger one) and for both ways of running k-means++, and a random generator left out of the
    XLA kernel saves about 0.3 s of compiling at the first call (measured here on the blobs and
    the digits)."""
    return np.random.default_rng(seed).random((n_centres, _MAX_TRIALS))


def first_centre(draws, n_samples):
    """The first k-means++ centre: a uniformly random sample index, from ``draws[0, 0]``."""
    return min(int(draws[0, 0] * n_samples), n_samples - 1)


def _plusplus_inputs(seed, n_centres, n_trials, n_samples):
    """What a compiled k-means++ takes from ``seed``: the first centre, and the draws of
    ``n_centres`` centres with ``n_trials`` candidates each, (``n_centres``, ``n_trials``)."""
    draws = plusplus_draws(seed, n_centres)
    return first_centre(draws, n_samples), draws[:, :n_trials]


def _plusplus_step(samples, samples_sq, draws, n_trials, search):
    """One centre of greedy k-means++, as scikit-learn's ``_kmeans_plusplus``: one candidate for
    each number in row c of ``draws`` (``plusplus_draws``' numbers), drawn with probability
    proportional to ``closest`` (each sample's squared distance to its nearest centre so far,
    by a float64 cumulative sum searched with those numbers); of the first ``n_trials`` the one
    that leaves the smallest total of ``closest`` wins (later draws, which only an XLA kernel of
    fixed shapes makes, never do)."""
    n_samples, n_draws = tf.shape(samples)[0], tf.shape(draws)[1]

    def body(c, closest, chosen):
        cumulative = tf.cumsum(tf.cast(closest, tf.float64))
        targets = tf.gather(draws, c) * cumulative[-1]
        candidates = tf.minimum(search(cumulative, targets), n_samples - 1)
        cross = tf.matmul(samples, tf.gather(samples, candidates), transpose_b=True)  # (n, draws)
        to_candidates = tf.maximum(samples_sq[:, None] - 2.0 * cross + tf.gather(samples_sq, candidates), 0.0)
        new_closest = tf.minimum(closest[:, None], to_candidates)
        totals = tf.reduce_sum(tf.cast(new_closest, tf.float64), axis=0)
        totals = tf.where(tf.range(n_draws) < n_trials, totals, np.inf)
        best = tf.argmin(totals, output_type=tf.int32)
        # tf.gather, not [best]: XLA compiles a slice at a computed index once for every value
        chosen = tf.tensor_scatter_nd_update(chosen, [[c]], tf.gather(candidates, best)[None])
        return c + 1, tf.gather(new_closest, best, axis=1), chosen

    return body


def _sorted_search(cumulative, draws):
    return tf.searchsorted(cumulative, draws, out_type=tf.int32)  # the first index where cumulative >= draw


def _counted_search(cumulative, draws):
    """``_sorted_search`` by counting (XLA has no searchsorted): the values below each draw."""
    return tf.reduce_sum(tf.cast(cumulative[None, :] < draws[:, None], tf.int32), axis=1)


@_traced_once_per_dtype(lambda dtype: [
    _spec([None, None], dtype), _spec([None], dtype), _spec([None], dtype), _spec([None], tf.int32),
    _spec([], tf.int32), _spec([], tf.int32), _spec([], tf.int32), _spec([None, None], tf.float64)])
def _kmeans_plusplus_block(samples, samples_sq, closest, chosen, first, last, n_trials, draws):
    """Centres ``first`` to ``last - 1`` of greedy k-means++ (``_plusplus_step``) on large data.

    ``closest`` holds each sample's squared distance to its nearest centre chosen so far and
    ``chosen`` the sample index of each centre (k,); ``draws``, (k, n_trials), the rows of
    ``plusplus_draws``.
    """
    body = _plusplus_step(samples, samples_sq, draws, n_trials, _sorted_search)
    _, closest, chosen = tf.while_loop(lambda c, *_: c < last, body, (first, closest, chosen))
    return closest, chosen


def _plusplus_in_kernel(samples, samples_sq, n_clusters, first, draws, padded):
    """All ``n_clusters`` centres of greedy k-means++ inside an XLA kernel, from sample
    ``first`` with ``draws`` (``padded``, ``_n_trials(padded)``): sample indices, (``padded``,),
    the first ``n_clusters`` of them chosen. A trial count fixed by ``padded`` keeps one kernel
    for every k up to it."""
    closest = tf.maximum(samples_sq - 2.0 * tf.linalg.matvec(samples, tf.gather(samples, first))
                         + tf.gather(samples_sq, first), 0.0)
    chosen = tf.tensor_scatter_nd_update(tf.zeros([padded], tf.int32), [[0]], first[None])
    body = _plusplus_step(samples, samples_sq, draws, _n_trials_of(n_clusters), _counted_search)
    return tf.while_loop(lambda c, *_: c < n_clusters, body, (1, closest, chosen))[2]


def _n_trials(n_clusters):
    """scikit-learn's candidates per k-means++ centre, ``2 + int(ln k)``, for a Python int k."""
    return 2 + int(math.log(n_clusters))


def _n_trials_of(n_clusters):
    """``_n_trials`` of a k held in a tensor."""
    return 2 + tf.cast(tf.math.log(tf.cast(n_clusters, tf.float64)), tf.int32)


@_traced_once_per_dtype(lambda dtype: [_spec([None, None], dtype), _spec([None], dtype), _spec([], tf.int32),
                                       _spec([], tf.int32), _spec([None, None], tf.float64)], jit_compile=True)
def _kmeans_plusplus_small(samples, samples_sq, n_clusters, first, draws, padded=16):
    return _plusplus_in_kernel(samples, samples_sq, n_clusters, first, draws, padded)


def kmeans_plusplus_indices(samples, samples_sq, n_clusters, seed):
    """Sample indices (k,) of greedy k-means++ centres in the frame'd ``samples``, with
    ``2 + int(ln k)`` candidates per centre (scikit-learn's rule); the first centre is a
    uniformly random sample; the draws are ``plusplus_draws(seed, k)``. Small data: one XLA
    kernel (``is_small``). Large data: compiled blocks of about ``_BLOCK_SECONDS`` each."""
    n_samples = samples.shape[0]
    if is_small(samples, n_clusters):
        padded = padded_clusters(n_clusters)
        first, draws = _plusplus_inputs(seed, padded, _n_trials(padded), n_samples)
        return _kmeans_plusplus_small(samples, samples_sq, tf.constant(n_clusters), tf.constant(first),
                                      tf.constant(draws), padded=padded)[:n_clusters]
    n_trials = tf.constant(_n_trials(n_clusters))
    first, draws = _plusplus_inputs(seed, n_clusters, _n_trials(n_clusters), n_samples)
    draws = tf.constant(draws)
    chosen = tf.tensor_scatter_nd_update(tf.zeros([n_clusters], tf.int32), [[0]], [first])
    row = samples[first]
    closest = tf.maximum(samples_sq - 2.0 * tf.linalg.matvec(samples, row) + samples_sq[first], 0.0)
    c, block = 1, max(1, min(64, int(2e7 // (n_samples * samples.shape[1] * int(n_trials)))))
    while c < n_clusters:
        last = min(n_clusters, c + block)
        began = time.perf_counter()
        closest, chosen = _kmeans_plusplus_block(samples, samples_sq, closest, chosen, tf.constant(c),
                                                 tf.constant(last), n_trials, draws)
        chosen.numpy()  # wait for the block
        block = _next_block(block, time.perf_counter() - began, last - c)
        c = last
    return chosen
