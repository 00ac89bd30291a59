"""Coupling a field to a fibre: the quasi-potential ``V_e(s) = -∫_0^s E·dl`` along its path.

For an induced (non-conservative) E-field the extracellular potential of a cable model is the
line integral of E along the fibre (Wang, Grill & Peterchev 2018; Aberra 2020; REFERENCES.md
§6). Its second difference between nodes is the activating function, so straight stretches
(−dE_s/ds), bends (E turning relative to the fibre) and cut ends (the one-sided difference at a
sealed end) are all driven without special cases. A constant offset is irrelevant (only
differences drive the cable); coilsim takes ``V_e(0) = 0`` at the path's first point.

Accuracy: the integral is evaluated exactly piecewise between every requested arc position and
every polyline vertex, each piece split into sub-intervals no longer than ``max_step`` and
integrated by ``order``-point Gauss–Legendre (degree ``2·order - 1``). A smooth field along a
straight stretch is integrated to round-off; on the polyline the tangent is piecewise constant,
so the integral is exact for the path as given (a curved nerve should be sampled finely enough
that the polyline follows it, e.g. with :func:`~coilsim.nerves.fiber.smooth_path`).

A :class:`~coilsim.nerves.BranchedFiber` is integrated section by section, each branch from
the node it leaves (``V_e`` is continuous at the branch points), so the potential at every
node is the line integral along the fibre from the stem's first point.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import positive_int, real_scalar
from ..errors import CoilsimError, CoilsimTypeError, CoilsimValueError

__all__ = ["evaluate_field", "quasi_potential", "tangential_field"]

#: default longest sub-interval, m, for a bare path (a Fiber uses a quarter internode)
DEFAULT_MAX_STEP = 0.25e-3


def evaluate_field(field, points) -> np.ndarray:
    """E (V/m per unit drive) at ``points`` (..., 3) from an object with ``.E(points)`` or a
    callable; the result is checked: same leading shape with a trailing 3, finite."""
    pts = np.asarray(points, dtype=np.float64)
    if hasattr(field, "E") and callable(getattr(field, "E")):
        fn, what = field.E, f"field.E ({type(field).__name__})"
    elif callable(field):
        fn, what = field, "field (callable)"
    else:
        raise CoilsimTypeError("field must be an EField (an object with .E(points)) or a callable "
                               f"points (..., 3) -> E (..., 3) in V/m; got {type(field).__name__}")
    try:
        out = fn(pts)
    except CoilsimError:
        raise
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError(f"{what} failed on points of shape {pts.shape}: {exc}; it must map "
                               "(..., 3) points in m to (..., 3) fields in V/m") from exc
    try:
        arr = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError(f"{what} must return a numeric array of shape {pts.shape}; got "
                               f"{type(out).__name__}") from exc
    if arr.shape != pts.shape:
        raise CoilsimTypeError(f"{what} returned shape {arr.shape} for points of shape {pts.shape}; "
                               "it must return one E vector (V/m) per point, the same shape")
    bad = ~np.all(np.isfinite(arr), axis=-1)
    if bad.any():
        i = np.unravel_index(int(np.argmax(bad)), bad.shape)
        raise CoilsimValueError(f"{what} returned NaN or inf at {int(bad.sum())} of {bad.size} points "
                                f"(first at {pts[i].tolist()} m); the fibre may leave the region "
                                "where the field is defined: move or shorten the fibre")
    return arr


def _path_and_arc(fiber_or_path, arc):
    from .fiber import Fiber, _as_path
    if isinstance(fiber_or_path, Fiber):
        fib = fiber_or_path
        path, cum = fib.path, fib.arc
        if arc is None:
            arc = fib.compartment_arc()
        step = 0.25 * fib.node_spacing
    else:
        path = _as_path(fiber_or_path)
        cum = np.concatenate(([0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))))
        if arc is None:
            arc = cum
        step = DEFAULT_MAX_STEP
    arc = np.asarray(arc, dtype=np.float64)
    if arc.ndim != 1 or not np.all(np.isfinite(arc)):
        raise CoilsimTypeError("arc must be a 1-D array of finite arc lengths (m)")
    tol = 1e-9 * max(cum[-1], 1e-12)
    if arc.size and (arc.min() < -tol or arc.max() > cum[-1] + tol):
        raise CoilsimValueError(f"arc positions must lie on the path, within [0, {cum[-1]:.6g}] m")
    return path, cum, np.clip(arc, 0.0, cum[-1]), step


def quasi_potential(fiber_or_path, field, arc=None, *, max_step=None, order: int = 4,
                    return_points: bool = False):
    """``V_e(s) = -∫_0^s E·dl`` (V per unit drive) at arc positions ``s`` along a fibre.

    Parameters
    ----------
    fiber_or_path : a :class:`~coilsim.nerves.Fiber`, a :class:`~coilsim.nerves.BranchedFiber`
        (potentials at its compartments in cable order; ``arc``: None, or ``"nodes"`` for the
        nodes only) or an (n, 3) polyline (m).
    field : an EField (``.E(points)``) or a callable ``points (..., 3) -> E (..., 3)`` (V/m per
        unit drive).
    arc : (k,) arc positions (m); default: a Fiber's compartment centres (its nodes for SENN,
        every MRG section), or the path's vertices.
    max_step : longest integration sub-interval (m); default a quarter internode for a Fiber,
        0.25 mm for a path.
    order : Gauss–Legendre points per sub-interval (1–10; default 4, exact for polynomials of
        degree 7).

    Returns
    -------
    (k,) array, V per unit drive (and the (k, 3) points when ``return_points``).
    """
    from .branched import BranchedFiber
    if isinstance(fiber_or_path, BranchedFiber):
        return _tree_quasi_potential(fiber_or_path, field, arc, max_step, order, return_points)
    path, cum, s, step = _path_and_arc(fiber_or_path, arc)
    if max_step is not None:
        step = real_scalar(max_step, "max_step", positive=True)
    order = positive_int(order, "order")
    if order > 10:
        raise CoilsimValueError(f"order must be <= 10; got {order}")
    L = cum[-1]
    brk = np.unique(np.concatenate((cum, s, [0.0, L])))
    h = np.diff(brk)
    keep = np.concatenate(([True], h > 1e-15 * max(L, 1e-300)))
    brk = brk[keep]
    h = np.diff(brk)
    nsub = np.maximum(1, np.ceil(h / step - 1e-9)).astype(np.int64)
    # sub-interval ends
    starts = np.repeat(brk[:-1], nsub) + np.concatenate(
        [np.arange(m) * (hh / m) for m, hh in zip(nsub, h)]) if h.size else np.empty(0)
    widths = np.repeat(h / nsub, nsub)
    xg, wg = np.polynomial.legendre.leggauss(order)
    sq = starts[:, None] + 0.5 * widths[:, None] * (1.0 + xg[None, :])
    # segment of each sub-interval: its midpoint lies strictly inside one polyline segment
    mid = starts + 0.5 * widths
    seg = np.clip(np.searchsorted(cum, mid, side="right") - 1, 0, path.shape[0] - 2)
    d = path[seg + 1] - path[seg]
    slen = cum[seg + 1] - cum[seg]
    tang = d / slen[:, None]
    f = ((sq - cum[seg][:, None]) / slen[:, None])[..., None]
    pts = path[seg][:, None, :] + f * d[:, None, :]
    E = evaluate_field(field, pts)
    et = np.einsum("qgk,qk->qg", E, tang)
    piece = 0.5 * widths * (et @ wg)
    # accumulate compensated (pairwise) over sub-intervals; V at each sub-interval end
    V_end = -np.cumsum(piece)
    ends = starts + widths
    V_nodes = np.concatenate(([0.0], V_end))
    s_nodes = np.concatenate(([0.0], ends))
    idx = np.searchsorted(s_nodes, s, side="left")
    idx = np.clip(idx, 0, s_nodes.size - 1)
    # requested arcs are break points: pick the exact entry (nearest, to round-off)
    left = np.clip(idx - 1, 0, s_nodes.size - 1)
    pick = np.where(np.abs(s_nodes[left] - s) < np.abs(s_nodes[idx] - s), left, idx)
    V = V_nodes[pick]
    if return_points:
        from .fiber import Fiber
        if isinstance(fiber_or_path, Fiber):
            return V, fiber_or_path.points_at(s)
        i = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, path.shape[0] - 2)
        ff = ((s - cum[i]) / (cum[i + 1] - cum[i]))[:, None]
        return V, path[i] * (1 - ff) + path[i + 1] * ff
    return V


def _tree_quasi_potential(tree, field, arc, max_step, order, return_points):
    if arc is None:
        sec, s = tree.compartment_sites()
    elif isinstance(arc, str) and arc == "nodes":
        sec, s = tree.node_sites()
    else:
        raise CoilsimValueError("arc must be None (the compartments) or 'nodes' for a BranchedFiber")
    step = 0.25 * tree.node_spacing if max_step is None else max_step
    out = np.empty(s.size)
    v_node = np.empty(tree.n_nodes)
    for k, S in enumerate(tree.sections):             # parents before children
        base = 0.0 if S.attach < 0 else v_node[S.attach]
        sel = np.flatnonzero(sec == k)
        V = quasi_potential(S.path, field, np.concatenate((S.arc, s[sel])), max_step=step,
                            order=order) + base
        v_node[S.nodes] = V[:S.arc.size]
        out[sel] = V[S.arc.size:]
    if return_points:
        pts = np.empty((s.size, 3))
        for k, S in enumerate(tree.sections):
            m = sec == k
            pts[m] = S.points_at(s[m])
        return out, pts
    return out


def tangential_field(fiber, field, arc=None) -> np.ndarray:
    """E·t (V/m per unit drive) at arc positions of a Fiber (default its nodes)."""
    from .fiber import Fiber
    if not isinstance(fiber, Fiber):
        raise CoilsimTypeError(f"fiber must be a Fiber; got {type(fiber).__name__}")
    s = fiber.node_arc if arc is None else np.asarray(arc, dtype=np.float64)
    E = evaluate_field(field, fiber.points_at(s))
    return np.einsum("nk,nk->n", E, fiber.tangents_at(s))
