"""Analysis plumbing: the sweep's samplers, store and analysers recover known Sobol indices.

The Ishigami function stands in for the model (the only place a test does not use the real
model): everything else, from the spec through the design, chunks, Parquet store and SALib
analysers, is the code a real sweep runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim.sweeps.worker
from sim.metrics import METRICS
from sim.sweeps import analyze, sweep
from sim.ui.plots import plot_analysis

LEVERS3 = ("credit_access", "bargaining_power", "ict_access")
# Ishigami with a = 7, b = 0.1 (Saltelli et al. 2008): analytic first and total indices.
S1 = np.array([0.3139, 0.4424, 0.0])
ST = np.array([0.5576, 0.4424, 0.2437])


def ishigami_model(scenario, steps, seed):
    # Levers in [0, 1] map affinely onto [-pi, pi]: Sobol indices do not change.
    x1, x2, x3 = (-np.pi + 2 * np.pi * getattr(scenario, n) for n in LEVERS3)
    y = np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)
    metrics = [m for m in METRICS if m != "step"]
    frame = pd.DataFrame(np.full((steps + 1, len(metrics)), y), columns=metrics)
    frame.insert(0, "step", np.arange(steps + 1))
    return frame


def ishigami_columns(task):
    """Stands in for :func:`sim.engines.run_columns`: the columns a run would return."""
    scenario, seed, steps, columns = task
    return ishigami_model(scenario, steps, seed).loc[:, list(columns)].to_numpy(float)


def ishigami_spec(tmp_path, method: str, samples: int) -> dict:
    (tmp_path / "tiny.toml").write_text('name = "tiny"\n[parameters]\nn_mse = 10\n')
    return {"sweep": {"scenario": str(tmp_path / "tiny.toml"), "steps": 1, "replicates": 1,
                      "seed": 3, "method": method, "samples": samples,
                      "outputs": ["share_upgraded"]},
            "parameters": {n: {"low": 0.0, "high": 1.0} for n in LEVERS3}}


@pytest.fixture
def ishigami(monkeypatch):
    monkeypatch.setattr(sim.sweeps.worker, "run_columns", ishigami_columns)


def test_sobol_recovers_ishigami_indices(tmp_path, ishigami):
    out = tmp_path / "sobol"
    runs = sweep(ishigami_spec(tmp_path, "sobol", 1024), out=out, workers=1, progress=False)
    assert len(runs) == 1024 * (3 + 2)
    plot = tmp_path / "sobol.png"
    table = analyze(out, "share_upgraded")
    plot_analysis(table, plot)
    assert list(table["parameter"]) == list(LEVERS3)
    np.testing.assert_allclose(table["S1"], S1, atol=0.05)
    np.testing.assert_allclose(table["ST"], ST, atol=0.05)
    assert (table["S1_conf"] > 0).all() and (table["S1_conf"] < 0.1).all()
    assert plot.stat().st_size > 1000


def test_lhs_rbd_fast_recovers_first_order_indices(tmp_path, ishigami):
    out = tmp_path / "lhs"
    sweep(ishigami_spec(tmp_path, "lhs", 1000), out=out, workers=1, progress=False)
    table = analyze(out, "share_upgraded")
    np.testing.assert_allclose(table["S1"], S1, atol=0.08)


def test_morris_ranks_the_ishigami_inputs(tmp_path, ishigami):
    out = tmp_path / "morris"
    sweep(ishigami_spec(tmp_path, "morris", 50), out=out, workers=1, progress=False)
    table = analyze(out, "share_upgraded")
    plot_analysis(table, tmp_path / "morris.svg")
    table = table.set_index("parameter")
    assert {"mu", "mu_star", "mu_star_conf", "sigma"} <= set(table.columns)
    # x1 acts mostly through its interaction with x3: large sigma; x2 has the largest mu*.
    assert table.loc["bargaining_power", "mu_star"] > table.loc["ict_access", "mu_star"]
    assert table.loc["credit_access", "sigma"] > 0


def test_sobol_on_the_real_model_end_to_end(tmp_path):
    (tmp_path / "tiny.toml").write_text('name = "tiny"\n[parameters]\nn_mse = 40\n')
    spec = {"sweep": {"scenario": str(tmp_path / "tiny.toml"), "steps": 6, "replicates": 1,
                      "seed": 5, "method": "sobol", "samples": 8,
                      "outputs": ["share_upgraded", "mean_income"]},
            "parameters": {"credit_access": {"low": 0.0, "high": 1.0},
                           "bargaining_power": {"low": 0.0, "high": 1.0}}}
    out = tmp_path / "store"
    sweep(spec, out=out, workers=2, progress=False)
    table = analyze(out, "mean_income@6")
    assert table.attrs["n_runs"] == 8 * 4 and table.attrs["column"] == "mean_income@6"
    assert np.isfinite(table[["S1", "ST"]].to_numpy()).all()


def test_grid_main_effects_have_replicate_intervals(tmp_path, ishigami):
    (tmp_path / "tiny.toml").write_text('name = "tiny"\n[parameters]\nn_mse = 10\n')
    spec = {"sweep": {"scenario": str(tmp_path / "tiny.toml"), "steps": 1, "replicates": 1,
                      "method": "grid", "outputs": ["share_upgraded"]},
            "parameters": {"credit_access": [0.25, 0.5], "bargaining_power": [0.0, 0.5, 1.0]}}
    out = tmp_path / "grid"
    sweep(spec, out=out, workers=1, progress=False)
    table = analyze(out, "share_upgraded")
    assert len(table) == 2 + 3 and table["n_points"].tolist() == [3, 3, 2, 2, 2]
    # One replicate: no Monte Carlo error to estimate, so no interval.
    assert table["ci_low"].isna().all()
    # Deterministic stand-in: at bargaining_power 0.5, x2 = 0 and sin(x2)^2 = 0.
    row = table[(table["parameter"] == "bargaining_power") & (table["value"] == 0.5)]
    x3 = -np.pi + 2 * np.pi * 0.2  # ict_access keeps its default
    expected = np.mean([-1 - 0.1 * x3**4, 0.0])  # x1 = -pi/2 and 0
    assert row["mean"].iloc[0] == pytest.approx(expected)


def test_analyze_refuses_an_unfinished_sweep(tmp_path, ishigami):
    out = tmp_path / "lhs"
    sweep(ishigami_spec(tmp_path, "lhs", 40), out=out, workers=1, progress=False,
          chunk_size=10)
    next((out / "runs").glob("part-*.parquet")).unlink()
    with pytest.raises(sim.UserInputError, match="not finished .30 of 40 runs"):
        analyze(out, "share_upgraded")
