"""Shared fixtures of the whole suite.

Where a test goes: a test of one model module ``sim/<module>.py`` goes in
``tests/model/test_<module>.py``; a statistical test of the whole model over seeds (a
direction the paper states, with its paired confidence interval) in ``tests/emergent/``; the
bit-for-bit reference runs in ``tests/reference/``.
"""

from __future__ import annotations

import pytest

from sim import constants
from sim.model import ValueChainModel


@pytest.fixture(scope="session")
def consts():
    """The default calibration constants (a `sim.constants` record), for compiled helpers."""
    return constants.defaults()


def _small(n=200, **levers):
    return ValueChainModel(rng=7, n_mse=n, n_villages=10, **levers)


@pytest.fixture(scope="session")
def small():
    """Build a small model: ``small(n=200, **levers)`` (seed 7, ten villages)."""
    return _small
