"""Circular-loop references (coilsim.analytic.loop / .inductance) against independent oracles.

Oracles, none of which uses coilsim's own formulas:
- the printed reference values of REFERENCES.md §1–2 (checked to half a unit of their last digit);
- the Biot–Savart line integrals of the circle, B = μ0I/4π ∮ dl × R/R³ and A = μ0I/4π ∮ dl/R,
  integrated by mpmath.quad at 30 digits for loops in arbitrary position and orientation;
- the textbook Smythe/Simpson elliptic-integral expressions evaluated by mpmath at 60 digits
  (enough to absorb their ε/m² cancellation) across m = 1e-12 … 1 − 1e-6;
- Maxwell's equations by finite differences (∇·B = 0, ∇×A = B), the on-axis formula, the dipole
  far field, and Neumann's double integral for the mutual inductance.
"""

from __future__ import annotations

import math
from decimal import Decimal

import mpmath as mp
import numpy as np
import pytest

from coilsim.analytic import (coaxial_mutual_inductance, loop_field, loop_self_inductance,
                              loop_vector_potential, mohan_spiral_inductance,
                              wheeler_spiral_inductance)
from coilsim.errors import CoilsimTypeError, CoilsimValueError

A_REF = 0.035  # m, the loop of REFERENCES.md §1
MU0 = 4e-7 * math.pi


# ----------------------------------------------------------------------------------- helpers
def assert_printed(value: float, printed: str) -> None:
    """``value`` rounds to ``printed``: |value − printed| ≤ half a unit of its last digit."""
    ref = Decimal(printed)
    half_unit = Decimal(5).scaleb(ref.as_tuple().exponent - 1)
    diff = abs(Decimal(float(value)) - ref)
    assert diff <= half_unit, f"{value!r} does not round to {printed} (off by {diff / (2 * half_unit):.3f} units)"


def _frame_mp(normal):
    """Right-handed orthonormal (u, v, n) in mpmath with n ∝ normal (u × v = n)."""
    n = mp.matrix([mp.mpf(float(c)) for c in normal])
    n = n / mp.norm(n)
    e = mp.matrix([1, 0, 0]) if abs(n[0]) < 0.9 else mp.matrix([0, 1, 0])
    u = mp.matrix([n[1] * e[2] - n[2] * e[1], n[2] * e[0] - n[0] * e[2], n[0] * e[1] - n[1] * e[0]])
    u = u / mp.norm(u)
    v = mp.matrix([n[1] * u[2] - n[2] * u[1], n[2] * u[0] - n[0] * u[2], n[0] * u[1] - n[1] * u[0]])
    return u, v, n


def biot_savart_mp(point, radius, current=1.0, center=(0, 0, 0), normal=(0, 0, 1), dps=30):
    """B and A of a circular filament by direct quadrature of the Biot–Savart integrals (mpmath)."""
    with mp.workdps(dps):
        a = mp.mpf(float(radius))
        c = mp.matrix([mp.mpf(float(x)) for x in center])
        r = mp.matrix([mp.mpf(float(x)) for x in point])
        u, v, n = _frame_mp(normal)
        k = mp.mpf(float(current)) * mp.mpf(10) ** -7  # μ0 I / 4π, exact μ0 = 4π·1e-7
        d = r - c
        # split the period at the azimuth closest to the point (and opposite): the integrand peaks there
        phi0 = mp.atan2((d.T * v)[0], (d.T * u)[0])
        nodes = [phi0, phi0 + mp.pi, phi0 + 2 * mp.pi]

        def src(phi):
            cp, sp = mp.cos(phi), mp.sin(phi)
            rp = c + a * (cp * u + sp * v)
            dl = a * (-sp * u + cp * v)
            return r - rp, dl

        def b_comp(i):
            def f(phi):
                R, dl = src(phi)
                cr = [dl[1] * R[2] - dl[2] * R[1], dl[2] * R[0] - dl[0] * R[2], dl[0] * R[1] - dl[1] * R[0]]
                return cr[i] / mp.norm(R) ** 3
            return k * mp.quad(f, nodes)

        def a_comp(i):
            def f(phi):
                R, dl = src(phi)
                return dl[i] / mp.norm(R)
            return k * mp.quad(f, nodes)

        return [b_comp(i) for i in range(3)], [a_comp(i) for i in range(3)]


def smythe_mp(rho, z, a, dps=60):
    """Textbook (Smythe / Simpson 2001) A_φ, B_ρ, B_z and m at ``dps`` digits, I = 1 A."""
    with mp.workdps(dps):
        rho, z, a = mp.mpf(float(rho)), mp.mpf(float(z)), mp.mpf(float(a))
        mu = 4 * mp.pi * mp.mpf(10) ** -7
        b2 = (a + rho) ** 2 + z ** 2
        al2 = (a - rho) ** 2 + z ** 2
        m = 4 * a * rho / b2
        K, E = mp.ellipk(m), mp.ellipe(m)
        b = mp.sqrt(b2)
        A = mu / (mp.pi * mp.sqrt(m)) * mp.sqrt(a / rho) * ((1 - m / 2) * K - E)
        Br = mu / (2 * mp.pi) * z / (rho * b) * ((a * a + rho * rho + z * z) * E / al2 - K)
        Bz = mu / (2 * mp.pi) / b * ((a * a - rho * rho - z * z) * E / al2 + K)
        return float(A), float(Br), float(Bz), m


def rel_vec(x, ref):
    """|x − ref| / |ref| per point (vectors along the last axis)."""
    return np.linalg.norm(np.asarray(x) - ref, axis=-1) / np.linalg.norm(ref, axis=-1)


# ----------------------------------------------------------------------- printed references
def test_reference_values_of_references_md():
    a = A_REF
    assert_printed(loop_field([0.0, 0.0, 0.0], a)[2], "1.7951958e-5")
    assert_printed(loop_field([0.0, 0.0, 0.020], a)[2], "1.1749947e-5")
    b = loop_field([0.020, 0.0, 0.010], a)
    assert_printed(b[0], "5.94157115e-6")
    assert_printed(b[2], "1.80009391e-5")
    assert b[1] == 0.0
    vp = loop_vector_potential([0.020, 0.0, 0.010], a)
    assert_printed(vp[1], "1.70442233e-7")
    assert vp[0] == 0.0 and vp[2] == 0.0
    assert_printed(loop_self_inductance(a, 1e-3), "1.70861971e-7")
    assert_printed(loop_self_inductance(a, 1e-3, Y=1.0), "1.70861971e-7")
    assert_printed(loop_self_inductance(a, 1e-3, Y=0.0), "1.59866396e-7")
    assert_printed(coaxial_mutual_inductance(a, a, 0.010), "6.06024888e-8")


def test_assert_printed_can_fail():
    # the helper itself must reject a value one unit off in the last printed digit
    with pytest.raises(AssertionError):
        assert_printed(1.7951959e-5, "1.7951958e-5")


# ------------------------------------------------------------- Biot–Savart by mpmath quadrature
BS_CASES = [
    # (points, radius, current, center, normal)
    ([[0.0, 0.0, 0.0], [0.011, -0.017, -0.004], [0.0345, 0.0, 0.0003], [0.2, 0.15, 0.3], [1e-7, 2e-7, 0.02]],
     A_REF, 1.0, (0.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    ([[0.03, -0.01, 0.04], [0.05, 0.02, 0.01]],
     0.05, -2.5, (0.01, -0.02, 0.03), (0.3, -0.5, 0.8)),
]


@pytest.mark.parametrize("pts, a, cur, c, n", BS_CASES)
def test_matches_biot_savart_quadrature(pts, a, cur, c, n):
    B = loop_field(pts, a, current=cur, center=c, normal=n)
    A = loop_vector_potential(pts, a, current=cur, center=c, normal=n)
    worst_b = worst_a = 0.0
    for p, b, vp in zip(pts, B, A):
        b_ref, a_ref = biot_savart_mp(p, a, cur, c, n)
        b_ref = np.array([float(x) for x in b_ref])
        a_ref = np.array([float(x) for x in a_ref])
        worst_b = max(worst_b, rel_vec(b, b_ref))
        if np.linalg.norm(a_ref) > 1e-20:
            worst_a = max(worst_a, rel_vec(vp, a_ref))
        else:  # the centre: A = 0 by symmetry (quadrature leaves ~1e-30 of round-off)
            assert np.all(vp == 0.0)
    assert worst_b <= 1e-12, worst_b
    assert worst_a <= 1e-12, worst_a


# --------------------------------------------- precision across the elliptic parameter m
def _sweep_points(a):
    """(ρ, z) pairs whose m spans 1e-12 … 1 − 1e-6: near the axis, far away, near the filament."""
    rows = []
    for mt in 10.0 ** np.linspace(-12, -0.005, 45):
        for z in (0.5 * a, 0.0, -2.0 * a):  # solve 4aρ = m((a+ρ)² + z²) for ρ (both roots)
            bq = 2 * mt * a - 4 * a
            disc = bq * bq - 4 * mt * mt * (a * a + z * z)
            if disc >= 0:
                rows.append(((-bq + math.sqrt(disc)) / (2 * mt), z))          # far root
                rows.append((2 * mt * (a * a + z * z) / (-bq + math.sqrt(disc)), z))  # near-axis root
        disc = (2 * mt * a - 4 * a) ** 2 - 8 * mt * mt * a * a
        if disc >= 0:  # on the 45° cone ρ = z
            r = (4 * a - 2 * mt * a + math.sqrt(disc)) / (4 * mt)
            rows.append((r, r))
    for p in 10.0 ** np.linspace(-6, -0.3, 30):  # 1 − m = p near the filament
        q = math.sqrt(p)
        rows.append((a * (1 - q) / (1 + q), 0.0))
        rows.append((a * (1 + q) / (1 - q), 0.0))
        rows.append((a, 2 * a * q / math.sqrt(1 - p)))
    return rows


def test_precision_across_elliptic_parameter():
    a = A_REF
    rows = _sweep_points(a)
    pts = np.array([[r, 0.0, z] for r, z in rows])  # y = 0: ρ = x exactly, so inputs are exact
    B = loop_field(pts, a)
    A = loop_vector_potential(pts, a)
    ms, ea, eb, ebr = [], [], [], []
    for (r, z), b, vp in zip(rows, B, A):
        a_ref, br_ref, bz_ref, m = smythe_mp(r, z, a)
        ms.append(m)
        ea.append(abs(vp[1] - a_ref) / abs(a_ref))
        eb.append(math.hypot(b[0] - br_ref, b[2] - bz_ref) / math.hypot(br_ref, bz_ref))
        if z != 0.0:
            ebr.append(abs(b[0] - br_ref) / abs(br_ref))
        assert b[1] == 0.0 and vp[0] == 0.0 and vp[2] == 0.0
    assert min(ms) <= 1.0001e-12 and 1 - max(ms) <= 1.0001e-6  # the range the claim covers
    assert max(ea) <= 1e-13, max(ea)
    assert max(eb) <= 1e-13, max(eb)
    assert max(ebr) <= 1e-13, max(ebr)


# --------------------------------------------------------------------------- Maxwell's equations
def _d1(f, x, h, axis):
    """4th-order central difference of f (points -> (..., 3)) along ``axis``: shape (n, 3)."""
    e = np.zeros(3)
    e[axis] = h
    return (-f(x + 2 * e) + 8 * f(x + e) - 8 * f(x - e) + f(x - 2 * e)) / (12 * h)


LOOP_TILTED = dict(radius=0.04, current=1.7, center=(0.01, -0.02, 0.005), normal=(0.2, -0.4, 0.9))


def test_divergence_free_and_curl_of_A_is_B():
    rng = np.random.default_rng(1)
    pts = rng.uniform(-0.08, 0.08, size=(40, 3))
    c = np.array(LOOP_TILTED["center"])
    n = np.array(LOOP_TILTED["normal"]) / np.linalg.norm(LOOP_TILTED["normal"])
    # keep ≥ 1 cm from the filament so that h = 2e-5 m resolves the field: the 4th-order truncation is
    # ~ 4 (h/L)^4 ≈ 6e-11 relative for L ≥ 1 cm, round-off ~ ε L/h ≈ 1e-13 (measured max 1.4e-11)
    d = pts - c
    z = d @ n
    rho = np.linalg.norm(d - z[:, None] * n, axis=1)
    pts = pts[np.hypot(rho - LOOP_TILTED["radius"], z) > 0.01]
    assert len(pts) > 20
    h = 2e-5

    def fb(x):
        return loop_field(x, **LOOP_TILTED)

    def fa(x):
        return loop_vector_potential(x, **LOOP_TILTED)

    dB = [_d1(fb, pts, h, i) for i in range(3)]  # dB[i][:, j] = ∂B_j/∂x_i
    dA = [_d1(fa, pts, h, i) for i in range(3)]
    B = fb(pts)
    bmag = np.linalg.norm(B, axis=1)
    div = dB[0][:, 0] + dB[1][:, 1] + dB[2][:, 2]
    # scale: |∇B| ~ |B| / L with L ≥ 1 cm; compare the divergence with the largest derivative
    grad_scale = np.max(np.abs(np.stack([dB[i][:, j] for i in range(3) for j in range(3)])), axis=0)
    assert np.max(np.abs(div) / grad_scale) <= 1e-9
    curl = np.stack([dA[1][:, 2] - dA[2][:, 1], dA[2][:, 0] - dA[0][:, 2], dA[0][:, 1] - dA[1][:, 0]], axis=1)
    assert np.max(np.linalg.norm(curl - B, axis=1) / bmag) <= 1e-9


# ------------------------------------------------------------------------------ limiting forms
def test_on_axis_formula_exact():
    a, cur = A_REF, 3.0
    z = np.concatenate([[0.0], np.geomspace(1e-9, 1e4, 60), -np.geomspace(1e-6, 10, 20)])
    pts = np.stack([np.zeros_like(z), np.zeros_like(z), z], axis=1)
    B = loop_field(pts, a, current=cur)
    bz = MU0 * cur * a * a / (2 * (a * a + z * z) ** 1.5)
    assert np.all(B[:, :2] == 0.0)
    assert np.max(np.abs(B[:, 2] / bz - 1)) <= 4e-15
    assert np.all(loop_vector_potential(pts, a, current=cur) == 0.0)
    # centre: μ0 I / (2a)
    assert loop_field([0, 0, 0], a, current=cur)[2] == pytest.approx(MU0 * cur / (2 * a), rel=2e-16)


def test_far_field_tends_to_dipole_without_precision_floor():
    a, cur = A_REF, 1.0
    c = np.array([0.003, -0.002, 0.001])
    n = np.array([1.0, 2.0, 2.0]) / 3.0
    mom = cur * math.pi * a * a * n
    dirs = np.array([[1, 0, 0], [0, 0, 1], [1, 1, 1], [-2, 1, 0.5], [0.3, -1, -0.7]], float)
    dirs /= np.linalg.norm(dirs, axis=1)[:, None]
    ratios = []
    for r in (1e2 * a, 1e3 * a, 1e4 * a, 1e5 * a):
        x = r * dirs
        pts = c + x
        B = loop_field(pts, a, current=cur, center=c, normal=n)
        A = loop_vector_potential(pts, a, current=cur, center=c, normal=n)
        rn = np.linalg.norm(x, axis=1)[:, None]
        xh = x / rn
        b_dip = 1e-7 * (3 * (xh @ mom)[:, None] * xh - mom) / rn ** 3
        a_dip = 1e-7 * np.cross(mom, x) / rn ** 3
        eb = np.max(rel_vec(B, b_dip))
        ea = np.max(rel_vec(A, a_dip))
        # the next multipole is O((a/r)^2) relative (the loop's offset c is removed exactly)
        ratios.append((eb / (a / r) ** 2, ea / (a / r) ** 2))
    ratios = np.array(ratios)
    assert np.all(ratios < 2.0)  # measured 1.34 (B) and 1.36 (A)
    # no round-off floor: the error keeps falling as (a/r)^2 down to 1e-10 relative
    assert np.allclose(ratios[-1], ratios[-2], rtol=1e-4)


def test_rotation_and_translation_consistency():
    rng = np.random.default_rng(7)
    a = 0.03
    local = rng.normal(scale=0.04, size=(5, 7, 3))
    Bz = loop_field(local, a, current=2.0)
    Az = loop_vector_potential(local, a, current=2.0)
    for _ in range(3):
        q, _r = np.linalg.qr(rng.normal(size=(3, 3)))
        q *= np.sign(np.linalg.det(q))  # proper rotation
        c = rng.normal(scale=0.1, size=3)
        n = q[:, 2]
        glob = local @ q.T + c
        B = loop_field(glob, a, current=2.0, center=c, normal=5.0 * n)  # normal need not be unit
        A = loop_vector_potential(glob, a, current=2.0, center=c, normal=n)
        assert B.shape == A.shape == (5, 7, 3)
        scale_b = np.max(np.linalg.norm(Bz, axis=-1))
        scale_a = np.max(np.linalg.norm(Az, axis=-1))
        assert np.max(np.abs(B - Bz @ q.T)) <= 1e-14 * scale_b
        assert np.max(np.abs(A - Az @ q.T)) <= 1e-14 * scale_a


def test_orientation_linearity_and_shapes():
    a = 0.05
    assert loop_field([0, 0, 0], a)[2] > 0
    assert loop_field([0, 0, 0], a, normal=(0, 0, -1))[2] < 0
    assert loop_field([0, 0, 0], a, normal=(1, 0, 0))[0] > 0
    p = np.array([[0.02, 0.01, 0.03], [0.07, -0.01, -0.02]])
    np.testing.assert_allclose(loop_field(p, a, current=-3.0), -3.0 * loop_field(p, a), rtol=1e-15)
    np.testing.assert_allclose(loop_field(p, a, normal=(0, 0, -1)), -loop_field(p, a), rtol=1e-15)
    # A circulates counter-clockwise about +normal for I > 0: at (ρ, 0, 0), A ∥ +y
    assert loop_vector_potential([0.02, 0, 0.01], a)[1] > 0
    assert loop_field([0.0, 0.0, 0.0], a).shape == (3,)
    assert loop_field(np.zeros((0, 3)), a).shape == (0, 3)
    assert loop_vector_potential(np.ones((2, 1, 4, 3)), a).shape == (2, 1, 4, 3)
    assert loop_field([[1.0, 2.0, 3.0]], a).shape == (1, 3)  # no squeezing
    # very close to the wire: huge but finite, ~ μ0 I / (2π d)
    d = 1e-9
    b = loop_field([a + d, 0, 0], a)
    assert np.all(np.isfinite(b))
    assert np.linalg.norm(b) == pytest.approx(MU0 / (2 * math.pi * d), rel=1e-6)


# ------------------------------------------------------------------------------ inductances
def test_maxwell_mutual_inductance_vs_neumann_double_integral():
    a, b, d = A_REF, A_REF, 0.010
    with mp.workdps(15):  # ~double precision; the quadrature's own error is far below the 1e-9 asked
        A, Bm, D = mp.mpf(a), mp.mpf(b), mp.mpf(d)

        def integrand(p1, p2):
            # Neumann: dl1·dl2 / R for the two circles
            dx = A * mp.cos(p1) - Bm * mp.cos(p2)
            dy = A * mp.sin(p1) - Bm * mp.sin(p2)
            return A * Bm * mp.cos(p1 - p2) / mp.sqrt(dx * dx + dy * dy + D * D)

        m_ref = 1e-7 * mp.quad(integrand, [0, mp.pi, 2 * mp.pi], [0, mp.pi, 2 * mp.pi])
    assert abs(coaxial_mutual_inductance(a, b, d) / float(m_ref) - 1) <= 1e-9


@pytest.mark.parametrize("a, b, d", [(0.035, 0.035, 0.001), (0.01, 0.05, 0.0), (0.02, 0.03, -0.04),
                                     (0.035, 0.02, 3.5), (0.035, 0.035, 1e-6)])
def test_maxwell_mutual_inductance_vs_neumann_reduced(a, b, d):
    # Neumann's integral with one angle integrated out by symmetry: M = μ0 ab/2 ∫ cos ψ / R dψ
    with mp.workdps(40):
        A, Bm, D = mp.mpf(a), mp.mpf(b), mp.mpf(d)
        f = lambda psi: mp.cos(psi) / mp.sqrt(A * A + Bm * Bm + D * D - 2 * A * Bm * mp.cos(psi))
        m_ref = 4e-7 * mp.pi * A * Bm / 2 * mp.quad(f, [-mp.pi, 0, mp.pi])
    assert abs(coaxial_mutual_inductance(a, b, d) / float(m_ref) - 1) <= 1e-13
    assert coaxial_mutual_inductance(b, a, d) == pytest.approx(coaxial_mutual_inductance(a, b, d), rel=1e-15)


def test_mutual_inductance_dipole_limit():
    a, b = 0.02, 0.03
    for d in (10.0, 1e3):
        m_dip = MU0 * math.pi * a * a * b * b / (2 * d ** 3)
        assert coaxial_mutual_inductance(a, b, d) == pytest.approx(m_dip, rel=3 * (a * a + b * b) / d ** 2)


def test_self_inductance_formula():
    a, r = 0.05, 0.0005
    # hand-evaluated: μ0·0.05·(ln 800 − 2 + Y/4), ln 800 = 6.684611727667927
    assert loop_self_inductance(a, r) == pytest.approx(4e-7 * math.pi * 0.05 * (6.684611727667927 - 1.75), rel=1e-14)
    assert loop_self_inductance(a, r, Y=0.5) == pytest.approx(4e-7 * math.pi * 0.05 * (6.684611727667927 - 1.875),
                                                              rel=1e-14)


def _ring_model_inductance(turns, r_in, r_out, trace_width):
    """A flat spiral of thin flat traces modelled as `turns` concentric rings in one plane.

    Self terms: the thin-wire formula with the geometric mean distance of a thin strip,
    GMD = e^{-3/2}·width (Rosa/Grover), taken as a surface current (Y = 0); mutual terms: Maxwell.
    """
    pitch = (r_out - r_in) / turns
    radii = r_in + pitch * (np.arange(turns) + 0.5)
    total = 0.0
    for i, ri in enumerate(radii):
        total += loop_self_inductance(ri, math.exp(-1.5) * trace_width, Y=0.0)
        for j, rj in enumerate(radii):
            if i != j:
                total += coaxial_mutual_inductance(ri, rj, 0.0)
    return total


def test_spiral_formulas():
    n, r_in, r_out = 10, 0.01, 0.04
    # hand-evaluated Mohan: d_avg = 0.05 m, fill = 0.6: μ0·100·0.05/2·(ln(2.46/0.6) + 0.2·0.36)
    expected = 4e-7 * math.pi * 100 * 0.05 / 2 * (math.log(4.1) + 0.072)
    assert mohan_spiral_inductance(n, r_in, r_out) == pytest.approx(expected, rel=1e-14)
    # hand-evaluated Wheeler: r̄ = 0.025 m = 0.98425 in, c = 0.03 m = 1.1811 in: r̄²n²/(8r̄ + 11c) μH
    rb, c = 0.025 / 0.0254, 0.03 / 0.0254
    assert wheeler_spiral_inductance(n, r_in, r_out) == pytest.approx(1e-6 * rb * rb * 100 / (8 * rb + 11 * c),
                                                                      rel=1e-14)
    # an independent physical model of ordinary spirals (trace width 0.7 × pitch, spacing 0.3 × pitch):
    # both engineering formulas claim about ±5 %
    for turns, ri, ro in [(10, 0.01, 0.04), (15, 0.005, 0.045), (6, 0.02, 0.035), (20, 0.01, 0.03)]:
        ring = _ring_model_inductance(turns, ri, ro, 0.7 * (ro - ri) / turns)
        assert mohan_spiral_inductance(turns, ri, ro) == pytest.approx(ring, rel=0.05)
        assert wheeler_spiral_inductance(turns, ri, ro) == pytest.approx(ring, rel=0.05)


# -------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("func", [loop_field, loop_vector_potential])
def test_bad_inputs_name_the_argument(func):
    p = [[0.01, 0.0, 0.0]]
    cases = [
        (dict(points=p, radius=-0.03), CoilsimValueError, "radius"),
        (dict(points=p, radius=0.0), CoilsimValueError, "radius"),
        (dict(points=p, radius=float("nan")), CoilsimValueError, "radius"),
        (dict(points=p, radius="3 cm"), CoilsimTypeError, "radius"),
        (dict(points=[[0.01, float("nan"), 0.0]], radius=0.03), CoilsimValueError, "points"),
        (dict(points=[[0.01, 0.0]], radius=0.03), CoilsimTypeError, "points"),
        (dict(points=1.0, radius=0.03), CoilsimTypeError, "points"),
        (dict(points=p, radius=0.03, current=float("inf")), CoilsimValueError, "current"),
        (dict(points=p, radius=0.03, normal=(0, 0, 0)), CoilsimValueError, "normal"),
        (dict(points=p, radius=0.03, normal=(0, 1)), CoilsimTypeError, "normal"),
        (dict(points=p, radius=0.03, center=(0, 0)), CoilsimTypeError, "center"),
        (dict(points=p, radius=0.03, center=(0, 0, float("nan"))), CoilsimValueError, "center"),
        # exactly on the filament: the field is infinite
        (dict(points=[[0.0, 0.0, 1.0], [0.03, 0.0, 0.0]], radius=0.03), CoilsimValueError, "points"),
        (dict(points=[[0.0, -0.25, 0.0]], radius=0.25), CoilsimValueError, "points"),
        (dict(points=[[0.75, 0.0, 0.0]], radius=0.25, center=(0.5, 0.0, 0.0)), CoilsimValueError, "points"),
    ]
    for kwargs, exc, name in cases:
        with pytest.raises(exc, match=name):
            func(**kwargs)


def test_inductance_bad_inputs_name_the_argument():
    cases = [
        (lambda: loop_self_inductance(-0.03, 1e-3), CoilsimValueError, "radius"),
        (lambda: loop_self_inductance(0.03, 0.0), CoilsimValueError, "wire_radius"),
        (lambda: loop_self_inductance(0.03, 0.04), CoilsimValueError, "wire_radius"),
        (lambda: loop_self_inductance(0.03, 1e-3, Y=2.0), CoilsimValueError, "Y"),
        (lambda: coaxial_mutual_inductance(0.0, 0.03, 0.01), CoilsimValueError, "radius1"),
        (lambda: coaxial_mutual_inductance(0.03, -1.0, 0.01), CoilsimValueError, "radius2"),
        (lambda: coaxial_mutual_inductance(0.03, 0.03, float("nan")), CoilsimValueError, "distance"),
        (lambda: coaxial_mutual_inductance(0.03, 0.03, 0.0), CoilsimValueError, "distance"),
        (lambda: mohan_spiral_inductance(0, 0.01, 0.04), CoilsimValueError, "turns"),
        (lambda: mohan_spiral_inductance(5, 0.04, 0.04), CoilsimValueError, "inner_radius"),
        (lambda: mohan_spiral_inductance(5, -0.01, 0.04), CoilsimValueError, "inner_radius"),
        (lambda: wheeler_spiral_inductance(5, 0.01, 0.0), CoilsimValueError, "outer_radius"),
    ]
    for call, exc, name in cases:
        with pytest.raises(exc, match=name):
            call()
