"""E-field accuracy cases: ``coilsim.solve_efield`` against the exact references of
REFERENCES.md §3 (``coilsim.analytic``), with the tolerances of issue 4.

* planar layers (skin/fat/muscle): a coil parallel to the skin gives exactly −A (per unit
  dI/dt), 1e-10; tilted coils (0°, 45°, 90°) against adaptive quadrature of ẑ × ∫ B dz
  (:func:`coilsim.analytic.halfspace_efield`), 1e-6;
* spheres (one shell, and three shells of different σ) against Heller & van Hulsteyn's closed
  form for the coil's dipole sheet (:func:`coilsim.analytic.sphere_efield_polyline`), points
  ≥ 2 mm inside, 1 %;
* long cylinders (length 8 × radius, homogeneous and skin/fat/muscle) against the infinite
  layered-cylinder Fourier–Bessel series (:func:`coilsim.analytic.cylinder_efield`) in the
  central third at points ≥ 2 mm from every interface, coil parallel to the skin and coil on
  edge, 2 %;
* a wide slab (disc 1 m across, 50 mm thick, skin = its top face at z = 0) under a figure-eight
  coil 5 mm above, parallel and tilted 45° about x and about y, against the planar closed form at
  points 2–20 mm deep under the coil, 1 % (the two methods check each other). Its finite width
  costs ≤ 0.2 % there (:func:`slab_rim_correction`: the exact correction of a finite slab, so the
  details also report the BEM's own error against planar + rim correction);
* mesh convergence of the sphere and cylinder BEM: the fitted order in the mesh size h ≥ 0.9.

Meshes: the closed-surface cases grade the mesh towards the skin point nearest the coil
(``focus``, ``h_min``, ``growth``, ``max_edge``: :class:`coilsim.tissue.model.MeshOptions`), the
resolutions recorded in each case's details; a tissue constructor without these options gets
its defaults. The three-shell sphere grades its skin and fat–muscle interface from a finer
h_min (``surface_h_min``, see :data:`SPHERE3_MESH`). The
quick (CI) set holds the cases that cost a few seconds; the three-layer sphere (100k unknowns,
~2 min each) and cylinder BEM (20–50 s each on 2 cores) run in the full suite.

The cases are registered only when ``coilsim`` exposes ``solve_efield`` and ``TissueModel``
(:func:`available`), so the suite runs before and after the E-field stage lands. They call
the API by attribute at run time (``coilsim.solve_efield(coil, tissue).E(points, di_dt=1.0)``).
Each case also records the error of the primary field alone (−A), which shows where the
surface charges matter (a solver that drops them fails there).
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from .suite import Outcome, Registry

UNAVAILABLE = ("coilsim.solve_efield / coilsim.TissueModel are not available in this version "
               "(the E-field stage, issue 4); its cases register when they are")

#: tissue layers (name, thickness m, σ S/m) from the skin inward (REFERENCES §4 defaults)
PLANAR_LAYERS = [("skin", 1e-3, 0.2), ("fat", 5e-3, 0.04), ("muscle", math.inf, 0.34)]
#: sphere: radius of a child's calf (REFERENCES §5)
SPHERE_R = 0.04
SPHERE_3 = ([0.040, 0.039, 0.034], [0.2, 0.04, 0.34])           # outermost first
#: cylinder (outer radius 40 mm): homogeneous and skin/fat/muscle; length 8 × radius
CYL_R = 0.040
CYL_LENGTH = 8 * CYL_R
CYL_HOMOG = [("muscle", 0.040, 0.34)]
CYL_3 = [("skin", 1e-3, 0.2), ("fat", 5e-3, 0.04), ("muscle", 0.034, 0.34)]
#: mesh options of the closed-surface cases (graded towards the coil; see the module docstring).
#: One shell: a standing coil's field reaches far from it, where the old, faster growth (h_min
#: 1 mm, growth 0.05, 12k unknowns) left 0.9 % at 90°; this mesh (25k) gives 0.6 %
SPHERE_MESH = dict(h_min=1.5e-3, growth=0.015, max_edge=4e-3)
#: three shells. With the coil on edge (90°) the skin's charge nearly cancels a normal primary
#: field twice the result, and the fat (σ 0.04 between 0.2 and 0.34) magnifies normal errors at
#: its interfaces: the error at 2 mm is the skin's and the fat–muscle interface's discretisation
#: (O(h²)). Measured at 90° (300 points): all three surfaces from h_min 1.5 mm (65k unknowns)
#: 1.09 %; only the skin from 1.0 mm 0.86 %; only the two inner ones 1.10 %; skin and fat–muscle
#: interface from 1.0 mm 0.67 % (100k unknowns, matrix-free, ~2 min): ``surface_h_min``
SPHERE3_MESH = dict(h_min=1.5e-3, growth=0.015, max_edge=4e-3,
                    surface_h_min={"shell0": 1.0e-3, "shell2": 1.0e-3})
CYLINDER_MESH = dict(h_min=1.5e-3, growth=0.05, max_edge=8e-3)
#: uniform mesh sizes of the convergence case, m
ORDER_H = (8e-3, 5.6e-3, 4e-3)
#: the cylinder's (its mesher refines by halving, so nearby max_edge values give one mesh)
CYL_ORDER_H = (16e-3, 10e-3, 5.6e-3)
#: slab: radius and thickness (m) of the disc whose top face is the skin (z = 0). The closed form
#: is for an infinite half-space; a slab of radius R differs from it near the coil by the field of
#: its rim charges, which an insulated plate does not let fall off (see slab_rim_correction):
#: ~ (a/R)³ of the peak for a figure-eight of size a, at R = 0.15 m 3.2 % (parallel), 7.5 % (45°
#: about x), 1.3 % (45° about y), at R = 0.5 m 0.09 %, 0.20 %, 0.02 %. The thickness hardly
#: matters (the planar field has E_z ≡ 0, so the bottom face carries no charge).
SLAB_R, SLAB_T = 0.5, 0.05
#: slab mesh: h_min over the coil's footprint (SLAB_FOOTPRINT), growing to max_edge (23k unknowns,
#: ~30 s and 2.9 GB for the three cases on 1 core). Measured: 0.08 %, 0.43 %, 0.34 % against the
#: closed form, 0.02 %, 0.43 %, 0.34 % against closed form + rim correction (the BEM's own error)
SLAB_MESH = dict(h_min=1.5e-3, growth=0.25, max_edge=0.06)
#: figure-eight of the slab cases: inner, outer radius (m), turns per wing; lowest winding point
#: SLAB_LIFT above the skin
SLAB_COIL = (0.005, 0.02, 4)
SLAB_LIFT = 0.005
#: half-widths (m) along x and y of the region under the coil where points lie and the mesh is fine
SLAB_FOOTPRINT = (0.045, 0.025)
#: slab orientations: case suffix -> (rotation axis, degrees)
SLAB_TILTS = {"parallel": (None, 0.0), "tiltx45": ("x", 45.0), "tilty45": ("y", 45.0)}


def available() -> bool:
    """True when the E-field stage's public API is present."""
    import coilsim
    return callable(getattr(coilsim, "solve_efield", None)) and hasattr(coilsim, "TissueModel")


def _api():
    import coilsim
    return coilsim.solve_efield, coilsim.TissueModel


def _mean_edge(tissue) -> float:
    """Mean edge length (m) of all the tissue's surface triangles."""
    e = [np.linalg.norm(np.diff(m.vertices[m.faces][:, [0, 1, 2, 0]], axis=1), axis=-1).ravel()
         for m in tissue.surfaces()]
    return float(np.concatenate(e).mean())


def _rot_x(deg: float) -> np.ndarray:
    t = math.radians(deg)
    c, s = math.cos(t), math.sin(t)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _tilted_loop(radius: float, tilt_deg: float, lowest: float, n_seg: int = 64):
    """A round coil tilted by ``tilt_deg`` about x, its lowest winding point at height ``lowest``
    above z = 0 (m). Returns the coil and its centre."""
    import coilsim as cs
    zc = lowest + radius * math.sin(math.radians(tilt_deg))
    coil = cs.circular_coil(radius, segments_per_turn=n_seg).rotated(_rot_x(tilt_deg)).moved([0.0, 0.0, zc])
    return coil, np.array([0.0, 0.0, zc])


def _E(coil, tissue, points):
    solve, _ = _api()
    field = solve(coil, tissue)
    return np.asarray(field.E(points, di_dt=1.0), dtype=float), getattr(field, "report", None)


def _report_summary(report):
    if report is None:
        return None
    if isinstance(report, dict):
        return {k: v for k, v in report.items() if isinstance(v, (int, float, str))}
    return {k: v for k, v in vars(report).items() if isinstance(v, (int, float, str))} \
        if hasattr(report, "__dict__") else repr(report)


def _err(x, ref):
    from coilsim.metrics import field_error
    return field_error(x, ref)


def _sphere_reference(coil, points, radius):
    from coilsim.analytic import sphere_efield_polyline
    E = np.zeros_like(points)
    for w, v in zip(coil.wires, coil.polylines()):
        E += sphere_efield_polyline(points, v, w.weight, radius=radius)
    return E


def _sphere_points(rng, radii, n, margin=2e-3):
    """Random points in the upper half (under the coil) of the sphere with shell radii ``radii``
    (outermost first), at least ``margin`` from every interface."""
    radii = np.atleast_1d(np.asarray(radii, dtype=float))
    pts = []
    while len(pts) < n:
        p = rng.uniform(-radii[0], radii[0], (4 * n, 3))
        r = np.linalg.norm(p, axis=1)
        ok = (r <= radii[0] - margin) & (p[:, 2] > 0)
        ok &= np.min(np.abs(r[:, None] - radii[None, :]), axis=1) >= margin
        pts.extend(p[ok])
    return np.array(pts[:n])


def _mesh_kw(ctor, **options):
    """``options`` if the tissue constructor takes them (named or ``**mesh_options``), else {}."""
    try:
        params = inspect.signature(ctor).parameters
    except (TypeError, ValueError):
        return {}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()) or set(options) <= set(params):
        return options
    return {}


def _nearest_skin_point(coil, project):
    v = np.concatenate(coil.polylines())
    return project(v[np.argmin(np.linalg.norm(project(v) - v, axis=1))])


def _cylinder_points(rng, layers, n, margin=2e-3, z_half=0.03, spread=1.0):
    """Points under the coil (azimuth within ``spread`` rad of +y, |z| ≤ z_half) at least
    ``margin`` from every interface of the concentric ``layers``."""
    outer = sum(t for _, t, _ in layers)
    radii = np.cumsum([0.0] + [t for _, t, _ in layers])[:-1]
    radii = outer - radii                                   # outer radius of each layer
    interfaces = np.append(radii, 0.0)
    pts = []
    while len(pts) < n:
        rho = rng.uniform(0, outer, 4 * n)
        th = math.pi / 2 + rng.uniform(-spread, spread, 4 * n)
        z = rng.uniform(-z_half, z_half, 4 * n)
        ok = np.min(np.abs(rho[:, None] - interfaces[None, :-1]), axis=1) >= margin
        p = np.column_stack([rho * np.cos(th), rho * np.sin(th), z])
        pts.extend(p[ok])
    return np.array(pts[:n]), radii



def _rot(axis, deg: float) -> np.ndarray:
    if axis is None:
        return np.eye(3)
    if axis == "x":
        return _rot_x(deg)
    t = math.radians(deg)
    c, s = math.cos(t), math.sin(t)
    if axis == "y":
        return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
    raise ValueError(f"axis must be None, 'x' or 'y'; got {axis!r}")


def slab_coil(axis=None, deg: float = 0.0, *, lift: float = SLAB_LIFT, size=SLAB_COIL):
    """The slab cases' figure-eight (closed through its return leads), rotated by ``deg`` about
    ``axis`` ("x", "y" or None) and lifted so its lowest point is ``lift`` (m) above z = 0."""
    import coilsim as cs
    coil = cs.figure_eight_coil(*size).rotated(_rot(axis, deg))
    zmin = min(float(p[:, 2].min()) for p in coil.polylines())
    return coil.moved([0.0, 0.0, lift - zmin])


def slab_points(rng, n: int, depth=(2e-3, 20e-3)) -> np.ndarray:
    """``n`` random points under the coil: |x| ≤ 2 outer radii, |y| ≤ 1 outer radius, at depths
    in ``depth`` (m) below the skin z = 0."""
    a = SLAB_COIL[1]
    return np.column_stack([rng.uniform(-2 * a, 2 * a, n), rng.uniform(-a, a, n),
                            -rng.uniform(depth[0], depth[1], n)])


def slab_tissue(radius: float, thickness: float, *, h_min: float, growth: float, max_edge: float,
                conductivity: float = 0.34, footprint=SLAB_FOOTPRINT):
    """Homogeneous slab: a disc of ``radius`` and ``thickness`` (m) whose top face is the skin at
    z = 0 (the planar model's frame), meshed by :func:`coilsim.tissue.mesh.capped_cylinder`
    with edges ``h_min`` over the coil's footprint (|x| ≤ footprint[0], |y| ≤ footprint[1],
    focus points 5 mm apart) growing by ``growth`` to ``max_edge``. Returns (TissueModel, faces)."""
    import coilsim as cs
    from coilsim.tissue import mesh
    hx, hy = footprint
    x, y = np.meshgrid(np.arange(-hx, hx + 1e-9, 5e-3), np.arange(-hy, hy + 1e-9, 5e-3), indexing="ij")
    focus = np.column_stack([x.ravel(), y.ravel(), np.zeros(x.size)])
    v, f = mesh.capped_cylinder(radius, thickness, mesh.graded_size(focus, h_min, max_edge, growth),
                                center_z=-thickness / 2)
    return cs.TissueModel.from_meshes([(v, f, conductivity)], names=["muscle"], name="slab"), len(f)


def slab_rim_correction(field, points, radius: float, thickness: float, *, n_phi: int = 512,
                        n_z: int = 16, n_max: int = 48) -> np.ndarray:
    """Exact change (V/m per A/s) of a half-space's field when the body is cut down to a slab.

    The slab is the disc r < ``radius``, −``thickness`` < z < 0; ``field`` is the planar model's
    field (any callable points -> E valid for z ≤ 0), ``points`` (k, 3) m inside the slab.
    The planar field has E_z ≡ 0, so it already meets n·E = 0 on both flat faces; only the rim,
    where it has a normal part E_r(φ, z), needs a correction −∇ψ with ψ harmonic, ∂ψ/∂z = 0 on
    the faces and ∂ψ/∂r = E_r on the rim. Expanding E_r in cos(kπz/T): the z-mean (k = 0) is
    solved exactly by the 2-D ψ = Σ_n (R/n)(r/R)^n (a_n cos nφ + b_n sin nφ), with a_n, b_n the
    Fourier coefficients of the z-mean of E_r on the rim; the k ≥ 1 terms decay from the rim like
    exp(−kπ(R − r)/T) and are left out (< 1e-3 of the rim field at R − r ≥ 2.2 T).
    The n = 1 term is a uniform field: an insulated plate channels its rim charges' field in
    2-D, so it does not fall off like a dipole sheet's, and the finite width costs an error of the
    order of the rim's normal field everywhere — (a/R)³ of the peak for a quadrupole source such
    as a figure-eight of size a, ~ (a/R)² for a coil with a net dipole moment.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    R, T = float(radius), float(thickness)
    phi = 2 * np.pi * np.arange(n_phi) / n_phi
    zg, wz = np.polynomial.legendre.leggauss(n_z)
    z = -0.5 * T * (1.0 - zg)
    wz = 0.5 * wz
    P, Z = np.meshgrid(phi, z, indexing="ij")
    rim = np.column_stack([R * np.cos(P.ravel()), R * np.sin(P.ravel()), Z.ravel()])
    e = np.asarray(field(rim), dtype=np.float64).reshape(n_phi, n_z, 3)
    er = (e[..., 0] * np.cos(phi)[:, None] + e[..., 1] * np.sin(phi)[:, None]) @ wz
    c = np.fft.rfft(er) / n_phi                  # E_r = Σ 2 Re(c_n e^{inφ})
    zc = pts[:, 0] + 1j * pts[:, 1]
    out = np.zeros_like(pts)
    for n in range(1, min(n_max, n_phi // 2 - 1) + 1):
        # ψ_n = (2 R / n) Re(c_n (zc / R)^n); E = −∇ψ: E_x − i E_y = −2 c_n (zc / R)^(n−1)
        g = 2.0 * c[n] * (zc / R) ** (n - 1)
        out[:, 0] -= g.real
        out[:, 1] += g.imag
    return out


def _slab_fields(ctx, n: int):
    """BEM and planar fields of the three slab orientations on one operator (one assembly)."""
    import coilsim as cs
    rng = np.random.default_rng([ctx.seed, 106])
    pts = slab_points(rng, n)
    tissue, faces = slab_tissue(SLAB_R, SLAB_T, **SLAB_MESH)
    planar = cs.TissueModel.planar([("muscle", math.inf, 0.34)])
    out = {"points": pts, "faces": faces}
    for key, (axis, deg) in SLAB_TILTS.items():
        coil = slab_coil(axis, deg)
        fp = cs.solve_efield(coil, planar)
        field = cs.solve_efield(coil, tissue)
        out[key] = {"bem": np.asarray(field.E(pts)), "planar": np.asarray(fp.E(pts)),
                    "rim": slab_rim_correction(fp.E, pts, SLAB_R, SLAB_T),
                    "primary": -coil.A(pts), "report": _report_summary(field.report)}
    return out


def register(reg: Registry) -> None:
    """Add the E-field cases to ``reg`` when the E-field API exists (else nothing)."""
    if not available():
        return

    # ---------------------------------------------------------------- planar

    @reg.case("efield_planar_parallel", "efield", "−A (coil parallel to the skin)", 1e-10,
              quantity="DESIGN.md field error")
    def planar_parallel(ctx):
        """Planar skin/fat/muscle, a 25 mm round coil 10 mm above the skin and parallel to it:
        no surface charge, so E = −dI/dt·A exactly (Tofts 1990), for any layer conductivities."""
        _, TM = _api()
        rng = np.random.default_rng([ctx.seed, 101])
        coil, _ = _tilted_loop(0.025, 0.0, 0.01)
        n = 100 if ctx.quick else 1000
        pts = np.column_stack([rng.uniform(-0.05, 0.05, (n, 2)), -rng.uniform(1e-4, 0.04, n)])
        E, rep = _E(coil, TM.planar(PLANAR_LAYERS), pts)
        return Outcome(_err(E, -coil.A(pts)), {"points": n, "report": _report_summary(rep)})

    def _planar_tilt(tilt):
        def func(ctx):
            from coilsim.analytic import halfspace_efield
            _, TM = _api()
            rng = np.random.default_rng([ctx.seed, 102, int(tilt)])
            coil, _ = _tilted_loop(0.025, tilt, 0.005)
            n = 20 if ctx.quick else 80
            pts = np.column_stack([rng.uniform(-0.04, 0.04, (n, 2)), -rng.uniform(0.0, 0.04, n)])
            E, rep = _E(coil, TM.planar(PLANAR_LAYERS), pts)
            ref = halfspace_efield(pts, coil.B, length_scale=0.01, rtol=1e-10)
            return Outcome(_err(E, ref), {"tilt_deg": tilt, "points": n, "primary_only_error": _err(-coil.A(pts), ref),
                                          "report": _report_summary(rep)})
        func.__doc__ = (f"Planar skin/fat/muscle, 25 mm round coil tilted {tilt:g}° (lowest winding 5 mm "
                        "above the skin) against adaptive quadrature of ẑ × ∫ B dz of the coil's own "
                        "Biot–Savart B (coilsim.analytic.halfspace_efield; not the solver's closed form).")
        return func

    for tilt in (0, 45, 90):
        reg.case(f"efield_planar_tilt{tilt}", "efield", "quadrature of ẑ × ∫ B dz (Tofts 1990)", 1e-6,
                 quantity="DESIGN.md field error",
                 variants=("quick", "full") if tilt == 45 else ("full",))(_planar_tilt(tilt))

    # ---------------------------------------------------------------- sphere

    def _sphere(tilt, shells):
        def func(ctx):
            _, TM = _api()
            rng = np.random.default_rng([ctx.seed, 103, int(tilt), shells])
            coil, _ = _tilted_loop(0.015, tilt, SPHERE_R + 0.005)
            focus = _nearest_skin_point(coil, lambda p: SPHERE_R * p / np.linalg.norm(p, axis=-1, keepdims=True))
            radii, sigma = ([SPHERE_R], [0.34]) if shells == 1 else SPHERE_3
            mesh = dict(SPHERE_MESH if shells == 1 else SPHERE3_MESH, focus=tuple(focus))
            tissue = TM.sphere(radii[0] if shells == 1 else radii, sigma[0] if shells == 1 else sigma,
                               **_mesh_kw(TM.sphere, **mesh))
            n = 60 if ctx.quick else 300
            pts = _sphere_points(rng, radii, n)
            E, rep = _E(coil, tissue, pts)
            ref = _sphere_reference(coil, pts, SPHERE_R)
            return Outcome(_err(E, ref), {"tilt_deg": tilt, "radii_m": radii, "conductivities": sigma,
                                          "points": n, "mesh": mesh,
                                          "primary_only_error": _err(-coil.A(pts), ref),
                                          "report": _report_summary(rep)})
        func.__doc__ = (f"Sphere R = 40 mm, {'one shell σ = 0.34 S/m' if shells == 1 else 'three shells (skin/fat/muscle σ)'}, "
                        f"15 mm round coil tilted {tilt:g}° 5 mm above the top, points ≥ 2 mm from every interface: BEM "
                        "against Heller & van Hulsteyn's closed form for the coil's dipole sheet "
                        "(independent of σ(r)).")
        return func

    for tilt, shells, variants in ((45, 1, ("quick", "full")), (0, 1, ("full",)), (90, 1, ("full",)),
                                   (0, 3, ("full",)), (45, 3, ("full",)), (90, 3, ("full",))):
        reg.case(f"efield_sphere{shells}_tilt{tilt}", "efield", "Heller & van Hulsteyn 1992", 0.01,
                 quantity="DESIGN.md field error", variants=variants)(_sphere(tilt, shells))

    # ---------------------------------------------------------------- cylinder

    def _cylinder(layers, orientation):
        def func(ctx):
            from coilsim.analytic import cylinder_efield
            import coilsim as cs
            _, TM = _api()
            rng = np.random.default_rng([ctx.seed, 104, len(layers), orientation == "edge"])
            a, d = 0.02, 0.005
            coil = cs.circular_coil(a, segments_per_turn=64)
            if orientation == "parallel":       # winding plane tangent to the skin over +y, axis radial
                coil, extent = coil.rotated(_rot_x(-90.0)).moved([0.0, CYL_R + d, 0.0]), a
            else:                               # on edge: winding plane z = 0, axis along the leg
                coil, extent = coil.moved([0.0, CYL_R + d + a, 0.0]), 0.0
            focus = (0.0, CYL_R, 0.0)                  # the skin point nearest the coil
            mesh = dict(CYLINDER_MESH, focus=focus)
            tissue = TM.cylinder(layers, length=CYL_LENGTH, **_mesh_kw(TM.cylinder, **mesh))
            n = 40 if ctx.quick else 200
            pts, radii = _cylinder_points(rng, layers, n)
            E, rep = _E(coil, tissue, pts)
            ref = cylinder_efield(pts, coil.A, radii, [s for _, _, s in layers], source_distance=d,
                                  source_extent=extent)
            return Outcome(_err(E, ref), {"layers": layers, "orientation": orientation, "points": n, "mesh": mesh,
                                          "length_m": CYL_LENGTH, "primary_only_error": _err(-coil.A(pts), ref),
                                          "report": _report_summary(rep)})
        kind = "homogeneous" if len(layers) == 1 else "skin/fat/muscle"
        func.__doc__ = (f"Cylinder R = 40 mm, length 8R, {kind}; 20 mm round coil 5 mm from the skin, "
                        f"{'parallel to the skin' if orientation == 'parallel' else 'on edge (axis tangential)'}; "
                        "points in the central third ≥ 2 mm from every interface against the infinite "
                        "layered-cylinder Fourier–Bessel series (Esselle & Stuchly 1995).")
        return func

    for layers, orient, variants in ((CYL_HOMOG, "parallel", ("quick", "full")),
                                     (CYL_3, "parallel", ("full",)),
                                     (CYL_3, "edge", ("full",)),
                                     (CYL_HOMOG, "edge", ("full",))):
        name = f"efield_cylinder{'1' if len(layers) == 1 else '3'}_{orient}"
        reg.case(name, "efield", "Fourier–Bessel series (Esselle & Stuchly)", 0.02,
                 quantity="DESIGN.md field error", variants=variants)(_cylinder(layers, orient))

    # ---------------------------------------------------------------- slab

    def _slab(key):
        def func(ctx):
            n = 300
            data = ctx.cached(f"efield_slab_n{n}", lambda: _slab_fields(ctx, n))
            d = data[key]
            ref = d["planar"]
            return Outcome(_err(d["bem"], ref), {
                "orientation": key, "slab_radius_m": SLAB_R, "slab_thickness_m": SLAB_T,
                "coil": {"figure_eight": SLAB_COIL, "lift_m": SLAB_LIFT}, "points": n,
                "depth_m": (2e-3, 20e-3), "mesh": SLAB_MESH, "faces": data["faces"],
                "finite_width_error": _err(ref + d["rim"], ref),
                "error_vs_planar_plus_rim_correction": _err(d["bem"], ref + d["rim"]),
                "primary_only_error": _err(d["primary"], ref), "report": d["report"]})
        axis, deg = SLAB_TILTS[key]
        how = "parallel to the skin" if axis is None else f"tilted {deg:g}° about {axis}"
        func.__doc__ = (f"Homogeneous slab (disc R = {SLAB_R * 1e3:g} mm, {SLAB_T * 1e3:g} mm thick, "
                        f"skin = top face at z = 0), figure-eight (wing outer radius {SLAB_COIL[1] * 1e3:g} "
                        f"mm, closed through its leads) {how}, lowest point 5 mm above the skin; points "
                        "2–20 mm deep under the coil: BEM against the planar closed form (E_z ≡ 0). The "
                        "slab's finite width is reported (slab_rim_correction) and costs ≤ 0.2 % here.")
        return func

    for key in SLAB_TILTS:
        reg.case(f"efield_slab_planar_{key}", "efield", "planar closed form (Tofts 1990)", 0.01,
                 quantity="DESIGN.md field error", variants=("full",))(_slab(key))

    # ---------------------------------------------------------------- mesh convergence

    @reg.case("efield_sphere_mesh_order", "convergence", "order in h vs Heller–van Hulsteyn (≥ 0.9)", 0.9,
              check="min", quantity="fitted order", variants=("full",))
    def sphere_order(ctx):
        """Sphere BEM (one shell, 45° coil, points ≥ 2 mm inside) on uniform meshes of edge
        h = 8, 5.6 and 4 mm: the fitted order of the error in h (issue 4: ≥ 0.9)."""
        _, TM = _api()
        rng = np.random.default_rng([ctx.seed, 105])
        coil, _ = _tilted_loop(0.015, 45.0, SPHERE_R + 0.005)
        pts = _sphere_points(rng, [SPHERE_R], 100)
        ref = _sphere_reference(coil, pts, SPHERE_R)
        hs = np.array(ORDER_H)
        errs, unknowns = [], []
        for h in hs:
            kw = _mesh_kw(TM.sphere, max_edge=float(h), h_min=float(h))
            if not kw:
                raise TypeError("TissueModel.sphere takes no mesh size (max_edge, h_min): no convergence study")
            E, rep = _E(coil, TM.sphere(SPHERE_R, 0.34, **kw), pts)
            errs.append(_err(E, ref))
            unknowns.append(getattr(rep, "unknowns", None))
        p = float(np.polyfit(np.log(hs), np.log(errs), 1)[0])
        plot = {"figure": "bem_sphere_convergence", "title": "Sphere BEM vs Heller–van Hulsteyn (45° coil)",
                "xlabel": "mesh edge h (m)", "ylabel": "DESIGN.md field error", "loglog": True,
                "series": [{"label": f"fitted order {p:.2f}", "x": hs, "y": errs, "style": "o-"}]}
        return Outcome(p, {"h_m": hs, "errors": errs, "unknowns": unknowns}, plot)

    @reg.case("efield_cylinder_mesh_order", "convergence", "order in h vs the Fourier–Bessel series (≥ 0.9)",
              0.9, check="min", quantity="fitted order", variants=("full",))
    def cylinder_order(ctx):
        """Homogeneous cylinder (R = 40 mm, length 8R), 20 mm round coil 5 mm from the skin parallel
        to it, points in the central third ≥ 2 mm inside, on uniform meshes of max_edge 16, 10 and
        5.6 mm (the capped-cylinder mesher halves edges: mean edges ~12, 6.4, 3.2 mm): the fitted
        order of the error in the mean edge against the infinite-cylinder series (≥ 0.9)."""
        from coilsim.analytic import cylinder_efield
        import coilsim as cs
        _, TM = _api()
        rng = np.random.default_rng([ctx.seed, 106])
        a, d = 0.02, 0.005
        coil = cs.circular_coil(a, segments_per_turn=64).rotated(_rot_x(-90.0)).moved([0.0, CYL_R + d, 0.0])
        pts, radii = _cylinder_points(rng, CYL_HOMOG, 100)
        ref = cylinder_efield(pts, coil.A, radii, [CYL_HOMOG[0][2]], source_distance=d, source_extent=a)
        errs, unknowns, hs = [], [], []
        for h in CYL_ORDER_H:
            tissue = TM.cylinder(CYL_HOMOG, length=CYL_LENGTH, **_mesh_kw(TM.cylinder, max_edge=float(h),
                                                                           h_min=float(h)))
            E, rep = _E(coil, tissue, pts)
            errs.append(_err(E, ref))
            unknowns.append(getattr(rep, "unknowns", None))
            hs.append(_mean_edge(tissue))
        p = float(np.polyfit(np.log(hs), np.log(errs), 1)[0])
        plot = {"figure": "bem_cylinder_convergence", "title": "Cylinder BEM vs the Fourier–Bessel series",
                "xlabel": "mean mesh edge h (m)", "ylabel": "DESIGN.md field error", "loglog": True,
                "series": [{"label": f"fitted order {p:.2f}", "x": hs, "y": errs, "style": "o-"}]}
        return Outcome(p, {"max_edge_m": CYL_ORDER_H, "mean_edge_m": hs, "errors": errs,
                           "unknowns": unknowns}, plot)
