"""Nerve fibres: a cable model's nodes laid along a 3-D path, and the calf's fibre families.

A :class:`Fiber` is a polyline ``path`` (m), a fibre diameter (m) and a cable model ("mrg" or
"senn"; a SENN fibre's nodal membrane is ``node``: "fh" Frankenhaeuser–Huxley or "crrss"
mammalian). Its nodes of Ranvier sit at arc lengths ``s_k = s_0 + k·Δ`` along the path, with ``Δ``
the model's internode length for the diameter (SENN: ``100 D``; MRG: the published node spacing,
:mod:`coilsim.nerves.mrg`), as many as fit between the two ends. By default one node sits at
the middle of the path (``anchor="middle"``) and the node count is odd, the NEURON/PyFibers
protocol for a straight fibre; ``anchor="start"`` puts node 0 on the first point (a fibre that
starts at a terminal ending).

The path ends are the fibre's ends: a cut end or a terminal, sealed (no axial current leaves).
A fibre that branches is a :class:`~coilsim.nerves.BranchedFiber` (a stem and branches leaving
its nodes, one cable on the tree).

Families (generic geometry, every length an argument in metres; the skin is a plane
``(point, outward normal)`` or a callable, see :class:`Skin`):

* :func:`probe_fibers` — straight fibres parallel to the skin at given depths (the definition of
  activation depth, DESIGN.md);
* :func:`motor_axon` — an α-motor axon leaving a nerve trunk, running to a motor point and ending
  in a short terminal branch (a cut end where −dE/ds peaks), or splitting there into several
  terminal branches (a :class:`~coilsim.nerves.BranchedFiber`);
* :func:`afferent_fiber` — a spindle afferent (Ia 12–20 µm, II 6–12 µm): from its ending along the
  muscle fibres, then to the trunk (the same geometry as a motor axon, read the other way);
* :func:`cutaneous_fiber` — a cutaneous Aβ fibre (6–12 µm) running under the skin at dermal depth
  and turning up to end just below the surface;
* :func:`nerve_trunk` — a straight fibre of the tibial nerve trunk along a given axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import as_points, positive_int, real_scalar, unit_vector
from ..errors import CoilsimTypeError, CoilsimValueError

__all__ = ["Fiber", "Skin", "MODELS", "internode_length", "probe_fibers", "motor_axon",
           "afferent_fiber", "cutaneous_fiber", "nerve_trunk", "smooth_path"]

#: cable models a Fiber can carry
MODELS = ("mrg", "senn")

#: diameter ranges of the calf's fibre families, m (REFERENCES.md §6)
FAMILY_DIAMETERS = {
    "alpha_motor": (10e-6, 16e-6),
    "Ia": (12e-6, 20e-6),
    "II": (6e-6, 12e-6),
    "Abeta": (6e-6, 12e-6),
}


def internode_length(diameter, model: str = "mrg", *, extrapolate: bool = False,
                     node: str | None = None) -> float:
    """Node-to-node distance (m) of ``model`` for a fibre of ``diameter`` (m) (``node``: the
    SENN node membrane, "fh" or "crrss")."""
    model = _model_name(model)
    diameter = real_scalar(diameter, "diameter", positive=True)
    if model == "senn":
        from .senn import node_parameters
        return node_parameters("fh" if node is None else node)[1].internode_ratio * diameter
    from .mrg import mrg_geometry
    return mrg_geometry(diameter, extrapolate=extrapolate).node_spacing


def _model_name(model) -> str:
    if not isinstance(model, str):
        raise CoilsimTypeError(f"model must be a string, one of {MODELS}; got {type(model).__name__}")
    m = model.lower()
    if m not in MODELS:
        raise CoilsimValueError(f"model must be one of {MODELS}; got {model!r}")
    return m


def fibre_kind(diameter, model, node):
    """Validated ``(diameter m, model, node)`` of a fibre: a myelinated diameter, "mrg" or
    "senn", and the SENN node membrane ("fh"/"crrss"; None for MRG)."""
    diameter = real_scalar(diameter, "diameter", positive=True)
    if not 0.5e-6 <= diameter <= 50e-6:
        raise CoilsimValueError(f"diameter must be a myelinated fibre's diameter in metres "
                                f"(0.5e-6 to 50e-6); got {diameter!r}")
    model = _model_name(model)
    if model == "senn":
        from .senn import node_parameters
        return diameter, model, node_parameters("fh" if node is None else node)[0]
    if node is not None:
        raise CoilsimValueError(f"node={node!r} applies to model='senn' (its nodal membrane, "
                                "'fh' or 'crrss'); MRG has its own node, leave node out")
    return diameter, model, None


def _as_path(path, name="path") -> np.ndarray:
    try:
        arr = np.asarray(path, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError(f"{name} must be an (n, 3) array of points in metres; "
                               f"got {type(path).__name__}") from exc
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise CoilsimTypeError(f"{name} must have shape (n, 3) (n >= 2 points, metres); got shape {arr.shape}")
    if arr.shape[0] < 2:
        raise CoilsimValueError(f"{name} needs at least 2 points (a start and an end); got {arr.shape[0]}")
    arr = as_points(arr, name, max_coord=1e3)
    seg = np.linalg.norm(np.diff(arr, axis=0), axis=1)
    if np.any(seg == 0.0):
        i = int(np.argmax(seg == 0.0))
        raise CoilsimValueError(f"{name} has repeated consecutive points (index {i} and {i + 1}); "
                                "drop duplicates")
    return arr


class Fiber:
    """A myelinated fibre along a 3-D polyline.

    Parameters
    ----------
    path : (n, 3) array, m; n >= 2, no repeated consecutive points.
    diameter : fibre (outer myelin) diameter, m.
    model : "mrg" (McIntyre–Richardson–Grill, 5.7–16 µm) or "senn" (Reilly's SENN).
    node : the nodal membrane of a "senn" fibre: "fh" (Frankenhaeuser–Huxley, default) or
        "crrss" (mammalian rabbit node, Sweeney 1987, 37 °C; for fibres outside MRG's range).
        MRG has its own node: leave ``node`` out.
    anchor : "middle" (a node at the path's arc-length midpoint, odd node count) or "start"
        (node 0 on the first point).
    extrapolate : allow MRG diameters outside the published 5.7–16 µm table (linear
        extrapolation of the geometry; otherwise an error).
    name, depth : free labels (``depth`` in m, used by :func:`activation_depth`).

    Attributes
    ----------
    path, diameter, model, node ("fh"/"crrss" for SENN, None for MRG), length (m),
    node_spacing (m), node_arc (N,) m, nodes (N, 3) m, n_nodes.
    """

    __slots__ = ("path", "diameter", "model", "node", "extrapolate", "anchor", "name", "depth",
                 "_cum", "node_arc", "node_spacing")

    def __init__(self, path, diameter=10e-6, model: str = "mrg", *, anchor: str = "middle",
                 extrapolate: bool = False, name: str = "", depth=None, node: str | None = None):
        self.path = _as_path(path)
        self.path.flags.writeable = False
        self.diameter, self.model, self.node = fibre_kind(diameter, model, node)
        self.extrapolate = bool(extrapolate)
        if anchor not in ("middle", "start"):
            raise CoilsimValueError(f"anchor must be 'middle' or 'start'; got {anchor!r}")
        self.anchor = anchor
        self.name = str(name)
        self.depth = None if depth is None else real_scalar(depth, "depth")
        seg = np.linalg.norm(np.diff(self.path, axis=0), axis=1)
        self._cum = np.concatenate(([0.0], np.cumsum(seg)))
        self.node_spacing = internode_length(self.diameter, self.model, extrapolate=self.extrapolate,
                                             node=self.node)
        L = self._cum[-1]
        if anchor == "middle":
            half = int(math.floor(0.5 * L / self.node_spacing + 1e-9))
            k = np.arange(-half, half + 1)
            arc = 0.5 * L + k * self.node_spacing
        else:
            n = int(math.floor(L / self.node_spacing + 1e-9)) + 1
            arc = np.arange(n) * self.node_spacing
        if arc.size < 3:
            raise CoilsimValueError(
                f"path is {L * 1e3:.3g} mm long: it holds {arc.size} node(s) of a {self.model} "
                f"fibre of {self.diameter * 1e6:.3g} µm (internode {self.node_spacing * 1e3:.3g} mm); "
                "a fibre needs at least 3 nodes, make the path longer")
        arc = np.clip(arc, 0.0, L)
        arc.flags.writeable = False
        self.node_arc = arc

    # ---- geometry ---------------------------------------------------------------------------
    @property
    def length(self) -> float:
        """Arc length of the path, m."""
        return float(self._cum[-1])

    @property
    def n_nodes(self) -> int:
        return int(self.node_arc.size)

    @property
    def arc(self) -> np.ndarray:
        """Cumulative arc length at the path vertices, m."""
        return self._cum

    def points_at(self, s) -> np.ndarray:
        """Points (..., 3) at arc lengths ``s`` (m, clipped to ``[0, length]``)."""
        s = np.clip(np.asarray(s, dtype=np.float64), 0.0, self.length)
        i = np.clip(np.searchsorted(self._cum, s, side="right") - 1, 0, self.path.shape[0] - 2)
        h = self._cum[i + 1] - self._cum[i]
        f = ((s - self._cum[i]) / h)[..., None]
        return self.path[i] * (1.0 - f) + self.path[i + 1] * f

    def tangents_at(self, s) -> np.ndarray:
        """Unit tangents (..., 3) of the path at arc lengths ``s`` (segment direction)."""
        s = np.clip(np.asarray(s, dtype=np.float64), 0.0, self.length)
        i = np.clip(np.searchsorted(self._cum, s, side="right") - 1, 0, self.path.shape[0] - 2)
        d = self.path[i + 1] - self.path[i]
        return d / np.linalg.norm(d, axis=-1)[..., None]

    @property
    def nodes(self) -> np.ndarray:
        """Node positions (N, 3), m."""
        return self.points_at(self.node_arc)

    def compartment_arc(self) -> np.ndarray:
        """Arc lengths (m) of the model's compartment centres (nodes only for SENN; node, MYSA,
        FLUT, STIN... for MRG, in cable order)."""
        if self.model == "senn":
            return self.node_arc.copy()
        from .mrg import mrg_geometry
        g = mrg_geometry(self.diameter, extrapolate=self.extrapolate)
        return self.node_arc[0] + g.compartment_offsets(self.n_nodes)

    def with_model(self, model: str, diameter=None, node: str | None = None) -> "Fiber":
        """The same path with another model (and diameter; ``node`` for SENN, default: this
        fibre's SENN node, else "fh")."""
        if node is None and _model_name(model) == "senn" and self.model == "senn":
            node = self.node
        return Fiber(self.path, self.diameter if diameter is None else diameter, model,
                     anchor=self.anchor, extrapolate=self.extrapolate, name=self.name, depth=self.depth,
                     node=node)

    def __repr__(self):
        kind = self.model if self.node in (None, "fh") else f"{self.model}/{self.node}"
        return (f"Fiber({kind}, {self.diameter * 1e6:.3g} µm, {self.n_nodes} nodes, "
                f"{self.length * 1e3:.4g} mm{', ' + self.name if self.name else ''})")


# --------------------------------------------------------------------------- skin and paths


@dataclass(frozen=True)
class Skin:
    """The skin surface: a plane (``point``, outward ``normal``) or a callable.

    ``depth_fn(points (..., 3)) -> (...)`` gives the depth (m) below the skin (> 0 inside the
    body); the inward normal is its gradient (central differences, 1 µm). A plane is the
    special case ``depth = -(x - point)·normal``.
    """

    point: np.ndarray = None
    normal: np.ndarray = None
    depth_fn: object = None

    @classmethod
    def plane(cls, point=(0.0, 0.0, 0.0), normal=(0.0, 0.0, 1.0)) -> "Skin":
        p = as_points(point, "point")
        if p.shape != (3,):
            raise CoilsimTypeError(f"point must be one point of shape (3,); got {p.shape}")
        return cls(point=p, normal=unit_vector(normal, "normal"))

    @classmethod
    def coerce(cls, skin) -> "Skin":
        """A Skin from a Skin, a ``(point, normal)`` pair or a depth callable."""
        if isinstance(skin, Skin):
            return skin
        if callable(skin):
            return cls(depth_fn=skin)
        try:
            point, normal = skin
        except (TypeError, ValueError) as exc:
            raise CoilsimTypeError("skin must be a Skin, a (point, outward_normal) pair or a callable "
                                   "points -> depth (m)") from exc
        return cls.plane(point, normal)

    def depth(self, points) -> np.ndarray:
        pts = as_points(points, "points")
        if self.depth_fn is None:
            return -(pts - self.point) @ self.normal
        d = np.asarray(self.depth_fn(pts), dtype=np.float64)
        if d.shape != pts.shape[:-1] or not np.all(np.isfinite(d)):
            raise CoilsimValueError(f"skin depth callable must return finite depths of shape "
                                    f"{pts.shape[:-1]}; got {d.shape}")
        return d

    def inward_normal(self, point) -> np.ndarray:
        p = as_points(point, "point")
        if self.depth_fn is None:
            return np.broadcast_to(-self.normal, p.shape).copy()
        h = 1e-6
        g = np.empty(p.shape)
        for k in range(3):
            e = np.zeros(3)
            e[k] = h
            g[..., k] = (self.depth(p + e) - self.depth(p - e)) / (2 * h)
        n = np.linalg.norm(g, axis=-1)[..., None]
        if np.any(n == 0):
            raise CoilsimValueError("skin depth callable has zero gradient: cannot find the normal")
        return g / n

    def project(self, point, iterations: int = 20) -> np.ndarray:
        """The skin point under ``point`` (Newton along the normal)."""
        p = as_points(point, "point").copy()
        for _ in range(iterations):
            d = self.depth(p)
            p = p - d[..., None] * self.inward_normal(p)
            if np.all(np.abs(d) < 1e-12):
                break
        return p


def _fillet_polyline(corners, radius, per_radian=24):
    """Polyline through ``corners`` with each interior corner replaced by a circular arc of
    ``radius`` (reduced where the legs are too short)."""
    pts = [corners[0]]
    for i in range(1, len(corners) - 1):
        a, b, c = corners[i - 1], corners[i], corners[i + 1]
        u = a - b
        v = c - b
        lu, lv = np.linalg.norm(u), np.linalg.norm(v)
        u /= lu
        v /= lv
        cosang = float(np.clip(u @ v, -1.0, 1.0))
        ang = math.acos(cosang)                 # interior angle
        turn = math.pi - ang
        if turn < 1e-6 or radius <= 0:
            pts.append(b)
            continue
        t = radius / math.tan(0.5 * ang)        # tangent length
        t = min(t, 0.45 * lu, 0.45 * lv)
        r = t * math.tan(0.5 * ang)
        p0 = b + u * t
        p1 = b + v * t
        bis = u + v
        bis /= np.linalg.norm(bis)
        centre = b + bis * (r / math.sin(0.5 * ang))
        n = max(2, int(math.ceil(turn * per_radian)))
        e0 = p0 - centre
        e1 = p1 - centre
        for k in range(n + 1):
            f = k / n
            # slerp between e0 and e1 (same length r)
            w0 = math.sin((1 - f) * turn) / math.sin(turn)
            w1 = math.sin(f * turn) / math.sin(turn)
            pts.append(centre + w0 * e0 + w1 * e1)
    pts.append(corners[-1])
    out = np.array(pts)
    keep = np.concatenate(([True], np.linalg.norm(np.diff(out, axis=0), axis=1) > 1e-12))
    return out[keep]


def smooth_path(corners, bend_radius=5e-3, per_radian: int = 24) -> np.ndarray:
    """A polyline through ``corners`` (k, 3) m whose corners are rounded with ``bend_radius`` (m).

    Nerves do not kink: a bend of radius ``R`` gives a finite −dE/ds. Returns (n, 3).
    """
    c = _as_path(corners, "corners")
    r = real_scalar(bend_radius, "bend_radius", nonnegative=True)
    per_radian = positive_int(per_radian, "per_radian", minimum=2)
    return _fillet_polyline([x.copy() for x in c], r, per_radian)


def _sample_segment(a, b, step):
    n = max(1, int(math.ceil(np.linalg.norm(b - a) / step)))
    f = np.linspace(0.0, 1.0, n + 1)[:, None]
    return a + (b - a) * f


# --------------------------------------------------------------------------- families


def probe_fibers(depths, *, skin=((0.0, 0.0, 0.0), (0.0, 0.0, 1.0)), center=(0.0, 0.0, 0.0),
                 direction=(1.0, 0.0, 0.0), length=0.12, diameter=10e-6, model="mrg",
                 extrapolate=False) -> list:
    """Straight fibres parallel to the skin at ``depths`` (m) under the skin point nearest ``center``.

    Parameters
    ----------
    depths : sequence of depths below the skin, m (>= 0).
    skin : a :class:`Skin`, a ``(point, outward_normal)`` plane (default: z = 0, body at z < 0)
        or a depth callable.
    center : m, a point at (or near) the skin; the fibres' midpoints lie on its inward normal.
    direction : fibre direction; its component along the normal is removed.
    length : fibre length, m (default 12 cm: 121 nodes of a 10 µm MRG fibre need 13.8 cm, so
        pass ``length`` to set the node count).

    Returns
    -------
    list of :class:`Fiber`, with ``depth`` set.
    """
    sk = Skin.coerce(skin)
    d = np.atleast_1d(np.asarray(depths, dtype=np.float64))
    if d.ndim != 1 or d.size == 0 or not np.all(np.isfinite(d)) or np.any(d < 0):
        raise CoilsimValueError("depths must be a non-empty 1-D sequence of finite depths >= 0 (m)")
    length = real_scalar(length, "length", positive=True)
    top = sk.project(np.asarray(center, dtype=np.float64))
    n_in = sk.inward_normal(top)
    u = unit_vector(direction, "direction")
    u = u - (u @ n_in) * n_in
    nu = np.linalg.norm(u)
    if nu < 1e-9:
        raise CoilsimValueError("direction is normal to the skin; probe fibres run parallel to it")
    u /= nu
    out = []
    for di in d:
        c = top + di * n_in
        path = np.array([c - 0.5 * length * u, c + 0.5 * length * u])
        out.append(Fiber(path, diameter, model, extrapolate=extrapolate, depth=float(di),
                         name=f"probe {di * 1e3:.3g} mm"))
    return out


def motor_axon(trunk_point, trunk_direction, motor_point, *, terminal_direction=None,
               trunk_length=0.04, terminal_length=5e-3, bend_radius=5e-3, diameter=12e-6,
               model="mrg", extrapolate=False, name="alpha-motor", terminals=None):
    """An α-motor axon: along the nerve trunk, out to a motor point, ending in a terminal.

    The path runs ``trunk_length`` (m) along ``trunk_direction`` ending at ``trunk_point`` (the
    branch point on the tibial nerve), then straight to ``motor_point`` (where the nerve enters
    the muscle), then ``terminal_length`` along ``terminal_direction`` (default: continuing the
    branch) to the terminal ending, the fibre's cut end. Corners are rounded with
    ``bend_radius``. Node 0 is at the proximal end.

    ``terminals``: directions (k, 3) of k >= 2 terminal branches that split at the motor point
    (each straight, ``terminal_length`` long, ending in a cut end); the axon is then a
    :class:`~coilsim.nerves.BranchedFiber` whose stem ends at the motor point (and
    ``terminal_direction`` must be left out).
    """
    tp = as_points(trunk_point, "trunk_point")
    mp = as_points(motor_point, "motor_point")
    td = unit_vector(trunk_direction, "trunk_direction")
    trunk_length = real_scalar(trunk_length, "trunk_length", positive=True)
    terminal_length = real_scalar(terminal_length, "terminal_length", positive=True)
    if np.linalg.norm(mp - tp) == 0.0:
        raise CoilsimValueError("motor_point coincides with trunk_point; give the motor point in the muscle")
    branch = (mp - tp) / np.linalg.norm(mp - tp)
    if terminals is not None:
        from .branched import BranchedFiber
        if terminal_direction is not None:
            raise CoilsimValueError("give terminal_direction (one terminal) or terminals (several), not both")
        try:
            dirs = np.asarray(terminals, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise CoilsimTypeError("terminals must be a (k, 3) array of directions") from exc
        if dirs.ndim != 2 or dirs.shape[1] != 3 or dirs.shape[0] < 2:
            raise CoilsimValueError(f"terminals must be k >= 2 directions, shape (k, 3); got shape {dirs.shape}")
        dirs = [unit_vector(u, f"terminals[{i}]") for i, u in enumerate(dirs)]
        stem = smooth_path(np.array([tp - trunk_length * td, tp, mp]), bend_radius)
        return BranchedFiber(stem, [np.array([mp, mp + terminal_length * u]) for u in dirs], diameter,
                             model, extrapolate=extrapolate, name=name)
    tdir = branch if terminal_direction is None else unit_vector(terminal_direction, "terminal_direction")
    corners = np.array([tp - trunk_length * td, tp, mp, mp + terminal_length * tdir])
    if terminal_direction is None:
        corners = np.array([tp - trunk_length * td, tp, mp + terminal_length * tdir])
    path = smooth_path(corners, bend_radius)
    return Fiber(path, diameter, model, anchor="start", extrapolate=extrapolate, name=name)


def afferent_fiber(ending, ending_direction, trunk_point, trunk_direction, *, ending_length=5e-3,
                   trunk_length=0.04, bend_radius=5e-3, kind="Ia", diameter=None, model="mrg",
                   extrapolate=False) -> Fiber:
    """A muscle-spindle afferent (``kind`` "Ia" or "II"): from its ending in the muscle, along
    the muscle fibres for ``ending_length``, then to ``trunk_point`` and ``trunk_length`` up
    the trunk (``trunk_direction``, proximal). Node 0 is at the ending (a terminal, cut end).

    ``diameter`` defaults to the middle of the family's range (Ia 16 µm, II 9 µm). MRG is
    validated up to 16 µm: larger Ia fibres need ``extrapolate=True`` or ``model="senn"``.
    """
    if kind not in ("Ia", "II"):
        raise CoilsimValueError(f"kind must be 'Ia' or 'II'; got {kind!r}")
    if diameter is None:
        diameter = float(np.mean(FAMILY_DIAMETERS[kind]))
    e = as_points(ending, "ending")
    ed = unit_vector(ending_direction, "ending_direction")
    tp = as_points(trunk_point, "trunk_point")
    td = unit_vector(trunk_direction, "trunk_direction")
    ending_length = real_scalar(ending_length, "ending_length", positive=True)
    trunk_length = real_scalar(trunk_length, "trunk_length", positive=True)
    corners = np.array([e, e + ending_length * ed, tp, tp + trunk_length * td])
    path = smooth_path(corners, bend_radius)
    return Fiber(path, diameter, model, anchor="start", extrapolate=extrapolate, name=f"{kind} afferent")


def cutaneous_fiber(skin_point, direction, *, skin=((0.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
                    depth=1.5e-3, ending_depth=0.2e-3, length=0.06, bend_radius=1e-3,
                    diameter=9e-6, model="mrg", extrapolate=False) -> Fiber:
    """A cutaneous Aβ fibre: ``length`` (m) at dermal ``depth`` under the skin, running along
    ``direction`` and turning up to end ``ending_depth`` below the skin at ``skin_point``.

    The path's last point is the ending (a terminal, where the fibre is cut).
    """
    sk = Skin.coerce(skin)
    depth = real_scalar(depth, "depth", positive=True)
    ending_depth = real_scalar(ending_depth, "ending_depth", nonnegative=True)
    if ending_depth >= depth:
        raise CoilsimValueError("ending_depth must be shallower than depth")
    length = real_scalar(length, "length", positive=True)
    top = sk.project(np.asarray(skin_point, dtype=np.float64))
    n_in = sk.inward_normal(top)
    u = unit_vector(direction, "direction")
    u = u - (u @ n_in) * n_in
    if np.linalg.norm(u) < 1e-9:
        raise CoilsimValueError("direction is normal to the skin; give a direction along it")
    u /= np.linalg.norm(u)
    end = top + ending_depth * n_in
    corner = top + depth * n_in
    start = corner - length * u
    path = smooth_path(np.array([start, corner, end]), bend_radius)
    return Fiber(path, diameter, model, anchor="start", extrapolate=extrapolate,
                 name="Abeta cutaneous", depth=depth)


def nerve_trunk(start, end, *, diameter=12e-6, model="mrg", extrapolate=False, name="tibial trunk") -> Fiber:
    """A straight trunk fibre (e.g. the tibial nerve along the leg axis) from ``start`` to ``end`` (m)."""
    a = as_points(start, "start")
    b = as_points(end, "end")
    return Fiber(np.array([a, b]), diameter, model, extrapolate=extrapolate, name=name)
