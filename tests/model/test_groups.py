"""Unit tests of :mod:`sim.groups`: producer groups.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np

from sim import (
    groups,
)


def test_groups_form_within_villages_and_social_groups(consts, small):
    m = small(n=600, group_support=1.0, social_distance=1.0, excluded_share=0.5)
    pop = m.population
    for _ in range(36):
        groups.form_groups(pop, m.groups, 1.0, m.social, 1.0, m.rng.random(pop.n), consts=consts)
    members = pop.group >= 0
    assert members.mean() > 0.3
    for gid in np.unique(pop.group[members]):
        rows = pop.group == gid
        assert np.unique(pop.village[rows]).size == 1
        assert np.unique(pop.excluded[rows]).size == 1
        assert consts[0]["min_group_size"] <= rows.sum() <= 2 * consts[0]["max_group_size"]


def test_group_support_makes_groups_form_faster(consts, small):
    shares = []
    for support in (0.0, 1.0):
        m = small(n=600)
        draws = np.random.default_rng(1)
        for _ in range(24):
            groups.form_groups(
                m.population, m.groups, support, m.social, 0.4, draws.random(600), consts=consts
            )
        shares.append(m.population.in_group.mean())
    assert shares[1] > shares[0] + 0.2


def test_information_sharing_pulls_members_toward_the_group_mean(consts, small):
    m = small()
    pop = m.population
    pop.group[:] = np.arange(pop.n) % 5
    pop.belief_premium[:] = m.rng.random((3, pop.n))
    spread = pop.belief_premium[:, pop.group == 0].std(axis=1)
    means = pop.belief_premium[:, pop.group == 0].mean(axis=1)
    groups.share_information(pop, consts=consts)
    after = pop.belief_premium[:, pop.group == 0]
    assert np.allclose(after.std(axis=1), spread * (1 - consts[0]["information_sharing"]))
    assert np.allclose(after.mean(axis=1), means)  # pooling moves nobody's mean


def test_peer_adoption_counts_peers(small):
    m = small(n=10)
    pop = m.population
    pop.group[:] = [0, 0, 0, 0, 1, 1, -1, -1, -1, -1]
    pop.upgrades[:] = [1, 1, 0, 0, 2, 0, 1, 1, 1, 1]
    table = groups.peer_adoption(pop, pop.group, pop.group >= 0)
    assert table.shape == (2, 5)  # MSEs outside a group count for no group
    assert np.allclose(table[0], [0.5, 0, 0, 0, 0]) and np.allclose(table[1], [0, 0.5, 0, 0, 0])
    villages = groups.peer_adoption(pop, np.zeros(10, dtype=np.int32), np.ones(10, dtype=bool))
    assert np.allclose(villages, [[0.6, 0.1, 0, 0, 0]])


def test_group_registry_keeps_every_group_as_it_grows():
    registry = groups.Groups()
    ids = [
        registry.add(np.array([c, c + 1]), np.array([10 * c, 10 * c + 1])) for c in range(100)
    ]  # past the initial capacity several times
    assert len(registry) == 200
    assert np.array_equal(np.concatenate(ids), np.arange(200))
    assert registry.cell[150] == 75 and registry.cell[151] == 76 and registry.founder[151] == 751
    registry.alive[3] = False  # a view: writes reach the registry
    assert not registry.alive[3] and registry.alive.sum() == 199


def test_groups_dissolve_and_members_leave(consts, small):
    m = small(n=300)
    pop = m.population
    pop.group[:] = np.arange(pop.n) % 10
    m.groups.add(np.arange(10), np.arange(10))
    groups.dissolve_groups(
        pop, m.groups, 0.0, np.zeros(pop.n), consts=consts
    )  # every draw dissolves
    assert np.all(pop.group == -1)


# -- groups with costs (issue 22, item 5) -----------------------------------------------------


def _one_group_per_village(small):
    from sim.constants import ConstantSet

    m = small(n=200)
    pop = m.population
    pop.upgrades[:] = 0
    pop.active[:] = True
    pop.group[:] = groups.NO_GROUP
    ids = m.groups.add(
        np.arange(10), np.array([np.flatnonzero(pop.village == v)[0] for v in range(10)])
    )
    pop.group[:] = ids[pop.village]
    pop.cash[:] = 100.0

    def run(uniforms=None, **values):
        g0 = pop.group.copy()
        alive0 = m.groups.alive.copy()
        u = np.full(pop.n, 0.5) if uniforms is None else uniforms
        benefit = groups.group_economics(pop, m.groups, u, ConstantSet.of(values).record())
        after = pop.group.copy()
        pop.group[:] = g0
        m.groups.alive[:] = alive0
        return benefit, after

    return m, pop, run


def test_free_riders_shrink_what_groups_give_and_without_them_members_get_it_all(small):
    m, pop, run = _one_group_per_village(small)
    benefit, _ = run(free_riding=0.0, elite_capture=0.0, governance_cost=0.0)
    assert (benefit == 1.0).all()
    # Half the members (draws in the top half) pay nothing: every member gets half.
    u = np.where(np.arange(pop.n) % 2 == 0, 0.9, 0.1)
    benefit, _ = run(u, free_riding=0.5, elite_capture=0.0, governance_cost=0.0)
    for v in range(10):
        rows = pop.village == v
        paying = (u[rows] < 0.5).mean()
        assert np.allclose(benefit[rows], paying)


def test_better_off_members_capture_the_groups_benefits_and_without_capture_all_share(small):
    m, pop, run = _one_group_per_village(small)
    rich = np.arange(pop.n) % 4 == 0
    pop.cash[:] = np.where(rich, 1000.0, 10.0)
    benefit, _ = run(free_riding=0.0, elite_capture=0.3, governance_cost=0.0)
    assert (benefit[rich] > 1.0).all() and np.allclose(benefit[~rich], 0.7)
    # The benefits are moved, not made: the mean share in each group stays 1.
    for v in range(10):
        assert np.isclose(benefit[pop.village == v].mean(), 1.0)
    benefit, _ = run(free_riding=0.0, elite_capture=0.0, governance_cost=0.0)
    assert (benefit == 1.0).all()


def test_a_governance_cost_that_grows_with_size_dissolves_large_groups_only(small):
    m, pop, run = _one_group_per_village(small)
    sizes = np.bincount(pop.village)
    cost = 0.05 / (sizes.min() + sizes.max()) * 2  # between the smallest and largest group
    _, after = run(free_riding=0.0, elite_capture=0.0, governance_cost=cost, group_value=0.05)
    for v in range(10):
        gone = (after[pop.village == v] == groups.NO_GROUP).all()
        assert gone == (cost * sizes[v] > 0.05)
    assert (after == groups.NO_GROUP).any()
    _, after = run(free_riding=0.0, elite_capture=0.0, governance_cost=0.0)
    assert (after >= 0).all()


def test_capture_makes_ordinary_members_leave_when_their_share_does_not_pay(small):
    m, pop, run = _one_group_per_village(small)
    rich = np.arange(pop.n) % 4 == 0
    pop.cash[:] = np.where(rich, 1000.0, 10.0)
    sizes = np.bincount(pop.village)
    # A governance cost an equal share covers, but not an ordinary member's 30% smaller one.
    cost = 0.05 * 0.85 / sizes.max()
    _, after = run(free_riding=0.0, elite_capture=0.3, governance_cost=cost, group_value=0.05)
    big = sizes[pop.village] * cost > 0.05 * 0.7
    assert (after[~rich & big] == groups.NO_GROUP).all() and (after[rich] >= 0).all()
    _, after = run(free_riding=0.0, elite_capture=0.0, governance_cost=cost, group_value=0.05)
    assert (after >= 0).all()
