"""Error measures shared by tests, benchmarks and users (DESIGN.md "Definitions")."""

from __future__ import annotations

import numpy as np


def field_error(x, ref) -> float:
    """Error of a vector field against a reference over a set of points.

    max_i |x_i - r_i| / max(|r_i|, 0.1 · max_j |r_j|): pointwise relative where the field
    is strong, relative to a tenth of the peak where it vanishes. ``x`` and ``ref`` are
    (..., 3) arrays of the same shape (any unit).
    """
    x = np.asarray(x, dtype=float).reshape(-1, 3)
    ref = np.asarray(ref, dtype=float).reshape(-1, 3)
    if x.shape != ref.shape:
        raise ValueError(f"x and ref must have the same shape; got {x.shape} and {ref.shape}")
    nr = np.linalg.norm(ref, axis=1)
    return float((np.linalg.norm(x - ref, axis=1) / np.maximum(nr, 0.1 * nr.max())).max())
