"""Neumann double integral for (mutual) inductance of straight-segment polylines (H).

M = μ0/4π Σ_ij w_i w_j (l̂_i·l̂_j) ∫_i ∫_j ds ds' / sqrt(|r - r'|² + g²)

The inner integral over segment j is closed-form (the same stable log1p expression as the
vector potential, with the distance regularised, |r - r'|² + g²); the outer one is
Gauss–Legendre on sub-intervals no longer than the distance between the segments, so near
pairs are resolved. Two regularisations, both from the conductor's cross-section:

* pairs close *along the same wire* (one conductor with itself): g = the section's
  geometric mean distance to itself (GMD method; exact for a planar loop to O(g²/a²));
* pairs of distinct turns of the same coil: g² = (h² - w²)/6 for a rectangular section of
  height h across and width w in the winding plane (the second-moment correction of the GMD
  of two equal sections, ln GMD ≈ ln d + (h² - w²)/(12 d²)), 0 for round wires, whose mutual
  GMD is exactly their centre distance. Distinct coils couple as filaments.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import njit, prange

# 8-point Gauss–Legendre on [0, 1]
_X, _W = np.polynomial.legendre.leggauss(8)
GL_X = 0.5 * (_X + 1.0)
GL_W = 0.5 * _W
G2_X = np.array([0.5 - 0.5 / np.sqrt(3.0), 0.5 + 0.5 / np.sqrt(3.0)])


@njit(inline="always")
def _inner(px, py, pz, ax, ay, az, bx, by, bz, L, g2):
    """∫_0^L ds' / sqrt(|p - r(s')|² + g²) along segment a→b (length L)."""
    x1 = px - ax; y1 = py - ay; z1 = pz - az
    x2 = px - bx; y2 = py - by; z2 = pz - bz
    q1 = x1 * x1 + y1 * y1 + z1 * z1
    q2 = x2 * x2 + y2 * y2 + z2 * z2
    r1 = math.sqrt(q1 + g2)
    r2 = math.sqrt(q2 + g2)
    d = x1 * x2 + y1 * y2 + z1 * z2
    p = r1 * r2
    if d < 0.0:
        cx = y1 * z2 - z1 * y2; cy = z1 * x2 - x1 * z2; cz = x1 * y2 - y1 * x2
        den = (cx * cx + cy * cy + cz * cz + g2 * (q1 + q2) + g2 * g2) / (p - d)
    else:
        den = p + d + g2
    if den <= 0.0:
        return 0.0
    return math.log1p(L * (r1 + r2 + L) / den)


@njit(inline="always")
def _self_segment(L, g):
    """∫∫ over one segment with itself: 2 (L asinh(L/g) - sqrt(L² + g²) + g)."""
    return 2.0 * (L * math.asinh(L / g) - math.sqrt(L * L + g * g) + g)


@njit(parallel=True)
def neumann_sum(a1, b1, w1, arc1, wire1, g1, gx1, wlen1, closed1,
                a2, b2, w2, arc2, wire2, same, out):
    """Σ over pairs of μ0/4π-free Neumann terms; per-row partial sums into ``out`` (len a1).

    a*, b*: (M,3) segment ends; w*: weights; arc*: arc position of each segment midpoint
    along its wire (m); wire*: wire index; g1, gx1: self and cross-turn regularisation (m)
    per segment of set 1;
    wlen1/closed1: total length and closedness of each segment's wire (for arc distances).
    ``same`` says both sets are the same coil (then g applies to near-along-wire pairs).
    """
    n1 = a1.shape[0]
    n2 = a2.shape[0]
    for i in prange(n1):
        ax = a1[i, 0]; ay = a1[i, 1]; az = a1[i, 2]
        lx = b1[i, 0] - ax; ly = b1[i, 1] - ay; lz = b1[i, 2] - az
        Li = math.sqrt(lx * lx + ly * ly + lz * lz)
        mx = ax + 0.5 * lx; my = ay + 0.5 * ly; mz = az + 0.5 * lz
        acc = 0.0
        for j in range(n2):
            cx = a2[j, 0]; cy = a2[j, 1]; cz = a2[j, 2]
            kx = b2[j, 0] - cx; ky = b2[j, 1] - cy; kz = b2[j, 2] - cz
            Lj = math.sqrt(kx * kx + ky * ky + kz * kz)
            cosij = (lx * kx + ly * ky + lz * kz) / (Li * Lj)
            if cosij == 0.0:
                continue
            g2 = gx1[i] * gx1[i] if same else 0.0
            if same and wire1[i] == wire2[j]:
                if i == j:
                    acc += w1[i] * w2[j] * _self_segment(Li, g1[i])
                    continue
                ds = abs(arc1[i] - arc2[j])
                if closed1[i]:
                    ds = min(ds, wlen1[i] - ds)
                ex = mx - (cx + 0.5 * kx); ey = my - (cy + 0.5 * ky); ez = mz - (cz + 0.5 * kz)
                dm = math.sqrt(ex * ex + ey * ey + ez * ez)
                if ds <= 2.0 * dm + Li + Lj:
                    g2 = g1[i] * g1[i]
            # distance from the segment j to the midpoint of i sets the sub-interval count
            t = ((mx - cx) * kx + (my - cy) * ky + (mz - cz) * kz) / (Lj * Lj)
            t = min(max(t, 0.0), 1.0)
            ex = mx - (cx + t * kx); ey = my - (cy + t * ky); ez = mz - (cz + t * kz)
            dist = max(math.sqrt(ex * ex + ey * ey + ez * ez) - 0.5 * Li, 0.0)
            s = 0.0
            if dist > 4.0 * max(Li, Lj):  # smooth integrand: 2-point Gauss, error ~ (L/d)⁴/270
                for q in range(2):
                    u = G2_X[q]
                    s += 0.5 * _inner(ax + u * lx, ay + u * ly, az + u * lz,
                                      cx, cy, cz, cx + kx, cy + ky, cz + kz, Lj, g2)
                acc += w1[i] * w2[j] * cosij * s * Li
                continue
            nsub = int(min(64.0, math.ceil(Li / (dist + math.sqrt(g2) + 1e-3 * Li))))
            h = 1.0 / nsub
            for k in range(nsub):
                for q in range(GL_X.shape[0]):
                    u = (k + GL_X[q]) * h
                    s += GL_W[q] * _inner(ax + u * lx, ay + u * ly, az + u * lz,
                                          cx, cy, cz, cx + kx, cy + ky, cz + kz, Lj, g2)
            acc += w1[i] * w2[j] * cosij * s * h * Li
        out[i] = acc
