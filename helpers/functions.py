"""The course's functions: the only copy of each, in the order the lessons build them.

Every public function checks its input and then calls a private one that does the maths.
The private one is what a lesson writes in the open; a test keeps the lesson's cell and
this file word for word the same.

=========================  ======================================================
function                   taught in
=========================  ======================================================
``create_samples``         lessons/01_generating_samples.ipynb
``plot_clusters``          lessons/01_generating_samples.ipynb
``choose_random_centroids`` lessons/02_choosing_random_centroids.ipynb
``assign_to_nearest``      lessons/03_assigning_to_nearest.ipynb
``update_centroids``       lessons/04_updating_centroids.ipynb
``inertia``                lessons/05_iterating_to_convergence.ipynb
``kmeans``                 lessons/05_iterating_to_convergence.ipynb
``load_digits``            lessons/06_any_dimension_digits.ipynb
``plot_images``            lessons/06_any_dimension_digits.ipynb
``cluster_purity``         lessons/06_any_dimension_digits.ipynb
``kmeans_plusplus``        lessons/08_better_starts_and_choosing_k.ipynb
=========================  ======================================================

Shapes use ``n`` samples, ``d`` features and ``k`` clusters.

Precision. The functions that measure distances (``assign_to_nearest``, ``inertia``,
``update_centroids``, ``kmeans``, ``kmeans_plusplus``) first move the data next to the
origin: they subtract the samples' column mean (in float64, rounded to a grid a thousandth
of the data's spread, so that on data lying on a coarser grid, such as integers, pixels in
sixteenths or float32 values far from the origin, the subtraction is exact) and add it back
to what they return, unless the mean is already within the data's spread of the origin
(``helpers._engine.Frame``). Far from the origin the expansion
||x||² − 2x·c + ||c||² would otherwise cancel away the differences that matter (lesson 03
shows it). dtype in is dtype out: float64 samples give float64 results, float32
stays float32, integers give float64 (as scikit-learn).
The compiled engine (``helpers._engine``) and the input checks (``helpers._checks``) live
in their own modules.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from helpers._checks import (
    _MAX_SEED,
    _as_array,
    _check_centroids,
    _check_int,
    _check_labels,
    _check_matrix,
    _check_n_clusters,
    _check_number,
    _check_seed,
)
from helpers import _engine
from helpers._quiet import tf

__all__ = [
    "EmptyClusterWarning",
    "FewerClustersWarning",
    "KMeansResult",
    "assign_to_nearest",
    "choose_random_centroids",
    "cluster_purity",
    "create_samples",
    "inertia",
    "kmeans",
    "kmeans_plusplus",
    "load_digits",
    "plot_clusters",
    "plot_images",
    "update_centroids",
]


class EmptyClusterWarning(UserWarning):
    """A cluster had no samples assigned. ``update_centroids`` keeps it where it was;
    ``kmeans`` moves it to a far sample, as scikit-learn does, and says which and where."""


class FewerClustersWarning(UserWarning):
    """The samples hold fewer distinct points than ``n_clusters``, so some clusters must share
    a point or stay empty."""


# ------------------------------------------------------------------- lesson 01


def create_samples(n_clusters, n_samples_per_cluster, n_features, embiggen_factor, seed):
    """Blobs of normally distributed samples around random centres.

    Taught in ``lessons/01_generating_samples.ipynb``.

    Parameters
    ----------
    n_clusters : int >= 1
        Number of blobs ``k``.
    n_samples_per_cluster : int >= 1
        Samples in each blob ``m``.
    n_features : int >= 1
        Dimensions ``d``.
    embiggen_factor : float >= 0
        Width of the box the centres are drawn from: each coordinate is uniform in
        ``[-embiggen_factor / 2, embiggen_factor / 2)``. Larger spreads the blobs apart.
    seed : int in [0, 2**31 - 1]
        The same seed gives the same tensors, in any process.

    Returns
    -------
    centroids : tf.Tensor of shape (k, d), float32
        The true centres.
    samples : tf.Tensor of shape (k * m, d), float32
        Rows ``i*m`` to ``(i+1)*m - 1`` are the blob around ``centroids[i]``
        (standard deviation 5 in every feature).

    Examples
    --------
    >>> centroids, samples = create_samples(3, 500, 2, 70, seed=700)
    >>> centroids.shape, samples.shape
    (TensorShape([3, 2]), TensorShape([1500, 2]))
    """
    n_clusters = _check_int("n_clusters", n_clusters, minimum=1)
    n_samples_per_cluster = _check_int("n_samples_per_cluster", n_samples_per_cluster, minimum=1)
    n_features = _check_int("n_features", n_features, minimum=1)
    embiggen_factor = _check_number("embiggen_factor", embiggen_factor, minimum=0)
    seed = _check_seed(seed, allow_none=False)
    return _create_samples(n_clusters, n_samples_per_cluster, n_features, embiggen_factor, seed)


def _create_samples(n_clusters, n_samples_per_cluster, n_features, embiggen_factor, seed):
    centroids = []
    slices = []
    for i in range(n_clusters):
        # Stateless random ops: the same (seed, i) always gives the same numbers,
        # and each cluster gets its own numbers because i differs.
        centroid = tf.random.stateless_uniform(
            (1, n_features), seed=(seed, 2 * i),
            minval=-embiggen_factor / 2, maxval=embiggen_factor / 2,
        )
        noise = tf.random.stateless_normal(
            (n_samples_per_cluster, n_features), seed=(seed, 2 * i + 1), stddev=5.0
        )
        centroids.append(centroid)
        slices.append(centroid + noise)
    return tf.concat(centroids, axis=0), tf.concat(slices, axis=0)


# Okabe & Ito's palette, safe for the common kinds of colour blindness (black left out:
# the centroid crosses are drawn in black and white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")


def cluster_colours(n_clusters):
    """``n_clusters`` colours: Okabe-Ito up to 8, then matplotlib's ``tab20``."""
    if n_clusters <= len(PALETTE):
        return list(PALETTE[:n_clusters])
    import matplotlib

    cmap = matplotlib.colormaps["tab20"]
    return [cmap(i % 20) for i in range(n_clusters)]


def plot_clusters(
    all_samples, centroids, n_samples_per_cluster=None, *, labels=None, ax=None, title=None, regions=False
):
    """Scatter the samples, coloured by cluster, with each centroid as a large cross.

    Taught in ``lessons/01_generating_samples.ipynb``.

    Parameters
    ----------
    all_samples : array-like of shape (n, d), d >= 2
        Only the first two features are drawn.
    centroids : array-like of shape (k, d) or None
        Drawn as black-and-white crosses; None draws none.
    n_samples_per_cluster : int, optional
        Colour consecutive blocks of this many samples alike, as ``create_samples``
        lays them out (block ``i`` belongs to centroid ``i``).
    labels : array-like of shape (n,), optional, keyword-only
        Colour each sample by its cluster index instead (wins over the blocks).
    ax : matplotlib Axes, optional, keyword-only
        Where to draw; a new figure when None.
    title : str, optional, keyword-only
    regions : bool, keyword-only
        Shade the region each centroid owns (every point nearer to it than to any other
        centroid), in the centroid's colour. Needs exactly 2 features.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    samples = _as_array("all_samples", all_samples)
    if samples.ndim != 2 or samples.shape[1] < 2:
        raise ValueError(f"all_samples should have shape (n_samples, >= 2 features); got {samples.shape}.")
    centres = None if centroids is None else _as_array("centroids", centroids)
    if centres is not None and (centres.ndim != 2 or centres.shape[1] != samples.shape[1]):
        raise ValueError(
            f"centroids should have shape (n_clusters, {samples.shape[1]}) to match all_samples; "
            f"got {centres.shape}."
        )
    if labels is not None:
        groups = _as_array("labels", labels).astype(np.int64)
        if groups.shape != (samples.shape[0],):
            raise ValueError(f"labels should have shape ({samples.shape[0]},); got {groups.shape}.")
    elif n_samples_per_cluster is not None:
        per = _check_int("n_samples_per_cluster", n_samples_per_cluster, minimum=1)
        groups = np.arange(samples.shape[0]) // per
    else:
        groups = np.zeros(samples.shape[0], dtype=np.int64)
    n_groups = max(int(groups.max()) + 1, 0 if centres is None else len(centres))
    colours = cluster_colours(n_groups)

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    if regions:
        if centres is None or samples.shape[1] != 2:
            raise ValueError("regions=True needs centroids and exactly 2 features.")
        _shade_regions(ax, samples, centres, colours)
    for group in range(n_groups):
        members = samples[groups == group]
        if len(members):
            ax.scatter(members[:, 0], members[:, 1], s=10, alpha=0.6, color=colours[group],
                       label=f"cluster {group}", edgecolors="none")
    if centres is not None:
        ax.scatter(centres[:, 0], centres[:, 1], marker="X", s=260, c="white",
                   edgecolors="black", linewidths=2, zorder=3, label="centroids")
    ax.set_xlabel("feature 0")
    ax.set_ylabel("feature 1")
    if title is not None:
        ax.set_title(title)
    return ax


def _shade_regions(ax, samples, centres, colours, resolution=300):
    from matplotlib.colors import ListedColormap

    points = np.concatenate([samples, centres])
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.05 * np.maximum(high - low, 1e-6)
    low, high = low - margin, high + margin
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2).astype(np.float32)
    owner = _assign_to_nearest(tf.constant(grid), tf.constant(centres, tf.float32)).numpy()
    ax.imshow(
        owner.reshape(resolution, resolution), extent=(low[0], high[0], low[1], high[1]), origin="lower",
        cmap=ListedColormap(colours), vmin=-0.5, vmax=len(colours) - 0.5, alpha=0.18, aspect="auto",
        interpolation="nearest",
    )
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])


# ------------------------------------------------------------------- lesson 02


def choose_random_centroids(samples, n_clusters, seed=None):
    """Pick ``n_clusters`` different rows of ``samples`` as the first guess of the centroids.

    Taught in ``lessons/02_choosing_random_centroids.ipynb``.

    Parameters
    ----------
    samples : array-like of shape (n, d)
    n_clusters : int, 1 <= k <= n
    seed : int in [0, 2**31 - 1] or None
        An int gives the same rows on every call; None gives new rows each call.

    Returns
    -------
    tf.Tensor of shape (k, d), float32
        Rows of ``samples`` at ``k`` distinct random positions.

    Examples
    --------
    >>> choose_random_centroids([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], 2, seed=1).shape
    TensorShape([2, 2])
    """
    samples = _check_matrix("samples", samples)
    n_clusters = _check_n_clusters(n_clusters, samples.shape[0])
    seed = _check_seed(seed, allow_none=True)
    return _choose_random_centroids(samples, n_clusters, seed)


def _choose_random_centroids(samples, n_clusters, seed=None):
    indices = tf.range(tf.shape(samples)[0])
    if seed is None:
        shuffled = tf.random.shuffle(indices)
    else:
        shuffled = tf.random.experimental.stateless_shuffle(indices, seed=(seed, 0))
    return tf.gather(samples, shuffled[:n_clusters])


# ------------------------------------------------------------------- lesson 03


def assign_to_nearest(samples, centroids):
    """Index of the nearest centroid for every sample.

    Taught in ``lessons/03_assigning_to_nearest.ipynb``. Squared distances come from
    ``||x||² - 2 x·c + ||c||²`` with one matrix product, so memory is (n, k), never
    (n, k, d); samples and centroids are centred on the samples' mean first, so the
    expansion keeps its precision far from the origin.

    Precision: the nearest centroid by float64 arithmetic, except where the two nearest are
    tied within the round-off of the working dtype (float32 for float32 samples, float64
    otherwise) on the centred data: 1e-5 (float32) or 1e-12 (float64) of the squared
    distances of sample and centroid from the mean (tests/test_precision.py). Exact ties go
    to the first centroid.

    Parameters
    ----------
    samples : array-like of shape (n, d)
    centroids : array-like of shape (k, d)

    Returns
    -------
    tf.Tensor of shape (n,), int32
        ``result[i]`` is the row of ``centroids`` nearest to ``samples[i]``
        (the first one on a tie).

    Examples
    --------
    >>> assign_to_nearest([[0.0], [9.0]], [[10.0], [1.0]]).numpy()
    array([1, 0], dtype=int32)
    """
    samples, stats = _check_matrix("samples", samples, with_stats=True)
    centroids = _check_centroids(centroids, samples)
    frame = _engine.frame_of("samples", samples, stats, centroids)
    return _assign_to_nearest(frame.samples_into(samples), frame.into(centroids))


def _squared_distances(samples, centroids):
    samples_sq = tf.reduce_sum(tf.square(samples), axis=1, keepdims=True)  # (n, 1)
    centroids_sq = tf.reduce_sum(tf.square(centroids), axis=1)  # (k,)
    cross = tf.matmul(samples, centroids, transpose_b=True)  # (n, k)
    # Round-off can make the expansion slightly negative; a squared distance is >= 0.
    return tf.maximum(samples_sq - 2.0 * cross + centroids_sq, 0.0)


def _assign_to_nearest(samples, centroids):
    distances = _squared_distances(samples, centroids)  # (n, k)
    return tf.argmin(distances, axis=1, output_type=tf.int32)


# ------------------------------------------------------------------- lesson 04


def update_centroids(samples, nearest_indices, n_clusters, previous_centroids=None):
    """Move every centroid to the mean of the samples assigned to it.

    Taught in ``lessons/04_updating_centroids.ipynb``. An empty cluster keeps its previous
    centroid here (``kmeans`` instead moves it to a far sample, as scikit-learn does).

    Precision: each mean is summed on the centred samples in the working dtype (float32 for
    float32 samples, float64 otherwise), so it is within a few units of round-off of that
    dtype times the clusters' spread, wherever the data lie.

    Parameters
    ----------
    samples : array-like of shape (n, d)
    nearest_indices : array-like of shape (n,), ints in [0, k)
        The cluster of each sample, as ``assign_to_nearest`` returns.
    n_clusters : int >= 1
    previous_centroids : array-like of shape (k, d), optional
        Where an empty cluster stays. An empty cluster has no mean; without
        ``previous_centroids`` it raises ValueError instead of returning NaN.

    Returns
    -------
    tf.Tensor of shape (k, d), float64 for float64 or integer samples, else float32

    Warns
    -----
    EmptyClusterWarning
        When a cluster has no samples and keeps its previous centroid.

    Examples
    --------
    >>> update_centroids([[0.0], [2.0], [10.0]], [0, 0, 1], 2).numpy()
    array([[ 1.],
           [10.]])
    """
    samples, stats = _check_matrix("samples", samples, with_stats=True)
    n_clusters = _check_int("n_clusters", n_clusters, minimum=1)
    labels = _check_labels(nearest_indices, samples.shape[0], n_clusters)
    empty = np.flatnonzero(np.bincount(labels, minlength=n_clusters) == 0).tolist()
    if previous_centroids is None:
        if empty:
            raise ValueError(
                f"cluster(s) {empty} have no samples assigned, so they have no mean; pass "
                "previous_centroids to keep them where they were."
            )
        previous = np.zeros((n_clusters, samples.shape[1]))
        frame = _engine.frame_of("samples", samples, stats)
    else:
        previous = _check_centroids(previous_centroids, samples, name="previous_centroids")
        if previous.shape[0] != n_clusters:
            raise ValueError(
                f"previous_centroids has {previous.shape[0]} rows; it should have n_clusters={n_clusters}."
            )
        if empty:
            warnings.warn(
                f"cluster(s) {empty} have no samples assigned; they keep their previous centroids.",
                EmptyClusterWarning,
                stacklevel=2,
            )
        frame = _engine.frame_of("samples", samples, stats, previous)
    updated = _update_centroids(frame.samples_into(samples), tf.constant(labels, tf.int32), n_clusters,
                                frame.into(previous))
    return tf.constant(frame.out(updated))


def _update_centroids(samples, nearest_indices, n_clusters, previous_centroids):
    sums = tf.math.unsorted_segment_sum(samples, nearest_indices, n_clusters)  # (k, d)
    ones = tf.ones_like(samples[:, :1])  # (n, 1)
    counts = tf.math.unsorted_segment_sum(ones, nearest_indices, n_clusters)  # (k, 1)
    means = sums / tf.maximum(counts, 1.0)  # no 0 / 0 = NaN for an empty cluster
    return tf.where(counts > 0, means, previous_centroids)


# ------------------------------------------------------------------- lesson 05


def inertia(samples, centroids, labels=None):
    """Sum of squared distances from every sample to its centroid.

    Taught in ``lessons/05_iterating_to_convergence.ipynb``.

    Precision: from exact differences on the centred data, summed in the working dtype
    (float32 for float32 samples, float64 otherwise): within 1e-5 (float32) or 1e-9
    (float64) relative of the float64 sum, wherever the data lie (tests/test_precision.py). With ``labels=None`` the
    labels are ``assign_to_nearest``'s.

    Parameters
    ----------
    samples : array-like of shape (n, d)
    centroids : array-like of shape (k, d)
    labels : array-like of shape (n,), optional
        The cluster of each sample; the nearest centroid when None.

    Returns
    -------
    float

    Examples
    --------
    >>> inertia([[0.0], [2.0]], [[1.0]])
    2.0
    """
    samples, stats = _check_matrix("samples", samples, with_stats=True)
    centroids = _check_centroids(centroids, samples)
    frame = _engine.frame_of("samples", samples, stats, centroids)
    samples, centroids = frame.samples_into(samples), frame.into(centroids)
    if labels is None:
        labels = _assign_to_nearest(samples, centroids)
    else:
        labels = tf.constant(_check_labels(labels, samples.shape[0], centroids.shape[0]), tf.int32)
    return float(frame.squared(_inertia(samples, centroids, labels).numpy()))


def _inertia(samples, centroids, labels):
    differences = samples - tf.gather(centroids, labels)  # exact, unlike the expansion
    return tf.reduce_sum(tf.square(differences))


@dataclass(frozen=True, repr=False)
class KMeansResult:
    """What :func:`kmeans` found.

    Attributes
    ----------
    centroids : np.ndarray of shape (k, d), float64 for float64 or integer samples, else float32
    labels : np.ndarray of shape (n,), int32
        The nearest centroid of each sample.
    inertia : float
        Sum of squared distances of the samples to their centroids.
    n_iter : int
        Lloyd iterations run (of the best start, when ``n_init > 1``).
    converged : bool
        True when the labels stopped changing or the centroids moved less than ``tol``
        before ``max_iter``.
    inertia_history : np.ndarray of shape (n_iter,), float64
        Inertia of the assignment made in each iteration, before its update.
    centroid_history : np.ndarray of shape (n_iter + 1, k, d), the dtype of ``centroids``
        The starting centroids, then the centroids after each iteration.
    """

    centroids: np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int
    converged: bool
    inertia_history: np.ndarray
    centroid_history: np.ndarray

    def __repr__(self):
        k, d = self.centroids.shape
        return (
            f"KMeansResult(n_clusters={k}, n_features={d}, inertia={self.inertia:.6g}, "
            f"n_iter={self.n_iter}, converged={self.converged})"
        )


# A fit that has not converged after a million iterations will not; larger values are typos.
_MAX_ITER = 1_000_000


def kmeans(samples, n_clusters, *, init="k-means++", n_init="auto", max_iter=300, tol=1e-4, seed=None):
    """Lloyd's k-means: assign, update, repeat until nothing changes.

    Taught in ``lessons/05_iterating_to_convergence.ipynb``; starts in
    ``lessons/08_better_starts_and_choosing_k.ipynb``. Follows scikit-learn's
    ``KMeans(algorithm="lloyd")`` step for step: it centres the data, works in the samples'
    dtype, stops by the same rules, and moves a cluster left empty to the sample farthest
    from its centroid, as scikit-learn does (``update_centroids`` of lesson 04 keeps an empty
    cluster in place instead). So from the same explicit ``init`` both give the same labels
    and centroids, except where a sample is tied between two centroids within round-off.

    Precision: the labels are the nearest centroids by float64 arithmetic except where the
    two nearest are tied within the working dtype's round-off of the centred squared
    distances (float32 for float32 samples, float64 otherwise); the inertia is summed from
    exact differences in float64, within 1e-5 (float32) or 1e-9 (float64) relative of the
    float64 inertia of the final labels' means (tests/test_precision.py). float64 samples
    follow a float64 Lloyd loop step by step, centroids to 1e-9 of the data's spread.

    The fit runs in compiled blocks of iterations of about 0.2 s each, so Ctrl-C
    (KeyboardInterrupt) stops it within about a second.

    Parameters
    ----------
    samples : array-like of shape (n, d)
    n_clusters : int, 1 <= k <= n
    init : {"k-means++", "random"} or array-like of shape (k, d), keyword-only
        "k-means++" spreads the starts out (greedy, like scikit-learn); "random" picks
        ``k`` distinct samples; an array is used as it is.
    n_init : int >= 1 or "auto", keyword-only
        Runs from different starts; the lowest inertia wins. "auto" means 1 for
        "k-means++" or an array, 10 for "random" (scikit-learn's rule).
    max_iter : int in [1, 1000000], keyword-only
        Memory for the histories grows with the iterations run, not with ``max_iter``.
    tol : float >= 0, keyword-only
        Stop when the centroids move less than this in total squared distance, relative
        to the mean variance of the features (as scikit-learn does). Stop in any case
        when no label changes.
    seed : int in [0, 2**31 - 1] or None, keyword-only
        The same seed gives the same result.

    Returns
    -------
    KMeansResult
        Centroids in float64 for float64 or integer samples, else float32.

    Warns
    -----
    EmptyClusterWarning
        A cluster was left empty in some iteration (it says which, when, and the sample it
        was moved to), or owns no sample in the final labels.
    FewerClustersWarning
        The samples hold fewer distinct points than ``n_clusters`` (it gives both counts).

    Examples
    --------
    >>> _, samples = create_samples(3, 100, 2, 70, seed=700)
    >>> kmeans(samples, 3, seed=0).centroids.shape
    (3, 2)
    """
    samples, stats = _check_matrix("samples", samples, with_stats=True)
    n_samples = samples.shape[0]
    if isinstance(init, str):
        if init not in ("k-means++", "random"):
            raise ValueError(f"init={init!r} should be 'k-means++', 'random' or an array of shape (k, d).")
        n_clusters = _check_n_clusters(n_clusters, n_samples)
        start = None
    else:
        start = _check_centroids(init, samples, name="init")
        n_clusters = _check_n_clusters(n_clusters, n_samples)
        if start.shape[0] != n_clusters:
            raise ValueError(f"init has {start.shape[0]} rows; it should have n_clusters={n_clusters}.")
    if isinstance(n_init, str):
        if n_init != "auto":
            raise ValueError(f"n_init={n_init!r} should be 'auto' or an integer >= 1.")
        n_init = 10 if isinstance(init, str) and init == "random" else 1
    n_init = _check_int("n_init", n_init, minimum=1)
    if start is not None and n_init != 1:
        warnings.warn(f"init is an array, so n_init={n_init} runs would all be the same; running once.",
                      stacklevel=2)
        n_init = 1
    max_iter = _check_int("max_iter", max_iter, minimum=1, maximum=_MAX_ITER)
    tol = _check_number("tol", tol, minimum=0)
    seed = _check_seed(seed, allow_none=True)

    frame = _engine.frame_of("samples", samples, stats, *([] if start is None else [start]))
    work = frame.samples_into(samples)
    work_sq = _engine._squared_lengths(work)
    scaled_tol = tol * _mean_feature_variance(work_sq, frame, stats) if tol > 0 else 0.0
    run_seeds = np.random.default_rng(seed).integers(0, _MAX_SEED, size=n_init)
    best = None
    for run_seed in run_seeds:
        if start is not None:
            centroids = frame.into(start)
        elif init == "random":  # init is a str here
            centroids = _choose_random_centroids(work, n_clusters, int(run_seed))
        else:
            centroids = tf.gather(work, _engine.kmeans_plusplus_indices(work, work_sq, n_clusters, int(run_seed)))
        run = _engine.lloyd(work, work_sq, centroids, max_iter=max_iter, tol=scaled_tol)
        if best is None or run.inertia < best.inertia:
            best = run
    _warn_about_clusters(best, samples, n_clusters, max_iter)
    return KMeansResult(
        centroids=frame.out(best.centroids),
        labels=best.labels,
        inertia=float(frame.squared(best.inertia)),
        n_iter=best.n_iter,
        converged=best.converged,
        inertia_history=frame.squared(best.inertias),
        centroid_history=frame.out(best.history),
    )


def _mean_feature_variance(work_sq, frame, stats):
    """scikit-learn's ``np.mean(np.var(X, axis=0))``, in the frame, in float64: the mean squared
    distance from the shift less the squared distance of the mean from it, over d."""
    n_samples, n_features = len(work_sq), len(stats[0])
    mean_in_frame = (stats[0] / n_samples - frame.shift) * frame.scale
    mean_square = float(tf.reduce_sum(tf.cast(work_sq, tf.float64))) / n_samples
    return max(mean_square - float(np.sum(np.square(mean_in_frame))), 0.0) / n_features


def _warn_about_clusters(run, samples, n_clusters, max_iter):
    """The warnings of a ``kmeans`` run, each naming its real cause."""
    if len(run.moves):
        events = [f"cluster {cluster} in iteration {iteration} (moved to sample {sample})"
                  for iteration, cluster, sample in run.moves[:5]]
        more = f" and {len(run.moves) - 5} more" if len(run.moves) > 5 else ""
        warnings.warn(
            f"a cluster was left empty {len(run.moves)} time(s): {', '.join(events)}{more}. As in scikit-learn, "
            "an emptied cluster moves to the sample farthest from its centroid.",
            EmptyClusterWarning,
            stacklevel=3,
        )
    n_found = len(np.unique(run.labels))
    if n_found == n_clusters:
        return
    n_distinct = len(np.unique(samples.numpy(), axis=0))
    if n_distinct < n_clusters:
        warnings.warn(
            f"Number of distinct clusters ({n_found}) found smaller than n_clusters ({n_clusters}): the "
            f"samples hold only {n_distinct} distinct point(s).",
            FewerClustersWarning,
            stacklevel=3,
        )
    else:
        idle = sorted(set(range(n_clusters)) - set(np.unique(run.labels).tolist()))
        stop = "converged by tol" if run.converged else f"stopped at max_iter={max_iter}"
        warnings.warn(
            f"cluster(s) {idle[:10]}{' ...' if len(idle) > 10 else ''} own no sample in the final labels: "
            f"the fit {stop} before the labels settled (the samples hold {n_distinct} distinct points, "
            f"enough for n_clusters={n_clusters}).",
            EmptyClusterWarning,
            stacklevel=3,
        )


# ------------------------------------------------------------------- lesson 06


def cluster_purity(cluster_labels, true_labels):
    """Share of samples whose true class is the most common class of their cluster.

    Taught in ``lessons/06_any_dimension_digits.ipynb``. 1.0 when every cluster holds one
    class only; cluster numbers need not match class numbers.

    Parameters
    ----------
    cluster_labels : array-like of shape (n,), ints >= 0
    true_labels : array-like of shape (n,), ints >= 0

    Returns
    -------
    float in (0, 1]

    Examples
    --------
    >>> cluster_purity([0, 0, 1, 1], [7, 7, 7, 3])
    0.75
    """
    clusters = _check_index_vector("cluster_labels", cluster_labels)
    truth = _check_index_vector("true_labels", true_labels)
    if clusters.shape != truth.shape:
        raise ValueError(f"cluster_labels has {clusters.size} entries but true_labels has {truth.size}; "
                         "they should be equal.")
    return float(_cluster_purity(tf.constant(clusters), tf.constant(truth)))


def _check_index_vector(name, values):
    array = _as_array(name, values)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} should be a non-empty 1-D array of integers; got shape {array.shape}.")
    if array.dtype.kind not in "iu" or array.min() < 0:
        raise ValueError(f"{name} should hold integers >= 0; got dtype {array.dtype}, minimum {array.min()}.")
    return array.astype(np.int32)


def _cluster_purity(cluster_labels, true_labels):
    n_classes = tf.reduce_max(true_labels) + 1
    n_clusters = tf.reduce_max(cluster_labels) + 1
    pairs = cluster_labels * n_classes + true_labels  # one number per (cluster, class) pair
    table = tf.math.bincount(pairs, minlength=n_clusters * n_classes)
    table = tf.reshape(table, (n_clusters, n_classes))  # (clusters, classes): the contingency table
    return tf.reduce_sum(tf.reduce_max(table, axis=1)) / tf.size(true_labels)


def plot_images(images, titles=None, *, shape=(8, 8), n_columns=10, size=1.2, cmap="gray_r"):
    """Draw flattened images (such as digits or centroids of digits) in a grid.

    Taught in ``lessons/06_any_dimension_digits.ipynb``.

    Parameters
    ----------
    images : array-like of shape (m, h*w)
        One flattened image per row.
    titles : sequence of m str, optional
    shape : (h, w), keyword-only
    n_columns : int, keyword-only
    size : float, keyword-only
        Inches per image.
    cmap : str, keyword-only
        Dark ink on a light background by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    pictures = _as_array("images", images)
    if pictures.ndim != 2 or pictures.shape[1] != shape[0] * shape[1]:
        raise ValueError(
            f"images should have shape (m, {shape[0] * shape[1]}) for shape={shape}; got {pictures.shape}."
        )
    if titles is not None and len(titles) != len(pictures):
        raise ValueError(f"titles has {len(titles)} entries; it should have one per image ({len(pictures)}).")
    n_rows = max(1, -(-len(pictures) // n_columns))
    columns = min(n_columns, len(pictures))
    fig, axes = plt.subplots(n_rows, columns, figsize=(size * columns, size * n_rows * 1.15), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < len(pictures):
            ax.imshow(pictures[index].reshape(shape), cmap=cmap, interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[index], fontsize=9)
    return fig


def load_digits():
    """The 1797 real 8×8 handwritten digits that scikit-learn ships (no download).

    Taught in ``lessons/06_any_dimension_digits.ipynb``.

    Returns
    -------
    samples : np.ndarray of shape (1797, 64), float32
        Pixel intensities scaled from 0..16 to 0..1; row ``i`` reshaped to (8, 8) is the image.
    labels : np.ndarray of shape (1797,), int32
        The digit 0-9 each image shows.
    """
    from sklearn.datasets import load_digits as _sklearn_load_digits

    digits = _sklearn_load_digits()
    return (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int32)


# ------------------------------------------------------------------- lesson 08


def kmeans_plusplus(samples, n_clusters, seed=None):
    """Spread-out first centroids: greedy k-means++, as scikit-learn's default start.

    Taught in ``lessons/08_better_starts_and_choosing_k.ipynb``. Compiled, on the centred
    data (``helpers._engine.kmeans_plusplus_indices``): the first centre is a uniformly
    random sample; each next one is the best of ``2 + int(ln k)`` candidates drawn with
    probability proportional to their squared distance to the nearest centre so far.

    Parameters
    ----------
    samples : array-like of shape (n, d)
    n_clusters : int, 1 <= k <= n
    seed : int in [0, 2**31 - 1] or None
        The same seed gives the same centroids; None gives new ones each call.

    Returns
    -------
    tf.Tensor of shape (k, d), float64 for float64 or integer samples, else float32
        Rows of ``samples``, exactly.

    Examples
    --------
    >>> kmeans_plusplus([[0.0], [0.1], [50.0], [50.1]], 2, seed=0).shape
    TensorShape([2, 1])
    """
    samples, stats = _check_matrix("samples", samples, with_stats=True)
    n_clusters = _check_n_clusters(n_clusters, samples.shape[0])
    seed = _check_seed(seed, allow_none=True)
    if seed is None:
        seed = int(np.random.default_rng().integers(0, _MAX_SEED))
    work = _engine.frame_of("samples", samples, stats).samples_into(samples)
    return tf.gather(samples, _engine.kmeans_plusplus_indices(work, _engine._squared_lengths(work), n_clusters, seed))


