"""Validation against the cases (sim.validation.validate): placebos, hash, command and page."""

from __future__ import annotations

import importlib
import json
import math
import re

import numpy as np
import pandas as pd
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
    Target,
    TargetError,
    exit_code,
    headline,
    placebo_verdict,
    read_targets,
    summary_counts,
    targets_digest,
    targets_met,
    validate,
)
from sim.validation.validate import COLUMNS, POSTERIOR_COLUMNS

# the module (sim.validation.validate is also the name of its function, which the package exports)
validate_module = importlib.import_module("sim.validation.validate")


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
    kind = "" if "kind =" in extra else 'kind = "observation"\n'
    return (
        f'[[targets]]\nid = "{tid}"\nclaim = "c"\nmetric = "{metric}"\n{b}\n{kind}'
        f'source = "Someone (2005), p. 1"\n{extra}\n'
    )


def test_validate_statuses_paired_ratio_and_exit_code(tmp_path, planned):
    arms = "[arms.same]\nchanges = { credit_access = 0.2 }\n"  # identical to the case
    targets = (
        _target("inside", "share_in_groups", low=0.0, high=1.0)
        + _target("outside", "share_in_groups", low=2.0)
        + _target(
            "paired", "mean_income", 'statistic = "ratio"\nagainst = "same"', low=0.999, high=1.001
        )
        + _target("later", planned, 'requires = "issue 99"', low=1)
        + _target("lesson", "share_upgraded", 'kind = "face"', low=2.0)
    )
    table = validate(_case(tmp_path, targets, arms), seeds=3, workers=1, placebos=None).set_index(
        "id"
    )
    assert table.loc["inside", "status"] == PASS
    assert table.loc["outside", "status"] == FAIL
    # The arm equals the case and runs on the same seeds, so every seed's ratio is exactly 1.
    assert table.loc["paired", "mean"] == pytest.approx(1.0)
    assert table.loc["paired", "ci_high"] - table.loc["paired", "ci_low"] == pytest.approx(0)
    assert table.loc["later", "status"] == NOT_MODELLED
    assert table.loc["lesson", "kind"] == "face" and table.loc["lesson", "status"] == FAIL
    # Without placebos nothing discriminates, so nothing is counted and nothing fails the run.
    assert table["discriminates"].isna().all() and not table["counts"].any()
    assert exit_code(table.reset_index()) == 0


SMALL_PLACEBO = 'name = "other"\n[parameters]\nn_mse = 60\nn_villages = 4\n'


def test_a_target_that_passes_on_its_placebo_does_not_discriminate(tmp_path):
    # At month 0 every MSE is active: the case has 80, its placebo 60. A bound only the case
    # meets discriminates; one both meet does not, and is not counted even though it passes.
    (tmp_path / "other.toml").write_text(SMALL_PLACEBO)
    targets = (
        _target("only-here", "n_active", "window = [0, 0]", low=79, high=81)
        + _target("everywhere", "n_active", "window = [0, 0]", low=50)
        + _target("nowhere", "n_active", "window = [0, 0]", low=500)
        + _target("sign", "n_active", 'kind = "direction"\nwindow = [0, 0]', low=50)
    )
    table = validate(
        _case(tmp_path, targets, steps=2),
        seeds=2,
        workers=1,
        placebos=[str(tmp_path / "other.toml")],
    ).set_index("id")
    assert table.loc["only-here", "status"] == PASS
    assert (
        table.loc["only-here", "discriminates"] is True or table.loc["only-here", "discriminates"]
    )
    assert table.loc["only-here", "placebo_pass"] == 0
    assert table.loc["everywhere", "status"] == PASS
    assert not table.loc["everywhere", "discriminates"]
    assert table.loc["everywhere", "placebo_pass"] == 1
    assert json.loads(table.loc["everywhere", "placebo_values"]) == {"other": 60.0}
    assert table.loc["nowhere", "status"] == FAIL and table.loc["nowhere", "discriminates"]
    c = summary_counts(table.reset_index())
    assert (c["observations_pass"], c["observations_counted"]) == (1, 2)
    assert c["observations_uninformative"] == 1
    assert (c["directions"], c["directions_pass"], c["directions_discriminate"]) == (1, 1, 0)
    assert headline(table.reset_index()).startswith("1 of 2 observations pass")
    assert exit_code(table.reset_index()) == 1  # 'nowhere' discriminates and fails


def _fake(kind, status, discriminates, placebo_n=9):
    counts = kind == "observation" and discriminates is True and status in (PASS, FAIL)
    return {
        "kind": kind,
        "status": status,
        "discriminates": discriminates,
        "placebo_n": placebo_n,
        "counts": counts,
    }


def test_headline_counts_only_observations_that_discriminate():
    table = pd.DataFrame(
        [
            _fake("observation", PASS, True),
            _fake("observation", FAIL, True),
            _fake("observation", PASS, False),  # passes everywhere: uninformative, not a pass
            _fake("observation", PASS, None, 0),  # no placebo run: not counted
            _fake("observation", NOT_MODELLED, None, 0),
            _fake("direction", PASS, False),
            _fake("direction", FAIL, True),
            _fake("face", PASS, False),
            _fake("face", PASS, False),
        ]
    )
    c = summary_counts(table)
    assert (c["observations_pass"], c["observations_counted"]) == (1, 2)
    assert c["observations_uninformative"] == 1 and c["observations_unplaced"] == 1
    assert (c["directions_pass"], c["directions"], c["directions_discriminate"]) == (1, 2, 1)
    assert (c["face_pass"], c["face"], c["face_discriminate"]) == (2, 2, 0)
    text = headline(table)
    assert text.startswith("1 of 2 observations pass")
    assert "directions: 1 of 2 pass" in text and "face checks: 2 of 2 pass" in text
    assert exit_code(table) == 1
    assert exit_code(table[table["status"] != FAIL]) == 0


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"a": 0.5, "b": 0.6}, (2, 2, False)),  # passes on every placebo
        ({"a": 0.5, "b": 2.0}, (1, 2, True)),  # fails on half
        ({"a": 0.5, "b": 0.6, "c": 2.0}, (2, 3, False)),  # fails on a third
        ({"a": float("nan"), "b": 0.5}, (1, 2, True)),  # no number counts as a failure
        ({}, (0, 0, None)),
    ],
)
def test_placebo_verdict(values, expected):
    target = Target(case="x", id="t", claim="c", metric="share_product", low=0.0, high=1.0)
    assert placebo_verdict(target, values) == expected


def test_validation_records_the_targets_hash(tmp_path):
    path = _case(tmp_path, _target("a", "mean_income", low=0.0), steps=2)
    table = validate(path, seeds=2, workers=1, placebos=None)
    ct = read_targets(path)
    assert table.attrs["targets_hash"] == targets_digest([ct])
    assert table.attrs["targets"][ct.case] == {"version": 1, "hash": ct.digest}


def test_validate_does_not_depend_on_workers(tmp_path):
    (tmp_path / "other.toml").write_text(SMALL_PLACEBO)
    path = _case(tmp_path, _target("a", "mean_income", low=0.0), steps=12)
    placebos = [str(tmp_path / "other.toml")]
    one = validate(path, seeds=3, workers=1, placebos=placebos)
    two = validate(path, seeds=3, workers=2, placebos=placebos)
    assert one["mean"].tolist() == two["mean"].tolist()
    assert one["placebo_values"].tolist() == two["placebo_values"].tolist()


def test_sim_validate_is_exported():
    assert sim.validate is validate


@pytest.mark.parametrize(
    "text, field",
    [
        ('case = "baseline"\n[[targets]\n', "not valid TOML"),
        (_target("x", "happiness", low=0), "metric 'happiness'"),
        (_target("x", "share_product", 'colour = "red"', low=0), "key 'colour'"),
        (_target("x", "share_product"), "give a bound"),
        (_target("x", "share_product", low=1, high=0), "low 1 is above high 0"),
        (_target("x", "share_product", "window = [0, 500]", low=0), "window"),
        (
            _target("x", "share_product", 'statistic = "ratio"\nagainst = "nowhere"', low=0),
            "arm 'nowhere'",
        ),
        (_target("x", "share_product", 'kind = "guess"', low=0), "kind 'guess'"),
        (
            _target("x", "share_product", 'kind = "sourced"', low=0),
            "no longer a kind; it became observation, direction or face",
        ),
        (
            'case = "baseline"\n[[targets]]\nid = "x"\nclaim = "c"\nmetric = "share_product"\n'
            'low = 0\nsource = "S (2001)"\n',
            "'kind' is required",
        ),
        ('case = "baseline"\nversion = 0\n' + _target("x", "share_product", low=0), "version"),
    ],
)
def test_broken_targets_name_the_problem(tmp_path, text, field):
    path = tmp_path / "bad.toml"
    body = text if text.startswith("case") else f'case = "baseline"\n{text}'
    path.write_text(body)
    with pytest.raises(TargetError, match=re.escape(field)):
        read_targets(path)


def test_target_without_source_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        'case = "baseline"\n[[targets]]\nid = "x"\nclaim = "c"\n'
        'metric = "share_product"\nkind = "face"\nlow = 0\n'
    )
    with pytest.raises(TargetError, match="needs its source"):
        read_targets(path)


def test_arm_with_unknown_field_names_it(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        'case = "baseline"\n[arms.before]\nchanges = { credit = 0.1 }\n'
        + _target("x", "share_product", low=0)
    )
    with pytest.raises(ScenarioError, match="credit"):
        read_targets(path)


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    bad = tmp_path / "bad.toml"
    bad.write_text('case = "baseline"\n' + _target("x", "happiness", low=0))
    for argv in (
        ["validate", "atlantis", "--out", str(out)],
        ["validate", str(bad), "--out", str(out)],
        ["validate", "kenya-avocados", "--seeds", "1", "--out", str(out)],
    ):
        assert main(argv) == 2
        assert "error:" in capsys.readouterr().err
        assert not out.exists()


def test_cli_writes_table_and_self_contained_page(tmp_path, capsys):
    path = _case(
        tmp_path,
        _target("inside", "share_in_groups", low=0.0, high=1.0)
        + _target("outside", "share_in_groups", low=2.0),
        steps=12,
    )
    out = tmp_path / "out"
    assert (
        main(
            [
                "validate",
                str(path),
                "--seeds",
                "2",
                "--workers",
                "1",
                "--out",
                str(out),
                "--quiet",
                "--no-placebo",
            ]
        )
        == 0
    )  # nothing discriminates without placebos
    text = capsys.readouterr().out
    assert "inside" in text and "fail" in text and "no placebo run" in text
    assert "0 of 0 observations pass" in text
    page = (out / "validation.html").read_text()
    assert "<script" not in page and "<link" not in page and "src=" not in page
    meta = json.loads((out / "validation.csv.meta.json").read_text())
    assert meta["seeds"] == [0, 1] and re.fullmatch(r"[0-9a-f]{64}", meta["targets_hash"])
    columns = (out / "validation.csv").read_text().splitlines()[0].split(",")
    for column in (
        "case",
        "id",
        "kind",
        "metric",
        "mean",
        "ci_low",
        "ci_high",
        "low",
        "high",
        "status",
        "discriminates",
    ):
        assert column in columns


def test_page_headline_and_kinds_apart(tmp_path, planned):
    (tmp_path / "other.toml").write_text(SMALL_PLACEBO)
    table = validate(
        _case(
            tmp_path,
            _target("later", planned, 'requires = "issue 99"', low=0.01)
            + _target("here", "n_active", "window = [0, 0]", low=79, high=81)
            + _target("a", "share_in_groups", 'kind = "face"', low=0)
            + _target("d", "share_in_groups", 'kind = "direction"', low=0),
            steps=2,
        ),
        seeds=2,
        workers=1,
        placebos=[str(tmp_path / "other.toml")],
    )
    page = build_validation_html(table)
    assert re.search(r"<strong>1 of 1\s+observations pass</strong>", page)
    assert "not yet modelled (needs issue 99)" in page
    for section in ("<h2>Observations</h2>", "<h2>Directions</h2>", "<h2>Face checks</h2>"):
        assert section in page
    assert page.index("<h2>Observations</h2>") < page.index("<h2>Directions</h2>")
    assert "uninformative</span>: passes 1 of 1 placebos" in page


def test_targets_met_reads_existing_runs():
    runs = [sim.run("kenya-avocados", steps=24, rng=s, n_mse=60) for s in range(2)]
    series = {c: np.stack([r[c].to_numpy() for r in runs]) for c in runs[0].columns}
    table = targets_met("kenya-avocados", series).set_index("id")
    # A value target over months 109-120 lies beyond 24-month runs; ratio targets need the
    # 'before' arm, which was not run.
    assert set(table["status"]) == {NOT_RUN}
    series_long = {
        c: np.concatenate([v, np.repeat(v[:, -1:], 100, axis=1)], axis=1) for c, v in series.items()
    }
    table = targets_met("kenya-avocados", series_long).set_index("id")
    assert table.loc["export-share-of-output", "status"] in (PASS, FAIL)
    assert math.isfinite(table.loc["export-share-of-output", "mean"])
    assert table["discriminates"].isna().all()  # no placebo in a report
    assert targets_met("no-such-case", series).empty


def test_bad_seeds_are_refused_before_running():
    with pytest.raises(UserInputError, match="seeds"):
        validate("kenya-avocados", seeds=1)


def test_report_says_which_targets_the_scenario_meets():
    results = experiments.run_experiments(
        ["g3"], "kenya-avocados", seeds=2, steps=120, workers=1, n_mse=60
    )
    text = targets_section(results)
    assert "Does kenya-avocados meet its documented targets?" in text
    assert "not checked here" in text  # the before/after ratio needs the 'before' arm
    assert "Exports stay a minority of avocado output" in text
    assert "(face check)" in text
    # The baseline is no case: it has no targets (it is a placebo of every case).
    assert not targets_section(
        experiments.run_experiments(["g3"], "baseline", seeds=2, steps=12, workers=1, n_mse=40)
    )


# --- posterior uncertainty (validate --uncertainty posterior) ---------------------------------


def _stub_posterior(join_hazards, weights):
    """A posterior of one constant: nobody joins a group at 0, most MSEs do at 0.3."""
    post = pd.DataFrame({"join_hazard": join_hazards})
    post.attrs = {"weights": list(weights), "model_version": "stub", "targets_hash": "h"}
    return post


GROUPS = _target("in-groups", "share_in_groups", low=0.5, high=1.0) + _target(
    "any", "share_in_groups", low=-1.0, high=2.0
)


@pytest.fixture(scope="module")
def posterior_runs(tmp_path_factory):
    """Validations of a small case under two stub posteriors (2 draws x 2 seeds each)."""
    tmp = tmp_path_factory.mktemp("posterior")
    path = _case(tmp, GROUPS)
    tables = {}
    with pytest.MonkeyPatch.context() as mp:
        for name, weights in (("joiners", [0.0, 1.0]), ("mixed", [0.5, 0.5])):
            post = _stub_posterior([0.0, 0.3], weights)
            mp.setattr(validate_module, "shipped_posterior", lambda post=post: post)
            tables[name] = validate(
                path, seeds=2, workers=1, placebos=None, uncertainty="posterior", draws=2
            )
    return tables


def test_posterior_interval_is_never_narrower_than_the_seed_only_one(posterior_runs):
    for table in posterior_runs.values():
        assert list(table.columns) == list(COLUMNS + POSTERIOR_COLUMNS)
        width = table["ci_high"] - table["ci_low"]
        seed_width = table["seed_high"] - table["seed_low"]
        assert (width >= seed_width - 1e-12).all()
        assert (table["n_draws"] == 2).all() and (table["n_seeds"] == 2).all()
        assert table["share_draws_pass"].between(0, 1).all()
        a = table.attrs
        assert a["uncertainty"] == "posterior" and len(a["draws"]) == 2
        assert a["posterior"]["model_version"] == "stub"
        assert a["posterior"]["constants"] == ["join_hazard"]


def test_share_of_draws_passing_follows_the_posterior(posterior_runs):
    joiners = posterior_runs["joiners"].set_index("id")
    mixed = posterior_runs["mixed"].set_index("id")
    draws = posterior_runs["mixed"].attrs["draws"]
    # Every draw of "joiners" is join_hazard 0.3: most MSEs are in groups, the target passes.
    assert joiners.loc["in-groups", "share_draws_pass"] == 1.0
    assert joiners.loc["in-groups", "status"] == PASS
    # "mixed" picks the rows by their weights; a draw at 0 has nobody in a group (fails).
    expected = sum(1 for k in draws if k == 1) / len(draws)
    assert mixed.loc["in-groups", "share_draws_pass"] == expected
    assert mixed.loc["any", "share_draws_pass"] == 1.0
    if len(set(draws)) == 2:  # the draws disagree: the parameters carry most of the variance
        assert mixed.loc["in-groups", "parameter_share"] > 0.5


def test_posterior_mode_bad_input_is_refused_before_any_run(tmp_path, capsys):
    out = tmp_path / "out"
    for argv, field in (
        (["--uncertainty", "posterior", "--draws", "0"], "--draws"),
        (["--draws", "3"], "--draws"),
        (["--uncertainty", "bootstrap"], "--uncertainty"),
        (["--uncertainty", "posterior", "--power"], "--uncertainty"),
    ):
        assert main(["validate", "kenya-avocados", *argv, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"error: {field}: value" in err and "allowed" in err
        assert not out.exists()
    with pytest.raises(UserInputError, match="allowed: seeds, posterior"):
        validate("kenya-avocados", uncertainty="both")


def test_seeds_mode_table_is_unchanged(tmp_path):
    """The default mode: the same columns as before, and each seed's own run's numbers."""
    path = _case(tmp_path, _target("groups", "share_in_groups", low=0.0, high=1.0))
    table = validate(path, seeds=2, workers=1, placebos=None)
    assert list(table.columns) == list(COLUMNS)
    assert "uncertainty" not in table.attrs and "fitted_to_another_model" not in table.attrs
    runs = [sim.run(str(tmp_path / "small.toml"), steps=24, rng=s) for s in (0, 1)]
    row = table.iloc[0]
    window = [int(x) for x in row["window"].split("-")]
    values = [r["share_in_groups"].iloc[window[0] : window[1] + 1].mean() for r in runs]
    assert row["mean"] == pytest.approx(np.mean(values))
    assert row["n_seeds"] == 2 and row["status"] == PASS


def test_cli_posterior_writes_provenance_and_the_note(tmp_path, capsys, monkeypatch):
    post = _stub_posterior([0.0, 0.3], [0.5, 0.5])
    monkeypatch.setattr(validate_module, "shipped_posterior", lambda: post)
    monkeypatch.setattr(validate_module, "fitted_to_another_model", lambda: "note: stub")
    out = tmp_path / "out"
    argv = ["validate", str(_case(tmp_path, GROUPS)), "--uncertainty", "posterior"]
    argv += ["--draws", "2", "--seeds", "2", "--workers", "2", "--quiet", "--no-placebo"]
    assert main([*argv, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "note: stub" in captured.err and "plausible models" in captured.out
    meta = json.loads((out / "validation.csv.meta.json").read_text())
    assert meta["uncertainty"] == "posterior" and len(meta["draws"]) == 2
    assert meta["posterior"]["model_version"] == "stub" and meta["seeds"] == [0, 1]
    page = (out / "validation.html").read_text()
    assert "note: stub" in page and "seeds only" in page
    csv = pd.read_csv(out / "validation.csv")
    assert {"seed_low", "share_draws_pass"} <= set(csv.columns)
