"""A guideline's effect over posterior draws x seeds: combined and seed-only intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiments.uncertainty import combine, pick_draws, run_posterior_experiment
from sim.ui.cli import main


def test_combined_interval_is_never_narrower_than_the_seed_only_one():
    rng = np.random.default_rng(3)
    for spread in (0.0, 0.5, 3.0):
        e = rng.normal(size=(20, 4)) + spread * rng.normal(size=(20, 1))
        c = combine(e)
        assert c["high"] - c["low"] >= c["seed_high"] - c["seed_low"] - 1e-12
        assert 0.0 <= c["parameter_share"] <= 1.0
    # draws that differ by far more than seeds: nearly all of the variance is the parameters'
    e = np.repeat(np.arange(10.0)[:, None], 4, axis=1) + 0.01 * rng.normal(size=(10, 4))
    assert combine(e)["parameter_share"] > 0.99
    assert combine(e)["share_positive"] == pytest.approx(0.9)


def test_draws_are_a_reproducible_weighted_resample():
    w = [0.0, 0.0, 0.5, 0.5]
    assert pick_draws(w, 6) == pick_draws(w, 6)
    assert set(pick_draws(w, 20)) == {2, 3}


def test_runs_over_draws_with_common_seeds():
    post = pd.DataFrame({"mean_unit_cost": [0.4, 0.5, 0.6], "consumption_rate": [0.5, 0.6, 0.7]})
    post.attrs = {"weights": [1 / 3] * 3}
    r = run_posterior_experiment(
        "g1", "baseline", draws=2, seeds=2, steps=12, workers=1, posterior=post, n_mse=80
    )
    assert len(r.draws) == 2 and r.seeds == (0, 1)
    assert set(r.table["metric"]) == set(r.guideline.metrics)
    assert all(e.shape == (2, 2) for e in r.effects.values())


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["experiment", "all", "--uncertainty", "posterior", "--out", "x"], ["all", "allowed"]),
        (["experiment", "g1", "--draws", "5", "--out", "x"], ["--draws", "posterior"]),
        (["experiment", "g1", "--uncertainty", "wide", "--out", "x"], ["--uncertainty"]),
    ],
)
def test_bad_uncertainty_options_exit_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err
