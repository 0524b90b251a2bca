"""Entry: new MSEs start in the chain when it pays more than their outside option.

Without entry the chain only shrinks: MSEs exit after months in distress (`sim.finance`)
and nobody replaces them. Each month, before the month's draws, a prospective entrant (a
young household, or one that closed and might return) compares what the chain pays with what
it earns outside:

* the chain's *expected income* is the mean monthly income of the active MSEs still in the
  chain, averaged over the last :data:`sim.population.INCOME_MEMORY` months (what a newcomer
  sees of its neighbours, not its own prospects);
* its *outside option* is what an owner earns outside this chain,
  `sim.second_chain.outside_income` without upgrades (the income the intention-to-treat
  metric `mean_income_cohort` gives an MSE that closed), averaged over the MSEs at the start
  (a prospective entrant is drawn like them), at the second chain's price this month.

The chain's *attractiveness* rises linearly with the relative gap
``(expected - outside) / outside``, from 0 at parity to 1 at ``entry_full_gap``, and stays
there. The month's number of entrants is a Poisson draw with mean
``entry_rate x attractiveness x (MSEs at the start)``. Entrants are drawn as the initial
population was (`sim.population.draw_mses`: a village uniformly, no upgrades, links, groups
or debt, awareness as at the start), sell to the trader now serving their village, start
with their village's mean beliefs about prices (news from neighbours), and are appended
after the existing rows (`sim.population.Population.append`), so every row keeps its index
and the original cohort stays rows ``0 .. cohort_size - 1``. The model's own per-MSE arrays
grow with them (:func:`append_entrants`), and they get fresh Mesa ids.

Random numbers: entry draws from its own generator, made at the model's creation from the
model's seed sequence with a spawn key of its own (:data:`_SPAWN_KEY`), without
drawing from the model's generator. With ``entry_rate = 0`` nothing is computed or drawn and
the model is 0.3.0's to the bit (tests/reference/test_markets_off.py). With entry on, the
month's per-MSE draws (`sim.draws.Draws`) of the original cohort still come from the model's
generator and those of the entrants from entry's (:func:`month_draws`): the model's generator
draws the same numbers however many MSEs enter, so runs that differ in entry (two arms of an
experiment, one more attractive than the other) still give the original MSEs the same random
numbers (common random numbers).

Cost: one compiled pass over the MSEs a month; in a month with entrants, copying every state
array once (about 250 bytes an MSE) and a pass for the villages' beliefs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from sim import variates
from sim.constants import declare, real, values_of
from sim.detmath import sum_in_order
from sim.draws import _ROWS as DRAW_ROWS
from sim.draws import Draws
from sim.draws import _as_drawn as as_drawn
from sim.population import (
    INCOME_MEMORY,
    INTERSECTORAL,
    Levers,
    Population,
    draw_mses,
    social_barrier,
)
from sim.second_chain import outside_income

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        # Mead and Liedholm's surveys of MSEs in southern and eastern Africa and the Dominican
        # Republic found new MSEs starting each year at about a fifth of the existing number
        # (annual birth rates near 20%); 1.2 ** (1 / 12) - 1 = 1.5% a month. Taken as the rate
        # when the chain is fully attractive (its attractiveness scales it down). 0 switches
        # entry off (then the model is 0.3.0's to the bit).
        real(
            "entry_rate",
            0.015,
            0.0,
            0.2,
            "share of the MSEs at the start per month",
            "New MSEs entering each month when the chain is fully attractive, as a share of the "
            "MSEs at the start; 0 switches entry off.",
            source="Mead and Liedholm (1998), 'The dynamics of micro and small enterprises in "
            "developing countries', World Development 26(1): 61-74 (annual MSE birth rates "
            "of about 20%), converted to a monthly rate",
        ),
        # Households start an enterprise when it clearly beats what they earn otherwise: full
        # attractiveness when the chain pays half as much again as the outside option.
        real(
            "entry_full_gap",
            0.5,
            0.01,
            10.0,
            "share of the outside option",
            "Gap between the chain's expected income and the outside option, as a share of the "
            "outside option, at which entry runs at its full rate (it rises linearly from 0 at "
            "parity).",
        ),
    ],
)

#: The spawn key that makes entry's own random stream from the model's seed sequence (the
#: ASCII of "entry"): a key of its own, so that no other spawned stream can take it.
_SPAWN_KEY = 0x656E747279


@dataclass
class Entry:
    """Entry's state: its own generator, the chain's recent incomes, this month's entrants.

    Attributes:
        rng: Entry's own generator (:func:`open_entry`).
        chain_income: Mean income of the active in-chain MSEs, one slot a month for the last
            INCOME_MEMORY months (a ring).
        months: Months recorded so far.
        entrants: MSEs that entered this month (the metric ``n_entrants``).
        expected_income: This month's expected income in the chain (0 before the first).
        outside_option: This month's outside option (0 before the first).
        mse_ids: Mesa ids of the MSE rows, as ``(first id, first row, rows)`` blocks: the
            original cohort's, then one block for each month's entrants.
    """

    rng: np.random.Generator
    chain_income: np.ndarray = field(default_factory=lambda: np.zeros(INCOME_MEMORY))
    months: int = 0
    entrants: int = 0
    expected_income: float = 0.0
    outside_option: float = 0.0
    mse_ids: list[tuple[int, int, int]] = field(default_factory=list)


def entry_stream(rng: np.random.Generator, seed: int) -> np.random.Generator:
    """Entry's own generator, from the seed sequence of the model's ``rng`` (nothing drawn).

    A child of that seed sequence with :data:`_SPAWN_KEY` appended to its spawn key (the
    way `numpy.random.SeedSequence.spawn` makes children, with a key no spawn takes). A
    generator without a seed sequence (made from a saved state) is replaced by the model's
    ``seed``.
    """
    bits = rng.bit_generator
    seq = getattr(bits, "seed_seq", None)
    if not isinstance(seq, np.random.SeedSequence):
        seq = np.random.SeedSequence(int(seed))
    child = np.random.SeedSequence(
        seq.entropy, spawn_key=(*seq.spawn_key, _SPAWN_KEY), pool_size=seq.pool_size
    )
    return np.random.Generator(type(bits)(child))


def open_entry(rng: np.random.Generator, seed: int, first_id: int, n: int) -> Entry:
    """Entry's state at the model's creation (the cohort's ids start at ``first_id``)."""
    return Entry(rng=entry_stream(rng, seed), mse_ids=[(first_id, 0, n)])


def enter(model) -> int:
    """Run the month's entry: how many MSEs enter, drawn and appended (returns the number).

    Run at the start of a month, before its draws. With ``entry_rate = 0`` it does nothing.
    """
    state: Entry = model.entry
    state.entrants = 0
    k = model.constants
    rate = float(values_of(k)["entry_rate"])
    if rate <= 0.0:
        return 0
    pop = model.population
    income_total, n_in_chain, outside_total = _chain_and_outside(
        pop.active,
        pop.upgrades,
        pop.income,
        pop.skill,
        model.social,
        model.cohort_size,
        float(model.markets.second_price),
        k,
    )
    slot = state.months % INCOME_MEMORY
    state.chain_income[slot] = income_total / n_in_chain if n_in_chain else 0.0
    state.months += 1
    recorded = min(state.months, INCOME_MEMORY)
    state.expected_income = sum_in_order(state.chain_income[:recorded]) / recorded
    state.outside_option = outside_total / model.cohort_size
    mean = rate * attractiveness(state.expected_income, state.outside_option, k) * model.cohort_size
    count = variates.poisson(state.rng, mean)  # one uniform a month (none at mean 0)
    if count:
        levers = Levers.of(model.scenario)
        append_entrants(model, draw_mses(count, pop.villages, levers, state.rng, k))
    state.entrants = count
    return count


def month_draws(model) -> Draws:
    """The month's random numbers (`sim.draws.Draws`): the cohort's from the model's generator.

    Without entrants these are `Draws.draw` of the model's generator, as before entry existed.
    With entrants, the model's generator draws the month for the original cohort only (the same
    numbers whatever entered), and entry's generator draws each row's part for the entrants.
    """
    pop, cohort = model.population, model.cohort_size
    if pop.n == cohort:
        return Draws.draw(model.rng, pop.n, model.threads)
    draws = Draws.draw(model.rng, cohort, model.threads)
    extra = model.entry.rng.random((len(DRAW_ROWS), pop.n - cohort))
    for j, name in enumerate(DRAW_ROWS):
        row = np.concatenate((getattr(draws, name), as_drawn(name, extra[j])))
        setattr(draws, name, row)
    return draws


def attractiveness(expected: float, outside: float, consts: np.ndarray) -> float:
    """How attractive the chain is to a prospective entrant, in [0, 1].

    0 while the expected income does not beat the outside option; then linear in the relative
    gap ``(expected - outside) / outside``, reaching 1 at ``entry_full_gap``.
    """
    if outside <= 0.0:
        return 1.0 if expected > 0.0 else 0.0
    gap = (expected - outside) / outside
    return min(max(gap / float(values_of(consts)["entry_full_gap"]), 0.0), 1.0)


def append_entrants(model, new: Population) -> None:
    """Add the MSEs of ``new`` to the model: population rows, per-MSE arrays, Mesa views.

    ``new`` gets the trader serving its village now and its village's mean beliefs; then
    every per-MSE array of the model grows with it: the population's state, the social
    barrier, this month's side-sellers (none), group benefits (0: in no group), how their
    starting cash was drawn and their ``ever_*`` flags (False). The ledger counts the entrants' cash as
    starting cash. The rest (links, brokers, terms, contracts, sales) the month's trade sets
    for every MSE before anything reads it. Mesa ids are reserved for the new rows, and the
    views made if the model's `mses` exist already.
    """
    pop, sc, state = model.population, model.scenario, model.entry
    old_n, count = pop.n, new.n
    traders = model.traders
    # A village without MSEs until now is served by the trader it was given at the start.
    home = traders.home
    empty = home[new.village] < 0
    home[new.village[empty]] = pop.villages.trader[new.village[empty]]
    new.trader = _serving(traders.active)[home[new.village]].astype(np.int32)
    price, premium = _village_beliefs(
        pop.village,
        pop.active,
        pop.upgrades,
        pop.belief_price,
        pop.belief_premium,
        pop.villages.remoteness.size,
    )
    new.belief_price = np.ascontiguousarray(price[:, new.village])
    new.belief_premium = np.ascontiguousarray(premium[:, new.village])
    pop.append(new)
    model.social = np.concatenate(
        (model.social, social_barrier(new.excluded, sc.social_distance, sc.targeted_facilitation))
    )
    model.side_selling = np.concatenate((model.side_selling, np.zeros(count, dtype=bool)))
    # Entrants have not chosen a broker yet (sim.brokers).
    model.broker_choice = np.concatenate((model.broker_choice, np.zeros(count, dtype=bool)))
    model.group_benefit = np.concatenate((model.group_benefit, np.zeros(count)))
    model.cash_draws.append(new.cash_draw)
    for name in ("ever_financed", "ever_linked", "ever_grouped"):
        setattr(model, name, np.concatenate((getattr(model, name), np.zeros(count, dtype=bool))))
    model.ledger["initial_cash"] += sum_in_order(new.cash)
    # Fresh Mesa ids for the new rows, whether or not the views exist yet.
    first_id = model.agent_id_counter
    model.agent_id_counter += count
    state.mse_ids.append((first_id, old_n, count))
    model.add_mse_views(first_id, old_n, count)


def _serving(active: np.ndarray) -> np.ndarray:
    """Which trader serves each trader's catchment: itself, or the next operating one.

    The rule of `sim.traders.update_traders` (which sets every MSE's trader each month).
    """
    n = active.size
    serves = np.arange(n)
    for j in range(n):
        for step in range(n):
            if active[(j + step) % n]:
                serves[j] = (j + step) % n
                break
    return serves


@njit(cache=True)
def _chain_and_outside(active, upgrades, income, skill, social, cohort, second_price, consts):
    """One pass: the in-chain MSEs' income and count, and the cohort's outside incomes."""
    income_total = outside_total = 0.0
    n_in_chain = 0
    for i in range(active.size):
        if active[i] and (upgrades[i] >> INTERSECTORAL) & 1 == 0:
            income_total += income[i]
            n_in_chain += 1
        if i < cohort:
            outside_total += outside_income(skill[i], social[i], 0, second_price, consts)
    return income_total, n_in_chain, outside_total


@njit(cache=True)
def _village_beliefs(village, active, upgrades, belief_price, belief_premium, n_villages):
    """Mean beliefs of each village's active in-chain MSEs, (3, villages) each.

    A village with none takes the mean over every village's (zero if there is none at all).
    """
    k, n = belief_price.shape
    count = np.zeros(n_villages)
    here = np.empty(n, np.bool_)
    for i in range(n):
        here[i] = active[i] and (upgrades[i] >> INTERSECTORAL) & 1 == 0
        count[village[i]] += here[i]
    total = count.sum()
    price = np.zeros((k, n_villages))
    premium = np.zeros((k, n_villages))
    for c in range(k):  # channel by channel: each row of the beliefs read in order
        for i in range(n):
            if here[i]:
                price[c, village[i]] += belief_price[c, i]
                premium[c, village[i]] += belief_premium[c, i]
        all_price, all_premium = price[c].sum(), premium[c].sum()
        for v in range(n_villages):
            if count[v] > 0.0:
                price[c, v] /= count[v]
                premium[c, v] /= count[v]
            elif total > 0.0:
                price[c, v] = all_price / total
                premium[c, v] = all_premium / total
    return price, premium
