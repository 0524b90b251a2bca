"""The cost model (sim.costs.model): sourced unit costs, the parts of a cost, bad cost files."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.costs import COSTS, load_costs
from sim.costs.effectiveness import seed_costs
from sim.errors import UserInputError
from sim.experiments import GUIDELINES
from sim.scenario import LEVERS


def test_every_guideline_lever_has_a_sourced_cost():
    for g in GUIDELINES.values():
        for lever in g.levers:
            cost = COSTS.lever(lever)
            assert cost.source.strip()
    assert COSTS.usd_per_unit > 0 and COSTS.currency_source


@pytest.mark.parametrize(
    "field, part",
    [("per_mse_usd", "per_mse"), ("per_lever_unit_usd", "per_lever_unit"), ("fixed_usd", "fixed")],
)
def test_doubling_a_unit_cost_doubles_that_part_only(field, part):
    lever = "credit_access"
    model = COSTS.with_cost(lever, per_lever_unit_usd=1000.0)  # give it every kind of part
    base = model.lever(lever)
    doubled = model.with_cost(lever, **{field: 2 * getattr(base, field)}).lever(lever)
    new, before = {"financed": 40}, {"financed": 15}
    p1, p2 = base.parts(0.4, new, before), doubled.parts(0.4, new, before)
    assert p1[part] > 0 and p2[part] == pytest.approx(2 * p1[part])
    for other in set(p1) - {part}:
        assert p2[other] == p1[other]


def test_doubling_the_per_mse_cost_doubles_that_part_in_an_experiment(costed):
    r = costed["g4"]
    doubled = COSTS.with_cost(
        "credit_access", per_mse_usd=2 * COSTS.lever("credit_access").per_mse_usd
    )
    a, b = seed_costs(r, COSTS), seed_costs(r, doubled)
    assert a["per_mse"].sum() > 0  # more credit does reach some new borrowers
    np.testing.assert_allclose(b["per_mse"], 2 * a["per_mse"])
    np.testing.assert_allclose(b["fixed"], a["fixed"])


def test_a_move_that_reaches_no_mse_costs_only_its_fixed_part():
    cost = COSTS.lever("credit_access")
    same = {"financed": 12}
    parts = cost.parts(0.4, same, same)
    assert parts["per_mse"] == 0
    assert sum(parts.values()) == cost.fixed_usd + cost.per_lever_unit_usd * 0.4
    assert sum(COSTS.lever("credit_access").parts(0.0, {"financed": 50}, same).values()) == 0


def test_an_audience_is_charged_by_the_size_of_the_move():
    cost = COSTS.lever("targeted_facilitation")
    reach_ = {"excluded": 300}
    assert cost.parts(0.4, reach_, reach_)["per_mse"] == pytest.approx(0.4 * 300 * cost.per_mse_usd)


def test_bad_cost_files_name_the_problem(tmp_path):
    good = (sim.data.data_path("experiments", "costs.toml")).read_text(encoding="utf-8")
    cases = {
        "negative": (good.replace("per_mse_usd = 130", "per_mse_usd = -130"), "per_mse_usd"),
        "lever": (good.replace("[levers.herding]", "[levers.hurding]"), "hurding"),
        "reach": (good.replace('reach = "financed"', 'reach = "lent"'), "lent"),
        "currency": (good.replace("usd_per_unit = 1.0", "usd_per_unit = 0"), "usd_per_unit"),
    }
    for name, (text, word) in cases.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(UserInputError, match=word):
            load_costs(path)
    with pytest.raises(UserInputError, match="competition"):
        COSTS.lever("competition")  # a condition, not a programme's lever
    assert set(COSTS.levers) <= set(LEVERS)
