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
