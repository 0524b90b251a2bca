"""Fixtures of the emergent tests."""

from __future__ import annotations

import pytest


def _excludes_zero(effect, direction):
    mean, low, high = effect
    return low > 0 if direction == "up" else high < 0


@pytest.fixture(scope="session")
def excludes_zero():
    """``excludes_zero((mean, low, high), "up" | "down")``: the interval lies on that side."""
    return _excludes_zero
