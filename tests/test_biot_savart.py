"""Biot–Savart kernels vs independent references (DESIGN.md error definition)."""

import numpy as np
import pytest

import coilsim as cs
from coilsim.analytic import loop_field, loop_vector_potential
from naive import field_error, polyline_field_mp, segment_B_quad

RNG = np.random.default_rng(20261126)


def _random_polyline(n, scale=0.05):
    return np.cumsum(RNG.normal(scale=scale / 3, size=(n, 3)), axis=0)


def _points_away(coil, n, min_dist, extent):
    """Random points within ``extent`` of the origin, ≥ min_dist from every segment."""
    s, e, _ = coil.segments()
    pts = []
    while len(pts) < n:
        p = RNG.uniform(-extent, extent, size=(4 * n, 3))
        l = e - s
        t = np.clip(np.einsum("pmj,mj->pm", p[:, None, :] - s[None], l) / np.einsum("mj,mj->m", l, l), 0, 1)
        d = np.linalg.norm(p[:, None, :] - (s[None] + t[..., None] * l[None]), axis=2).min(axis=1)
        pts.extend(p[d >= min_dist])
    return np.array(pts[:n])


def test_polyline_vs_mpmath_1e12():
    """Random polylines, points > 2 conductor radii from the centreline: ≤ 1e-12."""
    worst_a = worst_b = 0.0
    for k in range(4):
        v = _random_polyline(12)
        coil = cs.Coil.from_polylines([v], weights=[1.7], closed=bool(k % 2), conductor=("round", 1e-3))
        pts = _points_away(coil, 25, 2e-3, 0.2)
        A, B = coil.fields(pts)
        ref = [polyline_field_mp(p, v, 1.7, closed=bool(k % 2)) for p in pts]
        worst_a = max(worst_a, field_error(A, np.array([r[0] for r in ref])))
        worst_b = max(worst_b, field_error(B, np.array([r[1] for r in ref])))
    assert worst_b <= 1e-12, worst_b
    assert worst_a <= 1e-12, worst_a


def test_short_and_distant_segments_keep_their_digits():
    """The cancellation-free A formula: a 1 µm segment seen from 0.3 m, and a point beside a
    long segment, both to 1e-12 (the textbook ln((R1+R2+L)/(R1+R2-L)) loses ~6 digits)."""
    cases = [
        (np.array([[0.0, 0.0, 0.0], [1e-6, 0.0, 0.0]]), np.array([[0.1, 0.25, 0.12]])),
        (np.array([[-0.5, 0.0, 0.0], [0.5, 0.0, 0.0]]), np.array([[0.01, 3e-3, 0.0], [0.3, 0.0, 2.5e-3]])),
    ]
    for v, pts in cases:
        coil = cs.Coil.from_polylines([v], closed=False, conductor=("round", 1e-9))
        A, B = coil.fields(pts)
        for i, p in enumerate(pts):
            ra, rb = polyline_field_mp(p, v, closed=False)
            assert np.abs(A[i] - ra).max() <= 1e-12 * np.abs(ra).max()
            assert np.abs(B[i] - rb).max() <= 1e-12 * np.abs(rb).max()


def test_B_formula_vs_line_integral_quadrature():
    """Hanson–Hirshman closed form vs direct quadrature of the Biot–Savart integral."""
    a, b = np.array([0.01, -0.02, 0.0]), np.array([-0.03, 0.04, 0.01])
    coil = cs.Coil.from_polylines([np.array([a, b])], closed=False)
    for p in RNG.uniform(-0.1, 0.1, size=(5, 3)):
        ref = segment_B_quad(p, a, b)
        assert field_error(coil.B(p[None]), ref[None]) <= 1e-12


def test_vs_magpylib_random_polylines():
    """magpylib Polyline.getB (CODATA μ0 rescaled to 4π·1e-7) ≤ 1e-9."""
    magpy = pytest.importorskip("magpylib")
    mu0_codata = magpy.mu_0
    for _ in range(3):
        v = _random_polyline(30)
        coil = cs.Coil.from_polylines([v], weights=[2.0], closed=False)
        pts = _points_away(coil, 200, 2e-3, 0.3)
        src = magpy.current.Polyline(current=2.0, vertices=v)
        ref = src.getB(pts) * (cs.MU0 / mu0_codata)
        assert field_error(coil.B(pts), ref) <= 1e-9
        assert field_error(coil.to_magpylib().getB(pts) * (cs.MU0 / mu0_codata), coil.B(pts)) <= 1e-9


def _points_from_wire(a, n, d_min, extent):
    pts = []
    while len(pts) < n:
        p = RNG.uniform(-extent, extent, size=(4 * n, 3))
        d = np.hypot(np.hypot(p[:, 0], p[:, 1]) - a, p[:, 2])
        keep = (d >= d_min) & (np.linalg.norm(p, axis=1) <= extent)
        pts.extend(p[keep])
    return np.array(pts[:n])


def test_default_circle_within_1e6_of_exact_loop():
    """Default circular_coil vs the analytic loop: B and A ≤ 1e-6 at ≥ 1 mm from the wire
    (a shell of points at exactly 1 mm included), within 10 radii."""
    a = 0.035
    coil = cs.circular_coil(a, conductor=("round", 0.5e-3))
    th, ph = RNG.uniform(0, 2 * np.pi, (2, 2000))
    shell = np.column_stack([(a + 1e-3 * np.cos(ph)) * np.cos(th), (a + 1e-3 * np.cos(ph)) * np.sin(th), 1e-3 * np.sin(ph)])
    pts = np.vstack([_points_from_wire(a, 3000, 1e-3, 10 * a), shell])
    A, B = coil.fields(pts)
    assert field_error(B, loop_field(pts, a)) <= 1e-6
    assert field_error(A, loop_vector_potential(pts, a)) <= 1e-6


@pytest.mark.parametrize("polygon, order", [("inscribed", 2.0), ("area", 4.0)])
def test_polygon_convergence_order(polygon, order):
    """Fitted convergence order of the polygon → circle at points ≥ 10 mm from the wire."""
    a = 0.035
    pts = _points_from_wire(a, 1500, 10e-3, 10 * a)
    ns = np.array([48, 96, 192, 384])  # asymptotic range: 24-gons still show near-wire ripple
    eb, ea = [], []
    for n in ns:
        c = cs.circular_coil(a, segments_per_turn=int(n), polygon=polygon)
        A, B = c.fields(pts)
        eb.append(field_error(B, loop_field(pts, a)))
        ea.append(field_error(A, loop_vector_potential(pts, a)))
    pb = -np.polyfit(np.log(ns), np.log(eb), 1)[0]
    pa = -np.polyfit(np.log(ns), np.log(ea), 1)[0]
    assert abs(pb - order) < 0.35, (pb, eb)
    assert abs(pa - order) < 0.35, (pa, ea)
