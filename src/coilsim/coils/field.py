"""Validating wrapper around the Biot–Savart kernels: segment tables and chunked evaluation."""

from __future__ import annotations

import numpy as np

from .._validate import MAX_COORD, as_points
from ..constants import MU0_4PI
from ..errors import CoilsimValueError
from ..kernels import biot_savart as bs

#: points per kernel call: bounds the flag buffer and keeps 1e7-point requests in O(N) memory
CHUNK = 1 << 16


def segment_table(starts, ends, weights, radii, wire=0) -> np.ndarray:
    """Build the kernel's segment table from (M,3) starts and ends (m), (M,) weights
    (ampere-turns per ampere), (M,) conductor radii (m) and (M,) wire (polyline) indices.
    Zero-length segments are errors."""
    a = np.ascontiguousarray(starts, dtype=np.float64).reshape(-1, 3)
    b = np.ascontiguousarray(ends, dtype=np.float64).reshape(-1, 3)
    w = np.broadcast_to(np.asarray(weights, dtype=np.float64), (a.shape[0],))
    rw = np.broadcast_to(np.asarray(radii, dtype=np.float64), (a.shape[0],))
    l = b - a
    L = np.sqrt(np.einsum("ij,ij->i", l, l))
    if np.any(L == 0.0):
        raise CoilsimValueError(
            f"segment {int(np.argmin(L))} has zero length: remove duplicate consecutive vertices")
    seg = np.empty((bs.NSEG_ROWS, a.shape[0]))
    seg[bs.AX:bs.AZ + 1] = a.T
    seg[bs.BX:bs.BZ + 1] = b.T
    seg[bs.LX:bs.LZ + 1] = l.T
    seg[bs.LEN] = L
    seg[bs.INV_L2] = 1.0 / L**2
    seg[bs.COEF] = MU0_4PI * w
    seg[bs.CUX:bs.CUZ + 1] = (MU0_4PI * w / L) * l.T
    seg[bs.RW] = rw
    seg[bs.RW2] = rw**2
    seg[bs.WIRE] = np.broadcast_to(np.asarray(wire, dtype=np.float64), (a.shape[0],))
    return seg


def segments_field(points, seg: np.ndarray, *, want_a: bool = False, want_b: bool = True,
                   current: float = 1.0):
    """B (T) and/or A (T·m) of the segment table at ``points`` (..., 3) for ``current`` (A).

    Returns ``(A, B)`` with ``None`` for the one not requested; each has the shape of points.
    """
    pts = as_points(points, max_coord=MAX_COORD)
    shape = pts.shape
    flat = np.ascontiguousarray(pts.reshape(-1, 3))
    n = flat.shape[0]
    out_a = np.empty((n, 3)) if want_a else None
    out_b = np.empty((n, 3)) if want_b else None
    if seg.shape[1] == 0 or n == 0:
        for o in (out_a, out_b):
            if o is not None:
                o[:] = 0.0
    else:
        flag = np.empty(min(n, CHUNK))
        dummy = np.empty((1, 3))
        for s in range(0, n, CHUNK):
            e = min(n, s + CHUNK)
            p = flat[s:e]
            fl = flag[: e - s]
            oa = out_a[s:e] if want_a else dummy
            ob = out_b[s:e] if want_b else dummy
            if want_a and want_b:
                bs.ab_fast(p, seg, oa, ob, fl)
            elif want_a:
                bs.a_fast(p, seg, oa, fl)
            else:
                bs.b_fast(p, seg, ob, fl)
            idx = np.flatnonzero(fl > 0.0)
            if idx.size:
                bs.exact_points(p, idx, seg, oa, ob, want_a, want_b)
    res = []
    for o in (out_a, out_b):
        if o is None:
            res.append(None)
        else:
            if current != 1.0:
                o *= current
            res.append(o.reshape(shape))
    return tuple(res)
