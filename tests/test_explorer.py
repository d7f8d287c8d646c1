"""The k-means explorer, driven headless: set the controls, check the state that results."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from helpers.explorer import KMeansExplorer  # noqa: E402
from helpers.functions import kmeans, load_digits  # noqa: E402


def test_starts_at_the_last_iteration_of_one_run():
    explorer = KMeansExplorer(n_clusters=3, seed=1)
    result = explorer.result
    assert explorer.runs == 1
    assert explorer.controls["iteration"].value == result.n_iter == explorer.controls["iteration"].max
    np.testing.assert_allclose(explorer.shown_centroids, result.centroids)
    same = kmeans(explorer.samples, 3, init="random", n_init=1, max_iter=30, seed=1)
    np.testing.assert_allclose(result.centroid_history, same.centroid_history)


def test_iteration_slider_redraws_without_running_again():
    explorer = KMeansExplorer(n_clusters=3, seed=2)
    for step in (0, 1, explorer.result.n_iter):
        explorer.controls["iteration"].value = step
        np.testing.assert_allclose(explorer.shown_centroids, explorer.result.centroid_history[step])
    assert explorer.runs == 1


def test_changing_a_control_runs_kmeans_once():
    explorer = KMeansExplorer(n_clusters=3, seed=2)
    explorer.controls["k"].value = 5
    assert explorer.runs == 2 and explorer.result.centroids.shape == (5, 2)
    explorer.controls["init"].value = "k-means++"
    assert explorer.runs == 3
    same = kmeans(explorer.samples, 5, init="k-means++", n_init=1, max_iter=30, seed=2)
    np.testing.assert_allclose(explorer.result.centroid_history, same.centroid_history)
    before = explorer.samples.copy()
    explorer.controls["spread"].value = 20.0
    assert explorer.runs == 4 and np.ptp(explorer.samples) < np.ptp(before)


def test_own_data_in_64_dimensions_is_projected_and_says_so():
    digits, _ = load_digits()
    explorer = KMeansExplorer(digits[:300], n_clusters=4)
    assert explorer.controls["spread"].disabled
    assert explorer.points.shape == (300, 2)
    explorer.controls["iteration"].value = 1
    figure = explorer.draw()
    assert "first two principal components of 64 features" in figure.axes[0].get_title()
    assert figure.axes[0].get_title().startswith("iteration 1 of")


def test_bad_own_data_is_refused():
    with pytest.raises(ValueError, match=r"samples should have shape \(n_samples >= 2, n_features\)"):
        KMeansExplorer(np.zeros(5))


def test_a_huge_init_is_shortened_in_the_message():
    for init in ("r" * 100_000, ["random"] * 10**6):
        with pytest.raises(ValueError) as raised:
            KMeansExplorer(init=init)
        message = str(raised.value)
        assert len(message) < 500 and f"{type(init).__name__})" in message, message[:600]  # "... (str)" names the type
        assert "should be 'random' or 'k-means++'" in message
