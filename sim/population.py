"""MSE state as a structure of numpy arrays: one row per micro or small enterprise.

Every mechanism reads and writes these arrays for all MSEs at once; the Mesa `MSE` agents in
:mod:`sim.agents` are thin views onto one row each. Arrays indexed by channel or option are
laid out (k, n), so that sums over channels are a few vector additions. Keeping the state here
(about 250 bytes per MSE) is what lets one model step cost microseconds per thousand MSEs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numba import njit, prange
from numba.core import types as nbtypes
from numba.experimental import structref

from sim import variates
from sim.constants import declare, real, values_of, vector
from sim.markets import N_CHANNELS
from sim.threads import CHUNK, parallel

#: Upgrading types, in the order of the bits of `Population.upgrades` and of option columns.
UPGRADE_TYPES: tuple[str, ...] = ("process", "product", "functional", "channel", "intersectoral")
PROCESS, PRODUCT, FUNCTIONAL, CHANNEL, INTERSECTORAL = range(5)
N_OPTIONS = len(UPGRADE_TYPES)

#: Months of income kept for the income-volatility metric.
INCOME_MEMORY = 12

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        real(
            "mean_capacity",
            100.0,
            1.0,
            10000.0,
            "units of product/month",
            "Mean monthly output of an MSE (units of product).",
        ),
        real(
            "mean_unit_cost",
            0.55,
            0.05,
            2.0,
            "share of domestic price",
            "Mean unit production cost at the start, relative to a domestic price of 1.",
        ),
        real(
            "median_cash",
            40.0,
            0.0,
            100000.0,
            "currency units",
            "Median starting cash (currency units; one unit buys one unit of domestic product).",
        ),
        # Share of MSEs that know of each option at the start (process, product, functional,
        # channel, intersectoral): most know their own process can improve, few know distant options.
        vector(
            "initial_awareness",
            [0.2, 0.1, 0.05, 0.05, 0.05],
            UPGRADE_TYPES,
            0,
            1,
            "share of MSEs",
            "Share of MSEs that know of each option at the start.",
        ),
    ],
)

_CHANNEL_BITS = np.arange(N_CHANNELS, dtype=np.uint8)[:, None]


@dataclass
class Population:
    """State of all MSEs, one array element per MSE.

    Attributes:
        village: Village index (producer groups form within a village).
        remoteness: Remoteness of the MSE's location in [0, 1], before scaling by the
            scenario's physical distance.
        distance: Effective distance to market in [0, 1] (remoteness x physical_distance).
        excluded: Member of the socially excluded group (gender, caste, ethnicity).
        ict: Has ICT access (cell phone, internet).
        skill: Owner's skill in [0, 1].
        dependence: Household's dependence on the enterprise in [0, 1].
        capacity: Monthly output (units).
        unit_cost: Production cost per unit.
        quality: Product quality in [0, 1].
        cash: Cash on hand (may fall below zero: owed to moneylenders and suppliers).
        debt: Outstanding long-term investment loan.
        advance_due: Lead firm input advance to be repaid from next month's sales.
        channels: Bit mask of the end-market channels the MSE has entered (bit c is
            channel c of :data:`sim.markets.CHANNELS`).
        channel_weight: Share of output sold in each end-market channel, shape (3, n).
        trader: Index of the intermediary serving the MSE's village.
        lead_firm: Index of the lead firm the MSE supplies, or -1.
        group: Producer group id; -1 if in none, -2 if looking for one (see sim.groups).
        upgrades: Bit mask of upgrades made (bit k is `UPGRADE_TYPES[k]`).
        aware: Bit mask of upgrading options the MSE knows of.
        belief_price: Believed base price received per unit, by channel, shape (3, n).
        belief_premium: Believed premium received per unit of quality, by channel, (3, n).
        income: This month's operating income.
        income_history: Ring buffer of the last 12 months' incomes, shape (12, n).
        income_sum: Sum of the incomes in the ring buffer (kept up to date on each write).
        income_sumsq: Sum of their squares.
        distress_months: Consecutive months with negative cash.
        active: Still operating (False after exit).
    """

    village: np.ndarray
    remoteness: np.ndarray
    distance: np.ndarray
    excluded: np.ndarray
    ict: np.ndarray
    skill: np.ndarray
    dependence: np.ndarray
    capacity: np.ndarray
    unit_cost: np.ndarray
    quality: np.ndarray
    cash: np.ndarray
    debt: np.ndarray
    advance_due: np.ndarray
    channels: np.ndarray
    channel_weight: np.ndarray
    trader: np.ndarray
    lead_firm: np.ndarray
    group: np.ndarray
    upgrades: np.ndarray
    aware: np.ndarray
    belief_price: np.ndarray
    belief_premium: np.ndarray
    income: np.ndarray
    income_history: np.ndarray
    income_sum: np.ndarray
    income_sumsq: np.ndarray
    distress_months: np.ndarray
    active: np.ndarray

    #: The villages the population was drawn with (:class:`Villages`; not a state array),
    #: set by :func:`create_population`; MSEs that enter later are drawn in them.
    villages = None

    #: How its starting cash was drawn (:class:`CashDraw`; not a state array), set by
    #: :func:`create_population` and :func:`draw_mses`: enough to draw it again.
    cash_draw = None

    def __setattr__(self, name: str, value) -> None:
        # Replacing an array invalidates the bundle `state` holds; writes into one do not.
        object.__setattr__(self, name, value)
        self.__dict__.pop("_state", None)

    @property
    def state(self) -> MseState:
        """The state arrays bundled for the compiled passes (the same arrays, not copies).

        Built once and kept: the mechanisms write into the arrays in place, and assigning a
        new array to an attribute rebuilds the bundle on next use.
        """
        state = self.__dict__.get("_state")
        if state is None:
            state = MseState(*(getattr(self, name) for name in MseState._fields))
            self.__dict__["_state"] = state
        return state

    @property
    def n(self) -> int:
        """Number of MSEs (active or not)."""
        return self.cash.shape[0]

    def has(self, option: int) -> np.ndarray:
        """Return a boolean array: which MSEs have made upgrade `option`."""
        return (self.upgrades >> option) & 1 == 1

    def entered(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Boolean (3, n): which channels each MSE (or each of ``rows``) has entered."""
        channels = self.channels if rows is None else self.channels[rows]
        return (channels[None, :] >> _CHANNEL_BITS) & 1 == 1

    @property
    def in_chain(self) -> np.ndarray:
        """Active MSEs that still produce in this value chain (not moved out)."""
        # Each MSE's flag is its own: from PARALLEL_MIN_MSES, over threads in fixed chunks.
        if parallel(self.n):
            out = np.empty(self.n, np.bool_)
            _in_chain_chunks(self.active, self.upgrades, out, CHUNK)
            return out
        return _in_chain(self.active, self.upgrades, 0, self.n)

    @property
    def in_group(self) -> np.ndarray:
        """Boolean array: MSE belongs to a producer group."""
        return self.group >= 0

    def record_income(self, month: int) -> None:
        """Write this month's income into the ring buffer, updating its running sums."""
        args = (
            self.income_history[(month - 1) % INCOME_MEMORY],
            self.income,
            self.income_sum,
            self.income_sumsq,
        )
        if parallel(self.n):
            _record_income_chunks(*args, CHUNK)
        else:
            _record_income(*args, 0, self.n)

    def append(self, new: Population) -> None:
        """Add the rows of ``new`` after this population's (MSEs that enter; `sim.entry`).

        Every state array grows (a copy: about 250 bytes an MSE), so the bundle of
        :attr:`state` is rebuilt on next use; rows already here keep their index.
        """
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(new, f.name)
            setattr(self, f.name, np.concatenate((mine, theirs.astype(mine.dtype)), axis=-1))

    def nbytes_per_mse(self) -> float:
        """Memory held per MSE by the state arrays, in bytes."""
        return sum(getattr(self, f.name).nbytes for f in fields(self)) / max(self.n, 1)


# The same arrays as :class:`Population` (not copies), as one argument numba accepts. Built
# from Population's fields, so the two lists of arrays can never differ. A StructRef rather
# than a NamedTuple: numba unboxes a NamedTuple array by array on every call (4 us for these
# 28 arrays, about 11 calls a month), a StructRef in one pointer (under 1 us).
@structref.register
class MseStateType(nbtypes.StructRef):
    """Numba's type of `MseState`: the arrays' types, by field name."""

    def preprocess_fields(self, fields):
        """Store plain (not literal) types, so every population shares one compiled type."""
        return tuple((name, nbtypes.unliteral(typ)) for name, typ in fields)


class MseState(structref.StructRefProxy):
    """Every MSE state array as one argument of a compiled pass, by name.

    A kernel takes ``mse`` and takes the arrays it uses by name (``cash = mse.cash``) before
    its loop, so no call can pass one array where another of the same type belongs. The fields
    are :class:`Population`'s (see its attributes), in its order; get it from
    :attr:`Population.state`.
    """

    _fields: tuple[str, ...] = tuple(f.name for f in fields(Population))


structref.define_proxy(MseState, MseStateType, list(MseState._fields))


@dataclass(frozen=True)
class Villages:
    """What the initial population drew for each village, kept for MSEs that enter later.

    Attributes:
        remoteness: Each village's remoteness in [0, 1] (an MSE's is this plus its own spread).
        trader: The intermediary each village was assigned at the start.
    """

    remoteness: np.ndarray
    trader: np.ndarray


@dataclass(frozen=True)
class Levers:
    """The scenario levers that shape a drawn MSE (see :func:`create_population`)."""

    physical_distance: float
    excluded_share: float
    social_distance: float
    ict_access: float
    household_dependence: float
    education: float

    @classmethod
    def of(cls, scenario) -> Levers:
        """The levers of a scenario (any object with these fields, a `ValueChainScenario`)."""
        return cls(**{f.name: float(getattr(scenario, f.name)) for f in fields(cls)})


def create_population(
    n: int,
    *,
    n_villages: int,
    n_intermediaries: int,
    physical_distance: float,
    excluded_share: float,
    social_distance: float,
    ict_access: float,
    household_dependence: float,
    education: float,
    rng: np.random.Generator,
    consts: np.ndarray,
) -> Population:
    """Draw a heterogeneous population of MSEs.

    Uniform draws are thresholded (``u < share``) for the excluded group and ICT access so that
    two runs with the same seed and a higher share contain the same MSEs plus some more: the
    comparison between scenarios is then one of levers, not of luck. Normal, lognormal and
    beta draws come from :mod:`sim.variates` (the same bits on every CPU). The villages'
    remoteness and traders are kept as ``villages`` (:class:`Villages`), so that MSEs entering
    later (:func:`draw_mses`, :mod:`sim.entry`) are drawn like these.

    Args:
        n: Number of MSEs.
        n_villages: Number of villages.
        n_intermediaries: Number of intermediaries; each village is served by one.
        physical_distance: Scenario lever scaling remoteness into distance.
        excluded_share: Share of MSEs in the excluded group.
        social_distance: Strength of social segmentation (lowers the excluded group's skill).
        ict_access: Share of MSEs with ICT.
        household_dependence: Mean dependence of households on the enterprise.
        education: Mean skill.
        rng: The model's random number generator.
        consts: The run's calibration constants (a `sim.constants` record).

    Returns:
        The initial population.
    """
    levers = Levers(
        physical_distance,
        excluded_share,
        social_distance,
        ict_access,
        household_dependence,
        education,
    )
    village = rng.integers(0, n_villages, size=n).astype(np.int32)
    # Remoteness is mostly a property of the village, with some spread within it.
    village_remoteness = rng.random(n_villages)
    drawn = _draw_rows(village, village_remoteness, levers, rng, consts)
    trader_of_village = rng.integers(0, n_intermediaries, size=n_villages).astype(np.int32)
    cash_draw = drawn.pop("cash_draw")
    pop = Population(**drawn, trader=trader_of_village[village])
    pop.villages = Villages(village_remoteness, trader_of_village)
    pop.cash_draw = cash_draw
    return pop


def draw_mses(
    k: int, villages: Villages, levers: Levers, rng: np.random.Generator, consts: np.ndarray
) -> Population:
    """Draw ``k`` new MSEs as the initial population was drawn (MSEs that enter later).

    The same draws as :func:`create_population` for each MSE (village uniformly, then its
    own remoteness spread, group, ICT, skill, dependence, capacity, cost, quality, cash and
    awareness), in the villages the population was drawn with: no upgrades, links, groups or
    debt; each sells in the domestic market to its village's trader of the start.

    Args:
        k: Number of MSEs.
        villages: The population's villages (``Population.villages``).
        levers: The scenario's levers that shape an MSE.
        rng: The generator to draw from (entry's own stream, never the model's).
        consts: The run's calibration constants (a `sim.constants` record).
    """
    village = rng.integers(0, villages.remoteness.size, size=k).astype(np.int32)
    drawn = _draw_rows(village, villages.remoteness, levers, rng, consts)
    cash_draw = drawn.pop("cash_draw")
    pop = Population(**drawn, trader=villages.trader[village])
    pop.cash_draw = cash_draw
    return pop


def _draw_rows(
    village: np.ndarray,
    village_remoteness: np.ndarray,
    levers: Levers,
    rng: np.random.Generator,
    consts: np.ndarray,
) -> dict[str, np.ndarray]:
    """Every field of :class:`Population` but ``trader``, for MSEs in ``village``.

    And ``cash_draw``, the :class:`CashDraw` of their cash.
    """
    INITIAL_AWARENESS = values_of(consts)["initial_awareness"]
    MEAN_CAPACITY = values_of(consts)["mean_capacity"]
    MEAN_UNIT_COST = values_of(consts)["mean_unit_cost"]
    MEDIAN_CASH = values_of(consts)["median_cash"]
    lv = levers
    n = village.size
    remoteness = np.clip(village_remoteness[village] + variates.normal(rng, 0.0, 0.08, n), 0.0, 1.0)
    excluded = rng.random(n) < lv.excluded_share
    ict = rng.random(n) < lv.ict_access
    skill = np.clip(
        lv.education + variates.normal(rng, 0.0, 0.15, n) - 0.15 * lv.social_distance * excluded,
        0.0,
        1.0,
    )
    dependence = np.clip(lv.household_dependence + variates.normal(rng, 0.0, 0.15, n), 0.05, 1.0)
    capacity = MEAN_CAPACITY * variates.lognormal(rng, -0.08, 0.4, n)
    unit_cost = MEAN_UNIT_COST * variates.lognormal(rng, 0.0, 0.12, n)
    quality = variates.beta(rng, 2, 5, n)
    cash_draw = CashDraw(dict(rng.bit_generator.state), n, MEDIAN_CASH)
    cash = _draw_cash(rng, n, MEDIAN_CASH)
    aware_draw = rng.random((n, N_OPTIONS)) < INITIAL_AWARENESS
    aware = (aware_draw * (1 << np.arange(N_OPTIONS))).sum(axis=1).astype(np.uint8)
    channel_weight = np.zeros((N_CHANNELS, n))
    channel_weight[0] = 1.0  # everybody starts in the domestic market
    return dict(
        village=village,
        remoteness=remoteness,
        distance=np.clip(lv.physical_distance * (0.25 + 1.5 * remoteness), 0.0, 1.0),
        excluded=excluded,
        ict=ict,
        skill=skill,
        dependence=dependence,
        capacity=capacity,
        unit_cost=unit_cost,
        quality=quality,
        cash=cash,
        debt=np.zeros(n),
        advance_due=np.zeros(n),
        channels=np.ones(n, dtype=np.uint8),
        channel_weight=channel_weight,
        lead_firm=np.full(n, -1, dtype=np.int32),
        group=np.full(n, -1, dtype=np.int32),
        upgrades=np.zeros(n, dtype=np.uint8),
        aware=aware,
        belief_price=np.zeros((N_CHANNELS, n)),
        belief_premium=np.zeros((N_CHANNELS, n)),
        income=np.zeros(n),
        income_history=np.zeros((INCOME_MEMORY, n), dtype=np.float32),
        income_sum=np.zeros(n),
        income_sumsq=np.zeros(n),
        distress_months=np.zeros(n, dtype=np.int16),
        active=np.ones(n, dtype=bool),
        cash_draw=cash_draw,
    )


def _draw_cash(rng: np.random.Generator, n: int, median: float) -> np.ndarray:
    """Starting cash of ``n`` MSEs: lognormal about ``median``."""
    return median * variates.lognormal(rng, 0.0, 0.6, n)


@dataclass(frozen=True)
class CashDraw:
    """How the starting cash of some MSEs was drawn: enough to draw the same numbers again.

    The model reads each MSE's starting cash only to break results down by initial wealth
    (`sim.who_gains`), so it keeps this rather than the cash (8 bytes an MSE).

    Attributes:
        state: The generator's state just before the draw (``bit_generator.state``).
        n: Number of MSEs.
        median: Median starting cash (``median_cash``).
    """

    state: dict
    n: int
    median: float

    def cash(self) -> np.ndarray:
        """The starting cash drawn again from the same state: the same bits (a new array)."""
        bits = getattr(np.random, self.state["bit_generator"])()
        bits.state = self.state
        return _draw_cash(np.random.Generator(bits), self.n, self.median)


def social_barrier(
    excluded: np.ndarray, social_distance: float, targeted_facilitation: float
) -> np.ndarray:
    """How strongly socio-cultural segmentation holds each MSE back, in [0, 1].

    Zero for the included group. For the excluded group it is the scenario's social distance,
    reduced by facilitation targeted at that group (guideline 5).
    """
    return excluded * (social_distance * (1.0 - targeted_facilitation))


@njit(cache=True, parallel=True)
def _record_income_chunks(slot, income, income_sum, income_sumsq, chunk):
    """`_record_income` over threads, in fixed chunks (each MSE's sums are its own)."""
    n = income.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        _record_income(slot, income, income_sum, income_sumsq, start, min(start + chunk, n))


@njit(cache=True)
def _record_income(slot, income, income_sum, income_sumsq, start, stop):
    for i in range(start, stop):
        old = np.float64(slot[i])
        income_sum[i] += income[i] - old
        income_sumsq[i] += income[i] ** 2 - old**2
        slot[i] = income[i]


@njit(cache=True)
def stays_in_chain(active, upgrades):
    """Whether one MSE is active and still produces in this chain (from its two elements).

    The compiled passes call this per MSE rather than passing `MseState` to a function in
    the loop: every array of the bundle would then be reference-counted on every call.
    """
    return active and (upgrades >> INTERSECTORAL) & 1 == 0


@njit(cache=True, parallel=True)
def _in_chain_chunks(active, upgrades, out, chunk):
    """`_in_chain` over threads, in fixed chunks of ``chunk`` MSEs."""
    n = active.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        stop = min(start + chunk, n)
        out[start:stop] = _in_chain(active, upgrades, start, stop)


@njit(cache=True)
def _in_chain(active, upgrades, start, stop):
    """Whether MSEs ``start`` to ``stop`` are active and still in this chain (a new array).

    The range's result is a new array, which the compiler knows overlaps no input, so the
    loop runs on the CPU's vector units (with an output array passed in, about 1.5 times
    slower).
    """
    active, upgrades = active[start:stop], upgrades[start:stop]
    out = np.empty(active.size, np.bool_)
    for i in range(active.size):
        out[i] = active[i] and (upgrades[i] >> INTERSECTORAL) & 1 == 0
    return out
