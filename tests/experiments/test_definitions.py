"""The guidelines as data (sim.experiments.definitions): the seven, their changes, bad files."""

from __future__ import annotations

import pytest

from sim import experiments as ex
from sim.errors import UserInputError
from sim.scenario import load_scenario


def test_seven_guidelines_with_the_papers_titles_and_text():
    assert list(ex.GUIDELINES) == [f"g{i}" for i in range(1, 8)]
    titles = [g.title for g in ex.GUIDELINES.values()]
    assert titles[0] == "Improve transmission of market information and price signals to MSEs"
    assert titles[3] == "Develop financial markets for MSE investment capital"
    assert titles[6] == "Resist the urge to herd all MSEs into one market channel"
    for g in ex.GUIDELINES.values():
        assert len(g.seed_text) > 400 and g.key_metrics and g.expect
        assert "  " not in g.seed_text
    assert "women sales agents" in ex.GUIDELINES["g1"].seed_text
    assert "Avocado smallholders in Kenya" in ex.GUIDELINES["g2"].seed_text
    assert "working with leather is associated with lower castes" in ex.GUIDELINES["g5"].seed_text


def test_interventions_move_the_levers_of_the_issue_table():
    base = load_scenario("baseline")

    def moved(gid):
        b, i = ex.GUIDELINES[gid].arms(base)
        return {k: (getattr(b, k), getattr(i, k)) for k in ex.GUIDELINES[gid].levers}

    assert all(new > old for old, new in [moved("g1")["ict_access"]])
    assert moved("g1")["intermediary_rent"][1] < moved("g1")["intermediary_rent"][0]
    assert moved("g2")["bargaining_power"][1] > moved("g2")["bargaining_power"][0]
    assert moved("g3")["group_support"][1] > moved("g3")["group_support"][0]
    assert moved("g4")["credit_access"][1] > moved("g4")["credit_access"][0]
    assert moved("g5")["targeted_facilitation"][1] > moved("g5")["targeted_facilitation"][0]
    g6 = moved("g6")
    assert g6["physical_distance"][1] < g6["physical_distance"][0]
    assert g6["ict_access"][1] > g6["ict_access"][0]
    assert moved("g7")["herding"][1] < moved("g7")["herding"][0]


def test_changes_are_clipped_to_the_lever_range():
    assert ex.Change("credit_access", "add", 0.4).apply(0.8) == 1.0
    assert ex.Change("herding", "add", -0.4).apply(0.1) == 0.0
    assert ex.Change("herding", "at_least", 0.8).apply(0.9) == 0.9
    assert ex.Change("herding", "at_most", 0.2).apply(0.9) == 0.2
    assert ex.Change("credit_access", "add", 0.4).apply(0.2) == 0.6  # not 0.6000000000000001


def test_bad_definition_file_is_rejected(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text(
        '[gx]\nkey_metrics = ["share_process"]\n[gx.intervention]\ncredit = { add = 0.4 }\n'
    )
    with pytest.raises(UserInputError, match="lever 'credit' is not known"):
        ex.load_guidelines(path)
    path.write_text('[gx]\nkey_metrics = ["profit"]\n')
    with pytest.raises(UserInputError, match="metric 'profit' is not known"):
        ex.load_guidelines(path)
