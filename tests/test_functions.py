"""helpers.functions against plain NumPy references, scikit-learn, and bad input."""

import contextlib
import io
import subprocess
import sys
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import tensorflow as tf  # noqa: E402

from helpers import _checks, _engine  # noqa: E402
from helpers.exercises import reference_squared_distances  # noqa: E402
from helpers.functions import (  # noqa: E402
    EmptyClusterWarning,
    FewerClustersWarning,
    assign_to_nearest,
    choose_random_centroids,
    cluster_purity,
    create_samples,
    inertia,
    kmeans,
    kmeans_plusplus,
    load_digits,
    plot_clusters,
    update_centroids,
)

RNG = np.random.default_rng(12345)


# ------------------------------------------------------------------ create_samples


def test_create_samples_shapes_dtypes_and_blocks():
    centroids, samples = create_samples(3, 500, 2, 70, 700)
    assert centroids.shape == (3, 2) and samples.shape == (1500, 2)
    assert centroids.dtype.name == "float32" and samples.dtype.name == "float32"
    c, s = centroids.numpy(), samples.numpy()
    assert np.all(c >= -35) and np.all(c < 35)
    for i in range(3):
        block = s[i * 500 : (i + 1) * 500]
        # block i is a blob of stddev 5 around centroid i
        np.testing.assert_allclose(block.mean(axis=0), c[i], atol=5 * 4 / np.sqrt(500))
        np.testing.assert_allclose(block.std(axis=0), 5.0, rtol=0.1)


def test_create_samples_each_cluster_has_its_own_noise():
    # The TF1 tutorial gave every cluster the same op seed, so every blob had the same shape.
    centroids, samples = create_samples(3, 50, 2, 70, 1)
    s, c = samples.numpy(), centroids.numpy()
    noise = [s[i * 50 : (i + 1) * 50] - c[i] for i in range(3)]
    assert not np.allclose(noise[0], noise[1]) and not np.allclose(noise[1], noise[2])


def test_create_samples_seed_is_reproducible_and_different_seeds_differ():
    a = create_samples(4, 10, 3, 50, 7)
    b = create_samples(4, 10, 3, 50, 7)
    c = create_samples(4, 10, 3, 50, 8)
    np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())
    np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
    assert not np.allclose(a[1].numpy(), c[1].numpy())


def test_create_samples_zero_embiggen_puts_centres_at_origin():
    centroids, _ = create_samples(2, 5, 2, 0, 3)
    np.testing.assert_array_equal(centroids.numpy(), 0.0)


FRESH_PROCESS = """
import hashlib, numpy as np
from helpers.functions import create_samples, kmeans, choose_random_centroids
c, s = create_samples(3, 200, 2, 70, 700)
r = kmeans(s, 3, seed=5)
g = choose_random_centroids(s, 3, seed=9)
h = hashlib.sha256()
for a in (c.numpy(), s.numpy(), r.centroids, r.labels, g.numpy()):
    h.update(np.ascontiguousarray(a).tobytes())
print(h.hexdigest())
"""


def test_same_seed_same_numbers_in_fresh_processes():
    runs = [
        subprocess.run([sys.executable, "-c", FRESH_PROCESS], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    digests = [run.stdout.strip().splitlines()[-1] for run in runs]
    assert digests[0] == digests[1]
    here = io.StringIO()
    with contextlib.redirect_stdout(here):
        exec(FRESH_PROCESS, {})  # the same code in this process gives the same numbers too
    assert here.getvalue().strip() == digests[0]


# ------------------------------------------------------------ choose_random_centroids


def test_choose_random_centroids_picks_distinct_rows():
    samples = RNG.normal(size=(50, 3)).astype(np.float32)
    chosen = choose_random_centroids(samples, 7, seed=3).numpy()
    assert chosen.shape == (7, 3)
    rows = [int(np.flatnonzero((samples == row).all(axis=1))[0]) for row in chosen]
    assert len(set(rows)) == 7


def test_choose_random_centroids_seeded_is_reproducible_unseeded_moves():
    samples = np.arange(200, dtype=np.float32).reshape(100, 2)
    a = choose_random_centroids(samples, 5, seed=11).numpy()
    np.testing.assert_array_equal(a, choose_random_centroids(samples, 5, seed=11).numpy())
    assert not np.array_equal(a, choose_random_centroids(samples, 5, seed=12).numpy())
    unseeded = {choose_random_centroids(samples, 5).numpy().tobytes() for _ in range(5)}
    assert len(unseeded) > 1


def test_choose_all_rows_is_a_permutation():
    samples = np.arange(12, dtype=np.float32).reshape(6, 2)
    chosen = choose_random_centroids(samples, 6, seed=0).numpy()
    assert sorted(map(tuple, chosen)) == sorted(map(tuple, samples))


# ---------------------------------------------------------------- assign_to_nearest


@pytest.mark.parametrize("n, k, d", [(300, 4, 1), (500, 3, 2), (400, 10, 64), (50, 1, 5)])
def test_assign_to_nearest_matches_numpy(n, k, d):
    samples = RNG.normal(scale=3.0, size=(n, d)).astype(np.float32)
    centroids = RNG.normal(scale=3.0, size=(k, d)).astype(np.float32)
    labels = assign_to_nearest(samples, centroids).numpy()
    assert labels.shape == (n,) and labels.dtype == np.int32
    reference = reference_squared_distances(samples, centroids)
    expected = reference.argmin(axis=1)
    chosen = reference[np.arange(n), labels]
    best = reference[np.arange(n), expected]
    # Same label, except where two centroids are equally near within float32 round-off.
    assert np.all((labels == expected) | (chosen - best <= 1e-4 * (1 + best)))
    assert (labels == expected).mean() > 0.99


def test_assign_to_nearest_far_from_origin_has_no_negative_distances():
    # Around 1000 ± 0.01 the float32 expansion cancels badly; the result is still a valid index.
    samples = (1000 + 0.01 * RNG.normal(size=(100, 2))).astype(np.float32)
    labels = assign_to_nearest(samples, samples[:3]).numpy()
    assert labels.min() >= 0 and labels.max() < 3


def test_assign_accepts_lists_ints_and_tensors():
    assert assign_to_nearest([[0], [9]], [[10], [1]]).numpy().tolist() == [1, 0]
    import tensorflow as tf

    assert assign_to_nearest(tf.constant([[0.0, 0.0]]), np.array([[1.0, 1.0]])).numpy().tolist() == [0]


# ---------------------------------------------------------------- update_centroids


@pytest.mark.parametrize("d", [1, 2, 64])
def test_update_centroids_matches_numpy_means(d):
    samples = RNG.normal(size=(200, d)).astype(np.float32)
    labels = RNG.integers(0, 5, size=200)
    labels[:5] = np.arange(5)  # every cluster non-empty
    updated = update_centroids(samples, labels, 5).numpy()
    expected = np.stack([samples[labels == j].mean(axis=0) for j in range(5)])
    np.testing.assert_allclose(updated, expected, rtol=1e-5, atol=1e-6)


def test_update_centroids_empty_cluster_keeps_previous_and_warns():
    samples = np.array([[0.0, 0.0], [2.0, 2.0], [10.0, 10.0]])
    previous = np.array([[1.0, 1.0], [5.0, 5.0], [-7.0, 3.0]])
    with pytest.warns(EmptyClusterWarning, match=r"cluster\(s\) \[1\] have no samples"):
        updated = update_centroids(samples, [0, 0, 2], 3, previous_centroids=previous).numpy()
    np.testing.assert_allclose(updated, [[1.0, 1.0], [5.0, 5.0], [10.0, 10.0]])
    assert np.isfinite(updated).all()


def test_update_centroids_empty_cluster_without_previous_raises_not_nan():
    with pytest.raises(ValueError, match=r"cluster\(s\) \[2\] have no samples.*previous_centroids"):
        update_centroids([[0.0], [1.0]], [0, 1], 3)


# ------------------------------------------------------------------------- inertia


def test_inertia_matches_numpy():
    samples = RNG.normal(size=(300, 4)).astype(np.float32)
    centroids = RNG.normal(size=(6, 4)).astype(np.float32)
    distances = reference_squared_distances(samples, centroids)
    assert inertia(samples, centroids) == pytest.approx(distances.min(axis=1).sum(), rel=1e-5)
    labels = RNG.integers(0, 6, size=300)
    assert inertia(samples, centroids, labels) == pytest.approx(
        distances[np.arange(300), labels].sum(), rel=1e-5
    )


# -------------------------------------------------------------------------- kmeans


def _datasets():
    _, blobs = create_samples(3, 500, 2, 70, 700)
    digits, _ = load_digits()
    wide = RNG.normal(size=(600, 5)).astype(np.float32) * [1, 2, 3, 4, 5] + RNG.integers(0, 4, size=(600, 1)) * 6
    line = np.sort(RNG.normal(size=(400, 1)), axis=0).astype(np.float32)
    return {
        "blobs-2d": (blobs.numpy(), 3, 1),
        "digits-64d": (digits, 10, 0),
        "stretched-5d": (wide.astype(np.float32), 4, 2),
        "line-1d": (line, 3, 3),
    }


@pytest.mark.parametrize("name", ["blobs-2d", "digits-64d", "stretched-5d", "line-1d"])
def test_kmeans_from_explicit_init_agrees_with_scikit_learn(name):
    from sklearn.cluster import KMeans

    samples, k, seed = _datasets()[name]
    init = choose_random_centroids(samples, k, seed=seed).numpy()
    ours = kmeans(samples, k, init=init)
    theirs = KMeans(k, init=init, n_init=1, algorithm="lloyd", tol=1e-4).fit(samples)
    np.testing.assert_array_equal(ours.labels, theirs.labels_)
    np.testing.assert_allclose(ours.centroids, theirs.cluster_centers_, atol=1e-3)
    assert ours.inertia == pytest.approx(theirs.inertia_, rel=1e-4)
    assert ours.n_iter == theirs.n_iter_


@pytest.mark.parametrize(("k", "seed"), [(17, 7), (40, 4)])
def test_kmeans_follows_a_float64_lloyd_loop_over_many_chunks_and_padded_k(k, seed):
    # The digits twelve times over: 21564 rows, three chunks; k is padded to 32 or 64 inside.
    # Pixels are multiples of 1/16, so distances to a start are exact and ties go to the
    # first centroid, as in NumPy's argmin. (scikit-learn centres the data first, which
    # rounds, so it breaks such ties its own way: it would not do as the reference here.)
    digits, _ = load_digits()
    init = choose_random_centroids(digits, k, seed=seed).numpy().astype(np.float64)
    result = kmeans(np.tile(digits, (12, 1)), k, init=init, tol=0)
    assert result.converged
    centroids = init
    for i in range(result.n_iter):
        labels = reference_squared_distances(digits, centroids).argmin(axis=1)
        centroids = np.stack([digits[labels == j].mean(axis=0) for j in range(k)])
        np.testing.assert_allclose(result.centroid_history[i + 1], centroids, atol=1e-6, err_msg=f"iteration {i}")
    labels = reference_squared_distances(digits, centroids).argmin(axis=1)
    np.testing.assert_array_equal(result.labels, np.tile(labels, 12))


def test_kmeans_default_is_as_good_as_scikit_learn_default():
    from sklearn.cluster import KMeans

    samples, _ = load_digits()
    ours = np.mean([kmeans(samples, 10, seed=s).inertia for s in range(10)])
    theirs = np.mean([KMeans(10, random_state=s).fit(samples).inertia_ for s in range(10)])
    assert ours <= theirs * 1.01


def test_kmeans_result_is_consistent():
    _, samples = create_samples(3, 200, 2, 70, 700)
    result = kmeans(samples, 3, seed=0, tol=0)  # tol=0: stop only when no label changes
    s = samples.numpy()
    assert result.converged and 1 <= result.n_iter < 300
    assert result.inertia_history.shape == (result.n_iter,)
    assert result.centroid_history.shape == (result.n_iter + 1, 3, 2)
    np.testing.assert_allclose(result.centroid_history[-1], result.centroids)
    # every label is the nearest centroid, every centroid the mean of its samples
    np.testing.assert_array_equal(result.labels, reference_squared_distances(s, result.centroids).argmin(axis=1))
    for j in range(3):
        np.testing.assert_allclose(result.centroids[j], s[result.labels == j].mean(axis=0), atol=1e-4)
    assert result.inertia == pytest.approx(inertia(s, result.centroids), rel=1e-5)
    # Lloyd's algorithm never increases the inertia
    assert np.all(np.diff(result.inertia_history) <= 1e-3 * result.inertia_history[:-1])
    assert "converged=True" in repr(result)


def test_kmeans_same_seed_same_result_and_random_init():
    samples, _ = load_digits()
    a = kmeans(samples, 10, init="random", n_init=3, seed=4)
    b = kmeans(samples, 10, init="random", n_init=3, seed=4)
    np.testing.assert_array_equal(a.centroids, b.centroids)
    np.testing.assert_array_equal(a.labels, b.labels)


def test_kmeans_stops_at_max_iter():
    samples, _ = load_digits()
    result = kmeans(samples, 10, max_iter=2, seed=0)
    assert result.n_iter == 2 and not result.converged
    # the labels are those of the final centroids, found after the last update
    np.testing.assert_array_equal(result.labels, reference_squared_distances(samples, result.centroids).argmin(axis=1))
    assert result.inertia == pytest.approx(inertia(samples, result.centroids), rel=1e-5)


def test_kmeans_fewer_distinct_points_than_clusters_warns_and_stays_finite():
    samples = np.array([[0.0, 0.0]] * 5 + [[1.0, 1.0]] * 5)
    for init in ("k-means++", "random"):
        with (
            pytest.warns(FewerClustersWarning, match=r"Number of distinct clusters \(2\) found smaller than "
                         r"n_clusters \(3\): the samples hold only 2 distinct point\(s\)"),
            pytest.warns(EmptyClusterWarning, match=r"a cluster was left empty \d+ time\(s\): cluster \d in iteration 1 "
                         r"\(moved to sample \d+\)"),
        ):
            result = kmeans(samples, 3, init=init, seed=0)
        assert np.isfinite(result.centroids).all() and np.isfinite(result.inertia)


def test_kmeans_single_cluster_is_the_mean():
    samples = RNG.normal(size=(100, 3)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = kmeans(samples, 1, seed=0)
    np.testing.assert_allclose(result.centroids[0], samples.mean(axis=0), atol=1e-5)


def test_squared_lengths_are_computed_a_chunk_at_a_time():
    samples = RNG.normal(size=(20000, 64)).astype(np.float32)  # 8192 rows a chunk: three chunks
    for data in (samples, samples[:100]):
        expected = np.square(data.astype(np.float64)).sum(axis=1)
        np.testing.assert_allclose(_engine._squared_lengths(tf.constant(data)).numpy(), expected, rtol=1e-5)
    checked, (sums, low, high) = _checks._check_matrix("samples", samples, with_stats=True)  # also in chunks
    np.testing.assert_allclose(sums, samples.astype(np.float64).sum(axis=0), rtol=1e-9)
    np.testing.assert_array_equal(low, samples.min(axis=0))
    np.testing.assert_array_equal(high, samples.max(axis=0))
    assert _checks._check_matrix("samples", checked) is checked  # a good float32 tensor is not copied


def test_kmeans_single_cluster_on_a_first_trace():
    # A fresh copy of the compiled loop, traced first with k = 1 (in one process, earlier
    # calls leave _lloyd traced for any k, which hid a shape error for k = 1).
    fresh = tf.function(_engine._lloyd_block.python_function, reduce_retracing=True)
    samples = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]])
    centroids, labels, n_iter, *_ = fresh(samples, tf.reduce_sum(samples**2, axis=1), samples[:1], tf.fill([3], -1),
                                          tf.constant(1), tf.constant(10), tf.constant(0.0), tf.constant(2))
    np.testing.assert_allclose(centroids.numpy(), [[3.0, 5.0]], rtol=1e-6)
    np.testing.assert_array_equal(labels.numpy(), [0, 0, 0])
    assert int(n_iter) == 2  # the labels did not change in the second iteration


def test_row_minimum_in_the_kernel_is_argmins_first_column_on_ties():
    # _row_minimum reduces pairs of columns first; a tie must still go to the lowest column,
    # as np.argmin and tf.argmin do. Values 0, 1, 2 tie in almost every row; the last columns
    # are +inf, like the padding _lloyd adds.
    compiled = tf.function(_engine._row_minimum, jit_compile=True)
    for k in (16, 32, 64, 96):
        partial = RNG.integers(0, 3, size=(600, k)).astype(np.float32)
        partial[:200] = 2.0
        partial[np.arange(200), RNG.integers(0, k - 3, size=200)] = 1.0  # one minimum anywhere
        partial[:, -3:] = np.inf
        nearest, labels = compiled(tf.constant(partial))
        np.testing.assert_array_equal(nearest.numpy(), partial.min(axis=1))
        np.testing.assert_array_equal(labels.numpy(), partial.argmin(axis=1))


def test_nearest_in_chunk_labels_sums_counts_and_inertia():
    samples = RNG.integers(0, 4, size=(300, 3)).astype(np.float32)  # small integers: exact ties
    for k in (5, 40):
        centroids = RNG.integers(0, 4, size=(k, 3)).astype(np.float32)
        padded = -k % 32 if k > 16 else -k % 16
        minus_twice = np.pad(-2 * centroids, [(0, padded), (0, 0)])
        centroids_sq = np.pad(np.square(centroids).sum(axis=1), [(0, padded)], constant_values=np.inf)
        labels, total, sums, counts = _engine._nearest_in_chunk(
            samples, np.square(samples).sum(axis=1), minus_twice, centroids_sq)
        distances = reference_squared_distances(samples, centroids)
        expected = distances.argmin(axis=1)
        np.testing.assert_array_equal(labels.numpy(), expected)
        assert float(total) == pytest.approx(distances.min(axis=1).sum())
        one_hot = np.eye(k + padded)[expected]
        np.testing.assert_allclose(sums.numpy(), one_hot.T @ samples)
        np.testing.assert_array_equal(counts.numpy(), one_hot.sum(axis=0))


def test_kmeans_plusplus_spreads_the_starts_and_is_seeded():
    # two tight groups 100 apart: k-means++ puts one start in each, for every seed
    groups = np.repeat([[0.0, 0.0], [100.0, 0.0]], 30, axis=0) + RNG.normal(size=(60, 2))
    for seed in range(10):
        starts = kmeans_plusplus(groups, 2, seed=seed).numpy()
        assert sorted(starts[:, 0] > 50) == [False, True]
        assert all(np.isclose(groups.astype(np.float32), row).all(axis=1).any() for row in starts)
    np.testing.assert_array_equal(kmeans_plusplus(groups, 2, seed=3).numpy(), kmeans_plusplus(groups, 2, seed=3).numpy())
    with pytest.raises(ValueError, match="n_clusters=61 should be <= n_samples=60."):
        kmeans_plusplus(groups, 61)


# ----------------------------------------------------------------------- load_digits


def test_load_digits_is_the_real_offline_data():
    samples, labels = load_digits()
    assert samples.shape == (1797, 64) and samples.dtype == np.float32
    assert labels.shape == (1797,) and labels.dtype == np.int32
    assert samples.min() == 0.0 and samples.max() == 1.0
    assert sorted(np.unique(labels).tolist()) == list(range(10))


def test_cluster_purity_matches_a_counting_reference():
    clusters = RNG.integers(0, 12, size=700)
    truth = (clusters * 3 + RNG.integers(0, 3, size=700)) % 10
    expected = sum(np.bincount(truth[clusters == j]).max() for j in np.unique(clusters)) / 700
    assert cluster_purity(clusters, truth) == pytest.approx(expected)
    assert cluster_purity([0, 0, 1, 1], [7, 7, 7, 3]) == 0.75
    assert cluster_purity([5, 5, 2], [1, 1, 0]) == 1.0


def test_plot_images_draws_a_grid():
    import matplotlib.pyplot as plt

    from helpers.functions import plot_images

    fig = plot_images(np.zeros((12, 64)), [str(i) for i in range(12)], n_columns=5)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 15 and len(shown) == 12 and shown[11].get_title() == "11"
    with pytest.raises(ValueError, match=r"images should have shape \(m, 64\)"):
        plot_images(np.zeros((2, 10)))
    plt.close("all")


# --------------------------------------------------------------------- plot_clusters


def test_plot_clusters_draws_one_colour_per_cluster_and_crosses():
    import matplotlib.pyplot as plt

    centroids, samples = create_samples(3, 20, 2, 70, 700)
    ax = plot_clusters(samples, centroids, 20, title="three blobs")
    assert [c.get_label() for c in ax.collections] == ["cluster 0", "cluster 1", "cluster 2", "centroids"]
    assert len({tuple(c.get_facecolor()[0]) for c in ax.collections[:3]}) == 3
    assert ax.get_title() == "three blobs" and ax.get_xlabel() == "feature 0"
    labels = np.r_[np.zeros(30, int), np.ones(30, int)]
    ax = plot_clusters(samples, None, labels=labels)
    assert [c.get_label() for c in ax.collections] == ["cluster 0", "cluster 1"]
    plt.close("all")


# ----------------------------------------------------------------------- bad input

GOOD = np.zeros((3, 2), np.float32)

BAD_INPUT = [
    (lambda: kmeans(GOOD, 5), ValueError, "n_clusters=5 should be <= n_samples=3."),
    (lambda: kmeans(GOOD, 0), ValueError, "n_clusters=0 should be >= 1."),
    (lambda: kmeans(GOOD, 2.5), TypeError, "n_clusters=2.5 should be an integer"),
    (lambda: kmeans(GOOD, True), TypeError, "n_clusters=True should be an integer"),
    (lambda: kmeans([[1.0, np.nan], [0, 0]], 1), ValueError, "samples contains 1 NaN and 0 infinite"),
    (lambda: kmeans([[1.0, np.inf], [0, 0]], 1), ValueError, "samples contains 0 NaN and 1 infinite"),
    # many chunks (the compiled path), the bad row in the last one
    (lambda: kmeans(tf.tensor_scatter_nd_update(tf.zeros((20000, 64)), [[19999, 3]], [np.nan]), 2), ValueError,
     "samples contains 1 NaN and 0 infinite"),
    (lambda: kmeans([[1e200], [-1e200]], 1), ValueError, "samples spread over 1e+200 from their mean; squared distances"),
    (lambda: assign_to_nearest([[0.0]], [[1e300]]), ValueError, "squared distances (up to about 1 x 2e+300²) would overflow"),
    (lambda: kmeans([[1e308], [1e308]], 1), ValueError, "samples holds values up to 1e+308, whose sum overflows float64"),
    (lambda: kmeans(GOOD, 2, max_iter=10**7), ValueError, "max_iter=10000000 should be <= 1000000."),
    (lambda: kmeans([1.0, 2.0, 3.0], 1), ValueError, "samples should be a 2-D array"),
    (lambda: kmeans(np.zeros((0, 2)), 1), ValueError, "samples has 0 rows (shape=(0, 2))"),
    (lambda: kmeans([["a", "b"]], 1), TypeError, "samples should hold numbers (int or float); got dtype <U1"),
    (lambda: kmeans([[1.0, 2.0], [3.0]], 1), ValueError, "samples should be a rectangular array"),
    (lambda: kmeans(GOOD, 2, init="kmeans++"), ValueError, "init='kmeans++' should be 'k-means++'"),
    (lambda: kmeans(GOOD, 2, init=np.zeros((2, 3))), ValueError, "init has n_features=3 but samples have n_features=2"),
    (lambda: kmeans(GOOD, 2, init=np.zeros((3, 2))), ValueError, "init has 3 rows; it should have n_clusters=2."),
    (lambda: kmeans(GOOD, 2, max_iter=0), ValueError, "max_iter=0 should be >= 1."),
    (lambda: kmeans(GOOD, 2, tol=-1), ValueError, "tol=-1.0 should be >= 0."),
    (lambda: kmeans(GOOD, 2, seed=-3), ValueError, "seed=-3 should be >= 0."),
    (lambda: kmeans(GOOD, 2, n_init="many"), ValueError, "n_init='many' should be 'auto' or an integer"),
    (lambda: assign_to_nearest(GOOD, np.zeros((2, 3))), ValueError, "centroids have n_features=3 but samples have n_features=2"),
    (lambda: assign_to_nearest(GOOD, [[np.nan, 0.0]]), ValueError, "centroids contains 1 NaN"),
    (lambda: choose_random_centroids(GOOD, 4), ValueError, "n_clusters=4 should be <= n_samples=3."),
    (lambda: choose_random_centroids(GOOD, 2, seed=1.5), TypeError, "seed=1.5 should be an integer"),
    (lambda: create_samples(0, 10, 2, 70, 1), ValueError, "n_clusters=0 should be >= 1."),
    (lambda: create_samples(3, 10, 2, -1, 1), ValueError, "embiggen_factor=-1.0 should be >= 0."),
    (lambda: create_samples(3, 10, 2, float("nan"), 1), ValueError, "embiggen_factor=nan should be finite."),
    (lambda: create_samples(3, 10, 2, 70, None), TypeError, "seed=None should be an integer"),
    (lambda: update_centroids(GOOD, [0, 1], 2), ValueError, "nearest_indices should have shape (n_samples,) = (3,)"),
    (lambda: update_centroids(GOOD, [0, 1, 5], 2), ValueError, "nearest_indices contains 5; every index should be in [0, n_clusters=2)"),
    (lambda: update_centroids(GOOD, [0, 1, 0.5], 2), TypeError, "nearest_indices should hold whole numbers"),
    (lambda: update_centroids(GOOD, [0, 1, 1], 2, previous_centroids=np.zeros((3, 2))), ValueError,
     "previous_centroids has 3 rows; it should have n_clusters=2."),
    (lambda: inertia(GOOD, np.zeros((1, 2)), labels=[0, 0, 1]), ValueError, "labels contains 1; every index should be in [0, n_clusters=1)"),
    (lambda: inertia(GOOD, np.zeros((1, 2)), labels=[0, 0.5, 0]), TypeError, "labels should hold whole numbers"),
    (lambda: kmeans(None, 2), TypeError, "samples should be an array of numbers; got None."),
    (lambda: assign_to_nearest(GOOD, None), TypeError, "centroids should be an array of numbers; got None."),
    (lambda: cluster_purity([0, 1], [0, 1, 1]), ValueError, "cluster_labels has 2 entries but true_labels has 3"),
    (lambda: cluster_purity([0, -1], [0, 1]), ValueError, "cluster_labels should hold integers >= 0"),
    (lambda: cluster_purity([0.5, 1], [0, 1]), ValueError, "cluster_labels should hold integers >= 0; got dtype float64"),
    (lambda: plot_clusters(np.zeros((3, 1)), None), ValueError, "all_samples should have shape (n_samples, >= 2 features)"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUT, ids=[m for _, _, m in BAD_INPUT])
def test_bad_input_names_the_value_and_the_rule(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert message in str(raised.value)


def test_importing_the_helpers_turns_off_xla_ynnpack_fusions():
    # helpers/_tf_import.py (imported by helpers._quiet): XLA's YNNPACK matrix products crashed XLA's CPU compiler now and then.
    import os

    assert "--xla_cpu_experimental_ynn_fusion_type=" in os.environ["XLA_FLAGS"].split()


def test_integers_beyond_float64s_reach_get_a_clear_error():
    # Nanosecond timestamps one second apart: float64 rounds them to multiples of 256, which
    # would merge samples; the check says so, and subtracting a reference value fixes it.
    start = 1_700_000_000 * 10**9
    stamps = (start + np.arange(0, 10**9, 10**7, dtype=np.int64))[:, None]
    stamps[50:] += 10**9  # two groups, one second apart
    with pytest.raises(ValueError, match=r"samples column 0 holds integers up to 1\.7e\+18 with a spread of only "
                       r"1,990,000,000: float64, in which k-means works, rounds integers this large to multiples of "
                       r"256\. Subtract a reference value first, for example samples - samples\.min\(axis=0\)\."):
        kmeans(stamps, 2, seed=0)
    result = kmeans(stamps - stamps.min(axis=0), 2, seed=0)
    assert sorted(np.bincount(result.labels)) == [50, 50]
    # Large integers with a large spread round harmlessly, and pass.
    wide = np.array([[0], [2**60], [2**60 + 2**40], [2**61]], dtype=np.int64)
    assert kmeans(wide, 2, seed=0).inertia >= 0
