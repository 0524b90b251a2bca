"""Cost-effectiveness (sim.costs.effectiveness): Fieller intervals and the ranked table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim import experiments
from sim.costs import (
    cost_effectiveness,
    evaluate_posterior,
    fieller,
    posterior_cost_effectiveness,
)
from sim.costs.effectiveness import COLUMNS
from sim.experiments.uncertainty import combine, run_posterior_experiments
from sim.who_gains import summary


def test_fieller_matches_the_t_interval_when_the_denominator_is_fixed():
    a = np.array([10.0, 12.0, 9.0, 11.0])
    ratio, low, high = fieller(a, np.full(4, 2.0))
    _, t_low, t_high = experiments.paired_effect(np.zeros(4), a)
    assert ratio == pytest.approx(5.25)
    assert (low, high) == pytest.approx((t_low / 2, t_high / 2))


def test_fieller_is_unbounded_when_the_gain_may_be_zero():
    _, low, high = fieller(np.full(5, 100.0), np.array([-2.0, 3.0, -1.0, 2.0, 0.5]))
    assert math.isnan(low) and math.isnan(high)


def test_cost_effectiveness_table(costed):
    table = cost_effectiveness(costed)
    assert list(table.columns) == list(COLUMNS)
    assert list(table["experiment"]) == ["g4", "g6", "g6:physical_distance", "g6:ict_access"]
    g6 = table.set_index("experiment").loc["g6"]
    parts = table.set_index("experiment").loc[["g6:physical_distance", "g6:ict_access"]]
    # Fixed and per-lever-unit parts of a guideline are those of its levers.
    assert g6["cost_fixed_usd"] == pytest.approx(parts["cost_fixed_usd"].sum())
    assert g6["cost_per_lever_unit_usd"] == pytest.approx(parts["cost_per_lever_unit_usd"].sum())
    assert (table["cost_usd"] > 0).all() and (table["cost_ci_low"] <= table["cost_usd"]).all()
    ranked = table[table["rank"].notna()]
    assert (ranked["upgraders_ci_low"] > 0).all()
    assert sorted(ranked["rank"]) == list(range(1, len(ranked) + 1))
    order = ranked.sort_values("rank")["cost_per_upgrader_usd"]
    assert order.is_monotonic_increasing
    unranked = table[table["rank"].isna()]
    assert unranked["cost_per_upgrader_usd"].isna().all()


def test_posterior_cost_table_combines_parameters_and_seeds():
    post = pd.DataFrame({"mean_unit_cost": [0.2, 0.7], "consumption_rate": [0.5, 0.9]})
    post.attrs = {"weights": [0.5, 0.5]}
    runs = run_posterior_experiments(
        ["g4"], draws=2, seeds=2, steps=24, workers=1, posterior=post, probe=summary, n_mse=60
    )
    table = posterior_cost_effectiveness(runs)
    assert list(table.columns) == [*COLUMNS, "draws"] and table["draws"].tolist() == [2]
    row = table.iloc[0]
    probes = runs["g4"].probes
    up = np.array(
        [
            [
                float(a["distribution"].iloc[0]["upgraded"] - b["distribution"].iloc[0]["upgraded"])
                for b, a in zip(before, after, strict=True)
            ]
            for before, after in zip(probes["baseline"], probes["intervention"], strict=True)
        ]
    )
    c = combine(up)
    assert row["extra_upgraders"] == pytest.approx(c["effect"])
    assert (row["upgraders_ci_low"], row["upgraders_ci_high"]) == pytest.approx(
        (c["low"], c["high"])
    )
    assert row["upgraders_ci_high"] - row["upgraders_ci_low"] >= c["seed_high"] - c["seed_low"]
    assert row["cost_usd"] > 0 and "posterior" in table.attrs["uncertainty"]
    runs["g4"].probes = {}
    with pytest.raises(ValueError, match="probe"):
        evaluate_posterior(runs["g4"])
