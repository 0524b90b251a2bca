"""The upgrading options: eligibility, cost, chance, what a success changes, applying them.

Which options an MSE may take, what they cost, how likely they are to work, what a success
changes, and paying for and applying the ones chosen.

Five options (:data:`sim.population.UPGRADE_TYPES`): process (lower unit cost, more output),
product (higher quality at a higher unit cost), functional (taking on an intermediary's job:
selling directly), channel (entering another end-market channel) and intersectoral (moving to
the second value chain, :mod:`sim.second_chain`). Costs rise with distance and fall with
embedded services and group cost sharing; they are paid from cash, investment credit,
working-capital loans and lead firms' input advances (:mod:`sim.finance`). The one place that
says what a success changes is :func:`upgrade_succeeds`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit, prange

from sim import finance
from sim.channels import channel_open
from sim.constants import declare, real, vector
from sim.finance import available_credit, split_costs, working_credit_line
from sim.population import (
    CHANNEL,
    FUNCTIONAL,
    INTERSECTORAL,
    N_OPTIONS,
    PROCESS,
    PRODUCT,
    UPGRADE_TYPES,
    Population,
    stays_in_chain,
)
from sim.services import advance_share, mse_service
from sim.threads import CHUNK, filled, parallel

if TYPE_CHECKING:
    from sim.valuation import Context, Options

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        vector(
            "base_cost",
            [200.0, 150.0, 250.0, 120.0, 350.0],
            UPGRADE_TYPES,
            0.01,
            100000,
            "currency units",
            "Base cost of each upgrade (process, product, functional, channel, intersectoral).",
        ),
        vector(
            "working_capital_share",
            [0.2, 0.4, 0.3, 0.2, 0.0],
            UPGRADE_TYPES,
            0,
            1,
            "share of cost",
            "Part of each cost that is working capital (inputs), the rest long-term investment.",
        ),
        real(
            "distance_cost",
            0.6,
            0.0,
            10.0,
            "share of cost",
            "Cost increase at distance 1 (inputs, transport and training cost more far away).",
        ),
        vector(
            "service_helps",
            [1.0, 1.0, 0.0, 0.5, 0.0],
            UPGRADE_TYPES,
            0,
            1,
            "share",
            "Which options embedded services make cheaper (technical and design help).",
        ),
        # Unit cost cut by process upgrading: base plus a skill-dependent part.
        real(
            "process_cost_cut",
            0.03,
            0.0,
            1.0,
            "share of unit cost",
            "Unit cost cut by process upgrading: the base part.",
        ),
        real(
            "process_skill_cut",
            0.06,
            0.0,
            1.0,
            "share of unit cost per unit skill",
            "Unit cost cut by process upgrading: the part per unit of skill.",
        ),
        # Monthly output gained by process upgrading ("increased agricultural output from
        # irrigation", seed lines 97-101; "cut costs and/or increase output", line 122). Kept small:
        # at 0.12 the output gain alone made process upgrading pay with end markets muted (78-80% of
        # it remained in baseline and kenya-avocados), against structural effect 1 ("end markets are
        # the main drivers"); at 0.05 competition stays the main driver. (Numbers of the model
        # then; today's before and after: docs/ODD.md "Hand-tuned constants", written by
        # docs/gen_hand_tuned.py.)
        real(
            "process_output_gain",
            0.05,
            0.0,
            1.0,
            "share of output",
            "Monthly output gained by process upgrading (seed lines 97-101, 122).",
            source="structural choice (hand-tuned, see ODD section 'Hand-tuned constants'), "
            "guided by the seed (seed lines 97-101)",
        ),
        # Quality gained by product upgrading, and the unit-cost increase it brings.
        real(
            "product_quality_gain",
            0.3,
            0.0,
            1.0,
            "quality 0-1",
            "Quality gained by product upgrading.",
        ),
        real(
            "product_cost_increase",
            0.04,
            0.0,
            1.0,
            "share of unit cost",
            "Unit-cost increase product upgrading brings.",
        ),
        real(
            "functional_skill",
            0.45,
            0.0,
            1.0,
            "skill 0-1",
            "Skill an MSE needs to take on an intermediary's function alone (groups can do it "
            "jointly).",
        ),
        # Chance of success: base, per unit of skill, and for group members.
        real(
            "success_base",
            0.35,
            0.0,
            1.0,
            "probability",
            "Chance of an upgrade's success: the base.",
        ),
        real(
            "success_skill",
            0.55,
            0.0,
            1.0,
            "probability per unit skill",
            "Chance of an upgrade's success added per unit of skill.",
        ),
        real(
            "success_group",
            0.05,
            0.0,
            1.0,
            "probability",
            "Chance of an upgrade's success added for group members.",
        ),
        real(
            "upgrade_skill_gain",
            0.05,
            0.0,
            1.0,
            "skill 0-1",
            "Skill gained by a successful upgrade (learning by doing).",
        ),
    ],
)


@njit(cache=True)
def upgrade_costs(option, distance, services, cost_share, input_discount, fee, consts):
    """Investment and working-capital cost of ``option`` (elementwise over MSEs).

    Inputs, transport and training cost more far from markets; embedded services (technical
    and design help) and group cost sharing make upgrading cheaper, and joint input purchase
    (``input_discount``) makes its working capital cheaper. Stand-alone services add their
    ``fee`` (a share of the cost).
    """
    BASE_COST = consts[0].base_cost
    DISTANCE_COST = consts[0].distance_cost
    SERVICE_COST_DISCOUNT = consts[0].service_cost_discount
    SERVICE_HELPS = consts[0].service_helps
    WORKING_CAPITAL_SHARE = consts[0].working_capital_share
    cost = (
        BASE_COST[option]
        * ((1.0 + DISTANCE_COST * distance) * (1.0 - cost_share))
        * (1.0 - SERVICE_COST_DISCOUNT * SERVICE_HELPS[option] * services)
        * (1.0 + fee)
    )
    return (
        cost * (1.0 - WORKING_CAPITAL_SHARE[option]),
        cost * WORKING_CAPITAL_SHARE[option] * (1.0 - input_discount),
    )


@njit(cache=True)
def success_chance(skill, services, in_group, consts):
    """Chance that an attempted upgrade works (elementwise)."""
    SERVICE_SUCCESS_GAIN = consts[0].service_success_gain
    SUCCESS_BASE = consts[0].success_base
    SUCCESS_GROUP = consts[0].success_group
    SUCCESS_SKILL = consts[0].success_skill
    return np.minimum(
        np.maximum(
            SUCCESS_BASE
            + SUCCESS_SKILL * skill
            + SERVICE_SUCCESS_GAIN * services
            + SUCCESS_GROUP * in_group,
            0.05,
        ),
        0.97,
    )


@njit(cache=True)
def eligible(aware, upgrades, in_chain, channels, quality, skill, in_group, consts):
    """Bit set of the options one MSE knows of and may take, before costs.

    Quality and channels can be upgraded again (toward a stricter channel's standard, into a
    further channel); process, functional and intersectoral moves are made once. Taking on a
    trader's job needs some skill or a group to do it jointly; the outside option opens after
    product or functional upgrading, or to the most skilled.
    """
    FUNCTIONAL_SKILL = consts[0].functional_skill
    OUTSIDE_SKILL = consts[0].outside_skill
    # Bit arithmetic rather than branches: these conditions vary from MSE to MSE in no
    # pattern a CPU could predict.
    once = upgrades & ~((1 << PRODUCT) | (1 << CHANNEL))
    blocked = (
        (quality >= 0.95) << PRODUCT
        | (not channel_open(channels, quality, consts)) << CHANNEL
        | (not (skill >= FUNCTIONAL_SKILL or in_group)) << FUNCTIONAL
        | (
            not (
                (upgrades >> PRODUCT) & 1 or (upgrades >> FUNCTIONAL) & 1 or skill >= OUTSIDE_SKILL
            )
        )
        << INTERSECTORAL
    )
    return (aware & ~once & ~blocked) * in_chain


@njit(cache=True)
def _eligible_all(mse, consts):
    aware, upgrades, active, channels, quality, skill, group = (
        mse.aware,
        mse.upgrades,
        mse.active,
        mse.channels,
        mse.quality,
        mse.skill,
        mse.group,
    )
    out = np.zeros((N_OPTIONS, aware.size), dtype=np.bool_)
    for i in range(aware.size):
        bits = eligible(
            aware[i],
            upgrades[i],
            stays_in_chain(active[i], upgrades[i]),
            channels[i],
            quality[i],
            skill[i],
            group[i] >= 0,
            consts,
        )
        for k in range(N_OPTIONS):
            out[k, i] = (bits >> k) & 1
    return out


def eligible_options(pop: Population, consts: np.ndarray) -> np.ndarray:
    """Options each MSE knows of and may take, shape (5, n), before costs (see `eligible`)."""
    return _eligible_all(pop.state, consts)


@njit(cache=True)
def process_unit_cost(unit_cost, skill, consts):
    """Unit cost after a process upgrade: a base cut plus a skill-dependent part."""
    PROCESS_COST_CUT = consts[0].process_cost_cut
    PROCESS_SKILL_CUT = consts[0].process_skill_cut
    return unit_cost * (1.0 - (PROCESS_COST_CUT + PROCESS_SKILL_CUT * skill))


@njit(cache=True)
def process_capacity(capacity, consts):
    """Monthly output after a process upgrade (mechanisation, irrigation)."""
    PROCESS_OUTPUT_GAIN = consts[0].process_output_gain
    return capacity * (1.0 + PROCESS_OUTPUT_GAIN)


@njit(cache=True)
def product_quality(quality, consts):
    """Quality after a product upgrade."""
    PRODUCT_QUALITY_GAIN = consts[0].product_quality_gain
    return min(quality + PRODUCT_QUALITY_GAIN, 1.0)


@njit(cache=True)
def product_unit_cost(unit_cost, consts):
    """Unit cost after a product upgrade (better inputs and more work per unit)."""
    PRODUCT_COST_INCREASE = consts[0].product_cost_increase
    return unit_cost * (1.0 + PRODUCT_COST_INCREASE)


class Attempts(NamedTuple):
    """The month's upgrade attempts (one element per MSE) and what they cost in all.

    Attributes:
        option: Option attempted by each MSE, or -1 (int8).
        succeeded: Whether the attempt worked.
        borrowed: Whether the attempt was paid partly with investment credit (a loan above
            zero; `sim.model.ValueChainModel.ever_financed` is made of it).
        financing: The month's totals (`Financing` of four floats, currency units): what
            the attempts took from cash, borrowed, were advanced and borrowed as working
            capital, each added in row order (`financing_totals`). Only the ledger reads them,
            so one MSE's split is not kept (32 bytes an MSE).
    """

    option: np.ndarray
    succeeded: np.ndarray
    borrowed: np.ndarray
    financing: finance.Financing


def apply_upgrades(
    pop: Population,
    ctx: Context,
    options: Options,
    choice: np.ndarray,
    success_draw: np.ndarray,
    herding: float,
    consts: np.ndarray,
) -> Attempts:
    """Pay for the chosen upgrades and apply those that succeed.

    Herding (guideline 7): an MSE entering a new channel is pushed, with probability
    ``herding``, to sell only there — the channel that pays most today — and to drop the
    channels it had, the domestic market included.

    Args:
        pop: Population, updated in place (cash, debt, advances, state, upgrade bits).
        ctx: Decision context.
        options: Valued options.
        choice: Option per decider (aligned with ``options.rows``), or -1.
        success_draw: Uniform draws, one per decider. An attempt succeeds when its draw
            ``u`` is below its chance ``p``; then ``u / p`` (uniform again) decides herding.
        herding: Scenario lever.
        consts: The run's calibration constants (a `sim.constants` record).

    Returns:
        The attempts, one element per MSE, with the month's totals of their financing.
    """
    n = pop.n
    # One byte an option (-1 to 4): nothing reads it as a wider integer.
    option = filled(n, -1, np.int8)
    succeeded = filled(n, False, np.bool_)
    borrowed = filled(n, False, np.bool_)
    # Without deciders nothing is attempted (and the passes are not called with empty
    # options, which numba would compile again).
    if choice.size == 0:
        return Attempts(option, succeeded, borrowed, finance.Financing(0.0, 0.0, 0.0, 0.0))
    values, terms = options.values(), ctx.terms(consts)
    # Before the payments: the credit still available is worked out from the debt, which
    # they change.
    totals = financing_totals(pop.state, values, choice, terms, consts)
    args = (pop.state, values, choice, success_draw, float(herding), terms)
    # Each decider's attempt changes its own row only: from PARALLEL_MIN_MSES, the deciders
    # are taken over threads in fixed chunks.
    if parallel(n):
        _apply_chunks(*args, option, succeeded, borrowed, consts, CHUNK)
    else:
        _apply(*args, option, succeeded, borrowed, consts, 0, choice.size)
    return Attempts(option, succeeded, borrowed, finance.Financing(*totals.tolist()))


@njit(cache=True, parallel=True)
def _apply_chunks(
    mse, options, choice, success_draw, herding, terms, option, succeeded, borrowed, consts, chunk
):
    """`_apply` over threads, in fixed chunks of ``chunk`` deciders."""
    m = choice.size
    for c in prange((m + chunk - 1) // chunk):
        start = c * chunk
        _apply(
            mse,
            options,
            choice,
            success_draw,
            herding,
            terms,
            option,
            succeeded,
            borrowed,
            consts,
            start,
            min(start + chunk, m),
        )


@njit(cache=True)
def _services(mse, terms, i):
    """The embedded-service intensity of MSE ``i`` (`DecisionTerms.services`).

    With the month's links in the terms (`sim.decisions.Context.links`), worked out from
    its link and activity, which are as they were at the information: a decider's own row
    is the only one its attempt changes, and it pays before.
    """
    if terms.links.size > 0:
        return mse_service(terms.embedded_services, mse.lead_firm[i], mse.active[i])
    return terms.services[i]


@njit(cache=True)
def _pay(mse, terms, options, k, i, j, consts):
    """How decider ``j`` (row ``i``) pays for option ``k``: `split_costs`' four amounts.

    The one place the split is worked out, for the payment (`_apply`) and for the month's
    totals (`financing_totals`), which therefore see the same amounts to the bit. The
    MSE's credit lines are worked out here, from its debt before it pays, as the valuation
    worked them out.
    """
    in_group, social = mse.group[i] >= 0, terms.social[i]
    wc = options.working_capital[k, j]
    return split_costs(
        available_credit(
            terms.credit_access, in_group, social, terms.group_finance, mse.debt[i], consts
        ),
        options.investment[k, j],
        wc,
        advance_share(_services(mse, terms, i), consts) * wc,
        working_credit_line(
            terms.working_capital_credit, in_group, social, terms.group_finance, consts
        ),
    )


@njit(cache=True)
def _apply(
    mse,
    options,
    choice,
    success_draw,
    herding,
    terms,
    option,
    succeeded,
    borrowed,
    consts,
    start,
    stop,
):
    """Pay for and apply the chosen upgrades of deciders ``start`` to ``stop``.

    Working-capital loans and lead firms' advances are repaid from next month's sales (with
    interest on the loans): they are booked in ``advance_due``.

    Args:
        mse: `MseState`, written (cash, debt, advances, state, upgrade bits).
        options: `OptionValues` of the deciders.
        choice: Option per decider, or -1.
        success_draw: Uniform draw per decider.
        herding: Scenario lever.
        terms: `DecisionTerms` (credit levers, social barrier and service intensity read).
        option: Option attempted per MSE (`Attempts.option`), written.
        succeeded: Whether each MSE's attempt worked (`Attempts.succeeded`), written.
        borrowed: Whether each MSE took a loan (`Attempts.borrowed`), written.
        consts: The run's calibration constants (a `sim.constants` record).
        start: The first decider (a column of ``options``).
        stop: The decider after the last.
    """
    WORKING_LOAN_INTEREST = consts[0].working_loan_interest
    rows, success, new_channel = options.rows, options.success, options.new_channel
    cash, debt, advance_due = mse.cash, mse.debt, mse.advance_due
    for j in range(start, stop):
        k = choice[j]
        if k < 0:
            continue
        i = rows[j]
        option[i] = k
        from_cash, loan, advance, working_loan = _pay(mse, terms, options, k, i, j, consts)
        borrowed[i] = loan > 0.0
        cash[i] -= from_cash
        debt[i] += loan
        advance_due[i] += advance + working_loan * (1.0 + WORKING_LOAN_INTEREST)
        if not success_draw[j] < success[j]:
            continue
        succeeded[i] = True
        herded = k == CHANNEL and success_draw[j] / success[j] < herding
        upgrade_succeeds(mse, i, k, new_channel[j], herded, consts)


@njit(cache=True)
def financing_totals(mse, options, choice, terms, consts):
    """The month's financing in all: `Financing`'s four amounts, each summed (4,).

    The deciders are taken in column order, which is row order (`sim.valuation` numbers
    them so), one after another on one thread: each total is the sum, in row order, of every
    MSE's amount, as `sim.detmath.sum_in_order` adds an array of one element per MSE, since
    the zeros of the MSEs that attempted nothing leave a sum as it was (a sum that starts at
    +0.0 never becomes -0.0). The four chains of additions overlap in the CPU.

    Args:
        mse: `MseState` before the payments (read only: debt and group).
        options: `OptionValues` of the deciders.
        choice: Option per decider, or -1.
        terms: `DecisionTerms` (credit levers, social barrier and service intensity read).
        consts: The run's calibration constants (a `sim.constants` record).
    """
    rows = options.rows
    total_cash = total_loan = total_advance = total_working = 0.0
    for j in range(choice.size):
        k = choice[j]
        if k < 0:
            continue
        from_cash, loan, advance, working_loan = _pay(mse, terms, options, k, rows[j], j, consts)
        total_cash += from_cash
        total_loan += loan
        total_advance += advance
        total_working += working_loan
    out = np.empty(4)
    out[0], out[1], out[2], out[3] = total_cash, total_loan, total_advance, total_working
    return out


@njit(cache=True)
def upgrade_succeeds(mse, i, k, new_channel, herded, consts):
    """What a successful upgrade ``k`` changes for MSE ``i`` (the one place that says so).

    Args:
        mse: `MseState`, written.
        i: The MSE's row.
        k: The upgrade (an index of `UPGRADE_TYPES`).
        new_channel: For channel upgrading, the channel entered.
        herded: For channel upgrading, whether a project herded it into that channel alone.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    if k == PROCESS:
        mse.unit_cost[i] = process_unit_cost(mse.unit_cost[i], mse.skill[i], consts)
        mse.capacity[i] = process_capacity(mse.capacity[i], consts)
    elif k == PRODUCT:
        mse.quality[i] = product_quality(mse.quality[i], consts)
        mse.unit_cost[i] = product_unit_cost(mse.unit_cost[i], consts)
    elif k == FUNCTIONAL:
        mse.lead_firm[i] = -1  # it now sells past the lead firm, straight to buyers
    elif k == CHANNEL:
        entry = 1 << new_channel
        mse.channels[i] = entry if herded else mse.channels[i] | entry
    else:  # INTERSECTORAL
        mse.lead_firm[i] = -1
        mse.group[i] = -1
    mse.upgrades[i] |= 1 << k
    mse.skill[i] = min(mse.skill[i] + consts[0].upgrade_skill_gain, 1.0)
