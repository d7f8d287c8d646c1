"""An interactive k-means explorer for JupyterLab (ipywidgets), used in lessons 05 and 08.

    from helpers.explorer import KMeansExplorer
    KMeansExplorer()                  # generated blobs: k, seed, spread, start method
    KMeansExplorer(my_samples)        # your own (n, d) data; d > 2 is shown projected

A slider (with a play button) steps through the iterations of one k-means run: the samples
coloured by their nearest centroid, each centroid's trail so far, and the inertia curve.
Changing k, the seed, the spread or the start method runs k-means once
(``helpers.functions.kmeans``), and the slider then only redraws.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers._checks import _as_array
from helpers.functions import assign_to_nearest, cluster_colours, create_samples, kmeans, plot_clusters


def project_to_2d(samples):
    """(n, 2) coordinates on the first two principal components, and the projection.

    Returns ``(points, mean, axes)`` with ``points = (samples - mean) @ axes``.
    """
    mean = samples.mean(axis=0)
    _, _, vt = np.linalg.svd(samples - mean, full_matrices=False)
    axes = vt[:2].T
    return (samples - mean) @ axes, mean, axes


_MAX_SEED = 2**31 - 1  # as helpers.functions: seeds are in [0, 2**31 - 1]


def _checked_arguments(samples, n_clusters, seed, spread, init, max_iter, n_blobs, data_seed):
    """input check for KMeansExplorer: its arguments within its controls' ranges (a slider would
    clamp an out-of-range value silently), each error naming the argument the user passed."""
    from helpers.functions import _check_count, _check_real, _numeric_array, _short  # the course's input checks

    if samples is not None:  # the user's (n >= 2, d >= 2) samples; kmeans checks the values
        samples = _numeric_array("samples", samples)
        if samples.ndim != 2 or len(samples) < 2:
            raise ValueError(f"samples should have shape (n_samples >= 2, n_features); got {samples.shape}.")
        if samples.shape[1] < 2:
            raise ValueError(
                f"samples has {samples.shape[1]} feature(s) (shape {samples.shape}); the explorer draws at least 2. "
                "For one feature, add a column of zeros: np.c_[x, np.zeros(len(x))]."
            )
    if not isinstance(init, str) or init not in ("random", "k-means++"):
        kind = "" if isinstance(init, str) else f"; got {type(init).__name__}"
        raise ValueError(f"init={_short(init)} should be 'random' or 'k-means++'{kind}.")
    return (
        samples,
        _check_count("n_clusters", n_clusters, minimum=1, maximum=10),  # the k slider's range
        _check_count("seed", seed, minimum=0, maximum=_MAX_SEED),
        _check_real("spread", spread, minimum=5, maximum=150),  # the spread slider's range
        init,
        _check_count("max_iter", max_iter, minimum=1, maximum=1000),  # one slider step each
        _check_count("n_blobs", n_blobs, minimum=1, maximum=20),
        _check_count("data_seed", data_seed, minimum=0, maximum=_MAX_SEED),
    )


class KMeansExplorer:
    """Step through k-means on generated blobs or on your own samples.

    Parameters
    ----------
    samples : array-like of shape (n, d), optional
        Your data. Without it, ``n_blobs`` blobs from ``create_samples``, whatever k is
        (the spread slider applies), so that a wrong k can be seen.
    n_clusters, seed, spread, init, max_iter
        Starting values of the controls (``spread`` is ``embiggen_factor``). The seed picks
        the start; the generated data always comes from ``data_seed``. Within the controls'
        ranges: ``n_clusters`` in [1, 10], ``spread`` in [5, 150], ``init`` ``"random"`` or
        ``"k-means++"``, ``max_iter`` in [1, 1000], seeds in [0, 2**31 - 1].
    n_blobs : int in [1, 20]
        How many blobs the generated data has.

    Attributes
    ----------
    controls : dict of ipywidgets
        ``"k"``, ``"seed"``, ``"spread"``, ``"init"``, ``"iteration"``, ``"play"``.
    result : KMeansResult
        The current run. ``runs`` counts how many times k-means was run.
    shown_centroids : np.ndarray of shape (k, d)
        The centroids drawn at the current iteration.
    """

    def __init__(self, samples=None, *, n_clusters=3, seed=0, spread=70.0, init="random", max_iter=30, n_blobs=4,
                 data_seed=700):
        samples, n_clusters, seed, spread, init, max_iter, n_blobs, data_seed = _checked_arguments(
            samples, n_clusters, seed, spread, init, max_iter, n_blobs, data_seed)
        self.own_samples = None if samples is None else _as_array("samples", samples).astype(np.float32)
        if self.own_samples is not None and (self.own_samples.ndim != 2 or len(self.own_samples) < 2):
            raise ValueError(f"samples should have shape (n_samples >= 2, n_features); got {self.own_samples.shape}.")
        self.max_iter = max_iter
        self.n_blobs = n_blobs
        self.data_seed = data_seed
        self.runs = 0
        style = {"description_width": "initial"}
        self.controls = {
            "k": widgets.IntSlider(value=n_clusters, min=1, max=10, description="k", style=style),
            "seed": widgets.IntText(value=seed, description="seed", layout=widgets.Layout(width="140px")),
            "spread": widgets.FloatSlider(value=spread, min=5, max=150, step=5, description="spread",
                                          disabled=self.own_samples is not None, style=style),
            "init": widgets.Dropdown(options=["random", "k-means++"], value=init, description="start"),
            "iteration": widgets.IntSlider(value=0, min=0, max=1, description="iteration", style=style),
            "play": widgets.Play(value=0, min=0, max=1, interval=600, description="play"),
        }
        widgets.jslink((self.controls["play"], "value"), (self.controls["iteration"], "value"))
        self.output = widgets.Output(layout=widgets.Layout(min_height="420px"))
        for name in ("k", "seed", "spread", "init"):
            self.controls[name].observe(self._recompute, names="value")
        self.controls["iteration"].observe(self._redraw, names="value")
        self.widget = widgets.VBox([
            widgets.HBox([self.controls[name] for name in ("k", "seed", "spread", "init")]),
            widgets.HBox([self.controls["play"], self.controls["iteration"]]),
            self.output,
        ])
        self._recompute()

    # -- state ------------------------------------------------------------------

    def _samples(self):
        if self.own_samples is not None:
            return self.own_samples
        return create_samples(self.n_blobs, 150, 2, float(self.controls["spread"].value), self.data_seed)[1].numpy()

    def _recompute(self, change=None):
        self.samples = self._samples()
        k = min(self.controls["k"].value, len(self.samples))
        seed = min(max(0, int(self.controls["seed"].value)), _MAX_SEED)  # the seed box takes any int
        self.result = kmeans(self.samples, k, init=self.controls["init"].value, n_init=1,
                             max_iter=self.max_iter, seed=seed)
        self.runs += 1
        if self.samples.shape[1] == 2:
            self.points, self.mean, self.axes = self.samples, np.zeros(2), np.eye(2)
        else:
            self.points, self.mean, self.axes = project_to_2d(self.samples.astype(np.float64))
        last = self.result.n_iter
        for name in ("iteration", "play"):
            self.controls[name].max = max(last, 1)
        if self.controls["iteration"].value == last:
            self._redraw()
        else:
            self.controls["iteration"].value = last  # redraws through the observer

    @property
    def shown_centroids(self):
        return self.result.centroid_history[self.controls["iteration"].value]

    # -- drawing ------------------------------------------------------------------

    def draw(self):
        """Draw the current iteration; returns the matplotlib Figure."""
        step = self.controls["iteration"].value
        centroids = self.shown_centroids
        labels = assign_to_nearest(self.samples, centroids).numpy()  # centred: right far from the origin too
        trails = (self.result.centroid_history[: step + 1] - self.mean) @ self.axes  # (steps, k, 2)
        fig, (ax, curve) = plt.subplots(1, 2, figsize=(11, 4.3), gridspec_kw={"width_ratios": [1.6, 1]})
        projected = self.samples.shape[1] != 2
        plot_clusters(self.points, trails[-1], labels=labels, ax=ax, regions=not projected)
        for j, colour in enumerate(cluster_colours(len(centroids))):
            ax.plot(trails[:, j, 0], trails[:, j, 1], "-", color="black", lw=1)
            ax.plot(trails[:, j, 0], trails[:, j, 1], ".", color=colour, ms=6)
        where = f" (first two principal components of {self.samples.shape[1]} features)" if projected else ""
        ax.set_title(f"iteration {step} of {self.result.n_iter}{where}", fontsize=10)
        history = self.result.inertia_history
        curve.plot(range(1, len(history) + 1), history, color="lightgray", marker=".")
        curve.plot(range(1, step + 1), history[:step], color="#0072B2", marker="o")
        curve.set(xlabel="iteration", ylabel="inertia", title="inertia so far")
        fig.tight_layout()
        return fig

    def _redraw(self, change=None):
        from IPython.display import display

        with self.output:
            self.output.clear_output(wait=True)
            fig = self.draw()
            display(fig)
            plt.close(fig)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
