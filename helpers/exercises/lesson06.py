"""Checks for lessons/06_any_dimension_digits.ipynb."""

import numpy as np

from helpers.exercises import Wrong, as_numpy, call_learner, exercise, num, nums, reference_squared_distances
from helpers.functions import load_digits


@exercise(1, hints=(
    "This is lesson 03 the other way round: there each sample wanted its nearest centroid, here each centroid"
    " wants its nearest sample.",
    "Build the (n, k) table of squared distances by the expansion (not an (n, k, d) broadcast: the digits "
    "have 64 features, MNIST 784).",
    "Column j of that table holds every sample's distance to centroid j; tf.argmin over the samples' axis (0)"
    " gives one sample index per centroid.",
))
def q1(nearest_sample_index):
    samples = load_digits()[0][:400]
    for k in (10, 3):
        centroids = kmeans_like_centroids(samples, k)
        what = f"nearest_sample_index(samples, centroids) with {len(samples)} digits and k={k} centroids"
        index = as_numpy(call_learner(nearest_sample_index, samples.copy(), centroids.copy(), what=what), what)
        if index.shape == (len(samples),):
            raise Wrong(f"{what} returned shape {index.shape}: one value per sample. Expected ({k},), one index per "
                        "centroid: take argmin over the samples' axis.")
        if index.shape != (k,):
            raise Wrong(f"{what} returned shape {index.shape}; expected ({k},): one sample index per centroid.")
        if index.dtype.kind not in "iu":
            raise Wrong(f"{what} returned dtype {index.dtype}; expected integer indices into samples "
                        "(argmin, not the distances themselves).")
        if index.min() < 0 or index.max() >= len(samples):
            raise Wrong(f"{what} returned index {int(index.max())}, which is not a row of samples.")
        distances = reference_squared_distances(samples, centroids)
        best = distances.min(axis=0)
        chosen = distances[index, np.arange(k)]
        off = np.flatnonzero(chosen > best + 1e-4 * (1 + best))
        if off.size:
            j = int(off[0])
            raise Wrong(f"for centroid {j} you picked sample {int(index[j])}, at squared distance {chosen[j]:.2f}; "
                        f"sample {int(distances[:, j].argmin())} is nearer, at {best[j]:.2f}.")
    return "for every centroid, the real digit closest to it."


def kmeans_like_centroids(samples, k):
    """k mean images of consecutive groups of samples: centroid-like points that are no sample."""
    groups = np.array_split(np.asarray(samples, np.float32), k)
    return np.stack([group.mean(axis=0) for group in groups])


@exercise(2, hints=(
    "Standardising works per feature (per column): subtract that feature's mean and divide by its standard "
    "deviation, both computed over the samples (axis=0).",
    "tf.reduce_mean and tf.math.reduce_std over axis 0 give two vectors of shape (d,); broadcasting applies "
    "them to every row.",
    "A feature with the same value in every sample, zero or not, has standard deviation 0, and (x - mean) / 0"
    " is 0 / 0. Such a feature should become 0: a division that gives 0 where the divisor is 0 "
    "(tf.math.divide_no_nan) does it, and so does tf.where.",
))
def q2(standardize):
    digits = load_digits()[0][:300]
    cases = [
        ("standardize(digits[:300])", digits),
        # Every pixel plus one: the constant pixels are now 1, not 0, so leaving them unchanged shows.
        ("standardize(digits[:300] + 1), whose constant pixels are all 1", digits + np.float32(1.0)),
    ]
    for what, samples in cases:
        constant = np.flatnonzero(samples.std(axis=0) == 0)
        result = as_numpy(call_learner(standardize, samples.copy(), what=what), what).astype(np.float64)
        if result.shape != samples.shape:
            raise Wrong(f"{what} returned shape {result.shape}; expected {samples.shape}, the same as its input.")
        bad = np.flatnonzero(~np.isfinite(result).all(axis=0))
        if bad.size:
            j = int(bad[0])
            why = (f" Every one of these samples has {num(samples[0, j])} in pixel {j}: its standard deviation is 0, "
                   "so (x - mean) / std is 0 / 0. Such a feature should become 0.") if j in constant else ""
            raise Wrong(f"{what}: feature {j} contains NaN or infinity.{why}")
        varying = np.setdiff1d(np.arange(samples.shape[1]), constant)
        means = result.mean(axis=0)
        if np.abs(means[varying]).max() > 1e-3:
            j = int(varying[np.argmax(np.abs(means[varying]))])
            raise Wrong(f"{what}: feature {j} has mean {num(means[j], 3)}; expected 0 for every feature. Subtract "
                        "each feature's own mean (axis=0), not each sample's or one mean for everything.")
        if constant.size:
            off = constant[np.abs(result[:, constant]).max(axis=0) > 1e-6]
            if off.size:
                j = int(off[0])
                unchanged = (" Leaving a constant feature unchanged only looks right when it is 0."
                             if np.allclose(result[:, j], samples[:, j]) else "")
                raise Wrong(f"{what}: feature {j} is {num(samples[0, j])} in every sample, and after standardize it is "
                            f"{nums(np.unique(np.round(result[:, j], 4))[:3])}; it should become 0 (minus its mean, "
                            f"0 / 0 left at 0).{unchanged}")
        spreads = result.std(axis=0)
        off = varying[np.abs(spreads[varying] - 1) > 5e-3]
        if off.size:
            j = int(off[0])
            raise Wrong(f"{what}: feature {j} has standard deviation {num(spreads[j], 3)}; expected 1. Divide by "
                        "each feature's own standard deviation (not its variance, not one value for all features).")
    return "every feature now has mean 0 and standard deviation 1; constant features, 0 or not, become 0."
