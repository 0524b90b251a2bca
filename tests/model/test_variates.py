"""sim.variates: normal, lognormal and beta draws from uniforms, with the right distributions.

One uniform per normal or lognormal draw and a + b - 1 per beta draw, so the draws keep a
fixed layout in the generator's stream. The distributions are checked with Kolmogorov-Smirnov
tests on 20,000 draws from fixed seeds (deterministic, so never flaky): a wrong transform
(a scale off by 10%, a beta with a wrong shape) fails them.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim import variates

N = 20_000


def test_one_uniform_per_normal_draw():
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    variates.standard_normal(a, 7)
    variates.lognormal(a, 0.0, 1.0, 3)
    b.random(10)
    assert a.random() == b.random()


def test_a_plus_b_minus_one_uniforms_per_beta_draw():
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    variates.beta(a, 2, 5, 9)
    b.random(9 * 6)
    assert a.random() == b.random()


@pytest.mark.parametrize("seed", [1, 2])
def test_standard_normal_is_standard_normal(seed):
    z = variates.standard_normal(np.random.default_rng(seed), N)
    assert stats.kstest(z, stats.norm().cdf).pvalue > 0.001
    assert abs(z.mean()) < 4 / np.sqrt(N) and abs(z.std() - 1.0) < 0.02


def test_normal_has_its_mean_and_sd():
    x = variates.normal(np.random.default_rng(3), 2.0, 0.15, N)
    assert stats.kstest(x, stats.norm(2.0, 0.15).cdf).pvalue > 0.001
    # Scaled wrongly by 10%, the same draws fail: the test can tell.
    assert stats.kstest(x, stats.norm(2.0, 0.15 * 1.1).cdf).pvalue < 0.001


def test_lognormal_is_exp_of_normal():
    x = variates.lognormal(np.random.default_rng(4), -0.08, 0.4, N)
    assert (x > 0).all()
    assert stats.kstest(x, stats.lognorm(0.4, 0.0, np.exp(-0.08)).cdf).pvalue > 0.001


@pytest.mark.parametrize("a, b", [(2, 5), (1, 1), (3, 2)])
def test_beta_is_beta(a, b):
    x = variates.beta(np.random.default_rng(6), a, b, N)
    assert ((x >= 0) & (x < 1)).all()
    assert stats.kstest(x, stats.beta(a, b).cdf).pvalue > 0.001
    assert stats.kstest(x, stats.beta(a + 1, b).cdf).pvalue < 0.001


@pytest.mark.parametrize("a, b", [(2.5, 5), (0, 3), (2, -1)])
def test_beta_takes_whole_shapes_only(a, b):
    with pytest.raises(ValueError, match="whole numbers"):
        variates.beta(np.random.default_rng(0), a, b, 3)


def test_poisson_draws_have_the_mean_and_variance_of_a_poisson():
    import numpy as np

    from sim import variates

    rng = np.random.default_rng(0)
    for mean in (0.5, 15.0, 400.0):  # inversion below POISSON_NORMAL_FROM, normal above
        x = np.array([variates.poisson(rng, mean) for _ in range(4000)])
        assert abs(x.mean() - mean) < 4 * np.sqrt(mean / x.size)
        assert 0.85 * mean < x.var() < 1.15 * mean
    assert variates.poisson(rng, 0.0) == 0
