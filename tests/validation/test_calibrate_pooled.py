"""The pooled calibration: synthetic recovery, leave-one-case-out, resuming, the CLI's bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.ui.cli import main
from sim.validation.calibrate_pooled import (
    POOLED_PRIORS,
    calibrate_pooled,
    effective_size,
    loco,
    observation_targets,
    pooled_spec,
    read_evaluations,
    shipped_generation,
    synthetic_cases,
    write_pooled,
)
from sim.validation.parameters import CalibrationError
from sim.validation.targets import read_targets

pytest.importorskip("pyabc")

#: Constants the synthetic data are generated at (off their priors' centres), and how close
#: the fit must come: stated before the test was first run, as 15% of each prior's width.
TRUTH = {"mean_unit_cost": 0.45, "join_hazard": 0.07, "base_cost.process": 170.0}
TOLERANCE = 0.15
STEPS = 36
SMALL = 'name = "{name}"\n[parameters]\nn_mse = 120\nn_villages = 5\ngroup_support = {g}\n'
METRICS = ("mean_unit_cost", "share_in_groups", "share_process")


def _cases(tmp_path, n=2):
    """Two small cases (group support 0.2 and 0.6) with placeholder observation targets."""
    cases = []
    for i, g in enumerate((0.2, 0.6)[:n]):
        scenario = tmp_path / f"small{i}.toml"
        scenario.write_text(SMALL.format(name=f"small{i}", g=g))
        lines = [f'case = "{scenario}"', f"steps = {STEPS}"]
        for metric in METRICS:
            lines += [
                "[[targets]]",
                f'id = "{metric}"',
                'claim = "synthetic"',
                f'metric = "{metric}"',
                f"window = [{STEPS - 11}, {STEPS}]",
                'kind = "observation"',
                "low = 0.0",
                "high = 1.0",
                'source = "synthetic (2026): the model at known constants"',
                'quote = "-"',
            ]
        path = tmp_path / f"targets{i}.toml"
        path.write_text("\n".join(lines) + "\n")
        cases.append(read_targets(path))
    return cases


@pytest.mark.slow
def test_synthetic_recovery_of_three_constants_at_once(tmp_path):
    cases = synthetic_cases(_cases(tmp_path), TRUTH, n_mse=120, seeds=(101, 102, 103))
    priors = {name: POOLED_PRIORS[name] for name in TRUTH}
    result = calibrate_pooled(
        cases,
        out=tmp_path / "fit",
        population=30,
        generations=4,
        n_mse=120,
        workers=1,
        priors=priors,
    )
    post = result.posterior
    for name, truth in TRUTH.items():
        low, high = priors[name]
        mean = float(np.average(post[name], weights=post["weight"]))
        assert abs(mean - truth) <= TOLERANCE * (high - low), (name, mean, truth)
    # every evaluation is logged, with each case's target numbers
    assert len(result.evaluations) == result.provenance["evaluations_logged"]
    assert {f"{ct.case}/{t.id}" for ct in cases for t in observation_targets(ct)} <= set(
        result.evaluations.columns
    )
    assert list(result.loco["case"]) == [ct.case for ct in cases] + ["all"]


def test_loco_accepts_by_the_other_cases_only():
    """A case held out is judged by draws chosen on the other cases, not on itself."""
    cases = [read_targets("kenya-avocados"), read_targets("india-leather-shoes")]
    rng = np.random.default_rng(1)
    rows = []
    for _ in range(200):
        row = {"time": 0.0, "seed": 0}
        for ct in cases:
            for t in observation_targets(ct):
                row[f"{ct.case}/{t.id}"] = rng.uniform(0, 20)
        rows.append(row)
    import pandas as pd

    ev = pd.DataFrame(rows)
    table, per_target = loco(ev, cases)
    assert table.attrs["accepted"] == 20
    assert set(table["case"]) == {ct.case for ct in cases} | {"all"}
    all_row = table.set_index("case").loc["all"]
    assert all_row["targets"] == sum(len(observation_targets(ct)) for ct in cases)
    assert {"held_out_q05", "held_out_q95", "in_sample_pass"} <= set(per_target.columns)


def test_resume_runs_no_more_evaluations(tmp_path):
    cases = synthetic_cases(_cases(tmp_path, 1), TRUTH, n_mse=40, seeds=(1,))
    kw = dict(out=tmp_path / "fit", population=4, generations=1, n_mse=40, workers=1)
    kw["priors"] = {"join_hazard": POOLED_PRIORS["join_hazard"]}
    first = calibrate_pooled(cases, **kw)
    files = write_pooled(first, tmp_path / "fit")
    assert {p.name for p in files} >= {"pooled.csv", "pooled.json", "loco.csv"}
    record = json.loads((tmp_path / "fit" / "pooled.json").read_text())
    assert record["targets_hash"] and record["model_version"] and record["settings"]["n_mse"] == 40
    # One generation: it ships, and its effective sample size is recorded.
    assert record["shipped_generation"] == 0
    assert len(record["effective_sample_sizes"]) == record["generations_done"] == 1
    n = len(read_evaluations(tmp_path / "fit" / "evaluations"))
    again = calibrate_pooled(cases, **kw)
    assert len(read_evaluations(tmp_path / "fit" / "evaluations")) == n
    assert again.resumed if hasattr(again, "resumed") else again.provenance["resumed"]
    with pytest.raises(CalibrationError, match="different calibration"):
        calibrate_pooled(cases, **{**kw, "n_mse": 41})


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["calibrate", "--pooled", "kenya-avocados", "--out", "x"], ["CASE", "kenya-avocados"]),
        (["calibrate", "--pooled", "--budget", "10", "--out", "x"], ["--budget", "allowed"]),
        (["calibrate", "--pooled", "--population", "1", "--out", "x"], ["--population", "1"]),
        (["calibrate", "--pooled", "--n-mse", "0", "--out", "x"], ["--n-mse", "0"]),
        (["calibrate", "--pooled", "--workers", "0", "--out", "x"], ["--workers", "0"]),
        (["calibrate", "kenya-avocados", "--population", "5", "--out", "x"], ["--pooled"]),
        (["calibrate", "kenya-avocados", "--out", "x"], ["--parameters", "required"]),
    ],
)
def test_bad_pooled_options_exit_2_naming_the_field(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err, (word, err)


def test_the_latest_generation_with_enough_effective_draws_ships():
    # Generation 1's weights sit on 4 of 200 particles: generation 0 ships. A generation at
    # exactly the share ships; when none reaches it, the last one does (nothing better).
    assert effective_size([0.25] * 4 + [0.0] * 196) == pytest.approx(4.0)
    assert shipped_generation([200.0, 4.1], 200) == 0
    assert shipped_generation([200.0, 20.0, 3.0], 200) == 1
    assert shipped_generation([200.0, 150.0, 90.0], 200) == 2
    assert shipped_generation([5.0, 3.0], 200) == 1


def test_pooled_spec_checks_settings():
    spec = pooled_spec(population=10, generations=2, n_mse=100)
    assert len(spec.parameters) == len(POOLED_PRIORS) >= 10
    assert spec.fixed["n_mse"] == 100
    with pytest.raises(CalibrationError, match="--generations"):
        pooled_spec(generations=0)
