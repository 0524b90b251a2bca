"""Unit tests of :mod:`sim.channels`.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np

from sim import (
    channels,
)


def test_goods_failing_a_standard_sell_domestically(consts):
    assert np.allclose(
        channels.sold_in_channels(np.array([0.0, 1.0, 0.0]), 0.1, consts), [1.0, 0.0, 0.0]
    )
    assert np.allclose(
        channels.sold_in_channels(np.array([0.5, 0.5, 0.0]), 0.9, consts), [0.5, 0.5, 0.0]
    )
