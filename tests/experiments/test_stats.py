"""Paired statistics (sim.experiments.stats): the paired effect and its interval."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim import experiments as ex


def test_paired_effect_matches_scipy_paired_t():
    rng = np.random.default_rng(1)
    base = rng.normal(0.3, 0.05, 20)
    new = base + rng.normal(0.02, 0.01, 20)
    effect, low, high = ex.paired_effect(base, new)
    ci = stats.ttest_rel(new, base).confidence_interval(0.95)
    assert effect == pytest.approx(np.mean(new - base))
    assert (low, high) == pytest.approx((ci.low, ci.high))
