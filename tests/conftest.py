"""Shared test fixtures: every test starts with float32 and fresh names and seed."""

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
