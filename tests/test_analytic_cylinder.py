"""Infinite-cylinder reference E-field (Fourier–Bessel series), homogeneous and layered.

Each check uses information the series does not build in: exact free-space A/B of straight
segments and dipoles (tests/naive.py), one-sided limits at the interfaces, finite-difference
curl and divergence, a line integral of E + A against the returned potential, the half-space
closed form as the large-radius limit, and refined grids for the accuracy claims.
"""

import numpy as np
import pytest
from scipy.special import ive, k0e, k1e, kve

from coilsim.analytic.cylinder import _i_ratios, _k_ratios, cylinder_efield, cylinder_grid
from coilsim.analytic.halfspace import halfspace_efield_dipole
from coilsim.errors import CoilsimTypeError, CoilsimValueError
from naive import field_error
from naive import dipole_A as dip_A, dipole_B as dip_B, polygon_A as poly_A, polygon_B as poly_B



def cyl(rho, th, z):
    rho, th, z = np.broadcast_arrays(rho, th, z)
    return np.stack([rho * np.cos(th), rho * np.sin(th), z], -1)


# A calf-like layering (outermost first): skin 1 mm, fat 5 mm, muscle 24 mm, bone core 10 mm.
RADII = np.array([0.040, 0.039, 0.034, 0.010])
SIGMA = np.array([0.2, 0.04, 0.34, 0.02])
D = 0.010                                   # coil-to-skin distance
A_LOOP = 0.025
_t = 2 * np.pi * np.arange(32) / 32
# round coil (32-gon) in the plane y = R + d, tangent to the skin at θ = 90°, axis along y
LOOP = np.column_stack([A_LOOP * np.cos(_t), np.full(32, RADII[0] + D), A_LOOP * np.sin(_t)])
A_FUNC = lambda p: poly_A(p, LOOP)  # noqa: E731

TH_C = np.pi / 2                            # azimuth under the coil
FD_H = 1e-6
EPS = 1e-9


def _layered_points():
    groups = {}
    # one-sided points at every interface, several azimuths and heights
    th = np.array([TH_C, TH_C + 0.35, TH_C - 0.6, TH_C + 1.6])
    z = np.array([0.0, 0.009, -0.02])
    T, Z = np.meshgrid(th, z, indexing="ij")
    T, Z = T.ravel(), Z.ravel()
    for j, R in enumerate(RADII):
        groups[f"in{j}"] = cyl(R * (1 - EPS), T, Z)
        if j:
            groups[f"out{j}"] = cyl(R * (1 + EPS), T, Z)
    groups["surface_exact"] = cyl(RADII[0], T, Z)
    # finite-difference stencils, one centre per layer
    centres = cyl(np.array([0.0395, 0.036, 0.022, 0.006]),
                  np.array([TH_C + 0.1, TH_C - 0.2, TH_C + 0.3, 0.4]),
                  np.array([0.003, -0.004, 0.006, 0.0]))
    st = []
    for c in centres:
        for k in range(3):
            e = np.zeros(3)
            e[k] = FD_H
            st += [c + e, c - e]
    groups["fd_centres"] = centres
    groups["fd"] = np.array(st)
    # radial path from the skin to ρ = 5 mm: Gauss–Legendre nodes per layer
    x, w = np.polynomial.legendre.leggauss(20)
    edges = np.concatenate([RADII, [0.005]])
    rho_n, w_n = [], []
    for ro, ri in zip(edges[:-1], edges[1:]):
        rho_n.append(0.5 * (ro + ri) + 0.5 * (ro - ri) * x)
        w_n.append(0.5 * (ro - ri) * w)
    groups["path"] = cyl(np.concatenate(rho_n), TH_C + 0.2, 0.004)
    groups["path_w"] = np.concatenate(w_n)
    groups["path_ends"] = cyl(np.array([RADII[0], 0.005]), TH_C + 0.2, 0.004)
    # muscle-depth points under the coil
    groups["muscle"] = cyl(np.array([0.0335, 0.030, 0.025, 0.020]), TH_C,
                           np.array([0.0, 0.005, 0.0, -0.005]))
    return groups


@pytest.fixture(scope="module")
def layered():
    g = _layered_points()
    names = [k for k in g if k != "path_w"]
    allp = np.concatenate([g[k] for k in names])
    E, phi = cylinder_efield(allp, A_FUNC, RADII, SIGMA, source_distance=D, source_extent=A_LOOP,
                             return_potential=True)
    out, a = {}, 0
    for k in names:
        n = len(g[k])
        out[k] = (g[k], E[a:a + n], phi[a:a + n])
        a += n
    out["path_w"] = g["path_w"]
    out["scale"] = np.abs(E).max()
    return out


def _radial(p, E):
    rhat = p[:, :2] / np.linalg.norm(p[:, :2], axis=1)[:, None]
    Er = (E[:, :2] * rhat).sum(1)
    Et = E.copy()
    Et[:, :2] -= Er[:, None] * rhat
    return Er, Et


def test_no_current_leaves_the_skin(layered):
    """E_ρ -> 0 on the inner side of the outer surface (n·J = 0 towards the air)."""
    scale = layered["scale"]
    for key in ("in0", "surface_exact"):
        p, E, _ = layered[key]
        Er, _ = _radial(p, E)
        assert np.abs(Er).max() < 1e-7 * scale
    # while the primary field alone does cross the surface
    p = layered["in0"][0]
    Erp, _ = _radial(p, -A_FUNC(p))
    assert np.abs(Erp).max() > 0.05 * scale


def test_interface_conditions(layered):
    """σ_out E_ρ,out = σ_in E_ρ,in and tangential E continuous at each internal interface."""
    scale = layered["scale"]
    for j in range(1, len(RADII)):
        p_in, E_in, phi_in = layered[f"in{j}"]
        p_out, E_out, phi_out = layered[f"out{j}"]
        Er_in, Et_in = _radial(p_in, E_in)
        Er_out, Et_out = _radial(p_out, E_out)
        s_out, s_in = SIGMA[j - 1], SIGMA[j]
        assert np.abs(s_out * Er_out - s_in * Er_in).max() < 1e-7 * max(s_out, s_in) * scale
        assert np.abs(Et_out - Et_in).max() < 1e-7 * scale
        assert np.abs(phi_out - phi_in).max() < 1e-7 * np.abs(phi_in).max()
        # E_ρ itself jumps by the conductivity ratio (the check is not vacuous)
        big = np.abs(Er_in) > 0.05 * np.abs(Er_in).max()
        assert np.allclose(Er_out[big] / Er_in[big], s_in / s_out, rtol=1e-3)


def test_curl_and_divergence_in_each_layer(layered):
    """∇×E = -B of the coil and ∇·E = 0 (φ harmonic) by central differences in every layer."""
    centres = layered["fd_centres"][0]
    E = layered["fd"][1].reshape(len(centres), 3, 2, 3)
    J = (E[:, :, 0, :] - E[:, :, 1, :]) / (2 * FD_H)      # J[c, k, i] = ∂E_i/∂x_k
    curl = np.stack([J[:, 1, 2] - J[:, 2, 1], J[:, 2, 0] - J[:, 0, 2], J[:, 0, 1] - J[:, 1, 0]], 1)
    div = J[:, 0, 0] + J[:, 1, 1] + J[:, 2, 2]
    B = poly_B(centres, LOOP)
    assert field_error(curl, -B) < 1e-7
    grad_scale = np.abs(J).max()
    assert np.abs(div).max() < 1e-7 * grad_scale


def test_potential_consistent_along_radial_path(layered):
    """∫ (E + A)·dl along a radial path through all layers = φ(start) - φ(end) (E + A = -∇φ)."""
    p, E, _ = layered["path"]
    w = layered["path_w"]
    rhat = p[:, :2] / np.linalg.norm(p[:, :2], axis=1)[:, None]
    g = ((E + A_FUNC(p))[:, :2] * rhat).sum(1)           # = -∂φ/∂ρ
    integral = -(w * g).sum()                             # ∫ from the skin inward: dl = -ρ̂ dρ
    _, _, phi = layered["path_ends"]
    assert abs(integral - (phi[0] - phi[1])) < 1e-10 * np.abs(phi).max()
    assert abs(phi[0] - phi[1]) > 0.1 * np.abs(phi).max()


def test_layering_changes_the_field_at_muscle_depth(layered):
    """Unlike a half-space, the cylinder's E depends on the conductivity ratios.

    Measured |E_layered - E_homogeneous| / |E_homogeneous| at 6.5, 10, 15, 20 mm depth under the
    coil: 6.3 %, 3.8 %, 2.9 %, 2.0 %.
    """
    p, E_lay, _ = layered["muscle"]
    E_hom = cylinder_efield(p, A_FUNC, RADII[:1], [0.34], source_distance=D, source_extent=A_LOOP)
    rel = np.linalg.norm(E_lay - E_hom, axis=1) / np.linalg.norm(E_hom, axis=1)
    assert rel.max() > 0.05 and rel.min() > 0.01


def test_homogeneous_field_independent_of_sigma():
    r0 = np.array([0.004, 0.052, -0.003])
    m = np.array([0.2, -0.5, 0.6])
    p = cyl(np.array([0.039, 0.03, 0.01, 0.0]), np.array([1.5, 1.2, 2.0, 0.0]),
            np.array([0.0, 0.01, -0.01, 0.0]))
    f = lambda q: dip_A(q, r0, m)  # noqa: E731
    E1 = cylinder_efield(p, f, [0.04], [0.1], source_distance=0.012)
    E2 = cylinder_efield(p, f, [0.04], [1.0], source_distance=0.012)
    assert field_error(E2, E1) < 1e-12


# a dipole 10 mm from a 40 mm cylinder: the accuracy cases
R_D = 0.040
D_D = 0.010
R0_D = np.array([0.003, R_D + D_D, 0.002])
M_D = np.array([0.2, 0.5, 0.7])
F_D = lambda q: dip_A(q, R0_D, M_D)  # noqa: E731
_th = np.linspace(np.pi / 2 - 0.6, np.pi / 2 + 0.6, 7)
PTS_D = np.concatenate([cyl(R_D, _th, 0.004), cyl(0.95 * R_D, _th, -0.006),
                        cyl(np.array([0.0, R_D]), np.array([0.0, -np.pi / 2]), 0.01)])


def test_default_grid_accuracy_homogeneous_and_layered():
    """Default grid vs a refined one (dz halved, window doubled): ≤ 2e-5 of the peak.

    Measured: 1.1e-5 (homogeneous) and 8e-6 (layered); the refined grid itself is converged to
    ~2e-8 (checked once against dz = 0.07 d).

    The points include the surface right under the dipole, where convergence is slowest.
    """
    for radii, sig in (([R_D], [0.3]), (RADII, SIGMA)):
        E = cylinder_efield(PTS_D, F_D, radii, sig, source_distance=D_D)
        g = cylinder_grid(R_D, D_D, dz=0.1 * D_D, z_window=96 * (R_D + D_D))
        Eref = cylinder_efield(PTS_D, F_D, radii, sig, grid=g)
        peak = np.abs(Eref).max()
        assert np.abs(E - Eref).max() < 2e-5 * peak
        # and the refined grid is converged: a coarser spacing is visibly worse
        gc = cylinder_grid(R_D, D_D, dz=0.3 * D_D)
        assert np.abs(cylinder_efield(PTS_D, F_D, radii, sig, grid=gc) - Eref).max() > 1e-4 * peak


def test_axial_k0_term_removes_window_dependence():
    """Windows of 24 and 48 (R + d) agree to 1e-4 of the peak (8e-4 without the k = 0 term)."""
    E24 = cylinder_efield(PTS_D, F_D, [R_D], [0.3], grid=cylinder_grid(R_D, D_D, z_window=24 * (R_D + D_D)))
    E48 = cylinder_efield(PTS_D, F_D, [R_D], [0.3], grid=cylinder_grid(R_D, D_D, z_window=48 * (R_D + D_D)))
    assert np.abs(E24 - E48).max() < 1e-4 * np.abs(E48).max()


def test_large_cylinder_tends_to_half_space():
    """Under a dipole 5 mm from a cylinder of radius R, E -> half-space E as a series in d/R.

    Measured (DESIGN error): R = 50/100/200 mm: 14.3 %, 7.3 %, 3.7 % (halves with R);
    Richardson 2E(2R) - E(R): 0.60 %, 0.19 %; second level (4 r(2R) - r(R))/3: 0.06 %.
    """
    d = 0.005
    m = np.array([0.3, 0.5, 0.6])   # x: tangential, y: along the normal, z: along the axis
    depth = np.array([0.0005, 0.002, 0.005, 0.01])
    res = {}
    for R in (0.05, 0.1, 0.2):
        r0 = np.array([0.0, R + d, 0.0])
        p = np.column_stack([np.full(4, 0.001), R - depth, np.full(4, 0.002)])
        res[R] = cylinder_efield(p, lambda q: dip_A(q, r0, m), [R], [0.3],
                                 grid=cylinder_grid(R, d, dz=0.25 * d, z_window=2.0))
    # half-space frame: x_h = z, y_h = x, z_h = y - R (right-handed, z_h the outward normal)
    ph = np.column_stack([np.full(4, 0.002), np.full(4, 0.001), -depth])
    Eh = halfspace_efield_dipole(ph, [0, 0, d], [m[2], m[0], m[1]])[:, [1, 2, 0]]
    e = {R: field_error(res[R], Eh) for R in res}
    assert 0.05 < e[0.05] < 0.3
    assert 1.8 < e[0.05] / e[0.1] < 2.2 and 1.8 < e[0.1] / e[0.2] < 2.2
    r1 = 2 * res[0.1] - res[0.05]
    r2 = 2 * res[0.2] - res[0.1]
    er1, er2 = field_error(r1, Eh), field_error(r2, Eh)
    assert er2 < 0.4 * er1 and er2 < 0.1 * e[0.2]
    assert field_error((4 * r2 - r1) / 3, Eh) < 0.5 * er2


def test_bessel_ratio_recurrences():
    """I_{m+1}/I_m (backward) and K_{m+1}/K_m (forward) against scipy's ive/kve."""
    for x in (1e-6, 0.05, 1.0, 7.5, 60.0, 400.0, 2500.0):
        nmax = 200
        n = np.arange(nmax + 1)
        r = np.empty(nmax + 1)
        _i_ratios(x, nmax, r)
        a, b = ive(n + 1, x), ive(n, x)
        ok = (a > 1e-290) & (b > 1e-290)
        assert np.allclose(r[ok], a[ok] / b[ok], rtol=2e-12, atol=0)
        t = np.empty(nmax + 1)
        _k_ratios(x, nmax, k1e(x) / k0e(x), t)
        a, b = kve(n + 1, x), kve(n, x)
        ok = np.isfinite(a) & (a < 1e290)
        assert np.allclose(t[ok], a[ok] / b[ok], rtol=2e-12, atol=0)


def test_shapes_and_validation():
    p = PTS_D[:6].reshape(2, 3, 3)
    g = cylinder_grid(R_D, D_D, dz=0.004, z_window=0.3)
    E, phi = cylinder_efield(p, F_D, [R_D], [0.3], grid=g, return_potential=True)
    assert E.shape == (2, 3, 3) and phi.shape == (2, 3)
    assert cylinder_efield(PTS_D[0], F_D, [R_D], [0.3], grid=g).shape == (3,)
    with pytest.raises(CoilsimValueError, match="points"):
        cylinder_efield([[0, 0.041, 0]], F_D, [R_D], [0.3], grid=g)
    with pytest.raises(CoilsimValueError, match="points"):
        cylinder_efield([[0, 0.0, 0.5]], F_D, [R_D], [0.3], grid=g)
    with pytest.raises(CoilsimValueError, match="radii"):
        cylinder_efield([[0, 0.0, 0.0]], F_D, [0.03, 0.04], [0.3, 0.2], grid=g)
    with pytest.raises(CoilsimTypeError, match="radii"):
        cylinder_efield([[0, 0.0, 0.0]], F_D, [0.04, 0.03], [0.3], grid=g)
    with pytest.raises(CoilsimValueError, match="source_distance"):
        cylinder_efield([[0, 0.0, 0.0]], F_D, [R_D], [0.3])
