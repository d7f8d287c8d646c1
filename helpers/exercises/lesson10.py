"""Checks for lessons/10_data_that_does_not_fit.ipynb."""

import warnings

from helpers.functions import assign_to_nearest, update_centroids  # first: imports TensorFlow quietly

import numpy as np
import tensorflow as tf

from helpers.exercises import Wrong, as_numpy, call_learner, exercise


# ----------------------------------------------------------------------- exercise 1

_BATCH_ROWS = (40, 7, 90, 23)  # unequal on purpose: an average of batch means weighs them wrongly
_PASSES = 3


def _stream_case():
    """Blobs in 2-D cut into batches of unequal sizes, whose clusters are spread unevenly over the
    batches, and a start of 4 centroids whose 4th is far from everything (it stays empty)."""
    rng = np.random.default_rng(10)
    centres = np.array([[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]])
    labels = np.concatenate([rng.choice(3, size, p=p) for size, p in
                             zip(_BATCH_ROWS, [(0.7, 0.2, 0.1), (0.1, 0.1, 0.8), (0.2, 0.6, 0.2), (0.34, 0.33, 0.33)],
                                 strict=True)])
    samples = (centres[labels] + rng.normal(0, 2.2, (len(labels), 2))).astype(np.float32)
    start = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [40.0, 40.0]], np.float32)
    return samples, start


def _batches(samples):
    edges = np.cumsum((0,) + _BATCH_ROWS)
    return [samples[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _dataset(samples):
    batches = _batches(samples)
    return tf.data.Dataset.from_generator(lambda: iter(batches), output_signature=tf.TensorSpec((None, 2), tf.float32))


def _lloyd(samples, start, n):
    """The in-memory reference: n iterations of assign and update."""
    centroids = tf.constant(start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n):
            centroids = update_centroids(samples, assign_to_nearest(samples, centroids), len(start), centroids)
    return centroids.numpy()


def _sums_counts(batch, centroids):
    labels = assign_to_nearest(batch, centroids).numpy()
    k = len(centroids)
    sums = np.zeros_like(np.asarray(centroids, np.float64))
    np.add.at(sums, labels, batch.astype(np.float64))
    return sums, np.bincount(labels, minlength=k).astype(np.float64)


def _not_reset(samples, start, n):
    """The mistake: sums and counts set to zero once, before the passes, not at the start of each."""
    centroids = np.asarray(start, np.float64)
    sums, counts = np.zeros_like(centroids), np.zeros(len(start))
    for _ in range(n):
        for batch in _batches(samples):
            s, c = _sums_counts(batch, centroids.astype(np.float32))
            sums, counts = sums + s, counts + c
        centroids = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centroids)
    return centroids


def _mean_of_means(samples, start, n):
    """The mistake: each batch's cluster means, then the average of those means over the batches."""
    centroids = np.asarray(start, np.float64)
    for _ in range(n):
        means, seen = np.zeros_like(centroids), np.zeros(len(start))
        for batch in _batches(samples):
            s, c = _sums_counts(batch, centroids.astype(np.float32))
            means += np.where(c[:, None] > 0, s / np.maximum(c, 1)[:, None], 0.0)
            seen += c > 0
        centroids = np.where(seen[:, None] > 0, means / np.maximum(seen, 1)[:, None], centroids)
    return centroids


@exercise(1, hints=(
    "One pass is one loop over the batches. Before it, start two running totals at zero: the (k, d) sum of the "
    "samples of each cluster and the count of each cluster. Every pass needs fresh totals.",
    "Inside the loop, label the batch's samples by their nearest centroid, then add the batch's per-cluster sums "
    "and counts to the totals (tf.math.unsorted_segment_sum does both: for the counts, sum a column of ones).",
    "After the loop divide once: sums by counts. A cluster whose count is 0 has no mean: tf.where on count > 0 "
    "keeps its old centroid. Never average the batches' means: a batch of 7 rows would weigh as much as one of 90.",
))
def q1(lloyd_over_batches):
    samples, start = _stream_case()
    what = (f"lloyd_over_batches(batches, initial_centroids, n_passes={_PASSES}) with batches of {list(_BATCH_ROWS)} "
            "rows and 4 centroids, the 4th far from every sample")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            answer = call_learner(lloyd_over_batches, _dataset(samples), tf.constant(start), _PASSES, what=what)
        except Wrong as wrong:
            if "NaN" not in str(wrong):
                raise
            raise Wrong(f"{wrong} A centroid turned NaN: a cluster with no samples has no mean (0 / 0). Keep its "
                        "previous centroid where its count is 0.") from None
    result = as_numpy(answer, what).astype(np.float64)
    if result.shape != start.shape:
        raise Wrong(f"{what} returned shape {result.shape}; expected {start.shape}, like initial_centroids.")
    if not np.isfinite(result).all():
        row = int(np.flatnonzero(~np.isfinite(result).all(axis=1))[0])
        raise Wrong(f"centroid {row} is NaN or infinite: a cluster with no samples has no mean (0 / 0). Keep "
                    "its previous centroid where its count is 0.")
    expected = _lloyd(samples, start, _PASSES)
    atol = 1e-4
    if np.allclose(result, expected, atol=atol):
        return (f"the centroids of {_PASSES} exact Lloyd passes over the stream, the same as in memory; "
                "the empty cluster kept in place.")
    if np.allclose(result, _not_reset(samples, start, _PASSES), atol=atol):
        raise Wrong("these centroids mix every pass so far: the sums and counts of earlier passes are still in the "
                    "totals. Set them to zero at the start of every pass, not once before all passes.")
    if np.allclose(result, _mean_of_means(samples, start, _PASSES), atol=atol):
        raise Wrong("these are averages of each batch's cluster means: a batch of 7 rows weighs as much as one of 90. "
                    "Add up sums and counts over all batches and divide once at the end of the pass.")
    for n in range(0, 8):
        if n != _PASSES and np.allclose(result, _lloyd(samples, start, n), atol=atol):
            raise Wrong(f"these are the centroids after {n} pass{'es' * (n != 1)}; expected {_PASSES} (n_passes).")
    j = int(np.argmax(np.abs(result - expected).max(axis=1)))
    raise Wrong(f"centroid {j} is at {np.round(result[j], 3).tolist()}; after {_PASSES} passes of Lloyd's algorithm "
                f"it should be at {np.round(expected[j].astype(np.float64), 3).tolist()}.")


# ----------------------------------------------------------------------- exercise 2


def _step(centroids, counts, batch, rule="right"):
    """Reference and known mistakes for one mini-batch step, in float64."""
    centroids = np.asarray(centroids, np.float64)
    counts = np.asarray(counts, np.float64)
    labels = assign_to_nearest(batch, centroids.astype(np.float32)).numpy()
    sums = np.zeros_like(centroids)
    np.add.at(sums, labels, np.asarray(batch, np.float64))
    m = np.bincount(labels, minlength=len(centroids)).astype(np.float64)
    means = np.where(m[:, None] > 0, sums / np.maximum(m, 1)[:, None], centroids)
    new_counts = counts + m
    if rule == "right":
        rate = m / np.maximum(new_counts, 1)
    elif rule == "fixed":
        rate = np.where(m > 0, 0.1, 0.0)
    elif rule == "old counts":
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(m > 0, m / counts, 0.0)
    elif rule == "per sample":
        rate = np.where(m > 0, 1 / np.maximum(new_counts, 1), 0.0)
    elif rule == "batch mean":
        rate = np.where(m > 0, 1.0, 0.0)
    return centroids + rate[:, None] * (means - centroids), new_counts


def _step_cases():
    rng = np.random.default_rng(20)
    centroids = np.array([[0.0, 0.0], [5.0, 5.0], [10.0, 0.0]], np.float32)
    batch = np.concatenate([rng.normal((0.5, 0.5), 1.0, (30, 2)), rng.normal((5.5, 4.0), 1.0, (10, 2))])
    batch = batch.astype(np.float32)  # nothing near the third centroid: it must not move
    return [
        ("counts [0, 0, 0] (the first batch)", centroids, np.zeros(3, np.float32), batch),
        ("counts [100, 20, 7]", centroids, np.array([100, 20, 7], np.float32), batch),
        ("counts [3, 500, 0]", centroids, np.array([3, 500, 0], np.float32), batch),
    ]


@exercise(2, hints=(
    "Each centroid is the running mean of every sample it has absorbed so far. Its count says how many: a centroid "
    "that has seen thousands of samples should barely move for a new batch; one that has seen none jumps to the mean "
    "of its batch members.",
    "Per centroid: m batch members, n absorbed before. The new count is n + m, and the centroid moves a fraction "
    "m / (n + m) of the way towards the mean of its m batch members (0 of the way when m is 0).",
    "unsorted_segment_sum gives the per-centroid sums and, over a column of ones, the per-centroid m. Guard every "
    "division by a count with tf.maximum(..., 1.0), so that m = 0 gives a rate of 0, not NaN.",
))
def q2(minibatch_update):
    for description, centroids, counts, batch in _step_cases():
        what = f"minibatch_update(centroids, counts, batch) with {description}"
        answer = call_learner(minibatch_update, tf.constant(centroids), tf.constant(counts), tf.constant(batch),
                              what=what)
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise Wrong(f"{what} should return two things, (new_centroids, new_counts); got "
                        f"{type(answer).__name__}.")
        new_centroids = as_numpy(answer[0], "new_centroids").astype(np.float64)
        new_counts = as_numpy(answer[1], "new_counts").astype(np.float64)
        expected, expected_counts = _step(centroids, counts, batch)
        if new_centroids.shape != expected.shape:
            raise Wrong(f"{what}: new_centroids has shape {new_centroids.shape}; expected {expected.shape}.")
        if new_counts.shape != expected_counts.shape:
            raise Wrong(f"{what}: new_counts has shape {new_counts.shape}; expected {expected_counts.shape}, one "
                        "count per centroid.")
        if not np.isfinite(new_centroids).all():
            raise Wrong(f"{what} gave NaN or infinite centroids: a rate divided by a count of 0? The third centroid "
                        "has no batch member; it should not move.")
        if not np.allclose(new_counts, expected_counts, atol=1e-3):
            if np.allclose(new_counts, counts):
                raise Wrong(f"{what}: new_counts equals the old counts. Add each centroid's batch members to its "
                            "count, or the learning rate never shrinks.")
            raise Wrong(f"{what}: new_counts is {np.round(new_counts, 2).tolist()}; expected "
                        f"{expected_counts.tolist()} (old counts plus batch members).")
        if np.allclose(new_centroids, expected, atol=1e-4):
            continue
        for rule, message in [
            ("fixed", "every centroid moved by the same fraction: the learning rate should come from its count, "
                      "large for a centroid that has seen few samples, small for one that has seen many."),
            ("batch mean", "the centroids jumped to their batch means, forgetting everything seen before: "
                           "move only a fraction m / (n + m) of the way."),
            ("old counts", "the rate m / n uses the count before this batch: it overshoots (and divides by 0 on the "
                           "first batch). Use the count after it, n + m."),
            ("per sample", "the rate 1 / (n + m) moves as if the batch had one member; with m members it is "
                           "m / (n + m)."),
        ]:
            wrong, _ = _step(centroids, counts, batch, rule)
            if np.isfinite(wrong).all() and np.allclose(new_centroids, wrong, atol=1e-4):
                raise Wrong(f"{what}: {message}")
        j = int(np.argmax(np.abs(new_centroids - expected).max(axis=1)))
        raise Wrong(f"{what}: centroid {j} is at {np.round(new_centroids[j], 3).tolist()}; it should be at "
                    f"{np.round(expected[j].astype(np.float64), 3).tolist()}.")
    return "each centroid moves m / (n + m) of the way to its batch mean: a learning rate from its own count."
