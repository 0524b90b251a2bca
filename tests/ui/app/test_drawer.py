"""The settings drawer (sim.ui.app.drawer), without a browser: the lever sliders' grid."""

from __future__ import annotations

import pytest

from sim.scenario import LEVERS, list_scenarios
from sim.ui.app import session

drawer = pytest.importorskip("sim.ui.app.drawer")


def test_every_bundled_lever_value_sits_on_the_slider_grid():
    """A value off the slider's grid is snapped when drawn, which used to restart the run."""
    for name in list_scenarios():
        record = session.scenario_record(name)
        for lever in LEVERS:
            steps = record[lever] / drawer.LEVER_STEP
            assert abs(steps - round(steps)) < 1e-6, (name, lever, record[lever])
