"""Planar layers: the exact induced field, no mesh (REFERENCES.md §3).

Inside a body filling z < 0 with any planar layering, E_z ≡ 0 and E = ẑ × ∫_{−∞}^{z} ∂B/∂t dz′,
independent of the conductivities. Integrating Biot–Savart over z first gives, per unit dI/dt and
with d = r − r′, R = |d|, μ0/4π·w the segment coefficient,

    E(r) = −A_h(r) − (μ0/4π) Σ_seg w ∫ u_z (d_x, d_y, 0) / (R (R − d_z)) ds,

where A_h is the horizontal part of the vector potential: horizontal currents act as in free
space and only vertical current components add a correction (so a coil parallel to the skin gives
E = −A exactly). R − d_z ≥ R because every source lies above the skin, so the remaining line
integral is smooth; it is done by 8-point Gauss–Legendre on dyadically split segments
(:func:`coilsim.kernels.bem.planar_vertical_part`).
"""

from __future__ import annotations

import numpy as np

from ..constants import MU0_4PI
from ..errors import CoilsimValueError
from ..kernels.bem import planar_vertical_part

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(8)
_NODES = 0.5 * (_NODES + 1.0)
_WEIGHTS = 0.5 * _WEIGHTS


def check_coil_above(coil):
    """Raise when any part of ``coil`` (segments, casing contact point) is at z ≤ 0."""
    s, e, _ = coil.segments()
    zmin = min(s[:, 2].min(), e[:, 2].min())
    if zmin <= 0.0 or coil.contact_point[2] < -1e-12:
        raise CoilsimValueError(
            f"coil: its windings reach z = {zmin:.4g} m (casing contact at "
            f"{coil.contact_point[2]:.4g} m); a planar model fills z < 0, so place the coil above "
            f"the skin (e.g. coil.placed((0, 0, 0), (0, 0, 1)))")


def planar_efield(coil, points: np.ndarray) -> np.ndarray:
    """E (V/m per A/s) at points (N, 3) m with z ≤ 0 in any planar layering below z = 0."""
    a = coil.A(points)
    out = np.zeros_like(a)
    out[:, 0] = -a[:, 0]
    out[:, 1] = -a[:, 1]
    s, e, w = coil.segments()
    vert = s[:, 2] != e[:, 2]
    if np.any(vert):
        planar_vertical_part(np.ascontiguousarray(points), np.ascontiguousarray(s[vert]),
                             np.ascontiguousarray(e[vert]), MU0_4PI * w[vert], _NODES, _WEIGHTS,
                             out)
    return out
