"""Checks for lessons/01_generating_samples.ipynb."""

import numpy as np

from helpers.exercises import Wrong, as_numpy, call_learner, exercise, num, nums
from helpers.functions import create_samples


def _blocks_reference(samples, per):
    samples = np.asarray(samples, np.float64)
    return samples.reshape(-1, per, samples.shape[1]).mean(axis=1)


@exercise(1, hints=(
    "create_samples lays the blobs out one after another: rows 0 to m-1 are blob 0, the next m rows blob 1, "
    "and so on. Give the samples an axis that separates the blobs, then average.",
    "tf.reshape can turn the (k*m, d) samples into a (k, m, d) tensor; a -1 lets TensorFlow work out k.",
    "After the reshape, average over the axis that runs along the m samples of one blob (the middle one), so "
    "that (k, d) is left.",
))
def q1(blob_means):
    for k, per, d, seed in ((4, 25, 3, 2), (3, 10, 2, 5)):
        _, samples = create_samples(k, per, d, 40, seed)
        what = f"blob_means(samples, {per}) with k={k} blobs of {per} samples in d={d}"
        result = as_numpy(call_learner(blob_means, samples, per, what=what), what)
        if result.shape == (d,):
            raise Wrong(f"{what} returned shape {result.shape}: the mean of all samples together. "
                        f"Expected ({k}, {d}): one row per blob.")
        if result.shape != (k, d):
            raise Wrong(f"{what} returned shape {result.shape}; expected ({k}, {d}): "
                        "one row per blob, one column per feature.")
        if not np.all(np.isfinite(result)):
            raise Wrong(f"{what} returned NaN or infinite values.")
        expected = _blocks_reference(samples.numpy(), per)
        rows = np.flatnonzero(~np.isclose(result, expected, atol=1e-4, rtol=1e-5).all(axis=1))
        if rows.size:
            i = int(rows[0])
            blocks = samples.numpy().astype(np.float64).reshape(k, per, d)
            interleaved = samples.numpy().astype(np.float64).reshape(per, k, d).mean(axis=0)
            if np.allclose(result, np.median(blocks, axis=1), atol=1e-4, rtol=1e-5):
                why = " These are the medians of the blobs: take the mean (tf.reduce_mean)."
            elif np.allclose(result, interleaved, atol=1e-4, rtol=1e-5):
                why = (f" Your row {i} averages rows {i}, {i + k}, {i + 2 * k}, ...: every {k}th row. A blob is "
                       f"{per} consecutive rows, so the reshape needs the blob axis first: (k, m, d), not (m, k, d).")
            else:
                why = ""
            raise Wrong(f"{what}: row {i} is {nums(np.round(result[i], 3))}, but the mean of rows "
                        f"{i * per} to {(i + 1) * per - 1} of samples is {nums(np.round(expected[i], 3))}.{why}")
    return "each row is the mean of one blob, for any number of blobs and samples."


@exercise(2, hints=(
    "Follow create_samples, but with one size per cluster: loop over the sizes, make one centroid and `size` "
    "noisy samples for each cluster, and concatenate the lists at the end.",
    "Every random op needs its own stateless seed pair, built from `seed` and the cluster's number i: then "
    "the same seed gives the same blobs, and no two clusters share their noise.",
    "Two pairs per cluster will do, one with 2*i for the centroid and one with 2*i + 1 for the noise. The "
    "centroid is uniform between -embiggen_factor/2 and +embiggen_factor/2, the noise normal with standard "
    "deviation 5; add them, and keep both results float32.",
))
def q2(create_uneven_samples):
    sizes, d, spread, seed = [20, 200, 50], 2, 60.0, 3
    what = f"create_uneven_samples({sizes}, {d}, {spread:g}, seed={seed})"
    result = call_learner(create_uneven_samples, sizes, d, spread, seed, what=what)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Wrong(f"{what} should return a pair (centroids, samples); got {type(result).__name__}.")
    centroids = as_numpy(result[0], "centroids")
    samples = as_numpy(result[1], "samples")
    k, n = len(sizes), sum(sizes)
    if centroids.shape == (n, d) and samples.shape == (k, d):
        raise Wrong(f"{what} returned shapes {centroids.shape} and {samples.shape}: centroids and samples look "
                    "swapped. Return the pair in the order (centroids, samples), as create_samples does.")
    if centroids.shape != (k, d):
        raise Wrong(f"centroids have shape {centroids.shape}; expected ({k}, {d}): one row per size.")
    if samples.shape != (n, d):
        raise Wrong(f"samples have shape {samples.shape}; expected ({n}, {d}): sum(sizes) = {n} rows. "
                    "Is every slice appended to the list you concatenate?")
    if samples.dtype != np.float32 or centroids.dtype != np.float32:
        raise Wrong(f"got dtypes {centroids.dtype} and {samples.dtype}; expected float32 "
                    "(TensorFlow's random ops give float32; NumPy's give float64).")
    if not np.all(np.isfinite(samples)):
        raise Wrong("samples contain NaN or infinite values.")
    if np.any(np.abs(centroids) > spread / 2):
        raise Wrong(f"a centroid lies outside [-{spread / 2:g}, {spread / 2:g}): "
                    "draw each coordinate uniformly between -embiggen_factor/2 and embiggen_factor/2.")
    again = call_learner(create_uneven_samples, sizes, d, spread, seed, what=what)
    if not np.array_equal(as_numpy(again[1], "samples"), samples) or not np.array_equal(
        as_numpy(again[0], "centroids"), centroids
    ):
        raise Wrong(f"two calls of {what} gave different numbers. The same seed should give the same "
                    "samples: use tf.random.stateless_* ops with seeds built from `seed`.")
    other = as_numpy(call_learner(create_uneven_samples, sizes, d, spread, seed + 1)[1], "samples")
    if np.array_equal(other, samples):
        raise Wrong(f"seed={seed} and seed={seed + 1} gave identical samples: the seed is not used.")
    starts = np.cumsum([0] + sizes)
    noise = [samples[a:b] - centroids[i] for i, (a, b) in enumerate(zip(starts[:-1], starts[1:], strict=True))]
    for i, block in enumerate(noise):
        limit = 4 * 5.0 / np.sqrt(len(block)) + 0.5
        if np.abs(block.mean(axis=0)).max() > limit:
            raise Wrong(f"the {sizes[i]} samples of cluster {i} (rows {starts[i]} to {starts[i + 1] - 1}) "
                        f"are not centred on centroids[{i}]: their mean is off by "
                        f"{num(np.abs(block.mean(axis=0)).max(), 3)}. Add the centroid to the noise.")
    spread_seen = np.concatenate(noise).std()
    if not 4.0 < spread_seen < 6.0:
        raise Wrong(f"the samples spread around their centroids with standard deviation {spread_seen:.2f}; "
                    "expected 5 (stddev=5.0).")
    smallest = min(sizes)
    if np.allclose(noise[0][:smallest], noise[2][:smallest]):
        raise Wrong("clusters 0 and 2 have exactly the same noise, only shifted: every cluster "
                    "needs its own seed pair (this was a bug in the TensorFlow 1 tutorial).")
    return "uneven blobs, reproducible, each with its own noise."
