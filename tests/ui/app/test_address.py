"""The page's address keeps the state on screen; bad values are named, never fatal."""

from __future__ import annotations

import pytest

from sim.scenario import list_scenarios
from sim.ui.app import address, session

page = pytest.importorskip("sim.ui.app.page")
texts = pytest.importorskip("sim.ui.app.texts")


def test_address_keeps_scenario_mode_guideline_and_levers():
    defaults = session.scenario_record("kenya-avocados")
    state = address.PageState(
        "kenya-avocados", "g1", {"credit_access": 0.9}, 500, 7, 60, "es", "slow"
    )
    query = address.to_query(state, defaults)
    back = address.from_query(query, list_scenarios(), "baseline")
    assert (
        back.scenario,
        back.guideline,
        back.levers,
        back.n_mse,
        back.seed,
        back.horizon,
        back.lang,
        back.speed,
    ) == ("kenya-avocados", "g1", {"credit_access": 0.9}, 500, 7, 60, "es", "slow")
    assert back.problems == []
    bad = address.from_query(
        "?scenario=atlantis&mode=guideline&g=g9&credit_access=3&mse=0&speed=warp",
        list_scenarios(),
        "kenya-avocados",
    )
    assert bad.scenario == "kenya-avocados" and bad.guideline == "g3" and bad.levers == {}
    assert {k for k, _ in bad.problems} == {"scenario", "g", "credit_access", "mse", "speed"}
    assert "scenario=atlantis" in texts.address_problems(bad, "en")
