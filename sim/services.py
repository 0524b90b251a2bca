"""Services to MSEs: lead firms' embedded services and stand-alone support markets.

To the MSEs linked to them, lead firms offer *embedded services* — technical assistance, input
advances, design help — that lower the cost and risk of upgrading (`service_intensity`,
`technical_assistance`, `advance_share`). Stand-alone support markets — fee-based training,
extension and business services bought by any MSE — are a separate, weak source
(``support_services``, `support_intensity`; "a much less important source of learning", seed
lines 167-169; structural effect 4): they reach remote and excluded MSEs poorly and charge a
fee, so lead firms' embedded services fill part of the gap.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.constants import declare, real
from sim.population import Population, stays_in_chain
from sim.threads import CHUNK, parallel

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        real(
            "service_cost_discount",
            0.4,
            0.0,
            1.0,
            "share of cost",
            "Cost of upgrading removed by design help and technical assistance at full intensity.",
        ),
        real(
            "service_success_gain",
            0.25,
            0.0,
            1.0,
            "probability",
            "Chance of an upgrade succeeding added by technical assistance at full intensity.",
        ),
        real(
            "service_skill_gain",
            0.004,
            0.0,
            0.1,
            "skill per month",
            "Skill gained per month from technical assistance at full intensity.",
        ),
        real(
            "advance_share",
            1.0,
            0.0,
            1.0,
            "share of working capital",
            "Share of an upgrade's working capital a lead firm advances at full intensity.",
        ),
        # Reach of stand-alone support services lost at distance 1 and at full social barrier:
        # supporting markets are thin away from towns and for excluded groups.
        real(
            "support_distance_loss",
            0.6,
            0.0,
            1.0,
            "share of reach",
            "Reach of stand-alone support services lost at distance 1.",
        ),
        real(
            "support_social_loss",
            0.6,
            0.0,
            1.0,
            "share of reach",
            "Reach of stand-alone support services lost at full social barrier.",
        ),
        real(
            "support_fee",
            0.2,
            0.0,
            1.0,
            "share of upgrade cost",
            "Fee for stand-alone services, as a share of an upgrade's cost, at full intensity (they "
            "are paid for, unlike embedded services).",
        ),
    ],
)


def service_intensity(pop: Population, embedded_services: float) -> np.ndarray:
    """Embedded-service intensity each MSE receives: the lever if linked to a lead firm."""
    args = (float(embedded_services), pop.lead_firm, pop.active)
    # Each MSE's intensity is its own: from PARALLEL_MIN_MSES, over threads in fixed chunks.
    if parallel(pop.n):
        out = np.empty(pop.n)
        _linked_share_chunks(*args, out, CHUNK)
        return out
    return _linked_share(*args, 0, pop.n)


def support_intensity(
    pop: Population, support_services: float, social: np.ndarray, consts: np.ndarray
) -> np.ndarray:
    """Stand-alone (fee-based) support services each in-chain MSE can buy, in [0, 1].

    Open to every MSE, linked or not, but thinner far from markets and for the excluded
    group. They raise the chance of success, skills and news of options like embedded
    services do, but cost a fee and bring no input advances or cost-cutting design help.
    """
    args = (float(support_services), pop.distance, social, pop.active, pop.upgrades, consts)
    # Each MSE's intensity is its own: from PARALLEL_MIN_MSES, over threads in fixed chunks.
    if parallel(pop.n):
        out = np.empty(pop.n)
        _support_intensity_chunks(*args, out, CHUNK)
        return out
    return _support_intensity(*args, 0, pop.n)


@njit(cache=True, parallel=True)
def _support_intensity_chunks(lever, distance, social, active, upgrades, consts, out, chunk):
    """`_support_intensity` over threads, in fixed chunks of ``chunk`` MSEs, into ``out``."""
    n = distance.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        stop = min(start + chunk, n)
        out[start:stop] = _support_intensity(
            lever, distance, social, active, upgrades, consts, start, stop
        )


@njit(cache=True)
def _support_intensity(lever, distance, social, active, upgrades, consts, start, stop):
    """The support intensity of MSEs ``start`` to ``stop`` (a new array).

    A new array, which the compiler knows overlaps no input, keeps the loop on the CPU's
    vector units (with an output array passed in, about 1.5 times slower).
    """
    distance, social = distance[start:stop], social[start:stop]
    active, upgrades = active[start:stop], upgrades[start:stop]
    out = np.empty(distance.size)
    for i in range(distance.size):
        in_chain = stays_in_chain(active[i], upgrades[i])
        out[i] = mse_support(lever, distance[i], social[i], in_chain, consts)
    return out


@njit(cache=True)
def mse_support(lever, distance, social, in_chain, consts):
    """One MSE's support intensity (`support_intensity`), from its own elements.

    `_support_intensity`, the valuation and the technical assistance work it out with this
    (the last two for one MSE at a time: memory), so the same bits. ``in_chain`` is the
    MSE's `sim.population.stays_in_chain`.
    """
    SUPPORT_DISTANCE_LOSS = consts[0].support_distance_loss
    SUPPORT_SOCIAL_LOSS = consts[0].support_social_loss
    return (
        lever
        * (1.0 - SUPPORT_DISTANCE_LOSS * distance)
        * (1.0 - SUPPORT_SOCIAL_LOSS * social)
        * in_chain
    )


@njit(cache=True)
def mse_service(lever, lead_firm, active):
    """One MSE's embedded-service intensity (`service_intensity`), from its own elements."""
    return lever if lead_firm >= 0 and active else 0.0


@njit(cache=True, parallel=True)
def _linked_share_chunks(lever, lead_firm, active, out, chunk):
    """`_linked_share` over threads, in fixed chunks of ``chunk`` MSEs, into ``out``."""
    n = lead_firm.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        stop = min(start + chunk, n)
        out[start:stop] = _linked_share(lever, lead_firm, active, start, stop)


@njit(cache=True)
def _linked_share(lever, lead_firm, active, start, stop):
    """The lever for active MSEs ``start`` to ``stop`` linked to a lead firm, else zero."""
    lead_firm, active = lead_firm[start:stop], active[start:stop]
    out = np.empty(lead_firm.size)
    for i in range(lead_firm.size):
        out[i] = mse_service(lever, lead_firm[i], active[i])
    return out


def service_inputs(pop: Population) -> np.ndarray:
    """What each MSE's services and support depend on that its upgrades can change (uint8).

    Bit 0: linked to a lead firm and active (`service_intensity`); bit 1: in the chain
    (`support_intensity`). Taken before the upgrades, it lets `assist` give each MSE the
    technical assistance of the services and support it had before them, one byte an MSE
    rather than two arrays of eight (memory).
    """
    return _service_inputs(pop.lead_firm, pop.active, pop.upgrades)


@njit(cache=True)
def _service_inputs(lead_firm, active, upgrades):
    out = np.empty(lead_firm.size, np.uint8)
    for i in range(lead_firm.size):
        linked = lead_firm[i] >= 0 and active[i]
        out[i] = linked | (stays_in_chain(active[i], upgrades[i]) << 1)
    return out


def assist(
    pop: Population,
    before: np.ndarray,
    embedded_services: float,
    support_services: float,
    social: np.ndarray,
    *,
    consts: np.ndarray,
) -> None:
    """`technical_assistance` with each MSE's services and support worked out as they were.

    Args:
        pop: Population (``skill`` written).
        before: `service_inputs` taken before the month's upgrades.
        embedded_services: Scenario lever.
        support_services: Scenario lever.
        social: Social barrier per MSE.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    args = (
        pop.skill,
        before,
        float(embedded_services),
        float(support_services),
        pop.distance,
        social,
        consts,
    )
    if parallel(pop.n):
        _assist_chunks(*args, CHUNK)
    else:
        _assist(*args, 0, pop.n)


@njit(cache=True, parallel=True)
def _assist_chunks(skill, before, embedded, lever, distance, social, consts, chunk):
    """`_assist` over threads, in fixed chunks of ``chunk`` MSEs."""
    n = skill.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        _assist(
            skill, before, embedded, lever, distance, social, consts, start, min(start + chunk, n)
        )


@njit(cache=True)
def _assist(skill, before, embedded, lever, distance, social, consts, start, stop):
    """`_learn_from_assistance` of MSEs ``start`` to ``stop``, their services worked out."""
    SERVICE_SKILL_GAIN = consts[0].service_skill_gain
    for i in range(start, stop):
        services = embedded if before[i] & 1 else 0.0
        support = mse_support(lever, distance[i], social[i], (before[i] >> 1) & 1 == 1, consts)
        skill[i] = assisted_skill(skill[i], services, support, SERVICE_SKILL_GAIN)


def technical_assistance(
    pop: Population, services: np.ndarray, support: np.ndarray | None = None, *, consts: np.ndarray
) -> None:
    """MSEs learn from lead firms' technical assistance and stand-alone services (skill)."""
    args = (pop.skill, services, np.zeros_like(services) if support is None else support, consts)
    # Each MSE learns on its own: from PARALLEL_MIN_MSES, over threads in fixed chunks.
    if parallel(pop.n):
        _learn_from_assistance_chunks(*args, CHUNK)
    else:
        _learn_from_assistance(*args, 0, pop.n)


@njit(cache=True, parallel=True)
def _learn_from_assistance_chunks(skill, services, support, consts, chunk):
    """`_learn_from_assistance` over threads, in fixed chunks of ``chunk`` MSEs."""
    n = skill.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        _learn_from_assistance(skill, services, support, consts, start, min(start + chunk, n))


@njit(cache=True)
def _learn_from_assistance(skill, services, support, consts, start, stop):
    """Raise the skill of MSEs ``start`` to ``stop`` by the services they received."""
    SERVICE_SKILL_GAIN = consts[0].service_skill_gain
    for i in range(start, stop):
        skill[i] = assisted_skill(skill[i], services[i], support[i], SERVICE_SKILL_GAIN)


@njit(cache=True)
def assisted_skill(skill, services, support, gain):
    """One MSE's skill after a month of services and support; ``gain``: SERVICE_SKILL_GAIN.

    The one formula of `_learn_from_assistance` and `_assist` (the constant taken as a value:
    read from the record inside their loops, it would be loaded again for every MSE).
    """
    return min(skill + gain * min(services + support, 1.0), 1.0)


@njit(cache=True)
def advance_share(services, consts):
    """Share of an option's working capital a lead firm would advance (elementwise)."""
    ADVANCE_SHARE = consts[0].advance_share
    return ADVANCE_SHARE * services
