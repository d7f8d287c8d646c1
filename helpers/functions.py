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

# Input checks for the functions this file's lessons 01, 02 and 06 build (create_samples,
# cluster_colours, plot_clusters, choose_random_centroids, cluster_purity, plot_images): every
# message names the parameter the user passed, the first offending value as the user gave it,
# and the rule; it never formats a whole array, so it stays a line or two long.

_MAX_SHOWN = 60  # input check for every function below: characters of a value shown in a message
_INTEGER_TYPES = (int, np.integer)  # input check for every function below (bool is refused apart)
_REAL_TYPES = (int, float, np.integer, np.floating)  # input check for every function below


def _short(value):
    """input check for every function below: a value as an error message shows it, never
    more than about ``_MAX_SHOWN`` characters (a million-entry list is not printed)."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):  # arrays, tensors, pandas objects
        try:
            if tuple(value.shape) == ():  # NumPy scalars, 0-d arrays and tensors: the number itself
                return _short(np.asarray(value).item())
        except Exception:  # a 0-d object NumPy cannot read: described below
            pass
        return f"<{type(value).__name__} of shape {tuple(value.shape)} and dtype {value.dtype}>"
    if isinstance(value, _INTEGER_TYPES) and not isinstance(value, (bool, np.bool_)):
        value = int(value)
        if value.bit_length() > 128:
            return f"{'-' if value < 0 else ''}(an integer of about {int(value.bit_length() * 0.30103) + 1} digits)"
        return str(value)
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ should not hide the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 20] + f"... ({type(value).__name__})"


def _check_count(name, value, *, minimum=None, maximum=None):
    """input check for create_samples, choose_random_centroids, plot_images, cluster_colours:
    ``value`` as a Python int in [minimum, maximum], or a TypeError/ValueError naming it. Accepts
    Python and NumPy integers and 0-d integer arrays or tensors; rejects booleans and floats,
    even whole ones (``n_clusters=3.0`` is most likely a mistake)."""
    if isinstance(value, (tf.Tensor, tf.Variable)) and value.shape.rank == 0:
        value = value.numpy()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _INTEGER_TYPES):
        raise TypeError(f"{name}={_short(value)} should be an integer; got {type(value).__name__}.")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={_short(value)} should be >= {minimum}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={_short(value)} should be <= {maximum}.")
    return value


def _check_real(name, value, *, minimum=None, maximum=None, above=None):
    """input check for create_samples and plot_images: a finite Python float in range."""
    if isinstance(value, (tf.Tensor, tf.Variable)) and value.shape.rank == 0:
        value = value.numpy()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _REAL_TYPES):
        raise TypeError(f"{name}={_short(value)} should be a number; got {type(value).__name__}.")
    try:
        value = float(value)
    except OverflowError:  # a Python int beyond float64
        limit = "a finite float (below 1.8e308)" if maximum is None else f"<= {maximum:g}"
        raise ValueError(f"{name}={_short(value)} should be {limit}.") from None
    if not np.isfinite(value):
        raise ValueError(f"{name}={value} should be finite.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value} should be >= {minimum}.")
    if above is not None and not value > above:
        raise ValueError(f"{name}={value} should be > {above}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value:g} should be <= {maximum:g}.")
    return value


def _numeric_array(name, values, *, allow_bool=False, keep_big_integers=False):
    """input check for plot_clusters, plot_images, cluster_purity, choose_random_centroids:
    ``values`` (a list, NumPy array, tensor or anything with ``__array__``, such as a pandas
    object) as a NumPy array of real numbers, or a TypeError/ValueError naming ``name``.

    None, scipy.sparse matrices, strings and other non-arrays are refused by name, not as
    "dtype object". An object array (Python ints too large for 64 bits, pandas' NA, mixed
    types) is refused at its first entry that is not a real number, or converted.
    """
    if values is None:
        raise TypeError(f"{name} should be an array of numbers; got None.")
    if type(values).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"{name} should be an array of numbers; got a scipy.sparse {type(values).__name__} of shape "
            f"{values.shape}. Pass {name}.toarray() if it fits in memory."
        )
    if isinstance(values, (str, bytes, dict, set, frozenset)):
        raise TypeError(f"{name} should be an array of numbers; got {type(values).__name__} {_short(values)}.")
    if isinstance(values, (tf.Tensor, tf.Variable)):
        values = values.numpy()
    try:
        array = np.asarray(values)
    except (ValueError, TypeError) as error:  # ragged nested lists, objects NumPy cannot read
        raise ValueError(
            f"{name} should be a rectangular array of numbers; got a {type(values).__name__} that NumPy "
            f"cannot read as one ({str(error)[:120]})."
        ) from None
    if array.dtype.kind == "O":
        flat = array.ravel()
        for index, entry in enumerate(flat):
            if isinstance(entry, (bool, np.bool_)) or not isinstance(entry, _REAL_TYPES):
                where = tuple(int(i) for i in np.unravel_index(index, array.shape)) if array.ndim > 1 else index
                raise TypeError(
                    f"{name} should hold numbers; got {_short(entry)} ({type(entry).__name__}) at index {where}."
                )
        if keep_big_integers and all(isinstance(entry, _INTEGER_TYPES) for entry in flat):
            return array  # Python ints that fit no 64-bit type: the label checks name the first
        try:
            array = array.astype(np.float64)
        except OverflowError:
            raise ValueError(f"{name} holds an integer too large for float64 (above 1.8e308).") from None
    if array.dtype.kind == "b" and allow_bool:
        return array
    if array.dtype.kind not in "iuf":
        kind = {"b": "booleans", "c": "complex numbers", "U": "strings", "S": "bytes", "M": "dates",
                "m": "time differences", "V": "records"}.get(array.dtype.kind, f"dtype {array.dtype}")
        raise TypeError(f"{name} should hold real numbers (int or float); got {kind} (dtype {array.dtype}).")
    return array


def _check_finite(name, array):
    """input check for plot_clusters and plot_images: the first NaN or infinite entry, named."""
    if array.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(array.ravel()))
        if bad.size:
            where = np.unravel_index(bad[0], array.shape)
            value = array[where]
            what = "NaN" if np.isnan(value) else "infinite"
            raise ValueError(
                f"{name} contains {bad.size} NaN or infinite value(s), the first {what} ({value}) at index "
                f"{tuple(int(i) for i in where)}; every value should be a finite number."
            )
    return array


def _check_span(name, array, axis=None):
    """input check for plot_clusters and plot_images: max - min of the values (along ``axis``)
    is finite, or no axis, colour scale or grid can be made from them."""
    with np.errstate(over="ignore"):
        span = np.ptp(array, axis=axis)
    if not np.all(np.isfinite(span)):
        raise ValueError(
            f"{name} spans more than float64 holds (its largest minus its smallest value overflows, from "
            f"{array.min():.3g} to {array.max():.3g}); rescale it, for example divide it by its largest value."
        )


_MAX_LABEL = 2**63 - 1  # input check for plot_clusters and cluster_purity: labels fit in int64


def _check_label_vector(name, values, *, n_samples=None, n_samples_name="n_samples"):
    """input check for plot_clusters and cluster_purity: a 1-D vector of whole numbers in
    [0, 2**63 - 1] as an int64 array, or a ValueError/TypeError that names ``name`` and shows the
    first offending value as the user gave it (2**63 as 9223372036854775808, inf as inf)."""
    rule = f"{name} should hold integers >= 0"
    if isinstance(values, (list, tuple)) and all(
        isinstance(entry, _INTEGER_TYPES) and not isinstance(entry, (bool, np.bool_)) for entry in values
    ):  # Python ints as they are: NumPy would turn [0, 2**63] into floats
        for index, entry in enumerate(values):
            if entry < 0:
                raise ValueError(f"{rule}; got {_short(entry)} at index {index}.")
            if entry > _MAX_LABEL:
                raise ValueError(f"{rule} and <= 2**63 - 1 (int64); got {_short(entry)} at index {index}.")
        values = np.array(values, dtype=np.int64)
    array = _numeric_array(name, values, allow_bool=True, keep_big_integers=True)
    if array.ndim != 1 or (n_samples is None and array.size == 0):
        raise ValueError(f"{name} should be a non-empty 1-D array of integers; got shape {array.shape}.")
    if n_samples is not None and array.shape != (n_samples,):
        raise ValueError(f"{name} should have shape ({n_samples},), one label per row of {n_samples_name}; "
                         f"got shape {array.shape}.")
    if array.dtype.kind == "b":
        return array.astype(np.int64)
    if array.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(array))
        if bad.size:
            what = "NaN" if np.isnan(array[bad[0]]) else f"an infinite value ({float(array[bad[0]])})"
            raise ValueError(f"{rule}; got dtype {array.dtype} with {what} at index {bad[0]}.")
        bad = np.flatnonzero(array != np.floor(array))
        if bad.size:
            raise ValueError(f"{rule}; got dtype {array.dtype} with {float(array[bad[0]])!r} at index {bad[0]}, "
                             "which is not a whole number.")
        bad = np.flatnonzero(array < 0)
        if bad.size:
            raise ValueError(f"{rule}; got {float(array[bad[0]])!r} at index {bad[0]}.")
        bad = np.flatnonzero(array >= 2.0**63)
        if bad.size:
            raise ValueError(f"{rule} and <= 2**63 - 1 (int64); got {float(array[bad[0]])!r} at index {bad[0]}.")
        return array.astype(np.int64)
    if array.dtype.kind == "O":  # Python ints beyond 64 bits (see _numeric_array)
        for index, entry in enumerate(array):
            if entry < 0:
                raise ValueError(f"{rule}; got {_short(entry)} at index {index}.")
            if entry > _MAX_LABEL:
                raise ValueError(f"{rule} and <= 2**63 - 1 (int64); got {_short(entry)} at index {index}.")
        return array.astype(np.int64)
    if array.dtype.kind == "u":
        bad = np.flatnonzero(array > _MAX_LABEL)
        if bad.size:
            raise ValueError(f"{rule} and <= 2**63 - 1 (int64); got {int(array[bad[0]])} at index {bad[0]}.")
    else:
        bad = np.flatnonzero(array < 0)
        if bad.size:
            raise ValueError(f"{rule}; got {int(array[bad[0]])} at index {bad[0]}.")
    return array.astype(np.int64)


_MAX_CREATED_VALUES = 2**27  # input check for create_samples: 134,217,728 float32 values, 512 MiB
_MAX_CREATED_CLUSTERS = 10_000  # input check for create_samples: one loop step (about 1 ms) per cluster
_MAX_EMBIGGEN_FACTOR = 1e12  # input check for create_samples: see its docstring


def create_samples(n_clusters, n_samples_per_cluster, n_features, embiggen_factor, seed):
    """Blobs of normally distributed samples around random centres.

    Taught in ``lessons/01_generating_samples.ipynb``.

    Parameters
    ----------
    n_clusters : int in [1, 10000]
        Number of blobs ``k`` (one step of a Python loop each).
    n_samples_per_cluster : int >= 1
        Samples in each blob ``m``.
    n_features : int >= 1
        Dimensions ``d``. At most ``2**27`` (134,217,728) values are made:
        ``k * m * d <= 2**27`` (512 MiB of float32), checked before anything is allocated.
    embiggen_factor : float in [0, 1e12]
        Width of the box the centres are drawn from: each coordinate is uniform in
        ``[-embiggen_factor / 2, embiggen_factor / 2)``. Larger spreads the blobs apart.
        The bound keeps every sample finite in float32 and every row's squared length
        far below float32's largest value (3.4e38), so the samples are valid input to
        every other function here. (Beyond about 1e8 float32 can no longer resolve the
        noise of standard deviation 5 around a centre: blobs shrink to a few points.)
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
    n_clusters = _check_count("n_clusters", n_clusters, minimum=1, maximum=_MAX_CREATED_CLUSTERS)
    n_samples_per_cluster = _check_count("n_samples_per_cluster", n_samples_per_cluster, minimum=1)
    n_features = _check_count("n_features", n_features, minimum=1)
    total = n_clusters * n_samples_per_cluster * n_features  # exact: Python ints
    if total > _MAX_CREATED_VALUES:
        shown = _short(total) if total.bit_length() > 1000 else format(total, ".3g")
        raise ValueError(
            f"n_clusters * n_samples_per_cluster * n_features = {n_clusters} * {_short(n_samples_per_cluster)} * "
            f"{_short(n_features)} = {shown} values; at most 2**27 = {_MAX_CREATED_VALUES} (512 MiB of float32) "
            "are made. Ask for fewer samples or features."
        )
    embiggen_factor = _check_real("embiggen_factor", embiggen_factor, minimum=0, maximum=_MAX_EMBIGGEN_FACTOR)
    seed = _check_count("seed", seed, minimum=0, maximum=_MAX_SEED)
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
_MAX_COLOURS = 2**20  # input check for cluster_colours: a list longer than this is never useful


def cluster_colours(n_clusters):
    """``n_clusters`` colours: Okabe-Ito up to 8, then matplotlib's ``tab20`` (repeating).

    Colour ``j`` is ``_colour(j, n_clusters)``; ``n_clusters`` is an int in [0, 2**20].
    """
    n_clusters = _check_count("n_clusters", n_clusters, minimum=0, maximum=_MAX_COLOURS)
    return [_colour(j, n_clusters) for j in range(n_clusters)]


def _colour(group, n_groups):
    """The colour of cluster ``group`` (an int >= 0) when ``n_groups`` clusters are drawn."""
    if n_groups <= len(PALETTE):
        return PALETTE[group]
    import matplotlib

    return matplotlib.colormaps["tab20"](int(group) % 20)


_MANY_GROUPS = 64  # plot_clusters: above this many distinct labels, one scatter call for all


def plot_clusters(
    all_samples, centroids, n_samples_per_cluster=None, *, labels=None, ax=None, title=None, regions=False
):
    """Scatter the samples, coloured by cluster, with each centroid as a large cross.

    Taught in ``lessons/01_generating_samples.ipynb``.

    Parameters
    ----------
    all_samples : array-like of shape (n, d), n >= 1, d >= 2, finite
        Only the first two features are drawn.
    centroids : array-like of shape (k, d), k >= 1, finite, or None
        Drawn as black-and-white crosses; None draws none.
    n_samples_per_cluster : int >= 1, optional
        Colour consecutive blocks of this many samples alike, as ``create_samples``
        lays them out (block ``i`` belongs to centroid ``i``).
    labels : array-like of shape (n,), optional, keyword-only
        Colour each sample by its cluster index instead (wins over the blocks): whole
        numbers in [0, 2**63 - 1]. Cluster ``j`` has the colour of ``centroids[j]``. Only
        the labels present are drawn, so a label of 10**9 costs no more than a label of 9.
    ax : matplotlib Axes, optional, keyword-only
        Where to draw; a new figure when None.
    title : str, optional, keyword-only
    regions : bool, keyword-only
        Shade the region each centroid owns (every point nearer to it than to any other
        centroid), in the centroid's colour. Needs exactly 2 features. The regions are
        computed in float64 from differences (no expansion), so they are exact to float64
        rounding wherever the data lie, 10**6 from the origin as well as at it.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.axes
    import matplotlib.pyplot as plt

    samples = _check_finite("all_samples", _numeric_array("all_samples", all_samples).astype(np.float64))
    if samples.ndim != 2 or samples.shape[1] < 2 or samples.shape[0] < 1:
        raise ValueError(
            f"all_samples should have shape (n_samples, >= 2 features) with n_samples >= 1; got {samples.shape}."
        )
    centres = None
    if centroids is not None:
        centres = _check_finite("centroids", _numeric_array("centroids", centroids).astype(np.float64))
        if centres.ndim != 2 or centres.shape[1] != samples.shape[1] or centres.shape[0] < 1:
            raise ValueError(
                f"centroids should have shape (n_clusters >= 1, {samples.shape[1]}) to match all_samples; "
                f"got {centres.shape}. Pass centroids=None to draw none."
            )
    if centres is None:
        _check_span("all_samples", samples, axis=0)
    else:
        _check_span("all_samples (with centroids)", np.concatenate([samples, centres]), axis=0)
    if n_samples_per_cluster is not None:  # checked even where labels win over it
        per = _check_count("n_samples_per_cluster", n_samples_per_cluster, minimum=1)
    if labels is not None:
        groups = _check_label_vector("labels", labels, n_samples=samples.shape[0], n_samples_name="all_samples")
    elif n_samples_per_cluster is not None:
        groups = np.arange(samples.shape[0]) // min(per, samples.shape[0])
    else:
        groups = np.zeros(samples.shape[0], dtype=np.int64)
    if ax is not None and not isinstance(ax, matplotlib.axes.Axes):
        raise TypeError(f"ax should be a matplotlib Axes (or None for a new figure); got {_short(ax)}.")
    if not isinstance(regions, (bool, np.bool_)):
        raise TypeError(f"regions should be True or False; got {_short(regions)}.")
    if regions and (centres is None or samples.shape[1] != 2):
        raise ValueError(
            f"regions=True needs centroids and exactly 2 features; got centroids="
            f"{'None' if centres is None else centres.shape} and all_samples of shape {samples.shape}."
        )
    present = np.unique(groups)  # only the labels there are: a label of 10**9 does not loop 10**9 times
    n_groups = max(int(present[-1]) + 1, 0 if centres is None else len(centres))

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    if regions:
        _shade_regions(ax, samples, centres, [_colour(j, n_groups) for j in range(len(centres))])
    if len(present) <= _MANY_GROUPS:
        for group in present:
            members = samples[groups == group]
            ax.scatter(members[:, 0], members[:, 1], s=10, alpha=0.6, color=_colour(group, n_groups),
                       label=f"cluster {group}", edgecolors="none")
    else:  # one call, not one per cluster: 10**5 distinct labels draw in a second
        import matplotlib.colors

        palette = np.array([matplotlib.colors.to_rgba(_colour(j, n_groups)) for j in range(20)])
        ax.scatter(samples[:, 0], samples[:, 1], s=10, alpha=0.6, c=palette[groups % 20],
                   label=f"{len(present)} clusters", edgecolors="none")
    if centres is not None:
        ax.scatter(centres[:, 0], centres[:, 1], marker="X", s=260, c="white",
                   edgecolors="black", linewidths=2, zorder=3, label="centroids")
    ax.set_xlabel("feature 0")
    ax.set_ylabel("feature 1")
    if title is not None:
        ax.set_title(str(title))
    return ax


def _shade_regions(ax, samples, centres, colours, resolution=300):
    """Shade each centroid's region on a ``resolution``² grid over the samples and centres.

    The owner of every grid point is the argmin of its squared distances to the centres,
    computed in float64 from the differences (x - c)² + (y - c)², never by the expansion
    ||x||² - 2x·c + ||c||²: that cancels far from the origin (68% of the grid was wrong at
    10⁴ in float32). Memory is (grid, a block of centres), never (grid, k) for a large k.
    """
    from matplotlib.colors import ListedColormap

    points = np.concatenate([samples[:, :2], centres[:, :2]]).astype(np.float64)
    low, high = points.min(axis=0), points.max(axis=0)
    # A margin of 5% of the span. An axis where all points (nearly) agree gets the other axis's
    # span, or a millionth of its size (float64 still tells the edges apart), or 1 at 0.
    span, size = high - low, 1e-6 * np.abs(points).max(axis=0)
    wide = max(span.max(), size.max()) or 1.0
    margin = 0.05 * np.where(span > size, span, wide)
    low, high = low - margin, high + margin
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    # Divided by a power of two, which is exact: the squares neither overflow (data near 1e300)
    # nor underflow (near 1e-300), and the argmin is the one of the unscaled differences.
    scale = 2.0 ** np.frexp(np.abs(np.concatenate([low, high])).max())[1]
    grid_x, grid_y = (axis.ravel() / scale for axis in np.meshgrid(xs, ys))
    centres = centres[:, :2].astype(np.float64) / scale
    owner = np.zeros(grid_x.size, dtype=np.int64)
    nearest = np.full(grid_x.size, np.inf)
    block = max(1, 2**22 // grid_x.size)  # centres per step: a (grid, block) array of 4M floats at most
    for start in range(0, len(centres), block):
        part = centres[start:start + block]
        distances = (grid_x[:, None] - part[None, :, 0]) ** 2 + (grid_y[:, None] - part[None, :, 1]) ** 2
        best = distances.argmin(axis=1)
        closer = distances[np.arange(grid_x.size), best] < nearest  # strict: the first centre wins a tie
        owner[closer] = start + best[closer]
        nearest[closer] = distances[np.arange(grid_x.size), best][closer]
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
    tf.Tensor of shape (k, d), float32 for float32 samples, float64 otherwise
        Rows of ``samples`` at ``k`` distinct random positions (integers become float64).

    Examples
    --------
    >>> choose_random_centroids([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], 2, seed=1).shape
    TensorShape([2, 2])
    """
    if not (isinstance(samples, tf.Tensor) and samples.dtype.is_floating):  # the tensor path is checked in place
        samples = _numeric_array("samples", samples)
    samples = _check_matrix("samples", samples)
    n_clusters = _check_count("n_clusters", n_clusters, minimum=1)
    if n_clusters > samples.shape[0]:
        raise ValueError(f"n_clusters={n_clusters} should be <= n_samples={samples.shape[0]}.")
    seed = None if seed is None else _check_count("seed", seed, minimum=0, maximum=_MAX_SEED)
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
        labels = tf.constant(_check_labels(labels, samples.shape[0], centroids.shape[0], name="labels"), tf.int32)
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
    float32 centroids come back rounded to float32 in the data's units, which far from the
    origin is coarse (at 1e6 float32's spacing is 0.0625): the inertia and labels recomputed
    from them can then differ from the ones returned (so do scikit-learn's); give float64
    samples for centroids as exact as the fit.

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
    small = _engine.is_small(work, n_clusters)  # then the whole fit is one compiled kernel
    if not small:
        work_sq = _engine._squared_lengths(work)
        scaled_tol = tol * _mean_feature_variance(work_sq, frame, stats) if tol > 0 else 0.0
    run_seeds = np.random.default_rng(seed).integers(0, _MAX_SEED, size=n_init)
    best = None
    for run_seed in run_seeds:
        if start is not None:
            centroids = frame.into(start)
        elif init == "random":  # init is a str here
            centroids = _choose_random_centroids(work, n_clusters, int(run_seed))
        elif small:
            centroids = None  # k-means++ inside the kernel
        else:
            centroids = tf.gather(work, _engine.kmeans_plusplus_indices(work, work_sq, n_clusters, int(run_seed)))
        if small:
            run = _engine.lloyd_small(work, centroids, n_clusters, seed=int(run_seed), max_iter=max_iter, tol=tol,
                                      mean=frame.mean_of(stats, n_samples))
        else:
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
    mean_in_frame = frame.mean_of(stats, n_samples)
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
    owned = np.bincount(run.labels, minlength=n_clusters) > 0
    n_found = int(owned.sum())
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
        idle = np.flatnonzero(~owned).tolist()
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
    cluster_labels : array-like of shape (n,), n >= 1, integers >= 0
    true_labels : array-like of shape (n,), integers >= 0
        Integers up to 2**63 - 1, of any integer dtype (or whole floats, or booleans).
        Only which labels are equal matters: they are renumbered 0, 1, ... first
        (``np.unique``), so labels such as 70000 or 2**40 cost no more than 0 to 9. The
        lesson's dense (clusters × classes) table is used while it has at most
        ``max(4 n, 1024)`` cells; beyond, only the (cluster, class) pairs that occur are
        counted. Memory grows with n, never with the largest label.

    Returns
    -------
    float in (0, 1]

    Examples
    --------
    >>> cluster_purity([0, 0, 1, 1], [7, 7, 7, 3])
    0.75
    """
    clusters = _check_label_vector("cluster_labels", cluster_labels)
    truth = _check_label_vector("true_labels", true_labels)
    if clusters.shape != truth.shape:
        raise ValueError(f"cluster_labels has {clusters.size} entries but true_labels has {truth.size}; "
                         "they should be equal.")
    n = clusters.size
    clusters = np.unique(clusters, return_inverse=True)[1].reshape(-1)  # 0 .. (distinct clusters - 1)
    truth = np.unique(truth, return_inverse=True)[1].reshape(-1)
    n_clusters, n_classes = int(clusters.max()) + 1, int(truth.max()) + 1
    if n_clusters * n_classes <= max(4 * n, 1024) and n < 2**29:  # the lesson's dense table: small here
        return float(_cluster_purity(tf.constant(clusters, tf.int32), tf.constant(truth, tf.int32)))
    return _cluster_purity_sparse(clusters, truth, n_classes)


def _cluster_purity(cluster_labels, true_labels):
    n_classes = tf.reduce_max(true_labels) + 1
    n_clusters = tf.reduce_max(cluster_labels) + 1
    pairs = cluster_labels * n_classes + true_labels  # one number per (cluster, class) pair
    table = tf.math.bincount(pairs, minlength=n_clusters * n_classes)
    table = tf.reshape(table, (n_clusters, n_classes))  # (clusters, classes): the contingency table
    return tf.reduce_sum(tf.reduce_max(table, axis=1)) / tf.size(true_labels)


def _cluster_purity_sparse(clusters, truth, n_classes):
    """The purity from the (cluster, class) pairs that occur, for labels renumbered from 0:
    memory grows with n, where the dense table would be (clusters × classes)."""
    pairs, counts = np.unique(clusters.astype(np.int64) * n_classes + truth, return_counts=True)
    owners = pairs // n_classes  # sorted, so each cluster's pairs are neighbours
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    return float(np.maximum.reduceat(counts, starts).sum() / clusters.size)


_MAX_IMAGES = 500  # input check for plot_images: one axes each; 400 took 8 s on a loaded 2-core machine
_MAX_FIGURE_INCHES = 200  # input check for plot_images: 20,000 pixels at 100 dpi, below matplotlib's 2**16


def plot_images(images, titles=None, *, shape=(8, 8), n_columns=10, size=1.2, cmap="gray_r"):
    """Draw flattened images (such as digits or centroids of digits) in a grid.

    Taught in ``lessons/06_any_dimension_digits.ipynb``.

    Parameters
    ----------
    images : array-like of shape (m, h*w), 1 <= m <= 500, finite
        One flattened image per row.
    titles : sequence of m str, optional
        One per image (numbers are shown as text).
    shape : (h, w), two ints >= 1, keyword-only
    n_columns : int >= 1, keyword-only
    size : float > 0, keyword-only
        Inches per image; the whole figure is at most 200 inches wide and high.
    cmap : str, matplotlib Colormap or None, keyword-only
        Dark ink on a light background by default; None is matplotlib's default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.colors
    import matplotlib.pyplot as plt

    if (not isinstance(shape, (tuple, list)) and not (isinstance(shape, np.ndarray) and shape.ndim == 1)) or len(
        shape
    ) != 2:
        raise TypeError(f"shape should be a pair (height, width) of ints; got {_short(shape)}.")
    height = _check_count("shape[0] (height)", shape[0], minimum=1)
    width = _check_count("shape[1] (width)", shape[1], minimum=1)
    pictures = _check_finite("images", _numeric_array("images", images))
    if pictures.ndim != 2 or pictures.shape[1] != height * width:
        raise ValueError(
            f"images should have shape (m, {_short(height * width)}) for shape=({height}, {width}); got "
            f"{pictures.shape}. One image per row: images.reshape(len(images), -1)."
        )
    if not 1 <= len(pictures) <= _MAX_IMAGES:
        raise ValueError(f"images has {len(pictures)} rows; between 1 and {_MAX_IMAGES} images can be drawn "
                         "(pass a slice such as images[:100]).")
    _check_span("images", pictures)
    n_columns = _check_count("n_columns", n_columns, minimum=1)
    size = _check_real("size", size, above=0, maximum=_MAX_FIGURE_INCHES)
    if titles is not None:
        if isinstance(titles, (str, bytes)) or np.ndim(titles) != 1 or not hasattr(titles, "__getitem__"):
            raise TypeError(f"titles should be a list of {len(pictures)} strings, one per image; got {_short(titles)}.")
        if len(titles) != len(pictures):
            raise ValueError(
                f"titles has {len(titles)} entries; it should have one per image (images has {len(pictures)} rows)."
            )
        titles = [str(titles[index]) for index in range(len(pictures))]
    if isinstance(cmap, str):
        if cmap not in matplotlib.colormaps:
            raise ValueError(f"cmap={_short(cmap)} is not a matplotlib colormap name; try 'gray_r' or 'viridis'.")
    elif cmap is not None and not isinstance(cmap, matplotlib.colors.Colormap):
        raise TypeError(f"cmap should be a colormap name or a matplotlib Colormap; got {_short(cmap)}.")
    n_rows = max(1, -(-len(pictures) // n_columns))
    columns = min(n_columns, len(pictures))
    figure_size = (size * columns, size * n_rows * 1.15)
    if max(figure_size) > _MAX_FIGURE_INCHES:
        raise ValueError(
            f"plot_images would make a figure of {figure_size[0]:.4g} x {figure_size[1]:.4g} inches "
            f"({columns} columns, {n_rows} rows of size={size:g}); at most {_MAX_FIGURE_INCHES} each way is drawn. "
            "Use a smaller size, fewer images, or another n_columns."
        )
    fig, axes = plt.subplots(n_rows, columns, figsize=figure_size, squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < len(pictures):
            ax.imshow(pictures[index].reshape(height, width), cmap=cmap, interpolation="nearest")
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


