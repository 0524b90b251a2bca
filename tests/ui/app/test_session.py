"""The app's runs and settings (sim.ui.app.session): horizons, paired arms, bad settings, fields."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import UserInputError
from sim.scenario import FIELDS, LEVERS, list_scenarios
from sim.ui.app import session

page = pytest.importorskip("sim.ui.app.page")


def test_every_lever_has_a_plain_label_and_the_default_scenario_exists():
    assert session.DEFAULT_SCENARIO in list_scenarios()
    for name in LEVERS:
        assert FIELDS[name].label and "_" not in FIELDS[name].label


def test_run_stops_at_its_horizon(settings):
    run = session.Run(settings)
    months = 0
    while run.step():
        months += 1
    assert months == run.month == 6 and run.finished
    assert not run.step() and run.month == 6
    assert len(run.series("share_upgraded")) == 7  # month 0 to 6


def test_guideline_arms_share_the_seed_and_differ_only_in_levers(settings):
    run = session.Run(session.Settings(settings.scenario, 5, "g3", 4))
    base = run.scenario(session.BASELINE).to_record()
    new = run.scenario(session.INTERVENTION).to_record()
    changed = {k for k in base if base[k] != new[k]}
    assert changed and changed <= set(run.guideline.levers)
    while run.step():
        pass
    metric = page.key_metric(run)
    assert run.difference(metric) == pytest.approx(
        run.series(metric, session.INTERVENTION)[-1] - run.series(metric, session.BASELINE)[-1]
    )


def test_same_settings_give_the_same_run(settings):
    a, b = session.Run(settings), session.Run(settings)
    for run in (a, b):
        while run.step():
            pass
    assert np.array_equal(a.series("mean_income"), b.series("mean_income"))


def test_bad_settings_raise_a_user_input_error(settings):
    with pytest.raises(UserInputError):
        session.Run(session.Settings({**settings.scenario, "credit_access": 7.0}))
    with pytest.raises(UserInputError, match="guideline"):
        session.Run(session.Settings(settings.scenario, 0, "g9"))


@pytest.mark.parametrize(
    "text, value",
    [("1000", 1000), ("10,000", 10_000), ("10.000", 10_000), ("10 000", 10_000), (" 7 ", 7)],
)
def test_number_fields_read_whole_numbers_with_separators(text, value):
    assert session.parse_whole_number(text, 0, 20_000) == value
