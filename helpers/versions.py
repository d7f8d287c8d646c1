"""The versions a lesson runs with, printed in its Setup (a cell written by ``make notebooks``).

``show()`` prints one line: Python, TensorFlow, NumPy, scikit-learn and matplotlib. When
TensorFlow or NumPy differ from the versions the course is tested with (``TESTED``, the pins
in ``requirements.txt``; ``tests/test_install_routes.py`` checks that they agree), it adds one
line saying so: the stored outputs of the lessons were made with the tested versions, and
another version may print other numbers. It prints nothing about the machine (no CPU, no
paths), so the same line appears wherever the tested versions are installed.

    >>> from helpers.versions import show
    >>> show()  # doctest: +SKIP
    Python 3.11.7 · TensorFlow 2.21.0 · NumPy 2.4.6 · scikit-learn 1.9.1 · matplotlib 3.11.2
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys

# The pins of requirements.txt for the packages show() reports (a test compares them).
TESTED = {
    "tensorflow": "2.21.0",
    "numpy": "2.4.6",
    "scikit-learn": "1.9.1",
    "matplotlib": "3.11.2",
}

# What show() prints, in order: (name shown, module, distribution on PyPI).
PACKAGES = (
    ("TensorFlow", "tensorflow", "tensorflow"),
    ("NumPy", "numpy", "numpy"),
    ("scikit-learn", "sklearn", "scikit-learn"),
    ("matplotlib", "matplotlib", "matplotlib"),
)

# Only these change what the lessons print; the others are reported, not warned about.
WARN_FOR = ("tensorflow", "numpy")


def version(module: str, distribution: str) -> str:
    """The version in use: that of the module already imported (what the lesson really runs
    with, even if another version was installed since), else that of the installed
    distribution (without importing it), else ``"not installed"``."""
    loaded = sys.modules.get(module)
    if loaded is not None and getattr(loaded, "__version__", None):
        return str(loaded.__version__)
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def versions() -> dict[str, str]:
    """``{"Python": "3.11.7", "TensorFlow": "2.21.0", ...}`` in the order show() prints them."""
    found = {"Python": platform.python_version()}
    for shown, module, distribution in PACKAGES:
        found[shown] = version(module, distribution)
    return found


def differences(found: dict[str, str] | None = None) -> list[str]:
    """``["TensorFlow 2.20.0 (tested: 2.21.0)", ...]`` for TensorFlow and NumPy when they differ."""
    found = versions() if found is None else found
    out = []
    for shown, _, distribution in PACKAGES:
        if distribution in WARN_FOR and found[shown] != TESTED[distribution]:
            out.append(f"{shown} {found[shown]} (tested: {TESTED[distribution]})")
    return out


def show(found: dict[str, str] | None = None) -> None:
    """Print the versions in use in one line and, when TensorFlow or NumPy differ from the
    tested pins, one more line that says which."""
    found = versions() if found is None else found
    print(" · ".join(f"{name} {value}" for name, value in found.items()))
    different = differences(found)
    if different:
        print(f"⚠ Not the versions this course is tested with: {', '.join(different)}. Results may differ "
              "from the stored ones; `pip install -r requirements.txt` installs the tested versions.")
