"""Physics consistency of coil fields: Maxwell, symmetries, limits, sign conventions."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import coilsim as cs
from naive import field_error

RNG = np.random.default_rng(7)


@pytest.fixture(scope="module")
def fig8():
    return cs.figure_eight_coil(0.01, 0.03, 5, segments_per_turn=64)


def _fd_points():
    return RNG.uniform(-0.06, 0.06, size=(40, 3)) + [0, 0, 0.015]


def test_div_B_and_curl_A(fig8):
    """∇·B = 0 and ∇×A = B by 4th-order central differences (h = 10 µm): ≤ 1e-6."""
    p = _fd_points()
    h = 1e-5
    div = np.zeros(len(p))
    curl = np.zeros((len(p), 3))
    ref = fig8.B(p)
    scale = np.linalg.norm(ref, axis=1).max()
    for k in range(3):
        e = np.zeros(3); e[k] = h
        dB = (-fig8.B(p + 2 * e) + 8 * fig8.B(p + e) - 8 * fig8.B(p - e) + fig8.B(p - 2 * e)) / (12 * h)
        dA = (-fig8.A(p + 2 * e) + 8 * fig8.A(p + e) - 8 * fig8.A(p - e) + fig8.A(p - 2 * e)) / (12 * h)
        div += dB[:, k]
        # curl_i = eps_ijk d_j A_k: derivative along k contributes to components (k+1, k+2)
        curl[:, (k + 2) % 3] += dA[:, (k + 1) % 3]
        curl[:, (k + 1) % 3] -= dA[:, (k + 2) % 3]
    assert np.abs(div).max() / scale * 0.01 <= 1e-6  # |∇·B| · 1 cm relative to |B|
    assert field_error(curl, ref) <= 1e-6


def test_superposition_and_linearity(fig8):
    p = _fd_points()
    w1, w2 = fig8.wires
    c1 = cs.Coil((w1,)); c2 = cs.Coil((w2,))
    np.testing.assert_allclose(c1.B(p) + c2.B(p), fig8.B(p), rtol=0, atol=1e-14 * np.abs(fig8.B(p)).max())
    np.testing.assert_allclose(fig8.A(p, current=-3.5), -3.5 * fig8.A(p), rtol=1e-14, atol=0)


def test_rotation_and_translation_invariance(fig8):
    p = _fd_points()
    R = Rotation.from_euler("xyz", [0.3, -1.1, 2.0])
    t = np.array([0.1, -0.02, 0.3])
    moved = fig8.rotated(R).moved(t)
    q = R.apply(p) + t
    assert field_error(moved.B(q), R.apply(fig8.B(p))) <= 1e-12
    assert field_error(moved.A(q), R.apply(fig8.A(p))) <= 1e-12


def test_scale_invariance():
    """Scaling geometry and points by s scales B by 1/s and leaves A unchanged."""
    s = 3.0
    c1 = cs.circular_coil(0.02, segments_per_turn=50, conductor=("round", 1e-4))
    c2 = cs.circular_coil(0.06, segments_per_turn=50, conductor=("round", 3e-4))
    p = _fd_points()
    assert field_error(c2.B(s * p), c1.B(p) / s) <= 1e-12
    assert field_error(c2.A(s * p), c1.A(p)) <= 1e-12


def test_far_field_is_dipole():
    """At 50–200 coil radii the field approaches the dipole of the coil's moment as (a/r)."""
    coil = cs.figure_eight_coil(0.01, 0.03, 3, segments_per_turn=48).rotated(Rotation.from_euler("y", 0.4))
    coil = cs.Coil.from_polylines(coil.polylines(), [1.0, 1.0], closed=False)
    m = cs.circular_coil(0.03, turns=4, segments_per_turn=64).dipole_moment()
    loop = cs.circular_coil(0.03, turns=4, segments_per_turn=64)
    errs = []
    for r in (1.5, 6.0):
        d = RNG.normal(size=(50, 3)); d /= np.linalg.norm(d, axis=1)[:, None]
        p = r * d
        rn = np.linalg.norm(p, axis=1)[:, None]
        Bd = cs.MU0 / (4 * np.pi) * (3 * p * (p @ m)[:, None] / rn**5 - m / rn**3)
        Ad = cs.MU0 / (4 * np.pi) * np.cross(m, p) / rn**3
        errs.append((field_error(loop.B(p), Bd), field_error(loop.A(p), Ad)))
    # the next multipole of a loop is an octupole: relative error ∝ (a/r)²
    ratio_b = errs[0][0] / errs[1][0]
    assert 12 < ratio_b < 20, errs
    assert errs[1][0] < 1e-4 and errs[1][1] < 1e-4


def test_current_sense_round_coil():
    """Builders wind counter-clockwise seen from +z: B_z > 0 at the centre for I > 0."""
    for coil in (cs.circular_coil(0.03), cs.spiral_coil(0.01, 0.03, 4), cs.helix_coil(0.05, 0.1, 5),
                 cs.racetrack_coil(0.1, 0.06, 3)):
        assert coil.B(np.zeros((1, 3)))[0, 2] > 0, coil
    np.testing.assert_allclose(cs.circular_coil(0.035, turns=3).B(np.zeros((1, 3)))[0, 2],
                               3 * cs.MU0 / (2 * 0.035), rtol=1e-6)


def test_figure_eight_convention():
    """Central current along -y, so for dI/dt > 0 the induced E = -dA/dt under the centre
    points along +y; with wing_angle the wings fold towards -z."""
    coil = cs.figure_eight_coil(0.01, 0.04, 6)
    A = coil.A(np.array([[0.0, 0.0, -0.02]]))[0]
    E = -A  # per unit dI/dt
    # mirror symmetry x -> -x kills E_x; the return leads' vertical stretches leave a small E_z
    assert E[1] > 0 and abs(E[0]) < 1e-9 * abs(E[1]) and abs(E[2]) < 1e-2 * abs(E[1])
    folded = cs.figure_eight_coil(0.01, 0.04, 6, wing_angle=0.6)
    z = np.concatenate([w.vertices[:-2, 2] for w in folded.wires])     # the turns, not the leads
    assert z.max() <= 1e-15 and z.min() < -0.02


def test_inside_conductor_finite_and_continuous():
    """Points on the centreline, at vertices and across the surface: finite, continuous."""
    a, rw = 0.03, 1e-3
    coil = cs.circular_coil(a, segments_per_turn=100, conductor=("round", rw))
    v = coil.polylines()[0]
    on = np.vstack([v[:5], 0.5 * (v[:5] + v[1:6])])
    A, B = coil.fields(on)
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(B))
    mid = 0.5 * (v[10] + v[11]); rad = mid / np.linalg.norm(mid)
    # continuity across the conductor surface
    for eps in (1e-9,):
        inside = mid + (rw - eps) * rad; outside = mid + (rw + eps) * rad
        Ai, Bi = coil.fields(inside[None]); Ao, Bo = coil.fields(outside[None])
        assert np.linalg.norm(Bi - Bo) <= 1e-5 * np.linalg.norm(Bo)
        assert np.linalg.norm(Ai - Ao) <= 1e-5 * np.linalg.norm(Ao)


def test_inside_straight_wire_is_uniform_current():
    """Inside a long straight round wire of short segments: B = μ0 I ρ/(2π rw²) and
    A(ρ) - A(rw) = μ0 I/(4π) (1 - ρ²/rw²) (exact for uniform current), to 1e-3."""
    rw = 1e-3
    x = np.linspace(-1.0, 1.0, 4001)
    wire = cs.Coil.from_polylines([np.column_stack([x, 0 * x, 0 * x])], closed=False, conductor=("round", rw))
    for rho in (0.0, 0.3 * rw, 0.77 * rw):
        p = np.array([[1.3e-4, rho, 0.0]])
        A, B = wire.fields(p)
        A_s = wire.A(np.array([[1.3e-4, rw, 0.0]]))
        assert abs(np.linalg.norm(B) - cs.MU0 * rho / (2 * np.pi * rw**2)) <= 1e-3 * cs.MU0 / (2 * np.pi * rw)
        assert abs((A - A_s)[0, 0] - 1e-7 * (1 - (rho / rw) ** 2)) <= 1e-3 * 1e-7


def test_thread_count_determinism():
    import numba
    coil = cs.spiral_coil(0.01, 0.04, 6)
    p = RNG.uniform(-0.05, 0.05, size=(3001, 3))
    n0 = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        A1, B1 = coil.fields(p)
        numba.set_num_threads(max(1, numba.config.NUMBA_NUM_THREADS))
        A2, B2 = coil.fields(p)
    finally:
        numba.set_num_threads(n0)
    assert np.array_equal(A1, A2) and np.array_equal(B1, B2)


def test_shapes_are_preserved():
    coil = cs.circular_coil(0.03, segments_per_turn=40)
    for shape in [(3,), (1, 3), (2, 5, 3), (0, 3)]:
        p = np.full(shape, 0.01)
        assert coil.B(p).shape == shape and coil.A(p).shape == shape


def test_chunked_evaluation_matches_single_chunk(monkeypatch):
    from coilsim.coils import field
    coil = cs.spiral_coil(0.01, 0.03, 3, segments_per_turn=40)
    p = RNG.uniform(-0.05, 0.05, size=(1000, 3))
    ref = coil.B(p)
    monkeypatch.setattr(field, "CHUNK", 97)
    assert np.array_equal(coil.B(p), ref)


def test_placed_maps_contact_point_and_axes():
    coil = cs.figure_eight_coil(0.01, 0.03, 3, casing_offset=0.007)
    center = np.array([0.01, 0.04, 0.12]); normal = np.array([0.0, 1.0, 0.0]); direction = np.array([0, 0, 1.0])
    placed = coil.placed(center, normal, direction)
    np.testing.assert_allclose(placed.contact_point, center, atol=1e-15)
    np.testing.assert_allclose(placed.axis, normal, atol=1e-15)
    np.testing.assert_allclose(placed.rotation[:, 0], direction, atol=1e-15)
    # the field moves with the coil: own-frame point (x, y, z) -> center + R (x, y, z + offset)
    p_own = np.array([[0.005, -0.01, -0.02]])
    p_world = (p_own - [0, 0, -0.007]) @ placed.rotation.T + center
    np.testing.assert_allclose(placed.B(p_world), coil.B(p_own) @ placed.rotation.T, rtol=1e-12, atol=1e-20)
    # placement is absolute: placing twice equals placing once
    np.testing.assert_allclose(placed.placed(center, normal, direction).polylines()[0], placed.polylines()[0])


def test_magpylib_round_trip():
    magpy = pytest.importorskip("magpylib")
    coil = cs.figure_eight_coil(0.01, 0.03, 2, segments_per_turn=32)
    back = cs.Coil.from_magpylib(coil.to_magpylib())
    p = _fd_points()
    assert field_error(back.B(p), coil.B(p)) <= 1e-13
    circle = cs.Coil.from_magpylib(magpy.current.Circle(current=2.0, diameter=0.07))
    from coilsim.analytic import loop_field
    assert field_error(circle.B(p), loop_field(p, 0.035, current=2.0)) <= 1e-6


def test_thermal_model_reads_a_real_coil():
    from coilsim.pulses import CoilThermal
    coil = cs.circular_coil(0.03, turns=10, conductor=("round", 1e-3))
    th = CoilThermal.from_coil(coil, cooling=0.5)
    # 10 turns of 2π·30 mm of 1 mm-radius copper at 20 °C, ρ = 1.724e-8 Ω·m (IACS)
    r_ref = 1.724e-8 * coil.wire_length() / (np.pi * 1e-6)
    assert abs(coil.wire_length() / (10 * 2 * np.pi * 0.03) - 1) < 1e-4
    assert abs(th.dc_resistance(20.0) / r_ref - 1) < 5e-3
