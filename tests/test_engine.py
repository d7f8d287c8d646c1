"""The compiled engine (helpers/_engine.py): empty clusters relocated as scikit-learn does, a
history that costs what the fit ran, blocks that give Ctrl-C a chance, the frame, and the
compiled k-means++. No timing is asserted."""

import warnings

import numpy as np
import pytest

from helpers import _engine
from helpers._quiet import tf
from helpers.functions import EmptyClusterWarning, kmeans, kmeans_plusplus


def far_start(samples, k, n_far, rng):
    """k starting centroids: k - n_far samples, and n_far points far from every sample, which
    the first assignment leaves empty."""
    start = samples[rng.choice(len(samples), k - n_far, replace=False)].astype(np.float64)
    far = samples.max(axis=0) + 100.0 * (1 + np.arange(n_far))[:, None]
    return np.concatenate([start[: k // 2], far, start[k // 2 :]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_an_emptied_cluster_moves_as_in_scikit_learn(dtype):
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(21)
    samples = (rng.normal(size=(3000, 2)) * [1.0, 3.0] + 50.0).astype(dtype)
    init = far_start(samples, 12, 1, rng)
    with pytest.warns(EmptyClusterWarning, match=r"a cluster was left empty 1 time\(s\): cluster 6 in iteration 1 "
                      r"\(moved to sample (\d+)\)\. As in scikit-learn") as caught:
        ours = kmeans(samples, 12, init=init)
    theirs = KMeans(12, init=init.astype(dtype), n_init=1, algorithm="lloyd").fit(samples)
    np.testing.assert_array_equal(ours.labels, theirs.labels_)
    np.testing.assert_allclose(ours.centroids, theirs.cluster_centers_, rtol=0, atol=1e-4 if dtype == np.float32 else 1e-9)
    assert ours.inertia == pytest.approx(theirs.inertia_, rel=1e-5 if dtype == np.float32 else 1e-9)
    assert ours.n_iter == theirs.n_iter_
    # The sample it went to is the one farthest from its centroid after the first assignment.
    x = samples.astype(np.float64)
    distances = np.square(x[:, None, :] - init[None]).sum(axis=2)
    nearest = distances.min(axis=1)
    moved = int(str(caught[0].message).split("moved to sample ")[1].split(")")[0])
    assert moved == int(np.argmax(nearest))
    np.testing.assert_allclose(ours.centroid_history[1][6], samples[moved], rtol=1e-6)


def test_several_emptied_clusters_each_take_a_different_far_sample():
    rng = np.random.default_rng(8)
    samples = rng.normal(size=(500, 3))
    init = far_start(samples, 8, 3, rng)
    with pytest.warns(EmptyClusterWarning, match=r"left empty 3 time\(s\): cluster 4 in iteration 1 .*cluster 5 in "
                      r"iteration 1 .*cluster 6 in iteration 1"):
        result = kmeans(samples, 8, init=init)
    moved = result.centroid_history[1][4:7]
    assert len({tuple(row) for row in moved}) == 3  # three different samples
    assert all(np.isclose(samples, row).all(axis=1).any() for row in moved)
    assert len(np.unique(result.labels)) == 8


def test_history_costs_what_the_fit_ran():
    rng = np.random.default_rng(2)
    samples = np.concatenate([rng.normal(size=(200, 4)) + 10 * i for i in range(3)]).astype(np.float32)
    result = kmeans(samples, 3, seed=0, max_iter=1_000_000)  # converges in a few iterations
    assert result.converged and result.n_iter < 20
    assert result.centroid_history.shape == (result.n_iter + 1, 3, 4)
    assert result.centroid_history.base is None  # owns its memory: not a slice of a max_iter buffer
    assert result.inertia_history.shape == (result.n_iter,)


def test_max_iter_has_a_sane_maximum():
    with pytest.raises(ValueError, match=r"max_iter=2147483647 should be <= 1000000\."):
        kmeans(np.zeros((3, 2)), 1, max_iter=2**31 - 1)


class CountingBlocks:
    """Wraps a compiled block of the engine (``_lloyd_block`` or ``_small_fit``): counts calls,
    records the iterations asked of each, and raises KeyboardInterrupt (as Ctrl-C does between
    two calls) on call ``interrupt_on``."""

    def __init__(self, name, interrupt_on=None):
        self.inner, self.calls, self.steps, self.interrupt_on = getattr(_engine, name), 0, [], interrupt_on
        self.name = name

    def __call__(self, *args, **options):
        self.calls += 1
        if self.calls == self.interrupt_on:
            raise KeyboardInterrupt
        self.steps.append(int(args[5]) if self.name == "_lloyd_block" else int(args[3][1]))
        return self.inner(*args, **options)


@pytest.mark.parametrize("n_samples, path", [(3000, "_small_fit"), (40_000, "_lloyd_block")])
def test_a_fit_runs_in_blocks_and_ctrl_c_stops_it(monkeypatch, n_samples, path):
    rng = np.random.default_rng(6)
    samples = rng.random((n_samples, 8)).astype(np.float32)  # uniform: Lloyd keeps moving for a while
    init = samples[:20].astype(np.float64)
    assert _engine.is_small(tf.constant(samples), 20) == (path == "_small_fit")
    whole = kmeans(samples, 20, init=init, tol=0, max_iter=30)
    assert whole.n_iter == 30  # still moving: every block below runs in full
    # Blocks of one iteration: one call each. Large data: a block budget of 0 s; small data:
    # one iteration per kernel call.
    blocks = CountingBlocks(path)
    monkeypatch.setattr(_engine, path, blocks)
    monkeypatch.setattr(_engine, "_BLOCK_SECONDS", 0.0)
    monkeypatch.setattr(_engine, "_first_block", lambda *shape: 1)
    monkeypatch.setattr(_engine, "_small_block", lambda *shape: 1)
    stepwise = kmeans(samples, 20, init=init, tol=0, max_iter=30)
    assert blocks.steps == [1] * stepwise.n_iter and blocks.calls == stepwise.n_iter
    # Blocks change nothing in the result.
    np.testing.assert_array_equal(stepwise.labels, whole.labels)
    np.testing.assert_array_equal(stepwise.centroid_history, whole.centroid_history)
    np.testing.assert_array_equal(stepwise.inertia_history, whole.inertia_history)
    assert stepwise.n_iter == whole.n_iter and stepwise.inertia == whole.inertia
    # Ctrl-C between two blocks reaches the caller.
    monkeypatch.setattr(_engine, path, CountingBlocks(path, interrupt_on=3))
    with pytest.raises(KeyboardInterrupt):
        kmeans(samples, 20, init=init, tol=0, max_iter=30)


def test_small_data_blocks_carry_the_labels_over(monkeypatch):
    # A fit that converges strictly (no label changes) in its 7th iteration, in blocks of 2
    # iterations: the labels compared across a block boundary are the ones carried over.
    rng = np.random.default_rng(3)
    samples = np.concatenate([rng.normal(size=(300, 2)) + [6 * i, 0] for i in range(4)])
    whole = kmeans(samples, 4, seed=1, tol=0)
    assert 3 <= whole.n_iter < 64 and whole.converged
    monkeypatch.setattr(_engine, "_small_block", lambda *shape: 2)
    in_blocks = kmeans(samples, 4, seed=1, tol=0)
    assert in_blocks.n_iter == whole.n_iter and in_blocks.converged
    np.testing.assert_array_equal(in_blocks.labels, whole.labels)
    np.testing.assert_array_equal(in_blocks.centroid_history, whole.centroid_history)


def test_kmeans_plusplus_blocks_give_the_same_centres(monkeypatch):
    rng = np.random.default_rng(12)
    samples = rng.normal(size=(90_000, 3))  # large: compiled blocks of centres, not one kernel
    assert not _engine.is_small(tf.constant(samples), 9)
    whole = kmeans_plusplus(samples, 9, seed=5).numpy()
    monkeypatch.setattr(_engine, "_BLOCK_SECONDS", 0.0)
    np.testing.assert_array_equal(kmeans_plusplus(samples, 9, seed=5).numpy(), whole)


@pytest.mark.parametrize("small", [True, False], ids=["one XLA kernel", "blocks"])
def test_compiled_kmeans_plusplus_follows_a_numpy_greedy_kmeans_plusplus(monkeypatch, small):
    # The same draws (NumPy's, from plusplus_draws), the same greedy choice, in float64 NumPy;
    # both ways of running it (small data: one XLA kernel; large data: graph blocks).
    monkeypatch.setattr(_engine, "is_small", lambda *args: small)
    rng = np.random.default_rng(13)
    samples = rng.normal(size=(300, 2)) + 1e4
    k, seed = 6, 42
    chosen = _engine.kmeans_plusplus_indices(tf.constant(samples - samples.mean(axis=0)),
                                             tf.constant(np.square(samples - samples.mean(axis=0)).sum(axis=1)),
                                             k, seed).numpy()
    x = samples - samples.mean(axis=0)
    table = np.random.default_rng(seed).random((k, 23))  # what plusplus_draws documents
    first = int(table[0, 0] * len(x))
    expected, closest = [first], np.square(x - x[first]).sum(axis=1)
    trials = 2 + int(np.log(k))
    for c in range(1, k):
        cumulative = np.cumsum(closest)
        draws = table[c, :trials] * cumulative[-1]
        candidates = np.minimum(np.searchsorted(cumulative, draws), len(x) - 1)
        new = np.minimum(closest[:, None], np.square(x[:, None, :] - x[candidates][None]).sum(axis=2))
        best = int(np.argmin(new.sum(axis=0)))
        expected.append(int(candidates[best]))
        closest = new[:, best]
    np.testing.assert_array_equal(chosen, expected)


@pytest.mark.parametrize("small", [True, False], ids=["one XLA kernel", "blocks"])
def test_kmeans_starts_where_kmeans_plusplus_does_with_its_run_seed(monkeypatch, small):
    # kmeans(seed=s) draws its run's seed from default_rng(s), then k-means++ from it: inside the
    # small-data kernel or before the large-data loop, the same centres as kmeans_plusplus.
    monkeypatch.setattr(_engine, "is_small", lambda *args: small)
    samples = np.random.default_rng(21).normal(size=(400, 3)) * 50 + 1e5
    run_seed = int(np.random.default_rng(7).integers(0, 2**31 - 1, size=1)[0])
    fit = kmeans(samples, 5, seed=7, max_iter=1)
    np.testing.assert_array_equal(fit.centroid_history[0], kmeans_plusplus(samples, 5, seed=run_seed).numpy())


def test_plusplus_draws_are_numpys_and_a_smaller_k_takes_the_first_rows():
    draws = _engine.plusplus_draws(42, 16)
    assert draws.shape == (16, _engine._MAX_TRIALS) and draws.dtype == np.float64
    np.testing.assert_array_equal(draws[:5], _engine.plusplus_draws(42, 5))
    np.testing.assert_array_equal(draws, np.random.default_rng(42).random((16, 23)))
    assert 0.0 <= draws.min() and draws.max() < 1.0
    assert _engine._n_trials(2**31 - 1) <= _engine._MAX_TRIALS  # enough columns for any k
    assert _engine.first_centre(np.full((1, 1), np.nextafter(1.0, 0.0)), 7) == 6  # never past the last sample


def test_the_first_centre_is_uniform_over_the_samples_across_seeds():
    # A stranger's check: over seeds 0..999 the first centre of 1000 samples falls in each tenth
    # of the rows about equally (chi-square), and the seeds do not walk the samples in order.
    from scipy.stats import chisquare

    firsts = np.array([_engine.first_centre(_engine.plusplus_draws(seed, 1), 1000) for seed in range(1000)])
    assert chisquare(np.bincount(firsts // 100, minlength=10)).pvalue > 0.001
    assert abs(np.corrcoef(firsts[:-1], firsts[1:])[0, 1]) < 0.1


def test_frame_shift_is_exact_on_grids_and_the_scale_is_a_power_of_two():
    stamps = tf.constant(np.array([[1_700_000_000], [1_700_003_600], [1_700_007_300]], np.float64))
    frame = _engine.frame_of("samples", stamps, _engine.column_stats(stamps))
    moved = frame.samples_into(stamps).numpy()
    np.testing.assert_array_equal(moved + frame.shift, stamps.numpy())  # x - shift was exact
    assert frame.exponent == 0
    tiny = tf.constant(np.array([[1e-21], [-3e-21]]), tf.float32)
    frame = _engine.frame_of("samples", tiny, _engine.column_stats(tiny))
    assert frame.exponent < -30 and 0.5 < np.abs(frame.samples_into(tiny).numpy()).max() <= 1.0
    np.testing.assert_array_equal(frame.out(frame.samples_into(tiny)), tiny.numpy())


def test_no_warning_on_a_plain_fit():
    rng = np.random.default_rng(1)
    samples = np.concatenate([rng.normal(size=(100, 2)) + 8 * i for i in range(4)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kmeans(samples, 4, seed=0)
        kmeans(samples, 4, init="random", seed=0)
