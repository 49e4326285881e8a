"""Shared test fixtures: every test starts with float32 and fresh names and seed."""

import numpy as np
import pytest

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
