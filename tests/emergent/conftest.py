"""Fixtures of the emergent tests."""

from __future__ import annotations

from contextlib import contextmanager

import pytest


def _excludes_zero(effect, direction):
    mean, low, high = effect
    return low > 0 if direction == "up" else high < 0


@pytest.fixture(scope="session")
def excludes_zero():
    """``excludes_zero((mean, low, high), "up" | "down")``: the interval lies on that side."""
    return _excludes_zero


#: Where the model, with every mechanism on, disagrees with a direction the paper (or the issue
#: that asked for a mechanism) states: test key -> what was measured when it was recorded. Each
#: is reported with its numbers in docs/seed-to-model.md ("Where the model disagrees"), never
#: tuned away. A recorded check xfails while it still fails, and fails the moment it passes (the
#: record and the docs are then out of date); a check not recorded here must pass.
DISAGREEMENTS: dict[str, str] = {
    "g4 share_product": (
        "0.4.0 (issue 22's markets on): +0.0008 [-0.0045, +0.0062] on 10 seeds (0.3.0 passed). "
        "Demand that answers supply lowers the premium as product upgraders "
        "multiply, so more credit buys process, not product, upgrading"
    ),
    "g7 share_in_distress": (
        "0.4.0: -0.0016 [-0.0036, +0.0004] on 30 seeds (0.3.0 passed). Entry, demand and "
        "rival buyers leave few MSEs in distress in either arm (baseline 0.65%)"
    ),
    "effect 2 kenya-avocados share_linked_lead_firm": (
        "0.4.0: +0.0059 [+0.0021, +0.0096] (8 seeds): without contracts nobody side-sells and is "
        "dropped, so Kenya's one lead firm keeps more suppliers than with them"
    ),
    "effect 5 kenya-avocados upgrading_gap": (
        "0.4.0: -0.018 [-0.050, +0.014] (8 seeds): the direction holds, the interval does not "
        "exclude zero"
    ),
    "pakistan agents share_product": (
        "0.4.0: +0.005 [-0.001, +0.011] at 120 months (10 seeds); 0.3.0: +0.016 [+0.008, +0.023]"
    ),
    "side-selling rises with spot prices": (
        "0.4.0: +0.027 [-0.003, +0.057] (10 seeds, 60 months); 0.3.0 passed. Lead firms that "
        "compete for suppliers pay more, so spot beats their contracts less often: with "
        "offer_step 0 it is +0.041 [+0.006, +0.075], with demand_response 0 +0.031 "
        "[+0.001, +0.060]"
    ),
    "india outreach moves 5%": (
        "0.4.0: 4.2% of MSEs moved with full outreach (lower bound of the 95% CI, 20 seeds) "
        "against the issue's at least 5%; 0.3.0: 5.3%, the bound of 6.1% [5.3%, 6.9%]"
    ),
}


@contextmanager
def _disagreement(key: str):
    if key not in DISAGREEMENTS:
        yield
        return
    try:
        yield
    except AssertionError as failure:
        pytest.xfail(f"recorded disagreement ({key}: {DISAGREEMENTS[key]}): {failure}")
    pytest.fail(
        f"the recorded disagreement '{key}' no longer holds: update DISAGREEMENTS in "
        "tests/emergent/conftest.py and docs/seed-to-model.md"
    )


class _Disagreements:
    """``with disagreement(key): <check>``: a check recorded in :data:`DISAGREEMENTS` xfails.

    An xfail ends the test, so a test making several checks makes its recorded ones last
    (``disagreement.last(keys)`` orders them), and the others are still checked.
    """

    def __call__(self, key: str):
        return _disagreement(key)

    @staticmethod
    def last(keys):
        """``keys`` with the recorded ones moved to the end (order otherwise kept)."""
        return sorted(keys, key=lambda key: key in DISAGREEMENTS)


@pytest.fixture(scope="session")
def disagreement():
    """Checks recorded as disagreements with the paper (:class:`_Disagreements`)."""
    return _Disagreements()
