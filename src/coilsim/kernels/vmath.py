"""Branch-free elementary functions that vectorise inside numba loops.

numba calls the scalar libm ``log`` per SIMD lane unless Intel SVML is present (it is not in
PyPI's llvmlite), which halves the throughput of the vector-potential kernel. ``log1p_ratio``
evaluates ``log1p(num/den)`` without cancellation using only +, ×, ÷ and bit operations, all of
which LLVM turns into SIMD instructions.
"""

from __future__ import annotations

import math

from .._numba import njit
from ._bits import f64_as_i64, i64_as_f64

_LN2_HI = 6.93147180369123816490e-01  # ln 2 split so that e*LN2_HI is exact for |e| < 2**20
_LN2_LO = 1.90821492927058770002e-10
_SQRT2 = math.sqrt(2.0)
_MANT = 0x000FFFFFFFFFFFFF
_ONE_BITS = 0x3FF0000000000000
# |t| <= (sqrt2-1)/(sqrt2+1) = 0.1716; atanh(t)/t = sum t^(2k)/(2k+1): 11 terms reach 1.1e-17
_T0 = 0.17157287525381


@njit(inline="always")
def atanh_small(t):
    """atanh(t) for |t| <= 0.1716 to full double precision (odd series, Horner in t²)."""
    u = t * t
    p = 1.0 / 23.0
    p = p * u + 1.0 / 21.0
    p = p * u + 1.0 / 19.0
    p = p * u + 1.0 / 17.0
    p = p * u + 1.0 / 15.0
    p = p * u + 1.0 / 13.0
    p = p * u + 1.0 / 11.0
    p = p * u + 1.0 / 9.0
    p = p * u + 1.0 / 7.0
    p = p * u + 1.0 / 5.0
    p = p * u + 1.0 / 3.0
    return t + t * u * p


@njit(inline="always")
def log1p_sy(s, y):
    """log(1 + x) given s = x/(2 + x) and y = 1 + x (x >= 0), branch-free, a few ulp.

    Small x use log1p(x) = 2 atanh(s) (no cancellation); large x reduce y = 2^e m,
    m in [1/sqrt2, sqrt2), and use log m = 2 atanh((m-1)/(m+1)). Both branches are computed
    and one is selected, so a SIMD loop stays branch-free. Callers that already hold a
    reciprocal form s and y without extra divisions (see ``log1p_ratio``).
    """
    bits = f64_as_i64(y)
    e = (bits >> 52) - 1023
    m = i64_as_f64((bits & _MANT) | _ONE_BITS)
    big_m = m > _SQRT2
    m = m * 0.5 if big_m else m
    e = e + 1 if big_m else e
    t_large = (m - 1.0) / (m + 1.0)
    small = s < _T0
    t = s if small else t_large
    ef = 0.0 if small else float(e)
    return ef * _LN2_HI + (2.0 * atanh_small(t) + ef * _LN2_LO)


@njit(inline="always")
def log1p_ratio(num, den):
    """log(1 + num/den) for num >= 0, den > 0 (two divisions in all)."""
    q = 2.0 * den + num
    inv = 1.0 / (den * q)
    return log1p_sy(num * den * inv, 1.0 + num * q * inv)
