"""Unit tests of :mod:`sim.population`: the MSEs' state and the social barrier.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np

from sim.population import social_barrier


def test_social_barrier_is_offset_by_targeted_facilitation():
    excluded = np.array([True, False])
    assert np.allclose(social_barrier(excluded, 0.8, 0.0), [0.8, 0.0])
    assert np.allclose(social_barrier(excluded, 0.8, 1.0), [0.0, 0.0])
