"""Half-space reference E-field: closed form for dipoles, quadrature of any B, dipole sheets.

Independent references used here: free-space A and B of dipoles and of straight segments
(tests/naive.py, not from coilsim), finite-difference curl/divergence, and the two published
special cases (coil parallel to the surface: E = -A; below a horizontal dipole: E = -A/2).
"""

import numpy as np
import pytest

from coilsim.analytic.halfspace import (halfspace_efield, halfspace_efield_dipole,
                                        halfspace_efield_polyline)
from coilsim.errors import CoilsimValueError
from naive import circle, fd_curl_div, field_error
from naive import dipole_A as dip_A, dipole_B as dip_B, polygon_A as poly_A, polygon_B as poly_B



RNG = np.random.default_rng(7)
DIP_POS = np.array([[0.004, -0.003, 0.006], [-0.02, 0.01, 0.015], [0.01, 0.025, 0.03]])
DIP_MOM = RNG.normal(size=(3, 3))
PTS = np.concatenate([
    np.column_stack([RNG.uniform(-0.04, 0.04, (20, 2)), -RNG.uniform(0, 0.04, 20)]),
    [[0.004, -0.003, 0.0], [0.004, -0.003, -0.01], [-0.02, 0.01, -0.002], [0.0, 0.0, 0.0]],
])


def test_dipole_closed_form_matches_adaptive_quadrature():
    """Closed-form z-integral of the dipole field vs quad_vec of the dipole's B (independent)."""
    E = halfspace_efield_dipole(PTS, DIP_POS, DIP_MOM)
    Eq = halfspace_efield(PTS, lambda p: dip_B(p, DIP_POS, DIP_MOM), length_scale=0.01)
    assert np.all(E[:, 2] == 0.0) and np.all(Eq[:, 2] == 0.0)
    assert field_error(Eq, E) < 1e-9


def test_vertical_dipole_gives_minus_A():
    """A coil parallel to the surface (moment along z) induces exactly E = -A (no charges)."""
    m = np.array([[0.0, 0.0, 1.3], [0.0, 0.0, -0.4]])
    E = halfspace_efield_dipole(PTS, DIP_POS[:2], m)
    assert field_error(E, -dip_A(PTS, DIP_POS[:2], m)) < 1e-13


def test_parallel_loop_gives_minus_A_both_methods():
    """Polygon loop in the plane z = 8 mm: dipole sheet and quadrature of B both equal -A."""
    v = circle(0.03, 48, center=(0.005, 0.0, 0.008))
    pts = PTS[:12]
    ref = -poly_A(pts, v, 2.0)
    E_sheet = halfspace_efield_polyline(pts, v, 2.0)
    E_quad = halfspace_efield(pts, lambda p: poly_B(p, v, 2.0), length_scale=0.008)
    assert field_error(E_sheet, ref) < 1e-8
    assert field_error(E_quad, ref) < 1e-8


def test_below_horizontal_dipole_is_half_free_space():
    """Directly below a horizontal dipole, E = -A/2 (Tofts 1990): half the free-space value."""
    r0 = np.array([0.01, -0.02, 0.012])
    m = np.array([0.7, -0.3, 0.0])
    depth = np.array([0.0, 0.001, 0.01, 0.05])
    p = np.column_stack([np.full(4, r0[0]), np.full(4, r0[1]), -depth])
    E = halfspace_efield_dipole(p, r0, m)
    A = dip_A(p, r0, m)
    assert np.allclose(E, -0.5 * A, rtol=1e-13, atol=0)
    # and not -A: the surface charges halve it
    assert np.all(np.linalg.norm(E + A, axis=1) > 0.4 * np.linalg.norm(A, axis=1))


def test_curl_equals_minus_dBdt_and_divergence_free():
    """∇×E = -B (per unit dI/dt) and ∇·E = 0 by central differences at interior points."""
    p = PTS[(PTS[:, 2] < -0.003)][:10]
    f = lambda q: halfspace_efield_dipole(q, DIP_POS, DIP_MOM)  # noqa: E731
    curl, div = fd_curl_div(f, p, 1e-5)
    B = dip_B(p, DIP_POS, DIP_MOM)
    assert field_error(curl, -B) < 1e-6
    assert np.max(np.abs(div)) < 1e-6 * np.abs(B).max()


def test_tilted_loop_sheet_vs_quadrature():
    """A tilted loop (dipole sheet + closed form) vs adaptive quadrature of its Biot–Savart B."""
    v = circle(0.025, 40, center=(0.0, 0.01, 0.03), normal=(0.6, 0.2, 0.77))
    pts = PTS[:12]
    E_sheet = halfspace_efield_polyline(pts, v)
    E_quad = halfspace_efield(pts, lambda p: poly_B(p, v), length_scale=0.02)
    assert field_error(E_sheet, E_quad) < 1e-8
    # the surface charges matter here: E is not -A
    assert field_error(-poly_A(pts, v), E_quad) > 0.05


def test_shapes_and_validation():
    p = PTS[:6].reshape(2, 3, 3)
    E = halfspace_efield_dipole(p, DIP_POS[0], DIP_MOM[0])
    assert E.shape == (2, 3, 3)
    assert halfspace_efield_dipole(p[0, 0], DIP_POS[0], DIP_MOM[0]).shape == (3,)
    Eq = halfspace_efield(p, lambda q: dip_B(q, DIP_POS[:1], DIP_MOM[:1]))
    assert Eq.shape == (2, 3, 3)
    with pytest.raises(CoilsimValueError, match="points"):
        halfspace_efield_dipole([[0, 0, 0.001]], DIP_POS, DIP_MOM)
    with pytest.raises(CoilsimValueError, match="points"):
        halfspace_efield([[0, 0, 0.001]], lambda q: dip_B(q, DIP_POS, DIP_MOM))
    with pytest.raises(CoilsimValueError, match="dipole_pos"):
        halfspace_efield_dipole([[0, 0, -0.01]], [0, 0, 0.0], [0, 0, 1.0])
    with pytest.raises(CoilsimValueError, match="vertices"):
        halfspace_efield_polyline([[0, 0, -0.01]], circle(0.02, 8, center=(0, 0, -0.001)))
    with pytest.raises(CoilsimValueError, match="B_func"):
        halfspace_efield([[0, 0, -0.01]], lambda q: np.full(q.shape, np.nan))
