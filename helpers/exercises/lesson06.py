"""Checks for lessons/06_any_dimension_digits.ipynb."""

import numpy as np

from helpers.exercises import Wrong, as_numpy, call_learner, exercise, reference_squared_distances
from helpers.functions import load_digits


@exercise(1, hint=(
    "The (n, k) table of squared distances from lesson 03 (squared_distances, or the expansion) holds, in "
    "column j, every sample's distance to centroid j. tf.argmin over the samples' axis (axis=0) gives, for "
    "each centroid, the index of its nearest sample."
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


@exercise(2, hint=(
    "Per feature means axis=0: mean = tf.reduce_mean(samples, axis=0) and std = tf.math.reduce_std(samples, axis=0), "
    "both of shape (d,). Where std is 0 every sample has the same value: tf.math.divide_no_nan(samples - mean, std) "
    "gives 0 there instead of 0 / 0."
))
def q2(standardize):
    samples = load_digits()[0][:300]
    constant = np.flatnonzero(samples.std(axis=0) == 0)
    what = "standardize(digits[:300])"
    result = as_numpy(call_learner(standardize, samples.copy(), what=what), what).astype(np.float64)
    if result.shape != samples.shape:
        raise Wrong(f"{what} returned shape {result.shape}; expected {samples.shape}, the same as its input.")
    bad = np.flatnonzero(~np.isfinite(result).all(axis=0))
    if bad.size:
        j = int(bad[0])
        why = (f" Every one of these samples has {samples[0, j]:g} in pixel {j}: its standard deviation is 0, "
               "so (x - mean) / std is 0 / 0. Leave such features at 0.") if j in constant else ""
        raise Wrong(f"feature {j} contains NaN or infinity.{why}")
    means = result.mean(axis=0)
    if np.abs(means).max() > 1e-3:
        j = int(np.argmax(np.abs(means)))
        raise Wrong(f"after standardize, feature {j} has mean {means[j]:.3f}; expected 0 for every feature. "
                    "Subtract each feature's own mean (axis=0), not each sample's or one mean for everything.")
    spreads = result.std(axis=0)
    varying = np.setdiff1d(np.arange(samples.shape[1]), constant)
    off = varying[np.abs(spreads[varying] - 1) > 5e-3]
    if off.size:
        j = int(off[0])
        raise Wrong(f"after standardize, feature {j} has standard deviation {spreads[j]:.3f}; expected 1. Divide by "
                    "each feature's own standard deviation (not its variance, not one value for all features).")
    if constant.size and np.abs(result[:, constant]).max() > 1e-6:
        raise Wrong(f"feature {int(constant[0])} is the same in every sample; it should become 0.")
    return "every feature now has mean 0 and standard deviation 1; constant pixels stay 0."
