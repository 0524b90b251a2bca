"""The power check (issue 26, item 3): would a case's targets catch a wrong model?

- at least 20 wrong models: each screened constant at both ends of its screened range, each
  mechanism switched off, every value inside its declared range;
- the screened constants are those docs/screening.md says matter for upgrading;
- a wrong model applies to every arm, after the arm's own changes;
- a target every model passes has power 0; a target that needs a mechanism rejects the model
  without it;
- the pass rules (mean, interval, overlap) mean what docs/validation.md says;
- ``mse-sim validate --power`` prints each target's rejection rate and writes power.csv.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from sim.constants import REGISTRY
from sim.errors import UserInputError
from sim.io import read_provenance
from sim.ui.cli import main
from sim.validation import read_targets
from sim.validation.power import (
    MECHANISMS_OFF,
    SCREENED_CONSTANTS,
    edges,
    power,
    wrong_case,
    wrong_models,
)
from sim.validation.targets import Target

ROOT = Path(__file__).resolve().parents[2]


def test_at_least_twenty_wrong_models_of_both_kinds_inside_their_ranges():
    models = wrong_models()
    assert len(models) >= 20
    assert {m.kind for m in models} == {"constant edge", "mechanism off"}
    assert len({m.name for m in models}) == len(models)
    for name in SCREENED_CONSTANTS:
        base, _, element = name.partition(".")
        c = REGISTRY[base]
        default = c.default[c.labels.index(element)] if element else c.default
        low, high = edges(name)
        assert low == pytest.approx(max(c.low, 0.5 * default))
        assert high == pytest.approx(min(c.high, 1.5 * default))
    case = read_targets("kenya-avocados")
    for model in models:
        wrong_case(case, model)  # a valid scenario: every value in its declared range


def test_the_screened_constants_are_those_the_screening_says_matter():
    text = (ROOT / "docs" / "screening.md").read_text(encoding="utf-8")
    sentence = re.search(r"For `share_upgraded` .*? constants matter: (.*?)\.\n", text).group(1)
    assert tuple(re.findall(r"`([\w.]+)` \(", sentence)) == SCREENED_CONSTANTS


def test_a_wrong_model_applies_to_every_arm_after_its_own_changes():
    case = read_targets("kenya-avocados")
    off = next(m for m in wrong_models() if m.name == "no bargaining")
    wrong = wrong_case(case, off)
    assert case.arm_scenario("before").bargaining_power == 0.3
    for arm in ("case", *wrong.arms):
        scenario = wrong.arm_scenario(arm)
        assert scenario.bargaining_power == 0.0
        assert scenario.constants.changed()["group_bargaining"] == 0.0
    assert wrong.arm_scenario("before").group_support == 0.3  # the arm's other changes stay


def _tiny_case(tmp_path) -> Path:
    (tmp_path / "tiny.toml").write_text(
        'name = "tiny"\n[parameters]\nn_mse = 80\nn_villages = 8\ngroup_support = 0.8\n'
    )
    path = tmp_path / "tiny-targets.toml"
    path.write_text(f'''
case = "{tmp_path / "tiny.toml"}"
steps = 24

[arms.without-groups]
changes = {{ group_support = 0.0 }}

[[targets]]
id = "anything-goes"
claim = "At most everyone upgrades."
metric = "share_upgraded"
high = 1.0
kind = "observation"
source = "a test"

[[targets]]
id = "support-builds-groups"
claim = "Group support puts more MSEs in groups."
metric = "share_in_groups"
statistic = "difference"
against = "without-groups"
low = 0.02
kind = "direction"
source = "a test"
''')
    return path


def test_power_tells_an_empty_target_from_one_that_needs_its_mechanism(tmp_path):
    models = [m for m in wrong_models() if m.name in ("no producer groups", "max_loan high")]
    table = power(_tiny_case(tmp_path), seeds=3, models=models, workers=1).set_index("id")
    assert (table["n_wrong"] == 2).all()
    empty = table.loc["anything-goes"]
    assert empty["power"] == 0 and empty["rejected"] == 0
    needs = table.loc["support-builds-groups"]
    assert needs["status"] == "pass"  # the right model passes
    assert needs["rejected"] >= 1 and "no producer groups" not in needs["passed_by"]
    assert needs["power"] == pytest.approx(needs["rejected"] / 2)
    assert math.isclose(needs["power_mean"], needs["power"])


def test_pass_rules():
    t = Target(case="c", id="t", claim="", metric="share_upgraded", low=0.45, high=0.55)
    # An export share of exactly 50% [45.3, 54.7] inside a 45-55% band: all three pass.
    assert t.passes(0.50, 0.453, 0.547, "mean") and t.passes(0.50, 0.453, 0.547, "interval")
    # Mean inside, interval reaching out: mean and overlap pass, interval fails.
    assert t.passes(0.50, 0.40, 0.60, "mean") and not t.passes(0.50, 0.40, 0.60, "interval")
    assert t.passes(0.50, 0.40, 0.60, "overlap")
    # Mean outside, interval reaching in: only overlap passes.
    assert not t.passes(0.60, 0.50, 0.70, "mean") and t.passes(0.60, 0.50, 0.70, "overlap")
    assert not t.passes(0.70, 0.60, 0.80, "overlap")
    assert not t.passes(math.nan, math.nan, math.nan, "overlap")


def test_a_target_may_name_its_rule_and_a_bad_rule_is_refused(tmp_path):
    path = _tiny_case(tmp_path)
    text = path.read_text().replace("high = 1.0\n", 'high = 1.0\nrule = "interval"\n')
    path.write_text(text)
    assert read_targets(path).targets[0].rule == "interval"
    path.write_text(text.replace('rule = "interval"', 'rule = "intervall"'))
    with pytest.raises(UserInputError, match="unknown rule 'intervall'; did you mean 'interval'"):
        read_targets(path)


def test_cli_power_prints_rejection_rates_and_writes_a_table(tmp_path, capsys):
    path = _tiny_case(tmp_path)
    code = main(
        [
            "validate",
            str(path),
            "--power",
            "--seeds",
            "2",
            "--workers",
            "2",
            "--quiet",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    n = len(wrong_models())
    assert f"power: {n} wrong models" in text
    assert re.search(rf"tiny / support-builds-groups .* \d+/{n}", text)
    meta = read_provenance(tmp_path / "out" / "power.csv")
    assert len(meta["models"]) == n and meta["versions"]["numpy"]
    assert set(MECHANISMS_OFF) <= {m["name"].removeprefix("no ") for m in meta["models"]}
