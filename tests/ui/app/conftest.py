"""Fixtures shared by the app's tests (``tests/ui/app``)."""

from __future__ import annotations

import pytest

from sim.ui.app import session


@pytest.fixture
def settings():
    """A small Kenya avocados run of 6 months, seed 3."""
    return session.Settings(
        {**session.scenario_record("kenya-avocados"), "n_mse": 200}, seed=3, horizon=6
    )
