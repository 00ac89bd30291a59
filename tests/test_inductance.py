"""Inductance (Neumann double integral with the conductor's GMD) vs closed forms."""

import numpy as np
import pytest

import coilsim as cs
from coilsim.analytic import coaxial_mutual_inductance, loop_self_inductance, mohan_spiral_inductance


@pytest.mark.parametrize("a, r", [(0.035, 1e-3), (0.05, 0.5e-3), (0.02, 1e-3)])
def test_loop_self_inductance_within_half_percent(a, r):
    """μ0 a (ln(8a/r) - 2 + 1/4) for a/r ≥ 20 (the closed form itself is O((r/a)²) accurate)."""
    assert a / r >= 20
    L = cs.circular_coil(a, conductor=("round", r)).inductance()
    ref = loop_self_inductance(a, r, Y=1.0)
    assert abs(L / ref - 1) <= 5e-3, (L, ref)


def test_maxwell_mutual_inductance_1e6():
    """Two default circular coils vs Maxwell's coaxial formula ≤ 1e-6 (area-preserving polygons)."""
    c1 = cs.circular_coil(0.035)
    c2 = cs.circular_coil(0.035).moved([0, 0, 0.01])
    M = c1.mutual_inductance(c2)
    ref = coaxial_mutual_inductance(0.035, 0.035, 0.01)
    assert abs(M / ref - 1) <= 1e-6, (M, ref)
    assert abs(c2.mutual_inductance(c1) / M - 1) <= 1e-12


def test_flat_spiral_within_5_percent_of_mohan():
    c = cs.spiral_coil(0.015, 0.045, 12, conductor=("rect", 1.5e-3, 1.5e-3))
    ref = mohan_spiral_inductance(12, 0.015, 0.045)
    assert abs(c.inductance() / ref - 1) <= 0.05


def test_coincident_turns_scale_as_n_squared():
    """N coincident turns form one bundle: L ≈ N² L₁ (the bundle's larger GMD lowers it
    slightly: the closed form with the bundle radius gives the exact expectation)."""
    a, r = 0.04, 0.5e-3
    L1 = cs.circular_coil(a, conductor=("round", r)).inductance()
    for n in (2, 5, 10):
        Ln = cs.circular_coil(a, turns=n, conductor=("round", r)).inductance()
        if n <= 5:  # ln(8a/r_bundle) < ln(8a/r): 0.82 at n = 5
            assert 0.75 <= Ln / (n * n * L1) <= 1.0
        rb = cs.Conductor("round", radius=r).bundle(n).radius
        assert abs(Ln / (n * n * loop_self_inductance(a, rb)) - 1) <= 5e-3


def test_figure_eight_wing_coupling():
    """L(fig-8) = L₁ + L₂ + 2M. Coplanar loops of the same sense couple negatively (the return
    flux of one threads the other), so the counter-wound wings give M > 0."""
    f8 = cs.figure_eight_coil(0.01, 0.03, 4, segments_per_turn=96)
    w1, w2 = (cs.Coil((w,)) for w in f8.wires)
    M = w1.mutual_inductance(w2)
    assert M > 0
    same = cs.Coil.from_polylines([f8.polylines()[0], f8.polylines()[1][::-1]], closed=True)
    assert cs.Coil((same.wires[0],)).mutual_inductance(cs.Coil((same.wires[1],))) == pytest.approx(-M, rel=1e-9)
    assert abs(f8.inductance() - (w1.inductance() + w2.inductance() + 2 * M)) <= 1e-9 * f8.inductance()
