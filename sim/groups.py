"""Horizontal links: producer groups form, work and dissolve.

Groups form within a village (nearby MSEs) and, the stronger social distance is, within one
social group. The scenario's ``group_support`` (guideline 3) makes them form faster and last
longer. Members

- bargain collectively (constant ``group_bargaining``, :mod:`sim.terms`),
- share information: their beliefs are pooled (:func:`share_information`),
- share the fixed costs of upgrading (:func:`group_cost_share`),
- are reached by lead firms at lower transaction cost (constant ``group_reach``,
  :mod:`sim.lead_firms`),
- see each other's upgrades (demonstration: :func:`peer_adoption`, read by
  :func:`sim.signals.option_hazards`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from sim.constants import declare, real, values_of, whole
from sim.population import FUNCTIONAL, N_OPTIONS, Population, stays_in_chain
from sim.threads import CHUNK, parallel

#: Group id of an MSE in no group, and of one looking for a group to join.
NO_GROUP, SEEKING = -1, -2
#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        real(
            "join_hazard",
            0.06,
            0.0,
            1.0,
            "per month",
            "Monthly chance that an MSE outside a group seeks to join one, at group_support = 1.",
        ),
        real(
            "unsupported_joining",
            0.15,
            0.0,
            1.0,
            "share of join hazard",
            "Share of that chance that exists without any support (groups formed for other "
            "purposes).",
        ),
        real(
            "dissolve_hazard",
            0.03,
            0.0,
            1.0,
            "per month",
            "Monthly chance that a group dissolves without support.",
        ),
        real(
            "support_durability",
            0.8,
            0.0,
            1.0,
            "share of dissolve hazard",
            "Share of the dissolution hazard that full support removes.",
        ),
        # Joining lost at full social barrier, and gained with ICT (easier to stay in touch).
        real(
            "social_joining_loss",
            0.5,
            0.0,
            1.0,
            "share of joining",
            "Joining lost at full social barrier.",
        ),
        real(
            "ict_joining_gain",
            0.5,
            0.0,
            5.0,
            "share of joining",
            "Joining gained with ICT (easier to stay in touch).",
        ),
        real(
            "leave_hazard",
            0.005,
            0.0,
            1.0,
            "per month",
            "Monthly chance that a member leaves its group.",
        ),
        # Fewest seekers that start a new group, and the size above which a group takes no members.
        whole("min_group_size", 3, 2, 1000, "members", "Fewest seekers that start a new group."),
        whole(
            "max_group_size",
            25,
            2,
            1000,
            "members",
            "Size above which a group takes no new members.",
        ),
        real(
            "group_cost_share",
            0.3,
            0.0,
            1.0,
            "share of cost",
            "Share of upgrading costs a group member saves by sharing equipment, training, "
            "transport.",
        ),
        real(
            "information_sharing",
            0.5,
            0.0,
            1.0,
            "weight",
            "Weight of the group's pooled belief in a member's belief after each month's meeting.",
        ),
        # Groups with costs (issue 22, item 5), each in the unit of GROUP_VALUE: a member's
        # net benefit a month is ``GROUP_VALUE x effort x capture - GOVERNANCE_COST x size``.
        # With FREE_RIDING, ELITE_CAPTURE and GOVERNANCE_COST at 0 groups only help.
        real(
            "group_value",
            0.05,
            0.0,
            1.0,
            "share of a member's monthly sales",
            "Monthly value of membership to a member when every member pays its share "
            "(collective bargaining, shared costs, information).",
        ),
        real(
            "free_riding",
            0.2,
            0.0,
            1.0,
            "probability per member-month",
            "Monthly chance that a member contributes nothing to the group's shared costs; the "
            "group's benefits shrink by the share of members who do not pay (its effort).",
        ),
        real(
            "elite_capture",
            0.3,
            0.0,
            1.0,
            "share of benefits",
            "Share of a group's benefits that goes to its better-off members (cash above the "
            "group's mean), split among them; the rest is shared equally.",
        ),
        real(
            "governance_cost",
            0.001,
            0.0,
            1.0,
            "share of a member's monthly sales per member",
            "Monthly cost of running the group (meetings, coordination, records) per member, per "
            "member of the group: it grows with the group's size.",
        ),
    ],
)


class GroupArrays(NamedTuple):
    """The group registry as one argument of the compiled passes (views, one per group id).

    Attributes:
        cell: Village-and-social-group cell each group belongs to.
        founder: Row of the MSE that founded each group.
        alive: Whether each group still operates (written when groups dissolve).
    """

    cell: np.ndarray
    founder: np.ndarray
    alive: np.ndarray


class Groups:
    """Registry of producer groups ever formed (group ids index its arrays)."""

    def __init__(self) -> None:
        self._count = 0
        self._cell = np.empty(64, dtype=np.int64)
        self._founder = np.empty(64, dtype=np.int64)
        self._alive = np.empty(64, dtype=bool)

    def __len__(self) -> int:
        return self._count

    @property
    def cell(self) -> np.ndarray:
        """Village-and-social-group cell each group belongs to."""
        return self._cell[: self._count]

    @property
    def founder(self) -> np.ndarray:
        """Row of the MSE that founded each group (its draws decide dissolution)."""
        return self._founder[: self._count]

    @property
    def alive(self) -> np.ndarray:
        """Whether each group still operates (a view: writes go to the registry)."""
        return self._alive[: self._count]

    def arrays(self) -> GroupArrays:
        """The registry's arrays for the compiled passes (rebuilt per call: they grow)."""
        return GroupArrays(self.cell, self.founder, self.alive)

    def add(self, cells: np.ndarray, founders: np.ndarray) -> np.ndarray:
        """Register new groups; return their ids."""
        start, end = self._count, self._count + len(cells)
        if end > self._cell.size:
            # Grow geometrically: groups form every month, and copying is then rare.
            capacity = max(2 * self._cell.size, end)
            for name in ("_cell", "_founder", "_alive"):
                old = getattr(self, name)
                new = np.empty(capacity, dtype=old.dtype)
                new[:start] = old[:start]
                setattr(self, name, new)
        self._cell[start:end] = cells
        self._founder[start:end] = founders
        self._alive[start:end] = True
        self._count = end
        return np.arange(start, end, dtype=np.int32)


def dissolve_groups(
    pop: Population, groups: Groups, group_support: float, uniforms: np.ndarray, consts: np.ndarray
) -> None:
    """Some groups dissolve and some members leave (one month).

    Args:
        pop: Population; `group` updated in place.
        groups: Group registry.
        group_support: Scenario lever.
        uniforms: Uniform draws, shape (n,). A group dissolves when its founder's draw is
            below the dissolution hazard; a member leaves when its draw is in the top
            LEAVE_HAZARD of [0, 1), so the two events never share a slice.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    DISSOLVE_HAZARD = values_of(consts)["dissolve_hazard"]
    SUPPORT_DURABILITY = values_of(consts)["support_durability"]
    if not len(groups):
        return
    hazard = DISSOLVE_HAZARD * (1.0 - SUPPORT_DURABILITY * group_support)
    _dissolve(pop.group, pop.active, groups.founder, groups.alive, uniforms, hazard, consts)


@njit(cache=True)
def _dissolve(group, active, founder, alive, uniforms, hazard, consts):
    LEAVE_HAZARD = consts[0].leave_hazard
    sizes = np.zeros(alive.size, np.int64)
    for i in range(group.size):
        if active[i] and group[i] >= 0:
            sizes[group[i]] += 1
    dissolving = np.zeros(alive.size, np.bool_)
    for g in range(alive.size):
        # A group of one is no group.
        if alive[g] and (uniforms[founder[g]] < hazard or sizes[g] < 2):
            dissolving[g] = True
            alive[g] = False
    for i in range(group.size):
        if group[i] >= 0 and (
            not active[i] or uniforms[i] > 1.0 - LEAVE_HAZARD or dissolving[group[i]]
        ):
            group[i] = NO_GROUP


def form_groups(
    pop: Population,
    groups: Groups,
    group_support: float,
    social: np.ndarray,
    social_distance: float,
    uniforms: np.ndarray,
    consts: np.ndarray,
) -> None:
    """MSEs outside groups seek one; seekers join an open group in their cell or found one.

    A cell is a village, split by social group with probability ``social_distance`` for each
    seeker (segmentation), so groups are local and mostly socially homogeneous.

    Args:
        pop: Population; `group` updated in place.
        groups: Group registry.
        group_support: Scenario lever.
        social: Social barrier per MSE (excluded MSEs join less readily).
        social_distance: Scenario lever.
        uniforms: Uniform draws, shape (n,). An MSE seeks when its draw ``u`` is below its
            hazard ``h``; then ``u / h`` is again uniform and decides segmentation.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    JOIN_HAZARD = values_of(consts)["join_hazard"]
    UNSUPPORTED_JOINING = values_of(consts)["unsupported_joining"]
    supported = JOIN_HAZARD * (UNSUPPORTED_JOINING + (1.0 - UNSUPPORTED_JOINING) * group_support)
    founders, cells = _seek_and_join(
        pop.state,
        social,
        uniforms,
        supported,
        float(social_distance),
        groups.arrays(),
        2 * (int(pop.village.max()) + 1),
        consts,
    )
    if founders.size:
        groups.add(cells, founders)


@njit(cache=True)
def _seek_and_join(mse, social, uniforms, supported, social_distance, registry, n_cells, consts):
    """Seekers join their cell's open group or found new ones; returns founders and cells.

    New groups take the next ids of the registry (``registry.alive.size`` on), in order of
    cell and then of the founders' rows; the caller registers them.

    Args:
        mse: `MseState`; ``group`` written.
        social: Social barrier per MSE.
        uniforms: One uniform draw per MSE.
        supported: Monthly chance of seeking a group, before social barrier and ICT.
        social_distance: Scenario lever.
        registry: `GroupArrays` of the groups formed so far (read only).
        n_cells: Number of village-and-social-group cells.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    ICT_JOINING_GAIN = consts[0].ict_joining_gain
    MAX_GROUP_SIZE = consts[0].max_group_size
    MIN_GROUP_SIZE = consts[0].min_group_size
    SOCIAL_JOINING_LOSS = consts[0].social_joining_loss
    group, village, excluded, ict = mse.group, mse.village, mse.excluded, mse.ict
    active, upgrades = mse.active, mse.upgrades
    alive, group_cell = registry.alive, registry.cell
    n = group.size
    seekers, cell = np.empty(n, np.int64), np.empty(n, np.int64)
    m = 0
    for i in range(n):
        draw = uniforms[i]
        # Excluded MSEs join less readily; ICT makes it easier to stay in touch.
        hazard = (
            supported * (1.0 - SOCIAL_JOINING_LOSS * social[i]) * (1.0 + ICT_JOINING_GAIN * ict[i])
        )
        in_chain = stays_in_chain(active[i], upgrades[i])
        if group[i] == NO_GROUP and in_chain and draw < hazard:
            group[i] = SEEKING
            draw = draw / hazard  # uniform again, given that it seeks
        elif group[i] == SEEKING and not in_chain:
            group[i] = NO_GROUP
        # Seekers who found no group last month keep looking (group == SEEKING), with a
        # fresh draw; they are still outside a group for every other purpose.
        if group[i] == SEEKING:
            seekers[m] = i
            cell[m] = 2 * village[i] + (1 if draw < social_distance and excluded[i] else 0)
            m += 1
    if m == 0:
        return seekers[:0], cell[:0]

    # Open groups: alive, below the size cap; one per cell takes newcomers, the smallest
    # (the most recent among equals).
    sizes = np.zeros(alive.size, np.int64)
    for i in range(n):
        if stays_in_chain(active[i], upgrades[i]) and group[i] >= 0:
            sizes[group[i]] += 1
    open_of_cell = np.full(n_cells, -1, np.int64)
    for g in range(alive.size):
        if alive[g] and 0 < sizes[g] < MAX_GROUP_SIZE:
            current = open_of_cell[group_cell[g]]
            if current < 0 or sizes[g] <= sizes[current]:
                open_of_cell[group_cell[g]] = g
    rest = np.empty(m, np.int64)
    n_rest = 0
    for j in range(m):
        target = open_of_cell[cell[j]]
        if target >= 0:
            group[seekers[j]] = target
        else:
            rest[n_rest] = j
            n_rest += 1

    # Seekers with no open group found new groups, MAX_GROUP_SIZE at a time per cell; too
    # few to found one keep seeking.
    rest = rest[:n_rest][np.argsort(cell[rest[:n_rest]], kind="mergesort")]
    founders, founded_cells = np.empty(n_rest, np.int64), np.empty(n_rest, np.int64)
    n_new = 0
    start = 0
    while start < n_rest:
        this_cell = cell[rest[start]]
        end = start
        while end < n_rest and cell[rest[end]] == this_cell and end - start < MAX_GROUP_SIZE:
            end += 1
        if end - start >= MIN_GROUP_SIZE:
            # The first seeker founds the group; its draws decide dissolution later.
            founders[n_new] = seekers[rest[start]]
            founded_cells[n_new] = this_cell
            for j in range(start, end):
                group[seekers[rest[j]]] = alive.size + n_new
            n_new += 1
        start = end
    return founders[:n_new], founded_cells[:n_new]


def share_information(
    pop: Population, consts: np.ndarray, in_chain: np.ndarray | None = None
) -> None:
    """Members pool their price and premium beliefs (one meeting a month).

    A member that sells directly (functional upgrading) brings what it reads in end markets
    to the pool but keeps its own reading: it knows its buyers' prices better than the group.

    Args:
        pop: Population; beliefs updated in place.
        consts: The run's calibration constants (a `sim.constants` record).
        in_chain: ``pop.in_chain``, if the caller has it already (computed otherwise).
    """
    if in_chain is None:
        in_chain = pop.in_chain
    # The pools are sums over members, added in row order on one thread; moving each member
    # toward its pool is its own, and from PARALLEL_MIN_MSES runs over threads in chunks.
    members, pooled = _pool_beliefs(pop.group, in_chain, pop.belief_price, pop.belief_premium)
    if members.size == 0:
        return
    args = (pop.group, in_chain, pop.upgrades, pop.belief_price, pop.belief_premium)
    if parallel(pop.n):
        _meet_chunks(*args, members, pooled, consts, CHUNK)
    else:
        _meet(*args, members, pooled, consts, 0, pop.n)


@njit(cache=True)
def _pool_beliefs(group, in_chain, belief_price, belief_premium):
    """Each group's in-chain members and the sums of their beliefs, in row order.

    Returns:
        ``(members, pooled)``: members per group, (groups,), and the sums of their price and
        premium beliefs by channel, (2, channels, groups); empty without members.
    """
    size = 0
    for i in range(group.size):
        if in_chain[i] and group[i] >= size:
            size = group[i] + 1
    members = np.zeros(size)
    pooled = np.zeros((2, belief_price.shape[0], size))
    for i in range(group.size):
        g = group[i]
        if in_chain[i] and g >= 0:
            members[g] += 1.0
            for c in range(belief_price.shape[0]):
                pooled[0, c, g] += belief_price[c, i]
                pooled[1, c, g] += belief_premium[c, i]
    return members, pooled


@njit(cache=True, parallel=True)
def _meet_chunks(
    group, in_chain, upgrades, belief_price, belief_premium, members, pooled, consts, chunk
):
    """`_meet` over threads, in fixed chunks (each member's beliefs are its own)."""
    n = group.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        _meet(
            group,
            in_chain,
            upgrades,
            belief_price,
            belief_premium,
            members,
            pooled,
            consts,
            start,
            min(start + chunk, n),
        )


@njit(cache=True)
def _meet(
    group, in_chain, upgrades, belief_price, belief_premium, members, pooled, consts, start, stop
):
    """Move the beliefs of members ``start`` to ``stop`` toward their group's mean (`_pool_beliefs`).

    A member that sells directly keeps its own.
    """
    INFORMATION_SHARING = consts[0].information_sharing
    for i in range(start, stop):
        g = group[i]
        if in_chain[i] and g >= 0 and (upgrades[i] >> FUNCTIONAL) & 1 == 0:
            for c in range(belief_price.shape[0]):
                belief_price[c, i] += INFORMATION_SHARING * (
                    pooled[0, c, g] / members[g] - belief_price[c, i]
                )
                belief_premium[c, i] += INFORMATION_SHARING * (
                    pooled[1, c, g] / members[g] - belief_premium[c, i]
                )


def group_cost_share(
    pop: Population, consts: np.ndarray, benefit: np.ndarray | None = None
) -> np.ndarray:
    """Share of upgrading costs each MSE saves through its group.

    Args:
        pop: Population.
        consts: The run's calibration constants (a `sim.constants` record).
        benefit: Each MSE's share of its group's benefits (`group_economics`); 1 for every
            member if omitted.
    """
    if benefit is None:
        benefit = np.ones(pop.n)
    return _cost_shares(benefit, pop.group, consts)


@njit(cache=True)
def _cost_shares(benefit, group, consts):
    """`member_cost_share` of every MSE (a new array)."""
    out = np.empty(group.size)
    for i in range(group.size):
        out[i] = member_cost_share(benefit[i], group[i] >= 0, consts)
    return out


@njit(cache=True)
def member_cost_share(benefit, in_group, consts):
    """Share of upgrading costs one MSE saves through its group, given its ``benefit``.

    ``benefit`` is its share of the group's benefits (`group_economics`). The valuation works
    it out for each MSE it values, rather than the month holding `group_cost_share`.
    """
    return np.minimum(consts[0].group_cost_share * benefit, 1.0) * in_group


def group_economics(
    pop: Population, groups: Groups, uniforms: np.ndarray, consts: np.ndarray
) -> np.ndarray:
    """Groups cost something: free riders, capture by the better-off, governance (one month).

    Each member free-rides (pays nothing toward shared costs) when its draw is in the top
    FREE_RIDING of [0, 1) (the join draw, which members do not otherwise use; a member that
    joined this month used its bottom slice to seek, so newcomers pay their first month).
    A group's *effort* is the share of its members who pay. Its benefits, ``GROUP_VALUE x
    effort`` a member on average, are shared: ELITE_CAPTURE of them goes to the members with
    cash above the group's mean, the rest equally. A member's net benefit is its share minus
    ``GOVERNANCE_COST x size``. A group whose mean net benefit is below zero dissolves; in one
    that goes on, members whose own net benefit is below zero leave.

    Args:
        pop: Population; `group` written for the members who leave or whose group dissolves.
        groups: Group registry (`alive` written).
        uniforms: The month's join draws, shape (n,).
        consts: The run's calibration constants (a `sim.constants` record).

    Returns:
        Each MSE's share of its group's benefits relative to an equal share in a group where
        all pay (``effort x capture multiplier``; 0 outside a group). It scales the group's
        bargaining power (`sim.terms.bargaining_power`) and cost sharing (`group_cost_share`).
    """
    benefit = np.zeros(pop.n)
    if len(groups):
        # The groups' books are sums over members in row order, on one thread; each member's
        # share is its own: from PARALLEL_MIN_MSES, worked out over threads in fixed chunks.
        books = _group_books(pop.state, groups.alive, uniforms, consts)
        if parallel(pop.n):
            _member_shares_chunks(pop.state, books, benefit, consts, CHUNK)
        else:
            _member_shares(pop.state, books, benefit, consts, 0, pop.n)
    return benefit


class GroupBooks(NamedTuple):
    """One month's books of every group (`_group_books`), indexed by group id.

    Attributes:
        size: In-chain members.
        paying: Of them, those who pay toward shared costs.
        cash_sum: Their cash, summed in row order.
        top: Members with cash above the group's mean.
        dissolving: Whether the group dissolves this month.
    """

    size: np.ndarray
    paying: np.ndarray
    cash_sum: np.ndarray
    top: np.ndarray
    dissolving: np.ndarray


@njit(cache=True)
def _group_books(mse, alive, uniforms, consts):
    """Each group's `GroupBooks`; groups that dissolve are marked dead in ``alive``."""
    FREE_RIDING = consts[0].free_riding
    GOVERNANCE_COST = consts[0].governance_cost
    GROUP_VALUE = consts[0].group_value
    group, cash, active, upgrades = mse.group, mse.cash, mse.active, mse.upgrades
    n_groups = alive.size
    size = np.zeros(n_groups)
    paying = np.zeros(n_groups)
    cash_sum = np.zeros(n_groups)
    for i in range(group.size):
        g = group[i]
        if g >= 0 and stays_in_chain(active[i], upgrades[i]):
            size[g] += 1.0
            paying[g] += uniforms[i] < 1.0 - FREE_RIDING
            cash_sum[g] += cash[i]
    top = np.zeros(n_groups)
    for i in range(group.size):
        g = group[i]
        if g >= 0 and stays_in_chain(active[i], upgrades[i]):
            top[g] += cash[i] * size[g] > cash_sum[g]
    dissolving = np.zeros(n_groups, np.bool_)
    for g in range(n_groups):
        if alive[g] and size[g] > 0.0:
            effort = paying[g] / size[g]
            if GROUP_VALUE * effort - GOVERNANCE_COST * size[g] < 0.0:
                dissolving[g] = True
                alive[g] = False
    return GroupBooks(size, paying, cash_sum, top, dissolving)


@njit(cache=True, parallel=True)
def _member_shares_chunks(mse, books, benefit, consts, chunk):
    """`_member_shares` over threads, in fixed chunks of ``chunk`` MSEs."""
    n = benefit.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        _member_shares(mse, books, benefit, consts, start, min(start + chunk, n))


@njit(cache=True)
def _member_shares(mse, books, benefit, consts, start, stop):
    """Each member's share of its group's benefits, or its leaving, for MSEs ``start`` to ``stop``.

    Writes ``benefit`` and, for members who leave or whose group dissolves, ``mse.group``.
    """
    ELITE_CAPTURE = consts[0].elite_capture
    GOVERNANCE_COST = consts[0].governance_cost
    GROUP_VALUE = consts[0].group_value
    group, cash, active, upgrades = mse.group, mse.cash, mse.active, mse.upgrades
    size, paying, cash_sum, top, dissolving = (
        books.size,
        books.paying,
        books.cash_sum,
        books.top,
        books.dissolving,
    )
    for i in range(start, stop):
        g = group[i]
        if g < 0:
            continue
        if not stays_in_chain(active[i], upgrades[i]):
            benefit[i] = 1.0  # never read: it neither sells nor upgrades in the chain
            continue
        if dissolving[g]:
            group[i] = NO_GROUP
            continue
        effort = paying[g] / size[g]
        # Equal shares when nobody is better off than the mean (or capture is off).
        share = 1.0
        if top[g] > 0.0:
            share = 1.0 - ELITE_CAPTURE
            if cash[i] * size[g] > cash_sum[g]:
                share += ELITE_CAPTURE * size[g] / top[g]
        if GROUP_VALUE * effort * share - GOVERNANCE_COST * size[g] < 0.0:
            group[i] = NO_GROUP
        else:
            benefit[i] = effort * share


def peer_adoption(pop: Population, key: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Share of each group's (or village's) peers that made each upgrade.

    Args:
        pop: Population.
        key: Group id or village per MSE (ignored where ``mask`` is False).
        mask: Which MSEs count as peers.

    Returns:
        Array (number of keys, 5): row ``g`` holds, per option, the share of the peers with
        key ``g`` that made it.
    """
    return _peer_adoption(key, mask, pop.upgrades)


@njit(cache=True)
def _peer_adoption(key, mask, upgrades):
    size = 0
    for i in range(key.size):
        if mask[i] and key[i] >= size:
            size = key[i] + 1
    # One pass counts each key's peers and, per option, those who made it.
    members = np.zeros(size)
    done = np.zeros((size, N_OPTIONS))
    for i in range(key.size):
        if mask[i] and key[i] >= 0:
            members[key[i]] += 1.0
            for k in range(N_OPTIONS):
                done[key[i], k] += (upgrades[i] >> k) & 1
    for g in range(size):
        for k in range(N_OPTIONS):
            done[g, k] /= max(members[g], 1.0)
    return done
