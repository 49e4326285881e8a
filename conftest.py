"""Doctest setup: examples in the package's docstrings may use ``np`` without importing it."""

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["np"] = np
