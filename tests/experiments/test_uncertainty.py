"""A guideline's effect over posterior draws x seeds: combined and seed-only intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiments.stats import t_crit
from sim.experiments.uncertainty import (
    REPORT_DESIGN,
    combine,
    combined_moments,
    pick_draws,
    posterior_draws,
    run_posterior_experiment,
    run_posterior_experiments,
    sign_error,
)
from sim.ui.cli import main


def _stub(values: dict[str, list[float]]) -> pd.DataFrame:
    """A small posterior: any constant columns, equal weights."""
    post = pd.DataFrame(values)
    post.attrs = {"weights": [1 / len(post)] * len(post), "model_version": "stub"}
    return post


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


def test_posterior_draws_pair_each_picked_row_with_its_constants():
    post = pd.DataFrame({"mean_unit_cost": [0.4, 0.5, 0.6], "decision_noise": [1, 2, 3]})
    post.attrs = {"weights": [0.0, 1.0, 0.0]}
    picked = posterior_draws(post, 3)
    assert picked == [(1, {"mean_unit_cost": 0.5, "decision_noise": 2.0})] * 3
    assert all(type(v) is float for _, c in picked for v in c.values())
    # without weights every row is equally likely, and the same picks as `pick_draws` gives
    del post.attrs["weights"]
    assert [k for k, _ in posterior_draws(post, 8)] == list(pick_draws([1.0] * 3, 8))


def test_runs_over_draws_with_common_seeds():
    post = pd.DataFrame({"mean_unit_cost": [0.4, 0.5, 0.6], "consumption_rate": [0.5, 0.6, 0.7]})
    post.attrs = {"weights": [1 / 3] * 3}
    r = run_posterior_experiment(
        "g1", "baseline", draws=2, seeds=2, steps=12, workers=1, posterior=post, n_mse=80
    )
    assert len(r.draws) == 2 and r.seeds == (0, 1)
    assert set(r.table["metric"]) == set(r.guideline.metrics)
    assert all(e.shape == (2, 2) for e in r.effects.values())


def test_several_guidelines_in_one_pool_match_each_alone_on_common_seeds():
    """One pool for several guidelines changes no number; identical draws give one effect."""
    post = _stub({"mean_unit_cost": [0.45, 0.45, 0.45]})  # three identical draws
    both = run_posterior_experiments(
        ["g1", "g2"], "baseline", draws=2, seeds=2, steps=24, workers=1, posterior=post, n_mse=50
    )
    alone = run_posterior_experiment(
        "g2", "baseline", draws=2, seeds=2, steps=24, workers=1, posterior=post, n_mse=50
    )
    assert set(both) == {"g1", "g2"} and both["g2"].seeds == alone.seeds == (0, 1)
    for metric, e in alone.effects.items():
        np.testing.assert_array_equal(both["g2"].effects[metric], e)
        # the same seeds at every draw: identical draws give identical rows of effects
        np.testing.assert_array_equal(e[0], e[1])
    row = alone.row("mean_income")
    assert row["parameter_share"] == 0.0
    assert row["high"] - row["low"] == pytest.approx(row["seed_high"] - row["seed_low"])
    assert alone.provenance["posterior"]["constants"] == ["mean_unit_cost"]


def test_combined_interval_is_never_narrower_than_the_seed_only_one_on_the_same_runs():
    post = _stub({"mean_unit_cost": [0.2, 0.45, 0.9], "consumption_rate": [0.5, 0.7, 0.9]})
    r = run_posterior_experiment(
        "g2", "baseline", draws=2, seeds=2, steps=24, workers=1, posterior=post, n_mse=60
    )
    widths = r.table["high"] - r.table["low"]
    seed_widths = r.table["seed_high"] - r.table["seed_low"]
    assert (widths >= seed_widths - 1e-12).all()
    assert (widths > seed_widths).any()  # the draws differ: the parameters add width


def test_combined_moments_agree_with_combine_and_bound_the_covariance():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(6, 4)) + rng.normal(size=(6, 1))
    va, vb, vab = combined_moments(a, 2 * a)
    c = combine(a)
    assert va == pytest.approx(((c["high"] - c["effect"]) / t_crit(4)) ** 2)
    assert vb == pytest.approx(4 * va) and vab == pytest.approx(2 * va)
    b = rng.normal(size=(6, 4))
    v1, v2, v12 = combined_moments(a, b)
    assert abs(v12) <= (v1 * v2) ** 0.5 + 1e-12


def test_report_design_and_its_monte_carlo_error():
    assert REPORT_DESIGN.draws >= 10 and REPORT_DESIGN.seeds >= 2
    assert sign_error(0.5, 12) == pytest.approx(0.1443, abs=1e-4)
    assert sign_error(0.0, 12) == 0.0


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["experiment", "all", "--draws", "1", "--out", "x"], ["--draws", "1", "allowed"]),
        (["experiment", "g1", "--draws", "5", "--out", "x"], ["--draws", "posterior"]),
        (
            ["experiment", "all", "--uncertainty", "seeds", "--draws", "5", "--out", "x"],
            ["--draws", "posterior"],
        ),
        (["experiment", "all", "--draw-seeds", "1", "--out", "x"], ["--draw-seeds", "allowed"]),
        (["experiment", "g1", "--uncertainty", "wide", "--out", "x"], ["--uncertainty"]),
        (["experiment", "all", "--draws", "many", "--out", "x"], ["--draws", "many"]),
    ],
)
def test_bad_uncertainty_options_exit_2(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err
    assert not (tmp_path / "x").exists()


def test_posterior_runs_collect_only_the_outcome_window_with_the_same_effects(monkeypatch):
    """The runs collect only the months the effects read; every effect is the same."""
    from sim.experiments import uncertainty

    post = _stub({"mean_unit_cost": [0.42, 0.5], "consumption_rate": [0.55, 0.65]})
    args = dict(draws=2, seeds=2, steps=20, workers=1, posterior=post, n_mse=60)
    window = run_posterior_experiments(["g1", "g4"], "baseline", **args)
    monkeypatch.setattr(uncertainty, "outcome_steps", lambda steps: None)  # every month
    every = run_posterior_experiments(["g1", "g4"], "baseline", **args)
    for g in ("g1", "g4"):
        for metric, e in every[g].effects.items():
            np.testing.assert_array_equal(window[g].effects[metric], e)
