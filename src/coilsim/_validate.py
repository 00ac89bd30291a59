"""Validation helpers shared by the public wrappers (validate at the boundary, trust inside)."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from .errors import CoilsimTypeError, CoilsimValueError


#: largest coordinate accepted, m: far beyond any coil problem, well inside float64 range for
#: the squared and fourth-power distances the kernels form
MAX_COORD = 1e9


def as_points(points, name: str = "points", max_coord: float | None = None) -> np.ndarray:
    """Return ``points`` as a float64 array of shape ``(..., 3)``; finite values required,
    and coordinates within ``max_coord`` (m) when given."""
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError(f"{name} must be an array of shape (..., 3) in metres; got {type(points).__name__}") from exc
    if arr.ndim == 0 or arr.shape[-1] != 3:
        raise CoilsimTypeError(f"{name} must have shape (..., 3) (x, y, z in metres); got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise CoilsimValueError(f"{name} contains NaN or inf; pass finite coordinates in metres")
    if max_coord is not None and arr.size and np.abs(arr).max() > max_coord:
        raise CoilsimValueError(
            f"{name} has coordinates beyond {max_coord:g} m; coordinates are in metres (SI)")
    return arr


def real_scalar(value, name: str, *, positive: bool = False, nonnegative: bool = False,
                finite: bool = True) -> float:
    """Return ``value`` as a float, checking that it is a real scalar with the stated sign."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        else:
            raise CoilsimTypeError(f"{name} must be a real number; got {type(value).__name__}")
    x = float(value)
    if finite and not math.isfinite(x):
        raise CoilsimValueError(f"{name} must be finite; got {x}")
    if positive and not x > 0:
        raise CoilsimValueError(f"{name} must be > 0; got {x}")
    if nonnegative and not x >= 0:
        raise CoilsimValueError(f"{name} must be >= 0; got {x}")
    return x


def positive_int(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise CoilsimTypeError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise CoilsimValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def unit_vector(v, name: str) -> np.ndarray:
    """Return ``v`` (3,) normalised; zero or non-finite vectors are errors."""
    arr = np.asarray(v, dtype=np.float64)
    if arr.shape != (3,):
        raise CoilsimTypeError(f"{name} must be a 3-vector; got shape {arr.shape}")
    n = float(np.linalg.norm(arr))
    if not math.isfinite(n) or n == 0.0:
        raise CoilsimValueError(f"{name} must be a finite non-zero vector; got {arr}")
    return arr / n
