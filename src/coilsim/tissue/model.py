"""TissueModel: the conductor the coil induces a field in, behind one interface.

Kinds (lengths in m, conductivities in S/m):

- ``planar``: layers under a flat skin at z = 0, body z < 0 (the E-field has a closed form);
- ``sphere``: concentric shells centred on the origin (validation against Heller–van Hulsteyn);
- ``cylinder``: concentric layers of finite length along z, each a closed surface whose end caps
  are inset by the same thicknesses, centred on the origin;
- ``calf``: the anatomical lower leg of :mod:`coilsim.tissue.anatomy` (elliptic, tapering, with
  eccentric tibia and fibula), from clinical measurements or an age-group file;
- ``meshes``: any closed, pairwise disjoint triangle surfaces (containment derived).

Every kind but ``planar`` is solved by the surface-charge BEM on closed triangle surfaces
(:meth:`TissueModel.surfaces`); the mesh is graded from ``h_min`` at ``focus`` to ``max_edge``
with ``growth`` (m of edge per m of distance), so one mesh serves every coil placed near the
focus (operator reuse).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np

from .._validate import as_points, real_scalar
from ..errors import CoilsimTypeError, CoilsimValueError
from . import anatomy, mesh
from .conductivity import conductivity_table
from .io import list_tissue_files, read_tissue_file

__all__ = ["Layer", "Surface", "MeshOptions", "TissueModel", "load_tissue", "list_tissues"]


@dataclass(frozen=True)
class Layer:
    """One layer: ``name``, ``thickness`` (m; the radius for a cylinder's core; may be inf for the
    last planar layer) and ``conductivity`` (S/m)."""

    name: str
    thickness: float
    conductivity: float


@dataclass(frozen=True, eq=False)
class Surface:
    """A closed, outward-oriented triangle surface: the boundary of region ``name`` whose
    conductivity is ``conductivity`` (S/m); ``parent`` is the index of the surface directly
    enclosing it (−1: surrounded by air)."""

    name: str
    vertices: np.ndarray
    faces: np.ndarray
    conductivity: float
    parent: int


@dataclass(frozen=True)
class MeshOptions:
    """Mesh resolution: edges from ``h_min`` (m) at ``focus`` ((3,) or (k, 3) m, or None for a
    uniform mesh) growing by ``growth`` (m per m) up to ``max_edge`` (m); ``surface_h_min``
    ({surface name: m}) grades the named surfaces from their own h_min.

    The default h_min is set by the accuracy near interfaces: on a skin/fat/muscle cylinder
    (``coilsim bench --perf``, perf_default_resolution_error_0p3_2mm) 2 mm and 1.6 mm gave 3.4 %
    at points 0.3–2 mm from an interface, 1.5 mm and 1.25 mm 2.0 % and 2.2 % (goal 3 %), for
    10 % more unknowns than 2 mm; points ≥ 2 mm away: 1.6 % and 1.5 %."""

    max_edge: float = 0.008
    h_min: float = 0.0015
    growth: float = 0.1
    focus: tuple | None = None
    #: (surface name, h_min m) pairs: surfaces graded from their own h_min (e.g. a finer skin,
    #: whose charge sets the field under a coil standing on edge); needs a focus
    surface_h_min: tuple = ()

    def size(self, surface: str | None = None):
        """Edge-length field of ``surface`` (its own h_min if :attr:`surface_h_min` names it)."""
        if self.focus is None:
            return self.max_edge
        h = dict(self.surface_h_min).get(surface, self.h_min)
        return mesh.graded_size(np.asarray(self.focus, dtype=np.float64), min(h, self.max_edge),
                                self.max_edge, self.growth)


def _sigma(value, name):
    s = real_scalar(value, name)
    if not s > 0:
        raise CoilsimValueError(f"{name} must be a conductivity > 0 S/m; got {s}")
    return s


def _layers(layers, *, allow_inf_last):
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__len__") or len(layers) == 0:
        raise CoilsimTypeError("layers must be a non-empty sequence of (name, thickness m, "
                               "conductivity S/m) tuples, from the skin inward")
    out = []
    for i, item in enumerate(layers):
        if isinstance(item, Layer):
            item = (item.name, item.thickness, item.conductivity)
        if len(item) != 3 or not isinstance(item[0], str):
            raise CoilsimTypeError(f"layers[{i}] must be (name, thickness m, conductivity S/m); "
                                   f"got {item!r}")
        last = i == len(layers) - 1
        t = real_scalar(item[1], f"layers[{i}] thickness", finite=not (last and allow_inf_last))
        if not t > 0:
            raise CoilsimValueError(f"layers[{i}] thickness must be > 0 m; got {t}")
        out.append(Layer(item[0], t, _sigma(item[2], f"layers[{i}] conductivity")))
    names = [l.name for l in out]
    if len(set(names)) != len(names):
        raise CoilsimValueError(f"layer names must be unique; got {names}")
    return tuple(out)


class TissueModel:
    """A tissue model; build it with a classmethod (:meth:`planar`, :meth:`sphere`,
    :meth:`cylinder`, :meth:`calf`, :meth:`from_meshes`) or :func:`load_tissue`."""

    def __init__(self, kind, name, *, layers=(), length=None, geometry=None, conductivities=None,
                 meshes=None, options=MeshOptions(), bones="full", side="right"):
        self.kind = kind
        self.name = name
        self.layers = layers
        self.length = length
        self.geometry = geometry
        self._conductivities = dict(conductivities or {})
        self._meshes = meshes
        self.options = options
        self.bones = bones
        self.side = side

    # ------------------------------------------------------------------ constructors
    @classmethod
    def planar(cls, layers, name="planar"):
        """Layers (name, thickness m, conductivity S/m) from the skin (z = 0) into z < 0; the
        last may be ``math.inf`` thick."""
        return cls("planar", name, layers=_layers(layers, allow_inf_last=True))

    @classmethod
    def sphere(cls, radius, conductivity, *, name="sphere", **mesh_options):
        """Concentric shells centred on the origin: ``radius`` (m) and ``conductivity`` (S/m),
        scalars or sequences outermost first. ``mesh_options``: see :class:`MeshOptions`."""
        r = np.atleast_1d(np.asarray(radius, dtype=np.float64))
        s = np.atleast_1d(np.asarray(conductivity, dtype=np.float64))
        if r.ndim != 1 or r.shape != s.shape:
            raise CoilsimTypeError(f"radius and conductivity need the same length; got {r.shape} "
                                   f"and {s.shape}")
        if not np.all(np.isfinite(r)) or not np.all(r > 0) or np.any(np.diff(r) >= 0):
            raise CoilsimValueError(f"radius must be finite, > 0 and decreasing (outermost first); "
                                    f"got {r}")
        for i, v in enumerate(s):
            _sigma(float(v), f"conductivity[{i}]")
        layers = tuple(Layer(f"shell{i}", float(r[i] - (r[i + 1] if i + 1 < len(r) else 0.0)),
                             float(s[i])) for i in range(len(r)))
        return cls("sphere", name, layers=layers,
                   options=_options(mesh_options, r[0], [l.name for l in layers]))

    @classmethod
    def cylinder(cls, layers, *, length, name="cylinder", **mesh_options):
        """Concentric layers along z from the skin inward (the last is the core; its thickness is
        its radius); every layer is closed with end caps inset by the layers outside it."""
        lay = _layers(layers, allow_inf_last=False)
        length = real_scalar(length, "length", positive=True)
        if length <= 2 * sum(l.thickness for l in lay[:-1]):
            raise CoilsimValueError("length must exceed twice the thickness of the outer layers "
                                    "(the end caps are inset by them)")
        radius = sum(l.thickness for l in lay)
        return cls("cylinder", name, layers=lay, length=length,
                   options=_options(mesh_options, radius, [l.name for l in lay]))

    @classmethod
    def calf(cls, circumference, skin, fat, gastrocnemius, soleus, *, length, tibia_diameter,
             tibia_cortex, fibula_diameter=None, fibula_cortex=None, ankle_ratio=0.6, aspect=1.1,
             side="right", conductivities=None, intramuscular_fat_fraction=0.0,
             name="calf", bones="full", **mesh_options):
        """A child's lower leg from clinical measurements (m): mid-calf ``circumference``, skin,
        subcutaneous fat, medial gastrocnemius and soleus thickness (ultrasound), knee-crease to
        ankle ``length``, tibia outer diameter and cortex (fibula defaults: 0.55× and 0.75× the
        tibia's, assumptions). ``conductivities`` overrides the table by tissue name (S/m);
        ``intramuscular_fat_fraction`` lowers the muscle conductivity by the Maxwell Garnett rule
        (:func:`coilsim.tissue.conductivity.effective_muscle_conductivity`)."""
        from .conductivity import effective_muscle_conductivity
        geo = anatomy.calf_geometry(
            circumference, skin, fat, gastrocnemius, soleus, length=length,
            ankle_ratio=ankle_ratio, aspect=aspect, tibia_diameter=tibia_diameter,
            tibia_cortex=tibia_cortex,
            fibula_diameter=0.55 * tibia_diameter if fibula_diameter is None else fibula_diameter,
            fibula_cortex=0.75 * tibia_cortex if fibula_cortex is None else fibula_cortex,
            side=side)
        table = conductivity_table(conductivities)
        f = real_scalar(intramuscular_fat_fraction, "intramuscular_fat_fraction", nonnegative=True)
        if f > 0:
            table["muscle"] = effective_muscle_conductivity(f, muscle=table["muscle"],
                                                            fat=table["fat"])
        sig = {s: table[t] for s, t in anatomy.SURFACE_TISSUE.items()}
        return cls._from_geometry(geo, sig, name, bones, mesh_options)

    @classmethod
    def _from_geometry(cls, geo, sig, name, bones, mesh_options):
        if bones not in ("full", "cortex", "none"):
            raise CoilsimValueError(f"bones must be 'full', 'cortex' or 'none'; got {bones!r}")
        opts = dict(mesh_options)
        if "focus" not in opts:  # the posterior calf over the triceps surae motor points
            opts["focus"] = np.array([geo.motor_point(n)[0] for n in
                                      ("medial_gastrocnemius", "lateral_gastrocnemius")])
        opts.setdefault("max_edge", 0.01)
        return cls("calf", name, geometry=geo, conductivities=sig, bones=bones, side=geo.side,
                   options=_options(opts, geo.a_max, anatomy.surface_names(bones)))

    @classmethod
    def from_meshes(cls, meshes, *, names=None, name="meshes", check=True):
        """Any closed, pairwise disjoint surfaces: a sequence of (vertices (n,3) m, faces (m,3),
        conductivity inside S/m), or of file paths (STL/VTK/PLY, read with pyvista) paired with
        conductivities as (path, conductivity). Faces are oriented outward (checked)."""
        if not hasattr(meshes, "__len__") or len(meshes) == 0:
            raise CoilsimTypeError("meshes must be a non-empty sequence of (vertices, faces, "
                                   "conductivity) or (path, conductivity)")
        items = []
        for i, m in enumerate(meshes):
            if len(m) == 2:
                v, f = _read_mesh_file(m[0], f"meshes[{i}]")
                s = m[1]
            elif len(m) == 3:
                v, f, s = m
            else:
                raise CoilsimTypeError(f"meshes[{i}] must be (vertices, faces, conductivity) or "
                                       f"(path, conductivity)")
            v = np.asarray(v, dtype=np.float64)
            f = np.asarray(f)
            nm = names[i] if names is not None else f"region{i}"
            if check:
                mesh.check_surface(v, f, nm)
            items.append((nm, v, f.astype(np.int64), _sigma(s, f"meshes[{i}] conductivity")))
        surfaces = [(v, f) for _, v, f, _ in items]
        for i in range(len(surfaces)):
            for j in range(i + 1, len(surfaces)):
                if mesh.surfaces_intersect(surfaces[i], surfaces[j]):
                    raise CoilsimValueError(
                        f"surfaces {items[i][0]!r} and {items[j][0]!r} intersect; the BEM needs "
                        f"pairwise disjoint closed surfaces")
        parents = mesh.containment_tree(surfaces)
        built = [Surface(nm, v, f, s, p) for (nm, v, f, s), p in zip(items, parents)]
        return cls("meshes", name, meshes=built,
                   conductivities={nm: s for nm, _, _, s in items})

    # ------------------------------------------------------------------ properties
    def __repr__(self):
        return f"TissueModel(kind={self.kind!r}, name={self.name!r}, regions={self.regions})"

    def with_mesh(self, **options) -> "TissueModel":
        """A copy with other mesh options (max_edge, h_min, growth, focus, surface_h_min; see
        MeshOptions)."""
        merged = {**asdict(self.options), **options}
        radius = self.geometry.a_max if self.geometry is not None else merged["max_edge"] * 4
        if self.kind == "calf":
            names = anatomy.surface_names(self.bones)
        elif self.kind == "meshes":
            names = [m.name for m in self._meshes]
        else:
            names = [l.name for l in self.layers]
        return TissueModel(self.kind, self.name, layers=self.layers, length=self.length,
                           geometry=self.geometry, conductivities=self._conductivities,
                           meshes=self._meshes, bones=self.bones, side=self.side,
                           options=_options(merged, radius, names))

    @property
    def regions(self) -> tuple:
        """Region names, outermost first (planar: layers from the skin down)."""
        if self.kind in ("planar", "sphere", "cylinder"):
            return tuple(l.name for l in self.layers)
        return tuple(s.name for s in self.surfaces())

    @property
    def conductivities(self) -> dict:
        """{region name: conductivity, S/m}."""
        if self.kind in ("planar", "sphere", "cylinder"):
            return {l.name: l.conductivity for l in self.layers}
        return dict(self._conductivities) if self.kind == "meshes" else {
            n: self._conductivities[n] for n in self.regions}

    @property
    def muscle_regions(self) -> tuple:
        """Regions counted as "muscle and deeper" for d½ and V½ (DESIGN.md): everything below the
        first region named like muscle (all regions but skin and fat when none is)."""
        names = self.regions
        for i, n in enumerate(names):
            if "muscle" in n:
                return names[i:]
        return tuple(n for n in names if n not in ("skin", "fat"))

    # ------------------------------------------------------------------ meshes
    def surfaces(self) -> list:
        """Closed triangle surfaces (list of :class:`Surface`), outermost first (cached)."""
        if self.kind == "planar":
            raise CoilsimValueError("a planar model has no closed surfaces (its field has a closed "
                                    "form); use sphere/cylinder/calf/from_meshes for the BEM")
        return self._surfaces

    @cached_property
    def _surfaces(self):
        if self.kind == "meshes":
            return list(self._meshes)
        if self.kind == "sphere":
            out, r = [], np.cumsum([l.thickness for l in self.layers][::-1])[::-1]
            for i, (l, rad) in enumerate(zip(self.layers, r)):
                v, f = mesh.icosphere(rad, self.options.max_edge)
                v, f = mesh.refine(v, f, self.options.size(l.name), _sphere_projection(rad))
                out.append(Surface(l.name, v, f, l.conductivity, i - 1))
            return out
        if self.kind == "cylinder":
            out, inset = [], 0.0
            r = np.cumsum([l.thickness for l in self.layers][::-1])[::-1]
            for i, (l, rad) in enumerate(zip(self.layers, r)):
                v, f = mesh.capped_cylinder(rad, self.length - 2 * inset, self.options.size(l.name))
                out.append(Surface(l.name, v, f, l.conductivity, i - 1))
                inset += l.thickness
            return out
        if self.kind == "calf":
            o = self.options
            surf = self.geometry.surfaces(o.max_edge, focus=None if o.focus is None else
                                          np.asarray(o.focus), h_min=o.h_min, growth=o.growth,
                                          bones=self.bones, surface_h_min=dict(o.surface_h_min))
            parent = {"skin": -1, "fat": 0, "muscle": 1}
            names = [n for n, _, _ in surf]
            out = []
            for n, v, f in surf:
                if n in parent:
                    p = parent[n]
                elif n.endswith("_cortex"):
                    p = names.index("muscle")
                else:
                    p = names.index(n.replace("marrow", "cortex"))
                out.append(Surface(n, v, f, self._conductivities[n], p))
            return out
        raise AssertionError(self.kind)

    # ------------------------------------------------------------------ points
    def region(self, points) -> np.ndarray:
        """Index into :attr:`regions` of the region holding each point (..., 3) m; −1 outside.
        Planar models use the exact layers; every other kind its triangle surfaces (the geometry
        the BEM solves, so a point the solver accepts is a point this counts as inside)."""
        p = as_points(points)
        if self.kind == "planar":
            z = -p[..., 2]
            edges = np.cumsum([0.0] + [l.thickness for l in self.layers])
            idx = np.searchsorted(edges, z, side="right") - 1
            idx[(z < 0) | (idx >= len(self.layers))] = -1
            return idx
        surf = self.surfaces()
        flat = p.reshape(-1, 3)
        idx = np.full(flat.shape[0], -1)
        depth = _depths(surf)
        for i in np.argsort(depth, kind="stable"):  # outer first, inner surfaces overwrite
            s = surf[i]
            sel = np.flatnonzero(idx == s.parent) if s.parent >= 0 else np.arange(len(flat))
            if sel.size:
                inside = mesh.point_in_surface(flat[sel], s.vertices, s.faces)
                idx[sel[inside]] = i
        return idx.reshape(p.shape[:-1])

    def conductivity_at(self, points) -> np.ndarray:
        """Conductivity (S/m) at points (..., 3) m; NaN outside the tissue."""
        idx = self.region(points)
        sig = np.array([self.conductivities[n] for n in self.regions] + [np.nan])
        return sig[idx]

    def depth(self, points) -> np.ndarray:
        """Distance below the skin, m (negative outside), of points (..., 3) m."""
        p = as_points(points)
        if self.kind == "planar":
            return -p[..., 2]
        if self.kind == "sphere":
            return sum(l.thickness for l in self.layers) - np.linalg.norm(p, axis=-1)
        if self.kind == "cylinder":
            r = sum(l.thickness for l in self.layers)
            return np.minimum(r - np.hypot(p[..., 0], p[..., 1]),
                              0.5 * self.length - np.abs(p[..., 2]))
        if self.kind == "calf":
            return self.geometry.depth(p)
        from scipy.spatial import cKDTree
        outer = [s for s in self.surfaces() if s.parent < 0]
        d = np.full(p.shape[:-1], np.inf).reshape(-1)
        inside = np.zeros(d.shape, bool)
        for s in outer:
            tri = s.vertices[s.faces].mean(axis=1)
            d = np.minimum(d, cKDTree(np.vstack([s.vertices, tri])).query(p.reshape(-1, 3))[0])
            inside |= mesh.point_in_surface(p.reshape(-1, 3), s.vertices, s.faces)
        return np.where(inside, d, -d).reshape(p.shape[:-1])

    def surface_frame(self, fraction=0.5, angle=0.0):
        """(point on the skin (3,) m, outward unit normal (3,)) at ``fraction`` of the length from
        the top (+z end, the knee) and ``angle`` (rad) around the axis from +y (posterior; +π/2
        medial). Cylinder and calf models; planar: the origin and +z; sphere: the direction
        (sin·, cos·) from the top."""
        f = real_scalar(fraction, "fraction")
        a = real_scalar(angle, "angle")
        if not 0 <= f <= 1:
            raise CoilsimValueError(f"fraction must be in [0, 1]; got {f}")
        if self.kind == "calf":
            p, n = self.geometry.surface_frame(f, a)
            return np.asarray(p, dtype=np.float64), np.asarray(n, dtype=np.float64)
        if self.kind == "planar":
            return np.zeros(3), np.array([0.0, 0.0, 1.0])
        if self.kind == "cylinder":
            r = sum(l.thickness for l in self.layers)
            n = np.array([math.sin(a), math.cos(a), 0.0])
            return np.array([r * n[0], r * n[1], (0.5 - f) * self.length]), n
        if self.kind == "sphere":
            r = sum(l.thickness for l in self.layers)
            th = math.pi * f
            n = np.array([math.sin(th) * math.sin(a), math.sin(th) * math.cos(a), math.cos(th)])
            return r * n, n
        raise CoilsimValueError("surface_frame needs a planar, sphere, cylinder or calf model")

    def motor_point(self, name="medial_gastrocnemius"):
        """(point on the skin, outward normal) over a triceps surae motor point (calf models):
        'medial_gastrocnemius', 'lateral_gastrocnemius' or 'soleus' (REFERENCES.md §5)."""
        if self.kind != "calf":
            raise CoilsimValueError("motor points are defined on calf models (TissueModel.calf or "
                                    "load_tissue)")
        p, n = self.geometry.motor_point(name)
        return np.asarray(p, dtype=np.float64), np.asarray(n, dtype=np.float64)

    def to_pyvista(self):
        """A pyvista MultiBlock with one PolyData per surface (cell data "conductivity", S/m);
        a planar model gives a block of layer slabs 0.2 m wide."""
        import pyvista as pv
        blocks = pv.MultiBlock()
        if self.kind == "planar":
            z = 0.0
            for l in self.layers:
                t = l.thickness if math.isfinite(l.thickness) else 0.05
                box = pv.Box(bounds=(-0.1, 0.1, -0.1, 0.1, z - t, z))
                box.cell_data["conductivity"] = np.full(box.n_cells, l.conductivity)
                blocks[l.name] = box
                z -= t
            return blocks
        for s in self.surfaces():
            faces = np.hstack([np.full((len(s.faces), 1), 3), s.faces]).ravel()
            poly = pv.PolyData(s.vertices, faces)
            poly.cell_data["conductivity"] = np.full(poly.n_cells, s.conductivity)
            blocks[s.name] = poly
        return blocks


def _options(mesh_options, radius, surfaces=None):
    allowed = {"max_edge", "h_min", "growth", "focus", "surface_h_min"}
    unknown = set(mesh_options) - allowed
    if unknown:
        raise CoilsimTypeError(f"unknown mesh option(s) {sorted(unknown)}; use {sorted(allowed)}")
    o = dict(mesh_options)
    value = o.get("surface_h_min")
    o["surface_h_min"] = _surface_h_min(() if value is None else value, surfaces, o.get("focus"))
    o.setdefault("max_edge", min(0.008, 0.25 * radius))
    o.setdefault("h_min", min(MeshOptions.h_min, o["max_edge"]))
    for k in ("max_edge", "h_min", "growth"):
        if k in o:
            o[k] = real_scalar(o[k], k, positive=k != "growth", nonnegative=True)
    if o.get("focus") is not None:
        f = np.atleast_2d(as_points(o["focus"], "focus"))
        o["focus"] = tuple(map(tuple, f))
    o["h_min"] = min(o["h_min"], o["max_edge"])
    return MeshOptions(**o)


def _surface_h_min(value, surfaces, focus):
    """Validated ``surface_h_min`` ({surface name: h_min m} or pairs) as sorted pairs."""
    items = value.items() if isinstance(value, dict) else value
    try:
        pairs = [(k, v) for k, v in items]
    except (TypeError, ValueError):
        raise CoilsimTypeError("surface_h_min must map surface names to edge lengths (m), e.g. "
                               "{'skin': 1e-3}") from None
    if not pairs:
        return ()
    if focus is None:
        raise CoilsimValueError("surface_h_min grades surfaces towards the focus; give focus=(x, y, z) "
                                "too (without one the mesh is uniform at max_edge)")
    out = {}
    for k, v in pairs:
        if not isinstance(k, str):
            raise CoilsimTypeError(f"surface_h_min keys must be surface names; got {k!r}")
        if surfaces is not None and k not in surfaces:
            raise CoilsimValueError(f"surface_h_min: no surface {k!r} in this model; its surfaces "
                                    f"are {list(surfaces)}")
        out[k] = real_scalar(v, f"surface_h_min[{k!r}]", positive=True)
    return tuple(sorted(out.items()))


def _sphere_projection(radius):
    def project(p):
        return radius * p / np.linalg.norm(p, axis=1)[:, None]
    return project


def _depths(surfaces):
    d = []
    for s in surfaces:
        k, p = 0, s.parent
        while p >= 0:
            k += 1
            p = surfaces[p].parent
        d.append(k)
    return np.asarray(d)


def _read_mesh_file(path, name):
    import os
    if not isinstance(path, (str, os.PathLike)) or not os.path.exists(path):
        raise CoilsimValueError(f"{name}: mesh file {path!r} not found; give an existing STL/VTK/"
                                f"PLY path or (vertices, faces, conductivity)")
    import pyvista as pv
    m = pv.read(path)
    if not isinstance(m, pv.PolyData):
        m = m.extract_surface()
    m = m.triangulate()
    faces = m.faces.reshape(-1, 4)[:, 1:]
    return np.asarray(m.points, dtype=np.float64), faces


def load_tissue(name, *, bones="full", **mesh_options) -> TissueModel:
    """A built-in tissue model by name (see :func:`list_tissues`) or a TOML file path.
    ``bones``: "full" (cortex and marrow), "cortex" or "none"; ``mesh_options``: see
    :class:`MeshOptions`."""
    spec = read_tissue_file(name)
    geo = spec.geometry()
    return TissueModel._from_geometry(geo, spec.surface_conductivities(), spec.name, bones,
                                      mesh_options)


def list_tissues() -> list:
    """Names of the built-in tissue models (tissue_models/*.toml)."""
    return list_tissue_files()
