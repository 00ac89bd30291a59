"""Optional fast multipole far field (fmm3dpy, extra ``fmm``) for evaluating the BEM charges.

The direct centroid-rule sum costs P·N pairs (10⁵ points × 3.4·10⁴ triangles: 3.4·10⁹); the
Laplace FMM of fmm3dpy (Flatiron Institute) costs O(P + N) to a requested precision. Its kernel
normalisation changed by 4π between versions; :func:`centroid_field` checks it on first use
against a two-charge case (``tests/test_efield.py`` pins it too) and refuses to run otherwise.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..errors import CoilsimValueError

#: requested FMM precision (relative to the field scale); far below the BEM discretisation error
EPS = 1e-9


@lru_cache(maxsize=1)
def available() -> bool:
    """True when fmm3dpy imports and its Laplace kernel has the normalisation this module
    expects (potential q/(4π r))."""
    try:
        import fmm3dpy
    except ImportError:
        return False
    src = np.array([[0.0, 0.3], [0.0, 0.4], [0.0, 0.5]])
    trg = np.array([[1.0], [0.0], [0.0]])
    res = fmm3dpy.lfmm3d(eps=1e-12, sources=src, charges=np.array([1.0, 0.0]), targets=trg, pgt=2)
    ok = (abs(float(np.ravel(res.pottarg)[0]) - 1.0 / (4 * math.pi)) < 1e-9
          and abs(float(np.ravel(res.gradtarg)[0]) + 1.0 / (4 * math.pi)) < 1e-9)
    if not ok:
        raise CoilsimValueError(
            f"fmm3dpy {getattr(fmm3dpy, '__version__', '?')}: unexpected Laplace kernel "
            f"normalisation (potential of a unit charge at 1 m = {np.ravel(res.pottarg)[0]!r}, "
            f"expected 1/4π); install fmm3dpy>=1.0 or remove it to use the direct sum")
    return True


def centroid_field(points: np.ndarray, centroids: np.ndarray, q: np.ndarray,
                   eps: float = EPS) -> np.ndarray:
    """Σ_j q_j (r − c_j)/|r − c_j|³/4π at ``points`` (P, 3) m from point charges ``q`` (N,)
    (m²·V/m) at ``centroids`` (N, 3) m: the same sum as :func:`coilsim.kernels.bem.far_field`,
    by the FMM to relative precision ``eps``. Returns (P, 3) V/m."""
    import fmm3dpy
    res = fmm3dpy.lfmm3d(eps=eps, sources=np.ascontiguousarray(centroids.T),
                         charges=np.ascontiguousarray(q, dtype=np.float64),
                         targets=np.ascontiguousarray(points.T), pgt=2)
    return -np.ascontiguousarray(res.gradtarg.T)
