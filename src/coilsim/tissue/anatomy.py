"""Anatomical calf geometry as data: layered elliptic sections, eccentric tibia and fibula.

Leg frame (DESIGN.md): +z proximal, +y posterior (the calf surface faces +y), +x medial for a right
leg (flipped for ``side="left"``); the leg axis is the z axis. The leg is centred: z runs from
−length/2 (ankle) to +length/2 (knee crease), so a site at fraction ``f`` of the leg length from
the knee crease lies at ``z = length/2 − f·length``. All lengths in metres, angles in radians.

Model (REFERENCES.md §5; ``*`` marks assumptions):

- skin: an ellipse centred on the axis with mediolateral / anteroposterior semi-axis ratio
  ``aspect``*, circumference ``circumference`` from the knee crease down to the widest section at
  ``widest_fraction``* of the length, then a cosine taper to ``ankle_ratio``* of it at the ankle;
- fat and muscle surfaces: the skin ellipse inset by ``skin`` and ``skin + fat`` (semi-axes minus the
  thickness; the end caps inset by the same thickness);
- tibia (antero-medial: centre 0.45 R anterior, 0.25 R medial*) and fibula (postero-lateral:
  0.35 R lateral, 0.1 R posterior*), R the local skin semi-axis, round bones of constant diameter with a
  cortex and a marrow core; where the taper would push a bone closer than ``clearance`` to the muscle
  surface (near the ankle), its centre moves towards the axis just enough. Bone ends are inset from
  the muscle ends by ``clearance``;
- triceps surae: the posterior half (y > 0) of the muscle, gastrocnemius from the fat–muscle interface
  to ``gastrocnemius`` deeper, soleus the next ``soleus`` (directly under the fat where the
  gastrocnemius has ended).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.special import ellipe

from ..errors import CoilsimTypeError, CoilsimValueError
from . import mesh as _mesh

#: surfaces of the calf, outermost first, and the tissue (conductivity table name) inside each
SURFACE_TISSUE = {
    "skin": "skin",
    "fat": "fat",
    "muscle": "muscle",
    "tibia_cortex": "cortical_bone",
    "tibia_marrow": "marrow",
    "fibula_cortex": "cortical_bone",
    "fibula_marrow": "marrow",
}
SURFACE_NAMES = tuple(SURFACE_TISSUE)


def surface_names(bones: str = "full") -> tuple:
    """The calf's surface names for ``bones`` ("full", "cortex" or "none"), outermost first."""
    return tuple(n for n in SURFACE_NAMES if bones == "full" or
                 (bones == "cortex" and not n.endswith("marrow")) or n in ("skin", "fat", "muscle"))

#: bone centres as fractions of the local skin semi-axes (x medial for a right leg, y posterior);
#: REFERENCES.md §5 (assumptions)
TIBIA_POSITION = (0.25, -0.45)
FIBULA_POSITION = (-0.35, 0.10)

#: motor points: (fraction of the knee-crease → ankle length, angle around the leg from posterior
#: towards medial, rad). Fractions: adults, J Korean Acad Rehabil Med 2001;25:621 and Botter 2011
#: Eur J Appl Physiol 111:2461 (REFERENCES.md §5); angles are assumptions (medial / lateral head
#: bellies ≈ 30° either side of the posterior midline, soleus on the midline below them).
MOTOR_POINTS = {
    "medial_gastrocnemius": (0.41, math.pi / 6),
    "lateral_gastrocnemius": (0.36, -math.pi / 6),
    "soleus": (0.69, 0.0),
}


def _length(value, name, *, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise CoilsimTypeError(f"{name} must be a length in metres (a real number); got {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        raise CoilsimValueError(f"{name} must be a finite length {'>=' if allow_zero else '>'} 0 (m); got {value}")
    if x > 10.0:
        raise CoilsimValueError(f"{name} = {x:g} m is implausible for a lower leg; lengths are in metres (SI)")
    return x


def ellipse_semi_axes(circumference, aspect):
    """Semi-axes (a, b), m, of the ellipse with this circumference (m) and a/b = ``aspect``."""
    k = float(aspect)
    if k >= 1.0:
        a = circumference / (4.0 * ellipe(1.0 - 1.0 / k ** 2))
        return a, a / k
    b = circumference / (4.0 * ellipe(1.0 - k ** 2))
    return k * b, b


def ellipse_circumference(a, b):
    """Circumference, m, of the ellipse with semi-axes a, b (m)."""
    a, b = max(a, b), min(a, b)
    return 4.0 * a * ellipe(1.0 - (b / a) ** 2)


def ellipse_distance(x, y, a, b):
    """Distance, m, from points (x, y) (relative to the centre) to the ellipse with semi-axes a, b.

    Exact (Eberly's bisection on the closest-point equation), vectorised; returns
    ``(distance, inside, qx, qy)`` with (qx, qy) the closest point on the ellipse.
    """
    x, y, a, b = np.broadcast_arrays(*(np.asarray(t, dtype=np.float64) for t in (x, y, a, b)))
    swap = a < b
    e0 = np.where(swap, b, a)
    e1 = np.where(swap, a, b)
    y0 = np.abs(np.where(swap, y, x))
    y1 = np.abs(np.where(swap, x, y))
    with np.errstate(divide="ignore", invalid="ignore"):
        gen = (y0 > 0) & (y1 > 0)
        z0 = y0 / e0
        z1 = y1 / e1
        g = z0 ** 2 + z1 ** 2 - 1.0
        r0 = (e0 / e1) ** 2
        n0 = r0 * z0
        s0 = z1 - 1.0
        s1 = np.where(g < 0, 0.0, np.hypot(n0, z1) - 1.0)
        for _ in range(64):
            s = 0.5 * (s0 + s1)
            gg = (n0 / (s + r0)) ** 2 + (z1 / (s + 1.0)) ** 2 - 1.0
            s0 = np.where(gg > 0, s, s0)
            s1 = np.where(gg > 0, s1, s)
        s = 0.5 * (s0 + s1)
        x0g = r0 * y0 / (s + r0)
        x1g = y1 / (s + 1.0)
        # y1 == 0 (on the major axis)
        numer = e0 * y0
        denom = e0 ** 2 - e1 ** 2
        xde = np.where(numer < denom, numer / np.where(denom > 0, denom, 1.0), 1.0)
        xde = np.clip(xde, 0.0, 1.0)
        x0a = e0 * xde
        x1a = e1 * np.sqrt(1.0 - xde ** 2)
    on_minor = (y0 == 0) & (y1 > 0)
    x0 = np.where(gen, x0g, np.where(on_minor, 0.0, x0a))
    x1 = np.where(gen, x1g, np.where(on_minor, e1, x1a))
    dist = np.hypot(x0 - y0, x1 - y1)
    inside = (y0 / e0) ** 2 + (y1 / e1) ** 2 < 1.0
    qx = np.where(swap, x1, x0) * np.where(np.where(swap, y, x) < 0, -1.0, 1.0)
    qy = np.where(swap, x0, x1) * np.where(np.where(swap, x, y) < 0, -1.0, 1.0)
    return dist, inside, qx, qy


def _wall(x, y, am, bm, need):
    """Signed distance, m, from (x, y) to the ellipse (am, bm) (positive inside) minus ``need``."""
    dist, inside, _, _ = ellipse_distance(x, y, am, bm)
    return np.where(inside, dist, -dist) - need


@dataclass(frozen=True)
class CalfGeometry:
    """A layered calf (lengths in m, angles in rad); build it with :func:`calf_geometry`.

    z runs from −length/2 (ankle) to +length/2 (knee crease); +y posterior; +x medial for a right leg.
    """

    circumference: float
    skin: float
    fat: float
    gastrocnemius: float
    soleus: float
    length: float
    ankle_ratio: float
    aspect: float
    tibia_diameter: float
    tibia_cortex: float
    fibula_diameter: float
    fibula_cortex: float
    side: str
    widest_fraction: float
    gastrocnemius_extent: tuple
    soleus_extent: tuple
    clearance: float
    a_max: float = field(init=False, repr=False)
    b_max: float = field(init=False, repr=False)
    _bone_z: np.ndarray = field(init=False, repr=False, compare=False)
    _bone_xy: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        a, b = ellipse_semi_axes(self.circumference, self.aspect)
        object.__setattr__(self, "a_max", float(a))
        object.__setattr__(self, "b_max", float(b))
        self._place_bones()

    # ---- profile ------------------------------------------------------------------------
    @property
    def sign(self) -> float:
        """+1 for a right leg (medial = +x), −1 for a left leg."""
        return 1.0 if self.side == "right" else -1.0

    def fraction(self, z):
        """Fraction of the leg length from the knee crease (0) to the ankle (1) at height z (m)."""
        return (0.5 * self.length - np.asarray(z, dtype=np.float64)) / self.length

    def z_at(self, fraction):
        """Height z, m, at a fraction of the leg length from the knee crease."""
        return 0.5 * self.length - np.asarray(fraction, dtype=np.float64) * self.length

    def taper(self, z):
        """Skin circumference at z relative to the widest section (1 above it, ankle_ratio at the ankle)."""
        f = np.clip(self.fraction(z), 0.0, 1.0)
        s = np.clip((f - self.widest_fraction) / (1.0 - self.widest_fraction), 0.0, 1.0)
        return self.ankle_ratio + (1.0 - self.ankle_ratio) * 0.5 * (1.0 + np.cos(np.pi * s))

    def taper_slope(self, z):
        """d(taper)/dz, 1/m."""
        f = np.clip(self.fraction(z), 0.0, 1.0)
        w = 1.0 - self.widest_fraction
        s = (f - self.widest_fraction) / w
        dtdf = np.where((s > 0) & (s < 1), -(1.0 - self.ankle_ratio) * 0.5 * np.pi * np.sin(np.pi * s) / w, 0.0)
        return -dtdf / self.length

    def circumference_at(self, z):
        """Skin circumference, m, at height z (m)."""
        return self.circumference * self.taper(z)

    # ---- sections (cx, cy, a, b), m -----------------------------------------------------------
    def _inset(self, z, d):
        z = np.asarray(z, dtype=np.float64)
        t = self.taper(z)
        zero = np.zeros_like(t)
        return zero, zero.copy(), self.a_max * t - d, self.b_max * t - d

    def skin_section(self, z):
        """Outer skin ellipse (cx, cy, a, b), m, at heights z (m)."""
        return self._inset(z, 0.0)

    def fat_section(self, z):
        """Skin–fat interface: the skin ellipse inset by ``skin``."""
        return self._inset(z, self.skin)

    def muscle_section(self, z):
        """Fat–muscle interface: the skin ellipse inset by ``skin + fat``."""
        return self._inset(z, self.skin + self.fat)

    def _nominal_centre(self, bone, z):
        fx, fy = TIBIA_POSITION if bone == "tibia" else FIBULA_POSITION
        t = self.taper(z)
        return self.sign * fx * self.a_max * t, fy * self.b_max * t

    def bone_centre(self, bone, z):
        """Centre (cx, cy), m, of the 'tibia' or 'fibula' at heights z (m)."""
        z = np.asarray(z, dtype=np.float64)
        cx, cy = self._bone_xy[bone]
        return np.interp(z, self._bone_z, cx), np.interp(z, self._bone_z, cy)

    _bone_centre = bone_centre

    def _bone(self, bone, z, inset):
        cx, cy = self._bone_centre(bone, z)
        r = 0.5 * (self.tibia_diameter if bone == "tibia" else self.fibula_diameter) - inset
        rr = np.full_like(cx, r)
        return cx, cy, rr, rr.copy()

    def tibia_section(self, z):
        """Tibia cortex outer circle (cx, cy, r, r), m."""
        return self._bone("tibia", z, 0.0)

    def tibia_marrow_section(self, z):
        """Tibia marrow (cortex inner) circle, m."""
        return self._bone("tibia", z, self.tibia_cortex)

    def fibula_section(self, z):
        """Fibula cortex outer circle, m."""
        return self._bone("fibula", z, 0.0)

    def fibula_marrow_section(self, z):
        """Fibula marrow circle, m."""
        return self._bone("fibula", z, self.fibula_cortex)

    def section(self, name, z):
        """Section (cx, cy, a, b), m, of surface ``name`` (one of :data:`SURFACE_NAMES`) at heights z."""
        fn = {"skin": self.skin_section, "fat": self.fat_section, "muscle": self.muscle_section,
              "tibia_cortex": self.tibia_section, "tibia_marrow": self.tibia_marrow_section,
              "fibula_cortex": self.fibula_section, "fibula_marrow": self.fibula_marrow_section}.get(name)
        if fn is None:
            raise CoilsimValueError(f"unknown calf surface {name!r}; use one of {list(SURFACE_NAMES)}")
        return fn(z)

    def extent(self, name):
        """(z0, z1), m: the end caps of surface ``name``, each inset by the layers outside it."""
        h = 0.5 * self.length
        d = {"skin": 0.0, "fat": self.skin, "muscle": self.skin + self.fat}
        if name in d:
            return -h + d[name], h - d[name]
        if name not in SURFACE_TISSUE:
            raise CoilsimValueError(f"unknown calf surface {name!r}; use one of {list(SURFACE_NAMES)}")
        d0 = self.skin + self.fat + self.clearance
        if name.endswith("marrow"):
            d0 += self.tibia_cortex if name.startswith("tibia") else self.fibula_cortex
        return -h + d0, h - d0

    # ---- bones ------------------------------------------------------------------------------
    def _place_bones(self):
        """Bone centres on a z grid: nominal eccentric positions, each pulled towards the axis where
        it would come closer than ``clearance`` to the muscle surface, then the fibula pushed away
        from the tibia where the two would come closer than ``clearance``."""
        z0, z1 = self.extent("tibia_cortex")
        z = np.linspace(z0, z1, 513)
        _, _, am, bm = self.muscle_section(z)
        r = {"tibia": 0.5 * self.tibia_diameter, "fibula": 0.5 * self.fibula_diameter}
        margin = 1.05 * self.clearance

        xy = {}
        for bone in ("tibia", "fibula"):
            need = r[bone] + margin
            if np.any(np.minimum(am, bm) < need):
                k = int(np.argmin(np.minimum(am, bm) - need))
                raise CoilsimValueError(
                    f"the {bone} (diameter {2e3 * r[bone]:.3g} mm) does not fit inside the muscle at "
                    f"{self.fraction(z[k]):.2f} of the leg length (muscle semi-axes {am[k] * 1e3:.3g} × "
                    f"{bm[k] * 1e3:.3g} mm); pass a smaller {bone}_diameter, thinner skin/fat or a larger "
                    "ankle_ratio")
            x, y = self._nominal_centre(bone, z)
            q = np.ones_like(z)
            bad = _wall(x, y, am, bm, need) < 0
            if bad.any():
                lo, hi = np.zeros(bad.sum()), np.ones(bad.sum())
                for _ in range(32):
                    mid = 0.5 * (lo + hi)
                    ok = _wall(mid * x[bad], mid * y[bad], am[bad], bm[bad], need) >= 0
                    lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
                q[bad] = lo
            xy[bone] = [q * x, q * y]
        (tx, ty), (fx, fy) = xy["tibia"], xy["fibula"]
        dx, dy = fx - tx, fy - ty
        d = np.hypot(dx, dy)
        deficit = np.maximum(r["tibia"] + r["fibula"] + margin - d, 0.0)
        xy["fibula"] = [fx + deficit * dx / d, fy + deficit * dy / d]
        object.__setattr__(self, "_bone_z", z)
        object.__setattr__(self, "_bone_xy", {k: (np.asarray(v[0]), np.asarray(v[1])) for k, v in xy.items()})
        # verify on a finer grid (interpolation between the samples)
        zz = np.linspace(z0, z1, 2049)
        _, _, am2, bm2 = self.muscle_section(zz)
        for bone in ("tibia", "fibula"):
            cx, cy = self.bone_centre(bone, zz)
            dist, inside, _, _ = ellipse_distance(cx, cy, am2, bm2)
            gap = np.where(inside, dist, -dist) - r[bone]
            if gap.min() < self.clearance:
                k = int(np.argmin(gap))
                raise CoilsimValueError(
                    f"the {bone} comes within {gap[k] * 1e3:.3g} mm of the muscle surface (clearance "
                    f"{self.clearance * 1e3:.3g} mm) at {self.fraction(zz[k]):.2f} of the leg length; pass "
                    "smaller bone diameters, thinner skin/fat or a larger circumference / ankle_ratio")
        tx, ty = self.bone_centre("tibia", zz)
        fx, fy = self.bone_centre("fibula", zz)
        gap = np.hypot(tx - fx, ty - fy) - r["tibia"] - r["fibula"]
        if gap.min() < self.clearance:
            k = int(np.argmin(gap))
            raise CoilsimValueError(
                f"tibia and fibula come within {gap[k] * 1e3:.3g} mm of each other (clearance "
                f"{self.clearance * 1e3:.3g} mm) at {self.fraction(zz[k]):.2f} of the leg length; pass "
                "smaller bone diameters or a larger circumference / ankle_ratio")

    def bone_shift(self, bone):
        """(z (m), shift (m)): how far the bone centre was moved from its nominal eccentric position
        (REFERENCES.md §5 fractions of the local semi-axes) to keep ``clearance``; 0 where it was not."""
        z = self._bone_z
        x0, y0 = self._nominal_centre(bone, z)
        cx, cy = self._bone_xy[bone]
        return z.copy(), np.hypot(cx - x0, cy - y0)

    # ---- points -----------------------------------------------------------------------------
    def depth(self, points):
        """Depth below the skin, m (positive inside, negative outside) of points (..., 3), m.

        Exact distance to the skin ellipse in the cross-section plane, corrected to first order for
        the taper's slope, and the distance to the end caps, whichever is smaller."""
        p = np.asarray(points, dtype=np.float64)
        if p.ndim == 0 or p.shape[-1] != 3:
            raise CoilsimTypeError(f"points must have shape (..., 3) (m); got {p.shape}")
        x, y, z = p[..., 0], p[..., 1], p[..., 2]
        h = 0.5 * self.length
        zc = np.clip(z, -h, h)
        _, _, a, b = self.skin_section(zc)
        dist, inside, qx, qy = ellipse_distance(x, y, a, b)
        nx, ny = qx / a ** 2, qy / b ** 2
        nn = np.hypot(nx, ny)
        t = self.taper(zc)
        slope = (nx * qx + ny * qy) / nn * self.taper_slope(zc) / t
        d_lat = np.where(inside, dist, -dist) / np.sqrt(1.0 + slope ** 2)
        d_cap = np.minimum(z + h, h - z)
        return np.minimum(d_lat, d_cap)

    def muscle_label(self, points):
        """'gastrocnemius', 'soleus' or 'other' for points (..., 3), m (array of str, shape (...)).

        Triceps surae = the posterior half (y > 0) of the muscle layer, outside the bones: the
        gastrocnemius over ``gastrocnemius_extent`` (fractions of the leg length) from the fat–muscle
        interface to ``gastrocnemius`` deeper, the soleus over ``soleus_extent`` the next ``soleus``
        (directly under the fat where the gastrocnemius has ended). Everything else is 'other'."""
        p = np.asarray(points, dtype=np.float64)
        if p.ndim == 0 or p.shape[-1] != 3:
            raise CoilsimTypeError(f"points must have shape (..., 3) (m); got {p.shape}")
        x, y, z = p[..., 0], p[..., 1], p[..., 2]
        z0, z1 = self.extent("muscle")
        _, _, am, bm = self.muscle_section(np.clip(z, z0, z1))
        in_muscle = ((x / am) ** 2 + (y / bm) ** 2 < 1.0) & (z > z0) & (z < z1)
        for bone in ("tibia", "fibula"):
            cx, cy, r, _ = self._bone(bone, z, 0.0)
            bz0, bz1 = self.extent(bone + "_cortex")
            in_muscle &= ~((np.hypot(x - cx, y - cy) < r) & (z > bz0) & (z < bz1))
        f = self.fraction(z)
        d = self.depth(p)
        d0 = self.skin + self.fat
        has_g = (f >= self.gastrocnemius_extent[0]) & (f <= self.gastrocnemius_extent[1])
        has_s = (f >= self.soleus_extent[0]) & (f <= self.soleus_extent[1])
        post = in_muscle & (y > 0)
        g = post & has_g & (d >= d0) & (d <= d0 + self.gastrocnemius)
        g_eff = np.where(has_g, self.gastrocnemius, 0.0)
        s = post & has_s & ~g & (d >= d0 + g_eff) & (d <= d0 + g_eff + self.soleus)
        out = np.full(x.shape, "other", dtype="<U13")
        out[g] = "gastrocnemius"
        out[s] = "soleus"
        return out

    def surface_frame(self, fraction, angle):
        """(point on the skin, outward unit normal), each (..., 3) in m, for the coil's ``placed``.

        ``fraction`` of the leg length from the knee crease (0) to the ankle (1); ``angle`` (rad)
        around the leg: 0 posterior (+y), +π/2 medial, −π/2 lateral, π anterior. The normal is that
        of the tapered lateral surface (it tilts slightly along z where the leg tapers)."""
        f, th = np.broadcast_arrays(np.asarray(fraction, dtype=np.float64), np.asarray(angle, dtype=np.float64))
        if not (np.all(np.isfinite(f)) and np.all((f >= 0) & (f <= 1))):
            raise CoilsimValueError(f"fraction must be in [0, 1] (knee crease to ankle); got {fraction}")
        if not np.all(np.isfinite(th)):
            raise CoilsimValueError(f"angle must be finite (rad); got {angle}")
        z = self.z_at(f)
        _, _, a, b = self.skin_section(z)
        ux, uy = self.sign * np.sin(th), np.cos(th)
        t = 1.0 / np.sqrt((ux / a) ** 2 + (uy / b) ** 2)
        x, y = t * ux, t * uy
        ts = self.taper_slope(z)
        da, db = self.a_max * ts, self.b_max * ts
        n = np.stack([x / a ** 2, y / b ** 2, -(x ** 2 * da / a ** 3 + y ** 2 * db / b ** 3)], axis=-1)
        n /= np.linalg.norm(n, axis=-1, keepdims=True)
        return np.stack([x, y, z], axis=-1), n

    def motor_point(self, name):
        """(point on the skin, outward normal), m, over a motor point: 'medial_gastrocnemius' (0.41
        of the leg length), 'lateral_gastrocnemius' (0.36) or 'soleus' (0.69); see :data:`MOTOR_POINTS`."""
        if name not in MOTOR_POINTS:
            raise CoilsimValueError(f"unknown motor point {name!r}; use one of {sorted(MOTOR_POINTS)}")
        return self.surface_frame(*MOTOR_POINTS[name])

    # ---- meshes -----------------------------------------------------------------------------
    def sagitta_tolerance(self, name):
        """Largest allowed deviation, m, of surface ``name``'s mesh from the exact surface.

        Half the gap to the next surface inside it (a convex surface's facets lie inside it, so only
        the outer of two neighbours eats into their gap) and at most 8 % of its smallest radius of
        curvature (about 8 edges around the thinnest bone)."""
        inner = {"skin": self.skin, "fat": self.fat, "muscle": self.clearance,
                 "tibia_cortex": self.tibia_cortex, "fibula_cortex": self.fibula_cortex}
        return min(0.5 * inner.get(name, math.inf), 0.08 * self._min_curvature_radius(name))

    def _min_curvature_radius(self, name):
        z0, z1 = self.extent(name)
        _, _, a, b = self.section(name, np.linspace(z0, z1, 129))
        return float(np.minimum(b ** 2 / a, a ** 2 / b).min())

    def curvature_edge(self, name):
        """Longest edge, m, that keeps surface ``name`` within :meth:`sagitta_tolerance` (h = √(8ρδ))."""
        return math.sqrt(8.0 * self._min_curvature_radius(name) * self.sagitta_tolerance(name))

    def surfaces(self, max_edge=0.01, focus=None, h_min=0.002, growth=0.25, *, bones="full", check=True,
                 max_faces=_mesh.MAX_FACES, surface_h_min=None):
        """Closed, pairwise disjoint, nested surfaces of the calf: [(name, vertices, faces), ...].

        Order: skin, fat, muscle, tibia_cortex, tibia_marrow, fibula_cortex, fibula_marrow (names as in
        :data:`SURFACE_TISSUE`). Edge lengths are at most ``max_edge`` (m) and the curvature limit of
        each surface (:meth:`curvature_edge`); with ``focus`` ((3,) or (k, 3) points, m, e.g. the coil
        centre on the skin) they grade from ``h_min`` (m) at the focus with ``growth`` (m per m);
        ``surface_h_min`` ({name: m}) gives some surfaces their own h_min.
        ``bones``: "full" (cortex and marrow), "cortex" (no marrow surfaces: the whole bone is
        cortical) or "none" (no bones; thin bones cost many faces: the fibula marrow alone needs
        ≥ 8 edges around over the whole length). ``check=True`` runs :func:`mesh.check_surface`
        on each and tests neighbours for intersection.
        """
        if bones not in ("full", "cortex", "none"):
            raise CoilsimValueError(f"bones must be 'full', 'cortex' or 'none'; got {bones!r}")
        names = surface_names(bones)
        max_edge = _length(max_edge, "max_edge")
        own = dict(surface_h_min or {})
        if set(own) - set(names):
            raise CoilsimValueError(f"surface_h_min: no surface {sorted(set(own) - set(names))} in "
                                    f"this calf; its surfaces are {list(names)}")
        if own and focus is None:
            raise CoilsimValueError("surface_h_min grades surfaces towards the focus; give focus too")

        def sizing(h):
            if focus is None:
                return _mesh._size_function(max_edge)
            return _mesh.graded_size(focus, min(_length(h, "h_min"), max_edge), max_edge, growth)
        out = []
        for name in names:
            hc = self.curvature_edge(name)
            graded = sizing(own.get(name, h_min))

            def size(p, hc=hc, graded=graded):
                return np.minimum(graded(p), hc)

            z0, z1 = self.extent(name)
            v, f = _mesh.lofted_tube(lambda z, name=name: self.section(name, z), z0, z1, size,
                                     max_faces=max_faces)
            if check:
                _mesh.check_surface(v, f, name)
            out.append((name, v, f))
        if check:
            by = {n: (v, f) for n, v, f in out}
            for a, b in (("skin", "fat"), ("fat", "muscle"), ("muscle", "tibia_cortex"),
                         ("muscle", "fibula_cortex"), ("tibia_cortex", "fibula_cortex"),
                         ("tibia_cortex", "tibia_marrow"), ("fibula_cortex", "fibula_marrow")):
                if a not in by or b not in by:
                    continue
                if _mesh.surfaces_intersect(by[a], by[b]):
                    raise CoilsimValueError(f"calf surfaces {a!r} and {b!r} intersect; pass a smaller "
                                            "max_edge / h_min")
        return out


def calf_geometry(circumference, skin, fat, gastrocnemius, soleus, *, length, ankle_ratio=0.6,
                  aspect=1.1, tibia_diameter, tibia_cortex, fibula_diameter, fibula_cortex,
                  side="right", widest_fraction=0.3, gastrocnemius_extent=(0.0, 0.6),
                  soleus_extent=(0.1, 0.85), clearance=1e-3) -> CalfGeometry:
    """A calf from clinical measurements (tape and ultrasound), all lengths in m.

    Parameters
    ----------
    circumference : float
        Largest (mid-calf) circumference, m.
    skin, fat : float
        Skin and subcutaneous fat thickness, m.
    gastrocnemius, soleus : float
        Medial gastrocnemius and soleus thickness (posterior), m.
    length : float
        Knee crease to ankle, m; z runs from −length/2 (ankle) to +length/2 (knee crease).
    ankle_ratio : float
        Ankle circumference / largest circumference (≈ 0.6, REFERENCES.md §5, assumption).
    aspect : float
        Mediolateral / anteroposterior semi-axis ratio of the section (1.1, assumption).
    tibia_diameter, tibia_cortex, fibula_diameter, fibula_cortex : float
        Outer diameters and cortical thicknesses, m.
    side : {"right", "left"}
        +x is medial for a right leg, lateral for a left leg.
    widest_fraction : float
        Fraction of the length below the knee crease where the calf is widest (0.3, assumption);
        the circumference is constant above it and tapers (cosine) below it.
    gastrocnemius_extent, soleus_extent : (float, float)
        Fractions of the length covered by each muscle for :meth:`CalfGeometry.muscle_label`
        (assumptions: gastrocnemius to its muscle–tendon junction at 0.6, soleus 0.1–0.85).
    clearance : float
        Least distance, m, between a bone and the muscle surface, the two bones, and the bone ends and
        the muscle ends (1 mm, keeps the BEM's near-field integrals tame).
    """
    vals = dict(circumference=circumference, skin=skin, fat=fat, gastrocnemius=gastrocnemius, soleus=soleus,
                length=length, tibia_diameter=tibia_diameter, tibia_cortex=tibia_cortex,
                fibula_diameter=fibula_diameter, fibula_cortex=fibula_cortex, clearance=clearance)
    vals = {k: _length(v, k) for k, v in vals.items()}
    for key, lo, hi, val in (("ankle_ratio", 0.0, 1.0, ankle_ratio), ("aspect", 0.5, 2.0, aspect),
                             ("widest_fraction", 0.0, 0.95, widest_fraction)):
        if isinstance(val, bool) or not isinstance(val, (int, float, np.integer, np.floating)):
            raise CoilsimTypeError(f"{key} must be a real number; got {type(val).__name__}")
        if not (math.isfinite(val) and lo <= val <= hi) or (key == "ankle_ratio" and val == 0):
            raise CoilsimValueError(f"{key} must be in {'(' if key == 'ankle_ratio' else '['}{lo}, {hi}]; got {val}")
    if side not in ("right", "left"):
        raise CoilsimValueError(f"side must be 'right' or 'left'; got {side!r}")
    ext = {}
    for key, val in (("gastrocnemius_extent", gastrocnemius_extent), ("soleus_extent", soleus_extent)):
        try:
            lo, hi = (float(t) for t in val)
        except (TypeError, ValueError) as exc:
            raise CoilsimTypeError(f"{key} must be two fractions (start, end) of the leg length") from exc
        if not (0.0 <= lo < hi <= 1.0):
            raise CoilsimValueError(f"{key} must satisfy 0 <= start < end <= 1; got {val}")
        ext[key] = (lo, hi)
    for bone in ("tibia", "fibula"):
        if vals[f"{bone}_cortex"] >= 0.5 * vals[f"{bone}_diameter"]:
            raise CoilsimValueError(f"{bone}_cortex ({vals[f'{bone}_cortex']:g} m) must be less than the "
                                    f"{bone} radius ({0.5 * vals[f'{bone}_diameter']:g} m)")
    a, b = ellipse_semi_axes(vals["circumference"], aspect)
    d = vals["skin"] + vals["fat"]
    if min(a, b) * ankle_ratio <= d + vals["clearance"]:
        raise CoilsimValueError(
            f"skin + fat ({d * 1e3:.3g} mm) leave no muscle at the ankle (smallest skin semi-axis "
            f"{min(a, b) * ankle_ratio * 1e3:.3g} mm); check the units (m) or pass a larger circumference / ankle_ratio")
    if 2 * (d + vals["clearance"]) >= vals["length"]:
        raise CoilsimValueError("length is shorter than twice the skin + fat inset; check the units (m)")
    return _build(side=side, ankle_ratio=float(ankle_ratio), aspect=float(aspect),
                  widest_fraction=float(widest_fraction), **ext, **vals)


@lru_cache(maxsize=64)
def _build(**kw):
    """Geometries are immutable: the same measurements give the same (shared) object."""
    return CalfGeometry(**kw)


__all__ = ["CalfGeometry", "calf_geometry", "SURFACE_TISSUE", "SURFACE_NAMES", "MOTOR_POINTS",
           "TIBIA_POSITION", "FIBULA_POSITION", "ellipse_semi_axes", "ellipse_circumference",
           "ellipse_distance"]
