"""Slow, obviously correct references that the fast kernels are compared with.

Straight-segment B and A evaluated in mpmath at 40 significant digits with the textbook
formulas (no cancellation-avoiding rewrites), and a direct numerical quadrature of the
Biot–Savart line integral as a formula-independent check.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np

from coilsim.metrics import field_error  # noqa: F401  (re-exported for tests)

MU0_4PI = mp.mpf("1e-7")


def _v(x):
    return [mp.mpf(float(t)) for t in x]


def segment_field_mp(p, a, b, weight=1.0, dps=40):
    """(A, B) of a straight filament a→b at p, exact formulas in mpmath (T·m, T per A)."""
    with mp.workdps(dps):
        p, a, b = _v(p), _v(a), _v(b)
        r1 = [p[i] - a[i] for i in range(3)]
        r2 = [p[i] - b[i] for i in range(3)]
        l = [b[i] - a[i] for i in range(3)]
        R1 = mp.sqrt(sum(t * t for t in r1))
        R2 = mp.sqrt(sum(t * t for t in r2))
        L = mp.sqrt(sum(t * t for t in l))
        dot = sum(r1[i] * r2[i] for i in range(3))
        cross = [r1[1] * r2[2] - r1[2] * r2[1], r1[2] * r2[0] - r1[0] * r2[2], r1[0] * r2[1] - r1[1] * r2[0]]
        w = mp.mpf(float(weight))
        fb = MU0_4PI * w * (R1 + R2) / (R1 * R2 * (R1 * R2 + dot))
        fa = MU0_4PI * w * mp.log((R1 + R2 + L) / (R1 + R2 - L)) / L
        return [fa * t for t in l], [fb * t for t in cross]


def polyline_field_mp(p, vertices, weight=1.0, closed=True, dps=40):
    """(A, B) of a polyline at p as float64 arrays, summed in mpmath."""
    v = np.asarray(vertices, dtype=float)
    segs = list(zip(v, np.roll(v, -1, axis=0))) if closed else list(zip(v[:-1], v[1:]))
    with mp.workdps(dps):
        A = [mp.mpf(0)] * 3
        B = [mp.mpf(0)] * 3
        for a, b in segs:
            sa, sb = segment_field_mp(p, a, b, weight, dps)
            A = [A[i] + sa[i] for i in range(3)]
            B = [B[i] + sb[i] for i in range(3)]
        return np.array([float(t) for t in A]), np.array([float(t) for t in B])


def segment_B_quad(p, a, b, weight=1.0):
    """B of a segment by adaptive quadrature of μ0/4π ∫ dl × (p - r)/|p - r|³ (mpmath)."""
    p, a, b = (np.asarray(x, dtype=float) for x in (p, a, b))
    l = b - a

    def comp(k):
        def f(t):
            r = [mp.mpf(p[i]) - (mp.mpf(a[i]) + t * mp.mpf(l[i])) for i in range(3)]
            c = [l[1] * r[2] - l[2] * r[1], l[2] * r[0] - l[0] * r[2], l[0] * r[1] - l[1] * r[0]]
            return c[k] / mp.power(sum(x * x for x in r), 1.5)
        return f

    with mp.workdps(30):
        return np.array([float(MU0_4PI * weight * mp.quad(comp(k), [0, 1])) for k in range(3)])


def fd_curl_div(f, p, h):
    """(curl f, div f) at p by central differences of step h (m)."""
    J = np.zeros((len(p), 3, 3))
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        J[:, :, k] = (f(p + e) - f(p - e)) / (2 * h)
    curl = np.stack([J[:, 2, 1] - J[:, 1, 2], J[:, 0, 2] - J[:, 2, 0], J[:, 1, 0] - J[:, 0, 1]], 1)
    return curl, np.trace(J, axis1=1, axis2=2)


def circle(a, n, center=(0, 0, 0), normal=(0, 0, 1)):
    """(n, 3) vertices of a counter-clockwise circle of radius a about normal (m)."""
    normal = np.asarray(normal, float) / np.linalg.norm(normal)
    u = np.cross(normal, [1.0, 0, 0] if abs(normal[0]) < 0.9 else [0, 1.0, 0])
    u /= np.linalg.norm(u)
    w = np.cross(normal, u)
    t = 2 * np.pi * np.arange(n) / n
    return np.asarray(center) + a * (np.cos(t)[:, None] * u + np.sin(t)[:, None] * w)


# --- free-space fields of dipoles and straight segments, plain numpy (the analytic E-field
# --- references are checked against these)
_K = 1e-7  # μ0/4π


def dipole_B(p, r0, m):
    """B (T per A·m²) at points p (N, 3) of point dipoles at r0 (M, 3) with moments m (M, 3)."""
    r0, m = np.atleast_2d(r0), np.atleast_2d(m)
    out = np.zeros_like(p, dtype=float)
    for a in range(0, len(r0), 20000):   # chunks over dipoles
        R = p[:, None, :] - r0[None, a:a + 20000]
        r = np.linalg.norm(R, axis=-1)[..., None]
        mm = m[None, a:a + 20000]
        out += _K * (3 * R * (R * mm).sum(-1, keepdims=True) / r**5 - mm / r**3).sum(1)
    return out


def dipole_A(p, r0, m):
    """A (T·m) at points p (N, 3) of point dipoles at r0 (M, 3) with moments m (M, 3)."""
    R = p[:, None, :] - np.atleast_2d(r0)[None]
    r = np.linalg.norm(R, axis=-1)[..., None]
    return _K * (np.cross(np.atleast_2d(m)[None], R) / r**3).sum(1)


def polygon_B(p, v, w=1.0):
    """Exact B (T) of a closed polygon (straight segments between vertices v (K, 3) m), current w
    (A) along the vertex order."""
    out = np.zeros_like(p, dtype=float)
    for a, b in zip(v, np.roll(v, -1, axis=0)):
        r1, r2 = a - p, b - p
        n1, n2 = np.linalg.norm(r1, axis=1), np.linalg.norm(r2, axis=1)
        out += np.cross(r1, r2) * ((n1 + n2) / (n1 * n2 * (n1 * n2 + (r1 * r2).sum(1))))[:, None]
    return _K * w * out


def polygon_A(p, v, w=1.0):
    """Exact A (T·m) of a closed polygon: (μ0/4π) w û ln((R1+R2+L)/(R1+R2−L)) per segment."""
    out = np.zeros_like(p, dtype=float)
    for a, b in zip(v, np.roll(v, -1, axis=0)):
        L = np.linalg.norm(b - a)
        s = np.linalg.norm(p - a, axis=1) + np.linalg.norm(p - b, axis=1)
        out += np.outer(np.log((s + L) / (s - L)), (b - a) / L)
    return _K * w * out
