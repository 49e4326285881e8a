"""Shared test fixtures: every test starts with float32 and fresh names and seed."""

import importlib.util
import os

import numpy as np
import pytest

# Every traced step in the suite runs in check mode: replay and tape side by side on every
# batch, raising on any difference (autodiff/plan.py). tests/test_replay.py switches it off
# where it compares the plain replay with the tape.
os.environ.setdefault("TINYKERAS_JIT_CHECK", "1")

import tinykeras as tk


@pytest.fixture(autouse=True)
def _fresh_state():
    tk.config.set_floatx("float32")
    tk.backend.clear_session()
    tk.utils.set_random_seed(1234)
    yield
    tk.config.set_floatx("float32")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a module blocked in sys.modules
        return False


_HAVE_ORACLE = _installed("keras") and _installed("jax")


def pytest_ignore_collect(collection_path, config):
    """The quick loop (``-m "not slow"``) runs without the oracle extra (keras, jax):
    tests/oracle is left out then. Anywhere else a missing oracle is an error (its conftest
    imports keras), never a skip."""
    if collection_path.name == "oracle" and not _HAVE_ORACLE:
        if "not slow" in (config.option.markexpr or ""):
            return True
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every oracle test counts as slow: Keras on JAX compiles each fit (~10 minutes in all),
    so the quick loop (``-m "not slow"``) leaves the whole oracle out; CI runs it."""
    for item in items:
        if "oracle" in item.path.parts:
            item.add_marker(pytest.mark.slow)
