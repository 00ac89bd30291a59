"""E-field solver: kernels against brute force, the planar closed form, the BEM against exact
solutions (half-space, Heller–van Hulsteyn sphere, layered-cylinder series), operator reuse and
bad input. The sphere/cylinder acceptance cases themselves live in benchmarks/accuracy_efield.py
and run here through the benchmark registry (one definition for CI and `coilsim bench`)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.spatial import cKDTree

import coilsim as cs
from coilsim.analytic import cylinder_efield, halfspace_efield_dipole
from coilsim.efield import bem
from coilsim.efield.bem import BEMOperator
from coilsim.errors import CoilsimError, CoilsimValueError, ConvergenceError
from coilsim.kernels import bem as kb
from coilsim.metrics import field_error
from coilsim.tissue import mesh

LAYERS = [("skin", 1.5e-3, 0.2), ("fat", 5e-3, 0.04), ("muscle", math.inf, 0.34)]


# ----------------------------------------------------------------------------- kernels
def _brute_triangle(tri, p):
    v1, v2, v3 = tri
    jac = np.linalg.norm(np.cross(v2 - v1, v3 - v1))

    def f(v, u, c):
        d = p - (v1 + u * (v2 - v1) + v * (v3 - v1))
        return d[c] / np.linalg.norm(d) ** 3
    return np.array([integrate.dblquad(f, 0, 1, 0, lambda u: 1 - u, args=(c,), epsabs=1e-13,
                                       epsrel=1e-11)[0] * jac for c in range(3)])


@pytest.mark.parametrize("p", [(0.4, 0.3, 0.5), (0.4, 0.3, -0.3), (2.0, 1.0, 0.3), (0.5, 0.5, 0.05)])
def test_triangle_field_matches_quadrature(p):
    tri = np.array([[0.0, 0.0, 0.0], [1.0, 0.2, 0.1], [0.3, 0.9, -0.2]])
    out = np.empty(4)
    kb.triangle_integral(*p, tri, out)
    ref = _brute_triangle(tri, np.asarray(p))
    assert np.abs(out[:3] - ref).max() <= 1e-9 * max(1.0, np.abs(ref).max())
    n = np.cross(tri[1] - tri[0], tri[2] - tri[0])
    n /= np.linalg.norm(n)
    assert out[3] == pytest.approx(n @ out[:3], rel=1e-12)          # solid angle = n·F
    assert kb.solid_angle(*p, tri) == pytest.approx(out[3], rel=1e-12)


def test_solid_angles_of_a_closed_surface_sum_to_4pi_inside_and_0_outside():
    v, f = mesh.icosphere(1.0, 0.5)
    tris = v[f]
    for p, expect in (((0.1, -0.2, 0.3), 4 * math.pi), ((1.5, 0.2, 0.0), 0.0)):
        total = sum(kb.solid_angle(*p, t) for t in tris)
        assert total == pytest.approx(-expect, abs=1e-10)   # seen from inside: negative side


def test_near_pairs_grid_matches_kdtree():
    rng = np.random.default_rng(0)
    p, c, r = rng.random((4000, 3)), rng.random((2500, 3)), rng.uniform(0.01, 0.12, 2500)
    rows, cols = kb.near_pairs_grid(p, c, r)
    ref = {(i, j) for j, lst in enumerate(cKDTree(p).query_ball_point(c, r)) for i in lst}
    assert set(zip(rows.tolist(), cols.tolist())) == ref


# ----------------------------------------------------------------------------- planar
def test_planar_parallel_coil_gives_minus_A():
    leg = cs.TissueModel.planar(LAYERS)
    t = np.linspace(0.0, 2 * np.pi, 256, endpoint=False)
    ring = 0.02 * np.c_[np.cos(t), np.sin(t), 0 * t]
    coil = cs.Coil.from_polylines([ring + [0.021, 0, 0.004], ring[::-1] - [0.021, 0, -0.004]])
    pts = np.random.default_rng(1).uniform([-0.05, -0.05, -0.04], [0.05, 0.05, -1e-4], (200, 3))
    field = cs.solve_efield(coil, leg)
    assert field_error(field.E(pts), -coil.A(pts)) <= 1e-10
    assert field.report.method == "planar closed form"


def test_planar_horizontal_dipole_is_half_free_space_below():
    """Directly below a small loop whose axis is parallel to the skin, |E| = ½ free space."""
    leg = cs.TissueModel.planar(LAYERS)
    loop = cs.circular_coil(1e-3, segments_per_turn=256).placed((0, 0, 0), (1.0, 0.0, 0.0))
    loop = loop.moved([0.0, 0.0, 0.03])
    pts = np.array([[0.0, 0.0, -z] for z in (0.002, 0.01, 0.03)])
    e = np.linalg.norm(cs.solve_efield(loop, leg).E(pts), axis=1)
    free = np.linalg.norm(loop.A(pts), axis=1)
    # exact for a point dipole; a loop of radius a at distance d deviates by O((a/d)²)
    d = 0.03 - pts[:, 2]
    assert np.all(np.abs(e / free - 0.5) <= (1e-3 / d) ** 2)
    # and the half-space closed form of the equivalent point dipole agrees to the same order
    m = loop.dipole_moment()
    ref = halfspace_efield_dipole(pts, np.array([[0.0, 0.0, 0.03]]), m[None])
    assert field_error(cs.solve_efield(loop, leg).E(pts), ref) <= (1e-3 / d.min()) ** 2


def test_planar_field_is_independent_of_conductivities_but_J_is_not():
    coil = cs.circular_coil(0.02).rotated(np.array([[1, 0, 0], [0, 0.6, -0.8], [0, 0.8, 0.6]]))
    coil = coil.moved([0.0, 0.0, 0.02])
    pts = np.array([[0.0, 0.0, -0.001], [0.0, 0.0, -0.004], [0.01, 0.0, -0.02]])
    a = cs.solve_efield(coil, cs.TissueModel.planar(LAYERS))
    b = cs.solve_efield(coil, cs.TissueModel.planar([("m", math.inf, 0.34)]))
    assert field_error(a.E(pts), b.E(pts)) <= 1e-14
    j = a.J(pts)
    np.testing.assert_allclose(j[0], 0.2 * a.E(pts)[0])
    np.testing.assert_allclose(j[1], 0.04 * a.E(pts)[1])
    np.testing.assert_allclose(j[2], 0.34 * a.E(pts)[2])


# ----------------------------------------------------------------------------- BEM details
def test_uniform_field_on_a_sphere_gives_the_conductor_charge():
    """Conducting sphere in a uniform field: ρ = 3 E0 cos θ (ε0 scaled out), E = 0 inside."""
    v, f = mesh.icosphere(0.05, 0.006)
    op = BEMOperator([(v, f)], [1.0])
    rho, info = op.solve(op.rhs(np.tile([0.0, 0.0, 1.0], (op.n, 1))))
    c = op.centroid
    exact = 3 * c[:, 2] / np.linalg.norm(c, axis=1)
    assert np.abs(rho - exact).max() <= 0.02 * 3
    pts = np.array([[0.0, 0.0, 0.0], [0.01, 0.02, -0.03]])
    e, w = op.field(pts, rho), op.winding(pts)
    assert np.abs(e + [0.0, 0.0, 1.0]).max() <= 0.01
    # winding number by the centroid rule off the near zones: error ~ (h/R)² (h = 6 mm, R = 50 mm)
    np.testing.assert_allclose(w[:, 0], 1.0, atol=(0.006 / 0.05) ** 2)


def test_dense_and_matrix_free_operators_agree():
    v, f = mesh.icosphere(0.04, 0.008)
    k = [1.0]
    dense, free = BEMOperator([(v, f)], k), BEMOperator([(v, f)], k, dense_limit=0)
    x = np.random.default_rng(3).normal(size=dense.n)
    np.testing.assert_allclose(dense.matvec(x), free.matvec(x), rtol=1e-10, atol=1e-12)


def test_operator_is_reused_for_further_placements_and_gives_the_same_field():
    leg = cs.TissueModel.sphere(0.04, 0.34, max_edge=0.008)
    coil = cs.circular_coil(0.015)
    a = coil.placed((0.0, 0.0, 0.055), (0.0, 0.0, 1.0)).rotated(
        np.array([[1, 0, 0], [0, 0.8, -0.6], [0, 0.6, 0.8]]), center=(0.0, 0.0, 0.055))
    b = coil.placed((0.045, 0.0, 0.0), (1.0, 0.0, 0.0))
    fa = cs.solve_efield(a, leg)
    fb = cs.solve_efield(b, leg)
    assert not fa.report.operator_reused and fb.report.operator_reused
    fresh = cs.solve_efield(b, cs.TissueModel.sphere(0.04, 0.34, max_edge=0.008))
    pts = np.array([[0.03, 0.0, 0.0], [0.0, 0.01, 0.02]])
    assert field_error(fb.E(pts), fresh.E(pts)) <= 1e-9


def test_quasi_potential_across_the_fat_muscle_interface():
    """−∫E·dl along a radial path through skin, fat and muscle of a long layered cylinder vs the
    Fourier–Bessel series; the primary field alone misses it."""
    layers = [("skin", 1.5e-3, 0.2), ("fat", 5e-3, 0.04), ("muscle", 0.0335, 0.34)]
    leg = cs.TissueModel.cylinder(layers, length=0.32, focus=(0.0, 0.04, 0.0), h_min=1.5e-3,
                                  growth=0.06, max_edge=0.01)
    coil = cs.circular_coil(0.02).placed((0.0, 0.0, 0.0), (1.0, 0.0, 0.0)).moved([0, 0.065, 0])
    t = np.linspace(0.0, 1.0, 161)
    path = np.c_[np.full_like(t, 0.004), 0.039 - 0.025 * t, 0.008 + 0.01 * t]   # 1 → 26 mm deep
    dl = np.diff(path, axis=0)
    mid = 0.5 * (path[1:] + path[:-1])
    radii = [0.04, 0.0385, 0.0335]
    ref_e = cylinder_efield(mid, coil.A, radii, [0.2, 0.04, 0.34], source_distance=0.005)
    bem_e = cs.solve_efield(coil, leg).E(mid)

    def potential(e):
        return -np.cumsum(np.einsum("ij,ij->i", e, dl))
    ref, got, prim = potential(ref_e), potential(bem_e), potential(-coil.A(mid))
    scale = np.abs(ref).max()
    assert np.abs(got - ref).max() <= 0.02 * scale
    assert np.abs(prim - ref).max() > 0.2 * scale


# ----------------------------------------------------------------------------- convergence
def test_bem_cylinder_converges_with_order_at_least_0_9():
    coil = cs.circular_coil(0.02).placed((0.0, 0.045, 0.0), (0.0, 1.0, 0.0))
    rng = np.random.default_rng(5)
    ph, r, z = rng.uniform(0.3 * np.pi, 0.7 * np.pi, 80), rng.uniform(0.0, 0.036, 80), rng.uniform(-0.03, 0.03, 80)
    pts = np.c_[r * np.cos(ph), r * np.sin(ph), z]
    ref = cylinder_efield(pts, coil.A, [0.04], [0.34], source_distance=0.005)
    hs, errs = [], []
    # the capped-cylinder mesher refines by halving edges, so the order is fitted in the mean
    # edge (max_edge 8, 5.6, 4 mm had given mean edges 5.5, 2.9, 2.7 mm)
    for h in (0.016, 0.01, 0.0056):
        leg = cs.TissueModel.cylinder([("muscle", 0.04, 0.34)], length=0.32, max_edge=h)
        s = leg.surfaces()[0]
        hs.append(np.linalg.norm(np.diff(s.vertices[s.faces][:, [0, 1, 2, 0]], axis=1), axis=-1).mean())
        errs.append(field_error(cs.solve_efield(coil, leg).E(pts), ref))
    assert hs[0] > 1.5 * hs[1] > 2.25 * hs[2], hs
    order = np.polyfit(np.log(hs), np.log(errs), 1)[0]
    assert errs[-1] < errs[0] and order >= 0.9, (errs, order)


# ----------------------------------------------------------------------------- acceptance cases
def _efield_cases():
    from coilsim.benchmarks import accuracy_efield
    from coilsim.benchmarks.suite import Registry
    reg = Registry()
    accuracy_efield.register(reg)
    return reg


ACCEPT = ["efield_planar_tilt0", "efield_planar_tilt45", "efield_planar_tilt90",
          "efield_sphere1_tilt0", "efield_sphere1_tilt45", "efield_sphere1_tilt90",
          "efield_cylinder1_parallel", "efield_cylinder1_edge", "efield_cylinder3_parallel",
          "efield_cylinder3_edge"]


@pytest.mark.parametrize("name", ACCEPT)
def test_acceptance_case(name):
    from coilsim.benchmarks.suite import Context, run_case
    r = run_case(_efield_cases()[name], Context(quick=False))
    assert r["passed"], (name, r["error"], r["tolerance"], r["exception"])


# ----------------------------------------------------------------------------- bad input
def test_bad_input_is_named():
    leg = cs.TissueModel.sphere(0.04, 0.34, max_edge=0.01)
    coil = cs.circular_coil(0.01)
    with pytest.raises(CoilsimValueError, match="enter the tissue"):
        cs.solve_efield(coil, leg)                                   # centred in the sphere
    with pytest.raises(CoilsimValueError, match="casing"):
        cs.solve_efield(_casing_inside(), leg)
    field = cs.solve_efield(coil.placed((0.0, 0.0, 0.045), (0.0, 0.0, 1.0)), leg)
    with pytest.raises(CoilsimValueError, match="outside the tissue"):
        field.E([[0.0, 0.0, 0.05]])
    with pytest.raises(CoilsimValueError, match="planar model fills z < 0"):
        cs.solve_efield(cs.circular_coil(0.01), cs.TissueModel.planar(LAYERS))
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(CoilsimError):
            cs.TissueModel.planar([("muscle", math.inf, bad)])
        with pytest.raises(CoilsimError):
            cs.TissueModel.sphere(0.04, bad)
    with pytest.raises(CoilsimError, match="child_99y|not found|unknown"):
        cs.load_tissue("child_99y")
    v, f = mesh.icosphere(0.04, 0.01)
    with pytest.raises(CoilsimValueError):
        cs.TissueModel.from_meshes([(v, f[:-1], 0.3)])                 # open surface
    with pytest.raises(CoilsimValueError, match="intersect"):
        cs.TissueModel.from_meshes([(v, f, 0.3), (v + [0.03, 0, 0], f, 0.3)])
    with pytest.raises(CoilsimValueError, match="outward|orient"):
        cs.TissueModel.from_meshes([(v, f[:, ::-1], 0.3)])


def _casing_inside():
    t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    coil = cs.Coil.from_polylines([0.01 * np.c_[np.cos(t), np.sin(t), 0 * t]], casing_offset=0.01)
    return coil.moved([0.0, 0.0, 0.045])          # windings 5 mm above, casing 5 mm inside


def test_gmres_failure_is_an_error_with_the_residual():
    v, f = mesh.icosphere(0.04, 0.008)
    op = BEMOperator([(v, f)], [1.0])
    b = op.rhs(np.tile([1.0, 0.3, 0.2], (op.n, 1)))
    with pytest.raises(ConvergenceError, match="residual"):
        op.solve(b, rtol=1e-12, maxiter=1, restart=2)


def test_fmm3dpy_kernel_normalisation_is_pinned():
    """fmm3dpy changed its Laplace kernel by 4π between versions; the benchmark compares it with
    the BEM's direct sum, so the convention it assumes (grad = −Σ q d/r³/4π) is checked here."""
    pytest.importorskip("fmm3dpy", reason="optional extra 'fmm' (installed by the test extra)")
    from coilsim.benchmarks.efield_perf import fmm_crossover
    r = fmm_crossover((2000,))
    assert r["available"] and r["rows"][0]["normalisation_error"] <= 1e-5


def test_open_wires_are_warned_about():
    leg = cs.TissueModel.planar(LAYERS)
    t = np.linspace(0.0, 1.5 * np.pi, 100)
    arc = cs.Coil.from_polylines([0.02 * np.c_[np.cos(t), np.sin(t), 0 * t] + [0, 0, 0.01]],
                                 closed=False)
    with pytest.warns(UserWarning, match="open polylines"):
        cs.solve_efield(arc, leg)


def test_depth_profile_and_focality_start_at_the_skin_under_a_lifted_coil():
    leg = cs.TissueModel.sphere(0.04, 0.34, max_edge=0.006)
    coil = cs.figure_eight_coil(0.005, 0.015, 2).placed((0.0, 0.0, 0.045), (0.0, 0.0, 1.0))
    field = cs.solve_efield(coil, leg)
    d, e = field.depth_profile([0.001, 0.01, 0.02])
    np.testing.assert_allclose(d, [0.001, 0.01, 0.02])        # all inside: measured from the skin
    np.testing.assert_allclose(e, np.linalg.norm(field.E([[0, 0, 0.039], [0, 0, 0.03], [0, 0, 0.02]]), axis=1))
    assert e[0] > e[1] > e[2] > 0
    foc = field.focality(spacing=2e-3, depth=0.03)
    assert foc.e_max > 0 and 0 < foc.d_half < 0.03 and foc.v_half > 0


def test_shared_node_rhs_rule_is_exact_for_cubic_fields():
    """The right-hand side from the shared vertices/midpoints/centroids equals the 7-point
    (degree-5) triangle mean for a cubic field, and differs from it only at O(h⁴) otherwise."""
    v, f = mesh.icosphere(0.03, 0.008)
    op = BEMOperator([(v, f)], [1.0])

    def cubic(p):
        x, y, z = p[..., 0], p[..., 1], p[..., 2]
        return np.stack([x**3 - 2 * x * y * z + y, y**2 * z + 3 * x**2, z**3 - x * y + 0.5], -1)

    np.testing.assert_allclose(op.rhs(cubic(op.rhs_points)), op.rhs(cubic(op.quadrature_points)),
                               rtol=0, atol=1e-14)
    e = lambda p: np.exp(40.0 * p)  # noqa: E731 - a non-polynomial field varying on 25 mm
    rel = np.abs(op.rhs(e(op.rhs_points)) - op.rhs(e(op.quadrature_points))).max() / np.abs(
        op.rhs(e(op.quadrature_points))).max()
    assert rel <= (40.0 * 0.008) ** 4 / 100
    with pytest.raises(CoilsimValueError, match="rhs_points"):
        op.rhs(np.zeros((5, 3)))


def test_fmm_far_field_matches_the_direct_sum():
    pytest.importorskip("fmm3dpy", reason="optional extra 'fmm' (installed by the test extra)")
    v, f = mesh.icosphere(0.04, 0.006)
    direct, fmm = BEMOperator([(v, f)], [1.0], fmm=False), BEMOperator([(v, f)], [1.0], fmm=True)
    rho = np.random.default_rng(5).normal(size=direct.n)
    pts = np.random.default_rng(6).uniform(-0.027, 0.027, size=(400, 3))
    a, b = direct.field(pts, rho), fmm.field(pts, rho)
    assert np.abs(a - b).max() <= 1e-7 * np.abs(a).max()
    with pytest.raises(CoilsimValueError, match="fmm"):
        BEMOperator([(v, f)], [1.0], fmm="yes")


def test_treecode_far_field_matches_the_direct_sum_to_its_tolerance():
    """The treecode's far field (node expansions to quadrupole order where their error scale
    Σ|q| r³/d⁵ is below tol × max|ρ|) against the direct sum, on a three-surface model with a
    coil's charges; and its truncation error falls as the expansion order predicts."""
    leg = cs.TissueModel.cylinder([("skin", 1e-3, 0.2), ("fat", 4e-3, 0.04), ("muscle", 0.02, 0.34)],
                                  length=0.12, max_edge=0.004, h_min=0.002, growth=0.1,
                                  focus=(0.0, 0.025, 0.0))
    coil = cs.figure_eight_coil(0.005, 0.02, 3).placed((0.0, 0.03, 0.0), (0.0, 1.0, 0.0))
    f = cs.solve_efield(coil, leg)
    op, rho = f._op, f._rho
    pts = f.sample_box(2e-3, lateral=0.02)[0]
    op.tree_tol = 0.0
    ref = op.field(pts, rho)
    scale = np.linalg.norm(-coil.A(pts) + ref, axis=1).max()
    errs = []
    for tol in (1e-4, 1e-5, 1e-6):
        op.tree_tol = tol
        e = op.field(pts, rho)
        errs.append(np.abs(e - ref).max() / scale)
    op.tree_tol = bem.TREE_TOL
    assert len(pts) * op.n >= bem.TREE_MIN_PAIRS
    assert errs[1] <= 3e-4 and errs[2] <= errs[1] <= errs[0]
    assert errs[2] <= 0.3 * errs[0]


def test_treecode_expansion_error_falls_as_the_octupole():
    """One node's quadrupole expansion: error ∝ (r/d)³ (the first neglected term)."""
    from coilsim.kernels.treecode import ChargeTree
    rng = np.random.default_rng(0)
    src, q = rng.uniform(-1, 1, (200, 3)), rng.normal(size=200)
    tree = ChargeTree(src, leaf=300)
    errs = []
    for d in (8.0, 16.0, 32.0):
        p = np.array([[d, 0.3 * d, -0.2 * d]])
        e, e0 = np.empty((1, 3)), np.empty((1, 3))
        tree.field(p, q, e, tol=1e300, theta=0.99)
        kb.far_field(p[:, 0].copy(), p[:, 1].copy(), p[:, 2].copy(),
                     *(src[:, i].copy() for i in range(3)), q, e0)
        errs.append(np.linalg.norm(e - e0) / np.linalg.norm(e0))
    order = np.polyfit(np.log([8.0, 16.0, 32.0]), np.log(errs), 1)[0]
    assert -3.3 <= order <= -2.7


def test_recycled_gmres_agrees_with_scipy_and_deflates_later_solves():
    """The solver's GMRES (with the harmonic Ritz space of the first solve recycled) against
    scipy's gmres on the same operator, for two coil placements; the second needs fewer
    iterations than the first."""
    from scipy.sparse.linalg import LinearOperator, gmres
    leg = cs.TissueModel.cylinder([("skin", 1e-3, 0.2), ("fat", 4e-3, 0.04), ("muscle", 0.02, 0.34)],
                                  length=0.12, max_edge=0.005, h_min=0.002, growth=0.1,
                                  focus=(0.0, 0.025, 0.0))
    op = BEMOperator([(s.vertices, s.faces) for s in leg.surfaces()],
                     [1.0, (0.04 - 0.2) / 0.24, (0.34 - 0.04) / 0.38])
    coil = cs.figure_eight_coil(0.005, 0.02, 3)
    its = []
    for y in (0.0, 0.03):
        c = coil.placed((0.0, 0.03, y), (0.0, 1.0, 0.0))
        b = op.rhs(-c.A(op.rhs_points))
        x, info = op.solve(b, rtol=1e-8)
        ref, flag = gmres(LinearOperator((op.n, op.n), matvec=op.matvec, dtype=np.float64), b,
                          rtol=1e-10, atol=0.0, restart=200, maxiter=50)
        assert flag == 0
        assert np.abs(x - ref).max() <= 1e-6 * np.abs(ref).max()
        its.append(info.iterations)
    assert op._krylov.U is not None and its[1] < its[0]


def test_primary_potential_treecode_matches_the_exact_segment_kernel():
    """−A at many points by the treecode of 2-point Gauss sources (exact kernel near the wires)
    against Coil.A, to the stated tolerance of the largest |A|; points on a wire's near zone and
    a long return lead included."""
    from coilsim.efield import primary
    coil = cs.figure_eight_coil(0.01, 0.045, 9).placed((0.0, 0.0, 0.005), (0.0, 0.0, 1.0))
    rng = np.random.default_rng(11)
    pts = np.concatenate([rng.uniform([-0.08, -0.05, -0.04], [0.08, 0.05, 0.0], (30000, 3)),
                          coil.polylines()[0][::50] + [0.0, 0.0, 0.002]])
    assert len(pts) * coil.n_segments >= primary.MIN_PAIRS
    exact = coil.A(pts)
    err = np.abs(primary.vector_potential(coil, pts) - exact).max()
    assert err <= 3 * primary.TOL * np.linalg.norm(exact, axis=1).max()
