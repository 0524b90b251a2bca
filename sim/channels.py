"""End-market channels an MSE sells in: where sales go, which channel is next, the spread.

Where an MSE's sales go after standards, which channel it would enter next, and how it spreads
its sales over the channels open to it.

Diversifying across channels manages risk (guideline 7); output that meets no entered
channel's standard sells on the domestic market, which takes any quality.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.markets import DOMESTIC, N_CHANNELS, clears_standard
from sim.population import Population
from sim.threads import CHUNK, parallel


@njit(cache=True)
def sold_in_channels(weights, quality, consts):
    """Where one MSE's sales go after standards: ``weights`` (3,) by channel, as a tuple.

    What fails a channel's standard sells domestically, which takes any quality.
    """
    unmet = 0.0
    for c in range(N_CHANNELS):
        if not clears_standard(quality, c, consts):
            unmet += weights[c]
    # Channel 0 is DOMESTIC, whose standard every product clears.
    return (
        weights[0] * clears_standard(quality, 0, consts) + unmet,
        weights[1] * clears_standard(quality, 1, consts),
        weights[2] * clears_standard(quality, 2, consts),
    )


@njit(cache=True)
def best_new_channel(channels, base, premium, quality, consts):
    """The channel an MSE would enter, or -1 if none.

    That is the best-paying channel it has not entered (``channels`` is its bit set) and
    whose standard its product meets.
    """
    best, best_price = -1, -np.inf
    for c in range(N_CHANNELS):
        if (channels >> c) & 1 == 0 and clears_standard(quality, c, consts):
            price = base[c] + premium[c] * quality
            if price > best_price:
                best, best_price = c, price
    return best


@njit(cache=True)
def diversified_weights(channels, new_channel):
    """Channel weights (3,) after entering ``new_channel`` (or none, if -1): spread evenly."""
    used = channels | ((1 << new_channel) if new_channel >= 0 else 0)
    count = (used & 1) + ((used >> 1) & 1) + ((used >> 2) & 1)
    return ((used & 1) / count, ((used >> 1) & 1) / count, ((used >> 2) & 1) / count)


@njit(cache=True)
def channel_open(channels, quality, consts):
    """Whether some channel not yet entered accepts this quality."""
    open_ = 0
    for c in range(N_CHANNELS):
        open_ |= ((channels >> c) & 1 == 0) & clears_standard(quality, c, consts)
    return open_ != 0


def allocate_channels(pop: Population, consts: np.ndarray) -> None:
    """Spread each MSE's sales evenly over the channels open to it.

    Those are the channels it has entered and whose standard its product meets;
    diversification manages risk (guideline 7). Output that meets no entered channel's
    standard goes to the domestic market, which takes any quality.
    """
    args = (pop.channels, pop.quality, pop.channel_weight, consts)
    # Each MSE's weights are its own: from PARALLEL_MIN_MSES, over threads in fixed chunks.
    if parallel(pop.n):
        _allocate_channels_chunks(*args, CHUNK)
    else:
        _allocate_channels(*args, 0, pop.n)


@njit(cache=True, parallel=True)
def _allocate_channels_chunks(channels, quality, weight, consts, chunk):
    """`_allocate_channels` over threads, in fixed chunks of ``chunk`` MSEs."""
    n = channels.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        _allocate_channels(channels, quality, weight, consts, start, min(start + chunk, n))


@njit(cache=True)
def _allocate_channels(channels, quality, weight, consts, start, stop):
    """Set the channel weights of MSEs ``start`` to ``stop`` (before ``stop``)."""
    for i in range(start, stop):
        count = 0
        for c in range(N_CHANNELS):
            if (channels[i] >> c) & 1 == 1 and clears_standard(quality[i], c, consts):
                count += 1
        for c in range(N_CHANNELS):
            if count == 0:
                weight[c, i] = 1.0 if c == DOMESTIC else 0.0
            elif (channels[i] >> c) & 1 == 1 and clears_standard(quality[i], c, consts):
                weight[c, i] = 1.0 / count
            else:
                weight[c, i] = 0.0
