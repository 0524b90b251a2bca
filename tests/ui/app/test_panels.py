"""Guideline mode's card (sim.ui.app.panels), rendered without a browser."""

from __future__ import annotations

import concurrent.futures
import time

import ipyvuetify as v
import pandas as pd
import solara

from sim.experiments.uncertainty import PosteriorEffects
from sim.ui.app import panels, session


def _shaky(metric: str) -> PosteriorEffects:
    """A posterior answer whose sign is not robust: a third of the draws lower `metric`."""
    row = {
        "metric": metric,
        "effect": 0.02,
        "seed_low": 0.01,
        "seed_high": 0.03,
        "low": -0.03,
        "high": 0.07,
        "parameter_share": 0.9,
        "share_negative": 1 / 3,
        "share_positive": 2 / 3,
        "draws": 6,
        "seeds": 3,
    }
    return PosteriorEffects(None, None, (0,) * 6, (0, 1, 2), {}, pd.DataFrame([row]), {})


def test_uncertainty_switch_asks_for_draws_and_shows_the_sign_in_words(monkeypatch):
    settings = session.Settings(
        {**session.scenario_record("kenya-avocados"), "n_mse": 100}, 3, "g1", 6
    )
    run = session.Run(settings)
    run.step()
    metric = panels.key_metric(run)
    asked = []

    class Fake:
        def ask(self, question, tab):
            asked.append(question)
            future = concurrent.futures.Future()
            future.set_result(_shaky(metric) if question.posterior else None)
            return future

    monkeypatch.setattr(panels, "MANY_RUNS", Fake())
    _, rc = solara.render(
        panels.DifferenceCard(run, 1, "en", solara.reactive(""), "tab"), handle_error=False
    )
    box = rc.find(v.Checkbox).widget
    assert "6 plausible models × 3 runs" in box.label and box.v_model is False
    assert [q.posterior for q in asked] == [False]
    box.v_model = True
    assert asked[-1].posterior and asked[-1].seeds == 3
    for _ in range(100):  # the answer is read in a thread
        texts = [w.widget.unsafe_innerHTML for w in rc.find(solara.widgets.HTML)]
        if any("plausible models this guideline lowers" in str(t) for t in texts):
            break
        time.sleep(0.05)
    text = " ".join(str(t) for t in texts)
    assert "In 33% of plausible models this guideline lowers" in text
    assert "the runs&#x27; noise alone" in text or "the runs' noise alone" in text
    rc.close()
