"""Closed-form inductances of circular loops and flat spirals (REFERENCES.md §2).

``loop_self_inductance`` and ``coaxial_mutual_inductance`` are exact for thin round wire / ideal
filaments and serve as references for :meth:`Coil.inductance`; the spiral formulas are engineering
estimates (a few per cent) for sanity checks and quick design sweeps.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import real_scalar
from ..constants import MU0, MU0_4PI
from ..errors import CoilsimValueError
from .loop import _g_d

__all__ = [
    "loop_self_inductance",
    "coaxial_mutual_inductance",
    "mohan_spiral_inductance",
    "wheeler_spiral_inductance",
]


def loop_self_inductance(radius, wire_radius, Y=1.0) -> float:
    """Self-inductance of a circular loop of round wire (thin-wire limit).

    ``L = μ0 a (ln(8a/r) − 2 + Y/4)``.

    Parameters
    ----------
    radius : float
        Loop radius ``a`` (to the wire's centreline), m (> 0).
    wire_radius : float
        Wire radius ``r``, m; ``0 < r < radius``. The formula is the leading term of an expansion
        in ``r/a`` (relative error ``O((r/a)² ln(a/r))``), so it is accurate for ``r ≪ a``.
    Y : float, optional
        Internal-inductance factor in ``[0, 1]``: 1 for uniform current over the cross-section (DC,
        default), 0 for current confined to the wire surface (high frequency, skin depth ≪ r).

    Returns
    -------
    float
        Inductance, H.

    Raises
    ------
    CoilsimValueError
        ``radius <= 0``, ``wire_radius`` not in ``(0, radius)``, or ``Y`` outside ``[0, 1]``.

    Examples
    --------
    >>> round(loop_self_inductance(0.035, 0.001) * 1e9, 4)   # nH
    170.862
    """
    a = real_scalar(radius, "radius", positive=True)
    r = real_scalar(wire_radius, "wire_radius", positive=True)
    y = real_scalar(Y, "Y")
    if not r < a:
        raise CoilsimValueError(
            f"wire_radius must be smaller than radius (thin-wire formula); got wire_radius={r} m, radius={a} m")
    if not 0.0 <= y <= 1.0:
        raise CoilsimValueError(f"Y must lie in [0, 1] (1 = uniform current, 0 = skin current); got {y}")
    return MU0 * a * (math.log(8.0 * a / r) - 2.0 + 0.25 * y)


def coaxial_mutual_inductance(radius1, radius2, distance) -> float:
    """Mutual inductance of two coaxial circular filaments (Maxwell's formula).

    ``M = μ0 √(ab) [(2/k − k) K(m) − (2/k) E(m)]``, ``m = k² = 4ab / ((a + b)² + d²)``, evaluated in the
    cancellation-free form ``M = 16 μ0 a² b² G(m) / ((a + b)² + d²)^{3/2}`` with
    ``G = [(1 − m/2) K − E]/m²`` (see :mod:`coilsim.analytic.loop`), so it keeps full precision from
    touching loops to the dipole–dipole limit ``μ0 π a² b² / (2 d³)``.

    Parameters
    ----------
    radius1, radius2 : float
        Loop radii ``a`` and ``b``, m (> 0).
    distance : float
        Axial separation ``d`` of the loop planes, m (the sign does not matter).

    Returns
    -------
    float
        Mutual inductance, H (positive: both currents counter-clockwise about the common axis).

    Raises
    ------
    CoilsimValueError
        Non-positive radius, non-finite distance, or coincident filaments (``a == b`` and ``d == 0``),
        whose mutual inductance is infinite (use :func:`loop_self_inductance`).
    """
    a = real_scalar(radius1, "radius1", positive=True)
    b = real_scalar(radius2, "radius2", positive=True)
    d = abs(real_scalar(distance, "distance"))
    # exact power-of-two scaling keeps a - b exact and the squares in range
    s = math.ldexp(1.0, math.frexp(max(a, b))[1])
    a_s, b_s, d_s = a / s, b / s, d / s
    beta = math.hypot(a_s + b_s, d_s)
    q = math.hypot(a_s - b_s, d_s) / beta
    if q == 0.0:
        raise CoilsimValueError(
            "distance is 0 with radius1 == radius2: the filaments coincide and their mutual inductance is "
            "infinite; use loop_self_inductance(radius, wire_radius) for a loop's own inductance")
    m = 4.0 * a_s * (b_s / beta) / beta
    g, _ = _g_d(np.array([m]), np.array([q * q]))
    # 16 μ0 = 64π · (μ0/4π)
    return float(64.0 * math.pi * MU0_4PI * (a_s * b_s) ** 2 * g[0] / beta ** 3 * s)


def _spiral_args(turns, inner_radius, outer_radius):
    n = real_scalar(turns, "turns", positive=True)
    r_in = real_scalar(inner_radius, "inner_radius", nonnegative=True)
    r_out = real_scalar(outer_radius, "outer_radius", positive=True)
    if not r_in < r_out:
        raise CoilsimValueError(
            f"inner_radius must be smaller than outer_radius; got inner_radius={r_in} m, outer_radius={r_out} m")
    return n, r_in, r_out


def mohan_spiral_inductance(turns, inner_radius, outer_radius) -> float:
    """Inductance of a flat circular spiral: Mohan et al. (1999) current-sheet expression.

    ``L = μ0 n² d_avg c1 / 2 · [ln(c2/ρ) + c3 ρ + c4 ρ²]`` with the circular-spiral coefficients
    ``c1 = 1.00, c2 = 2.46, c3 = 0.00, c4 = 0.20``, ``d_avg = (d_out + d_in)/2`` and the fill ratio
    ``ρ = (d_out − d_in)/(d_out + d_in)``, where ``d_out = 2·outer_radius`` and ``d_in = 2·inner_radius``
    are the outer and inner diameters of the winding (S. S. Mohan, M. del Mar Hershenson, S. P. Boyd,
    T. H. Lee, "Simple accurate expressions for planar spiral inductances", IEEE J. Solid-State
    Circuits 34(10):1419–1424, 1999).

    This is an engineering formula, good to about ±5 % for ordinary spirals (turn pitch not much
    larger than the conductor width); it ignores the conductor cross-section beyond the fill ratio.
    Use :meth:`Coil.inductance` for an exact value.

    Parameters
    ----------
    turns : float
        Number of turns ``n`` (> 0; need not be an integer).
    inner_radius : float
        Inner radius of the winding, m (>= 0).
    outer_radius : float
        Outer radius of the winding, m (> inner_radius).

    Returns
    -------
    float
        Inductance, H.

    Raises
    ------
    CoilsimValueError
        Non-positive ``turns`` or ``outer_radius``, negative ``inner_radius``, or
        ``inner_radius >= outer_radius``.
    """
    n, r_in, r_out = _spiral_args(turns, inner_radius, outer_radius)
    c1, c2, c3, c4 = 1.00, 2.46, 0.00, 0.20
    d_out, d_in = 2.0 * r_out, 2.0 * r_in
    d_avg = 0.5 * (d_out + d_in)
    fill = (d_out - d_in) / (d_out + d_in)
    return MU0 * n * n * d_avg * c1 / 2.0 * (math.log(c2 / fill) + c3 * fill + c4 * fill * fill)


def wheeler_spiral_inductance(turns, inner_radius, outer_radius) -> float:
    """Inductance of a flat circular ("pancake") spiral: Wheeler's (1928) empirical formula.

    Wheeler's ``L[μH] = r̄² n² / (8 r̄ + 11 c)`` with lengths in inches, i.e. in SI
    ``L = (1e-6 / 0.0254 H/m) · n² r̄² / (8 r̄ + 11 c)`` with lengths in metres. ``r̄ = (r_in + r_out)/2`` is
    the mean radius and ``c = r_out − r_in`` the radial width of the winding (H. A. Wheeler, "Simple
    inductance formulas for radio coils", Proc. IRE 16(10):1398–1400, 1928).

    An engineering estimate (Wheeler quotes about ±5 % for ``c > 0.2 r̄``); it degrades for very
    narrow windings. Prefer :func:`mohan_spiral_inductance` or :meth:`Coil.inductance`.

    Parameters
    ----------
    turns : float
        Number of turns ``n`` (> 0).
    inner_radius, outer_radius : float
        Inner and outer radius of the winding, m (``0 <= inner_radius < outer_radius``).

    Returns
    -------
    float
        Inductance, H.
    """
    n, r_in, r_out = _spiral_args(turns, inner_radius, outer_radius)
    r_bar = 0.5 * (r_in + r_out)
    c = r_out - r_in
    return 1e-6 / 0.0254 * n * n * r_bar * r_bar / (8.0 * r_bar + 11.0 * c)
