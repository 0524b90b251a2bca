"""Sweeps record who gains when asked: upgrading and income by group, and the margin shares."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.sweeps import SweepSpecError, read_spec, sweep
from sim.who_gains import WHO_GAINS_COLUMNS, who_gains_columns


def _spec(**extra) -> dict:
    return {
        "sweep": {
            "scenario": "baseline",
            "steps": 12,
            "replicates": 2,
            "seed": 4,
            "outputs": ["share_upgraded"],
            **extra,
        },
        "fixed": {"n_mse": 120},
        "parameters": {"credit_access": [0.1, 0.9]},
    }


def test_who_gains_columns_follow_the_distribution_table():
    model = sim.ValueChainModel("baseline", rng=3, n_mse=200)
    for _ in range(12):
        model.step()
    flat = who_gains_columns(model)
    assert tuple(flat) == WHO_GAINS_COLUMNS
    table = sim.distribution(model).set_index(["dimension", "group"])
    assert (
        flat["who_excluded_share_upgraded"]
        == table.loc[("social group", "excluded"), "share_upgraded"]
    )
    assert flat["who_remote_mean_income"] == table.loc[("distance", "remote"), "mean_income"]


def test_a_sweep_records_who_gains_only_when_asked(tmp_path):
    plain = sweep(_spec(), out=tmp_path / "plain", workers=1, progress=False)
    gains = sweep(_spec(who_gains=True), out=tmp_path / "gains", workers=2, progress=False)
    assert not set(WHO_GAINS_COLUMNS) & set(plain.columns)
    assert set(WHO_GAINS_COLUMNS) <= set(gains.columns)
    # The same runs: asking who gains changes no other output.
    np.testing.assert_array_equal(plain["share_upgraded@12"], gains["share_upgraded@12"])
    margins = gains[[c for c in WHO_GAINS_COLUMNS if c.startswith("who_margin_")]]
    np.testing.assert_allclose(margins.sum(axis=1), 1.0)  # the end-market payment, shared out
    for column in WHO_GAINS_COLUMNS:
        assert gains[column].notna().all(), column


def test_who_gains_does_not_change_an_old_spec_fingerprint():
    assert read_spec(_spec()).fingerprint() == read_spec(_spec(who_gains=False)).fingerprint()
    assert read_spec(_spec()).fingerprint() != read_spec(_spec(who_gains=True)).fingerprint()


def test_who_gains_must_be_true_or_false():
    with pytest.raises(SweepSpecError, match="who_gains = 'yes'"):
        read_spec(_spec(who_gains="yes"))


def test_a_chunk_collects_only_its_recorded_steps_with_the_same_numbers():
    # Recorded steps in any order, repeated: each is the full run's row at that step.
    from sim.engines import run_columns
    from sim.sweeps import Chunk, run_chunk

    outputs = ("mean_income", "share_upgraded")
    chunk = Chunk(
        base={"n_mse": 60},
        steps=9,
        outputs=outputs,
        at_steps=(9, 3, 9, 0),
        names=(),
        runs=(("run-a", 0, 0, 4),),
    )
    columns, _ = run_chunk(chunk)
    full = run_columns((sim.ValueChainScenario(n_mse=60), 4, 9, ("step", *outputs)))
    for pos, metric in enumerate(outputs, start=1):
        for step in (9, 3, 0):
            assert columns[f"{metric}@{step}"][0] == full[step, pos]
