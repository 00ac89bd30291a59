"""Surface-charge BEM kernels: flat triangles carrying uniform charge density.

Pure numba functions on arrays; they write into preallocated outputs and trust their inputs
(the validating wrappers live in :mod:`coilsim.efield`). ε0 is scaled out: a density ρ
(C/m² · 1/ε0, i.e. V/m) on triangle j produces the field ρ F_j(r) / 4π (V/m) with

    F_j(r) = ∫_Tj (r − r′) / |r − r′|³ dS′                                    (dimensionless)

Exact for a flat triangle (vertices v1 v2 v3 counter-clockwise about its unit normal n, edge
lengths L_e, distances R_a R_b from r to an edge's end points, m_e its outward in-plane normal):

    F = −Ω n + Σ_e m_e ln((R_a + R_b + L_e) / (R_a + R_b − L_e))

where Ω = 2 atan2(R1·(R2×R3), R1R2R3 + (R1·R2)R3 + (R1·R3)R2 + (R2·R3)R1), Ri = vi − r
(van Oosterom & Strackee 1983), is the signed solid angle: −Ω is the solid angle under which
the triangle is seen from the side n points to. The in-plane part is Gauss's theorem applied to
∇′(1/R), and each edge integral ∫dl/R is the same logarithm as the vector potential of a
straight segment. The far field uses the centroid rule a_j (r − c_j)/|r − c_j|³: 1 sqrt + 1 div
per pair (the "machine limit" of :mod:`benchmarks`), with the exact form substituted for the
pairs in a near list.

The winding number of a closed, outward-oriented surface, (1/4π) Σ_j ∫ n_j·(r′ − r)/|r′ − r|³,
is 1 inside and 0 outside; the same pair loop gives it.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import njit, prange

FOUR_PI = 4.0 * math.pi


@njit(inline="always")
def _edge_log(ra, rb, length):
    den = ra + rb - length
    if den < 1e-300:
        den = 1e-300
    return math.log((ra + rb + length) / den)


@njit
def triangle_integral(px, py, pz, tri, out):
    """Exact F (see the module docstring) of one triangle ``tri`` (3,3) at (px,py,pz) into
    ``out`` (4,): F_x, F_y, F_z and the solid angle seen from the outward (+n) side, −Ω."""
    x1 = tri[0, 0] - px; y1 = tri[0, 1] - py; z1 = tri[0, 2] - pz
    x2 = tri[1, 0] - px; y2 = tri[1, 1] - py; z2 = tri[1, 2] - pz
    x3 = tri[2, 0] - px; y3 = tri[2, 1] - py; z3 = tri[2, 2] - pz
    r1 = math.sqrt(x1 * x1 + y1 * y1 + z1 * z1)
    r2 = math.sqrt(x2 * x2 + y2 * y2 + z2 * z2)
    r3 = math.sqrt(x3 * x3 + y3 * y3 + z3 * z3)
    # normal (unnormalised, 2·area)
    ex = x2 - x1; ey = y2 - y1; ez = z2 - z1
    fx = x3 - x1; fy = y3 - y1; fz = z3 - z1
    nx = ey * fz - ez * fy; ny = ez * fx - ex * fz; nz = ex * fy - ey * fx
    nn = math.sqrt(nx * nx + ny * ny + nz * nz)
    nx /= nn; ny /= nn; nz /= nn
    trip = x1 * (y2 * z3 - z2 * y3) + y1 * (z2 * x3 - x2 * z3) + z1 * (x2 * y3 - y2 * x3)
    den = (r1 * r2 * r3 + (x1 * x2 + y1 * y2 + z1 * z2) * r3
           + (x1 * x3 + y1 * y3 + z1 * z3) * r2 + (x2 * x3 + y2 * y3 + z2 * z3) * r1)
    omega = 2.0 * math.atan2(trip, den)
    sx = -omega * nx; sy = -omega * ny; sz = -omega * nz
    # edges 1->2, 2->3, 3->1; outward in-plane normal m = t × n
    for e in range(3):
        if e == 0:
            ax = x1; ay = y1; az = z1; bx = x2; by = y2; bz = z2; ra = r1; rb = r2
        elif e == 1:
            ax = x2; ay = y2; az = z2; bx = x3; by = y3; bz = z3; ra = r2; rb = r3
        else:
            ax = x3; ay = y3; az = z3; bx = x1; by = y1; bz = z1; ra = r3; rb = r1
        tx = bx - ax; ty = by - ay; tz = bz - az
        length = math.sqrt(tx * tx + ty * ty + tz * tz)
        tx /= length; ty /= length; tz /= length
        mx = ty * nz - tz * ny; my = tz * nx - tx * nz; mz = tx * ny - ty * nx
        g = _edge_log(ra, rb, length)
        sx += g * mx; sy += g * my; sz += g * mz
    out[0] = sx; out[1] = sy; out[2] = sz
    out[3] = -omega


@njit(parallel=True)
def far_matrix(cx, cy, cz, nx, ny, nz, kk, ax_, out):
    """Dense collocation operator, far-field (centroid) rule for every pair:
    out[i, j] = −K_i n_i·a_j (c_i − c_j)/|c_i − c_j|³ / 4π, out[i, i] = 1/2."""
    n = cx.shape[0]
    for i in prange(n):
        px = cx[i]; py = cy[i]; pz = cz[i]
        s = -kk[i] / FOUR_PI
        qx = s * nx[i]; qy = s * ny[i]; qz = s * nz[i]
        row = out[i]
        for j in range(n):
            dx = px - cx[j]; dy = py - cy[j]; dz = pz - cz[j]
            d2 = dx * dx + dy * dy + dz * dz
            inv = 1.0 / (d2 * math.sqrt(d2)) if d2 > 0.0 else 0.0
            row[j] = ax_[j] * inv * (qx * dx + qy * dy + qz * dz)
        row[i] = 0.5


@njit
def far_matvec(cx, cy, cz, nx, ny, nz, kk, q, out):
    """Matrix-free far part of the operator: out_i = −K_i n_i·Σ_j q_j (c_i − c_j)/|·|³/4π
    with q = a ρ (charge per triangle): :func:`far_field` at the centroids, along the normals."""
    n = cx.shape[0]
    e = np.empty((n, 3))
    far_field(cx, cy, cz, cx, cy, cz, q, e)
    for i in range(n):
        out[i] = -kk[i] * (nx[i] * e[i, 0] + ny[i] * e[i, 1] + nz[i] * e[i, 2])


@njit(parallel=True)
def far_field(px, py, pz, cx, cy, cz, q, e_out):
    """Centroid-rule field of all triangles at points: e_out[i] = Σ_j q_j (r_i − c_j)/|·|³/4π
    (V/m for q = a ρ, a in m², ρ in V/m)."""
    n = px.shape[0]
    m = cx.shape[0]
    for i in prange(n):
        rx = px[i]; ry = py[i]; rz = pz[i]
        sx = 0.0; sy = 0.0; sz = 0.0
        for j in range(m):
            dx = rx - cx[j]; dy = ry - cy[j]; dz = rz - cz[j]
            d2 = dx * dx + dy * dy + dz * dz
            f = q[j] / (d2 * math.sqrt(d2)) if d2 > 0.0 else 0.0
            sx += f * dx; sy += f * dy; sz += f * dz
        e_out[i, 0] = sx / FOUR_PI; e_out[i, 1] = sy / FOUR_PI; e_out[i, 2] = sz / FOUR_PI


@njit(parallel=True)
def far_winding(px, py, pz, cx, cy, cz, nx, ny, nz, qa, bounds, w_out):
    """Centroid-rule winding number of each surface s (triangles bounds[s]..bounds[s+1]) at
    points: w_out[i, s] = Σ_j qa_j n_j·(c_j − r_i)/|·|³/4π with qa = a (areas, m²)."""
    n = px.shape[0]
    nsurf = bounds.shape[0] - 1
    for i in prange(n):
        rx = px[i]; ry = py[i]; rz = pz[i]
        for s in range(nsurf):
            w = 0.0
            for j in range(bounds[s], bounds[s + 1]):
                dx = rx - cx[j]; dy = ry - cy[j]; dz = rz - cz[j]
                d2 = dx * dx + dy * dy + dz * dz
                inv = 1.0 / (d2 * math.sqrt(d2)) if d2 > 0.0 else 0.0
                w -= qa[j] * inv * (nx[j] * dx + ny[j] * dy + nz[j] * dz)
            w_out[i, s] = w / FOUR_PI


@njit(parallel=True)
def planar_vertical_part(points, seg_a, seg_b, coef, nodes, weights, out):
    """Half-space closed form, the part from the vertical components of the currents:
    out[i] += −Σ_seg coef·Δz ∫_0^1 (d_x, d_y, 0) / (R (R − d_z)) dt,  d = r − r′(t),
    by Gauss–Legendre with ``nodes``/``weights`` on [0, 1] and dyadic subdivision of segments
    closer than twice their length. Needs r′_z > r_z (sources above the points)."""
    n = points.shape[0]
    m = seg_a.shape[0]
    nq = nodes.shape[0]
    for i in prange(n):
        stack = np.empty((64, 2))
        rx = points[i, 0]; ry = points[i, 1]; rz = points[i, 2]
        sx = 0.0; sy = 0.0
        for j in range(m):
            lx = seg_b[j, 0] - seg_a[j, 0]; ly = seg_b[j, 1] - seg_a[j, 1]
            lz = seg_b[j, 2] - seg_a[j, 2]
            if lz == 0.0:
                continue
            length = math.sqrt(lx * lx + ly * ly + lz * lz)
            stack[0, 0] = 0.0; stack[0, 1] = 1.0
            top = 1
            while top > 0:
                top -= 1
                t0 = stack[top, 0]; t1 = stack[top, 1]
                tm = 0.5 * (t0 + t1)
                mx = seg_a[j, 0] + tm * lx - rx; my = seg_a[j, 1] + tm * ly - ry
                mz = seg_a[j, 2] + tm * lz - rz
                dist = math.sqrt(mx * mx + my * my + mz * mz)
                if dist < 2.0 * (t1 - t0) * length and top < 62 and (t1 - t0) > 1e-6:
                    stack[top, 0] = t0; stack[top, 1] = tm
                    stack[top + 1, 0] = tm; stack[top + 1, 1] = t1
                    top += 2
                    continue
                h = t1 - t0
                for k in range(nq):
                    t = t0 + h * nodes[k]
                    dx = rx - (seg_a[j, 0] + t * lx)
                    dy = ry - (seg_a[j, 1] + t * ly)
                    dz = rz - (seg_a[j, 2] + t * lz)
                    r = math.sqrt(dx * dx + dy * dy + dz * dz)
                    f = coef[j] * lz * h * weights[k] / (r * (r - dz))
                    sx -= f * dx; sy -= f * dy
        out[i, 0] += sx; out[i, 1] += sy




@njit(inline="always")
def solid_angle(px, py, pz, tri):
    """Solid angle (sr) under which triangle ``tri`` (3,3) is seen from (px,py,pz), positive
    on the side its normal (right-hand rule v1→v2→v3) points to (van Oosterom & Strackee)."""
    x1 = tri[0, 0] - px; y1 = tri[0, 1] - py; z1 = tri[0, 2] - pz
    x2 = tri[1, 0] - px; y2 = tri[1, 1] - py; z2 = tri[1, 2] - pz
    x3 = tri[2, 0] - px; y3 = tri[2, 1] - py; z3 = tri[2, 2] - pz
    r1 = math.sqrt(x1 * x1 + y1 * y1 + z1 * z1)
    r2 = math.sqrt(x2 * x2 + y2 * y2 + z2 * z2)
    r3 = math.sqrt(x3 * x3 + y3 * y3 + z3 * z3)
    trip = x1 * (y2 * z3 - z2 * y3) + y1 * (z2 * x3 - x2 * z3) + z1 * (x2 * y3 - y2 * x3)
    den = (r1 * r2 * r3 + (x1 * x2 + y1 * y2 + z1 * z2) * r3
           + (x1 * x3 + y1 * y3 + z1 * z3) * r2 + (x2 * x3 + y2 * y3 + z2 * z3) * r1)
    return -2.0 * math.atan2(trip, den)


@njit(parallel=True)
def near_flux(rows, cols, tris, qpts, qw, area, size, exact, cx, cy, cz, nx, ny, nz, out):
    """Mean normal flux through target triangle rows[k] of the uniform charge on source
    triangle cols[k], minus its centroid rule, into out[k] (dimensionless, per unit density):

        Φ = −(a_j/a_i) Σ_q w_q S_i(x_jq),   centroid rule a_j n_i·(c_i − c_j)/|c_i − c_j|³

    S_i(x) is the solid angle under which triangle i is seen from x on its outward side (the
    flux through i of a unit point charge at x, times 4π); x_jq, w_q a quadrature rule on j.
    The mean over the target matters: taking the flux at the target centroid instead brings
    back an O(h) bias. Within ``exact`` × the larger size the source gets the 7-point rule,
    beyond it its centroid (subdividing close sources on thin layers changed nothing measurable).
    Self pairs give 0 (a flat triangle's own field has no mean normal part)."""
    for k in prange(rows.shape[0]):
        i = rows[k]; j = cols[k]
        if i == j:
            out[k] = 0.0
            continue
        dx = cx[i] - cx[j]; dy = cy[i] - cy[j]; dz = cz[i] - cz[j]
        d2 = dx * dx + dy * dy + dz * dz
        if d2 < (exact * max(size[i], size[j])) ** 2:
            s = 0.0
            for q in range(qw.shape[0]):
                s += qw[q] * solid_angle(qpts[j, q, 0], qpts[j, q, 1], qpts[j, q, 2], tris[i])
        else:
            s = solid_angle(cx[j], cy[j], cz[j], tris[i])
        far = area[j] * (nx[i] * dx + ny[i] * dy + nz[i] * dz) / (d2 * math.sqrt(d2))
        out[k] = -(area[j] / area[i]) * s - far


#: 7-point degree-5 rule on a triangle (Radon): barycentric coordinates and weights (sum 1)
def _radon7():
    a1 = (6.0 - math.sqrt(15.0)) / 21.0
    a2 = (6.0 + math.sqrt(15.0)) / 21.0
    w1 = (155.0 - math.sqrt(15.0)) / 1200.0
    w2 = (155.0 + math.sqrt(15.0)) / 1200.0
    bary = np.array([[1 / 3, 1 / 3, 1 / 3],
                     [a1, a1, 1 - 2 * a1], [a1, 1 - 2 * a1, a1], [1 - 2 * a1, a1, a1],
                     [a2, a2, 1 - 2 * a2], [a2, 1 - 2 * a2, a2], [1 - 2 * a2, a2, a2]])
    w = np.array([9 / 40, w1, w1, w1, w2, w2, w2])
    return bary, w


RADON7_BARY, RADON7_W = _radon7()


__all__ = ["FOUR_PI", "RADON7_BARY", "RADON7_W", "triangle_integral", "far_matrix", "far_matvec",
           "near_flux", "near_field_points", "near_pairs_grid", "far_field", "solid_angle",
           "planar_vertical_part"]


@njit
def _grid_setup(points, cell):
    lo0 = points[:, 0].min(); lo1 = points[:, 1].min(); lo2 = points[:, 2].min()
    d0 = int((points[:, 0].max() - lo0) / cell) + 1
    d1 = int((points[:, 1].max() - lo1) / cell) + 1
    d2 = int((points[:, 2].max() - lo2) / cell) + 1
    n = points.shape[0]
    key = np.empty(n, np.int64)
    for i in range(n):
        a = int((points[i, 0] - lo0) / cell); b = int((points[i, 1] - lo1) / cell)
        c = int((points[i, 2] - lo2) / cell)
        key[i] = (a * d1 + b) * d2 + c
    order = np.argsort(key, kind="mergesort")
    start = np.zeros(d0 * d1 * d2 + 1, np.int64)
    for i in range(n):
        start[key[i] + 1] += 1
    for c in range(d0 * d1 * d2):
        start[c + 1] += start[c]
    return order, start, lo0, lo1, lo2, d0, d1, d2


@njit(parallel=True)
def _grid_count_fill(points, centers, radii, cell, order, start, lo0, lo1, lo2, d0, d1, d2,
                     offsets, rows, fill):
    m = centers.shape[0]
    for j in prange(m):
        cx = centers[j, 0]; cy = centers[j, 1]; cz = centers[j, 2]
        r = radii[j]; r2 = r * r
        a0 = max(0, int((cx - r - lo0) / cell)); a1 = min(d0 - 1, int((cx + r - lo0) / cell))
        b0 = max(0, int((cy - r - lo1) / cell)); b1 = min(d1 - 1, int((cy + r - lo1) / cell))
        c0 = max(0, int((cz - r - lo2) / cell)); c1 = min(d2 - 1, int((cz + r - lo2) / cell))
        cnt = 0
        pos = offsets[j] if fill else 0
        for a in range(a0, a1 + 1):
            for b in range(b0, b1 + 1):
                base = (a * d1 + b) * d2
                for p in range(start[base + c0], start[base + c1 + 1]):
                    i = order[p]
                    dx = points[i, 0] - cx; dy = points[i, 1] - cy; dz = points[i, 2] - cz
                    if dx * dx + dy * dy + dz * dz <= r2:
                        if fill:
                            rows[pos + cnt] = i
                        cnt += 1
        if not fill:
            offsets[j + 1] = cnt


def near_pairs_grid(points, centers, radii):
    """(rows, cols): every (point, center) pair with |point − center| ≤ radii[center], found
    with a uniform grid of cells (no O(N·M) work); rows grouped by center."""
    cell = max(float(np.median(radii)) * 0.5, 1e-12)
    order, start, lo0, lo1, lo2, d0, d1, d2 = _grid_setup(points, cell)
    m = centers.shape[0]
    offsets = np.zeros(m + 1, np.int64)
    dummy = np.zeros(0, np.int64)
    _grid_count_fill(points, centers, radii, cell, order, start, lo0, lo1, lo2, d0, d1, d2,
                     offsets, dummy, False)
    offsets = np.cumsum(offsets)
    rows = np.empty(offsets[-1], np.int64)
    _grid_count_fill(points, centers, radii, cell, order, start, lo0, lo1, lo2, d0, d1, d2,
                     offsets, rows, True)
    cols = np.repeat(np.arange(m, dtype=np.int64), np.diff(offsets))
    return rows, cols


@njit(parallel=True)
def near_field_points(px, py, pz, tris, cx, cy, cz, nx, ny, nz, area, size, radius, exact,
                      mid, qpts, qw, rho, surface_of, order, start, lo0, lo1, lo2, d0, d1, d2,
                      cell, rmax, e_out, w_out):
    """Add to e_out (P,3) and w_out (P,S) the near-field corrections of every triangle j whose
    centroid lies within radius[j] of each point: its field minus the centroid rule's, the field
    being the closed form within ``exact`` × size[j], the 7-point rule (qpts, qw) within ``mid``
    × size[j] and the 3-point edge-midpoint rule beyond; triangles are found through a grid of
    their centroids (cell size ``cell``, cells sorted by ``order``/``start``), searched out to
    ``rmax``."""
    nq = qw.shape[0]
    for i in prange(px.shape[0]):
        rx = px[i]; ry = py[i]; rz = pz[i]
        a0 = max(0, int((rx - rmax - lo0) / cell)); a1 = min(d0 - 1, int((rx + rmax - lo0) / cell))
        b0 = max(0, int((ry - rmax - lo1) / cell)); b1 = min(d1 - 1, int((ry + rmax - lo1) / cell))
        c0 = max(0, int((rz - rmax - lo2) / cell)); c1 = min(d2 - 1, int((rz + rmax - lo2) / cell))
        if a0 > a1 or b0 > b1 or c0 > c1:
            continue
        sx = 0.0; sy = 0.0; sz = 0.0
        b = np.empty(4)
        for a in range(a0, a1 + 1):
            for bb in range(b0, b1 + 1):
                base = (a * d1 + bb) * d2
                for p in range(start[base + c0], start[base + c1 + 1]):
                    j = order[p]
                    dx = rx - cx[j]; dy = ry - cy[j]; dz = rz - cz[j]
                    d2_ = dx * dx + dy * dy + dz * dz
                    if d2_ > radius[j] * radius[j]:
                        continue
                    if d2_ < (exact * size[j]) ** 2:
                        triangle_integral(rx, ry, rz, tris[j], b)
                    elif d2_ < (mid * size[j]) ** 2:
                        b[0] = 0.0; b[1] = 0.0; b[2] = 0.0
                        for q in range(nq):
                            gx = rx - qpts[j, q, 0]; gy = ry - qpts[j, q, 1]
                            gz = rz - qpts[j, q, 2]
                            g2 = gx * gx + gy * gy + gz * gz
                            f = area[j] * qw[q] / (g2 * math.sqrt(g2))
                            b[0] += f * gx; b[1] += f * gy; b[2] += f * gz
                        b[3] = nx[j] * b[0] + ny[j] * b[1] + nz[j] * b[2]
                    else:
                        b[0] = 0.0; b[1] = 0.0; b[2] = 0.0
                        t = tris[j]
                        for q in range(3):
                            q1 = (q + 1) % 3
                            gx = rx - 0.5 * (t[q, 0] + t[q1, 0])
                            gy = ry - 0.5 * (t[q, 1] + t[q1, 1])
                            gz = rz - 0.5 * (t[q, 2] + t[q1, 2])
                            g2 = gx * gx + gy * gy + gz * gz
                            f = area[j] / (3.0 * g2 * math.sqrt(g2))
                            b[0] += f * gx; b[1] += f * gy; b[2] += f * gz
                        b[3] = nx[j] * b[0] + ny[j] * b[1] + nz[j] * b[2]
                    if d2_ > 0.0:
                        inv = area[j] / (d2_ * math.sqrt(d2_))
                        sx += rho[j] * (b[0] - inv * dx)
                        sy += rho[j] * (b[1] - inv * dy)
                        sz += rho[j] * (b[2] - inv * dz)
                        w_out[i, surface_of[j]] += (-b[3] + inv * (nx[j] * dx + ny[j] * dy
                                                                    + nz[j] * dz)) / FOUR_PI
                    else:
                        h = b[0] * nx[j] + b[1] * ny[j] + b[2] * nz[j]
                        sx += rho[j] * (b[0] - h * nx[j])
                        sy += rho[j] * (b[1] - h * ny[j])
                        sz += rho[j] * (b[2] - h * nz[j])
        e_out[i, 0] += sx / FOUR_PI; e_out[i, 1] += sy / FOUR_PI; e_out[i, 2] += sz / FOUR_PI
