"""Checks for lessons/11_more_than_one_machine.ipynb."""

from helpers.functions import assign_to_nearest, update_centroids  # first: imports TensorFlow quietly

import warnings

import numpy as np
import tensorflow as tf

from helpers.exercises import Wrong, as_numpy, call_learner, exercise

# ----------------------------------------------------------------------- shared case

_SHARD_ROWS = (300, 40, 160)  # three workers' shards, unequal on purpose


def _case():
    rng = np.random.default_rng(11)
    centres = np.array([[0.0, 0.0], [7.0, 2.0], [3.0, 8.0]])
    parts = []
    for rows, p in zip(_SHARD_ROWS, [(0.6, 0.3, 0.1), (0.1, 0.2, 0.7), (0.3, 0.3, 0.4)], strict=True):
        labels = rng.choice(3, rows, p=p)
        parts.append((centres[labels] + rng.normal(0, 1.5, (rows, 2))).astype(np.float32))
    centroids = np.array([[1.0, 1.0], [5.0, 1.0], [2.0, 5.0], [50.0, 50.0]], np.float32)  # the 4th stays empty
    return parts, centroids


def _reference_update(parts, centroids):
    samples = np.concatenate(parts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return update_centroids(samples, assign_to_nearest(samples, centroids), len(centroids), centroids).numpy()


def _true_stats(part, centroids):
    labels = assign_to_nearest(part, centroids).numpy()
    sums = np.zeros((len(centroids), part.shape[1]))
    np.add.at(sums, labels, part.astype(np.float64))
    return sums, np.bincount(labels, minlength=len(centroids)).astype(np.float64)


# ----------------------------------------------------------------------- exercise 1


@exercise(1, hints=(
    "A worker sees only its shard. What can it send that the others can simply add to theirs? Not a mean: means of "
    "shards of different sizes do not add up. Sums and counts do.",
    "Label the shard's samples by their nearest centroid; then, per centroid, the sum of its samples (k, d) and how "
    "many there are (k,). unsorted_segment_sum gives both (over a column of ones for the counts).",
    "Return the pair (sums, counts) with shapes (k, d) and (k,). Added over all shards they give the totals of the "
    "whole data set, whatever the shard sizes.",
))
def q1(local_stats):
    parts, centroids = _case()
    totals_sums, totals_counts = 0.0, 0.0
    for index, part in enumerate(parts):
        what = f"local_stats(shard, centroids) on shard {index} ({len(part)} samples, 4 centroids)"
        answer = call_learner(local_stats, tf.constant(part), tf.constant(centroids), what=what)
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise Wrong(f"{what} should return two things, (sums, counts); got {type(answer).__name__}.")
        sums = as_numpy(answer[0], "sums").astype(np.float64)
        counts = as_numpy(answer[1], "counts").astype(np.float64)
        expected_sums, expected_counts = _true_stats(part, centroids)
        if sums.shape != expected_sums.shape:
            raise Wrong(f"{what}: sums has shape {sums.shape}; expected {expected_sums.shape}, one row per centroid.")
        if counts.shape != expected_counts.shape:
            if counts.shape == (len(centroids), 1):
                counts = counts[:, 0]
            else:
                raise Wrong(f"{what}: counts has shape {counts.shape}; expected {expected_counts.shape}.")
        if not np.allclose(counts, expected_counts):
            raise Wrong(f"{what}: counts is {counts.tolist()}; expected {expected_counts.tolist()}, the samples "
                        "nearest to each centroid.")
        if not np.isfinite(sums).all():
            raise Wrong(f"{what}: sums holds NaN: a mean of an empty cluster (0 / 0)? Send sums, not means.")
        means = expected_sums / np.maximum(expected_counts, 1)[:, None]
        if not np.allclose(sums, expected_sums, rtol=1e-5, atol=1e-3):
            if np.allclose(sums, means, rtol=1e-5, atol=1e-3):
                raise Wrong(f"{what}: these are the cluster means of the shard, not their sums. An all-reduce adds "
                            "what the workers send; means of shards of different sizes do not add up to the mean.")
            raise Wrong(f"{what}: sums differs from the per-centroid sums of the shard's samples (first row "
                        f"{np.round(sums[0], 2).tolist()}, expected {np.round(expected_sums[0], 2).tolist()}).")
        totals_sums, totals_counts = totals_sums + sums, totals_counts + counts
    combined = np.where(totals_counts[:, None] > 0, totals_sums / np.maximum(totals_counts, 1)[:, None], centroids)
    if not np.allclose(combined, _reference_update(parts, centroids), atol=1e-4):  # cannot happen if the above held
        raise Wrong("added over the shards, your sums and counts do not give the update of the whole data set.")
    return "sums and counts: added over the 3 shards they give exactly the update of the whole data set."


# ----------------------------------------------------------------------- exercise 2


def _combine_wrong(stacked_sums, stacked_counts, centroids, rule):
    if rule == "mean of means":
        means = stacked_sums / np.maximum(stacked_counts, 1)[..., None]
        seen = (stacked_counts > 0).sum(axis=0)
        summed = (means * (stacked_counts > 0)[..., None]).sum(axis=0)
        return np.where(seen[:, None] > 0, summed / np.maximum(seen, 1)[:, None], centroids)
    if rule == "plain mean of means":
        return (stacked_sums / np.maximum(stacked_counts, 1)[..., None]).mean(axis=0)
    raise ValueError(rule)


@exercise(2, hints=(
    "This is what happens after the all-reduce: every worker holds the same totals and computes the same centroids.",
    "Add up over the first axis (the workers), then divide the summed sums by the summed counts, once.",
    "A centroid whose total count is 0 has no mean: keep its previous position (tf.where on the counts), and guard "
    "the division with tf.maximum(..., 1.0).",
))
def q2(combine):
    parts, centroids = _case()
    stats = [_true_stats(part, centroids) for part in parts]
    stacked_sums = np.stack([s for s, _ in stats]).astype(np.float32)
    stacked_counts = np.stack([c for _, c in stats]).astype(np.float32)
    what = "combine(shard_sums (3, 4, 2), shard_counts (3, 4), centroids (4, 2)) with shards of " \
           f"{list(_SHARD_ROWS)} samples, the 4th centroid nearest to none"
    answer = call_learner(combine, tf.constant(stacked_sums), tf.constant(stacked_counts), tf.constant(centroids),
                          what=what)
    result = as_numpy(answer, what).astype(np.float64)
    expected = _reference_update(parts, centroids)
    if result.shape != expected.shape:
        raise Wrong(f"{what} returned shape {result.shape}; expected {expected.shape}, one row per centroid.")
    if not np.isfinite(result).all():
        raise Wrong(f"{what} gave NaN: the 4th centroid has a total count of 0, so it has no mean. Keep its previous "
                    "position.")
    if np.allclose(result, expected, atol=1e-4):
        return "the totals over all workers, divided once: the same centroids as on one machine."
    for rule in ("mean of means", "plain mean of means"):
        wrong = _combine_wrong(stacked_sums.astype(np.float64), stacked_counts.astype(np.float64), centroids, rule)
        if np.isfinite(wrong).all() and np.allclose(result, wrong, atol=1e-4):
            raise Wrong(f"{what}: these are averages of each shard's means: the shard of 40 samples weighs as much as "
                        "the one of 300. Add the sums and the counts over the shards, then divide once.")
    j = int(np.argmax(np.abs(result - expected).max(axis=1)))
    raise Wrong(f"{what}: centroid {j} is at {np.round(result[j].astype(np.float64), 3).tolist()}; it should be at "
                f"{np.round(expected[j].astype(np.float64), 3).tolist()}.")
