"""Checks for lessons/08_better_starts_and_choosing_k.ipynb."""

import numpy as np
import tensorflow as tf

from helpers.exercises import Wrong, as_numpy, call_learner, exercise, num, nums, row_finder


N_SEEDS = 100
ALPHA = 1e-6  # each of the three tests fails a right answer with probability below this


def _three_groups():
    """85 samples in three tight groups on a line: 40 near x=0, 40 near x=0.1, 5 near x=1 (distinct rows).

    Small distances on purpose: exp(D²) is then close to 1 + D², so logits=D² (instead of log D²) shows too.
    """
    noise = 0.001 * tf.random.stateless_normal((85, 2), seed=(8, 8)).numpy()
    centres = np.repeat([[0.0, 0.0], [0.1, 0.0], [1.0, 0.0]], [40, 40, 5], axis=0)
    return tf.constant(centres + noise, tf.float32), np.repeat([0, 1, 2], [40, 40, 5])


def _tail_probabilities(probabilities):
    """Distribution of a sum of independent Bernoulli(p) draws (Poisson-binomial), exactly."""
    distribution = np.array([1.0])
    for p in probabilities:
        distribution = np.concatenate([distribution * (1 - p), [0.0]]) + np.concatenate([[0.0], distribution * p])
    return distribution


def _unlikely(observed, probabilities, side):
    """True when a count this low ('low') or this high ('high') has probability below ALPHA under the rule."""
    distribution = _tail_probabilities(probabilities)
    tail = distribution[: observed + 1].sum() if side == "low" else distribution[observed:].sum()
    return tail < ALPHA


def _share(weights, members):
    return float(weights[members].sum() / weights.sum())


@exercise(1, hints=(
    "k-means++ picks the first centre uniformly among the samples, then each next one at random, with "
    "probability proportional to D²: the squared distance from a sample to the nearest centre chosen so far "
    "(all of them, not only the last).",
    "For D², compute the squared distance from every sample to every chosen centre and keep the smallest per "
    "sample (reduce_min over the centres' axis). D itself, or D² to the last centre only, is not it.",
    "tf.random.stateless_categorical draws an index from logits, that is log-probabilities: logits equal to "
    "log(D²) draw in proportion to D². Give every draw its own seed pair built from seed.",
))
def q1(simple_kmeans_plusplus):
    samples, group = _three_groups()
    index_of = row_finder(samples)
    points = samples.numpy().astype(np.float64)
    d2_all = ((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
    picks = []
    for seed in range(N_SEEDS):
        what = f"simple_kmeans_plusplus(samples, 3, seed={seed})"
        centres = as_numpy(call_learner(simple_kmeans_plusplus, samples, 3, seed, what=what), what)
        if centres.shape != (3, 2):
            raise Wrong(f"{what} returned shape {centres.shape}; expected (3, 2): n_clusters rows of samples.")
        indices = []
        for row in centres:
            if index_of(row) is None:
                raise Wrong(f"{what} returned {nums(np.round(row, 4))}, which is not one of the samples: "
                            "k-means++ picks its centres among the samples.")
            indices.append(index_of(row))
        if len(set(indices)) < 3:
            raise Wrong(f"{what} picked sample {indices[0] if indices[0] in indices[1:] else indices[1]} twice. A "
                        "chosen centre is at D² = 0 from the nearest chosen centre (itself), so D² sampling with "
                        "logits log(D²) never picks it again. Is D² measured to every centre chosen so far (not only "
                        "the last), and are the logits log(D²) (not D²)?")
        picks.append(indices)
        if seed < 5:
            again = as_numpy(call_learner(simple_kmeans_plusplus, samples, 3, seed, what=what), what)
            if not np.array_equal(again, centres):
                raise Wrong(f"two calls of {what} gave different centres: use stateless random ops with the seed.")
    picks = np.array(picks)
    if len(set(picks[:, 0])) < 5:
        raise Wrong(f"over {N_SEEDS} seeds the first centre was only ever one of {sorted(set(picks[:, 0].tolist()))}: "
                    "the first centre should be a uniformly random sample.")
    if len(set(picks[:, 1])) < 5:
        raise Wrong("the second centre is nearly always the same sample, the farthest one. k-means++ does not "
                    "take the farthest sample: it draws at random, in proportion to the squared distance.")
    far = group == 2

    # Test 1, the second centre: how often it lands in the small far group (x=1) when the first is not there.
    rows = [row for row in picks if not far[row[0]]]
    landed = int(sum(far[row[1]] for row in rows))
    rule = [_share(d2_all[row[0]], far) for row in rows]  # D²: the rule
    by_d = [_share(np.sqrt(d2_all[row[0]]), far) for row in rows]
    if _unlikely(landed, rule, "low") or _unlikely(landed, rule, "high"):
        raise Wrong(f"over {N_SEEDS} seeds, when the first centre was in one of the two big groups ({len(rows)} "
                    f"seeds), the second landed in the small far group {landed} times. Drawing in proportion to D² "
                    f"gives {num(sum(rule), 3)} on average, and a count as far off as {landed} has probability below "
                    f"{ALPHA:g}; in proportion to D (not squared) gives about {num(sum(by_d), 3)}. Draw with "
                    "probability proportional to D², the squared distance to the nearest centre chosen so far.")

    # Test 2, the third centre: how often it lands in a group that already holds a centre.
    occupied = [np.isin(group, group[row[:2]]) for row in picks]
    nearest = [np.minimum(d2_all[row[0]], d2_all[row[1]]) for row in picks]
    repeated = int(sum(occupied[i][row[2]] for i, row in enumerate(picks)))
    rule = [_share(nearest[i], occupied[i]) for i in range(len(picks))]
    to_last = [_share(d2_all[row[1]], occupied[i]) for i, row in enumerate(picks)]
    if _unlikely(repeated, rule, "high"):
        raise Wrong(f"over {N_SEEDS} seeds the third centre landed in a group that already had a centre {repeated} "
                    f"times. With D² to the nearest chosen centre that happens {num(sum(rule), 2)} times on average "
                    f"(a count of {repeated} or more has probability below {ALPHA:g}); with D² to the last chosen "
                    f"centre only, about {num(sum(to_last), 3)} times. D² is the distance to the nearest of ALL the "
                    "centres chosen so far: the minimum over them.")
    return (f"D² sampling: over {N_SEEDS} seeds where the second and third centres land agrees with drawing in "
            "proportion to the squared distance to the nearest chosen centre; repeatable with the seed.")


def _reference_silhouette(samples, labels):
    samples = np.asarray(samples, np.float64)
    distances = np.sqrt(((samples[:, None, :] - samples[None, :, :]) ** 2).sum(axis=2))  # small data only
    clusters = np.unique(labels)
    values = np.zeros(len(samples))
    for i in range(len(samples)):
        own = labels == labels[i]
        if own.sum() == 1:
            continue  # a sample alone in its cluster has silhouette 0
        a = distances[i, own].sum() / (own.sum() - 1)
        b = min(distances[i, labels == c].mean() for c in clusters if c != labels[i])
        values[i] = (b - a) / max(a, b)
    return values.mean()


@exercise(2, hints=(
    "For each sample: a = mean distance to the other samples of its own cluster, b = the smallest mean "
    "distance to the samples of one other cluster, s = (b - a) / max(a, b); the score is the mean of s. "
    "Distances are plain Euclidean, not squared.",
    "Start from the (n, n) table of distances between all samples (square root of the clamped expansion). "
    "Adding its columns per cluster (unsorted_segment_sum on the transposed table) gives each sample's total "
    "distance to every cluster, (n, k).",
    "Divide a's total by the cluster's size minus one (the sample itself is in it, at distance 0); for b, "
    "hide the own cluster (tf.where with a one-hot mask, infinity there) before the minimum. A sample alone "
    "in its cluster has s = 0.",
))
def q2(silhouette):
    rng = np.random.default_rng(8)
    cases = [
        (rng.normal(size=(60, 2)) + np.repeat([[0, 0], [5, 5], [0, 6]], 20, axis=0), np.repeat([0, 1, 2], 20)),
        (rng.normal(size=(45, 3)), np.r_[np.zeros(20, int), np.ones(24, int), [2]]),  # a singleton cluster
    ]
    for samples, labels in cases:
        samples = samples.astype(np.float32)
        what = f"silhouette(samples, labels) on {len(samples)} samples in {len(np.unique(labels))} clusters"
        value = as_numpy(call_learner(silhouette, tf.constant(samples), tf.constant(labels, tf.int32), what=what), what)
        if value.shape != ():
            raise Wrong(f"{what} returned shape {value.shape}; expected one number, the mean over all samples.")
        value = float(value)
        expected = _reference_silhouette(samples, labels)
        if abs(value - expected) <= 1e-4:
            continue
        if not np.isfinite(value):
            if np.bincount(labels).min() == 1:  # the case without a singleton passed before this one
                raise Wrong(f"{what} returned {num(value)}: NaN for the sample alone in its cluster (a = 0 / 0)? "
                            "Its silhouette is 0 by definition; the case without such a sample passed.")
            raise Wrong(f"{what} returned {num(value)}, although every cluster here has many samples. A square root "
                        "of a tiny negative round-off (the expansion's distance from a sample to itself can come out "
                        "as -1e-7) is NaN: clamp the squared distances at 0 before tf.sqrt.")
        raise Wrong(f"{what} returned {num(value, 4)}; expected {num(expected, 4)}. Check: plain (not squared) "
                    "distances; a divides by the cluster size minus one; b takes the nearest other cluster.")
    return "the mean silhouette, as scikit-learn defines it."
