"""Emergent tests: security risk in transit far from markets.

Each test runs the whole model on at least 10 common seeds and asks for the direction the
paper states, with the paired 95% confidence interval (paired t) excluding zero. Runs are
small (a few hundred MSEs, five to ten years) so each test takes seconds.
"""

from __future__ import annotations

from sim.experiments import run_arms

SEEDS = 10


def test_7_security_risk_in_transit_holds_back_functional_upgrading_far_from_markets(excludes_zero):
    # Seed lines 205-210: distance raises costs and exposes MSEs who carry products or cash
    # to security and market risks, "reducing the profits from upgrading".
    chain = dict(
        n_mse=400,
        education=0.9,
        intermediary_rent=1.0,
        bargaining_power=0.0,
        credit_access=0.8,
        physical_distance=0.8,
    )
    r = run_arms(
        "baseline",
        {"safe": {**chain, "transit_risk": 0.0}, "risky": {**chain, "transit_risk": 1.0}},
        metrics=["share_functional"],
        seeds=SEEDS,
        steps=120,
        workers=1,
    )
    assert excludes_zero(r.effect("risky", "safe", "share_functional"), "down"), (
        r.mean("safe", "share_functional"),
        r.mean("risky", "share_functional"),
    )
