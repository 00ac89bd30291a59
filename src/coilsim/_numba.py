"""The one place where numba options are set.

``fastmath`` keeps every LLVM fast-math flag that helps vectorisation (re-association for SIMD
reductions, contraction into FMA, reciprocal approximations allowed by ``arcp``) but *not*
``nnan``/``ninf``: those let LLVM delete NaN and infinity checks, and coilsim's validation relies
on them. Every kernel is cached on disk (``cache=True``) so that only the first run pays compile
time.
"""

from __future__ import annotations

import numba

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

#: options for serial kernels
NJIT = dict(cache=True, fastmath=FASTMATH, nogil=True, error_model="numpy")
#: options for kernels with a ``prange`` loop
NJIT_PARALLEL = dict(NJIT, parallel=True)


def njit(*args, **kw):
    """``numba.njit`` with coilsim's options (``parallel=True`` if requested)."""
    opts = dict(NJIT_PARALLEL if kw.pop("parallel", False) else NJIT)
    opts["fastmath"] = set(FASTMATH)
    opts.update(kw)
    if args and callable(args[0]):
        return numba.njit(**opts)(args[0])
    return numba.njit(*args, **opts)


prange = numba.prange

__all__ = ["FASTMATH", "NJIT", "NJIT_PARALLEL", "njit", "prange"]
