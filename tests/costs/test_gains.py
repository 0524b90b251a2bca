"""Who gains from a guideline (sim.costs.gains): the same groups, paired."""

from __future__ import annotations

import pytest

from sim.costs import who_gains


def test_who_gains_pairs_the_same_groups(costed):
    gains = who_gains(costed["g6"])
    groups = gains[gains["dimension"] == "distance"]
    assert list(groups["group"]) == ["near", "middle", "remote"]
    assert groups["n_mse"].sum() == 250
    assert (gains["upgrading_ci_low"].dropna() <= gains["upgrading_change"].dropna()).all()
    margin = gains[gains["dimension"] == "margin"]
    # The parties' shares of the payment add to one in both arms, so their changes add to 0.
    assert margin["margin_change"].sum() == pytest.approx(0.0, abs=1e-9)
