"""What users bring to the lesson 01, 02 and 06 functions: shifted, scaled, integer, float64,
huge, tiny, empty, 0-d, 3-d, lists, pandas-like objects, tensors, booleans, None, sparse
matrices. Each gives a valid result or a ValueError/TypeError whose message names the
parameter, shows the value as the user gave it, and stays short."""

import io
import signal
import time
import tracemalloc
from contextlib import contextmanager

import matplotlib
import numpy as np
import pytest
import scipy.sparse

from helpers._quiet import tf
from helpers.functions import (
    _shade_regions,
    choose_random_centroids,
    cluster_colours,
    cluster_purity,
    create_samples,
    plot_clusters,
    plot_images,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MAX_MESSAGE = 300  # characters: "a line or two", never an array


class FrameLike:
    """Stands in for a pandas DataFrame or Series (pandas is not a course requirement): it has
    shape, dtype and __array__, and no list interface."""

    def __init__(self, values):
        self._values = np.asarray(values)
        self.shape, self.dtype = self._values.shape, self._values.dtype

    def __array__(self, dtype=None, copy=None):
        return self._values if dtype is None else self._values.astype(dtype)

    def __len__(self):
        return len(self._values)


def raised(call):
    """The ValueError or TypeError ``call`` raises (any other outcome fails the test)."""
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    message = str(info.value)
    assert len(message) <= MAX_MESSAGE, f"{len(message)} characters: {message[:200]}..."
    return message


@contextmanager
def no_longer_than(seconds):
    """Fail (instead of hanging the suite) when the block runs longer than ``seconds``."""

    def stop(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def purity_reference(clusters, truth):
    """Counting with Python dicts: independent of NumPy's unique and of the TF table."""
    counts = {}
    for c, t in zip(np.asarray(clusters).tolist(), np.asarray(truth).tolist(), strict=True):
        counts.setdefault(c, {}).setdefault(t, 0)
        counts[c][t] += 1
    return sum(max(classes.values()) for classes in counts.values()) / len(clusters)


# ------------------------------------------------------------------- cluster_purity


@pytest.mark.parametrize("big", [2**31, 2**32, 2**40, 2**63 - 1])
def test_cluster_purity_does_not_wrap_large_labels(big):
    # int32 casting turned 2**32 into 0 (one class: 1.0) and 2**31 into a negative index.
    assert cluster_purity([0, 0], [0, big]) == 0.5
    assert cluster_purity([big, big, 0], [1, 2, 2]) == pytest.approx(2 / 3)
    assert cluster_purity(np.array([0, 0], np.uint64), np.array([5, big], np.uint64)) == 0.5


@pytest.mark.parametrize("seed", range(6))
def test_cluster_purity_matches_counting_on_any_label_values(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    spread = [2, 10, 70000, 2**40][seed % 4]
    clusters = rng.integers(0, min(spread, n + 5), size=n) * (spread // min(spread, n + 5) or 1)
    truth = rng.integers(0, spread, size=n)
    expected = purity_reference(clusters, truth)
    assert cluster_purity(clusters, truth) == pytest.approx(expected, rel=1e-12)
    # the same through every container a user might hold labels in
    for convert in (list, tf.constant, FrameLike, lambda a: a.astype(np.float64), lambda a: a.astype(np.uint64)):
        assert cluster_purity(convert(clusters), convert(truth)) == pytest.approx(expected, rel=1e-12)


def test_cluster_purity_dense_and_sparse_counts_agree():
    rng = np.random.default_rng(1)
    for n_clusters, n_classes in [(3, 4), (40, 40), (500, 300), (2000, 2000)]:  # small tables and large ones
        clusters, truth = rng.integers(0, n_clusters, 2000), rng.integers(0, n_classes, 2000)
        assert cluster_purity(clusters, truth) == pytest.approx(purity_reference(clusters, truth), rel=1e-12)


def test_cluster_purity_memory_grows_with_n_not_with_the_labels():
    # 70000 distinct clusters and classes: the dense table would be 70000² = 4.9e9 counts.
    n = 70000
    clusters = np.arange(n) * 2**40
    truth = (np.arange(n) * 7919) % n + 70000
    tracemalloc.start()
    try:
        assert cluster_purity(clusters, truth) == 1.0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * n * 8, f"peak {peak / 2**20:.1f} MiB for n={n}"
    assert cluster_purity(np.zeros(n, int), np.arange(n) % 2) == 0.5


def test_cluster_purity_accepts_booleans_and_whole_floats():
    assert cluster_purity([0, 1, 1], [True, False, False]) == 1.0
    assert cluster_purity([0.0, 0.0, 1.0], [3.0, 3.0, 4.0]) == 1.0
    assert cluster_purity(np.array([0, 0, 1], np.uint8), np.array([1, 2, 2], np.int16)) == pytest.approx(2 / 3)


@pytest.mark.parametrize("clusters, expected", [
    ([0, np.nan], "cluster_labels should hold integers >= 0; got dtype float64 with NaN at index 1"),
    ([0, np.inf], "with an infinite value (inf) at index 1"),
    ([0, -np.inf], "with an infinite value (-inf) at index 1"),
    ([0, 0.5], "with 0.5 at index 1, which is not a whole number"),
    ([0, -1], "cluster_labels should hold integers >= 0; got -1 at index 1."),
    ([0, 2**63], "got 9223372036854775808 at index 1"),
    (np.array([0, 2**63], np.uint64), "got 9223372036854775808 at index 1"),
    ([0, 2**64], "got 18446744073709551616 at index 1"),
    ([0, 2.0**63], "got 9.223372036854776e+18 at index 1"),
    (None, "cluster_labels should be an array of numbers; got None."),
    (scipy.sparse.csr_matrix(np.eye(2)), "got a scipy.sparse csr_matrix of shape (2, 2)"),
    (["a", "b"], "cluster_labels should hold real numbers (int or float); got strings"),
    ([0, None], "cluster_labels should hold numbers; got None (NoneType) at index 1."),
    ([[0, 1]], "cluster_labels should be a non-empty 1-D array of integers; got shape (1, 2)."),
    ([], "got shape (0,)"),
    (3, "got shape ()"),
    ([0, 1j], "got complex numbers"),
    ([0, 1, 2], "cluster_labels has 3 entries but true_labels has 2"),
])
def test_cluster_purity_errors_name_the_parameter_and_the_value(clusters, expected):
    message = raised(lambda: cluster_purity(clusters, [0, 1]))
    assert expected in message
    assert "-9223372036854775808" not in message and "fractions or NaN" not in message
    assert "true_labels" in raised(lambda: cluster_purity([0, 1], [0, -7]))


def test_cluster_purity_never_formats_a_whole_array():
    message = raised(lambda: cluster_purity(np.r_[np.zeros(10**6), -1.5], np.zeros(10**6 + 1)))
    assert "cluster_labels" in message and "index 1000000" in message


# ------------------------------------------------------------------- create_samples


@pytest.mark.parametrize("args, expected", [
    (dict(n_clusters=10**9), "n_clusters=1000000000 should be <= 10000."),
    (dict(n_clusters=1e9), "n_clusters=1000000000.0 should be an integer; got float."),
    (dict(embiggen_factor=4e38), "embiggen_factor=4e+38 should be <= 1e+12."),
    (dict(embiggen_factor=float("inf")), "embiggen_factor=inf should be finite."),
    (dict(embiggen_factor=10**400), "embiggen_factor=(an integer of about 401 digits) should be <= 1e+12."),
    (dict(n_samples_per_cluster=10**9),
     "n_clusters * n_samples_per_cluster * n_features = 3 * 1000000000 * 2 = 6e+09 values; at most 2**27 = 134217728"),
    (dict(n_features=10**9), "= 3 * 500 * 1000000000 = 1.5e+12 values; at most 2**27"),
    (dict(n_features=10**500), "* (an integer of about 501 digits) = (an integer of about 504 digits) values"),
    (dict(n_features=0), "n_features=0 should be >= 1."),
    (dict(n_samples_per_cluster=True), "n_samples_per_cluster=True should be an integer; got bool."),
    (dict(n_samples_per_cluster=[1] * 10**6), "n_samples_per_cluster=[1, 1, 1,"),
    (dict(n_features=np.arange(10**6)), "n_features=<ndarray of shape (1000000,) and dtype int64> should be an integer"),
    (dict(seed=2**31), "seed=2147483648 should be <= 2147483647."),
    (dict(seed=[700] * 10**6), "seed=[700, 700,"),
])
def test_create_samples_bounds_every_value_before_allocating(args, expected):
    good = dict(n_clusters=3, n_samples_per_cluster=500, n_features=2, embiggen_factor=70, seed=700)
    with no_longer_than(10):
        message = raised(lambda: create_samples(**(good | args)))
    assert expected in message
    assert next(iter(args)) in message


def test_create_samples_at_its_bounds_is_finite_and_usable():
    from helpers.functions import assign_to_nearest

    centroids, samples = create_samples(3, 10, 4, 1e12, 1)  # the largest embiggen_factor
    assert np.isfinite(samples.numpy()).all() and np.abs(samples.numpy()).max() <= 5e11 * (1 + 1e-6)
    assert assign_to_nearest(samples, centroids).shape == (30,)  # accepted by the other functions
    assert "= 1 * 134217729 * 1 = 1.34e+08 values; at most 2**27 = 134217728" in raised(
        lambda: create_samples(1, 2**27 + 1, 1, 70, 1))  # one value over: refused before allocating


def test_create_samples_takes_numpy_and_tensor_scalars_as_the_same_ints():
    expected = create_samples(3, 5, 2, 70, 700)[1].numpy()
    same = create_samples(np.int64(3), np.array(5), tf.constant(2), np.float32(70), np.uint16(700))[1].numpy()
    np.testing.assert_array_equal(same, expected)


# -------------------------------------------------------------- choose_random_centroids


@pytest.mark.parametrize("convert", [
    lambda a: a, lambda a: a.astype(np.float64), lambda a: a.astype(np.int64), lambda a: a.tolist(),
    tf.constant, FrameLike, lambda a: a + 1e6, lambda a: a * 1e-6,
])
def test_choose_random_centroids_returns_rows_of_what_the_user_gave(convert):
    samples = np.arange(40, dtype=np.float32).reshape(20, 2)
    given = convert(samples)
    chosen = choose_random_centroids(given, 5, seed=3).numpy()
    rows = {tuple(row) for row in np.asarray(given, dtype=np.float32).tolist()}
    assert chosen.shape == (5, 2) and len({tuple(r) for r in chosen.tolist()} & rows) == 5


@pytest.mark.parametrize("samples, expected", [
    (None, "samples should be an array of numbers; got None."),
    (scipy.sparse.csr_matrix(np.eye(3)), "samples should be an array of numbers; got a scipy.sparse csr_matrix"),
    ([[1.0, None]], "samples should hold numbers; got None (NoneType) at index (0, 1)."),
    ([[True, False]], "samples should hold real numbers (int or float); got booleans"),
    ("abc", "samples should be an array of numbers; got str 'abc'."),
    (np.zeros((2, 2, 2)), "samples should be a 2-D array"),
])
def test_choose_random_centroids_names_what_it_cannot_use(samples, expected):
    assert expected in raised(lambda: choose_random_centroids(samples, 1))


def test_choose_random_centroids_bounds_n_clusters_and_seed():
    assert "n_clusters=1000000000000000000000000000000 should be <= n_samples=1." in raised(
        lambda: choose_random_centroids([[1.0, 2.0]], 10**30))
    assert "seed=1099511627776 should be <= 2147483647." in raised(
        lambda: choose_random_centroids([[1.0, 2.0]], 1, seed=2**40))


# -------------------------------------------------------------------- cluster_colours


def test_cluster_colours_is_bounded_and_checked():
    assert len(cluster_colours(0)) == 0 and len(cluster_colours(30)) == 30
    assert cluster_colours(3) == ["#0072B2", "#E69F00", "#009E73"]
    assert "n_clusters=1000000000 should be <= 1048576." in raised(lambda: cluster_colours(10**9))
    assert "n_clusters=2.5 should be an integer" in raised(lambda: cluster_colours(2.5))


# --------------------------------------------------------------------- plot_clusters

TWO = np.zeros((2, 2))


@pytest.mark.parametrize("labels, expected", [
    ([0, -1], "labels should hold integers >= 0; got -1 at index 1."),
    ([0, np.nan], "labels should hold integers >= 0; got dtype float64 with NaN at index 1."),
    ([0, np.inf], "with an infinite value (inf) at index 1."),
    ([0, 2**63], "labels should hold integers >= 0 and <= 2**63 - 1 (int64); got 9223372036854775808 at index 1."),
    ([0, 1.5], "with 1.5 at index 1, which is not a whole number."),
    ([0, 1, 2], "labels should have shape (2,), one label per row of all_samples; got shape (3,)."),
    ([[0, 1]], "labels should be a non-empty 1-D array of integers; got shape (1, 2)."),
    (scipy.sparse.csr_matrix([[0, 1]]), "labels should be an array of numbers; got a scipy.sparse csr_matrix"),
])
def test_plot_clusters_refuses_labels_it_would_lose_or_truncate(labels, expected):
    assert expected in raised(lambda: plot_clusters(TWO, None, labels=labels))


@pytest.mark.parametrize("call, expected", [
    (lambda: plot_clusters(None, None), "all_samples should be an array of numbers; got None."),
    (lambda: plot_clusters(scipy.sparse.csr_matrix(np.eye(3)), None), "all_samples should be an array of numbers; "
                                                                      "got a scipy.sparse csr_matrix of shape (3, 3)"),
    (lambda: plot_clusters(np.zeros((0, 2)), None), "all_samples should have shape (n_samples, >= 2 features)"),
    (lambda: plot_clusters([[0.0, np.nan]], None), "all_samples contains 1 NaN or infinite value(s), the first NaN"),
    (lambda: plot_clusters(TWO, [[0.0, np.inf]]), "centroids contains 1 NaN or infinite value(s)"),
    (lambda: plot_clusters(TWO, np.zeros((0, 2))), "centroids should have shape (n_clusters >= 1, 2)"),
    (lambda: plot_clusters(TWO, np.zeros((1, 3))), "centroids should have shape (n_clusters >= 1, 2)"),
    (lambda: plot_clusters([[1e308, 0.0], [-1e308, 1.0]], None), "all_samples spans more than float64 holds"),
    (lambda: plot_clusters([[1e308, 0.0]], [[-1e308, 1.0]]), "all_samples (with centroids) spans more than float64"),
    (lambda: plot_clusters(TWO, None, 0), "n_samples_per_cluster=0 should be >= 1."),
    (lambda: plot_clusters(TWO, None, 1.5), "n_samples_per_cluster=1.5 should be an integer"),
    (lambda: plot_clusters(TWO, None, ax="left"), "ax should be a matplotlib Axes"),
    (lambda: plot_clusters(TWO, None, regions="yes"), "regions should be True or False; got 'yes'."),
    (lambda: plot_clusters(TWO, None, regions=True), "regions=True needs centroids and exactly 2 features"),
    (lambda: plot_clusters(np.zeros((2, 3)), np.zeros((1, 3)), regions=True), "exactly 2 features"),
])
def test_plot_clusters_checks_every_input(call, expected):
    assert expected in raised(call)


def test_plot_clusters_draws_only_the_labels_present():
    samples = np.random.default_rng(0).normal(size=(30, 2))
    with no_longer_than(20):
        ax = plot_clusters(samples, None, labels=[0] * 15 + [10**9] * 15)
        assert [c.get_label() for c in ax.collections] == ["cluster 0", "cluster 1000000000"]
        many = np.random.default_rng(1).normal(size=(20000, 2))
        ax = plot_clusters(many, None, labels=np.arange(20000) * 3)  # 20000 clusters: one scatter call
        assert [c.get_label() for c in ax.collections] == ["20000 clusters"]
        ax.figure.savefig(io.BytesIO(), dpi=30)


def test_plot_clusters_colours_a_cluster_like_its_centroid_region():
    samples = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    ax = plot_clusters(samples, samples, labels=[2, 0, 1], regions=True)
    (image,) = ax.images
    owner_colour = image.cmap(image.norm(2))  # the region of centroid 2
    cluster_colour = ax.collections[[c.get_label() for c in ax.collections].index("cluster 2")].get_facecolor()[0]
    np.testing.assert_allclose(owner_colour[:3], cluster_colour[:3])


CONTAINERS = [lambda a: a, lambda a: a.astype(np.float32), lambda a: np.round(a).astype(np.int64),
              lambda a: a.tolist(), tf.constant, FrameLike]


@pytest.mark.parametrize("convert", CONTAINERS + [lambda a: a * 1e-30, lambda a: a * 1e30, lambda a: a + 1e6])
@pytest.mark.parametrize("hold_labels", CONTAINERS + [lambda a: a.astype(np.uint8), lambda a: a.astype(bool)])
def test_plot_clusters_draws_what_users_bring(convert, hold_labels):
    rng = np.random.default_rng(2)
    samples, centroids = rng.normal(size=(40, 2)) * 5, rng.normal(size=(3, 2)) * 5
    labels = rng.integers(0, 3, 40).astype(float)
    ax = plot_clusters(convert(samples), convert(centroids), labels=hold_labels(labels), regions=True)
    ax.figure.savefig(io.BytesIO(), dpi=30)
    x = ax.collections[0].get_offsets()[:, 0]
    assert np.all(np.isfinite(x))


# -------------------------------------------------------------------- _shade_regions


def _shaded_owners(samples, centres, resolution=120):
    fig, ax = plt.subplots()
    _shade_regions(ax, samples, centres, ["#000000"] * len(centres), resolution=resolution)
    (image,) = ax.images
    left, right, bottom, top = image.get_extent()
    xs, ys = np.linspace(left, right, resolution), np.linspace(bottom, top, resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    return np.asarray(image.get_array()).reshape(-1), grid


@pytest.mark.parametrize("offset", [0.0, 1e4, 1e6])
@pytest.mark.parametrize("seed", range(3))
def test_shaded_regions_are_the_float64_nearest_centroid(offset, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(5, 2)) * 2 + offset
    samples = centres[rng.integers(0, 5, 400)] + 0.5 * rng.normal(size=(400, 2))
    owners, grid = _shaded_owners(samples, centres)
    brute = ((grid[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)  # float64, no expansion
    np.testing.assert_array_equal(owners, brute)
    if offset >= 1e4:  # the check can fail: the float32 expansion it replaced gets many grid points wrong
        g, c = grid.astype(np.float32), centres.astype(np.float32)
        expansion = (g**2).sum(1)[:, None] - 2 * g @ c.T + (c**2).sum(1)[None, :]
        assert np.mean(expansion.argmin(axis=1) != brute) > 0.05


def test_shaded_regions_do_not_overflow_or_underflow():
    for scale in (1e-300, 1e300):
        centres = np.array([[-1.0, 0.0], [1.0, 0.0]]) * scale
        owners, grid = _shaded_owners(centres, centres, resolution=20)
        np.testing.assert_array_equal(owners, (grid[:, 0] > 0).astype(int))


# ----------------------------------------------------------------------- plot_images


@pytest.mark.parametrize("kwargs, expected", [
    (dict(n_columns=0), "n_columns=0 should be >= 1."),
    (dict(n_columns=2.5), "n_columns=2.5 should be an integer"),
    (dict(shape=(0, 64)), "shape[0] (height)=0 should be >= 1."),
    (dict(shape=8), "shape should be a pair (height, width) of ints; got 8."),
    (dict(shape=(8, 8, 1)), "shape should be a pair (height, width) of ints"),
    (dict(shape=(4, 4)), "images should have shape (m, 16) for shape=(4, 4); got (3, 64)."),
    (dict(titles="abc"), "titles should be a list of 3 strings, one per image; got 'abc'."),
    (dict(titles=5), "titles should be a list of 3 strings"),
    (dict(titles=["a", "b"]), "titles has 2 entries; it should have one per image (images has 3 rows)."),
    (dict(size=0), "size=0.0 should be > 0."),
    (dict(size=float("nan")), "size=nan should be finite."),
    (dict(size=1e9), "size=1e+09 should be <= 200."),
    (dict(size=100, n_columns=3), "plot_images would make a figure of 300 x 115 inches"),
    (dict(cmap="nope"), "cmap='nope' is not a matplotlib colormap name"),
    (dict(cmap=3), "cmap should be a colormap name or a matplotlib Colormap; got 3."),
])
def test_plot_images_checks_its_options(kwargs, expected):
    assert expected in raised(lambda: plot_images(np.zeros((3, 64)), **kwargs))


@pytest.mark.parametrize("images, expected", [
    (None, "images should be an array of numbers; got None."),
    (scipy.sparse.csr_matrix(np.zeros((2, 64))), "images should be an array of numbers; got a scipy.sparse"),
    (np.zeros((0, 64)), "images has 0 rows; between 1 and 500 images can be drawn"),
    (np.zeros((10**4, 64)), "images has 10000 rows; between 1 and 500"),
    (np.zeros((3, 8, 8)), "images should have shape (m, 64) for shape=(8, 8); got (3, 8, 8). One image per row"),
    (np.full((2, 64), np.nan), "images contains 128 NaN or infinite value(s), the first NaN"),
    (np.array([[-1e308] * 32 + [1e308] * 32]), "images spans more than float64 holds"),
])
def test_plot_images_names_images_it_cannot_draw(images, expected):
    assert expected in raised(lambda: plot_images(images))


def test_plot_images_draws_what_users_bring():
    digits = np.random.default_rng(0).random((5, 64))
    for given in (digits, (digits * 16).astype(np.uint8), digits.tolist(), tf.constant(digits), FrameLike(digits)):
        fig = plot_images(given, np.arange(5), n_columns=10**9)  # numbers as titles; more columns than images
        assert len(fig.axes) == 5 and fig.axes[4].get_title() == "4"
    fig = plot_images(np.zeros((1, 6)), shape=np.array([2, 3]), cmap=matplotlib.colormaps["viridis"])
    fig.savefig(io.BytesIO(), dpi=30)


# ---------------------------------------------------------------------------- fuzz


def _hostile(rng, good):
    """A value a user might pass instead of ``good``: a variant of it or something else."""
    array = np.asarray(good) if not isinstance(good, (str, tuple)) else None
    variants = [
        None, "abc", b"x", {}, [], [[]], 0, -1, 1, 2, 2**31, 2**63, 2**64, 10**100, 0.5, 1e9, 1e300, -1e300, 1e-300,
        float("nan"), float("inf"), True, np.bool_(False), 1j, np.array(3), np.array(2.5), np.zeros((2, 2, 2)),
        scipy.sparse.csr_matrix(np.eye(3)), tf.constant(2), tf.constant(["a"]), [1, [2, 3]], object(),
    ]
    if array is not None and array.dtype.kind in "iuf" and array.ndim >= 1:
        variants += [
            array + 1e6, array * 1e6, array * 1e-6, array.astype(np.int64), array.astype(np.float64),
            array.astype(np.float32), array.astype(bool), array.tolist(), tf.constant(array), FrameLike(array),
            array[:0], array[:1], array[..., None], array.T, -array - 1, array * 1e30, np.where(array == array, np.nan, 0),
            np.r_[array.ravel(), np.inf].reshape(-1)[: array.size].reshape(array.shape), array + 0.5,
            np.asarray(array, dtype=object), array.astype(np.uint64) + 2**63,
        ]
    return variants[int(rng.integers(len(variants)))]


FUZZED = {
    create_samples: dict(n_clusters=3, n_samples_per_cluster=20, n_features=2, embiggen_factor=70, seed=700),
    choose_random_centroids: dict(samples=np.arange(40.0).reshape(20, 2), n_clusters=3, seed=1),
    cluster_purity: dict(cluster_labels=np.arange(20) % 3, true_labels=np.arange(20) % 4),
    cluster_colours: dict(n_clusters=4),
    plot_clusters: dict(all_samples=np.arange(40.0).reshape(20, 2), centroids=np.zeros((3, 2)),
                        n_samples_per_cluster=None, labels=np.arange(20) % 3, title="t", regions=True),
    plot_images: dict(images=np.zeros((3, 64)), titles=["a", "b", "c"], shape=(8, 8), n_columns=2, size=0.5,
                      cmap="gray_r"),
}


def _valid(function, result):
    if function is create_samples:
        centroids, samples = result
        return np.isfinite(samples.numpy()).all() and np.isfinite(centroids.numpy()).all()
    if function is choose_random_centroids:
        return isinstance(result, tf.Tensor) and result.shape.rank == 2
    if function is cluster_purity:
        return isinstance(result, float) and 0 < result <= 1
    if function is cluster_colours:
        return isinstance(result, list)
    figure = result.figure if function is plot_clusters else result
    figure.savefig(io.BytesIO(), dpi=10)  # draw it: errors at draw time count
    return True


@pytest.mark.filterwarnings("ignore:Glyph")  # str() of a sparse matrix as a title holds tabs
@pytest.mark.parametrize("function", list(FUZZED), ids=lambda f: f.__name__)
def test_fuzz_every_outcome_is_a_result_or_an_error_naming_the_parameter(function):
    rng = np.random.default_rng(13)
    outcomes = {"result": 0, "error": 0}
    for case in range(40 if function in (plot_clusters, plot_images) else 150):
        name = list(FUZZED[function])[int(rng.integers(len(FUZZED[function])))]
        value = _hostile(rng, FUZZED[function][name])
        args = dict(FUZZED[function]) | {name: value}
        started = time.perf_counter()
        try:
            with no_longer_than(20):
                result = function(**args)
        except (ValueError, TypeError) as error:
            message = str(error)
            assert name in message, (case, name, _repr(value), message)
            assert len(message) <= MAX_MESSAGE, (case, name, _repr(value), message[:300])
            outcomes["error"] += 1
        else:
            assert _valid(function, result), (case, name, _repr(value))
            outcomes["result"] += 1
        finally:
            plt.close("all")
        assert time.perf_counter() - started < 20
    assert outcomes["error"] > 0  # the fuzz reached the checks


def _repr(value):
    text = repr(value)
    return text[:80]


# ------------------------------------------------------------------------- explorer


@pytest.mark.parametrize("kwargs, expected", [
    (dict(samples=scipy.sparse.csr_matrix(np.eye(3))), "samples should be an array of numbers; got a scipy.sparse"),
    (dict(samples=np.zeros((5, 1))), "samples has 1 feature(s) (shape (5, 1)); the explorer draws at least 2."),
    (dict(samples=np.zeros((1, 2))), "samples should have shape (n_samples >= 2, n_features); got (1, 2)."),
    (dict(samples=[[0.0, np.nan], [1.0, 1.0]]), "samples contains 1 NaN"),
    (dict(n_clusters=50), "n_clusters=50 should be <= 10."),
    (dict(n_clusters=0), "n_clusters=0 should be >= 1."),
    (dict(seed=-1), "seed=-1 should be >= 0."),
    (dict(seed=2**40), "seed=1099511627776 should be <= 2147483647."),
    (dict(spread=1e9), "spread=1e+09 should be <= 150."),
    (dict(spread=float("nan")), "spread=nan should be finite."),
    (dict(init="kmeans++"), "init='kmeans++' should be 'random' or 'k-means++'."),
    (dict(max_iter=10**12), "max_iter=1000000000000 should be <= 1000."),
    (dict(n_blobs=10**9), "n_blobs=1000000000 should be <= 20."),
    (dict(data_seed=None), "data_seed=None should be an integer"),
])
def test_explorer_names_the_argument_it_cannot_use(kwargs, expected):
    from helpers.explorer import KMeansExplorer

    assert expected in raised(lambda: KMeansExplorer(**kwargs))


def test_explorer_seed_box_takes_any_integer():
    from helpers.explorer import KMeansExplorer

    explorer = KMeansExplorer(np.random.default_rng(0).normal(size=(30, 2)), n_clusters=2)
    for typed in (-5, 2**40):
        explorer.controls["seed"].value = typed  # an IntText: the learner can type anything
        assert explorer.result.centroids.shape == (2, 2)
