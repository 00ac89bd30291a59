"""The coil's vector potential at many points inside the tissue, by a treecode.

The BEM needs −A at ~10⁵ right-hand-side nodes per coil placement and again at every evaluation
point; a 9-turn figure-eight has 10⁴ segments, so the exact segment kernel
(:meth:`coilsim.Coil.A`) costs 10⁹ pairs each time. Away from the wires a segment's
∫ dl/|r − r'| is its 2-point Gauss rule to (l/2d)⁴ (below 1e-6 of it beyond
:data:`FAR_SEGMENTS` segment lengths; leads longer than the median segment are split first); those point sources go into a
:class:`coilsim.kernels.treecode.ChargeTree`, whose expansions are used where their error scale
is below :data:`TOL` × the largest |A| at the points. Points closer to a wire, and small jobs,
use the exact kernel.
"""

from __future__ import annotations

import weakref

import numpy as np
from scipy.spatial import cKDTree

from ..constants import MU0_4PI
from ..kernels.treecode import ChargeTree

#: points within this many (longest) segment lengths of a wire use the exact kernel
FAR_SEGMENTS = 10.0
#: treecode tolerance relative to max |A| at the points (child leg, 10⁵ points, 10⁴ segments:
#: error 7e-7 at 1e-6, 2.3x the exact kernel's speed; 1e-5 another 2x, below the far-field
#: treecode's 1e-4 of the secondary field)
TOL = 1e-5
#: use the treecode from this many point–segment pairs on
MIN_PAIRS = 2e8

_TREES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_G = 0.5 / np.sqrt(3.0)


def _tree(coil):
    t = _TREES.get(coil)
    if t is None:
        s, e, w = coil.segments()
        length = np.linalg.norm(e - s, axis=1)
        # long segments (leads) are split to the median length, so that one near-zone radius
        # (FAR_SEGMENTS pieces) serves all
        piece = float(np.median(length))
        k = np.maximum(1, np.ceil(length / piece - 1e-9)).astype(np.int64)
        seg = np.repeat(np.arange(len(s)), k)
        frac = (np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)) / np.repeat(k, k)
        d = ((e - s) / k[:, None])[seg]
        a = s[seg] + frac[:, None] * (e - s)[seg]
        mid = a + 0.5 * d
        src = np.concatenate([mid - _G * d, mid + _G * d])
        q = np.concatenate([0.5 * w[seg, None] * d] * 2)
        lmax = float(np.linalg.norm(d, axis=1).max())
        t = (ChargeTree(src), q, cKDTree(src), lmax)
        _TREES[coil] = t
    return t


def vector_potential(coil, points: np.ndarray) -> np.ndarray:
    """A (T·m per A) of ``coil`` at ``points`` (P, 3) m, to :data:`TOL` of its largest value
    there (exact :meth:`Coil.A` for small jobs and near the wires)."""
    pts = np.ascontiguousarray(points, dtype=np.float64).reshape(-1, 3)
    if pts.shape[0] * float(coil.n_segments) < MIN_PAIRS:
        return coil.A(pts)
    tree, q, kd, lmax = _tree(coil)
    dist, _ = kd.query(pts, distance_upper_bound=FAR_SEGMENTS * lmax)
    near = np.isfinite(dist)
    out = np.empty((pts.shape[0], 3))
    if near.any():
        out[near] = coil.A(pts[near])
    far = np.flatnonzero(~near)
    if far.size:
        # scale of |A|: exact at the far points nearest the coil's centre (and the near ones)
        centre = tree.center[0]
        probe = far[np.argsort(np.linalg.norm(pts[far] - centre, axis=1))[:16]]
        scale = float(np.linalg.norm(coil.A(pts[probe]), axis=1).max())
        if near.any():
            scale = max(scale, float(np.linalg.norm(out[near], axis=1).max()))
        res = np.empty((far.size, 3))
        tree.potential(pts[far], q, res, tol=TOL * scale / MU0_4PI)
        out[far] = MU0_4PI * res
    return out
