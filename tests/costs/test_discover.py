"""Scenario discovery: PRIM finds a planted box; the command checks its input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.costs.discover import discover, prim_box
from sim.errors import UserInputError
from sim.sweeps import sweep

pytest.importorskip("ema_workbench")


def test_prim_recovers_a_planted_box():
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.random((800, 4)), columns=["a", "b", "c", "d"])
    inside = (x["a"] > 0.6) & (x["b"] < 0.3)
    noise = rng.random(800) < 0.03  # a few cases of interest outside the box
    found = prim_box(x, (inside | noise).to_numpy(), min_density=0.95)
    box = found.box.set_index("parameter")
    assert set(box.index) == {"a", "b"}
    assert box.loc["a", "low"] == pytest.approx(0.6, abs=0.05)
    assert box.loc["b", "high"] == pytest.approx(0.3, abs=0.05)
    assert found.coverage > 0.8 and found.density > 0.8


def test_prim_needs_cases_on_both_sides():
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    with pytest.raises(UserInputError, match="0 of 50"):
        prim_box(x, np.zeros(50, bool))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "store"
    spec = {
        "sweep": {
            "scenario": "baseline",
            "steps": 12,
            "replicates": 1,
            "seed": 9,
            "method": "lhs",
            "samples": 40,
            "outputs": ["share_upgraded"],
            "at_steps": [12],
        },
        "fixed": {"n_mse": 60},
        "parameters": {
            "credit_access": {"low": 0.0, "high": 1.0},
            "education": {"low": 0.1, "high": 0.9},
        },
    }
    sweep(spec, out=out, workers=1, progress=False, collect=False)
    return out


def test_discover_cli_writes_text_csv_and_plot(store, tmp_path, cli_process):
    # Every run of the store, not one part file: a part holds only a few runs, which may all
    # be runs without any upgrading.
    values = pd.concat(
        [pd.read_parquet(part) for part in sorted((store / "runs").glob("part-*.parquet"))]
    )["share_upgraded@12"]
    # Strictly inside the store's range (PRIM needs points on both sides), whatever the share of
    # runs with no upgrading at all in these short runs.
    threshold = float(np.quantile(values, 0.4))
    if threshold <= values.min():
        threshold = float(values[values > values.min()].min())
    out = tmp_path / "d"
    result = cli_process(
        "discover",
        str(store),
        "--metric",
        "share_upgraded",
        "--below",
        str(threshold),
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "coverage" in result.stdout and "density" in result.stdout
    box = pd.read_csv(out / "box.csv")
    assert {"parameter", "low", "high", "coverage", "density"} <= set(box.columns)
    assert (out / "prim.png").read_bytes()[:4] == b"\x89PNG"
    # The baseline against itself: every effect is 0, nothing falls below 0.
    with pytest.raises(UserInputError, match="outside the range"):
        discover(store, "share_upgraded", 0.0, baseline=store)


@pytest.mark.parametrize(
    "make_args, word",
    [
        (
            lambda s, t: (str(t / "nowhere"), "--metric", "share_upgraded", "--below", "0.1"),
            "does not exist",
        ),
        (lambda s, t: (str(s), "--metric", "mean_income", "--below", "0.1"), "mean_income"),
        (
            lambda s, t: (str(s), "--metric", "share_upgraded", "--below", "1.5"),
            "outside the range",
        ),
        (
            lambda s, t: (str(s), "--metric", "share_upgraded", "--below", "0.0"),
            "outside the range",
        ),
        (lambda s, t: (str(s), "--metric", "share_upgraded@7", "--below", "0.1"), "not recorded"),
    ],
)
def test_discover_bad_input_exits_2_and_writes_nothing(store, tmp_path, cli, make_args, word):
    out = tmp_path / "d"
    result = cli("discover", *make_args(store, tmp_path), "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert word in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
