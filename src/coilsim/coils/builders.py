"""Coil builders. Every builder winds counter-clockwise seen from +z in the coil's own frame,
so a positive current gives B_z > 0 at the centre of a round coil (DESIGN.md)."""

from __future__ import annotations

import math

import numpy as np

from .._validate import MAX_COORD, positive_int, real_scalar
from ..errors import CoilsimValueError
from .coil import Coil
from .conductor import Conductor

#: longest default segment, m. The polygon's field ripple near the wire decays like
#: exp(-2π d/ℓ); ℓ = 0.5 mm keeps a circle within 1e-6 (DESIGN error) at d ≥ 1 mm.
DEFAULT_SEGMENT_LENGTH = 0.5e-3
MIN_SEGMENTS_PER_TURN = 32
#: most vertices one builder call may create (a guard against unit mistakes, e.g. mm as m)
MAX_VERTICES = 2_000_000


def _length(value, name: str, positive: bool = True) -> float:
    """A length in metres: real, finite, > 0 (or >= 0) and below MAX_COORD."""
    x = real_scalar(value, name, positive=positive, nonnegative=not positive)
    if x > MAX_COORD:
        raise CoilsimValueError(f"{name} = {x:g} m is beyond {MAX_COORD:g} m; lengths are in metres (SI)")
    return x


def _count(n_total: float, what: str) -> int:
    if not n_total <= MAX_VERTICES:
        raise CoilsimValueError(
            f"{what} would need {n_total:.3g} vertices (limit {MAX_VERTICES}); check the units (m) "
            "or pass a smaller segments_per_turn")
    return int(n_total)


def default_segments(radius: float) -> float:
    """Default segments per turn for a circle of ``radius`` (m)."""
    return max(MIN_SEGMENTS_PER_TURN, math.ceil(2 * math.pi * radius / DEFAULT_SEGMENT_LENGTH))


def area_scale(n: int) -> float:
    """Vertex-radius factor that makes a regular n-gon enclose the circle's area.

    The polygon's dipole moment then equals the circle's, and its field converges to the
    circle's as n⁻⁴ away from the wire (a plain inscribed polygon: n⁻²).
    """
    return math.sqrt(2 * math.pi / (n * math.sin(2 * math.pi / n)))


def _polygon_scale(polygon: str, n: int) -> float:
    if polygon == "area":
        return area_scale(n)
    if polygon == "inscribed":
        return 1.0
    raise CoilsimValueError(f"polygon must be 'area' or 'inscribed'; got {polygon!r}")


def circle_vertices(radius: float, n: int | None = None, polygon: str = "area") -> np.ndarray:
    """(n, 3) vertices of a counter-clockwise circle of ``radius`` (m) in z = 0."""
    n = _count(default_segments(radius) if n is None else positive_int(n, "segments_per_turn", 3), "segments_per_turn")
    th = 2 * math.pi * np.arange(n) / n
    r = radius * _polygon_scale(polygon, n)
    return np.column_stack([r * np.cos(th), r * np.sin(th), np.zeros(n)])


def circular_coil(radius, turns=1, conductor=("round", 1e-3), segments_per_turn=None,
                  polygon="area", casing_offset=0.0, name="circular") -> Coil:
    """Round coil of ``turns`` coincident turns (one round bundle) of ``radius`` (m).

    The bundle is one polyline with weight ``turns``, so its inductance grows as turns²
    with the bundle's geometric mean distance.
    """
    radius = _length(radius, "radius")
    turns = positive_int(turns, "turns")
    v = circle_vertices(radius, segments_per_turn, polygon)
    return Coil.from_polylines([v], [float(turns)], True, conductor, casing_offset, name,
                               bundle_turns=turns)


def _spiral(inner, outer, turns, segments_per_turn, polygon):
    """Archimedean spiral from inner to outer radius, counter-clockwise, in z = 0."""
    n_turn = _count(default_segments(outer) if segments_per_turn is None else positive_int(segments_per_turn, "segments_per_turn", 3), "segments_per_turn")
    total = _count(math.ceil(turns * n_turn), "turns × segments_per_turn")
    th = np.linspace(0.0, 2 * math.pi * turns, total + 1)
    r = inner + (outer - inner) * th / th[-1] if turns > 0 else np.full_like(th, inner)
    r = r * _polygon_scale(polygon, n_turn)
    return np.column_stack([r * np.cos(th), r * np.sin(th), np.zeros_like(th)])


def _with_lead(v, conductor):
    """Close a spiral through its return lead: up from the outer end by two equivalent conductor
    radii (+z, away from the body), straight back over the turns, and down to the inner end.
    A closed current path keeps the vector potential solenoidal, which the induced-field models
    assume (an open spiral leaves charge at its ends)."""
    rise = 2.0 * Conductor.parse(conductor).equivalent_radius
    up = [0.0, 0.0, rise]
    return np.vstack([v, v[-1] + up, v[0] + up])


def _check_radii(inner, outer):
    inner = _length(inner, "inner_radius", positive=False)
    outer = _length(outer, "outer_radius")
    if not inner < outer:
        raise CoilsimValueError(f"inner_radius must be < outer_radius; got {inner} >= {outer} (m)")
    return inner, outer


def _turns(turns):
    t = real_scalar(turns, "turns", positive=True)
    return t


def spiral_coil(inner_radius, outer_radius, turns, conductor=("round", 1e-3),
                segments_per_turn=None, polygon="area", casing_offset=0.0, name="spiral") -> Coil:
    """Flat Archimedean spiral between the conductor centre-line radii ``inner_radius`` and
    ``outer_radius`` (m), closed by its return lead two conductor radii above the winding
    plane (see :func:`_with_lead`)."""
    inner, outer = _check_radii(inner_radius, outer_radius)
    turns = _turns(turns)
    v = _with_lead(_spiral(inner, outer, turns, segments_per_turn, polygon), conductor)
    return Coil.from_polylines([v], [1.0], True, conductor, casing_offset, name)


def figure_eight_coil(inner_radius, outer_radius, turns, conductor=("round", 1e-3),
                      wing_angle=0.0, gap=0.0, segments_per_turn=None, polygon="area",
                      casing_offset=0.0, name="figure-eight") -> Coil:
    """Two flat spirals side by side with opposite currents (butterfly / double-cone), each
    closed by its return lead above the winding plane.

    The wing at +x winds counter-clockwise, the wing at -x clockwise, so the shared central
    current runs along -y and, for dI/dt > 0, the induced E under the centre points along +y.
    ``gap`` (m) separates the centre lines of the two outermost turns at the junction (wing
    centres at x = ±(outer_radius + gap/2)); ``wing_angle`` (rad) folds each wing about the
    central line (the y axis) towards the body (-z).
    """
    inner, outer = _check_radii(inner_radius, outer_radius)
    turns = _turns(turns)
    gap = real_scalar(gap, "gap", nonnegative=True)
    alpha = real_scalar(wing_angle, "wing_angle")
    if not 0.0 <= alpha < math.pi / 2:
        raise CoilsimValueError(f"wing_angle must be in [0, π/2) rad; got {alpha}")
    base = _with_lead(_spiral(inner, outer, turns, segments_per_turn, polygon), conductor)
    cx = outer + 0.5 * gap
    right = base + [cx, 0.0, 0.0]
    left = base * [-1.0, 1.0, 1.0] - [cx, 0.0, 0.0]  # mirrored: clockwise seen from +z
    if alpha:
        c, s = math.cos(alpha), math.sin(alpha)
        # rotate each wing about the y axis (its lead keeps its height above the winding)
        right = np.column_stack([right[:, 0] * c + right[:, 2] * s, right[:, 1],
                                 -right[:, 0] * s + right[:, 2] * c])
        left = np.column_stack([left[:, 0] * c - left[:, 2] * s, left[:, 1],
                                left[:, 0] * s + left[:, 2] * c])
    return Coil.from_polylines([right, left], [1.0, 1.0], True, conductor, casing_offset, name)


def racetrack_coil(length, width, turns, conductor=("round", 1e-3), corner_radius=None,
                   inner_width=None, segments_per_turn=None, casing_offset=0.0,
                   name="racetrack") -> Coil:
    """Flat racetrack (stadium) coil: ``turns`` concentric turns in series, straight sides
    along x. ``length``/``width`` are the outer centre-line dimensions (m); turns shrink
    evenly to ``inner_width`` (default width/3); ``corner_radius`` defaults to half the width
    (semicircular ends)."""
    length = _length(length, "length")
    width = _length(width, "width")
    turns = positive_int(turns, "turns")
    if width > length:
        raise CoilsimValueError(f"width must be <= length; got width {width} > length {length} (m)")
    iw = width / 3 if inner_width is None else real_scalar(inner_width, "inner_width", positive=True)
    if not iw < width:
        raise CoilsimValueError(f"inner_width must be < width; got {iw} >= {width} (m)")
    rc0 = width / 2 if corner_radius is None else real_scalar(corner_radius, "corner_radius", positive=True)
    if rc0 > width / 2:
        raise CoilsimValueError(f"corner_radius must be <= width/2; got {rc0} (m)")
    polys = []
    for k in range(turns):
        shrink = 0.0 if turns == 1 else k * (width - iw) / (2 * (turns - 1))
        hl, hw = length / 2 - shrink, width / 2 - shrink
        rc = max(rc0 - shrink, 1e-3 * width)
        polys.append(_rounded_rectangle(hl, hw, rc, segments_per_turn))
    return Coil.from_polylines(polys, np.ones(turns), True, conductor, casing_offset, name)


def _rounded_rectangle(hl, hw, rc, segments_per_turn):
    """Counter-clockwise rounded rectangle, half-length hl, half-width hw, corner radius rc."""
    per = 2 * (2 * (hl - rc) + 2 * (hw - rc)) + 2 * math.pi * rc
    n_arc = max(8, int(math.ceil((default_segments(rc) if segments_per_turn is None else segments_per_turn) / 4)))
    pts = []
    corners = [(hl - rc, hw - rc, 0.0), (-(hl - rc), hw - rc, 0.5 * math.pi),
               (-(hl - rc), -(hw - rc), math.pi), (hl - rc, -(hw - rc), 1.5 * math.pi)]
    scale = area_scale(4 * n_arc)
    for cx, cy, a0 in corners:
        th = a0 + np.linspace(0, 0.5 * math.pi, n_arc + 1)
        arc = np.column_stack([cx + rc * scale * np.cos(th), cy + rc * scale * np.sin(th)])
        pts.append(arc)
    ring = []
    for k, arc in enumerate(pts):
        ring.append(arc)
        nxt = pts[(k + 1) % 4][0]
        gap = np.linalg.norm(nxt - arc[-1])
        ns = int(math.ceil(gap / (DEFAULT_SEGMENT_LENGTH * 4)))
        if ns > 1:
            f = np.linspace(0, 1, ns + 1)[1:-1, None]
            ring.append(arc[-1] + f * (nxt - arc[-1]))
    v = np.vstack(ring)
    keep = np.r_[True, np.linalg.norm(np.diff(v, axis=0), axis=1) > 1e-12 * per]
    v = v[keep]
    if np.linalg.norm(v[0] - v[-1]) < 1e-12 * per:
        v = v[:-1]
    return np.column_stack([v, np.zeros(len(v))])


def helix_coil(radius, length, turns, conductor=("round", 1e-3), segments_per_turn=None,
               polygon="area", casing_offset=0.0, name="helix") -> Coil:
    """Helix of ``turns`` around the z axis (a limb coil), ``radius`` and ``length`` in m,
    centred on the origin, counter-clockwise seen from +z (B_z > 0 inside for I > 0)."""
    radius = _length(radius, "radius")
    length = _length(length, "length")
    turns = _turns(turns)
    n_turn = _count(default_segments(radius) if segments_per_turn is None else positive_int(segments_per_turn, "segments_per_turn", 3), "segments_per_turn")
    total = _count(math.ceil(turns * n_turn), "turns × segments_per_turn")
    th = np.linspace(0.0, 2 * math.pi * turns, total + 1)
    r = radius * _polygon_scale(polygon, n_turn)
    z = -length / 2 + length * th / th[-1]
    v = np.column_stack([r * np.cos(th), r * np.sin(th), z])
    return Coil.from_polylines([v], [1.0], False, conductor, casing_offset, name)
