"""sim.detmath: exp, expm1, log and the normal quantile, within 1 ulp, the same on every CPU.

The functions are checked against the platform's libm (glibc, within 1 ulp of the exact
result itself) over Hypothesis-drawn inputs, at their special points, and, for the normal
quantile, against CPython's pure-Python AS 241 to the bit. That they give the same bits on
other CPUs is checked by tests/reference/test_cpu_independence.py, which runs the model
under simulated CPUs.
"""

from __future__ import annotations

import importlib.util
import math
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import detmath

TINY = 5e-324  # the smallest subnormal


def ulps_apart(a: float, b: float) -> int:
    """How many doubles lie between a and b, plus one (0 when equal)."""
    if a == b:
        return 0
    ia, ib = (int(np.float64(v).view(np.int64)) for v in (a, b))
    ia = ia if ia >= 0 else -(ia & 0x7FFFFFFFFFFFFFFF)
    ib = ib if ib >= 0 else -(ib & 0x7FFFFFFFFFFFFFFF)
    return abs(ia - ib)


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.floats(-745.2, 709.78), st.floats(-1.0, 1.0), st.floats(-1e-7, 1e-7)))
def test_exp_is_within_one_ulp_of_libm(x):
    assert ulps_apart(detmath.exp(x), math.exp(x)) <= 1


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.floats(-60.0, 709.78), st.floats(-1.0, 1.0), st.floats(-1e-9, 1e-9)))
def test_expm1_is_within_one_ulp_of_libm(x):
    assert ulps_apart(detmath.expm1(x), math.expm1(x)) <= 1


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.floats(min_value=TINY, allow_infinity=False),
        st.floats(0.5, 2.0),
        st.floats(TINY, 1e-300),
    )
)
def test_log_is_within_one_ulp_of_libm(x):
    assert ulps_apart(detmath.log(x), math.log(x)) <= 1


@settings(max_examples=500, deadline=None)
@given(st.floats(-700.0, 700.0))
def test_log_undoes_exp(x):
    # exp(x) is within an ulp, so log recovers x to within an ulp of exp(x)'s relative spacing.
    assert abs(detmath.log(detmath.exp(x)) - x) <= 2.3e-16 * max(1.0, abs(x))


@settings(max_examples=500, deadline=None)
@given(finite, finite)
def test_exp_and_log_keep_order(x, y):
    lo, hi = min(x, y), max(x, y)
    assert detmath.exp(lo) <= detmath.exp(hi)
    assert detmath.expm1(lo) <= detmath.expm1(hi)
    if lo > 0.0:
        assert detmath.log(lo) <= detmath.log(hi)


def test_special_points():
    inf, nan = math.inf, math.nan
    assert detmath.exp(0.0) == 1.0 and detmath.exp(-0.0) == 1.0
    assert detmath.exp(inf) == inf and detmath.exp(-inf) == 0.0
    assert math.isnan(detmath.exp(nan))
    assert detmath.exp(710.0) == inf and detmath.exp(-746.0) == 0.0
    assert detmath.exp(-745.1) == TINY  # the last subnormal before underflow
    # fdlibm's exp(1), as Java's StrictMath gives it: one ulp above the nearest double to e.
    assert detmath.exp(1.0) == 2.7182818284590455
    assert detmath.expm1(0.0) == 0.0 and math.copysign(1.0, detmath.expm1(-0.0)) == -1.0
    assert detmath.expm1(inf) == inf and detmath.expm1(-inf) == -1.0
    assert detmath.expm1(-40.0) == -1.0 and detmath.expm1(1e-300) == 1e-300
    assert math.isnan(detmath.expm1(nan))
    assert detmath.log(1.0) == 0.0 and detmath.log(0.0) == -inf
    assert detmath.log(-0.0) == -inf and math.isnan(detmath.log(-1.0))
    assert detmath.log(inf) == inf and math.isnan(detmath.log(nan))
    assert detmath.log(2.0) == math.log(2.0)  # k ln2 with k = 1: ln2_hi + ln2_lo rounded
    assert detmath.log(TINY) == math.log(TINY)  # subnormal input: scaled by 2**54 first


def test_whole_numbers_are_taken_as_floats():
    assert detmath.exp(1) == detmath.exp(1.0)
    assert detmath.log(8) == detmath.log(8.0)


def _pure_python_statistics():
    """CPython's statistics module without its C accelerator (the AS 241 in plain Python)."""
    saved = sys.modules.get("_statistics")
    sys.modules["_statistics"] = None  # makes `from _statistics import ...` fail
    try:
        spec = importlib.util.find_spec("statistics")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            del sys.modules["_statistics"]
        else:
            sys.modules["_statistics"] = saved
    return module


@pytest.fixture(scope="module")
def as241():
    module = _pure_python_statistics()
    if not hasattr(module, "_normal_dist_inv_cdf") or module.log is not math.log:
        pytest.skip("this Python's statistics module has no pure-Python AS 241 to compare")
    module.log = detmath.log  # the same steps, with the deterministic log
    return module._normal_dist_inv_cdf


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.floats(0.0, 1.0, exclude_min=True, exclude_max=True),
        st.floats(TINY, 1e-10),
        st.floats(0.92, 1.0, exclude_max=True),
    )
)
def test_normal_quantile_is_as241_to_the_bit(as241, p):
    assert detmath.normal_quantile(p) == as241(p, 0.0, 1.0)


def test_normal_quantile_special_points():
    assert detmath.normal_quantile(0.5) == 0.0
    assert detmath.normal_quantile(0.0) == -math.inf and detmath.normal_quantile(1.0) == math.inf
    assert math.isnan(detmath.normal_quantile(1.5)) and math.isnan(detmath.normal_quantile(-0.1))
    assert detmath.normal_quantile(0.975) == pytest.approx(1.959963984540054, rel=1e-15)


uniform_draws = st.integers(0, 2**53 - 1).map(lambda m: m * 2.0**-53)


@settings(max_examples=1000, deadline=None)
@given(uniform_draws)
def test_normal_of_uniform_is_the_quantile_of_the_cell_midpoint(u):
    z = detmath.normal_of_uniform(u)
    assert math.isfinite(z)
    # The mirror draw gives the mirror deviate exactly.
    assert detmath.normal_of_uniform(1.0 - 2.0**-53 - u) == -z
    if u < 0.5:  # there u + 2**-54 is a double, and the quantile's own steps apply
        assert z == detmath.normal_quantile(u + 2.0**-54)


def test_array_forms_match_the_scalar_ones():
    rng = np.random.default_rng(0)
    x = rng.uniform(-30.0, 30.0, (3, 50))
    assert np.array_equal(detmath.exp_each(x), np.vectorize(detmath.exp)(x))
    u = rng.random((2, 40))
    assert np.array_equal(
        detmath.normals_of_uniforms(u), np.vectorize(detmath.normal_of_uniform)(u)
    )
    v = rng.standard_normal(1001)
    total = 0.0
    for value in v:
        total += float(value)
    assert detmath.sum_in_order(v) == total
