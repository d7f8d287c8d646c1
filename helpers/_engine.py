"""The compiled k-means engine behind ``helpers.functions.kmeans``.

This module owns what a learner need not read to follow the lessons: the Lloyd loop
(``_lloyd``) that reads the samples a chunk at a time, the XLA chunk kernel
(``_nearest_in_chunk``) and its row minimum (``_row_minimum``), the chunking rules
(``_chunk_rows``, ``_chunk``), the squared lengths of the rows (``_squared_lengths``) and
greedy k-means++ (``_kmeans_plusplus``). The lessons build the same maths in the open
(``helpers.functions``); this is the fast version of it.
"""

from __future__ import annotations

import numpy as np

from helpers._quiet import tf



def _squared_lengths(samples):
    """||x||² of every row of a float32 (n, d) tensor (NaN for a row holding NaN)."""
    rows = _chunk_rows(*samples.shape)
    if rows >= samples.shape[0]:  # one chunk: the eager operations are quicker than a graph call
        return tf.reduce_sum(tf.square(samples), axis=1)
    return _squared_lengths_in_chunks(samples, tf.constant(rows))


@tf.function(reduce_retracing=True)
def _squared_lengths_in_chunks(samples, chunk_rows):
    """A chunk at a time: tf.square(samples) would make a temporary as large as X. Measured on
    2 cores, 70000×784: 34 ms as eager operations a chunk at a time, 10 ms compiled."""
    n_chunks = (tf.shape(samples)[0] + chunk_rows - 1) // chunk_rows

    def chunk_lengths(j, lengths):
        return j + 1, lengths.write(j, tf.reduce_sum(tf.square(_chunk(samples, j, chunk_rows)), axis=1))

    lengths = tf.TensorArray(tf.float32, size=n_chunks, infer_shape=False)
    return tf.while_loop(lambda j, _: j < n_chunks, chunk_lengths, (0, lengths))[1].concat()


# Rows per chunk in the Lloyd loop: about 4 MiB of samples and at most 8192 rows, so that a
# chunk is still in the CPU cache when its labels are turned into sums. Measured on 2 cores,
# ms per iteration of a 10-iteration fit: 1000000×32, k=64: 4096 rows 72, 8192 rows 58,
# 16384 rows 57, 32768 rows 63; 70000×784, k=10: 669 rows 34, 1337 rows (the 4 MiB rule) 30,
# 2674 rows 34, 5348 rows 34.
_CHUNK_BYTES = 4 * 2**20


_MAX_CHUNK_ROWS = 8192


_CLUSTER_MULTIPLE = 16  # k <= 16 is padded to 16, a larger k to a multiple of 2 * 16


def _mean_feature_variance(samples):
    """Mean over features of each feature's variance, in float64, a chunk at a time."""
    array = samples.numpy()
    total = np.zeros(array.shape[1])
    total_sq = np.zeros(array.shape[1])
    for chunk in np.array_split(array, max(1, array.nbytes // _CHUNK_BYTES)):
        chunk = chunk.astype(np.float64)
        total += chunk.sum(axis=0)
        total_sq += np.square(chunk).sum(axis=0)
    mean = total / len(array)
    return float(np.mean(np.maximum(total_sq / len(array) - mean**2, 0.0)))


def _chunk_rows(n_samples, n_features):
    return int(min(n_samples, _MAX_CHUNK_ROWS, max(256, _CHUNK_BYTES // (4 * n_features))))


def _chunk(tensor, j, chunk_rows):
    """Chunk j of the samples, or of anything with one row per sample."""
    return tensor[j * chunk_rows : (j + 1) * chunk_rows]


@tf.function(jit_compile=True)
def _nearest_in_chunk(chunk, chunk_sq, minus_twice, centroids_sq):
    """One chunk of samples: the label of each row, the chunk's share of the inertia, and the
    sums and counts of each cluster, compiled by XLA into one kernel.

    XLA turns ``unsorted_segment_sum`` into one tight loop over the chunk; without XLA the
    same op was the slowest part of an iteration. ``minus_twice`` has a multiple of 16 rows
    (``_lloyd`` pads it).
    """
    n_clusters = tf.shape(minus_twice)[0]
    partial = tf.matmul(chunk, minus_twice, transpose_b=True) + centroids_sq  # (rows, k), no ||x||²
    nearest, labels = _row_minimum(partial)
    inertia = tf.reduce_sum(tf.maximum(chunk_sq + nearest, 0.0))
    sums = tf.math.unsorted_segment_sum(chunk, labels, n_clusters)
    counts = tf.math.unsorted_segment_sum(tf.ones_like(nearest), labels, n_clusters)
    return labels, inertia, sums, counts


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
    multiples of 16; so ``_lloyd`` pads a k above 16 to a multiple of 32.
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


@tf.function(reduce_retracing=True)
def _lloyd(samples, samples_sq, centroids, max_iter, tol, chunk_rows):
    """The compiled Lloyd loop: scikit-learn's ``_kmeans_single_lloyd`` in TF2.

    Each iteration reads the samples once, chunk by chunk: distances by one matmul
    (||x||² left out: it does not change the argmin), the nearest centroid, and the sums
    of each cluster while the chunk is still in cache (``_nearest_in_chunk``). ``samples_sq``
    holds ||x||² of each sample, from ``_check_matrix``.
    """
    n_samples = tf.shape(samples)[0]
    n_clusters = tf.shape(centroids)[0]
    n_chunks = (n_samples + chunk_rows - 1) // chunk_rows

    def rows_of(tensor, j):
        return _chunk(tensor, j, chunk_rows)

    # XLA compiles the chunk kernel anew for every shape (about 80 ms here). Padding k up to a
    # multiple of 16 with centroids at infinite distance, never nearest, lets one kernel serve
    # k = 1..16 (an elbow plot, say); measured no slower for k = 10 on 70000×784. Above 16,
    # a multiple of 32: _row_minimum is slow on an odd multiple of 16.
    multiple = tf.where(n_clusters <= _CLUSTER_MULTIPLE, _CLUSTER_MULTIPLE, 2 * _CLUSTER_MULTIPLE)
    padding = -n_clusters % multiple

    def distance_terms(centroids):
        """-2c (exact: its product equals -2 (x·c) bit for bit, one pass fewer) and ||c||², once a
        pass, padded with rows that no sample is nearest to."""
        minus_twice = tf.pad(-2.0 * centroids, [[0, padding], [0, 0]])
        centroids_sq = tf.pad(tf.reduce_sum(tf.square(centroids), axis=1), [[0, padding]], constant_values=np.inf)
        return minus_twice, centroids_sq

    def one_pass(centroids):
        """Labels, per-cluster sums and counts, and the inertia, for the given centroids."""
        terms = distance_terms(centroids)

        def chunk_step(j, sums, counts, total, labels):
            chunk_labels, chunk_inertia, chunk_sums, chunk_counts = _nearest_in_chunk(
                rows_of(samples, j), rows_of(samples_sq, j), *terms)
            return (
                j + 1,
                sums + chunk_sums,
                counts + chunk_counts,
                total + chunk_inertia,
                labels.write(j, chunk_labels),
            )

        padded = n_clusters + padding
        start = (0, tf.zeros([padded, tf.shape(samples)[1]]), tf.zeros([padded]), tf.constant(0.0),
                 tf.TensorArray(tf.int32, size=n_chunks, infer_shape=False))
        _, sums, counts, total, labels = tf.while_loop(lambda j, *_: j < n_chunks, chunk_step, start)
        labels = labels.concat()
        labels.set_shape(samples.shape[:1])  # (n,), as the loop needs it to be known
        return labels, sums[:n_clusters], counts[:n_clusters, None], total

    def final_pass(centroids, labels=None):
        """The inertia from exact differences, chunk by chunk, and the labels of the centroids:
        the given ones, or else found anew."""
        terms = distance_terms(centroids)

        def chunk_step(j, total, found):
            chunk = rows_of(samples, j)
            if labels is None:
                chunk_labels = _nearest_in_chunk(chunk, rows_of(samples_sq, j), *terms)[0]
                found = found.write(j, chunk_labels)
            else:
                chunk_labels = rows_of(labels, j)
            total += tf.reduce_sum(tf.square(chunk - tf.gather(centroids, chunk_labels)))
            return j + 1, total, found

        start = (0, tf.constant(0.0), tf.TensorArray(tf.int32, size=n_chunks, infer_shape=False))
        _, total, found = tf.while_loop(lambda j, *_: j < n_chunks, chunk_step, start)
        return (found.concat() if labels is None else labels), total

    inertias = tf.TensorArray(tf.float32, size=max_iter)
    history = tf.TensorArray(tf.float32, size=max_iter + 1, element_shape=centroids.shape)
    history = history.write(0, centroids)

    def step(i, centroids, labels_old, done, strict, had_empty, inertias, history):
        labels, sums, counts, total = one_pass(centroids)
        inertias = inertias.write(i, total)
        updated = tf.where(counts > 0, sums / tf.maximum(counts, 1.0), centroids)
        # The loop needs the shape it started with; for k = 1, broadcasting against counts of
        # unknown length would leave (None, d).
        updated = tf.ensure_shape(updated, centroids.shape)
        history = history.write(i + 1, updated)
        strict = tf.reduce_all(tf.equal(labels, labels_old))
        shift = tf.reduce_sum(tf.square(updated - centroids))
        done = strict | (shift <= tol)
        had_empty = had_empty | tf.reduce_any(counts == 0)
        return i + 1, updated, labels, done, strict, had_empty, inertias, history

    state = (
        tf.constant(0),
        centroids,
        tf.fill(tf.shape(samples)[:1], -1),
        tf.constant(False),
        tf.constant(False),
        tf.constant(False),
        inertias,
        history,
    )
    n_iter, centroids, labels, done, strict, had_empty, inertias, history = tf.while_loop(
        lambda i, _c, _l, done, *rest: (i < max_iter) & ~done, step, state
    )
    # After a strict convergence the last labels hold: the centroids, means of the same labels
    # as the iteration before, did not move. scikit-learn skips the search then, too.
    labels, total = tf.cond(strict, lambda: final_pass(centroids, labels), lambda: final_pass(centroids))
    return labels, centroids, total, n_iter, done, had_empty, inertias.stack(), history.stack()


def _kmeans_plusplus(samples, n_clusters, seed):
    """Greedy k-means++ (Arthur & Vassilvitskii 2007), as scikit-learn runs it.

    The first centre is a uniformly random sample. Each next one is the best of
    ``2 + log(k)`` candidates drawn with probability proportional to their squared
    distance to the nearest centre chosen so far.
    """
    from helpers.functions import _squared_distances

    n_samples = tf.shape(samples)[0]
    n_trials = 2 + int(np.log(n_clusters))
    first = tf.random.stateless_uniform((), seed=(seed, 0), maxval=n_samples, dtype=tf.int32)
    centres = [samples[first]]
    closest = _squared_distances(samples, samples[first][None, :])[:, 0]  # (n,)
    for c in range(1, n_clusters):
        cumulative = tf.cumsum(closest)
        draws = tf.random.stateless_uniform((n_trials,), seed=(seed, c)) * cumulative[-1]
        candidates = tf.minimum(tf.searchsorted(cumulative, draws), n_samples - 1)
        to_candidates = _squared_distances(samples, tf.gather(samples, candidates))  # (n, trials)
        new_closest = tf.minimum(closest[:, None], to_candidates)
        best = tf.argmin(tf.reduce_sum(new_closest, axis=0))
        closest = new_closest[:, best]
        centres.append(samples[candidates[best]])
    return tf.stack(centres)
