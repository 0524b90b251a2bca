"""The guideline report's posterior part: combined intervals first, seed-only named, plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiments import run_experiments
from sim.experiments.uncertainty import combine, run_posterior_experiments
from sim.ui.report import build_report, sign_sentences


@pytest.mark.parametrize(
    ("negative", "positive", "expected"),
    [
        (0.3, 0.7, ["In 30% of plausible models this guideline lowers mean income."]),
        (0.75, 0.25, ["In 25% of plausible models this guideline raises mean income."]),
        (0.0, 1.0, []),  # robust: every draw raises it
        (0.5, 0.5, []),  # no minority sign to speak of
        (0.0, 0.0, []),
    ],
)
def test_sign_sentences_speak_only_of_a_minority_sign(negative, positive, expected):
    row = {"share_negative": negative, "share_positive": positive}
    assert sign_sentences("mean_income", row) == expected


def test_sign_sentences_are_translated():
    row = {"share_negative": 0.25, "share_positive": 0.75}
    (es,) = sign_sentences("mean_income", row, "es")
    assert "25" in es and "plausible models" not in es


def test_report_shows_combined_and_seed_only_intervals_and_a_non_robust_sign():
    """A posterior whose draws flip the sign of an effect is said in plain words."""
    post = pd.DataFrame({"mean_unit_cost": [0.3, 0.6]})
    post.attrs = {"weights": [0.5, 0.5], "model_version": "stub", "targets_hash": "abc" * 10}
    small = {"steps": 24, "workers": 1, "n_mse": 50}
    posterior = run_posterior_experiments(["g2"], draws=2, seeds=2, posterior=post, **small)
    results = run_experiments(["g2"], seeds=2, **small)
    html = build_report(results, {"g2": b"png"}, posterior=posterior)
    assert "95% interval, parameters and seeds" in html and "seed-only interval" in html
    assert "2 posterior draws × 2 seeds" in html and "targets hash abcabcabcabc" in html
    assert "At the default constants (2 seeds; seed-only intervals)" in html
    # now make one draw in four lower income: the sentence appears, in the section and summary
    effects = np.array([[2.0, 2.2], [1.0, 1.1], [-1.0, -0.9], [3.0, 3.1]])
    table = posterior["g2"].table.set_index("metric")
    table.loc["mean_income", list(combine(effects))] = list(combine(effects).values())
    posterior["g2"].table = table.reset_index()
    html = build_report(results, {"g2": b"png"}, posterior=posterior)
    sentence = "In 25% of plausible models this guideline lowers mean income."
    assert html.count(sentence) == 2
    assert sentence not in build_report(results, {"g2": b"png"})
    # a posterior fitted to another model version is said so (sim.calibrated's note)
    assert "was fitted to mse-sim" not in html
    posterior["g2"].provenance["posterior"]["note"] = "note: fitted to another version"
    html = build_report(results, {"g2": b"png"}, posterior=posterior)
    assert "the posterior of the constants was fitted to mse-sim stub" in html
