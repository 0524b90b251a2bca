"""How market information reaches MSEs: price signals, premiums and knowledge of options.

Each month every MSE observes what its link would pay it in each channel. The signal is
*delayed* (beliefs move only part of the way toward it) and, for information about quality
premiums and distant channels, *attenuated* by physical and social distance; it is
*distorted* by intermediaries' rent because the MSE sees the premium that reaches it, not the
one end markets pay. ICT and lead-firm links give a clearer, direct view of end markets;
producer groups pool what members know (:func:`sim.groups.share_information`).

Options are learnt the same way: an MSE weighs only the upgrading options it knows of, and it
hears of them through vertical links, ICT, its group and its neighbours.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from sim import detmath
from sim.constants import declare, real, values5, values_of, vector
from sim.markets import N_CHANNELS
from sim.population import FUNCTIONAL, N_OPTIONS, PRODUCT, UPGRADE_TYPES, Population
from sim.threads import CHUNK, parallel

ALL_OPTIONS = (1 << N_OPTIONS) - 1

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        real(
            "learning_rate",
            0.3,
            0.0,
            1.0,
            "share of gap per month",
            "Share of the gap between signal and belief closed each month at distance 0.",
        ),
        real(
            "distance_delay",
            0.5,
            0.0,
            1.0,
            "share of learning speed",
            "Share of that speed lost at distance 1 (slow news).",
        ),
        real(
            "direct_learning_rate",
            0.8,
            0.0,
            1.0,
            "share of gap per month",
            "Share of the gap closed each month by a direct seller, which deals with end-market "
            "buyers itself and hears their prices at once, whatever its distance.",
        ),
        # Clarity lost at distance 1 and at full social barrier.
        real(
            "distance_attenuation", 0.6, 0.0, 1.0, "share of clarity", "Clarity lost at distance 1."
        ),
        real(
            "social_attenuation",
            0.6,
            0.0,
            1.0,
            "share of clarity",
            "Clarity lost at full social barrier.",
        ),
        # Clarity of information through ICT and through a lead firm link.
        real("ict_clarity", 0.9, 0.0, 1.0, "clarity 0-1", "Clarity of information through ICT."),
        real(
            "lead_firm_clarity",
            0.85,
            0.0,
            1.0,
            "clarity 0-1",
            "Clarity of information through a lead firm (or MSE broker) link.",
        ),
        # It deals with end-market buyers and reads their prices and premiums directly ("direct
        # relationships between producers and exporters facilitate the flow of information", seed lines
        # 199-203). At least the lead-firm clarity, so that functional upgrading never worsens an MSE's
        # information.
        real(
            "direct_clarity",
            1.0,
            0.0,
            1.0,
            "clarity 0-1",
            "Clarity of a direct seller (after functional upgrading).",
            source="calibration choice, guided by the seed (seed lines 199-203)",
        ),
        real(
            "trader_clarity",
            0.8,
            0.0,
            1.0,
            "clarity 0-1",
            "Clarity of an intermediary's information about premiums, at zero rent.",
        ),
        # Traders who keep the premium hide it.
        real(
            "rent_opacity",
            0.5,
            0.0,
            1.0,
            "share of clarity",
            "Share of a trader's clarity lost at full rent.",
        ),
        real("signal_noise", 0.05, 0.0, 1.0, "relative sd", "Relative noise of observed signals."),
        # Monthly hazard of hearing of each option (process, product, functional, channel,
        # intersectoral) from background sources: neighbours, extension, radio.
        vector(
            "background_hazard",
            [0.010, 0.006, 0.003, 0.004, 0.003],
            UPGRADE_TYPES,
            0,
            1,
            "per month",
            "Monthly hazard of hearing of each option from background sources (neighbours, "
            "extension, radio).",
        ),
        # ... from a lead firm's embedded services, at embedded_services = 1.
        vector(
            "lead_firm_hazard",
            [0.10, 0.12, 0.0, 0.06, 0.0],
            UPGRADE_TYPES,
            0,
            1,
            "per month",
            "Monthly hazard of hearing of each option from a lead firm's embedded services, at "
            "embedded_services = 1.",
        ),
        # ... from stand-alone support services (training, extension), at full intensity.
        vector(
            "support_hazard",
            [0.06, 0.06, 0.01, 0.02, 0.0],
            UPGRADE_TYPES,
            0,
            1,
            "per month",
            "Monthly hazard of hearing of each option from stand-alone support services at full "
            "intensity.",
        ),
        # ... from ICT (market information about prices and buyers).
        vector(
            "ict_hazard",
            [0.005, 0.02, 0.02, 0.03, 0.01],
            UPGRADE_TYPES,
            0,
            1,
            "per month",
            "Monthly hazard of hearing of each option through ICT.",
        ),
        # ... from an intermediary, at zero rent (traders who keep the premium do not explain it).
        vector(
            "trader_hazard",
            [0.01, 0.03, 0.0, 0.0, 0.0],
            UPGRADE_TYPES,
            0,
            1,
            "per month",
            "Monthly hazard of hearing of each option from an intermediary, at zero rent.",
        ),
        # ... from a project herding MSEs into one channel, at herding = 1 (it promotes that channel).
        vector(
            "herding_promotion",
            [0.0, 0.0, 0.0, 0.05, 0.0],
            UPGRADE_TYPES,
            0,
            1,
            "per month",
            "Monthly hazard of hearing of each option from a project herding MSEs into one channel, "
            "at herding = 1.",
        ),
        # ... from the buyers, designers and traders an MSE meets once it has upgraded product or
        # function: news of other value chains (the India "stepping stone", seed lines 335-340).
        vector(
            "stepping_stone_hazard",
            [0.0, 0.0, 0.0, 0.0, 0.04],
            UPGRADE_TYPES,
            0,
            1,
            "per month",
            "Monthly hazard of hearing of each option, once an MSE has upgraded product or function,"
            " from the buyers and traders it meets (India's stepping stone, seed lines 335-340).",
            source="calibration choice, guided by the seed (seed lines 335-340)",
        ),
        # Share of every source of news lost at distance 1 and at full social barrier.
        real(
            "distance_isolation",
            0.5,
            0.0,
            1.0,
            "share of news",
            "Share of every source of news lost at distance 1.",
        ),
        real(
            "social_isolation",
            0.6,
            0.0,
            1.0,
            "share of news",
            "Share of every source of news lost at full social barrier.",
        ),
        # ... from seeing group members (demonstration) and village neighbours who made it.
        real(
            "group_hazard",
            0.25,
            0.0,
            1.0,
            "per month per adopting share",
            "Monthly hazard of hearing of an option per share of one's group members who made it "
            "(demonstration).",
        ),
        real(
            "village_hazard",
            0.04,
            0.0,
            1.0,
            "per month per adopting share",
            "Monthly hazard of hearing of an option per share of one's village neighbours who made "
            "it.",
        ),
    ],
)


class NewsSources(NamedTuple):
    """Where news of upgrading options comes from, as one argument of the hazard pass.

    Attributes:
        social: Social barrier per MSE, in [0, 1] (cuts every source), (n,).
        services: Embedded-service intensity per MSE, in [0, 1], (n,).
        intermediary_rent: Scenario lever (traders who keep the premium explain less).
        herding: Scenario lever (projects that herd MSEs promote the channel).
        group_adoption: Share of each group's members that made each upgrade, (groups, 5).
        village_adoption: Share of each village's MSEs that made each upgrade, (villages, 5).
        support: Stand-alone support-service intensity per MSE, in [0, 1], (n,).
    """

    social: np.ndarray
    services: np.ndarray
    intermediary_rent: float
    herding: float
    group_adoption: np.ndarray
    village_adoption: np.ndarray
    support: np.ndarray


def own_clarity(intermediary_rent: float, consts: np.ndarray) -> float:
    """How clearly an MSE sees end markets through its trader, before distance and barriers."""
    RENT_OPACITY = values_of(consts)["rent_opacity"]
    TRADER_CLARITY = values_of(consts)["trader_clarity"]
    return TRADER_CLARITY * (1.0 - RENT_OPACITY * intermediary_rent)


def signal_clarity(
    pop: Population,
    social: np.ndarray,
    linked: np.ndarray,
    intermediary_rent: float,
    consts: np.ndarray,
) -> np.ndarray:
    """How clearly each MSE perceives premiums and distant markets, in [0, 1].

    Through its trader the MSE sees end markets dimly (less so far away, in an excluded
    group, or when the trader keeps the premium); ICT and a lead-firm link give a clearer
    view, and a direct seller (functional upgrading) reads end markets directly.

    Args:
        pop: Population.
        social: Social barrier per MSE.
        linked: Whether each MSE's information comes through a lead firm or an MSE broker
            (clarity at least `LEAD_FIRM_CLARITY`).
        intermediary_rent: Scenario lever.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    own = own_clarity(intermediary_rent, consts)
    args = (own, pop.distance, social, pop.ict, linked, pop.upgrades, consts)
    # Each MSE's clarity is its own: from PARALLEL_MIN_MSES, over threads in fixed chunks.
    if parallel(pop.n):
        clarity = np.empty(pop.n)
        _signal_clarity_chunks(*args, clarity, CHUNK)
        return clarity
    return _signal_clarity(*args, 0, pop.n)


@njit(cache=True, parallel=True)
def _signal_clarity_chunks(own, distance, social, ict, linked, upgrades, consts, clarity, chunk):
    """`_signal_clarity` over threads, in fixed chunks of ``chunk`` MSEs, into ``clarity``."""
    n = distance.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        stop = min(start + chunk, n)
        clarity[start:stop] = _signal_clarity(
            own, distance, social, ict, linked, upgrades, consts, start, stop
        )


@njit(cache=True)
def _signal_clarity(own, distance, social, ict, linked, upgrades, consts, start, stop):
    """The clarity of MSEs ``start`` to ``stop`` (a new array).

    A new array, which the compiler knows overlaps no input, keeps the loop on the CPU's
    vector units (with an output array passed in, about 1.5 times slower).
    """
    distance, social, ict = distance[start:stop], social[start:stop], ict[start:stop]
    linked, upgrades = linked[start:stop], upgrades[start:stop]
    clarity = np.empty(distance.size)
    for i in range(distance.size):
        clarity[i] = mse_clarity(
            own, distance[i], social[i], ict[i], linked[i], upgrades[i], consts
        )
    return clarity


@njit(cache=True)
def mse_clarity(own, distance, social, ict, linked, upgrades, consts):
    """One MSE's clarity (`signal_clarity`), from its own elements.

    The valuation works it out with this for each MSE it values rather than the month
    holding every MSE's (memory): the same operations, so the same bits.
    """
    DIRECT_CLARITY = consts[0].direct_clarity
    DISTANCE_ATTENUATION = consts[0].distance_attenuation
    ICT_CLARITY = consts[0].ict_clarity
    LEAD_FIRM_CLARITY = consts[0].lead_firm_clarity
    SOCIAL_ATTENUATION = consts[0].social_attenuation
    c = own * (1.0 - DISTANCE_ATTENUATION * distance) * (1.0 - SOCIAL_ATTENUATION * social)
    # ICT and a lead firm give a clear, direct view of end markets; selling directly
    # gives the clearest (so taking on the trader's function never loses information).
    if ict:
        c = max(c, ICT_CLARITY)
    if linked:
        c = max(c, LEAD_FIRM_CLARITY)
    if (upgrades >> FUNCTIONAL) & 1:
        c = max(c, DIRECT_CLARITY)
    return c


def update_beliefs(
    pop: Population,
    base: np.ndarray,
    premium_rate: np.ndarray,
    clarity: np.ndarray,
    noise: np.ndarray,
    consts: np.ndarray,
    rows: slice | None = None,
) -> None:
    """Move price and premium beliefs toward this month's (attenuated, noisy) signals.

    The price in a channel the MSE sells in is seen as it is; the gap to channels it does not
    sell in, and every premium, are seen only as clearly as its information allows. A direct
    seller hears end-market prices at once (`DIRECT_LEARNING_RATE`).

    Args:
        pop: Population, beliefs updated in place.
        base: Base price the MSE's link would pay per unit, by channel, (3, n).
        premium_rate: Premium per unit of quality that would reach the MSE, (3, n).
        clarity: Signal clarity per MSE.
        noise: Zero-mean, unit-variance draws, shape (n,).
        consts: The run's calibration constants (a `sim.constants` record).
        rows: Only these MSEs (a range of rows); ``base`` and ``premium_rate`` are then theirs
            alone, (3, rows). Every MSE's beliefs are its own, so updating the MSEs range
            by range gives the same numbers.
    """
    every = slice(None) if rows is None else rows
    args = (
        pop.channel_weight[:, every],
        pop.distance[every],
        pop.upgrades[every],
        base,
        premium_rate,
        clarity[every],
        noise[every],
        pop.belief_price[:, every],
        pop.belief_premium[:, every],
        consts,
    )
    n = args[1].size
    if parallel(n):
        _update_beliefs_chunks(*args, CHUNK)
    else:
        _update_beliefs(*args, 0, n)


@njit(cache=True, parallel=True)
def _update_beliefs_chunks(
    weight,
    distance,
    upgrades,
    base,
    premium_rate,
    clarity,
    noise,
    belief_price,
    belief_premium,
    consts,
    chunk,
):
    """`_update_beliefs` over threads, in fixed chunks (each MSE's beliefs are its own)."""
    n = distance.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        _update_beliefs(
            weight,
            distance,
            upgrades,
            base,
            premium_rate,
            clarity,
            noise,
            belief_price,
            belief_premium,
            consts,
            start,
            min(start + chunk, n),
        )


@njit(cache=True)
def _update_beliefs(
    weight,
    distance,
    upgrades,
    base,
    premium_rate,
    clarity,
    noise,
    belief_price,
    belief_premium,
    consts,
    start,
    stop,
):
    DIRECT_LEARNING_RATE = consts[0].direct_learning_rate
    DISTANCE_DELAY = consts[0].distance_delay
    LEARNING_RATE = consts[0].learning_rate
    SIGNAL_NOISE = consts[0].signal_noise
    for i in range(start, stop):
        selling = 0
        own = 0.0
        for c in range(N_CHANNELS):
            if weight[c, i] > 0.0:
                selling += 1
                own += base[c, i]
        own /= max(selling, 1)
        wobble = 1.0 + SIGNAL_NOISE * noise[i]
        speed = LEARNING_RATE * (1.0 - DISTANCE_DELAY * distance[i])
        if (upgrades[i] >> FUNCTIONAL) & 1:
            speed = max(speed, DIRECT_LEARNING_RATE)
        for c in range(N_CHANNELS):
            seen = base[c, i] if weight[c, i] > 0.0 else own + clarity[i] * (base[c, i] - own)
            belief_price[c, i] += speed * (seen * wobble - belief_price[c, i])
            belief_premium[c, i] += speed * (
                clarity[i] * premium_rate[c, i] * wobble - belief_premium[c, i]
            )


def option_hazards(
    pop: Population,
    rows: np.ndarray,
    social: np.ndarray,
    services: np.ndarray,
    intermediary_rent: float,
    herding: float,
    group_adoption: np.ndarray,
    village_adoption: np.ndarray,
    support: np.ndarray | None = None,
    *,
    consts: np.ndarray,
) -> np.ndarray:
    """Monthly hazard of hearing of each option, shape (5, m), for in-chain MSEs ``rows``.

    All sources at once: background, a lead firm's services, ICT, the intermediary (less
    when it keeps the premium as rent), group members and village neighbours who made the
    upgrade. Distance and social exclusion cut every source.

    Args:
        pop: Population.
        rows: The MSEs concerned (m of them, all in the chain).
        social: Social barrier per MSE (all n).
        services: Embedded-service intensity per MSE (all n).
        intermediary_rent: Scenario lever.
        herding: Scenario lever (projects that herd MSEs also promote the channel).
        group_adoption: Share of each group's members that made each upgrade, (groups, 5),
            from `sim.groups.peer_adoption`.
        village_adoption: The same for villages, (villages, 5).
        support: Stand-alone support-service intensity per MSE (all n; none if omitted).
        consts: The run's calibration constants (a `sim.constants` record).
    """
    sources = NewsSources(
        social=social,
        services=services,
        intermediary_rent=float(intermediary_rent),
        herding=float(herding),
        group_adoption=group_adoption,
        village_adoption=village_adoption,
        support=np.zeros(pop.n) if support is None else support,
    )
    hazard = np.empty((N_OPTIONS, rows.size))
    if parallel(pop.n):
        _option_hazards_chunks(pop.state, rows, sources, consts, hazard, CHUNK)
    else:
        _option_hazards(pop.state, rows, sources, consts, hazard, 0, rows.size)
    return hazard


@njit(cache=True, parallel=True)
def _option_hazards_chunks(mse, rows, sources, consts, hazard, chunk):
    """`_option_hazards` over threads, in fixed chunks (each column depends on its row only)."""
    n_chunks = (rows.size + chunk - 1) // chunk
    for c in prange(n_chunks):
        start = c * chunk
        _option_hazards(mse, rows, sources, consts, hazard, start, min(start + chunk, rows.size))


@njit(cache=True)
def _option_hazards(mse, rows, sources, consts, hazard, start, stop):
    """Hazards of MSEs ``rows[start:stop]`` (of `MseState` ``mse``) into those columns.

    ``hazard`` is (5, m); the sources are `NewsSources`.
    """
    BACKGROUND_HAZARD = values5(consts[0].background_hazard)
    DISTANCE_ISOLATION = consts[0].distance_isolation
    GROUP_HAZARD = consts[0].group_hazard
    HERDING_PROMOTION = values5(consts[0].herding_promotion)
    ICT_HAZARD = values5(consts[0].ict_hazard)
    LEAD_FIRM_HAZARD = values5(consts[0].lead_firm_hazard)
    SOCIAL_ISOLATION = consts[0].social_isolation
    STEPPING_STONE_HAZARD = values5(consts[0].stepping_stone_hazard)
    SUPPORT_HAZARD = values5(consts[0].support_hazard)
    TRADER_HAZARD = values5(consts[0].trader_hazard)
    VILLAGE_HAZARD = consts[0].village_hazard
    aware, ict, distance, group, village = (
        mse.aware,
        mse.ict,
        mse.distance,
        mse.group,
        mse.village,
    )
    upgrades = mse.upgrades
    social, services, intermediary_rent, herding = (
        sources.social,
        sources.services,
        sources.intermediary_rent,
        sources.herding,
    )
    group_adoption, village_adoption = sources.group_adoption, sources.village_adoption
    support = sources.support
    for j in range(start, stop):
        i = rows[j]
        isolation = (1.0 - DISTANCE_ISOLATION * distance[i]) * (1.0 - SOCIAL_ISOLATION * social[i])
        g = group[i] if 0 <= group[i] < group_adoption.shape[0] else -1
        stepping = ((upgrades[i] >> PRODUCT) & 1) | ((upgrades[i] >> FUNCTIONAL) & 1)
        for k in range(N_OPTIONS):
            # Only news of an option the MSE does not know yet counts as news. (Multiplying
            # rather than branching: which options an MSE knows is too irregular to predict.)
            unknown = 1 - ((aware[i] >> k) & 1)
            hazard[k, j] = (
                (
                    BACKGROUND_HAZARD[k]
                    + LEAD_FIRM_HAZARD[k] * services[i]
                    + SUPPORT_HAZARD[k] * support[i]
                    + ICT_HAZARD[k] * ict[i]
                    + (1.0 - intermediary_rent) * TRADER_HAZARD[k]
                    + herding * HERDING_PROMOTION[k]
                    + GROUP_HAZARD * (group_adoption[g, k] if g >= 0 else 0.0)
                    + VILLAGE_HAZARD * village_adoption[village[i], k]
                    + STEPPING_STONE_HAZARD[k] * stepping
                )
                * isolation
                * unknown
            )


def learners(
    pop: Population, in_chain: np.ndarray | None = None, block: slice | None = None
) -> np.ndarray:
    """Rows of in-chain MSEs that do not yet know every option (ascending).

    Args:
        pop: Population.
        in_chain: ``pop.in_chain``, if the caller has it already (computed otherwise).
        block: Only the learners among these rows (``slice(start, stop)``; all if omitted).
    """
    if in_chain is None:
        in_chain = pop.in_chain
    if block is None:
        return np.flatnonzero(in_chain & (pop.aware != ALL_OPTIONS))
    start = block.start or 0
    return start + np.flatnonzero(in_chain[block] & (pop.aware[block] != ALL_OPTIONS))


def learn_options(
    pop: Population, rows: np.ndarray, hazard: np.ndarray, uniforms: np.ndarray
) -> None:
    """MSEs hear of upgrading options they did not know of (at most one a month).

    The options are competing risks sharing one uniform draw per MSE: news arrives with
    probability ``1 - exp(-sum of hazards)`` and is about option k with probability
    proportional to its hazard. Hazards are small, so this is close to independent draws per
    option and needs a fifth of the random numbers.

    Args:
        pop: Population; `aware` updated in place.
        rows: The MSEs concerned (m of them).
        hazard: Monthly hazards, (5, m), from :func:`option_hazards`.
        uniforms: Uniform draws, shape (m,).
    """
    if parallel(pop.n):
        _learn_options_chunks(rows, hazard, uniforms, pop.aware, CHUNK)
    else:
        _learn_options(rows, hazard, uniforms, pop.aware, 0, rows.size)


@njit(cache=True, parallel=True)
def _learn_options_chunks(rows, hazard, uniforms, aware, chunk):
    """`_learn_options` over threads, in fixed chunks (``rows`` name each MSE once)."""
    for c in prange((rows.size + chunk - 1) // chunk):
        start = c * chunk
        _learn_options(rows, hazard, uniforms, aware, start, min(start + chunk, rows.size))


#: A draw ``u >= total * _NO_NEWS_MARGIN`` brings no news (`_learn_options`): the chance
#: ``-expm1(-total)`` is at most ``total`` (to 1 ulp, 2**-52), far below this margin.
_NO_NEWS_MARGIN = 1.0 + 1.0 / (1 << 40)  # 1 + 2**-40, exactly (no pow)


@njit(cache=True)
def _learn_options(rows, hazard, uniforms, aware, start, stop):
    for j in range(start, stop):
        total = 0.0
        for k in range(N_OPTIONS):
            total += hazard[k, j]
        # The chance 1 - e**-total is below the total (within expm1's 1 ulp), so a draw
        # at or above the total, with room to spare, is no news: expm1 is not needed. Most
        # draws are, and the outcome is the one the comparison below would give.
        if uniforms[j] >= total * _NO_NEWS_MARGIN:
            continue
        chance = -detmath.expm1(-total)
        if not uniforms[j] < chance:
            continue
        # Given news, u / P(news) is uniform again and picks the option by its share of hazard.
        position = uniforms[j] / chance * total
        option, edge = 0, hazard[0, j]
        while option < N_OPTIONS - 1 and position >= edge:
            option += 1
            edge += hazard[option, j]
        aware[rows[j]] |= 1 << option


def initial_beliefs(
    pop: Population,
    base: np.ndarray,
    premium_rate: np.ndarray,
    clarity: np.ndarray,
    rows: slice | None = None,
) -> None:
    """Start beliefs at the attenuated signals (no delay yet).

    With ``rows`` (a range of rows), only those MSEs', from their own ``base`` and
    ``premium_rate``, (3, rows): the same numbers as all at once, element by element.
    """
    every = slice(None) if rows is None else rows
    own = base[0]
    pop.belief_price[:, every] = own + clarity[every] * (base - own)
    pop.belief_premium[:, every] = clarity[every] * premium_rate
