"""Induced E-field in a planar (half-space) conductor: exact quasi-static reference.

The conductor fills ``z < 0`` with any planar layering σ(z); every source is in ``z > 0``.
Inside, ``E_z ≡ 0`` and (Tofts 1990, Phys Med Biol 35:1119; Esselle & Stuchly 1992, IEEE TBME
39:693)::

    E(x, y, z) = ẑ × ∫_{-∞}^{z} ∂B/∂t (x, y, z') dz'

independent of the conductivities. coilsim's fields are per unit dI/dt, so with ``B`` the primary
flux density per ampere, ``E = ẑ × ∫ B dz'`` in V/m per A/s. This satisfies ``∇×E = -∂B/∂t``,
``∇·E = 0`` and ``E_z = 0`` (no normal current), which determine it uniquely.

For a magnetic dipole ``m`` at ``r0`` the z-integral is elementary. With ``X, Y = x - x0, y - y0``,
``s = z0 - z > 0``, ``R = |r - r0|`` (cancellation-free forms)::

    ∫_{-∞}^{z} dz'/R'^3   = 1 / (R (R + s))
    ∫_{-∞}^{z} dz'/R'^5   = (2R + s) / (3 R^3 (R + s)^2)
    ∫_{-∞}^{z} Z' dz'/R'^5 = -1 / (3 R^3)                (Z' = z' - z0)

and, with ``k = μ0/4π``,
``F_x = k [3X (m_x X + m_y Y) I5 + 3X m_z J5 - m_x I3]`` (``F_y`` likewise), ``E = (-F_y, F_x, 0)``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate

from .._numba import njit, prange
from .._validate import as_points, positive_int, real_scalar
from ..constants import MU0_4PI
from ..errors import CoilsimTypeError, CoilsimValueError, ConvergenceError
from .sphere import _as_dipoles, _as_polyline, _sheet_for_points

__all__ = ["halfspace_efield_dipole", "halfspace_efield", "halfspace_efield_polyline"]


@njit(parallel=True)
def _halfspace_dipole_kernel(pts, pos, mom, out):  # pragma: no cover - compiled
    n = pts.shape[0]
    q = pos.shape[0]
    for i in prange(n):
        fx = 0.0
        fy = 0.0
        for j in range(q):
            X = pts[i, 0] - pos[j, 0]
            Y = pts[i, 1] - pos[j, 1]
            s = pos[j, 2] - pts[i, 2]
            mx = mom[j, 0]
            my = mom[j, 1]
            mz = mom[j, 2]
            R = math.sqrt(X * X + Y * Y + s * s)
            R3 = R * R * R
            Rs = R + s
            i3 = 1.0 / (R * Rs)
            i5 = (2.0 * R + s) / (3.0 * R3 * Rs * Rs)
            j5 = -1.0 / (3.0 * R3)
            mh = mx * X + my * Y
            fx += 3.0 * X * (mh * i5 + mz * j5) - mx * i3
            fy += 3.0 * Y * (mh * i5 + mz * j5) - my * i3
        out[i, 0] = -MU0_4PI * fy
        out[i, 1] = MU0_4PI * fx
        out[i, 2] = 0.0


def _halfspace_points(points):
    pts = as_points(points, "points")
    flat = np.ascontiguousarray(pts.reshape(-1, 3))
    if flat.shape[0] and flat[:, 2].max() > 0.0:
        raise CoilsimValueError(
            "points must lie in the conductor z <= 0 (the half-space surface is z = 0); the highest "
            f"point has z = {flat[:, 2].max():g} m")
    return pts, flat


def halfspace_efield_dipole(points, dipole_pos, dipole_moment):
    """Induced E-field in a planar (half-space) conductor ``z < 0`` from magnetic dipoles, closed form.

    Exact for any planar layering σ(z) (the field does not depend on it). Dipoles are summed.

    Parameters
    ----------
    points : array_like, shape (..., 3)
        Evaluation points in the conductor, ``z <= 0``, m.
    dipole_pos : array_like, shape (M, 3) or (3,)
        Dipole positions above the surface, ``z > 0``, m.
    dipole_moment : array_like, shape (M, 3) or (3,)
        Dipole moments per ampere of coil current, A·m²/A (= m²).

    Returns
    -------
    E : ndarray, shape (..., 3)
        Induced electric field per unit dI/dt, V/m per A/s; ``E[..., 2] == 0``.

    Raises
    ------
    CoilsimValueError
        If a point has ``z > 0`` (``points``) or a dipole ``z <= 0`` (``dipole_pos``).
    """
    pts, flat = _halfspace_points(points)
    pos, mom = _as_dipoles(dipole_pos, dipole_moment)
    if pos.shape[0] and not pos[:, 2].min() > 0.0:
        raise CoilsimValueError(
            f"dipole_pos must lie above the conductor (z > 0); the lowest has z = {pos[:, 2].min():g} m")
    out = np.zeros_like(flat)
    if pos.shape[0] and flat.shape[0]:
        _halfspace_dipole_kernel(flat, pos, mom, out)
    return out.reshape(pts.shape)


def halfspace_efield_polyline(points, vertices, weight=1.0, *, n_quad=8, panel_size=None):
    """Induced E-field in a half-space conductor ``z < 0`` from a closed polyline current.

    The polyline is replaced by its dipole sheet (fan from the vertex centroid, see
    :func:`coilsim.analytic.polyline_dipole_sheet`) and :func:`halfspace_efield_dipole` is summed
    over the sheet's quadrature dipoles. The polyline must lie in ``z >= 0`` (then so does the
    sheet) and the sheet must not touch the points.

    Parameters
    ----------
    points : array_like, shape (..., 3)
        Evaluation points, ``z <= 0``, m.
    vertices : array_like, shape (n, 3)
        Vertices of the closed polyline, m; current flows along the vertex order.
    weight : float, optional
        Current along the vertex order per ampere of coil current (turns), default 1.
    n_quad : int, optional
        Gauss–Legendre order per panel and direction, default 8.
    panel_size : float, optional
        Panel size, m. Default: the smaller of the (exact) distance between the points and the
        sheet and the coil's radius (≈ 1e-9 relative error, see
        :func:`coilsim.analytic.polyline_dipole_sheet`).

    Returns
    -------
    E : ndarray, shape (..., 3)
        Induced electric field per unit dI/dt, V/m per A/s.

    Raises
    ------
    CoilsimValueError
        If a point has ``z > 0`` (``points``) or a vertex ``z < 0`` (``vertices``).
    """
    pts, flat = _halfspace_points(points)
    v = _as_polyline(vertices)
    weight = real_scalar(weight, "weight")
    n_quad = positive_int(n_quad, "n_quad")
    if panel_size is not None:
        panel_size = real_scalar(panel_size, "panel_size", positive=True)
    if v[:, 2].min() < 0.0:
        raise CoilsimValueError(
            f"vertices must lie outside the conductor (z >= 0); the lowest has z = {v[:, 2].min():g} m")
    _, _, (pos, mom) = _sheet_for_points(v, weight, n_quad, panel_size, flat)
    # Gauss nodes are strict convex combinations of a fan triangle's corners, so they sit at
    # z > 0 unless a whole fan triangle lies in the surface plane.
    if not pos[:, 2].min() > 0.0:
        raise CoilsimValueError(
            "vertices: part of the coil's spanning surface lies in the plane z = 0; lift the coil "
            "(z > 0) so that the dipole sheet is strictly above the conductor")
    out = np.zeros_like(flat)
    if flat.shape[0]:
        _halfspace_dipole_kernel(flat, np.ascontiguousarray(pos), np.ascontiguousarray(mom), out)
    return out.reshape(pts.shape)


def halfspace_efield(points, B_func, *, length_scale=0.01, rtol=1e-10, limit=200):
    """Induced E-field in a half-space conductor ``z < 0`` by adaptive quadrature of a primary B.

    Evaluates ``E = ẑ × ∫_{-∞}^{z} B(x, y, z') dz'`` (per unit dI/dt) by vectorised adaptive
    Gauss–Kronrod quadrature (:func:`scipy.integrate.quad_vec`) after mapping each point's ray to
    a finite interval, ``z' = z - L u/(1 - u)``, ``u ∈ [0, 1)``, ``L = |z| + length_scale``. The
    integrand of each point is normalised by its own magnitude, so ``rtol`` is a per-point
    relative tolerance. An independent reference for closed forms (any source, any coil
    orientation); exact for any planar layering.

    Parameters
    ----------
    points : array_like, shape (..., 3)
        Evaluation points, ``z <= 0``, m.
    B_func : callable
        ``B_func(p) -> (N, 3)`` for ``p`` of shape ``(N, 3)``: primary magnetic flux density per
        ampere of coil current, T/A, valid everywhere in ``z <= 0``.
    length_scale : float, optional
        Typical distance from the sources to the surface, m (sets the mapping). Default 0.01.
    rtol : float, optional
        Relative tolerance per point. Default 1e-10.
    limit : int, optional
        Maximum number of subintervals of the adaptive rule. Default 200.

    Returns
    -------
    E : ndarray, shape (..., 3)
        Induced electric field per unit dI/dt, V/m per A/s; ``E[..., 2] == 0``.

    Raises
    ------
    CoilsimValueError
        If a point has ``z > 0`` (``points``) or ``B_func`` returns a wrong shape or non-finite
        values.
    ConvergenceError
        If the adaptive rule cannot reach ``rtol`` within ``limit`` subintervals.
    """
    pts, flat = _halfspace_points(points)
    if not callable(B_func):
        raise CoilsimTypeError(f"B_func must be a callable points -> B (T/A); got {type(B_func).__name__}")
    length_scale = real_scalar(length_scale, "length_scale", positive=True)
    rtol = real_scalar(rtol, "rtol", positive=True)
    limit = positive_int(limit, "limit")
    n = flat.shape[0]
    out = np.zeros_like(flat)
    if n == 0:
        return out.reshape(pts.shape)
    L = np.abs(flat[:, 2]) + length_scale

    def integrand(u):
        u = np.asarray(u, dtype=np.float64)
        if u >= 1.0:
            return np.zeros((n, 2))
        q = flat.copy()
        q[:, 2] = flat[:, 2] - L * (u / (1.0 - u))
        b = np.asarray(B_func(q), dtype=np.float64)
        if b.shape != (n, 3):
            raise CoilsimValueError(
                f"B_func must return shape ({n}, 3) for points of shape ({n}, 3); got {b.shape}")
        if not np.all(np.isfinite(b)):
            raise CoilsimValueError("B_func returned NaN or inf at a point in the conductor")
        return b[:, :2] * (L / (1.0 - u) ** 2)[:, None]

    # per-point normalisation so that the tolerance is relative per point
    probe = np.array([0.0, 0.05, 0.15, 0.3, 0.5, 0.7, 0.85])
    scale = np.zeros(n)
    for u in probe:
        scale = np.maximum(scale, np.abs(integrand(u)).max(axis=1))
    scale = np.where(scale > 0.0, scale, 1.0)

    res, err, info = integrate.quad_vec(lambda u: integrand(u) / scale[:, None], 0.0, 1.0,
                                        epsabs=rtol, epsrel=0.0, norm="max", limit=limit,
                                        full_output=True)
    if not err <= 10.0 * rtol:
        raise ConvergenceError(
            f"halfspace_efield: adaptive quadrature stopped at estimated relative error {err:.2e} "
            f"(rtol={rtol:g}, {info.intervals.shape[0]} intervals, limit={limit}); raise limit= or "
            "set length_scale= to the source-to-surface distance")
    fx = res[:, 0] * scale
    fy = res[:, 1] * scale
    out[:, 0] = -fy
    out[:, 1] = fx
    return out.reshape(pts.shape)
