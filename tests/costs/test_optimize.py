"""The portfolio search: known optima, the budget, reproducibility, resuming, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.costs.optimize import CHECKPOINT, search
from sim.costs.portfolio import OFF_ZONE, portfolios
from sim.errors import UserInputError

pytest.importorskip("pymoo")


def _linear(X):
    """Two objectives, x0 and x1, at a cost of 100 (x0 + x1): the front is x0 + x1 = 1."""
    return np.c_[X[:, 0], X[:, 1]], 100.0 * (X[:, 0] + X[:, 1])


def test_toy_front_is_found_and_within_budget():
    r = search(
        _linear, np.zeros(2), np.ones(2), n_obj=2, budget=100.0, pop_size=20, generations=30, seed=1
    )
    x = r.X[r.front]
    assert len(x) >= 10
    assert (r.cost[r.front] <= 100.0).all()
    assert np.median(x.sum(axis=1)) > 0.97  # on the budget line, where the optimum lies
    assert x[:, 0].max() > 0.8 and x[:, 1].max() > 0.8  # it spans the front to both ends


def test_toy_single_optimum_is_found():
    def bowl(X):
        return -((X[:, :1] - 0.3) ** 2 + (X[:, 1:] - 0.7) ** 2), np.zeros(len(X))

    r = search(
        bowl, np.zeros(2), np.ones(2), n_obj=1, budget=1.0, pop_size=16, generations=25, seed=3
    )
    best = r.X[np.argmax(r.F[:, 0])]
    assert best == pytest.approx([0.3, 0.7], abs=0.03)


def test_never_over_budget_even_when_the_best_points_are_not_affordable():
    rng = np.random.default_rng(0)
    noise = rng.random(10_000)

    def pricey(X):
        # The more of both, the better and the dearer, with an uneven price.
        cost = 100.0 * X.sum(axis=1) * (1 + noise[: len(X)])
        return np.c_[X.sum(axis=1), -np.abs(X[:, 0] - X[:, 1])], cost

    r = search(
        pricey,
        np.zeros(2),
        np.ones(2),
        n_obj=2,
        budget=60.0,
        pop_size=12,
        generations=8,
        seed=5,
        fixed_cost=lambda x: 50.0 * x.sum(),
    )
    assert len(r.front) > 0
    assert (r.cost[r.front] <= 60.0).all()
    assert (r.cost > 60.0).any()  # there were unaffordable candidates to refuse


def test_same_seed_same_front_and_resumed_equals_uninterrupted(tmp_path):
    kwargs = dict(n_obj=2, budget=100.0, pop_size=10, seed=7)
    straight = search(_linear, np.zeros(2), np.ones(2), generations=6, **kwargs)
    again = search(_linear, np.zeros(2), np.ones(2), generations=6, **kwargs)
    np.testing.assert_array_equal(straight.X, again.X)
    ck = tmp_path / CHECKPOINT
    first = search(_linear, np.zeros(2), np.ones(2), generations=3, checkpoint=ck, **kwargs)
    assert first.generations == 3 and ck.is_file()
    resumed = search(_linear, np.zeros(2), np.ones(2), generations=6, checkpoint=ck, **kwargs)
    assert resumed.generations == 6
    assert resumed.evaluated_fresh < straight.evaluated_fresh  # the first half was not redone
    np.testing.assert_array_equal(resumed.X, straight.X)
    np.testing.assert_array_equal(resumed.front, straight.front)
    with pytest.raises(UserInputError, match="another problem"):
        search(
            _linear,
            np.zeros(2),
            np.ones(2),
            generations=6,
            checkpoint=ck,
            **{**kwargs, "budget": 50.0},
        )


def test_a_lever_can_be_switched_off():
    p = portfolios("baseline", levers=["credit_access", "physical_distance"], seeds=2)
    assert p.moves([-OFF_ZONE, 0.0]) == {"credit_access": 0.0, "physical_distance": 0.0}
    moves = p.moves([1.0, 0.5])
    assert moves["credit_access"] == pytest.approx(0.8)  # all the room above 0.2
    assert moves["physical_distance"] == pytest.approx(-0.2)  # lowered, half of 0.4
    assert p.costs.fixed_cost(p.moves([-0.1, -0.2])) == 0


def test_optimize_cli_writes_a_front_within_budget(tmp_path, cli, cli_process):
    out = tmp_path / "opt"
    args = (
        "optimize",
        "--scenario",
        "baseline",
        "--budget",
        "150000",
        "--seeds",
        "2",
        "--steps",
        "6",
        "--set",
        "n_mse=60",
        "--pop-size",
        "6",
        "--generations",
        "2",
        "--levers",
        "credit_access,ict_access,bargaining_power",
        "--workers",
        "1",
        "--out",
        str(out),
        "--quiet",
    )
    result = cli_process(*args)
    assert result.returncode == 0, result.stderr
    front = pd.read_csv(out / "front.csv")
    assert len(front) >= 1 and (front["cost_usd"] <= 150000).all()
    assert {"obj_upgrading", "obj_income", "obj_equity"} <= set(front.columns)
    assert (out / "front.png").read_bytes()[:4] == b"\x89PNG"
    assert "best mix found" in (out / "front.md").read_text()
    again = cli(*args)  # resumes from the checkpoint: same front
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(pd.read_csv(out / "front.csv"), front)


@pytest.mark.parametrize(
    "args, word",
    [
        (("--budget", "-5"), "budget"),
        (("--budget", "lots"), "budget"),
        (("--budget", "1000", "--levers", "credit_access,competition"), "competition"),
        (("--budget", "1000", "--levers", "credit_acess"), "credit_acess"),
        (("--budget", "1000", "--objectives", "upgrading,happiness"), "happiness"),
        (("--budget", "1000", "--seeds", "1"), "seeds"),
    ],
)
def test_optimize_bad_input_exits_2_and_writes_nothing(tmp_path, cli, args, word):
    out = tmp_path / "opt"
    result = cli("optimize", "--out", str(out), *args)
    assert result.returncode == 2
    assert word in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
