"""Exact magnetic field and vector potential of an ideal circular current loop (filament).

These are coilsim's analytic oracle for Biot–Savart (REFERENCES.md §1) and a public API in their own
right. The loop has radius ``a``, carries current ``I`` and lies in the plane through ``center``
perpendicular to ``normal``; positive current circulates counter-clockwise seen from the tip of
``normal``, so ``B · normal > 0`` at the centre.

Formulation
-----------
In the loop's cylindrical frame ``(ρ, φ, z)`` let ``β² = (a + ρ)² + z²``, ``α² = (a − ρ)² + z²``,
``m = k² = 4aρ/β²`` (the elliptic parameter, scipy's convention) and ``1 − m = α²/β²``. The classical
Smythe / Simpson et al. (2001) expressions

    A_φ = (μ0 I / (π k)) √(a/ρ) [(1 − m/2) K(m) − E(m)],
    B_ρ = (μ0 I / 2π) z / (ρ β) [(a² + ρ² + z²) E / α² − K],
    B_z = (μ0 I / 2π) / β     [(a² − ρ² − z²) E / α² + K],

lose ``~ε/m²`` relative precision for small ``m`` (near the axis and far away) because the brackets
vanish like ``m²``. They are rewritten here in terms of two positive, slowly varying functions,

    G(m) = [(1 − m/2) K − E] / m² = (π/32) ₂F₁(3/2, 3/2; 3; m),     D(m) = m G'(m),

as (C = 8 μ0 I / π)

    A_φ = C a² ρ G / β³,
    B_ρ = C a² ρ z (3G + 2D) / β⁵,
    B_z = C a² [G ((a + ρ)(2a − ρ) + 2z²) + D ((a − ρ)(a + ρ) + z²)] / β⁵.

``G`` and ``D`` are summed from their power series (positive coefficients, no cancellation) for
``m < 0.6`` and taken from :func:`scipy.special.ellipkm1` / :func:`scipy.special.ellipe` above, with
``1 − m`` computed as ``(α/β)²`` rather than by subtraction. No expression divides by ``ρ``, so the
axis and the centre are exact (``B_ρ = A_φ = 0`` there and ``B_z`` reduces to the on-axis formula),
and the far field tends to the dipole field without loss of precision.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy.special import ellipe, ellipkm1

from .._validate import as_points, real_scalar, unit_vector
from ..constants import MU0_4PI
from ..errors import CoilsimTypeError, CoilsimValueError

__all__ = ["loop_field", "loop_vector_potential"]

#: below this elliptic parameter G and D come from their power series
_M_SERIES = 0.6
#: number of series terms: 0.6**84 ≈ 2e-19, far below double precision
_N_SERIES = 84


def _series_coefficients(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients of ``G(m)/(π/2)`` and ``D(m)/(π/2)`` in powers of ``m`` (exact rationals → float).

    ``G = (π/2) Σ_j g_j m^j`` with ``g_j = c_{j+1} (j + 1) / (2 (j + 2))`` and
    ``c_n = ((1/2)_n / n!)²`` (the coefficients of ``K = (π/2) Σ c_n m^n``); ``D = (π/2) Σ j g_j m^j``.
    """
    g = []
    c = Fraction(1)  # c_0
    for j in range(n):
        c *= Fraction(2 * j + 1, 2 * j + 2) ** 2  # c_{j+1}
        g.append(c * (j + 1) / (2 * (j + 2)))
    gf = np.array([float(x) for x in g])
    df = np.array([float(j * x) for j, x in enumerate(g)])
    return gf, df


_G_COEF, _D_COEF = _series_coefficients(_N_SERIES)


def _g_d(m: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``G(m)`` and ``D(m) = m G'(m)`` (see the module docstring); ``p = 1 − m`` given accurately.

    ``m`` must lie in ``[0, 1)`` and ``p`` in ``(0, 1]``.
    """
    g = np.empty_like(m)
    d = np.empty_like(m)
    small = m < _M_SERIES
    if np.any(small):
        ms = m[small]
        gs = np.full_like(ms, _G_COEF[-1])
        ds = np.full_like(ms, _D_COEF[-1])
        for j in range(_N_SERIES - 2, -1, -1):
            gs = gs * ms + _G_COEF[j]
            ds = ds * ms + _D_COEF[j]
        g[small] = (0.5 * math.pi) * gs
        d[small] = (0.5 * math.pi) * ds
    big = ~small
    if np.any(big):
        mb = m[big]
        pb = p[big]
        kk = ellipkm1(pb)
        ee = ellipe(mb)
        m2 = mb * mb
        g[big] = (0.5 * (1.0 + pb) * kk - ee) / m2
        d[big] = (0.25 * mb * (ee / pb - kk) - (1.0 + pb) * kk + 2.0 * ee) / m2
    return g, d


def _frame(points: np.ndarray, center: np.ndarray, normal: np.ndarray):
    """Split ``points - center`` into the axial coordinate ``z`` and the in-plane vector ``w``."""
    d = points - center
    z = d @ normal
    w = d - z[..., None] * normal
    return d, z, w


def _cylindrical(a: float, rho: np.ndarray, z: np.ndarray):
    """Scaled geometry: returns ``(s, a', ρ', z', β', m, p)`` with lengths divided by ``s = 2**e``.

    The power-of-two scale ``s ≈ a`` is exact in binary floating point, so ``a' − ρ'`` keeps every
    bit of ``a − ρ`` (this matters within a wire radius of the filament), while ``β'`` cannot
    overflow or underflow for any sensible geometry.
    """
    s = math.ldexp(1.0, math.frexp(a)[1])
    a_s = a / s
    rho_s = rho / s
    z_s = z / s
    beta = np.hypot(a_s + rho_s, z_s)
    alpha = np.hypot(a_s - rho_s, z_s)
    m = 4.0 * a_s * (rho_s / beta) / beta
    q = alpha / beta
    p = q * q
    return s, a_s, rho_s, z_s, beta, m, p


def _common(points, radius, current, center, normal):
    """Validate the public arguments and return the loop-frame geometry (see :func:`_cylindrical`)."""
    pts = as_points(points, "points")
    a = real_scalar(radius, "radius", positive=True)
    cur = real_scalar(current, "current")
    try:
        c = np.asarray(center, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError(f"center must be a 3-vector (x, y, z in metres); got {center!r}") from exc
    if c.shape != (3,):
        raise CoilsimTypeError(f"center must be a 3-vector (x, y, z in metres); got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise CoilsimValueError(f"center must be finite; got {c}")
    n = unit_vector(normal, "normal")
    d, z, w = _frame(pts, c, n)
    rho = np.hypot(np.hypot(w[..., 0], w[..., 1]), w[..., 2])
    geo = _cylindrical(a, rho, z)
    p = geo[-1]
    on = p == 0.0  # α/β underflowed or is exactly 0: ρ == a and z == 0 (to ~1e-154 a)
    if np.any(on):
        idx = tuple(int(i) for i in np.argwhere(on)[0])
        label = f"points{list(idx)}" if idx else "points"
        raise CoilsimValueError(
            f"{label} = {pts[idx].tolist()} lies on the loop filament (radius {a} m), where the "
            "field of an ideal filament is infinite; move the point off the wire (or model the conductor's "
            "cross-section)")
    return cur, n, d, w, geo


def loop_field(points, radius, current=1.0, center=(0.0, 0.0, 0.0), normal=(0.0, 0.0, 1.0)) -> np.ndarray:
    """Magnetic flux density of an ideal circular current filament.

    Parameters
    ----------
    points : array_like, shape (..., 3)
        Field points, m. Any leading shape; it is preserved in the result.
    radius : float
        Loop radius ``a``, m (> 0).
    current : float, optional
        Current ``I``, A (default 1). Positive current circulates counter-clockwise seen from the tip
        of ``normal``.
    center : array_like, shape (3,), optional
        Centre of the loop, m (default the origin).
    normal : array_like, shape (3,), optional
        Axis of the loop (normalised internally; default +z).

    Returns
    -------
    B : ndarray, shape (..., 3)
        Flux density, T. ``B · normal = μ0 I / (2a) > 0`` at the centre for ``I > 0``.

    Raises
    ------
    CoilsimTypeError
        ``points`` is not ``(..., 3)``, or ``center``/``normal`` is not a 3-vector.
    CoilsimValueError
        Non-finite ``points``/``center``, ``radius <= 0``, a zero ``normal``, or a point lying exactly
        on the filament (``ρ == a`` and ``z == 0`` in the loop frame), where the field is infinite.

    Notes
    -----
    Exact (Smythe; Simpson et al. 2001) with a reformulation that keeps full double precision for
    every elliptic parameter ``m = 4aρ/((a+ρ)² + z²)`` (relative error ≲ 1e-14 from ``m = 0`` up to
    ``1 − m = 1e-6``; tested against mpmath): see the module docstring. Points very close to the wire
    get the large but finite field of the filament (``|B| ~ μ0 I / (2π d)`` at a distance ``d``), not
    that of a real conductor.
    """
    cur, n, d, w, (s, a_s, rho_s, z_s, beta, m, p) = _common(points, radius, current, center, normal)
    g, dd = _g_d(m, p)
    c = 32.0 * MU0_4PI * cur  # 8 μ0 I / π
    ib = 1.0 / beta
    ib3 = ib * ib * ib
    ib5 = ib3 * ib * ib
    fac = c * a_s * a_s * ib5
    # B_ρ ρ̂ = C a² z (3G + 2D) / β⁵ · w   (w = ρ ρ̂, so nothing divides by ρ)
    b_rho_w = fac * z_s * (3.0 * g + 2.0 * dd) / s  # per metre of w: w is not scaled
    b_z = fac * (g * ((a_s + rho_s) * (2.0 * a_s - rho_s) + 2.0 * z_s * z_s)
                 + dd * ((a_s - rho_s) * (a_s + rho_s) + z_s * z_s)) / s
    return b_rho_w[..., None] * (w / s) + b_z[..., None] * n


def loop_vector_potential(points, radius, current=1.0, center=(0.0, 0.0, 0.0),
                          normal=(0.0, 0.0, 1.0)) -> np.ndarray:
    """Magnetic vector potential (Coulomb gauge) of an ideal circular current filament.

    Parameters
    ----------
    points : array_like, shape (..., 3)
        Field points, m. Any leading shape; it is preserved in the result.
    radius : float
        Loop radius ``a``, m (> 0).
    current : float, optional
        Current ``I``, A (default 1); counter-clockwise seen from the tip of ``normal``.
    center : array_like, shape (3,), optional
        Centre of the loop, m.
    normal : array_like, shape (3,), optional
        Axis of the loop (normalised internally).

    Returns
    -------
    A : ndarray, shape (..., 3)
        Vector potential, T·m (= V·s/m), azimuthal: ``A = A_φ φ̂`` with ``φ̂ = normal × ρ̂``. Zero on
        the axis. ``-dI/dt · A(points, current=1)`` is the primary induced E-field, V/m.

    Raises
    ------
    CoilsimTypeError, CoilsimValueError
        As :func:`loop_field` (a point exactly on the filament, where ``A`` diverges logarithmically,
        is an error naming ``points``).

    Notes
    -----
    ``A_φ = (μ0 I/(π k)) √(a/ρ) [(1 − m/2) K(m) − E(m)]``, evaluated without the ``ε/m²`` cancellation
    of that form (module docstring); ``∇ × A`` equals :func:`loop_field`.
    """
    cur, n, d, w, (s, a_s, rho_s, z_s, beta, m, p) = _common(points, radius, current, center, normal)
    g, _ = _g_d(m, p)
    ib = 1.0 / beta
    # A_φ φ̂ = C a² G / β³ · (n × w), and n × w = n × d
    fac = 32.0 * MU0_4PI * cur * a_s * a_s * g * ib * ib * ib
    return fac[..., None] * (np.cross(n, d) / s)
