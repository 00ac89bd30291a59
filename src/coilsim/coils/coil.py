"""The Coil: an immutable set of current-carrying polylines with a conductor and a casing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from .._validate import MAX_COORD, real_scalar, unit_vector
from ..constants import MU0_4PI
from ..errors import CoilsimTypeError, CoilsimValueError
from ..kernels.neumann import neumann_sum
from .conductor import Conductor
from .field import segment_table, segments_field


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Wire:
    """One polyline of a coil.

    vertices : (n, 3) float64, m, in the coil's *own* frame.
    weight : ampere-turns per ampere of drive current; positive = along the vertex order.
    closed : whether the last vertex connects back to the first.
    conductor : cross-section of one conductor (copper).
    bundle_turns : number of coincident turns this polyline stands for (a round bundle);
        it sets the cross-section used for inside-conductor fields and the GMD.
    """

    vertices: np.ndarray
    weight: float = 1.0
    closed: bool = True
    conductor: Conductor = field(default_factory=lambda: Conductor("round", radius=1e-3))
    bundle_turns: int = 1

    @property
    def bundle(self) -> Conductor:
        return self.conductor.bundle(self.bundle_turns)

    def segments(self):
        v = self.vertices
        if self.closed:
            return v, np.roll(v, -1, axis=0)
        return v[:-1], v[1:]

    @property
    def length(self) -> float:
        a, b = self.segments()
        return float(np.linalg.norm(b - a, axis=1).sum())


def _check_wire(vertices, closed: bool, index: int) -> np.ndarray:
    v = np.asarray(vertices, dtype=np.float64)
    name = f"polylines[{index}]"
    if v.ndim != 2 or v.shape[1] != 3:
        raise CoilsimTypeError(f"{name} must be an (n, 3) array of vertices in metres; got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise CoilsimValueError(f"{name} contains NaN or inf; vertices must be finite (m)")
    if np.abs(v).max(initial=0.0) > MAX_COORD:
        raise CoilsimValueError(f"{name} has vertices beyond {MAX_COORD:g} m; vertices are in metres (SI)")
    if closed and v.shape[0] > 2 and np.array_equal(v[0], v[-1]):
        v = v[:-1]  # a closed polyline may repeat its first vertex; drop the duplicate
    need = 3 if closed else 2
    if v.shape[0] < need:
        raise CoilsimValueError(f"{name} needs at least {need} vertices ({'closed' if closed else 'open'}); got {v.shape[0]}")
    b = np.roll(v, -1, axis=0) if closed else v[1:]
    a = v if closed else v[:-1]
    seg_len = np.linalg.norm(b - a, axis=1)
    bad = np.flatnonzero(seg_len <= 1e-12 * max(1.0, float(np.abs(v).max())))
    if bad.size:
        raise CoilsimValueError(
            f"{name}: segment {int(bad[0])} has zero length (duplicate consecutive vertices); remove the duplicate")
    return v


@dataclass(frozen=True, eq=False)
class Coil:
    """A magnetic-stimulation coil: polylines with weights, a conductor and a casing.

    Own frame (DESIGN.md): windings near z = 0, centred on the origin, contact surface facing
    -z at distance ``casing_offset`` (m) below the winding plane. ``rotation`` (3×3) and
    ``translation`` (m) map the own frame to the world (identity until placed/moved).
    All fields are per ampere of drive current unless a ``current`` (A) is given.
    """

    wires: tuple
    casing_offset: float = 0.0
    name: str = ""
    rotation: np.ndarray = field(default_factory=lambda: _frozen(np.eye(3)))
    translation: np.ndarray = field(default_factory=lambda: _frozen(np.zeros(3)))
    metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.wires, tuple) or not self.wires or not all(isinstance(w, Wire) for w in self.wires):
            raise CoilsimTypeError("wires must be a non-empty tuple of Wire; use Coil.from_polylines")
        real_scalar(self.casing_offset, "casing_offset", nonnegative=True)

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_polylines(cls, polylines, weights=None, closed=True, conductor=("round", 1e-3),
                       casing_offset: float = 0.0, name: str = "", bundle_turns=None) -> "Coil":
        """Coil from a list of (n, 3) vertex arrays (m) with current weights (A-turns per A).

        ``closed`` and ``bundle_turns`` may be scalars or one value per polyline.
        """
        if isinstance(polylines, np.ndarray) and polylines.ndim == 2:
            polylines = [polylines]
        polylines = list(polylines)
        if not polylines:
            raise CoilsimValueError("polylines must contain at least one (n, 3) array")
        n = len(polylines)
        weights = np.ones(n) if weights is None else np.broadcast_to(np.asarray(weights, dtype=float), (n,))
        if not np.all(np.isfinite(weights)) or np.any(weights == 0):
            raise CoilsimValueError("weights must be finite and non-zero (ampere-turns per ampere)")
        closed = np.broadcast_to(np.asarray(closed, dtype=bool), (n,))
        bt = np.ones(n, dtype=int) if bundle_turns is None else np.broadcast_to(np.asarray(bundle_turns), (n,))
        cond = Conductor.parse(conductor)
        real_scalar(casing_offset, "casing_offset", nonnegative=True)
        wires = tuple(
            Wire(_frozen(_check_wire(p, bool(c), i)), float(w), bool(c), cond, int(b))
            for i, (p, w, c, b) in enumerate(zip(polylines, weights, closed, bt)))
        return cls(wires, float(casing_offset), name)

    # ----------------------------------------------------------------- geometry
    def world_vertices(self, wire: Wire) -> np.ndarray:
        return wire.vertices @ self.rotation.T + self.translation

    def polylines(self) -> list:
        """World-frame vertex arrays (m), one per wire."""
        return [self.world_vertices(w) for w in self.wires]

    @cached_property
    def _segments(self):
        starts, ends, weights, radii, wire_idx = [], [], [], [], []
        for k, w in enumerate(self.wires):
            v = self.world_vertices(w)
            a, b = (v, np.roll(v, -1, axis=0)) if w.closed else (v[:-1], v[1:])
            starts.append(a); ends.append(b)
            weights.append(np.full(len(a), w.weight))
            radii.append(np.full(len(a), w.bundle.equivalent_radius))
            wire_idx.append(np.full(len(a), k))
        return (np.concatenate(starts), np.concatenate(ends), np.concatenate(weights),
                np.concatenate(radii), np.concatenate(wire_idx))

    def segments(self):
        """World-frame segments: (starts (M,3) m, ends (M,3) m, weights (M,) A-turns/A)."""
        s, e, w, _, _ = self._segments
        return s, e, w

    @property
    def n_segments(self) -> int:
        return self._segments[0].shape[0]

    @cached_property
    def _table(self):
        s, e, w, r, k = self._segments
        return segment_table(s, e, w, r, k)

    @property
    def contact_point(self) -> np.ndarray:
        """World position of the casing's contact point (own frame (0, 0, -casing_offset)), m."""
        return self.rotation @ np.array([0.0, 0.0, -self.casing_offset]) + self.translation

    @property
    def axis(self) -> np.ndarray:
        """World direction of the coil's own +z (away from the body)."""
        return self.rotation[:, 2].copy()

    def wire_length(self) -> float:
        """Total conductor length, m (each polyline counted |weight| times)."""
        return float(sum(abs(w.weight) * w.length for w in self.wires))

    @property
    def conductor(self) -> Conductor:
        """The conductor shared by all wires (error if they differ)."""
        c = self.wires[0].conductor
        if any(w.conductor != c for w in self.wires):
            raise CoilsimValueError("this coil's wires use different conductors; read wire.conductor per wire")
        return c

    def dipole_moment(self) -> np.ndarray:
        """Magnetic dipole moment per ampere, A·m² / A = m²: ½ Σ w ∮ r × dl (world frame)."""
        s, e, w = self.segments()
        return 0.5 * np.einsum("i,ij->j", w, np.cross(s, e))

    # ----------------------------------------------------------------- fields
    def B(self, points, current: float = 1.0) -> np.ndarray:
        """Magnetic flux density at ``points`` (..., 3) m, in T, for ``current`` A."""
        current = real_scalar(current, "current")
        return segments_field(points, self._table, want_a=False, want_b=True, current=current)[1]

    def A(self, points, current: float = 1.0) -> np.ndarray:
        """Vector potential at ``points`` (..., 3) m, in T·m, for ``current`` A.

        The primary induced field is E_p = -dI/dt · A(points, current=1).
        """
        current = real_scalar(current, "current")
        return segments_field(points, self._table, want_a=True, want_b=False, current=current)[0]

    def fields(self, points, current: float = 1.0):
        """(A in T·m, B in T) at ``points`` in one pass (cheaper than two calls)."""
        current = real_scalar(current, "current")
        return segments_field(points, self._table, want_a=True, want_b=True, current=current)

    # ----------------------------------------------------------------- inductance
    def _neumann_arrays(self):
        s, e, w, _, k = self._segments
        arc = np.empty(len(s)); g = np.empty(len(s)); gx = np.empty(len(s))
        wlen = np.empty(len(s)); closed = np.empty(len(s), dtype=np.bool_)
        pos = 0
        for wire in self.wires:
            a, b = wire.segments()
            seg_len = np.linalg.norm(b - a, axis=1)
            n = len(seg_len)
            arc[pos:pos + n] = np.cumsum(seg_len) - 0.5 * seg_len
            g[pos:pos + n] = wire.bundle.gmd
            gx[pos:pos + n] = wire.bundle.cross_turn_spread
            wlen[pos:pos + n] = seg_len.sum()
            closed[pos:pos + n] = wire.closed
            pos += n
        return s, e, w, arc, k.astype(np.float64), g, gx, wlen, closed

    def inductance(self) -> float:
        """Self-inductance, H (Neumann double integral; the conductor enters through its
        geometric mean distance; low-frequency, uniform current). Open polylines count
        without their leads."""
        s, e, w, arc, k, g, gx, wlen, closed = self._neumann_arrays()
        out = np.empty(len(s))
        neumann_sum(s, e, w, arc, k, g, gx, wlen, closed, s, e, w, arc, k, True, out)
        return float(MU0_4PI * out.sum())

    def mutual_inductance(self, other: "Coil") -> float:
        """Mutual inductance with another coil, H (filament Neumann integral)."""
        if not isinstance(other, Coil):
            raise CoilsimTypeError(f"other must be a Coil; got {type(other).__name__}")
        s, e, w, arc, k, g, gx, wlen, closed = self._neumann_arrays()
        s2, e2, w2, arc2, k2 = other._neumann_arrays()[:5]
        out = np.empty(len(s))
        neumann_sum(s, e, w, arc, k, g, gx, wlen, closed, s2, e2, w2, arc2, k2, False, out)
        return float(MU0_4PI * out.sum())

    # ----------------------------------------------------------------- placement
    def _posed(self, rotation, translation) -> "Coil":
        c = replace(self, rotation=_frozen(rotation), translation=_frozen(translation))
        return c

    def placed(self, center, normal, direction=None) -> "Coil":
        """Place the coil on a surface (absolute, from its own frame).

        Maps the contact point (0, 0, -casing_offset) to ``center`` (m), the own +z to the
        outward surface ``normal`` and the own +x to ``direction`` projected onto the surface
        plane (default: the global +x projected; global +y if the normal is along x).
        """
        c = np.asarray(center, dtype=float)
        if c.shape != (3,) or not np.all(np.isfinite(c)):
            raise CoilsimValueError(f"center must be a finite 3-vector in metres; got {center!r}")
        n = unit_vector(normal, "normal")
        if direction is None:
            d = np.array([1.0, 0.0, 0.0])
            if abs(n @ d) > 0.99:
                d = np.array([0.0, 1.0, 0.0])
        else:
            d = unit_vector(direction, "direction")
        d = d - (d @ n) * n
        nd = np.linalg.norm(d)
        if nd < 1e-9:
            raise CoilsimValueError("direction must not be parallel to normal; give a direction in the surface plane")
        ex = d / nd
        ey = np.cross(n, ex)
        R = np.column_stack([ex, ey, n])
        t = c + self.casing_offset * n
        return self._posed(R, t)

    def moved(self, displacement) -> "Coil":
        """The coil translated by ``displacement`` (m)."""
        d = np.asarray(displacement, dtype=float)
        if d.shape != (3,) or not np.all(np.isfinite(d)):
            raise CoilsimValueError(f"displacement must be a finite 3-vector in metres; got {displacement!r}")
        return self._posed(self.rotation, self.translation + d)

    def rotated(self, rotation, center=(0.0, 0.0, 0.0)) -> "Coil":
        """The coil rotated about ``center`` (m) by a 3×3 matrix or scipy Rotation."""
        if hasattr(rotation, "as_matrix"):
            rotation = rotation.as_matrix()
        R = np.asarray(rotation, dtype=float)
        if R.shape != (3, 3) or not np.allclose(R @ R.T, np.eye(3), atol=1e-9) or np.linalg.det(R) < 0:
            raise CoilsimValueError("rotation must be a proper 3×3 rotation matrix or scipy Rotation")
        c = np.asarray(center, dtype=float)
        return self._posed(R @ self.rotation, R @ (self.translation - c) + c)

    # ----------------------------------------------------------------- interop
    def to_magpylib(self):
        """A magpylib Collection of Polyline currents (1 A × weight each), in metres."""
        import magpylib as magpy
        parts = []
        for w in self.wires:
            v = self.world_vertices(w)
            if w.closed:
                v = np.vstack([v, v[:1]])
            parts.append(magpy.current.Polyline(current=w.weight, vertices=v))
        return magpy.Collection(*parts)

    @classmethod
    def from_magpylib(cls, obj, conductor=("round", 1e-3), casing_offset=0.0, name="") -> "Coil":
        """Coil from magpylib Polyline / Circle currents or a Collection of them (A per A)."""
        import magpylib as magpy
        children = list(obj.children_all) if hasattr(obj, "children_all") else [obj]
        polys, weights, closed = [], [], []
        for ch in children:
            if isinstance(ch, magpy.Collection):
                continue
            if isinstance(ch, magpy.current.Polyline):
                v = ch.orientation.apply(np.asarray(ch.vertices, dtype=float)) + ch.position
                cl = np.allclose(v[0], v[-1])
                polys.append(v[:-1] if cl else v); closed.append(cl)
            elif isinstance(ch, magpy.current.Circle):
                from .builders import circle_vertices
                loc = circle_vertices(ch.diameter / 2, None)
                polys.append(ch.orientation.apply(loc) + ch.position); closed.append(True)
            else:
                raise CoilsimTypeError(f"cannot convert magpylib {type(ch).__name__}; use Polyline or Circle currents")
            weights.append(float(ch.current))
        return cls.from_polylines(polys, weights, closed, conductor, casing_offset, name)

    def to_pyvista(self, tube: bool = False):
        """pyvista PolyData of the world-frame wires (lines, cell data "weight")."""
        import pyvista as pv
        pts, lines, wts = [], [], []
        off = 0
        for w in self.wires:
            v = self.world_vertices(w)
            n = len(v)
            idx = list(range(off, off + n)) + ([off] if w.closed else [])
            lines.append([len(idx)] + idx)
            pts.append(v); wts.append(w.weight)
            off += n
        mesh = pv.PolyData(np.vstack(pts), lines=np.concatenate([np.asarray(l) for l in lines]))
        mesh.cell_data["weight"] = np.asarray(wts)
        if tube:
            mesh = mesh.tube(radius=self.wires[0].bundle.equivalent_radius)
        return mesh

    def __repr__(self) -> str:
        return (f"Coil(name={self.name!r}, wires={len(self.wires)}, segments={self.n_segments}, "
                f"casing_offset={self.casing_offset:g} m)")
