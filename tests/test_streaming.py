"""helpers.streaming: exact Lloyd over files agrees with the in-memory kmeans and with a float64
NumPy loop; mini-batch k-means behaves as scikit-learn's; bad input fails clearly; memory stays flat."""

import warnings

import numpy as np
import pytest
from sklearn.cluster import MiniBatchKMeans

from helpers import streaming as st
from helpers.functions import EmptyClusterWarning, kmeans


def blobs(n=3000, d=4, k=4, *, offset=0.0, spread=1.0, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    centres = offset + rng.uniform(-10, 10, size=(k, d))
    labels = rng.integers(0, k, n)
    return (centres[labels] + rng.normal(0, spread, size=(n, d))).astype(dtype), centres


def numpy_lloyd(x, start, n_iter):
    """Plain float64 Lloyd, centred by the column mean: the reference."""
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=0)
    x, c = x - mean, np.asarray(start, np.float64) - mean
    for _ in range(n_iter):
        labels = ((x[:, None, :] - c[None]) ** 2).sum(axis=2).argmin(axis=1)
        for j in range(len(c)):
            if (labels == j).any():
                c[j] = x[labels == j].mean(axis=0)
    return c + mean


# ------------------------------------------------------------------ exact streaming Lloyd


def test_same_centroids_as_in_memory_kmeans_from_the_same_start(tmp_path):
    """The promise: within 1e-5 of the data's scale (float32 round-off; here |values| <= 14, so
    1.4e-4 absolute), the same iterations and the same cluster sizes."""
    x, _ = blobs(5000, 5, 6, seed=3)
    start = x[[0, 1, 2, 3, 4, 5]]
    shards = st.write_shards(tmp_path, x, n_shards=3)
    ours = st.streaming_kmeans(shards, 6, init=start, tol=0, batch_rows=700)
    memory = kmeans(x, 6, init=start, tol=0)
    scale = np.abs(x).max()
    assert np.abs(ours.centroids - memory.centroids).max() <= 1e-5 * scale
    assert ours.n_iter == memory.n_iter
    assert ours.counts.tolist() == np.bincount(memory.labels, minlength=6).tolist()
    assert ours.inertia == pytest.approx(memory.inertia, rel=1e-5)
    assert ours.converged
    assert ours.centroids.dtype == np.float32


def test_float64_files_follow_a_float64_numpy_loop_exactly(tmp_path):
    x, _ = blobs(1200, 3, 5, seed=1, dtype=np.float64)
    start = x[:5]
    ours = st.streaming_kmeans(st.write_shards(tmp_path, x, 2), 5, init=start, max_iter=6, tol=0, batch_rows=256)
    assert ours.centroids.dtype == np.float64
    np.testing.assert_allclose(ours.centroids, numpy_lloyd(x, start, ours.n_iter), rtol=0, atol=1e-10)
    assert ours.centroid_history.shape == (ours.n_iter + 1, 5, 3)
    assert np.all(np.diff(ours.inertia_history) <= 1e-9 * ours.inertia_history[0])  # never rises


def test_batch_size_does_not_change_the_answer(tmp_path):
    x, _ = blobs(2000, 3, 4, seed=2)
    shards = st.write_shards(tmp_path, x, 4)
    a = st.streaming_kmeans(shards, 4, init=x[:4], tol=0, batch_rows=7)
    b = st.streaming_kmeans(shards, 4, init=x[:4], tol=0, batch_rows=100_000)
    np.testing.assert_allclose(a.centroids, b.centroids, atol=1e-5 * np.abs(x).max())
    assert a.n_iter == b.n_iter


def test_data_far_from_the_origin_is_centred_first(tmp_path):
    """Shifted by 1e4 with spread 0.5, float32: the uncentred expansion mislabels about half
    the samples; centred by the float64 mean, the result is the float64 one to float32 storage."""
    x, centres = blobs(3000, 2, 3, offset=1e4, spread=0.5, seed=4)
    start = centres + 0.3
    ours = st.streaming_kmeans(st.write_shards(tmp_path, x, 2), 3, init=start, max_iter=20, tol=0)
    reference = numpy_lloyd(x, start, ours.n_iter)
    assert np.abs(ours.centroids - reference).max() < 2e-3  # float32's step at 1e4 is 1e-3


def test_dtypes_are_kept_or_made_float64(tmp_path):
    x, _ = blobs(300, 2, 2, seed=5)
    for dtype, expected in [(np.float32, np.float32), (np.float64, np.float64), (np.int16, np.float64),
                            (np.float16, np.float64)]:
        folder = tmp_path / np.dtype(dtype).name
        shards = st.write_shards(folder, (x * 10).astype(dtype), 2)
        result = st.streaming_kmeans(shards, 2, init=(x[:2] * 10).astype(dtype), max_iter=3)
        assert result.centroids.dtype == expected, dtype


def test_an_empty_cluster_keeps_its_centroid_and_warns(tmp_path):
    x, _ = blobs(500, 2, 2, seed=6)
    start = np.vstack([x[:2], [[1e3, 1e3]]])
    with pytest.warns(EmptyClusterWarning):
        result = st.streaming_kmeans(st.write_shards(tmp_path, x, 1), 3, init=start, max_iter=5)
    np.testing.assert_array_equal(result.centroids[2], [1e3, 1e3])
    assert np.isfinite(result.centroids).all()


def test_kmeans_plusplus_start_is_repeatable(tmp_path):
    x, _ = blobs(2000, 3, 4, seed=7)
    shards = st.write_shards(tmp_path, x, 2)
    a = st.streaming_kmeans(shards, 4, seed=11, init_size=500)
    b = st.streaming_kmeans(shards, 4, seed=11, init_size=500)
    np.testing.assert_array_equal(a.centroids, b.centroids)


def test_reading_the_shards(tmp_path):
    x, _ = blobs(1000, 3, 2, seed=8)
    shards = st.write_shards(tmp_path, x, 3)
    np.testing.assert_array_equal(np.concatenate(list(shards.batches(64))), x)
    index = np.array([999, 0, 500, 500, 333, 334])
    np.testing.assert_array_equal(shards.rows(index), x[index])
    assert st.open_shards(tmp_path).n_samples == 1000
    assert st.open_shards(shards.paths[0]).n_samples == len(np.load(shards.paths[0]))
    mean, variance = st.column_stats(shards, batch_rows=100)
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(axis=0), rtol=1e-12)
    assert variance == pytest.approx(float(np.mean(x.astype(np.float64).var(axis=0))), rel=1e-10)
    assert st.streaming_inertia(shards, x[:2]) == pytest.approx(
        float(((x[:, None, :] - x[None, :2]) ** 2).sum(axis=2).min(axis=1).sum()), rel=1e-5)


# ------------------------------------------------------------------ bad input


def _save(folder, name, array):
    folder.mkdir(exist_ok=True)
    np.save(folder / name, array)


@pytest.mark.parametrize("make, error, message", [
    (lambda f: _save(f, "a.npy", np.array([[1.0, np.nan], [2.0, 3.0]])), ValueError, "contains NaN"),
    (lambda f: _save(f, "a.npy", np.array([[1.0, np.inf], [2.0, 3.0]])), ValueError, "finite"),
    (lambda f: _save(f, "a.npy", np.arange(5.0)), ValueError, "1-D array of shape (5,)"),
    (lambda f: (_save(f, "a.npy", np.ones((3, 2))), _save(f, "b.npy", np.ones((3, 3)))), ValueError,
     "n_features=3 but 'a.npy' has n_features=2"),
    (lambda f: (_save(f, "a.npy", np.ones((3, 2))), _save(f, "b.npy", np.ones((3, 2), np.float32))), ValueError,
     "holds float32 but 'a.npy' holds float64"),
    (lambda f: _save(f, "a.npy", np.array([["a", "b"]])), TypeError, "should hold numbers"),
    (lambda f: _save(f, "a.npy", np.ones((0, 2))), ValueError, "0 rows"),
    (lambda f: _save(f, "a.npy", np.asfortranarray(np.ones((3, 2)))), ValueError, "Fortran order"),
    (lambda f: f.mkdir(), ValueError, "holds no .npy file"),
    (lambda f: (f.mkdir(), (f / "a.npy").write_text("hello")), ValueError, "is not a .npy file"),
    (lambda f: _save(f, "a.npy", np.full((3, 2), 1e19, np.float32)), ValueError, "overflow float32"),
])
def test_bad_files_fail_clearly(tmp_path, make, error, message):
    folder = tmp_path / "data"
    make(folder)
    with pytest.raises(error, match=None) as raised:
        st.streaming_kmeans(folder, 1, init=np.zeros((1, 2)))
    assert message in str(raised.value)


def test_truncated_file_fails_clearly(tmp_path):
    np.save(tmp_path / "a.npy", np.ones((100, 4)))
    data = (tmp_path / "a.npy").read_bytes()
    (tmp_path / "a.npy").write_bytes(data[:-50])
    with pytest.raises(ValueError, match="truncated"):
        st.open_shards(tmp_path)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_clusters": 0}, ValueError, "n_clusters=0 should be >= 1"),
    ({"n_clusters": 11}, ValueError, "n_clusters=11 should be <= n_samples=10"),
    ({"n_clusters": 2.0}, TypeError, "should be an integer"),
    ({"init": np.zeros((3, 2))}, ValueError, "init has 3 rows; it should have n_clusters=2"),
    ({"init": np.zeros((2, 3))}, ValueError, "init has n_features=3 but the data has n_features=2"),
    ({"init": [[0.0, np.nan], [1.0, 1.0]]}, ValueError, "init contains NaN"),
    ({"init": "random"}, ValueError, "init='random' should be 'k-means++'"),
    ({"max_iter": 0}, ValueError, "max_iter=0 should be >= 1"),
    ({"tol": -1.0}, ValueError, "tol=-1.0 should be >= 0"),
    ({"batch_rows": 0}, ValueError, "batch_rows=0 should be >= 1"),
    ({"seed": -3}, ValueError, "seed=-3 should be >= 0"),
])
def test_bad_arguments_fail_clearly(tmp_path, kwargs, error, message):
    shards = st.write_shards(tmp_path, np.arange(20.0).reshape(10, 2), 1)
    arguments = {"n_clusters": 2, "init": np.zeros((2, 2))} | kwargs
    with pytest.raises(error) as raised:
        st.streaming_kmeans(shards, arguments.pop("n_clusters"), **arguments)
    assert message in str(raised.value)
    if "n_clusters" not in kwargs and "batch_rows" not in kwargs:  # mini-batch has the same checks
        with pytest.raises(error) as raised:
            st.minibatch_kmeans(shards, 2, **({"init": np.zeros((2, 2))} | kwargs))
        assert message in str(raised.value)


def test_not_a_source():
    with pytest.raises(TypeError, match="source should be a folder"):
        st.streaming_kmeans(np.zeros((4, 2)), 2)


# ------------------------------------------------------------------ mini-batch


def test_minibatch_is_repeatable_and_close_to_lloyd(tmp_path):
    x, centres = blobs(20000, 4, 5, seed=9)
    shards = st.write_shards(tmp_path, x, 2)
    lloyd = st.streaming_kmeans(shards, 5, init=centres)
    spreads = []
    for seed in range(3):
        a = st.minibatch_kmeans(shards, 5, batch_size=256, seed=seed)
        b = st.minibatch_kmeans(shards, 5, batch_size=256, seed=seed)
        np.testing.assert_array_equal(a.centroids, b.centroids)
        assert a.converged and a.n_steps < 20000 // 256 * 100
        spreads.append(a.inertia / lloyd.inertia)
    assert max(spreads) < 1.02, spreads  # within 2% of Lloyd's from the true centres, every seed
    assert min(spreads) >= 1 - 1e-6


def test_minibatch_agrees_with_scikit_learn(tmp_path):
    """Same algorithm, different random batches: over 3 seeds the final inertias are as close
    to each other as either is to Lloyd's."""
    x, _ = blobs(20000, 4, 5, seed=10)
    shards = st.write_shards(tmp_path, x, 1)
    ours = [st.minibatch_kmeans(shards, 5, batch_size=512, seed=s).inertia for s in range(3)]
    theirs = []
    for s in range(3):
        model = MiniBatchKMeans(5, batch_size=512, random_state=s, n_init=1).fit(x)
        theirs.append(float(((x - model.cluster_centers_[model.predict(x)]) ** 2).sum()))
    assert np.median(ours) == pytest.approx(np.median(theirs), rel=0.02), (ours, theirs)


def test_a_centroid_that_absorbs_nothing_is_reassigned(tmp_path):
    x, centres = blobs(8000, 2, 3, seed=12)
    start = np.vstack([centres[:2], [[500.0, 500.0]]])  # third centroid far away: never nearest
    result = st.minibatch_kmeans(st.write_shards(tmp_path, x, 1), 3, init=start, batch_size=256, seed=0)
    assert result.n_reassigned >= 1
    assert np.abs(result.centroids).max() < 50
    # each true centre now has a centroid near it
    assert np.sqrt(((centres[:, None] - result.centroids[None]) ** 2).sum(axis=2)).min(axis=1).max() < 1.0


def test_without_reassignment_it_stays_stuck(tmp_path):
    x, centres = blobs(8000, 2, 3, seed=12)
    start = np.vstack([centres[:2], [[500.0, 500.0]]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = st.minibatch_kmeans(st.write_shards(tmp_path, x, 1), 3, init=start, batch_size=256, seed=0,
                                     reassignment_ratio=0)
    assert result.n_reassigned == 0
    np.testing.assert_array_equal(result.centroids[2], [500.0, 500.0])


def test_minibatch_snapshots_and_dtype(tmp_path):
    x, _ = blobs(5000, 3, 3, seed=13, dtype=np.float64)
    result = st.minibatch_kmeans(st.write_shards(tmp_path, x, 1), 3, batch_size=100, seed=1, snapshot_every=5,
                                 final_inertia=False)
    assert result.centroids.dtype == np.float64 and result.inertia is None
    assert result.snapshot_steps[0] == 0 and result.snapshot_steps[-1] == result.n_steps
    assert np.all(np.diff(result.snapshot_seconds) >= 0)
    assert result.snapshot_centroids.shape == (len(result.snapshot_steps), 3, 3)


# ------------------------------------------------------------------ memory


def test_peak_memory_stays_flat_while_the_file_grows(tmp_path):
    """Streaming: the peak grows by a few batches, not by the file (32 MiB here); loading
    the file grows it by at least the file's size. Linux only (see peak_memory_growth)."""
    _, shards = st.write_blobs(tmp_path, 8, 2**18 // 4, 32, 4, seed=0)  # 8 × 4 MiB
    mean, _ = st.column_stats(shards)
    st.streaming_inertia(shards, np.zeros((4, 32)), mean=mean)  # warm up: tracing, first allocations
    _, streamed = st.peak_memory_growth(st.streaming_inertia, shards, np.zeros((4, 32)), mean=mean)
    if streamed is None:
        pytest.skip("peak memory cannot be measured on this system (/proc/self/clear_refs)")
    _, loaded = st.peak_memory_growth(lambda: np.concatenate([np.load(p) for p in shards.paths]).sum())
    assert streamed < 12 * 2**20, streamed / 2**20
    assert loaded >= shards.nbytes, (loaded / 2**20, shards.nbytes / 2**20)


def test_benchmark_row_times_both_to_the_same_inertia(tmp_path):
    row = st.minibatch_benchmark_row(tmp_path, n_samples=20000, n_features=4, n_clusters=5, batch_size=256,
                                     target=1.05, check_every=5)
    assert row["data"] == "blobs 20000×4, k=5, batches of 256"
    assert row["lloyd_inertia"] > 0
    for name in ("ours", "sklearn"):
        assert row[f"{name}_seconds"] is not None and row[f"{name}_seconds"] > 0, row
        assert row[f"{name}_steps"] % 5 == 0
    assert row["ratio"] == pytest.approx(row["ours_seconds"] / row["sklearn_seconds"])


@pytest.mark.parametrize("init", ["k" * 100_000, "random" * 20_000])
def test_a_huge_init_string_is_shortened_in_the_message(tmp_path, init):
    shards = st.write_shards(tmp_path, np.arange(20.0).reshape(10, 2), 1)
    with pytest.raises(ValueError) as raised:
        st.streaming_kmeans(shards, 2, init=init)
    message = str(raised.value)
    assert len(message) < 500 and "(str)" in message and "should be 'k-means++'" in message, message[:600]
