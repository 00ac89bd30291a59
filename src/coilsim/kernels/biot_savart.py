"""Biot–Savart kernels for polylines of straight filament segments: B (T) and A (T·m).

Pure numba functions on arrays; they write into preallocated outputs and trust their inputs
(the validating wrapper is :func:`coilsim.coils.field.segments_field`).

Segment table ``seg`` (float64, shape (NSEG_ROWS, M), rows contiguous so the inner loop over
segments runs in SIMD lanes)::

    AX AY AZ  start point a (m)          LX LY LZ  l = b - a (m)
    BX BY BZ  end point b (m)            LEN |l| (m), INV_L2 1/|l|² (m⁻²)
    COEF  μ0/4π · weight (T·m/A)         CUX CUY CUZ  COEF · l/|l|
    RW, RW2  conductor radius (m) and its square; WIRE  index of the polyline it belongs to

Formulas, with r1 = p - a, r2 = p - b, R1 = |r1|, R2 = |r2|, P = R1 R2, D = r1·r2:

    B = coef (R1 + R2) (r1 × r2) / (P (P + D))                (Hanson & Hirshman 2002)
    A = coef l/|l| ln((R1 + R2 + L)/(R1 + R2 - L)) = coef l/|l| log1p(L (R1+R2+L) / (P + D))

P + D cancels where the point is beside the segment (r1, r2 nearly antiparallel); there it is
replaced by |r1 × r2|² / (P - D), which is exact. Both paths share one reciprocal, so B costs
2 sqrt + 1 div per pair, A 2 sqrt + 2 div (one inside the vectorised log), and A+B the same as A.

Points closer to a segment's line than its conductor radius are flagged by the fast kernels
and recomputed by :func:`exact_points`, which gives the field of a uniform current in a round
conductor there (finite on the centreline and at vertices, continuous at the surface).
"""

from __future__ import annotations

import math

from .._numba import njit, prange
from .vmath import log1p_sy

(AX, AY, AZ, BX, BY, BZ, LX, LY, LZ, LEN, INV_L2, COEF, CUX, CUY, CUZ, RW, RW2,
 WIRE) = range(18)
NSEG_ROWS = 18


@njit(parallel=True)
def b_fast(points, seg, out, flag):
    """B at ``points`` (N,3) from all segments into ``out`` (N,3); ``flag[i]`` counts the
    segments whose conductor cylinder holds point i (rows with flag > 0 must be recomputed)."""
    n = points.shape[0]
    m = seg.shape[1]
    ax = seg[AX]; ay = seg[AY]; az = seg[AZ]
    bx = seg[BX]; by = seg[BY]; bz = seg[BZ]
    il2 = seg[INV_L2]; coef = seg[COEF]; rw2 = seg[RW2]
    for i in prange(n):
        px = points[i, 0]; py = points[i, 1]; pz = points[i, 2]
        sx = 0.0; sy = 0.0; sz = 0.0; fl = 0.0
        for j in range(m):
            x1 = px - ax[j]; y1 = py - ay[j]; z1 = pz - az[j]
            x2 = px - bx[j]; y2 = py - by[j]; z2 = pz - bz[j]
            r1 = math.sqrt(x1 * x1 + y1 * y1 + z1 * z1)
            r2 = math.sqrt(x2 * x2 + y2 * y2 + z2 * z2)
            d = x1 * x2 + y1 * y2 + z1 * z2
            cx = y1 * z2 - z1 * y2; cy = z1 * x2 - x1 * z2; cz = x1 * y2 - y1 * x2
            c2 = cx * cx + cy * cy + cz * cz
            p = r1 * r2
            neg = d < 0.0
            num = (r1 + r2) * ((p - d) if neg else 1.0)
            den = p * (c2 if neg else (p + d))
            f = coef[j] * num / den
            sx += f * cx; sy += f * cy; sz += f * cz
            fl += 1.0 if c2 * il2[j] < rw2[j] else 0.0  # a count, not max: max blocks SIMD
        out[i, 0] = sx; out[i, 1] = sy; out[i, 2] = sz
        flag[i] = fl


@njit(parallel=True)
def a_fast(points, seg, out, flag):
    """A at ``points`` into ``out`` (N,3); ``flag`` as in :func:`b_fast`."""
    n = points.shape[0]
    m = seg.shape[1]
    ax = seg[AX]; ay = seg[AY]; az = seg[AZ]
    bx = seg[BX]; by = seg[BY]; bz = seg[BZ]
    ux = seg[CUX]; uy = seg[CUY]; uz = seg[CUZ]
    ln = seg[LEN]; il2 = seg[INV_L2]; coef = seg[COEF]; rw2 = seg[RW2]
    for i in prange(n):
        px = points[i, 0]; py = points[i, 1]; pz = points[i, 2]
        sx = 0.0; sy = 0.0; sz = 0.0; fl = 0.0
        for j in range(m):
            x1 = px - ax[j]; y1 = py - ay[j]; z1 = pz - az[j]
            x2 = px - bx[j]; y2 = py - by[j]; z2 = pz - bz[j]
            r1 = math.sqrt(x1 * x1 + y1 * y1 + z1 * z1)
            r2 = math.sqrt(x2 * x2 + y2 * y2 + z2 * z2)
            d = x1 * x2 + y1 * y2 + z1 * z2
            cx = y1 * z2 - z1 * y2; cy = z1 * x2 - x1 * z2; cz = x1 * y2 - y1 * x2
            c2 = cx * cx + cy * cy + cz * cz
            p = r1 * r2
            neg = d < 0.0
            L = ln[j]
            # x = num/den = L (R1+R2+L) / (P + D), P + D written without cancellation
            num = L * (r1 + r2 + L) * ((p - d) if neg else 1.0)
            den = c2 if neg else (p + d)
            q = 2.0 * den + num
            inv = 1.0 / (den * q)
            g = log1p_sy(num * den * inv, 1.0 + num * q * inv)
            sx += g * ux[j]; sy += g * uy[j]; sz += g * uz[j]
            fl += 1.0 if c2 * il2[j] < rw2[j] else 0.0  # a count, not max: max blocks SIMD
        out[i, 0] = sx; out[i, 1] = sy; out[i, 2] = sz
        flag[i] = fl


@njit(parallel=True)
def ab_fast(points, seg, out_a, out_b, flag):
    """A and B together (one reciprocal serves both); outputs and flag as above."""
    n = points.shape[0]
    m = seg.shape[1]
    ax = seg[AX]; ay = seg[AY]; az = seg[AZ]
    bx = seg[BX]; by = seg[BY]; bz = seg[BZ]
    ux = seg[CUX]; uy = seg[CUY]; uz = seg[CUZ]
    ln = seg[LEN]; il2 = seg[INV_L2]; coef = seg[COEF]; rw2 = seg[RW2]
    for i in prange(n):
        px = points[i, 0]; py = points[i, 1]; pz = points[i, 2]
        sax = 0.0; say = 0.0; saz = 0.0
        sbx = 0.0; sby = 0.0; sbz = 0.0; fl = 0.0
        for j in range(m):
            x1 = px - ax[j]; y1 = py - ay[j]; z1 = pz - az[j]
            x2 = px - bx[j]; y2 = py - by[j]; z2 = pz - bz[j]
            r1 = math.sqrt(x1 * x1 + y1 * y1 + z1 * z1)
            r2 = math.sqrt(x2 * x2 + y2 * y2 + z2 * z2)
            d = x1 * x2 + y1 * y2 + z1 * z2
            cx = y1 * z2 - z1 * y2; cy = z1 * x2 - x1 * z2; cz = x1 * y2 - y1 * x2
            c2 = cx * cx + cy * cy + cz * cz
            p = r1 * r2
            neg = d < 0.0
            L = ln[j]
            w = (p - d) if neg else 1.0
            den = c2 if neg else (p + d)
            num = L * (r1 + r2 + L) * w
            q = 2.0 * den + num
            inv = 1.0 / (p * den * q)
            pinv = p * inv
            g = log1p_sy(num * den * pinv, 1.0 + num * q * pinv)
            sax += g * ux[j]; say += g * uy[j]; saz += g * uz[j]
            f = coef[j] * (r1 + r2) * w * q * inv
            sbx += f * cx; sby += f * cy; sbz += f * cz
            fl += 1.0 if c2 * il2[j] < rw2[j] else 0.0  # a count, not max: max blocks SIMD
        out_a[i, 0] = sax; out_a[i, 1] = say; out_a[i, 2] = saz
        out_b[i, 0] = sbx; out_b[i, 1] = sby; out_b[i, 2] = sbz
        flag[i] = fl


@njit
def _filament_pair(px, py, pz, seg, j):
    """(A, B) of filament segment j at one point off its line (scalar, careful branches)."""
    x1 = px - seg[AX, j]; y1 = py - seg[AY, j]; z1 = pz - seg[AZ, j]
    x2 = px - seg[BX, j]; y2 = py - seg[BY, j]; z2 = pz - seg[BZ, j]
    r1 = math.sqrt(x1 * x1 + y1 * y1 + z1 * z1)
    r2 = math.sqrt(x2 * x2 + y2 * y2 + z2 * z2)
    d = x1 * x2 + y1 * y2 + z1 * z2
    cx = y1 * z2 - z1 * y2; cy = z1 * x2 - x1 * z2; cz = x1 * y2 - y1 * x2
    c2 = cx * cx + cy * cy + cz * cz
    p = r1 * r2
    L = seg[LEN, j]
    if d < 0.0:
        w = p - d
        den = c2
    else:
        w = 1.0
        den = p + d
    if den <= 0.0 or p <= 0.0:  # on the line itself: the filament contributes nothing finite
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    num = L * (r1 + r2 + L) * w
    ga = math.log1p(num / den)
    fb = seg[COEF, j] * (r1 + r2) * w / (p * den)
    return (ga * seg[CUX, j], ga * seg[CUY, j], ga * seg[CUZ, j], fb * cx, fb * cy, fb * cz)


@njit
def _segment_distance(px, py, pz, seg, j):
    """Distance (m) from a point to segment j and the foot point on it."""
    lx = seg[LX, j]; ly = seg[LY, j]; lz = seg[LZ, j]
    ax = seg[AX, j]; ay = seg[AY, j]; az = seg[AZ, j]
    t = ((px - ax) * lx + (py - ay) * ly + (pz - az) * lz) * seg[INV_L2, j]
    t = min(max(t, 0.0), 1.0)
    fx = ax + t * lx; fy = ay + t * ly; fz = az + t * lz
    dx = px - fx; dy = py - fy; dz = pz - fz
    return math.sqrt(dx * dx + dy * dy + dz * dz), fx, fy, fz


#: segments of the same wire closer than NEAR_B (NEAR_A) × radius are treated as the local
#: straight conductor for B (A); the rest act at the point itself. For a straight wire the
#: split costs ≈ (3/8)/NEAR_B⁴ of the interior B and ≈ 0.17/NEAR_A² of μ0I/4π in A.
NEAR_B = 4.0
NEAR_A = 40.0


@njit(parallel=True)
def exact_points(points, idx, seg, out_a, out_b, want_a, want_b):
    """Recompute rows ``idx`` of ``out_a``/``out_b`` with the conductor-aware scalar path.

    A point inside a round conductor (distance h < rw from the nearest segment j*) gets the
    field of a uniform current: the filament field of the segments of j*'s wire within
    NEAR_B·rw (NEAR_A·rw for A) is taken at q, the point pushed radially out to the conductor surface, with B
    scaled by h/rw and A raised by coef·û·(1 - h²/rw²) (exact for a straight round wire);
    all other segments act at the point itself. The result is finite on the centreline and at
    vertices and continuous at the conductor surface. Points outside every conductor get the
    plain filament sum with careful branches.
    """
    m = seg.shape[1]
    for k in prange(idx.shape[0]):
        i = idx[k]
        px = points[i, 0]; py = points[i, 1]; pz = points[i, 2]
        best = 0.0; jb = -1; fx = 0.0; fy = 0.0; fz = 0.0; hb = 0.0
        for j in range(m):
            h, gx, gy, gz = _segment_distance(px, py, pz, seg, j)
            r = h / seg[RW, j]
            if r < 1.0 and (jb < 0 or r < best):
                best = r; jb = j; fx = gx; fy = gy; fz = gz; hb = h
        sa0 = 0.0; sa1 = 0.0; sa2 = 0.0; sb0 = 0.0; sb1 = 0.0; sb2 = 0.0
        if jb < 0:
            for j in range(m):
                a0, a1, a2, b0, b1, b2 = _filament_pair(px, py, pz, seg, j)
                sa0 += a0; sa1 += a1; sa2 += a2; sb0 += b0; sb1 += b1; sb2 += b2
        else:
            rw = seg[RW, jb]
            # beside the segment, use only the component of p - f normal to it: rounding in
            # the foot point would otherwise turn a point on the axis into an axial offset
            lx = seg[LX, jb]; ly = seg[LY, jb]; lz = seg[LZ, jb]
            dx = px - fx; dy = py - fy; dz = pz - fz
            ax_ = (dx * lx + dy * ly + dz * lz) * seg[INV_L2, jb]
            t_in = ((px - seg[AX, jb]) * lx + (py - seg[AY, jb]) * ly + (pz - seg[AZ, jb]) * lz) * seg[INV_L2, jb]
            if 0.0 < t_in < 1.0:
                dx -= ax_ * lx; dy -= ax_ * ly; dz -= ax_ * lz
                hb = math.sqrt(dx * dx + dy * dy + dz * dz)
                if hb <= 1e-12 * rw:
                    hb = 0.0
            if hb > 0.0:
                s = rw / hb
                qx = px - dx + dx * s; qy = py - dy + dy * s; qz = pz - dz + dz * s
            else:  # on the centreline: any radial direction gives the same |field|
                if abs(lx) <= abs(ly) and abs(lx) <= abs(lz):
                    ux = 0.0; uy = lz; uz = -ly
                elif abs(ly) <= abs(lz):
                    ux = -lz; uy = 0.0; uz = lx
                else:
                    ux = ly; uy = -lx; uz = 0.0
                un = math.sqrt(ux * ux + uy * uy + uz * uz)
                qx = fx + rw * ux / un; qy = fy + rw * uy / un; qz = fz + rw * uz / un
            kk = hb / rw
            wire = seg[WIRE, jb]
            for j in range(m):
                h = math.inf
                if seg[WIRE, j] == wire:
                    h = _segment_distance(px, py, pz, seg, j)[0]
                a0, a1, a2, b0, b1, b2 = _filament_pair(px, py, pz, seg, j)
                if h < NEAR_A * rw:
                    a0, a1, a2, c0, c1, c2 = _filament_pair(qx, qy, qz, seg, j)
                    if h < NEAR_B * rw:
                        b0 = c0 * kk; b1 = c1 * kk; b2 = c2 * kk
                sa0 += a0; sa1 += a1; sa2 += a2; sb0 += b0; sb1 += b1; sb2 += b2
            corr = 1.0 - kk * kk
            sa0 += corr * seg[CUX, jb]; sa1 += corr * seg[CUY, jb]; sa2 += corr * seg[CUZ, jb]
        if want_a:
            out_a[i, 0] = sa0; out_a[i, 1] = sa1; out_a[i, 2] = sa2
        if want_b:
            out_b[i, 0] = sb0; out_b[i, 1] = sb1; out_b[i, 2] = sb2
