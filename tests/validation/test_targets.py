"""The cases' documented targets (sim.validation.targets): sourced, modelled, checked on reading."""

from __future__ import annotations

import re

import pytest

from sim.scenario import list_scenarios, read_scenario_file
from sim.validation import (
    list_target_cases,
    read_targets,
)
from sim.validation.targets import is_model_metric

CASES = [n for n in list_scenarios() if n != "baseline"]


def test_every_case_has_three_sourced_targets_and_thirty_in_all():
    assert set(CASES) <= set(list_target_cases())
    total = 0
    for case in CASES:
        ct = read_targets(case)
        sourced = [t for t in ct.targets if t.counts]
        assert len(sourced) >= 3, f"{case}: {len(sourced)} sourced targets"
        total += len(sourced)
    assert total >= 30


@pytest.mark.parametrize("case", CASES)
def test_sourced_targets_cite_a_seed_line_or_a_dated_report(case):
    for t in read_targets(case).targets:
        if t.counts:
            dated = r"\(\d{4}\)|\d{4}\)|\(n\.d\.\)"  # a year, or "n.d." for undated pages
            assert re.search(r"seed lines? \d+", t.source) or re.search(dated, t.source), t.source
            assert t.quote, f"{case}/{t.id}: a sourced target quotes its figure or sentence"
            assert t.interval, f"{case}/{t.id}: says how the bounds follow from the source"


@pytest.mark.parametrize("case", CASES)
def test_description_outcomes_are_targets(case):
    # Every case's description states at least one outcome, and each is a target.
    assert any(t.description for t in read_targets(case).targets), case


def test_every_bundled_target_names_a_modelled_metric():
    # Issue 10 added the brokers', traders' and second-chain metrics the cases' targets name.
    unmodelled = [(case, t.id, t.metric) for case in list_target_cases()
                  for t in read_targets(case).targets if not is_model_metric(t.metric)]
    assert not unmodelled
    for metric in ("share_sold_via_brokers", "n_traders_active", "share_in_second_chain"):
        assert is_model_metric(metric)


def test_no_two_bundled_scenarios_have_identical_parameters():
    params = {n: tuple(sorted(read_scenario_file(n).scenario.params().items()))
              for n in list_scenarios()}
    by_params: dict = {}
    for name, p in params.items():
        by_params.setdefault(p, []).append(name)
    same = [names for names in by_params.values() if len(names) > 1]
    assert not same, f"scenarios with identical parameters: {same}"
