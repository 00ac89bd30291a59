"""Closed triangle surfaces for the surface-charge BEM: generators, refinement, checks, containment.

All lengths are in metres. A surface is ``(vertices (n, 3) float64, faces (m, 3) int64)``; faces are
oriented outward (counter-clockwise seen from outside, so the right-hand normal points out of the
enclosed volume).

- :func:`icosphere`, :func:`capped_cylinder`, :func:`lofted_tube` generate closed surfaces;
- :func:`refine` bisects longest edges (Rivara) until a size field is met, projecting new vertices
  onto the exact surface; :func:`graded_size` is a size field graded towards a coil;
- :func:`check_surface` rejects open, non-manifold, inconsistently or inward oriented, degenerate
  and self-intersecting surfaces and warns about poorly shaped triangles;
- :func:`point_in_surface`, :func:`surfaces_intersect`, :func:`containment_tree` relate surfaces.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .._numba import njit, prange
from ..errors import CoilsimTypeError, CoilsimValueError
from ._warnings import MeshQualityWarning

#: default limit on the faces :func:`refine` may create (a guard against unit mistakes, mm as m)
MAX_FACES = 2_000_000
#: aspect ratio (circumradius / (2 inradius), 1 for an equilateral triangle) above which
#: :func:`check_surface` warns
MAX_ASPECT = 10.0

# --------------------------------------------------------------------------------------------
# input coercion


def _as_surface(vertices, faces, name: str = "surface"):
    try:
        v = np.asarray(vertices, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError(f"{name}: vertices must be an (n, 3) float array in metres") from exc
    if v.ndim != 2 or v.shape[1] != 3:
        raise CoilsimTypeError(f"{name}: vertices must have shape (n, 3); got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise CoilsimValueError(f"{name}: vertices contain NaN or inf; pass finite coordinates (m)")
    f = np.asarray(faces)
    if f.ndim != 2 or f.shape[1] != 3 or f.shape[0] == 0:
        raise CoilsimTypeError(f"{name}: faces must be a non-empty (m, 3) integer array; got shape {f.shape}")
    if not np.issubdtype(f.dtype, np.integer):
        if np.issubdtype(f.dtype, np.floating) and np.all(f == np.round(f)):
            f = f.astype(np.int64)
        else:
            raise CoilsimTypeError(f"{name}: faces must hold integer vertex indices; got dtype {f.dtype}")
    f = f.astype(np.int64)
    if f.min() < 0 or f.max() >= len(v):
        raise CoilsimValueError(
            f"{name}: faces index vertices outside 0..{len(v) - 1}; pass 0-based indices into vertices")
    return v, f


def _size_function(size, name="size"):
    """A callable points (k, 3) -> edge length (k,) from a float or a callable."""
    if callable(size):
        return size
    try:
        h = float(size)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError(f"{name} must be a length in metres or a callable points -> lengths") from exc
    if not (math.isfinite(h) and h > 0):
        raise CoilsimValueError(f"{name} must be a finite length > 0 (m); got {h}")
    return lambda p: np.full(len(p), h)


def _eval_size(size_fn, points):
    h = np.asarray(size_fn(points), dtype=np.float64)
    h = np.broadcast_to(h, (len(points),)) if h.ndim == 0 else h
    if h.shape != (len(points),):
        raise CoilsimTypeError(f"size(points) must return shape ({len(points)},); got {h.shape}")
    if not np.all(np.isfinite(h) & (h > 0)):
        raise CoilsimValueError("size(points) returned a non-finite or non-positive edge length; "
                                "the size field must be > 0 m everywhere")
    return h


def _face_normals(v, f):
    return np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])


def _edges(f, nv):
    """Unique undirected edges: (edge vertex pairs (e, 2), edge id per face-edge (m, 3)).

    Local edge k of a face joins its vertices k and k+1 (mod 3)."""
    a = f
    b = np.roll(f, -1, axis=1)
    lo = np.minimum(a, b).ravel()
    hi = np.maximum(a, b).ravel()
    key = lo * np.int64(nv) + hi
    uk, inv = np.unique(key, return_inverse=True)
    return np.stack([uk // nv, uk % nv], axis=1), inv.reshape(-1, 3)


# --------------------------------------------------------------------------------------------
# generators


def _icosahedron():
    t = (1.0 + 5.0 ** 0.5) / 2.0
    v = np.array([[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t], [0, 1, t],
                  [0, -1, -t], [0, 1, -t], [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1]], float)
    v /= np.linalg.norm(v, axis=1)[:, None]
    f = np.array([[0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11], [1, 5, 9], [5, 11, 4],
                  [11, 10, 2], [10, 7, 6], [7, 1, 8], [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8],
                  [3, 8, 9], [4, 9, 5], [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1]], np.int64)
    return v, f


def _geodesic(n: int):
    """Unit icosphere of frequency n (each icosahedron edge cut into n): 10n²+2 vertices."""
    v0, f0 = _icosahedron()
    ii, jj = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = ii + jj <= n
    ii, jj = ii[keep], jj[keep]
    local = -np.ones((n + 1, n + 1), np.int64)
    local[ii, jj] = np.arange(len(ii))
    tri = []
    for i in range(n):
        for j in range(n - i):
            tri.append((local[i, j], local[i + 1, j], local[i, j + 1]))
            if i + j <= n - 2:
                tri.append((local[i + 1, j], local[i + 1, j + 1], local[i, j + 1]))
    tri = np.array(tri, np.int64)
    a, b, c = v0[f0[:, 0]], v0[f0[:, 1]], v0[f0[:, 2]]
    pts = (a[:, None, :] + (b - a)[:, None, :] * (ii[None, :, None] / n)
           + (c - a)[:, None, :] * (jj[None, :, None] / n))
    pts /= np.linalg.norm(pts, axis=2, keepdims=True)
    faces = (tri[None, :, :] + len(ii) * np.arange(20)[:, None, None]).reshape(-1, 3)
    pts = pts.reshape(-1, 3)
    key = np.round(pts * 2 ** 30).astype(np.int64)
    _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    verts = pts[first]
    faces = inv[faces]
    if len(verts) != 10 * n * n + 2:  # pragma: no cover - rounding safety net
        raise RuntimeError("icosphere vertex merge failed")
    return verts, faces


def icosphere(radius, max_edge, center=(0.0, 0.0, 0.0)):
    """Closed sphere surface (geodesic subdivision of an icosahedron), outward oriented.

    Parameters
    ----------
    radius : float
        Sphere radius, m.
    max_edge : float
        Longest edge allowed, m (the smallest subdivision frequency that meets it is used).
    center : (3,) array_like
        Centre, m.

    Returns
    -------
    vertices : (n, 3) float64, m (exactly on the sphere)
    faces : (m, 3) int64, outward oriented
    """
    r = float(radius)
    h = float(max_edge)
    if not (math.isfinite(r) and r > 0):
        raise CoilsimValueError(f"radius must be a finite length > 0 (m); got {radius}")
    if not (math.isfinite(h) and h > 0):
        raise CoilsimValueError(f"max_edge must be a finite length > 0 (m); got {max_edge}")
    c = np.asarray(center, dtype=np.float64)
    if c.shape != (3,) or not np.all(np.isfinite(c)):
        raise CoilsimValueError(f"center must be a finite 3-vector (m); got {center!r}")
    n = max(1, math.ceil(1.0515 * r / h))
    if 20 * n * n > MAX_FACES:
        raise CoilsimValueError(
            f"icosphere(radius={r:g}, max_edge={h:g}) needs more than {MAX_FACES} faces; "
            "check the units (m) or pass a larger max_edge")
    while True:
        v, f = _geodesic(n)
        e, _ = _edges(f, len(v))
        if r * np.linalg.norm(v[e[:, 0]] - v[e[:, 1]], axis=1).max() <= h:
            break
        n += 1
    nrm = _face_normals(v, f)
    flip = np.einsum("ij,ij->i", nrm, v[f].mean(axis=1)) < 0
    f[flip] = f[flip][:, ::-1]
    return r * v + c, f


def _ellipse_map(p, cx, cy, a, b):
    """Move points radially (in the ellipse's parameter) onto the ellipse (cx, cy, a, b)."""
    t = np.arctan2((p[:, 1] - cy) / b, (p[:, 0] - cx) / a)
    return cx + a * np.cos(t), cy + b * np.sin(t)


def _section_arrays(section, z):
    out = section(z)
    try:
        cx, cy, a, b = (np.broadcast_to(np.asarray(s, dtype=np.float64), z.shape) for s in out)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError("section(z) must return four arrays (cx, cy, a, b) in metres, "
                               "broadcastable to z's shape") from exc
    if not (np.all(np.isfinite(cx) & np.isfinite(cy)) and np.all((a > 0) & (b > 0))):
        raise CoilsimValueError("section(z) returned a non-finite centre or a semi-axis <= 0; "
                                "the semi-axes a, b must be > 0 m over [z0, z1]")
    return cx, cy, a, b


def lofted_tube(section, z0, z1, size, *, max_faces=MAX_FACES):
    """Closed surface swept along z with flat end caps at ``z0`` and ``z1``, outward oriented.

    Parameters
    ----------
    section : callable
        ``section(z)`` with ``z`` an array (k,), m, returns ``(cx, cy, a, b)`` (arrays (k,) or
        scalars), m: the ellipse ``((x-cx)/a)² + ((y-cy)/b)² = 1`` at height z. It should vary
        smoothly with z (a C⁰ kink is tolerated).
    z0, z1 : float
        Caps, m (z0 < z1).
    size : float or callable
        Target edge length, m, or a size field ``points (k, 3) -> (k,)`` (see :func:`graded_size`).

    Returns
    -------
    vertices (n, 3) float64, faces (m, 3) int64. Every vertex lies exactly on the surface: lateral
    vertices on the ellipse at their own z, cap vertices on the cap planes, rim vertices on the rims.
    """
    z0, z1 = float(z0), float(z1)
    if not (math.isfinite(z0) and math.isfinite(z1) and z1 > z0):
        raise CoilsimValueError(f"lofted_tube needs finite z0 < z1 (m); got z0={z0}, z1={z1}")
    v, f, patches, project = _tube_base(section, z0, z1)
    v, f, _ = _refine(v, f, _size_function(size), project, patches, max_faces)
    return v, f


def capped_cylinder(radius, length, size, center_z=0.0, *, max_faces=MAX_FACES):
    """Closed circular cylinder (axis z) with flat end caps, outward oriented.

    ``radius``, ``length``, ``center_z`` in m; ``size`` a target edge length (m) or size field.
    The caps lie at ``center_z ± length/2``; rim vertices lie exactly on the rim circles.
    """
    r, L = float(radius), float(length)
    if not (math.isfinite(r) and r > 0 and math.isfinite(L) and L > 0):
        raise CoilsimValueError(f"radius and length must be finite lengths > 0 (m); got {radius}, {length}")
    zc = float(center_z)
    return lofted_tube(lambda z: (0.0, 0.0, r, r), zc - L / 2, zc + L / 2, size, max_faces=max_faces)


_LATERAL, _BOTTOM, _TOP = 0, 1, 2


def _tube_base(section, z0, z1):
    """Coarse base mesh of a lofted tube with patch labels and its exact projection.

    An octagon (more sides for a tube shorter than its width) swept in near-square steps; caps
    are a centre, a half-size inner ring and the rim."""
    zs = np.linspace(z0, z1, 65)
    cx, cy, a, b = _section_arrays(section, zs)
    perim = (np.pi * (3 * (a + b) - np.sqrt((3 * a + b) * (a + 3 * b)))).max()
    n_around = 8
    while perim / n_around > 2.0 * (z1 - z0) and n_around < 1024:
        n_around *= 2
    nz = max(1, round((z1 - z0) / (perim / n_around)))
    t = 2 * np.pi * np.arange(n_around) / n_around
    zr = np.linspace(z0, z1, nz + 1)
    cx, cy, a, b = _section_arrays(section, zr)
    lat = np.stack([cx[:, None] + a[:, None] * np.cos(t), cy[:, None] + b[:, None] * np.sin(t),
                    np.broadcast_to(zr[:, None], (nz + 1, n_around))], axis=2).reshape(-1, 3)
    idx = np.arange((nz + 1) * n_around).reshape(nz + 1, n_around)
    j1 = np.roll(np.arange(n_around), -1)
    q00, q01 = idx[:-1, :], idx[:-1, j1]
    q10, q11 = idx[1:, :], idx[1:, j1]
    faces = [np.stack([q00, q01, q11], -1).reshape(-1, 3), np.stack([q00, q11, q10], -1).reshape(-1, 3)]
    patch = [np.full(2 * nz * n_around, _LATERAL)]
    verts = [lat]
    nv = len(lat)
    half = n_around // 2
    ti = 2 * np.pi * np.arange(half) / half
    for ring, zc, pid, k in ((idx[0], z0, _BOTTOM, 0), (idx[-1], z1, _TOP, nz)):
        inner = np.stack([cx[k] + 0.5 * a[k] * np.cos(ti), cy[k] + 0.5 * b[k] * np.sin(ti),
                          np.full(half, zc)], axis=1)
        centre = np.array([[cx[k], cy[k], zc]])
        ii = nv + np.arange(half)
        c = nv + half
        verts += [inner, centre]
        nv += half + 1
        j = np.arange(half)
        jn = (j + 1) % half
        o0, o1, o2 = ring[2 * j], ring[2 * j + 1], ring[(2 * j + 2) % n_around]
        cap = np.concatenate([np.stack([o0, o1, ii[j]], 1), np.stack([o1, o2, ii[jn]], 1),
                              np.stack([ii[j], o1, ii[jn]], 1), np.stack([np.full(half, c), ii[j], ii[jn]], 1)])
        faces.append(cap)
        patch.append(np.full(len(cap), pid))
    v = np.concatenate(verts)
    f = np.concatenate(faces).astype(np.int64)
    patches = np.concatenate(patch).astype(np.int64)
    # orient outward: lateral faces away from the axis, caps along ∓z
    nrm = _face_normals(v, f)
    cen = v[f].mean(axis=1)
    ccx, ccy, _, _ = _section_arrays(section, cen[:, 2])
    out = np.stack([cen[:, 0] - ccx, cen[:, 1] - ccy, np.zeros(len(f))], 1)
    out[patches == _BOTTOM] = (0, 0, -1)
    out[patches == _TOP] = (0, 0, 1)
    flip = np.einsum("ij,ij->i", nrm, out) < 0
    f[flip] = f[flip][:, ::-1]

    def project(p, pair):
        lo, hi = pair[:, 0], pair[:, 1]
        out = p.copy()
        lat = (lo == _LATERAL) & (hi == _LATERAL)
        rb = (lo == _LATERAL) & (hi == _BOTTOM)
        rt = (lo == _LATERAL) & (hi == _TOP)
        bot = (lo == _BOTTOM) & (hi == _BOTTOM)
        top = (lo == _TOP) & (hi == _TOP)
        if not np.all(lat | rb | rt | bot | top):
            raise CoilsimValueError("lofted_tube: an edge joins the two caps; the base mesh is broken")
        z = np.clip(p[:, 2], z0, z1)
        z[rb | bot] = z0
        z[rt | top] = z1
        out[:, 2] = z
        ell = lat | rb | rt
        if ell.any():
            ecx, ecy, ea, eb = _section_arrays(section, z[ell])
            x, y = _ellipse_map(p[ell], ecx, ecy, ea, eb)
            out[ell, 0] = x
            out[ell, 1] = y
        return out

    return v, f, patches, project


# --------------------------------------------------------------------------------------------
# refinement


def graded_size(focus, h_min, h_max, growth):
    """Size field graded towards ``focus``: h(x) = clip(h_min + growth·|x − focus|, h_min, h_max).

    ``focus`` (3,) or (k, 3) points, m (distance to the nearest one); ``h_min``, ``h_max`` edge
    lengths, m; ``growth`` dimensionless (m of edge length per m of distance). Returns a callable
    points (n, 3) -> (n,) edge lengths, m.
    """
    pts = np.atleast_2d(np.asarray(focus, dtype=np.float64))
    if pts.ndim != 2 or pts.shape[1] != 3 or not np.all(np.isfinite(pts)):
        raise CoilsimValueError(f"focus must be finite (3,) or (k, 3) points in metres; got shape {pts.shape}")
    h_min, h_max, growth = float(h_min), float(h_max), float(growth)
    if not (math.isfinite(h_min) and h_min > 0 and math.isfinite(h_max) and h_max >= h_min):
        raise CoilsimValueError(f"need 0 < h_min <= h_max (m); got h_min={h_min}, h_max={h_max}")
    if not (math.isfinite(growth) and growth >= 0):
        raise CoilsimValueError(f"growth must be finite and >= 0; got {growth}")
    if len(pts) > 1:
        from scipy.spatial import cKDTree
        tree = cKDTree(pts)

        def dist(p):
            return tree.query(p)[0]
    else:
        p0 = pts[0]

        def dist(p):
            return np.linalg.norm(p - p0, axis=1)

    def size(points):
        p = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        return np.clip(h_min + growth * dist(p), h_min, h_max)

    size.h_min, size.h_max, size.growth, size.focus = h_min, h_max, growth, pts
    return size


def refine(vertices, faces, size, project, *, patches=None, max_faces=MAX_FACES):
    """Conforming longest-edge (Rivara) bisection until every edge is ≤ size(its midpoint).

    Parameters
    ----------
    vertices, faces : (n, 3) float (m), (m, 3) int
        A surface (closed or not; orientation is kept).
    size : float or callable
        Target edge length, m, or ``size(points (k, 3)) -> (k,)`` (see :func:`graded_size`).
    project : callable
        Moves new vertices (edge midpoints) onto the exact surface. Called as ``project(points)``,
        or, when ``patches`` is given, as ``project(points, pair)`` with ``pair`` (k, 2) the sorted
        patch labels of the two faces beside each split edge: an edge between two different
        patches lies on their common feature curve (e.g. a cylinder rim), so its midpoint can be put
        on that curve and sharp edges stay sharp.
    patches : (m,) int, optional
        Label of the smooth surface patch of each face; children inherit it.
    max_faces : int
        Raise rather than create more faces.

    Returns
    -------
    vertices, faces (and patches when given). Triangles are split by Rivara's 4T-LE rule (longest
    edge first), so the minimum angle stays ≥ half the initial one.
    """
    v, f = _as_surface(vertices, faces, "refine")
    p = None
    if patches is not None:
        p = np.asarray(patches, dtype=np.int64)
        if p.shape != (len(f),):
            raise CoilsimTypeError(f"patches must have shape ({len(f)},); got {p.shape}")
    else:
        proj = project

        def project(points, pair):  # noqa: F811 - adapt the one-argument form
            return proj(points)
    v, f, p = _refine(v, f, _size_function(size), project, p, int(max_faces))
    return (v, f) if patches is None else (v, f, p)


def _refine(v, f, size_fn, project, patches, max_faces, max_passes=80):
    v = v.copy()
    f = f.copy()
    p = np.zeros(len(f), np.int64) if patches is None else patches.copy()
    for _ in range(max_passes):
        m = len(f)
        nv = len(v)
        e, eid = _edges(f, nv)
        mid = 0.5 * (v[e[:, 0]] + v[e[:, 1]])
        length = np.linalg.norm(v[e[:, 1]] - v[e[:, 0]], axis=1)
        mark = length > _eval_size(size_fn, mid)
        if not mark.any():
            return v, f, p
        lf = length[eid]
        is_max = lf == lf.max(axis=1, keepdims=True)
        loc = np.where(is_max, eid, np.iinfo(np.int64).max).argmin(axis=1)
        rows = np.arange(m)
        longest = eid[rows, loc]
        while True:  # closure: a face with any marked edge has its longest edge marked
            need = mark[eid].any(axis=1) & ~mark[longest]
            if not need.any():
                break
            mark[longest[need]] = True
        kf = mark[eid].sum(axis=1)
        if m + kf.sum() > max_faces:
            raise CoilsimValueError(
                f"refinement would create more than max_faces={max_faces} faces; pass a larger "
                "size (h_min) or raise max_faces (lengths are in metres)")
        marked = np.flatnonzero(mark)
        pl = np.full(len(e), np.iinfo(np.int64).max)
        ph = np.full(len(e), np.iinfo(np.int64).min)
        np.minimum.at(pl, eid.ravel(), np.repeat(p, 3))
        np.maximum.at(ph, eid.ravel(), np.repeat(p, 3))
        pair = np.stack([pl[marked], ph[marked]], axis=1)
        newp = np.asarray(project(mid[marked], pair), dtype=np.float64)
        if newp.shape != (len(marked), 3) or not np.all(np.isfinite(newp)):
            raise CoilsimValueError("project(points) must return finite points of the same shape (k, 3)")
        newidx = np.full(len(e), -1, np.int64)
        newidx[marked] = nv + np.arange(len(marked))
        v = np.concatenate([v, newp])
        # rotate every face so that local edge 0 is its longest edge
        r = loc[:, None]
        k3 = np.arange(3)[None, :]
        fr = f[rows[:, None], (k3 + r) % 3]
        er = eid[rows[:, None], (k3 + r) % 3]
        split = kf > 0
        keep_f, keep_p = f[~split], p[~split]
        fr, er, ps = fr[split], er[split], p[split]
        v0, v1, v2 = fr[:, 0], fr[:, 1], fr[:, 2]
        m0, m1, m2 = newidx[er[:, 0]], newidx[er[:, 1]], newidx[er[:, 2]]
        s1, s2 = m1 >= 0, m2 >= 0
        out_f = [keep_f,
                 np.stack([v0, m0, np.where(s2, m2, v2)], 1),         # child A (or its first half)
                 np.stack([m0, v2, m2], 1)[s2],                        # child A, second half
                 np.stack([m0, v1, np.where(s1, m1, v2)], 1),         # child B (or its first half)
                 np.stack([m0, m1, v2], 1)[s1]]                        # child B, second half
        out_p = [keep_p, ps, ps[s2], ps, ps[s1]]
        f = np.concatenate(out_f)
        p = np.concatenate(out_p)
    raise CoilsimValueError(f"refinement did not finish in {max_passes} passes; the size field is "
                            "too small for the surface (lengths are in metres)")


# --------------------------------------------------------------------------------------------
# numba kernels: triangle-triangle intersection over a bounding-box grid, ray casting


@njit
def _sub(a, b):
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


@njit
def _cross(a, b):
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


@njit
def _dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


@njit
def _seg_tri(p, q, a, b, c, tol_d, tol_a):
    """1 if segment pq crosses triangle abc, 0 if not, -1 if pq lies in its plane."""
    n = _cross(_sub(b, a), _sub(c, a))
    nn = math.sqrt(_dot(n, n))
    if nn == 0.0:
        return 0
    dp = _dot(n, _sub(p, a)) / nn
    dq = _dot(n, _sub(q, a)) / nn
    if abs(dp) <= tol_d and abs(dq) <= tol_d:
        return -1
    if (dp > tol_d and dq > tol_d) or (dp < -tol_d and dq < -tol_d):
        return 0
    den = dp - dq
    if den == 0.0:
        return 0
    t = dp / den
    x = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]), p[2] + t * (q[2] - p[2]))
    ta = tol_a * nn
    if _dot(_cross(_sub(b, a), _sub(x, a)), n) < -ta:
        return 0
    if _dot(_cross(_sub(c, b), _sub(x, b)), n) < -ta:
        return 0
    if _dot(_cross(_sub(a, c), _sub(x, c)), n) < -ta:
        return 0
    return 1


@njit
def _orient2(ax, ay, bx, by, cx, cy):
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


@njit
def _sign_tol(d, eps):
    """Sign of an orientation ``d`` (twice a signed area), 0 within ``eps`` of zero."""
    if d > eps:
        return 1
    if d < -eps:
        return -1
    return 0


@njit
def _seg2_cross(ax, ay, bx, by, cx, cy, dx, dy, eps):
    """Do segments ab and cd cross properly (each strictly separates the other's ends)?

    Orientations within ``eps`` (an area) of zero count as collinear: collinear segments never
    cross properly. Without the tolerance, round-off gives the four orientations of two collinear
    but disjoint edges (common in the structured, bisected cap of a graded mesh) random signs."""
    d1 = _sign_tol(_orient2(ax, ay, bx, by, cx, cy), eps)
    d2 = _sign_tol(_orient2(ax, ay, bx, by, dx, dy), eps)
    d3 = _sign_tol(_orient2(cx, cy, dx, dy, ax, ay), eps)
    d4 = _sign_tol(_orient2(cx, cy, dx, dy, bx, by), eps)
    return d1 * d2 < 0 and d3 * d4 < 0


@njit
def _in_tri2(px, py, ax, ay, bx, by, cx, cy, eps):
    """Is p strictly inside triangle abc (farther than the tolerance ``eps``, an area, from its edges)?"""
    d1 = _sign_tol(_orient2(ax, ay, bx, by, px, py), eps)
    d2 = _sign_tol(_orient2(bx, by, cx, cy, px, py), eps)
    d3 = _sign_tol(_orient2(cx, cy, ax, ay, px, py), eps)
    return (d1 > 0 and d2 > 0 and d3 > 0) or (d1 < 0 and d2 < 0 and d3 < 0)


@njit
def _coplanar_overlap(t1, t2, n, eps):
    """Do coplanar triangles t1, t2 (normal n) overlap with positive area?

    Touching along edges or at vertices is not an overlap. ``eps`` is the area below which a 2-D
    orientation counts as zero. The interiors overlap iff two edges cross properly, or a vertex or
    the centroid of one lies strictly inside the other (the centroid catches coincident triangles
    and a triangle inside another sharing its edge lines)."""
    ax = 0
    if abs(n[1]) > abs(n[ax]):
        ax = 1
    if abs(n[2]) > abs(n[ax]):
        ax = 2
    u = (ax + 1) % 3
    w = (ax + 2) % 3
    for i in range(3):
        i1 = (i + 1) % 3
        for j in range(3):
            j1 = (j + 1) % 3
            if _seg2_cross(t1[i, u], t1[i, w], t1[i1, u], t1[i1, w], t2[j, u], t2[j, w], t2[j1, u], t2[j1, w],
                           eps):
                return True
    for i in range(4):
        if i < 3:
            p1u, p1w, p2u, p2w = t1[i, u], t1[i, w], t2[i, u], t2[i, w]
        else:
            p1u = (t1[0, u] + t1[1, u] + t1[2, u]) / 3.0
            p1w = (t1[0, w] + t1[1, w] + t1[2, w]) / 3.0
            p2u = (t2[0, u] + t2[1, u] + t2[2, u]) / 3.0
            p2w = (t2[0, w] + t2[1, w] + t2[2, w]) / 3.0
        if _in_tri2(p1u, p1w, t2[0, u], t2[0, w], t2[1, u], t2[1, w], t2[2, u], t2[2, w], eps):
            return True
        if _in_tri2(p2u, p2w, t1[0, u], t1[0, w], t1[1, u], t1[1, w], t1[2, u], t1[2, w], eps):
            return True
    return False


@njit
def _tri_tri(t1, t2, f1, f2, tol):
    """Do triangles t1, t2 (3x3 coordinates; vertex ids f1, f2) intersect, adjacency aside?"""
    L = 0.0
    for k in range(3):
        for t in (t1, t2):
            d = _sub(t[k], t[(k + 1) % 3])
            L = max(L, math.sqrt(_dot(d, d)))
    tol_d = tol * L
    tol_a = tol * L * L
    ns = 0
    s1 = -1
    s2 = -1
    for i in range(3):
        for j in range(3):
            if f1[i] == f2[j]:
                ns += 1
                s1 = i
                s2 = j
    if ns == 3:
        return True
    if ns == 2:
        # edge neighbours overlap only when folded flat onto each other
        o1 = -1
        o2 = -1
        for i in range(3):
            if f1[i] != f2[0] and f1[i] != f2[1] and f1[i] != f2[2]:
                o1 = i
            if f2[i] != f1[0] and f2[i] != f1[1] and f2[i] != f1[2]:
                o2 = i
        n1 = _cross(_sub(t1[1], t1[0]), _sub(t1[2], t1[0]))
        n2 = _cross(_sub(t2[1], t2[0]), _sub(t2[2], t2[0]))
        a1 = math.sqrt(_dot(n1, n1))
        a2 = math.sqrt(_dot(n2, n2))
        if a1 == 0.0 or a2 == 0.0:
            return False
        return _dot(n1, n2) < -(1.0 - 1e-12) * a1 * a2 and o1 >= 0 and o2 >= 0
    if ns == 1:
        e1a = t1[(s1 + 1) % 3]
        e1b = t1[(s1 + 2) % 3]
        e2a = t2[(s2 + 1) % 3]
        e2b = t2[(s2 + 2) % 3]
        if _seg_tri(e1a, e1b, t2[0], t2[1], t2[2], tol_d, tol_a) == 1:
            return True
        if _seg_tri(e2a, e2b, t1[0], t1[1], t1[2], tol_d, tol_a) == 1:
            return True
        return False
    cop = 0
    for k in range(3):
        r = _seg_tri(t1[k], t1[(k + 1) % 3], t2[0], t2[1], t2[2], tol_d, tol_a)
        if r == 1:
            return True
        if r == -1:
            cop += 1
    for k in range(3):
        r = _seg_tri(t2[k], t2[(k + 1) % 3], t1[0], t1[1], t1[2], tol_d, tol_a)
        if r == 1:
            return True
    if cop == 3:
        n = _cross(_sub(t2[1], t2[0]), _sub(t2[2], t2[0]))
        return _coplanar_overlap(t1, t2, n, tol_a)
    return False


@njit
def _grid_pairs(tri, fid, group, lo, hi, order, keys, starts, origin, h, dims, mode, tol, maxout):
    """Test face pairs sharing a grid cell. mode 0: all pairs (self); 1: pairs across groups."""
    out = np.empty((maxout, 2), np.int64)
    nfound = 0
    ncell = len(starts) - 1
    for g in range(ncell):
        s0 = starts[g]
        s1 = starts[g + 1]
        key = keys[s0]
        for ia in range(s0, s1):
            i = order[ia]
            for ib in range(ia + 1, s1):
                j = order[ib]
                if mode == 1 and group[i] == group[j]:
                    continue
                ok = True
                for k in range(3):
                    if lo[i, k] > hi[j, k] or lo[j, k] > hi[i, k]:
                        ok = False
                        break
                if not ok:
                    continue
                # report the pair only in the cell holding the lower corner of the box overlap
                c0 = min(max(int(math.floor((max(lo[i, 0], lo[j, 0]) - origin[0]) / h)), 0), dims[0] - 1)
                c1 = min(max(int(math.floor((max(lo[i, 1], lo[j, 1]) - origin[1]) / h)), 0), dims[1] - 1)
                c2 = min(max(int(math.floor((max(lo[i, 2], lo[j, 2]) - origin[2]) / h)), 0), dims[2] - 1)
                if (c0 * dims[1] + c1) * dims[2] + c2 != key:
                    continue
                if _tri_tri(tri[i], tri[j], fid[i], fid[j], tol):
                    if nfound < maxout:
                        out[nfound, 0] = i
                        out[nfound, 1] = j
                    nfound += 1
    return out[:min(nfound, maxout)], nfound


def _intersecting_pairs(v, f, group=None, mode=0, maxout=64, tol=1e-10):
    """Pairs of intersecting faces (up to ``maxout``) and their total count."""
    tri = v[f]
    lo = tri.min(axis=1)
    hi = tri.max(axis=1)
    ext = (hi - lo).max(axis=1)
    h = float(np.median(ext)) * 1.5
    span = hi.max(axis=0) - lo.min(axis=0)
    if not h > 0:
        h = float(span.max()) or 1.0
    h = max(h, float(span.max()) / 400.0)  # at most 400 cells per side
    origin = lo.min(axis=0)
    dims = np.maximum(np.floor(span / h).astype(np.int64) + 1, 1)
    i0 = np.clip(np.floor((lo - origin) / h).astype(np.int64), 0, dims - 1)
    i1 = np.clip(np.floor((hi - origin) / h).astype(np.int64), 0, dims - 1)
    cnt = np.prod(i1 - i0 + 1, axis=1)
    face = np.repeat(np.arange(len(f)), cnt)
    # enumerate the cells of every face's box
    off = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    nx = (i1 - i0 + 1)[face]
    cz = off % nx[:, 2]
    cy = (off // nx[:, 2]) % nx[:, 1]
    cx = off // (nx[:, 2] * nx[:, 1])
    c = i0[face] + np.stack([cx, cy, cz], 1)
    keys = (c[:, 0] * dims[1] + c[:, 1]) * dims[2] + c[:, 2]
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    order = face[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
    grp = np.zeros(len(f), np.int64) if group is None else np.asarray(group, np.int64)
    return _grid_pairs(tri, f, grp, lo, hi, order, keys, starts, origin, h, dims, mode, tol, maxout)


# exact predicates: no fast-math (contraction into FMA or re-association could evaluate the same
# orientation differently at two call sites and break the consistency the perturbation relies on)
@njit(fastmath=False)
def _orient_sos(au, av, bu, bv, pu, pv):
    """Sign of orient2d(a, b, p) with p perturbed by (ε, ε²) (simulation of simplicity)."""
    d = (bu - au) * (pv - av) - (bv - av) * (pu - au)
    if d > 0.0:
        return 1
    if d < 0.0:
        return -1
    if bv != av:
        return -1 if bv > av else 1
    if bu > au:
        return 1
    if bu < au:
        return -1
    return 0


@njit(fastmath=False)
def _edge_sign(v, a, b, u, w, pu, pw):
    """Perturbed orientation of p against edge a->b, evaluated in the canonical (low, high) order."""
    if a < b:
        return _orient_sos(v[a, u], v[a, w], v[b, u], v[b, w], pu, pw)
    return -_orient_sos(v[b, u], v[b, w], v[a, u], v[a, w], pu, pw)


@njit(fastmath=False)
def _winding_one(p, v, f, axis, cstart, cfaces, umin, vmin, du, dv, nu, nv_, bbmin, bbmax):
    """Signed count of the surface crossings of the ray from p along +axis."""
    u = (axis + 1) % 3
    w = (axis + 2) % 3
    for k in range(3):
        if p[k] < bbmin[k] or p[k] > bbmax[k]:
            return 0
    iu = min(max(int((p[u] - umin) / du), 0), nu - 1)
    iv = min(max(int((p[w] - vmin) / dv), 0), nv_ - 1)
    cell = iu * nv_ + iv
    wind = 0
    for q in range(cstart[cell], cstart[cell + 1]):
        fi = cfaces[q]
        s0 = _edge_sign(v, f[fi, 0], f[fi, 1], u, w, p[u], p[w])
        s1 = _edge_sign(v, f[fi, 1], f[fi, 2], u, w, p[u], p[w])
        s2 = _edge_sign(v, f[fi, 2], f[fi, 0], u, w, p[u], p[w])
        if s0 > 0 and s1 > 0 and s2 > 0:
            sgn = 1
        elif s0 < 0 and s1 < 0 and s2 < 0:
            sgn = -1
        else:
            continue
        i0 = f[fi, 0]
        i1 = f[fi, 1]
        i2 = f[fi, 2]
        l0 = (v[i2, u] - v[i1, u]) * (p[w] - v[i1, w]) - (v[i2, w] - v[i1, w]) * (p[u] - v[i1, u])
        l1 = (v[i0, u] - v[i2, u]) * (p[w] - v[i2, w]) - (v[i0, w] - v[i2, w]) * (p[u] - v[i2, u])
        l2 = (v[i1, u] - v[i0, u]) * (p[w] - v[i0, w]) - (v[i1, w] - v[i0, w]) * (p[u] - v[i0, u])
        tot = l0 + l1 + l2
        if tot == 0.0:
            continue
        hgt = (l0 * v[i0, axis] + l1 * v[i1, axis] + l2 * v[i2, axis]) / tot
        if hgt > p[axis]:
            wind += sgn
    return wind


@njit(parallel=True, fastmath=False)
def _ray_winding(pts, v, f, axis, cstart, cfaces, umin, vmin, du, dv, nu, nv_, bbmin, bbmax, out):
    for ip in prange(pts.shape[0]):
        out[ip] = _winding_one(pts[ip], v, f, axis, cstart, cfaces, umin, vmin, du, dv, nu, nv_, bbmin, bbmax)


@njit(fastmath=False)
def _ray_winding_serial(pts, v, f, axis, cstart, cfaces, umin, vmin, du, dv, nu, nv_, bbmin, bbmax, out):
    """As :func:`_ray_winding` without threads (launching them costs ~10 ms, too much for a few points)."""
    for ip in range(pts.shape[0]):
        out[ip] = _winding_one(pts[ip], v, f, axis, cstart, cfaces, umin, vmin, du, dv, nu, nv_, bbmin, bbmax)


class _RayIndex:
    """A 2-D grid of faces projected along the best axis, for ray-cast winding numbers."""

    def __init__(self, v, f):
        self.v, self.f = v, f
        tri = v[f]
        lo, hi = tri.min(axis=1), tri.max(axis=1)
        self.bbmin = v[np.unique(f)].min(axis=0)
        self.bbmax = v[np.unique(f)].max(axis=0)
        span = np.maximum(self.bbmax - self.bbmin, 1e-300)
        best = None
        for axis in range(3):
            u, w = (axis + 1) % 3, (axis + 2) % 3
            ncell = max(1.0, 2.0 * len(f))
            r = span[u] / span[w]
            nu = int(np.clip(round(math.sqrt(ncell * r)), 1, 2048))
            nw = int(np.clip(round(math.sqrt(ncell / r)), 1, 2048))
            du, dw = span[u] / nu, span[w] / nw
            i0u = np.clip(((lo[:, u] - self.bbmin[u]) / du).astype(np.int64), 0, nu - 1)
            i1u = np.clip(((hi[:, u] - self.bbmin[u]) / du).astype(np.int64), 0, nu - 1)
            i0w = np.clip(((lo[:, w] - self.bbmin[w]) / dw).astype(np.int64), 0, nw - 1)
            i1w = np.clip(((hi[:, w] - self.bbmin[w]) / dw).astype(np.int64), 0, nw - 1)
            cnt = (i1u - i0u + 1) * (i1w - i0w + 1)
            face = np.repeat(np.arange(len(f)), cnt)
            off = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            ww = (i1w - i0w + 1)[face]
            cells = (i0u[face] + off // ww) * nw + (i0w[face] + off % ww)
            per = np.bincount(cells, minlength=nu * nw)
            cost = float((per.astype(np.float64) ** 2).sum())
            if best is None or cost < best[0]:
                order = np.argsort(cells, kind="stable")
                cstart = np.zeros(nu * nw + 1, np.int64)
                cstart[1:] = np.cumsum(per)
                best = (cost, axis, cstart, face[order], self.bbmin[u], self.bbmin[w], du, dw, nu, nw)
        _, self.axis, self.cstart, self.cfaces, self.umin, self.wmin, self.du, self.dw, self.nu, self.nw = best

    def winding(self, pts):
        out = np.zeros(len(pts), np.int64)
        kernel = _ray_winding if len(pts) > 4096 else _ray_winding_serial
        kernel(pts, self.v, self.f, self.axis, self.cstart, self.cfaces, self.umin, self.wmin,
                     self.du, self.dw, self.nu, self.nw, self.bbmin, self.bbmax, out)
        return out


# --------------------------------------------------------------------------------------------
# checks and relations


@dataclass(frozen=True)
class SurfaceStats:
    """Summary of a checked surface. Lengths in m, area in m², volume in m³; aspect = circumradius /
    (2·inradius), 1 for an equilateral triangle."""

    faces: int
    vertices: int
    min_edge: float
    max_edge: float
    mean_edge: float
    worst_aspect: float
    volume: float
    area: float


def _fail(name, what, fix):
    raise CoilsimValueError(f"surface {name!r} {what}; {fix}")


def check_surface(vertices, faces, name="surface", *, self_intersection=True, max_aspect=MAX_ASPECT):
    """Check that a surface is a valid closed, outward oriented, non-self-intersecting 2-manifold.

    Raises :class:`coilsim.errors.CoilsimValueError` naming ``name`` and the fix when the surface is
    open or non-manifold, inconsistently oriented, oriented inward (negative volume, per connected
    component), has zero-area faces, or intersects itself (triangle–triangle tests over a
    bounding-box grid). Warns (:class:`MeshQualityWarning`) about triangles whose aspect ratio
    exceeds ``max_aspect``; never rejects them. Returns :class:`SurfaceStats` (SI units).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    v, f = _as_surface(vertices, faces, name)
    m = len(f)
    # degenerate faces
    if np.any((f[:, 0] == f[:, 1]) | (f[:, 1] == f[:, 2]) | (f[:, 2] == f[:, 0])):
        k = int(np.flatnonzero((f[:, 0] == f[:, 1]) | (f[:, 1] == f[:, 2]) | (f[:, 2] == f[:, 0]))[0])
        _fail(name, f"has a face with a repeated vertex (face {k}: {f[k].tolist()})",
              "remove degenerate faces (e.g. merge duplicate vertices and drop collapsed faces)")
    tri = v[f]
    el = np.linalg.norm(tri - np.roll(tri, -1, axis=1), axis=2)
    nrm = _face_normals(v, f)
    area2 = np.linalg.norm(nrm, axis=1)
    lmax = el.max(axis=1)
    bad = area2 <= 1e-10 * lmax ** 2
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        _fail(name, f"has {int(bad.sum())} zero-area face(s) (first: face {k}, vertices {f[k].tolist()})",
              "remove or collapse degenerate triangles before using the mesh")
    # closed 2-manifold, consistent orientation
    e, eid = _edges(f, len(v))
    use = np.bincount(eid.ravel(), minlength=len(e))
    if np.any(use == 1):
        k = int(np.flatnonzero(use == 1)[0])
        _fail(name, f"is not closed: {int((use == 1).sum())} boundary edge(s) (first: vertices "
              f"{e[k].tolist()})", "close the holes (every edge must be shared by exactly two faces)")
    if np.any(use > 2):
        k = int(np.flatnonzero(use > 2)[0])
        _fail(name, f"is not a 2-manifold: {int((use > 2).sum())} edge(s) shared by more than two faces "
              f"(first: vertices {e[k].tolist()})", "remove duplicate or fin faces")
    fwd = (f < np.roll(f, -1, axis=1)).ravel()  # edge traversed low -> high
    nfwd = np.bincount(eid.ravel(), weights=fwd, minlength=len(e))
    if np.any(nfwd != 1):
        k = int(np.flatnonzero(nfwd != 1)[0])
        _fail(name, f"is not consistently oriented: {int((nfwd != 1).sum())} edge(s) traversed twice in "
              f"the same direction (first: vertices {e[k].tolist()})",
              "flip the faces of the wrongly wound region so neighbours traverse shared edges oppositely")
    # non-manifold vertices: the corners around every vertex must form one fan
    fe = eid.ravel()
    order = np.argsort(fe, kind="stable")
    pairs = order.reshape(-1, 2)  # the two face-edges of every edge (use == 2 everywhere)
    fa, ka = pairs[:, 0] // 3, pairs[:, 0] % 3
    fb, kb = pairs[:, 1] // 3, pairs[:, 1] % 3
    ea0, ea1 = f[fa, ka], f[fa, (ka + 1) % 3]
    # corner ids: 3*face + local vertex index
    ca0, ca1 = 3 * fa + ka, 3 * fa + (ka + 1) % 3
    # in face b the same edge runs ea1 -> ea0
    cb_same0 = 3 * fb + (kb + 1) % 3  # vertex ea0 in face b
    cb_same1 = 3 * fb + kb            # vertex ea1 in face b
    rows = np.r_[ca0, ca1]
    cols = np.r_[cb_same0, cb_same1]
    g = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(3 * m, 3 * m))
    _, lab = connected_components(g, directed=False)
    cv = f.ravel()
    nfans = len(np.unique(np.stack([cv, lab], 1), axis=0))
    nverts = len(np.unique(cv))
    if nfans != nverts:
        _fail(name, f"is not a 2-manifold: {nfans - nverts} vertex/vertices joining separate fans "
              "of faces (pinched)", "split the pinched vertices or separate the touching parts")
    # orientation per connected component
    adj = coo_matrix((np.ones(len(fa)), (fa, fb)), shape=(m, m))
    ncomp, comp = connected_components(adj, directed=False)
    vol_f = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])) / 6.0
    vol_c = np.bincount(comp, weights=vol_f, minlength=ncomp)
    if np.any(vol_c <= 0):
        _fail(name, f"is oriented inward (enclosed volume {vol_c.min():.3g} m³ <= 0)",
              "reverse the vertex order of every face (faces[:, ::-1]) so normals point outward")
    if self_intersection:
        found, n = _intersecting_pairs(v, f)
        if n:
            i, j = found[0]
            _fail(name, f"intersects itself: {n} intersecting face pair(s) (first: faces {int(i)} and "
                  f"{int(j)} near {tri[i].mean(axis=0).round(6).tolist()} m)",
                  "remesh it or refine where it is too coarse for the curvature or folds")
    # quality
    s = el.sum(axis=1) / 2.0
    area = area2 / 2.0
    inr = area / s
    circ = el.prod(axis=1) / (4.0 * area)
    aspect = circ / (2.0 * inr)
    worst = float(aspect.max())
    if worst > max_aspect:
        warnings.warn(f"surface {name!r}: {int((aspect > max_aspect).sum())} poorly shaped triangle(s), "
                      f"worst aspect ratio {worst:.3g} (> {max_aspect:g}); accuracy near them may suffer",
                      MeshQualityWarning, stacklevel=2)
    edge_len = np.linalg.norm(v[e[:, 1]] - v[e[:, 0]], axis=1)
    return SurfaceStats(faces=m, vertices=int(nverts), min_edge=float(edge_len.min()),
                        max_edge=float(edge_len.max()), mean_edge=float(edge_len.mean()),
                        worst_aspect=worst, volume=float(vol_c.sum()), area=float(area.sum()))


def point_in_surface(points, vertices, faces):
    """Which points lie inside a closed surface: (k,) bool.

    Robust ray-cast winding number (signed crossings along an axis ray, with a consistent symbolic
    perturbation so rays through edges and vertices count once); independent of the face
    orientation. ``points`` (..., 3) m; returns shape ``points.shape[:-1]``. Points exactly on the
    surface may go either way.
    """
    v, f = _as_surface(vertices, faces, "surface")
    p = np.asarray(points, dtype=np.float64)
    if p.ndim == 0 or p.shape[-1] != 3:
        raise CoilsimTypeError(f"points must have shape (..., 3) (m); got {p.shape}")
    if not np.all(np.isfinite(p)):
        raise CoilsimValueError("points contain NaN or inf; pass finite coordinates (m)")
    shape = p.shape[:-1]
    w = _RayIndex(v, f).winding(np.ascontiguousarray(p.reshape(-1, 3)))
    return (w != 0).reshape(shape)


def _unpack(s, i):
    if isinstance(s, tuple) and len(s) == 3:
        s = s[1:]
    if not (isinstance(s, (tuple, list)) and len(s) == 2):
        raise CoilsimTypeError(f"surface {i} must be (vertices, faces) or (name, vertices, faces)")
    return _as_surface(s[0], s[1], f"surface {i}")


def surfaces_intersect(a, b) -> bool:
    """Whether two surfaces ``(vertices, faces)`` intersect (any triangle pair crosses or touches)."""
    va, fa = _unpack(a, 0)
    vb, fb = _unpack(b, 1)
    lo = np.maximum(va.min(0), vb.min(0))
    hi = np.minimum(va.max(0), vb.max(0))
    if np.any(lo > hi):
        return False
    v = np.concatenate([va, vb])
    f = np.concatenate([fa, fb + len(va)])
    grp = np.r_[np.zeros(len(fa), np.int64), np.ones(len(fb), np.int64)]
    _, n = _intersecting_pairs(v, f, grp, mode=1, maxout=1)
    return n > 0


def containment_tree(surfaces, *, check_intersections=False) -> list[int]:
    """Parent index of every surface (−1 for the outermost), derived geometrically.

    ``surfaces``: a sequence of ``(vertices, faces)`` or ``(name, vertices, faces)``: closed,
    pairwise disjoint surfaces in any arrangement (nested, side by side). Surface i's parent is the
    smallest surface that contains it. Up to 8 vertices per surface are tested (they must agree, or
    the surfaces intersect); ``check_intersections=True`` also runs :func:`surfaces_intersect` on
    every pair whose bounding boxes overlap.
    """
    surf = [_unpack(s, i) for i, s in enumerate(surfaces)]
    n = len(surf)
    vol = np.array([abs(np.einsum("ij,ij->i", v[f[:, 0]], np.cross(v[f[:, 1]], v[f[:, 2]])).sum() / 6.0)
                    for v, f in surf])
    idx = [_RayIndex(v, f) for v, f in surf]
    inside = np.zeros((n, n), bool)
    for i, (vi, fi) in enumerate(surf):
        used = np.unique(fi)
        probe = vi[used[np.linspace(0, len(used) - 1, min(8, len(used))).astype(np.int64)]]
        for j in range(n):
            if i == j:
                continue
            w = idx[j].winding(np.ascontiguousarray(probe)) != 0
            if w.any() and not w.all():
                raise CoilsimValueError(f"surfaces {i} and {j} intersect (surface {i} is partly inside "
                                        f"surface {j}); surfaces must be pairwise disjoint")
            inside[i, j] = w[0]
    for i in range(n):
        for j in range(i + 1, n):
            if inside[i, j] and inside[j, i]:
                raise CoilsimValueError(f"surfaces {i} and {j} each contain the other: they intersect")
            if check_intersections and surfaces_intersect(surf[i], surf[j]):
                raise CoilsimValueError(f"surfaces {i} and {j} intersect; surfaces must be pairwise disjoint")
    parent = []
    for i in range(n):
        cont = np.flatnonzero(inside[i])
        if len(cont) == 0:
            parent.append(-1)
            continue
        p = int(cont[np.argmin(vol[cont])])
        # every other container of i must contain p too (a chain), otherwise they intersect
        for j in cont:
            if j != p and not inside[p, j]:
                raise CoilsimValueError(f"surfaces {p} and {int(j)} both contain surface {i} but are not "
                                        "nested; they intersect")
        parent.append(p)
    return parent


__all__ = ["MAX_FACES", "MAX_ASPECT", "SurfaceStats", "icosphere", "refine", "graded_size",
           "capped_cylinder", "lofted_tube", "check_surface", "surfaces_intersect", "containment_tree",
           "point_in_surface", "MeshQualityWarning"]
