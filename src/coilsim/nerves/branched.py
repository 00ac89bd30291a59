"""Branching fibres: a stem and branches that leave nodes of Ranvier, one cable on a tree.

A :class:`BranchedFiber` is a stem polyline and branch polylines (m), one diameter (m) and a
cable model, like :class:`~coilsim.nerves.Fiber`. Node 0 sits on the stem's first point (the
root end) and nodes follow every internode ``Δ`` along the stem. A branch starts at a node of
the stem or of an earlier branch: if its first point lies on the fibre, the nearest node of
the first section (stem first) it lies on, else the nearest node; within one internode (a
point on a section is within half of one of its nodes, its end within a whole one). Where the
two differ, the node's position is put in front of the branch path. The branch carries nodes
every ``Δ`` from there. Myelinated axons branch at nodes of Ranvier, so a branch
point is a node with three (or more) internodes: its sodium current charges every one of them
and every branch loads it, which separate root-to-terminal cables would miss.

The nodes are numbered stem first, then each branch in the order given (Hines order: every
node's parent comes before it, :mod:`.topology`). The cable models take the links as
``parent``; MRG puts one internode (MYSA – FLUT – 6 STIN – FLUT – MYSA) on every link
(:func:`~coilsim.nerves.mrg.compartment_layout`). Every end — the stem's first point and
each terminal — is sealed; an action potential counts when it reaches ``detect_node``
(default: the stem node 90 % along the stem, as for a Fiber).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import real_scalar
from ..errors import CoilsimTypeError, CoilsimValueError
from .fiber import _as_path, _model_name, fibre_kind, internode_length
from .topology import check_parent, degree, path_between

__all__ = ["BranchedFiber", "Section"]


@dataclass(frozen=True)
class Section:
    """One unbranched piece of a :class:`BranchedFiber`.

    path : (m, 3) polyline, m (a branch's starts at the node it leaves); cum : (m,) arc length
    at its vertices, m; attach : the node it leaves (-1 for the stem); nodes : its nodes'
    indices; arc : their arc positions along ``path``, m.
    """

    path: np.ndarray
    cum: np.ndarray
    attach: int
    nodes: np.ndarray
    arc: np.ndarray

    def points_at(self, s) -> np.ndarray:
        """Points (..., 3) at arc lengths ``s`` (m) along this section."""
        s = np.clip(np.asarray(s, dtype=np.float64), 0.0, self.cum[-1])
        i = np.clip(np.searchsorted(self.cum, s, side="right") - 1, 0, self.path.shape[0] - 2)
        f = ((s - self.cum[i]) / (self.cum[i + 1] - self.cum[i]))[..., None]
        return self.path[i] * (1.0 - f) + self.path[i + 1] * f


def _distance_to_polyline(p, path) -> float:
    """Distance (m) from point ``p`` to the polyline ``path``."""
    a, b = path[:-1], path[1:]
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
    return float(np.min(np.linalg.norm(a + t[:, None] * ab - p, axis=1)))


def _cum(path):
    return np.concatenate(([0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))))


class BranchedFiber:
    """A myelinated fibre that branches (see the module docstring).

    Parameters
    ----------
    stem : (n, 3) polyline, m; node 0 on its first point.
    branches : sequence of (m, 3) polylines, m; each starts on the fibre (within one internode
        of a node of the stem or of an earlier branch) and holds at least one node.
    diameter, model, node, extrapolate, name, depth : as :class:`~coilsim.nerves.Fiber`
        (one diameter for the whole tree).
    detect : the node an action potential must reach (default: the stem node 90 % along it).

    Attributes
    ----------
    sections : list of :class:`Section` (stem first); parent : (N,) node links (Hines order);
    nodes : (N, 3) m; n_nodes; node_spacing (m); length (m, all sections); detect_node.
    """

    __slots__ = ("sections", "diameter", "model", "node", "extrapolate", "name", "depth",
                 "node_spacing", "parent", "nodes", "detect_node", "_sec_of_node", "_arc_of_node")

    def __init__(self, stem, branches=(), diameter=10e-6, model: str = "mrg", *,
                 node: str | None = None, extrapolate: bool = False, name: str = "", depth=None,
                 detect: int | None = None):
        self.diameter, self.model, self.node = fibre_kind(diameter, model, node)
        self.extrapolate = bool(extrapolate)
        self.name = str(name)
        self.depth = None if depth is None else real_scalar(depth, "depth")
        d = self.node_spacing = internode_length(self.diameter, self.model,
                                                 extrapolate=self.extrapolate, node=self.node)
        if isinstance(branches, np.ndarray) or (branches is not None and not isinstance(branches, (list, tuple))):
            raise CoilsimTypeError("branches must be a list of (m, 3) polylines (m)")
        stem = _as_path(stem, "stem")
        cum = _cum(stem)
        n0 = int(math.floor(cum[-1] / d + 1e-9)) + 1
        if n0 < 2:
            raise CoilsimValueError(f"stem is {cum[-1] * 1e3:.3g} mm long: it holds {n0} node of a "
                                    f"{self.model} fibre of {self.diameter * 1e6:.3g} µm (internode "
                                    f"{d * 1e3:.3g} mm); the stem needs at least 2 nodes")
        arc = np.minimum(np.arange(n0) * d, cum[-1])
        sections = [Section(stem, cum, -1, np.arange(n0), arc)]
        pts = [sections[0].points_at(arc)]
        parent = list(range(-1, n0 - 1))
        for b, raw in enumerate(branches):
            path = _as_path(raw, f"branches[{b}]")
            allp = np.concatenate(pts)
            dist = np.linalg.norm(allp - path[0], axis=1)
            k = int(np.argmin(dist))
            for sec in sections:                   # the first section the point lies on
                if _distance_to_polyline(path[0], sec.path) <= 1e-9 * d:
                    own = sec.nodes if sec.attach < 0 else np.concatenate(([sec.attach], sec.nodes))
                    k = int(own[np.argmin(dist[own])])
                    break
            if dist[k] > d * (1 + 1e-9):
                raise CoilsimValueError(
                    f"branches[{b}] starts {dist[k] * 1e3:.3g} mm from the nearest node; a branch must "
                    f"start on the fibre, within one internode ({d * 1e3:.3g} mm) of a node of the "
                    "stem or of an earlier branch")
            if dist[k] > 1e-9 * d:
                path = np.concatenate((allp[k][None], path))
            else:
                path = path.copy()
                path[0] = allp[k]
            cum = _cum(path)
            m = int(math.floor(cum[-1] / d + 1e-9))
            if m < 1:
                raise CoilsimValueError(f"branches[{b}] is {cum[-1] * 1e3:.3g} mm long from its node: "
                                        f"it holds no node (internode {d * 1e3:.3g} mm); make it "
                                        "at least one internode long")
            start = len(parent)
            arc = np.minimum(np.arange(1, m + 1) * d, cum[-1])
            sections.append(Section(path, cum, k, np.arange(start, start + m), arc))
            pts.append(sections[-1].points_at(arc))
            parent += [k] + list(range(start, start + m - 1))
        for s in sections:
            for a in (s.path, s.cum, s.nodes, s.arc):
                a.flags.writeable = False
        self.sections = sections
        self.parent = check_parent(np.array(parent, dtype=np.int64))
        if self.parent.size < 3:
            raise CoilsimValueError(f"the fibre holds {self.parent.size} nodes; a fibre needs at least "
                                    "3, make the stem or a branch longer")
        nodes = np.concatenate(pts)
        nodes.flags.writeable = False
        self.nodes = nodes
        self._sec_of_node = np.concatenate([np.full(s.nodes.size, i) for i, s in enumerate(sections)])
        self._arc_of_node = np.concatenate([s.arc for s in sections])
        from .senn import AP_NODE_FRACTION, _detect_node
        self.detect_node = (int(round(AP_NODE_FRACTION * (n0 - 1))) if detect is None
                            else _detect_node(detect, self.parent.size))

    # ---- geometry ---------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return int(self.parent.size)

    @property
    def length(self) -> float:
        """Total arc length of all sections, m."""
        return float(sum(s.cum[-1] for s in self.sections))

    @property
    def ends(self) -> np.ndarray:
        """Indices of the end nodes (node 0 if the stem's start is an end, and every terminal)."""
        return np.flatnonzero(degree(self.parent) == 1)

    def end_paths(self) -> list:
        """Node indices along the fibre between every two end nodes: the unbranched cables
        through the tree (every node lies on one, with two of its neighbours)."""
        e = self.ends
        return [path_between(self.parent, int(a), int(b)) for i, a in enumerate(e) for b in e[i + 1:]]

    def node_sites(self):
        """``(section, arc)`` of the nodes: the section each lies on and its arc along it (m)."""
        return self._sec_of_node.copy(), self._arc_of_node.copy()

    def compartment_sites(self):
        """``(section, arc)`` of the model's compartment centres in cable order: the nodes for
        SENN; for MRG every compartment of :func:`~coilsim.nerves.mrg.compartment_layout` (an
        internode's compartments lie on the section of the node it leads to; a junction at its
        node)."""
        if self.model == "senn":
            return self.node_sites()
        from .mrg import JUNCTION, compartment_layout, mrg_geometry
        off = mrg_geometry(self.diameter, extrapolate=self.extrapolate).compartment_offsets(2)[:-1]
        typ, _, _, link = compartment_layout(self.parent)
        at_node = (typ == 0) | (typ == JUNCTION)     # a junction sits at its node
        arc = np.where(at_node, self._arc_of_node[link],
                       self._arc_of_node[link] - self.node_spacing + off[np.where(at_node, 0, typ)])
        return self._sec_of_node[link], arc

    def compartment_points(self) -> np.ndarray:
        """Compartment centres (n, 3), m, in cable order."""
        sec, arc = self.compartment_sites()
        out = np.empty((arc.size, 3))
        for i, s in enumerate(self.sections):
            m = sec == i
            out[m] = s.points_at(arc[m])
        return out

    def with_model(self, model: str, diameter=None, node: str | None = None) -> "BranchedFiber":
        """The same paths with another model (and diameter; ``node`` for SENN)."""
        if node is None and _model_name(model) == "senn" and self.model == "senn":
            node = self.node
        return BranchedFiber(self.sections[0].path, [s.path for s in self.sections[1:]],
                             self.diameter if diameter is None else diameter, model, node=node,
                             extrapolate=self.extrapolate, name=self.name, depth=self.depth)

    def __repr__(self):
        kind = self.model if self.node in (None, "fh") else f"{self.model}/{self.node}"
        return (f"BranchedFiber({kind}, {self.diameter * 1e6:.3g} µm, {self.n_nodes} nodes, "
                f"{len(self.sections) - 1} branches, {self.length * 1e3:.4g} mm"
                f"{', ' + self.name if self.name else ''})")
