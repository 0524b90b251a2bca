"""Emergent tests: herding into today's best channel.

Each test runs the whole model on at least 10 common seeds and asks for the direction the
paper states, with the paired 95% confidence interval (paired t) excluding zero. Runs are
small (a few hundred MSEs, five to ten years) so each test takes seconds.
"""

from __future__ import annotations

import numpy as np

from sim.experiments import paired_effect
from sim.model import ValueChainModel

SEEDS = 10


def _channel_upgraders_yearly_risk(seed, herding, market_shifts, years=10, last=5):
    """Year-to-year income risk of the MSEs that upgraded channel: the median absolute log
    change of each one's annual income from one year to the next over the last ``last``
    years, pooled (the median, because years of near-zero income make the tails erratic)."""
    from sim.population import CHANNEL

    m = ValueChainModel(
        "baseline",
        rng=seed,
        n_mse=400,
        herding=herding,
        market_shifts=market_shifts,
        price_volatility=0.0,
    )
    annual = np.zeros((years, m.population.income.size))
    for year in range(years):
        for _ in range(12):
            m.step()
            annual[year] += m.population.income
    pop = m.population
    tail = annual[-last - 1 :, pop.has(CHANNEL) & pop.in_chain]
    before, after = tail[:-1], tail[1:]
    ok = (before > 0) & (after > 0)
    return np.median(np.abs(np.log(after[ok] / before[ok])))


def test_9_herding_into_todays_best_channel_is_riskier_when_the_best_channel_can_change(
    excludes_zero,
):
    # Guideline 7 (seed lines 362-384): "To reduce risk, MSEs should not be pushed to operate
    # exclusively in the market channel that pays the highest price today but may not pay the
    # highest price tomorrow"; "Diversification of market channels helps MSEs manage risk".
    # The income risk herding adds to channel upgraders (herded minus diversified, same seed)
    # is larger when the long-run order of channels can change (market_shifts 1) than when it
    # cannot (0): a difference in differences, paired by seed. Month-to-month price shocks are
    # muted (price_volatility 0) so that what is measured is the long-run shift alone; with
    # them at the baseline 0.4, order cancellations in the herded channel dominate
    # year-to-year risk and the difference is not detectable (+0.003, 95% CI -0.026 to +0.032
    # over seeds 0-29 when this test was written, against +0.028, 0.022 to 0.035, muted;
    # docs/seed-to-model.md).
    added = {}
    for shifts in (0.0, 1.0):
        herded = np.array([_channel_upgraders_yearly_risk(s, 1.0, shifts) for s in range(SEEDS)])
        diverse = np.array([_channel_upgraders_yearly_risk(s, 0.0, shifts) for s in range(SEEDS)])
        added[shifts] = herded - diverse
    # Herded channel upgraders carry more risk when the order of channels can change ...
    assert excludes_zero(paired_effect(np.zeros(SEEDS), added[1.0]), "up"), added
    # ... and more than the risk herding adds when it cannot.
    assert excludes_zero(paired_effect(added[0.0], added[1.0]), "up"), added
