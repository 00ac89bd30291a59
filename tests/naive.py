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


# --------------------------------------------------------------------------- nerve cables


def mrg_sections(D, node_parent):
    """NEURON-style sections of a (branching) MRG fibre, as MRGaxon.hoc builds them.

    Returns (secs, conn): ``secs`` per section (L µm, diam µm, Ra Ω·cm, cm µF/cm², g_pas S/cm²,
    xraxial MΩ/cm, xg S/cm², xc µF/cm², node index or -1, link node), ordered node 0, then
    for each further node i the ten internode sections from its parent and node i;
    ``conn`` per section ``(parent section, end)`` that its 0-end is connected to (None for the
    first): a node's parent link at its 1-end, node 0's second and later links at its 0-end.
    """
    import math

    from coilsim.nerves.mrg import mrg_geometry
    g = mrg_geometry(D)
    Dum, rhoa = D * 1e6, 0.7e6

    def rp(d, sp):
        return (rhoa * .01) / (math.pi * (((d / 2) + sp) ** 2 - (d / 2) ** 2))

    nd, ad, fl, st, nl = (g.node_diameter * 1e6, g.axon_diameter * 1e6, g.flut_length * 1e6,
                          g.stin_length * 1e6, g.lamellae)
    xg, xc = 0.001 / (2 * nl), 0.1 / (2 * nl)
    inter = [(3.0, nd, 0.001, 0.002), (fl, ad, 0.0001, 0.004)] + [(st, ad, 0.0001, 0.004)] * 6 \
        + [(fl, ad, 0.0001, 0.004), (3.0, nd, 0.001, 0.002)]
    secs, conn, node_sec = [], [], {}

    def node(i):
        secs.append((1.0, nd, rhoa / 1e4, 2.0, 0.007, rp(nd, 0.002), 0.0, 0.0, i, i))
        node_sec[i] = len(secs) - 1

    node(0)
    conn.append(None)
    first0 = True
    for i in range(1, len(node_parent)):
        p = int(node_parent[i])
        end = 1
        if p == 0:
            end = 1 if first0 else 0
            first0 = False
        prev = (node_sec[p], end)
        for L, d, gp, sp in inter:
            secs.append((L, Dum, rhoa * (Dum / d) ** 2 / 1e4, 2 * d / Dum, gp * d / Dum,
                         rp(d, sp), xg, xc, -1, i))
            conn.append(prev)
            prev = (len(secs) - 1, 1)
        node(i)
        conn.append(prev)
    return secs, conn


def mrg_dense_passive(D, node_parent, ve_of, wbar, amp, dt, n_steps):
    """Passive MRG double cable by a dense backward-Euler solve, NEURON's way: unknowns at every
    section centre and at every section end (a zero-area point; ends that are connected are one
    point), each section two half-resistors centre–end for the axoplasm and for the periaxonal
    space; node sections' periaxonal layer shorted to V_e. ``ve_of(section index, section)``
    gives V_e (V per unit amplitude) at a section centre. Returns the node membrane potentials
    relative to rest (V), (n_steps, n_nodes)."""
    import math
    secs, conn = mrg_sections(D, node_parent)
    n = len(secs)
    # end points: (section, end) -> point id; a connected 0-end is its parent's point
    pid, npt = {}, 0
    for s in range(n):
        if conn[s] is not None:
            pid[(s, 0)] = pid[conn[s]]
        else:
            pid[(s, 0)], npt = npt, npt + 1
        pid[(s, 1)], npt = npt, npt + 1
    m = n + npt                                          # potentials per layer
    M = np.zeros((2 * m, 2 * m))
    K = np.zeros((2 * m, 2 * m))
    ve = np.array([ve_of(j, s) for j, s in enumerate(secs)])

    def link(a, b, G):
        K[a, a] += G
        K[b, b] += G
        K[a, b] -= G
        K[b, a] -= G

    for j, s in enumerate(secs):
        L, diam, Ra, cm, gpas, xr, sxg, sxc, node, _ = s
        area = math.pi * diam * L * 1e-8                 # cm²
        c, gm = cm * 1e-6 * area, gpas * area
        for (a, b, sg) in ((j, j, 1), (j, m + j, -1), (m + j, j, -1), (m + j, m + j, 1)):
            M[a, b] += sg * c
            K[a, b] += sg * gm
        if node < 0:
            M[m + j, m + j] += sxc * 1e-6 * area
            K[m + j, m + j] += sxg * area
        r_half = Ra * 1e-2 * 4 * (0.5 * L) * 1e-6 / (math.pi * (diam * 1e-6) ** 2)     # Ω
        rp_half = xr * 1e6 * 1e2 * (0.5 * L) * 1e-6                                   # Ω
        for e in (0, 1):
            q = n + pid[(j, e)]
            link(j, q, 1.0 / r_half)
            link(m + j, m + q, 1.0 / rp_half)
    pinned = [j for j, s in enumerate(secs) if s[8] >= 0]
    for j in pinned:                                     # V_p = V_e at the nodes
        K[m + j, :] = 0.0
        M[m + j, :] = 0.0
        K[m + j, m + j] = 1.0
    A = M / dt + K
    u = np.zeros(2 * m)
    nodes = [j for j in pinned]
    out = []
    for k in range(n_steps):
        w_now = wbar[k] if k < wbar.size else 0.0
        w_prev = wbar[k - 1] if 0 < k <= wbar.size else 0.0
        e, e_prev = amp * ve * w_now, amp * ve * w_prev
        b = M @ u / dt
        for j, s in enumerate(secs):
            area = math.pi * s[1] * s[0] * 1e-8
            if s[8] >= 0:
                b[m + j] = e[j]
            else:
                b[m + j] += s[6] * area * e[j] + s[7] * 1e-6 * area * (e[j] - e_prev[j]) / dt
        u = np.linalg.solve(A, b)
        out.append((u[:m] - u[m:])[nodes])
    return np.array(out)
