"""Checks for lessons/09_when_kmeans_fails.ipynb."""

import numbers

import numpy as np

from helpers.exercises import Wrong, as_numpy, call_learner, exercise, is_whole, num, nums
from helpers.functions import _short


@exercise(1, hints=(
    "Quantising is k-means' assign step with the palette as centroids: every pixel takes its nearest palette "
    "colour.",
    "Flatten the image to a list of pixels, (h*w, 3), so that assign_to_nearest can label each one.",
    "tf.gather looks each label's colour up in the palette; reshape the result back to the image's shape.",
))
def q1(quantize):
    rng = np.random.default_rng(9)
    image = rng.random((12, 17, 3)).astype(np.float32)
    palette = rng.random((5, 3)).astype(np.float32)
    what = "quantize(image, palette) with a 12×17 image and 5 colours"
    result = as_numpy(call_learner(quantize, image.copy(), palette.copy(), what=what), what)
    if result.shape == (12, 17):
        raise Wrong(f"{what} returned shape (12, 17): one label per pixel. Return the colours themselves, "
                    "(12, 17, 3): look each label up in the palette.")
    if result.shape == (12 * 17, 3):
        raise Wrong(f"{what} returned shape {result.shape}: the pixels as a list. Reshape them back to the "
                    "image's shape, (12, 17, 3).")
    if result.shape != image.shape:
        raise Wrong(f"{what} returned shape {result.shape}; expected {image.shape}, the shape of the image.")
    pixels = image.reshape(-1, 3).astype(np.float64)
    distances = ((pixels[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
    nearest = palette[distances.argmin(axis=1)].reshape(image.shape)
    out = result.reshape(-1, 3)
    in_palette = np.isclose(out[:, None, :], palette[None, :, :], atol=1e-5).all(axis=2).any(axis=1)
    if not in_palette.all():
        i = int(np.flatnonzero(~in_palette)[0])
        raise Wrong(f"pixel {divmod(i, 17)} became {nums(np.round(out[i], 3))}, which is not a palette colour.")
    wrong = np.flatnonzero(~np.isclose(result, nearest, atol=1e-5).all(axis=2).ravel())
    if wrong.size:
        i = int(wrong[0])
        raise Wrong(f"pixel {divmod(i, 17)} became palette colour {nums(np.round(out[i], 3))}, but the nearest "
                    f"palette colour is {nums(np.round(nearest.reshape(-1, 3)[i], 3))}.")
    return "every pixel takes the nearest colour of the palette."


def _show(value):
    """A setting as the learner wrote it, numbers without float noise (0.2 for np.float32(0.2))."""
    return num(value) if isinstance(value, numbers.Real) and not isinstance(value, bool) else _short(value)


def _shapes():
    from sklearn.datasets import make_circles, make_moons

    return [("moons", *make_moons(600, noise=0.06, random_state=0)),
            ("circles", *make_circles(600, noise=0.05, factor=0.4, random_state=0))]


@exercise(2, hints=(
    "eps is a radius in the data's own units, and min_samples the number of samples within eps that makes a "
    "sample a core point.",
    "The moons are about 1 wide and neighbouring samples a few hundredths apart; the circles are similar. Too"
    " small an eps leaves samples as noise (label -1); too large merges the two shapes into one.",
    "Keep min_samples near 5 and try eps from 0.05 to 0.5 in a loop, printing the share of noise and the "
    "number of clusters on both data sets; pick a value that gives two clusters and no noise on both.",
))
def q2(dbscan_settings):
    from sklearn.cluster import DBSCAN
    from sklearn.metrics import adjusted_rand_score

    if not isinstance(dbscan_settings, (tuple, list)) or len(dbscan_settings) != 2:
        raise Wrong(f"dbscan_settings should be a pair (eps, min_samples); got {_show(dbscan_settings)}.")
    eps, min_samples = dbscan_settings

    def real(value):
        return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and np.isfinite(float(value))

    if real(eps) and real(min_samples) and is_whole(eps) and eps >= 1 and 0 < min_samples < 1:
        raise Wrong(f"dbscan_settings=({_show(eps)}, {_show(min_samples)}) looks swapped: the pair is (eps, "
                    "min_samples), the radius first and the whole number second.")
    if not real(eps) or not eps > 0:
        raise Wrong(f"eps={_show(eps)} should be a positive number.")
    if not is_whole(min_samples) or min_samples < 1:
        raise Wrong(f"min_samples={_show(min_samples)} should be a whole number >= 1 (5 and 5.0 both do).")
    eps, min_samples = float(eps), int(min_samples)
    for name, samples, truth in _shapes():
        labels = as_numpy(DBSCAN(eps=float(eps), min_samples=int(min_samples)).fit_predict(samples), "labels")
        noise = float(np.mean(labels == -1))
        found = len(set(labels.tolist()) - {-1})
        if noise > 0.02:
            raise Wrong(f"on the {name}, DBSCAN(eps={num(eps)}, min_samples={min_samples}) called {noise:.0%} of the "
                        "samples noise: the neighbourhoods are too small (raise eps or lower min_samples).")
        if found < 2:
            raise Wrong(f"on the {name}, DBSCAN(eps={num(eps)}, min_samples={min_samples}) found {found} cluster: the "
                        "neighbourhoods reach across the gap between the shapes (lower eps).")
        score = adjusted_rand_score(truth, labels)
        if score < 0.99:
            raise Wrong(f"on the {name}, DBSCAN(eps={num(eps)}, min_samples={min_samples}) found {found} clusters that "
                        f"match the two shapes with an adjusted Rand index of {score:.2f} (1 is perfect).")
    return "both moons and both circles found, with (almost) no noise."
