"""Sphere reference E-field (Heller & van Hulsteyn / Eaton) and the polyline dipole sheet.

Independent references: free-space dipole and straight-segment fields (tests/naive.py), the
elliptic-integral field of a circular loop (checked against REFERENCES.md §1 numbers), finite
differences, the uniform-field solution E = -½ Ḃ × r, the radial-dipole case E = -A, and the
half-space closed form as the large-sphere limit.
"""

import numpy as np
import pytest
from scipy.special import ellipe, ellipk

from coilsim.analytic.halfspace import halfspace_efield_dipole
from coilsim.analytic.sphere import (polyline_dipole_sheet, sphere_efield_dipoles,
                                     sphere_efield_polyline)
from coilsim.errors import CoilsimValueError
from naive import circle, fd_curl_div, field_error
from naive import dipole_A as dip_A, dipole_B as dip_B, polygon_B as poly_B

MU0 = 4e-7 * np.pi


def loop_B_elliptic(p, a):
    """Exact B of a circular loop of radius a in the plane z = 0, centred on the origin (1 A)."""
    x, y, z = p.T
    rho = np.hypot(x, y)
    r2 = rho**2 + z**2
    al2 = a**2 + r2 - 2 * a * rho
    be2 = a**2 + r2 + 2 * a * rho
    be = np.sqrt(be2)
    m = 1 - al2 / be2
    C = MU0 / np.pi
    Bz = C / (2 * al2 * be) * ((a**2 - r2) * ellipe(m) + al2 * ellipk(m))
    with np.errstate(invalid="ignore", divide="ignore"):
        Brho = np.where(rho > 0, C * z / (2 * al2 * be * rho)
                        * ((a**2 + r2) * ellipe(m) - al2 * ellipk(m)), 0.0)
        c, s = np.where(rho > 0, x / rho, 1.0), np.where(rho > 0, y / rho, 0.0)
    return np.column_stack([Brho * c, Brho * s, Bz])








RNG = np.random.default_rng(11)
CENTER = np.array([0.01, -0.02, 0.005])
RAD = 0.08
DIP_POS = CENTER + np.array([[0.0, 0.0, 0.09], [0.05, 0.06, 0.04], [-0.07, 0.0, -0.06]])
DIP_MOM = RNG.normal(size=(3, 3))


def random_inside(n, radius, rng=RNG):
    d = rng.normal(size=(n, 3))
    d /= np.linalg.norm(d, axis=1)[:, None]
    return CENTER + d * (radius * rng.uniform(0, 1, n) ** (1 / 3))[:, None]


PTS = np.concatenate([random_inside(30, RAD), [CENTER, CENTER + [0, 0, RAD], CENTER + [RAD, 0, 0]]])


def test_field_is_tangential_inside():
    """E·(r - c) = 0 everywhere inside (no radial current for any radial σ profile)."""
    E = sphere_efield_dipoles(PTS, DIP_POS, DIP_MOM, CENTER, radius=RAD)
    rel = PTS - CENTER
    dots = np.abs((E * rel).sum(1))
    assert np.all(dots <= 1e-13 * np.linalg.norm(E, axis=1).max() * RAD)
    assert np.abs(E).max() > 0


def test_curl_and_divergence():
    """∇×E = -B of the dipoles and ∇·E = 0 (central differences)."""
    p = random_inside(12, 0.9 * RAD)
    f = lambda q: sphere_efield_dipoles(q, DIP_POS, DIP_MOM, CENTER)  # noqa: E731
    curl, div = fd_curl_div(f, p, 1e-5)
    B = dip_B(p, DIP_POS, DIP_MOM)
    assert field_error(curl, -B) < 1e-6
    assert np.abs(div).max() < 1e-6 * np.abs(B).max()


def test_radial_dipole_gives_minus_A():
    """A dipole pointing at the centre drives only tangential -A: no charges, E = -A."""
    r0 = DIP_POS[1]
    m = 0.7 * (r0 - CENTER) / np.linalg.norm(r0 - CENTER)
    E = sphere_efield_dipoles(PTS, r0, m, CENTER)
    assert field_error(E, -dip_A(PTS, r0, m)) < 1e-12
    # a tangential one does produce charges (the test can tell them apart)
    mt = np.cross(m, [0, 0, 1.0])
    assert field_error(sphere_efield_dipoles(PTS, r0, mt, CENTER), -dip_A(PTS, r0, mt)) > 0.05


def test_large_sphere_tends_to_half_space():
    """Under a dipole 8 mm above a sphere of radius R, E -> half-space E with O(d/R) error.

    The error must halve when R doubles, and the Richardson combination 2E(2R) - E(R) must
    agree with the half-space closed form far better than either.
    """
    r0 = np.array([0.003, -0.002, 0.008])
    m = np.array([0.4, -0.6, 0.5])
    depth = np.array([0.0005, 0.003, 0.008, 0.015])
    p = np.column_stack([np.full(4, 0.004), np.full(4, 0.001), -depth])
    Eh = halfspace_efield_dipole(p, r0, m)
    E = {}
    for R in (0.5, 1.0, 2.0):
        E[R] = sphere_efield_dipoles(p, r0, m, center=(0, 0, -R), radius=R)
    err = {R: field_error(E[R], Eh) for R in E}
    assert 1e-3 < err[1.0] < 0.05
    assert 1.8 < err[0.5] / err[1.0] < 2.2 and 1.8 < err[1.0] / err[2.0] < 2.2
    rich = 2 * E[2.0] - E[1.0]
    assert field_error(rich, Eh) < 0.02 * err[2.0]


def test_helmholtz_pair_gives_uniform_field_solution():
    """A Helmholtz pair (uniform B to 4th order) around a small sphere: E = -½ B × (r - c)."""
    a = 0.1
    rs = 0.005
    loops = [circle(a, 96, center=CENTER + [0, 0, z]) for z in (-a / 2, a / 2)]
    p = random_inside(12, rs)
    E = sum(sphere_efield_polyline(p, v, 1.0, CENTER, radius=rs) for v in loops)
    B0 = sum(poly_B(CENTER[None], v) for v in loops)[0]
    ref = -0.5 * np.cross(B0, p - CENTER)
    assert field_error(E, ref) < 1e-5       # (rs/a)^4 ~ 6e-6 from the field's non-uniformity
    # one loop alone is not uniform to this order: the check is sharp
    E1 = sphere_efield_polyline(p, loops[1], 1.0, CENTER, radius=rs)
    B1 = poly_B(CENTER[None], loops[1])[0]
    assert field_error(E1, -0.5 * np.cross(B1, p - CENTER)) > 1e-3


def test_elliptic_reference_values():
    """The test's own elliptic-integral loop field reproduces REFERENCES.md §1."""
    a = 0.035
    B = loop_B_elliptic(np.array([[0, 0, 0.0], [0, 0, 0.02], [0.02, 0, 0.01]]), a)
    assert B[0, 2] == pytest.approx(1.7951958e-5, rel=1e-7)
    assert B[1, 2] == pytest.approx(1.1749947e-5, rel=1e-7)
    assert B[2, 0] == pytest.approx(5.94157115e-6, rel=1e-8)
    assert B[2, 2] == pytest.approx(1.80009391e-5, rel=1e-8)


def test_dipole_sheet_reproduces_loop_B():
    """Dipole sheet of a polygon = the polygon's exact B outside the sheet; ≈ circle's B."""
    a = 0.035
    D = 0.005
    # points at >= 5 mm from the sheet (disk z = 0, r <= a): near the wire, above, below, outside
    t = np.linspace(0, 2 * np.pi, 9)[:-1]
    p = np.concatenate([
        np.column_stack([a * np.cos(t), a * np.sin(t), np.full(8, -D)]),
        np.column_stack([0.5 * a * np.cos(t), 0.5 * a * np.sin(t), np.full(8, D)]),
        np.column_stack([(a + D) * np.cos(t), (a + D) * np.sin(t), np.zeros(8)]),
        [[0, 0, 0.03], [0.01, 0.0, -0.1]],
    ])
    v = circle(a, 64)
    pos, mom = polyline_dipole_sheet(v, 1.0, n_quad=8, panel_size=D)
    assert np.allclose(mom.sum(0), 0.5 * np.cross(v, np.roll(v, -1, 0)).sum(0), rtol=1e-13, atol=0)
    assert field_error(dip_B(p, pos, mom), poly_B(p, v)) < 1e-8
    # polygons of N and 2N sides converge to the circle as N^-2 (near the wire: sagitta/D);
    # the Richardson combination (4 B_2N - B_N)/3 of their sheets matches the elliptic field up
    # to the polygons' N^-4 term (7.8e-10 at N = 720, measured with their exact B)
    sheets = []
    for n in (720, 1440):
        pos, mom = polyline_dipole_sheet(circle(a, n), 1.0, n_quad=8, panel_size=D)
        sheets.append(dip_B(p, pos, mom))
    assert 1e-6 < field_error(sheets[1], loop_B_elliptic(p, a)) < 1e-4
    assert field_error((4 * sheets[1] - sheets[0]) / 3, loop_B_elliptic(p, a)) < 1e-8
    # the coarse polygon is measurably different from the circle (the comparison has teeth)
    assert field_error(poly_B(p, v), loop_B_elliptic(p, a)) > 1e-4


def test_polyline_sheet_converged_by_default():
    """Automatic panels vs a much finer sheet: tilted coil 4 mm above a sphere (measured 4e-10;
    panels twice as large give 1e-6)."""
    v = circle(0.03, 40, center=CENTER + [0.0, 0.0, RAD + 0.004], normal=(0.05, 0.1, 1.0))
    u = np.array([0.03, 0.0, RAD]) / np.hypot(0.03, RAD)      # on the skin under the wire
    p = np.concatenate([random_inside(10, RAD), [CENTER + RAD * u, CENTER + [0, 0, RAD]]])
    E = sphere_efield_polyline(p, v, 1.5, CENTER, radius=RAD)
    pos, mom = polyline_dipole_sheet(v - CENTER, 1.5, n_quad=12, panel_size=0.0008)
    Eref = sphere_efield_dipoles(p, pos + CENTER, mom, CENTER, radius=RAD)
    assert field_error(E, Eref) < 1e-8


def test_shapes_and_validation():
    p = PTS[:6].reshape(3, 2, 3)
    assert sphere_efield_dipoles(p, DIP_POS, DIP_MOM, CENTER).shape == (3, 2, 3)
    assert sphere_efield_dipoles(p[0, 0], DIP_POS, DIP_MOM, CENTER).shape == (3,)
    with pytest.raises(CoilsimValueError, match="points"):
        sphere_efield_dipoles(CENTER + [[0, 0, RAD * 1.01]], DIP_POS, DIP_MOM, CENTER, radius=RAD)
    with pytest.raises(CoilsimValueError, match="points"):   # no radius: beyond the nearest dipole
        sphere_efield_dipoles(CENTER + [[0, 0, 0.095]], DIP_POS, DIP_MOM, CENTER)
    with pytest.raises(CoilsimValueError, match="dipole_pos"):
        sphere_efield_dipoles(PTS, CENTER + [0, 0, 0.05], [0, 0, 1.0], CENTER, radius=RAD)
    with pytest.raises(CoilsimValueError, match="vertices"):  # the fan through the sphere
        sphere_efield_polyline(PTS, circle(0.12, 16, center=CENTER + [0, 0, 0.03]), 1.0, CENTER,
                               radius=RAD)
