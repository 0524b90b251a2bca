"""Elementary functions with the same bits on every CPU: exp, expm1, log, normal quantile.

Why not ``math.exp`` or ``np.exp``: their results depend on the machine. numpy dispatches
its ufuncs to hand-written SIMD code for the CPU it finds (its AVX-512 ``exp`` and ``log``
differ from the scalar ones in the last bit for some inputs); glibc's libm, which
``math.exp``, numba's ``math.exp`` and numpy's random distributions call, picks an FMA
variant of ``exp``, ``log``, ``pow``, ``expm1``, ``log1p``, ``sin``... on CPUs that have FMA,
and the variants differ in the last bit for about one input in 2,000 (measured on this
project's machine, glibc 2.36). A one-ulp difference moves a threshold decision somewhere,
and from then on two runs of the same seed diverge. So the model computes every
transcendental function here, in IEEE 754 double arithmetic only (additions,
multiplications, divisions and square roots, each correctly rounded on every CPU), compiled
by numba, which does not fuse a multiplication and an addition into one FMA unless asked
(``fastmath``; the model never asks). Same inputs, same bits, on any CPU and operating
system.

The algorithms are those of fdlibm 5.3 (Sun Microsystems' freely distributable libm, which
Java's ``StrictMath`` uses for the same reason: NetLogo's cross-platform promise rests on it)
and, for the normal quantile, Wichura's AS 241, in the form of CPython's pure-Python
``statistics.NormalDist.inv_cdf``. The coefficients are theirs; the code is written anew
for numba. fdlibm's notice, which its licence asks to keep with the coefficients:

    Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
    Developed at SunSoft, a Sun Microsystems, Inc. business.
    Permission to use, copy, modify, and distribute this software is freely granted,
    provided that this notice is preserved.

Accuracy (fdlibm's error analysis; ``tests/model/test_detmath.py`` checks it against the
platform's libm over random and special inputs): :func:`exp`, :func:`expm1` and :func:`log`
are within 1 ulp of the exact result, so within 1 ulp of any faithful libm; most results are
the correctly rounded ones. :func:`normal_quantile` has a relative error below about 1e-16
in the central region and a few ulp in the tails (AS 241, "PPND16"), and equals CPython's
pure-Python ``inv_cdf`` to the bit when that one is given this module's :func:`log`.

Every function takes and returns a float64 scalar and may be called from Python or from
other compiled code; ``*_each`` forms map one over an array. Special values follow C99:
``exp(-inf) = 0``, ``exp(inf) = inf``, ``log(0) = -inf``, ``log(x < 0) = nan``, nan in nan
out.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

# -- bit access (the fdlibm macros GET_HIGH_WORD, INSERT_WORDS...) ------------------------------


@intrinsic
def _bits(typingctx, x):
    """The IEEE 754 bit pattern of a float64, as an int64 (a reinterpretation, no rounding)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _float(typingctx, bits):
    """The float64 whose IEEE 754 bit pattern is the int64 ``bits``."""
    if bits != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@njit(cache=True, inline="always")
def _high_word(x):
    """The upper 32 bits of ``x``'s pattern as a signed integer (fdlibm's ``hx``)."""
    return _bits(x) >> 32


@njit(cache=True, inline="always")
def _with_high_word(x, high):
    """``x`` with its upper 32 bits replaced by ``high`` (fdlibm's SET_HIGH_WORD)."""
    return _float(((high & 0xFFFFFFFF) << 32) | (_bits(x) & 0xFFFFFFFF))


@njit(cache=True, inline="always")
def _power_of_two(k):
    """2**k for a whole number -1022 <= k <= 1023, exactly."""
    return _float((0x3FF + k) << 52)


# -- constants (fdlibm; the hexadecimal patterns are the intended values) -----------------------

_LN2_HI = 6.93147180369123816490e-01  # 0x3FE62E42 FEE00000: k * LN2_HI is exact for |k| < 2000
_LN2_LO = 1.90821492927058770002e-10  # 0x3DEA39EF 35793C76
_INV_LN2 = 1.44269504088896338700e00  # 0x3FF71547 652B82FE
_EXP_OVERFLOW = 7.09782712893383973096e02  # 0x40862E42 FEFA39EF: exp(x) overflows above
_EXP_UNDERFLOW = -7.45133219101941108420e02  # 0xC0874910 D52D3051: exp(x) is 0 below
_TWO_M1000 = 9.33263618503218878990e-302  # 2**-1000
_TWO_54 = 1.80143985094819840000e16  # 2**54
_TWO_1023 = 8.98846567431157953865e307  # 2**1023

# exp: R(r*r) = r (exp(r) + 1) / (exp(r) - 1) ~ 2 + P1 z + ... + P5 z^5 on [0, 0.3466], error
# below 2**-59.
_P1 = 1.66666666666666019037e-01  # 0x3FC55555 5555553E
_P2 = -2.77777777770155933842e-03  # 0xBF66C16C 16BEBD93
_P3 = 6.61375632143793436117e-05  # 0x3F11566A AF25DE2C
_P4 = -1.65339022054652515390e-06  # 0xBEBBBD41 C5D26BF1
_P5 = 4.13813679705723846039e-08  # 0x3E663769 72BEA4D0

# expm1: R1(z) ~ 1 + Q1 z + ... + Q5 z^5 on [0, 0.347] (z = r*r/2, Q scaled by 2**i), error
# below 2**-61.
_Q1 = -3.33333333333331316428e-02  # 0xBFA11111 111110F4
_Q2 = 1.58730158725481460165e-03  # 0x3F5A01A0 19FE5585
_Q3 = -7.93650757867487942473e-05  # 0xBF14CE19 9EAADBB7
_Q4 = 4.00821782732936239552e-06  # 0x3ED0CFCA 86E65239
_Q5 = -2.01099218183624371326e-07  # 0xBE8AFDB7 6E09C32D

# log: log(1+f) = 2s + s R(s*s), s = f / (2 + f); R ~ Lg1 s^2 + ... + Lg7 s^14, error below
# 2**-58.45.
_LG1 = 6.666666666666735130e-01  # 0x3FE55555 55555593
_LG2 = 3.999999999940941908e-01  # 0x3FD99999 9997FA04
_LG3 = 2.857142874366239149e-01  # 0x3FD24924 94229359
_LG4 = 2.222219843214978396e-01  # 0x3FCC71C5 1D8E78AF
_LG5 = 1.818357216161805012e-01  # 0x3FC74664 96CB03DE
_LG6 = 1.531383769920937332e-01  # 0x3FC39A09 D078C69F
_LG7 = 1.479819860511658591e-01  # 0x3FC2F112 DF3E5244


# -- exp, expm1, log ----------------------------------------------------------------------------


@njit(cache=True, inline="always")
def exp(x):
    """e**x, within 1 ulp, the same bits on every CPU.

    Method (fdlibm): write x = k ln2 + r with |r| <= ln2/2 (r carried as hi - lo for
    accuracy), approximate exp(r) = 1 + r + r c / (2 - c) with c = r - z R(z), z = r*r, then
    scale by 2**k.
    """
    x = float(x)
    hx = _high_word(x)
    negative = hx < 0
    hx &= 0x7FFFFFFF
    if hx >= 0x40862E42:  # |x| >= 709.78, inf or nan
        if hx >= 0x7FF00000:
            if x != x:
                return x + x
            return 0.0 if negative else x
        if x > _EXP_OVERFLOW:
            return math.inf
        if x < _EXP_UNDERFLOW:
            return 0.0
    k = 0
    hi = lo = 0.0
    if hx > 0x3FD62E42:  # |x| > ln2/2: reduce
        if hx < 0x3FF0A2B2:  # and |x| < 1.5 ln2: k is +-1
            if negative:
                hi, lo, k = x + _LN2_HI, -_LN2_LO, -1
            else:
                hi, lo, k = x - _LN2_HI, _LN2_LO, 1
        else:
            k = int(_INV_LN2 * x + (-0.5 if negative else 0.5))  # rounds half away from 0
            t = float(k)
            hi = x - t * _LN2_HI  # exact
            lo = t * _LN2_LO
        x = hi - lo
    elif hx < 0x3E300000:  # |x| < 2**-28: exp(x) rounds to 1 + x
        return 1.0 + x
    t = x * x
    c = x - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    if k == 0:
        return 1.0 - ((x * c) / (c - 2.0) - x)
    y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi)
    if k >= -1021:
        if k == 1024:
            return y * 2.0 * _TWO_1023
        return y * _power_of_two(k)
    return y * _power_of_two(k + 1000) * _TWO_M1000


@njit(cache=True, inline="always")
def expm1(x):
    """e**x - 1, within 1 ulp and accurate near 0, the same bits on every CPU.

    Method (fdlibm): reduce as :func:`exp`, carrying the reduction's rounding error c; then
    expm1(r) = r + r*r/2 + r**3/2 (3 - (R1 + R1 r/2)) / (6 - r (3 - R1 r/2)), corrected for c,
    and scaled back as 2**k (expm1(r) + 1) - 1 in the form that loses least.
    """
    x = float(x)
    hx = _high_word(x)
    negative = hx < 0
    hx &= 0x7FFFFFFF
    if hx >= 0x4043687A:  # |x| >= 56 ln2
        if hx >= 0x40862E42:  # |x| >= 709.78, inf or nan
            if hx >= 0x7FF00000:
                if x != x:
                    return x + x
                return -1.0 if negative else x
            if x > _EXP_OVERFLOW:
                return math.inf
        if negative:  # x < -56 ln2: e**x is below half an ulp of 1
            return -1.0
    k = 0
    c = 0.0
    if hx > 0x3FD62E42:  # |x| > ln2/2: reduce
        if hx < 0x3FF0A2B2:  # and |x| < 1.5 ln2
            if negative:
                hi, lo, k = x + _LN2_HI, -_LN2_LO, -1
            else:
                hi, lo, k = x - _LN2_HI, _LN2_LO, 1
        else:
            k = int(_INV_LN2 * x + (-0.5 if negative else 0.5))
            t = float(k)
            hi = x - t * _LN2_HI  # exact
            lo = t * _LN2_LO
        x = hi - lo
        c = (hi - x) - lo
    elif hx < 0x3C900000:  # |x| < 2**-54: expm1(x) rounds to x
        return x
    half_x = 0.5 * x
    hxs = x * half_x
    r1 = 1.0 + hxs * (_Q1 + hxs * (_Q2 + hxs * (_Q3 + hxs * (_Q4 + hxs * _Q5))))
    t = 3.0 - r1 * half_x
    e = hxs * ((r1 - t) / (6.0 - x * t))
    if k == 0:
        return x - (x * e - hxs)  # c is 0
    e = x * (e - c) - c
    e -= hxs
    if k == -1:
        return 0.5 * (x - e) - 0.5
    if k == 1:
        if x < -0.25:
            return -2.0 * (e - (x + 0.5))
        return 1.0 + 2.0 * (x - e)
    if k <= -2 or k > 56:  # exp(x) - 1 loses nothing here
        y = 1.0 - (e - x)
        y = y * 2.0 * _TWO_1023 if k == 1024 else y * _power_of_two(k)
        return y - 1.0
    if k < 20:
        t = _float((0x3FF00000 - (0x200000 >> k)) << 32)  # 1 - 2**-k
        y = t - (e - x)
        return y * _power_of_two(k)
    t = _float((0x3FF - k) << 52)  # 2**-k
    y = x - (e + t)
    y += 1.0
    return y * _power_of_two(k)


@njit(cache=True, inline="always")
def log(x):
    """The natural logarithm, within 1 ulp, the same bits on every CPU.

    Method (fdlibm): write x = 2**k (1 + f) with sqrt(2)/2 < 1 + f < sqrt(2), then
    log(1 + f) = f - (f*f/2 - s (f*f/2 + R)) with s = f / (2 + f) and R a polynomial in s*s,
    and log(x) = k ln2 + log(1 + f) with ln2 split in two so that k ln2_hi is exact.
    """
    x = float(x)
    bits = _bits(x)
    hx = bits >> 32
    k = 0
    if hx < 0x00100000:  # x < 2**-1022: zero, negative or subnormal
        if ((hx & 0x7FFFFFFF) | (bits & 0xFFFFFFFF)) == 0:
            return -math.inf
        if hx < 0:
            return math.nan
        k -= 54
        x *= _TWO_54  # subnormal: scale up, exactly
        hx = _high_word(x)
    if hx >= 0x7FF00000:  # inf or nan
        return x + x
    k += (hx >> 20) - 1023
    hx &= 0x000FFFFF
    i = (hx + 0x95F64) & 0x100000
    x = _with_high_word(x, hx | (i ^ 0x3FF00000))  # normalize x or x/2
    k += i >> 20
    f = x - 1.0
    if (0x000FFFFF & (2 + hx)) < 3:  # -2**-20 <= f < 2**-20
        if f == 0.0:
            if k == 0:
                return 0.0
            dk = float(k)
            return dk * _LN2_HI + dk * _LN2_LO
        r = f * f * (0.5 - 0.33333333333333333 * f)
        if k == 0:
            return f - r
        dk = float(k)
        return dk * _LN2_HI - ((r - dk * _LN2_LO) - f)
    s = f / (2.0 + f)
    dk = float(k)
    z = s * s
    i = hx - 0x6147A
    w = z * z
    j = 0x6B851 - hx
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    i |= j
    r = t2 + t1
    if i > 0:  # 1 + f in [1.38, 1.42): the more accurate form
        half_f2 = 0.5 * f * f
        if k == 0:
            return f - (half_f2 - s * (half_f2 + r))
        return dk * _LN2_HI - ((half_f2 - (s * (half_f2 + r) + dk * _LN2_LO)) - f)
    if k == 0:
        return f - s * (f - r)
    return dk * _LN2_HI - ((s * (f - r) - dk * _LN2_LO) - f)


# -- the normal quantile (Wichura 1988, AS 241 PPND16) ------------------------------------------


@njit(cache=True, inline="always")
def _normal_quantile(q, r):
    """The standard normal quantile of p, given q = p - 0.5 and r = min(p, 1 - p), both exact.

    The arithmetic is that of CPython's pure-Python ``statistics._normal_dist_inv_cdf``, step
    for step, with this module's :func:`log`.
    """
    if abs(q) <= 0.425:
        s = 0.180625 - q * q
        num = (
            (
                (
                    (
                        (
                            (
                                (2.5090809287301226727e3 * s + 3.3430575583588128105e4) * s
                                + 6.7265770927008700853e4
                            )
                            * s
                            + 4.5921953931549871457e4
                        )
                        * s
                        + 1.3731693765509461125e4
                    )
                    * s
                    + 1.9715909503065514427e3
                )
                * s
                + 1.3314166789178437745e2
            )
            * s
            + 3.3871328727963666080e0
        ) * q
        den = (
            (
                (
                    (
                        (
                            (5.2264952788528545610e3 * s + 2.8729085735721942674e4) * s
                            + 3.9307895800092710610e4
                        )
                        * s
                        + 2.1213794301586595867e4
                    )
                    * s
                    + 5.3941960214247511077e3
                )
                * s
                + 6.8718700749205790830e2
            )
            * s
            + 4.2313330701600911252e1
        ) * s + 1.0
        return num / den
    s = math.sqrt(-log(r))
    if s <= 5.0:
        s = s - 1.6
        num = (
            (
                (
                    (
                        (
                            (7.74545014278341407640e-4 * s + 2.27238449892691845833e-2) * s
                            + 2.41780725177450611770e-1
                        )
                        * s
                        + 1.27045825245236838258e0
                    )
                    * s
                    + 3.64784832476320460504e0
                )
                * s
                + 5.76949722146069140550e0
            )
            * s
            + 4.63033784615654529590e0
        ) * s + 1.42343711074968357734e0
        den = (
            (
                (
                    (
                        (
                            (1.05075007164441684324e-9 * s + 5.47593808499534494600e-4) * s
                            + 1.51986665636164571966e-2
                        )
                        * s
                        + 1.48103976427480074590e-1
                    )
                    * s
                    + 6.89767334985100004550e-1
                )
                * s
                + 1.67638483018380384940e0
            )
            * s
            + 2.05319162663775882187e0
        ) * s + 1.0
    else:
        s = s - 5.0
        num = (
            (
                (
                    (
                        (
                            (2.01033439929228813265e-7 * s + 2.71155556874348757815e-5) * s
                            + 1.24266094738807843860e-3
                        )
                        * s
                        + 2.65321895265761230930e-2
                    )
                    * s
                    + 2.96560571828504891230e-1
                )
                * s
                + 1.78482653991729133580e0
            )
            * s
            + 5.46378491116411436990e0
        ) * s + 6.65790464350110377720e0
        den = (
            (
                (
                    (
                        (
                            (2.04426310338993978564e-15 * s + 1.42151175831644588870e-7) * s
                            + 1.84631831751005468180e-5
                        )
                        * s
                        + 7.86869131145613259100e-4
                    )
                    * s
                    + 1.48753612908506148525e-2
                )
                * s
                + 1.36929880922735805310e-1
            )
            * s
            + 5.99832206555887937690e-1
        ) * s + 1.0
    z = num / den
    return -z if q < 0.0 else z


@njit(cache=True, inline="always")
def normal_quantile(p):
    """The standard normal quantile (inverse distribution function) of 0 < p < 1.

    Relative error about 1e-16 (AS 241). Returns -inf at 0, inf at 1 and nan outside [0, 1].
    """
    p = float(p)
    if not 0.0 < p < 1.0:
        if p == 0.0:
            return -math.inf
        if p == 1.0:
            return math.inf
        return math.nan
    q = p - 0.5
    return _normal_quantile(q, p if q <= 0.0 else 1.0 - p)


_HALF_ULP_53 = 5.551115123125783e-17  # 2**-54: half the spacing of Generator.random()'s draws


@njit(cache=True, inline="always")
def normal_of_uniform(u):
    """The standard normal deviate for a uniform draw ``u`` = m / 2**53 from ``Generator.random``.

    Returns the normal quantile of the midpoint ``u + 2**-54`` of the draw's cell, so that
    ``u = 0`` gives a finite deviate (about -8.3) and the map is antisymmetric: the draws
    ``u`` and ``1 - 2**-53 - u`` give deviates of opposite sign and equal size. Both
    ``p - 0.5`` and ``min(p, 1 - p)`` are computed exactly for every such ``u``.
    """
    q = (u - 0.5) + _HALF_ULP_53  # exact: u - 0.5 is exact and a multiple of 2**-53
    r = u + _HALF_ULP_53 if q <= 0.0 else (1.0 - u) - _HALF_ULP_53  # exact for u in [0, 1)
    return _normal_quantile(q, r)


# -- the same over arrays -----------------------------------------------------------------------


@njit(cache=True)
def exp_each(x):
    """:func:`exp` of every element of a float64 array (a new array of the same shape)."""
    flat = x.ravel()
    out = np.empty(flat.size)
    for i in range(flat.size):
        out[i] = exp(flat[i])
    return out.reshape(x.shape)


@njit(cache=True)
def normals_of_uniforms(u):
    """:func:`normal_of_uniform` of every element of a float64 array (same shape)."""
    flat = u.ravel()
    out = np.empty(flat.size)
    for i in range(flat.size):
        out[i] = normal_of_uniform(flat[i])
    return out.reshape(u.shape)


@njit(cache=True)
def sum_in_order(x):
    """The sum of a float64 array's elements added one by one from the first.

    numpy's ``sum`` adds in blocks whose layout numpy may change, and BLAS in an order that
    depends on the CPU; this order is fixed.
    """
    total = 0.0
    for v in x.ravel():
        total += v
    return total
