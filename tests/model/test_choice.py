"""Unit tests of :mod:`sim.choice`.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np

from sim import (
    choice,
    valuation,
)
from sim.population import PROCESS


def test_logit_choice_takes_clear_winners_and_never_infeasible_options(consts):
    opts = valuation.Options(
        rows=np.arange(3),
        gain=None,
        variance_change=None,
        investment=None,
        working_capital=None,
        success=None,
        value=np.array([[500.0, -500.0, 500.0]] + [[-1e9] * 3] * 4),
        feasible=np.array([[True, True, False]] + [[True] * 3] * 4),
        new_channel=np.full(3, -1),
    )
    chosen = choice.choose_upgrades(opts, np.array([0.5, 0.5, 0.5]), consts=consts)
    assert list(chosen) == [PROCESS, -1, -1]
