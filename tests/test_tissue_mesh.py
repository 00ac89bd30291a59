"""Closed-surface meshing: generators, refinement, checks, containment, point membership."""

import time

import numpy as np
import pytest

from coilsim.errors import CoilsimValueError
from coilsim.tissue import mesh as M
from coilsim.tissue._warnings import MeshQualityWarning


def _edges(v, f):
    e = np.sort(np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), axis=1)
    return np.unique(e, axis=0)


def test_icosphere_converges_second_order():
    r = 0.05
    hs, ea, ev = [], [], []
    for frac in (0.4, 0.2, 0.1, 0.05):
        v, f = M.icosphere(r, frac * r, center=(0.01, -0.02, 0.03))
        st = M.check_surface(v, f, "sphere")
        assert st.max_edge <= frac * r
        assert np.allclose(np.linalg.norm(v - (0.01, -0.02, 0.03), axis=1), r, rtol=0, atol=1e-15)
        hs.append(st.max_edge)
        ea.append(abs(st.area / (4 * np.pi * r ** 2) - 1))
        ev.append(abs(st.volume / (4 / 3 * np.pi * r ** 3) - 1))
    pa = np.polyfit(np.log(hs), np.log(ea), 1)[0]
    pv = np.polyfit(np.log(hs), np.log(ev), 1)[0]
    assert 1.8 < pa < 2.2 and 1.8 < pv < 2.2, (pa, pv)
    assert ea[-1] < 1e-3


def test_refine_honours_size_field_and_stays_closed():
    r = 0.04
    v, f = M.icosphere(r, 0.03)
    size = M.graded_size((0, 0, r), 0.002, 0.012, 0.3)
    proj = lambda p: r * p / np.linalg.norm(p, axis=1, keepdims=True)  # noqa: E731
    v2, f2 = M.refine(v, f, size, proj)
    e = _edges(v2, f2)
    mid = 0.5 * (v2[e[:, 0]] + v2[e[:, 1]])
    length = np.linalg.norm(v2[e[:, 1]] - v2[e[:, 0]], axis=1)
    assert np.all(length <= size(mid))
    assert np.allclose(np.linalg.norm(v2, axis=1), r)
    st = M.check_surface(v2, f2, "refined")  # closed, conforming, oriented, no intersections
    assert st.worst_aspect < 3
    # graded: fine at the focus, coarse far away
    near = np.linalg.norm(mid - (0, 0, r), axis=1) < 0.005
    far = mid[:, 2] < -0.02
    assert length[near].max() <= 0.0035 and length[far].mean() > 0.005


def test_refine_limits_faces():
    v, f = M.icosphere(1.0, 1.0)
    with pytest.raises(CoilsimValueError, match="max_faces"):
        M.refine(v, f, 0.01, lambda p: p / np.linalg.norm(p, axis=1, keepdims=True), max_faces=1000)


def test_capped_cylinder_exact_and_sharp_rims():
    R, L = 0.03, 0.12
    v, f = M.capped_cylinder(R, L, M.graded_size((R, 0, L / 2), 0.0015, 0.008, 0.3), center_z=0.01)
    st = M.check_surface(v, f, "cylinder")
    rr = np.hypot(v[:, 0], v[:, 1])
    on_side = np.abs(rr - R) < 1e-12
    on_cap = np.abs(np.abs(v[:, 2] - 0.01) - L / 2) < 1e-15
    assert np.all(on_side | on_cap)  # every vertex on the exact surface
    # the rims stay sharp: rim vertices lie on both; the rim polygon is the circle's
    rim = on_side & on_cap
    top = rim & (v[:, 2] > 0.01)
    ang = np.sort(np.arctan2(v[top, 1], v[top, 0]))
    gaps = np.diff(np.r_[ang, ang[0] + 2 * np.pi])
    assert gaps.max() < 0.3
    assert abs(st.volume / (np.pi * R ** 2 * L) - 1) < 0.01
    assert abs(st.area / (2 * np.pi * R * L + 2 * np.pi * R ** 2) - 1) < 0.01


def test_lofted_tube_tapered_eccentric():
    def sec(z):
        return 0.005 + 0.02 * z, -0.003, 0.03 - 0.05 * z, 0.025 - 0.04 * z
    v, f = M.lofted_tube(sec, -0.1, 0.1, 0.006)
    M.check_surface(v, f, "tube")
    cx, cy, a, b = (np.broadcast_to(np.asarray(s, float), v[:, 2].shape) for s in sec(v[:, 2]))
    g = ((v[:, 0] - cx) / a) ** 2 + ((v[:, 1] - cy) / b) ** 2
    cap = np.isclose(np.abs(v[:, 2]), 0.1, rtol=0, atol=1e-15)
    assert np.allclose(g[~cap], 1.0, atol=1e-12)
    assert np.all(g[cap] <= 1 + 1e-12)


def _sphere():
    return M.icosphere(1.0, 0.4)


@pytest.mark.parametrize("defect, match", [
    ("hole", "not closed"),
    ("duplicate", "2-manifold"),
    ("flip_one", "consistently oriented"),
    ("inward", "oriented inward"),
    ("zero_area", "zero-area"),
    ("repeated", "repeated vertex"),
    ("pinched", "2-manifold"),
    ("overlap", "intersects itself"),
    ("dent", "intersects itself"),
])
def test_check_surface_catches_defects(defect, match):
    v, f = _sphere()
    v, f = v.copy(), f.copy()
    if defect == "hole":
        f = f[1:]
    elif defect == "duplicate":
        f = np.vstack([f, f[:1]])
    elif defect == "flip_one":
        f[0] = f[0, ::-1]
    elif defect == "inward":
        f = f[:, ::-1]
    elif defect == "zero_area":
        v[f[0, 0]] = v[f[0, 1]]
    elif defect == "repeated":
        f[0, 2] = f[0, 0]
    elif defect == "pinched":
        k = int(np.argmax(v[:, 0]))
        v2 = v - 2 * v[k]  # a second sphere touching the first at vertex k
        v2[:, 0] *= -1
        f2 = f[:, ::-1].copy()
        j = int(np.argmin(v2[:, 0]))
        f2 = f2 + len(v)
        f2[f2 == j + len(v)] = k
        v, f = np.vstack([v, v2]), np.vstack([f, f2])
    elif defect == "overlap":
        v, f = np.vstack([v, v + (0.5, 0, 0)]), np.vstack([f, f + len(v)])
    elif defect == "dent":
        k = int(np.argmax(v[:, 2]))
        v[k] = (0.0, 0.0, -1.5)  # pulled through the opposite side
    with pytest.raises(CoilsimValueError, match=match) as exc:
        M.check_surface(v, f, "leg-part")
    assert "leg-part" in str(exc.value)


def test_check_surface_warns_about_poor_triangles_only():
    v, f = M.icosphere(1.0, 0.5)
    v = v * (30.0, 1.0, 1.0)
    with pytest.warns(MeshQualityWarning):
        st = M.check_surface(v, f, "needles")
    assert st.worst_aspect > 10


def test_check_surface_fast_on_50k_faces():
    v, f = M.icosphere(1.0, 0.025)
    assert len(f) > 50_000
    M.check_surface(v, f)  # compile
    t = time.perf_counter()
    M.check_surface(v, f)
    assert time.perf_counter() - t < 3.0


def test_containment_tree_nested_and_side_by_side():
    big = M.icosphere(0.1, 0.05)
    mid = M.icosphere(0.08, 0.04)
    left = M.icosphere(0.02, 0.01, center=(-0.04, 0, 0))
    right = M.icosphere(0.025, 0.01, center=(0.04, 0.01, 0))
    core = M.icosphere(0.01, 0.008, center=(0.04, 0.01, 0))
    other = M.icosphere(0.02, 0.01, center=(0.3, 0, 0))  # a second body outside
    surf = [core, left, big, other, right, mid]
    assert M.containment_tree(surf) == [4, 5, -1, -1, 5, 2]
    # tibia and fibula side by side inside a muscle cylinder
    mus = M.capped_cylinder(0.035, 0.2, 0.01)
    tib = M.lofted_tube(lambda z: (0.01, -0.015, 0.007, 0.007), -0.09, 0.09, 0.004)
    fib = M.lofted_tube(lambda z: (-0.012, 0.004, 0.004, 0.004), -0.09, 0.09, 0.003)
    assert M.containment_tree([("tibia", *tib), ("fibula", *fib), ("muscle", *mus)]) == [2, 2, -1]
    assert not M.surfaces_intersect(tib, fib)
    assert not M.surfaces_intersect(mus, tib)


def test_intersecting_surfaces_detected():
    a = M.icosphere(0.05, 0.02)
    b = M.icosphere(0.05, 0.02, center=(0.06, 0, 0))
    c = M.icosphere(0.05, 0.02, center=(0.2, 0, 0))
    assert M.surfaces_intersect(a, b)
    assert not M.surfaces_intersect(a, c)
    with pytest.raises(CoilsimValueError, match="intersect"):
        M.containment_tree([a, b], check_intersections=True)


def test_point_in_surface_sphere_and_cylinder():
    rng = np.random.default_rng(3)
    v, f = M.icosphere(1.0, 0.1)
    p = rng.uniform(-1.3, 1.3, (20000, 3))
    r = np.linalg.norm(p, axis=1)
    r_in = np.abs(np.einsum("ij,ij->i", M._face_normals(v, f) / np.linalg.norm(M._face_normals(v, f), axis=1)[:, None],
                            v[f[:, 0]])).min()
    ins = M.point_in_surface(p, v, f)
    assert np.all(ins[r < r_in]) and not np.any(ins[r > 1])
    assert ins.shape == (20000,)
    # grid points aligned with vertices and edges (degenerate rays) on a cylinder
    v, f = M.capped_cylinder(0.04, 0.2, 0.01)
    g = np.stack(np.meshgrid(np.linspace(-0.05, 0.05, 21), np.linspace(-0.05, 0.05, 21),
                             np.linspace(-0.12, 0.12, 25), indexing="ij"), -1)
    ins = M.point_in_surface(g, v, f)
    assert ins.shape == (21, 21, 25)
    rr = np.hypot(g[..., 0], g[..., 1])
    exact = (rr < 0.04) & (np.abs(g[..., 2]) < 0.1)
    sure = (np.abs(rr - 0.04) > 0.04 * (1 - np.cos(np.pi / 8))) & (np.abs(np.abs(g[..., 2]) - 0.1) > 1e-9)
    assert np.array_equal(ins[sure], exact[sure])
    # the mesh's own vertices pushed slightly in/out
    c = v.copy()
    c[:, :2] *= 0.999
    side = np.abs(np.abs(v[:, 2]) - 0.1) > 1e-3
    assert M.point_in_surface(c[side], v, f).all()
    c[:, :2] *= 1.002 / 0.999
    assert not M.point_in_surface(c[side], v, f).any()


def test_point_in_surface_fast():
    v, f = M.icosphere(1.0, 0.07)
    assert len(f) >= 5000
    p = np.random.default_rng(0).uniform(-1.2, 1.2, (100_000, 3))
    M.point_in_surface(p[:10], v, f)
    t = time.perf_counter()
    M.point_in_surface(p, v, f)
    assert time.perf_counter() - t < 3.0


def test_bad_input():
    v, f = _sphere()
    with pytest.raises(CoilsimValueError, match="outside"):
        M.check_surface(v, f + 1000)
    with pytest.raises(CoilsimValueError):
        M.icosphere(-1.0, 0.1)
    with pytest.raises(CoilsimValueError, match="faces"):
        M.icosphere(1.0, 1e-5)
    with pytest.raises(CoilsimValueError):
        M.graded_size((0, 0, 0), 0.01, 0.001, 0.2)
    with pytest.raises(CoilsimValueError, match="z0 < z1"):
        M.lofted_tube(lambda z: (0, 0, 1, 1), 1.0, 0.0, 0.1)


@pytest.mark.parametrize("radius, thickness, growth", [
    (0.30, 0.04, 0.1),    # wide, thin: 48 false intersections before the fix
    (0.15, 0.04, 0.05),   # 1
    (0.15, 0.08, 1.0),    # thick: 2
])
def test_capped_cylinder_wide_and_thick_graded_discs(radius, thickness, growth):
    """Slabs (skin = top cap at z = 0) graded 1.5 -> 20 mm from the cap centre. Bisecting the flat
    caps makes many exactly collinear edges of non-adjacent triangles; the coplanar overlap test
    took round-off in their orientations for crossings and rejected valid surfaces."""
    h_max = 0.02
    v, f = M.capped_cylinder(radius, thickness, M.graded_size((0, 0, 0), 0.0015, h_max, growth),
                             center_z=-thickness / 2)
    st = M.check_surface(v, f, "slab")  # closed, manifold, consistently outward, no self-intersection
    assert st.max_edge <= h_max
    # every vertex lies on the exact surface, so the volume is that of an inscribed polyhedron:
    # at most π r² t, and short of it by at most the rim polygon's deficit, (h_max / r)² / 6
    rel = st.volume / (np.pi * radius ** 2 * thickness)
    assert 1 - (h_max / radius) ** 2 / 6 <= rel <= 1 + 1e-12, rel
    assert st.worst_aspect < 5


def _tri2(*xy, z=0.0):
    return np.array([[x, y, z] for x, y in xy], dtype=np.float64)


def test_coplanar_triangle_test_is_robust_to_collinear_edges():
    # a pair from the bottom cap of a 150 mm x 40 mm slab (exact coordinates): edges t1[2]-t1[0] and
    # t2[2]-t2[0] lie on one line up to round-off but are disjoint
    t1 = _tri2((0.04453125, 0.0), (0.04550206303681194, -0.0033145630368119424),
               (0.04384478151840597, -0.0016572815184059712), z=-0.04)
    t2 = _tri2((0.04315831303681194, -0.0033145630368119424), (0.044129126073623876, -0.006629126073623885),
               (0.04247184455521791, -0.004971844555217914), z=-0.04)
    f1, f2 = np.array([0, 1, 2]), np.array([3, 4, 5])
    assert not M._tri_tri(t1, t2, f1, f2, 1e-10)
    # collinear edges on opposite sides of their common line, overlapping along it: touching only
    a = _tri2((0, 0), (0.2, 0), (0.1, 0.1))
    b = _tri2((0.1, 0), (0.3, 0), (0.2, -0.1))
    assert not M._tri_tri(a, b, f1, f2, 1e-10)
    # real coplanar overlaps are still found: proper crossing, a triangle inside another sharing two
    # of its edge lines, and a coincident copy
    c = _tri2((0.1, 0), (0.3, 0), (0.2, 0.1))
    d = _tri2((0, 0), (0.1, 0), (0, 0.1))
    e = _tri2((0, 0), (0.4, 0), (0, 0.4))
    assert M._tri_tri(a, c, f1, f2, 1e-10)
    assert M._tri_tri(d, e, f1, f2, 1e-10)
    assert M._tri_tri(a, a.copy(), f1, f2, 1e-10)
