"""Validation against the cases (sim.validation.validate), its command and its page."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

import sim
import sim.validation.targets as targets_module
from sim import experiments
from sim.errors import UserInputError
from sim.scenario import ScenarioError
from sim.ui.cli import main
from sim.ui.report import targets_section
from sim.ui.validation_report import build_validation_html
from sim.validation import (
    FAIL,
    NOT_MODELLED,
    NOT_RUN,
    PASS,
    TargetError,
    exit_code,
    read_targets,
    targets_met,
    validate,
)


@pytest.fixture
def planned(monkeypatch):
    """A metric the model is planned to report but does not yet: ``share_future``."""
    monkeypatch.setitem(targets_module.PLANNED_METRICS, "share_future", "issue 99")
    return "share_future"


def test_planned_metric_needs_its_issue_named(tmp_path, planned):
    path = tmp_path / "bad.toml"
    path.write_text('case = "baseline"\n' + _target("x", planned, low=0))
    with pytest.raises(TargetError, match="requires"):
        read_targets(path)


SMALL = 'name = "small"\n[parameters]\nn_mse = 80\nn_villages = 4\n'


def _case(tmp_path, targets: str, arms: str = "", steps: int = 24):
    (tmp_path / "small.toml").write_text(SMALL)
    path = tmp_path / "targets.toml"
    path.write_text(f'case = "{tmp_path / "small.toml"}"\nsteps = {steps}\n{arms}\n{targets}')
    return path


def _target(tid, metric, extra="", **bounds):
    b = "\n".join(f"{k} = {v}" for k, v in bounds.items())
    return (f'[[targets]]\nid = "{tid}"\nclaim = "c"\nmetric = "{metric}"\n{b}\n'
            f'source = "Someone (2005), p. 1"\n{extra}\n')


def test_validate_statuses_paired_ratio_and_exit_code(tmp_path, planned):
    arms = '[arms.same]\nchanges = { credit_access = 0.2 }\n'  # identical to the case
    targets = (_target("inside", "share_in_groups", low=0.0, high=1.0)
               + _target("outside", "share_in_groups", low=2.0)
               + _target("paired", "mean_income", 'statistic = "ratio"\nagainst = "same"',
                         low=0.999, high=1.001)
               + _target("later", planned, 'requires = "issue 99"', low=1)
               + _target("guess", "share_upgraded", 'kind = "assumption"', low=2.0))
    table = validate(_case(tmp_path, targets, arms), seeds=3, workers=1).set_index("id")
    assert table.loc["inside", "status"] == PASS
    assert table.loc["outside", "status"] == FAIL
    # The arm equals the case and runs on the same seeds, so every seed's ratio is exactly 1.
    assert table.loc["paired", "mean"] == pytest.approx(1.0)
    assert table.loc["paired", "ci_high"] - table.loc["paired", "ci_low"] == pytest.approx(0)
    assert table.loc["later", "status"] == NOT_MODELLED
    assert not table.loc["guess", "counts"]
    assert exit_code(table.reset_index()) == 1  # 'outside' fails
    ok = table.reset_index()
    ok = ok[ok["id"] != "outside"]
    assert exit_code(ok) == 0  # an assumption failing does not count


def test_validate_does_not_depend_on_workers(tmp_path):
    path = _case(tmp_path, _target("a", "mean_income", low=0.0), steps=12)
    one = validate(path, seeds=3, workers=1)
    two = validate(path, seeds=3, workers=2)
    assert one["mean"].tolist() == two["mean"].tolist()


def test_sim_validate_is_exported():
    assert sim.validate is validate


@pytest.mark.parametrize("text, field", [
    ('case = "baseline"\n[[targets]\n', "not valid TOML"),
    (_target("x", "happiness", low=0), "metric 'happiness'"),
    (_target("x", "share_product", 'colour = "red"', low=0), "key 'colour'"),
    (_target("x", "share_product"), "give a bound"),
    (_target("x", "share_product", low=1, high=0), "low 1 is above high 0"),
    (_target("x", "share_product", "window = [0, 500]", low=0), "window"),
    (_target("x", "share_product", 'statistic = "ratio"\nagainst = "nowhere"', low=0),
     "arm 'nowhere'"),
    (_target("x", "share_product", 'kind = "guess"', low=0), "kind 'guess'"),
])
def test_broken_targets_name_the_problem(tmp_path, text, field):
    path = tmp_path / "bad.toml"
    body = text if text.startswith("case") else f'case = "baseline"\n{text}'
    path.write_text(body)
    with pytest.raises(TargetError, match=re.escape(field)):
        read_targets(path)


def test_sourced_target_without_source_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('case = "baseline"\n[[targets]]\nid = "x"\nclaim = "c"\n'
                    'metric = "share_product"\nlow = 0\n')
    with pytest.raises(TargetError, match="assumption"):
        read_targets(path)


def test_arm_with_unknown_field_names_it(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('case = "baseline"\n[arms.before]\nchanges = { credit = 0.1 }\n'
                    + _target("x", "share_product", low=0))
    with pytest.raises(ScenarioError, match="credit"):
        read_targets(path)


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    bad = tmp_path / "bad.toml"
    bad.write_text('case = "baseline"\n' + _target("x", "happiness", low=0))
    for argv in (["validate", "atlantis", "--out", str(out)],
                 ["validate", str(bad), "--out", str(out)],
                 ["validate", "kenya-avocados", "--seeds", "1", "--out", str(out)]):
        assert main(argv) == 2
        assert "error:" in capsys.readouterr().err
        assert not out.exists()


def test_cli_writes_table_and_self_contained_page(tmp_path, capsys):
    path = _case(tmp_path, _target("inside", "share_in_groups", low=0.0, high=1.0)
                 + _target("outside", "share_in_groups", low=2.0), steps=12)
    out = tmp_path / "out"
    assert main(["validate", str(path), "--seeds", "2", "--workers", "1", "--out", str(out),
                 "--quiet"]) == 1
    text = capsys.readouterr().out
    assert "inside" in text and "fail" in text
    page = (out / "validation.html").read_text()
    assert "<script" not in page and "<link" not in page and "src=" not in page
    meta = json.loads((out / "validation.csv.meta.json").read_text())
    assert meta["seeds"] == [0, 1]


def test_page_words_not_yet_modelled_and_assumptions(tmp_path, planned):
    table = validate(_case(tmp_path, _target("later", planned, 'requires = "issue 99"', low=0.01)
                           + _target("a", "share_in_groups", 'kind = "assumption"', low=0),
                           steps=6), seeds=2, workers=1)
    page = build_validation_html(table)
    assert "not yet modelled (needs issue 99)" in page
    assert "assumption (does not count)" in page


def test_targets_met_reads_existing_runs():
    runs = [sim.run("mozambique-oilseeds", steps=24, rng=s, n_mse=60) for s in range(2)]
    series = {c: np.stack([r[c].to_numpy() for r in runs]) for c in runs[0].columns}
    table = targets_met("mozambique-oilseeds", series).set_index("id")
    # A value target over months 109-120 lies beyond 24-month runs; ratio targets need the
    # 'before' arm, which was not run.
    assert set(table["status"]) == {NOT_RUN}
    series_long = {c: np.concatenate([v, np.repeat(v[:, -1:], 100, axis=1)], axis=1)
                   for c, v in series.items()}
    table = targets_met("mozambique-oilseeds", series_long).set_index("id")
    assert table.loc["association-size", "status"] in (PASS, FAIL)
    assert math.isfinite(table.loc["association-size", "mean"])
    assert targets_met("no-such-case", series).empty


def test_bad_seeds_are_refused_before_running():
    with pytest.raises(UserInputError, match="seeds"):
        validate("kenya-avocados", seeds=1)


def test_report_says_which_targets_the_scenario_meets():
    results = experiments.run_experiments(["g3"], "mozambique-oilseeds", seeds=2, steps=120,
                                          workers=1, n_mse=60)
    text = targets_section(results)
    assert "Does mozambique-oilseeds meet its documented targets?" in text
    assert "not checked here" in text  # the before/after ratio needs the 'before' arm
    assert "Farmers&#x27; associations have 25 to 30 members" in text
    assert targets_section(experiments.run_experiments(["g3"], "baseline", seeds=2, steps=12,
                                                       workers=1, n_mse=40))  # baseline has a file
