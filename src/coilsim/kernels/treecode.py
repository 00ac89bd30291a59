"""Barnes–Hut treecode for point charges: their field Σ_j q_j (r − c_j)/|r − c_j|³ / 4π and
their (vector-valued) potential Σ_j q_j/|r − c_j|.

The BEM's secondary field at P points from N triangle charges costs P·N pairs by the direct sum
(:func:`coilsim.kernels.bem.far_field`). Here the charge positions are sorted into an octree
once (:func:`build_tree`, geometry only); per charge vector the nodes get their monopole, dipole
and quadrupole moments about their centres (:func:`node_moments`, O(N · depth)); a target then
takes a node's expansion when the node's radius r is below ``theta`` times its distance d, and
sums the node's charges directly otherwise (:func:`tree_field`). The truncation error of one
node's contribution is below ~ (r/d)³ of it (the next term is the octupole), so ``theta`` = 0.3
bounds it by 3 % of the far nodes' share — which, like the centroid rule's own (h/d)² error
beyond the BEM's near zones, is small against the near charges that dominate the field.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import njit, prange

FOUR_PI = 4.0 * math.pi
#: charges per leaf node
LEAF = 24
#: largest node radius / distance for which an expansion is used (it converges for < 1)
THETA = 0.5
#: deepest tree (bounds the traversal stack: 7 siblings per level + 1)
MAX_DEPTH = 40


def build_tree(points: np.ndarray, leaf: int = LEAF):
    """Octree of ``points`` (N, 3) m. Returns a dict of arrays: ``perm`` (the point order in
    which every node's points are contiguous), per node ``center`` (K, 3) m, ``radius`` (K,) m
    (largest distance of its points from the centre), ``start``/``count`` (its points in
    ``perm``) and ``child``/``nchild`` (its children, contiguous node indices)."""
    pts = np.asarray(points, dtype=np.float64)
    n = pts.shape[0]
    perm = np.arange(n)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    half0 = 0.5 * float((hi - lo).max()) * (1 + 1e-9) + 1e-12
    # breadth-first, so that the children of a node are contiguous node indices
    box_c, box_h, start, count, depth = [0.5 * (lo + hi)], [half0], [0], [n], [0]
    child, nchild = [], []
    k = 0
    while k < len(start):
        s, c = start[k], count[k]
        if c <= leaf or depth[k] >= MAX_DEPTH:
            child.append(0); nchild.append(0)
            k += 1
            continue
        idx = perm[s:s + c]
        code = ((pts[idx] > box_c[k]) * np.array([1, 2, 4])).sum(axis=1)
        order = np.argsort(code, kind="stable")
        perm[s:s + c] = idx[order]
        code = code[order]
        first = len(start)
        m = 0
        for o in range(8):
            sel = np.flatnonzero(code == o)
            if sel.size == 0:
                continue
            sign = np.array([(o >> b) & 1 for b in range(3)]) * 2 - 1
            box_c.append(box_c[k] + 0.5 * box_h[k] * sign)
            box_h.append(0.5 * box_h[k])
            start.append(s + int(sel[0])); count.append(int(sel.size)); depth.append(depth[k] + 1)
            m += 1
        child.append(first); nchild.append(m)
        k += 1
    start = np.asarray(start, dtype=np.int64)
    count = np.asarray(count, dtype=np.int64)
    center = np.empty((len(start), 3))
    radius = np.empty(len(start))
    sp = pts[perm]
    for i in range(len(start)):
        q = sp[start[i]:start[i] + count[i]]
        center[i] = 0.5 * (q.min(axis=0) + q.max(axis=0))
        radius[i] = np.sqrt(((q - center[i]) ** 2).sum(axis=1).max())
    return {"perm": perm, "center": center, "radius": radius, "start": start, "count": count,
            "child": np.asarray(child, dtype=np.int64), "nchild": np.asarray(nchild, dtype=np.int64),
            "depth": int(max(depth))}


@njit(parallel=True)
def node_moments(center, start, count, sx, sy, sz, q, mono, dip, quad, absq):
    """Moments of the charges q (n, m) (m components, sorted in tree order, at sx, sy, sz) of
    every node about its centre: mono (K, m), dip (K, m, 3), quad (K, m, 6) = Σ q s_a s_b in
    order xx, yy, zz, xy, xz, yz, and absq (K,) = Σ Σ_c |q_c|."""
    nc = q.shape[1]
    for k in prange(center.shape[0]):
        a = 0.0
        for c in range(nc):
            m = 0.0; dx = 0.0; dy = 0.0; dz = 0.0
            qxx = 0.0; qyy = 0.0; qzz = 0.0; qxy = 0.0; qxz = 0.0; qyz = 0.0
            for j in range(start[k], start[k] + count[k]):
                x = sx[j] - center[k, 0]; y = sy[j] - center[k, 1]; z = sz[j] - center[k, 2]
                w = q[j, c]
                m += w; dx += w * x; dy += w * y; dz += w * z; a += abs(w)
                qxx += w * x * x; qyy += w * y * y; qzz += w * z * z
                qxy += w * x * y; qxz += w * x * z; qyz += w * y * z
            mono[k, c] = m
            dip[k, c, 0] = dx; dip[k, c, 1] = dy; dip[k, c, 2] = dz
            quad[k, c, 0] = qxx; quad[k, c, 1] = qyy; quad[k, c, 2] = qzz
            quad[k, c, 3] = qxy; quad[k, c, 4] = qxz; quad[k, c, 5] = qyz
        absq[k] = a


@njit(parallel=True)
def tree_field(px, py, pz, center, radius, start, count, child, nchild, sx, sy, sz, q, mono,
               dip, quad, theta, g2, e_out):
    """e_out[i] = Σ_j q_j (r_i − c_j)/|r_i − c_j|³/4π by the treecode: a node's quadrupole
    expansion where its radius r < theta × its distance d and its error scale
    Σ|q| r³/d⁵ is below the tolerance (g2 = (Σ|q| r³/tolerance)², compared with d¹⁰), its
    charges directly at leaves otherwise. Charges at a target's own position contribute nothing
    (as in the direct sum)."""
    t2 = theta * theta
    for i in prange(px.shape[0]):
        rx = px[i]; ry = py[i]; rz = pz[i]
        ex = 0.0; ey = 0.0; ez = 0.0
        stack = np.empty(8 * 41, np.int64)
        stack[0] = 0
        sp = 1
        while sp > 0:
            sp -= 1
            k = stack[sp]
            Rx = rx - center[k, 0]; Ry = ry - center[k, 1]; Rz = rz - center[k, 2]
            r2 = Rx * Rx + Ry * Ry + Rz * Rz
            if radius[k] * radius[k] < t2 * r2 and g2[k] < r2 * r2 * r2 * r2 * r2:
                ir2 = 1.0 / r2
                ir3 = math.sqrt(ir2) * ir2
                ir5 = ir3 * ir2
                ir7 = ir5 * ir2
                dx = dip[k, 0, 0]; dy = dip[k, 0, 1]; dz = dip[k, 0, 2]
                qxx = quad[k, 0, 0]; qyy = quad[k, 0, 1]; qzz = quad[k, 0, 2]
                qxy = quad[k, 0, 3]; qxz = quad[k, 0, 4]; qyz = quad[k, 0, 5]
                QRx = qxx * Rx + qxy * Ry + qxz * Rz
                QRy = qxy * Rx + qyy * Ry + qyz * Rz
                QRz = qxz * Rx + qyz * Ry + qzz * Rz
                RQR = Rx * QRx + Ry * QRy + Rz * QRz
                DR = dx * Rx + dy * Ry + dz * Rz
                tr = qxx + qyy + qzz
                s = mono[k, 0] * ir3 + 3.0 * DR * ir5 + 7.5 * RQR * ir7 - 1.5 * tr * ir5
                ex += s * Rx - dx * ir3 - 3.0 * QRx * ir5
                ey += s * Ry - dy * ir3 - 3.0 * QRy * ir5
                ez += s * Rz - dz * ir3 - 3.0 * QRz * ir5
            elif nchild[k] == 0:
                for j in range(start[k], start[k] + count[k]):
                    dx = rx - sx[j]; dy = ry - sy[j]; dz = rz - sz[j]
                    d2 = dx * dx + dy * dy + dz * dz
                    f = q[j, 0] / (d2 * math.sqrt(d2)) if d2 > 0.0 else 0.0
                    ex += f * dx; ey += f * dy; ez += f * dz
            else:
                for c in range(child[k], child[k] + nchild[k]):
                    stack[sp] = c
                    sp += 1
        e_out[i, 0] = ex / FOUR_PI; e_out[i, 1] = ey / FOUR_PI; e_out[i, 2] = ez / FOUR_PI


@njit(parallel=True)
def tree_potential(px, py, pz, center, radius, start, count, child, nchild, sx, sy, sz, q, mono,
                   dip, quad, theta, g2, out):
    """out[i, c] = Σ_j q_jc / |r_i − c_j| for the m components of q (n, m) by the treecode: a
    node's quadrupole expansion where r < theta·d and its error scale Σ|q| r³/d⁴ is below the
    tolerance (g2 = (Σ|q| r³/tolerance)², compared with d⁸), its charges directly at leaves.
    Charges at a target's own position contribute nothing."""
    t2 = theta * theta
    nc = q.shape[1]
    for i in prange(px.shape[0]):
        rx = px[i]; ry = py[i]; rz = pz[i]
        acc = np.zeros(nc)
        stack = np.empty(8 * 41, np.int64)
        stack[0] = 0
        sp = 1
        while sp > 0:
            sp -= 1
            k = stack[sp]
            Rx = rx - center[k, 0]; Ry = ry - center[k, 1]; Rz = rz - center[k, 2]
            r2 = Rx * Rx + Ry * Ry + Rz * Rz
            r4 = r2 * r2
            if radius[k] * radius[k] < t2 * r2 and g2[k] < r4 * r4:
                ir = 1.0 / math.sqrt(r2)
                ir3 = ir / r2
                ir5 = ir3 / r2
                for c in range(nc):
                    QRx = quad[k, c, 0] * Rx + quad[k, c, 3] * Ry + quad[k, c, 4] * Rz
                    QRy = quad[k, c, 3] * Rx + quad[k, c, 1] * Ry + quad[k, c, 5] * Rz
                    QRz = quad[k, c, 4] * Rx + quad[k, c, 5] * Ry + quad[k, c, 2] * Rz
                    RQR = Rx * QRx + Ry * QRy + Rz * QRz
                    tr = quad[k, c, 0] + quad[k, c, 1] + quad[k, c, 2]
                    DR = dip[k, c, 0] * Rx + dip[k, c, 1] * Ry + dip[k, c, 2] * Rz
                    acc[c] += mono[k, c] * ir + DR * ir3 + 1.5 * RQR * ir5 - 0.5 * tr * ir3
            elif nchild[k] == 0:
                for j in range(start[k], start[k] + count[k]):
                    dx = rx - sx[j]; dy = ry - sy[j]; dz = rz - sz[j]
                    d2 = dx * dx + dy * dy + dz * dz
                    if d2 > 0.0:
                        inv = 1.0 / math.sqrt(d2)
                        for c in range(nc):
                            acc[c] += q[j, c] * inv
            else:
                for c2 in range(child[k], child[k] + nchild[k]):
                    stack[sp] = c2
                    sp += 1
        for c in range(nc):
            out[i, c] = acc[c]


class ChargeTree:
    """An octree over fixed charge positions, reused for any charge vector: the geometry part of
    the treecode (build once per mesh), then :meth:`field` per charge vector."""

    def __init__(self, positions: np.ndarray, leaf: int = LEAF):
        t = build_tree(positions, leaf)
        self.perm = t["perm"]
        self.center, self.radius = t["center"], t["radius"]
        self.start, self.count = t["start"], t["count"]
        self.child, self.nchild = t["child"], t["nchild"]
        self.depth = t["depth"]
        sp = np.asarray(positions, dtype=np.float64)[self.perm]
        self._s = [np.ascontiguousarray(sp[:, i]) for i in range(3)]

    @property
    def nodes(self) -> int:
        return self.center.shape[0]

    def _moments(self, q):
        qs = np.asarray(q, dtype=np.float64)
        qs = np.ascontiguousarray((qs[:, None] if qs.ndim == 1 else qs)[self.perm])
        k, m = self.nodes, qs.shape[1]
        mono, dip, quad, absq = np.empty((k, m)), np.empty((k, m, 3)), np.empty((k, m, 6)), np.empty(k)
        node_moments(self.center, self.start, self.count, *self._s, qs, mono, dip, quad, absq)
        return qs, mono, dip, quad, absq

    def field(self, points: np.ndarray, q: np.ndarray, out: np.ndarray, *, tol: float,
              theta: float = THETA) -> None:
        """Write Σ q_j (r − c_j)/|r − c_j|³/4π at ``points`` (P, 3) into ``out`` (P, 3); a node's
        expansion is used where its truncation error scale Σ|q| r³/(4π d⁵) is below ``tol``
        (absolute, in the units of the field) and r < ``theta`` d."""
        qs, mono, dip, quad, absq = self._moments(q)
        g2 = (absq * self.radius**3 / (FOUR_PI * tol)) ** 2 if tol > 0 else np.full(self.nodes, np.inf)
        tree_field(*(np.ascontiguousarray(points[:, i]) for i in range(3)), self.center,
                   self.radius, self.start, self.count, self.child, self.nchild, *self._s, qs,
                   mono, dip, quad, float(theta), g2, out)

    def potential(self, points: np.ndarray, q: np.ndarray, out: np.ndarray, *, tol: float,
                  theta: float = THETA) -> None:
        """Write Σ_j q_jc/|r − c_j| at ``points`` (P, 3) into ``out`` (P, m) for charges ``q``
        (N, m); a node's expansion is used where its error scale Σ|q| r³/d⁴ is below ``tol``
        (absolute) and r < ``theta`` d."""
        qs, mono, dip, quad, absq = self._moments(q)
        g2 = (absq * self.radius**3 / tol) ** 2 if tol > 0 else np.full(self.nodes, np.inf)
        tree_potential(*(np.ascontiguousarray(points[:, i]) for i in range(3)), self.center,
                       self.radius, self.start, self.count, self.child, self.nchild, *self._s,
                       qs, mono, dip, quad, float(theta), g2, out)
