"""Shared test set-up: `helpers` importable, and no test may reach the network."""

import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # requirements.txt installs helpers (-e .); this covers a bare pytest
    sys.path.insert(0, str(ROOT))

# Before any test module imports TensorFlow: the same quiet start-up as in the notebooks.
import helpers.functions  # noqa: E402, F401

_LOOPBACK = ("127.", "::1", "localhost")
_real_connect = socket.socket.connect


def _guarded_connect(self, address, *args, **kwargs):
    host = address[0] if isinstance(address, tuple) else str(address)
    if self.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(_LOOPBACK):
        raise OSError(f"tests must not use the network; tried to connect to {address!r}")
    return _real_connect(self, address, *args, **kwargs)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
